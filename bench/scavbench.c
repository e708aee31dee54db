// SPDX-License-Identifier: MIT
/*
 * scavbench: every way of giving memory back, on the same workload, in the
 * same run.  Timings are compared only as ratios to madvise(MADV_DONTNEED)
 * measured in the same run: under emulation (TCG) absolute times mean
 * nothing, and even natively only ratios carry over between machines.
 *
 * Output: Markdown tables on stdout; with -o DIR, CSV files for plotting.
 *
 *   scavbench [--quick] [-o DIR] [--only FIGURE]
 *
 * FIGURE: release, reuse, rss, pressure, container, asking, neighbours or
 * zero.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scav.h"

#define KiB 1024UL
#define MiB (1024 * KiB)

static size_t pg;
static int quick;
static const char *outdir;
static const char *only;	/* run this figure only */

static int wanted(const char *fig)
{
	return !only || !strcmp(only, fig);
}

/* What the targets are judged on, filled in by the figures (-1: not run). */
static double t_release = -1;	/* scav report+discard, 1024 x 4 KiB, / DONTNEED */
static double t_reuse = -1;	/* DONTNEED refault / scav claim+touch in window */
static double t_rss_ms = -2;	/* scav: VmRSS at the live set after (-1: never) */
static double t_free_ms = -2;	/* MADV_FREE: the same */
static double t_map_reuse = -1;	/* map claim+touch / MADV_FREE reuse+touch */
static double t_map_floor = -1;	/* the same for a claim that cost nothing */
static double t_map_release = -1;	/* map report, 1024 x 4 KiB, / DONTNEED */
static double t_honest = -1;	/* scav: max error of the used figure, % */
static double t_asking = -1;	/* smaps_rollup / STATS at the largest size */
static double t_zero_half = -1;	/* SCAV_CLAIM_ZERO / memset, half discarded */
static double t_zero_kept = -1;	/* the same, all kept */
static int t_zero_bad;		/* a claimed range did not read as zeros */
static size_t t_asking_mib;

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static FILE *csv(const char *name, const char *header)
{
	char path[512];
	FILE *f;

	if (!outdir)
		return NULL;
	snprintf(path, sizeof(path), "%s/%s.csv", outdir, name);
	f = fopen(path, "w");
	if (f)
		fprintf(f, "%s\n", header);
	return f;
}

/* ---- the modes ---------------------------------------------------------- */

enum mode {
	M_DONTNEED,	/* madvise(MADV_DONTNEED) per range */
	M_FREE,		/* madvise(MADV_FREE) per range */
	M_PMADV,	/* process_madvise(DONTNEED) on a vector, if the kernel can */
	M_SCAV_NOW,	/* scav: report with SCAV_RELEASE_NOW, one batched call */
	M_SCAV,		/* scav: report, then reclaim */
	M_SCAV_FREE,	/* scav with MADV_FREE at report, then reclaim */
	NR_MODES,
};

static const char *const mode_name[NR_MODES] = {
	"madvise(DONTNEED)", "madvise(FREE)", "process_madvise(DONTNEED)",
	"scav report+discard", "scav report then reclaim",
	"scav report+MADV_FREE then reclaim",
};

static struct scav *sv;
static int pidfd = -1;
static int pmadv_ok;

/*
 * process_madvise() on ourselves with DONTNEED: 6.13 and later, batching
 * the TLB flushes of a vector.  With PIDFD_SELF where the kernel knows it
 * (6.15), as an allocator would call it; else with a pidfd of our own.
 */
#ifndef PIDFD_SELF
#define PIDFD_SELF	(-10000)
#endif
static const char *pmadv_how = "not supported";

static void detect_pmadv(void)
{
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov = { p, pg };

	if (p == MAP_FAILED)
		return;
	p[0] = 1;
	if (syscall(SYS_process_madvise, PIDFD_SELF, &iov, 1, MADV_DONTNEED, 0) == (long)pg) {
		pidfd = PIDFD_SELF;
		pmadv_ok = 1;
		pmadv_how = "supported, with PIDFD_SELF";
	} else {
		pidfd = syscall(SYS_pidfd_open, getpid(), 0);
		p[0] = 1;
		if (pidfd >= 0 &&
		    syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_DONTNEED, 0) == (long)pg) {
			pmadv_ok = 1;
			pmadv_how = "supported, with a pidfd";
		}
	}
	munmap(p, pg);
}

struct layout {
	char *base;
	size_t len;		/* range size */
	size_t n;		/* ranges, every other slot, so none merge */
	struct scav_range *r;
	struct scav_claim_range *c;
	struct iovec *iov;
};

static int layout_init(struct layout *l, size_t len, size_t n)
{
	size_t i;

	l->len = len;
	l->n = n;
	l->base = mmap(NULL, 2 * n * len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	l->r = calloc(n, sizeof(*l->r));
	l->c = calloc(n, sizeof(*l->c));
	l->iov = calloc(n, sizeof(*l->iov));
	if (l->base == MAP_FAILED || !l->r || !l->c || !l->iov)
		return -1;
	/* Small pages throughout: the modes must see the same memory. */
	madvise(l->base, 2 * n * len, MADV_NOHUGEPAGE);
	for (i = 0; i < n; i++) {
		char *p = l->base + 2 * i * len;

		l->r[i] = (struct scav_range){ (uintptr_t)p, len };
		l->iov[i] = (struct iovec){ p, len };
	}
	return 0;
}

static void layout_free(struct layout *l)
{
	munmap(l->base, 2 * l->n * l->len);
	free(l->r);
	free(l->c);
	free(l->iov);
}

static void touch(struct layout *l, int val)
{
	size_t i, off;

	for (i = 0; i < l->n; i++)
		for (off = 0; off < l->len; off += pg)
			l->base[2 * i * l->len + off] = val;
}

static void claim_all(struct layout *l, size_t per_call)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		l->c[i] = (struct scav_claim_range){ l->r[i].addr, l->len };
	for (i = 0; i < l->n; i += per_call)
		scav_claim(sv, l->c + i, per_call < l->n - i ? per_call : l->n - i, 0);
}

/* Give all ranges back in @mode, @per_call ranges per call; ns taken. */
static double release(struct layout *l, enum mode m, size_t per_call)
{
	double t0 = now_ns();
	size_t i, k;

	switch (m) {
	case M_DONTNEED:
	case M_FREE:
		for (i = 0; i < l->n; i++)
			madvise(l->iov[i].iov_base, l->len,
				m == M_FREE ? MADV_FREE : MADV_DONTNEED);
		break;
	case M_PMADV:
		for (i = 0; i < l->n; i += per_call) {
			k = per_call < l->n - i ? per_call : l->n - i;
			syscall(SYS_process_madvise, pidfd, l->iov + i, k,
				MADV_DONTNEED, 0);
		}
		break;
	case M_SCAV_NOW:
		for (i = 0; i < l->n; i += per_call) {
			k = per_call < l->n - i ? per_call : l->n - i;
			scav_report(sv, l->r + i, k, SCAV_RELEASE_NOW);
		}
		break;
	case M_SCAV:
	case M_SCAV_FREE:
		for (i = 0; i < l->n; i += per_call) {
			k = per_call < l->n - i ? per_call : l->n - i;
			scav_report(sv, l->r + i, k,
				    m == M_SCAV_FREE ? SCAV_RELEASE_LAZY : 0);
		}
		scav_reclaim(sv, 0, 0, NULL);
		break;
	default:
		break;
	}
	return now_ns() - t0;
}

static int mode_available(enum mode m)
{
	if (m == M_PMADV)
		return pmadv_ok;
	if (m >= M_SCAV_NOW)
		return sv && !scav_is_fallback(sv);
	return 1;
}

static double median(double *v, int n)
{
	int i, j;

	for (i = 1; i < n; i++)
		for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* ---- figure 1: release cost --------------------------------------------- */

static void release_row(FILE *f, const char *per, const char *what, double ns,
			size_t pages, size_t ranges, double base)
{
	printf("| 4 KiB | %s | %s | %.0f | %.0f | %.2f |\n", per, what, ns / pages,
	       ns / ranges, ns / pages / base);
	if (f)
		fprintf(f, "%s,4096,0,%.1f,%.1f,%.3f\n", what, ns / pages,
			ns / ranges, ns / pages / base);
}

/*
 * Release through the page-state map: 1024 ranges of a page, every other
 * page, reported by a store each (the caller's side: no system call);
 * then what the module's discard of them costs per page, once for those
 * 1024 separate pages and once for 2048 adjacent ones, which it zaps as
 * runs of up to a chunk (64 pages).  @base: the DONTNEED loop per page.
 */
static void release_map(FILE *f, double base, int reps)
{
	const size_t n = 1024;
	double t[9], zap[9], adj[9];
	struct scav_region rg;
	struct layout l;
	uint64_t k, d;
	size_t i;
	int r;

	if (!mode_available(M_SCAV) || layout_init(&l, pg, n))
		return;
	if (scav_region_open(sv, l.base, 2 * n * pg, &rg) || !rg.words) {
		printf("| 4 KiB | - | scav map | not supported | | |\n");
		layout_free(&l);
		return;
	}
	for (r = 0; r < reps; r++) {
		touch(&l, r + 1);
		t[r] = now_ns();
		for (i = 0; i < n; i++)
			scav_region_report(&rg, (void *)(uintptr_t)l.r[i].addr, pg);
		t[r] = now_ns() - t[r];
		zap[r] = now_ns();
		scav_reclaim(sv, 0, 0, NULL);
		zap[r] = now_ns() - zap[r];
		scav_region_claim(&rg, l.base, 2 * n * pg, &k, &d);
		/* The same pages and those between them: one run per chunk. */
		memset(l.base, r + 1, 2 * n * pg);
		scav_region_report(&rg, l.base, 2 * n * pg);
		adj[r] = now_ns();
		scav_reclaim(sv, 0, 0, NULL);
		adj[r] = now_ns() - adj[r];
		scav_region_claim(&rg, l.base, 2 * n * pg, &k, &d);
	}
	t_map_release = median(t, reps) / n / base;
	release_row(f, "-", "scav map: report, a compare-and-swap per page", median(t, reps), n, n, base);
	release_row(f, "-", "scav map: the module's discard later, 1024 separate pages",
		    median(zap, reps), n, n, base);
	release_row(f, "-", "scav map: the module's discard later, 2048 adjacent pages",
		    median(adj, reps), 2 * n, 2 * n, base);
	scav_region_close(&rg);
	layout_free(&l);
}

static void fig_release(void)
{
	static const size_t sizes[] = { 4 * KiB, 64 * KiB, 2 * MiB };
	static const size_t calls[] = { 1, 16, 1024 };
	FILE *f = csv("release", "mode,range_bytes,per_call,ns_per_page,ns_per_range,ratio");
	int reps = quick ? 3 : 7;
	size_t si, ci;
	int m;

	printf("\n## 1. Release cost\n\n");
	printf("Median of %d runs; ratio = per-page cost / madvise(DONTNEED) loop, same range size.\n\n", reps);
	printf("| range | ranges/call | mode | ns/page | ns/range | ratio |\n|---|---|---|---|---|---|\n");
	for (si = 0; si < sizeof(sizes) / sizeof(sizes[0]); si++) {
		size_t total = quick ? 16 * MiB : 64 * MiB;
		size_t n = total / sizes[si];
		double base = 0;
		struct layout l;

		if (n > 4096)
			n = 4096;
		if (layout_init(&l, sizes[si], n))
			return;
		for (m = 0; m < NR_MODES; m++) {
			for (ci = 0; ci < sizeof(calls) / sizeof(calls[0]); ci++) {
				size_t per = calls[ci];
				double t[9], ns, pages = (double)n * sizes[si] / pg;
				int r;

				/* The plain madvise loops have no batch: one row. */
				if ((m == M_DONTNEED || m == M_FREE) && per != 1)
					continue;
				if (!mode_available(m)) {
					if (per == 1)
						printf("| %zu KiB | - | %s | not supported | | |\n",
						       sizes[si] / KiB, mode_name[m]);
					continue;
				}
				for (r = 0; r < reps; r++) {
					touch(&l, r + 1);
					t[r] = release(&l, m, per);
					if (m == M_SCAV || m == M_SCAV_FREE)
						claim_all(&l, 1024);
				}
				ns = median(t, reps);
				if (m == M_DONTNEED)
					base = ns / pages;
				if (m == M_SCAV_NOW && sizes[si] == 4 * KiB && per == 1024)
					t_release = ns / pages / base;
				printf("| %zu KiB | %zu | %s | %.0f | %.0f | %.2f |\n",
				       sizes[si] / KiB, per, mode_name[m], ns / pages,
				       ns / n, ns / pages / base);
				if (f)
					fprintf(f, "%s,%zu,%zu,%.1f,%.1f,%.3f\n", mode_name[m],
						sizes[si], per, ns / pages, ns / n,
						ns / pages / base);
			}
		}
		layout_free(&l);
		if (sizes[si] == 4 * KiB)
			release_map(f, base, reps);
	}
	if (f)
		fclose(f);
}

/* ---- figure 2: reuse cost ----------------------------------------------- */

static int knob(const char *name, const char *value);

/* Wait (up to 60 s) until the aging worker has discarded @bytes. */
static void wait_aged(uint64_t bytes)
{
	double end = now_ns() + 60e9;
	struct scav_stats st;

	while (!scav_stats(sv, 0, &st) && st.discarded_bytes < bytes && now_ns() < end)
		usleep(20000);
}

/* Touched, given back with madvise @m, touched again: ns of the last touch. */
static double madvise_reuse(struct layout *l, enum mode m)
{
	double t;

	touch(l, 1);
	release(l, m, 1);
	t = now_ns();
	touch(l, 2);
	return now_ns() - t;
}

/*
 * Touched, reported idle through @rg's map, then claimed back (inside the
 * idle window) and touched again: ns of the claim and the touch.
 */
static double map_reuse(struct layout *l, struct scav_region *rg)
{
	uint64_t k, d;
	double t;
	size_t i;

	touch(l, 1);
	for (i = 0; i < l->n; i++)
		scav_region_report(rg, (void *)(uintptr_t)l->r[i].addr, l->len);
	t = now_ns();
	for (i = 0; i < l->n; i++)
		scav_region_claim(rg, (void *)(uintptr_t)l->r[i].addr, l->len, &k, &d);
	touch(l, 2);
	return now_ns() - t;
}

/* Touched, then touched again with nothing given back: ns of the second. */
static double touch_again(struct layout *l)
{
	double t;

	touch(l, 1);
	t = now_ns();
	touch(l, 2);
	return now_ns() - t;
}

/*
 * --only reuse-cpu: the map's claim inside the idle window is a
 * compare-and-swap on words the module is not touching meanwhile, so its
 * cost is the CPU's, module or not.  This measures that part on the
 * machine itself (where the module cannot load, the CPU is not emulated):
 * libscav's inline report and claim on an ordinary array of words, then
 * the touch, against touching the same pages given back with MADV_FREE.
 * Not a measurement of the module (nothing is ever discarded here), and
 * not part of the default run.
 */
static void fig_reuse_cpu(void)
{
	size_t n = quick ? 1024 : 4096, nchunks = 2 * n / SCAV_MAP_CHUNK_PAGES + 1;
	uint32_t *words = calloc(2 * n, sizeof(*words));
	uint32_t *summary = calloc(2 + nchunks / 32, sizeof(*summary));
	int reps = 9, r;
	double tf[9], tm[9], mf, mm;
	struct scav_region rg;
	struct layout l;

	if (!words || !summary || layout_init(&l, pg, n))
		return;
	memset(&rg, 0, sizeof(rg));
	rg.start = (uintptr_t)l.base;
	rg.end = rg.start + 2 * n * pg;
	rg.words = words;
	rg.summary = summary;
	rg.page_shift = __builtin_ctzl(pg);
	printf("\n## 2b. Reuse cost on this CPU, the map's part in userspace\n\n");
	printf("%zu ranges of 4 KiB, every other page: touched, given back, then touched again; medians of %d interleaved runs.\n\n", n, reps);
	for (r = 0; r < reps; r++) {
		tf[r] = madvise_reuse(&l, M_FREE);
		tm[r] = map_reuse(&l, &rg);
	}
	mf = median(tf, reps) / n;
	mm = median(tm, reps) / n;
	printf("| mode | ns/page | ratio |\n|---|---|---|\n");
	printf("| madvise(FREE): pages kept, touch | %.1f | 1.00 |\n", mf);
	printf("| map claim (inline, an ordinary array) + touch | %.1f | %.2f |\n\n", mm, mm / mf);
	layout_free(&l);
	free(words);
	free(summary);
}

static void fig_reuse(void)
{
	FILE *f = csv("reuse", "mode,ns_per_page,ratio");
	size_t n = quick ? 1024 : 4096;
	struct { const char *name; double ns; } row[8];
	int rows = 0, reps = quick ? 3 : 7, r, i, ioctl_row = -1;
	double pages = n, base, map_free = 0, map_again = 0;
	struct scav_region rg;
	struct layout l;

	if (layout_init(&l, pg, n))
		return;
	printf("\n## 2. Reuse cost\n\n");
	printf("Touching %zu released 4 KiB ranges again (one write per page), with what it takes to get them back.\n\n", n);

	{	/* DONTNEED: every page faults and is zeroed. */
		double t[9];

		for (r = 0; r < reps; r++)
			t[r] = madvise_reuse(&l, M_DONTNEED);
		row[rows].name = "madvise(DONTNEED): refault";
		row[rows++].ns = median(t, reps);
	}
	{	/* FREE, kernel kept the pages: a write cancels the free. */
		double t[9];

		for (r = 0; r < reps; r++)
			t[r] = madvise_reuse(&l, M_FREE);
		row[rows].name = "madvise(FREE): pages kept";
		row[rows++].ns = median(t, reps);
	}
	if (mode_available(M_SCAV)) {
		double t[9], t2[9];

		knob("idle_age_ms", "200");
		knob("scan_interval_ms", "50");
		knob("quota_bytes_per_sec", "0");
		knob("quota_ms_per_sec", "0");

		for (r = 0; r < reps; r++) {
			/* Inside the idle window: claim finds everything kept. */
			knob("enabled", "0");
			touch(&l, 1);
			scav_report(sv, l.r, n, 0);
			t[r] = now_ns();
			claim_all(&l, 1024);
			touch(&l, 2);
			t[r] = now_ns() - t[r];
			knob("enabled", "1");
			/* After aging: the worker discarded them; claim, refault. */
			scav_report(sv, l.r, n, 0);
			wait_aged(n * pg);
			t2[r] = now_ns();
			claim_all(&l, 1024);
			touch(&l, 3);
			t2[r] = now_ns() - t2[r];
		}
		knob("enabled", "0");
		ioctl_row = rows;
		row[rows].name = "scav: claim inside the idle window";
		row[rows++].ns = median(t, reps);
		row[rows].name = "scav: claim after aging (refault)";
		row[rows++].ns = median(t2, reps);
	}
	if (mode_available(M_SCAV) &&
	    !scav_region_open(sv, l.base, 2 * n * pg, &rg) && rg.words) {
		/*
		 * Rounds interleaved with MADV_FREE's reuse and the control
		 * (touched again, nothing given back), so that the ratio's two
		 * sides meet the same emulator state: under TCG its TLB's size
		 * moves with what ran before.  A round takes a few
		 * milliseconds, so the quick run has as many as the full one.
		 * The control is what the map's reuse would cost if its claim
		 * cost nothing: the map's report flushes no TLB entry and
		 * leaves the page tables as they were.
		 */
		enum { MAP_REPS = 15 };
		double t[MAP_REPS], tf[MAP_REPS], ta[MAP_REPS];

		for (r = 0; r < MAP_REPS; r++) {
			tf[r] = madvise_reuse(&l, M_FREE);
			t[r] = map_reuse(&l, &rg);
			ta[r] = touch_again(&l);
		}
		row[rows].name = "scav map: claim inside the idle window, no system call";
		row[rows++].ns = median(t, MAP_REPS);
		map_free = median(tf, MAP_REPS);
		map_again = median(ta, MAP_REPS);
		t_map_reuse = row[rows - 1].ns / map_free;
		t_map_floor = map_again / map_free;
		scav_region_close(&rg);
	}
	base = row[0].ns / pages;
	if (ioctl_row >= 0)
		t_reuse = base / (row[ioctl_row].ns / pages);
	printf("| mode | ns/page | ratio to DONTNEED | DONTNEED / mode |\n|---|---|---|---|\n");
	for (i = 0; i < rows; i++) {
		printf("| %s | %.0f | %.2f | %.1fx |\n", row[i].name, row[i].ns / pages,
		       row[i].ns / pages / base, base / (row[i].ns / pages));
		if (f)
			fprintf(f, "%s,%.1f,%.3f\n", row[i].name, row[i].ns / pages,
				row[i].ns / pages / base);
	}
	if (t_map_reuse >= 0)
		printf("\nIn the map's rounds (15, medians), interleaved with them: MADV_FREE's reuse + touch %.0f ns/page, touched again with nothing given back %.0f (the control: a claim that cost nothing would come to %.2fx); the map's claim + touch is %.2fx MADV_FREE's.\n",
		       map_free / pages, map_again / pages, t_map_floor, t_map_reuse);
	layout_free(&l);
	if (f)
		fclose(f);
}

/* ---- figure 5: the cost of asking --------------------------------------- */

static long long proc_value(const char *path, const char *field);

static double read_rollup(void)
{
	char buf[4096];
	double t0 = now_ns();
	int fd = open("/proc/self/smaps_rollup", O_RDONLY);

	while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0)
		;
	if (fd >= 0)
		close(fd);
	return now_ns() - t0;
}

static void fig_asking(void)
{
	FILE *f = csv("asking", "process_mib,huge,stats_ns,stats_walk_ns,smaps_rollup_ns,rollup_over_stats");
	static const size_t sizes[] = { 64, 256, 1024, 4096 };
	long long avail = proc_value("/proc/meminfo", "MemAvailable") / 1024;
	size_t si, maxi = quick ? 1 : 4;
	int reps = quick ? 5 : 11, r;

	if (!mode_available(M_SCAV))
		return;
	printf("\n## 5. Cost of asking\n\n");
	printf("A process with N MiB touched, half of it reported idle, in 4 KiB pages or in huge pages.\n\n");
	printf("| process | pages | STATS (counters) | STATS (page-table walk) | smaps_rollup | smaps_rollup / STATS |\n|---|---|---|---|---|---|\n");
	for (si = 0; si < 2 * maxi && (long long)sizes[si / 2] * 5 / 4 < avail; si++) {
		int huge = si % 2;
		size_t len = sizes[si / 2] * MiB;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct scav_range rr = { (uintptr_t)p, len / 2 };
		struct scav_stats st;
		double a[11], b[11], c[11], sa, sb, sc;

		if (p == MAP_FAILED)
			break;
		madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
		memset(p, 1, len);
		scav_report(sv, &rr, 1, 0);
		for (r = 0; r < reps; r++) {
			a[r] = now_ns();
			scav_stats(sv, 0, &st);
			a[r] = now_ns() - a[r];
			b[r] = now_ns();
			scav_stats(sv, SCAV_STATS_RESIDENT, &st);
			b[r] = now_ns() - b[r];
			c[r] = read_rollup();
		}
		sa = median(a, reps);
		sb = median(b, reps);
		sc = median(c, reps);
		printf("| %zu MiB | %s | %.1f us | %.1f us | %.1f us | %.0fx |\n",
		       sizes[si / 2], huge ? "2 MiB" : "4 KiB", sa / 1e3, sb / 1e3,
		       sc / 1e3, sc / sa);
		/* The target is set for a 1 GiB process. */
		if (!huge && sizes[si / 2] == 1024) {
			t_asking = sc / sa;
			t_asking_mib = sizes[si / 2];
		}
		if (f)
			fprintf(f, "%zu,%d,%.0f,%.0f,%.0f,%.1f\n", sizes[si / 2], huge,
				sa, sb, sc, sc / sa);
		{
			struct scav_claim_range cr = { rr.addr, rr.len };

			scav_claim(sv, &cr, 1, 0);
		}
		munmap(p, len);
	}
	if (f)
		fclose(f);
}

/* ---- figure 3: RSS as monitoring sees it, over time --------------------- */

static long long proc_value(const char *path, const char *field)
{
	char line[256];
	size_t n = strlen(field);
	long long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && (line[n] == ':' || line[n] == ' ')) {
			v = strtoll(line + n + 1, NULL, 10);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

static long pagemap_present(void *p, size_t len)
{
	size_t n = len / pg, i;
	uint64_t *v = calloc(n, sizeof(*v));
	long present = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || !v || pread(fd, v, n * 8, (uintptr_t)p / pg * 8) != (ssize_t)(n * 8))
		present = -1;
	for (i = 0; present >= 0 && i < n; i++)
		present += v[i] >> 63;
	if (fd >= 0)
		close(fd);
	free(v);
	return present;
}

static int knob(const char *name, const char *value)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/kernel/scav/%s", name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, value, strlen(value)) > 0;
	close(fd);
	return ok ? 0 : -1;
}

static void fig_rss(void)
{
	static const char *const names[] = {
		"madvise(DONTNEED)", "madvise(FREE)", "scav (aging: idle_age 2 s)",
	};
	FILE *f = csv("rss", "mode,t_ms,vmrss_kb,lazyfree_kb,scav_used_kb,truth_used_kb");
	size_t total = 64 * MiB, live = 16 * MiB, chunk = 64 * KiB;
	int m, nmodes = mode_available(M_SCAV) ? 3 : 2;

	printf("\n## 3. RSS as monitoring sees it\n\n");
	printf("64 MiB touched, 48 MiB of it freed at t = 0 in 64 KiB chunks, 16 MiB live; sampled every 250 ms for 6 s.\n");
	printf("Truth: anonymous RSS minus the freed pages /proc/self/pagemap shows still present.\n\n");
	printf("| mode | VmRSS within 5%% of live set after | LazyFree at the end | max error of scav's used figure vs truth |\n|---|---|---|---|\n");
	if (nmodes == 3) {
		knob("idle_age_ms", "2000");
		knob("scan_interval_ms", "250");
		knob("quota_bytes_per_sec", "0");
		knob("quota_ms_per_sec", "0");
		knob("enabled", "1");
	}
	for (m = 0; m < nmodes; m++) {
		char *p = mmap(NULL, total, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		long long rss0, rss, lazy = 0;
		double t0, within = -1, maxerr = 0;
		size_t i, n = (total - live) / chunk;
		struct scav_range *r = calloc(n, sizeof(*r));
		int sample;

		if (p == MAP_FAILED || !r)
			return;
		rss0 = proc_value("/proc/self/status", "RssAnon");
		memset(p, 1, total);
		for (i = 0; i < n; i++)
			r[i] = (struct scav_range){ (uintptr_t)p + live + i * chunk, chunk };
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			if (m == 0)
				madvise((void *)(uintptr_t)r[i].addr, chunk, MADV_DONTNEED);
			else if (m == 1)
				madvise((void *)(uintptr_t)r[i].addr, chunk, MADV_FREE);
		}
		if (m == 2)
			scav_report(sv, r, n, 0);
		for (sample = 0; sample <= 24; sample++) {
			double t = (now_ns() - t0) / 1e6;
			long long truth;
			struct scav_stats st = { 0 };

			rss = proc_value("/proc/self/status", "RssAnon");
			lazy = proc_value("/proc/self/smaps_rollup", "LazyFree");
			truth = rss - pagemap_present(p + live, total - live) * (long long)(pg / KiB);
			if (m == 2 && !scav_stats(sv, SCAV_STATS_RESIDENT, &st)) {
				double err = fabs((double)st.used_rss_bytes / KiB - truth) / rss * 100;

				if (err > maxerr)
					maxerr = err;
			}
			if (within < 0 && rss - rss0 <= (long long)(live / KiB) * 105 / 100)
				within = t;
			if (f)
				fprintf(f, "%s,%.0f,%lld,%lld,%llu,%lld\n", names[m], t, rss, lazy,
					(unsigned long long)(st.used_rss_bytes / KiB), truth);
			usleep(250000);
		}
		if (within >= 0)
			printf("| %s | %.0f ms | %lld kB |", names[m], within, lazy);
		else
			printf("| %s | not within 6 s | %lld kB |", names[m], lazy);
		if (m == 2)
			printf(" %.2f%% |\n", maxerr);
		else
			printf(" - |\n");
		if (m == 1)
			t_free_ms = within;
		if (m == 2) {
			t_rss_ms = within;
			t_honest = maxerr;
		}
		if (m == 2) {
			struct scav_claim_range c = { (uintptr_t)p + live, total - live };

			scav_claim(sv, &c, 1, 0);
		}
		munmap(p, total);
		free(r);
	}
	if (nmodes == 3)
		knob("enabled", "0");
	if (f)
		fclose(f);
}

/* ---- figure 4: under memory pressure ------------------------------------ */

/* Move the calling process into cgroup @cg (a directory), if any. */
static int cg_enter(const char *cg)
{
	char path[512];
	FILE *f;
	int ret;

	if (!cg)
		return 0;
	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	f = fopen(path, "w");
	if (!f)
		return -1;
	ret = fprintf(f, "0\n") < 0;
	return fclose(f) || ret ? -1 : 0;
}

/*
 * A holder touches @idle bytes and gives them back in @mode; then a hog
 * touches @hog bytes.  Returns the hog's time in ms (-1 if it was killed),
 * and in *kills the OOM kills meanwhile.
 */
static double pressure_run(int mode, size_t idle, size_t hog, const char *cg,
			   long long *kills, long long *holder_kb)
{
	int ready[2], done[2], status;
	long long k0 = proc_value("/proc/vmstat", "oom_kill");
	double t0, t = -1;
	pid_t holder, hogger;
	char c;

	if (pipe(ready) || pipe(done))
		return -1;
	holder = fork();
	if (holder == 0) {
		char *p = cg_enter(cg) ? MAP_FAILED :
			  mmap(NULL, idle, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct scav_range r = { (uintptr_t)p, idle };
		struct scav *hs = NULL;
		long long kb;

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 1, idle);
		if (mode == 0)
			madvise(p, idle, MADV_DONTNEED);
		else if (mode == 1)
			madvise(p, idle, MADV_FREE);
		else if (!scav_open(&hs, 0))
			scav_report(hs, &r, 1, 0);
		if (write(ready[1], "r", 1) != 1 || read(done[0], &c, 1) != 1)
			_exit(2);
		kb = proc_value("/proc/self/status", "RssAnon");
		if (write(ready[1], &kb, sizeof(kb)) != sizeof(kb))
			_exit(3);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	if (read(ready[0], &c, 1) != 1)
		goto out;
	t0 = now_ns();
	hogger = fork();
	if (hogger == 0) {
		char *p = cg_enter(cg) ? MAP_FAILED :
			  mmap(NULL, hog, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t i;

		for (i = 0; p != MAP_FAILED && i < hog; i += pg)
			p[i] = 1;
		_exit(p == MAP_FAILED);
	}
	waitpid(hogger, &status, 0);
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		t = (now_ns() - t0) / 1e6;
	if (write(done[1], "d", 1) != 1 ||
	    read(ready[0], holder_kb, sizeof(*holder_kb)) != sizeof(*holder_kb))
		*holder_kb = -1;
out:
	waitpid(holder, &status, 0);
	close(ready[0]);
	close(done[1]);
	*kills = proc_value("/proc/vmstat", "oom_kill") - k0;
	return t;
}

static void fig_pressure(void)
{
	static const char *const names[] = {
		"madvise(DONTNEED)", "madvise(FREE)", "scav, shrinker on",
		"scav, shrinker off",
	};
	FILE *f = csv("pressure", "mode,hog_ms,oom_kills,holder_rss_kb");
	long long avail = proc_value("/proc/meminfo", "MemAvailable") * KiB;
	size_t idle = avail * 45 / 100 / MiB * MiB, hog = avail * 70 / 100 / MiB * MiB;
	int m, nmodes = mode_available(M_SCAV) ? 4 : 2;

	printf("\n## 4. Under memory pressure\n\n");
	printf("A holder touches %zu MiB and gives it back; then a hog touches %zu MiB (of %lld MiB available, no swap).\n\n",
	       idle / MiB, hog / MiB, avail / (long long)MiB);
	printf("| holder gave back with | hog's time | OOM kills | holder's RssAnon at the end |\n|---|---|---|---|\n");
	knob("idle_age_ms", "3600000");
	knob("enabled", "1");
	for (m = 0; m < nmodes; m++) {
		long long kills = 0, kb = -1;
		double t;

		knob("shrinker_enabled", m == 3 ? "0" : "1");
		t = pressure_run(m, idle, hog, NULL, &kills, &kb);
		if (t >= 0)
			printf("| %s | %.0f ms | %lld | %lld MiB |\n", names[m], t, kills, kb / 1024);
		else
			printf("| %s | killed | %lld | %s |\n", names[m], kills,
			       kb >= 0 ? "alive" : "killed");
		if (f)
			fprintf(f, "%s,%.0f,%lld,%lld\n", names[m], t, kills, kb);
	}
	knob("shrinker_enabled", "1");
	knob("enabled", "0");
	if (f)
		fclose(f);
}

/* ---- figure 8: the same in a container ----------------------------------- */

#define CG_ROOT	"/sys/fs/cgroup"
#define CG_DIR	CG_ROOT "/scavbench"

static int write_str(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(s, f) < 0;
	return fclose(f) || ret ? -1 : 0;
}

/* A cgroup v2 group with memory.max @max, mounting the hierarchy if need be. */
static int container_make(size_t max)
{
	char v[32];

	if (access(CG_ROOT "/cgroup.controllers", R_OK) &&
	    mount("none", CG_ROOT, "cgroup2", 0, NULL))
		return -1;
	if (write_str(CG_ROOT "/cgroup.subtree_control", "+memory") ||
	    (mkdir(CG_DIR, 0755) && errno != EEXIST))
		return -1;
	snprintf(v, sizeof(v), "%zu", max);
	return write_str(CG_DIR "/memory.max", v);
}

static double median3(double *v)
{
	double t;

	if (v[0] > v[1])
		t = v[0], v[0] = v[1], v[1] = t;
	if (v[1] > v[2])
		t = v[1], v[1] = v[2], v[2] = t;
	if (v[0] > v[1])
		t = v[0], v[0] = v[1], v[1] = t;
	return v[1];
}

static double t_container = -1;	/* scav / DONTNEED hog time in a cgroup */
static long long t_container_kills = -1;

/*
 * Figure 4's load in a cgroup whose memory.max holds the hog and only part
 * of the holder's idle memory: the cgroup's own reclaim must find what the
 * holder gave back, as it does when a container hits its limit.  Three
 * runs each; the hog's median time.
 */
static void fig_container(void)
{
	static const char *const names[] = {
		"madvise(DONTNEED)", "madvise(FREE)", "scav, shrinker on",
		"scav, shrinker off",
	};
	size_t max = 256 * MiB, idle = 160 * MiB, hog = 192 * MiB;
	FILE *f = csv("container", "mode,run,hog_ms,oom_kills,holder_rss_kb");
	int m, r, nmodes = mode_available(M_SCAV) ? 4 : 2;
	double base = -1;

	printf("\n## 8. In a container\n\n");
	if (container_make(max)) {
		printf("No cgroup v2 memory controller here (%s): not measured.\n",
		       strerror(errno));
		if (f)
			fclose(f);
		return;
	}
	printf("In a cgroup with memory.max %zu MiB, a holder touches %zu MiB and gives it back; then a hog touches %zu MiB. Three runs each, the hog's median time.\n\n",
	       max / MiB, idle / MiB, hog / MiB);
	printf("| holder gave back with | hog's time | / DONTNEED | OOM kills | holder's RssAnon at the end |\n|---|---|---|---|---|\n");
	knob("idle_age_ms", "3600000");
	knob("enabled", "1");
	for (m = 0; m < nmodes; m++) {
		long long kills = 0, kb = -1, k;
		double t[3];
		int lost = 0;

		knob("shrinker_enabled", m == 3 ? "0" : "1");
		for (r = 0; r < 3; r++) {
			t[r] = pressure_run(m, idle, hog, CG_DIR, &k, &kb);
			kills += k;
			lost += t[r] < 0;
			if (f)
				fprintf(f, "%s,%d,%.0f,%lld,%lld\n", names[m], r, t[r], k, kb);
		}
		if (lost) {
			printf("| %s | killed in %d of 3 | - | %lld | - |\n", names[m], lost, kills);
		} else {
			double med = median3(t);

			if (m == 0)
				base = med;
			printf("| %s | %.0f ms | %.2fx | %lld | ", names[m], med,
			       base > 0 ? med / base : 0, kills);
			if (kb >= 0)
				printf("%lld MiB |\n", kb / 1024);
			else
				printf("killed |\n");
			if (m == 2 && base > 0)
				t_container = med / base;
		}
		if (m == 2)
			t_container_kills = kills;
	}
	knob("shrinker_enabled", "1");
	knob("enabled", "0");
	rmdir(CG_DIR);
	if (f)
		fclose(f);
}

/* ---- figure 7: what opening /dev/scav costs other processes ------------- */

/*
 * Every session registers an mmu notifier at its first ioctl but VERSION,
 * and the kernel's __mmu_notifier_register() runs mm_take_all_locks() for every
 * registration (mm/mmu_notifier.c of 6.1): it write-locks the i_mmap_rwsem
 * of every file the process maps (and every anon_vma's lock), all at once,
 * for as long as it takes to walk all of the process's VMAs.
 * A neighbour that maps or unmaps the same file (exec and dlopen of a shared
 * library do) waits for all of them.  A user can make an mm, and so that
 * cost, with every fork; fork itself walks the VMAs too, one lock at a time.
 * This compares a neighbour mapping and unmapping one page of a shared file
 * alone, beside a fork loop of a process with @nvma mappings of the file,
 * and beside the same loop whose children open /dev/scav.
 */
enum { NB_ALONE, NB_SPIN, NB_FORK, NB_FORK_OPEN, NB_OPEN, NR_NB };

/* The load's iterations, and whether its opens succeeded. */
struct nb_count {
	volatile long ready, iters, opened;
};

/* A session, and its first ioctl but VERSION, which registers it; closed. */
static int nb_session(void)
{
	struct scav_stats st;
	int fd = open("/dev/scav", O_RDONLY | O_CLOEXEC);
	int ok;

	if (fd < 0)
		return 0;
	memset(&st, 0, sizeof(st));
	ok = !ioctl(fd, SCAV_IOC_STATS, &st);
	close(fd);
	return ok;
}

static void neighbour_load(int file, size_t nvma, int how, struct nb_count *c)
{
	char *base = mmap(NULL, 2 * nvma * pg, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	size_t i;

	if (base == MAP_FAILED)
		_exit(1);
	/* One VMA per page of the file, PROT_NONE holes between them. */
	for (i = 0; i < nvma; i++)
		if (mmap(base + 2 * i * pg, pg, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			 file, 0) == MAP_FAILED)
			_exit(1);
	c->ready = 1;
	for (;; c->iters++) {
		pid_t pid;

		if (how == NB_SPIN)
			continue;
		if (how == NB_OPEN) {
			if (nb_session())
				c->opened++;
			continue;
		}
		pid = fork();
		if (pid == 0) {
			if (how == NB_FORK_OPEN && nb_session())
				__atomic_add_fetch(&c->opened, 1, __ATOMIC_RELAXED);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, NULL, 0) < 0)
			_exit(1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void fig_neighbours(void)
{
	static const char *const names[NR_NB] = {
		"alone", "beside a busy loop", "beside a fork loop",
		"beside a fork loop whose children open /dev/scav",
		"beside an open/close loop in one process",
	};
	FILE *f = csv("neighbours", "load,vmas,load_per_s,opens_per_s,maps_per_s,p99_us,max_us,maps_ratio,p99_ratio");
	struct nb_count *c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	size_t nvma = quick ? 1024 : 8192, cap = 1 << 20, n;
	double secs = quick ? 1 : 3, base_rate = 0, base_p99 = 0;
	double *lat = malloc(cap * sizeof(*lat));
	int file = memfd_create("scavbench", MFD_CLOEXEC), how;

	if (!lat || file < 0 || ftruncate(file, pg) || c == MAP_FAILED) {
		free(lat);
		if (file >= 0)
			close(file);
		if (c != MAP_FAILED)
			munmap(c, sizeof(*c));
		return;
	}
	printf("\n## 7. What opening /dev/scav costs other processes\n\n");
	printf("A neighbour maps and unmaps one page of a shared file for %.0f s; beside it, a process with %zu mappings of that file spins, forks (children exit at once) in a loop, or opens /dev/scav. Ratios are to the neighbour alone; the busy loop shows what merely sharing the CPUs costs.\n\n",
	       secs, nvma);
	printf("| neighbour | forks/s | opens/s | maps/s | p99 | worst | maps/s ratio | p99 ratio |\n|---|---|---|---|---|---|---|---|\n");
	for (how = 0; how < NR_NB; how++) {
		pid_t load = -1;
		double end, t, rate, p99, loads, opened;

		c->ready = 0;
		if (how != NB_ALONE) {
			if (how >= NB_FORK_OPEN && !mode_available(M_SCAV))
				continue;
			load = fork();
			if (load == 0)
				neighbour_load(file, nvma, how, c);
			if (load < 0)
				break;
			while (!c->ready)	/* its mappings are made */
				usleep(10 * 1000);
		}
		n = 0;
		c->iters = c->opened = 0;
		end = now_ns() + secs * 1e9;
		while ((t = now_ns()) < end && n < cap) {
			void *p = mmap(NULL, pg, PROT_READ, MAP_PRIVATE, file, 0);

			if (p == MAP_FAILED)
				break;
			munmap(p, pg);
			lat[n++] = now_ns() - t;
		}
		loads = c->iters;
		opened = c->opened;
		if (load > 0) {
			kill(load, SIGKILL);
			waitpid(load, NULL, 0);
		}
		if (!n)
			continue;
		qsort(lat, n, sizeof(*lat), cmp_double);
		rate = n / secs;
		p99 = lat[n * 99 / 100];
		if (how == NB_ALONE) {
			base_rate = rate;
			base_p99 = p99;
		}
		/* The load ran while the neighbour did: its rates over those secs. */
		printf("| %s | %.0f | %.0f | %.0f | %.1f us | %.1f us | %.2f | %.1f |\n",
		       names[how], how == NB_ALONE || how == NB_SPIN ? 0 : loads / secs,
		       opened / secs, rate, p99 / 1e3, lat[n - 1] / 1e3,
		       rate / base_rate, p99 / base_p99);
		if (f)
			fprintf(f, "%s,%zu,%.0f,%.0f,%.0f,%.1f,%.1f,%.3f,%.2f\n", names[how],
				nvma, loads / secs, opened / secs, rate, p99 / 1e3,
				lat[n - 1] / 1e3, rate / base_rate, p99 / base_p99);
	}
	free(lat);
	close(file);
	munmap(c, sizeof(*c));
	if (f)
		fclose(f);
}

/* ---- figure 9: claiming memory that must read as zeros ----------------- */

/*
 * Ranges of @l given back half discarded (their first halves reported and
 * reclaimed) and half kept (their second halves reported after), or, with
 * @kept_only, all kept.
 */
static void zero_setup(struct layout *l, int kept_only)
{
	size_t half = l->len / 2, i;
	struct scav_range *h = calloc(l->n, sizeof(*h));

	touch(l, 1);
	if (!h)
		return;
	if (!kept_only) {
		for (i = 0; i < l->n; i++)
			h[i] = (struct scav_range){ l->r[i].addr, half };
		scav_report(sv, h, l->n, 0);
		scav_reclaim(sv, 0, 0, NULL);
		for (i = 0; i < l->n; i++)
			h[i] = (struct scav_range){ l->r[i].addr + half, half };
		scav_report(sv, h, l->n, 0);
	} else {
		scav_report(sv, l->r, l->n, 0);
	}
	free(h);
}

/*
 * Claim every range of @l so that it reads as zeros, as calloc() or
 * jemalloc's commit must: with @flags 0 the caller clears what was not all
 * discarded with memset(); with SCAV_CLAIM_ZERO the module does.  ns taken.
 */
static double zero_claim(struct layout *l, unsigned int flags)
{
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < l->n; i++)
		l->c[i] = (struct scav_claim_range){ l->r[i].addr, l->len };
	for (i = 0; i < l->n; i += 1024)
		scav_claim(sv, l->c + i, l->n - i < 1024 ? l->n - i : 1024, flags);
	for (i = 0; i < l->n; i++)
		if (l->c[i].discarded != l->len)
			memset((void *)(uintptr_t)l->r[i].addr, 0, l->len);
	return now_ns() - t0;
}

static int zero_check(struct layout *l)
{
	size_t i, off;

	for (i = 0; i < l->n; i++)
		for (off = 0; off < l->len; off += sizeof(uint64_t))
			if (*(uint64_t *)(l->base + 2 * i * l->len + off))
				return 0;
	return 1;
}

static void fig_zero(void)
{
	FILE *f = csv("zero", "case,how,claim_ns_per_page,touch_ns_per_page,resident_after_claim_pct,ratio");
	size_t n = quick ? 256 : 1024, len = 64 * KiB, pages;
	int reps = quick ? 3 : 7, kept_only, how, r;
	static const char *const cases[2] = { "half discarded", "all kept" };
	static const char *const hows[2] = { "claim + memset", "claim with SCAV_CLAIM_ZERO" };
	struct layout l;

	{
		struct scav_version v = { 0 };

		if (scav_version(sv, &v) || !(v.features & SCAV_FEATURE_CLAIM_ZERO)) {
			printf("\n## 9. Claiming zeroed memory\n\nnot measured: the module lacks SCAV_FEATURE_CLAIM_ZERO\n");
			return;
		}
	}
	if (layout_init(&l, len, n))
		return;
	pages = n * len / pg;
	knob("enabled", "0");
	printf("\n## 9. Claiming zeroed memory\n\n");
	printf("%zu ranges of %zu KiB claimed back to be handed out as zeros (calloc, jemalloc's commit), then every page written once: the caller clearing what was not all discarded with memset(), or the module clearing the kept pages in place (SCAV_CLAIM_ZERO).  Resident: pages mapped right after the claim, of all.\n\n",
	       n, len / KiB);
	printf("| idle memory | how | claim ns/page | then touch ns/page | resident after the claim | claim + touch, ratio to memset |\n|---|---|---|---|---|---|\n");
	for (kept_only = 0; kept_only < 2; kept_only++) {
		double base = 0;

		for (how = 0; how < 2; how++) {
			double tc[9], tt[9], sum;
			long res = 0;
			int ok = 1;

			for (r = 0; r < reps; r++) {
				zero_setup(&l, kept_only);
				tc[r] = zero_claim(&l, how ? SCAV_CLAIM_ZERO : 0);
				res = pagemap_present(l.base, 2 * n * len);
				ok &= zero_check(&l);
				tt[r] = now_ns();
				touch(&l, 2);
				tt[r] = now_ns() - tt[r];
			}
			sum = median(tc, reps) + median(tt, reps);
			if (!how)
				base = sum;
			printf("| %s | %s%s | %.0f | %.0f | %.0f%% | %.2f |\n", cases[kept_only],
			       hows[how], ok ? "" : " (**not all zeros**)",
			       median(tc, reps) / pages, median(tt, reps) / pages,
			       100.0 * res / pages, sum / base);
			if (f)
				fprintf(f, "%s,%s,%.1f,%.1f,%.1f,%.3f\n", cases[kept_only], hows[how],
					median(tc, reps) / pages, median(tt, reps) / pages,
					100.0 * res / pages, sum / base);
			if (kept_only == 0 && how == 1)
				t_zero_half = sum / base;
			if (kept_only == 1 && how == 1)
				t_zero_kept = sum / base;
			if (!ok)
				t_zero_bad = 1;
		}
	}
	knob("enabled", "1");
	layout_free(&l);
	if (f)
		fclose(f);
}

static void verdict(const char *what, int measured, int met, const char *fmt, double v)
{
	printf("| %s | ", what);
	if (!measured) {
		printf("not measured here | - |\n");
		return;
	}
	printf(fmt, v);
	printf(" | %s |\n", met ? "met" : "**missed**");
}

static void targets(void)
{
	char fmt[64];

	printf("\n## Targets%s\n\n| target | measured | |\n|---|---|---|\n",
	       quick ? " (quick run: 3 repetitions, indicative only; make bench decides)" : "");
	verdict("batched release of 1024 x 4 KiB: scav <= 0.4x the DONTNEED loop per page",
		t_release >= 0, t_release <= 0.4, "%.2fx", t_release);
	verdict("release of 1024 x 4 KiB by a report on the page-state map: <= 0.1x the DONTNEED loop per page, on the caller's side",
		t_map_release >= 0, t_map_release <= 0.1, "%.3fx", t_map_release);
	/* What a claim that cost nothing would come to, beside the figure. */
	snprintf(fmt, sizeof(fmt), "%%.2fx (a claim costing nothing: %.2fx)",
		 t_map_floor);
	verdict("reuse inside the idle window through the page-state map: claim + touch <= 1.0x MADV_FREE's reuse + touch",
		t_map_reuse >= 0, t_map_reuse <= 1.0, fmt, t_map_reuse);
	verdict("reuse inside the idle window: claim + touch >= 5x cheaper than DONTNEED's refault",
		t_reuse >= 0, t_reuse >= 5, "%.1fx cheaper", t_reuse);
	verdict("after idle_age_ms, VmRSS within 5% of the live set",
		t_rss_ms > -2, t_rss_ms >= 0, t_rss_ms >= 0 ? "after %.0f ms" : "never%.0s", t_rss_ms);
	verdict("... and MADV_FREE without pressure: never",
		t_free_ms > -2, t_free_ms < 0, t_free_ms >= 0 ? "after %.0f ms" : "never in 6 s%.0s", t_free_ms);
	verdict("scav's used figure within 1% of pagemap ground truth at every sample",
		t_honest >= 0, t_honest <= 1, "%.2f%% at worst", t_honest);
	verdict("zeroed reuse, half discarded: SCAV_CLAIM_ZERO's claim + touch <= 1.0x claim + memset's, all zeros",
		t_zero_half >= 0, t_zero_half <= 1.0 && !t_zero_bad, "%.2fx", t_zero_half);
	verdict("zeroed reuse, all kept: SCAV_CLAIM_ZERO's claim + touch <= 1.0x claim + memset's, all zeros",
		t_zero_kept >= 0, t_zero_kept <= 1.0 && !t_zero_bad, "%.2fx", t_zero_kept);
	verdict("in a container: scav has no OOM kill and the hog takes <= 1.1x its time after DONTNEED",
		t_container_kills >= 0, t_container >= 0 && t_container <= 1.1 && !t_container_kills,
		"%.2fx", t_container);
	printf("| STATS from counters >= 100x cheaper than smaps_rollup (%zu MiB, 4 KiB pages) | ",
	       t_asking_mib);
	if (t_asking < 0)
		printf("not measured here | - |\n");
	else
		printf("%.0fx | %s |\n", t_asking, t_asking >= 100 ? "met" : "**missed**");
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outdir = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else {
			fprintf(stderr, "usage: scavbench [--quick] [-o DIR] [--only FIGURE]\n");
			return 2;
		}
	}
	pg = sysconf(_SC_PAGESIZE);
	/* A holder the OOM killer took must not take scavbench with it. */
	signal(SIGPIPE, SIG_IGN);
	detect_pmadv();
	if (scav_open(&sv, 0))
		sv = NULL;
	printf("# scavbench%s: %s, process_madvise(DONTNEED) on self %s\n",
	       quick ? " (quick)" : "",
	       sv && !scav_is_fallback(sv) ? "scav module loaded" : "no scav module",
	       pmadv_how);
	if (wanted("release"))
		fig_release();
	if (wanted("reuse"))
		fig_reuse();
	if (only && !strcmp(only, "reuse-cpu"))
		fig_reuse_cpu();
	if (!quick && wanted("rss"))
		fig_rss();
	if (!quick && wanted("pressure") && mode_available(M_SCAV))
		fig_pressure();
	if (!quick && wanted("container") && mode_available(M_SCAV))
		fig_container();
	if (wanted("asking"))
		fig_asking();
	if (wanted("neighbours"))
		fig_neighbours();
	if (wanted("zero") && mode_available(M_SCAV))
		fig_zero();
	if (!only)
		targets();
	scav_close(sv);
	return 0;
}

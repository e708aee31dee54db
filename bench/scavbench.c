// SPDX-License-Identifier: MIT
/*
 * scavbench: every way of giving memory back, on the same workload, in the
 * same run.  Timings are compared only as ratios to madvise(MADV_DONTNEED)
 * measured in the same run: under emulation (TCG) absolute times mean
 * nothing, and even natively only ratios carry over between machines.
 *
 * Output: Markdown tables on stdout; with -o DIR, CSV files for plotting.
 *
 *   scavbench [--quick] [-o DIR]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "scav.h"

#define KiB 1024UL
#define MiB (1024 * KiB)

static size_t pg;
static int quick;
static const char *outdir;

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
	M_SCAV,		/* scav: report + reclaim, batched */
	M_SCAV_FREE,	/* scav with MADV_FREE at report, + reclaim */
	NR_MODES,
};

static const char *const mode_name[NR_MODES] = {
	"madvise(DONTNEED)", "madvise(FREE)", "process_madvise(DONTNEED)",
	"scav report+reclaim", "scav +MADV_FREE, reclaim",
};

static struct scav *sv;
static int pidfd = -1;
static int pmadv_ok;

/* process_madvise() on ourselves with DONTNEED: 6.13 and later. */
static void detect_pmadv(void)
{
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct iovec iov = { p, pg };

	pidfd = syscall(SYS_pidfd_open, getpid(), 0);
	if (p == MAP_FAILED || pidfd < 0)
		return;
	p[0] = 1;
	pmadv_ok = syscall(SYS_process_madvise, pidfd, &iov, 1, MADV_DONTNEED, 0) == (long)pg;
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
	case M_SCAV:
	case M_SCAV_FREE:
		for (i = 0; i < l->n; i += per_call) {
			k = per_call < l->n - i ? per_call : l->n - i;
			scav_report(sv, l->r + i, k,
				    m == M_SCAV_FREE ? SCAV_REPORT_FREE : 0);
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
	if (m == M_SCAV || m == M_SCAV_FREE)
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
	}
	if (f)
		fclose(f);
}

/* ---- figure 2: reuse cost ----------------------------------------------- */

static void fig_reuse(void)
{
	FILE *f = csv("reuse", "mode,ns_per_page,ratio");
	size_t n = quick ? 1024 : 4096;
	struct { const char *name; double ns; } row[8];
	int rows = 0, reps = quick ? 3 : 7, r, i;
	double pages = n, base;
	struct layout l;

	if (layout_init(&l, pg, n))
		return;
	printf("\n## 2. Reuse cost\n\n");
	printf("Touching %zu released 4 KiB ranges again (one write per page), with what it takes to get them back.\n\n", n);

	{	/* DONTNEED: every page faults and is zeroed. */
		double t[9];

		for (r = 0; r < reps; r++) {
			touch(&l, 1);
			release(&l, M_DONTNEED, 1);
			t[r] = now_ns();
			touch(&l, 2);
			t[r] = now_ns() - t[r];
		}
		row[rows].name = "madvise(DONTNEED), refault";
		row[rows++].ns = median(t, reps);
	}
	{	/* FREE, kernel kept the pages: a write cancels the free. */
		double t[9];

		for (r = 0; r < reps; r++) {
			touch(&l, 1);
			release(&l, M_FREE, 1);
			t[r] = now_ns();
			touch(&l, 2);
			t[r] = now_ns() - t[r];
		}
		row[rows].name = "madvise(FREE), pages kept";
		row[rows++].ns = median(t, reps);
	}
	if (mode_available(M_SCAV)) {
		double t[9], t2[9];

		for (r = 0; r < reps; r++) {
			/* Inside the idle window: claim finds everything kept. */
			touch(&l, 1);
			scav_report(sv, l.r, n, 0);
			t[r] = now_ns();
			claim_all(&l, 1024);
			touch(&l, 2);
			t[r] = now_ns() - t[r];
			/* After aging (here: a reclaim): claim, then refault. */
			scav_report(sv, l.r, n, 0);
			scav_reclaim(sv, 0, 0, NULL);
			t2[r] = now_ns();
			claim_all(&l, 1024);
			touch(&l, 3);
			t2[r] = now_ns() - t2[r];
		}
		row[rows].name = "scav, claim inside the idle window";
		row[rows++].ns = median(t, reps);
		row[rows].name = "scav, claim after reclaim (refault)";
		row[rows++].ns = median(t2, reps);
	}
	base = row[0].ns / pages;
	printf("| mode | ns/page | ratio to DONTNEED | DONTNEED / mode |\n|---|---|---|---|\n");
	for (i = 0; i < rows; i++) {
		printf("| %s | %.0f | %.2f | %.1fx |\n", row[i].name, row[i].ns / pages,
		       row[i].ns / pages / base, base / (row[i].ns / pages));
		if (f)
			fprintf(f, "%s,%.1f,%.3f\n", row[i].name, row[i].ns / pages,
				row[i].ns / pages / base);
	}
	layout_free(&l);
	if (f)
		fclose(f);
}

/* ---- figure 5: the cost of asking --------------------------------------- */

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
	FILE *f = csv("asking", "process_mib,stats_ns,stats_walk_ns,smaps_rollup_ns,rollup_over_stats");
	static const size_t sizes[] = { 64, 256, 1024 };
	size_t si, maxi = quick ? 1 : 3;
	int reps = quick ? 5 : 11, r;

	if (!mode_available(M_SCAV))
		return;
	printf("\n## 5. Cost of asking\n\n");
	printf("A process with N MiB touched, half of it reported idle (4 KiB ranges merge into one).\n\n");
	printf("| process | STATS (counters) | STATS (page-table walk) | smaps_rollup | smaps_rollup / STATS |\n|---|---|---|---|---|\n");
	for (si = 0; si < maxi; si++) {
		size_t len = sizes[si] * MiB;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		struct scav_range rr = { (uintptr_t)p, len / 2 };
		struct scav_stats st;
		double a[11], b[11], c[11], sa, sb, sc;

		if (p == MAP_FAILED)
			break;
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
		printf("| %zu MiB | %.1f us | %.1f us | %.1f us | %.0fx |\n", sizes[si],
		       sa / 1e3, sb / 1e3, sc / 1e3, sc / sa);
		if (f)
			fprintf(f, "%zu,%.0f,%.0f,%.0f,%.1f\n", sizes[si], sa, sb, sc, sc / sa);
		{
			struct scav_claim_range cr = { rr.addr, rr.len };

			scav_claim(sv, &cr, 1, 0);
		}
		munmap(p, len);
	}
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick"))
			quick = 1;
		else if (!strcmp(argv[i], "-o") && i + 1 < argc)
			outdir = argv[++i];
		else {
			fprintf(stderr, "usage: scavbench [--quick] [-o DIR]\n");
			return 2;
		}
	}
	pg = sysconf(_SC_PAGESIZE);
	detect_pmadv();
	if (scav_open(&sv, 0))
		sv = NULL;
	printf("# scavbench%s: %s, process_madvise(DONTNEED) on self %s\n",
	       quick ? " (quick)" : "",
	       sv && !scav_is_fallback(sv) ? "scav module loaded" : "no scav module",
	       pmadv_ok ? "supported" : "not supported");
	fig_release();
	fig_reuse();
	fig_asking();
	scav_close(sv);
	return 0;
}

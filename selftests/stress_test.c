// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: the aging worker and the shrinker run flat out while a
 * process reports and claims, remaps, protects, locks, forks and madvises
 * the same memory, processes exit with live ranges, and one is OOM-killed
 * while scav reclaims it.  Nothing may be lost, and the kernel log must stay
 * clean (the VM runner checks it).  Needs root for the knobs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "scav_util.h"

#define SLOTS 256		/* the allocator's units: one page each */
#define CHUNKS 16		/* the mangler's units */
#define CHUNK_PAGES 16
#define RUN_SECONDS 6

/* What the threads do; every call is checked and counted. */
enum op {
	OP_REPORT, OP_CLAIM, OP_RECLAIM, OP_MMAP, OP_MREMAP, OP_MPROTECT,
	OP_MLOCK, OP_MUNLOCK, OP_MADVISE, OP_FORK, OP_WAITPID, OP_CHILD,
	OP_DROP_CACHES, NR_OPS
};

#define MAX_ALLOWED 2

/*
 * The failures the race allows, by errno: a report or claim that could not
 * allocate its spare nodes (the shrinker keeps memory tight); mlock() that
 * could not lock the pages; fork() without memory or PIDs.  Nothing here
 * runs the machine out of memory or mappings, so mmap(), mremap(),
 * mprotect(), madvise() and the rest may not fail at all.  A claim of
 * memory another thread unmapped cannot fail either (holes are accepted),
 * and each thread here claims only its own memory.
 */
static const struct {
	const char *name;
	int err[MAX_ALLOWED];
	const char *err_name[MAX_ALLOWED];
} ops[NR_OPS] = {
	[OP_REPORT] = { "report", { ENOMEM }, { "ENOMEM" } },
	[OP_CLAIM] = { "claim", { ENOMEM }, { "ENOMEM" } },
	[OP_RECLAIM] = { "reclaim" },
	[OP_MMAP] = { "mmap" },
	[OP_MREMAP] = { "mremap" },
	[OP_MPROTECT] = { "mprotect" },
	[OP_MLOCK] = { "mlock", { EAGAIN, ENOMEM }, { "EAGAIN", "ENOMEM" } },
	[OP_MUNLOCK] = { "munlock" },
	[OP_MADVISE] = { "madvise" },
	[OP_FORK] = { "fork", { EAGAIN, ENOMEM }, { "EAGAIN", "ENOMEM" } },
	[OP_WAITPID] = { "waitpid" },
	[OP_CHILD] = { "child's checks" },
	[OP_DROP_CACHES] = { "drop_caches" },
};

/* What one thread did, and the figures it expects of the session. */
struct tally {
	long ok[NR_OPS], allowed[NR_OPS][MAX_ALLOWED], failed[NR_OPS];
	long unexpected;	/* failures the race does not allow */
	uint64_t reported, kept, discarded, forgotten, reclaimed;
	long kept_pages, zero_pages, wrong;
};

struct stress {
	int fd;
	size_t pg;
	volatile int stop;
	int logged;		/* unexpected failures and losses logged */
};

/*
 * A unit of memory a thread reports and claims whole: it holds the pattern
 * of @tag while not idle; while idle, each page holds it or reads as zeros
 * (discarded), or all read as zeros after the thread's own MADV_DONTNEED.
 */
struct unit {
	char *p;
	size_t len;
	uint64_t tag;
	bool idle;
	bool zeroed;
};

struct worker {
	const char *name;
	struct stress *st;
	struct unit *u;
	int n;
	unsigned int seed;
	uint64_t tags;		/* the last tag handed out */
	struct tally t;
};

/* At most 20 lines from all threads, so that a flood stays readable. */
static bool may_log(struct stress *st)
{
	return __atomic_fetch_add(&st->logged, 1, __ATOMIC_RELAXED) < 20;
}

/*
 * Count the outcome of @op: @err is 0 for success, an errno, or -1 for a
 * result no errno explains.  Returns 0 if it worked, 1 if it failed as the
 * race allows, -1 otherwise, which is logged and stops the run.
 */
static int outcome(struct worker *w, enum op op, int err)
{
	int i;

	if (!err) {
		w->t.ok[op]++;
		return 0;
	}
	for (i = 0; i < MAX_ALLOWED && ops[op].err[i]; i++)
		if (err == ops[op].err[i]) {
			w->t.allowed[op][i]++;
			return 1;
		}
	w->t.failed[op]++;
	w->t.unexpected++;
	w->st->stop = 1;
	if (may_log(w->st))
		fprintf(stderr, "# %s: %s failed: %s\n", w->name, ops[op].name,
			err > 0 ? strerror(err) : "unexpected result");
	return -1;
}

/* Pages holding @u's pattern, and reading as zeros; the rest are wrong. */
static void count_pages(const struct unit *u, size_t pg, long *pat, long *zero)
{
	size_t off;

	*pat = *zero = 0;
	for (off = 0; off < u->len; off += pg) {
		if (holds_addr_pattern(u->p + off, pg, u->tag))
			(*pat)++;
		else if (is_zero(u->p + off, pg))
			(*zero)++;
	}
}

/* Memory not as the contract says: @pages pages of @u, by @what. */
static void wrong(struct worker *w, const struct unit *u, long pages,
		  const char *what, uint64_t kept, uint64_t discarded)
{
	w->t.wrong++;
	if (may_log(w->st))
		fprintf(stderr, "# %s: %p +%zu KiB: %ld pages %s (claim said %llu kept, %llu discarded)\n",
			w->name, u->p, u->len / 1024, pages, what,
			(unsigned long long)kept, (unsigned long long)discarded);
}

/* Memory no one reported or that was claimed holds its pattern whole. */
static void check_intact(struct worker *w, const struct unit *u)
{
	long pat, zero;

	count_pages(u, w->st->pg, &pat, &zero);
	if (pat * w->st->pg != u->len)
		wrong(w, u, u->len / w->st->pg - pat,
		      "of memory not idle lost their pattern", 0, 0);
}

/* The thread reuses the memory: a pattern of a new tag. */
static void refill(struct worker *w, struct unit *u)
{
	u->tag = ++w->tags;
	fill_addr_pattern(u->p, u->len, u->tag);
}

/* Report @u, whose memory must be as the thread left it. */
static int report(struct worker *w, struct unit *u)
{
	int ret;

	check_intact(w, u);
	refill(w, u);
	ret = outcome(w, OP_REPORT, sc_report1(w->st->fd, u->p, u->len) ? errno : 0);
	if (!ret) {
		u->idle = true;
		u->zeroed = false;
		w->t.reported += u->len;
	}
	return ret;
}

/*
 * Claim @u and hold the answer against every byte: all of it was idle, the
 * kept pages hold their pattern, the discarded ones read as zeros.
 */
static void claim(struct worker *w, struct unit *u)
{
	struct scav_claim_range c = { (uintptr_t)u->p, u->len };
	size_t pg = w->st->pg;
	long pat, zero;

	if (outcome(w, OP_CLAIM, sc_claim(w->st->fd, &c, 1, NULL) ? errno : 0)) {
		/* Nothing of a plain range is claimed when the claim fails. */
		if (c.kept || c.discarded)
			wrong(w, u, (c.kept + c.discarded) / pg, "claimed by a failed claim",
			      c.kept, c.discarded);
		return;
	}
	w->t.kept += c.kept;
	w->t.discarded += c.discarded;
	count_pages(u, pg, &pat, &zero);
	w->t.kept_pages += pat;
	w->t.zero_pages += zero;
	if (c.kept + c.discarded != u->len)
		wrong(w, u, (u->len - c.kept - c.discarded) / pg,
		      "of idle memory missing from the claim", c.kept, c.discarded);
	if (pat + zero != (long)(u->len / pg))
		wrong(w, u, u->len / pg - pat - zero,
		      "hold neither their pattern nor zeros", c.kept, c.discarded);
	else if (u->zeroed ? pat != 0 : c.kept != pat * pg || c.discarded != zero * pg)
		wrong(w, u, u->zeroed ? pat : labs((long)(c.kept / pg) - pat),
		      u->zeroed ? "MADV_DONTNEED'd hold data" :
				  "kept read as zeros, or discarded hold data",
		      c.kept, c.discarded);
	u->idle = false;
	refill(w, u);
}

/* Report and claim single pages; check every claim against the contents. */
static void *allocator(void *arg)
{
	struct worker *w = arg;

	while (!w->st->stop) {
		struct unit *u = &w->u[rand_r(&w->seed) % w->n];

		if (u->idle)
			claim(w, u);
		else
			report(w, u);
	}
	return NULL;
}

/* @u's mapping was replaced or moved: its idle bytes are forgotten. */
static void remapped(struct worker *w, struct unit *u)
{
	if (u->idle)
		w->t.forgotten += u->len;
	u->idle = false;
	refill(w, u);
	usleep(1000);
	check_intact(w, u);
}

/* mmap() and mremap() with a fixed address: that address, or a failure. */
static void *mapped_to(struct worker *w, enum op op, void *q, void *want)
{
	outcome(w, op, q == want ? 0 : q == MAP_FAILED ? errno : -1);
	return q;
}

/* Away to the placeholder at @tmp and back, and the placeholder put back. */
static void move_away_and_back(struct worker *w, struct unit *u, char *tmp)
{
	int flags = MREMAP_MAYMOVE | MREMAP_FIXED;

	if (mapped_to(w, OP_MREMAP, mremap(u->p, u->len, u->len, flags, tmp), tmp) != tmp ||
	    mapped_to(w, OP_MREMAP, mremap(tmp, u->len, u->len, flags, u->p), u->p) != u->p ||
	    mapped_to(w, OP_MMAP, mmap(tmp, u->len, PROT_NONE,
				       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
				       MAP_FIXED_NOREPLACE, -1, 0), tmp) != tmp)
		return;
	remapped(w, u);
}

/* A fork child sees each page of its copy as the parent had it. */
static void fork_and_check_copy(struct worker *w, const struct unit *u)
{
	int status;
	pid_t pid = fork();

	if (outcome(w, OP_FORK, pid < 0 ? errno : 0))
		return;
	if (pid == 0) {
		long pat, zero;

		count_pages(u, w->st->pg, &pat, &zero);
		_exit(u->zeroed ? zero * w->st->pg != u->len :
				  (pat + zero) * w->st->pg != u->len);
	}
	if (!outcome(w, OP_WAITPID, waitpid(pid, &status, 0) == pid ? 0 : errno))
		outcome(w, OP_CHILD, WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1);
}

/*
 * Report a chunk, then do something to it.  After a munmap, mremap or
 * MAP_FIXED the new contents must survive whatever scav does next; the
 * rest leaves the chunk idle, to be claimed and checked.
 */
static void *mangler(void *arg)
{
	struct worker *w = arg;
	size_t len = CHUNK_PAGES * w->st->pg;
	char *tmp = w->u[w->n - 1].p + len + w->st->pg;

	while (!w->st->stop) {
		struct unit *u = &w->u[rand_r(&w->seed) % w->n];
		int64_t got;

		if (!u->idle && report(w, u))
			continue;
		switch (rand_r(&w->seed) % 8) {
		case 0:	/* replaced in place */
			if (mapped_to(w, OP_MMAP, mmap(u->p, len, PROT_READ | PROT_WRITE,
						       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
						       -1, 0), u->p) == u->p)
				remapped(w, u);
			break;
		case 1:
			move_away_and_back(w, u, tmp);
			break;
		case 2:
			if (!outcome(w, OP_MPROTECT, mprotect(u->p, len, PROT_READ) ? errno : 0))
				outcome(w, OP_MPROTECT, mprotect(u->p, len, PROT_READ | PROT_WRITE) ?
					errno : 0);
			break;
		case 3:
			if (!outcome(w, OP_MLOCK, mlock(u->p, len) ? errno : 0))
				outcome(w, OP_MUNLOCK, munlock(u->p, len) ? errno : 0);
			break;
		case 4:
			if (!outcome(w, OP_MADVISE, madvise(u->p, len, MADV_DONTNEED) ? errno : 0))
				u->zeroed = true;
			break;
		case 5:
			fork_and_check_copy(w, u);
			break;
		case 6:	/* the oldest of the session, the allocator's too */
			got = sc_reclaim(w->st->fd, 0, len);
			if (!outcome(w, OP_RECLAIM, got < 0 ? -got : 0))
				w->t.reclaimed += got;
			break;
		default:
			claim(w, u);
		}
	}
	return NULL;
}

/* Children that report and exit, leaving the module to clean up. */
static void *exiter(void *arg)
{
	struct worker *w = arg;

	while (!w->st->stop) {
		int status;
		pid_t pid = fork();

		if (outcome(w, OP_FORK, pid < 0 ? errno : 0))
			continue;
		if (pid == 0) {
			int fd = open(SCAV_DEVICE_PATH, O_RDWR);
			char *m = map_filled(MiB, 3);

			_exit(fd < 0 ? 1 : !m ? 2 : sc_report1(fd, m, MiB) ? 3 : 0);
		}
		if (!outcome(w, OP_WAITPID, waitpid(pid, &status, 0) == pid ? 0 : errno))
			outcome(w, OP_CHILD, WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1);
	}
	return NULL;
}

/* Memory pressure: drop_caches runs the shrinker over everything. */
static void *presser(void *arg)
{
	struct worker *w = arg;

	while (!w->st->stop) {
		outcome(w, OP_DROP_CACHES, -write_file("/proc/sys/vm/drop_caches", "2"));
		usleep(20000);
	}
	return NULL;
}

/*
 * Claim what is still idle and check what is not: the run's last word.
 * Not after a failure the race does not allow: a unit may not be mapped.
 */
static void settle(struct worker *w)
{
	int i;

	for (i = 0; !w->t.unexpected && i < w->n; i++) {
		if (w->u[i].idle)
			claim(w, &w->u[i]);
		if (w->u[i].idle)	/* the claim failed, as allowed: again */
			claim(w, &w->u[i]);
		if (!w->u[i].idle)
			check_intact(w, &w->u[i]);
	}
}

static void add_tally(struct tally *sum, const struct tally *t)
{
	sum->reported += t->reported;
	sum->kept += t->kept;
	sum->discarded += t->discarded;
	sum->forgotten += t->forgotten;
	sum->reclaimed += t->reclaimed;
	sum->kept_pages += t->kept_pages;
	sum->zero_pages += t->zero_pages;
	sum->wrong += t->wrong;
	sum->unexpected += t->unexpected;
}

/*
 * "name: op ok[/ERRNO allowed failures...][ FAILED n], ..." for each op the
 * thread did.
 */
static void describe(const struct worker *w, char *buf, size_t n)
{
	const char *sep = " ";
	int i, j, k = snprintf(buf, n, "%s:", w->name);

	for (i = 0; i < NR_OPS && k < (int)n; i++) {
		if (!w->t.ok[i] && !w->t.failed[i] && !w->t.allowed[i][0] && !w->t.allowed[i][1])
			continue;
		k += snprintf(buf + k, n - k, "%s%s %ld", sep, ops[i].name, w->t.ok[i]);
		for (j = 0; j < MAX_ALLOWED && ops[i].err[j] && k < (int)n; j++)
			k += snprintf(buf + k, n - k, "/%s %ld", ops[i].err_name[j],
				      w->t.allowed[i][j]);
		if (w->t.failed[i] && k < (int)n)
			k += snprintf(buf + k, n - k, " FAILED %ld", w->t.failed[i]);
		sep = ", ";
	}
}

/* @n units of @len bytes from @base, @stride apart, each with its pattern. */
static void units_init(struct worker *w, char *base, int n, size_t len,
		       size_t stride)
{
	int i;

	w->n = n;
	w->u = calloc(n, sizeof(*w->u));
	for (i = 0; w->u && i < n; i++) {
		w->u[i].p = base + i * stride;
		w->u[i].len = len;
		refill(w, &w->u[i]);
	}
}

FIXTURE(stress) {
	struct tunables saved;
};

FIXTURE_SETUP(stress)
{
	if (geteuid() != 0)
		SETUP_SKIP("needs root for /sys/kernel/scav");
	if (access(SCAV_SYSFS "enabled", F_OK))
		SETUP_SKIP("scav.ko not loaded");
	tunables_save(&self->saved);
	/* The worker as eager as it goes: everything idle is old at once. */
	ASSERT_EQ(0, set_aging("0", "10", "0", "0"));
}

FIXTURE_TEARDOWN(stress)
{
	tunables_restore(&self->saved);
}

/*
 * Four threads: an allocator reporting and claiming single pages, a mangler
 * doing everything else to 16 chunks of 16 pages (a never-reported page
 * between them, so that no two are one range), a thread forking children
 * that exit with idle memory, and drop_caches.  Every byte of a unit is
 * checked at each claim, and before each report, and at the end, when what
 * is still idle is claimed; every call's result is counted.
 */
TEST_F_TIMEOUT(stress, everything_at_once_loses_nothing, 120)
{
	struct stress st = { .pg = pagesz() };
	struct worker w[4] = {
		{ "allocator", &st, .seed = 1 }, { "mangler", &st, .seed = 2 },
		{ "exiter", &st }, { "presser", &st },
	};
	void *(*fn[4])(void *) = { allocator, mangler, exiter, presser };
	size_t len = CHUNK_PAGES * st.pg, stride = len + st.pg;
	struct worker gaps = { "gaps", &st };
	struct tally sum = { 0 };
	struct scav_stats s;
	pthread_t th[4];
	double t0 = now_s();
	uint64_t reclaimed;
	char *a, *b, line[1024];
	int i, missing = 0;

	st.fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st.fd);
	a = mmap(NULL, SLOTS * st.pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* The chunks with the page after each, and the mangler's placeholder. */
	b = mmap(NULL, CHUNKS * stride + len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, a);
	ASSERT_NE(MAP_FAILED, b);
	ASSERT_EQ(0, mprotect(b + CHUNKS * stride, len, PROT_NONE));
	units_init(&w[0], a, SLOTS, st.pg, st.pg);
	units_init(&w[1], b, CHUNKS, len, stride);
	units_init(&gaps, b + len, CHUNKS, st.pg, stride);
	ASSERT_TRUE(w[0].u && w[1].u && gaps.u);

	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_create(&th[i], NULL, fn[i], &w[i]));
	while (!st.stop && now_s() - t0 < RUN_SECONDS)
		usleep(100000);
	st.stop = 1;
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, pthread_join(th[i], NULL));
	settle(&w[0]);
	settle(&w[1]);
	settle(&gaps);

	for (i = 0; i < 4; i++) {
		describe(&w[i], line, sizeof(line));
		TH_LOG("%s", line);
		add_tally(&sum, &w[i].t);
	}
	add_tally(&sum, &gaps.t);
	ASSERT_EQ(0, sc_stats(st.fd, &s));
	reclaimed = s.reclaimed_request_bytes + s.reclaimed_age_bytes +
		    s.reclaimed_pressure_bytes;
	TH_LOG("pages claimed: %ld kept, %ld zeros; %ld wrong; reported %llu, claimed %llu kept + %llu discarded, forgotten %llu",
	       sum.kept_pages, sum.zero_pages, sum.wrong,
	       (unsigned long long)s.reported_bytes,
	       (unsigned long long)s.claimed_kept_bytes,
	       (unsigned long long)s.claimed_discarded_bytes,
	       (unsigned long long)s.forgotten_bytes);
	TH_LOG("reclaimed: %llu on request (the mangler's %llu), %llu aged, %llu under pressure",
	       (unsigned long long)s.reclaimed_request_bytes,
	       (unsigned long long)sum.reclaimed,
	       (unsigned long long)s.reclaimed_age_bytes,
	       (unsigned long long)s.reclaimed_pressure_bytes);

	EXPECT_EQ(0, sum.unexpected);
	EXPECT_EQ(0, sum.wrong);
	/* Both answers were seen, and checked; every operation worked. */
	EXPECT_LT(0, sum.kept_pages);
	EXPECT_LT(0, sum.zero_pages);
	for (i = 0; i < NR_OPS; i++)
		if (!w[1].t.ok[i] && !w[2].t.ok[i] && !w[3].t.ok[i]) {
			TH_LOG("no %s worked", ops[i].name);
			missing++;
		}
	EXPECT_EQ(0, missing);

	/* The session's figures are the threads' own, to the byte. */
	EXPECT_EQ(0, s.idle_bytes);
	EXPECT_EQ(0, s.nr_ranges);
	EXPECT_EQ(sum.reported, s.reported_bytes);
	EXPECT_EQ(sum.kept, s.claimed_kept_bytes);
	EXPECT_EQ(sum.discarded, s.claimed_discarded_bytes);
	/* Each chunk is a range of its own, so an unmap never splits one. */
	EXPECT_EQ(sum.forgotten, s.forgotten_bytes);
	EXPECT_EQ(sum.reclaimed, s.reclaimed_request_bytes);
	EXPECT_EQ(reclaimed, s.reclaimed_bytes);
	/*
	 * Nothing idle was reported again: every reported byte was claimed or
	 * forgotten.  Every discarded byte was claimed as discarded or
	 * forgotten, by how much is not known (aging and pressure).
	 */
	EXPECT_EQ(s.reported_bytes,
		  s.claimed_kept_bytes + s.claimed_discarded_bytes + s.forgotten_bytes);
	EXPECT_LE(s.claimed_discarded_bytes, reclaimed);
	EXPECT_LE(reclaimed, s.claimed_discarded_bytes + s.forgotten_bytes);
	close(st.fd);
}

/*
 * What the victim of oom_kill_while_scav_reclaims_the_victim shares with the
 * test: how many of its own reclaims ended, what they discarded, and
 * whether its reclaiming thread was inside SCAV_IOC_RECLAIM when it died.
 */
struct victim_log {
	atomic_long rounds, bytes;
	atomic_int inside;
};

/*
 * Four sessions of 128 MiB of address space each, of which the first
 * session's first 8 MiB are written.
 */
#define VICTIM_SESSIONS	4
#define VICTIM_PAGES	32768
#define VICTIM_WRITTEN	2048

struct victim {
	int fd[VICTIM_SESSIONS];
	char *m[VICTIM_SESSIONS];
	struct victim_log *log;
};

/*
 * The victim's second thread: in each session, report every other page
 * (ranges that do not merge: 16384 nodes a session), then have scav
 * reclaim them one at a time, oldest first (max_bytes one page), session
 * after session, and report them again when none is left.  Near the OOM
 * kill, a call that allocates waits in the kernel's reclaim until the kill:
 * with the ranges reported anew for each reclaim, the kill was always
 * found in SCAV_IOC_REPORT (8 victims of 8), and with 16384 reclaims
 * between reports, too (the reclaims were done before the kill).  Here
 * 65536 reclaims, which allocate nothing, come between reports.
 */
static void *victim_reclaims(void *arg)
{
	struct victim *v = arg;
	static struct scav_range r[VICTIM_SESSIONS][VICTIM_PAGES / 2];
	size_t pg = pagesz(), i;
	int k;

	for (k = 0; k < VICTIM_SESSIONS; k++)
		for (i = 0; i < VICTIM_PAGES / 2; i++) {
			r[k][i].addr = (uintptr_t)v->m[k] + 2 * i * pg;
			r[k][i].len = pg;
		}
	for (i = 0; i < VICTIM_WRITTEN; i++)
		v->m[0][i * pg] = 1;
	for (;;) {
		atomic_store(&v->log->inside, 2);
		for (k = 0; k < VICTIM_SESSIONS; k++)
			for (i = 0; i < VICTIM_PAGES / 2; i += SCAV_MAX_RANGES_PER_CALL)
				if (sc_report(v->fd[k], r[k] + i,
					      SCAV_MAX_RANGES_PER_CALL, NULL))
					_exit(3);
		for (k = 0; k < VICTIM_SESSIONS; k++)
			for (i = 0; i < VICTIM_PAGES / 2; i++) {
				struct scav_reclaim rec = { .max_bytes = pg };

				atomic_store(&v->log->inside, 1);
				if (ioctl(v->fd[k], SCAV_IOC_RECLAIM, &rec))
					_exit(4);
				atomic_store(&v->log->inside, 3);
				atomic_fetch_add(&v->log->bytes, rec.bytes);
				atomic_fetch_add(&v->log->rounds, 1);
			}
	}
	return NULL;
}

/*
 * A process whose own thread keeps scav reclaiming its idle memory while
 * its main thread takes more memory than the machine has, until the OOM
 * killer takes it (oom_score_adj 1000): its exit and the OOM reaper tear
 * the address space down while scav's reclaim is at work in it.  Whether
 * the kill landed inside a reclaim is chance (the thread spends most of
 * its time there), so up to eight victims are tried, and one at least
 * must have died inside SCAV_IOC_RECLAIM.
 */
TEST_F_TIMEOUT(stress, oom_kill_while_scav_reclaims_the_victim, 300)
{
	struct victim_log *log = mmap(NULL, sizeof(*log), PROT_READ | PROT_WRITE,
				      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int attempt, status, inside = 0;

	ASSERT_NE(MAP_FAILED, log);
	/* No aging: the victim's own reclaims take its ranges, one by one. */
	ASSERT_EQ(0, set_aging("3600000", "10", "0", "0"));
	for (attempt = 1; attempt <= 8 && inside != 1; attempt++) {
		long long kills = proc_value("/proc/vmstat", "oom_kill");
		pid_t pid;

		memset(log, 0, sizeof(*log));
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0) {
			struct victim v = { .log = log };
			size_t i, len = 2048 * MiB;
			pthread_t t;
			char *hog;

			write_file("/proc/self/oom_score_adj", "1000");
			for (i = 0; i < VICTIM_SESSIONS; i++) {
				v.fd[i] = open(SCAV_DEVICE_PATH, O_RDWR);
				v.m[i] = mmap(NULL, VICTIM_PAGES * pagesz(),
					      PROT_READ | PROT_WRITE,
					      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
				if (v.fd[i] < 0 || v.m[i] == MAP_FAILED)
					_exit(1);
			}
			if (pthread_create(&t, NULL, victim_reclaims, &v))
				_exit(1);
			while (atomic_load(&log->rounds) < 1000)
				usleep(1000);
			hog = mmap(NULL, len, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				   -1, 0);
			for (i = 0; hog != MAP_FAILED && i < len; i += pagesz())
				hog[i] = 1;
			_exit(2);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		ASSERT_TRUE(WIFSIGNALED(status)) TH_LOG("exit %d", WEXITSTATUS(status));
		ASSERT_EQ(SIGKILL, WTERMSIG(status));
		ASSERT_LT(kills, proc_value("/proc/vmstat", "oom_kill"));
		inside = atomic_load(&log->inside);
		TH_LOG("victim %d: OOM-killed %s, after %ld reclaims of its own that discarded %ld KiB",
		       attempt, inside == 1 ? "inside SCAV_IOC_RECLAIM" :
		       inside == 2 ? "inside SCAV_IOC_REPORT" : "outside scav's ioctls",
		       atomic_load(&log->rounds), atomic_load(&log->bytes) >> 10);
		ASSERT_LE(1000, atomic_load(&log->rounds));
		ASSERT_LT(0, atomic_load(&log->bytes));
	}
	EXPECT_EQ(1, inside);
	munmap(log, sizeof(*log));
}

TEST_HARNESS_MAIN

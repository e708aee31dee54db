// SPDX-License-Identifier: GPL-2.0
/*
 * A randomized, model-based stress test of the contract in <linux/scav.h>.
 *
 * Several processes, each with its own session and several threads, issue
 * random sequences of REPORT (every flag), CLAIM, RECLAIM, STATS, munmap,
 * mremap, MAP_FIXED, mprotect, mlock, their own madvise(), fork, close of
 * the session, sysfs and netlink writes.  Each thread works in a window of
 * its own, so that no two operations on one range overlap in time, as the
 * contract requires; the aging worker, the shrinker and the other
 * processes' netlink reclaims act on everything meanwhile.
 *
 * A shadow model says what every page must read: the pattern of its last
 * write, never zero; zeros; or, while it is idle (or the process itself
 * MADV_FREE'd it, or its content was idle when it was moved or the session
 * closed), either of the two.  After every step what can be checked is
 * checked: pages that are not idle hold exactly their model's value, a
 * claim's discarded bytes are exactly the pages it made read zero, the
 * figures of STATS and netlink agree with the model.
 *
 * Seeded and reproducible (SCAV_FUZZ_SEED; the seed is printed at the
 * start), bounded in time (SCAV_FUZZ_SECONDS, default 20); every failure
 * prints the seed, the process, thread, step and operation, and the last
 * operations before it.  SCAV_FUZZ_PROCS and SCAV_FUZZ_THREADS (default 3
 * and 3) make a failure easier to reduce.  Knobs and netlink writes need
 * root; without it the rest runs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdarg.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"
#include "scav_nl.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef __NR_mseal
#define __NR_mseal 462
#endif

#define MAX_PROCS	8
#define MAX_THREADS	8
#define NPAGES		1024	/* a thread's window: 4 MiB */
#define MAXV		64	/* ranges in one vector */
#define HIST		8	/* operations remembered for a failure report */
#define SEALED_PAGES	8

/* What the test counts, by operation. */
enum op {
	OP_WRITE, OP_REPORT, OP_REPORT_LAZY, OP_REPORT_DISCARD, OP_REPORT_BAD,
	OP_CLAIM, OP_LAZY_CLAIM, OP_RECLAIM, OP_STATS, OP_STATS_RESIDENT,
	OP_STATS_EXACT, OP_MUNMAP, OP_MREMAP_MOVE, OP_MREMAP_RESIZE, OP_MAP_FIXED,
	OP_MPROTECT, OP_MLOCK, OP_MUNLOCK, OP_DONTNEED, OP_FREE, OP_PAGEOUT,
	OP_FORK, OP_CLOSE, OP_KNOB, OP_NL_RECLAIM, OP_NL_CONFIG, OP_NL_SESSIONS,
	OP_DROP_CACHES, OP_SEALED, OP_SLEEP, OP_SWEEP, NOPS
};

static const char *const op_name[NOPS] = {
	"write", "report", "report_lazy", "report_discard", "report_bad",
	"claim", "lazy_claim", "reclaim", "stats", "stats_resident",
	"stats_exact", "munmap", "mremap_move", "mremap_resize", "map_fixed",
	"mprotect", "mlock", "munlock", "dontneed", "free", "pageout",
	"fork", "close", "knob", "nl_reclaim", "nl_config", "nl_sessions",
	"drop_caches", "sealed", "sleep", "sweep",
};

/* Relative weights of the operations a thread picks at random. */
static const unsigned int op_weight[NOPS] = {
	[OP_WRITE] = 12, [OP_REPORT] = 10, [OP_REPORT_LAZY] = 6,
	[OP_REPORT_DISCARD] = 3, [OP_REPORT_BAD] = 2, [OP_CLAIM] = 16,
	[OP_LAZY_CLAIM] = 3, [OP_RECLAIM] = 4, [OP_STATS] = 2,
	[OP_STATS_RESIDENT] = 2, [OP_STATS_EXACT] = 2, [OP_MUNMAP] = 2,
	[OP_MREMAP_MOVE] = 2, [OP_MREMAP_RESIZE] = 2, [OP_MAP_FIXED] = 2,
	[OP_MPROTECT] = 3, [OP_MLOCK] = 2, [OP_MUNLOCK] = 2, [OP_DONTNEED] = 2,
	[OP_FREE] = 2, [OP_PAGEOUT] = 2, [OP_FORK] = 1, [OP_CLOSE] = 1,
	[OP_KNOB] = 1, [OP_NL_RECLAIM] = 1, [OP_NL_CONFIG] = 1,
	[OP_NL_SESSIONS] = 1, [OP_DROP_CACHES] = 1, [OP_SEALED] = 1,
	[OP_SLEEP] = 2, [OP_SWEEP] = 2,
};

/* A page of a window. */
enum { K_MAPPED, K_RESERVE, K_FOREIGN };
/*
 * Whether the claim of an idle page looks at the page tables (and so makes
 * what is there dirty): no; yes, its last report had SCAV_REPORT_LAZYFREE;
 * or perhaps, a plain report over lazily reported idle memory, which stays
 * lazy only if that memory was not discarded meanwhile (the module's
 * reclaim is not in the model).
 */
enum { REP_PLAIN, REP_LAZY, REP_MAYBE };
enum { P_NONE, P_R, P_RW };

struct pg {
	uint32_t val;		/* generation of the contents; 0: zeros */
	uint8_t kind;		/* K_*: ours and mapped, a placeholder, or not ours */
	uint8_t prot;		/* P_* */
	uint8_t locked;		/* mlock()ed */
	uint8_t amb;		/* holds val or zeros, which is not known yet */
	uint8_t lazy;		/* MADV_FREE'd and not written since: may turn zero */
	uint8_t idle;		/* reported and not claimed */
	uint8_t rep_lazy;	/* REP_*: whether its claim looks at the pages */
	uint64_t stamp_ms;	/* when it was reported (before the call) */
};

struct proc;

struct thr {
	struct proc *pr;
	int idx;
	uint64_t rng;
	char *win;
	struct pg pg[NPAGES];
	unsigned char mark[NPAGES];	/* scratch: which entry claimed a page */
	unsigned char cls[NPAGES];	/* scratch: a fork child's first look */
	uint32_t gen;
	unsigned long step;
	struct scav_nl *nl;
	pid_t kids[8];
	int nkids;
	char op[256];
	char hist[HIST][256];
	uint64_t count[NOPS];
	uint64_t kept_pages, disc_pages;
	pthread_t th;
};

/* Shared between the test and its processes. */
struct shared {
	uint64_t count[MAX_PROCS][NOPS];
	int failures[MAX_PROCS];
	char first[MAX_PROCS][256];	/* the first failure, for the summary */
	/* What the claims found: pages kept and discarded, in all. */
	uint64_t kept_pages[MAX_PROCS], disc_pages[MAX_PROCS];
	pid_t pid[MAX_PROCS];
	int nprocs;
};

struct proc {
	int idx;
	uint64_t seed;
	double deadline;
	int root;
	int nthreads;
	struct shared *sh;
	/*
	 * Operations hold it shared; those that need every thread of the
	 * process at rest (exact figures, closing the session) exclusive.
	 */
	pthread_rwlock_t lock;
	struct scav *lib;	/* the session: through libscav, */
	int fd;			/* or a raw descriptor */
	struct scav_version ver;
	/* What the model says the session's cumulative figures must be. */
	uint64_t reported, claimed_kept, claimed_disc, forgotten, reclaimed_min;
	struct scav_stats last;	/* the last exact figures, for monotony */
	int have_last;
	char *sealed;		/* read-only and sealed, if mseal() exists */
	volatile int stop;
	pthread_mutex_t out;
	struct thr thr[MAX_THREADS];
};

static size_t pg_sz;
static size_t words;

/* ---- randomness: splitmix64, one stream per thread */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t rnd64(struct thr *t)
{
	t->rng += 0x9e3779b97f4a7c15ULL;
	return mix(t->rng);
}

static unsigned int rnd(struct thr *t, unsigned int n)
{
	return n ? rnd64(t) % n : 0;
}

/* ---- reporting */

static void out_line(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		return;
}

static int failed(struct thr *t)
{
	return t->pr->stop;
}

/* Record a failure: seed, where, what, and the operations before it. */
static int fail(struct thr *t, const char *fmt, ...)
{
	struct proc *pr = t->pr;
	char msg[512];
	va_list ap;
	int i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&pr->out);
	if (!pr->sh->failures[pr->idx]++)
		snprintf(pr->sh->first[pr->idx], sizeof(pr->sh->first[0]),
			 "%.100s: %.150s", t->op, msg);
	out_line("# FAIL seed=%llu proc=%d thread=%d step=%lu op=%s: %s",
		 (unsigned long long)pr->seed, pr->idx, t->idx, t->step, t->op, msg);
	for (i = 0; i < HIST; i++) {
		const char *h = t->hist[(t->step + i) % HIST];

		if (*h)
			out_line("#   before: %s", h);
	}
	pthread_mutex_unlock(&pr->out);
	pr->stop = 1;
	return -1;
}

/* Describe the current operation (kept for the failure report). */
static void op_set(struct thr *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->op, sizeof(t->op), fmt, ap);
	va_end(ap);
}

static void op_add(struct thr *t, const char *fmt, ...)
{
	size_t n = strlen(t->op);
	va_list ap;

	if (n >= sizeof(t->op) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(t->op + n, sizeof(t->op) - n, fmt, ap);
	va_end(ap);
}

/* ---- page contents */

static uint64_t pat(uint32_t val, size_t j)
{
	return (uint64_t)val << 32 | j;
}

static char *page_addr(struct thr *t, unsigned int i)
{
	return t->win + (size_t)i * pg_sz;
}

static uint32_t next_val(struct thr *t)
{
	/* Never zero, and unique to the thread and the process. */
	t->gen++;
	return (uint32_t)(t->pr->idx + 1) << 28 | (uint32_t)(t->idx + 1) << 24 |
	       (t->gen & 0xffffff);
}

static void write_page(struct thr *t, unsigned int i)
{
	volatile uint64_t *p = (volatile uint64_t *)page_addr(t, i);
	struct pg *g = &t->pg[i];
	size_t j;

	g->val = next_val(t);
	for (j = 0; j < words; j++)
		p[j] = pat(g->val, j);
	g->amb = g->lazy = 0;
}

enum { C_ZERO, C_VAL, C_BAD };

static int classify(const char *addr, uint32_t val, uint64_t *first)
{
	const volatile uint64_t *p = (const volatile uint64_t *)addr;
	size_t j;

	*first = p[0];
	if (!*first) {
		for (j = 1; j < words; j++)
			if (p[j])
				return C_BAD;
		return C_ZERO;
	}
	if (!val || *first != pat(val, 0))
		return C_BAD;
	for (j = 1; j < words; j++)
		if (p[j] != pat(val, j))
			return C_BAD;
	return C_VAL;
}

static int readable(const struct pg *g)
{
	return g->kind == K_MAPPED && g->prot != P_NONE;
}

/*
 * What page @i reads.  A page that may be discarded meanwhile can be caught
 * half way (zeros after the first words): a second look settles it.
 */
static int read_page(struct thr *t, unsigned int i, uint64_t *first)
{
	const struct pg *g = &t->pg[i];
	int c = classify(page_addr(t, i), g->val, first), n;

	for (n = 0; c == C_BAD && (g->idle || g->lazy) && n < 2; n++)
		c = classify(page_addr(t, i), g->val, first);
	return c;
}

static const char *page_state(const struct pg *g)
{
	static __thread char buf[96];

	snprintf(buf, sizeof(buf), "val=%08x%s%s%s%s%s prot=%d", g->val,
		 g->idle ? " idle" : "", g->rep_lazy ? " rep_lazy" : "",
		 g->lazy ? " lazy" : "", g->amb ? " amb" : "",
		 g->locked ? " locked" : "", g->prot);
	return buf;
}

/* Whether a page reading @c is what the model allows. */
static int page_allows(const struct pg *g, int c)
{
	if (c == C_BAD)
		return 0;
	if (c == C_VAL)
		return 1;
	return !g->val || g->idle || g->amb || g->lazy;
}

/*
 * Check every readable page of [s, s + n) against the model.  What a page
 * not idle reads settles what the model did not know: its value or zeros.
 */
static int check_pages(struct thr *t, unsigned int s, unsigned int n,
		       const char *when)
{
	unsigned int i;

	for (i = s; i < s + n && i < NPAGES; i++) {
		struct pg *g = &t->pg[i];
		uint64_t first;
		int c;

		if (!readable(g))
			continue;
		c = read_page(t, i, &first);
		if (!page_allows(g, c))
			return fail(t, "%s: page %u reads %s (first word %016llx), model %s",
				    when, i, c == C_BAD ? "garbage" : "zeros",
				    (unsigned long long)first, page_state(g));
		if (g->idle)
			continue;
		g->amb = 0;
		if (c == C_ZERO)
			g->val = g->lazy = 0;
	}
	return 0;
}

/* ---- the session, through libscav or a raw descriptor */

static int sess_open(struct thr *t)
{
	struct proc *pr = t->pr;
	int ret;

	pr->lib = NULL;
	pr->fd = -1;
	if (rnd(t, 2)) {
		ret = scav_open(&pr->lib, 0);
		if (ret)
			return fail(t, "scav_open: %s", strerror(-ret));
		if (scav_is_fallback(pr->lib))
			return fail(t, "scav_open fell back to madvise");
		ret = scav_version(pr->lib, &pr->ver);
	} else {
		do
			pr->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		while (pr->fd < 0 && errno == EINTR);
		if (pr->fd < 0)
			return fail(t, "open %s: %s", SCAV_DEVICE_PATH, strerror(errno));
		ret = ioctl(pr->fd, SCAV_IOC_VERSION, &pr->ver) ? -errno : 0;
		if (!ret) {
			struct scav_stats st = {};

			/*
			 * As scav_open() does: netlink lists a session from
			 * its first ioctl but VERSION (netlink_test checks
			 * that), and the model's checks expect it listed.
			 */
			do
				ret = ioctl(pr->fd, SCAV_IOC_STATS, &st) ? -errno : 0;
			while (ret == -EINTR);
			if (ret)
				return fail(t, "STATS after open: %s", strerror(-ret));
		}
	}
	if (ret)
		return fail(t, "VERSION: %s", strerror(-ret));
	pr->reported = pr->claimed_kept = pr->claimed_disc = 0;
	pr->forgotten = pr->reclaimed_min = 0;
	pr->have_last = 0;
	return 0;
}

/*
 * REPORT: 0 or -errno, *done ranges done.  Through libscav a partial
 * report returns how many were done, not why the rest was not: then
 * -EAGAIN stands for "some error".
 */
static int sess_report(struct proc *pr, struct scav_range *r, unsigned int n,
		       unsigned int flags, uint32_t *done, uint64_t *bytes)
{
	struct scav_report rep;
	unsigned int i;
	int ret;

	if (pr->lib) {
		unsigned int lf = flags & SCAV_REPORT_LAZYFREE ? SCAV_RELEASE_LAZY :
				  flags & SCAV_REPORT_DISCARD ? SCAV_RELEASE_NOW : 0;

		ret = scav_report(pr->lib, r, n, lf);
		*done = ret < 0 ? 0 : ret;
		for (*bytes = 0, i = 0; i < *done; i++)
			*bytes += r[i].len;
		return ret < 0 ? ret : (unsigned int)ret == n ? 0 : -EAGAIN;
	}
	memset(&rep, 0, sizeof(rep));
	rep.ranges = (uintptr_t)r;
	rep.count = n;
	rep.flags = flags;
	rep.done = 0xdeadbeef;
	rep.bytes = 0xdeadbeefdeadbeefULL;
	ret = ioctl(pr->fd, SCAV_IOC_REPORT, &rep) ? -errno : 0;
	*done = rep.done;
	*bytes = rep.bytes;
	/* What libscav does after a lazy report. */
	if (flags & SCAV_REPORT_LAZYFREE)
		for (i = 0; i < rep.done && i < n; i++)
			madvise((void *)(uintptr_t)r[i].addr, r[i].len, MADV_FREE);
	return ret;
}

static int sess_claim(struct proc *pr, struct scav_claim_range *c, unsigned int n,
		      uint32_t *done)
{
	struct scav_claim cl;
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++)
		c[i].discarded = c[i].kept = 0xdeadbeefdeadbeefULL;
	if (pr->lib) {
		ret = scav_claim(pr->lib, c, n, 0);
		*done = ret < 0 ? 0 : ret;
		return ret < 0 ? ret : (unsigned int)ret == n ? 0 : -EAGAIN;
	}
	memset(&cl, 0, sizeof(cl));
	cl.ranges = (uintptr_t)c;
	cl.count = n;
	cl.done = 0xdeadbeef;
	ret = ioctl(pr->fd, SCAV_IOC_CLAIM, &cl) ? -errno : 0;
	*done = cl.done;
	return ret;
}

static int sess_reclaim(struct proc *pr, uint64_t min_age, uint64_t max_bytes,
			uint64_t *bytes)
{
	struct scav_reclaim rc;
	int ret;

	if (pr->lib)
		return scav_reclaim(pr->lib, min_age, max_bytes, bytes);
	memset(&rc, 0, sizeof(rc));
	rc.min_age_ms = min_age;
	rc.max_bytes = max_bytes;
	rc.bytes = 0xdeadbeefdeadbeefULL;
	ret = ioctl(pr->fd, SCAV_IOC_RECLAIM, &rc) ? -errno : 0;
	*bytes = rc.bytes;
	return ret;
}

static int sess_stats(struct proc *pr, unsigned int flags, struct scav_stats *st)
{
	if (pr->lib)
		return scav_stats(pr->lib, flags, st);
	return sc_stats_flags(pr->fd, flags, st) ? -errno : 0;
}

/* ---- picking ranges */

static unsigned int pick_len(struct thr *t)
{
	switch (rnd(t, 10)) {
	case 0: case 1: case 2:
		return 1;
	case 3: case 4: case 5: case 6:
		return 1 + rnd(t, 16);
	case 7: case 8:
		return 1 + rnd(t, 128);
	default:
		return 1 + rnd(t, NPAGES);
	}
}

typedef int (*page_pred)(const struct pg *g);

static int p_ours(const struct pg *g)
{
	return g->kind != K_FOREIGN;
}

static int p_mapped(const struct pg *g)
{
	return g->kind == K_MAPPED;
}

static int p_reportable(const struct pg *g)
{
	return g->kind == K_MAPPED && g->prot != P_NONE && !g->locked;
}

static int p_unlocked(const struct pg *g)
{
	return g->kind == K_MAPPED && !g->locked;
}

static int p_fresh(const struct pg *g)
{
	return g->kind == K_MAPPED && g->prot == P_RW && !g->locked && !g->idle;
}

/* A run of pages that all satisfy @ok: 1, or 0 if none was found. */
static int pick_run(struct thr *t, page_pred ok, unsigned int *s, unsigned int *n)
{
	int tries;

	for (tries = 0; tries < 16; tries++) {
		unsigned int i = rnd(t, NPAGES), len = pick_len(t), k;

		if (!ok(&t->pg[i]))
			continue;
		for (k = 1; k < len && i + k < NPAGES && ok(&t->pg[i + k]); k++)
			;
		*s = i;
		*n = k;
		return 1;
	}
	return 0;
}

static uint64_t idle_pages(struct thr *t, unsigned int s, unsigned int n)
{
	uint64_t c = 0;
	unsigned int i;

	for (i = s; i < s + n; i++)
		c += t->pg[i].idle;
	return c;
}

/* A range's pages go: unmapped, moved or replaced.  Idle ones are forgotten. */
static void pages_gone(struct thr *t, unsigned int s, unsigned int n)
{
	uint64_t idle = idle_pages(t, s, n);

	__atomic_add_fetch(&t->pr->forgotten, idle * pg_sz, __ATOMIC_RELAXED);
	memset(&t->pg[s], 0, n * sizeof(t->pg[0]));
}

static void pages_fresh(struct thr *t, unsigned int s, unsigned int n,
			int prot, int locked)
{
	unsigned int i;

	for (i = s; i < s + n; i++) {
		memset(&t->pg[i], 0, sizeof(t->pg[i]));
		t->pg[i].kind = K_MAPPED;
		t->pg[i].prot = prot;
		t->pg[i].locked = locked;
	}
}

/*
 * Fill a hole of the window with a placeholder (PROT_NONE, no memory), so
 * that nothing else of the process is mapped there.  Should something have
 * been (a library's mmap() between our munmap() and this), those pages are
 * not ours any more and are left alone from then on.
 */
static void place_reserve(struct thr *t, unsigned int s, unsigned int n)
{
	unsigned int i;
	void *p;

	p = mmap(page_addr(t, s), n * pg_sz, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE,
		 -1, 0);
	if (p == page_addr(t, s)) {
		for (i = s; i < s + n; i++) {
			memset(&t->pg[i], 0, sizeof(t->pg[i]));
			t->pg[i].kind = K_RESERVE;
		}
		return;
	}
	if (p != MAP_FAILED)
		munmap(p, n * pg_sz);
	for (i = s; i < s + n; i++) {
		memset(&t->pg[i], 0, sizeof(t->pg[i]));
		p = mmap(page_addr(t, i), pg_sz, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			 MAP_FIXED_NOREPLACE, -1, 0);
		t->pg[i].kind = p == page_addr(t, i) ? K_RESERVE : K_FOREIGN;
		if (p != MAP_FAILED && p != page_addr(t, i))
			munmap(p, pg_sz);
	}
}

static int page_unmapped(struct thr *t, unsigned int i)
{
	return msync(page_addr(t, i), pg_sz, MS_ASYNC) && errno == ENOMEM;
}

/* After a failed mremap(): whatever of [s, s + n) it unmapped is gone. */
static void resync(struct thr *t, unsigned int s, unsigned int n)
{
	unsigned int i;

	for (i = s; i < s + n; i++)
		if (t->pg[i].kind != K_FOREIGN && page_unmapped(t, i)) {
			pages_gone(t, i, 1);
			place_reserve(t, i, 1);
		}
}

/* ---- REPORT */

struct vrange {
	unsigned int s, n;
	int bad;	/* misaligned or empty: EINVAL */
};

static int range_reportable(struct thr *t, const struct vrange *v)
{
	unsigned int i;

	if (v->bad)
		return 0;
	for (i = v->s; i < v->s + v->n; i++)
		if (!p_reportable(&t->pg[i]))
			return 0;
	return 1;
}

static const char *flag_name(unsigned int flags)
{
	return flags == SCAV_REPORT_LAZYFREE ? "lazy" :
	       flags == SCAV_REPORT_DISCARD ? "discard" : "0";
}

static void describe(struct thr *t, const struct vrange *v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n && i < 12; i++)
		op_add(t, " %u+%u%s", v[i].s, v[i].n, v[i].bad ? "!" : "");
	if (n > 12)
		op_add(t, " ...(%u)", n);
}

static int do_report(struct thr *t, struct vrange *v, unsigned int n,
		     unsigned int flags)
{
	struct proc *pr = t->pr;
	struct scav_range r[MAXV];
	unsigned int exp_done = n, i, k;
	uint64_t exp_bytes = 0, bytes, t0;
	uint32_t done;
	int ret;

	for (i = 0; i < n; i++) {
		r[i].addr = (uintptr_t)page_addr(t, v[i].s);
		r[i].len = (uint64_t)v[i].n * pg_sz;
		if (v[i].bad == 1)
			r[i].addr += 8;
		else if (v[i].bad)
			r[i].len = 0;
		if (exp_done == n && !range_reportable(t, &v[i]))
			exp_done = i;
		if (exp_done == n)
			exp_bytes += r[i].len;
	}
	t0 = now_ms();
	ret = sess_report(pr, r, n, flags, &done, &bytes);
	if (pr->lib ? (exp_done == n ? ret != 0 :
		       exp_done ? ret != -EAGAIN : ret != -EINVAL) :
		      ret != (exp_done == n ? 0 : -EINVAL))
		return fail(t, "REPORT returned %s, expected %s after %u ranges",
			    strerror(-ret), exp_done == n ? "success" : "EINVAL",
			    exp_done);
	if (done != exp_done || bytes != exp_bytes)
		return fail(t, "REPORT done %u bytes %llu, expected %u and %llu",
			    done, (unsigned long long)bytes, exp_done,
			    (unsigned long long)exp_bytes);
	__atomic_add_fetch(&pr->reported, bytes, __ATOMIC_RELAXED);
	if (flags & SCAV_REPORT_DISCARD)
		__atomic_add_fetch(&pr->reclaimed_min, bytes, __ATOMIC_RELAXED);

	for (i = 0; i < done; i++) {
		/*
		 * Reported plainly over lazily reported idle memory: lazy
		 * again, unless the module discarded that memory meanwhile.
		 */
		int over_lazy = 0;

		for (k = v[i].s; k < v[i].s + v[i].n; k++)
			over_lazy |= t->pg[k].idle && t->pg[k].rep_lazy;
		for (k = v[i].s; k < v[i].s + v[i].n; k++) {
			struct pg *g = &t->pg[k];

			if (flags & SCAV_REPORT_DISCARD) {
				g->val = g->amb = g->lazy = g->idle = g->rep_lazy = 0;
				continue;
			}
			/* Re-reported: what it holds now may be zeros. */
			if (g->idle)
				g->amb = 1;
			g->idle = 1;
			g->stamp_ms = t0;
			g->rep_lazy = flags & SCAV_REPORT_LAZYFREE ? REP_LAZY :
				      over_lazy ? REP_MAYBE : REP_PLAIN;
			if (flags & SCAV_REPORT_LAZYFREE)
				g->lazy = 1;
		}
	}
	for (i = 0; i < n; i++)
		if (check_pages(t, v[i].s, v[i].n, "after REPORT"))
			return -1;
	return 0;
}

/* Random ranges for a report: mostly reportable ones. */
static unsigned int pick_report(struct thr *t, struct vrange *v, int bad)
{
	unsigned int n = 1, i;

	if (!rnd(t, 4))
		n = 1 + rnd(t, 8);
	if (!rnd(t, 50))
		n = 1 + rnd(t, MAXV);
	for (i = 0; i < n; i++) {
		page_pred ok = bad && !rnd(t, 2) ? p_ours : p_reportable;

		v[i].bad = 0;
		if (!pick_run(t, ok, &v[i].s, &v[i].n))
			break;
		if (bad && !rnd(t, 3))
			v[i].bad = 1 + rnd(t, 2);
	}
	return i;
}

static int op_report(struct thr *t, unsigned int flags, int bad)
{
	struct vrange v[MAXV];
	unsigned int n = pick_report(t, v, bad);

	if (!n)
		return 0;
	op_add(t, " flags=%s", flag_name(flags));
	describe(t, v, n);
	return do_report(t, v, n, flags);
}

/* ---- CLAIM */

static int do_claim(struct thr *t, struct vrange *v, unsigned int n)
{
	struct proc *pr = t->pr;
	struct scav_claim_range c[MAXV];
	uint64_t exp_idle[MAXV] = { 0 };
	unsigned int exp_done = n, i, k;
	uint32_t done;
	int ret;

	memset(t->mark, 0, sizeof(t->mark));
	for (i = 0; i < n; i++) {
		c[i].addr = (uintptr_t)page_addr(t, v[i].s);
		c[i].len = (uint64_t)v[i].n * pg_sz;
		if (v[i].bad == 1)
			c[i].addr += 8;
		else if (v[i].bad)
			c[i].len = 0;
		if (v[i].bad && exp_done == n)
			exp_done = i;
		if (exp_done != n)
			continue;
		for (k = v[i].s; k < v[i].s + v[i].n; k++)
			if (t->pg[k].idle && !t->mark[k]) {
				t->mark[k] = i + 1;
				exp_idle[i]++;
			}
	}
	ret = sess_claim(pr, c, n, &done);
	if (pr->lib ? (exp_done == n ? ret != 0 :
		       exp_done ? ret != -EAGAIN : ret != -EINVAL) :
		      ret != (exp_done == n ? 0 : -EINVAL))
		return fail(t, "CLAIM returned %s, expected %s after %u ranges",
			    strerror(-ret), exp_done == n ? "success" : "EINVAL",
			    exp_done);
	if (done != exp_done)
		return fail(t, "CLAIM done %u, expected %u", done, exp_done);
	if (!pr->lib && exp_done < n &&
	    (c[exp_done].kept || c[exp_done].discarded))
		return fail(t, "CLAIM: the refused range %u says kept %llu discarded %llu",
			    exp_done, (unsigned long long)c[exp_done].kept,
			    (unsigned long long)c[exp_done].discarded);

	for (i = 0; i < done; i++) {
		uint64_t zr = 0, zany = 0, kd = c[i].kept + c[i].discarded;

		if (c[i].kept % pg_sz || c[i].discarded % pg_sz || kd != exp_idle[i] * pg_sz)
			return fail(t, "CLAIM range %u: kept %llu + discarded %llu, but %llu bytes of it were idle",
				    i, (unsigned long long)c[i].kept,
				    (unsigned long long)c[i].discarded,
				    (unsigned long long)(exp_idle[i] * pg_sz));
		for (k = v[i].s; k < v[i].s + v[i].n; k++) {
			struct pg *g = &t->pg[k];
			uint64_t first;
			int cl;

			if (t->mark[k] != i + 1)
				continue;
			if (!readable(g)) {
				zany++;
				continue;
			}
			cl = read_page(t, k, &first);
			if (cl == C_BAD)
				return fail(t, "claimed page %u reads garbage (first word %016llx), model %s",
					    k, (unsigned long long)first, page_state(g));
			if (cl == C_VAL)
				continue;
			/*
			 * Zeros.  Discarded for sure, unless the model allows
			 * zeros as kept contents: known zeros, unknown ones,
			 * or the process's own MADV_FREE that the claim may
			 * not have looked at (a lazy report's claim does).
			 */
			if (!g->val || g->amb || (g->lazy && g->rep_lazy != REP_LAZY))
				zany++;
			else
				zr++;
		}
		if (c[i].discarded < zr * pg_sz || c[i].discarded > (zr + zany) * pg_sz)
			return fail(t, "CLAIM range %u (%u+%u): discarded %llu kept %llu, but %llu pages read zero that must have been discarded and %llu more may have been",
				    i, v[i].s, v[i].n,
				    (unsigned long long)c[i].discarded,
				    (unsigned long long)c[i].kept,
				    (unsigned long long)zr, (unsigned long long)zany);
		t->kept_pages += c[i].kept / pg_sz;
		t->disc_pages += c[i].discarded / pg_sz;
		__atomic_add_fetch(&pr->claimed_kept, c[i].kept, __ATOMIC_RELAXED);
		__atomic_add_fetch(&pr->claimed_disc, c[i].discarded, __ATOMIC_RELAXED);
	}

	/* Claimed pages are no longer idle; what they read now they keep. */
	for (k = 0; k < NPAGES; k++) {
		struct pg *g = &t->pg[k];
		uint64_t first;

		if (!t->mark[k] || t->mark[k] > done)
			continue;
		g->idle = 0;
		if (g->rep_lazy == REP_LAZY)	/* the claim made what is there dirty */
			g->lazy = 0;
		g->rep_lazy = REP_PLAIN;
		if (!readable(g)) {
			g->amb |= !!g->val;
			continue;
		}
		g->amb = 0;
		if (read_page(t, k, &first) == C_ZERO)
			g->val = g->lazy = 0;
	}
	for (i = 0; i < n; i++)
		if (check_pages(t, v[i].s, v[i].n, "after CLAIM"))
			return -1;
	return 0;
}

static int op_claim(struct thr *t)
{
	struct vrange v[MAXV];
	unsigned int n = 1, i;

	if (!rnd(t, 4))
		n = 1 + rnd(t, 8);
	if (!rnd(t, 50))
		n = 1 + rnd(t, MAXV);
	for (i = 0; i < n; i++) {
		v[i].bad = !rnd(t, 40) ? 1 + rnd(t, 2) : 0;
		if (!pick_run(t, p_ours, &v[i].s, &v[i].n))
			break;
	}
	if (!i)
		return 0;
	describe(t, v, i);
	return do_claim(t, v, i);
}

/*
 * Free then reuse at once: a lazy report, its MADV_FREE, a claim before
 * the MADV_FREE batch has drained, then MADV_PAGEOUT, which drops every
 * lazily freed page that is still clean.  What the claim kept must stay.
 */
static int op_lazy_claim(struct thr *t)
{
	struct vrange v = { 0 };
	unsigned int i;

	if (!pick_run(t, p_fresh, &v.s, &v.n))
		return 0;
	if (v.n > 32)
		v.n = 32;
	op_add(t, " %u+%u", v.s, v.n);
	for (i = v.s; i < v.s + v.n; i++)
		write_page(t, i);
	if (do_report(t, &v, 1, SCAV_REPORT_LAZYFREE) || do_claim(t, &v, 1))
		return -1;
	if (madvise(page_addr(t, v.s), v.n * pg_sz, MADV_PAGEOUT) && errno != EINVAL)
		return fail(t, "MADV_PAGEOUT: %s", strerror(errno));
	return check_pages(t, v.s, v.n, "after the claim and MADV_PAGEOUT");
}

/* ---- RECLAIM and STATS */

static uint64_t all_idle(struct proc *pr, uint64_t min_age, uint64_t now,
			 uint64_t *rep_lazy, uint64_t *runs)
{
	uint64_t b = 0;
	int i;
	unsigned int k;

	if (rep_lazy)
		*rep_lazy = 0;
	if (runs)
		*runs = 0;
	for (i = 0; i < pr->nthreads; i++)
		for (k = 0; k < NPAGES; k++) {
			const struct pg *g = &pr->thr[i].pg[k];

			if (!g->idle)
				continue;
			if (runs && (!k || !pr->thr[i].pg[k - 1].idle))
				++*runs;
			if (rep_lazy && g->rep_lazy)
				*rep_lazy += pg_sz;
			/* Stamped before the call: 50 ms of jiffies slack. */
			if (now - g->stamp_ms + 50 >= min_age)
				b += pg_sz;
		}
	return b;
}

static int op_reclaim(struct thr *t, int exact)
{
	static const uint64_t ages[] = {
		0, 1ULL << 32, (1ULL << 32) + 1, 1ULL << 40, UINT64_MAX,
		UINT64_MAX / 1000 + 1,
	};
	struct proc *pr = t->pr;
	uint64_t min_age, max_bytes, bytes = 0, t0, t1, cap;
	int ret;

	switch (rnd(t, 5)) {
	case 0: min_age = rnd(t, 100); break;
	case 1: min_age = rnd(t, 5000); break;
	case 2: min_age = rnd64(t); break;
	default: min_age = ages[rnd(t, sizeof(ages) / sizeof(ages[0]))];
	}
	switch (rnd(t, 5)) {
	case 0: max_bytes = 0; break;
	case 1: max_bytes = rnd(t, 64) * pg_sz; break;
	case 2: max_bytes = 1 + rnd(t, 1 << 20); break;
	case 3: max_bytes = rnd64(t); break;
	default: max_bytes = UINT64_MAX;
	}
	op_add(t, " min_age_ms=%llu max_bytes=%llu%s", (unsigned long long)min_age,
	       (unsigned long long)max_bytes, exact ? " exact" : "");
	t0 = now_ms();
	ret = sess_reclaim(pr, min_age, max_bytes, &bytes);
	t1 = now_ms();
	if (ret)
		return fail(t, "RECLAIM: %s", strerror(-ret));
	if (bytes % pg_sz)
		return fail(t, "RECLAIM: %llu bytes, not whole pages", (unsigned long long)bytes);
	if (max_bytes && max_bytes <= UINT64_MAX - pg_sz &&
	    bytes > (max_bytes + pg_sz - 1) / pg_sz * pg_sz)
		return fail(t, "RECLAIM: %llu bytes beyond max_bytes %llu",
			    (unsigned long long)bytes, (unsigned long long)max_bytes);
	/* Older than the machine: nothing qualifies (issue 12, item 13). */
	if (min_age > t1 + 10000 && bytes)
		return fail(t, "RECLAIM: min_age_ms %llu is beyond uptime (%llu ms) but %llu bytes were discarded",
			    (unsigned long long)min_age, (unsigned long long)t1,
			    (unsigned long long)bytes);
	if (exact) {
		cap = all_idle(pr, min_age, t1, NULL, NULL);
		if (bytes > cap)
			return fail(t, "RECLAIM: %llu bytes, but only %llu bytes were idle for %llu ms",
				    (unsigned long long)bytes, (unsigned long long)cap,
				    (unsigned long long)min_age);
	}
	(void)t0;
	__atomic_add_fetch(&pr->reclaimed_min, bytes, __ATOMIC_RELAXED);
	return 0;
}

/* What holds of every STATS answer. */
static int stats_sane(struct thr *t, const struct scav_stats *st, unsigned int flags)
{
	struct proc *pr = t->pr;
	int i;

	for (i = 0; i < 5; i++)
		if (st->__reserved[i])
			return fail(t, "STATS: reserved field %d is %llx", i,
				    (unsigned long long)st->__reserved[i]);
	if (st->discarded_bytes > st->idle_bytes || st->lazy_bytes > st->idle_bytes)
		return fail(t, "STATS: discarded %llu or lazy %llu above idle %llu",
			    (unsigned long long)st->discarded_bytes,
			    (unsigned long long)st->lazy_bytes,
			    (unsigned long long)st->idle_bytes);
	if (st->nr_ranges > pr->ver.max_ranges)
		return fail(t, "STATS: %llu ranges, above the bound %u",
			    (unsigned long long)st->nr_ranges, pr->ver.max_ranges);
	if (st->reclaimed_bytes != st->reclaimed_request_bytes +
	    st->reclaimed_age_bytes + st->reclaimed_pressure_bytes)
		return fail(t, "STATS: reclaimed %llu is not the sum of its causes",
			    (unsigned long long)st->reclaimed_bytes);
	if (!(flags & SCAV_STATS_RESIDENT)) {
		if (st->idle_resident_bytes || st->lazyfree_bytes || st->used_rss_bytes)
			return fail(t, "STATS without RESIDENT filled the walked figures");
		return 0;
	}
	if (st->idle_resident_bytes > st->idle_bytes ||
	    st->lazyfree_bytes > st->idle_resident_bytes)
		return fail(t, "STATS: idle resident %llu, lazy free %llu, idle %llu",
			    (unsigned long long)st->idle_resident_bytes,
			    (unsigned long long)st->lazyfree_bytes,
			    (unsigned long long)st->idle_bytes);
	/*
	 * Used memory is a part of the anonymous RSS; policy_test and
	 * libscav_test check both against smaps_rollup and pagemap.
	 */
	if (st->used_rss_bytes > st->anon_rss_bytes)
		return fail(t, "STATS: used_rss %llu above anon_rss %llu",
			    (unsigned long long)st->used_rss_bytes,
			    (unsigned long long)st->anon_rss_bytes);
	return 0;
}

#define MONOTONIC(f) do { \
	if (pr->have_last && st.f < pr->last.f) \
		return fail(t, "STATS: " #f " went down from %llu to %llu", \
			    (unsigned long long)pr->last.f, (unsigned long long)st.f); \
} while (0)

#define EXACT(f, v) do { \
	if (st.f != (v)) \
		return fail(t, "STATS: " #f " is %llu, the model says %llu", \
			    (unsigned long long)st.f, (unsigned long long)(v)); \
} while (0)

/* With every thread at rest: the figures are the model's. */
static int stats_exact(struct thr *t, const struct scav_stats *stp)
{
	struct proc *pr = t->pr;
	struct scav_stats st = *stp;
	uint64_t rep_lazy, runs, idle = all_idle(pr, 0, now_ms(), &rep_lazy, &runs);

	EXACT(idle_bytes, idle);
	EXACT(reported_bytes, pr->reported);
	EXACT(claimed_kept_bytes, pr->claimed_kept);
	EXACT(claimed_discarded_bytes, pr->claimed_disc);
	EXACT(forgotten_bytes, pr->forgotten);
	if (st.reclaimed_request_bytes < pr->reclaimed_min)
		return fail(t, "STATS: reclaimed_request %llu, below the %llu this session's calls discarded",
			    (unsigned long long)st.reclaimed_request_bytes,
			    (unsigned long long)pr->reclaimed_min);
	if (st.lazy_bytes > rep_lazy)
		return fail(t, "STATS: lazy %llu, but only %llu idle bytes were reported lazily",
			    (unsigned long long)st.lazy_bytes, (unsigned long long)rep_lazy);
	if (st.nr_ranges < runs || (!st.nr_ranges != !st.idle_bytes))
		return fail(t, "STATS: %llu ranges for %llu separate idle runs of %llu bytes",
			    (unsigned long long)st.nr_ranges, (unsigned long long)runs,
			    (unsigned long long)st.idle_bytes);
	MONOTONIC(reported_bytes);
	MONOTONIC(reclaimed_request_bytes);
	MONOTONIC(reclaimed_age_bytes);
	MONOTONIC(reclaimed_pressure_bytes);
	MONOTONIC(claimed_kept_bytes);
	MONOTONIC(claimed_discarded_bytes);
	MONOTONIC(forgotten_bytes);
	pr->last = st;
	pr->have_last = 1;
	return 0;
}

static int op_stats(struct thr *t, unsigned int flags, int exact)
{
	struct scav_stats st;
	int ret;

	op_add(t, " flags=%u%s", flags, exact ? " exact" : "");
	ret = sess_stats(t->pr, flags, &st);
	if (ret)
		return fail(t, "STATS: %s", strerror(-ret));
	if (stats_sane(t, &st, flags))
		return -1;
	return exact ? stats_exact(t, &st) : 0;
}

/* ---- the process's own memory operations */

static int op_write(struct thr *t)
{
	unsigned int s, n, i;

	if (!pick_run(t, p_ours, &s, &n))
		return 0;
	op_add(t, " %u+%u", s, n);
	for (i = s; i < s + n; i++)
		if (t->pg[i].kind == K_MAPPED && t->pg[i].prot == P_RW &&
		    !t->pg[i].idle)
			write_page(t, i);
	return check_pages(t, s, n, "after writing");
}

static int op_munmap(struct thr *t)
{
	unsigned int s, n;

	if (!pick_run(t, p_ours, &s, &n))
		return 0;
	op_add(t, " %u+%u", s, n);
	if (munmap(page_addr(t, s), n * pg_sz))
		return fail(t, "munmap: %s", strerror(errno));
	pages_gone(t, s, n);
	place_reserve(t, s, n);
	return 0;
}

static int op_map_fixed(struct thr *t)
{
	unsigned int s, n;
	void *p;

	if (!pick_run(t, p_ours, &s, &n))
		return 0;
	op_add(t, " %u+%u", s, n);
	p = mmap(page_addr(t, s), n * pg_sz, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != page_addr(t, s))
		return fail(t, "mmap MAP_FIXED: %s", strerror(errno));
	pages_gone(t, s, n);
	pages_fresh(t, s, n, P_RW, 0);
	return check_pages(t, s, n, "after MAP_FIXED");
}

/* Shorten [s, s + *n) to pages with the same protection and lock as s. */
static void clip_uniform(struct thr *t, unsigned int s, unsigned int *n)
{
	unsigned int k;

	for (k = 1; k < *n; k++)
		if (t->pg[s + k].prot != t->pg[s].prot ||
		    t->pg[s + k].locked != t->pg[s].locked)
			break;
	*n = k;
}

static int disjoint(unsigned int a, unsigned int an, unsigned int b, unsigned int bn)
{
	return a + an <= b || b + bn <= a;
}

/*
 * Move [s, s + n) to d, growing it to m pages: the moved pages are no
 * longer idle (their content may be zeros if it was), the new ones read
 * zeros, and whatever was at d is gone.
 */
static int op_mremap_move(struct thr *t)
{
	unsigned int s, n, d, m, i, k, tries;
	void *p;

	if (!pick_run(t, p_mapped, &s, &n))
		return 0;
	clip_uniform(t, s, &n);
	m = rnd(t, 3) ? n : n + 1 + rnd(t, 16);
	for (tries = 0; tries < 16; tries++) {
		d = rnd(t, NPAGES);
		if (d + m > NPAGES || !disjoint(s, n, d, m))
			continue;
		for (k = 0; k < m && p_ours(&t->pg[d + k]); k++)
			;
		if (k == m)
			break;
	}
	if (tries == 16)
		return 0;
	op_add(t, " %u+%u -> %u+%u", s, n, d, m);
	p = mremap(page_addr(t, s), n * pg_sz, m * pg_sz,
		   MREMAP_MAYMOVE | MREMAP_FIXED, page_addr(t, d));
	if (p == MAP_FAILED) {
		/* Across mappings (EFAULT): it may have unmapped d first. */
		if (errno != EFAULT && errno != EINVAL && errno != ENOMEM)
			return fail(t, "mremap: %s", strerror(errno));
		resync(t, d, m);
		return check_pages(t, s, n, "after a failed mremap");
	}
	if (p != page_addr(t, d))
		return fail(t, "mremap moved to %p, not %p", p, page_addr(t, d));
	pages_gone(t, d, m);
	for (i = 0; i < n; i++) {
		struct pg *g = &t->pg[d + i];

		*g = t->pg[s + i];
		if (g->idle) {
			__atomic_add_fetch(&t->pr->forgotten, pg_sz, __ATOMIC_RELAXED);
			g->amb |= !!g->val;
		}
		g->idle = g->rep_lazy = 0;
	}
	pages_fresh(t, d + n, m - n, t->pg[s].prot, t->pg[s].locked);
	memset(&t->pg[s], 0, n * sizeof(t->pg[0]));
	place_reserve(t, s, n);
	return check_pages(t, d, m, "after mremap");
}

/* Shrink [s, s + n) in place, or grow it into the placeholder after it. */
static int op_mremap_resize(struct thr *t)
{
	unsigned int s, n, m, k;
	void *p;

	if (!pick_run(t, p_mapped, &s, &n))
		return 0;
	if (n > 1 && rnd(t, 2)) {
		m = 1 + rnd(t, n - 1);
		op_add(t, " shrink %u+%u to %u", s, n, m);
		p = mremap(page_addr(t, s), n * pg_sz, m * pg_sz, 0);
		if (p == MAP_FAILED) {
			if (errno != EFAULT)
				return fail(t, "mremap: %s", strerror(errno));
			resync(t, s, n);
			return check_pages(t, s, n, "after a failed mremap");
		}
		pages_gone(t, s + m, n - m);
		place_reserve(t, s + m, n - m);
		return check_pages(t, s, m, "after shrinking");
	}
	for (k = 0; s + n + k < NPAGES && k < 16 &&
	     t->pg[s + n + k].kind == K_RESERVE; k++)
		;
	if (!k)
		return 0;
	k = 1 + rnd(t, k);
	op_add(t, " grow %u+%u by %u", s, n, k);
	if (munmap(page_addr(t, s + n), k * pg_sz))
		return fail(t, "munmap: %s", strerror(errno));
	memset(&t->pg[s + n], 0, k * sizeof(t->pg[0]));
	p = mremap(page_addr(t, s), n * pg_sz, (n + k) * pg_sz, 0);
	if (p == MAP_FAILED) {
		/* [s, s + n) is not all of one mapping, or not its end. */
		if (errno != EFAULT && errno != ENOMEM)
			return fail(t, "mremap: %s", strerror(errno));
		place_reserve(t, s + n, k);
		return check_pages(t, s, n, "after a failed mremap");
	}
	if (p != page_addr(t, s))
		return fail(t, "mremap grew in place to %p, not %p", p, page_addr(t, s));
	pages_fresh(t, s + n, k, t->pg[s + n - 1].prot, t->pg[s + n - 1].locked);
	return check_pages(t, s, n + k, "after growing");
}

static int op_mprotect(struct thr *t)
{
	static const int prots[] = { PROT_NONE, PROT_READ, PROT_READ | PROT_WRITE };
	unsigned int s, n, i;
	int p = rnd(t, 3);

	if (!pick_run(t, p_mapped, &s, &n))
		return 0;
	op_add(t, " %u+%u prot=%d", s, n, p);
	if (mprotect(page_addr(t, s), n * pg_sz, prots[p]))
		return fail(t, "mprotect: %s", strerror(errno));
	for (i = s; i < s + n; i++)
		t->pg[i].prot = p;
	return check_pages(t, s, n, "after mprotect");
}

static int op_mlock(struct thr *t, int lock)
{
	unsigned int s, n, i;

	if (!pick_run(t, p_mapped, &s, &n))
		return 0;
	op_add(t, " %u+%u", s, n);
	if (lock && mlock(page_addr(t, s), n * pg_sz)) {
		/* No room under RLIMIT_MEMLOCK: back to a known state. */
		if (errno != ENOMEM && errno != EAGAIN && errno != EPERM)
			return fail(t, "mlock: %s", strerror(errno));
		lock = 0;
	}
	if (!lock && munlock(page_addr(t, s), n * pg_sz))
		return fail(t, "munlock: %s", strerror(errno));
	for (i = s; i < s + n; i++)
		t->pg[i].locked = lock;
	return check_pages(t, s, n, lock ? "after mlock" : "after munlock");
}

static int op_madvise(struct thr *t, int advice)
{
	unsigned int s, n, i;

	if (!pick_run(t, p_unlocked, &s, &n))
		return 0;
	op_add(t, " %u+%u", s, n);
	if (madvise(page_addr(t, s), n * pg_sz, advice))
		return fail(t, "madvise(%d): %s", advice, strerror(errno));
	for (i = s; i < s + n; i++) {
		struct pg *g = &t->pg[i];

		if (advice == MADV_DONTNEED)
			g->val = g->amb = g->lazy = 0;
		else if (advice == MADV_FREE && g->val)
			g->lazy = 1;
	}
	return check_pages(t, s, n, "after madvise");
}

/* ---- fork: the child's copy never changes, and its ioctls are refused */

static int child_eperm(struct thr *t, char *why, size_t len)
{
	struct proc *pr = t->pr;
	struct scav_range r = { (uintptr_t)page_addr(t, 0), pg_sz };
	struct scav_claim_range c = { (uintptr_t)page_addr(t, 0), pg_sz };
	struct scav_stats st;
	struct scav_version ver;
	uint64_t bytes;
	uint32_t done;
	int ret[5], i;

	ret[0] = sess_stats(pr, 0, &st);
	ret[1] = sess_report(pr, &r, 1, 0, &done, &bytes);
	ret[2] = sess_claim(pr, &c, 1, &done);
	ret[3] = sess_reclaim(pr, 0, 0, &bytes);
	ret[4] = pr->lib ? scav_version(pr->lib, &ver) :
		 ioctl(pr->fd, SCAV_IOC_VERSION, &ver) ? -errno : 0;
	for (i = 0; i < 5; i++)
		if (ret[i] != -EPERM) {
			snprintf(why, len, "ioctl %d on the inherited descriptor: %s, not EPERM",
				 i, strerror(-ret[i]));
			return -1;
		}
	return 0;
}

/* In the child: look at the copy of this thread's window. */
static int child_look(struct thr *t, int again, char *why, size_t len)
{
	unsigned int i;

	for (i = 0; i < NPAGES; i++) {
		const struct pg *g = &t->pg[i];
		uint64_t first;
		int c;

		if (!readable(g))
			continue;
		c = classify(page_addr(t, i), g->val, &first);
		if (!again) {
			if (!page_allows(g, c)) {
				snprintf(why, len, "page %u reads %s (first word %016llx), model %s",
					 i, c == C_BAD ? "garbage" : "zeros",
					 (unsigned long long)first, page_state(g));
				return -1;
			}
			t->cls[i] = c;
		} else if (c != t->cls[i] && !(g->lazy && c == C_ZERO)) {
			snprintf(why, len, "page %u of the child's copy changed from %s to %s (first word %016llx), model %s",
				 i, t->cls[i] == C_ZERO ? "zeros" : "its value",
				 c == C_ZERO ? "zeros" : c == C_BAD ? "garbage" : "its value",
				 (unsigned long long)first, page_state(g));
			return -1;
		}
	}
	return 0;
}

static void reap(struct thr *t, int block)
{
	int i = 0, status;

	while (i < t->nkids) {
		pid_t r = waitpid(t->kids[i], &status, block ? 0 : WNOHANG);

		if (r == 0) {
			i++;
			continue;
		}
		if (r == t->kids[i] && (!WIFEXITED(status) || WEXITSTATUS(status)))
			fail(t, "fork child %d ended with status %#x (its message is above)",
			     t->kids[i], status);
		t->kids[i] = t->kids[--t->nkids];
	}
}

static int op_fork(struct thr *t, int hold_only)
{
	unsigned int nap = 10 + rnd(t, hold_only ? 1500 : 300);
	char why[400] = "";
	pid_t pid;

	reap(t, 0);
	if (t->nkids == (int)(sizeof(t->kids) / sizeof(t->kids[0])))
		reap(t, 1);
	op_add(t, " nap=%ums", nap);
	pid = fork();
	if (pid < 0)
		return fail(t, "fork: %s", strerror(errno));
	if (!pid) {
		int bad = (!hold_only && child_look(t, 0, why, sizeof(why))) ||
			  child_eperm(t, why, sizeof(why));

		usleep(nap * 1000);
		if (!bad && !hold_only)
			bad = child_look(t, 1, why, sizeof(why));
		if (bad)
			dprintf(STDOUT_FILENO,
				"# FAIL seed=%llu proc=%d thread=%d step=%lu op=%s: fork child: %s\n",
				(unsigned long long)t->pr->seed, t->pr->idx, t->idx,
				t->step, t->op, why);
		_exit(bad);
	}
	t->kids[t->nkids++] = pid;
	return 0;
}

/*
 * Close the session (all threads at rest), sometimes while a fork child
 * holds the descriptor, and open a new one.  From the close on nothing of
 * the old ranges may be discarded: the pages it held idle are rewritten at
 * once, and every later check holds them to their new values.
 */
static int op_close(struct thr *t)
{
	struct proc *pr = t->pr;
	struct scav_stats st;
	int i, dupfd = -1;
	unsigned int k;

	if (rnd(t, 2) && op_fork(t, 1))
		return -1;
	if (pr->lib) {
		op_add(t, " libscav");
		scav_close(pr->lib);
	} else {
		if (rnd(t, 2))
			dupfd = dup(pr->fd);
		op_add(t, "%s", dupfd >= 0 ? " with a dup" : "");
		if (close(pr->fd))
			return fail(t, "close: %s", strerror(errno));
		if (dupfd >= 0) {
			/* Any close by the owner ends the session for every descriptor. */
			if (!sc_stats(dupfd, &st) || errno != EBADF)
				return fail(t, "STATS on a dup of a closed session: %s, not EBADF",
					    strerror(errno));
			close(dupfd);
		}
	}
	pr->lib = NULL;
	pr->fd = -1;
	for (i = 0; i < pr->nthreads; i++)
		for (k = 0; k < NPAGES; k++) {
			struct pg *g = &pr->thr[i].pg[k];

			if (!g->idle)
				continue;
			g->idle = g->rep_lazy = 0;
			g->amb |= !!g->val;
			if (i == t->idx && g->kind == K_MAPPED && g->prot == P_RW)
				write_page(t, k);
		}
	return sess_open(t);
}

/* ---- the module's knobs, through sysfs and netlink */

struct knob {
	const char *name;
	int key;		/* SCAV_CONF_* */
	uint64_t min, max;
};

static const struct knob knobs[] = {
	{ "enabled", SCAV_CONF_ENABLED, 0, 1 },
	{ "shrinker_enabled", SCAV_CONF_SHRINKER_ENABLED, 0, 1 },
	{ "idle_age_ms", SCAV_CONF_IDLE_AGE_MS, 0, 604800000 },
	{ "scan_interval_ms", SCAV_CONF_SCAN_INTERVAL_MS, 10, 3600000 },
	{ "quota_bytes_per_sec", SCAV_CONF_QUOTA_BYTES_PER_SEC, 0, 1ULL << 40 },
	{ "quota_ms_per_sec", SCAV_CONF_QUOTA_MS_PER_SEC, 0, 1000 },
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

/* A value for a knob that keeps the machine busy discarding, mostly. */
static uint64_t knob_value(struct thr *t, const struct knob *k)
{
	switch (k->key) {
	case SCAV_CONF_ENABLED:
	case SCAV_CONF_SHRINKER_ENABLED:
		return rnd(t, 5) != 0;
	case SCAV_CONF_IDLE_AGE_MS:
		return rnd(t, 4) ? rnd(t, 200) : rnd(t, 2) ? 500 + rnd(t, 5000) : 3600000;
	case SCAV_CONF_SCAN_INTERVAL_MS:
		return rnd(t, 4) ? 10 + rnd(t, 90) : 1000;
	case SCAV_CONF_QUOTA_BYTES_PER_SEC:
		return rnd(t, 3) ? 0 : rnd(t, 2) ? pg_sz * (1 + rnd(t, 1024)) : 134217728;
	default:
		return rnd(t, 3) ? 0 : 1 + rnd(t, 1000);
	}
}

static int op_knob(struct thr *t)
{
	const struct knob *k = &knobs[rnd(t, NKNOBS)];
	int bad = !rnd(t, 5), ret;
	char v[32];

	if (!bad)
		snprintf(v, sizeof(v), "%llu", (unsigned long long)knob_value(t, k));
	else if (rnd(t, 3) == 0)
		snprintf(v, sizeof(v), "x%u", rnd(t, 10));
	else if (k->min && rnd(t, 2))
		snprintf(v, sizeof(v), "%llu", (unsigned long long)k->min - 1);
	else
		snprintf(v, sizeof(v), "%llu", (unsigned long long)k->max + 1 + rnd(t, 3));
	op_add(t, " %s=%s", k->name, v);
	ret = knob_write(k->name, v);
	if (ret != (bad ? -EINVAL : 0))
		return fail(t, "writing %s: %s", k->name, strerror(-ret));
	return 0;
}

static int op_nl_config(struct thr *t)
{
	struct scav_nl_config c = { 0 }, now;
	int bad = !rnd(t, 5), ret;
	unsigned int i;

	for (i = 0; i < NKNOBS; i++) {
		const struct knob *k = &knobs[i];

		if (rnd(t, 3) && (i != NKNOBS - 1 || c.present))
			continue;
		c.present |= 1u << k->key;
		c.value[k->key] = knob_value(t, k);
		op_add(t, " %s=%llu", k->name, (unsigned long long)c.value[k->key]);
	}
	if (bad) {
		/* One value out of its range: none may change. */
		const struct knob *k = &knobs[rnd(t, NKNOBS)];

		c.present |= 1u << k->key;
		c.value[k->key] = k->min && rnd(t, 2) ? k->min - 1 : k->max + 1 + rnd(t, 5);
		op_add(t, " bad %s=%llu", k->name, (unsigned long long)c.value[k->key]);
	}
	ret = scav_nl_config_set(t->nl, &c, &now);
	if (ret != (bad ? -ERANGE : 0))
		return fail(t, "SET_CONFIG: %s (%s)", strerror(-ret), scav_nl_errmsg(t->nl));
	return 0;
}

static int op_nl_reclaim(struct thr *t)
{
	struct proc *pr = t->pr;
	uint32_t pid, sessions = 0;
	uint64_t bytes = 0;
	int which = rnd(t, 4), ret;

	pid = which == 0 ? (uint32_t)getpid() :
	      which == 1 ? (uint32_t)pr->sh->pid[rnd(t, pr->sh->nprocs)] :
	      which == 2 ? 1 : 2 + rnd(t, 4000000);
	if (!pid)	/* a sibling not started yet */
		return 0;
	op_add(t, " pid=%u", pid);
	ret = scav_nl_reclaim(t->nl, pid, 0, &bytes, &sessions);
	if (pid == (uint32_t)getpid()) {
		if (ret || sessions != 1)
			return fail(t, "netlink RECLAIM of itself: %s, %u sessions",
				    strerror(-ret), sessions);
		if (bytes % pg_sz)
			return fail(t, "netlink RECLAIM: %llu bytes", (unsigned long long)bytes);
		return 0;
	}
	if (ret && ret != -ENOENT && ret != -ESRCH)
		return fail(t, "netlink RECLAIM of %u: %s (%s)", pid, strerror(-ret),
			    scav_nl_errmsg(t->nl));
	return 0;
}

/* The dump lists this process's session once, with the model's figures. */
static int op_nl_sessions(struct thr *t, int exact)
{
	struct scav_nl_session *v = NULL;
	unsigned int flags = rnd(t, 2) ? SCAV_STATS_RESIDENT : 0;
	size_t nr = 0, i, mine = 0;
	int ret;

	op_add(t, " flags=%u%s", flags, exact ? " exact" : "");
	ret = scav_nl_sessions(t->nl, flags, &v, &nr);
	if (ret < 0)
		return fail(t, "GET_SESSIONS: %s", strerror(-ret));
	for (i = 0; i < nr; i++) {
		if (v[i].pid != (uint32_t)getpid())
			continue;
		mine++;
		if (stats_sane(t, &v[i].stats, flags))
			break;
		if (exact && v[i].stats.idle_bytes != all_idle(t->pr, 0, now_ms(), NULL, NULL)) {
			fail(t, "GET_SESSIONS: idle %llu, the model says %llu",
			     (unsigned long long)v[i].stats.idle_bytes,
			     (unsigned long long)all_idle(t->pr, 0, now_ms(), NULL, NULL));
			break;
		}
	}
	free(v);
	if (failed(t))
		return -1;
	/* ret 1: sessions came and went meanwhile, ours may be missed. */
	if (mine > 1 || (mine == 0 && ret == 0))
		return fail(t, "GET_SESSIONS lists this process's session %zu times", mine);
	return 0;
}

/* ---- the sealed arena: never reportable (issue 12, item 10) */

static char *sealed_setup(void)
{
	size_t len = SEALED_PAGES * pg_sz;
	char *p = map_filled(len, 0x5ea1);

	if (!p)
		return NULL;
	if (mprotect(p, len, PROT_READ) || syscall(__NR_mseal, p, len, 0)) {
		munmap(p, len);
		return NULL;
	}
	return p;
}

static int op_sealed(struct thr *t)
{
	struct proc *pr = t->pr;
	struct scav_range r = { (uintptr_t)pr->sealed, SEALED_PAGES * pg_sz };
	unsigned int flags = rnd(t, 3) == 0 ? SCAV_REPORT_DISCARD :
			     rnd(t, 2) ? SCAV_REPORT_LAZYFREE : 0;
	uint64_t bytes;
	uint32_t done;
	int ret;

	if (!pr->sealed)
		return 0;
	op_add(t, " flags=%s", flag_name(flags));
	ret = sess_report(pr, &r, 1, flags, &done, &bytes);
	if (ret != -EINVAL)
		return fail(t, "REPORT of sealed memory: %s, not EINVAL", strerror(-ret));
	if (!holds_pattern(pr->sealed, pr->sealed, SEALED_PAGES * pg_sz, 0x5ea1))
		return fail(t, "sealed memory changed");
	return 0;
}

/* ---- a thread */

static enum op pick_op(struct thr *t)
{
	unsigned int total = 0, i, r;

	for (i = 0; i < NOPS; i++)
		total += op_weight[i];
	r = rnd(t, total);
	for (i = 0; r >= op_weight[i]; i++)
		r -= op_weight[i];
	return i;
}

/* Operations that need the whole process at rest. */
static int op_exclusive(struct thr *t, enum op op)
{
	return op == OP_STATS_EXACT || op == OP_CLOSE ||
	       ((op == OP_RECLAIM || op == OP_NL_SESSIONS) && !rnd(t, 3));
}

static int run_op(struct thr *t, enum op op, int exact)
{
	struct proc *pr = t->pr;
	int root_nl = pr->root && t->nl;

	switch (op) {
	case OP_WRITE: return op_write(t);
	case OP_REPORT: return op_report(t, 0, 0);
	case OP_REPORT_LAZY: return op_report(t, SCAV_REPORT_LAZYFREE, 0);
	case OP_REPORT_DISCARD: return op_report(t, SCAV_REPORT_DISCARD, 0);
	case OP_REPORT_BAD: return op_report(t, rnd(t, 2) ? SCAV_REPORT_LAZYFREE : 0, 1);
	case OP_CLAIM: return op_claim(t);
	case OP_LAZY_CLAIM: return op_lazy_claim(t);
	case OP_RECLAIM: return op_reclaim(t, exact);
	case OP_STATS: return op_stats(t, 0, 0);
	case OP_STATS_RESIDENT: return op_stats(t, SCAV_STATS_RESIDENT, 0);
	case OP_STATS_EXACT: return op_stats(t, rnd(t, 2) ? SCAV_STATS_RESIDENT : 0, 1);
	case OP_MUNMAP: return op_munmap(t);
	case OP_MREMAP_MOVE: return op_mremap_move(t);
	case OP_MREMAP_RESIZE: return op_mremap_resize(t);
	case OP_MAP_FIXED: return op_map_fixed(t);
	case OP_MPROTECT: return op_mprotect(t);
	case OP_MLOCK: return op_mlock(t, 1);
	case OP_MUNLOCK: return op_mlock(t, 0);
	case OP_DONTNEED: return op_madvise(t, MADV_DONTNEED);
	case OP_FREE: return op_madvise(t, MADV_FREE);
	case OP_PAGEOUT: return op_madvise(t, MADV_PAGEOUT);
	case OP_FORK: return op_fork(t, 0);
	case OP_CLOSE: return op_close(t);
	case OP_KNOB: return pr->root ? op_knob(t) : 0;
	case OP_NL_RECLAIM: return root_nl ? op_nl_reclaim(t) : 0;
	case OP_NL_CONFIG: return root_nl ? op_nl_config(t) : 0;
	case OP_NL_SESSIONS: return t->nl ? op_nl_sessions(t, exact) : 0;
	case OP_DROP_CACHES:
		if (!pr->root)
			return 0;
		if (write_file("/proc/sys/vm/drop_caches", "2"))
			return fail(t, "drop_caches: %s", strerror(errno));
		return 0;
	case OP_SEALED: return op_sealed(t);
	case OP_SLEEP: usleep(rnd(t, 20000)); return 0;
	case OP_SWEEP: return check_pages(t, 0, NPAGES, "in a sweep");
	case NOPS: break;
	}
	return 0;
}

static void *thread_main(void *arg)
{
	struct thr *t = arg;
	struct proc *pr = t->pr;

	while (!pr->stop && now_s() < pr->deadline) {
		enum op op = pick_op(t);
		int exact = op_exclusive(t, op);

		t->step++;
		op_set(t, "%s", op_name[op]);
		if (exact)
			pthread_rwlock_wrlock(&pr->lock);
		else
			pthread_rwlock_rdlock(&pr->lock);
		if (!pr->stop && !run_op(t, op, exact))
			t->count[op]++;
		pthread_rwlock_unlock(&pr->lock);
		snprintf(t->hist[t->step % HIST], sizeof(t->hist[0]), "step %lu: %.200s",
			 t->step, t->op);
		reap(t, 0);
	}
	reap(t, 1);
	if (!pr->stop) {
		op_set(t, "final sweep");
		check_pages(t, 0, NPAGES, "at the end");
	}
	return NULL;
}

static int thread_setup(struct thr *t)
{
	size_t len = NPAGES * pg_sz, slack = 2 * MiB;
	unsigned int i;
	char *r;

	/*
	 * A window aligned to 2 MiB (huge pages), with placeholders around it,
	 * so that other windows and the process's own mappings stay apart.
	 */
	r = mmap(NULL, len + 2 * slack, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED)
		return -1;
	t->win = (char *)(((uintptr_t)r + 2 * slack - 1) & ~(slack - 1));
	if (mmap(t->win, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != t->win)
		return -1;
	pages_fresh(t, 0, NPAGES, P_RW, 0);
	for (i = 0; i < NPAGES; i++)
		write_page(t, i);
	if (scav_nl_open(&t->nl, 0))
		t->nl = NULL;
	return 0;
}

static int env_int(const char *name, int def, int min, int max)
{
	const char *v = getenv(name);
	int n = v ? atoi(v) : def;

	return n < min ? min : n > max ? max : n;
}

/* One process of the test; returns its exit status. */
static int proc_main(struct shared *sh, int idx, uint64_t seed, double deadline,
		     int nthreads)
{
	struct proc *pr = calloc(1, sizeof(*pr));
	pthread_rwlockattr_t a;
	int i;

	if (!pr)
		return 2;
	pr->idx = idx;
	pr->seed = seed;
	pr->sh = sh;
	pr->deadline = deadline;
	pr->nthreads = nthreads;
	pr->root = geteuid() == 0;
	pthread_mutex_init(&pr->out, NULL);
	pthread_rwlockattr_init(&a);
	/* Writers first, or the exclusive operations would starve. */
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&pr->lock, &a);
	pr->sealed = sealed_setup();
	for (i = 0; i < nthreads; i++) {
		struct thr *t = &pr->thr[i];

		t->pr = pr;
		t->idx = i;
		t->rng = mix(seed ^ mix(idx + 1) ^ mix(0x100 + i));
		if (thread_setup(t)) {
			out_line("# proc %d: cannot map a window: %s", idx, strerror(errno));
			return 2;
		}
	}
	op_set(&pr->thr[0], "open");
	if (sess_open(&pr->thr[0]))
		return 1;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&pr->thr[i].th, NULL, thread_main, &pr->thr[i]))
			return 2;
	for (i = 0; i < nthreads; i++) {
		int k;

		pthread_join(pr->thr[i].th, NULL);
		for (k = 0; k < NOPS; k++)
			sh->count[idx][k] += pr->thr[i].count[k];
		sh->kept_pages[idx] += pr->thr[i].kept_pages;
		sh->disc_pages[idx] += pr->thr[i].disc_pages;
	}
	if (pr->sealed && !holds_pattern(pr->sealed, pr->sealed,
					 SEALED_PAGES * pg_sz, 0x5ea1)) {
		op_set(&pr->thr[0], "end");
		fail(&pr->thr[0], "sealed memory changed");
	}
	return sh->failures[idx] ? 1 : 0;
}

/* ---- the test */

FIXTURE(model) {
	struct tunables saved;
	int root;
};

FIXTURE_SETUP(model)
{
	int fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
			   strerror(errno));
	close(fd);
	pg_sz = pagesz();
	words = pg_sz / sizeof(uint64_t);
	self->root = geteuid() == 0;
	if (!self->root)
		return;
	tunables_save(&self->saved);
	/* Start eager: idle memory ages out in a fraction of a second. */
	ASSERT_EQ(0, set_aging("200", "20", "0", "0"));
	ASSERT_EQ(0, knob_write("enabled", "1"));
}

FIXTURE_TEARDOWN(model)
{
	tunables_restore(&self->saved);
}

TEST_F_TIMEOUT(model, random_operations_agree_with_the_model, 900)
{
	struct shared *sh;
	uint64_t seed, total = 0, sum[NOPS] = { 0 }, kept = 0, disc = 0;
	int seconds = env_int("SCAV_FUZZ_SECONDS", 20, 1, 3600);
	int nprocs = env_int("SCAV_FUZZ_PROCS", 3, 1, MAX_PROCS);
	int nthreads = env_int("SCAV_FUZZ_THREADS", 3, 1, MAX_THREADS);
	const char *env = getenv("SCAV_FUZZ_SEED");
	double deadline;
	char line[1024];
	int i, k, failures = 0, status;
	size_t n;

	if (env) {
		seed = strtoull(env, NULL, 0);
	} else if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed)) {
		seed = (uint64_t)time(NULL) ^ getpid();
	}
	ksft_print_msg("model_test: seed=%llu (SCAV_FUZZ_SEED=%llu repeats it), %d s, %d processes x %d threads%s\n",
		       (unsigned long long)seed, (unsigned long long)seed, seconds,
		       nprocs, nthreads, self->root ? "" : ", not root: no knobs or netlink writes");
	fflush(stdout);

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, sh);
	memset(sh, 0, sizeof(*sh));
	sh->nprocs = nprocs;
	deadline = now_s() + seconds;
	for (i = 0; i < nprocs; i++) {
		pid_t pid = fork();

		ASSERT_LE(0, pid);
		if (!pid)
			_exit(proc_main(sh, i, seed, deadline, nthreads));
		sh->pid[i] = pid;
	}
	for (i = 0; i < nprocs; i++) {
		ASSERT_EQ(sh->pid[i], waitpid(sh->pid[i], &status, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ksft_print_msg("model_test: process %d ended with status %#x\n",
				       i, status);
			if (!sh->failures[i])
				sh->failures[i] = 1;
		}
		failures += sh->failures[i];
		for (k = 0; k < NOPS; k++)
			sum[k] += sh->count[i][k];
		kept += sh->kept_pages[i];
		disc += sh->disc_pages[i];
	}

	n = 0;
	for (k = 0; k < NOPS; k++) {
		total += sum[k];
		n += snprintf(line + n, sizeof(line) - n, " %s=%llu", op_name[k],
			      (unsigned long long)sum[k]);
		if (n >= sizeof(line))
			n = sizeof(line) - 1;
	}
	ksft_print_msg("model_test: %llu operations:%s\n", (unsigned long long)total, line);
	ksft_print_msg("model_test: claims found %llu pages kept and %llu discarded\n",
		       (unsigned long long)kept, (unsigned long long)disc);
	for (i = 0; i < nprocs; i++)
		if (sh->failures[i])
			ksft_print_msg("model_test: process %d: %d failure(s), first: %s\n",
				       i, sh->failures[i], sh->first[i]);
	if (failures)
		ksft_print_msg("model_test: seed=%llu failed\n", (unsigned long long)seed);
	EXPECT_EQ(0, failures);
	/* A run that never saw memory discarded checked little. */
	EXPECT_LT(0, kept);
	EXPECT_LT(0, disc);
	munmap(sh, sizeof(*sh));
}

TEST_HARNESS_MAIN

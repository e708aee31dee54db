// SPDX-License-Identifier: MIT
/*
 * libscav-jemalloc: jemalloc 5 gives the memory it purges to scav, with no
 * rebuild of jemalloc or of the program.  Loaded with LD_PRELOAD, it
 * replaces the extent hooks of every arena (mallctl "arena.<i>.extent_hooks")
 * with hooks that chain to the originals for all but two:
 *
 * decommit  reports the extent idle to scav.  It succeeds only if the report
 *           did; otherwise jemalloc falls back to its own purge (MADV_DONTNEED
 *           through purge_forced), as without the shim.
 * commit    claims the extent back, and makes it read as zeros: jemalloc
 *           calls commit before it reuses a decommitted extent and then
 *           assumes zeros (it skips zeroing calloc() memory).  Pages scav
 *           discarded are zeros already; if anything was kept, or was not
 *           idle in the session, the range is cleared here.
 *
 * purge_lazy declines (jemalloc reuses lazily purged extents with no hook
 * at all, so it cannot be told "kept or discarded"), and so does dalloc,
 * as jemalloc's own retain does, so that freed extents stay mapped and go
 * through decommit.
 *
 * An explicit purge (mallctl "arena.<i>.purge": Redis's MEMORY PURGE and
 * synchronous FLUSHALL) releases at once, as debug.FreeOSMemory() does for
 * Go: during it decommit declines, so jemalloc purges with MADV_DONTNEED,
 * and afterwards the session's idle memory is discarded.
 *
 * A child of fork() (a daemon detaching, Redis's BGSAVE) opens a session
 * of its own; until it has one, decommit declines and commit clears with
 * MADV_DONTNEED (no copy of shared pages, unlike a memset).  The program's
 * own extent hooks on an arena the shim hooked are refused (EBUSY): they
 * would reuse memory without a claim.  The same holds when the program
 * names these controls by MIB (mallctlnametomib(), mallctlbymib()).
 *
 * It does nothing, and says why with SCAV=debug, without jemalloc 5 in the
 * process, without the module, with SCAV=off, or with overcommit_memory=2
 * or unreadable (where jemalloc maps PROT_NONE and commits for real).  If
 * the session goes away under it (the program closed the descriptor), it
 * clears what it could not claim and stops.
 *
 * The page-state map (ABI 1.4): with a module that has it, the shim's
 * alloc hook carves the arenas' memory out of reservations of its own,
 * each registered as a region with a map (scav_region_open(3)), the first
 * 64 MiB, each next twice the last, at most 16.  Decommit and commit of an
 * extent there are then compare-and-swaps on the map, with no system
 * call; what does not fit (the 16 are used up, the module's bounds
 * say no) comes from jemalloc's own alloc and takes the ioctl path, as all
 * of it does with SCAV=ioctl.  Regions are never unmapped (the module
 * would never act on their pages again): a destroyed extent is emptied.
 * Since stores into the map cannot fail, the shim asks the module every
 * 100 ms at most whether the session still holds the regions.
 *
 * Hooks run inside jemalloc, re-entrantly: they never allocate.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>

#include "scav.h"

/* Arenas whose hooks this shim knows; an index past it keeps its own. */
#define SJ_ARENAS	4096

typedef int (mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (mallctlbymib_fn)(const size_t *, size_t, void *, size_t *, void *,
			      size_t);
typedef int (mallctlnametomib_fn)(const char *, size_t *, size_t *);

static mallctl_fn *real_mallctl;
static mallctlbymib_fn *real_mallctlbymib;
/* The MIBs of the controls the shim watches, for mallctlbymib(). */
static size_t sj_mib_purge[3], sj_mib_destroy[3], sj_mib_hooks[3];
static size_t sj_mib_create[2];
static struct scav *sj_session;
static extent_hooks_t *sj_orig[SJ_ARENAS];	/* each arena's own hooks */
static extent_hooks_t *sj_default;		/* jemalloc's, for new arenas */
static volatile int sj_child;			/* after fork(): not our session */
static int sj_forked;				/* a fork child */
static dev_t sj_rdev;				/* /dev/scav's, as opened */
static volatile int sj_gone;			/* the session ended under us */
static int sj_giving;				/* sj_give_back()s running */
static int sj_debug;
static unsigned int sj_arenas;			/* arenas hooked */

/*
 * The page-state map's regions, in a page of their own marked
 * MADV_WIPEONFORK: the maps are not mapped in a child of fork() (the
 * module makes them VM_DONTCOPY), and there the page reads as zeros, no
 * regions and no map, however the child was made (atfork handlers run or
 * not).  A region is filled in before @n counts it (release); the rest is
 * under sj_lock.
 */
#define SJ_REGIONS	16
#define SJ_FIRST_REGION	(64UL << 20)
struct sj_maps {
	unsigned int n;			/* regions */
	unsigned int max;		/* at most, the module's bound too */
	bool on;			/* new memory comes from regions */
	bool full;			/* no more regions: memory locked, or no room to map */
	bool refused;			/* the module said no to the last one */
	uint64_t retry_ns;		/* then none is asked for before this */
	uint64_t backoff_ns;		/* how long after the next refusal */
	size_t grow;			/* the next region's size */
	struct scav_region r[SJ_REGIONS];
	uintptr_t next[SJ_REGIONS];	/* where each region's unused part starts */
};
static struct sj_maps *sj_m;
static size_t sj_max_region, sj_page;
static int sj_thp_advice;		/* jemalloc's opt.thp, for each region */
static pthread_mutex_t sj_lock = PTHREAD_MUTEX_INITIALIZER;
/* Pages the map's claims found kept and discarded, counted with SCAV=debug. */
static unsigned long sj_kept, sj_discarded;
/*
 * Kept pages a commit clears: runs this long are given back with
 * MADV_DONTNEED (one call; pages the program never touches stay out of
 * memory), shorter ones are written over, with no system call.
 */
#define SJ_ZAP_RUN	(1UL << 20)

/* The thread is inside an explicit purge: decommit declines. */
static __thread int sj_purging __attribute__((tls_model("initial-exec")));

/*
 * With SCAV=debug, a line to stderr.  Formatted on the stack and written
 * with write(2): it may be said inside an extent hook, in the middle of a
 * malloc(), where stdio could allocate or take its own lock.
 */
static void say(const char *fmt, const char *what)
{
	char buf[512];
	ssize_t ret;
	int n;

	if (!sj_debug)
		return;
	n = snprintf(buf, sizeof(buf), fmt, what);
	if (n <= 0)
		return;
	/* Not write(): a cancellation point, and this runs inside hooks. */
	ret = syscall(SYS_write, STDERR_FILENO, buf,
		      (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	(void)ret;
}

static extent_hooks_t *orig(unsigned int arena)
{
	extent_hooks_t *h = arena < SJ_ARENAS ? sj_orig[arena] : NULL;

	return h ? h : sj_default;
}

/* The region [@a, @a + @len) lies in, whole; NULL if none. */
static struct scav_region *sj_region(uintptr_t a, size_t len)
{
	unsigned int i, n = sj_m ? __atomic_load_n(&sj_m->n, __ATOMIC_ACQUIRE) : 0;

	for (i = 0; i < n; i++)
		if (scav_region_has(&sj_m->r[i], a, len))
			return &sj_m->r[i];
	return NULL;
}

/* The monotonic clock (the vDSO's: no system call), in nanoseconds. */
static uint64_t sj_now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * After the module refuses a region (this user's room for maps is taken by
 * other processes, say), the next is asked for SJ_RETRY_FIRST later, then
 * twice as long after each refusal, up to SJ_RETRY_MAX: room comes back
 * when those processes end, and what is carved after that goes through
 * the map again.  Meanwhile new memory comes from jemalloc's own alloc,
 * and jemalloc keeps it (retain): that memory stays on the ioctl path.
 * libscav does not say why a region got no map; a refusal that stays
 * (the session's descriptor closed under the shim, which it notices at
 * its next report) costs an attempt a minute, at a carve.
 */
#define SJ_RETRY_FIRST	1000000000ULL
#define SJ_RETRY_MAX	(64 * SJ_RETRY_FIRST)

/*
 * A new region of at least @min bytes, under sj_lock: reserved (no memory
 * until touched, as jemalloc's own mappings) and registered.  When the
 * module says no, none is asked for until the time above; the regions
 * made go on being carved.
 *
 * It is mapped without access first: under mlockall(MCL_FUTURE) a mapping
 * is locked, and one that can be accessed is filled at once (and the
 * module refuses locked memory anyway).  MADV_DONTNEED refuses a locked
 * mapping (EINVAL), so a locked reservation goes again, unfilled, and no
 * more are made.  Once registered (which needs access), it has none again
 * but for what is carved (sj_carve()), so that a later mlockall(MCL_CURRENT)
 * fills only that, as it would jemalloc's own mappings.
 */
static bool sj_reserve(size_t min)
{
	struct sj_maps *m = sj_m;
	struct scav_region *r = &m->r[m->n];
	size_t len = m->grow;
	uint64_t now = 0;
	void *p;

	if (m->full || m->n >= m->max || min > sj_max_region)
		return false;
	if (m->refused && (now = sj_now_ns()) < m->retry_ns)
		return false;
	while (len < min)
		len *= 2;
	if (len > sj_max_region)
		len = sj_max_region;
	p = mmap(NULL, len, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		m->full = true;
		return false;
	}
	if (madvise(p, len, MADV_DONTNEED) ||
	    mprotect(p, len, PROT_READ | PROT_WRITE)) {
		munmap(p, len);
		m->full = true;
		return false;
	}
	if (scav_region_open(sj_session, p, len, r) || !r->words) {
		munmap(p, len);
		m->backoff_ns = m->refused ? m->backoff_ns * 2 : SJ_RETRY_FIRST;
		if (m->backoff_ns > SJ_RETRY_MAX)
			m->backoff_ns = SJ_RETRY_MAX;
		m->retry_ns = (now ? now : sj_now_ns()) + m->backoff_ns;
		m->refused = true;
		return false;
	}
	if (mprotect(p, len, PROT_NONE)) {
		scav_region_close(r);
		munmap(p, len);
		m->full = true;
		return false;
	}
	m->refused = false;
	if (sj_thp_advice)
		madvise(p, len, sj_thp_advice);
	m->next[m->n] = (uintptr_t)p;
	__atomic_store_n(&m->n, m->n + 1, __ATOMIC_RELEASE);
	if (m->grow < sj_max_region / 2)
		m->grow *= 2;
	return true;
}

/* @size bytes aligned to @alignment from a region, the first that has room. */
static void *sj_carve(size_t size, size_t alignment)
{
	struct sj_maps *m = sj_m;
	bool full, refused, tried = false;
	int said_full, said_refused;
	uintptr_t a = 0;
	unsigned int i;

	if (size > sj_max_region || alignment > sj_max_region)
		return NULL;
	pthread_mutex_lock(&sj_lock);
	full = m->full;
	refused = m->refused;
	for (;;) {
		for (i = 0; i < m->n; i++) {
			a = (m->next[i] + alignment - 1) & ~(alignment - 1);
			if (a >= m->next[i] && a + size > a && a + size <= m->r[i].end) {
				/* The region has no access but where carved. */
				if (mprotect((void *)a, size, PROT_READ | PROT_WRITE))
					a = 0;
				else
					m->next[i] = a + size;
				goto out;
			}
		}
		a = 0;
		if (tried || !sj_reserve(size + alignment - 1))
			break;
		tried = true;
	}
out:
	/* What changed under the lock is said once: 1 became so, 0 no longer. */
	said_full = !full && m->full;
	said_refused = refused == m->refused ? -1 : m->refused;
	pthread_mutex_unlock(&sj_lock);
	/* Said outside the lock: stderr may allocate, and come back here. */
	if (said_full)
		say("scav-jemalloc: %s\n", "no more regions for the page-state map (memory is locked, or no address space is left): the ioctl path from now on");
	if (said_refused == 1)
		say("scav-jemalloc: %s\n", "no more regions for the page-state map for now (the module refused one: this user's room for maps is taken, say): new memory takes the ioctl path, and a region is asked for again in 1 s, then twice as long after each refusal, up to 64 s");
	else if (said_refused == 0)
		say("scav-jemalloc: %s\n", "a new region for the page-state map, after the module's refusal");
	return (void *)a;
}

/*
 * New memory for an arena: from the regions when the map is on (fresh
 * pages, zeros, committed), else, or at a given address, jemalloc's own.
 */
static void *sj_alloc(extent_hooks_t *eh, void *new_addr, size_t size,
		      size_t alignment, bool *zero, bool *commit, unsigned arena)
{
	extent_hooks_t *o = orig(arena);
	void *p;

	(void)eh;
	if (!new_addr && sj_m && __atomic_load_n(&sj_m->on, __ATOMIC_RELAXED) &&
	    !sj_child && size && !(size % sj_page) && alignment &&
	    !(alignment & (alignment - 1))) {
		p = sj_carve(size, alignment < sj_page ? sj_page : alignment);
		if (p) {
			*zero = true;
			*commit = true;
			return p;
		}
	}
	return o->alloc(o, new_addr, size, alignment, zero, commit, arena);
}

/*
 * An extent of a region is not unmapped: the module would never act on
 * those pages again, whatever came to be mapped there.  It is taken back
 * from the map (no longer idle) and emptied, and its addresses stay the
 * region's, unused.
 */
static void sj_destroy(extent_hooks_t *eh, void *addr, size_t size,
		       bool committed, unsigned arena)
{
	struct scav_region *r = sj_region((uintptr_t)addr, size);
	extent_hooks_t *o = orig(arena);
	uint64_t kept, discarded;

	(void)eh;
	if (r) {
		scav_region_claim(r, addr, size, &kept, &discarded);
		madvise(addr, size, MADV_DONTNEED);
		return;
	}
	if (o->destroy)
		o->destroy(o, addr, size, committed, arena);
}

/*
 * Pages [@first, @first + @n) of @r, which sj_give_back() took IDLE -> BUSY:
 * given back, then DISCARDED; if the kernel refused (memory locked since),
 * IDLE again, so that their claim finds them kept and clears them.
 */
static void sj_give_run(struct scav_region *r, size_t first, size_t n)
{
	uint32_t to = SCAV_PAGE_DISCARDED;
	size_t i;

	if (madvise((void *)(r->start + (first << r->page_shift)),
		    n << r->page_shift, MADV_DONTNEED))
		to = SCAV_PAGE_IDLE;
	for (i = first; i < first + n; i++)
		__atomic_store_n(&r->words[i], to, __ATOMIC_RELEASE);
}

/*
 * When the session ends the module forgets the pages the map holds idle:
 * they are the program's again, and jemalloc, which counts them as
 * decommitted, would keep them resident until it reused them.  The shim
 * gives them back itself, as the module would have: each idle page is
 * taken IDLE -> BUSY (a claim meanwhile waits, as for the module's
 * discard; the module's own discards are over or exclude these by the
 * same compare-and-swap), runs of at most SJ_GIVE_RUN pages go with
 * MADV_DONTNEED, and the pages are then DISCARDED, which their claim
 * finds, reading as zeros.  Only the carved part of each region is looked
 * at (@next only grows; past it nothing was ever reported), and signals
 * are blocked meanwhile: a handler's malloc() waiting on a page this
 * thread holds BUSY would wait for itself, then give up on it and find it
 * zapped later.  Bytes given back.
 */
#define SJ_GIVE_RUN	512
static size_t sj_give_back(void)
{
	unsigned int i, n = sj_m ? __atomic_load_n(&sj_m->n, __ATOMIC_ACQUIRE) : 0;
	size_t given = 0;
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	/* Before any word goes BUSY: see sj_claim_page(). */
	__atomic_fetch_add(&sj_giving, 1, __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++) {
		struct scav_region *r = &sj_m->r[i];
		uintptr_t next = __atomic_load_n(&sj_m->next[i], __ATOMIC_RELAXED);
		size_t pages = (next - r->start) >> r->page_shift, p, run = 0;

		for (p = 0; p <= pages; p++) {
			uint32_t old_state = SCAV_PAGE_IDLE;

			if (p < pages && run < SJ_GIVE_RUN &&
			    __atomic_load_n(&r->words[p], __ATOMIC_RELAXED) == SCAV_PAGE_IDLE &&
			    /* Release: a claim that sees BUSY sees sj_giving. */
			    __atomic_compare_exchange_n(&r->words[p], &old_state,
							SCAV_PAGE_BUSY, 0,
							__ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED)) {
				run++;
				continue;
			}
			if (run) {
				sj_give_run(r, p - run, run);
				given += run << r->page_shift;
				/* A full run ended before this page: look again. */
				if (run == SJ_GIVE_RUN)
					p--;
				run = 0;
			}
		}
	}
	/* After every word it took is DISCARDED or IDLE again. */
	__atomic_fetch_sub(&sj_giving, 1, __ATOMIC_RELEASE);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return given;
}

/*
 * The session ended under the shim (see session_lost()): it stops, and the
 * thread that stops it gives back what the map held idle.
 */
static void sj_lost(void)
{
	char msg[160];
	size_t given;

	sj_gone = 1;
	if (__atomic_exchange_n(&sj_child, 1, __ATOMIC_ACQ_REL))
		return;
	given = sj_give_back();
	snprintf(msg, sizeof(msg), "the session ended (its descriptor was closed): jemalloc purges by itself from now on%s%zu KiB",
		 "; held idle in the map, given back: ", given >> 10);
	if (!(sj_m && sj_m->n))
		msg[strcspn(msg, ";")] = '\0';
	say("scav-jemalloc: %s\n", msg);
}

/*
 * Whether the session still holds the regions, asked of the module at most
 * every 100 ms (the clock is the vDSO's: no system call).  A program that
 * closed the shim's descriptor (a daemon's closefrom(3), say) ended the
 * session, and stores into the map would then give back nothing, ever:
 * the shim stops, and jemalloc purges as it does without it.
 */
static bool sj_maps_alive(void)
{
	static uint64_t last;
	struct timespec ts;
	uint64_t now;

	if (clock_gettime(CLOCK_MONOTONIC_COARSE, &ts))
		return true;
	now = (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (now - __atomic_load_n(&last, __ATOMIC_RELAXED) < 100000000)
		return true;
	__atomic_store_n(&last, now, __ATOMIC_RELAXED);
	return scav_region_wait(&sj_m->r[0], sj_m->r[0].start, sj_page) == 0;
}

static bool sj_decommit(extent_hooks_t *eh, void *addr, size_t size,
			size_t offset, size_t length, unsigned arena)
{
	struct scav_range r = { (uintptr_t)addr + offset, length };
	struct scav_region *reg;

	(void)eh;
	(void)size;
	(void)arena;
	if (sj_child || sj_purging)
		return true;
	reg = sj_region(r.addr, r.len);
	if (!reg) {
		int ret = scav_report(sj_session, &r, 1, 0);

		/* The descriptor was closed, or its number is another file's. */
		if (ret == -EBADF || ret == -ENOTTY)
			sj_lost();
		return ret != 1;
	}
	if (!sj_maps_alive()) {
		sj_lost();
		return true;
	}
	return scav_region_report(reg, (void *)r.addr, r.len) != 0;
}

/*
 * The session is gone from under the shim (the program closed its
 * descriptor, or the number now names another file): nothing can be
 * discarded any more, so what the claim could not take back is the
 * program's again, cleared, and decommit declines from now on.
 */
static bool session_lost(int err)
{
	return err == -EBADF || err == -ENOTTY || err == -EPERM || err == -EINVAL;
}

/* Clear @len bytes at @p that a commit found kept: see SJ_ZAP_RUN. */
static void sj_clear(char *p, size_t len)
{
	if (len && (len < SJ_ZAP_RUN || madvise(p, len, MADV_DONTNEED)))
		memset(p, 0, len);
}

/*
 * Clear a whole extent that nothing says reads as zeros: with
 * MADV_DONTNEED whatever its size in a fork child, where a memset() would
 * copy every page it shares with the parent; or where the session is
 * gone.  With memset() if the kernel refuses (memory mlock()ed since):
 * jemalloc would else map new memory each time it picked the extent.
 */
static void sj_clear_all(char *p, size_t len)
{
	if (madvise(p, len, MADV_DONTNEED))
		memset(p, 0, len);
}

/* A millisecond's sleep that is no cancellation point (inside malloc). */
static void sj_nap(void)
{
	struct timespec ts = { 0, 1000000 };

	syscall(SYS_nanosleep, &ts, NULL);
}

/*
 * Claim one page through the map; whether it was discarded (zeros).  The
 * claim waits for a discard in flight; if that wait fails, the session
 * ended (the descriptor was closed) and the shim stops, and the page is
 * claimed again once its word is no longer BUSY.  Once the session ended,
 * a BUSY word is the shim's own give-back's, which zaps it later: waited
 * for as long as a give-back runs, however long its madvise() takes (given
 * up on after 10 s, as it was before, the page could be zapped after the
 * caller cleared it and jemalloc handed it out), and else for at most
 * 10 s (the program wrote BUSY itself).  Never
 * discarded: cleared by the caller, like a page found kept.
 */
static bool sj_claim_page(struct scav_region *r, char *p, size_t page)
{
	uint32_t *w = &r->words[((uintptr_t)p - r->start) >> r->page_shift];
	uint64_t k, d = 0;
	int naps = 0;

	while (scav_region_claim(r, p, page, &k, &d)) {
		sj_lost();
		d = 0;
		if (naps >= 10000 &&
		    !__atomic_load_n(&sj_giving, __ATOMIC_SEQ_CST))
			break;
		/* The word first: a give-back counts itself before it. */
		while (__atomic_load_n(w, __ATOMIC_SEQ_CST) == SCAV_PAGE_BUSY &&
		       (__atomic_load_n(&sj_giving, __ATOMIC_SEQ_CST) ||
			naps++ < 10000))
			sj_nap();
	}
	return d != 0;
}

/*
 * Commit through the map: claim page by page, and clear what was not
 * discarded (kept, or, if the program wrote the map, anything else), in
 * runs.
 */
static bool sj_commit_map(struct scav_region *r, char *p, size_t length)
{
	size_t page = (size_t)1 << r->page_shift, off, run = 0;
	unsigned long kept = 0, gone = 0;

	for (off = 0; off < length; off += page) {
		if (sj_claim_page(r, p + off, page)) {
			sj_clear(p + off - run, run);
			run = 0;
			gone++;
		} else {
			run += page;
			kept++;
		}
	}
	sj_clear(p + length - run, run);
	if (sj_debug) {
		__atomic_fetch_add(&sj_kept, kept, __ATOMIC_RELAXED);
		__atomic_fetch_add(&sj_discarded, gone, __ATOMIC_RELAXED);
	}
	return false;
}

static bool sj_commit(extent_hooks_t *eh, void *addr, size_t size,
		      size_t offset, size_t length, unsigned arena)
{
	struct scav_claim_range c = { (uintptr_t)addr + offset, length, 0, 0 };
	char *p = (char *)addr + offset;
	struct scav_region *reg;
	int tries, ret = -1;

	(void)eh;
	(void)size;
	(void)arena;
	/* A claim through the map holds whether the session lives or not. */
	reg = sj_region(c.addr, length);
	if (reg)
		return sj_commit_map(reg, p, length);
	if (sj_child) {
		sj_clear_all(p, length);
		return false;
	}
	/* A claim cut short (ENOMEM, a fatal signal) may simply be repeated. */
	for (tries = 0; tries < 3 && ret != 1; tries++) {
		c.discarded = c.kept = 0;
		ret = scav_claim(sj_session, &c, 1, SCAV_CLAIM_ZERO);
	}
	if (ret != 1 && session_lost(ret)) {
		sj_lost();
		sj_clear_all(p, length);
		return false;
	}
	if (ret != 1)
		return true;	/* still idle: jemalloc leaves it decommitted */
	/*
	 * With SCAV_CLAIM_ZERO the module cleared the kept pages in place
	 * and left the discarded ones unmapped: all of it reads as zeros,
	 * counted as discarded.  Anything else (a module before ABI 1.3, a
	 * range mlock()ed since; in a fork child's own session, memory the
	 * parent reported, idle in no session of the child's) is cleared
	 * here: as a commit's kept pages are, or, in a fork child, with
	 * MADV_DONTNEED whatever its size (sj_clear_all()).  (Clearing only
	 * resident pages would need mincore(), which Debian's Redis unit
	 * does not allow: its seccomp filter kills on it.)
	 */
	if (c.discarded != length) {
		if (sj_forked)
			sj_clear_all(p, length);
		else
			sj_clear(p, length);
	}
	return false;
}

static bool sj_purge_forced(extent_hooks_t *eh, void *addr, size_t size,
			    size_t offset, size_t length, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return !o->purge_forced ||
	       o->purge_forced(o, addr, size, offset, length, arena);
}

static bool sj_split(extent_hooks_t *eh, void *addr, size_t size, size_t a,
		     size_t b, bool committed, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return !o->split || o->split(o, addr, size, a, b, committed, arena);
}

/* Extents of two regions, or of one and jemalloc's own memory, stay apart. */
static bool sj_merge(extent_hooks_t *eh, void *a, size_t size_a, void *b,
		     size_t size_b, bool committed, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	if (sj_region((uintptr_t)a, size_a) != sj_region((uintptr_t)b, size_b))
		return true;
	return !o->merge || o->merge(o, a, size_a, b, size_b, committed, arena);
}

/*
 * dalloc and purge_lazy decline, as NULL would say: a program that reads
 * the hooks and calls them without a check must not jump to NULL.
 */
static bool sj_dalloc(extent_hooks_t *eh, void *addr, size_t size,
		      bool committed, unsigned arena)
{
	(void)eh; (void)addr; (void)size; (void)committed; (void)arena;
	return true;
}

static bool sj_purge_lazy(extent_hooks_t *eh, void *addr, size_t size,
			  size_t offset, size_t length, unsigned arena)
{
	(void)eh; (void)addr; (void)size; (void)offset; (void)length; (void)arena;
	return true;
}

static extent_hooks_t sj_hooks = {
	.alloc = sj_alloc,
	.dalloc = sj_dalloc,
	.destroy = sj_destroy,
	.commit = sj_commit,
	.decommit = sj_decommit,
	.purge_lazy = sj_purge_lazy,
	.purge_forced = sj_purge_forced,
	.split = sj_split,
	.merge = sj_merge,
};

/* Put the hooks on arena @i, keeping the ones it had. */
static int hook_arena(unsigned int i)
{
	extent_hooks_t *old = NULL, *new = &sj_hooks;
	size_t len = sizeof(old);
	char name[64];

	if (i >= SJ_ARENAS)
		return -E2BIG;
	snprintf(name, sizeof(name), "arena.%u.extent_hooks", i);
	/* Known before ours are in: a background thread may use them at once. */
	if (real_mallctl(name, &old, &len, NULL, 0) || !old)
		return -EIO;
	sj_orig[i] = old;
	if (!sj_default)
		sj_default = old;
	if (real_mallctl(name, &old, &len, &new, sizeof(new)))
		return -EIO;
	return 0;
}

/* The controls the shim watches, however the program names them. */
enum sj_ctl { SJ_OTHER, SJ_HOOKS, SJ_PURGE, SJ_CREATE };

static enum sj_ctl sj_ctl_by_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n > 19 && !strncmp(name, "arena.", 6) &&
	    !strcmp(name + n - 13, ".extent_hooks"))
		return SJ_HOOKS;
	if (n > 12 && !strncmp(name, "arena.", 6) &&
	    (!strcmp(name + n - 6, ".purge") || !strcmp(name + n - 8, ".destroy")))
		return SJ_PURGE;
	if (n && !strcmp(name, "arenas.create"))
		return SJ_CREATE;
	return SJ_OTHER;
}

/* mib[1], the arena's index, may be any: only the names' other parts count. */
static enum sj_ctl sj_ctl_by_mib(const size_t *mib, size_t miblen)
{
	if (miblen == 3 && mib[0] == sj_mib_hooks[0] && mib[2] == sj_mib_hooks[2])
		return SJ_HOOKS;
	if (miblen == 3 && ((mib[0] == sj_mib_purge[0] && mib[2] == sj_mib_purge[2]) ||
			    (mib[0] == sj_mib_destroy[0] && mib[2] == sj_mib_destroy[2])))
		return SJ_PURGE;
	if (miblen == 2 && mib[0] == sj_mib_create[0] && mib[1] == sj_mib_create[1])
		return SJ_CREATE;
	return SJ_OTHER;
}

/* One call of the program's, by name (@name) or by MIB. */
struct sj_call {
	const char *name;
	const size_t *mib;
	size_t miblen;
};

static int sj_real(const struct sj_call *c, void *oldp, size_t *oldlenp,
		   void *newp, size_t newlen)
{
	if (c->name)
		return real_mallctl(c->name, oldp, oldlenp, newp, newlen);
	return real_mallctlbymib(c->mib, c->miblen, oldp, oldlenp, newp, newlen);
}

/*
 * What the shim does with a control: an explicit purge releases at once,
 * arenas the program creates get the hooks too, and hooks of the program's
 * own on an arena that has the shim's would bypass its claims (reused
 * memory that scav may still discard): refused.
 */
static int sj_ctl(const struct sj_call *c, enum sj_ctl kind, void *oldp,
		  size_t *oldlenp, void *newp, size_t newlen)
{
	int ret;

	if (!sj_arenas || sj_child)
		kind = SJ_OTHER;
	switch (kind) {
	case SJ_HOOKS:
		if (!newp)
			break;
		say("scav-jemalloc: %s\n", "refused a program's extent hooks (EBUSY)");
		return EBUSY;
	case SJ_PURGE:
		/* arena.<i>.destroy unmaps through decommit: as for a purge. */
		sj_purging++;
		ret = sj_real(c, oldp, oldlenp, newp, newlen);
		sj_purging--;
		scav_reclaim(sj_session, 0, 0, NULL);
		return ret;
	case SJ_CREATE:
		if (!newp && oldp && oldlenp && *oldlenp == sizeof(unsigned int)) {
			extent_hooks_t *h = &sj_hooks;

			ret = sj_real(c, oldp, oldlenp, &h, sizeof(h));
			if (!ret && *(unsigned int *)oldp < SJ_ARENAS)
				sj_orig[*(unsigned int *)oldp] = sj_default;
			return ret;
		}
		break;
	case SJ_OTHER:
		break;
	}
	return sj_real(c, oldp, oldlenp, newp, newlen);
}

/* The program's mallctl() and mallctlbymib() come here first (preloaded). */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen)
{
	const struct sj_call c = { .name = name };

	if (!real_mallctl) {
		real_mallctl = (mallctl_fn *)dlsym(RTLD_NEXT, "mallctl");
		if (!real_mallctl)
			return ENOENT;
	}
	return sj_ctl(&c, sj_ctl_by_name(name), oldp, oldlenp, newp, newlen);
}

int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
		 void *newp, size_t newlen)
{
	const struct sj_call c = { .mib = mib, .miblen = miblen };

	if (!real_mallctlbymib) {
		real_mallctlbymib = (mallctlbymib_fn *)dlsym(RTLD_NEXT, "mallctlbymib");
		if (!real_mallctlbymib)
			return ENOENT;
	}
	return sj_ctl(&c, sj_arenas ? sj_ctl_by_mib(mib, miblen) : SJ_OTHER,
		      oldp, oldlenp, newp, newlen);
}

/*
 * The MIBs of the controls sj_ctl() watches, from jemalloc itself; if it
 * cannot say, mallctlbymib() watches nothing (-1 matches no MIB).
 */
static void sj_mibs(void)
{
	mallctlnametomib_fn *nametomib =
		(mallctlnametomib_fn *)dlsym(RTLD_NEXT, "mallctlnametomib");
	struct { const char *name; size_t *mib; size_t len; } m[] = {
		{ "arena.0.purge", sj_mib_purge, 3 },
		{ "arena.0.destroy", sj_mib_destroy, 3 },
		{ "arena.0.extent_hooks", sj_mib_hooks, 3 },
		{ "arenas.create", sj_mib_create, 2 },
	};
	size_t i, len;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		len = m[i].len;
		if (!nametomib || nametomib(m[i].name, m[i].mib, &len) ||
		    len != m[i].len)
			memset(m[i].mib, 0xff, m[i].len * sizeof(size_t));
	}
}

/* Whether the session's descriptor still names /dev/scav. */
static bool sj_still_ours(void)
{
	int fd = scav_pressure_fd(sj_session);
	struct stat st;

	return fd >= 0 && !fstat(fd, &st) && S_ISCHR(st.st_mode) &&
	       st.st_rdev == sj_rdev;
}

/*
 * After fork() the session is the parent's.  The child (a daemon that
 * forked to detach, or Redis's BGSAVE) opens one of its own, here, after
 * jemalloc's own handler, where allocating is safe; till then, and if that
 * fails, decommit declines and commit clears with MADV_DONTNEED.  Memory
 * the parent had reported is not idle in the new session, so its commit
 * clears it.
 */
static void sj_atfork_child(void)
{
	struct scav *s = NULL;
	bool old_ours;

	/* sj_m reads as zeros here: no regions (MADV_WIPEONFORK). */
	sj_child = 1;
	sj_forked = 1;
	/*
	 * Once the session ended under the parent (its descriptor closed),
	 * the number may be the program's now: the old one is left, unclosed.
	 * So it is if the number names anything but /dev/scav: the program
	 * may have closed it (closefrom(3)) and opened a file there since,
	 * before a hook noticed.  Looked at before the new session opens,
	 * which may take the number if it is free.
	 */
	old_ours = !sj_gone && sj_still_ours();
	if (scav_open(&s, 0) || scav_is_fallback(s)) {
		if (s)
			scav_close(s);
		return;
	}
	if (old_ours)
		scav_close(sj_session);
	sj_gone = 0;
	sj_session = s;
	sj_child = 0;
}

/* Whether the comma-separated list @env holds @word. */
static bool sj_env_has(const char *env, const char *word)
{
	size_t n = strlen(word);

	while (env && *env) {
		if (!strncmp(env, word, n) && (env[n] == ',' || !env[n]))
			return true;
		env = strchr(env, ',');
		if (env)
			env++;
	}
	return false;
}

/*
 * The page-state map, if the module has it and SCAV does not say ioctl:
 * the regions' page, and jemalloc's opt.thp to give each region, as its
 * own alloc gives each mapping (pages_set_thp_state()).
 */
static void sj_map_init(const char *env)
{
	const char *thp = NULL;
	struct scav_version v;
	size_t len = sizeof(thp);
	void *p;

	/*
	 * A map of another layout than libscav's inline calls know gets no
	 * region (scav_region_open(3)): the ioctl path from the start, rather
	 * than a region asked for, and refused, now and then.
	 */
	if (sj_env_has(env, "ioctl") || scav_version(sj_session, &v) < 0 ||
	    !(v.features & SCAV_FEATURE_PAGE_MAP) || !v.map_max_regions ||
	    v.map_word_bytes != sizeof(uint32_t) ||
	    v.map_chunk_pages != SCAV_MAP_CHUNK_PAGES)
		return;
	sj_page = sysconf(_SC_PAGESIZE);
	sj_max_region = v.map_max_region_bytes & ~(sj_page - 1);
	if (sj_max_region < SJ_FIRST_REGION)
		return;
	p = mmap(NULL, sizeof(*sj_m), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return;
	if (madvise(p, sizeof(*sj_m), MADV_WIPEONFORK)) {
		munmap(p, sizeof(*sj_m));
		return;
	}
	if (!real_mallctl("opt.thp", &thp, &len, NULL, 0) && thp) {
		if (!strcmp(thp, "always"))
			sj_thp_advice = MADV_HUGEPAGE;
		else if (!strcmp(thp, "never"))
			sj_thp_advice = MADV_NOHUGEPAGE;
	}
	sj_m = p;
	sj_m->max = v.map_max_regions < SJ_REGIONS ? v.map_max_regions : SJ_REGIONS;
	sj_m->grow = SJ_FIRST_REGION;
}

__attribute__((destructor))
static void sj_fini(void)
{
	if (sj_debug && sj_m && sj_m->n)
		fprintf(stderr, "scav-jemalloc: page-state map: %u regions, claims found %lu pages kept and %lu discarded\n",
			sj_m->n, sj_kept, sj_discarded);
}

__attribute__((constructor))
static void sj_init(void)
{
	const char *env = getenv("SCAV"), *version = NULL;
	unsigned int narenas = 0, i;
	size_t len;
	char buf[8] = "";
	void *volatile p;	/* the compiler may not drop the pair */
	size_t oversize;
	int fd, thp;

	sj_debug = sj_env_has(env, "debug");
	if (sj_env_has(env, "off")) {
		say("scav-jemalloc: %s\n", "off (SCAV=off)");
		return;
	}
	real_mallctl = (mallctl_fn *)dlsym(RTLD_NEXT, "mallctl");
	real_mallctlbymib = (mallctlbymib_fn *)dlsym(RTLD_NEXT, "mallctlbymib");
	len = sizeof(version);
	if (!real_mallctl || real_mallctl("version", &version, &len, NULL, 0)) {
		say("scav-jemalloc: %s\n", "off: no jemalloc in this process");
		return;
	}
	if (strncmp(version, "5.", 2)) {
		say("scav-jemalloc: off: jemalloc %s, not 5.x\n", version);
		return;
	}
	fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	/* As jemalloc: without 0 or 1 there, it maps PROT_NONE and commits. */
	if (buf[0] != '0' && buf[0] != '1') {
		say("scav-jemalloc: %s\n", "off: vm.overcommit_memory is 2 (or unreadable)");
		return;
	}
	if (scav_open(&sj_session, 0) || scav_is_fallback(sj_session)) {
		say("scav-jemalloc: %s\n", "off: no /dev/scav session (module not loaded?)");
		if (sj_session)
			scav_close(sj_session);
		sj_session = NULL;
		return;
	}
	{
		struct stat st;

		if (!fstat(scav_pressure_fd(sj_session), &st))
			sj_rdev = st.st_rdev;
	}
	sj_map_init(env);
	len = sizeof(narenas);
	if (real_mallctl("opt.narenas", &narenas, &len, NULL, 0))
		narenas = 0;
	/*
	 * Setting an arena's hooks makes it now, not at its first use, and its
	 * first metadata block is a 2 MiB mapping: with transparent huge pages
	 * on, each would be a huge page, resident in full, before main() could
	 * turn them off (Redis does, with PR_SET_THP_DISABLE): 18 MiB for nine
	 * arenas.  Without huge pages while they are made.
	 */
	thp = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (thp == 0)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	/*
	 * The arena for huge allocations (index narenas) exists only once one
	 * was made; make one, so that its hooks can be set too.
	 */
	len = sizeof(oversize);
	if (real_mallctl("opt.oversize_threshold", &oversize, &len, NULL, 0))
		oversize = 8 << 20;
	if (oversize) {
		p = malloc(oversize);
		free(p);
	}
	for (i = 0; i <= narenas; i++) {
		if (i == narenas && hook_arena(i)) {
			say("scav-jemalloc: %s\n", "no arena for huge allocations (oversize_threshold 0)");
			break;
		}
		if (i < narenas && hook_arena(i)) {
			say("scav-jemalloc: %s\n", "off: jemalloc refused the extent hooks");
			/* Those set stay: they work, but report nothing. */
			sj_child = 1;
			break;
		}
	}
	if (thp == 0)
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	if (sj_child)
		return;
	/*
	 * Only now: setting the hooks made each arena's first metadata block
	 * (2 MiB, never decommitted) through jemalloc's own alloc, not out of
	 * a region.
	 */
	if (sj_m)
		__atomic_store_n(&sj_m->on, true, __ATOMIC_RELAXED);
	pthread_atfork(NULL, NULL, sj_atfork_child);
	sj_mibs();
	sj_arenas = i;
	if (sj_debug)
		fprintf(stderr, "scav-jemalloc: on, jemalloc %s, %u arenas, %s\n",
			version, sj_arenas, sj_m ? "page-state map" : "ioctl path");
}

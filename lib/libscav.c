// SPDX-License-Identifier: MIT
/*
 * libscav: the C API over /dev/scav, with a madvise() fallback.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "keep_errno.h"
#include "scav.h"
#include "scav_private.h"

/* The one place libscav's ioctls turn into 0 or -errno. */
static int scav_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) < 0 ? -errno : 0;
}

static int scav_open_device(struct scav *s)
{
	struct scav_version v;
	struct scav_stats st;
	int fd, ret;

	do
		fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0) {
		/* No module, or not ours to use: work without it. */
		if (errno == ENOENT || errno == ENODEV || errno == ENXIO ||
		    errno == EACCES || errno == EPERM)
			return 0;
		return -errno;
	}
	memset(&v, 0, sizeof(v));
	if (scav_ioctl(fd, SCAV_IOC_VERSION, &v) || v.abi_major != SCAV_ABI_MAJOR) {
		close(fd);
		return 0;
	}
	/*
	 * The session's first ioctl but VERSION registers its mmu notifier,
	 * which takes all the process's VMA locks and gives up when a signal
	 * arrives: EINTR even when the caller's handler lacks SA_RESTART.  Do
	 * it here, where it can be retried, not in the caller's first report.
	 */
	do {
		memset(&st, 0, sizeof(st));
		ret = scav_ioctl(fd, SCAV_IOC_STATS, &st);
	} while (ret == -EINTR);
	if (ret) {
		close(fd);
		return ret;
	}
	s->fd = fd;
	s->features = v.features;
	return 0;
}

int scav_open(struct scav **sp, unsigned int flags)
{
	struct scav *s;
	int ret;
	KEEP_ERRNO();

	if (!sp || (flags & ~SCAV_OPEN_FALLBACK))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = -1;
	pthread_mutex_init(&s->lock, NULL);
	if (!(flags & SCAV_OPEN_FALLBACK)) {
		ret = scav_open_device(s);
		if (ret) {
			free(s);
			return ret;
		}
	}
	*sp = s;
	return 0;
}

void scav_close(struct scav *s)
{
	KEEP_ERRNO();

	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	scav_fb_destroy(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int scav_is_fallback(const struct scav *s)
{
	return s->fd < 0;
}

/*
 * Pass a vector to REPORT or CLAIM in chunks the module accepts.  Returns the
 * number of ranges done; -errno only if the very first one failed, so that a
 * caller always learns both what took effect and, on retrying the rest, why
 * the rest did not.
 */
static int scav_vector(int fd, unsigned long cmd, void *ranges, size_t size,
		       unsigned int nr, uint32_t flags)
{
	unsigned int total = 0;

	while (total < nr) {
		unsigned int count = nr - total;
		union {
			struct scav_report rep;
			struct scav_claim cl;
		} a;
		uint32_t done;
		int ret;

		if (count > SCAV_MAX_RANGES_PER_CALL)
			count = SCAV_MAX_RANGES_PER_CALL;
		memset(&a, 0, sizeof(a));
		if (cmd == SCAV_IOC_REPORT) {
			a.rep.ranges = (uintptr_t)((char *)ranges + total * size);
			a.rep.count = count;
			a.rep.flags = flags;
		} else {
			a.cl.ranges = (uintptr_t)((char *)ranges + total * size);
			a.cl.count = count;
			a.cl.flags = flags;
		}
		ret = scav_ioctl(fd, cmd, &a);
		done = cmd == SCAV_IOC_REPORT ? a.rep.done : a.cl.done;
		total += done;
		if (ret)
			return total ? (int)total : ret;
	}
	return total;
}

/*
 * Report first, so the module knows the ranges are lazily freed before the
 * kernel can take a page, then MADV_FREE what was reported.  If madvise()
 * fails the ranges simply stay resident: a claim reads the page tables and
 * still answers truthfully.
 */
static int scav_report_lazyfree(struct scav *s, const struct scav_range *ranges,
				unsigned int nr)
{
	int done = scav_vector(s->fd, SCAV_IOC_REPORT, (void *)ranges,
			       sizeof(*ranges), nr, SCAV_REPORT_LAZYFREE);
	int i;

	for (i = 0; i < done; i++)
		madvise((void *)(uintptr_t)ranges[i].addr, ranges[i].len, MADV_FREE);
	return done;
}

/* flags: SCAV_RELEASE_LAZY or SCAV_RELEASE_NOW (or neither). */
static int scav_report_(struct scav *s, const struct scav_range *ranges,
			unsigned int nr, unsigned int flags)
{
	if (!s || (nr && !ranges) || nr > INT32_MAX ||
	    (flags & ~(SCAV_RELEASE_LAZY | SCAV_RELEASE_NOW)) ||
	    ((flags & SCAV_RELEASE_LAZY) && (flags & SCAV_RELEASE_NOW)))
		return -EINVAL;
	if (s->fd < 0)
		return scav_fb_report(s, ranges, nr, flags);
	if (flags & SCAV_RELEASE_LAZY)
		return scav_report_lazyfree(s, ranges, nr);
	return scav_vector(s->fd, SCAV_IOC_REPORT, (void *)ranges,
			   sizeof(*ranges), nr,
			   flags & SCAV_RELEASE_NOW ? SCAV_REPORT_DISCARD : 0);
}

__attribute__((symver("scav_report@@LIBSCAV_1.2")))
int scav_report_1_2(struct scav *s, const struct scav_range *ranges,
		    unsigned int nr, unsigned int flags)
{
	KEEP_ERRNO();

	return scav_report_(s, ranges, nr, flags);
}

/*
 * Programs built against LIBSCAV_1.0 pass SCAV_REPORT_FREE as bit 0 and the
 * ioctl's SCAV_REPORT_DISCARD as bit 1.
 */
__attribute__((symver("scav_report@LIBSCAV_1.0")))
int scav_report_1_0(struct scav *s, const struct scav_range *ranges,
		    unsigned int nr, unsigned int flags)
{
	KEEP_ERRNO();

	if (flags & ~3u)
		return -EINVAL;
	return scav_report_(s, ranges, nr,
			    (flags & 1u ? SCAV_RELEASE_LAZY : 0) |
			    (flags & 2u ? SCAV_RELEASE_NOW : 0));
}

int scav_claim(struct scav *s, struct scav_claim_range *ranges,
	       unsigned int nr, unsigned int flags)
{
	KEEP_ERRNO();

	if (!s || (nr && !ranges) || (flags & ~SCAV_CLAIM_ZERO) || nr > INT32_MAX)
		return -EINVAL;
	if (s->fd < 0)
		return scav_fb_claim(s, ranges, nr);
	/*
	 * SCAV_CLAIM_ZERO asks; what could not be zeroed comes back as kept,
	 * for the caller to clear.  Without the feature (a module before ABI
	 * 1.3, or the fallback) that is every kept byte.
	 */
	if (!(s->features & SCAV_FEATURE_CLAIM_ZERO))
		flags = 0;
	return scav_vector(s->fd, SCAV_IOC_CLAIM, ranges, sizeof(*ranges), nr, flags);
}

int scav_reclaim(struct scav *s, uint64_t min_age_ms, uint64_t max_bytes,
		 uint64_t *bytes)
{
	struct scav_reclaim rc;
	int ret;
	KEEP_ERRNO();

	if (!s)
		return -EINVAL;
	if (s->fd < 0)
		return scav_fb_reclaim(s, min_age_ms, max_bytes, bytes);
	memset(&rc, 0, sizeof(rc));
	rc.min_age_ms = min_age_ms;
	rc.max_bytes = max_bytes;
	ret = scav_ioctl(s->fd, SCAV_IOC_RECLAIM, &rc);
	if (bytes)
		*bytes = rc.bytes;
	return ret;
}

int scav_stats(struct scav *s, unsigned int flags, struct scav_stats *st)
{
	KEEP_ERRNO();

	if (!s || !st || (flags & ~SCAV_STATS_RESIDENT))
		return -EINVAL;
	memset(st, 0, sizeof(*st));
	st->flags = flags;
	if (s->fd < 0)
		return scav_fb_stats(s, st);
	return scav_ioctl(s->fd, SCAV_IOC_STATS, st);
}

int scav_pressure_fd(const struct scav *s)
{
	if (!s)
		return -EINVAL;
	return s->fd < 0 ? -ENOTSUP : s->fd;
}

int scav_pressure(struct scav *s, struct scav_pressure *pr)
{
	int ret;
	KEEP_ERRNO();

	if (!s || !pr)
		return -EINVAL;
	memset(pr, 0, sizeof(*pr));
	if (s->fd < 0)
		return -ENOTSUP;
	ret = scav_ioctl(s->fd, SCAV_IOC_PRESSURE, pr);
	/* A module before ABI 1.1 does not know the call. */
	return ret == -ENOTTY ? -ENOTSUP : ret;
}

int scav_version(struct scav *s, struct scav_version *v)
{
	KEEP_ERRNO();

	if (!s || !v)
		return -EINVAL;
	if (s->fd < 0) {
		memset(v, 0, sizeof(*v));
		v->max_ranges_per_call = SCAV_MAX_RANGES_PER_CALL;
		v->page_size = sysconf(_SC_PAGESIZE);
		return 0;
	}
	return scav_ioctl(s->fd, SCAV_IOC_VERSION, v);
}

/* Drop region @index of @s: the module acts on none of its words again. */
static void scav_region_drop(struct scav *s, uint32_t index)
{
	struct scav_map_region a;

	memset(&a, 0, sizeof(a));
	a.flags = SCAV_MAP_DROP;
	a.index = index;
	scav_ioctl(s->fd, SCAV_IOC_MAP_REGION, &a);
}

/* See scav.h and scav_region_open(3). */
int scav_region_open(struct scav *s, void *addr, size_t len,
		     struct scav_region *r)
{
	struct scav_map_region a;
	struct scav_version v;
	void *map;
	KEEP_ERRNO();

	if (!s || !r)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->s = s;
	r->start = (uintptr_t)addr;
	r->end = r->start + len;
	r->page_shift = __builtin_ctzl(sysconf(_SC_PAGESIZE));
	if (!scav_region_has(r, r->start, len))
		return -EINVAL;
	if (s->fd < 0)
		return 0;	/* fallback: the slow path, madvise() */
	/*
	 * The inline calls know one layout: a 32-bit word per page and a
	 * summary bit per SCAV_MAP_CHUNK_PAGES pages.  A module that maps
	 * otherwise gets the ioctl path.
	 */
	memset(&v, 0, sizeof(v));
	if (scav_ioctl(s->fd, SCAV_IOC_VERSION, &v) ||
	    v.map_word_bytes != sizeof(uint32_t) ||
	    v.map_chunk_pages != SCAV_MAP_CHUNK_PAGES)
		return 0;
	memset(&a, 0, sizeof(a));
	a.addr = r->start;
	a.len = len;
	/* A module without maps: ENOTTY, and the ioctl path. */
	if (scav_ioctl(s->fd, SCAV_IOC_MAP_REGION, &a))
		return 0;
	map = mmap(NULL, a.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   s->fd, a.map_offset);
	if (map == MAP_FAILED) {
		scav_region_drop(s, a.index);
		return 0;
	}
	r->words = map;
	r->summary = (uint32_t *)((char *)map + a.summary_offset);
	r->map_size = a.map_size;
	r->index = a.index;
	return 0;
}

/*
 * The region's pages left idle are the caller's again once this returns:
 * the module drops the region (waiting for a discard in flight) before the
 * map goes.  Their contents are whatever the module left: kept or zeros.
 */
void scav_region_close(struct scav_region *r)
{
	KEEP_ERRNO();

	if (!r || !r->words)
		return;
	scav_region_drop(r->s, r->index);
	munmap(r->words, r->map_size);
	r->words = NULL;
}

int scav_region_report_slow(struct scav_region *r, uintptr_t addr, size_t len)
{
	struct scav_range rg = { .addr = addr, .len = len };
	int ret;

	if (!scav_region_has(r, addr, len))
		return -EINVAL;
	ret = scav_report(r->s, &rg, 1, 0);
	return ret < 0 ? ret : 0;
}

/*
 * Spins on a BUSY word before the claim sleeps in SCAV_IOC_MAP_WAIT: the
 * module stores DISCARDED as soon as the page's run is zapped, often
 * within microseconds, and a system call and a sleep cost more than that.
 */
#define SCAV_BUSY_SPINS	256

static inline void scav_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/*
 * A claim through the map, page by page: what scav_region_claim() leaves
 * to it from the first page that was neither idle nor never reported.
 * Being discarded (BUSY): spin a little, then wait for the module, then
 * see DISCARDED.
 * Anything else the process may have written counts as neither.  (Its own
 * symbol version, 1.4: a program whose inline claim calls it does not run
 * on a libscav whose scav_region_claim_slow() knew only the ioctl path,
 * which would not wait for a BUSY page.)
 */
int scav_region_claim_rest(struct scav_region *r, uintptr_t addr, size_t len,
			   uint64_t *kept, uint64_t *discarded)
{
	size_t i, end;
	uint64_t k = 0, d = 0;

	if (!r || !r->words || !scav_region_has(r, addr, len))
		return -EINVAL;
	i = (addr - r->start) >> r->page_shift;
	end = i + (len >> r->page_shift);
	for (; i < end; i++) {
		uint32_t old = __atomic_load_n(&r->words[i], __ATOMIC_RELAXED);
		int spins = 0;

		for (;;) {
			if (old == SCAV_PAGE_BUSY && spins < SCAV_BUSY_SPINS) {
				spins++;
				scav_cpu_relax();
				old = __atomic_load_n(&r->words[i], __ATOMIC_RELAXED);
				continue;
			}
			if (old == SCAV_PAGE_BUSY) {
				int ret = scav_region_wait(r, r->start +
					((uintptr_t)i << r->page_shift),
					(size_t)1 << r->page_shift);

				if (ret)
					return ret;
				old = __atomic_load_n(&r->words[i], __ATOMIC_RELAXED);
				continue;
			}
			if (old != SCAV_PAGE_IDLE && old != SCAV_PAGE_DISCARDED)
				break;
			if (__atomic_compare_exchange_n(&r->words[i], &old,
							SCAV_PAGE_USED, 0,
							__ATOMIC_ACQUIRE,
							__ATOMIC_RELAXED)) {
				if (old == SCAV_PAGE_IDLE)
					k++;
				else
					d++;
				break;
			}
		}
	}
	*kept = k << r->page_shift;
	*discarded = d << r->page_shift;
	return 0;
}

/* Without a map (the ioctl path, or the madvise fallback), or a bad range. */
int scav_region_claim_slow(struct scav_region *r, uintptr_t addr, size_t len,
			   uint64_t *kept, uint64_t *discarded)
{
	struct scav_claim_range c = { .addr = addr, .len = len };
	int ret;

	if (!scav_region_has(r, addr, len))
		return -EINVAL;
	ret = scav_claim(r->s, &c, 1, 0);
	if (ret < 0)
		return ret;
	*kept = c.kept;
	*discarded = c.discarded;
	return 0;
}

int scav_region_wait(struct scav_region *r, uintptr_t addr, size_t len)
{
	struct scav_map_wait w;
	int ret;

	memset(&w, 0, sizeof(w));
	w.addr = addr;
	w.len = len;
	w.index = r->index;
	do
		ret = scav_ioctl(r->s->fd, SCAV_IOC_MAP_WAIT, &w);
	while (ret == -EINTR);
	return ret;
}

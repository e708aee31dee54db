/* SPDX-License-Identifier: MIT */
/*
 * libscav: report idle memory to the kernel, claim it back before reuse.
 *
 * Every function returns a non-negative value on success and -errno on
 * failure; none of them sets errno.  Without the scav module (no /dev/scav)
 * the same calls work through plain madvise(): see scav_open(3).
 */
#ifndef SCAV_H
#define SCAV_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/scav.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scav;

/* scav_open() flags */
#define SCAV_OPEN_FALLBACK	(1u << 0)	/* never use /dev/scav */

/*
 * scav_report() flags, libscav's own.  They use bits that <linux/scav.h>'s
 * SCAV_REPORT_* never do, so a flag of the ioctl passed here by mistake is
 * refused (-EINVAL) rather than taken for another.
 *
 * SCAV_RELEASE_LAZY: also madvise(MADV_FREE) the ranges, so the kernel's
 * reclaim may take their pages before scav ages them (and, without the
 * module, instead of MADV_DONTNEED).
 * SCAV_RELEASE_NOW: give the ranges back now, a batched MADV_DONTNEED, and
 * keep no record of them.
 */
#define SCAV_RELEASE_LAZY	(1u << 16)
#define SCAV_RELEASE_NOW	(1u << 17)

/*
 * LIBSCAV_1.0 called SCAV_RELEASE_LAZY SCAV_REPORT_FREE, the bit of the
 * ioctl's SCAV_REPORT_LAZYFREE, and took the ioctl's SCAV_REPORT_DISCARD for
 * SCAV_RELEASE_NOW.  Programs built then keep that meaning; the old name
 * still compiles, with a warning.
 */
enum {
	SCAV_REPORT_FREE __attribute__((deprecated("use SCAV_RELEASE_LAZY"))) =
		SCAV_RELEASE_LAZY
};

int scav_open(struct scav **sp, unsigned int flags);
void scav_close(struct scav *s);
int scav_is_fallback(const struct scav *s);

/*
 * A report and a claim of the same range (or of overlapping ones) must not
 * run at the same time: the caller serializes the operations on a range, as
 * an allocator does by owning it.  A report with SCAV_RELEASE_LAZY is two
 * steps, the report and then its madvise(MADV_FREE), and a claim between
 * them may say "kept" of memory that the kernel then takes.
 */
int scav_report(struct scav *s, const struct scav_range *ranges,
		unsigned int nr, unsigned int flags);
int scav_claim(struct scav *s, struct scav_claim_range *ranges,
	       unsigned int nr, unsigned int flags);
int scav_reclaim(struct scav *s, uint64_t min_age_ms, uint64_t max_bytes,
		 uint64_t *bytes);
int scav_stats(struct scav *s, unsigned int flags, struct scav_stats *st);
int scav_version(struct scav *s, struct scav_version *v);

/*
 * Memory pressure: scav_pressure_fd() is a descriptor to poll() for
 * POLLPRI, which it reports while memory pressure discarded idle memory of
 * the session that scav_pressure() has not returned yet; scav_pressure()
 * returns that and clears it.  Without the module (or with a module older
 * than ABI 1.1) there is nothing to poll: -ENOTSUP.
 */
int scav_pressure_fd(const struct scav *s);
int scav_pressure(struct scav *s, struct scav_pressure *pr);

/*
 * The page-state map (ABI 1.4, SCAV_FEATURE_PAGE_MAP): a region of memory
 * whose pages are reported and claimed without a system call.
 * scav_region_open() registers [addr, addr + len) and maps its map; without
 * it (no module, or a module without maps) the region's calls take the
 * ioctl path, or madvise().  The inline calls below need no lock: the
 * caller serializes report and claim of the same pages, as for
 * scav_report() and scav_claim().  scav_region_open(3).
 */
struct scav_region {
	struct scav *s;
	uintptr_t start, end;
	uint32_t *words;	/* the map, or NULL: the slow path */
	uint32_t *summary;
	size_t map_size;
	uint32_t index;
	unsigned int page_shift;
};

int scav_region_open(struct scav *s, void *addr, size_t len,
		     struct scav_region *r);
void scav_region_close(struct scav_region *r);
/* Internal to the inline calls: the slow paths. */
int scav_region_report_slow(struct scav_region *r, uintptr_t addr, size_t len);
int scav_region_claim_slow(struct scav_region *r, uintptr_t addr, size_t len,
			   uint64_t *kept, uint64_t *discarded);
int scav_region_claim_rest(struct scav_region *r, uintptr_t addr, size_t len,
			   uint64_t *kept, uint64_t *discarded);
int scav_region_wait(struct scav_region *r, uintptr_t addr, size_t len);

/* Whether [addr, addr + len) is page-aligned, non-empty and inside @r. */
static inline int scav_region_has(const struct scav_region *r, uintptr_t addr,
				  size_t len)
{
	uintptr_t mask = ((uintptr_t)1 << r->page_shift) - 1;

	return len && !(addr & mask) && !(len & mask) && addr >= r->start &&
	       addr + len > addr && addr + len <= r->end;
}

/*
 * Report [addr, addr + len) of @r idle: a compare-and-swap per page to
 * IDLE, then an atomic OR per chunk of SCAV_MAP_CHUNK_PAGES pages, and a
 * store into the reported word (summary[0]) after an OR into a summary
 * word that was 0.  0 or -errno.
 *
 * A page reported again before its claim may be IDLE still (left so), or
 * BUSY: the module is discarding it.  A store over BUSY would let that
 * discard end after this report and leave the word IDLE: a claim in
 * between would take the page as kept, and the zap what the caller then
 * wrote into it.  So BUSY is left too, and the page ends DISCARDED (or
 * IDLE, where the module may not discard it), which a report allows.
 * DISCARDED, and anything else the process wrote, becomes IDLE.
 */
static inline int scav_region_report(struct scav_region *r, void *addr,
				     size_t len)
{
	uintptr_t a = (uintptr_t)addr;
	size_t i, first, last;

	if (!r->words)
		return scav_region_report_slow(r, a, len);
	if (!scav_region_has(r, a, len))
		return -EINVAL;
	first = (a - r->start) >> r->page_shift;
	last = first + (len >> r->page_shift) - 1;
	for (i = first; i <= last; i++) {
		uint32_t old = SCAV_PAGE_USED;

		while (old != SCAV_PAGE_IDLE && old != SCAV_PAGE_BUSY &&
		       !__atomic_compare_exchange_n(&r->words[i], &old,
						    SCAV_PAGE_IDLE, 0,
						    __ATOMIC_RELEASE,
						    __ATOMIC_RELAXED))
			;
	}
	for (i = first / SCAV_MAP_CHUNK_PAGES; i <= last / SCAV_MAP_CHUNK_PAGES; i++)
		if (!__atomic_fetch_or(&r->summary[1 + i / 32], 1u << (i % 32),
				       __ATOMIC_RELEASE))
			__atomic_store_n(&r->summary[0], 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Claim [addr, addr + len) of @r back: *@kept gets the bytes that still
 * hold their old contents, *@discarded those that read as zeros (pages
 * never reported count as neither).  Pages the module is discarding at
 * that moment are waited for.  0 or -errno.
 *
 * Inline: a compare-and-swap IDLE -> USED per page, without a load first,
 * as long as each page was idle or never reported (USED).  At the first
 * page found otherwise (discarded, being discarded), the rest of the range
 * goes to scav_region_claim_rest().  Without a map, or with a bad range,
 * scav_region_claim_slow() takes the call.
 */
static inline int scav_region_claim(struct scav_region *r, void *addr,
				    size_t len, uint64_t *kept,
				    uint64_t *discarded)
{
	uintptr_t a = (uintptr_t)addr;
	uint32_t *w, *end;
	uint64_t k = 0;
	int ret;

	if (!r->words || !scav_region_has(r, a, len))
		return scav_region_claim_slow(r, a, len, kept, discarded);
	w = r->words + ((a - r->start) >> r->page_shift);
	end = w + (len >> r->page_shift);
	for (; w < end; w++) {
		uint32_t old = SCAV_PAGE_IDLE;

		if (__atomic_compare_exchange_n(w, &old, SCAV_PAGE_USED, 0,
						__ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			k++;
		else if (old != SCAV_PAGE_USED)
			break;
	}
	*kept = k << r->page_shift;
	*discarded = 0;
	if (w == end)
		return 0;
	a = r->start + ((uintptr_t)(w - r->words) << r->page_shift);
	ret = scav_region_claim_rest(r, a, (size_t)(end - w) << r->page_shift,
				     kept, discarded);
	if (!ret)
		*kept += k << r->page_shift;
	return ret;
}

#ifdef __cplusplus
}
#endif

#endif /* SCAV_H */

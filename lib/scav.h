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

#ifdef __cplusplus
}
#endif

#endif /* SCAV_H */

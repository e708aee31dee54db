/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_TOTALS_H
#define _SCAV_TOTALS_H

#include <linux/atomic.h>
#include <linux/types.h>

#include <linux/scav.h>

/* Why memory was discarded: enum scav_cause of the uapi header. */
#define SCAV_NR_CAUSES	__SCAV_CAUSE_MAX

/*
 * Module-wide figures, summed over all sessions past and present; sysfs and
 * netlink read them.  Each is added to where the per-session one is.
 */
struct scav_totals {
	atomic_long_t sessions;
	atomic64_t idle_bytes;
	atomic64_t discarded_bytes;
	atomic64_t lazy_bytes;
	atomic64_t reported_bytes;
	atomic64_t reclaimed_bytes[SCAV_NR_CAUSES];
	atomic64_t claimed_kept_bytes;
	atomic64_t claimed_discarded_bytes;
	atomic64_t forgotten_bytes;
	atomic64_t busy_skips[SCAV_NR_CAUSES];	/* sessions locked by others */
	atomic64_t deferred_reclaims;		/* pressure work run by a worker */
	atomic_long_t map_regions;		/* page-state map regions, all sessions */
};

extern struct scav_totals scav_totals;

/* SCAV_FIGURES, indexed by SCAV_STAT_* (no name: not a figure). */
#define SCAV_FIG_SESSION	(1 << 0)	/* a session's */
#define SCAV_FIG_MODULE		(1 << 1)	/* module-wide */
#define SCAV_FIG_WALK		(1 << 2)	/* only with SCAV_STATS_RESIDENT */

struct scav_figure {
	const char *name;
	unsigned int where;	/* SCAV_FIG_* */
};

extern const struct scav_figure scav_figures[SCAV_STAT_MAX + 1];

#define scav_for_each_figure(i) \
	for ((i) = SCAV_STAT_PAD + 1; (i) <= SCAV_STAT_MAX; (i)++)

/* Arrays of figures have SCAV_STAT_MAX + 1 entries. */
void scav_totals_read(u64 *v, bool maps, bool walk);
struct scav_stats;
void scav_stats_figures(const struct scav_stats *st, u64 *v);

#endif /* _SCAV_TOTALS_H */

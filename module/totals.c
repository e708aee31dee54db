// SPDX-License-Identifier: GPL-2.0
/*
 * The module-wide figures, for sysfs and netlink: which ones exist and where
 * they go is the uapi header's SCAV_FIGURES table.
 */
#include <linux/atomic.h>

#include "ranges.h"
#include "session.h"
#include "totals.h"
#include "walk.h"

struct scav_totals scav_totals;

#define SCAV_FIGURE(_name, _stat, _walk, _where)			\
	[SCAV_STAT_##_stat] = {						\
		.name = #_name,						\
		.where = (_where) | ((_walk) ? SCAV_FIG_WALK : 0),	\
	},
#define SCAV_FIGURE_BOTH(n, s, w) \
	SCAV_FIGURE(n, s, w, SCAV_FIG_SESSION | SCAV_FIG_MODULE)
#define SCAV_FIGURE_SESSION(n, s, w)	SCAV_FIGURE(n, s, w, SCAV_FIG_SESSION)
#define SCAV_FIGURE_MODULE(n, s, w)	SCAV_FIGURE(n, s, w, SCAV_FIG_MODULE)

const struct scav_figure scav_figures[SCAV_STAT_MAX + 1] = {
	SCAV_FIGURES(SCAV_FIGURE_BOTH, SCAV_FIGURE_SESSION, SCAV_FIGURE_MODULE)
};

/*
 * Every module-wide figure into @v, indexed by SCAV_STAT_*; with @maps, the
 * page-state maps' pages in idle_bytes and discarded_bytes (which reads
 * their words); with @walk, those and the resident figures, which walk
 * the page tables of every session.
 */
void scav_totals_read(u64 *v, bool maps, bool walk)
{
	struct scav_walk w = {};

	v[SCAV_STAT_IDLE_BYTES] = atomic64_read(&scav_totals.idle_bytes);
	v[SCAV_STAT_DISCARDED_BYTES] = atomic64_read(&scav_totals.discarded_bytes);
	v[SCAV_STAT_LAZY_BYTES] = atomic64_read(&scav_totals.lazy_bytes);
	v[SCAV_STAT_NR_RANGES] = atomic_long_read(&scav_nodes_total);
	v[SCAV_STAT_REPORTED_BYTES] = atomic64_read(&scav_totals.reported_bytes);
	v[SCAV_STAT_RECLAIMED_REQUEST_BYTES] =
		atomic64_read(&scav_totals.reclaimed_bytes[SCAV_CAUSE_REQUEST]);
	v[SCAV_STAT_RECLAIMED_AGE_BYTES] =
		atomic64_read(&scav_totals.reclaimed_bytes[SCAV_CAUSE_AGE]);
	v[SCAV_STAT_RECLAIMED_PRESSURE_BYTES] =
		atomic64_read(&scav_totals.reclaimed_bytes[SCAV_CAUSE_PRESSURE]);
	v[SCAV_STAT_CLAIMED_KEPT_BYTES] =
		atomic64_read(&scav_totals.claimed_kept_bytes);
	v[SCAV_STAT_CLAIMED_DISCARDED_BYTES] =
		atomic64_read(&scav_totals.claimed_discarded_bytes);
	v[SCAV_STAT_FORGOTTEN_BYTES] = atomic64_read(&scav_totals.forgotten_bytes);
	v[SCAV_STAT_SESSIONS] = atomic_long_read(&scav_totals.sessions);
	v[SCAV_STAT_AGING_BUSY_SKIPS] =
		atomic64_read(&scav_totals.busy_skips[SCAV_CAUSE_AGE]);
	v[SCAV_STAT_PRESSURE_BUSY_SKIPS] =
		atomic64_read(&scav_totals.busy_skips[SCAV_CAUSE_PRESSURE]);
	v[SCAV_STAT_PRESSURE_DEFERRED] =
		atomic64_read(&scav_totals.deferred_reclaims);
	/* Page-state maps: counted only here, where their words are read. */
	if (walk || (maps && atomic_long_read(&scav_totals.map_regions))) {
		struct scav_map_figures map = {};

		scav_sessions_map_count(walk ? &w : NULL, &map);
		v[SCAV_STAT_IDLE_BYTES] += map.idle;
		v[SCAV_STAT_DISCARDED_BYTES] += map.discarded;
	}
	v[SCAV_STAT_IDLE_RESIDENT_BYTES] = w.resident;
	v[SCAV_STAT_LAZYFREE_BYTES] = w.lazyfree;
}

/* A session's figures (SCAV_FIG_SESSION) into @v, indexed by SCAV_STAT_*. */
void scav_stats_figures(const struct scav_stats *st, u64 *v)
{
#define SCAV_STATS_FIGURE(_name, _stat, _walk)	v[SCAV_STAT_##_stat] = st->_name;
#define SCAV_NOT_A_FIELD(_name, _stat, _walk)
	SCAV_FIGURES(SCAV_STATS_FIGURE, SCAV_STATS_FIGURE, SCAV_NOT_A_FIELD)
}

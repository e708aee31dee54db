/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_CONFIG_H
#define _SCAV_CONFIG_H

#include <linux/atomic.h>
#include <linux/types.h>

/*
 * The tunables, one copy for the whole module: sysfs (and later netlink)
 * write them under scav_config_lock, everybody reads them with READ_ONCE().
 * Defaults and their reasons are in Documentation/admin-guide.md.
 */
struct scav_config {
	bool enabled;			/* aging and pressure reclaim run */
	bool shrinker_enabled;		/* idle memory offered to memory reclaim */
	unsigned int idle_age_ms;	/* aging discards ranges idle this long */
	unsigned int scan_interval_ms;	/* how often the aging worker runs */
	u64 quota_bytes_per_sec;	/* aging budget, bytes (0: none) */
	unsigned int quota_ms_per_sec;	/* aging budget, CPU time (0: none) */
	unsigned int max_ranges;	/* per session */
	unsigned long max_ranges_total;	/* all sessions */
};

extern struct scav_config scav_config;

#define scav_cfg(field) READ_ONCE(scav_config.field)

/* Why memory was discarded. */
enum scav_cause {
	SCAV_CAUSE_REQUEST,	/* SCAV_IOC_RECLAIM */
	SCAV_CAUSE_AGE,		/* the aging worker */
	SCAV_CAUSE_PRESSURE,	/* the shrinker */
	SCAV_NR_CAUSES,
};

/* Module-wide figures, for sysfs. */
struct scav_global_stats {
	atomic_long_t sessions;
	atomic64_t idle_bytes;
	atomic64_t discarded_bytes;
	atomic64_t reclaimed_bytes[SCAV_NR_CAUSES];
	atomic64_t claimed_kept_bytes;
	atomic64_t claimed_discarded_bytes;
	atomic64_t forgotten_bytes;
	atomic64_t busy_skips[SCAV_NR_CAUSES];	/* sessions locked by others */
	atomic64_t deferred_reclaims;		/* pressure work run by a worker */
};

extern struct scav_global_stats scav_stats;

int scav_sysfs_init(void);
void scav_sysfs_exit(void);

#endif /* _SCAV_CONFIG_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_CONFIG_H
#define _SCAV_CONFIG_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <net/netlink.h>

#include <linux/scav.h>

/*
 * The tunables, one copy for the whole module: sysfs and netlink write them
 * through scav_knob_set(), everybody reads them with READ_ONCE().
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
	unsigned long max_ranges_per_user;	/* all sessions of one user */
	unsigned int max_sessions_per_user;
};

extern struct scav_config scav_config;

#define scav_cfg(field) READ_ONCE(scav_config.field)

/*
 * One tunable, indexed by its SCAV_CONF_* number: its sysfs file name, where
 * it lives, how wide it is (bool, u32 or u64), and the values it may take.
 * The one table both sysfs and the netlink policy check writes against.
 */
struct scav_knob {
	const char *name;
	void *ptr;
	unsigned int size;
	struct netlink_range_validation range;
};

extern const struct scav_knob scav_knobs[SCAV_CONF_MAX + 1];

#define scav_for_each_knob(i) \
	for ((i) = SCAV_CONF_PAD + 1; (i) <= SCAV_CONF_MAX; (i)++)

u64 scav_knob_get(unsigned int i);
/* Set the knobs whose bits are in @mask, all at once; values are checked. */
void scav_knob_set(unsigned long mask, const u64 *values);
int scav_knob_parse(unsigned int i, const char *buf, u64 *v);

#endif /* _SCAV_CONFIG_H */

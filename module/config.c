// SPDX-License-Identifier: GPL-2.0
/*
 * The tunables and the module-wide figures: one copy, shared by sysfs and
 * netlink.  Defaults and their reasons are in Documentation/admin-guide.md.
 */
#include <linux/bits.h>
#include <linux/mutex.h>

#include "aging.h"
#include "config.h"

struct scav_config scav_config = {
	.enabled = true,
	.shrinker_enabled = true,
	.idle_age_ms = 10000,
	.scan_interval_ms = 1000,
	.quota_bytes_per_sec = 128ULL << 20,
	.quota_ms_per_sec = 10,
	.max_ranges = 65536,
	.max_ranges_total = 1UL << 20,
};

struct scav_global_stats scav_stats;

/* Serializes writers, so a multi-knob write from netlink is atomic. */
static DEFINE_MUTEX(scav_config_lock);

#define KNOB(_id, _name, _field, _min, _max)				\
	[_id] = {							\
		.name = _name,						\
		.ptr = &scav_config._field,				\
		.size = sizeof(scav_config._field),			\
		.range = { .min = _min, .max = _max },			\
	}

const struct scav_knob scav_knobs[SCAV_CONF_MAX + 1] = {
	KNOB(SCAV_CONF_ENABLED, "enabled", enabled, 0, 1),
	KNOB(SCAV_CONF_SHRINKER_ENABLED, "shrinker_enabled", shrinker_enabled, 0, 1),
	/* A week; an hour; a TiB/s; all of it. */
	KNOB(SCAV_CONF_IDLE_AGE_MS, "idle_age_ms", idle_age_ms, 0, 604800000),
	KNOB(SCAV_CONF_SCAN_INTERVAL_MS, "scan_interval_ms", scan_interval_ms,
	     10, 3600000),
	KNOB(SCAV_CONF_QUOTA_BYTES_PER_SEC, "quota_bytes_per_sec",
	     quota_bytes_per_sec, 0, 1099511627776),
	KNOB(SCAV_CONF_QUOTA_MS_PER_SEC, "quota_ms_per_sec", quota_ms_per_sec,
	     0, 1000),
	KNOB(SCAV_CONF_MAX_RANGES_PER_SESSION, "max_ranges_per_session",
	     max_ranges, 2, 16777216),
	KNOB(SCAV_CONF_MAX_RANGES_TOTAL, "max_ranges_total", max_ranges_total,
	     2, 268435456),
};

u64 scav_knob_get(unsigned int i)
{
	const struct scav_knob *k = &scav_knobs[i];

	switch (k->size) {
	case 1:
		return READ_ONCE(*(bool *)k->ptr);
	case 4:
		return READ_ONCE(*(u32 *)k->ptr);
	default:
		return READ_ONCE(*(u64 *)k->ptr);
	}
}

static void scav_knob_write(unsigned int i, u64 v)
{
	const struct scav_knob *k = &scav_knobs[i];

	switch (k->size) {
	case 1:
		WRITE_ONCE(*(bool *)k->ptr, v);
		break;
	case 4:
		WRITE_ONCE(*(u32 *)k->ptr, v);
		break;
	default:
		WRITE_ONCE(*(u64 *)k->ptr, v);
	}
}

void scav_knob_set(unsigned long mask, const u64 *values)
{
	unsigned int i;

	mutex_lock(&scav_config_lock);
	scav_for_each_knob(i)
		if (mask & BIT(i) && !WARN_ON(values[i] < scav_knobs[i].range.min ||
					      values[i] > scav_knobs[i].range.max))
			scav_knob_write(i, values[i]);
	mutex_unlock(&scav_config_lock);
	/* Run the worker now, so a new interval or an enable takes effect. */
	scav_aging_kick();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The tunables and the module-wide figures: one copy, shared by sysfs and
 * netlink.  Defaults and their reasons are in Documentation/admin-guide.md.
 */
#include <linux/bits.h>
#include <linux/kstrtox.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/sysfs.h>

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
	.max_ranges_per_user = 1UL << 18,
	.max_sessions_per_user = 4096,
};

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
	KNOB(SCAV_CONF_MAX_RANGES_PER_USER, "max_ranges_per_user",
	     max_ranges_per_user, 2, 268435456),
	KNOB(SCAV_CONF_MAX_SESSIONS_PER_USER, "max_sessions_per_user",
	     max_sessions_per_user, 1, 1048576),
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

static void scav_knob_store(unsigned long mask, const u64 *values)
{
	unsigned int i;

	mutex_lock(&scav_config_lock);
	scav_for_each_knob(i)
		if (mask & BIT(i) && !WARN_ON(values[i] < scav_knobs[i].range.min ||
					      values[i] > scav_knobs[i].range.max))
			scav_knob_write(i, values[i]);
	mutex_unlock(&scav_config_lock);
}

void scav_knob_set(unsigned long mask, const u64 *values)
{
	scav_knob_store(mask, values);
	/* Run the worker now, so a new interval or an enable takes effect. */
	scav_aging_kick();
}

/* Parse and check one value for knob @i, as sysfs and module options take it. */
int scav_knob_parse(unsigned int i, const char *buf, u64 *v)
{
	if (kstrtou64(buf, 0, v) || *v < scav_knobs[i].range.min ||
	    *v > scav_knobs[i].range.max)
		return -EINVAL;	/* ERANGE too: out of range is out of range */
	return 0;
}

/*
 * Module options: the same knobs, set at load time (modprobe scav
 * idle_age_ms=5000, or in /etc/modprobe.d/).  Read-only afterwards under
 * /sys/module/scav/parameters/, which shows the live values: change them
 * through /sys/kernel/scav/ or netlink.
 */
static int scav_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int i = (uintptr_t)kp->arg;
	u64 v[SCAV_CONF_MAX + 1];
	int ret = scav_knob_parse(i, val, &v[i]);

	if (ret) {
		pr_err("%s=%s: out of range %llu to %llu\n", scav_knobs[i].name,
		       val, scav_knobs[i].range.min, scav_knobs[i].range.max);
		return ret;
	}
	scav_knob_store(BIT(i), v);	/* before init: nothing to kick yet */
	return 0;
}

static int scav_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%llu\n", scav_knob_get((uintptr_t)kp->arg));
}

static const struct kernel_param_ops scav_param_ops = {
	.set = scav_param_set,
	.get = scav_param_get,
};

#define SCAV_PARAM(_name, _id, _desc)					\
	module_param_cb(_name, &scav_param_ops, (void *)(uintptr_t)(_id), 0444); \
	MODULE_PARM_DESC(_name, _desc)

SCAV_PARAM(enabled, SCAV_CONF_ENABLED,
	   "Discard idle ranges when they age and under pressure (0-1, default 1)");
SCAV_PARAM(shrinker_enabled, SCAV_CONF_SHRINKER_ENABLED,
	   "Offer idle memory to memory reclaim (0-1, default 1)");
SCAV_PARAM(idle_age_ms, SCAV_CONF_IDLE_AGE_MS,
	   "Discard ranges idle this long (ms, 0-604800000, default 10000)");
SCAV_PARAM(scan_interval_ms, SCAV_CONF_SCAN_INTERVAL_MS,
	   "How often the aging worker runs (ms, 10-3600000, default 1000)");
SCAV_PARAM(quota_bytes_per_sec, SCAV_CONF_QUOTA_BYTES_PER_SEC,
	   "Aging budget in bytes per second (0: none, default 128 MiB)");
SCAV_PARAM(quota_ms_per_sec, SCAV_CONF_QUOTA_MS_PER_SEC,
	   "Aging budget in CPU ms per second (0: none, 0-1000, default 10)");
SCAV_PARAM(max_ranges_per_session, SCAV_CONF_MAX_RANGES_PER_SESSION,
	   "Idle ranges one session may hold (2-16777216, default 65536)");
SCAV_PARAM(max_ranges_total, SCAV_CONF_MAX_RANGES_TOTAL,
	   "Idle ranges all sessions may hold (2-268435456, default 1048576)");
SCAV_PARAM(max_ranges_per_user, SCAV_CONF_MAX_RANGES_PER_USER,
	   "Idle ranges all sessions of one user may hold (2-268435456, default 262144)");
SCAV_PARAM(max_sessions_per_user, SCAV_CONF_MAX_SESSIONS_PER_USER,
	   "Sessions one user may have open (1-1048576, default 4096)");

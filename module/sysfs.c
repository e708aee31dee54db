// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/scav: the tunables and module-wide figures.
 * Documentation/ABI/testing/sysfs-kernel-scav describes every file.
 */
#include <linux/kobject.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "aging.h"
#include "config.h"
#include "session.h"

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

static DEFINE_MUTEX(scav_config_lock);
static struct kobject *scav_kobj;

/* A numeric tunable: where it lives, how wide it is, what it may hold. */
struct scav_knob {
	struct kobj_attribute attr;
	void *ptr;
	unsigned int size;	/* sizeof the field: bool, u32 or u64 */
	u64 min, max;
};

static u64 knob_get(const struct scav_knob *k)
{
	switch (k->size) {
	case 1:
		return READ_ONCE(*(bool *)k->ptr);
	case 4:
		return READ_ONCE(*(u32 *)k->ptr);
	default:
		return READ_ONCE(*(u64 *)k->ptr);
	}
}

static void knob_set(const struct scav_knob *k, u64 v)
{
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

static ssize_t knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	struct scav_knob *k = container_of(attr, struct scav_knob, attr);

	return sysfs_emit(buf, "%llu\n", knob_get(k));
}

/* A value that does not parse or is out of range is refused, unchanged. */
static ssize_t knob_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	struct scav_knob *k = container_of(attr, struct scav_knob, attr);
	u64 v;
	int ret;

	ret = kstrtou64(buf, 0, &v);
	if (ret || v < k->min || v > k->max)
		return -EINVAL;	/* ERANGE too: out of range is out of range */
	mutex_lock(&scav_config_lock);
	knob_set(k, v);
	mutex_unlock(&scav_config_lock);
	scav_aging_kick();
	return count;
}

#define KNOB(_name, _field, _min, _max)					\
	static struct scav_knob knob_##_name = {			\
		.attr = __ATTR(_name, 0644, knob_show, knob_store),	\
		.ptr = &scav_config._field,				\
		.size = sizeof(scav_config._field),			\
		.min = _min,						\
		.max = _max,						\
	}

KNOB(enabled, enabled, 0, 1);
KNOB(shrinker_enabled, shrinker_enabled, 0, 1);
KNOB(idle_age_ms, idle_age_ms, 0, 7 * 24 * 3600 * 1000U);
KNOB(scan_interval_ms, scan_interval_ms, 10, 3600 * 1000U);
KNOB(quota_bytes_per_sec, quota_bytes_per_sec, 0, 1ULL << 40);
KNOB(quota_ms_per_sec, quota_ms_per_sec, 0, 1000);
KNOB(max_ranges_per_session, max_ranges, 2, 1U << 24);
KNOB(max_ranges_total, max_ranges_total, 2, 1UL << 28);

/* Read-only figures. */
static ssize_t sessions_show(struct kobject *kobj, struct kobj_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%ld\n", atomic_long_read(&scav_stats.sessions));
}

#define STAT64(_name, _expr)						\
	static ssize_t _name##_show(struct kobject *kobj,		\
				    struct kobj_attribute *attr,	\
				    char *buf)				\
	{								\
		return sysfs_emit(buf, "%lld\n", (long long)(_expr));	\
	}								\
	static struct kobj_attribute stat_##_name = __ATTR_RO(_name)

static struct kobj_attribute stat_sessions = __ATTR_RO(sessions);
STAT64(idle_bytes, atomic64_read(&scav_stats.idle_bytes));
STAT64(discarded_bytes, atomic64_read(&scav_stats.discarded_bytes));
STAT64(reclaimed_request_bytes,
       atomic64_read(&scav_stats.reclaimed_bytes[SCAV_CAUSE_REQUEST]));
STAT64(reclaimed_age_bytes,
       atomic64_read(&scav_stats.reclaimed_bytes[SCAV_CAUSE_AGE]));
STAT64(reclaimed_pressure_bytes,
       atomic64_read(&scav_stats.reclaimed_bytes[SCAV_CAUSE_PRESSURE]));
STAT64(claimed_kept_bytes, atomic64_read(&scav_stats.claimed_kept_bytes));
STAT64(claimed_discarded_bytes,
       atomic64_read(&scav_stats.claimed_discarded_bytes));
STAT64(forgotten_bytes, atomic64_read(&scav_stats.forgotten_bytes));
STAT64(aging_busy_skips, atomic64_read(&scav_stats.busy_skips[SCAV_CAUSE_AGE]));
STAT64(pressure_busy_skips,
       atomic64_read(&scav_stats.busy_skips[SCAV_CAUSE_PRESSURE]));
STAT64(pressure_deferred, atomic64_read(&scav_stats.deferred_reclaims));

/* These two walk the page tables of every session's idle ranges. */
static ssize_t idle_resident_bytes_show(struct kobject *kobj,
					struct kobj_attribute *attr, char *buf)
{
	u64 resident, lazyfree;

	scav_sessions_resident(&resident, &lazyfree);
	return sysfs_emit(buf, "%llu\n", resident);
}

static ssize_t lazyfree_bytes_show(struct kobject *kobj,
				   struct kobj_attribute *attr, char *buf)
{
	u64 resident, lazyfree;

	scav_sessions_resident(&resident, &lazyfree);
	return sysfs_emit(buf, "%llu\n", lazyfree);
}

static struct kobj_attribute stat_idle_resident_bytes = __ATTR_RO(idle_resident_bytes);
static struct kobj_attribute stat_lazyfree_bytes = __ATTR_RO(lazyfree_bytes);

static struct attribute *scav_attrs[] = {
	&knob_enabled.attr.attr,
	&knob_shrinker_enabled.attr.attr,
	&knob_idle_age_ms.attr.attr,
	&knob_scan_interval_ms.attr.attr,
	&knob_quota_bytes_per_sec.attr.attr,
	&knob_quota_ms_per_sec.attr.attr,
	&knob_max_ranges_per_session.attr.attr,
	&knob_max_ranges_total.attr.attr,
	&stat_sessions.attr,
	&stat_idle_bytes.attr,
	&stat_discarded_bytes.attr,
	&stat_idle_resident_bytes.attr,
	&stat_lazyfree_bytes.attr,
	&stat_reclaimed_request_bytes.attr,
	&stat_reclaimed_age_bytes.attr,
	&stat_reclaimed_pressure_bytes.attr,
	&stat_claimed_kept_bytes.attr,
	&stat_claimed_discarded_bytes.attr,
	&stat_forgotten_bytes.attr,
	&stat_aging_busy_skips.attr,
	&stat_pressure_busy_skips.attr,
	&stat_pressure_deferred.attr,
	NULL,
};

static const struct attribute_group scav_attr_group = {
	.attrs = scav_attrs,
};

int scav_sysfs_init(void)
{
	int ret;

	scav_kobj = kobject_create_and_add("scav", kernel_kobj);
	if (!scav_kobj)
		return -ENOMEM;
	ret = sysfs_create_group(scav_kobj, &scav_attr_group);
	if (ret)
		kobject_put(scav_kobj);
	return ret;
}

void scav_sysfs_exit(void)
{
	sysfs_remove_group(scav_kobj, &scav_attr_group);
	kobject_put(scav_kobj);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/scav: the tunables and module-wide figures.
 * Documentation/ABI/testing/sysfs-kernel-scav describes every file.
 */
#include <linux/kobject.h>
#include <linux/bits.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "config.h"
#include "session.h"

static struct kobject *scav_kobj;

/* One file per tunable, named from scav_knobs[], filled in at init. */
static struct kobj_attribute scav_knob_attrs[SCAV_CONF_MAX + 1];

static ssize_t knob_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	return sysfs_emit(buf, "%llu\n", scav_knob_get(attr - scav_knob_attrs));
}

/* A value that does not parse or is out of range is refused, unchanged. */
static ssize_t knob_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	unsigned int i = attr - scav_knob_attrs;
	u64 v[SCAV_CONF_MAX + 1];
	int ret;

	ret = scav_knob_parse(i, buf, &v[i]);
	if (ret)
		return ret;
	scav_knob_set(BIT(i), v);
	return count;
}

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
STAT64(reported_bytes, atomic64_read(&scav_stats.reported_bytes));
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

/* Root only: a walk of every user's memory, as reading all their smaps. */
static struct kobj_attribute stat_idle_resident_bytes =
	__ATTR(idle_resident_bytes, 0400, idle_resident_bytes_show, NULL);
static struct kobj_attribute stat_lazyfree_bytes =
	__ATTR(lazyfree_bytes, 0400, lazyfree_bytes_show, NULL);

/* Room for the knobs in front, filled in at init. */
/* The knobs' list is filled in at init, from scav_knobs[]. */
static struct attribute *scav_knob_list[SCAV_CONF_MAX + 1];

static const struct attribute_group scav_knob_group = {
	.attrs = scav_knob_list,
};

static struct attribute *scav_stat_list[] = {
	&stat_sessions.attr,
	&stat_idle_bytes.attr,
	&stat_discarded_bytes.attr,
	&stat_idle_resident_bytes.attr,
	&stat_lazyfree_bytes.attr,
	&stat_reported_bytes.attr,
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

static const struct attribute_group scav_stat_group = {
	.attrs = scav_stat_list,
};

static const struct attribute_group *scav_groups[] = {
	&scav_knob_group,
	&scav_stat_group,
	NULL,
};

int scav_sysfs_init(void)
{
	unsigned int i, n = 0;
	int ret;

	scav_for_each_knob(i) {
		struct kobj_attribute *a = &scav_knob_attrs[i];

		sysfs_attr_init(&a->attr);
		a->attr.name = scav_knobs[i].name;
		a->attr.mode = 0644;
		a->show = knob_show;
		a->store = knob_store;
		scav_knob_list[n++] = &a->attr;
	}

	scav_kobj = kobject_create_and_add("scav", kernel_kobj);
	if (!scav_kobj)
		return -ENOMEM;
	ret = sysfs_create_groups(scav_kobj, scav_groups);
	if (ret)
		kobject_put(scav_kobj);
	return ret;
}

void scav_sysfs_exit(void)
{
	sysfs_remove_groups(scav_kobj, scav_groups);
	kobject_put(scav_kobj);
}

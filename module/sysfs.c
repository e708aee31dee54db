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
#include "sysfs.h"
#include "totals.h"

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

/*
 * One read-only file per module-wide figure, named from SCAV_FIGURES,
 * filled in at init.  The resident ones walk the page tables of every
 * session: root only, as reading every process's smaps is.
 */
static struct kobj_attribute scav_stat_attrs[SCAV_STAT_MAX + 1];

static ssize_t stat_show(struct kobject *kobj, struct kobj_attribute *attr,
			 char *buf)
{
	unsigned int i = attr - scav_stat_attrs;
	bool maps = i == SCAV_STAT_IDLE_BYTES || i == SCAV_STAT_DISCARDED_BYTES;
	u64 v[SCAV_STAT_MAX + 1];

	/* Only the figures that count map pages read the maps' words. */
	scav_totals_read(v, maps, scav_figures[i].where & SCAV_FIG_WALK);
	return sysfs_emit(buf, "%llu\n", v[i]);
}

static struct attribute *scav_knob_list[SCAV_CONF_MAX + 1];

static const struct attribute_group scav_knob_group = {
	.attrs = scav_knob_list,
};

static struct attribute *scav_stat_list[SCAV_STAT_MAX + 1];

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
	n = 0;
	scav_for_each_figure(i) {
		struct kobj_attribute *a = &scav_stat_attrs[i];
		unsigned int where = scav_figures[i].where;

		if (!(where & SCAV_FIG_MODULE))
			continue;
		sysfs_attr_init(&a->attr);
		a->attr.name = scav_figures[i].name;
		a->attr.mode = where & SCAV_FIG_WALK ? 0400 : 0444;
		a->show = stat_show;
		scav_stat_list[n++] = &a->attr;
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

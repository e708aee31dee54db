// SPDX-License-Identifier: GPL-2.0
/*
 * scav: idle memory reported by allocators, claimed back or reclaimed.
 */
#include <linux/module.h>

#include "aging.h"
#include "config.h"
#include "netlink.h"
#include "ranges.h"
#include "session.h"
#include "shrinker.h"

static int __init scav_init(void)
{
	int ret;

	ret = scav_ranges_init();
	if (ret)
		return ret;
	ret = scav_sysfs_init();
	if (ret)
		goto err_ranges;
	ret = scav_session_init();
	if (ret)
		goto err_sysfs;
	ret = scav_nl_init();
	if (ret)
		goto err_session;
	ret = scav_reclaim_init();
	if (ret)
		goto err_nl;
	ret = scav_aging_init();
	if (ret)
		goto err_reclaim;
	ret = scav_shrinker_init();
	if (ret)
		goto err_aging;
	pr_info("loaded\n");
	return 0;

err_aging:
	scav_aging_exit();
err_reclaim:
	scav_reclaim_exit();
err_nl:
	scav_nl_exit();
err_session:
	scav_session_exit();
err_sysfs:
	scav_sysfs_exit();
err_ranges:
	scav_ranges_exit();
	return ret;
}

static void __exit scav_exit(void)
{
	scav_shrinker_exit();
	scav_aging_exit();
	scav_reclaim_exit();
	/* Before the sessions: waits for netlink handlers holding some. */
	scav_nl_exit();
	scav_session_exit();
	scav_sysfs_exit();
	scav_ranges_exit();
}

module_init(scav_init);
module_exit(scav_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Idle memory contract between allocators and the kernel");
MODULE_AUTHOR("The scav developers");

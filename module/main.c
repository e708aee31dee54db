// SPDX-License-Identifier: GPL-2.0
/*
 * scav: idle memory reported by allocators, claimed back or reclaimed.
 */
#include <linux/miscdevice.h>
#include <linux/module.h>

#include "aging.h"
#include "device.h"
#include "memcg.h"
#include "netlink.h"
#include "ranges.h"
#include "reclaim.h"
#include "session.h"
#include "shrinker.h"
#include "sysfs.h"
#include "user.h"

/*
 * The internals first, the front doors last: /dev/scav, sysfs and netlink
 * are how anyone reaches the rest, so they open only once all of it is up,
 * and close first on unload, so that no write to a tunable can re-arm the
 * aging worker after it was stopped.
 */
static int __init scav_init(void)
{
	int ret;

	ret = scav_ranges_init();
	if (ret)
		return ret;
	ret = scav_session_init();
	if (ret)
		goto err_ranges;
	ret = scav_reclaim_init();
	if (ret)
		goto err_session;
	ret = scav_aging_init();
	if (ret)
		goto err_reclaim;
	ret = scav_memcg_init();
	if (ret)
		goto err_aging;
	ret = scav_shrinker_init();
	if (ret)
		goto err_memcg;
	ret = scav_sysfs_init();
	if (ret)
		goto err_shrinker;
	ret = scav_nl_init();
	if (ret)
		goto err_sysfs;
	ret = scav_dev_init();
	if (ret)
		goto err_nl;
	pr_info("loaded\n");
	return 0;

err_nl:
	scav_nl_exit();
err_sysfs:
	scav_sysfs_exit();
err_shrinker:
	scav_shrinker_exit();
err_memcg:
	scav_memcg_exit();
err_aging:
	scav_aging_exit();
err_reclaim:
	scav_reclaim_exit();
err_session:
	scav_session_exit();
err_ranges:
	scav_ranges_exit();
	return ret;
}

static void __exit scav_exit(void)
{
	scav_dev_exit();
	/* Waits for netlink handlers, which may hold sessions. */
	scav_nl_exit();
	scav_sysfs_exit();
	scav_shrinker_exit();
	scav_memcg_exit();
	scav_aging_exit();
	scav_reclaim_exit();
	scav_session_exit();
	scav_user_exit();
	scav_ranges_exit();
}

module_init(scav_init);
module_exit(scav_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Idle memory contract between allocators and the kernel");
MODULE_AUTHOR("The scav developers");
/* Opening /dev/scav loads the module (device.c). */
MODULE_ALIAS_MISCDEV(SCAV_MISC_MINOR);
MODULE_ALIAS("devname:scav");

// SPDX-License-Identifier: GPL-2.0
/*
 * scav: idle memory reported by allocators, claimed back or reclaimed.
 */
#include <linux/module.h>

#include "ranges.h"
#include "session.h"

static int __init scav_init(void)
{
	int ret;

	ret = scav_ranges_init();
	if (ret)
		return ret;
	ret = scav_session_init();
	if (ret)
		goto err_ranges;
	pr_info("loaded\n");
	return 0;

err_ranges:
	scav_ranges_exit();
	return ret;
}

static void __exit scav_exit(void)
{
	scav_session_exit();
	scav_ranges_exit();
}

module_init(scav_init);
module_exit(scav_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Idle memory contract between allocators and the kernel");
MODULE_AUTHOR("The scav developers");

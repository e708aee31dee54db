/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_USER_H
#define _SCAV_USER_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/uidgid.h>

/*
 * What one user's sessions hold, for the per-user bound on ranges
 * (max_ranges_per_user), as inotify and epoll bound watches per user: one
 * user cannot fill the module's total and leave every other user's reports
 * failing with ENOSPC.
 */
struct scav_user {
	kuid_t uid;
	refcount_t ref;		/* one per session */
	atomic_long_t nodes;	/* range nodes of all its sessions */
};

struct scav_user *scav_user_get(kuid_t uid);
void scav_user_put(struct scav_user *u);
void scav_user_exit(void);

#endif /* _SCAV_USER_H */

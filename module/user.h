/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_USER_H
#define _SCAV_USER_H

#include <linux/atomic.h>
#include <linux/refcount.h>

/*
 * What one user's sessions hold, for the per-user bounds on sessions
 * (max_sessions_per_user) and ranges (max_ranges_per_user), as inotify
 * bounds instances and watches per user: one user cannot fill the module's
 * total and leave every other user's reports failing with ENOSPC, nor make
 * every walk over all sessions (the shrinker's count, a dump) long.
 */
struct scav_user {
	unsigned long key;	/* a UID, or a namespace: scav_user_key() */
	refcount_t ref;		/* one per session, and per region (map.c) */
	atomic_t sessions;
	atomic_long_t nodes;	/* range nodes of all its sessions */
	atomic_long_t map_pages;	/* pages of its regions' maps */
};

struct scav_user *scav_user_get(void);
void scav_user_put(struct scav_user *u);
void scav_user_hold(struct scav_user *u);
void scav_user_unhold(struct scav_user *u);
void scav_user_exit(void);

#endif /* _SCAV_USER_H */

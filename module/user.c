// SPDX-License-Identifier: GPL-2.0
/*
 * Users of /dev/scav, by UID: each session counts its range nodes against
 * its opener's user as well as against itself and the module.
 */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "user.h"

/* Users with a session open, by UID in the initial user namespace. */
static DEFINE_XARRAY(scav_users);
/* Serializes finding or making a user with dropping the last reference. */
static DEFINE_MUTEX(scav_users_lock);

/* The user of @uid, made if it has no session yet; NULL without memory. */
struct scav_user *scav_user_get(kuid_t uid)
{
	unsigned long key = from_kuid(&init_user_ns, uid);
	struct scav_user *u;

	mutex_lock(&scav_users_lock);
	u = xa_load(&scav_users, key);
	if (u) {
		refcount_inc(&u->ref);
		goto out;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u)
		goto out;
	u->uid = uid;
	refcount_set(&u->ref, 1);
	atomic_long_set(&u->nodes, 0);
	if (xa_err(xa_store(&scav_users, key, u, GFP_KERNEL_ACCOUNT))) {
		kfree(u);
		u = NULL;
	}
out:
	mutex_unlock(&scav_users_lock);
	return u;
}

/* Sleeps: from a session's last release, never from reclaim. */
void scav_user_put(struct scav_user *u)
{
	mutex_lock(&scav_users_lock);
	if (refcount_dec_and_test(&u->ref)) {
		WARN_ON(atomic_long_read(&u->nodes));
		xa_erase(&scav_users, from_kuid(&init_user_ns, u->uid));
		kfree(u);
	}
	mutex_unlock(&scav_users_lock);
}

void scav_user_exit(void)
{
	WARN_ON(!xa_empty(&scav_users));
}

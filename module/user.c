// SPDX-License-Identifier: GPL-2.0
/*
 * Users of /dev/scav, by UID: each session counts against its opener's user
 * (itself, and its range nodes), as well as against the module.
 */
#include <linux/capability.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "config.h"
#include "user.h"

/* Users with a session open, by UID in the initial user namespace. */
static DEFINE_XARRAY(scav_users);
/* Serializes finding or making a user with dropping the last reference. */
static DEFINE_MUTEX(scav_users_lock);

/*
 * The user the calling task's sessions count against, as a key of
 * scav_users: its effective UID, or, inside a user namespace, the user who
 * created the outermost one, so that the UIDs a namespace maps add no room
 * (the kernel's own per-user limits, ucounts, count them against the
 * creator as well).  A namespace that root created (a container manager's:
 * LXD, Kubernetes, systemd-nspawn -U) is a user of its own, keyed above
 * every UID by its inode number: containers do not share root's count.
 * What this cannot see: a setuid file of a mapped UID, made inside the
 * namespace and run outside it, runs as that UID, a user of its own.
 */
static unsigned long scav_user_key(void)
{
	const struct user_namespace *ns = current_user_ns();

	if (ns == &init_user_ns)
		return from_kuid(&init_user_ns, current_euid());
	while (ns->parent != &init_user_ns)
		ns = ns->parent;
	if (uid_eq(ns->owner, GLOBAL_ROOT_UID))
		return (1UL << 32) | ns->ns.inum;
	return from_kuid(&init_user_ns, ns->owner);
}

/*
 * The calling task's user, with one more session: made if it has none yet.
 * ERR_PTR(-EMFILE) when it has max_sessions_per_user already (as inotify
 * bounds instances per user) and no CAP_SYS_RESOURCE, or -ENOMEM.
 */
struct scav_user *scav_user_get(void)
{
	unsigned long key = scav_user_key();
	struct scav_user *u;

	mutex_lock(&scav_users_lock);
	u = xa_load(&scav_users, key);
	if (u) {
		if (atomic_read(&u->sessions) >= scav_cfg(max_sessions_per_user) &&
		    !capable(CAP_SYS_RESOURCE)) {
			u = ERR_PTR(-EMFILE);
		} else {
			refcount_inc(&u->ref);
			atomic_inc(&u->sessions);
		}
		goto out;
	}
	u = kzalloc(sizeof(*u), GFP_KERNEL_ACCOUNT);
	if (!u) {
		u = ERR_PTR(-ENOMEM);
		goto out;
	}
	u->key = key;
	refcount_set(&u->ref, 1);
	atomic_set(&u->sessions, 1);
	atomic_long_set(&u->nodes, 0);
	atomic_long_set(&u->map_pages, 0);
	if (xa_err(xa_store(&scav_users, key, u, GFP_KERNEL_ACCOUNT))) {
		kfree(u);
		u = ERR_PTR(-ENOMEM);
	}
out:
	mutex_unlock(&scav_users_lock);
	return u;
}

/* Sleeps: from a session's last release, never from reclaim. */
void scav_user_unhold(struct scav_user *u)
{
	mutex_lock(&scav_users_lock);
	if (refcount_dec_and_test(&u->ref)) {
		WARN_ON(atomic_long_read(&u->nodes));
		WARN_ON(atomic_long_read(&u->map_pages));
		xa_erase(&scav_users, u->key);
		kfree(u);
	}
	mutex_unlock(&scav_users_lock);
}

/* A session of @u ends. */
void scav_user_put(struct scav_user *u)
{
	atomic_dec(&u->sessions);
	scav_user_unhold(u);
}

/* Keep @u, which the caller holds already, for something other than a session. */
void scav_user_hold(struct scav_user *u)
{
	refcount_inc(&u->ref);
}

void scav_user_exit(void)
{
	WARN_ON(!xa_empty(&scav_users));
}

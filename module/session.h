/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_SESSION_H
#define _SCAV_SESSION_H

#include <linux/cred.h>
#include <linux/list.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "map.h"
#include "ranges.h"
#include "totals.h"
#include "user.h"

/*
 * One open /dev/scav: the idle memory of one address space.
 *
 * @rlock guards everything below it.  It is a spinlock because the mmu
 * notifier takes it, and is taken inside the mmap lock, never around
 * anything that sleeps.  Work on the memory itself (zapping, reading page
 * tables) happens outside it, under the mmap read lock, on nodes marked
 * busy (see ranges.h); whoever needs a busy node waits on @busy_wq.  So
 * reclaimers never wait for each other, nor for a claim, and a claim never
 * overlaps a discard.
 *
 * Lock order: the session list lock, or else the mmap lock, then @rlock.
 * @ref: the open file holds one, a worker or shrinker using the session
 * another; the last one frees it (after an SRCU grace period).
 */
struct scav_session {
	struct mm_struct *mm;		/* mmgrab()bed at open */
	struct mmu_notifier mn;		/* registered by the first ioctl */
	struct mutex mn_lock;		/* serializes that registration */
	bool mn_registered;
	struct list_head node;		/* on the session list while open */
	refcount_t ref;
	u32 id;				/* in scav_sessions_xa while open */
	struct pid *pid;		/* the opener's thread group */
	struct scav_user *user;		/* the opener's effective UID's */
	char comm[TASK_COMM_LEN];	/* the opener's name at open */
	wait_queue_head_t busy_wq;
	struct work_struct pressure_work;	/* holds a reference when queued */
	atomic_long_t pressure_pages;		/* owed to reclaim, see reclaim.c */
	atomic_t pressure_runs;			/* of the work, done */
	atomic_long_t pressure_freed;		/* pages the work freed, in all */

	/* On its memory cgroup's list once it reported (memcg.c). */
	struct mutex link_lock;
	struct scav_link *link;
	u64 link_cgid;
	bool link_dead;

	spinlock_t rlock;
	struct scav_ranges ranges;
	struct scav_region *regions[SCAV_MAX_REGIONS];	/* map.c */
	unsigned int map_regions;		/* how many, read without the lock */
	unsigned long map_pending_chunks;	/* of them, with idle pages */
	unsigned int map_zaps;			/* map discards in flight */
	unsigned int map_cursor;		/* the region a pass starts at */
	/* Pending chunks by the harvest that made them pending (map.c). */
	struct scav_map_ages map_ages;
	/* Pending chunks a pass could take nothing of (SCAV_MAP_NO_SINCE). */
	struct scav_map_ages map_parked;
	u64 map_round[SCAV_NR_CAUSES];	/* map gone through in this round */
	bool closed;
	u64 pass;
	u64 round[SCAV_NR_CAUSES];	/* the aging or shrinker round ... */
	u64 round_pass[SCAV_NR_CAUSES];	/* ... and this session's pass in it */
	u64 busy_round[SCAV_NR_CAUSES];	/* skip: mmap lock busy this round */
	u64 reported_bytes;
	u64 reclaimed_bytes[SCAV_NR_CAUSES];
	u64 claimed_kept_bytes;
	u64 claimed_discarded_bytes;
	u64 forgotten_bytes;
	/* Discarded under pressure, not yet returned by SCAV_IOC_PRESSURE. */
	u64 pressure_global_bytes;
	u64 pressure_cgroup_bytes;
	u64 pressure_cgroup_id;
	wait_queue_head_t poll_wq;	/* pollers of the descriptor */
	atomic64_t deferred_cgroup_id;	/* whose pressure the worker owes */
	atomic64_t deferred_pass;	/* the serial of the last pass that did */
};

struct scav_session *scav_session_create(void);
void scav_session_end(struct scav_session *s);
void scav_session_close(struct scav_session *s);
void scav_session_put(struct scav_session *s);
int scav_session_attach(struct scav_session *s);
void scav_lock_settled(struct scav_session *s, unsigned long start,
		       unsigned long end);
void scav_forget(struct scav_session *s, u64 bytes);
bool scav_session_room(struct scav_session *s, unsigned int nodes);
struct scav_session *scav_session_pick(struct scav_session **v, unsigned int nr,
				       enum scav_cause cause, u64 round,
				       u64 stamp_max, bool maps, bool *map);
unsigned long scav_session_reclaimable(struct scav_session *s);
struct scav_walk;
struct scav_map_figures;
void scav_sessions_map_count(struct scav_walk *w, struct scav_map_figures *f);
unsigned long scav_sessions_reclaimable(void);
struct scav_session *scav_session_next(unsigned long *id);
u32 scav_sessions_gen(void);
struct scav_stats;
void scav_session_stats(struct scav_session *s, u32 flags, struct scav_stats *st);

int scav_session_init(void);
void scav_session_exit(void);

#endif /* _SCAV_SESSION_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_SESSION_H
#define _SCAV_SESSION_H

#include <linux/list.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>

#include "config.h"
#include "ranges.h"

/*
 * One open /dev/scav: the idle memory of one address space.
 *
 * Lock order: the session list lock (a spinlock, only to find sessions), or
 * else @lock (the session mutex), then the mmap lock, then @rlock.
 * @lock serialises everything that zaps or claims, so a claim never overlaps
 * a discard; the aging worker and the shrinker only ever trylock it.
 * @rlock guards the range set and the figures; it is all the mmu notifier
 * takes, because our own zaps fire the notifier while @lock is held.
 * @ref: the open file holds one, a worker or shrinker using the session
 * another; the last one frees it (after an SRCU grace period).
 */
struct scav_session {
	struct mutex lock;
	struct mm_struct *mm;		/* mmgrab()bed at open */
	struct mmu_notifier mn;
	struct list_head node;		/* on the session list while open */
	refcount_t ref;
	pid_t tgid;

	/* Under @lock. */
	struct scav_spare spare;
	u64 pass;
	bool closed;
	u64 round[SCAV_NR_CAUSES];	/* the aging or shrinker round ... */
	u64 round_pass[SCAV_NR_CAUSES];	/* ... and this session's pass in it */

	spinlock_t rlock;
	struct scav_ranges ranges;
	u64 busy_round[SCAV_NR_CAUSES];	/* skip: trylock failed this round */
	u64 reported_bytes;
	u64 reclaimed_bytes[SCAV_NR_CAUSES];
	u64 claimed_kept_bytes;
	u64 claimed_discarded_bytes;
	u64 forgotten_bytes;
};

/* One reclaim pass over one session. */
struct scav_pass {
	enum scav_cause cause;
	u64 id;			/* marks pieces skipped in this pass */
	u64 stamp_max;		/* only ranges reported at or before this */
	u64 budget;		/* bytes still allowed */
	u64 deadline_ns;	/* ktime_get_ns() to stop at (0: none) */
	u64 bytes;		/* bytes discarded */
	long freed_pages;	/* resident anonymous pages that went away */
};

void scav_session_put(struct scav_session *s);
struct scav_session *scav_session_pick(enum scav_cause cause, u64 round,
				       u64 stamp_max);
void scav_sessions_resident(u64 *resident, u64 *lazyfree);

int scav_reclaim_request(struct scav_session *s, struct scav_pass *p);
int scav_reclaim_try(struct scav_session *s, struct scav_pass *p, u64 round);

int scav_session_init(void);
void scav_session_exit(void);

#endif /* _SCAV_SESSION_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_SESSION_H
#define _SCAV_SESSION_H

#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "ranges.h"

/*
 * One open /dev/scav: the idle memory of one address space.
 *
 * Lock order: @lock (the session mutex), then the mmap lock, then @rlock.
 * @lock serialises the operations, so a claim never overlaps a discard.
 * @rlock guards the range set and the figures; it is all the mmu notifier
 * takes, because our own zaps fire the notifier while @lock is held.
 */
struct scav_session {
	struct mutex lock;
	struct mm_struct *mm;		/* mmgrab()bed at open */
	struct mmu_notifier mn;
	struct scav_spare spare;	/* under @lock */
	u64 pass;			/* under @lock */

	spinlock_t rlock;
	struct scav_ranges ranges;
	u64 reported_bytes;
	u64 reclaimed_bytes;
	u64 claimed_kept_bytes;
	u64 claimed_discarded_bytes;
	u64 forgotten_bytes;
};

struct scav_reclaim;

int scav_session_reclaim(struct scav_session *s, struct scav_reclaim *rc);

int scav_session_init(void);
void scav_session_exit(void);

#endif /* _SCAV_SESSION_H */

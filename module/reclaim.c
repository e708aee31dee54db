// SPDX-License-Identifier: GPL-2.0
/*
 * Discarding idle memory of a session, oldest first.
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include <linux/scav.h>

#include "compat.h"
#include "session.h"
#include "vma.h"

/*
 * One zap covers at most a PMD-aligned 2 MiB block, so a zap never splits a
 * huge page the range covers whole.  The locks are dropped after
 * SCAV_BATCH_STEPS zaps, or sooner if the scheduler asks.
 */
#define SCAV_ZAP_MAX		PMD_SIZE
#define SCAV_BATCH_STEPS	64

struct scav_pass {
	u64 id;
	u64 stamp_max;
	u64 budget;	/* bytes still allowed */
	u64 bytes;	/* bytes discarded */
};

/*
 * Pick the oldest kept piece, clamp it to one VMA and one block, and discard
 * it if its VMA is (still) eligible, or mark it skipped for this pass if not.
 * Returns 0 on progress, -ENOENT when nothing old enough is left.
 */
static int scav_reclaim_step(struct scav_session *s, struct scav_pass *p)
{
	struct vm_area_struct *vma;
	struct scav_node *n;
	unsigned long start, end;
	bool eligible;
	int ret;

	ret = scav_spare_fill(&s->spare);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	n = scav_ranges_oldest(&s->ranges, p->id, p->stamp_max);
	if (n) {
		start = n->start;
		end = min3(n->end, ALIGN_DOWN(start, SCAV_ZAP_MAX) + SCAV_ZAP_MAX,
			   start + min_t(u64, p->budget, ULONG_MAX - start));
	}
	spin_unlock(&s->rlock);
	if (!n)
		return -ENOENT;

	vma = find_vma(s->mm, start);
	if (vma && vma->vm_start <= start) {
		end = min(end, vma->vm_end);
		eligible = scav_vma_eligible(vma);
	} else {
		/* An unmap in flight: its notifier is about to drop this. */
		if (vma)
			end = min(end, vma->vm_start);
		eligible = false;
	}
	if (eligible)
		scav_zap(vma, start, end - start);

	spin_lock(&s->rlock);
	n = scav_ranges_carve(&s->ranges, start, end, &s->spare);
	if (n && eligible) {
		scav_ranges_discard(&s->ranges, n);
		s->reclaimed_bytes += end - start;
	} else if (n) {
		n->pass = p->id;
	}
	spin_unlock(&s->rlock);

	if (eligible) {
		p->budget -= end - start;
		p->bytes += end - start;
	}
	return 0;
}

/* One batch under the session mutex and the mmap read lock. */
static int scav_reclaim_batch(struct scav_session *s, struct scav_pass *p)
{
	int ret = 0, steps;

	if (mutex_lock_killable(&s->lock))
		return -EINTR;
	if (!mmget_not_zero(s->mm)) {
		ret = -ENOENT;
		goto unlock;
	}
	if (mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto put;
	}
	if (!p->id)
		p->id = ++s->pass;
	for (steps = 0; steps < SCAV_BATCH_STEPS && p->budget; steps++) {
		ret = scav_reclaim_step(s, p);
		if (ret || need_resched())
			break;
	}
	mmap_read_unlock(s->mm);
put:
	mmput(s->mm);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

int scav_session_reclaim(struct scav_session *s, struct scav_reclaim *rc)
{
	struct scav_pass p = {
		.stamp_max = get_jiffies_64() - msecs_to_jiffies(rc->min_age_ms),
		.budget = rc->max_bytes ? PAGE_ALIGN(rc->max_bytes) : U64_MAX,
	};
	int ret = 0;

	if (rc->max_bytes > U64_MAX - PAGE_SIZE)
		p.budget = U64_MAX;
	while (p.budget) {
		ret = scav_reclaim_batch(s, &p);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	rc->bytes = p.bytes;
	return ret == -ENOENT ? 0 : ret;
}

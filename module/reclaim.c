// SPDX-License-Identifier: GPL-2.0
/*
 * Discarding idle memory of a session, oldest first: on request (blocking
 * locks), and for the aging worker and the shrinker (trylocks only).
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

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

static bool scav_pass_over(const struct scav_pass *p)
{
	return !p->budget || (p->deadline_ns && ktime_get_ns() >= p->deadline_ns);
}

/*
 * The piece of @n to discard next: up to the end of its 2 MiB block and the
 * budget.  Aging and pressure take a whole aligned block rather than split a
 * huge page for the last bytes of their budget; a request is exact.
 */
static unsigned long scav_piece_end(const struct scav_node *n,
				    const struct scav_pass *p)
{
	unsigned long start = n->start;
	unsigned long end = min(n->end, ALIGN_DOWN(start, SCAV_ZAP_MAX) + SCAV_ZAP_MAX);

	if (end - start <= p->budget)
		return end;
	if (p->cause != SCAV_CAUSE_REQUEST && end - start == SCAV_ZAP_MAX)
		return end;
	return start + max_t(u64, PAGE_SIZE, ALIGN_DOWN(p->budget, PAGE_SIZE));
}

/*
 * Pick the oldest kept piece, clamp it to one VMA and one block, and discard
 * it if its VMA is (still) eligible, or mark it skipped for this pass if not.
 * Returns 0 on progress, -ENOENT when nothing old enough is left.
 */
static int scav_reclaim_step(struct scav_session *s, struct scav_pass *p,
			     gfp_t gfp)
{
	struct vm_area_struct *vma;
	struct scav_node *n;
	unsigned long start, end;
	bool eligible;
	int ret;

	ret = scav_spare_fill(&s->spare, gfp);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	n = scav_ranges_oldest(&s->ranges, p->id, p->stamp_max);
	if (n) {
		start = n->start;
		end = scav_piece_end(n, p);
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
		s->reclaimed_bytes[p->cause] += end - start;
	} else if (n) {
		n->pass = p->id;
	}
	spin_unlock(&s->rlock);

	if (eligible) {
		atomic64_add(end - start, &scav_stats.reclaimed_bytes[p->cause]);
		p->budget -= min_t(u64, end - start, p->budget);
		p->bytes += end - start;
	}
	return 0;
}

/*
 * One batch under the session mutex and the mmap read lock.  @round 0 is a
 * request: blocking locks, a fresh pass.  Otherwise trylocks only (-EBUSY),
 * no allocation that could recurse into reclaim, and one pass per session
 * per round, so pieces skipped once stay skipped for the round.
 */
static int scav_reclaim_batch(struct scav_session *s, struct scav_pass *p,
			      u64 round)
{
	gfp_t gfp = p->cause == SCAV_CAUSE_PRESSURE ?
		    GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL;
	unsigned long rss;
	int ret = 0, steps;

	if (!round) {
		if (mutex_lock_killable(&s->lock))
			return -EINTR;
	} else if (!mutex_trylock(&s->lock)) {
		return -EBUSY;
	}
	if (s->closed || !mmget_not_zero(s->mm)) {
		ret = -ENOENT;
		goto unlock;
	}
	if (!round) {
		if (mmap_read_lock_killable(s->mm)) {
			ret = -EINTR;
			goto put;
		}
		if (!p->id)
			p->id = ++s->pass;
	} else {
		if (!mmap_read_trylock(s->mm)) {
			ret = -EBUSY;
			goto put;
		}
		if (s->round[p->cause] != round) {
			WRITE_ONCE(s->round_pass[p->cause], ++s->pass);
			WRITE_ONCE(s->round[p->cause], round);
		}
		p->id = s->round_pass[p->cause];
	}

	rss = scav_anon_rss_pages(s->mm);
	for (steps = 0; steps < SCAV_BATCH_STEPS; steps++) {
		ret = scav_reclaim_step(s, p, gfp);
		if (ret || scav_pass_over(p) || need_resched())
			break;
	}
	p->freed_pages += max_t(long, 0, (long)rss - (long)scav_anon_rss_pages(s->mm));
	mmap_read_unlock(s->mm);
put:
	if (round)
		mmput_async(s->mm);
	else
		mmput(s->mm);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

/* SCAV_IOC_RECLAIM: until done, out of budget, or a fatal signal. */
int scav_reclaim_request(struct scav_session *s, struct scav_pass *p)
{
	int ret = 0;

	while (!scav_pass_over(p)) {
		ret = scav_reclaim_batch(s, p, 0);
		if (ret)
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	return ret == -ENOENT ? 0 : ret;
}

/*
 * One batch for the aging worker or the shrinker.  A session that yields
 * nothing (busy, out of memory, nothing left) is skipped for the rest of
 * @round.  Returns 0, -ENOENT, -EBUSY or -ENOMEM.
 */
int scav_reclaim_try(struct scav_session *s, struct scav_pass *p, u64 round)
{
	int ret = scav_reclaim_batch(s, p, round);

	if (ret == -EBUSY)
		atomic64_inc(&scav_stats.busy_skips[p->cause]);
	if (ret) {
		spin_lock(&s->rlock);
		s->busy_round[p->cause] = round;
		spin_unlock(&s->rlock);
	}
	return ret;
}

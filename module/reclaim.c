// SPDX-License-Identifier: GPL-2.0
/*
 * Discarding idle memory of a session, oldest first: on request (blocking
 * mmap lock), and for the aging worker and the shrinker (trylock only).
 * Reclaimers take no session lock but the spinlock: the piece a reclaimer
 * discards is carved out and made busy first (see ranges.h), so several
 * reclaimers work on one session side by side, and claims wait only for the
 * pieces they overlap.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "netlink.h"
#include "session.h"
#include "vma.h"

/*
 * One zap covers at most a PMD-aligned 2 MiB block, so a zap never splits a
 * huge page the range covers whole.  The mmap lock is dropped after
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
 * Under the spinlock and the mmap read lock: pick the oldest kept piece,
 * clamp it to one VMA and one block, carve it out and make it busy.  The
 * VMA, if it may be discarded, is returned in @eligible.
 */
static int scav_pick_piece(struct scav_session *s, struct scav_pass *p,
			   struct scav_spare *sp, unsigned long *start,
			   unsigned long *end, struct vm_area_struct **eligible)
{
	struct vm_area_struct *vma;
	struct scav_node *n;

	if (s->closed)
		return -ENOENT;
	n = scav_ranges_oldest(&s->ranges, p->id, p->stamp_max);
	if (!n)
		return -ENOENT;
	*start = n->start;
	*end = scav_piece_end(n, p);
	vma = find_vma(s->mm, *start);
	*eligible = NULL;
	if (vma && vma->vm_start <= *start) {
		*end = min(*end, vma->vm_end);
		if (scav_vma_eligible(vma))
			*eligible = vma;
	} else if (vma) {
		/* An unmap in flight: its notifier is about to drop this. */
		*end = min(*end, vma->vm_start);
	}
	n = scav_ranges_carve(&s->ranges, *start, *end, sp);
	if (!n)
		return -ENOMEM;
	scav_ranges_set_busy(&s->ranges, n, true);
	return 0;
}

/*
 * Discard the oldest kept piece if its VMA is (still) eligible, or mark it
 * skipped for this pass if not.  Returns 0 on progress, -ENOENT when nothing
 * old enough is left.
 */
static int scav_reclaim_step(struct scav_session *s, struct scav_pass *p,
			     struct scav_spare *sp, gfp_t gfp)
{
	struct vm_area_struct *eligible;
	unsigned long start, end;
	u64 bytes;
	int ret;

	ret = scav_spare_fill(sp, gfp);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	ret = scav_pick_piece(s, p, sp, &start, &end, &eligible);
	spin_unlock(&s->rlock);
	if (ret)
		return ret;

	if (eligible)
		scav_zap(eligible, start, end - start);

	spin_lock(&s->rlock);
	bytes = scav_ranges_settle(&s->ranges, start, end, eligible, p->id);
	s->reclaimed_bytes[p->cause] += bytes;
	spin_unlock(&s->rlock);
	if (wq_has_sleeper(&s->busy_wq))
		wake_up_all(&s->busy_wq);

	atomic64_add(bytes, &scav_stats.reclaimed_bytes[p->cause]);
	p->budget -= min(bytes, p->budget);
	p->bytes += bytes;
	return 0;
}

/* This session's pass for @round (0: a request, a fresh pass). */
static void scav_pass_id(struct scav_session *s, struct scav_pass *p, u64 round)
{
	spin_lock(&s->rlock);
	if (!round) {
		if (!p->id)
			p->id = ++s->pass;
	} else {
		if (s->round[p->cause] != round) {
			s->round_pass[p->cause] = ++s->pass;
			s->round[p->cause] = round;
		}
		p->id = s->round_pass[p->cause];
	}
	spin_unlock(&s->rlock);
}

/*
 * One batch under the mmap read lock.  @round 0 is a request: a blocking
 * lock.  Otherwise only a trylock (-EBUSY), no allocation that could recurse
 * into reclaim, and one pass per session per round, so pieces skipped once
 * stay skipped for the round.
 */
static int scav_reclaim_batch(struct scav_session *s, struct scav_pass *p,
			      u64 round)
{
	gfp_t gfp = p->cause == SCAV_CAUSE_PRESSURE ?
		    GFP_NOWAIT | __GFP_NOWARN : GFP_KERNEL;
	struct scav_spare sp = {};
	unsigned long rss;
	int ret = 0, steps;

	if (!mmget_not_zero(s->mm))
		return -ENOENT;
	if (!round && mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto put;
	}
	if (round && !mmap_read_trylock(s->mm)) {
		ret = -EBUSY;
		goto put;
	}
	scav_pass_id(s, p, round);

	rss = scav_anon_rss_pages(s->mm);
	for (steps = 0; steps < SCAV_BATCH_STEPS; steps++) {
		ret = scav_reclaim_step(s, p, &sp, gfp);
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
	scav_spare_release(&sp);
	return ret;
}

/*
 * Memory pressure found a session's mmap lock taken (a writer holds it, or
 * waits for it).  The shrinker must not wait, but a worker may: it queues
 * behind the writer like any reader, and reclaims what pressure asked for.
 * The workqueue has a rescuer (WQ_MEM_RECLAIM), so this works when memory
 * is short.
 */
static struct workqueue_struct *scav_wq;

void scav_reclaim_defer(struct scav_session *s, unsigned long pages)
{
	atomic_long_add(pages, &s->pressure_pages);
	refcount_inc(&s->ref);
	if (!queue_work(scav_wq, &s->pressure_work))
		scav_session_put(s);
}

void scav_pressure_work(struct work_struct *work)
{
	struct scav_session *s = container_of(work, struct scav_session,
					      pressure_work);
	struct scav_pass p = {
		.cause = SCAV_CAUSE_PRESSURE,
		.stamp_max = get_jiffies_64(),
		.budget = (u64)atomic_long_xchg(&s->pressure_pages, 0) << PAGE_SHIFT,
	};

	if (scav_cfg(enabled) && scav_cfg(shrinker_enabled))
		scav_reclaim_request(s, &p);
	atomic64_inc(&scav_stats.deferred_reclaims);
	scav_session_put(s);
}

int scav_reclaim_init(void)
{
	scav_wq = alloc_workqueue("scav", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	return scav_wq ? 0 : -ENOMEM;
}

/* After the shrinker and the aging worker are gone: runs what is queued. */
void scav_reclaim_exit(void)
{
	destroy_workqueue(scav_wq);
}

/* SCAV_IOC_RECLAIM: until done, out of budget, or a fatal signal. */
int scav_reclaim_request(struct scav_session *s, struct scav_pass *p)
{
	u64 before = p->bytes;
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
	if (p->bytes > before)
		scav_nl_reclaim_event(s, p->bytes - before, p->cause);
	return ret == -ENOENT ? 0 : ret;
}

/*
 * One batch for the aging worker or the shrinker.  A session that yields
 * nothing (mmap lock busy, out of memory, nothing left) is skipped for the
 * rest of @round.  Returns 0, -ENOENT, -EBUSY or -ENOMEM.
 */
int scav_reclaim_try(struct scav_session *s, struct scav_pass *p, u64 round)
{
	u64 before = p->bytes;
	int ret = scav_reclaim_batch(s, p, round);

	if (p->bytes > before)
		scav_nl_reclaim_event(s, p->bytes - before, p->cause);
	if (ret == -EBUSY)
		atomic64_inc(&scav_stats.busy_skips[p->cause]);
	if (ret) {
		spin_lock(&s->rlock);
		s->busy_round[p->cause] = round;
		spin_unlock(&s->rlock);
	}
	return ret;
}

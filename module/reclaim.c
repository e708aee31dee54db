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
#include <linux/memcontrol.h>
#include <linux/poll.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "netlink.h"
#include "reclaim.h"
#include "session.h"
#include "vma.h"
#include "walk.h"

/*
 * One zap covers at most a PMD-aligned 2 MiB block, so a zap never splits a
 * huge page the range covers whole.  The mmap lock is dropped after
 * SCAV_BATCH_STEPS zaps, or sooner if the scheduler asks.
 */
#define SCAV_ZAP_MAX		PMD_SIZE
#define SCAV_BATCH_STEPS	64

/*
 * The stamp of memory reported @ms milliseconds ago: ranges stamped at or
 * before it are at least that old.  An age beyond the jiffies clock gives 0,
 * before every stamp (the clock starts at INITIAL_JIFFIES), so that no range
 * qualifies, rather than wrapping around to all of them.
 */
static u64 scav_stamp_before(u64 ms)
{
	u64 now = get_jiffies_64();

	if (ms >= jiffies64_to_msecs(now))
		return 0;
	return now - DIV_ROUND_UP(ms * HZ, MSEC_PER_SEC);
}

/*
 * A pass of @cause over memory idle for at least @min_age_ms, the one place
 * an age becomes a threshold; no budget yet (the caller's to set).
 */
void scav_pass_init(struct scav_pass *p, enum scav_cause cause, u64 min_age_ms)
{
	static atomic64_t serial;

	memset(p, 0, sizeof(*p));
	p->cause = cause;
	p->serial = atomic64_inc_return(&serial);
	p->map_chunks = SCAV_MAP_PASS_CHUNKS;
	p->start = get_jiffies_64();
	p->stamp_max = scav_stamp_before(min_age_ms);
}


/*
 * A request's piece of [start, end): up to the end of its 2 MiB block, and
 * exactly its byte budget, which counts reported bytes.  With no budget, all
 * of it at once: a huge range that holds nothing costs one zap, not one per
 * block.
 */
static unsigned long scav_request_end(unsigned long start, unsigned long end,
				      const struct scav_pass *p)
{
	if (p->budget == U64_MAX)
		return end;
	end = min(end, ALIGN_DOWN(start, SCAV_ZAP_MAX) + SCAV_ZAP_MAX);
	if (end - start <= p->budget)
		return end;
	return start + max_t(u64, PAGE_SIZE, ALIGN_DOWN(p->budget, PAGE_SIZE));
}

/* What reclaim found to do with the oldest kept node of a session. */
struct scav_piece {
	unsigned long start, end;
	struct vm_area_struct *vma;	/* eligible VMA holding it, or NULL */
	bool whole;			/* no room to split: the node's end */
	struct scav_walk w;		/* charged passes: what it holds */
};

/*
 * Under the spinlock: the oldest kept node of the pass, clamped to one VMA.
 * A node whose VMA became ineligible (mlock(), userfaultfd, mseal()) is
 * skipped for the pass, and counts as a step.
 */
static int scav_pick_piece(struct scav_session *s, struct scav_pass *p,
			   struct scav_spare *sp, struct scav_piece *pc)
{
	struct vm_area_struct *vma;
	struct scav_node *n;

	lockdep_assert_held(&s->rlock);
	scav_mmap_assert_locked(s->mm);
	if (s->closed)
		return -ENOENT;
	n = scav_ranges_oldest(&s->ranges, p->id, p->stamp_max);
	if (!n)
		return -ENOENT;
	pc->start = n->start;
	pc->end = n->end;
	pc->vma = NULL;
	vma = find_vma(s->mm, pc->start);
	if (vma && vma->vm_start <= pc->start) {
		pc->end = min(pc->end, vma->vm_end);
		if (scav_vma_eligible(vma))
			pc->vma = vma;
	} else if (vma) {
		/* An unmap in flight: its notifier is about to drop this. */
		pc->end = min(pc->end, vma->vm_start);
	}
	/* A split to come needs room under the bounds (scav_session_room()). */
	pc->whole |= !scav_session_room(s, 1);
	if (pc->vma && !pc->whole)
		return 0;
	/*
	 * Skip the part in this VMA: carved off when the node goes on into
	 * another VMA and there is room, else all of the node.
	 */
	if (pc->end < n->end && !pc->whole)
		n = scav_ranges_carve(&s->ranges, pc->start, pc->end, sp) ?: n;
	if (!pc->vma || pc->end < n->end) {
		scav_ranges_skip(&s->ranges, n, p->id);
		return -EAGAIN;
	}
	return 0;
}

/*
 * Outside the spinlock, under the mmap read lock: how far the piece goes.
 * Aging and pressure charge their budgets by the resident memory a piece
 * holds, not by its size, so that a huge idle range that holds nothing
 * costs them nothing and cannot hold back everybody else's memory; they
 * take whole 2 MiB blocks rather than split a huge page for the last bytes
 * of a budget.  The walk also tells the shrinker what the zap frees.
 */
static void scav_size_piece(struct scav_session *s, struct scav_pass *p,
			    struct scav_piece *pc)
{
	if (scav_pass_charged(p)) {
		pc->w.limit = pc->whole ? 0 : p->budget;
		scav_walk_range(s->mm, pc->start, pc->end, &pc->w);
		pc->end = pc->w.end;
	} else if (!pc->whole) {
		pc->end = scav_request_end(pc->start, pc->end, p);
	}
}

/* What pressure discarded, for SCAV_IOC_PRESSURE and poll(). */
void scav_pressure_note(struct scav_session *s, const struct scav_pass *p,
			       u64 bytes)
{
	lockdep_assert_held(&s->rlock);
	if (!bytes)
		return;
	if (p->cgroup_id) {
		s->pressure_cgroup_bytes += bytes;
		s->pressure_cgroup_id = p->cgroup_id;
	} else {
		s->pressure_global_bytes += bytes;
	}
}

/*
 * Discard the oldest kept piece of the session.  Returns 0 on progress
 * (a skip counts), -ENOENT when nothing old enough is left.
 */
static int scav_reclaim_step(struct scav_session *s, struct scav_pass *p,
			     struct scav_spare *sp, gfp_t gfp)
{
	struct scav_piece pc = {};
	struct scav_node *n;
	u64 bytes;
	int ret;

	/*
	 * Without spare nodes (memory is short, or the owner's cgroup is at
	 * its limit) reclaim still goes on: it takes whole nodes, which need
	 * no split.
	 */
	if (p->no_spares != s && scav_spare_fill(sp, gfp))
		p->no_spares = s;
	pc.whole = p->no_spares == s;

	spin_lock(&s->rlock);
	ret = scav_pick_piece(s, p, sp, &pc);
	spin_unlock(&s->rlock);
	if (ret)
		return ret == -EAGAIN ? 0 : ret;

	scav_size_piece(s, p, &pc);

	/*
	 * The node may have changed meanwhile (a claim): then look again.  Or
	 * been claimed and reported anew, younger than the pass may take.
	 */
	spin_lock(&s->rlock);
	n = scav_ranges_at(&s->ranges, pc.start);
	if (n && n->stamp <= p->stamp_max)
		n = scav_ranges_carve(&s->ranges, pc.start, pc.end, sp);
	else
		n = NULL;
	if (n)
		scav_ranges_set_busy(&s->ranges, n, true);
	spin_unlock(&s->rlock);
	if (!n)
		return 0;

	scav_zap(pc.vma, pc.start, pc.end - pc.start);

	spin_lock(&s->rlock);
	bytes = scav_ranges_settle(&s->ranges, pc.start, pc.end);
	s->reclaimed_bytes[p->cause] += bytes;
	if (p->cause == SCAV_CAUSE_PRESSURE)
		scav_pressure_note(s, p, bytes);
	spin_unlock(&s->rlock);
	if (wq_has_sleeper(&s->busy_wq))
		wake_up_all(&s->busy_wq);
	if (p->cause == SCAV_CAUSE_PRESSURE && bytes && wq_has_sleeper(&s->poll_wq))
		wake_up_poll(&s->poll_wq, EPOLLPRI);

	atomic64_add(bytes, &scav_totals.reclaimed_bytes[p->cause]);
	p->budget -= min(scav_pass_charged(p) ? pc.w.resident : bytes, p->budget);
	p->bytes += bytes;
	p->resident += pc.w.resident;
	p->freed_pages += pc.w.exclusive >> PAGE_SHIFT;
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
		/* A later round's pass, if one came meanwhile: see pick. */
		if (s->round[p->cause] < round) {
			s->round_pass[p->cause] = ++s->pass;
			s->round[p->cause] = round;
		}
		p->id = s->round_pass[p->cause];
	}
	spin_unlock(&s->rlock);
}

/*
 * One batch under the mmap read lock.  @round 0 is a request: a blocking
 * lock.  Otherwise only a trylock (-EBUSY) and one pass per session per
 * round, so pieces skipped once stay skipped for the round.
 *
 * The spare nodes a carve needs belong to the session: they are charged to
 * its owner's memory cgroup, not to whoever runs the reclaim (a worker,
 * another process's allocation, an administrator).  Pressure allocates
 * nothing that could recurse into reclaim.  Others may reclaim once, but
 * never call the OOM killer: a cgroup at its limit would otherwise lose a
 * process for a node that was to free its memory (__GFP_NORETRY fails the
 * charge instead).  They fill the spares before the mmap lock, so that the
 * refills under it are few (a carve uses at most two).  After a failure
 * the pass stops trying for that session, and takes its whole nodes.
 */
static int scav_reclaim_batch(struct scav_session *s, struct scav_pass *p,
			      u64 round)
{
	const gfp_t gfp = p->cause == SCAV_CAUSE_PRESSURE ?
			  GFP_NOWAIT | __GFP_NOWARN :
			  GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN;
	struct mem_cgroup *memcg, *old;
	struct scav_spare sp = {};
	int ret = 0, steps;

	if (!mmget_not_zero(s->mm))
		return -ENOENT;
	memcg = get_mem_cgroup_from_mm(s->mm);
	old = set_active_memcg(memcg);
	if (p->cause != SCAV_CAUSE_PRESSURE && p->no_spares != s &&
	    scav_spare_fill(&sp, gfp))
		p->no_spares = s;
	if (!round && mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto put;
	}
	if (round && !mmap_read_trylock(s->mm)) {
		ret = -EBUSY;
		goto put;
	}
	scav_pass_id(s, p, round);
	for (steps = 0; steps < SCAV_BATCH_STEPS; steps++) {
		ret = scav_reclaim_step(s, p, &sp, gfp);
		if (ret || scav_pass_over(p) || need_resched())
			break;
	}
	mmap_read_unlock(s->mm);
put:
	set_active_memcg(old);
	mem_cgroup_put(memcg);
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

static void scav_reclaim_defer(struct scav_session *s, unsigned long pages,
			       u64 cgroup_id)
{
	atomic64_set(&s->deferred_cgroup_id, cgroup_id);
	atomic_long_add(pages, &s->pressure_pages);
	refcount_inc(&s->ref);
	if (!queue_work(scav_wq, &s->pressure_work))
		scav_session_put(s);
}

void scav_pressure_work(struct work_struct *work)
{
	struct scav_session *s = container_of(work, struct scav_session,
					      pressure_work);
	struct scav_pass p;

	scav_pass_init(&p, SCAV_CAUSE_PRESSURE, 0);
	p.budget = (u64)atomic_long_xchg(&s->pressure_pages, 0) << PAGE_SHIFT;
	p.cgroup_id = atomic64_read(&s->deferred_cgroup_id);
	if (scav_cfg(enabled) && scav_cfg(shrinker_enabled))
		scav_reclaim_session(s, &p);
	atomic64_inc(&scav_totals.deferred_reclaims);
	atomic_long_add(p.freed_pages, &s->pressure_freed);
	atomic_inc_return_release(&s->pressure_runs);
	wake_up_all(&s->busy_wq);
	scav_session_put(s);
}

/*
 * A reclaimer that may sleep waits a little for the work it deferred, and
 * counts what that freed as its own progress: otherwise a process that
 * keeps its mmap lock busy (mmap and munmap in a loop) would have its idle
 * memory given up only after the OOM killer ran, since reclaim that makes
 * no progress gives up in a few rounds.  Never for its own process, whose
 * mmap lock it may hold itself, and never for long: the worker waits for
 * the lock, the reclaimer only for the worker, at most SCAV_DEFER_WAIT, and
 * once a pass: not for every busy session in turn.  kswapd never waits: it
 * reclaims for everyone, and the worker does the job anyway.
 */
#define SCAV_DEFER_WAIT	(HZ / 2)

static void scav_reclaim_defer_wait(struct scav_session *s, struct scav_pass *p,
				    unsigned long pages)
{
	int runs = atomic_read_acquire(&s->pressure_runs);
	long freed = atomic_long_read(&s->pressure_freed);

	/* Once a pass: its ranges and its map pages may both find it busy. */
	if (atomic64_xchg(&s->deferred_pass, p->serial) == p->serial)
		return;
	scav_reclaim_defer(s, pages, p->cgroup_id);
	if (!p->may_wait || current->mm == s->mm || current_is_kswapd())
		return;
	p->may_wait = false;
	wait_event_timeout(s->busy_wq,
			   atomic_read_acquire(&s->pressure_runs) != runs,
			   SCAV_DEFER_WAIT);
	p->freed_pages += atomic_long_read(&s->pressure_freed) - freed;
}

/*
 * An aging or pressure pass found @s's mmap lock busy: it is counted, and
 * pressure leaves the session's share to a worker that waits for the lock.
 */
void scav_reclaim_busy(struct scav_session *s, struct scav_pass *p)
{
	atomic64_inc(&scav_totals.busy_skips[p->cause]);
	if (p->cause == SCAV_CAUSE_PRESSURE)
		scav_reclaim_defer_wait(s, p, min_t(u64, p->budget >> PAGE_SHIFT,
						    totalram_pages()));
}

/* Work that must not run where it was asked for (reclaim); drained at exit. */
void scav_defer_work(struct work_struct *work)
{
	queue_work(scav_wq, work);
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

/*
 * All of one session's idle memory the pass covers, until done, out of
 * budget, or a fatal signal: SCAV_IOC_RECLAIM, SCAV_CMD_RECLAIM, and
 * pressure reclaim deferred to a worker.  Blocks on the mmap lock.
 */
int scav_reclaim_session(struct scav_session *s, struct scav_pass *p)
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
		scav_nl_reclaim_event(s, p->bytes - before, p->cause, p->cgroup_id);
	/*
	 * Map pages after the ranges: of one session, whose memory it is
	 * (a request), or whose share a shrinker left here; aging and the
	 * shrinkers go oldest first across both (scav_reclaim_loop()).
	 */
	if ((!ret || ret == -ENOENT) && !scav_pass_over(p)) {
		int m = scav_map_pass(s, p, false);

		if (m != -ENOENT)
			ret = m;
	}
	return ret == -ENOENT ? 0 : ret;
}

/*
 * One batch for the aging worker or the shrinker, of @s's ranges or, with
 * @map, of its map.  A session that yields nothing (mmap lock busy, out of
 * memory, its process gone) is skipped for the rest of @round; one whose
 * ranges the round has taken may still have map pages to give.  Returns 0,
 * -ENOENT, -EBUSY or -ENOMEM.
 */
static int scav_reclaim_try(struct scav_session *s, struct scav_pass *p,
			    u64 round, bool map)
{
	u64 before = p->bytes;
	int ret;

	if (map) {
		ret = scav_map_batch(s, p, round);
	} else {
		ret = scav_reclaim_batch(s, p, round);
		if (p->bytes > before)
			scav_nl_reclaim_event(s, p->bytes - before, p->cause,
					      p->cgroup_id);
		/* No range left, but maybe map pages (closed: nothing). */
		if (ret == -ENOENT && !READ_ONCE(s->closed) &&
		    atomic_read(&s->mm->mm_users))
			ret = 0;
	}
	if (ret) {
		spin_lock(&s->rlock);
		s->busy_round[p->cause] = max(s->busy_round[p->cause], round);
		spin_unlock(&s->rlock);
	}
	return ret;
}

/*
 * The oldest idle memory of the sessions @v[0..@nr) (all sessions if @v is
 * NULL) that the pass covers, within its budgets: the one loop of the aging
 * worker and the shrinker, over ranges and map pages alike.  Each call is
 * a round, in which a session gives at most one pass (pieces it skipped
 * stay skipped, and its map is gone through once) and one whose mmap lock
 * was busy is not asked again.  Pressure that finds a session's mmap lock
 * taken leaves its share to a worker, which may wait for the lock
 * (scav_reclaim_defer()).  Map reports made since the last pass are
 * harvested first, so that their chunks count with their age.
 */
static void scav_reclaim_loop(struct scav_pass *p, struct scav_session **v,
			      unsigned int nr)
{
	static atomic64_t rounds[SCAV_NR_CAUSES];
	u64 round = atomic64_inc_return(&rounds[p->cause]);

	scav_map_harvest_among(v, nr);
	while (!scav_pass_over(p)) {
		bool map = false;
		struct scav_session *s = scav_session_pick(v, nr, p->cause, round,
							   p->stamp_max,
							   !scav_map_pass_over(p),
							   &map);

		if (!s)
			break;
		if (scav_reclaim_try(s, p, round, map) == -EBUSY)
			scav_reclaim_busy(s, p);
		scav_session_put(s);
		cond_resched();
	}
}

/* Aging, and the shrinker under the machine's pressure. */
void scav_reclaim_oldest(struct scav_pass *p)
{
	scav_reclaim_loop(p, NULL, 0);
}

/* The shrinker under a memory cgroup's pressure: its sessions only. */
void scav_reclaim_among(struct scav_pass *p, struct scav_session **v,
			unsigned int nr)
{
	scav_reclaim_loop(p, v, nr);
}

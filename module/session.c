// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the idle memory of one address space, from open to close.
 * The session list and ID table (for the reclaimers, sysfs and netlink),
 * the mmu notifier that forgets ranges whose mapping goes, the pick of the
 * session holding the oldest idle memory, and the figures.  The device and
 * its ioctls are in device.c.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <linux/scav.h>

#include "compat.h"
#include "memcg.h"
#include "netlink.h"
#include "reclaim.h"
#include "session.h"
#include "walk.h"

/* A cache of its own, so a leaked session makes kmem_cache_destroy() warn. */
static struct kmem_cache *scav_session_cache;

/* Open sessions, for the aging worker, the shrinker and sysfs. */
static LIST_HEAD(scav_session_list);
static DEFINE_SPINLOCK(scav_session_list_lock);

/*
 * Open sessions by ID, for netlink: a dump resumes after the last ID it
 * sent, however the set changed meanwhile.  IDs are handed out cyclically,
 * so one comes back only after four billion opens.  @scav_gen counts opens
 * and closes, for NLM_F_DUMP_INTR.
 */
static DEFINE_XARRAY_ALLOC1(scav_sessions_xa);
static u32 scav_next_id;
static atomic_t scav_gen;

/*
 * Idle bytes dropped without being claimed: unmapped, or the rest of a range
 * that a claim would have split with no room under the bounds.  Forgetting
 * is always safe: that memory is never discarded afterwards.
 */
void scav_forget(struct scav_session *s, u64 bytes)
{
	lockdep_assert_held(&s->rlock);
	s->forgotten_bytes += bytes;
	atomic64_add(bytes, &scav_totals.forgotten_bytes);
}

/*
 * Forget idle ranges whose mapping goes away (munmap, mremap, MAP_FIXED),
 * so memory mapped there later is never discarded.  Those paths send
 * MMU_NOTIFY_UNMAP, with the mmap lock held, before anything new can be
 * mapped at the address.  Other events (our own zaps, MADV_DONTNEED, COW,
 * migration, reclaim) leave the mapping in place and are ignored.  May run
 * in a non-blocking context (the OOM reaper): spinlock and GFP_NOWAIT only.
 */
static int scav_mn_invalidate_range_start(struct mmu_notifier *mn,
					  const struct mmu_notifier_range *range)
{
	struct scav_session *s = container_of(mn, struct scav_session, mn);
	struct scav_spare none = {};
	struct scav_removed gone = {};

	if (range->event != MMU_NOTIFY_UNMAP)
		return 0;

	/* A split needs room under the bounds; without, the rest is dropped. */
	spin_lock(&s->rlock);
	scav_ranges_remove(&s->ranges, range->start, range->end, &none,
			   scav_session_room(s, 1) ? GFP_NOWAIT | __GFP_NOWARN : 0,
			   &gone);
	scav_forget(s, gone.kept + gone.lazy + gone.discarded + gone.lost);
	scav_map_unmapped(s, range->start, range->end);
	spin_unlock(&s->rlock);
	return 0;
}

/*
 * The mm is being torn down (the opener exited or exec()ed): the session
 * ends, so that it no longer shows in netlink under a PID that may be
 * reused, even while another process still holds the descriptor.  Nothing
 * can be busy: every discard and claim holds a reference on the mm.
 */
static void scav_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	scav_session_end(container_of(mn, struct scav_session, mn));
}

/*
 * After the last reference and an SRCU grace period: closing costs no
 * synchronize_srcu(), and module exit waits for these in
 * mmu_notifier_synchronize().  At once, from scav_session_put(), for a
 * session that never registered its notifier.
 */
static void scav_mn_free(struct mmu_notifier *mn)
{
	struct scav_session *s = container_of(mn, struct scav_session, mn);

	mmdrop(s->mm);
	put_pid(s->pid);
	kmem_cache_free(scav_session_cache, s);
}

static const struct mmu_notifier_ops scav_mn_ops = {
	.invalidate_range_start = scav_mn_invalidate_range_start,
	.release = scav_mn_release,
	.free_notifier = scav_mn_free,
};

/*
 * After the last close: the session holds no node now and can gain none
 * (it is ended, and no ioctl can run any more), so its user goes.  Workers
 * may hold the session a while longer; should a bug let one add a node,
 * it counts against nobody rather than against freed memory.
 */
static atomic_long_t scav_no_user_nodes;

static void scav_session_release_user(struct scav_session *s)
{
	scav_user_put(s->user);
	s->user = NULL;
	s->ranges.user_nodes = &scav_no_user_nodes;
}

/*
 * Any context, reclaim included: mmu_notifier_put() only defers, and a
 * session without a notifier (no ioctl ever ran) was never seen by one.
 * Registration happens in an ioctl, which holds the file and so a
 * reference: the last put comes after it.
 */
void scav_session_put(struct scav_session *s)
{
	if (!refcount_dec_and_test(&s->ref))
		return;
	if (READ_ONCE(s->mn_registered))
		mmu_notifier_put(&s->mn);
	else
		scav_mn_free(&s->mn);
}

/*
 * Register the session's mmu notifier, once, from an ioctl of its owner:
 * its first one other than VERSION, which has nothing to do with the
 * session, so that a caller's check of the ABI does not fail with EINTR
 * when a signal interrupts the registration.  Not at open(): misc_open()
 * holds the misc device mutex across the driver's open on 6.1 and 6.12,
 * and the registration waits for the opener's mmap lock and takes the
 * locks of all its VMAs (mm_take_all_locks()).  A process that kept its
 * own mmap lock busy would have stalled every open of every misc device on
 * the machine (/dev/fuse, /dev/net/tun, /dev/kvm ...).  Nothing needs the
 * notifier before then: ranges come only from REPORT.  0, or -EBADF (ended
 * meanwhile), -EINTR, -ERESTARTSYS, -ENOMEM.
 */
int scav_session_attach(struct scav_session *s)
{
	int ret;

	/* Set once, under the mutex, and read here without it. */
	if (smp_load_acquire(&s->mn_registered))
		return 0;
	if (mutex_lock_killable(&s->mn_lock))
		return -EINTR;
	ret = 0;
	/* Ended meanwhile: its ioctls fail with EBADF, registered or not. */
	if (READ_ONCE(s->closed))
		ret = -EBADF;
	else if (!s->mn_registered) {
		s->mn.ops = &scav_mn_ops;
		/* The caller's mm is the session's: it holds mm_users. */
		ret = mmu_notifier_register(&s->mn, s->mm);
		/*
		 * An mm's first notifier takes the locks of all its VMAs and
		 * gives up with -EINTR if a signal is pending meanwhile
		 * (mm_take_all_locks()).  Restart the call after the signal
		 * instead: a runtime that signals its threads all the time
		 * (Go preempts with SIGURG) would otherwise see it fail often.
		 */
		if (ret == -EINTR)
			ret = -ERESTARTSYS;
		if (!ret)
			smp_store_release(&s->mn_registered, true);
	}
	mutex_unlock(&s->mn_lock);
	return ret;
}

/* A session of the calling process's address space, or an ERR_PTR(). */
struct scav_session *scav_session_create(void)
{
	struct scav_session *s;
	int ret;

	if (!current->mm)
		return ERR_PTR(-EINVAL);

	s = kmem_cache_zalloc(scav_session_cache, GFP_KERNEL_ACCOUNT);
	if (!s)
		return ERR_PTR(-ENOMEM);
	init_waitqueue_head(&s->busy_wq);
	init_waitqueue_head(&s->poll_wq);
	INIT_WORK(&s->pressure_work, scav_pressure_work);
	mutex_init(&s->link_lock);
	spin_lock_init(&s->rlock);
	scav_ranges_setup(&s->ranges, &s->rlock);
	refcount_set(&s->ref, 1);
	s->user = scav_user_get();
	if (IS_ERR(s->user)) {
		ret = PTR_ERR(s->user);
		kmem_cache_free(scav_session_cache, s);
		return ERR_PTR(ret);
	}
	s->ranges.user_nodes = &s->user->nodes;
	s->pid = get_pid(task_tgid(current));
	get_task_comm(s->comm, current);
	s->mm = current->mm;
	mmgrab(s->mm);
	mutex_init(&s->mn_lock);
	ret = xa_alloc_cyclic(&scav_sessions_xa, &s->id, s, XA_LIMIT(1, U32_MAX),
			      &scav_next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		scav_session_release_user(s);
		scav_session_put(s);
		return ERR_PTR(ret);
	}
	atomic_inc(&scav_gen);
	spin_lock(&scav_session_list_lock);
	list_add_tail(&s->node, &scav_session_list);
	spin_unlock(&scav_session_list_lock);
	atomic_long_inc(&scav_totals.sessions);
	scav_nl_session_event(s, SCAV_EVENT_SESSION_OPEN);
	return s;
}

/*
 * The open session with the lowest ID at or above *@id, with a reference;
 * *@id is set to its ID.  NULL when there is none.
 */
struct scav_session *scav_session_next(unsigned long *id)
{
	struct scav_session *s;

	xa_lock(&scav_sessions_xa);
	s = xa_find(&scav_sessions_xa, id, U32_MAX, XA_PRESENT);
	/*
	 * Not one that made no ioctl yet: it holds nothing, and without its
	 * notifier it does not end when its opener's mm goes, so it could
	 * show under a PID since reused (see scav_session_attach()).
	 */
	while (s && !smp_load_acquire(&s->mn_registered))
		s = xa_find_after(&scav_sessions_xa, id, U32_MAX, XA_PRESENT);
	/* Erased before the file drops its reference: still alive. */
	if (s)
		refcount_inc(&s->ref);
	xa_unlock(&scav_sessions_xa);
	return s;
}

u32 scav_sessions_gen(void)
{
	return atomic_read(&scav_gen);
}

static bool scav_settled(struct scav_session *s, unsigned long start,
			 unsigned long end)
{
	bool busy;

	spin_lock(&s->rlock);
	busy = scav_ranges_busy_in(&s->ranges, start, end);
	spin_unlock(&s->rlock);
	return !busy;
}

/*
 * Take @s->rlock with no busy node in [start, end): wait for discards (and
 * claims) in flight there to finish.  Returns with the lock held.
 */
void scav_lock_settled(struct scav_session *s, unsigned long start,
		       unsigned long end)
{
	for (;;) {
		spin_lock(&s->rlock);
		if (!scav_ranges_busy_in(&s->ranges, start, end))
			return;
		spin_unlock(&s->rlock);
		wait_event(s->busy_wq, scav_settled(s, start, end));
	}
}

/*
 * End the session: it leaves the session list and the ID table, and its
 * ranges go, after any discard in flight there, so that its owner may reuse
 * the memory as soon as this returns and the room they took under the
 * bounds is back at once.  From then on nothing of it is discarded, however
 * long another holder keeps the file.  Every caller waits for the discards
 * in flight, not only the first.
 */
void scav_session_end(struct scav_session *s)
{
	bool ended;

	spin_lock(&s->rlock);
	ended = s->closed;
	s->closed = true;
	spin_unlock(&s->rlock);
	if (!ended) {
		xa_erase(&scav_sessions_xa, s->id);
		atomic_inc(&scav_gen);
		spin_lock(&scav_session_list_lock);
		list_del_init(&s->node);
		spin_unlock(&scav_session_list_lock);
		atomic_long_dec(&scav_totals.sessions);
		scav_memcg_untrack(s);
		scav_nl_session_event(s, SCAV_EVENT_SESSION_CLOSE);
	}
	scav_lock_settled(s, 0, ULONG_MAX);
	scav_ranges_destroy(&s->ranges);
	spin_unlock(&s->rlock);
	/* The same for map pages: none is discarded once this returns. */
	scav_map_drop_all(s);
}

/*
 * The last close of the file: the session ends, its user goes, and the
 * file's reference with it.
 */
void scav_session_close(struct scav_session *s)
{
	scav_session_end(s);
	scav_session_release_user(s);
	scav_session_put(s);
}

/*
 * The stamp of @s's oldest idle memory that @round for @cause may still
 * take, if reported at or before @stamp_max: its oldest kept range not
 * skipped in the round, or with @maps its oldest pending map chunk if its
 * map was not gone through in the round (*@map says which); false if
 * there is none.
 */
static bool scav_session_oldest(struct scav_session *s, enum scav_cause cause,
				u64 round, u64 stamp_max, bool maps,
				u64 *stamp, bool *map)
{
	struct scav_node *n = NULL;
	bool found = false;
	u64 pass, m;

	/*
	 * Rounds of one cause may run at once (kswapd, direct reclaimers,
	 * cgroups): marks only go forward, and a session a later round has
	 * found busy, or taken over, is done for the earlier ones.  Were they
	 * overwritten, two rounds would undo each other's marks and ask the
	 * same busy session again and again.
	 */
	spin_lock(&s->rlock);
	/* Closed: its ranges go at its end, after busy ones settle. */
	if (!s->closed && s->busy_round[cause] < round &&
	    s->round[cause] <= round) {
		pass = s->round[cause] == round ? s->round_pass[cause] : SCAV_NO_PASS;
		n = scav_ranges_oldest(&s->ranges, pass, stamp_max);
		if (n) {
			*stamp = n->stamp;
			*map = false;
			found = true;
		}
		if (maps && s->map_round[cause] < round &&
		    scav_map_oldest(s, stamp_max, cause != SCAV_CAUSE_PRESSURE,
				    &m) &&
		    (!found || time_before64(m, *stamp))) {
			*stamp = m;
			*map = true;
			found = true;
		}
	}
	spin_unlock(&s->rlock);
	return found;
}

/*
 * The open session whose oldest idle memory (scav_session_oldest()) is the
 * oldest, if reported at or before @stamp_max, with a reference; *@map
 * says whether that is a map chunk.  Among @v[0..@nr) if @v, else among
 * all sessions.
 */
struct scav_session *scav_session_pick(struct scav_session **v, unsigned int nr,
				       enum scav_cause cause, u64 round,
				       u64 stamp_max, bool maps, bool *map)
{
	struct scav_session *s, *best = NULL;
	u64 stamp, best_stamp = 0;
	unsigned int i;
	bool m;

	if (v) {
		for (i = 0; i < nr; i++)
			if (scav_session_oldest(v[i], cause, round, stamp_max,
						maps, &stamp, &m) &&
			    (!best || time_before64(stamp, best_stamp))) {
				best = v[i];
				best_stamp = stamp;
				*map = m;
			}
		if (best)
			refcount_inc(&best->ref);
		return best;
	}
	spin_lock(&scav_session_list_lock);
	list_for_each_entry(s, &scav_session_list, node)
		if (scav_session_oldest(s, cause, round, stamp_max, maps,
					&stamp, &m) &&
		    (!best || time_before64(stamp, best_stamp))) {
			best = s;
			best_stamp = stamp;
			*map = m;
		}
	if (best)
		refcount_inc(&best->ref);
	spin_unlock(&scav_session_list_lock);
	return best;
}

/*
 * Walk the page tables of every idle kept range: a snapshot, which discards
 * in flight elsewhere may already change.  Others may ask for it (netlink,
 * sysfs), so the owner's mmap lock is held for at most SCAV_WALK_BATCH
 * ranges at a time, and dropped whenever a writer waits or the scheduler
 * asks; a fatal signal to the asker ends the walk.
 */
#define SCAV_WALK_BATCH	64

static u64 scav_session_walk(struct scav_session *s, struct scav_walk *w)
{
	unsigned long addr = 0, start, end;
	unsigned int n = 0;
	u64 walked = 0;

	if (!mmget_not_zero(s->mm))
		return 0;
	if (mmap_read_lock_killable(s->mm))
		goto put;
	for (;;) {
		bool found;

		spin_lock(&s->rlock);
		found = !s->closed &&
			scav_ranges_next_kept(&s->ranges, addr, &start, &end);
		spin_unlock(&s->rlock);
		if (!found)
			break;
		scav_walk_range(s->mm, start, end, w);
		walked += end - start;
		addr = end;
		if (++n % SCAV_WALK_BATCH && !need_resched() &&
		    !mmap_lock_is_contended(s->mm))
			continue;
		mmap_read_unlock(s->mm);
		cond_resched();
		if (fatal_signal_pending(current) ||
		    mmap_read_lock_killable(s->mm))
			goto put;
	}
	mmap_read_unlock(s->mm);
put:
	mmput(s->mm);
	return walked;
}

/*
 * Pages the shrinker could free, for its count: per session, its kept idle
 * memory, but no more than the process has resident.  An estimate that
 * needs no page-table walk, cheap enough for reclaim to ask often, and that
 * takes no lock of the session (memcg.c asks under the list_lru's lock).
 */
unsigned long scav_session_reclaimable(struct scav_session *s)
{
	u64 kept = READ_ONCE(s->ranges.idle_bytes) -
		   READ_ONCE(s->ranges.discarded_bytes);
	/*
	 * Map chunks seen with idle pages: at most a chunk's pages each, but
	 * none of those a pass could take nothing of, which pressure leaves
	 * (scav_map_due()); a region with reports not yet harvested: its
	 * pages, until a pass harvests them (the scan that this count calls
	 * for).
	 */
	u64 map = (u64)READ_ONCE(s->map_ages.chunks) * SCAV_MAP_CHUNK_PAGES;

	if (READ_ONCE(s->map_regions))
		map += scav_map_unharvested(s);

	return min_t(u64, (kept >> PAGE_SHIFT) + map,
		     get_mm_counter(s->mm, MM_ANONPAGES));
}

unsigned long scav_sessions_reclaimable(void)
{
	struct scav_session *s;
	unsigned long pages = 0;

	spin_lock(&scav_session_list_lock);
	list_for_each_entry(s, &scav_session_list, node)
		pages += scav_session_reclaimable(s);
	spin_unlock(&scav_session_list_lock);
	return pages;
}

/*
 * For the module-wide figures: the idle and discarded bytes of all
 * sessions' page-state maps, added to @f (the ranges' are counted as they
 * change); with @w, what the page tables hold under all idle memory,
 * ranges and maps.
 */
void scav_sessions_map_count(struct scav_walk *w, struct scav_map_figures *f)
{
	struct scav_session **v = NULL, *s;
	size_t cap = 0, taken, total, i;

	/* A reference on every session, growing the array until all fit. */
	for (;;) {
		taken = total = 0;
		spin_lock(&scav_session_list_lock);
		list_for_each_entry(s, &scav_session_list, node) {
			if (taken < cap) {
				refcount_inc(&s->ref);
				v[taken++] = s;
			}
			total++;
		}
		spin_unlock(&scav_session_list_lock);
		if (total <= cap)
			break;
		for (i = 0; i < taken; i++)
			scav_session_put(v[i]);
		kvfree(v);
		cap = total + 16;
		v = kvmalloc_array(cap, sizeof(*v), GFP_KERNEL);
		if (!v) {
			taken = 0;
			break;
		}
	}
	for (i = 0; i < taken; i++) {
		if (w)
			scav_session_walk(v[i], w);
		scav_map_count(v[i], w, f);
		scav_session_put(v[i]);
	}
	kvfree(v);
}

/*
 * Room for @nodes more nodes under the bounds: the session's, its user's,
 * and the module's.  Every operation that adds nodes asks first, with the spinlock
 * held; those that cannot fail (claims, reclaim) forget or take whole
 * instead of splitting when there is none.
 */
bool scav_session_room(struct scav_session *s, unsigned int nodes)
{
	lockdep_assert_held(&s->rlock);
	return s->ranges.nr + nodes <= scav_cfg(max_ranges) &&
	       atomic_long_read(s->ranges.user_nodes) + nodes <=
	       scav_cfg(max_ranges_per_user) &&
	       atomic_long_read(&scav_nodes_total) + nodes <= scav_cfg(max_ranges_total);
}

/* The figures of SCAV_IOC_STATS; @flags are checked by the caller. */
void scav_session_stats(struct scav_session *s, u32 flags, struct scav_stats *st)
{
	struct scav_map_figures map = {};
	struct scav_walk w = {};

	if (flags & SCAV_STATS_RESIDENT)
		scav_session_walk(s, &w);
	/* Idle and discarded map pages count as idle ranges do. */
	scav_map_count(s, flags & SCAV_STATS_RESIDENT ? &w : NULL, &map);

	memset(st, 0, sizeof(*st));
	st->flags = flags;
	spin_lock(&s->rlock);
	st->idle_bytes = s->ranges.idle_bytes + map.idle;
	st->discarded_bytes = s->ranges.discarded_bytes + map.discarded;
	st->lazy_bytes = s->ranges.lazy_bytes;
	st->nr_ranges = s->ranges.nr;
	st->reported_bytes = s->reported_bytes;
	st->reclaimed_request_bytes = s->reclaimed_bytes[SCAV_CAUSE_REQUEST];
	st->reclaimed_age_bytes = s->reclaimed_bytes[SCAV_CAUSE_AGE];
	st->reclaimed_pressure_bytes = s->reclaimed_bytes[SCAV_CAUSE_PRESSURE];
	st->claimed_kept_bytes = s->claimed_kept_bytes;
	st->claimed_discarded_bytes = s->claimed_discarded_bytes;
	st->forgotten_bytes = s->forgotten_bytes;
	spin_unlock(&s->rlock);
	st->reclaimed_bytes = st->reclaimed_request_bytes + st->reclaimed_age_bytes +
			      st->reclaimed_pressure_bytes;
	st->anon_rss_bytes = (u64)scav_anon_rss_pages(s->mm) << PAGE_SHIFT;
	if (flags & SCAV_STATS_RESIDENT) {
		/*
		 * The walk went range by range before the figures above were
		 * read, while other threads may have claimed: the answer must
		 * still hold together, and no more can be resident than is
		 * kept idle (nor more lazily freed than resident).
		 */
		st->idle_resident_bytes = min(w.resident, st->idle_bytes -
					      st->discarded_bytes);
		st->lazyfree_bytes = min(w.lazyfree, st->idle_resident_bytes);
		st->used_rss_bytes = st->anon_rss_bytes > st->idle_resident_bytes ?
				     st->anon_rss_bytes - st->idle_resident_bytes : 0;
	}
}

int scav_session_init(void)
{
	scav_session_cache = KMEM_CACHE(scav_session, SLAB_ACCOUNT);
	return scav_session_cache ? 0 : -ENOMEM;
}

void scav_session_exit(void)
{
	/* Let notifier callbacks still in SRCU flight finish before unload. */
	mmu_notifier_synchronize();
	WARN_ON(!xa_empty(&scav_sessions_xa));
	kmem_cache_destroy(scav_session_cache);
}

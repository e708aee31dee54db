// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/scav: sessions and their ioctls.
 */
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include <linux/scav.h>

#include "compat.h"
#include "netlink.h"
#include "session.h"
#include "vma.h"
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
static void scav_forget(struct scav_session *s, u64 bytes)
{
	lockdep_assert_held(&s->rlock);
	s->forgotten_bytes += bytes;
	atomic64_add(bytes, &scav_stats.forgotten_bytes);
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
	spin_unlock(&s->rlock);
	return 0;
}

static void scav_session_end(struct scav_session *s);

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
 * mmu_notifier_synchronize().
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

/* Any context, reclaim included: mmu_notifier_put() only defers. */
void scav_session_put(struct scav_session *s)
{
	if (refcount_dec_and_test(&s->ref))
		mmu_notifier_put(&s->mn);
}

static int scav_open(struct inode *inode, struct file *file)
{
	struct scav_session *s;
	int ret;

	if (!current->mm)
		return -EINVAL;

	s = kmem_cache_zalloc(scav_session_cache, GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	init_waitqueue_head(&s->busy_wq);
	INIT_WORK(&s->pressure_work, scav_pressure_work);
	spin_lock_init(&s->rlock);
	scav_ranges_setup(&s->ranges);
	refcount_set(&s->ref, 1);
	s->uid = current_euid();
	s->user = scav_user_get(s->uid);
	if (!s->user) {
		kmem_cache_free(scav_session_cache, s);
		return -ENOMEM;
	}
	s->ranges.user_nodes = &s->user->nodes;
	s->pid = get_pid(task_tgid(current));
	get_task_comm(s->comm, current);
	s->mm = current->mm;
	mmgrab(s->mm);
	s->mn.ops = &scav_mn_ops;
	ret = mmu_notifier_register(&s->mn, s->mm);
	if (ret) {
		mmdrop(s->mm);
		put_pid(s->pid);
		scav_user_put(s->user);
		kmem_cache_free(scav_session_cache, s);
		/*
		 * An mm's first notifier takes the locks of all its VMAs and
		 * gives up with -EINTR if a signal is pending meanwhile
		 * (mm_take_all_locks()).  Restart the open after the signal
		 * instead: a runtime that signals its threads all the time
		 * (Go preempts with SIGURG) would otherwise fail it often.
		 */
		return ret == -EINTR ? -ERESTARTSYS : ret;
	}
	ret = xa_alloc_cyclic(&scav_sessions_xa, &s->id, s, XA_LIMIT(1, U32_MAX),
			      &scav_next_id, GFP_KERNEL_ACCOUNT);
	if (ret < 0) {
		scav_session_release_user(s);
		scav_session_put(s);
		return ret;
	}
	atomic_inc(&scav_gen);
	spin_lock(&scav_session_list_lock);
	list_add_tail(&s->node, &scav_session_list);
	spin_unlock(&scav_session_list_lock);
	atomic_long_inc(&scav_stats.sessions);
	file->private_data = s;
	scav_nl_session_event(s, SCAV_EVENT_SESSION_OPEN);
	return 0;
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
static void scav_lock_settled(struct scav_session *s, unsigned long start,
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
static void scav_session_end(struct scav_session *s)
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
		atomic_long_dec(&scav_stats.sessions);
		scav_nl_session_event(s, SCAV_EVENT_SESSION_CLOSE);
	}
	scav_lock_settled(s, 0, ULONG_MAX);
	scav_ranges_destroy(&s->ranges);
	spin_unlock(&s->rlock);
}

/*
 * Any close() of a descriptor of the session by its owner ends it, as any
 * close of a file releases the closer's POSIX record locks on it.  Ranges
 * dropped only at the last fput() would outlive the owner's close while a
 * fork child, a dup() elsewhere or an SCM_RIGHTS receiver kept the file,
 * and aging would then discard memory the owner had reused.  Closes by
 * other processes end nothing (they could not use the session anyway).
 */
static int scav_flush(struct file *file, fl_owner_t id)
{
	struct scav_session *s = file->private_data;

	if (current->mm == s->mm)
		scav_session_end(s);
	return 0;
}

static int scav_release(struct inode *inode, struct file *file)
{
	struct scav_session *s = file->private_data;

	scav_session_end(s);
	scav_session_release_user(s);
	scav_session_put(s);
	return 0;
}

/*
 * The open session whose oldest kept range, among those not skipped in
 * @round for @cause, is the oldest, if reported at or before @stamp_max;
 * with a reference.
 */
struct scav_session *scav_session_pick(enum scav_cause cause, u64 round,
				       u64 stamp_max)
{
	struct scav_session *s, *best = NULL;
	u64 best_stamp = 0;

	spin_lock(&scav_session_list_lock);
	list_for_each_entry(s, &scav_session_list, node) {
		struct scav_node *n;
		u64 pass;

		spin_lock(&s->rlock);
		if (s->busy_round[cause] == round) {
			spin_unlock(&s->rlock);
			continue;
		}
		pass = READ_ONCE(s->round[cause]) == round ?
		       READ_ONCE(s->round_pass[cause]) : SCAV_NO_PASS;
		n = scav_ranges_oldest(&s->ranges, pass, stamp_max);
		if (n && (!best || time_before64(n->stamp, best_stamp))) {
			best = s;
			best_stamp = n->stamp;
		}
		spin_unlock(&s->rlock);
	}
	if (best)
		refcount_inc(&best->ref);
	spin_unlock(&scav_session_list_lock);
	return best;
}

static u64 scav_session_walk(struct scav_session *s, struct scav_walk *w);

/*
 * Pages the shrinker could free, for its count: per session, its kept idle
 * memory, but no more than the process has resident.  An estimate that
 * needs no page-table walk, cheap enough for reclaim to ask often.
 */
unsigned long scav_sessions_reclaimable(void)
{
	struct scav_session *s;
	unsigned long pages = 0;

	spin_lock(&scav_session_list_lock);
	list_for_each_entry(s, &scav_session_list, node) {
		u64 kept = READ_ONCE(s->ranges.idle_bytes) -
			   READ_ONCE(s->ranges.discarded_bytes);

		pages += min_t(u64, kept >> PAGE_SHIFT,
			       get_mm_counter(s->mm, MM_ANONPAGES));
	}
	spin_unlock(&scav_session_list_lock);
	return pages;
}

/* Idle resident and lazily freed bytes of all sessions, for sysfs. */
void scav_sessions_resident(u64 *resident, u64 *lazyfree)
{
	struct scav_session **v = NULL, *s;
	struct scav_walk w = {};
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
		scav_session_walk(v[i], &w);
		scav_session_put(v[i]);
	}
	kvfree(v);
	*resident = w.resident;
	*lazyfree = w.lazyfree;
}

static long scav_ioc_version(void __user *argp)
{
	struct scav_version v = {
		.abi_major = SCAV_ABI_MAJOR,
		.abi_minor = SCAV_ABI_MINOR,
		.features = SCAV_FEATURE_UNMAP_TRACKING | SCAV_FEATURE_LAZYFREE |
			    SCAV_FEATURE_RESIDENT | SCAV_FEATURE_AGING,
		.max_ranges_per_call = SCAV_MAX_RANGES_PER_CALL,
		.max_ranges = scav_cfg(max_ranges),
		.page_size = PAGE_SIZE,
	};

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

/* Flags and reserved fields must be zero, so that they can gain meaning. */
static bool scav_args_ok(u32 flags, u32 reserved0, const u64 *reserved, size_t n)
{
	if (flags || reserved0)
		return false;
	while (n--)
		if (*reserved++)
			return false;
	return true;
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

/*
 * SCAV_REPORT_DISCARD: drop any idle state of the range (after discards in
 * flight there) and zap it at once, VMA by VMA; the caller checked them all.
 * A busy placeholder holds the range meanwhile, so that a report and claim
 * of it by another thread wait for the zap rather than be told "kept" of
 * memory about to be zapped.
 */
static void scav_discard_now(struct scav_session *s, unsigned long start,
			     unsigned long end, struct scav_spare *sp)
{
	struct scav_removed old = {};
	unsigned long addr;

	scav_lock_settled(s, start, end);
	scav_ranges_remove(&s->ranges, start, end, sp, 0, &old);
	scav_ranges_hold(&s->ranges, start, end, sp);
	s->reported_bytes += end - start;
	s->reclaimed_bytes[SCAV_CAUSE_REQUEST] += end - start;
	spin_unlock(&s->rlock);
	atomic64_add(end - start, &scav_stats.reported_bytes);
	atomic64_add(end - start, &scav_stats.reclaimed_bytes[SCAV_CAUSE_REQUEST]);

	for (addr = start; addr < end;) {
		struct vm_area_struct *vma = find_vma(s->mm, addr);
		unsigned long stop = min(end, vma->vm_end);

		scav_zap(vma, addr, stop - addr);
		addr = stop;
	}

	spin_lock(&s->rlock);
	scav_ranges_remove(&s->ranges, start, end, NULL, 0, &old);
	spin_unlock(&s->rlock);
	wake_up_all(&s->busy_wq);
}

static int scav_report_one(struct scav_session *s, const struct scav_range *r,
			   u32 flags, struct scav_spare *sp)
{
	unsigned long start = r->addr, end = r->addr + r->len;
	struct scav_removed old = {};
	int ret;

	if (!scav_range_valid(r->addr, r->len))
		return -EINVAL;
	ret = scav_vma_check(s->mm, start, end);
	if (ret)
		return ret;
	ret = scav_spare_fill(sp, GFP_KERNEL);
	if (ret)
		return ret;
	if (flags & SCAV_REPORT_DISCARD) {
		scav_discard_now(s, start, end, sp);
		return 0;
	}

	scav_lock_settled(s, start, end);
	if (s->closed) {
		spin_unlock(&s->rlock);
		return -EBADF;
	}
	/* One more range, and the split it may cause. */
	if (!scav_session_room(s, 2)) {
		spin_unlock(&s->rlock);
		return -ENOSPC;
	}
	scav_ranges_remove(&s->ranges, start, end, sp, 0, &old);
	scav_ranges_insert(&s->ranges, start, end, get_jiffies_64(),
			   flags & SCAV_REPORT_LAZYFREE, sp);
	s->reported_bytes += r->len;
	spin_unlock(&s->rlock);
	atomic64_add(r->len, &scav_stats.reported_bytes);
	return 0;
}

static long scav_ioc_report(struct scav_session *s, void __user *argp)
{
	struct scav_spare sp = {};
	struct scav_report rep;
	struct scav_range *v;
	int ret = 0;

	if (copy_from_user(&rep, argp, sizeof(rep)))
		return -EFAULT;
	if (!scav_args_ok(rep.flags & ~(SCAV_REPORT_LAZYFREE | SCAV_REPORT_DISCARD),
			  rep.__reserved0, rep.__reserved,
			  ARRAY_SIZE(rep.__reserved)) ||
	    (rep.flags & SCAV_REPORT_LAZYFREE && rep.flags & SCAV_REPORT_DISCARD) ||
	    rep.count > SCAV_MAX_RANGES_PER_CALL)
		return -EINVAL;

	rep.done = 0;
	rep.bytes = 0;
	if (!rep.count)
		goto out;

	/* Copied whole first: a fault on it under the mmap lock could deadlock. */
	v = vmemdup_user(u64_to_user_ptr(rep.ranges), rep.count * sizeof(*v));
	if (IS_ERR(v)) {
		ret = PTR_ERR(v);
		goto out;
	}

	if (mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto free;
	}
	for (; rep.done < rep.count; rep.done++) {
		ret = scav_report_one(s, &v[rep.done], rep.flags, &sp);
		if (ret)
			break;
		rep.bytes += v[rep.done].len;
	}
	mmap_read_unlock(s->mm);
	/* Discarded now, and counted as requested: listeners hear of it too. */
	if (rep.flags & SCAV_REPORT_DISCARD && rep.bytes)
		scav_nl_reclaim_event(s, rep.bytes, SCAV_CAUSE_REQUEST);
free:
	scav_spare_release(&sp);
	kvfree(v);
out:
	if (copy_to_user(argp, &rep, sizeof(rep)))
		return -EFAULT;
	return ret;
}

/*
 * Claim the lazily freed parts of [start, end), one node at a time: make it
 * busy, look at the page tables (keeping what is there), then take it out.
 * Called with the mmap read lock held.
 */
static int scav_claim_lazy(struct scav_session *s, unsigned long start,
			   unsigned long end, struct scav_claim_range *c,
			   struct scav_spare *sp)
{
	unsigned long ls = start, le = end;

	for (;;) {
		struct scav_walk w = { .keep = true };
		struct scav_removed got = {};
		struct scav_node *n;
		unsigned long head;
		bool room;
		u64 zero;

		if (scav_spare_fill(sp, GFP_KERNEL))
			return -ENOMEM;
		scav_lock_settled(s, ls, end);
		le = end;
		if (!scav_ranges_first_lazy(&s->ranges, &ls, &le)) {
			spin_unlock(&s->rlock);
			return 0;
		}
		/* Without room for the splits, the whole node waits for us. */
		room = scav_session_room(s, 2);
		n = room ? scav_ranges_carve(&s->ranges, ls, le, sp) :
			   scav_ranges_at(&s->ranges, ls);
		if (!n) {
			/* Cannot be: nothing busy here, spares filled. */
			spin_unlock(&s->rlock);
			return -ENOMEM;
		}
		head = n->start;
		scav_ranges_set_busy(&s->ranges, n, true);
		spin_unlock(&s->rlock);

		scav_walk_range(s->mm, ls, le, &w);

		spin_lock(&s->rlock);
		scav_ranges_remove(&s->ranges, ls, le, NULL, 0, &got);
		if (head < ls && (n = scav_ranges_at(&s->ranges, head)))
			scav_ranges_set_busy(&s->ranges, n, false);
		scav_forget(s, got.lost);
		/* A concurrent unmap may have taken part of it: clamp. */
		zero = min(w.zero, got.lazy);
		c->discarded += zero;
		c->kept += got.lazy - zero;
		spin_unlock(&s->rlock);
		wake_up_all(&s->busy_wq);
		ls = le;
	}
}

/*
 * What a claim took out counts once, whether the claim went on to fail or
 * not: those bytes are no longer idle.
 */
static void scav_claim_account(struct scav_session *s,
			       const struct scav_claim_range *c)
{
	s->claimed_kept_bytes += c->kept;
	s->claimed_discarded_bytes += c->discarded;
	atomic64_add(c->kept, &scav_stats.claimed_kept_bytes);
	atomic64_add(c->discarded, &scav_stats.claimed_discarded_bytes);
}

/*
 * Claim one range: its lazily freed parts first (they need the page
 * tables), then the rest at once.  On failure @c says what of the range was
 * claimed before it; the rest is still idle.
 */
static int scav_claim_one(struct scav_session *s, struct scav_claim_range *c,
			  struct scav_spare *sp)
{
	unsigned long start = c->addr, end = c->addr + c->len;
	unsigned long ls = start, le = end;
	struct scav_removed got = {};
	bool lazy;
	int ret;

	c->discarded = 0;
	c->kept = 0;
	if (!scav_range_valid(c->addr, c->len))
		return -EINVAL;
	ret = scav_spare_fill(sp, GFP_KERNEL);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	lazy = s->ranges.lazy_bytes &&
	       scav_ranges_first_lazy(&s->ranges, &ls, &le);
	spin_unlock(&s->rlock);
	if (lazy) {
		if (mmap_read_lock_killable(s->mm))
			return -EINTR;
		ret = scav_claim_lazy(s, start, end, c, sp);
		mmap_read_unlock(s->mm);
		if (!ret)
			ret = scav_spare_fill(sp, GFP_KERNEL);
		if (ret) {
			spin_lock(&s->rlock);
			scav_claim_account(s, c);
			spin_unlock(&s->rlock);
			return ret;
		}
	}

	/* Without room to split a node, its part beyond the range is forgotten. */
	scav_lock_settled(s, start, end);
	scav_ranges_remove(&s->ranges, start, end,
			   scav_session_room(s, 1) ? sp : NULL, 0, &got);
	scav_forget(s, got.lost);
	c->discarded += got.discarded;
	c->kept += got.kept + got.lazy;
	scav_claim_account(s, c);
	spin_unlock(&s->rlock);
	return 0;
}

static long scav_ioc_claim(struct scav_session *s, void __user *argp)
{
	struct scav_spare sp = {};
	struct scav_claim cl;
	struct scav_claim_range *v;
	void __user *uv;
	int ret = 0;

	if (copy_from_user(&cl, argp, sizeof(cl)))
		return -EFAULT;
	if (!scav_args_ok(cl.flags, cl.__reserved0, cl.__reserved,
			  ARRAY_SIZE(cl.__reserved)) ||
	    cl.count > SCAV_MAX_RANGES_PER_CALL)
		return -EINVAL;

	cl.done = 0;
	cl.discarded = 0;
	cl.kept = 0;
	if (!cl.count)
		goto out;

	uv = u64_to_user_ptr(cl.ranges);
	v = vmemdup_user(uv, cl.count * sizeof(*v));
	if (IS_ERR(v)) {
		ret = PTR_ERR(v);
		goto out;
	}

	/*
	 * No mmap lock unless lazily freed ranges need a look at the pages.
	 * The sums include what a failed entry claimed before it failed.
	 */
	for (; cl.done < cl.count; cl.done++) {
		ret = scav_claim_one(s, &v[cl.done], &sp);
		cl.discarded += v[cl.done].discarded;
		cl.kept += v[cl.done].kept;
		if (ret)
			break;
	}
	scav_spare_release(&sp);

	/* The failed entry is written back too, with what it claimed. */
	if (copy_to_user(uv, v, min(cl.done + 1, cl.count) * sizeof(*v)))
		ret = -EFAULT;
	kvfree(v);
out:
	if (copy_to_user(argp, &cl, sizeof(cl)))
		return -EFAULT;
	return ret;
}

static long scav_ioc_reclaim(struct scav_session *s, void __user *argp)
{
	struct scav_reclaim rc;
	struct scav_pass p = { .cause = SCAV_CAUSE_REQUEST };
	int ret;

	if (copy_from_user(&rc, argp, sizeof(rc)))
		return -EFAULT;
	if (!scav_args_ok(rc.flags, rc.__reserved0, rc.__reserved,
			  ARRAY_SIZE(rc.__reserved)))
		return -EINVAL;
	p.stamp_max = scav_stamp_before(rc.min_age_ms);
	p.budget = rc.max_bytes ? rc.max_bytes : U64_MAX;
	if (p.budget <= U64_MAX - PAGE_SIZE)
		p.budget = PAGE_ALIGN(p.budget);
	ret = scav_reclaim_request(s, &p);
	rc.bytes = p.bytes;
	if (copy_to_user(argp, &rc, sizeof(rc)))
		return -EFAULT;
	return ret;
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

/* The figures of SCAV_IOC_STATS; @flags are checked by the caller. */
void scav_session_stats(struct scav_session *s, u32 flags, struct scav_stats *st)
{
	struct scav_walk w = {};

	if (flags & SCAV_STATS_RESIDENT)
		scav_session_walk(s, &w);

	memset(st, 0, sizeof(*st));
	st->flags = flags;
	spin_lock(&s->rlock);
	st->idle_bytes = s->ranges.idle_bytes;
	st->discarded_bytes = s->ranges.discarded_bytes;
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
		st->idle_resident_bytes = w.resident;
		st->lazyfree_bytes = w.lazyfree;
		st->used_rss_bytes = st->anon_rss_bytes > w.resident ?
				     st->anon_rss_bytes - w.resident : 0;
	}
}

static long scav_ioc_stats(struct scav_session *s, void __user *argp)
{
	struct scav_stats st;

	if (copy_from_user(&st, argp, sizeof(st)))
		return -EFAULT;
	/* Only flags and reserved fields are read; the rest is output. */
	if (!scav_args_ok(st.flags & ~SCAV_STATS_RESIDENT, st.__reserved0,
			  st.__reserved, ARRAY_SIZE(st.__reserved)))
		return -EINVAL;
	scav_session_stats(s, st.flags, &st);
	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long scav_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct scav_session *s = file->private_data;
	void __user *argp = (void __user *)arg;

	/* Only the opener's address space: not a fork child, not an SCM_RIGHTS peer. */
	if (current->mm != s->mm)
		return -EPERM;
	/* The owner closed a descriptor of it (see scav_flush()). */
	if (READ_ONCE(s->closed))
		return -EBADF;

	switch (cmd) {
	case SCAV_IOC_VERSION:
		return scav_ioc_version(argp);
	case SCAV_IOC_REPORT:
		return scav_ioc_report(s, argp);
	case SCAV_IOC_CLAIM:
		return scav_ioc_claim(s, argp);
	case SCAV_IOC_RECLAIM:
		return scav_ioc_reclaim(s, argp);
	case SCAV_IOC_STATS:
		return scav_ioc_stats(s, argp);
	}
	return -ENOTTY;
}

static const struct file_operations scav_fops = {
	.owner = THIS_MODULE,
	.open = scav_open,
	.flush = scav_flush,
	.release = scav_release,
	.unlocked_ioctl = scav_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice scav_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "scav",
	.fops = &scav_fops,
	.mode = 0666,
};

int scav_session_init(void)
{
	/* The ABI: the same layout for 32- and 64-bit callers, no holes. */
	BUILD_BUG_ON(sizeof(struct scav_range) != 16);
	BUILD_BUG_ON(sizeof(struct scav_version) != 64);
	BUILD_BUG_ON(sizeof(struct scav_report) != 48);
	BUILD_BUG_ON(sizeof(struct scav_claim_range) != 32);
	BUILD_BUG_ON(sizeof(struct scav_claim) != 56);
	BUILD_BUG_ON(sizeof(struct scav_reclaim) != 48);
	BUILD_BUG_ON(sizeof(struct scav_stats) != 176);

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

int scav_dev_init(void)
{
	return misc_register(&scav_misc);
}

void scav_dev_exit(void)
{
	misc_deregister(&scav_misc);
}

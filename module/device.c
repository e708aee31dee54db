// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/scav: each open is a session of the opener's address space
 * (session.c); its ioctls report, claim, reclaim and read figures.
 */
#include <linux/compat.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <linux/scav.h>

#include "compat.h"
#include "device.h"
#include "memcg.h"
#include "netlink.h"
#include "reclaim.h"
#include "session.h"
#include "vma.h"
#include "walk.h"

static long scav_ioc_version(void __user *argp)
{
	struct scav_version v = {
		.abi_major = SCAV_ABI_MAJOR,
		.abi_minor = SCAV_ABI_MINOR,
		.features = SCAV_FEATURE_UNMAP_TRACKING | SCAV_FEATURE_LAZYFREE |
			    SCAV_FEATURE_RESIDENT | SCAV_FEATURE_AGING |
			    SCAV_FEATURE_PRESSURE | SCAV_FEATURE_CLAIM_ZERO |
			    SCAV_FEATURE_PAGE_MAP,
		.max_ranges_per_call = SCAV_MAX_RANGES_PER_CALL,
		.max_ranges = scav_cfg(max_ranges),
		.page_size = PAGE_SIZE,
		.map_max_regions = SCAV_MAX_REGIONS,
		.map_max_region_bytes = SCAV_MAX_REGION_BYTES,
		.map_max_bytes_per_user = (u64)SCAV_MAX_MAP_PAGES_PER_USER << PAGE_SHIFT,
		.map_chunk_pages = SCAV_MAP_CHUNK_PAGES,
		.map_word_bytes = sizeof(u32),
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

	scav_mmap_assert_locked(s->mm);
	scav_lock_settled(s, start, end);
	scav_ranges_remove(&s->ranges, start, end, sp, 0, &old);
	scav_ranges_hold(&s->ranges, start, end, sp);
	s->reported_bytes += end - start;
	s->reclaimed_bytes[SCAV_CAUSE_REQUEST] += end - start;
	spin_unlock(&s->rlock);
	atomic64_add(end - start, &scav_totals.reported_bytes);
	atomic64_add(end - start, &scav_totals.reclaimed_bytes[SCAV_CAUSE_REQUEST]);

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
	/*
	 * Reported again over lazily freed memory, without a claim between
	 * (an allocator that merged free spans): what the kernel may still
	 * take is there still, so the claim must look at the page tables.
	 */
	scav_ranges_insert(&s->ranges, start, end, get_jiffies_64(),
			   (flags & SCAV_REPORT_LAZYFREE) || old.lazy, sp);
	s->reported_bytes += r->len;
	spin_unlock(&s->rlock);
	atomic64_add(r->len, &scav_totals.reported_bytes);
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

	/* Where its cgroup's reclaim finds it: before the mmap lock. */
	if (!(rep.flags & SCAV_REPORT_DISCARD))
		scav_memcg_track(s);

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
		scav_nl_reclaim_event(s, rep.bytes, SCAV_CAUSE_REQUEST, 0);
free:
	scav_spare_release(&sp);
	kvfree(v);
out:
	if (copy_to_user(argp, &rep, sizeof(rep)))
		return -EFAULT;
	return ret;
}

/*
 * Walk [start, end) until every page is dirty (and with @w->clear cleared),
 * or reads as zeros: a page being migrated is mapped again within moments.
 * (A dying caller need not wait: its memory goes with it.)
 */
static void scav_claim_walk(struct mm_struct *mm, unsigned long start,
			    unsigned long end, struct scav_walk *w)
{
	const struct scav_walk how = { .keep = true, .clear = w->clear };

	for (;;) {
		scav_walk_range(mm, start, end, w);
		if (!w->again || fatal_signal_pending(current))
			return;
		*w = how;
		usleep_range(50, 100);
	}
}

/*
 * SCAV_CLAIM_ZERO: make idle [start, end) read as zeros, one VMA at a time.
 * Where the rules of a zap allow it (scav_vma_eligible()), resident pages
 * are cleared in place, or, if some cannot be, the piece is zapped.  Where
 * they do not (since the report the owner mlock()ed or sealed it), the
 * pages are only kept, as without the flag.  Returns the bytes kept;
 * *@zeros is what read as zeros before (unmapped, or the zero page).
 */
static u64 scav_claim_zero(struct mm_struct *mm, unsigned long start,
			   unsigned long end, u64 *zeros)
{
	unsigned long addr = start;
	u64 kept = 0;

	*zeros = 0;
	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		bool zero;
		struct scav_walk w;
		unsigned long stop;

		if (!vma || vma->vm_start >= end)
			break;
		addr = max(addr, vma->vm_start);
		stop = min(end, vma->vm_end);
		zero = scav_vma_eligible(vma);
		w = (struct scav_walk){ .keep = true, .clear = zero };
		scav_claim_walk(mm, addr, stop, &w);
		*zeros += w.zero;
		if (!zero)
			kept += stop - addr;
		else if (w.unclear_end)
			scav_zap(vma, w.unclear_start,
				 w.unclear_end - w.unclear_start);
		/* Cut short for a caller being killed: no further VMA either. */
		if (fatal_signal_pending(current))
			break;
		addr = stop;
	}
	return kept;
}

/*
 * Claim the parts of [start, end) that need a look at the page tables, one
 * node at a time: the lazily freed ones, or with @zero all that are not
 * discarded.  Each is made busy, its pages kept (and with @zero cleared),
 * then taken out.  *@found gains the bytes that were not discarded when
 * the claim looked, cleared since or not.  Called with the mmap read lock
 * held.
 */
static int scav_claim_look(struct scav_session *s, unsigned long start,
			   unsigned long end, bool zero,
			   struct scav_claim_range *c, u64 *found,
			   struct scav_spare *sp)
{
	unsigned long ls = start, le = end;

	scav_mmap_assert_locked(s->mm);
	for (;;) {
		struct scav_walk w = { .keep = true };
		struct scav_removed got = {};
		struct scav_node *n;
		unsigned long head, tail;
		bool room;
		u64 zeros, before, idle;

		if (scav_spare_fill(sp, GFP_KERNEL))
			return -ENOMEM;
		scav_lock_settled(s, ls, end);
		le = end;
		if (!scav_ranges_first_walk(&s->ranges, &ls, &le, zero)) {
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
		tail = n->end;
		scav_ranges_set_busy(&s->ranges, n, true);
		spin_unlock(&s->rlock);

		/* What reads as zeros now (unless the caller is being killed). */
		if (zero) {
			zeros = le - ls - scav_claim_zero(s->mm, ls, le, &before);
		} else {
			scav_claim_walk(s->mm, ls, le, &w);
			zeros = before = w.zero;
		}

		spin_lock(&s->rlock);
		scav_ranges_remove(&s->ranges, ls, le, NULL, 0, &got);
		/*
		 * A whole node made busy leaves a part before the range, or
		 * after it (or one of the two, if there was no room to split
		 * it): it is ours, and idle again.
		 */
		if (head < ls && (n = scav_ranges_at(&s->ranges, head)))
			scav_ranges_set_busy(&s->ranges, n, false);
		if (tail > le && (n = scav_ranges_at(&s->ranges, le)))
			scav_ranges_set_busy(&s->ranges, n, false);
		scav_forget(s, got.lost);
		/* A concurrent unmap may have taken part of it: clamp. */
		idle = got.lazy + got.kept;
		zeros = min(zeros, idle);
		c->discarded += zeros;
		c->kept += idle - zeros;
		*found += idle - min(before, idle);
		spin_unlock(&s->rlock);
		wake_up_all(&s->busy_wq);
		/* A clearing cut short: the claim says nothing, and fails. */
		if (zero && fatal_signal_pending(current))
			return -EINTR;
		ls = le;
	}
}

/*
 * What a claim took out counts once, whether the claim went on to fail or
 * not: those bytes are no longer idle.  The figures say what the claim
 * found, @kept of @c's idle bytes not discarded: with SCAV_CLAIM_ZERO the
 * caller learns which bytes read as zeros, but memory the claim cleared
 * (or zapped) was still there when it was taken back.
 */
static void scav_claim_account(struct scav_session *s,
			       const struct scav_claim_range *c, u64 kept)
{
	u64 discarded = c->kept + c->discarded - kept;

	lockdep_assert_held(&s->rlock);
	s->claimed_kept_bytes += kept;
	s->claimed_discarded_bytes += discarded;
	atomic64_add(kept, &scav_totals.claimed_kept_bytes);
	atomic64_add(discarded, &scav_totals.claimed_discarded_bytes);
}

/*
 * Claim one range: its lazily freed parts first (they need the page
 * tables), or with @zero all its kept parts, then the rest at once.  On
 * failure @c says what of the range was claimed before it; the rest is
 * still idle.
 */
static int scav_claim_one(struct scav_session *s, struct scav_claim_range *c,
			  bool zero, struct scav_spare *sp)
{
	unsigned long start = c->addr, end = c->addr + c->len;
	unsigned long ls = start, le = end;
	struct scav_removed got = {};
	u64 found = 0;
	bool look;
	int ret;

	c->discarded = 0;
	c->kept = 0;
	if (!scav_range_valid(c->addr, c->len))
		return -EINVAL;
	ret = scav_spare_fill(sp, GFP_KERNEL);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	look = (zero || s->ranges.lazy_bytes) &&
	       scav_ranges_first_walk(&s->ranges, &ls, &le, zero);
	spin_unlock(&s->rlock);
	if (look) {
		if (mmap_read_lock_killable(s->mm))
			return -EINTR;
		ret = scav_claim_look(s, start, end, zero, c, &found, sp);
		mmap_read_unlock(s->mm);
		if (!ret)
			ret = scav_spare_fill(sp, GFP_KERNEL);
		if (ret) {
			spin_lock(&s->rlock);
			scav_claim_account(s, c, found);
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
	scav_claim_account(s, c, found + got.kept + got.lazy);
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
	if (!scav_args_ok(cl.flags & ~SCAV_CLAIM_ZERO, cl.__reserved0,
			  cl.__reserved, ARRAY_SIZE(cl.__reserved)) ||
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
	 * No mmap lock unless lazily freed ranges (or with SCAV_CLAIM_ZERO
	 * kept ones) need a look at the pages.
	 * The sums include what a failed entry claimed before it failed.
	 */
	for (; cl.done < cl.count; cl.done++) {
		ret = scav_claim_one(s, &v[cl.done], cl.flags & SCAV_CLAIM_ZERO,
				     &sp);
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
	struct scav_pass p;
	int ret;

	if (copy_from_user(&rc, argp, sizeof(rc)))
		return -EFAULT;
	if (!scav_args_ok(rc.flags, rc.__reserved0, rc.__reserved,
			  ARRAY_SIZE(rc.__reserved)))
		return -EINVAL;
	scav_pass_init(&p, SCAV_CAUSE_REQUEST, rc.min_age_ms);
	p.budget = rc.max_bytes ? rc.max_bytes : U64_MAX;
	if (p.budget <= U64_MAX - PAGE_SIZE)
		p.budget = PAGE_ALIGN(p.budget);
	ret = scav_reclaim_session(s, &p);
	rc.bytes = p.bytes;
	if (copy_to_user(argp, &rc, sizeof(rc)))
		return -EFAULT;
	return ret;
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

/* SCAV_IOC_PRESSURE: what pressure discarded since the last call. */
static long scav_ioc_pressure(struct scav_session *s, void __user *argp)
{
	struct scav_pressure pr;

	if (copy_from_user(&pr, argp, sizeof(pr)))
		return -EFAULT;
	if (!scav_args_ok(pr.flags, pr.__reserved0, pr.__reserved,
			  ARRAY_SIZE(pr.__reserved)))
		return -EINVAL;
	spin_lock(&s->rlock);
	pr.global_bytes = s->pressure_global_bytes;
	pr.cgroup_bytes = s->pressure_cgroup_bytes;
	pr.cgroup_id = s->pressure_cgroup_id;
	s->pressure_global_bytes = 0;
	s->pressure_cgroup_bytes = 0;
	s->pressure_cgroup_id = 0;
	spin_unlock(&s->rlock);
	if (!copy_to_user(argp, &pr, sizeof(pr)))
		return 0;
	/* Not delivered: keep it pending. */
	spin_lock(&s->rlock);
	s->pressure_global_bytes += pr.global_bytes;
	s->pressure_cgroup_bytes += pr.cgroup_bytes;
	if (!s->pressure_cgroup_id)
		s->pressure_cgroup_id = pr.cgroup_id;
	spin_unlock(&s->rlock);
	return -EFAULT;
}

/*
 * POLLPRI while pressure discarded memory SCAV_IOC_PRESSURE has not
 * returned; any holder of the descriptor may poll.
 */
static __poll_t scav_dev_poll(struct file *file, poll_table *wait)
{
	struct scav_session *s = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &s->poll_wq, wait);
	spin_lock(&s->rlock);
	if (s->pressure_global_bytes || s->pressure_cgroup_bytes)
		mask |= EPOLLPRI;
	spin_unlock(&s->rlock);
	return mask;
}

static long scav_dev_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct scav_session *s = file->private_data;
	void __user *argp = (void __user *)arg;
	int ret;

	/* Only the opener's address space: not a fork child, not an SCM_RIGHTS peer. */
	if (current->mm != s->mm)
		return -EPERM;
	/* The owner closed a descriptor of it (see scav_dev_flush()). */
	if (READ_ONCE(s->closed))
		return -EBADF;

	switch (cmd) {
	case SCAV_IOC_VERSION:
		return scav_ioc_version(argp);
	case SCAV_IOC_REPORT:
	case SCAV_IOC_CLAIM:
	case SCAV_IOC_RECLAIM:
	case SCAV_IOC_STATS:
	case SCAV_IOC_PRESSURE:
	case SCAV_IOC_MAP_REGION:
	case SCAV_IOC_MAP_WAIT:
		break;
	default:
		return -ENOTTY;
	}
	/* The others: the session's notifier first (scav_session_attach()). */
	ret = scav_session_attach(s);
	if (ret)
		return ret;

	switch (cmd) {
	case SCAV_IOC_REPORT:
		return scav_ioc_report(s, argp);
	case SCAV_IOC_CLAIM:
		return scav_ioc_claim(s, argp);
	case SCAV_IOC_RECLAIM:
		return scav_ioc_reclaim(s, argp);
	case SCAV_IOC_STATS:
		return scav_ioc_stats(s, argp);
	case SCAV_IOC_PRESSURE:
		return scav_ioc_pressure(s, argp);
	case SCAV_IOC_MAP_REGION:
		return scav_ioc_map_region(s, argp);
	case SCAV_IOC_MAP_WAIT:
		return scav_ioc_map_wait(s, argp);
	}
	return -ENOTTY;
}

static int scav_dev_open(struct inode *inode, struct file *file)
{
	struct scav_session *s = scav_session_create();

	if (IS_ERR(s))
		return PTR_ERR(s);
	file->private_data = s;
	return 0;
}

/*
 * Any close() of a descriptor of the session by its owner ends it, as any
 * close of a file releases the closer's POSIX record locks on it.  Ranges
 * dropped only at the last fput() would outlive the owner's close while a
 * fork child, a dup() elsewhere or an SCM_RIGHTS receiver kept the file,
 * and aging would then discard memory the owner had reused.  Closes by
 * other processes end nothing (they could not use the session anyway), nor
 * do those of a vfork() child, which shares the owner's mm but has
 * descriptors of its own (posix_spawn(), Python's subprocess).
 */
static int scav_dev_flush(struct file *file, fl_owner_t id)
{
	struct scav_session *s = file->private_data;

	if (current->mm == s->mm && task_tgid(current) == s->pid)
		scav_session_end(s);
	return 0;
}

/* The page-state map of a region (map.c); only the owner maps it. */
static int scav_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct scav_session *s = file->private_data;

	if (current->mm != s->mm || vma->vm_mm != s->mm)
		return -EPERM;
	if (READ_ONCE(s->closed))
		return -EBADF;
	return scav_map_mmap(s, vma);
}

static int scav_dev_release(struct inode *inode, struct file *file)
{
	scav_session_close(file->private_data);
	return 0;
}

static const struct file_operations scav_fops = {
	.owner = THIS_MODULE,
	.open = scav_dev_open,
	.flush = scav_dev_flush,
	.release = scav_dev_release,
	.unlocked_ioctl = scav_dev_ioctl,
	.poll = scav_dev_poll,
	.mmap = scav_dev_mmap,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

/*
 * A fixed minor, so that opening /dev/scav loads the module as opening
 * /dev/fuse loads fuse: main.c's aliases name it, depmod writes it into
 * modules.devname, and kmod static-nodes (systemd-tmpfiles at boot) makes
 * the node before the module is loaded.  It is one of 243-254, which
 * Documentation/admin-guide/devices.txt reserves for local use, which no
 * kernel hands out dynamically (6.1 and 6.12 give 127 down, then 6.12 256
 * up; mainline 256 up).  If a local driver holds it, scav takes a dynamic
 * minor and says so: only the autoload is lost (libscav checks the ABI of
 * what it opens, so a stale node of the other driver is not mistaken for
 * scav).
 */
static struct miscdevice scav_misc = {
	.minor = SCAV_MISC_MINOR,
	.name = "scav",
	.fops = &scav_fops,
	.mode = 0666,
};

/* Registered last and deregistered first (main.c): the front door. */
int scav_dev_init(void)
{
	int ret;

	/* The ABI: the same layout for 32- and 64-bit callers, no holes. */
	BUILD_BUG_ON(sizeof(struct scav_range) != 16);
	BUILD_BUG_ON(sizeof(struct scav_version) != 64);
	BUILD_BUG_ON(sizeof(struct scav_report) != 48);
	BUILD_BUG_ON(sizeof(struct scav_claim_range) != 32);
	BUILD_BUG_ON(sizeof(struct scav_claim) != 56);
	BUILD_BUG_ON(sizeof(struct scav_reclaim) != 48);
	BUILD_BUG_ON(sizeof(struct scav_stats) != 176);
	BUILD_BUG_ON(sizeof(struct scav_pressure) != 64);

	ret = misc_register(&scav_misc);
	if (ret == -EBUSY) {
		pr_warn("scav: misc minor %d is taken: using a dynamic one, so opening /dev/scav will not load scav\n",
			SCAV_MISC_MINOR);
		scav_misc.minor = MISC_DYNAMIC_MINOR;
		ret = misc_register(&scav_misc);
	}
	return ret;
}

void scav_dev_exit(void)
{
	misc_deregister(&scav_misc);
}

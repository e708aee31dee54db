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

#include <linux/scav.h>

#include "compat.h"
#include "session.h"
#include "vma.h"

/* A cache of its own, so a leaked session makes kmem_cache_destroy() warn. */
static struct kmem_cache *scav_session_cache;

static unsigned int max_ranges = 65536;
module_param(max_ranges, uint, 0444);
MODULE_PARM_DESC(max_ranges, "Most idle ranges one session may hold (default 65536)");

static unsigned long max_ranges_total = 1UL << 20;
module_param(max_ranges_total, ulong, 0444);
MODULE_PARM_DESC(max_ranges_total, "Most idle ranges all sessions together may hold (default 1048576)");

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

	spin_lock(&s->rlock);
	scav_ranges_remove(&s->ranges, range->start, range->end, &none,
			   GFP_NOWAIT | __GFP_NOWARN | __GFP_ACCOUNT, &gone);
	s->forgotten_bytes += gone.kept + gone.discarded + gone.lost;
	spin_unlock(&s->rlock);
	return 0;
}

/* The mm is being torn down (or we unregister): nothing is left to track. */
static void scav_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct scav_session *s = container_of(mn, struct scav_session, mn);

	spin_lock(&s->rlock);
	scav_ranges_destroy(&s->ranges);
	spin_unlock(&s->rlock);
}

/*
 * After the last close and an SRCU grace period: closing costs no
 * synchronize_srcu(), and module exit waits for these in
 * mmu_notifier_synchronize().
 */
static void scav_mn_free(struct mmu_notifier *mn)
{
	struct scav_session *s = container_of(mn, struct scav_session, mn);

	scav_spare_release(&s->spare);
	mmdrop(s->mm);
	kmem_cache_free(scav_session_cache, s);
}

static const struct mmu_notifier_ops scav_mn_ops = {
	.invalidate_range_start = scav_mn_invalidate_range_start,
	.release = scav_mn_release,
	.free_notifier = scav_mn_free,
};

static int scav_open(struct inode *inode, struct file *file)
{
	struct scav_session *s;
	int ret;

	if (!current->mm)
		return -EINVAL;

	s = kmem_cache_zalloc(scav_session_cache, GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	spin_lock_init(&s->rlock);
	scav_ranges_setup(&s->ranges);
	s->mm = current->mm;
	mmgrab(s->mm);
	s->mn.ops = &scav_mn_ops;
	ret = mmu_notifier_register(&s->mn, s->mm);
	if (ret) {
		mmdrop(s->mm);
		kmem_cache_free(scav_session_cache, s);
		return ret;
	}
	file->private_data = s;
	return 0;
}

static int scav_release(struct inode *inode, struct file *file)
{
	struct scav_session *s = file->private_data;

	/*
	 * The ranges go now, so their room is back at once; a notifier
	 * callback still running finds an empty set.  The session itself is
	 * freed in scav_mn_free() once no callback can be running.
	 */
	spin_lock(&s->rlock);
	scav_ranges_destroy(&s->ranges);
	spin_unlock(&s->rlock);
	mmu_notifier_put(&s->mn);
	return 0;
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

static long scav_ioc_version(void __user *argp)
{
	struct scav_version v = {
		.abi_major = SCAV_ABI_MAJOR,
		.abi_minor = SCAV_ABI_MINOR,
		.features = SCAV_FEATURE_UNMAP_TRACKING,
		.max_ranges_per_call = SCAV_MAX_RANGES_PER_CALL,
		.max_ranges = max_ranges,
		.page_size = PAGE_SIZE,
	};

	return copy_to_user(argp, &v, sizeof(v)) ? -EFAULT : 0;
}

/* Room for one more range, and the split it may cause (see scav_report). */
static bool scav_room(struct scav_session *s)
{
	return s->ranges.nr + 2 <= max_ranges &&
	       atomic_long_read(&scav_nodes_total) + 2 <= max_ranges_total;
}

static int scav_report_one(struct scav_session *s, const struct scav_range *r,
			   u64 stamp)
{
	struct scav_removed old = {};
	int ret;

	if (!scav_range_valid(r->addr, r->len))
		return -EINVAL;
	ret = scav_vma_check(s->mm, r->addr, r->addr + r->len);
	if (ret)
		return ret;
	ret = scav_spare_fill(&s->spare);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	if (!scav_room(s)) {
		spin_unlock(&s->rlock);
		return -ENOSPC;
	}
	scav_ranges_remove(&s->ranges, r->addr, r->addr + r->len, &s->spare,
			   0, &old);
	scav_ranges_insert(&s->ranges, r->addr, r->addr + r->len, stamp,
			   &s->spare);
	s->reported_bytes += r->len;
	spin_unlock(&s->rlock);
	return 0;
}

static long scav_ioc_report(struct scav_session *s, void __user *argp)
{
	struct scav_report rep;
	struct scav_range *v;
	u64 stamp;
	int ret = 0;

	if (copy_from_user(&rep, argp, sizeof(rep)))
		return -EFAULT;
	if (!scav_args_ok(rep.flags, rep.__reserved0, rep.__reserved,
			  ARRAY_SIZE(rep.__reserved)) ||
	    rep.count > SCAV_MAX_RANGES_PER_CALL)
		return -EINVAL;

	rep.done = 0;
	rep.bytes = 0;
	if (!rep.count)
		goto out;

	/* Copied whole first: a fault on it under the mmap lock could deadlock. */
	v = vmemdup_user(u64_to_user_ptr(rep.ranges), rep.count * sizeof(*v));
	if (IS_ERR(v))
		return PTR_ERR(v);

	if (mutex_lock_killable(&s->lock)) {
		ret = -EINTR;
		goto free;
	}
	if (mmap_read_lock_killable(s->mm)) {
		ret = -EINTR;
		goto unlock;
	}
	stamp = get_jiffies_64();
	for (; rep.done < rep.count; rep.done++) {
		ret = scav_report_one(s, &v[rep.done], stamp);
		if (ret)
			break;
		rep.bytes += v[rep.done].len;
	}
	mmap_read_unlock(s->mm);
unlock:
	mutex_unlock(&s->lock);
free:
	kvfree(v);
out:
	if (copy_to_user(argp, &rep, sizeof(rep)))
		return -EFAULT;
	return ret;
}

static int scav_claim_one(struct scav_session *s, struct scav_claim_range *c)
{
	struct scav_removed got = {};
	int ret;

	c->discarded = 0;
	c->kept = 0;
	if (!scav_range_valid(c->addr, c->len))
		return -EINVAL;
	ret = scav_spare_fill(&s->spare);
	if (ret)
		return ret;

	spin_lock(&s->rlock);
	scav_ranges_remove(&s->ranges, c->addr, c->addr + c->len, &s->spare,
			   0, &got);
	s->claimed_kept_bytes += got.kept;
	s->claimed_discarded_bytes += got.discarded;
	spin_unlock(&s->rlock);

	c->discarded = got.discarded;
	c->kept = got.kept;
	return 0;
}

static long scav_ioc_claim(struct scav_session *s, void __user *argp)
{
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
	if (IS_ERR(v))
		return PTR_ERR(v);

	/* No mmap lock: a claim only edits the set, never the mapping. */
	if (mutex_lock_killable(&s->lock)) {
		kvfree(v);
		return -EINTR;
	}
	for (; cl.done < cl.count; cl.done++) {
		ret = scav_claim_one(s, &v[cl.done]);
		if (ret)
			break;
		cl.discarded += v[cl.done].discarded;
		cl.kept += v[cl.done].kept;
	}
	mutex_unlock(&s->lock);

	/* The failed entry is written back too, with zero figures. */
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
	int ret;

	if (copy_from_user(&rc, argp, sizeof(rc)))
		return -EFAULT;
	if (!scav_args_ok(rc.flags, rc.__reserved0, rc.__reserved,
			  ARRAY_SIZE(rc.__reserved)))
		return -EINVAL;
	rc.bytes = 0;
	ret = scav_session_reclaim(s, &rc);
	if (copy_to_user(argp, &rc, sizeof(rc)))
		return -EFAULT;
	return ret;
}

static long scav_ioc_stats(struct scav_session *s, void __user *argp)
{
	struct scav_stats st;

	memset(&st, 0, sizeof(st));
	spin_lock(&s->rlock);
	st.idle_bytes = s->ranges.idle_bytes;
	st.discarded_bytes = s->ranges.discarded_bytes;
	st.nr_ranges = s->ranges.nr;
	st.reported_bytes = s->reported_bytes;
	st.reclaimed_bytes = s->reclaimed_bytes;
	st.claimed_kept_bytes = s->claimed_kept_bytes;
	st.claimed_discarded_bytes = s->claimed_discarded_bytes;
	st.forgotten_bytes = s->forgotten_bytes;
	spin_unlock(&s->rlock);
	st.anon_rss_bytes = (u64)scav_anon_rss_pages(s->mm) << PAGE_SHIFT;

	return copy_to_user(argp, &st, sizeof(st)) ? -EFAULT : 0;
}

static long scav_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct scav_session *s = file->private_data;
	void __user *argp = (void __user *)arg;

	/* Only the opener's address space: not a fork child, not an SCM_RIGHTS peer. */
	if (current->mm != s->mm)
		return -EPERM;

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
	int ret;

	/* The ABI: the same layout for 32- and 64-bit callers, no holes. */
	BUILD_BUG_ON(sizeof(struct scav_range) != 16);
	BUILD_BUG_ON(sizeof(struct scav_version) != 64);
	BUILD_BUG_ON(sizeof(struct scav_report) != 48);
	BUILD_BUG_ON(sizeof(struct scav_claim_range) != 32);
	BUILD_BUG_ON(sizeof(struct scav_claim) != 56);
	BUILD_BUG_ON(sizeof(struct scav_reclaim) != 48);
	BUILD_BUG_ON(sizeof(struct scav_stats) != 128);

	scav_session_cache = KMEM_CACHE(scav_session, SLAB_ACCOUNT);
	if (!scav_session_cache)
		return -ENOMEM;
	ret = misc_register(&scav_misc);
	if (ret)
		kmem_cache_destroy(scav_session_cache);
	return ret;
}

void scav_session_exit(void)
{
	misc_deregister(&scav_misc);
	/* Let notifier callbacks still in SRCU flight finish before unload. */
	mmu_notifier_synchronize();
	kmem_cache_destroy(scav_session_cache);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The page-state map: report and claim without a system call.
 * Documentation/design.md, "The page-state map".
 *
 * The map is shared with the process, which may write anything into it at
 * any time.  Every word is read once (READ_ONCE) and changed only by
 * cmpxchg() from an exact value; every loop is bounded by the region's
 * size; addresses come from the module's own record of the region, never
 * from the map.
 */
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/jiffies.h>

#include "compat.h"
#include "map.h"
#include "memcg.h"
#include "netlink.h"
#include "reclaim.h"
#include "session.h"
#include "totals.h"
#include "vma.h"
#include "walk.h"

#define SCAV_MAP_WORDS_PER_SUMMARY	32

static void scav_region_free_fn(struct work_struct *work)
{
	struct scav_region *r = container_of(work, struct scav_region, free_work);
	unsigned int i;

	if (r->map)
		vunmap(r->map);
	for (i = 0; r->map_pages && i < r->nr_map_pages; i++)
		if (r->map_pages[i])
			__free_page(r->map_pages[i]);
	kvfree(r->map_pages);
	if (r->user) {
		atomic_long_sub(r->nr_map_pages, &r->user->map_pages);
		scav_user_unhold(r->user);
	}
	kvfree(r->dead);
	kvfree(r->pending);
	kvfree(r->held);
	kvfree(r->stamp);
	kvfree(r->since);
	kfree(r);
}

/*
 * The last reference may go in the shrinker (a pass held the region when
 * its session ended), where vunmap() must not run: free it from the
 * module's workqueue, which module exit drains.
 */
static void scav_region_release(struct kref *k)
{
	scav_defer_work(&container_of(k, struct scav_region, ref)->free_work);
}

static void scav_region_put(struct scav_region *r)
{
	kref_put(&r->ref, scav_region_release);
}

/*
 * A region of @len bytes at @start, its map zeroed (every page USED),
 * charged to @s's user; ERR_PTR(-ENOSPC) past the user's bound.
 */
static struct scav_region *scav_region_alloc(struct scav_session *s,
					     unsigned long start,
					     unsigned long len)
{
	struct scav_region *r;
	size_t summary_bytes;
	unsigned int i;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return ERR_PTR(-ENOMEM);
	kref_init(&r->ref);
	INIT_WORK(&r->free_work, scav_region_free_fn);
	r->start = start;
	r->end = start + len;
	r->npages = len >> PAGE_SHIFT;
	r->nchunks = DIV_ROUND_UP(r->npages, SCAV_MAP_CHUNK_PAGES);
	r->summary_off = ALIGN(r->npages * sizeof(u32), sizeof(u64));
	/* The reported word, then the chunk bits. */
	summary_bytes = (1 + DIV_ROUND_UP(r->nchunks, SCAV_MAP_WORDS_PER_SUMMARY)) *
			sizeof(u32);
	r->nr_map_pages = PAGE_ALIGN(r->summary_off + summary_bytes) >> PAGE_SHIFT;
	if (atomic_long_add_return(r->nr_map_pages, &s->user->map_pages) >
	    SCAV_MAX_MAP_PAGES_PER_USER) {
		atomic_long_sub(r->nr_map_pages, &s->user->map_pages);
		kfree(r);
		return ERR_PTR(-ENOSPC);
	}
	r->user = s->user;
	scav_user_hold(r->user);
	r->map_pages = kvcalloc(r->nr_map_pages, sizeof(*r->map_pages),
				GFP_KERNEL_ACCOUNT);
	r->dead = kvcalloc(BITS_TO_LONGS(r->npages), sizeof(long),
			   GFP_KERNEL_ACCOUNT);
	r->pending = kvcalloc(BITS_TO_LONGS(r->nchunks), sizeof(long),
			      GFP_KERNEL_ACCOUNT);
	r->held = kvcalloc(BITS_TO_LONGS(r->nchunks), sizeof(long),
			   GFP_KERNEL_ACCOUNT);
	r->stamp = kvcalloc(r->nchunks, sizeof(u64), GFP_KERNEL_ACCOUNT);
	r->since = kvcalloc(r->nchunks, sizeof(u64), GFP_KERNEL_ACCOUNT);
	if (!r->map_pages || !r->dead || !r->pending || !r->held || !r->stamp ||
	    !r->since)
		goto fail;
	for (i = 0; i < r->nr_map_pages; i++) {
		r->map_pages[i] = alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO);
		if (!r->map_pages[i])
			goto fail;
	}
	r->map = vmap(r->map_pages, r->nr_map_pages, VM_MAP, PAGE_KERNEL);
	if (!r->map)
		goto fail;
	r->words = r->map;
	r->summary = r->map + r->summary_off;
	return r;
fail:
	scav_region_put(r);
	return ERR_PTR(-ENOMEM);
}

/*
 * A chunk of @s became pending at @now: counted in @l (@s->map_ages, or
 * @s->map_parked), and the stamp it is pending since returned (@now, or
 * the stamp of the last add if a harvest reached the lock after a later
 * one).  A chunk is counted in the last entry whose @since is at or before
 * its own; a full list makes the two entries closest in time one, under
 * the older @since, so chunks may look older to the pick than they are,
 * never younger: a map's oldest pending chunk is never passed over, and
 * whether a chunk may go is its own stamps' say (scav_map_due()).  Under
 * @s->rlock.
 */
static u64 scav_map_age_add(struct scav_session *s, struct scav_map_ages *l,
			    u64 now)
{
	struct scav_map_age *a = l->a;
	unsigned int i, best, n = l->n;
	u64 gap;

	lockdep_assert_held(&s->rlock);
	WRITE_ONCE(s->map_pending_chunks, s->map_pending_chunks + 1);
	WRITE_ONCE(l->chunks, l->chunks + 1);
	/* No later chunk: the last add is in the last entry. */
	if (n && now <= l->last) {
		a[n - 1].chunks++;
		return l->last;
	}
	l->last = now;
	if (n == SCAV_MAP_AGES) {
		best = n - 1;		/* the new chunk into the newest entry */
		gap = now - a[n - 1].since;
		for (i = 0; i + 1 < n; i++)
			if (a[i + 1].since - a[i].since < gap) {
				gap = a[i + 1].since - a[i].since;
				best = i;
			}
		if (best == n - 1) {
			a[n - 1].chunks++;
			return now;
		}
		a[best].chunks += a[best + 1].chunks;
		memmove(&a[best + 1], &a[best + 2],
			(n - best - 2) * sizeof(*a));
		n--;
	}
	a[n].since = now;
	a[n].chunks = 1;
	l->n = n + 1;
	return now;
}

/* The list a pending chunk of @s whose since is @since is counted in. */
static struct scav_map_ages *scav_map_ages_of(struct scav_session *s,
					      u64 since)
{
	return since & SCAV_MAP_NO_SINCE ? &s->map_parked : &s->map_ages;
}

/*
 * A chunk pending since @since (as its region keeps it, SCAV_MAP_NO_SINCE
 * and all) is no longer.  Under @s->rlock.
 */
static void scav_map_age_remove(struct scav_session *s, u64 since)
{
	struct scav_map_ages *l = scav_map_ages_of(s, since);
	struct scav_map_age *a = l->a;
	unsigned int i, n = l->n;

	lockdep_assert_held(&s->rlock);
	since &= ~SCAV_MAP_NO_SINCE;
	if (WARN_ON_ONCE(!n))
		return;
	WRITE_ONCE(s->map_pending_chunks, s->map_pending_chunks - 1);
	WRITE_ONCE(l->chunks, l->chunks - 1);
	for (i = n - 1; i && a[i].since > since; i--)
		;
	if (WARN_ON_ONCE(!a[i].chunks) || --a[i].chunks)
		return;
	memmove(&a[i], &a[i + 1], (n - i - 1) * sizeof(*a));
	l->n = n - 1;
}

/*
 * The oldest pending chunk of @s, as the @since of its entry (never younger
 * than the chunk), if at or before @stamp_max: false if none.  With
 * @parked, chunks a pass could take nothing of count too, as of when it
 * went through them (aging looks at them again an idle age later; pressure
 * never: scav_map_due()).  Under @s->rlock.
 */
bool scav_map_oldest(struct scav_session *s, u64 stamp_max, bool parked,
		     u64 *stamp)
{
	bool found = false;

	lockdep_assert_held(&s->rlock);
	if (s->map_ages.n && s->map_ages.a[0].since <= stamp_max) {
		*stamp = s->map_ages.a[0].since;
		found = true;
	}
	if (parked && s->map_parked.n &&
	    s->map_parked.a[0].since <= stamp_max &&
	    (!found || s->map_parked.a[0].since < *stamp)) {
		*stamp = s->map_parked.a[0].since;
		found = true;
	}
	return found;
}

/* Take @r out of @s's table (the caller puts the table's reference). */
static void scav_region_unlink(struct scav_session *s, struct scav_region *r)
{
	unsigned long c;

	lockdep_assert_held(&s->rlock);
	s->regions[r->index] = NULL;
	r->dropped = true;
	WRITE_ONCE(s->map_regions, s->map_regions - 1);
	atomic_long_dec(&scav_totals.map_regions);
	/* A pass still holding the region clears no bit of it after this. */
	for_each_set_bit(c, r->pending, r->nchunks)
		scav_map_age_remove(s, r->since[c]);
	bitmap_zero(r->pending, r->nchunks);
}

/*
 * A free slot of @s's table for a region [start, end), or -EEXIST if it
 * overlaps a registered one, -ENOSPC if the table is full, -EBADF if the
 * session ended.  Under @s->rlock.
 */
static int scav_region_slot(struct scav_session *s, unsigned long start,
			    unsigned long end)
{
	int i, slot = -ENOSPC;

	lockdep_assert_held(&s->rlock);
	if (s->closed)
		return -EBADF;
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		struct scav_region *o = s->regions[i];

		if (!o) {
			if (slot < 0)
				slot = i;
		} else if (o->start < end && start < o->end) {
			return -EEXIST;
		}
	}
	return slot;
}

/*
 * Wait until no discard of @r is in flight; @r is dropped, so none starts
 * (scav_map_next_chunk()).
 */
static void scav_region_settle(struct scav_session *s, struct scav_region *r)
{
	wait_event(s->busy_wq, !READ_ONCE(r->zaps));
	/* Pairs with the release in scav_map_discard_chunk(). */
	smp_rmb();
}

/* The region of @index with a reference, or NULL.  Takes @s->rlock. */
static struct scav_region *scav_region_get(struct scav_session *s, u64 index)
{
	struct scav_region *r = NULL;

	spin_lock(&s->rlock);
	if (!s->closed && index < SCAV_MAX_REGIONS) {
		r = s->regions[index];
		if (r)
			kref_get(&r->ref);
	}
	spin_unlock(&s->rlock);
	return r;
}

/*
 * SCAV_MAP_DROP: region @index leaves the table; once no discard of it is
 * in flight, the process may reuse its memory without a claim.
 */
static long scav_map_drop(struct scav_session *s, u32 index)
{
	struct scav_region *r;

	if (index >= SCAV_MAX_REGIONS)
		return -EINVAL;
	spin_lock(&s->rlock);
	r = s->regions[index];
	if (r)
		scav_region_unlink(s, r);
	spin_unlock(&s->rlock);
	if (!r)
		return -EINVAL;
	/* The table's reference, kept until the discards in flight end. */
	scav_region_settle(s, r);
	scav_region_put(r);
	return 0;
}

long scav_ioc_map_region(struct scav_session *s, void __user *argp)
{
	struct scav_map_region a;
	struct scav_region *r;
	int ret, slot;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if ((a.flags & ~SCAV_MAP_DROP) || a.map_offset || a.map_size ||
	    a.summary_offset || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	if (a.flags & SCAV_MAP_DROP)
		return a.addr || a.len ? -EINVAL : scav_map_drop(s, a.index);
	if (a.index)
		return -EINVAL;
	if (!scav_range_valid(a.addr, a.len) || a.len > SCAV_MAX_REGION_BYTES)
		return -EINVAL;
	/* What can be seen without the mmap lock, before allocating. */
	spin_lock(&s->rlock);
	ret = scav_region_slot(s, a.addr, a.addr + a.len);
	spin_unlock(&s->rlock);
	if (ret < 0)
		return ret;
	r = scav_region_alloc(s, a.addr, a.len);
	if (IS_ERR(r))
		return PTR_ERR(r);
	/* Where its cgroup's reclaim finds it: before the mmap lock. */
	scav_memcg_track(s);

	/*
	 * Checked and entered under the mmap lock: an munmap() or mremap()
	 * of the range after the check finds the region in the table, and
	 * the notifier marks its pages dead (scav_map_unmapped()).
	 */
	if (mmap_read_lock_killable(s->mm)) {
		scav_region_put(r);
		return -EINTR;
	}
	slot = ret = scav_vma_check(s->mm, r->start, r->end);
	if (!ret) {
		spin_lock(&s->rlock);
		slot = ret = scav_region_slot(s, r->start, r->end);
		if (ret >= 0) {
			ret = 0;
			r->index = slot;
			s->regions[slot] = r;
			WRITE_ONCE(s->map_regions, s->map_regions + 1);
			atomic_long_inc(&scav_totals.map_regions);
			/*
			 * The table's reference may go as soon as the lock
			 * is let go (another thread drops the index, or
			 * closes the session): this call keeps its own.
			 */
			kref_get(&r->ref);
		}
		spin_unlock(&s->rlock);
	}
	mmap_read_unlock(s->mm);
	if (ret) {
		scav_region_put(r);
		return ret;
	}

	a.index = slot;
	a.map_offset = (u64)slot << SCAV_MAP_OFFSET_SHIFT;
	a.map_size = (u64)r->nr_map_pages << PAGE_SHIFT;
	a.summary_offset = r->summary_off;
	ret = 0;
	if (copy_to_user(argp, &a, sizeof(a))) {
		/*
		 * The caller cannot learn the index: the region goes, unless
		 * it went already.  @r is held, so the comparison cannot be
		 * fooled by a region allocated where @r was.
		 */
		ret = -EFAULT;
		spin_lock(&s->rlock);
		if (s->regions[slot] == r) {
			scav_region_unlink(s, r);
			spin_unlock(&s->rlock);
			/* A pass may have found it in the table meanwhile. */
			scav_region_settle(s, r);
			/* The table's reference. */
			scav_region_put(r);
		} else {
			spin_unlock(&s->rlock);
		}
	}
	scav_region_put(r);
	return ret;
}

/* Whether a word of [first, last] of @r reads BUSY. */
static bool scav_map_busy(struct scav_region *r, unsigned long first,
			  unsigned long last)
{
	unsigned long i;

	for (i = first; i <= last; i++) {
		if (READ_ONCE(r->words[i]) == SCAV_PAGE_BUSY)
			return true;
		if (!((i + 1) % 4096))
			cond_resched();
	}
	return false;
}

long scav_ioc_map_wait(struct scav_session *s, void __user *argp)
{
	struct scav_map_wait a;
	struct scav_region *r;
	unsigned long first, last;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	if (!scav_range_valid(a.addr, a.len))
		return -EINVAL;
	r = scav_region_get(s, a.index);
	if (!r)
		return -EINVAL;
	ret = -EINVAL;
	if (a.addr >= r->start && a.addr + a.len <= r->end) {
		first = (a.addr - r->start) >> PAGE_SHIFT;
		last = first + (a.len >> PAGE_SHIFT) - 1;
		/*
		 * A BUSY word is the module's only while a discard of the
		 * region is in flight, and the discard's end wakes busy_wq:
		 * wait for that, with no timeout.  Else the process wrote it,
		 * and writing it back wakes nobody: look again every 100 ms.
		 * A signal ends the wait (restarted under SA_RESTART).
		 */
		ret = 0;
		while (scav_map_busy(r, first, last)) {
			bool zapping;

			/*
			 * The count went up before a discard's cmpxchg to
			 * BUSY (scav_map_next_chunk()), which is a barrier.
			 */
			smp_rmb();
			zapping = READ_ONCE(r->zaps);
			if (wait_event_interruptible_timeout(s->busy_wq,
					!scav_map_busy(r, first, last) ||
					(zapping && !READ_ONCE(r->zaps)),
					zapping ? MAX_SCHEDULE_TIMEOUT :
						  HZ / 10) < 0) {
				ret = -ERESTARTSYS;
				break;
			}
		}
	}
	scav_region_put(r);
	return ret;
}

static void scav_map_vm_open(struct vm_area_struct *vma)
{
	struct scav_region *r = vma->vm_private_data;

	kref_get(&r->ref);
}

static void scav_map_vm_close(struct vm_area_struct *vma)
{
	scav_region_put(vma->vm_private_data);
}

static const struct vm_operations_struct scav_map_vm_ops = {
	.open = scav_map_vm_open,
	.close = scav_map_vm_close,
};

/*
 * mmap() of a region's map: exactly its size at its offset, shared,
 * readable and writable, never executable; not inherited by a fork child
 * (which has no session), never grown, left out of core dumps.  The mmap
 * lock is held for writing.
 */
int scav_map_mmap(struct scav_session *s, struct vm_area_struct *vma)
{
	u64 off = (u64)vma->vm_pgoff << PAGE_SHIFT;
	struct scav_region *r;
	unsigned long n;
	int ret;

	if (off & ((1ULL << SCAV_MAP_OFFSET_SHIFT) - 1))
		return -EINVAL;
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	r = scav_region_get(s, off >> SCAV_MAP_OFFSET_SHIFT);
	if (!r)
		return -EINVAL;
	if (vma_pages(vma) != r->nr_map_pages) {
		scav_region_put(r);
		return -EINVAL;
	}
	/*
	 * VM_IO as well: madvise(MADV_DOFORK) cannot clear VM_DONTCOPY of
	 * it (a fork child, which has no session, would share the words),
	 * and get_user_pages() refuses it.  No fault handler: after the
	 * process's own MADV_DONTNEED on the map, its accesses get SIGBUS.
	 */
	scav_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP | VM_IO,
			  VM_MAYEXEC);
	n = r->nr_map_pages;
	ret = vm_insert_pages(vma, vma->vm_start, r->map_pages, &n);
	if (ret || n) {
		/* The kernel undoes a partial mapping; no close follows. */
		scav_region_put(r);
		return ret ?: -ENOMEM;
	}
	/* The reference is the mapping's from here: close puts it. */
	vma->vm_private_data = r;
	vma->vm_ops = &scav_map_vm_ops;
	return 0;
}

/*
 * [start, end) of the process's address space was unmapped, moved or
 * replaced: its pages of any region are never acted on again, whatever the
 * map says.  From the notifier, under @s->rlock; cannot sleep.
 */
void scav_map_unmapped(struct scav_session *s, unsigned long start,
		       unsigned long end)
{
	int i;

	lockdep_assert_held(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		struct scav_region *r = s->regions[i];
		unsigned long a, b;

		if (!r || end <= r->start || r->end <= start)
			continue;
		a = max(start, r->start);
		b = min(end, r->end);
		bitmap_set(r->dead, (a - r->start) >> PAGE_SHIFT,
			   (b - a) >> PAGE_SHIFT);
	}
}

/*
 * The session ended: its regions leave the table, and once the discards in
 * flight end, none of their pages is touched again (every caller waits, not
 * only the first).  Mappings of the maps keep their pages.
 */
void scav_map_drop_all(struct scav_session *s)
{
	struct scav_region *gone[SCAV_MAX_REGIONS];
	int i;

	spin_lock(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		gone[i] = s->regions[i];
		if (gone[i])
			scav_region_unlink(s, gone[i]);
	}
	spin_unlock(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++)
		if (gone[i])
			scav_region_put(gone[i]);
	/* Closed: no region enters the table again, so this ends. */
	wait_event(s->busy_wq, !READ_ONCE(s->map_zaps));
	smp_rmb();	/* pairs with the release in scav_map_zap_run() */
}

/*
 * Fold the summary into the module's own chunk bits, if the reported word
 * says there is anything new: it is cleared first, then each summary word
 * is taken with an exchange, so a report after either sets its bit (and,
 * into a word found 0, the reported word) again and is seen next time.  A
 * chunk with a report is stamped now.  Under @s->rlock.
 */
static void scav_map_harvest(struct scav_session *s, struct scav_region *r,
			     u64 now)
{
	unsigned long w, nwords = DIV_ROUND_UP(r->nchunks,
					       SCAV_MAP_WORDS_PER_SUMMARY);

	lockdep_assert_held(&s->rlock);
	if (!xchg(&r->summary[0], 0))
		return;
	for (w = 0; w < nwords; w++) {
		u32 bits = xchg(&r->summary[1 + w], 0);

		while (bits) {
			unsigned long c = w * SCAV_MAP_WORDS_PER_SUMMARY + __ffs(bits);

			bits &= bits - 1;
			if (c >= r->nchunks)	/* the process set a bit past the end */
				continue;
			/*
			 * Pending already: its new pages were reported now,
			 * and must not go before their age.  Its older ones
			 * then look younger than they are, never older, but
			 * not for ever (scav_map_due()): the chunk counts as
			 * pending since it became so, or since its first
			 * report after a pass left it nothing to take.
			 */
			r->stamp[c] = now;
			if (!__test_and_set_bit(c, r->pending)) {
				r->since[c] = scav_map_age_add(s, &s->map_ages,
							       now);
			} else if (r->since[c] & SCAV_MAP_NO_SINCE) {
				scav_map_age_remove(s, r->since[c]);
				r->since[c] = scav_map_age_add(s, &s->map_ages,
							       now);
			}
		}
	}
}

/*
 * Pages of @s's regions whose reported word is set: reports the module has
 * not harvested yet, at most that many pages.  For the shrinkers' counts:
 * a look at one word per region, under the session's spinlock (which the
 * counts may take inside their own locks: it is never held around them).
 */
unsigned long scav_map_unharvested(struct scav_session *s)
{
	unsigned long pages = 0;
	int i;

	spin_lock(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		struct scav_region *r = s->regions[i];

		if (r && READ_ONCE(r->summary[0]))
			pages += r->npages;
	}
	spin_unlock(&s->rlock);
	return pages;
}

/* Every region of @s: chunks reported since the last harvest get a stamp. */
void scav_map_harvest_all(struct scav_session *s)
{
	u64 now;
	int i;

	spin_lock(&s->rlock);
	/* Under the lock: no later than the look a pass parks by. */
	now = get_jiffies_64();
	for (i = 0; i < SCAV_MAX_REGIONS; i++)
		if (s->regions[i])
			scav_map_harvest(s, s->regions[i], now);
	spin_unlock(&s->rlock);
}

/*
 * One chunk of @r for STATS: its IDLE and BUSY words if it is pending, its
 * DISCARDED words if it is held, into @f, not counting pages the notifier
 * marked dead; with @w, what the page tables hold under the IDLE ones
 * (the caller holds the mmap read lock).  A held chunk found without
 * DISCARDED words is held no more, unless a discard set bits meanwhile.
 * The words are the process's: any it wrote IDLE or DISCARDED in such a
 * chunk count, as far as its region goes, as a report would have.
 */
static void scav_map_count_chunk(struct scav_session *s, struct scav_region *r,
				 unsigned long c, struct scav_walk *w,
				 struct scav_map_figures *f)
{
	bool pending = test_bit(c, r->pending), held = test_bit(c, r->held);
	unsigned long p = c * SCAV_MAP_CHUNK_PAGES, run = ULONG_MAX, end;
	unsigned long seq = READ_ONCE(r->held_seq);
	u64 discarded = 0;

	smp_rmb();	/* the count, then the words: see scav_map_hold() */
	end = min(p + SCAV_MAP_CHUNK_PAGES, r->npages);
	for (; p <= end; p++) {
		u32 v = p < end && !test_bit(p, r->dead) ?
			READ_ONCE(r->words[p]) : SCAV_PAGE_USED;

		if (held && v == SCAV_PAGE_DISCARDED)
			discarded += PAGE_SIZE;
		if (pending && (v == SCAV_PAGE_IDLE || v == SCAV_PAGE_BUSY))
			f->idle += PAGE_SIZE;
		if (pending && v == SCAV_PAGE_IDLE) {
			if (run == ULONG_MAX)
				run = p;
			continue;
		}
		if (run != ULONG_MAX && w)
			scav_walk_range(s->mm, r->start + (run << PAGE_SHIFT),
					r->start + (p << PAGE_SHIFT), w);
		run = ULONG_MAX;
	}
	f->idle += discarded;
	f->discarded += discarded;
	if (held && !discarded) {
		spin_lock(&s->rlock);
		if (r->held_seq == seq)
			__clear_bit(c, r->held);
		spin_unlock(&s->rlock);
	}
}

/*
 * The idle pages of @s's regions, in bytes, for STATS, added to @f: the
 * IDLE and BUSY words of the chunks reported (harvested now) and the
 * DISCARDED words of the chunks the module discarded into, as kept and
 * discarded idle ranges count; with @w, what the page tables hold under
 * the IDLE ones.  The cost is in proportion to the chunks reported and
 * discarded, and the caller's own (killable).
 */
void scav_map_count(struct scav_session *s, struct scav_walk *w,
		    struct scav_map_figures *f)
{
	int i;

	if (!READ_ONCE(s->map_regions))
		return;
	if (w && !mmget_not_zero(s->mm))
		w = NULL;
	scav_map_harvest_all(s);
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		struct scav_region *r = scav_region_get(s, i);
		unsigned long c = 0;

		if (!r)
			continue;
		/* The bits may change meanwhile: a snapshot will do. */
		for (;; c++) {
			c = min(find_next_bit(r->pending, r->nchunks, c),
				find_next_bit(r->held, r->nchunks, c));
			if (c >= r->nchunks || fatal_signal_pending(current))
				break;
			if (w && mmap_read_lock_killable(s->mm))
				break;
			scav_map_count_chunk(s, r, c, w, f);
			if (w)
				mmap_read_unlock(s->mm);
			cond_resched();
		}
		scav_region_put(r);
	}
	if (w)
		mmput(s->mm);
}

/*
 * Mark the chunks of pages [@first, @last) of @r held: they may hold
 * DISCARDED words of the module's.  Before the stores, so that STATS
 * counts them from the first one, and after, so that a STATS that read
 * the words before the stores and found none cannot clear the bits
 * (it clears only if the count did not change since it began).
 */
static void scav_map_hold(struct scav_session *s, struct scav_region *r,
			  unsigned long first, unsigned long last)
{
	unsigned long a = first / SCAV_MAP_CHUNK_PAGES;
	unsigned long b = (last - 1) / SCAV_MAP_CHUNK_PAGES;

	spin_lock(&s->rlock);
	bitmap_set(r->held, a, b - a + 1);
	WRITE_ONCE(r->held_seq, r->held_seq + 1);
	spin_unlock(&s->rlock);
}

/*
 * Zap the pages [first, last] of @r, which this pass moved IDLE -> BUSY,
 * VMA by VMA with REPORT's rules; pages of a VMA that is no longer
 * eligible go back to IDLE untouched.  Each page then goes BUSY ->
 * DISCARDED.  The pass is charged as for ranges (reclaim.c): resident
 * bytes for aging and pressure, reported ones for a request.  Under the
 * mmap read lock, the discard counted in flight.
 */
static void scav_map_zap_run(struct scav_session *s, struct scav_region *r,
			     unsigned long first, unsigned long last,
			     struct scav_pass *p)
{
	unsigned long start = r->start + (first << PAGE_SHIFT);
	unsigned long end = r->start + ((last + 1) << PAGE_SHIFT);
	unsigned long addr = start, i;
	u64 bytes = 0;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(s->mm, addr);
		struct scav_walk w = {};
		unsigned long stop;
		bool ok;

		if (!vma || vma->vm_start >= end) {
			stop = end;
			ok = false;
		} else if (vma->vm_start > addr) {
			stop = vma->vm_start;
			ok = false;
		} else {
			stop = min(end, vma->vm_end);
			ok = scav_vma_eligible(vma) &&
			     (vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC));
		}
		/*
		 * A zap costs at least a page, resident or not: the zaps of a
		 * pass follow its budget, whatever the map says (runs of one
		 * page over memory that holds nothing would otherwise cost a
		 * shrinker call that asked for 128 pages thousands of zaps).
		 * A run given back IDLE costs none: its work is bounded by
		 * the chunks the pass may look at, and the budget is the
		 * memory others wait for (a process could spend every
		 * pressure pass's on PROT_NONE pages, one in two reported).
		 */
		if (ok) {
			w.limit = U64_MAX;
			scav_walk_range(s->mm, addr, stop, &w);
			scav_zap(vma, addr, stop - addr);
			bytes += stop - addr;
			p->resident += w.resident;
			p->freed_pages += w.exclusive >> PAGE_SHIFT;
			p->budget -= min(scav_pass_charged(p) ?
					 max_t(u64, w.resident, PAGE_SIZE) :
					 (u64)(stop - addr), p->budget);
		}
		if (ok)
			scav_map_hold(s, r, (addr - r->start) >> PAGE_SHIFT,
				      (stop - r->start) >> PAGE_SHIFT);
		for (i = (addr - r->start) >> PAGE_SHIFT;
		     i < (stop - r->start) >> PAGE_SHIFT; i++)
			cmpxchg(&r->words[i], SCAV_PAGE_BUSY,
				ok ? SCAV_PAGE_DISCARDED : SCAV_PAGE_IDLE);
		if (ok)
			scav_map_hold(s, r, (addr - r->start) >> PAGE_SHIFT,
				      (stop - r->start) >> PAGE_SHIFT);
		addr = stop;
	}
	if (!bytes)
		return;
	p->bytes += bytes;
	spin_lock(&s->rlock);
	s->reclaimed_bytes[p->cause] += bytes;
	if (p->cause == SCAV_CAUSE_PRESSURE)
		scav_pressure_note(s, p, bytes);
	spin_unlock(&s->rlock);
	if (p->cause == SCAV_CAUSE_PRESSURE && wq_has_sleeper(&s->poll_wq))
		wake_up_poll(&s->poll_wq, EPOLLPRI);
	atomic64_add(bytes, &scav_totals.reclaimed_bytes[p->cause]);
}

/*
 * What a pass takes of the map: chunks whose last report is at or before
 * @last (the pass's age), and chunks reported into again and again, whose
 * first report since they became pending is one age older still (@first):
 * a page reported into a pending chunk makes it wait its own age, and the
 * chunk's older pages with it, but not for ever (a hot page that goes idle
 * and back every second would otherwise keep its 63 neighbours from aging
 * at all).  Such a chunk may take its newest pages before their age.
 */
struct scav_map_due {
	u64 last, first, again;
};

/*
 * A chunk that a pass went all through and left pending (SCAV_MAP_NO_SINCE)
 * is due again only once it has waited there an idle age (@again, for
 * aging; at once for a request; never for pressure): what it holds could
 * not be taken (PROT_NONE, mlock(), BUSY words the process wrote), and
 * every pass would otherwise look at it again and pay for its runs.  Its
 * next report makes it pending as any other.
 */
static bool scav_map_due(const struct scav_region *r, unsigned long c,
			 const struct scav_map_due *due)
{
	u64 since = r->since[c];

	if (since & SCAV_MAP_NO_SINCE)
		return (since & ~SCAV_MAP_NO_SINCE) <= due->again;
	return r->stamp[c] <= due->last || since <= due->first;
}

/*
 * Whether a run of idle pages that reaches the end of chunk @c of @r may go
 * on into the next chunk: it does while the run is short of the 2 MiB
 * boundary at @blk (an address), the next chunk is before @stop, pending
 * and due (@due), and the pass may look at one more chunk.  A
 * huge page idle as a whole is then zapped as a whole, as MADV_DONTNEED of
 * it would be: cut at every chunk, its PMD would be split, and the page
 * table left behind would have every later fault there take a small page.
 * Under the lock that drops the region; the region's discard is already
 * counted in flight.
 */
static bool scav_map_extend(struct scav_session *s, struct scav_region *r,
			    struct scav_pass *p,
			    const struct scav_map_due *due,
			    unsigned long c, unsigned long stop,
			    unsigned long blk)
{
	bool charged = scav_pass_charged(p), ok;

	if (c + 1 >= stop ||
	    r->start + ((c + 1) * SCAV_MAP_CHUNK_PAGES << PAGE_SHIFT) >= blk)
		return false;
	spin_lock(&s->rlock);
	ok = !r->dropped && !(charged && !p->map_chunks) &&
	     test_bit(c + 1, r->pending) && scav_map_due(r, c + 1, due);
	if (ok)
		p->map_chunks -= charged;
	spin_unlock(&s->rlock);
	return ok;
}

/*
 * Discard the idle pages of chunk @c of @r from page @from on within the
 * pass's budget, runs of adjacent pages at a time, and of the chunks
 * after it that a run reaching a chunk's end goes on into
 * (scav_map_extend()); *@last is the last chunk so looked at.  Each leaves
 * the pending set once it holds no IDLE word.  The caller counted the
 * discard in flight (scav_map_next_chunk()), and this ends it: a drop that
 * waited for it sees every word it took settled.  Returns the first page
 * the budget left idle, or the end of *@last.  Under the mmap read lock.
 */
static unsigned long scav_map_discard_chunk(struct scav_session *s,
					    struct scav_region *r,
					    unsigned long c, unsigned long from,
					    struct scav_pass *p,
					    const struct scav_map_due *due,
					    unsigned long stop,
					    unsigned long *last)
{
	unsigned long i, end = min((c + 1) * SCAV_MAP_CHUNK_PAGES, r->npages);
	unsigned long blk = ALIGN(r->start + (end << PAGE_SHIFT), PMD_SIZE);
	unsigned long run = ULONG_MAX, left = ULONG_MAX, first = c, cc;
	u64 now, began = get_jiffies_64();

	for (i = max(c * SCAV_MAP_CHUNK_PAGES, from); ; i++) {
		bool took = false, room;

		if (i == end) {
			if (run == ULONG_MAX ||
			    !scav_map_extend(s, r, p, due, c, stop, blk))
				break;
			c++;
			end = min((c + 1) * SCAV_MAP_CHUNK_PAGES, r->npages);
		}
		/*
		 * The budget is charged after each run: a run takes no more
		 * than it, counting every page (resident or not, so at most
		 * the budget is spent on resident ones); but an aging or
		 * pressure run goes on to the end of the 2 MiB block it ran
		 * out in, rather than split a huge page for the last bytes of
		 * a budget, as for ranges (scav_size_piece()).  A split huge
		 * page frees nothing until the kernel's deferred split gets to
		 * it, though the zap counted its pages as freed.
		 */
		room = !scav_pass_over(p) &&
		       (run == ULONG_MAX ||
			((u64)(i - run + 1) << PAGE_SHIFT) <= p->budget ||
			(scav_pass_charged(p) &&
			 (r->start + (i << PAGE_SHIFT)) & (PMD_SIZE - 1)));
		if (!test_bit(i, r->dead) &&
		    READ_ONCE(r->words[i]) == SCAV_PAGE_IDLE) {
			if (room)
				took = cmpxchg(&r->words[i], SCAV_PAGE_IDLE,
					       SCAV_PAGE_BUSY) == SCAV_PAGE_IDLE;
			else if (left == ULONG_MAX)
				left = i;
		}
		if (took && run == ULONG_MAX)
			run = i;
		if (took)
			continue;
		if (run != ULONG_MAX) {
			scav_map_zap_run(s, r, run, i - 1, p);
			run = ULONG_MAX;
		}
	}
	if (run != ULONG_MAX)
		scav_map_zap_run(s, r, run, end - 1, p);

	/*
	 * Pages left, given back IDLE by an ineligible VMA, or another pass's
	 * (BUSY now, maybe IDLE again later): the chunk stays pending.  Read
	 * under the lock a harvest sets pending bits under: a page reported
	 * after this look has its chunk's bit harvested after the clear.
	 * BUSY words are another pass's only while another discard of the
	 * region is in flight (this one counts once in @r->zaps): that pass's
	 * own look settles the chunk.  Else the process wrote them, and they
	 * are pages this pass could not take, as IDLE ones left.  A chunk
	 * that stays pending although the pass went all through it holds no
	 * page a pass could take until its next report, which it then counts
	 * as pending from (SCAV_MAP_NO_SINCE): else, once twice the age old,
	 * it would be due by its first report at every pass, and every page
	 * reported into it would go at the next one.  It goes to the back of
	 * the session's ages meanwhile, and is due again only after an idle
	 * age (scav_map_due()): else its pages that cannot go would take
	 * every pass's look and budget before anyone else's memory.
	 */
	now = get_jiffies_64();
	for (cc = first; cc <= c; cc++) {
		unsigned long cs = cc * SCAV_MAP_CHUNK_PAGES;
		unsigned long ce = min(cs + SCAV_MAP_CHUNK_PAGES, r->npages);
		bool left_idle = false, left_busy = false;

		spin_lock(&s->rlock);
		for (i = cs; i < ce && !left_idle; i++) {
			u32 word = READ_ONCE(r->words[i]);

			if (test_bit(i, r->dead))
				continue;
			left_idle = word == SCAV_PAGE_IDLE;
			left_busy |= word == SCAV_PAGE_BUSY;
		}
		/*
		 * Parked only if gone all through (from its start, not cut
		 * short) and not harvested since this look began: a page
		 * reported meanwhile, after the look passed it, may be what is
		 * left, and must not wait for an age it already waited.
		 */
		if (!r->dropped && test_bit(cc, r->pending) &&
		    (left_idle || !left_busy || r->zaps == 1)) {
			left_idle |= left_busy;
			if (!left_idle) {
				scav_map_age_remove(s, r->since[cc]);
				__clear_bit(cc, r->pending);
			} else if ((cc != first || from <= cs) &&
				   (left == ULONG_MAX || left >= ce) &&
				   r->stamp[cc] < began) {
				scav_map_age_remove(s, r->since[cc]);
				r->since[cc] = scav_map_age_add(s, &s->map_parked,
								now) |
					       SCAV_MAP_NO_SINCE;
			}
		}
		spin_unlock(&s->rlock);
	}
	spin_lock(&s->rlock);
	/* Release: the zaps above are done before a waiter sees 0. */
	smp_wmb();
	WRITE_ONCE(r->zaps, r->zaps - 1);
	WRITE_ONCE(s->map_zaps, s->map_zaps - 1);
	spin_unlock(&s->rlock);
	/* Drops and session ends wait for the count, MAP_WAIT for the words. */
	if (wq_has_sleeper(&s->busy_wq))
		wake_up_all(&s->busy_wq);
	*last = c;
	return left == ULONG_MAX ? end : left;
}

/*
 * The first chunk of [*@c, @stop) of @r pending and due (@due), with its
 * discard counted in flight, under the lock that drops the region: true,
 * *@c set to it.  False if there is none, @r was dropped, or an aging or
 * pressure pass may look at no more chunks (a younger chunk passed over
 * costs 1/SCAV_MAP_CHUNK_PAGES of one).
 */
static bool scav_map_next_chunk(struct scav_session *s, struct scav_region *r,
				struct scav_pass *p,
				const struct scav_map_due *due,
				unsigned long *c, unsigned long stop)
{
	bool charged = scav_pass_charged(p), found = false;

	spin_lock(&s->rlock);
	while (!r->dropped && !(charged && !p->map_chunks) &&
	       (*c = find_next_bit(r->pending, stop, *c)) < stop) {
		if (scav_map_due(r, *c, due)) {
			p->map_chunks -= charged;
			p->map_due++;
			WRITE_ONCE(r->zaps, r->zaps + 1);
			WRITE_ONCE(s->map_zaps, s->map_zaps + 1);
			found = true;
			break;
		}
		if (charged && !(++p->map_passed % SCAV_MAP_CHUNK_PAGES))
			p->map_chunks--;
		(*c)++;
	}
	spin_unlock(&s->rlock);
	return found;
}

/*
 * Between two chunks: if the mmap lock is wanted (a writer waits, and the
 * readers that come after it wait for it) or the CPU is, let go of it for
 * a moment, as the pass over ranges does between batches.  False if it
 * could not be taken back (busy, with @trylock; a fatal signal without):
 * the lock is not held then.
 */
static bool scav_map_relax(struct scav_session *s, bool trylock)
{
	if (!need_resched() && !mmap_lock_is_contended(s->mm))
		return true;
	mmap_read_unlock(s->mm);
	cond_resched();
	if (trylock)
		return mmap_read_trylock(s->mm);
	return !mmap_read_lock_killable(s->mm);
}

/*
 * Discard the idle pages of @r's chunks that are due (@due), within the
 * pass's budgets, from the page where the last pass stopped round to it:
 * so no chunk that stays pending (say under an mlock()) starves the rest,
 * and no chunk whose runs cost more than a pass's budget (say pages
 * ineligible one in two, so that each eligible one is a zap of its own,
 * for a page of budget) has its later pages starved by its first ones.
 * 1 if the pass ended here, 0 if not; -1 if it ended because the mmap
 * lock, let go between chunks (scav_map_relax()), could not be taken back.
 * Under the mmap read lock, which on -1 is no longer held.
 */
static int scav_map_discard_region(struct scav_session *s,
				   struct scav_region *r, struct scav_pass *p,
				   const struct scav_map_due *due,
				   bool trylock)
{
	unsigned long from = READ_ONCE(r->cursor), next = 0, c, stop, fc;
	int lap, ended = 1;

	if (from >= r->npages)
		from = 0;
	fc = from / SCAV_MAP_CHUNK_PAGES;
	for (lap = 0; lap < 2; lap++) {
		/*
		 * The cursor's chunk again only if the cursor is inside it,
		 * for its pages before it (and, as it goes, the rest again).
		 */
		c = lap ? 0 : fc;
		stop = lap ? fc + !!(from % SCAV_MAP_CHUNK_PAGES) : r->nchunks;
		while (scav_map_next_chunk(s, r, p, due, &c, stop)) {
			next = scav_map_discard_chunk(s, r, c,
						      lap || c != fc ? 0 : from,
						      p, due, stop, &c);
			if (scav_map_pass_over(p) || fatal_signal_pending(current))
				goto stopped;
			c++;
			if (!scav_map_relax(s, trylock)) {
				next = c * SCAV_MAP_CHUNK_PAGES;
				ended = -1;
				goto stopped;
			}
		}
		next = c * SCAV_MAP_CHUNK_PAGES;
		if (scav_map_pass_over(p))
			goto stopped;
	}
	return 0;
stopped:
	/* Racing passes may each set it: any page will do. */
	WRITE_ONCE(r->cursor, next);
	return ended;
}

/*
 * The session's map pages that pass @p covers (idle since its stamp_max,
 * within its budget).  With @trylock (aging, pressure) a busy mmap lock
 * gives -EBUSY, at the start or when it could not be taken back between
 * chunks; else it is waited for (-EINTR on a fatal signal).  0, or -ENOENT
 * if the mm is gone.  *@done: it went round every region and found no
 * more (or nothing was pending).  @harvest: harvest the map's reports
 * first (the reclaimers' loop harvests once, before its picks).
 */
static int scav_map_pass_done(struct scav_session *s, struct scav_pass *p,
			      bool trylock, bool harvest, bool *done)
{
	struct scav_map_due due = {};
	u64 before = p->bytes;
	unsigned int first, n;
	int ret = 0, ended = 0;

	*done = true;
	if (!READ_ONCE(s->map_regions))
		return 0;
	/*
	 * A range is stamped when reported, a chunk when last harvested,
	 * which may be after the pass began (a request for everything idle
	 * harvests what was reported before it): ages count to now here.
	 * Nothing pending: nothing to lock for, and no busy lock to defer.
	 */
	if (harvest)
		scav_map_harvest_all(s);
	if (!READ_ONCE(s->map_pending_chunks))
		return 0;
	if (!mmget_not_zero(s->mm))
		return -ENOENT;
	if (trylock ? !mmap_read_trylock(s->mm) : mmap_read_lock_killable(s->mm)) {
		ret = trylock ? -EBUSY : -EINTR;
		goto put;
	}
	if (p->stamp_max) {
		u64 age = p->start - p->stamp_max;

		due.last = p->stamp_max + get_jiffies_64() - p->start;
		due.first = due.last > age ? due.last - age : 0;
		if (p->cause != SCAV_CAUSE_PRESSURE)
			due.again = due.last;
	}
	/* From the region after the one where the last pass ended, round. */
	first = READ_ONCE(s->map_cursor);
	for (n = 0; n < SCAV_MAX_REGIONS && !scav_map_pass_over(p); n++) {
		int i = (first + n) % SCAV_MAX_REGIONS;
		struct scav_region *r = scav_region_get(s, i);

		if (!r)
			continue;
		ended = scav_map_discard_region(s, r, p, &due, trylock);
		scav_region_put(r);
		if (ended) {
			/* Its chunks go on at its cursor after the others'. */
			WRITE_ONCE(s->map_cursor, (i + 1) % SCAV_MAX_REGIONS);
			break;
		}
	}
	*done = n == SCAV_MAX_REGIONS;
	if (ended >= 0)
		mmap_read_unlock(s->mm);
	else
		ret = trylock ? -EBUSY : -EINTR;
	if (p->bytes > before)
		scav_nl_reclaim_event(s, p->bytes - before, p->cause, p->cgroup_id);
put:
	if (trylock)
		mmput_async(s->mm);
	else
		mmput(s->mm);
	return ret;
}

int scav_map_pass(struct scav_session *s, struct scav_pass *p, bool trylock)
{
	bool done;

	return scav_map_pass_done(s, p, trylock, true, &done);
}

/*
 * One batch of the aging worker's or the shrinker's loop (reclaim.c) on
 * @s's map, whose oldest pending chunk was the oldest idle memory the pass
 * could take: at most SCAV_MAP_BATCH_CHUNKS chunks of the pass's look, on
 * from where the last pass over the map stopped (not oldest first within
 * the map).  Once a batch has gone round every region, the map is done for
 * @round.  0, -EBUSY or -ENOENT, as scav_map_pass() with a trylock.
 */
int scav_map_batch(struct scav_session *s, struct scav_pass *p, u64 round)
{
	unsigned int look = p->map_chunks;
	unsigned int batch = min_t(unsigned int, look, SCAV_MAP_BATCH_CHUNKS);
	unsigned long due = p->map_due;
	u64 before = p->bytes;
	bool done;
	int ret;

	p->map_chunks = batch;
	ret = scav_map_pass_done(s, p, true, false, &done);
	p->map_chunks = look - (batch - p->map_chunks);
	/*
	 * A batch that found chunks due and discarded nothing leaves the map
	 * to the others for the round too: its chunks may be ones that cannot
	 * go (PROT_NONE, BUSY words the process wrote), and would else take
	 * the whole of the pass's look, batch after batch, from every other
	 * map.  One that found none due goes on from its cursor at the next.
	 */
	if (!ret && (done || (p->bytes == before && p->map_due != due))) {
		spin_lock(&s->rlock);
		s->map_round[p->cause] = max(s->map_round[p->cause], round);
		spin_unlock(&s->rlock);
	}
	return ret;
}

/*
 * Map reports made since the last look, of the sessions @v[0..@nr) (all
 * sessions if @v is NULL): harvested before a pass of the reclaimers, so
 * that the pick sees their chunks (scav_map_oldest()).  Sessions in ID
 * order, each with a reference, none if no session has a region.
 */
void scav_map_harvest_among(struct scav_session **v, unsigned int nr)
{
	struct scav_session *s;
	unsigned long id = 0;
	unsigned int i;

	if (!atomic_long_read(&scav_totals.map_regions))
		return;
	if (v) {
		for (i = 0; i < nr; i++)
			if (READ_ONCE(v[i]->map_regions))
				scav_map_harvest_all(v[i]);
		return;
	}
	while ((s = scav_session_next(&id))) {
		if (READ_ONCE(s->map_regions))
			scav_map_harvest_all(s);
		scav_session_put(s);
		id++;
		cond_resched();
	}
}

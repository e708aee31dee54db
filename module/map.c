// SPDX-License-Identifier: GPL-2.0
/*
 * The page-state map (work in progress: registration, mapping, address
 * reuse, and discards on request; aging, pressure and the figures do not
 * cover map pages yet).  Documentation/design.md, "The page-state map".
 *
 * The map is shared with the process, which may write anything into it at
 * any time.  Every word is read once (READ_ONCE) and changed only by
 * cmpxchg() from an exact value; every loop is bounded by the region's
 * size; addresses come from the module's own record of the region, never
 * from the map.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <linux/jiffies.h>

#include "compat.h"
#include "map.h"
#include "session.h"
#include "vma.h"

#define SCAV_MAP_WORDS_PER_SUMMARY	32

static void scav_region_free(struct kref *k)
{
	struct scav_region *r = container_of(k, struct scav_region, ref);
	unsigned int i;

	if (r->map)
		vunmap(r->map);
	for (i = 0; i < r->nr_map_pages; i++)
		if (r->map_pages[i])
			__free_page(r->map_pages[i]);
	kvfree(r->map_pages);
	kvfree(r->dead);
	kvfree(r->pending);
	kvfree(r->stamp);
	kfree(r);
}

static void scav_region_put(struct scav_region *r)
{
	kref_put(&r->ref, scav_region_free);
}

/* A region of @len bytes at @start, its map zeroed (every page USED). */
static struct scav_region *scav_region_alloc(unsigned long start,
					     unsigned long len)
{
	struct scav_region *r;
	size_t summary_bytes;
	unsigned int i;

	r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);
	if (!r)
		return NULL;
	kref_init(&r->ref);
	r->start = start;
	r->end = start + len;
	r->npages = len >> PAGE_SHIFT;
	r->nchunks = DIV_ROUND_UP(r->npages, SCAV_MAP_CHUNK_PAGES);
	r->summary_off = ALIGN(r->npages * sizeof(u32), sizeof(u64));
	summary_bytes = DIV_ROUND_UP(r->nchunks, SCAV_MAP_WORDS_PER_SUMMARY) *
			sizeof(u32);
	r->nr_map_pages = PAGE_ALIGN(r->summary_off + summary_bytes) >> PAGE_SHIFT;
	r->map_pages = kvcalloc(r->nr_map_pages, sizeof(*r->map_pages),
				GFP_KERNEL_ACCOUNT);
	r->dead = kvcalloc(BITS_TO_LONGS(r->npages), sizeof(long),
			   GFP_KERNEL_ACCOUNT);
	r->pending = kvcalloc(BITS_TO_LONGS(r->nchunks), sizeof(long),
			      GFP_KERNEL_ACCOUNT);
	r->stamp = kvcalloc(r->nchunks, sizeof(u64), GFP_KERNEL_ACCOUNT);
	if (!r->map_pages || !r->dead || !r->pending || !r->stamp)
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
	return NULL;
}

/* The region of @index with a reference, or NULL.  Under @s->rlock. */
static struct scav_region *scav_region_get(struct scav_session *s, u64 index)
{
	struct scav_region *r;

	lockdep_assert_held(&s->rlock);
	if (s->closed || index >= SCAV_MAX_REGIONS)
		return NULL;
	r = s->regions[index];
	if (r)
		kref_get(&r->ref);
	return r;
}

long scav_ioc_map_region(struct scav_session *s, void __user *argp)
{
	struct scav_map_region a;
	struct scav_region *r;
	int ret, i, slot = -1;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.index || a.map_offset || a.map_size ||
	    a.summary_offset || a.__reserved[0] || a.__reserved[1])
		return -EINVAL;
	if (!scav_range_valid(a.addr, a.len) || a.len > SCAV_MAX_REGION_BYTES)
		return -EINVAL;
	r = scav_region_alloc(a.addr, a.len);
	if (!r)
		return -ENOMEM;

	/*
	 * Checked and entered under the mmap lock: an munmap() or mremap()
	 * of the range after the check finds the region in the table, and
	 * the notifier marks its pages dead (scav_map_unmapped()).
	 */
	if (mmap_read_lock_killable(s->mm)) {
		scav_region_put(r);
		return -EINTR;
	}
	ret = scav_vma_check(s->mm, r->start, r->end);
	if (!ret) {
		spin_lock(&s->rlock);
		for (i = 0; i < SCAV_MAX_REGIONS; i++) {
			struct scav_region *o = s->regions[i];

			if (!o) {
				if (slot < 0)
					slot = i;
			} else if (o->start < r->end && r->start < o->end) {
				ret = -EEXIST;
			}
		}
		if (s->closed)
			ret = -EBADF;
		else if (!ret && slot < 0)
			ret = -ENOSPC;
		if (!ret) {
			r->index = slot;
			s->regions[slot] = r;
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
	if (copy_to_user(argp, &a, sizeof(a))) {
		/* The caller cannot learn the index: the region goes. */
		spin_lock(&s->rlock);
		if (s->regions[slot] == r) {
			s->regions[slot] = NULL;
			r->dropped = true;
		} else {
			r = NULL;
		}
		spin_unlock(&s->rlock);
		if (r)
			scav_region_put(r);
		return -EFAULT;
	}
	return 0;
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
	spin_lock(&s->rlock);
	r = scav_region_get(s, a.index);
	spin_unlock(&s->rlock);
	if (!r)
		return -EINVAL;
	ret = -EINVAL;
	if (a.addr >= r->start && a.addr + a.len <= r->end) {
		first = (a.addr - r->start) >> PAGE_SHIFT;
		last = first + (a.len >> PAGE_SHIFT) - 1;
		/* A word the process itself set BUSY: it waits until killed. */
		ret = wait_event_killable(s->busy_wq,
					  !scav_map_busy(r, first, last));
		if (ret)
			ret = -EINTR;
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
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_flags & VM_EXEC)
		return -EPERM;
	spin_lock(&s->rlock);
	r = scav_region_get(s, off >> SCAV_MAP_OFFSET_SHIFT);
	spin_unlock(&s->rlock);
	if (!r)
		return -EINVAL;
	if (vma_pages(vma) != r->nr_map_pages) {
		scav_region_put(r);
		return -EINVAL;
	}
	scav_vm_flags_mod(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP,
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

/* The session ended: its regions leave the table; mappings keep the pages. */
void scav_map_drop_all(struct scav_session *s)
{
	struct scav_region *gone[SCAV_MAX_REGIONS];
	int i;

	spin_lock(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++) {
		gone[i] = s->regions[i];
		s->regions[i] = NULL;
		if (gone[i])
			gone[i]->dropped = true;
	}
	spin_unlock(&s->rlock);
	for (i = 0; i < SCAV_MAX_REGIONS; i++)
		if (gone[i])
			scav_region_put(gone[i]);
}

/*
 * Fold the summary into the module's own chunk bits: each summary word is
 * taken with an exchange, so a report after it sets its bit again and is
 * seen next time.  A chunk seen for the first time is stamped now.
 */
static void scav_map_harvest(struct scav_region *r, u64 now)
{
	unsigned long w, nwords = DIV_ROUND_UP(r->nchunks,
					       SCAV_MAP_WORDS_PER_SUMMARY);

	for (w = 0; w < nwords; w++) {
		u32 bits = xchg(&r->summary[w], 0);

		while (bits) {
			unsigned long c = w * SCAV_MAP_WORDS_PER_SUMMARY + __ffs(bits);

			bits &= bits - 1;
			if (c >= r->nchunks)	/* the process set a bit past the end */
				continue;
			if (!__test_and_set_bit(c, r->pending))
				r->stamp[c] = now;
		}
	}
}

/*
 * Zap the pages [first, last] of @r, which this pass moved IDLE -> BUSY,
 * VMA by VMA with REPORT's rules; pages of a VMA that is no longer
 * eligible go back to IDLE untouched.  Each page then goes BUSY ->
 * DISCARDED.  Returns the bytes discarded.  Under the mmap read lock.
 */
static u64 scav_map_zap_run(struct scav_session *s, struct scav_region *r,
			    unsigned long first, unsigned long last)
{
	unsigned long start = r->start + (first << PAGE_SHIFT);
	unsigned long end = r->start + ((last + 1) << PAGE_SHIFT);
	unsigned long addr = start, i;
	u64 bytes = 0;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(s->mm, addr);
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
		if (ok)
			scav_zap(vma, addr, stop - addr);
		for (i = (addr - r->start) >> PAGE_SHIFT;
		     i < (stop - r->start) >> PAGE_SHIFT; i++)
			cmpxchg(&r->words[i], SCAV_PAGE_BUSY,
				ok ? SCAV_PAGE_DISCARDED : SCAV_PAGE_IDLE);
		if (ok)
			bytes += stop - addr;
		addr = stop;
	}
	return bytes;
}

/*
 * Discard the idle pages of @r's chunks first seen at or before @stamp_max,
 * up to @budget bytes, runs of adjacent pages at a time.  A chunk leaves
 * the pending set once it holds no IDLE word.  Under the mmap read lock.
 */
static u64 scav_map_discard_region(struct scav_session *s,
				   struct scav_region *r, u64 stamp_max,
				   u64 budget)
{
	unsigned long c = 0, i, end, run;
	u64 taken = 0, bytes = 0;

	spin_lock(&s->rlock);
	scav_map_harvest(r, get_jiffies_64());
	spin_unlock(&s->rlock);

	for (;;) {
		bool idle_left = false;

		spin_lock(&s->rlock);
		c = find_next_bit(r->pending, r->nchunks, c);
		if (c >= r->nchunks || r->stamp[c] > stamp_max) {
			spin_unlock(&s->rlock);
			if (c >= r->nchunks)
				break;
			c++;
			continue;
		}
		spin_unlock(&s->rlock);

		end = min((c + 1) * SCAV_MAP_CHUNK_PAGES, r->npages);
		run = ULONG_MAX;
		for (i = c * SCAV_MAP_CHUNK_PAGES; i < end; i++) {
			bool took = false;

			if (taken < budget && !test_bit(i, r->dead) &&
			    READ_ONCE(r->words[i]) == SCAV_PAGE_IDLE) {
				took = cmpxchg(&r->words[i], SCAV_PAGE_IDLE,
					       SCAV_PAGE_BUSY) == SCAV_PAGE_IDLE;
				if (took) {
					taken += PAGE_SIZE;
					if (run == ULONG_MAX)
						run = i;
				}
			}
			if (!took && READ_ONCE(r->words[i]) == SCAV_PAGE_IDLE &&
			    !test_bit(i, r->dead))
				idle_left = true;
			if (!took && run != ULONG_MAX) {
				bytes += scav_map_zap_run(s, r, run, i - 1);
				run = ULONG_MAX;
			}
		}
		if (run != ULONG_MAX)
			bytes += scav_map_zap_run(s, r, run, end - 1);
		if (wq_has_sleeper(&s->busy_wq))
			wake_up_all(&s->busy_wq);

		spin_lock(&s->rlock);
		if (!idle_left)
			__clear_bit(c, r->pending);
		spin_unlock(&s->rlock);
		if (taken >= budget || fatal_signal_pending(current))
			break;
		c++;
		cond_resched();
	}
	return bytes;
}

/*
 * Discard the session's map pages idle since @stamp_max or before, up to
 * @budget bytes taken (pages of a VMA found ineligible count against it,
 * and go back IDLE); returns the bytes discarded.  Blocks on the mmap lock.
 */
u64 scav_map_discard(struct scav_session *s, u64 stamp_max, u64 budget)
{
	u64 bytes = 0;
	int i;

	if (mmap_read_lock_killable(s->mm))
		return 0;
	for (i = 0; i < SCAV_MAX_REGIONS && bytes < budget; i++) {
		struct scav_region *r;

		spin_lock(&s->rlock);
		r = scav_region_get(s, i);
		spin_unlock(&s->rlock);
		if (!r)
			continue;
		bytes += scav_map_discard_region(s, r, stamp_max, budget - bytes);
		scav_region_put(r);
	}
	mmap_read_unlock(s->mm);
	return bytes;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * A page-table walk of idle ranges.  walk_page_range() is not exported and
 * apply_to_existing_page_range() warns on huge PMDs, so this walks by hand,
 * the way smaps does, under the mmap read lock and the page-table locks.
 * Empty upper levels are skipped whole, so the cost is that of the page
 * tables present, not of the size of the range.
 *
 * With the mmap lock held for read, a huge PMD may be split under us, and a
 * page table may be freed: since 6.5 page tables are freed after an RCU
 * grace period, and since 6.14 (CONFIG_PT_RECLAIM) an empty one may go under
 * the mmap read lock alone.  pte_offset_map_lock() copes with that, but it
 * is a macro on 6.1 and an unexported function since 6.5, so
 * scav_pte_lock() does what it does: RCU held from reading the PMD until
 * the table's lock is taken and the PMD is seen unchanged under it.
 */
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/highmem.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>

#include "compat.h"
#include "walk.h"

/*
 * Whether the walk has seen as much resident memory as it was to look for,
 * or is clearing for a caller that is being killed (whose memory goes with
 * it: SCAV_CLAIM_ZERO of a large range is killable between 2 MiB blocks).
 */
static bool walk_full(const struct scav_walk *w)
{
	return (w->limit && w->resident >= w->limit) ||
	       (w->clear && fatal_signal_pending(current));
}

/* With w->clear: [addr, addr + len) holds data the walk cannot clear. */
static void walk_unclear(struct scav_walk *w, unsigned long addr,
			 unsigned long len)
{
	if (!w->clear)
		return;
	if (!w->unclear_end || addr < w->unclear_start)
		w->unclear_start = addr;
	w->unclear_end = max(w->unclear_end, addr + len);
}

static bool lazily_freed(struct folio *folio, bool dirty)
{
	return !folio_test_swapbacked(folio) && !dirty && !folio_test_dirty(folio);
}

/*
 * One resident anonymous folio mapped over @len bytes.  Only the dirty bit
 * of the mapping says whether reclaim may drop a lazily freed page, and the
 * folio flag says nothing reliable: MADV_FREE cleans the PTE at once but
 * clears the flag only when its per-CPU batch drains, later.  So a claim
 * (@keep) dirties every page, whatever the flag says now.
 */
static void walk_folio(struct folio *folio, struct page *page, bool dirty,
		       u64 len, struct scav_walk *w)
{
	w->resident += len;
	if (lazily_freed(folio, dirty))
		w->lazyfree += len;
	if (!scav_page_shared(folio, page))
		w->exclusive += len;
}

/* A PMD-mapped huge page; the caller holds the PMD lock. */
static void walk_huge(struct mm_struct *mm, pmd_t *pmd, pmd_t val,
		      unsigned long addr, unsigned long end, struct scav_walk *w)
{
	struct page *page = pmd_page(val);
	struct folio *folio = page_folio(page);

	if (!folio_test_anon(folio)) {
		w->zero += end - addr;	/* the huge zero page */
		return;
	}
	walk_folio(folio, page, pmd_dirty(val), end - addr, w);
	/* Not 512 pages cleared under a spinlock: the caller zaps instead. */
	walk_unclear(w, addr, end - addr);
	if (w->keep && !pmd_dirty(val))
		set_pmd_at(mm, addr & HPAGE_PMD_MASK, pmd, pmd_mkdirty(val));
}

/*
 * The page table @pmd points to, mapped and locked, if it still is one;
 * scav_pte_unlock() undoes it.  See the top of the file.
 */
static pte_t *scav_pte_lock(struct mm_struct *mm, pmd_t *pmd,
			    unsigned long addr, spinlock_t **ptlp)
{
	spinlock_t *ptl;
	pmd_t val;

	rcu_read_lock();
	val = READ_ONCE(*pmd);
	if (pmd_none(val) || !pmd_present(val) || pmd_trans_huge(val) ||
	    pmd_bad(val))
		goto none;
	/* pte_lockptr() and pte_offset_kernel() read the PMD we pass: a copy. */
	ptl = pte_lockptr(mm, &val);
	spin_lock(ptl);
	if (pmd_same(val, READ_ONCE(*pmd))) {
		*ptlp = ptl;
		return pte_offset_kernel(&val, addr);
	}
	spin_unlock(ptl);
none:
	rcu_read_unlock();
	return NULL;
}

static void scav_pte_unlock(spinlock_t *ptl)
{
	spin_unlock(ptl);
	rcu_read_unlock();
}

static void walk_ptes(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
		      unsigned long end, struct scav_walk *w)
{
	spinlock_t *ptl;
	pte_t *pte = scav_pte_lock(mm, pmd, addr, &ptl);

	if (!pte) {
		/* Changed meanwhile: nothing we can count, or dirty. */
		w->again |= w->keep;
		return;
	}
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t ptent = ptep_get(pte);
		unsigned long pfn;
		struct page *page;
		struct folio *folio;

		if (pte_none(ptent)) {
			w->zero += PAGE_SIZE;
			continue;
		}
		if (!pte_present(ptent)) {
			/*
			 * A marker with no data (scav_pte_marker()): nothing
			 * to clear, nor to zap.  Anything else is swapped,
			 * migrating or poisoned: data, or a fault, not
			 * resident.
			 */
			if (scav_pte_marker(ptent)) {
				w->zero += PAGE_SIZE;
				continue;
			}
			w->again |= w->keep && scav_pte_migrating(ptent);
			walk_unclear(w, addr, PAGE_SIZE);
			continue;
		}
		pfn = pte_pfn(ptent);
		if (is_zero_pfn(pfn)) {
			w->zero += PAGE_SIZE;
			continue;
		}
		if (pte_special(ptent) || !pfn_valid(pfn)) {
			walk_unclear(w, addr, PAGE_SIZE);
			continue;
		}
		page = pfn_to_page(pfn);
		folio = page_folio(page);
		if (!folio_test_anon(folio)) {
			walk_unclear(w, addr, PAGE_SIZE);
			continue;
		}
		walk_folio(folio, page, pte_dirty(ptent), PAGE_SIZE, w);
		/*
		 * Cleared where it is, as a write of zeros by the owner would,
		 * only if the page is exclusively ours, as a write fault would
		 * find it before writing without a copy: not one still shared
		 * with a fork child, mapped there or through a swap entry, nor
		 * KSM's (PageAnonExclusive() is the kernel's own word for it,
		 * and exact, where mapcounts of large folios are estimates).
		 * Not one being written to swap, nor one memory_failure() is
		 * taking (a machine check in the kernel is fatal).  Large
		 * folios are left to the zap.  Soft-dirty, as after a write,
		 * so that a checkpoint (CRIU) sees the change.
		 */
		if (w->clear) {
			if (folio_test_large(folio) || !PageAnonExclusive(page) ||
			    folio_test_writeback(folio) || PageHWPoison(page)) {
				walk_unclear(w, addr, PAGE_SIZE);
			} else {
				clear_user_highpage(page, addr);
				if (!pte_dirty(ptent) || !pte_soft_dirty(ptent))
					set_pte_at(mm, addr, pte,
						   pte_mksoft_dirty(pte_mkdirty(ptent)));
				continue;
			}
		}
		if (w->keep && !pte_dirty(ptent))
			set_pte_at(mm, addr, pte, pte_mkdirty(ptent));
	}
	scav_pte_unlock(ptl);
}

static void walk_pmd(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
		     unsigned long end, struct scav_walk *w)
{
	pmd_t val = READ_ONCE(*pmd);

	if (pmd_none(val)) {
		w->zero += end - addr;
		return;
	}
	if (!pmd_present(val)) {
		/* A migration entry (or a device's): not resident. */
		if (w->keep && scav_pmd_migrating(val))
			w->again = true;
		else
			walk_unclear(w, addr, end - addr);
		return;
	}
	if (pmd_trans_huge(val)) {
		spinlock_t *ptl = pmd_lock(mm, pmd);

		val = READ_ONCE(*pmd);
		if (pmd_trans_huge(val)) {
			walk_huge(mm, pmd, val, addr, end, w);
			spin_unlock(ptl);
			return;
		}
		spin_unlock(ptl);
		/* Split meanwhile: a page table now, if anything. */
	}
	walk_ptes(mm, pmd, addr, end, w);
	cond_resched();
}

/* Each level returns true when the walk is full (w->end then says where). */
static bool walk_pmds(struct mm_struct *mm, pud_t *pud, unsigned long addr,
		      unsigned long end, struct scav_walk *w)
{
	pmd_t *pmd = pmd_offset(pud, addr);
	unsigned long next;

	for (; addr < end; addr = next, pmd++) {
		next = pmd_addr_end(addr, end);
		walk_pmd(mm, pmd, addr, next, w);
		if (walk_full(w)) {
			w->end = next;
			return true;
		}
	}
	return false;
}

static bool walk_puds(struct mm_struct *mm, p4d_t *p4d, unsigned long addr,
		      unsigned long end, struct scav_walk *w)
{
	pud_t *pud = pud_offset(p4d, addr);
	unsigned long next;

	for (; addr < end; addr = next, pud++) {
		pud_t val = READ_ONCE(*pud);

		next = pud_addr_end(addr, end);
		if (pud_none(val) || pud_bad(val))
			w->zero += next - addr;
		else if (walk_pmds(mm, pud, addr, next, w))
			return true;
	}
	return false;
}

static bool walk_p4ds(struct mm_struct *mm, pgd_t *pgd, unsigned long addr,
		      unsigned long end, struct scav_walk *w)
{
	p4d_t *p4d = p4d_offset(pgd, addr);
	unsigned long next;

	for (; addr < end; addr = next, p4d++) {
		p4d_t val = READ_ONCE(*p4d);

		next = p4d_addr_end(addr, end);
		if (p4d_none(val) || p4d_bad(val))
			w->zero += next - addr;
		else if (walk_puds(mm, p4d, addr, next, w))
			return true;
	}
	return false;
}

static bool walk_vma_range(struct mm_struct *mm, unsigned long addr,
			   unsigned long end, struct scav_walk *w)
{
	pgd_t *pgd = pgd_offset(mm, addr);
	unsigned long next;

	for (; addr < end; addr = next, pgd++) {
		pgd_t val = READ_ONCE(*pgd);

		next = pgd_addr_end(addr, end);
		if (pgd_none(val) || pgd_bad(val))
			w->zero += next - addr;
		else if (walk_p4ds(mm, pgd, addr, next, w))
			return true;
	}
	return false;
}

/*
 * Walk [start, end) of @mm, whose mmap lock the caller holds for read, or
 * until the 2 MiB block where w->limit (if set) is reached; w->end says
 * where it stopped.  Only private anonymous VMAs are walked; holes and other
 * mappings count as nothing.
 *
 * With w->keep, every resident page is made dirty, as a write would, so
 * that the kernel's reclaim can no longer drop it as lazily freed.  A page
 * being migrated cannot be: it comes back mapped clean, and still lazily
 * freed, so w->again asks the caller to walk again once it is back.
 *
 * With w->clear too, every resident page is also cleared, under its page
 * table lock, so that all of the range reads as zeros.  What cannot be
 * cleared (a page mapped elsewhere too, a huge page, a swapped one) is
 * left, and w->unclear_start and w->unclear_end span it: the caller then
 * zaps that, which makes it read as zeros as well.  The caller has checked
 * that the VMAs allow the zap.  A caller being killed stops the clearing
 * (the walk ends early, at w->end).
 */
void scav_walk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct scav_walk *w)
{
	unsigned long addr = start;

	scav_mmap_assert_locked(mm);
	w->end = end;
	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		unsigned long stop;

		if (!vma || vma->vm_start >= end)
			return;
		addr = max(addr, vma->vm_start);
		stop = min(end, vma->vm_end);
		if (vma_is_anonymous(vma) && !is_vm_hugetlb_page(vma) &&
		    walk_vma_range(mm, addr, stop, w))
			return;
		addr = stop;
	}
}

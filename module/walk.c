// SPDX-License-Identifier: GPL-2.0
/*
 * A page-table walk of idle ranges.  walk_page_range() is not exported and
 * apply_to_existing_page_range() warns on huge PMDs, so this walks by hand,
 * the way smaps does, under the mmap read lock and the page-table locks.
 *
 * With the mmap lock held for read, the page tables of an anonymous VMA are
 * not freed (that takes the write lock: munmap, khugepaged collapse), but a
 * huge PMD may be split under us, so the PMD is re-checked under its lock.
 */
#include <linux/mm.h>
#include <linux/hugetlb.h>
#include <linux/huge_mm.h>
#include <linux/pgtable.h>

#include "walk.h"

static bool lazily_freed(struct folio *folio, bool dirty)
{
	return folio_test_anon(folio) && !folio_test_swapbacked(folio) &&
	       !dirty && !folio_test_dirty(folio);
}

/* A PMD-mapped huge page; the caller holds the PMD lock. */
static void walk_huge(struct mm_struct *mm, pmd_t *pmd, pmd_t val,
		      unsigned long addr, unsigned long end, struct scav_walk *w)
{
	struct folio *folio = page_folio(pmd_page(val));
	u64 len = end - addr;

	w->resident += len;
	if (!lazily_freed(folio, pmd_dirty(val)))
		return;
	w->lazyfree += len;
	if (w->keep)
		set_pmd_at(mm, addr & HPAGE_PMD_MASK, pmd, pmd_mkdirty(val));
}

static void walk_ptes(struct mm_struct *mm, pmd_t *pmd, pmd_t val,
		      unsigned long addr, unsigned long end, struct scav_walk *w)
{
	/* pte_lockptr() and pte_offset_kernel() read the PMD we pass: a copy. */
	spinlock_t *ptl = pte_lockptr(mm, &val);
	pte_t *pte;

	spin_lock(ptl);
	if (!pmd_same(val, READ_ONCE(*pmd))) {
		spin_unlock(ptl);
		return;
	}
	pte = pte_offset_kernel(&val, addr);
	for (; addr < end; addr += PAGE_SIZE, pte++) {
		pte_t ptent = ptep_get(pte);
		unsigned long pfn;

		if (pte_none(ptent)) {
			w->zero += PAGE_SIZE;
			continue;
		}
		if (!pte_present(ptent))
			continue;	/* swapped or migrating: data, not resident */
		pfn = pte_pfn(ptent);
		if (is_zero_pfn(pfn)) {
			w->zero += PAGE_SIZE;
			continue;
		}
		if (pte_special(ptent) || !pfn_valid(pfn))
			continue;
		w->resident += PAGE_SIZE;
		if (!lazily_freed(page_folio(pfn_to_page(pfn)), pte_dirty(ptent)))
			continue;
		w->lazyfree += PAGE_SIZE;
		if (w->keep)
			set_pte_at(mm, addr, pte, pte_mkdirty(ptent));
	}
	spin_unlock(ptl);
}

static void walk_pmd(struct mm_struct *mm, pmd_t *pmd, unsigned long addr,
		     unsigned long end, struct scav_walk *w)
{
	pmd_t val = READ_ONCE(*pmd);

	if (pmd_none(val)) {
		w->zero += end - addr;
		return;
	}
	if (!pmd_present(val))
		return;		/* a migration entry: not resident */
	if (pmd_trans_huge(val)) {
		spinlock_t *ptl = pmd_lock(mm, pmd);

		val = READ_ONCE(*pmd);
		if (pmd_trans_huge(val)) {
			walk_huge(mm, pmd, val, addr, end, w);
			spin_unlock(ptl);
			return;
		}
		spin_unlock(ptl);
		/* Split meanwhile: a page table now. */
		if (!pmd_present(val) || pmd_none(val))
			return;
	}
	if (pmd_bad(val))
		return;
	walk_ptes(mm, pmd, val, addr, end, w);
}

static void walk_vma_range(struct mm_struct *mm, unsigned long addr,
			   unsigned long end, struct scav_walk *w)
{
	while (addr < end) {
		unsigned long next = pmd_addr_end(addr, end);
		pgd_t *pgd = pgd_offset(mm, addr);
		p4d_t *p4d;
		pud_t *pud;

		if (pgd_none(*pgd) || pgd_bad(*pgd))
			goto none;
		p4d = p4d_offset(pgd, addr);
		if (p4d_none(*p4d) || p4d_bad(*p4d))
			goto none;
		pud = pud_offset(p4d, addr);
		if (pud_none(*pud) || pud_bad(*pud))
			goto none;
		walk_pmd(mm, pmd_offset(pud, addr), addr, next, w);
		addr = next;
		continue;
none:
		w->zero += next - addr;
		addr = next;
	}
}

/*
 * Walk [start, end) of @mm, whose mmap lock the caller holds for read.  Only
 * private anonymous VMAs are walked; holes and other mappings count as
 * nothing.
 */
void scav_walk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct scav_walk *w)
{
	unsigned long addr = start;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		unsigned long stop;

		if (!vma || vma->vm_start >= end)
			return;
		addr = max(addr, vma->vm_start);
		stop = min(end, vma->vm_end);
		if (vma_is_anonymous(vma) && !is_vm_hugetlb_page(vma))
			walk_vma_range(mm, addr, stop, w);
		addr = stop;
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Which memory scav may discard.  The zap helpers skip every check madvise()
 * makes, so all of them are made here, on every VMA, every time.
 */
#include <linux/mm.h>
#include <linux/userfaultfd_k.h>

#include "compat.h"
#include "vma.h"

/*
 * Private anonymous memory only: a zap of anything else would lose file or
 * shared data, or pages the kernel or a device owns.  Beyond madvise
 * (MADV_DONTNEED)'s rules, shared and file mappings are refused outright and
 * userfaultfd-armed ones too, since their monitor decides what a missing page
 * means, and sealed ones (mseal()): madvise() refuses to discard those that
 * cannot be written, and scav refuses them all, since their owner asked that
 * they never change behind its back.
 */
bool scav_vma_eligible(struct vm_area_struct *vma)
{
	if (!vma_is_anonymous(vma))
		return false;
	if (vma->vm_flags & (VM_SHARED | VM_MAYSHARE | VM_LOCKED | VM_HUGETLB |
			     VM_PFNMAP | VM_IO | VM_MIXEDMAP | SCAV_VM_SEALED))
		return false;
	return !userfaultfd_armed(vma);
}

/*
 * Whether all of [start, end) is mapped (-ENOMEM if not) by eligible VMAs
 * that can be accessed (-EINVAL if not), for a report.  Memory with no
 * access (PROT_NONE) holds nothing an allocator could reuse without an
 * mprotect() first, and a huge PROT_NONE reservation would only pose as
 * idle memory.  The caller holds the mmap lock.
 */
int scav_vma_check(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	unsigned long addr = start;

	scav_mmap_assert_locked(mm);
	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);

		if (!vma || vma->vm_start > addr)
			return -ENOMEM;
		if (!scav_vma_eligible(vma) ||
		    !(vma->vm_flags & (VM_READ | VM_WRITE | VM_EXEC)))
			return -EINVAL;
		addr = vma->vm_end;
	}
	return 0;
}

/* Page-aligned, non-empty, not wrapping, and all of it user address space. */
bool scav_range_valid(u64 addr, u64 len)
{
	return PAGE_ALIGNED(addr) && PAGE_ALIGNED(len) && len &&
	       addr + len > addr && addr + len <= TASK_SIZE;
}

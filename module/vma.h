/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_VMA_H
#define _SCAV_VMA_H

#include <linux/mm_types.h>

bool scav_vma_eligible(struct vm_area_struct *vma);
int scav_vma_check(struct mm_struct *mm, unsigned long start, unsigned long end);
bool scav_range_valid(u64 addr, u64 len);

#endif /* _SCAV_VMA_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_WALK_H
#define _SCAV_WALK_H

#include <linux/mm_types.h>

/*
 * What the page tables say about a range of private anonymous memory, by the
 * rules /proc/PID/smaps uses: resident pages are mapped ones (not the shared
 * zero page); lazily freed ones are anonymous, no longer swap-backed, and
 * clean in both the PTE (or PMD) and the folio.
 */
struct scav_walk {
	bool keep;	/* make lazily freed pages dirty, so reclaim keeps them */
	u64 resident;
	u64 lazyfree;
	u64 zero;	/* unmapped, or the zero page: reads as zeros */
};

void scav_walk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct scav_walk *w);

#endif /* _SCAV_WALK_H */

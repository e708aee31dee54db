/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_WALK_H
#define _SCAV_WALK_H

#include <linux/mm_types.h>

/*
 * What the page tables say about a range of private anonymous memory, by the
 * rules /proc/PID/smaps uses: resident pages are mapped anonymous ones (not
 * the shared zero page, nor the huge one); lazily freed ones are no longer
 * swap-backed, and clean in both the PTE (or PMD) and the folio.
 */
struct scav_walk {
	bool keep;	/* dirty every resident page, see scav_walk_range() */
	bool clear;	/* with @keep, also clear it, see scav_walk_range() */
	u64 limit;	/* stop after the 2 MiB block where @resident reaches it */
	u64 resident;
	u64 lazyfree;
	u64 zero;	/* unmapped, or a zero page: reads as zeros */
	u64 exclusive;	/* resident and mapped only here: a zap frees them */
	unsigned long end;	/* where the walk stopped */
	/*
	 * With @keep: a page could not be made dirty, as it was being
	 * migrated or its page table changed under the walk; walk again.
	 */
	bool again;
	/*
	 * With @clear: pages held data it could not clear, in
	 * [@unclear_start, @unclear_end); zap that.  @unclear_end is 0 if
	 * there were none.
	 */
	unsigned long unclear_start, unclear_end;
};

void scav_walk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, struct scav_walk *w);

#endif /* _SCAV_WALK_H */

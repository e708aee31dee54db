/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_RANGES_H
#define _SCAV_RANGES_H

#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

/*
 * The idle ranges of one session: non-overlapping [start, end) intervals in
 * an rbtree keyed by address, plus a list of the kept (not discarded) ones in
 * report order, which is also age order because stamps are taken under the
 * session's spinlock.  Every function here runs under that spinlock and
 * never sleeps: nodes it needs come from a struct scav_spare filled earlier.
 *
 * A node is *busy* while a reclaimer discards it, or a claim reads its page
 * tables, outside the spinlock.  Busy nodes are never picked, merged or
 * carved; reports and claims wait for busy nodes they overlap to settle.
 * Only an unmap removes a busy node (or part of one) under its owner.
 */
struct scav_node {
	struct rb_node rb;
	struct list_head age;	/* on scav_ranges.kept, or empty if discarded */
	unsigned long start;
	unsigned long end;
	u64 stamp;		/* jiffies64 when reported */
	u64 pass;		/* last reclaim pass that skipped this node */
	bool discarded;
	bool lazy;		/* kept, but the caller MADV_FREE'd it too */
	bool busy;		/* see above; counted in scav_ranges.nr_busy */
	bool held;		/* a placeholder, see scav_ranges_hold() */
};

struct scav_ranges {
	spinlock_t *lock;	/* the session's: every caller holds it */
	struct rb_root root;
	struct list_head kept;	/* kept nodes, oldest first */
	unsigned long nr;
	unsigned long nr_busy;
	u64 idle_bytes;		/* kept + discarded */
	u64 discarded_bytes;
	u64 lazy_bytes;		/* kept and lazily freed */
	atomic_long_t *user_nodes;	/* the opener's, see user.h */
};

#define scav_ranges_assert_held(r)	lockdep_assert_held((r)->lock)

/* No reclaim pass has this id: nodes start with pass 0, passes count from 1. */
#define SCAV_NO_PASS U64_MAX

/* Nodes set aside, outside the spinlock, for the splits an operation needs. */
#define SCAV_SPARE_NODES 2
struct scav_spare {
	struct scav_node *node[SCAV_SPARE_NODES];
};

/* What a removal took out of the set. */
struct scav_removed {
	u64 kept;	/* not counting @lazy */
	u64 lazy;
	u64 discarded;
	u64 lost;	/* still mapped, dropped for want of a node to split */
};

extern atomic_long_t scav_nodes_total;

int scav_ranges_init(void);
void scav_ranges_exit(void);

void scav_ranges_setup(struct scav_ranges *r, spinlock_t *lock);
void scav_ranges_destroy(struct scav_ranges *r);

int scav_spare_fill(struct scav_spare *sp, gfp_t gfp);
void scav_spare_release(struct scav_spare *sp);

void scav_ranges_remove(struct scav_ranges *r, unsigned long start,
			unsigned long end, struct scav_spare *sp, gfp_t gfp,
			struct scav_removed *out);
void scav_ranges_insert(struct scav_ranges *r, unsigned long start,
			unsigned long end, u64 stamp, bool lazy,
			struct scav_spare *sp);
void scav_ranges_hold(struct scav_ranges *r, unsigned long start,
		      unsigned long end, struct scav_spare *sp);
bool scav_ranges_next_kept(struct scav_ranges *r, unsigned long addr,
			   unsigned long *start, unsigned long *end);
bool scav_ranges_first_walk(struct scav_ranges *r, unsigned long *start,
			    unsigned long *end, bool all);
struct scav_node *scav_ranges_oldest(struct scav_ranges *r, u64 pass,
				     u64 stamp_max);
struct scav_node *scav_ranges_carve(struct scav_ranges *r, unsigned long start,
				    unsigned long end, struct scav_spare *sp);
void scav_ranges_set_busy(struct scav_ranges *r, struct scav_node *n, bool busy);
bool scav_ranges_busy_in(struct scav_ranges *r, unsigned long start,
			 unsigned long end);
u64 scav_ranges_settle(struct scav_ranges *r, unsigned long start,
		       unsigned long end);
void scav_ranges_skip(struct scav_ranges *r, struct scav_node *n, u64 pass);
struct scav_node *scav_ranges_at(struct scav_ranges *r, unsigned long addr);

#endif /* _SCAV_RANGES_H */

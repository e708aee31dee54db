// SPDX-License-Identifier: GPL-2.0
/*
 * The idle range set of a session.  See ranges.h for the locking rules.
 */
#include <linux/jiffies.h>
#include <linux/minmax.h>
#include <linux/slab.h>

#include "config.h"
#include "ranges.h"
#include "totals.h"

/*
 * Adjacent kept ranges reported within this many jiffies of each other merge
 * into one node with the newer stamp, so an allocator that frees neighbouring
 * chunks one by one costs one node, and no memory ever looks older than it is.
 */
#define SCAV_MERGE_JIFFIES HZ

static struct kmem_cache *scav_node_cache;
atomic_long_t scav_nodes_total = ATOMIC_LONG_INIT(0);

static inline u64 node_len(const struct scav_node *n)
{
	return n->end - n->start;
}

/* The session's figures and the module's, which the shrinker counts on. */
static void node_account(struct scav_ranges *r, struct scav_node *n, int sign)
{
	s64 len = sign * (s64)node_len(n);

	if (n->held)
		return;
	r->idle_bytes += len;
	atomic64_add(len, &scav_totals.idle_bytes);
	if (n->discarded) {
		r->discarded_bytes += len;
		atomic64_add(len, &scav_totals.discarded_bytes);
	} else if (n->lazy) {
		r->lazy_bytes += len;
		atomic64_add(len, &scav_totals.lazy_bytes);
	}
}

static void node_link(struct scav_ranges *r, struct scav_node *n)
{
	struct rb_node **link = &r->root.rb_node, *parent = NULL;

	while (*link) {
		struct scav_node *p = rb_entry(*link, struct scav_node, rb);

		parent = *link;
		link = n->start < p->start ? &parent->rb_left : &parent->rb_right;
	}
	rb_link_node(&n->rb, parent, link);
	rb_insert_color(&n->rb, &r->root);
	r->nr++;
	r->nr_busy += n->busy;
	atomic_long_inc(&scav_nodes_total);
	atomic_long_inc(r->user_nodes);
	node_account(r, n, 1);
}

static void node_erase(struct scav_ranges *r, struct scav_node *n)
{
	node_account(r, n, -1);
	rb_erase(&n->rb, &r->root);
	list_del(&n->age);
	r->nr--;
	r->nr_busy -= n->busy;
	atomic_long_dec(&scav_nodes_total);
	atomic_long_dec(r->user_nodes);
	kmem_cache_free(scav_node_cache, n);
}

static struct scav_node *node_next(struct scav_node *n)
{
	struct rb_node *rb = rb_next(&n->rb);

	return rb ? rb_entry(rb, struct scav_node, rb) : NULL;
}

static struct scav_node *node_prev(struct scav_node *n)
{
	struct rb_node *rb = rb_prev(&n->rb);

	return rb ? rb_entry(rb, struct scav_node, rb) : NULL;
}

/* The lowest node ending above @addr. */
static struct scav_node *first_above(struct scav_ranges *r, unsigned long addr)
{
	struct rb_node *rb = r->root.rb_node;
	struct scav_node *found = NULL;

	while (rb) {
		struct scav_node *n = rb_entry(rb, struct scav_node, rb);

		if (n->end > addr) {
			found = n;
			rb = rb->rb_left;
		} else {
			rb = rb->rb_right;
		}
	}
	return found;
}

static struct scav_node *spare_take(struct scav_spare *sp, gfp_t gfp)
{
	int i;

	for (i = 0; sp && i < SCAV_SPARE_NODES; i++) {
		struct scav_node *n = sp->node[i];

		if (n) {
			sp->node[i] = NULL;
			return n;
		}
	}
	return gfp ? kmem_cache_alloc(scav_node_cache, gfp) : NULL;
}

int scav_spare_fill(struct scav_spare *sp, gfp_t gfp)
{
	int i;

	for (i = 0; i < SCAV_SPARE_NODES; i++) {
		if (sp->node[i])
			continue;
		sp->node[i] = kmem_cache_alloc(scav_node_cache, gfp | __GFP_ACCOUNT);
		if (!sp->node[i])
			return -ENOMEM;
	}
	return 0;
}

void scav_spare_release(struct scav_spare *sp)
{
	int i;

	for (i = 0; i < SCAV_SPARE_NODES; i++) {
		if (sp->node[i])
			kmem_cache_free(scav_node_cache, sp->node[i]);
		sp->node[i] = NULL;
	}
}

/*
 * Split @n at @at: @n keeps [start, at), the returned node gets [at, end),
 * the same state and stamp, and the place right after @n in age order.
 */
static struct scav_node *node_split(struct scav_ranges *r, struct scav_node *n,
				    unsigned long at, struct scav_node *m)
{
	node_account(r, n, -1);
	*m = *n;
	m->start = at;
	n->end = at;
	node_account(r, n, 1);
	if (n->discarded)
		INIT_LIST_HEAD(&m->age);
	else
		list_add(&m->age, &n->age);
	node_link(r, m);
	return m;
}

static void node_trim(struct scav_ranges *r, struct scav_node *n,
		      unsigned long start, unsigned long end)
{
	node_account(r, n, -1);
	n->start = start;
	n->end = end;
	node_account(r, n, 1);
}

void scav_ranges_remove(struct scav_ranges *r, unsigned long start,
			unsigned long end, struct scav_spare *sp, gfp_t gfp,
			struct scav_removed *out)
{
	struct scav_node *n = first_above(r, start), *next;

	scav_ranges_assert_held(r);
	for (; n && n->start < end; n = next) {
		u64 cut = min(n->end, end) - max(n->start, start);

		next = node_next(n);
		if (n->held)
			;
		else if (n->discarded)
			out->discarded += cut;
		else if (n->lazy)
			out->lazy += cut;
		else
			out->kept += cut;

		if (n->start < start && n->end > end) {
			struct scav_node *m = spare_take(sp, gfp);

			if (m)
				node_split(r, n, end, m);
			else
				out->lost += n->end - end;
			node_trim(r, n, n->start, start);
			break;
		}
		if (n->start < start)
			node_trim(r, n, n->start, start);
		else if (n->end > end)
			node_trim(r, n, end, n->end);
		else
			node_erase(r, n);
	}
}

static bool can_merge(const struct scav_node *a, const struct scav_node *b)
{
	return !a->discarded && !b->discarded && !a->busy && !b->busy &&
	       a->lazy == b->lazy && a->end == b->start &&
	       abs((s64)(a->stamp - b->stamp)) <= SCAV_MERGE_JIFFIES;
}

/*
 * Insert [start, end) as kept and newest.  The caller removed whatever
 * overlapped it, in the same critical section.
 */
void scav_ranges_insert(struct scav_ranges *r, unsigned long start,
			unsigned long end, u64 stamp, bool lazy,
			struct scav_spare *sp)
{
	struct scav_node *n = spare_take(sp, 0), *nb;

	scav_ranges_assert_held(r);
	n->start = start;
	n->end = end;
	n->stamp = stamp;
	n->pass = 0;
	n->discarded = false;
	n->lazy = lazy;
	n->busy = false;
	n->held = false;
	list_add_tail(&n->age, &r->kept);
	node_link(r, n);

	nb = node_prev(n);
	if (nb && can_merge(nb, n)) {
		start = nb->start;
		node_erase(r, nb);
		node_trim(r, n, start, n->end);
	}
	nb = node_next(n);
	if (nb && can_merge(n, nb)) {
		end = nb->end;
		node_erase(r, nb);
		node_trim(r, n, n->start, end);
	}
}

/*
 * Hold [start, end), which the caller emptied in the same critical section,
 * while it discards it outside the spinlock: a busy node that counts as no
 * idle memory, which reports and claims of the range wait for, and which the
 * caller takes out again with scav_ranges_remove().
 */
void scav_ranges_hold(struct scav_ranges *r, unsigned long start,
		      unsigned long end, struct scav_spare *sp)
{
	struct scav_node *n = spare_take(sp, 0);

	scav_ranges_assert_held(r);
	n->start = start;
	n->end = end;
	n->stamp = 0;
	n->pass = 0;
	n->discarded = true;
	n->lazy = false;
	n->busy = true;
	n->held = true;
	INIT_LIST_HEAD(&n->age);
	node_link(r, n);
}

/* The first kept node ending above @addr: its part from @addr on. */
bool scav_ranges_next_kept(struct scav_ranges *r, unsigned long addr,
			   unsigned long *start, unsigned long *end)
{
	struct scav_node *n;

	scav_ranges_assert_held(r);
	for (n = first_above(r, addr); n; n = node_next(n)) {
		if (!n->discarded) {
			*start = max(n->start, addr);
			*end = n->end;
			return true;
		}
	}
	return false;
}

/*
 * The first kept part of [*start, *end) that a claim looks at, narrowed to
 * it: a lazily freed one, or with @all any.
 */
bool scav_ranges_first_walk(struct scav_ranges *r, unsigned long *start,
			    unsigned long *end, bool all)
{
	struct scav_node *n;

	scav_ranges_assert_held(r);
	for (n = first_above(r, *start); n && n->start < *end; n = node_next(n)) {
		if ((n->lazy || all) && !n->discarded) {
			*start = max(n->start, *start);
			*end = min(n->end, *end);
			return true;
		}
	}
	return false;
}

/*
 * The oldest kept node, if reported at or before @stamp_max and not skipped
 * by @pass.  Nodes skipped by @pass sit behind the others
 * (scav_ranges_skip()): the first one met ends the search, so that a pass
 * costs no more than the nodes it looks at, however many it skipped.
 */
struct scav_node *scav_ranges_oldest(struct scav_ranges *r, u64 pass,
				     u64 stamp_max)
{
	struct scav_node *n;

	scav_ranges_assert_held(r);
	list_for_each_entry(n, &r->kept, age) {
		if (n->busy)
			continue;
		if (n->pass == pass || time_after64(n->stamp, stamp_max))
			return NULL;
		return n;
	}
	return NULL;
}

/*
 * Make [start, end) a node of its own and return it, if one kept node that
 * is not busy covers all of it and @sp holds the nodes the splits need.
 */
struct scav_node *scav_ranges_carve(struct scav_ranges *r, unsigned long start,
				    unsigned long end, struct scav_spare *sp)
{
	struct scav_node *n = first_above(r, start);
	int need, have = 0, i;

	scav_ranges_assert_held(r);
	if (!n || n->discarded || n->busy || n->start > start || n->end < end)
		return NULL;
	need = (n->start < start) + (n->end > end);
	for (i = 0; sp && i < SCAV_SPARE_NODES; i++)
		have += !!sp->node[i];
	if (have < need)
		return NULL;
	if (n->start < start)
		n = node_split(r, n, start, spare_take(sp, 0));
	if (n->end > end)
		node_split(r, n, end, spare_take(sp, 0));
	return n;
}

static void scav_ranges_discard(struct scav_ranges *r, struct scav_node *n);

void scav_ranges_set_busy(struct scav_ranges *r, struct scav_node *n, bool busy)
{
	scav_ranges_assert_held(r);
	r->nr_busy += (int)busy - (int)n->busy;
	n->busy = busy;
}

bool scav_ranges_busy_in(struct scav_ranges *r, unsigned long start,
			 unsigned long end)
{
	struct scav_node *n;

	scav_ranges_assert_held(r);
	if (!r->nr_busy)
		return false;
	for (n = first_above(r, start); n && n->start < end; n = node_next(n))
		if (n->busy)
			return true;
	return false;
}

/*
 * A reclaimer is done with [start, end), which it carved and made busy:
 * whatever of it is still there (an unmap may have taken some) stops being
 * busy and is discarded.  Returns the bytes discarded.
 */
u64 scav_ranges_settle(struct scav_ranges *r, unsigned long start,
		       unsigned long end)
{
	struct scav_node *n;
	u64 bytes = 0;

	scav_ranges_assert_held(r);
	/* By address: a discard may merge (and free) the next node. */
	while ((n = first_above(r, start)) && n->start < end) {
		start = n->end;
		if (!n->busy)
			continue;
		scav_ranges_set_busy(r, n, false);
		bytes += node_len(n);
		scav_ranges_discard(r, n);
		start = n->end;
	}
	return bytes;
}

/*
 * A reclaimer cannot discard @n (its mapping became ineligible): skip it for
 * the rest of @pass, and put it behind the others, so that later passes do
 * not walk over it again and again before reaching memory they can discard.
 * It keeps its stamp, and is looked at again once what was ahead of it is
 * gone or old enough.
 */
void scav_ranges_skip(struct scav_ranges *r, struct scav_node *n, u64 pass)
{
	scav_ranges_assert_held(r);
	n->pass = pass;
	list_move_tail(&n->age, &r->kept);
}

/* The node holding @addr, if any. */
struct scav_node *scav_ranges_at(struct scav_ranges *r, unsigned long addr)
{
	struct scav_node *n = first_above(r, addr);

	scav_ranges_assert_held(r);
	return n && n->start <= addr ? n : NULL;
}

/* Whether @b, a discarded neighbour, may fold into @a: not a placeholder. */
static bool can_fold(const struct scav_node *a, const struct scav_node *b)
{
	return b->discarded && !b->busy &&
	       (a->end == b->start || b->end == a->start);
}

/* Mark a carved node discarded and fold it into discarded neighbours. */
static void scav_ranges_discard(struct scav_ranges *r, struct scav_node *n)
{
	struct scav_node *nb;
	unsigned long start, end;

	node_account(r, n, -1);
	n->discarded = true;
	n->lazy = false;
	list_del_init(&n->age);
	node_account(r, n, 1);

	nb = node_prev(n);
	if (nb && can_fold(n, nb)) {
		start = nb->start;
		node_erase(r, nb);
		node_trim(r, n, start, n->end);
	}
	nb = node_next(n);
	if (nb && can_fold(n, nb)) {
		end = nb->end;
		node_erase(r, nb);
		node_trim(r, n, n->start, end);
	}
}

/* An empty set; @user_nodes (the opener's count) is the caller's to set. */
void scav_ranges_setup(struct scav_ranges *r, spinlock_t *lock)
{
	r->lock = lock;
	r->root = RB_ROOT;
	INIT_LIST_HEAD(&r->kept);
	r->nr = 0;
	r->nr_busy = 0;
	r->idle_bytes = 0;
	r->discarded_bytes = 0;
	r->lazy_bytes = 0;
}

void scav_ranges_destroy(struct scav_ranges *r)
{
	struct scav_node *n, *tmp;

	scav_ranges_assert_held(r);
	rbtree_postorder_for_each_entry_safe(n, tmp, &r->root, rb) {
		node_account(r, n, -1);
		atomic_long_dec(&scav_nodes_total);
		atomic_long_dec(r->user_nodes);
		kmem_cache_free(scav_node_cache, n);
	}
	scav_ranges_setup(r, r->lock);
}

int scav_ranges_init(void)
{
	scav_node_cache = KMEM_CACHE(scav_node, SLAB_ACCOUNT);
	return scav_node_cache ? 0 : -ENOMEM;
}

void scav_ranges_exit(void)
{
	kmem_cache_destroy(scav_node_cache);
}

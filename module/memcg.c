// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroups: when a cgroup reclaims (it reached memory.max or
 * memory.high, its limit was lowered, or memory.reclaim was written), the
 * idle memory of the sessions charged to it and its descendants goes first,
 * oldest first, before the OOM killer is considered; other cgroups' sessions
 * are never touched by that reclaim.
 *
 * The kernel calls a shrinker for a cgroup other than the root only if the
 * shrinker is memcg-aware and a memcg-aware list_lru of it holds an item of
 * that cgroup (list_lru_add() sets the cgroup's shrinker bit; nothing else
 * a module can call does).  So each session that reported idle memory has
 * one link on scav_lru, a slab object charged to the session's memory
 * cgroup, which puts it on that cgroup's list.  A cgroup's reclaim walks its
 * own list and its descendants' (the kernel visits each), and scav discards
 * the oldest idle memory of the sessions it finds there.
 *
 * Cgroup v2 does not move charges: a process that moves to another cgroup
 * gets a new link, charged to the new one, at its next report.  A cgroup
 * removed while its sessions live has its list spliced into its parent's.
 * With cgroup.memory=nokmem nothing is charged, every link is on the root
 * list, and only global reclaim reaches scav (as on cgroup v1 without kmem
 * accounting).
 */
#include <linux/cgroup.h>
#include <linux/memcontrol.h>
#include <linux/mutex.h>
#include <linux/nodemask.h>
#include <linux/sizes.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include "compat.h"
#include "map.h"
#include "memcg.h"
#include "reclaim.h"
#include "session.h"

struct scav_link {
	struct list_head lru;		/* on scav_lru, under its lock */
	struct scav_session *s;
	u64 cgid;			/* the cgroup it was charged to */
};

struct list_lru scav_lru;
bool scav_lru_ready;
static struct kmem_cache *scav_link_cache;

/* The cgroup ID of a memory cgroup (0 without one). */
u64 scav_memcg_id(struct mem_cgroup *memcg)
{
	return memcg ? cgroup_id(memcg->css.cgroup) : 0;
}

/*
 * At a report: @s is on the list of its process's memory cgroup, with a
 * link charged to it.  Called without locks; may sleep.  Without memory for
 * a link the session stays where it was (or off the lists): its idle memory
 * is then reached by global reclaim and aging only, never lost.
 */
void scav_memcg_track(struct scav_session *s)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(s->mm), *old_memcg;
	u64 cgid = scav_memcg_id(memcg);
	struct scav_link *l, *old;

	if (READ_ONCE(s->link_cgid) == cgid && READ_ONCE(s->link))
		goto out;
	mutex_lock(&s->link_lock);
	if (s->link_dead || (s->link && s->link_cgid == cgid))
		goto unlock;
	old_memcg = set_active_memcg(memcg);
	l = kmem_cache_alloc_lru(scav_link_cache, &scav_lru,
				 GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	set_active_memcg(old_memcg);
	if (!l)
		goto unlock;
	l->s = s;
	l->cgid = cgid;
	INIT_LIST_HEAD(&l->lru);
	scav_lru_add(&scav_lru, &l->lru);
	old = s->link;
	WRITE_ONCE(s->link, l);
	WRITE_ONCE(s->link_cgid, cgid);
	if (old) {
		scav_lru_del(&scav_lru, &old->lru);
		kmem_cache_free(scav_link_cache, old);
	}
unlock:
	mutex_unlock(&s->link_lock);
out:
	mem_cgroup_put(memcg);
}

/*
 * The session ends: off the lists for good.  Once this returns no walk of
 * scav_lru can find the session (they look under the list's lock).
 */
void scav_memcg_untrack(struct scav_session *s)
{
	struct scav_link *l;

	mutex_lock(&s->link_lock);
	s->link_dead = true;
	l = s->link;
	WRITE_ONCE(s->link, NULL);
	mutex_unlock(&s->link_lock);
	if (l) {
		scav_lru_del(&scav_lru, &l->lru);
		kmem_cache_free(scav_link_cache, l);
	}
}

/* Global reclaim and drop_caches, or a cgroup's own. */
bool scav_memcg_is_root(struct shrink_control *sc)
{
	return !sc->memcg || !sc->memcg->css.parent;
}

/*
 * Walk callbacks run under the list's spinlock: no sleeping, and of the
 * session's locks only its spinlock, which is never held around the list's
 * (a report takes the session's link mutex, then the list's).
 */
static SCAV_LRU_WALK_CB(scav_lru_count_cb, item, arg)
{
	struct scav_link *l = list_entry(item, struct scav_link, lru);

	*(unsigned long *)arg += scav_session_reclaimable(l->s);
	return LRU_SKIP;
}

/* Sessions taken from a cgroup's list for one scan, with references. */
#define SCAV_MEMCG_BATCH	16

struct scav_memcg_pick {
	struct scav_session *v[SCAV_MEMCG_BATCH];
	unsigned int nr;
};

static SCAV_LRU_WALK_CB(scav_lru_pick_cb, item, arg)
{
	struct scav_link *l = list_entry(item, struct scav_link, lru);
	struct scav_memcg_pick *pk = arg;

	if (pk->nr < SCAV_MEMCG_BATCH && refcount_inc_not_zero(&l->s->ref))
		pk->v[pk->nr++] = l->s;
	/* The next scan starts with the sessions this one did not take. */
	return LRU_ROTATE;
}

/*
 * A shrinker without seek cost is asked for half of what it counts on each
 * call.  Where a cgroup's reclaim does not count the pages a shrinker frees
 * (SCAV_MEMCG_CREDITED), it goes on through every priority, calling the
 * shrinker at each, for every charge that fails: counting a large pool
 * whole would discard nearly all of it at the first failure (6.12 and 7.3
 * took all 160 MiB of a holder for a hog short of 96 MiB).  There the count
 * stops at this much (or twice what the cgroup is over its limit, see
 * scav_memcg_excess()), so a failed charge takes at most 13 halves of it
 * (52 MiB) from each cgroup it visits (and each NUMA node), and the next
 * failure takes more if needed.  Where the reclaim counts them (6.1) it
 * stops asking once it has enough, and a cap would only make it come back
 * more often (a hog took 1.2-1.3x the time).
 */
#define SCAV_MEMCG_COUNT_MAX	(SZ_8M >> PAGE_SHIFT)

/*
 * The room a cgroup's pressure leaves under a limit it found reached: 1/32
 * of the limit, at least 1 MiB and at most 16 MiB (in pages).  Faults
 * refill it before the limit is reached again, and reclaim then finds scav
 * able to take the lock it needs, which it is not when the charge comes
 * from a process holding its own mmap lock for writing: munmap() or
 * mprotect() splitting a VMA, mmap(), brk() (the charge is a slab page).
 * scav then cannot discard that process's idle memory, and a charge that
 * finds usage at the limit fails and calls the OOM killer, where a process
 * that had used madvise() would hold nothing idle.  The margin makes that
 * rare (the charge must come within a page of the limit), not impossible.
 */
static unsigned long scav_memcg_margin(unsigned long limit)
{
	return clamp(limit / 32, (unsigned long)(SZ_1M >> PAGE_SHIFT),
		     (unsigned long)(SZ_16M >> PAGE_SHIFT));
}

/*
 * How far @memcg or a parent is over its memory.max or memory.high, in
 * pages; with @margin, how far short of that room under them.  A charge
 * that fails leaves usage at the limit, so the excess is 0 then; it is
 * large when the limit was just cut below usage, where the kernel gives up
 * after 16 reclaim calls that it saw free nothing (memory.max) or throttles
 * the task (memory.high): the count must then cover the whole excess at
 * once, or a cut of more than 16 x 52 MiB would OOM-kill while scav still
 * holds idle memory.
 */
static unsigned long scav_memcg_excess(struct mem_cgroup *memcg, bool margin)
{
	unsigned long excess = 0;

	for (; memcg; memcg = parent_mem_cgroup(memcg)) {
		unsigned long usage = page_counter_read(&memcg->memory);
		unsigned long limit = min(READ_ONCE(memcg->memory.max),
					  READ_ONCE(memcg->memory.high));

		if (limit == PAGE_COUNTER_MAX)
			continue;
		if (margin)
			usage += scav_memcg_margin(limit);
		if (usage > limit)
			excess = max(excess, usage - limit);
	}
	return excess;
}

/*
 * What a cgroup's sessions could give, by the count the global shrinker
 * uses (at most SCAV_MEMCG_COUNT_MAX where that applies); SHRINK_EMPTY only
 * when its lists hold no session, so that the kernel asks again as soon as
 * one reports (list_lru_add() sets its bit).  The links are not NUMA-aware:
 * every node's list counts.
 */
unsigned long scav_memcg_count(struct shrink_control *sc)
{
	unsigned long pages = 0, linked = 0;
	int nid;

	for_each_online_node(nid) {
		unsigned long n = list_lru_count_one(&scav_lru, nid, sc->memcg);

		if (!n)
			continue;
		linked += n;
		list_lru_walk_one(&scav_lru, nid, sc->memcg, scav_lru_count_cb,
				  &pages, &n);
	}
	if (!linked)
		return SHRINK_EMPTY;
	if (SCAV_MEMCG_CREDITED)
		return pages;
	return min(pages, max_t(unsigned long, SCAV_MEMCG_COUNT_MAX,
				2 * scav_memcg_excess(sc->memcg, false)));
}

/*
 * Discard up to @sc->nr_to_scan pages of the cgroup's sessions, oldest
 * first, as the global shrinker does for all (reclaim.c); returns the pages
 * freed.  Sessions of its descendants are reached when the kernel visits
 * each of them.
 */
unsigned long scav_memcg_scan(struct shrink_control *sc)
{
	struct scav_memcg_pick pk = { .nr = 0 };
	struct scav_pass p;
	unsigned int i;
	int nid;

	for_each_online_node(nid) {
		unsigned long n = SCAV_MEMCG_BATCH - pk.nr;

		if (!n)
			break;
		list_lru_walk_one(&scav_lru, nid, sc->memcg, scav_lru_pick_cb,
				  &pk, &n);
	}
	scav_pass_init(&p, SCAV_CAUSE_PRESSURE, 0);
	p.budget = (u64)max(sc->nr_to_scan,
			    scav_memcg_excess(sc->memcg, true)) << PAGE_SHIFT;
	p.cgroup_id = scav_memcg_id(sc->memcg);
	p.may_wait = gfpflags_allow_blocking(sc->gfp_mask);
	scav_reclaim_among(&p, pk.v, pk.nr);
	for (i = 0; i < pk.nr; i++)
		scav_session_put(pk.v[i]);
	sc->nr_scanned = p.resident >> PAGE_SHIFT;
	return p.freed_pages;
}

int scav_memcg_init(void)
{
	scav_link_cache = KMEM_CACHE(scav_link, SLAB_ACCOUNT);
	return scav_link_cache ? 0 : -ENOMEM;
}

/* After the shrinker is gone and every session ended. */
void scav_memcg_exit(void)
{
	if (scav_lru_ready)
		list_lru_destroy(&scav_lru);
	kmem_cache_destroy(scav_link_cache);
}

/* The ID of the memory cgroup @s's process is in now (0: none). */
u64 scav_session_cgroup_id(struct scav_session *s)
{
	struct mem_cgroup *memcg = get_mem_cgroup_from_mm(s->mm);
	u64 id = scav_memcg_id(memcg);

	mem_cgroup_put(memcg);
	return id;
}

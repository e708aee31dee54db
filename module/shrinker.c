// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure: a shrinker offers the kept idle pages of all sessions to
 * the kernel's reclaim, oldest first.  In reclaim context it only trylocks
 * the mmap lock (and takes no session lock but the spinlock), never sleeps
 * on an allocation, drops mm references with mmput_async(), and reports the
 * resident pages that really went away.
 *
 * It is memcg-aware: for global reclaim (and drop_caches) it takes the
 * oldest idle memory of all sessions; for a memory cgroup's reclaim only
 * that of the sessions charged to the cgroup (memcg.c).
 */
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/shrinker.h>

#include "compat.h"
#include "config.h"
#include "map.h"
#include "memcg.h"
#include "netlink.h"
#include "reclaim.h"
#include "session.h"
#include "shrinker.h"

/*
 * The kernel asks a shrinker for at least a batch, and a pool smaller than
 * two batches only at low priority; a small cgroup's few MiB of idle memory
 * must be reached before it OOMs.
 */
#define SCAV_SHRINK_BATCH	64

static struct shrinker *scav_shrinker;

/*
 * What the shrinker could free: idle memory that is resident, as far as a
 * count without a page-table walk can tell (scav_sessions_reclaimable()).
 * A huge idle range that holds nothing offers nothing.
 */
static unsigned long scav_shrink_count(struct shrinker *sh,
				       struct shrink_control *sc)
{
	s64 kept = atomic64_read(&scav_totals.idle_bytes) -
		   atomic64_read(&scav_totals.discarded_bytes);
	unsigned long pages;

	if (!smp_load_acquire(&scav_lru_ready))
		return 0;
	if (!scav_memcg_is_root(sc)) {
		if (!scav_cfg(enabled) || !scav_cfg(shrinker_enabled))
			return 0;
		return scav_memcg_count(sc);
	}
	/* Reclaim asks every shrinker first: tell listeners, even if off. */
	scav_nl_pressure_event(max_t(s64, kept, 0));
	if (!scav_cfg(enabled) || !scav_cfg(shrinker_enabled))
		return 0;
	pages = scav_sessions_reclaimable();
	return pages ? pages : SHRINK_EMPTY;
}

static unsigned long scav_shrink_scan(struct shrinker *sh,
				      struct shrink_control *sc)
{
	unsigned long freed;
	struct scav_pass p;

	if (!scav_cfg(enabled) || !scav_cfg(shrinker_enabled))
		return SHRINK_STOP;
	if (!scav_memcg_is_root(sc)) {
		freed = scav_memcg_scan(sc);
		scav_account_reclaimed(freed);
		return freed ? freed : SHRINK_STOP;
	}
	/* Under pressure any idle memory goes, however young, oldest first. */
	scav_pass_init(&p, SCAV_CAUSE_PRESSURE, 0);
	p.budget = (u64)sc->nr_to_scan << PAGE_SHIFT;
	p.may_wait = gfpflags_allow_blocking(sc->gfp_mask);
	/*
	 * Reclaim stops asking once half of what is left is less than a
	 * batch; take such a remainder now rather than leave it behind (this
	 * is what lets drop_caches empty scav).
	 */
	if (scav_shrink_count(sh, sc) < sc->nr_to_scan + 2 * SCAV_SHRINK_BATCH)
		p.budget = U64_MAX;
	scav_reclaim_oldest(&p);
	sc->nr_scanned = p.resident >> PAGE_SHIFT;
	/*
	 * Zapped pages go back to the page allocator, not through the LRU:
	 * without this credit the reclaimer would see no progress.  Only pages
	 * mapped nowhere else count (scav_reclaim_step()): zapping a page a
	 * fork child shares, or KSM merged, frees nothing.
	 */
	scav_account_reclaimed(p.freed_pages);
	return p.freed_pages ? p.freed_pages : SHRINK_STOP;
}

int scav_shrinker_init(void)
{
	/*
	 * seeks 0: idle memory costs nothing to give up, so reclaim asks for
	 * half of it on every call, at any priority, before it works hard at
	 * the page cache.  (seeks 1 scales with priority and let 6.1 OOM-kill
	 * before it asked for enough.)  A batch is one 2 MiB block.
	 */
	scav_shrinker = scav_shrinker_create("scav",
					     SHRINKER_MEMCG_AWARE | SHRINKER_NONSLAB,
					     0, SCAV_SHRINK_BATCH,
					     scav_shrink_count, scav_shrink_scan,
					     &scav_lru, &scav_lru_ready);
	return scav_shrinker ? 0 : -ENOMEM;
}

void scav_shrinker_exit(void)
{
	scav_shrinker_destroy(scav_shrinker);
}

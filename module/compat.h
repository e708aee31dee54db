/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels scav supports, wrapped once.  Core
 * code never tests LINUX_VERSION_CODE.
 *
 * Supported and tested: Debian 12's 6.1, the 6.12 of bookworm-backports, and
 * the 7.x of trixie-backports (7.3 when written).  Kernels in between were
 * never built against, so they are refused rather than guessed at.
 */
#ifndef _SCAV_COMPAT_H
#define _SCAV_COMPAT_H

#include <linux/ksm.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/list_lru.h>
#include <linux/shrinker.h>
#include <linux/swap.h>
#include <linux/slab.h>
#include <linux/version.h>
#include <net/genetlink.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(7, 3, 0)) || \
	LINUX_VERSION_CODE >= KERNEL_VERSION(8, 0, 0)
#error "scav supports Linux 6.1 to 6.12 and 7.3 to 7.x"
#endif

/*
 * The mmap lock must be held (for read or write).  mmap_assert_locked()
 * calls dump_mm() on a CONFIG_DEBUG_VM kernel, which 6.1 does not export;
 * lockdep's half of it works everywhere, and the debug kernel has lockdep.
 */
#define scav_mmap_assert_locked(mm)	lockdep_assert_held(&(mm)->mmap_lock)

/*
 * Discard the pages of [addr, addr + size), which the caller has checked lies
 * inside @vma, with the mmap lock held.  6.1 exports only zap_page_range(),
 * which would walk on into following VMAs: the caller's clamp is what keeps
 * it inside @vma.  6.3 replaced it with zap_page_range_single().
 */
static inline void scav_zap(struct vm_area_struct *vma, unsigned long addr,
			    unsigned long size)
{
	scav_mmap_assert_locked(vma->vm_mm);
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	zap_page_range(vma, addr, size);
#elif LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
	zap_page_range_single(vma, addr, size, NULL);
#else
	zap_vma_range(vma, addr, size);
#endif
}

/*
 * The unbound system workqueue, for the aging work: 7.x renamed it
 * system_dfl_wq and says so in the kernel log of whoever still queues on
 * system_unbound_wq.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#define scav_unbound_wq system_unbound_wq
#else
#define scav_unbound_wq system_dfl_wq
#endif

/*
 * The process's anonymous RSS in pages.  6.2 made the counters per-CPU,
 * where get_mm_counter() is only an estimate: summed, they are exact.  6.1's
 * atomic counter lags each thread's cached SPLIT_RSS_COUNTING deltas, at
 * most 65 pages a thread, as RssAnon does.
 */
static inline unsigned long scav_anon_rss_pages(struct mm_struct *mm)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return get_mm_counter(mm, MM_ANONPAGES);
#else
	return percpu_counter_sum_positive(&mm->rss_stat[MM_ANONPAGES]);
#endif
}

/*
 * Whether a resident anonymous page is mapped elsewhere too (a fork child
 * shares it, or KSM merged it), so that zapping it here frees nothing.  6.1
 * exports only the per-page count; 6.12 estimates it per folio, and 7.0
 * renamed the estimate.
 */
static inline bool scav_page_shared(struct folio *folio, struct page *page)
{
	if (folio_test_ksm(folio))
		return true;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	return page_mapcount(page) > 1;
#elif LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
	return folio_likely_mapped_shared(folio);
#else
	return folio_maybe_mapped_shared(folio);
#endif
}

/*
 * Whether @task (its mm @mm) may be read by an unprivileged user of the
 * same credentials, as ptrace's read mode asks: dumpable for its owner
 * (not after PR_SET_DUMPABLE 0, nor a setuid program's).  Until 7.x that
 * is in mm->flags.  Since, it is in the task's exec state, an RCU pointer
 * of the task (linux/sched/exec_state.h); its reader,
 * task_exec_state_get_dumpable(), is not exported, so it is read here
 * under RCU, as that does.
 */
#if __has_include(<linux/sched/exec_state.h>)
#include <linux/sched/exec_state.h>

static inline bool scav_task_dumpable(struct task_struct *task,
				      struct mm_struct *mm)
{
	const struct task_exec_state *es;
	bool ok;

	rcu_read_lock();
	es = rcu_dereference(task->exec_state);
	ok = es && READ_ONCE(es->dumpable) == TASK_DUMPABLE_OWNER;
	rcu_read_unlock();
	return ok;
}
#else
#include <linux/sched/coredump.h>

static inline bool scav_task_dumpable(struct task_struct *task,
				      struct mm_struct *mm)
{
	return get_dumpable(mm) == SUID_DUMP_USER;
}
#endif

/*
 * Whether a page-table entry that is not present is a migration entry: its
 * page is being moved, and comes back mapped clean, lazily freed still if it
 * was.  Or a marker that holds no data and raises no SIGBUS: a leftover of
 * userfaultfd's write protection (reads as zeros), a guard region's (6.13,
 * SIGSEGV, and a zap leaves it).  Not a poisoned page's (6.6: a swap-in
 * error, UFFDIO_POISON): that one raises SIGBUS, and a zap takes it, which
 * makes the page read as zeros.  By 7.3 these tests moved from swapops.h to
 * leafops.h.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(7, 0, 0)
#include <linux/swapops.h>

static inline bool scav_pte_migrating(pte_t pte)
{
	return is_migration_entry(pte_to_swp_entry(pte));
}

static inline bool scav_pmd_migrating(pmd_t pmd)
{
	return is_pmd_migration_entry(pmd);
}

static inline bool scav_pte_marker(pte_t pte)
{
#ifdef PTE_MARKER_POISONED
	if (is_poisoned_swp_entry(pte_to_swp_entry(pte)))
		return false;
#endif
	return is_pte_marker(pte);
}
#else
#include <linux/leafops.h>

static inline bool scav_pte_migrating(pte_t pte)
{
	return softleaf_is_migration(softleaf_from_pte(pte));
}

static inline bool scav_pmd_migrating(pmd_t pmd)
{
	return pmd_is_migration_entry(pmd);
}

static inline bool scav_pte_marker(pte_t pte)
{
	softleaf_t entry = softleaf_from_pte(pte);

	return softleaf_is_marker(entry) && !softleaf_is_poison_marker(entry);
}
#endif

/*
 * mseal() (6.10): madvise() refuses to discard sealed memory, and so must
 * scav.  Before 6.10, and on kernels built without it, nothing is sealed.
 */
#ifdef VM_SEALED
#define SCAV_VM_SEALED	VM_SEALED
#else
#define SCAV_VM_SEALED	0
#endif

/*
 * Shrinkers: 6.1 registers a caller-owned struct; 6.7 made them allocated
 * objects (shrinker_alloc/register/free).  Both become create/destroy.  A
 * memcg-aware shrinker comes with its list_lru (@lru), which takes the
 * shrinker's ID: after registration on 6.1, where the ID is made there,
 * between allocation and registration later.  So on 6.1 the shrinker may be
 * called before @lru is ready: its callbacks check *@lru_ready.
 */
typedef unsigned long (*scav_shrink_fn)(struct shrinker *, struct shrink_control *);

static inline struct shrinker *scav_shrinker_create(const char *name,
						    unsigned int flags, int seeks,
						    long batch,
						    scav_shrink_fn count,
						    scav_shrink_fn scan,
						    struct list_lru *lru,
						    bool *lru_ready)
{
	struct shrinker *s;

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	s = kzalloc(sizeof(*s), GFP_KERNEL);
#else
	s = shrinker_alloc(flags, "%s", name);
#endif
	if (!s)
		return NULL;
	s->count_objects = count;
	s->scan_objects = scan;
	s->seeks = seeks;
	s->batch = batch;
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	s->flags = flags;
	if (register_shrinker(s, "%s", name)) {
		kfree(s);
		return NULL;
	}
	if (lru && list_lru_init_memcg(lru, s)) {
		unregister_shrinker(s);
		kfree(s);
		return NULL;
	}
#else
	if (lru && list_lru_init_memcg(lru, s)) {
		shrinker_free(s);
		return NULL;
	}
	shrinker_register(s);
#endif
	if (lru_ready)
		smp_store_release(lru_ready, true);
	return s;
}

static inline void scav_shrinker_destroy(struct shrinker *s)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 7, 0)
	unregister_shrinker(s);
	kfree(s);
#else
	shrinker_free(s);
#endif
}

/*
 * A memcg-aware list_lru puts an item on the list of the memory cgroup its
 * slab object is charged to.  6.8 made the explicit list_lru_add() take
 * the node and cgroup, and named the old derivation list_lru_add_obj().
 */
static inline void scav_lru_add(struct list_lru *lru, struct list_head *item)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
	list_lru_add(lru, item);
#else
	list_lru_add_obj(lru, item);
#endif
}

static inline void scav_lru_del(struct list_lru *lru, struct list_head *item)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
	list_lru_del(lru, item);
#else
	list_lru_del_obj(lru, item);
#endif
}

/* A list_lru walk callback; 6.13 dropped the lock argument. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#define SCAV_LRU_WALK_CB(name, item, arg)				\
	enum lru_status name(struct list_head *item,			\
			     struct list_lru_one *list__,		\
			     spinlock_t *lock__, void *arg)
#else
#define SCAV_LRU_WALK_CB(name, item, arg)				\
	enum lru_status name(struct list_head *item,			\
			     struct list_lru_one *list__, void *arg)
#endif

/*
 * Credit pages the shrinker freed to the reclaim that called it, so that it
 * sees progress and does not turn to the OOM killer.  6.4 named it.
 */
static inline void scav_account_reclaimed(unsigned long pages)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	if (current->reclaim_state)
		current->reclaim_state->reclaimed_slab += pages;
#else
	mm_account_reclaimed_pages(pages);
#endif
}

/*
 * Whether a memory cgroup's reclaim counts those pages too.  6.4 stopped
 * it (commit 583c27a167c2, "mm: vmscan: ignore non-LRU-based reclaim in
 * memcg reclaim"): since then only global reclaim sees them, so a cgroup's
 * reclaim goes through every priority and memory.reclaim keeps asking.
 */
#define SCAV_MEMCG_CREDITED	(LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0))

/*
 * The attributes of a dump request, parsed by genetlink.  6.2 moved them
 * into a struct genl_info inside the dump's info.
 */
static inline struct nlattr **scav_genl_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_info_dump(cb)->attrs;
#endif
}

/*
 * A policy's full range: 6.1 points at it without const (it never writes
 * through the pointer), later kernels with.
 */
#define scav_nla_range(r)	((struct netlink_range_validation *)(r))

/*
 * Joining a multicast group needs a capability only where the kernel knows
 * the group flags: mainline 6.7, and stable kernels they were backported
 * to (Debian's 6.1 has them).  Elsewhere anyone may listen to events.
 */
#ifdef GENL_MCAST_CAP_SYS_ADMIN
#define SCAV_GENL_MCAST_FLAGS	GENL_MCAST_CAP_SYS_ADMIN
#else
#define SCAV_GENL_MCAST_FLAGS	0
#endif

/*
 * Set and clear VMA flags in a driver's mmap(): 6.3 made vm_flags
 * read-only behind vm_flags_set()/vm_flags_clear().
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void scav_vm_flags_mod(struct vm_area_struct *vma,
				     unsigned long set, unsigned long clear)
{
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
}
#else
static inline void scav_vm_flags_mod(struct vm_area_struct *vma,
				     vm_flags_t set, vm_flags_t clear)
{
	vm_flags_mod(vma, set, clear);
}
#endif

#endif /* _SCAV_COMPAT_H */

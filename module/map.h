/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_MAP_H
#define _SCAV_MAP_H

#include <linux/bits.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm_types.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <linux/scav.h>

struct scav_session;

/*
 * A session's pending chunks, oldest first, as (the harvest that made
 * them pending, how many are still pending from it): so the reclaimers
 * know its oldest pending chunk without a scan.  A chunk belongs to the
 * last entry whose @since is at or before its own (scav_region.since);
 * when the list is full the two entries closest in time merge under the
 * older @since, so chunks may look older than they are, never younger
 * (scav_map_age_add()).
 */
#define SCAV_MAP_AGES	8
struct scav_map_age {
	u64 since;
	unsigned long chunks;
};
struct scav_map_ages {
	struct scav_map_age a[SCAV_MAP_AGES];
	unsigned int n;
	unsigned long chunks;		/* in all entries */
	u64 last;			/* the newest chunk's since */
};

/* Regions one session may register at once. */
#define SCAV_MAX_REGIONS	16
/* Largest region: 64 GiB, whose map is 64 MiB. */
#define SCAV_MAX_REGION_BYTES	(64ULL << 30)
/* Map pages one user's regions may hold, mapped or not: 128 MiB. */
#define SCAV_MAX_MAP_PAGES_PER_USER	(128UL << (20 - PAGE_SHIFT))
/*
 * Chunks one aging or pressure pass looks at, in all sessions' maps: 128
 * MiB of pages, 32768 words.  The next pass goes on where it stopped.
 */
#define SCAV_MAP_PASS_CHUNKS	512
/* Chunks one batch of the reclaimers' loop looks at: 8 MiB of pages. */
#define SCAV_MAP_BATCH_CHUNKS	32
/* The mmap() offset of region i's map is i << SCAV_MAP_OFFSET_SHIFT. */
#define SCAV_MAP_OFFSET_SHIFT	32

/*
 * A registered region and its page-state map (uapi/linux/scav.h).  The map
 * is pages charged to the opener's memory cgroup, vmap()ed for the module
 * and inserted into the process's mappings of it.  @ref: the session's
 * table holds one until the region is dropped, each mapping of the map one
 * (vm_ops open/close), so the pages outlive neither.
 *
 * The words are the process's to write at any time: the module reads each
 * once, acts only on exact values, and changes them only with cmpxchg().
 * Everything below @words is the module's own, under the session's rlock.
 */
struct scav_region {
	struct kref ref;
	unsigned long start, end;
	unsigned long npages;		/* of the region */
	unsigned long nchunks;		/* SCAV_MAP_CHUNK_PAGES each */
	u32 index;
	unsigned int nr_map_pages;
	size_t summary_off;		/* bytes into the map */
	struct page **map_pages;
	void *map;			/* vmap() of @map_pages */
	u32 *words;
	u32 *summary;
	/* Pages unmapped, moved or replaced since registration: never acted on. */
	unsigned long *dead;
	/*
	 * Chunks seen with idle words, and the jiffies64 of their last
	 * report and of the report that made them pending.
	 */
	unsigned long *pending;
	/*
	 * Chunks the module stored DISCARDED words in, which may still hold
	 * them (STATS clears a bit once it finds none), and a count bumped
	 * each time bits are set, so that STATS clears none set meanwhile.
	 */
	unsigned long *held;
	unsigned long held_seq;
	u64 *stamp;
	u64 *since;
/* In @since: pending, but nothing a pass could take since its last look. */
#define SCAV_MAP_NO_SINCE	BIT_ULL(63)
	unsigned long cursor;		/* the page the next pass starts at */
	bool dropped;			/* out of the session's table */
	unsigned int zaps;		/* discards in flight */
	struct scav_user *user;		/* held, its map_pages charged */
	struct work_struct free_work;	/* the last put may come from reclaim */
};

long scav_ioc_map_region(struct scav_session *s, void __user *argp);
long scav_ioc_map_wait(struct scav_session *s, void __user *argp);
int scav_map_mmap(struct scav_session *s, struct vm_area_struct *vma);
void scav_map_unmapped(struct scav_session *s, unsigned long start,
		       unsigned long end);
void scav_map_drop_all(struct scav_session *s);
struct scav_walk;
/* The idle bytes of a session's maps, and of them, the discarded ones. */
struct scav_map_figures {
	u64 idle, discarded;
};
void scav_map_count(struct scav_session *s, struct scav_walk *w,
		    struct scav_map_figures *f);
unsigned long scav_map_unharvested(struct scav_session *s);
struct scav_pass;
void scav_map_harvest_all(struct scav_session *s);
int scav_map_pass(struct scav_session *s, struct scav_pass *p, bool trylock);
int scav_map_batch(struct scav_session *s, struct scav_pass *p, u64 round);
void scav_map_harvest_among(struct scav_session **v, unsigned int nr);
bool scav_map_oldest(struct scav_session *s, u64 stamp_max, bool parked,
		     u64 *stamp);

#endif /* _SCAV_MAP_H */

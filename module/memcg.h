/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_MEMCG_H
#define _SCAV_MEMCG_H

#include <linux/list_lru.h>
#include <linux/shrinker.h>

struct scav_session;

/* The sessions with idle memory, on the lists of their memory cgroups. */
extern struct list_lru scav_lru;
extern bool scav_lru_ready;

struct mem_cgroup;
u64 scav_memcg_id(struct mem_cgroup *memcg);
u64 scav_session_cgroup_id(struct scav_session *s);
void scav_memcg_track(struct scav_session *s);
void scav_memcg_untrack(struct scav_session *s);
bool scav_memcg_is_root(struct shrink_control *sc);
unsigned long scav_memcg_count(struct shrink_control *sc);
unsigned long scav_memcg_scan(struct shrink_control *sc);
int scav_memcg_init(void);
void scav_memcg_exit(void);

#endif /* _SCAV_MEMCG_H */

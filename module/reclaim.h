/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_RECLAIM_H
#define _SCAV_RECLAIM_H

#include <linux/ktime.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#include <linux/scav.h>

struct scav_session;

/*
 * One reclaim pass: of one session (a request, deferred pressure), or of
 * the oldest idle memory of all sessions (aging, the shrinker).  Start it
 * with scav_pass_init(), then set its budgets.
 */
struct scav_pass {
	enum scav_cause cause;
	u64 id;			/* marks pieces skipped in this pass */
	u64 stamp_max;		/* only ranges reported at or before this */
	u64 start;		/* jiffies64 when the pass began */
	u64 budget;		/* bytes still allowed */
	u64 deadline_ns;	/* ktime_get_ns() to stop at (0: none) */
	u64 bytes;		/* bytes discarded */
	u64 resident;		/* resident bytes they held (charged passes) */
	long freed_pages;	/* pages mapped only there: the zaps freed them */
	u64 cgroup_id;		/* pressure: the memory cgroup's (0: the machine's) */
	bool may_wait;		/* pressure: the reclaimer may sleep a little */
	u64 serial;		/* this pass, among all (one deferral per session) */
	/* Aging and pressure: map chunks still to look at, in all sessions. */
	unsigned int map_chunks;
	unsigned long map_passed;	/* younger chunks passed over */
	unsigned long map_due;		/* chunks found due */
	/* The session whose spare nodes could not be charged: stop trying. */
	const struct scav_session *no_spares;
};

void scav_pass_init(struct scav_pass *p, enum scav_cause cause, u64 min_age_ms);

/* Aging and pressure spend their budgets on resident memory (reclaim.c). */
static inline bool scav_pass_charged(const struct scav_pass *p)
{
	return p->cause != SCAV_CAUSE_REQUEST;
}

/*
 * Out of budget or time.  A charged pass is out of budget with less than a
 * page left, which buys nothing: the walk would take the whole 2 MiB block
 * it found resident memory in (an aging run's share is rarely a multiple
 * of a page).
 */
static inline bool scav_pass_over(const struct scav_pass *p)
{
	return p->budget < (scav_pass_charged(p) ? PAGE_SIZE : 1) ||
	       (p->deadline_ns && ktime_get_ns() >= p->deadline_ns);
}
/* Map chunks are looked at too: a bound on the words one pass reads. */
static inline bool scav_map_pass_over(const struct scav_pass *p)
{
	return scav_pass_over(p) || (scav_pass_charged(p) && !p->map_chunks);
}

int scav_reclaim_session(struct scav_session *s, struct scav_pass *p);
void scav_reclaim_busy(struct scav_session *s, struct scav_pass *p);
void scav_reclaim_oldest(struct scav_pass *p);
void scav_reclaim_among(struct scav_pass *p, struct scav_session **v,
			unsigned int nr);

void scav_pressure_work(struct work_struct *work);
void scav_defer_work(struct work_struct *work);
void scav_pressure_note(struct scav_session *s, const struct scav_pass *p,
			u64 bytes);
int scav_reclaim_init(void);
void scav_reclaim_exit(void);

#endif /* _SCAV_RECLAIM_H */

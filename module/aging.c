// SPDX-License-Identifier: GPL-2.0
/*
 * The aging worker: every scan_interval_ms, discard ranges idle for at least
 * idle_age_ms, oldest first across all sessions, within the quota.
 */
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/pgtable.h>
#include <linux/sched.h>
#include <linux/workqueue.h>

#include "aging.h"
#include "compat.h"
#include "config.h"
#include "map.h"
#include "reclaim.h"

static void scav_aging_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(scav_aging_work, scav_aging_fn);
static bool scav_aging_stopped;
/*
 * The byte quota is a token bucket: every run adds its interval's share, a
 * run spends the resident memory it discards, and may overdraw by a huge page it would not
 * split, which later runs pay back.  At most one run's share or a second's
 * quota, whichever is more (and at least a page), is saved up, so an idle
 * spell does not bank a burst.  No more than that and a 2 MiB block (the
 * overdraw of a run) is owed, so a session whose node had to be taken whole
 * (no room to split it: its owner may fill its bound on purpose) cannot stop
 * everyone's aging for the time its size takes to pay back.
 */
static s64 scav_aging_tokens;

/* What the bucket holds at most, and owes at most less a 2 MiB block. */
static s64 scav_aging_cap(unsigned int interval_ms)
{
	u64 bytes = scav_cfg(quota_bytes_per_sec);

	return max3(bytes * interval_ms / 1000, bytes, (u64)PAGE_SIZE);
}

/* Fill in the budgets of one run; false if the bucket is still short. */
static bool scav_aging_budget(struct scav_pass *p, unsigned int interval_ms)
{
	u64 bytes = scav_cfg(quota_bytes_per_sec);
	u64 ms = scav_cfg(quota_ms_per_sec);
	u64 share = bytes * interval_ms / 1000;
	s64 cap = scav_aging_cap(interval_ms);

	p->deadline_ns = ms ? ktime_get_ns() + ms * interval_ms * NSEC_PER_MSEC / 1000 : 0;
	if (!bytes) {
		p->budget = U64_MAX;
		scav_aging_tokens = 0;
		return true;
	}
	scav_aging_tokens = min(cap, scav_aging_tokens + (s64)share);
	if (scav_aging_tokens < (s64)PAGE_SIZE)
		return false;
	p->budget = scav_aging_tokens;
	return true;
}

static void scav_aging_fn(struct work_struct *work)
{
	unsigned int interval = scav_cfg(scan_interval_ms);
	struct scav_pass p;

	if (!scav_cfg(enabled))
		return;	/* scav_aging_kick() restarts it */

	scav_pass_init(&p, SCAV_CAUSE_AGE, scav_cfg(idle_age_ms));
	if (!scav_aging_budget(&p, interval))
		goto again;
	scav_reclaim_oldest(&p);
	/* Charged by resident memory, as the pass's budget (reclaim.c). */
	if (scav_cfg(quota_bytes_per_sec))
		scav_aging_tokens = max(scav_aging_tokens - (s64)p.resident,
					-scav_aging_cap(interval) - (s64)PMD_SIZE);
again:
	if (!READ_ONCE(scav_aging_stopped))
		queue_delayed_work(scav_unbound_wq, &scav_aging_work,
				   msecs_to_jiffies(interval));
}

/* A tunable changed: run now, so a new interval or an enable takes effect. */
void scav_aging_kick(void)
{
	if (!READ_ONCE(scav_aging_stopped))
		mod_delayed_work(scav_unbound_wq, &scav_aging_work, 0);
}

int scav_aging_init(void)
{
	queue_delayed_work(scav_unbound_wq, &scav_aging_work,
			   msecs_to_jiffies(scav_cfg(scan_interval_ms)));
	return 0;
}

void scav_aging_exit(void)
{
	WRITE_ONCE(scav_aging_stopped, true);
	cancel_delayed_work_sync(&scav_aging_work);
}

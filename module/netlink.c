// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink family "scav": every session on the machine, the
 * module's figures and tunables, reclaim on an administrator's request, and
 * events.  The protocol is documented in uapi/linux/scav.h.
 *
 * Policies come first and are complete: the family is validated strictly
 * (resv_start_op 0), so anything not listed here is refused by genetlink
 * with an extended ACK before a handler runs.  Handlers run without
 * genetlink's family lock (parallel_ops) and take no scav lock across a
 * reclaim: sessions are found by ID, one at a time, with a reference.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/jiffies.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include <linux/scav.h>

#include "compat.h"
#include "config.h"
#include "memcg.h"
#include "netlink.h"
#include "ranges.h"
#include "reclaim.h"
#include "session.h"
#include "totals.h"

/*
 * Every value is range-checked by genetlink from these policies: a value
 * out of range fails with ERANGE, and the extended ACK carries the
 * attribute's policy, bounds included.  (A validation function instead
 * would give EINVAL like sysfs, but policy dumps and extended ACKs misread
 * a function as bounds on integer types and warn.)
 */
static const struct netlink_range_validation scav_pid_range = {
	.min = 1,
	.max = PID_MAX_LIMIT,
};

#define SCAV_CONF_POLICY(id) \
	NLA_POLICY_FULL_RANGE(NLA_U64, scav_nla_range(&scav_knobs[id].range))

static const struct nla_policy scav_conf_policy[SCAV_CONF_MAX + 1] = {
	[SCAV_CONF_ENABLED] = SCAV_CONF_POLICY(SCAV_CONF_ENABLED),
	[SCAV_CONF_SHRINKER_ENABLED] = SCAV_CONF_POLICY(SCAV_CONF_SHRINKER_ENABLED),
	[SCAV_CONF_IDLE_AGE_MS] = SCAV_CONF_POLICY(SCAV_CONF_IDLE_AGE_MS),
	[SCAV_CONF_SCAN_INTERVAL_MS] = SCAV_CONF_POLICY(SCAV_CONF_SCAN_INTERVAL_MS),
	[SCAV_CONF_QUOTA_BYTES_PER_SEC] = SCAV_CONF_POLICY(SCAV_CONF_QUOTA_BYTES_PER_SEC),
	[SCAV_CONF_QUOTA_MS_PER_SEC] = SCAV_CONF_POLICY(SCAV_CONF_QUOTA_MS_PER_SEC),
	[SCAV_CONF_MAX_RANGES_PER_SESSION] = SCAV_CONF_POLICY(SCAV_CONF_MAX_RANGES_PER_SESSION),
	[SCAV_CONF_MAX_RANGES_TOTAL] = SCAV_CONF_POLICY(SCAV_CONF_MAX_RANGES_TOTAL),
	[SCAV_CONF_MAX_RANGES_PER_USER] = SCAV_CONF_POLICY(SCAV_CONF_MAX_RANGES_PER_USER),
	[SCAV_CONF_MAX_SESSIONS_PER_USER] = SCAV_CONF_POLICY(SCAV_CONF_MAX_SESSIONS_PER_USER),
};

/* What a request may carry; the rest (replies, events) is refused. */
static const struct nla_policy scav_policy[SCAV_A_MAX + 1] = {
	[SCAV_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SCAV_STATS_RESIDENT),
	[SCAV_A_PID] = NLA_POLICY_FULL_RANGE(NLA_U32, scav_nla_range(&scav_pid_range)),
	[SCAV_A_ALL] = { .type = NLA_FLAG },
	[SCAV_A_CONFIG] = NLA_POLICY_NESTED(scav_conf_policy),
};

static struct genl_family scav_family;

/* Events: a sequence number each, handed out and sent in order. */
static DEFINE_SPINLOCK(scav_event_lock);
static u64 scav_event_seq;
static bool scav_nl_up;
static unsigned long scav_pressure_next;	/* jiffies */

/* Dump state, in a cache of its own so a leak makes the unload warn. */
static struct kmem_cache *scav_dump_cache;

struct scav_dump {
	struct pid_namespace *ns;	/* the requester's, for PIDs */
	const struct cred *cred;	/* the requester's */
	struct pid *self;		/* the requester's process */
	bool everyone;			/* may see every user's sessions */
	u32 flags;
	unsigned long next_id;		/* the cursor */
};

static bool scav_nl_admin(struct sk_buff *skb, struct genl_info *info)
{
	if (netlink_capable(skb, CAP_SYS_ADMIN))
		return true;
	GENL_SET_ERR_MSG(info, "scav: this command needs CAP_SYS_ADMIN");
	return false;
}

/*
 * SCAV_A_STATS with the figures of @v that SCAV_FIGURES marks @where, the
 * walked ones only if @walk.
 */
static int scav_put_figures(struct sk_buff *skb, const u64 *v,
			    unsigned int where, bool walk)
{
	struct nlattr *nest = nla_nest_start(skb, SCAV_A_STATS);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	scav_for_each_figure(i) {
		unsigned int w = scav_figures[i].where;

		if (!(w & where) || (w & SCAV_FIG_WALK && !walk))
			continue;
		if (nla_put_u64_64bit(skb, i, v[i], SCAV_STAT_PAD)) {
			nla_nest_cancel(skb, nest);
			return -EMSGSIZE;
		}
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int scav_put_session(struct sk_buff *skb, struct scav_session *s, u32 pid)
{
	u64 cgroup_id = scav_session_cgroup_id(s);

	if (nla_put_u64_64bit(skb, SCAV_A_SESSION_ID, s->id, SCAV_A_PAD) ||
	    nla_put_u32(skb, SCAV_A_PID, pid) ||
	    nla_put_string(skb, SCAV_A_COMM, s->comm) ||
	    (cgroup_id &&
	     nla_put_u64_64bit(skb, SCAV_A_CGROUP_ID, cgroup_id, SCAV_A_PAD)))
		return -EMSGSIZE;
	return 0;
}

/* SCAV_CMD_GET_SESSIONS */

/*
 * Who sees which session: whoever may read the process's smaps, by the
 * rules of ptrace's read mode (ptrace_may_access() is not exported): the
 * requester's filesystem UID and GID equal each of the process's real,
 * effective and saved IDs, and the process is dumpable (see compat.h), or
 * the requester has CAP_SYS_PTRACE, or it is the process itself.  So a setuid
 * program, or one that called PR_SET_DUMPABLE, stays hidden from its user,
 * and with hidepid=invisible /proc hides no process this shows.  The
 * credentials are the process's now, not at the open.
 */
static bool scav_nl_may_see(const struct scav_dump *d, struct scav_session *s)
{
	const struct cred *c = d->cred, *t;
	struct task_struct *task;
	bool ok;

	if (d->everyone || s->pid == d->self)
		return true;
	task = get_pid_task(s->pid, PIDTYPE_PID);
	if (!task)
		return false;
	rcu_read_lock();
	t = __task_cred(task);
	ok = uid_eq(c->fsuid, t->euid) && uid_eq(c->fsuid, t->suid) &&
	     uid_eq(c->fsuid, t->uid) && gid_eq(c->fsgid, t->egid) &&
	     gid_eq(c->fsgid, t->sgid) && gid_eq(c->fsgid, t->gid);
	rcu_read_unlock();
	/*
	 * As __ptrace_may_access(): the credentials before the dumpable
	 * mark, paired with commit_creds()'s barrier, so that a process that
	 * just dropped its privileges is not seen with its new IDs and its
	 * old mark.
	 */
	smp_rmb();
	ok = ok && scav_task_dumpable(task, s->mm);
	put_task_struct(task);
	return ok;
}

static int scav_nl_get_sessions_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = scav_genl_dump_attrs(cb);
	struct scav_dump *d;

	d = kmem_cache_zalloc(scav_dump_cache, GFP_KERNEL_ACCOUNT);
	if (!d)
		return -ENOMEM;
	/* Dumps start in the requester's context; later rounds may not. */
	d->ns = get_pid_ns(task_active_pid_ns(current));
	d->cred = get_current_cred();
	d->self = get_pid(task_tgid(current));
	d->everyone = netlink_capable(cb->skb, CAP_SYS_PTRACE);
	d->flags = attrs[SCAV_A_FLAGS] ? nla_get_u32(attrs[SCAV_A_FLAGS]) : 0;
	d->next_id = 1;
	cb->args[0] = (long)d;
	return 0;
}

static int scav_nl_get_sessions_done(struct netlink_callback *cb)
{
	struct scav_dump *d = (struct scav_dump *)cb->args[0];

	if (d) {
		put_pid_ns(d->ns);
		put_cred(d->cred);
		put_pid(d->self);
		kmem_cache_free(scav_dump_cache, d);
	}
	return 0;
}

static int scav_nl_fill_session(struct sk_buff *skb, struct netlink_callback *cb,
				struct scav_session *s, u32 pid, u32 flags)
{
	u64 v[SCAV_STAT_MAX + 1];
	struct scav_stats st;
	void *hdr;

	scav_session_stats(s, flags, &st);
	scav_stats_figures(&st, v);
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &scav_family, NLM_F_MULTI, SCAV_CMD_GET_SESSIONS);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (scav_put_session(skb, s, pid) ||
	    scav_put_figures(skb, v, SCAV_FIG_SESSION, flags & SCAV_STATS_RESIDENT)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * Sessions in ID order from the cursor on.  A session that does not fit is
 * sent first in the next round; one opened behind the cursor is missed and
 * one closed ahead of it is not sent, and either marks the messages from
 * then on NLM_F_DUMP_INTR.
 */
static int scav_nl_get_sessions_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct scav_dump *d = (struct scav_dump *)cb->args[0];
	int ret = 0;

	cb->seq = scav_sessions_gen();
	for (;;) {
		struct scav_session *s = scav_session_next(&d->next_id);
		u32 pid;

		if (!s)
			break;
		pid = pid_nr_ns(s->pid, d->ns);
		if (pid && scav_nl_may_see(d, s))
			ret = scav_nl_fill_session(skb, cb, s, pid, d->flags);
		scav_session_put(s);
		if (ret)
			break;
		d->next_id++;
		cond_resched();
	}
	/* Not even one session fits an empty buffer: cannot be, but say so. */
	if (ret && !skb->len)
		return ret;
	return skb->len;
}

/* SCAV_CMD_GET_STATS */

static int scav_nl_get_stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	u32 flags = info->attrs[SCAV_A_FLAGS] ?
		    nla_get_u32(info->attrs[SCAV_A_FLAGS]) : 0;
	bool walk = flags & SCAV_STATS_RESIDENT;
	u64 v[SCAV_STAT_MAX + 1], seq;
	struct sk_buff *msg;
	void *hdr;

	/* A walk of every user's memory, as reading all their smaps. */
	if (walk && !netlink_capable(skb, CAP_SYS_PTRACE)) {
		GENL_SET_ERR_MSG(info, "scav: resident figures of all sessions need CAP_SYS_PTRACE");
		return -EPERM;
	}
	scav_totals_read(v, true, walk);
	spin_lock(&scav_event_lock);
	seq = scav_event_seq;
	spin_unlock(&scav_event_lock);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &scav_family, 0, SCAV_CMD_GET_STATS);
	if (!hdr || scav_put_figures(msg, v, SCAV_FIG_MODULE, walk) ||
	    nla_put_u64_64bit(msg, SCAV_A_SEQ, seq, SCAV_A_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* SCAV_CMD_RECLAIM */

static int scav_nl_reclaim_reply(struct genl_info *info, u64 bytes, u32 n)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &scav_family, 0, SCAV_CMD_RECLAIM);
	if (!hdr || nla_put_u64_64bit(msg, SCAV_A_BYTES, bytes, SCAV_A_PAD) ||
	    nla_put_u32(msg, SCAV_A_SESSIONS, n)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/*
 * The handler runs in the requester's context (netlink delivers to the
 * kernel synchronously), so current's PID namespace is the requester's and
 * a fatal signal to it stops the reclaim.
 */
static int scav_nl_reclaim_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct pid_namespace *ns = task_active_pid_ns(current);
	struct nlattr *pid_attr = info->attrs[SCAV_A_PID];
	struct pid *tgid = NULL;
	unsigned long id = 1;
	u64 bytes = 0;
	u32 n = 0;
	int ret = 0;

	if (!scav_nl_admin(skb, info))
		return -EPERM;
	if (!pid_attr == !info->attrs[SCAV_A_ALL]) {
		if (!pid_attr)
			NL_SET_ERR_ATTR_MISS(info->extack, NULL, SCAV_A_PID);
		GENL_SET_ERR_MSG(info, "scav: give either SCAV_A_PID or SCAV_A_ALL");
		return -EINVAL;
	}
	if (pid_attr) {
		struct task_struct *task;

		rcu_read_lock();
		task = pid_task(find_pid_ns(nla_get_u32(pid_attr), ns), PIDTYPE_PID);
		if (task)
			tgid = get_pid(task_tgid(task));
		rcu_read_unlock();
		if (!tgid) {
			NL_SET_ERR_MSG_ATTR(info->extack, pid_attr,
					    "scav: no such process");
			return -ESRCH;
		}
	}

	for (;;) {
		struct scav_session *s = scav_session_next(&id);
		struct scav_pass p;

		if (!s)
			break;
		if (tgid ? s->pid == tgid : pid_nr_ns(s->pid, ns) != 0) {
			scav_pass_init(&p, SCAV_CAUSE_REQUEST, 0);
			p.budget = U64_MAX;
			ret = scav_reclaim_session(s, &p);
			bytes += p.bytes;
			n++;
		}
		scav_session_put(s);
		if (ret)
			break;
		id++;
	}
	put_pid(tgid);
	if (ret) {
		GENL_SET_ERR_MSG(info, "scav: reclaim interrupted");
		return ret;
	}
	if (tgid && !n) {
		NL_SET_ERR_MSG_ATTR(info->extack, pid_attr,
				    "scav: the process has no scav session");
		return -ENOENT;
	}
	return scav_nl_reclaim_reply(info, bytes, n);
}

/* SCAV_CMD_GET_CONFIG, SCAV_CMD_SET_CONFIG */

static int scav_nl_config_reply(struct genl_info *info, u8 cmd)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *nest;
	unsigned int i;
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &scav_family, 0, cmd);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, SCAV_A_CONFIG);
	if (!nest)
		goto nospace;
	scav_for_each_knob(i)
		if (nla_put_u64_64bit(msg, i, scav_knob_get(i), SCAV_CONF_PAD))
			goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int scav_nl_get_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	return scav_nl_config_reply(info, SCAV_CMD_GET_CONFIG);
}

static int scav_nl_set_config_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SCAV_CONF_MAX + 1];
	u64 values[SCAV_CONF_MAX + 1];
	unsigned long mask = 0;
	unsigned int i;
	int ret;

	if (!scav_nl_admin(skb, info))
		return -EPERM;
	if (GENL_REQ_ATTR_CHECK(info, SCAV_A_CONFIG)) {
		GENL_SET_ERR_MSG(info, "scav: SCAV_A_CONFIG is required");
		return -EINVAL;
	}
	/* Validated by genetlink already (ranges included): cannot fail. */
	ret = nla_parse_nested(tb, SCAV_CONF_MAX, info->attrs[SCAV_A_CONFIG],
			       scav_conf_policy, info->extack);
	if (ret)
		return ret;
	scav_for_each_knob(i) {
		if (!tb[i])
			continue;
		values[i] = nla_get_u64(tb[i]);
		mask |= BIT(i);
	}
	if (!mask) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SCAV_A_CONFIG],
				    "scav: no tunable to set");
		return -EINVAL;
	}
	scav_knob_set(mask, values);
	return scav_nl_config_reply(info, SCAV_CMD_SET_CONFIG);
}

static const struct genl_ops scav_ops[] = {
	{
		.cmd = SCAV_CMD_GET_SESSIONS,
		.start = scav_nl_get_sessions_start,
		.dumpit = scav_nl_get_sessions_dumpit,
		.done = scav_nl_get_sessions_done,
	}, {
		.cmd = SCAV_CMD_GET_STATS,
		.doit = scav_nl_get_stats_doit,
	}, {
		.cmd = SCAV_CMD_RECLAIM,
		.doit = scav_nl_reclaim_doit,
		.flags = GENL_ADMIN_PERM,
	}, {
		.cmd = SCAV_CMD_GET_CONFIG,
		.doit = scav_nl_get_config_doit,
	}, {
		.cmd = SCAV_CMD_SET_CONFIG,
		.doit = scav_nl_set_config_doit,
		.flags = GENL_ADMIN_PERM,
	},
};

static const struct genl_multicast_group scav_mcgrps[] = {
	{ .name = SCAV_GENL_MCGRP_EVENTS, .flags = SCAV_GENL_MCAST_FLAGS },
};

static struct genl_family scav_family __ro_after_init = {
	.name = SCAV_GENL_NAME,
	.version = SCAV_GENL_VERSION,
	.maxattr = SCAV_A_MAX,
	.policy = scav_policy,
	.netnsok = false,	/* the initial network namespace only */
	.parallel_ops = true,
	.resv_start_op = 0,	/* every command strictly validated */
	.module = THIS_MODULE,
	.ops = scav_ops,
	.n_ops = ARRAY_SIZE(scav_ops),
	.mcgrps = scav_mcgrps,
	.n_mcgrps = ARRAY_SIZE(scav_mcgrps),
};

/* Events */

/* EVENT, SEQ + SESSION_ID + BYTES + CGROUP_ID, PID, COMM, CAUSE */
#define SCAV_EVENT_SIZE	(nla_total_size(4) + 4 * nla_total_size_64bit(8) + \
			 nla_total_size(4) + nla_total_size(TASK_COMM_LEN) + \
			 nla_total_size(4))

/*
 * The event, built with @gfp, its SCAV_A_SEQ left to fill in (@seq_attr);
 * NULL if it could not be allocated.
 */
static struct sk_buff *scav_nl_event_build(u32 event, struct scav_session *s,
					   u64 bytes, u32 cause, u64 cgroup_id,
					   gfp_t gfp, struct nlattr **seq_attr)
{
	struct sk_buff *skb = genlmsg_new(SCAV_EVENT_SIZE, gfp);
	void *hdr;

	if (!skb)
		return NULL;
	hdr = genlmsg_put(skb, 0, 0, &scav_family, 0, SCAV_CMD_EVENT);
	if (!hdr || nla_put_u32(skb, SCAV_A_EVENT, event))
		goto drop;
	*seq_attr = nla_reserve_64bit(skb, SCAV_A_SEQ, sizeof(u64), SCAV_A_PAD);
	if (!*seq_attr)
		goto drop;
	if (s && (nla_put_u32(skb, SCAV_A_PID, pid_nr(s->pid)) ||
		  nla_put_u64_64bit(skb, SCAV_A_SESSION_ID, s->id, SCAV_A_PAD) ||
		  nla_put_string(skb, SCAV_A_COMM, s->comm)))
		goto drop;
	if ((event == SCAV_EVENT_RECLAIM || event == SCAV_EVENT_PRESSURE) &&
	    nla_put_u64_64bit(skb, SCAV_A_BYTES, bytes, SCAV_A_PAD))
		goto drop;
	if (event == SCAV_EVENT_RECLAIM && nla_put_u32(skb, SCAV_A_CAUSE, cause))
		goto drop;
	if (cgroup_id &&
	    nla_put_u64_64bit(skb, SCAV_A_CGROUP_ID, cgroup_id, SCAV_A_PAD))
		goto drop;
	genlmsg_end(skb, hdr);
	return skb;
drop:
	nlmsg_free(skb);
	return NULL;
}

/*
 * Number the event and send it, under a spinlock, so listeners see
 * sequence numbers in order.  An event that could not be built (@skb NULL)
 * still takes its number: the listener sees the gap.  Sending never waits
 * for a listener: netlink drops what a full socket cannot take and tells
 * that listener ENOBUFS.  scav_nl_exit() takes the same lock to mark the
 * family down before unregistering it, so no event goes to a group ID the
 * family no longer owns (the shrinker and the workers still run then).
 */
static void scav_nl_event_send(struct sk_buff *skb, struct nlattr *seq_attr)
{
	spin_lock(&scav_event_lock);
	scav_event_seq++;
	if (skb && scav_nl_up) {
		memcpy(nla_data(seq_attr), &scav_event_seq, sizeof(u64));
		genlmsg_multicast(&scav_family, skb, 0, 0,
				  GFP_NOWAIT | __GFP_NOWARN);
	} else {
		nlmsg_free(skb);
	}
	spin_unlock(&scav_event_lock);
}

static void scav_nl_event(u32 event, struct scav_session *s, u64 bytes,
			  u32 cause, u64 cgroup_id, gfp_t gfp)
{
	struct nlattr *seq_attr = NULL;
	struct sk_buff *skb;

	if (!READ_ONCE(scav_nl_up) || !genl_has_listeners(&scav_family, &init_net, 0))
		return;
	skb = scav_nl_event_build(event, s, bytes, cause, cgroup_id, gfp,
				  &seq_attr);
	scav_nl_event_send(skb, seq_attr);
}

void scav_nl_session_event(struct scav_session *s, u32 event)
{
	scav_nl_event(event, s, 0, 0, 0, GFP_KERNEL);
}

/* Under memory pressure the event must not dig into the reserves. */
#define SCAV_GFP_PRESSURE	(GFP_NOWAIT | __GFP_NOWARN | __GFP_NOMEMALLOC)

void scav_nl_reclaim_event(struct scav_session *s, u64 bytes,
			   enum scav_cause cause, u64 cgroup_id)
{
	scav_nl_event(SCAV_EVENT_RECLAIM, s, bytes, cause, cgroup_id,
		      cause == SCAV_CAUSE_PRESSURE ? SCAV_GFP_PRESSURE : GFP_KERNEL);
}

/* From the shrinker: at most one every 100 ms. */
void scav_nl_pressure_event(u64 kept_bytes)
{
	unsigned long next = READ_ONCE(scav_pressure_next);

	if (time_before(jiffies, next) ||
	    cmpxchg(&scav_pressure_next, next, jiffies + HZ / 10) != next)
		return;
	scav_nl_event(SCAV_EVENT_PRESSURE, NULL, kept_bytes, 0, 0, SCAV_GFP_PRESSURE);
}

int scav_nl_init(void)
{
	int ret;

	scav_dump_cache = KMEM_CACHE(scav_dump, 0);
	if (!scav_dump_cache)
		return -ENOMEM;
	scav_pressure_next = jiffies;
	ret = genl_register_family(&scav_family);
	if (ret) {
		kmem_cache_destroy(scav_dump_cache);
		return ret;
	}
	WRITE_ONCE(scav_nl_up, true);
	return 0;
}

/* Waits for handlers still running; dumps hold a module reference. */
void scav_nl_exit(void)
{
	spin_lock(&scav_event_lock);
	WRITE_ONCE(scav_nl_up, false);
	spin_unlock(&scav_event_lock);
	genl_unregister_family(&scav_family);
	kmem_cache_destroy(scav_dump_cache);
}

MODULE_ALIAS_GENL_FAMILY(SCAV_GENL_NAME);

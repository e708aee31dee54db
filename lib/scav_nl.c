// SPDX-License-Identifier: MIT
/*
 * libscav-nl: the scav generic-netlink family through libnl-genl-3.
 *
 * One socket per handle; the family (and for listeners the group) is
 * resolved once at open; extended ACKs are on; every request goes through
 * scav_nl_request(), the one synchronous loop, with a libnl policy next to
 * each parser.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#include "keep_errno.h"
#include "scav_nl.h"
#include "scav_nl_private.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* libnl's codes to errno; what has no better match is EIO. */
static int scav_nl_errno(int nle)
{
	static const int map[] = {
		[NLE_INTR] = EINTR,		[NLE_BAD_SOCK] = EBADF,
		[NLE_AGAIN] = EAGAIN,		[NLE_NOMEM] = ENOMEM,
		[NLE_EXIST] = EEXIST,		[NLE_INVAL] = EINVAL,
		[NLE_RANGE] = ERANGE,		[NLE_MSGSIZE] = EMSGSIZE,
		[NLE_OPNOTSUPP] = EOPNOTSUPP,	[NLE_AF_NOSUPPORT] = EAFNOSUPPORT,
		[NLE_OBJ_NOTFOUND] = ENOENT,	[NLE_NOATTR] = ENOENT,
		[NLE_MISSING_ATTR] = EINVAL,	[NLE_SEQ_MISMATCH] = EPROTO,
		[NLE_MSG_OVERFLOW] = EOVERFLOW,	[NLE_MSG_TRUNC] = EMSGSIZE,
		[NLE_MSG_TOOSHORT] = EPROTO,	[NLE_MSGTYPE_NOSUPPORT] = EPROTO,
		[NLE_BUSY] = EBUSY,		[NLE_PROTO_MISMATCH] = EPROTONOSUPPORT,
		[NLE_NOACCESS] = EACCES,	[NLE_PERM] = EPERM,
		[NLE_NODEV] = ENODEV,		[NLE_DUMP_INTR] = EINTR,
		[NLE_ATTRSIZE] = EPROTO,
	};

	if (nle < 0)
		nle = -nle;
	if (nle > 0 && nle < (int)(sizeof(map) / sizeof(map[0])) && map[nle])
		return -map[nle];
	return -EIO;
}

static int scav_nl_connect(struct scav_nl *n, unsigned int flags)
{
	int one = 1, ret;

	n->sk = nl_socket_alloc();
	if (!n->sk)
		return -ENOMEM;
	ret = genl_connect(n->sk);
	if (ret < 0)
		return scav_nl_errno(ret);
	/* Best effort: kernels without them simply send less. */
	setsockopt(nl_socket_get_fd(n->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(n->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	ret = genl_ctrl_resolve(n->sk, SCAV_GENL_NAME);
	if (ret < 0)
		return ret == -NLE_OBJ_NOTFOUND ? -ENOENT : scav_nl_errno(ret);
	n->family = ret;
	if (!(flags & SCAV_NL_EVENTS))
		return 0;

	ret = genl_ctrl_resolve_grp(n->sk, SCAV_GENL_NAME, SCAV_GENL_MCGRP_EVENTS);
	if (ret < 0)
		return scav_nl_errno(ret);
	n->listener = 1;
	nl_socket_disable_seq_check(n->sk);
	ret = nl_socket_add_membership(n->sk, ret);
	if (ret < 0)
		/* libnl reports EPERM from setsockopt() as NLE_FAILURE. */
		return errno == EPERM || errno == EACCES ? -errno : scav_nl_errno(ret);
	ret = nl_socket_set_nonblocking(n->sk);
	return ret < 0 ? scav_nl_errno(ret) : 0;
}

int scav_nl_open(struct scav_nl **np, unsigned int flags)
{
	struct scav_nl *n;
	int ret;
	KEEP_ERRNO();

	if (!np || (flags & ~SCAV_NL_EVENTS))
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ret = scav_nl_connect(n, flags);
	if (ret) {
		scav_nl_close(n);
		return ret;
	}
	*np = n;
	return 0;
}

void scav_nl_close(struct scav_nl *n)
{
	KEEP_ERRNO();

	if (!n)
		return;
	nl_socket_free(n->sk);	/* closes the socket */
	free(n);
}

const char *scav_nl_errmsg(const struct scav_nl *n)
{
	return n ? n->errmsg : "";
}

int scav_nl_fd(const struct scav_nl *n)
{
	return nl_socket_get_fd(n->sk);
}

/* The state of one request. */
struct scav_nl_req {
	struct scav_nl *n;
	int (*parse)(struct nlattr **tb, void *arg);
	void *arg;
	int err;		/* 1 while running, then 0 or -errno */
	int parse_err;
	int interrupted;	/* NLM_F_DUMP_INTR seen */
};

static const struct nla_policy scav_nl_policy[SCAV_A_MAX + 1] = {
	[SCAV_A_FLAGS] = { .type = NLA_U32 },
	[SCAV_A_PID] = { .type = NLA_U32 },
	[SCAV_A_ALL] = { .type = NLA_FLAG },
	[SCAV_A_SESSION_ID] = { .type = NLA_U64 },
	[SCAV_A_COMM] = { .type = NLA_STRING, .maxlen = 16 },
	[SCAV_A_STATS] = { .type = NLA_NESTED },
	[SCAV_A_CONFIG] = { .type = NLA_NESTED },
	[SCAV_A_BYTES] = { .type = NLA_U64 },
	[SCAV_A_SESSIONS] = { .type = NLA_U32 },
	[SCAV_A_EVENT] = { .type = NLA_U32 },
	[SCAV_A_SEQ] = { .type = NLA_U64 },
	[SCAV_A_CAUSE] = { .type = NLA_U32 },
	[SCAV_A_CGROUP_ID] = { .type = NLA_U64 },
};

static int scav_nl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct scav_nl_req *r = arg;
	struct nlattr *tb[SCAV_A_MAX + 1];
	int ret;

	ret = genlmsg_parse(nlmsg_hdr(msg), 0, tb, SCAV_A_MAX,
			    (struct nla_policy *)scav_nl_policy);
	if (ret < 0) {
		r->parse_err = -EPROTO;
		return NL_SKIP;
	}
	if (r->parse && !r->parse_err)
		r->parse_err = r->parse(tb, r->arg);
	return NL_OK;
}

static const struct nla_policy scav_nl_ack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
	[NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
	[NLMSGERR_ATTR_POLICY] = { .type = NLA_NESTED },
};

static const struct nla_policy scav_nl_bounds_policy[NL_POLICY_TYPE_ATTR_MAX + 1] = {
	[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] = { .type = NLA_U64 },
	[NL_POLICY_TYPE_ATTR_MAX_VALUE_U] = { .type = NLA_U64 },
};

/*
 * The extended ACK's attributes: after struct nlmsgerr, and after the
 * request echoed whole unless the kernel capped it.  @avail is what the
 * message holds past struct nlmsgerr; the echoed request's own length is
 * the kernel's word, so it is checked against that.
 */
static int scav_nl_ack_tlvs(const struct nlmsghdr *nlh, size_t avail,
			    struct nlattr **tb)
{
	const struct nlmsgerr *e = nlmsg_data(nlh);
	size_t skip = 0;

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN ||
		    e->msg.nlmsg_len - NLMSG_HDRLEN > avail)
			return -EPROTO;
		skip = NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
		if (skip > avail)
			skip = avail;
	}
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)(e + 1) + skip), avail - skip,
		      (struct nla_policy *)scav_nl_ack_policy))
		return -EPROTO;
	return 0;
}

/* The kernel's text, then the bounds of the attribute at fault if it says. */
static void scav_nl_ack_text(struct nlattr **tb, char *msg, size_t size)
{
	struct nlattr *pol[NL_POLICY_TYPE_ATTR_MAX + 1];
	size_t used;

	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(msg, size, "%s", nla_get_string(tb[NLMSGERR_ATTR_MSG]));
	else if (tb[NLMSGERR_ATTR_MISS_TYPE])
		snprintf(msg, size, "missing attribute %u",
			 nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]));
	used = strlen(msg);
	if (tb[NLMSGERR_ATTR_POLICY] &&
	    !nla_parse_nested(pol, NL_POLICY_TYPE_ATTR_MAX, tb[NLMSGERR_ATTR_POLICY],
			      (struct nla_policy *)scav_nl_bounds_policy) &&
	    pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U] && pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U])
		snprintf(msg + used, size - used,
			 "%sthe attribute takes values %llu to %llu", used ? "; " : "",
			 (unsigned long long)nla_get_u64(pol[NL_POLICY_TYPE_ATTR_MIN_VALUE_U]),
			 (unsigned long long)nla_get_u64(pol[NL_POLICY_TYPE_ATTR_MAX_VALUE_U]));
}

int scav_nl_ack_error(const struct nlmsghdr *nlh, size_t len, char *msg, size_t size)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	const struct nlmsgerr *e;

	msg[0] = '\0';
	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return -EPROTO;
	e = nlmsg_data(nlh);
	if (e->error >= 0 || e->error < -4095)
		return -EPROTO;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return e->error;
	if (scav_nl_ack_tlvs(nlh, nlh->nlmsg_len - NLMSG_LENGTH(sizeof(*e)), tb))
		return -EPROTO;
	scav_nl_ack_text(tb, msg, size);
	return e->error;
}

/*
 * An error: keep the kernel's extended-ACK message.  libnl calls this with
 * a message whose nlmsg_len it has checked against the datagram received
 * (nlmsg_ok()), so nlmsg_len is what may be read.
 */
static int scav_nl_error_cb(struct sockaddr_nl *sa, struct nlmsgerr *e, void *arg)
{
	struct scav_nl_req *r = arg;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	r->err = scav_nl_ack_error(nlh, nlh->nlmsg_len, r->n->errmsg,
				   sizeof(r->n->errmsg));
	return NL_STOP;
}

static int scav_nl_done_cb(struct nl_msg *msg, void *arg)
{
	((struct scav_nl_req *)arg)->err = 0;
	return NL_STOP;
}

static int scav_nl_intr_cb(struct nl_msg *msg, void *arg)
{
	((struct scav_nl_req *)arg)->interrupted = 1;
	return NL_OK;
}

/*
 * Send @msg (freed here) and read replies until the ACK, the end of the
 * dump, or an error.  @parse sees the attributes of each reply.
 */
static int scav_nl_request_parse(struct scav_nl *n, struct nl_msg *msg,
				 int (*parse)(struct nlattr **, void *),
				 void *arg, int *interrupted)
{
	struct scav_nl_req r = { .n = n, .parse = parse, .arg = arg, .err = 1 };
	struct nl_cb *cb;
	int ret;

	n->errmsg[0] = '\0';
	if (n->listener) {
		nlmsg_free(msg);
		return -EINVAL;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, scav_nl_valid_cb, &r);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, scav_nl_done_cb, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, scav_nl_done_cb, &r);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, scav_nl_intr_cb, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, scav_nl_error_cb, &r);

	ret = nl_send_auto(n->sk, msg);
	nlmsg_free(msg);
	if (ret < 0)
		r.err = scav_nl_errno(ret);
	while (r.err > 0) {
		ret = nl_recvmsgs(n->sk, cb);
		if (ret < 0 && r.err > 0)
			r.err = scav_nl_errno(ret);
	}
	nl_cb_put(cb);
	if (interrupted)
		*interrupted = r.interrupted;
	return r.err ? r.err : r.parse_err;
}

/* A request message: the family's header, @cmd, and @flags (NLM_F_DUMP). */
static struct nl_msg *scav_nl_msg(struct scav_nl *n, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, n->family, 0,
				flags, cmd, SCAV_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

int scav_nl_request_raw(struct scav_nl *n, struct nl_msg *msg)
{
	KEEP_ERRNO();

	return scav_nl_request_parse(n, msg, NULL, NULL, NULL);
}

int scav_nl_family(const struct scav_nl *n)
{
	return n->family;
}

/* SCAV_STAT_* into struct scav_stats or struct scav_nl_stats. */
static const struct nla_policy scav_nl_stat_policy[SCAV_STAT_MAX + 1] = {
	[SCAV_STAT_IDLE_BYTES ... SCAV_STAT_MAX] = { .type = NLA_U64 },
};

static int scav_nl_parse_stats(struct nlattr *nest, struct nlattr **stb)
{
	if (!nest || nla_parse_nested(stb, SCAV_STAT_MAX, nest,
				      (struct nla_policy *)scav_nl_stat_policy))
		return -EPROTO;
	return 0;
}

static uint64_t stat_get(struct nlattr **stb, int type)
{
	return stb[type] ? nla_get_u64(stb[type]) : 0;
}

/* For SCAV_FIGURES: a figure into the field of @st of its name, or not. */
#define FIGURE(name, stat, walk)	st->name = stat_get(stb, SCAV_STAT_##stat);
#define NOT_HERE(name, stat, walk)

struct scav_nl_dump {
	struct scav_nl_session *v;
	size_t nr, cap;
	unsigned int flags;
};

static int scav_nl_parse_session(struct nlattr **tb, void *arg)
{
	struct scav_nl_dump *d = arg;
	struct nlattr *stb[SCAV_STAT_MAX + 1];
	struct scav_nl_session *s;
	struct scav_stats *st;

	if (!tb[SCAV_A_SESSION_ID] || !tb[SCAV_A_PID] ||
	    scav_nl_parse_stats(tb[SCAV_A_STATS], stb))
		return -EPROTO;
	if (d->nr == d->cap) {
		size_t cap = d->cap ? 2 * d->cap : 64;
		void *v = realloc(d->v, cap * sizeof(*d->v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	s = &d->v[d->nr++];
	memset(s, 0, sizeof(*s));
	s->id = nla_get_u64(tb[SCAV_A_SESSION_ID]);
	s->pid = nla_get_u32(tb[SCAV_A_PID]);
	if (tb[SCAV_A_COMM])
		snprintf(s->comm, sizeof(s->comm), "%s", nla_get_string(tb[SCAV_A_COMM]));
	if (tb[SCAV_A_CGROUP_ID])
		s->cgroup_id = nla_get_u64(tb[SCAV_A_CGROUP_ID]);
	st = &s->stats;
	st->flags = d->flags;
	SCAV_FIGURES(FIGURE, FIGURE, NOT_HERE)
	st->reclaimed_bytes = st->reclaimed_request_bytes + st->reclaimed_age_bytes +
			      st->reclaimed_pressure_bytes;
	return 0;
}

static int scav_nl_sessions_(struct scav_nl *n, unsigned int flags,
			     struct scav_nl_session **v, size_t *nr)
{
	struct scav_nl_dump d = { .flags = flags };
	struct nl_msg *msg;
	int intr = 0, ret;

	if (!v || !nr || (flags & ~SCAV_STATS_RESIDENT))
		return -EINVAL;
	msg = scav_nl_msg(n, SCAV_CMD_GET_SESSIONS, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	if (flags && nla_put_u32(msg, SCAV_A_FLAGS, flags) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = scav_nl_request_parse(n, msg, scav_nl_parse_session, &d, &intr);
	if (ret) {
		free(d.v);
		return ret;
	}
	*v = d.v;
	*nr = d.nr;
	return intr;
}

__attribute__((symver("scav_nl_sessions@@LIBSCAV_NL_1.1")))
int scav_nl_sessions_1_1(struct scav_nl *n, unsigned int flags,
			 struct scav_nl_session **v, size_t *nr)
{
	KEEP_ERRNO();

	return scav_nl_sessions_(n, flags, v, nr);
}

/* LIBSCAV_NL_1.0's struct scav_nl_session, before cgroup_id. */
struct scav_nl_session_1_0 {
	uint64_t id;
	uint32_t pid;
	char comm[16];
	struct scav_stats stats;
};

__attribute__((symver("scav_nl_sessions@LIBSCAV_NL_1.0")))
int scav_nl_sessions_1_0(struct scav_nl *n, unsigned int flags,
			 struct scav_nl_session_1_0 **v, size_t *nr)
{
	struct scav_nl_session *all = NULL;
	struct scav_nl_session_1_0 *old;
	size_t i, k = 0;
	int ret;
	KEEP_ERRNO();

	if (!v || !nr)
		return -EINVAL;
	ret = scav_nl_sessions_(n, flags, &all, &k);
	if (ret < 0)
		return ret;
	old = calloc(k ? k : 1, sizeof(*old));
	if (!old) {
		free(all);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++) {
		old[i].id = all[i].id;
		old[i].pid = all[i].pid;
		memcpy(old[i].comm, all[i].comm, sizeof(old[i].comm));
		old[i].stats = all[i].stats;
	}
	free(all);
	*v = old;
	*nr = k;
	return ret;
}

static int scav_nl_parse_global(struct nlattr **tb, void *arg)
{
	struct scav_nl_stats *st = arg;
	struct nlattr *stb[SCAV_STAT_MAX + 1];

	if (scav_nl_parse_stats(tb[SCAV_A_STATS], stb))
		return -EPROTO;
	SCAV_FIGURES(FIGURE, NOT_HERE, FIGURE)
	st->event_seq = tb[SCAV_A_SEQ] ? nla_get_u64(tb[SCAV_A_SEQ]) : 0;
	return 0;
}

static int scav_nl_stats_(struct scav_nl *n, unsigned int flags,
			  struct scav_nl_stats *st)
{
	struct nl_msg *msg;

	if (!st || (flags & ~SCAV_STATS_RESIDENT))
		return -EINVAL;
	msg = scav_nl_msg(n, SCAV_CMD_GET_STATS, 0);
	if (!msg)
		return -ENOMEM;
	if (flags && nla_put_u32(msg, SCAV_A_FLAGS, flags) < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	memset(st, 0, sizeof(*st));
	st->flags = flags;
	return scav_nl_request_parse(n, msg, scav_nl_parse_global, st, NULL);
}

__attribute__((symver("scav_nl_stats@@LIBSCAV_NL_1.1")))
int scav_nl_stats_1_1(struct scav_nl *n, unsigned int flags,
		      struct scav_nl_stats *st)
{
	KEEP_ERRNO();

	return scav_nl_stats_(n, flags, st);
}

/*
 * Programs linked against LIBSCAV_NL_1.0 pass the struct as it was then,
 * ending with event_seq: it gets what fits.
 */
__attribute__((symver("scav_nl_stats@LIBSCAV_NL_1.0")))
int scav_nl_stats_1_0(struct scav_nl *n, unsigned int flags,
		      struct scav_nl_stats *st)
{
	struct scav_nl_stats all;
	int ret;
	KEEP_ERRNO();

	if (!st)
		return -EINVAL;
	ret = scav_nl_stats_(n, flags, &all);
	memcpy(st, &all, offsetof(struct scav_nl_stats, lazy_bytes));
	return ret;
}

struct scav_nl_reclaimed {
	uint64_t bytes;
	uint32_t sessions;
};

static int scav_nl_parse_reclaim(struct nlattr **tb, void *arg)
{
	struct scav_nl_reclaimed *r = arg;

	if (!tb[SCAV_A_BYTES] || !tb[SCAV_A_SESSIONS])
		return -EPROTO;
	r->bytes = nla_get_u64(tb[SCAV_A_BYTES]);
	r->sessions = nla_get_u32(tb[SCAV_A_SESSIONS]);
	return 0;
}

int scav_nl_reclaim(struct scav_nl *n, uint32_t pid, unsigned int flags,
		    uint64_t *bytes, uint32_t *sessions)
{
	struct scav_nl_reclaimed r = { 0, 0 };
	struct nl_msg *msg;
	int ret;
	KEEP_ERRNO();

	if ((flags & ~SCAV_NL_RECLAIM_ALL) || !(flags & SCAV_NL_RECLAIM_ALL) == !pid)
		return -EINVAL;
	msg = scav_nl_msg(n, SCAV_CMD_RECLAIM, 0);
	if (!msg)
		return -ENOMEM;
	ret = pid ? nla_put_u32(msg, SCAV_A_PID, pid) : nla_put_flag(msg, SCAV_A_ALL);
	if (ret < 0) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = scav_nl_request_parse(n, msg, scav_nl_parse_reclaim, &r, NULL);
	if (bytes)
		*bytes = r.bytes;
	if (sessions)
		*sessions = r.sessions;
	return ret;
}

static const char *const scav_nl_conf_names[SCAV_CONF_MAX + 1] = {
	[SCAV_CONF_ENABLED] = "enabled",
	[SCAV_CONF_SHRINKER_ENABLED] = "shrinker_enabled",
	[SCAV_CONF_IDLE_AGE_MS] = "idle_age_ms",
	[SCAV_CONF_SCAN_INTERVAL_MS] = "scan_interval_ms",
	[SCAV_CONF_QUOTA_BYTES_PER_SEC] = "quota_bytes_per_sec",
	[SCAV_CONF_QUOTA_MS_PER_SEC] = "quota_ms_per_sec",
	[SCAV_CONF_MAX_RANGES_PER_SESSION] = "max_ranges_per_session",
	[SCAV_CONF_MAX_RANGES_TOTAL] = "max_ranges_total",
	[SCAV_CONF_MAX_RANGES_PER_USER] = "max_ranges_per_user",
	[SCAV_CONF_MAX_SESSIONS_PER_USER] = "max_sessions_per_user",
};

const char *scav_nl_config_name(unsigned int key)
{
	return key <= SCAV_CONF_MAX ? scav_nl_conf_names[key] : NULL;
}

int scav_nl_config_key(const char *name)
{
	unsigned int i;

	for (i = 0; name && i <= SCAV_CONF_MAX; i++)
		if (scav_nl_conf_names[i] && !strcmp(name, scav_nl_conf_names[i]))
			return i;
	return -EINVAL;
}

static int scav_nl_parse_config(struct nlattr **tb, void *arg)
{
	struct scav_nl_config *c = arg;
	struct nlattr *a;
	int rem;

	if (!tb[SCAV_A_CONFIG])
		return -EPROTO;
	memset(c, 0, sizeof(*c));
	nla_for_each_nested(a, tb[SCAV_A_CONFIG], rem) {
		int type = nla_type(a);

		if (type <= SCAV_CONF_PAD || type >= SCAV_NL_CONF_SLOTS)
			continue;
		if (nla_len(a) != sizeof(uint64_t))
			return -EPROTO;
		c->value[type] = nla_get_u64(a);
		c->present |= 1u << type;
	}
	return 0;
}

int scav_nl_config_get(struct scav_nl *n, struct scav_nl_config *c)
{
	struct nl_msg *msg;
	KEEP_ERRNO();

	if (!c)
		return -EINVAL;
	msg = scav_nl_msg(n, SCAV_CMD_GET_CONFIG, 0);
	if (!msg)
		return -ENOMEM;
	return scav_nl_request_parse(n, msg, scav_nl_parse_config, c, NULL);
}

int scav_nl_config_set(struct scav_nl *n, const struct scav_nl_config *c,
		       struct scav_nl_config *now)
{
	struct scav_nl_config ignored;
	struct nlattr *nest;
	struct nl_msg *msg;
	unsigned int i;
	KEEP_ERRNO();

	if (!c || (c->present & ((1u << (SCAV_CONF_PAD + 1)) - 1)))
		return -EINVAL;
	msg = scav_nl_msg(n, SCAV_CMD_SET_CONFIG, 0);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, SCAV_A_CONFIG);
	if (!nest)
		goto nomem;
	for (i = 0; i < SCAV_NL_CONF_SLOTS; i++)
		if (c->present & (1u << i) && nla_put_u64(msg, i, c->value[i]) < 0)
			goto nomem;
	nla_nest_end(msg, nest);
	return scav_nl_request_parse(n, msg, scav_nl_parse_config,
				     now ? now : &ignored, NULL);
nomem:
	nlmsg_free(msg);
	return -ENOMEM;
}

/* Events */

static int scav_nl_parse_event(struct nlattr **tb, struct scav_nl_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (!tb[SCAV_A_EVENT] || !tb[SCAV_A_SEQ])
		return -EPROTO;
	ev->type = nla_get_u32(tb[SCAV_A_EVENT]);
	ev->seq = nla_get_u64(tb[SCAV_A_SEQ]);
	if (tb[SCAV_A_PID])
		ev->pid = nla_get_u32(tb[SCAV_A_PID]);
	if (tb[SCAV_A_SESSION_ID])
		ev->session_id = nla_get_u64(tb[SCAV_A_SESSION_ID]);
	if (tb[SCAV_A_COMM])
		snprintf(ev->comm, sizeof(ev->comm), "%s", nla_get_string(tb[SCAV_A_COMM]));
	if (tb[SCAV_A_BYTES])
		ev->bytes = nla_get_u64(tb[SCAV_A_BYTES]);
	if (tb[SCAV_A_CAUSE])
		ev->cause = nla_get_u32(tb[SCAV_A_CAUSE]);
	if (tb[SCAV_A_CGROUP_ID])
		ev->cgroup_id = nla_get_u64(tb[SCAV_A_CGROUP_ID]);
	return 1;
}

static int scav_nl_event_read_(struct scav_nl *n, struct scav_nl_event *ev)
{
	int fd = nl_socket_get_fd(n->sk);

	if (!ev || !n->listener)
		return -EINVAL;
	for (;;) {
		struct nlattr *tb[SCAV_A_MAX + 1];
		struct sockaddr_nl sa;
		unsigned char *buf = NULL;
		struct nlmsghdr *nlh;
		char c;
		int len, ret = 0;

		/*
		 * An overrun is reported once, by the next receive; libnl
		 * would call it NLE_NOMEM.  Look first, without consuming.
		 */
		if (recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		len = nl_recv(n->sk, &sa, &buf, NULL);
		if (len < 0)
			return len == -NLE_AGAIN ? 0 : scav_nl_errno(len);
		nlh = (struct nlmsghdr *)buf;
		/* One event per datagram; anything else is skipped. */
		if (len > 0 && nlmsg_ok(nlh, len) && nlh->nlmsg_type == n->family &&
		    genlmsg_valid_hdr(nlh, 0) &&
		    ((struct genlmsghdr *)nlmsg_data(nlh))->cmd == SCAV_CMD_EVENT &&
		    !genlmsg_parse(nlh, 0, tb, SCAV_A_MAX,
				   (struct nla_policy *)scav_nl_policy))
			ret = scav_nl_parse_event(tb, ev);
		free(buf);
		if (ret)
			return ret;
	}
}

__attribute__((symver("scav_nl_event_read@@LIBSCAV_NL_1.1")))
int scav_nl_event_read_1_1(struct scav_nl *n, struct scav_nl_event *ev)
{
	KEEP_ERRNO();

	return scav_nl_event_read_(n, ev);
}

/* LIBSCAV_NL_1.0's struct scav_nl_event ended with cause. */
__attribute__((symver("scav_nl_event_read@LIBSCAV_NL_1.0")))
int scav_nl_event_read_1_0(struct scav_nl *n, struct scav_nl_event *ev)
{
	struct scav_nl_event all;
	int ret;
	KEEP_ERRNO();

	if (!ev)
		return -EINVAL;
	ret = scav_nl_event_read_(n, &all);
	if (ret > 0)
		memcpy(ev, &all, offsetof(struct scav_nl_event, cgroup_id));
	return ret;
}

const char *scav_nl_event_name(uint32_t type)
{
	static const char *const names[] = {
		[SCAV_EVENT_RECLAIM] = "reclaim",
		[SCAV_EVENT_PRESSURE] = "pressure",
		[SCAV_EVENT_SESSION_OPEN] = "open",
		[SCAV_EVENT_SESSION_CLOSE] = "close",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : NULL;
}

const char *scav_nl_cause_name(uint32_t cause)
{
	static const char *const names[] = {
		[SCAV_CAUSE_REQUEST] = "request",
		[SCAV_CAUSE_AGE] = "age",
		[SCAV_CAUSE_PRESSURE] = "pressure",
	};

	return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : NULL;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink family "scav", through libscav-nl (and so libnl):
 * every command end to end, permissions, namespaces, policy errors with
 * their extended ACKs, dumps at scale, and events, overruns included.
 * Needs the module and root.  scavctl_test runs scavctl on the family;
 * netlink_unload_test unloads the module under a dump.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <linux/capability.h>
#include <stddef.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"
#include "scav_nl.h"
#include "scav_nl_private.h"

#define NL_IDLE_AGE_MS	"3600000"	/* an hour: nothing ages in a test */

/* Drop capability @cap from the effective and permitted sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	return syscall(SYS_capset, &h, d) ? -1 : 0;
}

/* A message of the family, to be made wrong on purpose. */
static struct nl_msg *raw_msg(struct scav_nl *n, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, scav_nl_family(n),
				0, flags, cmd, SCAV_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static const struct scav_nl_session *find_pid(const struct scav_nl_session *v,
					      size_t nr, uint32_t pid)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (v[i].pid == pid)
			return &v[i];
	return NULL;
}

/* Read events until one of @type arrives or @ms pass; 1, 0 or -errno. */
static int wait_event_type(struct scav_nl *n, uint32_t type,
			   struct scav_nl_event *ev, int ms, uint64_t *last_seq)
{
	for (; ms > 0; ms -= 50) {
		struct pollfd p = { .fd = scav_nl_fd(n), .events = POLLIN };
		int ret = scav_nl_event_read(n, ev);

		if (ret < 0)
			return ret;
		if (ret == 1) {
			if (last_seq && *last_seq && ev->seq != *last_seq + 1)
				return -EPROTO;
			if (last_seq)
				*last_seq = ev->seq;
			if (ev->type == type)
				return 1;
			ms += 50;
			continue;
		}
		poll(&p, 1, 50);
	}
	return 0;
}

FIXTURE(nl) {
	struct scav_nl *n;
	struct tunables saved;
};

FIXTURE_SETUP(nl)
{
	int ret;

	if (geteuid() != 0)
		SETUP_SKIP("needs root");
	ret = scav_nl_open(&self->n, 0);
	if (ret == -ENOENT)
		SETUP_SKIP("the scav module is not loaded");
	ASSERT_EQ(0, ret);
	tunables_save(&self->saved);
	/*
	 * The kids' idle memory must not age out while a test looks at it
	 * (a slow kernel takes seconds per step); tests that want aging set
	 * it themselves.  The teardown puts the saved value back.
	 */
	ASSERT_EQ(0, knob_write("idle_age_ms", NL_IDLE_AGE_MS));
}

FIXTURE_TEARDOWN(nl)
{
	/* Tests change tunables; put them back. */
	tunables_restore(&self->saved);
	if (self->n)
		scav_nl_close(self->n);
}

TEST_F(nl, config_agrees_with_sysfs)
{
	struct scav_nl_config c;
	unsigned int key;

	ASSERT_EQ(0, scav_nl_config_get(self->n, &c));
	for (key = 0; key < SCAV_NL_CONF_SLOTS; key++) {
		const char *name = scav_nl_config_name(key);

		if (!name)
			continue;
		EXPECT_TRUE(c.present & (1u << key));
		EXPECT_EQ(knob_read(name), (long long)c.value[key]);
		EXPECT_EQ((int)key, scav_nl_config_key(name));
	}
	EXPECT_EQ(-EINVAL, scav_nl_config_key("no_such_knob"));
}

/* Every module-wide figure of SCAV_FIGURES: its sysfs file and its field. */
#define MODULE_FIGURE(name, stat, walk) \
	{ #name, offsetof(struct scav_nl_stats, name) },
#define SESSION_FIGURE(name, stat, walk)

static const struct {
	const char *name;
	size_t off;
} module_figures[] = {
	SCAV_FIGURES(MODULE_FIGURE, SESSION_FIGURE, MODULE_FIGURE)
};

static uint64_t figure(const struct scav_nl_stats *st, size_t off)
{
	uint64_t v;

	memcpy(&v, (const char *)st + off, sizeof(v));
	return v;
}

/*
 * Every module-wide figure, sysfs and GET_STATS alike, from the one list
 * (nothing ages, so nothing changes between the two reads); and a program
 * built against libscav-nl 1.0, whose struct ends at event_seq, gets no
 * byte written past it.
 */
TEST_F(nl, every_figure_is_the_same_in_sysfs_and_netlink)
{
	typedef int (*stats_fn)(struct scav_nl *, unsigned int, struct scav_nl_stats *);
	typedef int (*open_fn)(struct scav_nl **, unsigned int);
	typedef void (*close_fn)(struct scav_nl *);
	const size_t old_size = offsetof(struct scav_nl_stats, lazy_bytes);
	struct scav_nl_stats st, st0;
	unsigned char buf[sizeof(st)];
	stats_fn stats_1_0, stats_1_1;
	struct scav_nl *n = NULL;
	struct kid k;
	void *h;
	size_t i;

	ASSERT_EQ(0, kid_start(&k, 1));
	ASSERT_EQ(0, scav_nl_stats(self->n, SCAV_STATS_RESIDENT, &st));
	for (i = 0; i < ARRAY_SIZE(module_figures); i++) {
		EXPECT_EQ(knob_read(module_figures[i].name),
			  (long long)figure(&st, module_figures[i].off))
			TH_LOG("%s: sysfs and GET_STATS differ", module_figures[i].name);
	}
	EXPECT_LE(KID_LEN, st.idle_bytes);
	EXPECT_LE(KID_LEN, st.reported_bytes);
	EXPECT_LE(KID_LEN, st.idle_resident_bytes);
	EXPECT_LE(1, st.nr_ranges);

	/* The shared library, as a program linked against it sees it. */
	h = dlopen("libscav-nl.so.1", RTLD_NOW | RTLD_LOCAL);
	ASSERT_NE(NULL, h) TH_LOG("%s", dlerror());
	stats_1_0 = (stats_fn)dlvsym(h, "scav_nl_stats", "LIBSCAV_NL_1.0");
	stats_1_1 = (stats_fn)dlvsym(h, "scav_nl_stats", "LIBSCAV_NL_1.1");
	ASSERT_NE(NULL, stats_1_0);
	ASSERT_NE(NULL, stats_1_1);
	ASSERT_NE(stats_1_0, stats_1_1);
	ASSERT_EQ(0, ((open_fn)dlsym(h, "scav_nl_open"))(&n, 0));
	ASSERT_EQ(0, stats_1_1(n, 0, &st0));
	memset(buf, 0xa5, sizeof(buf));
	ASSERT_EQ(0, stats_1_0(n, 0, (struct scav_nl_stats *)buf));
	for (i = old_size; i < sizeof(buf); i++) {
		ASSERT_EQ(0xa5, buf[i]) TH_LOG("1.0 wrote byte %zu, past its %zu", i, old_size);
	}
	memcpy(&st, buf, old_size);
	EXPECT_EQ(st0.idle_bytes, st.idle_bytes);
	EXPECT_EQ(st0.sessions, st.sessions);
	EXPECT_EQ(st0.reclaimed_request_bytes, st.reclaimed_request_bytes);
	EXPECT_LE(KID_LEN, st0.reported_bytes);
	((close_fn)dlsym(h, "scav_nl_close"))(n);
	dlclose(h);
	EXPECT_EQ(0, kid_end(&k));
}

TEST_F(nl, the_dump_lists_every_session_with_its_figures)
{
	struct scav_nl_session *v;
	const struct scav_nl_session *e;
	struct scav *s[3];
	char *m[3];
	size_t nr, i, mine = 0;
	uint64_t last = 0;
	struct kid k;

	for (i = 0; i < 3; i++) {
		struct scav_range r;

		m[i] = map_filled((i + 1) * MiB, 10 + i);
		ASSERT_NE(NULL, m[i]);
		ASSERT_EQ(0, scav_open(&s[i], 0));
		r.addr = (uintptr_t)m[i];
		r.len = (i + 1) * MiB;
		ASSERT_EQ(1, scav_report(s[i], &r, 1, 0));
	}
	ASSERT_EQ(0, kid_start(&k, 2));
	ASSERT_LE(0, scav_nl_sessions(self->n, SCAV_STATS_RESIDENT, &v, &nr));
	for (i = 0; i < nr; i++) {
		if (i)
			EXPECT_LT(v[i - 1].id, v[i].id);
		if (v[i].pid != (uint32_t)getpid())
			continue;
		/* Ours, in the order opened: 1, 2 and 3 MiB. */
		mine++;
		EXPECT_STREQ("netlink_test", v[i].comm);
		EXPECT_EQ(mine * MiB, v[i].stats.idle_bytes);
		EXPECT_EQ(mine * MiB, v[i].stats.idle_resident_bytes);
		EXPECT_EQ(mine * MiB, v[i].stats.reported_bytes);
		EXPECT_EQ(1, v[i].stats.nr_ranges);
		EXPECT_LE(6 * MiB - rss_lag_bytes(1),
			  (long long)v[i].stats.anon_rss_bytes);
		EXPECT_LT(last, v[i].id);
		last = v[i].id;
	}
	EXPECT_EQ(3, mine);
	e = find_pid(v, nr, k.pid);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(KID_LEN, e->stats.idle_bytes);
	free(v);

	/* Without the walk, the walked figures are 0. */
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	e = find_pid(v, nr, k.pid);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(KID_LEN, e->stats.idle_bytes);
	EXPECT_EQ(0, e->stats.idle_resident_bytes);
	free(v);

	EXPECT_EQ(0, kid_end(&k));
	for (i = 0; i < 3; i++)
		scav_close(s[i]);
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	EXPECT_EQ(NULL, find_pid(v, nr, getpid()));
	EXPECT_EQ(NULL, find_pid(v, nr, k.pid));
	free(v);
}

/*
 * A session is listed once it made an ioctl other than VERSION: before,
 * it holds nothing and has no mmu notifier, so it would not end when its
 * opener's address space went, and could show under a PID since reused.
 */
TEST_F(nl, a_session_is_listed_from_its_first_ioctl)
{
	struct scav_nl_session *v;
	struct scav_version ver = {};
	struct scav_stats st = {};
	size_t nr;
	int fd;

	fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_VERSION, &ver));
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	EXPECT_EQ(NULL, find_pid(v, nr, getpid()));
	free(v);
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_STATS, &st));
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	EXPECT_NE(NULL, find_pid(v, nr, getpid()));
	free(v);
	close(fd);
}

TEST_F(nl, reclaim_by_pid_discards_only_what_the_process_reported)
{
	struct kid_result r;
	struct kid k, other;
	uint64_t bytes = 0;
	uint32_t n = 0;

	ASSERT_EQ(0, kid_start(&k, 3));
	ASSERT_EQ(0, kid_start(&other, 4));
	ASSERT_EQ(0, scav_nl_reclaim(self->n, k.pid, 0, &bytes, &n));
	EXPECT_EQ(KID_LEN, bytes);
	EXPECT_EQ(1, n);
	ASSERT_EQ(0, kid_claim(&k, &r));
	EXPECT_EQ(KID_LEN, r.discarded);
	EXPECT_EQ(0, r.kept);
	EXPECT_TRUE(r.zeros);
	EXPECT_TRUE(r.intact);
	/* The other process was not touched. */
	ASSERT_EQ(0, kid_claim(&other, &r));
	EXPECT_EQ(0, r.discarded);
	EXPECT_EQ(KID_LEN, r.kept);
	EXPECT_TRUE(r.intact);
	EXPECT_EQ(0, kid_end(&k));
	EXPECT_EQ(0, kid_end(&other));
}

TEST_F(nl, reclaim_all_goes_through_every_session)
{
	struct kid_result r;
	struct kid k[2];
	uint64_t before, bytes = 0;
	uint32_t n = 0;
	int i;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, kid_start(&k[i], 5 + i));
	before = knob_read("reclaimed_request_bytes");
	ASSERT_EQ(0, scav_nl_reclaim(self->n, 0, SCAV_NL_RECLAIM_ALL, &bytes, &n));
	EXPECT_LE(2 * KID_LEN, bytes);
	EXPECT_LE(2, n);
	EXPECT_EQ(before + bytes, (uint64_t)knob_read("reclaimed_request_bytes"));
	for (i = 0; i < 2; i++) {
		ASSERT_EQ(0, kid_claim(&k[i], &r));
		EXPECT_EQ(KID_LEN, r.discarded);
		EXPECT_TRUE(r.zeros);
		EXPECT_TRUE(r.intact);
		EXPECT_EQ(0, kid_end(&k[i]));
	}
}

TEST_F(nl, reclaim_errors_say_what_is_wrong)
{
	pid_t gone = fork();
	struct scav_nl_event ev;
	struct scav_nl *events;
	uint64_t bytes;
	int ret;

	if (gone == 0)
		_exit(0);
	ASSERT_EQ(gone, waitpid(gone, NULL, 0));
	/* Errors from the kernel and from recv() leave errno as it was. */
	errno = 1234;
	/* No such process (its PID is free, barring a fast reuse). */
	EXPECT_EQ(-ESRCH, scav_nl_reclaim(self->n, gone, 0, &bytes, NULL));
	EXPECT_STRNE("", scav_nl_errmsg(self->n));
	/* A process without a session: init. */
	EXPECT_EQ(-ENOENT, scav_nl_reclaim(self->n, 1, 0, &bytes, NULL));
	EXPECT_NE(NULL, strstr(scav_nl_errmsg(self->n), "no scav session"));
	/* The library refuses nonsense before sending it. */
	EXPECT_EQ(-EINVAL, scav_nl_reclaim(self->n, 0, 0, &bytes, NULL));
	EXPECT_EQ(-EINVAL, scav_nl_reclaim(self->n, 1, SCAV_NL_RECLAIM_ALL, &bytes, NULL));
	EXPECT_EQ(-EINVAL, scav_nl_reclaim(self->n, 1, 2, &bytes, NULL));
	/* Reading events until none is left ends on recv()'s EAGAIN. */
	ASSERT_EQ(0, scav_nl_open(&events, SCAV_NL_EVENTS));
	while ((ret = scav_nl_event_read(events, &ev)) > 0)
		;
	EXPECT_EQ(0, ret);
	scav_nl_close(events);
	EXPECT_EQ(1234, errno);
}

TEST_F(nl, set_config_is_all_or_nothing_and_is_sysfs)
{
	struct scav_nl_config c = { 0 }, now;

	c.present = 1u << SCAV_CONF_IDLE_AGE_MS | 1u << SCAV_CONF_SCAN_INTERVAL_MS;
	c.value[SCAV_CONF_IDLE_AGE_MS] = 12345;
	c.value[SCAV_CONF_SCAN_INTERVAL_MS] = 777;
	ASSERT_EQ(0, scav_nl_config_set(self->n, &c, &now));
	EXPECT_EQ(12345, now.value[SCAV_CONF_IDLE_AGE_MS]);
	EXPECT_EQ(777, now.value[SCAV_CONF_SCAN_INTERVAL_MS]);
	EXPECT_EQ(12345, knob_read("idle_age_ms"));
	EXPECT_EQ(777, knob_read("scan_interval_ms"));

	/* sysfs writes show through netlink. */
	ASSERT_EQ(0, knob_write("quota_ms_per_sec", "7"));
	ASSERT_EQ(0, scav_nl_config_get(self->n, &now));
	EXPECT_EQ(7, now.value[SCAV_CONF_QUOTA_MS_PER_SEC]);

	/*
	 * One value out of range: nothing changes.  Netlink's policy says
	 * ERANGE, and the extended ACK gives the bounds.
	 */
	c.value[SCAV_CONF_IDLE_AGE_MS] = 1000;
	c.value[SCAV_CONF_SCAN_INTERVAL_MS] = 1;	/* below 10 */
	EXPECT_EQ(-ERANGE, scav_nl_config_set(self->n, &c, NULL));
	EXPECT_NE(NULL, strstr(scav_nl_errmsg(self->n), "takes values 10 to 3600000"));
	EXPECT_EQ(12345, knob_read("idle_age_ms"));
	EXPECT_EQ(777, knob_read("scan_interval_ms"));

	/* The same bounds as sysfs, at both ends. */
	c.present = 1u << SCAV_CONF_ENABLED;
	c.value[SCAV_CONF_ENABLED] = 2;
	EXPECT_EQ(-ERANGE, scav_nl_config_set(self->n, &c, NULL));
	EXPECT_EQ(-EINVAL, knob_write("enabled", "2"));
	c.present = 1u << SCAV_CONF_MAX_RANGES_TOTAL;
	c.value[SCAV_CONF_MAX_RANGES_TOTAL] = 268435456;
	EXPECT_EQ(0, scav_nl_config_set(self->n, &c, &now));
	EXPECT_EQ(268435456, now.value[SCAV_CONF_MAX_RANGES_TOTAL]);
	c.value[SCAV_CONF_MAX_RANGES_TOTAL] = 268435457;
	EXPECT_EQ(-ERANGE, scav_nl_config_set(self->n, &c, NULL));
	EXPECT_EQ(-EINVAL, knob_write("max_ranges_total", "268435457"));
}

/* Send @msg; expect @err and, for EINVAL/ERANGE, an extended-ACK message. */
#define EXPECT_REFUSED(n, msg, err) do {					\
	struct nl_msg *_m = (msg);						\
	ASSERT_NE(NULL, _m);							\
	EXPECT_EQ(err, scav_nl_request_raw(n, _m));				\
	if ((err) == -EINVAL || (err) == -ERANGE)				\
		EXPECT_STRNE("", scav_nl_errmsg(n));				\
	TH_LOG("%s", scav_nl_errmsg(n));					\
} while (0)

TEST_F(nl, policy_refuses_bad_requests_with_a_message)
{
	struct scav_nl *n = self->n;
	long long age = knob_read("idle_age_ms");
	struct nlattr *nest;
	struct nl_msg *m;

	/* An attribute type the family does not know. */
	m = raw_msg(n, SCAV_CMD_GET_STATS, 0);
	nla_put_u32(m, SCAV_A_MAX + 5, 1);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* One it knows, but that no request may carry. */
	m = raw_msg(n, SCAV_CMD_GET_STATS, 0);
	nla_put_u64(m, SCAV_A_BYTES, 1);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* The wrong size: a 64-bit PID, a 16-bit flags word. */
	m = raw_msg(n, SCAV_CMD_RECLAIM, 0);
	nla_put_u64(m, SCAV_A_PID, getpid());
	EXPECT_REFUSED(n, m, -EINVAL);
	m = raw_msg(n, SCAV_CMD_GET_STATS, 0);
	nla_put_u16(m, SCAV_A_FLAGS, 0);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* Unknown flag bits. */
	m = raw_msg(n, SCAV_CMD_GET_STATS, 0);
	nla_put_u32(m, SCAV_A_FLAGS, 1u << 7);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* In a dump request too. */
	m = raw_msg(n, SCAV_CMD_GET_SESSIONS, NLM_F_DUMP);
	nla_put_u32(m, SCAV_A_FLAGS, 1u << 7);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* Missing required attributes. */
	EXPECT_REFUSED(n, raw_msg(n, SCAV_CMD_SET_CONFIG, 0), -EINVAL);
	EXPECT_NE(NULL, strstr(scav_nl_errmsg(n), "SCAV_A_CONFIG"));
	EXPECT_REFUSED(n, raw_msg(n, SCAV_CMD_RECLAIM, 0), -EINVAL);
	/* Both of two exclusive ones. */
	m = raw_msg(n, SCAV_CMD_RECLAIM, 0);
	nla_put_u32(m, SCAV_A_PID, getpid());
	nla_put_flag(m, SCAV_A_ALL);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* Out of range (ERANGE, netlink's policy): PID 0, a tunable too big. */
	m = raw_msg(n, SCAV_CMD_RECLAIM, 0);
	nla_put_u32(m, SCAV_A_PID, 0);
	EXPECT_REFUSED(n, m, -ERANGE);
	/* The upper bound is PID_MAX_LIMIT, which depends on the config. */
	EXPECT_NE(NULL, strstr(scav_nl_errmsg(n), "takes values 1 to "));
	m = raw_msg(n, SCAV_CMD_SET_CONFIG, 0);
	nest = nla_nest_start(m, SCAV_A_CONFIG);
	nla_put_u64(m, SCAV_CONF_IDLE_AGE_MS, 604800001ULL);
	nla_nest_end(m, nest);
	EXPECT_REFUSED(n, m, -ERANGE);
	EXPECT_NE(NULL, strstr(scav_nl_errmsg(n), "takes values 0 to 604800000"));
	/* An unknown tunable, a wrong-size one, an empty set (which libnl
	 * drops, so it arrives missing). */
	m = raw_msg(n, SCAV_CMD_SET_CONFIG, 0);
	nest = nla_nest_start(m, SCAV_A_CONFIG);
	nla_put_u64(m, SCAV_CONF_MAX + 1, 1);
	nla_nest_end(m, nest);
	EXPECT_REFUSED(n, m, -EINVAL);
	m = raw_msg(n, SCAV_CMD_SET_CONFIG, 0);
	nest = nla_nest_start(m, SCAV_A_CONFIG);
	nla_put_u32(m, SCAV_CONF_IDLE_AGE_MS, 1000);
	nla_nest_end(m, nest);
	EXPECT_REFUSED(n, m, -EINVAL);
	m = raw_msg(n, SCAV_CMD_SET_CONFIG, 0);
	nest = nla_nest_start(m, SCAV_A_CONFIG);
	nla_nest_end(m, nest);
	EXPECT_REFUSED(n, m, -EINVAL);
	/* A nonzero reserved field in the generic-netlink header. */
	m = raw_msg(n, SCAV_CMD_GET_STATS, 0);
	ASSERT_NE(NULL, m);
	((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(m)))->reserved = 1;
	EXPECT_REFUSED(n, m, -EINVAL);
	/* Unknown commands, a command that is only an event, a dump-only one. */
	EXPECT_REFUSED(n, raw_msg(n, 200, 0), -EOPNOTSUPP);
	EXPECT_REFUSED(n, raw_msg(n, SCAV_CMD_EVENT, 0), -EOPNOTSUPP);
	EXPECT_REFUSED(n, raw_msg(n, SCAV_CMD_GET_SESSIONS, 0), -EOPNOTSUPP);
	/* Nothing above changed the tunables. */
	EXPECT_EQ(age, knob_read("idle_age_ms"));
}

/* Bits a child reports back: which refusals it saw. */
enum { UNPRIV_OPEN = 1, UNPRIV_READ = 2, UNPRIV_RECLAIM = 4, UNPRIV_SET = 8,
       UNPRIV_EVENTS = 16, UNPRIV_MSG = 32 };

static int unprivileged_child(int (*lower)(void))
{
	struct scav_nl_config c = { 0 };
	struct scav_nl_session *v;
	struct scav_nl_stats st;
	struct scav_nl *n, *ev;
	size_t nr;
	int bits = 0, ret;

	if (lower())
		return 0x80;
	if (scav_nl_open(&n, 0))
		return 0x80;
	bits |= UNPRIV_OPEN;
	if (!scav_nl_stats(n, 0, &st) && scav_nl_sessions(n, 0, &v, &nr) >= 0) {
		free(v);
		bits |= UNPRIV_READ;
	}
	if (scav_nl_reclaim(n, 0, SCAV_NL_RECLAIM_ALL, NULL, NULL) == -EPERM)
		bits |= UNPRIV_RECLAIM;
	if (strstr(scav_nl_errmsg(n), "CAP_SYS_ADMIN"))
		bits |= UNPRIV_MSG;
	c.present = 1u << SCAV_CONF_IDLE_AGE_MS;
	c.value[SCAV_CONF_IDLE_AGE_MS] = 1;
	if (scav_nl_config_set(n, &c, NULL) == -EPERM)
		bits |= UNPRIV_SET;
	ret = scav_nl_open(&ev, SCAV_NL_EVENTS);
	if (ret == -EPERM)
		bits |= UNPRIV_EVENTS;
	else if (!ret)
		scav_nl_close(ev);
	scav_nl_close(n);
	return bits;
}

static int run_child(int (*fn)(int (*)(void)), int (*arg)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fn(arg));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int lower_to_nobody(void)
{
	return become_nobody();
}

static int lower_sys_admin(void)
{
	return drop_cap(CAP_SYS_ADMIN);
}

TEST_F(nl, an_unprivileged_user_may_look_but_not_act)
{
	long long age = knob_read("idle_age_ms");

	/* The multicast capability check is in both supported kernels. */
	EXPECT_EQ(UNPRIV_OPEN | UNPRIV_READ | UNPRIV_RECLAIM | UNPRIV_SET |
		  UNPRIV_EVENTS, run_child(unprivileged_child, lower_to_nobody));
	/*
	 * With CAP_NET_ADMIN but not CAP_SYS_ADMIN, genetlink lets the
	 * request through and scav refuses it, saying why.
	 */
	EXPECT_EQ(UNPRIV_OPEN | UNPRIV_READ | UNPRIV_RECLAIM | UNPRIV_SET |
		  UNPRIV_EVENTS | UNPRIV_MSG,
		  run_child(unprivileged_child, lower_sys_admin));
	EXPECT_EQ(age, knob_read("idle_age_ms"));
}

/* What a user without CAP_SYS_PTRACE may see of others (issue 12, item 8). */
enum { PRIV_WALK_REFUSED = 1, PRIV_STATS = 2, PRIV_OWN = 4, PRIV_NO_OTHERS = 8,
       PRIV_SYSFS_REFUSED = 16 };

static int privacy_child(void)
{
	struct scav_nl_session *v;
	struct scav_nl_stats st;
	struct scav_nl *n;
	size_t nr, i, own = 0, others = 0;
	int bits = 0, fd;
	char *m;

	if (become_nobody())
		return 0x80;
	fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	m = map_filled(MiB, 7);
	if (fd < 0 || !m || sc_report1(fd, m, MiB) || scav_nl_open(&n, 0))
		return 0x80;
	if (scav_nl_stats(n, SCAV_STATS_RESIDENT, &st) == -EPERM &&
	    strstr(scav_nl_errmsg(n), "CAP_SYS_PTRACE"))
		bits |= PRIV_WALK_REFUSED;
	if (!scav_nl_stats(n, 0, &st) && st.sessions >= 2)
		bits |= PRIV_STATS;
	if (scav_nl_sessions(n, SCAV_STATS_RESIDENT, &v, &nr) >= 0) {
		for (i = 0; i < nr; i++) {
			if (v[i].pid == (uint32_t)getpid() &&
			    v[i].stats.idle_resident_bytes == MiB)
				own++;
			else
				others++;
		}
		free(v);
	}
	if (own == 1)
		bits |= PRIV_OWN;
	if (!others)
		bits |= PRIV_NO_OTHERS;
	if (open(SCAV_SYSFS "idle_resident_bytes", O_RDONLY | O_CLOEXEC) < 0 &&
	    errno == EACCES)
		bits |= PRIV_SYSFS_REFUSED;
	scav_nl_close(n);
	return bits;
}

static int run_plain(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * As smaps needs ptrace access and /proc may hide other users' processes,
 * a user sees only its own sessions, and may not make the module walk
 * everybody's memory; root still sees all of them.
 */
TEST_F(nl, a_user_sees_only_its_own_sessions_and_cannot_walk_everyones)
{
	struct scav_nl_session *v;
	struct kid k;
	size_t nr;

	ASSERT_EQ(0, kid_start(&k, 1));
	EXPECT_EQ(PRIV_WALK_REFUSED | PRIV_STATS | PRIV_OWN | PRIV_NO_OTHERS |
		  PRIV_SYSFS_REFUSED, run_plain(privacy_child));
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	EXPECT_NE(NULL, find_pid(v, nr, k.pid));
	free(v);
	ASSERT_EQ(0, kid_end(&k));
}

/* How a holder of a session looks to ptrace's read mode. */
enum { HOLD_PLAIN, HOLD_UNDUMPABLE, HOLD_SAVED_ROOT };

/*
 * A process, nobody's, with a session open, dumpable or not, or with a
 * saved UID of root (a setuid program that dropped its effective UID): its
 * PID once it has the session, or -1.  It dies with its parent.  (A change
 * of UIDs makes a process undumpable, as suid_dumpable is 0: the plain
 * and the saved-root holders make themselves dumpable again.)
 */
static pid_t session_holder(int how)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		int ids = how == HOLD_SAVED_ROOT ?
			  setresgid(65534, 65534, 65534) ||
			  setresuid(65534, 65534, 0) : become_nobody();

		struct scav_stats st = {};
		int fd = -1;

		/* Listed once it made an ioctl, see below. */
		if (ids || prctl(PR_SET_PDEATHSIG, SIGKILL) ||
		    (fd = open(SCAV_DEVICE_PATH, O_RDWR)) < 0 ||
		    ioctl(fd, SCAV_IOC_STATS, &st) ||
		    prctl(PR_SET_DUMPABLE, how != HOLD_UNDUMPABLE) ||
		    write(p[1], "r", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

static pid_t holders[3];

enum { SEE_PLAIN = 1, HIDE_UNDUMPABLE = 2, HIDE_SAVED_ROOT = 4 };

static int nobody_looks(void)
{
	struct scav_nl_session *v;
	struct scav_nl *n;
	size_t nr;
	int bits = 0;

	if (become_nobody() || scav_nl_open(&n, 0) ||
	    scav_nl_sessions(n, 0, &v, &nr) < 0)
		return 0x80;
	if (find_pid(v, nr, holders[HOLD_PLAIN]))
		bits |= SEE_PLAIN;
	if (!find_pid(v, nr, holders[HOLD_UNDUMPABLE]))
		bits |= HIDE_UNDUMPABLE;
	if (!find_pid(v, nr, holders[HOLD_SAVED_ROOT]))
		bits |= HIDE_SAVED_ROOT;
	free(v);
	scav_nl_close(n);
	return bits;
}

/*
 * Of the sessions of its own UID, a user sees those whose smaps it could
 * read: not a process that made itself undumpable, nor one that keeps
 * root as its saved UID (review of issue 12: the rule was the effective
 * UID at the open).  On 7.3 too, where dumpability is in the task's exec
 * state (module/compat.h, scav_task_dumpable()); until 2026-12-07 the
 * UIDs alone decided there.
 */
TEST_F(nl, a_user_sees_only_sessions_it_could_ptrace)
{
	int want = SEE_PLAIN | HIDE_UNDUMPABLE | HIDE_SAVED_ROOT, i;
	struct scav_nl_session *v;
	size_t nr;

	for (i = 0; i < 3; i++)
		ASSERT_LT(0, holders[i] = session_holder(i));
	EXPECT_EQ(want, run_plain(nobody_looks));
	/* Root sees every one of them. */
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	for (i = 0; i < 3; i++)
		EXPECT_NE(NULL, find_pid(v, nr, holders[i]));
	free(v);
	for (i = 0; i < 3; i++) {
		kill(holders[i], SIGKILL);
		waitpid(holders[i], NULL, 0);
	}
}

static int in_new_namespaces(int (*flagsp)(void))
{
	struct scav_nl *n;
	int ret;

	if (unshare(flagsp()))
		return 100;
	ret = scav_nl_open(&n, 0);
	if (!ret)
		scav_nl_close(n);
	return -ret;
}

static int userns_netns(void)
{
	return CLONE_NEWUSER | CLONE_NEWNET;
}

static int netns_only(void)
{
	return CLONE_NEWNET;
}

static int userns_only(void)
{
	return CLONE_NEWUSER;
}

TEST_F(nl, the_family_exists_only_in_the_initial_network_namespace)
{
	EXPECT_EQ(ENOENT, run_child(in_new_namespaces, userns_netns));
	EXPECT_EQ(ENOENT, run_child(in_new_namespaces, netns_only));
	/* A user namespace alone keeps the network: the family is there. */
	EXPECT_EQ(0, run_child(in_new_namespaces, userns_only));
}

static int userns_reclaim(int (*unused)(void))
{
	struct scav_nl *n;
	int ret;

	if (unshare(CLONE_NEWUSER))
		return 100;
	/* Root of its own user namespace, nobody in the initial one. */
	if (scav_nl_open(&n, 0))
		return 101;
	ret = scav_nl_reclaim(n, 0, SCAV_NL_RECLAIM_ALL, NULL, NULL);
	scav_nl_close(n);
	return -ret;
}

TEST_F(nl, capabilities_in_a_user_namespace_do_not_count)
{
	EXPECT_EQ(EPERM, run_child(userns_reclaim, NULL));
}

/*
 * Inside a new PID namespace (as its init), with a session of its own and
 * @outside, the PID of a process with a session outside it.  Returns a
 * bit per check that held.
 */
enum { PIDNS_SELF = 1, PIDNS_ONLY = 2, PIDNS_ESRCH = 4, PIDNS_ALL = 8 };

static int pidns_view(pid_t outside)
{
	struct scav_nl_session *v;
	struct scav_range r;
	struct scav_nl *n;
	struct scav *s;
	uint64_t bytes = 0;
	uint32_t sessions = 0;
	size_t nr;
	int bits = 0;
	char *m = map_filled(MiB, 21);

	if (!m || scav_open(&s, 0) || scav_nl_open(&n, 0))
		return 0x80;
	r.addr = (uintptr_t)m;
	r.len = MiB;
	if (scav_report(s, &r, 1, 0) != 1)
		return 0x80;
	if (scav_nl_sessions(n, 0, &v, &nr) < 0)
		return 0x80;
	/* It sees itself as PID 1, and nothing outside. */
	if (nr >= 1 && find_pid(v, nr, 1) && find_pid(v, nr, 1)->stats.idle_bytes == MiB)
		bits |= PIDNS_SELF;
	if (nr == 1)
		bits |= PIDNS_ONLY;
	free(v);
	/* A PID from outside means nothing in here (or someone else). */
	if (scav_nl_reclaim(n, outside, 0, NULL, NULL) == -ESRCH)
		bits |= PIDNS_ESRCH;
	/* "All" is all it can see: its own session. */
	if (!scav_nl_reclaim(n, 0, SCAV_NL_RECLAIM_ALL, &bytes, &sessions) &&
	    bytes == MiB && sessions == 1)
		bits |= PIDNS_ALL;
	return bits;
}

TEST_F(nl, pids_are_those_of_the_requester_namespace)
{
	struct kid_result res;
	int status;
	struct kid k;
	pid_t pid;

	ASSERT_EQ(0, kid_start(&k, 20));
	pid = fork();
	if (pid == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID))
			_exit(0x81);
		init = fork();
		if (init == 0)
			_exit(pidns_view(k.pid));
		if (init < 0 || waitpid(init, &status, 0) != init || !WIFEXITED(status))
			_exit(0x82);
		_exit(WEXITSTATUS(status));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(PIDNS_SELF | PIDNS_ONLY | PIDNS_ESRCH | PIDNS_ALL,
		  WEXITSTATUS(status));
	/* The session outside was not touched by the namespace's "all". */
	ASSERT_EQ(0, kid_claim(&k, &res));
	EXPECT_EQ(KID_LEN, res.kept);
	EXPECT_EQ(0, kid_end(&k));
}

TEST_F_TIMEOUT(nl, events_tell_opens_closes_reclaims_and_pressure, 120)
{
	struct scav_nl_event e;
	struct scav_nl_stats st;
	struct scav_nl *ev;
	uint64_t seq = 0, bytes;
	struct scav_range r;
	struct scav *s;
	struct kid k;
	pid_t kid;
	char *m;

	ASSERT_EQ(0, scav_nl_open(&ev, SCAV_NL_EVENTS));
	/* A listener reads nothing but events. */
	EXPECT_EQ(-EINVAL, scav_nl_stats(ev, 0, &st));

	ASSERT_EQ(0, kid_start(&k, 8));
	kid = k.pid;
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_SESSION_OPEN, &e, 5000, &seq));
	EXPECT_EQ((uint32_t)kid, e.pid);
	EXPECT_STREQ("netlink_test", e.comm);
	EXPECT_NE(0, e.session_id);

	ASSERT_EQ(0, scav_nl_reclaim(self->n, kid, 0, &bytes, NULL));
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_RECLAIM, &e, 5000, &seq));
	EXPECT_EQ((uint32_t)kid, e.pid);
	EXPECT_EQ(SCAV_CAUSE_REQUEST, e.cause);
	EXPECT_EQ(KID_LEN, e.bytes);
	EXPECT_EQ(0, kid_end(&k));
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_SESSION_CLOSE, &e, 5000, &seq));
	EXPECT_EQ((uint32_t)kid, e.pid);

	/* A report that discards at once counts as a reclaim on request. */
	m = map_filled(MiB, 12);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, scav_open(&s, 0));
	r.addr = (uintptr_t)m;
	r.len = MiB;
	ASSERT_EQ(1, scav_report(s, &r, 1, SCAV_RELEASE_NOW));
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_RECLAIM, &e, 5000, &seq));
	EXPECT_EQ((uint32_t)getpid(), e.pid);
	EXPECT_EQ(SCAV_CAUSE_REQUEST, e.cause);
	EXPECT_EQ(MiB, e.bytes);
	scav_close(s);
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_SESSION_CLOSE, &e, 5000, &seq));
	munmap(m, MiB);

	/* The figures know the latest number. */
	ASSERT_EQ(0, scav_nl_stats(self->n, 0, &st));
	EXPECT_EQ(seq, st.event_seq);

	/* Aging says so too. */
	ASSERT_EQ(0, set_aging("100", "50", "0", "0"));
	ASSERT_EQ(0, kid_start(&k, 9));
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_RECLAIM, &e, 20000, &seq));
	EXPECT_EQ((uint32_t)k.pid, e.pid);
	EXPECT_EQ(SCAV_CAUSE_AGE, e.cause);
	EXPECT_EQ(0, kid_end(&k));

	/* So does memory reclaim, whenever it asks (here: drop_caches). */
	ASSERT_EQ(0, write_file("/proc/sys/vm/drop_caches", "3"));
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_PRESSURE, &e, 5000, &seq));
	EXPECT_EQ(0, e.pid);
	scav_nl_close(ev);
}

/*
 * Pages reported through a page-state map are in the dump, the figures
 * and the events as ranges reported by ioctl are: a request by pid
 * discards them and says so, and the dump counts them idle, discarded
 * and resident as the session's STATS does.
 */
TEST_F_TIMEOUT(nl, map_pages_are_in_the_dump_and_the_events_as_ranges_are, 120)
{
	const long long pg = pagesz(), n = MiB / pagesz();
	const struct scav_nl_session *e;
	struct scav_nl_session *v;
	struct scav_map_region reg;
	_Atomic uint32_t *w, *sum;
	struct scav_nl_event ev;
	struct scav_nl_stats all;
	struct scav_stats st;
	uint64_t seq = 0, bytes = 0;
	uint32_t ranges = 0;
	struct scav_nl *l;
	size_t nr;
	char *m;
	int fd;
	long long i;

	ASSERT_EQ(0, scav_nl_open(&l, SCAV_NL_EVENTS));
	m = map_filled(MiB, 13);
	ASSERT_NE(NULL, m);
	fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	w = map_region(fd, m, MiB, &reg, &sum);
	ASSERT_NE(NULL, w) TH_LOG("map_region: %s", strerror(errno));
	for (i = 0; i < n / 2; i++)
		map_report(w, sum, i);
	ASSERT_EQ(0, scav_nl_reclaim(self->n, getpid(), 0, &bytes, &ranges));
	EXPECT_EQ(n / 2 * pg, (long long)bytes);
	ASSERT_EQ(1, wait_event_type(l, SCAV_EVENT_RECLAIM, &ev, 5000, &seq));
	EXPECT_EQ((uint32_t)getpid(), ev.pid);
	EXPECT_EQ(SCAV_CAUSE_REQUEST, ev.cause);
	EXPECT_EQ(n / 2 * pg, (long long)ev.bytes);
	for (i = n / 2; i < 3 * n / 4; i++)
		map_report(w, sum, i);

	ASSERT_EQ(0, sc_stats_flags(fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(3 * n / 4 * pg, (long long)st.idle_bytes);
	EXPECT_EQ(n / 2 * pg, (long long)st.discarded_bytes);
	EXPECT_EQ(n / 4 * pg, (long long)st.idle_resident_bytes);
	EXPECT_EQ(n / 2 * pg, (long long)st.reclaimed_request_bytes);
	ASSERT_LE(0, scav_nl_sessions(self->n, SCAV_STATS_RESIDENT, &v, &nr));
	e = find_pid(v, nr, getpid());
	ASSERT_NE(NULL, e);
	EXPECT_EQ(st.idle_bytes, e->stats.idle_bytes);
	EXPECT_EQ(st.discarded_bytes, e->stats.discarded_bytes);
	EXPECT_EQ(st.idle_resident_bytes, e->stats.idle_resident_bytes);
	EXPECT_EQ(st.reclaimed_request_bytes, e->stats.reclaimed_request_bytes);
	EXPECT_EQ(0, e->stats.nr_ranges);
	free(v);
	/* The module-wide figures hold this session's, whoever else has some. */
	ASSERT_EQ(0, scav_nl_stats(self->n, SCAV_STATS_RESIDENT, &all));
	EXPECT_LE(st.idle_bytes, all.idle_bytes);
	EXPECT_LE(st.discarded_bytes, all.discarded_bytes);
	EXPECT_LE(st.idle_resident_bytes, all.idle_resident_bytes);

	close(fd);
	ASSERT_EQ(1, wait_event_type(l, SCAV_EVENT_SESSION_CLOSE, &ev, 5000, &seq));
	EXPECT_EQ((uint32_t)getpid(), ev.pid);
	EXPECT_TRUE(is_zero(m, MiB / 2));
	EXPECT_TRUE(holds_pattern(m, m + MiB / 2, MiB / 2, 13));
	munmap((void *)w, reg.map_size);
	munmap(m, MiB);
	scav_nl_close(l);
}

TEST_F_TIMEOUT(nl, a_listener_that_never_reads_loses_events_and_knows, 300)
{
	int small = 1024, i, ret, overrun = 0, got = 0, gap = 0, fd;
	struct scav_nl_session *v;
	struct scav_stats st = {};
	struct scav_nl_event e;
	struct scav_nl *ev;
	uint64_t seq = 0;
	size_t nr;

	ASSERT_EQ(0, scav_nl_open(&ev, SCAV_NL_EVENTS));
	ASSERT_EQ(0, setsockopt(scav_nl_fd(ev), SOL_SOCKET, SO_RCVBUF,
				&small, sizeof(small)));
	/* 4000 events into room for a few: the module never waits for it. */
	alarm(120);
	for (i = 0; i < 2000; i++) {
		fd = open(SCAV_DEVICE_PATH, O_RDWR);
		ASSERT_LE(0, fd);
		close(fd);
	}
	alarm(0);
	/* The overrun is reported once; then the events that fitted. */
	for (i = 0; i < 10000; i++) {
		ret = scav_nl_event_read(ev, &e);
		if (ret == -ENOBUFS) {
			EXPECT_EQ(0, got);
			overrun++;
			continue;
		}
		ASSERT_LE(0, ret);
		if (ret == 0)
			break;
		if (seq && e.seq != seq + 1)
			gap++;
		seq = e.seq;
		got++;
	}
	EXPECT_EQ(1, overrun);
	EXPECT_LT(0, got);
	EXPECT_GT(4000, got);
	EXPECT_EQ(0, gap);
	/* The next event's number tells the listener how many it lost. */
	fd = open(SCAV_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_STATS, &st));	/* listed from then */
	ASSERT_EQ(1, wait_event_type(ev, SCAV_EVENT_SESSION_OPEN, &e, 5000, NULL));
	EXPECT_LE(4000 - got, e.seq - seq - 1);
	TH_LOG("read %d events, then lost %llu", got,
	       (unsigned long long)(e.seq - seq - 1));
	/* A dump brings the listener back in sync. */
	ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
	EXPECT_NE(NULL, find_pid(v, nr, getpid()));
	free(v);
	close(fd);
	scav_nl_close(ev);
}

#define MANY 3000

TEST_F_TIMEOUT(nl, thousands_of_sessions_dump_whole_through_a_small_buffer, 300)
{
	struct rlimit rl = { MANY + 64, MANY + 64 };
	struct scav_nl_session *v;
	int *fds = calloc(MANY, sizeof(int)), small = 4096, i, churn_pipe[2];
	size_t nr, mine = 0, j;
	pid_t churn;
	char c;

	ASSERT_NE(NULL, fds);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	ASSERT_EQ(0, open_sessions(fds, MANY));
	ASSERT_EQ(0, setsockopt(scav_nl_fd(self->n), SOL_SOCKET, SO_RCVBUF,
				&small, sizeof(small)));
	/* Meanwhile another process opens and closes sessions. */
	ASSERT_EQ(0, pipe(churn_pipe));
	churn = fork();
	if (churn == 0) {
		close(churn_pipe[1]);
		fcntl(churn_pipe[0], F_SETFL, O_NONBLOCK);
		while (read(churn_pipe[0], &c, 1) < 0) {
			int fd = open(SCAV_DEVICE_PATH, O_RDWR);

			if (fd >= 0)
				close(fd);
		}
		_exit(0);
	}
	close(churn_pipe[0]);
	for (i = 0; i < 3; i++) {
		ASSERT_LE(0, scav_nl_sessions(self->n, 0, &v, &nr));
		mine = 0;
		for (j = 0; j < nr; j++) {
			/* Strictly increasing IDs: no session twice. */
			if (j)
				ASSERT_LT(v[j - 1].id, v[j].id);
			mine += v[j].pid == (uint32_t)getpid();
		}
		/* Every session that stayed open is there. */
		EXPECT_EQ(MANY, mine);
		free(v);
	}
	ASSERT_EQ(1, write(churn_pipe[1], "x", 1));
	ASSERT_EQ(churn, waitpid(churn, NULL, 0));
	for (i = 0; i < MANY; i++)
		close(fds[i]);
	free(fds);
}

TEST_F_TIMEOUT(nl, a_session_opened_mid_dump_marks_it_interrupted, 120)
{
	struct nl_sock *sk = nl_socket_alloc();
	int fds[300], small = 4096, fd = -1, intr = 0, done = 0;
	unsigned char buf[65536];

	ASSERT_NE(NULL, sk);
	ASSERT_EQ(0, genl_connect(sk));
	ASSERT_EQ(0, open_sessions(fds, 300));
	ASSERT_EQ(0, setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUF,
				&small, sizeof(small)));
	ASSERT_LE(0, nl_send_auto(sk, raw_msg(self->n, SCAV_CMD_GET_SESSIONS,
					      NLM_F_DUMP)));
	/* Read the first part, change the set, read the rest. */
	while (!done) {
		ssize_t len = recv(nl_socket_get_fd(sk), buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int rem = len;

		ASSERT_LT(0, len);
		if (!intr && !done && fds[0] >= 0) {
			close(fds[0]);
			fds[0] = -1;
			fd = open(SCAV_DEVICE_PATH, O_RDWR);
			ASSERT_LE(0, fd);
		}
		for (; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				done = 1;
		}
	}
	EXPECT_TRUE(intr);
	nl_socket_free(sk);
	close(fd);
	for (fd = 1; fd < 300; fd++)
		close(fds[fd]);
}

TEST_HARNESS_MAIN

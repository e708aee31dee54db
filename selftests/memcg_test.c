// SPDX-License-Identifier: GPL-2.0
/*
 * Memory cgroups (cgroup v2): a cgroup's reclaim takes the idle memory of
 * the sessions charged to it and its descendants before the OOM killer is
 * considered, and never another cgroup's.  Each test runs its processes in
 * child cgroups of its own under /sys/fs/cgroup (mounted here if it is not)
 * and removes them at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav_cgroup.h"

/*
 * A process in a cgroup: touch @touch bytes, report the first @idle of
 * them, tell the parent, wait for its go, then touch @alloc bytes more,
 * and check and send back what became of the memory.
 */
struct plan {
	const char *cg;
	size_t touch, idle, alloc;
	const char *move_to;	/* after reporting: move here, report again */
	int claim;		/* at the end, claim the idle part back */
};

struct outcome {
	uint64_t reclaimed_pressure;
	uint64_t kept, discarded;	/* of the claim */
	struct scav_pressure pr;	/* SCAV_IOC_PRESSURE after it all */
	int reported, intact;
	int polled, polled_after;	/* epoll saw POLLPRI, before and after */
};

/* Whether epoll reports POLLPRI on @fd now. */
static int pollpri(int fd)
{
	struct epoll_event ev = { .events = EPOLLPRI };
	int ep = epoll_create1(EPOLL_CLOEXEC), n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	n = epoll_wait(ep, &ev, 1, 0);
	close(ep);
	return n == 1 && (ev.events & EPOLLPRI);
}

struct proc {
	pid_t pid;
	int to, from;
};

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);

		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void holder(const struct plan *pl, int in, int out)
{
	struct outcome o = { 0 };
	struct scav_stats st;
	size_t len = pl->touch, keep = len - pl->idle;
	char *m, *more = NULL, c;
	int fd;

	if (cg_write(pl->cg, "cgroup.procs", "0"))
		_exit(10);
	fd = open("/dev/scav", O_RDWR | O_CLOEXEC);
	m = map_filled(len, 7);
	if (fd < 0 || !m)
		_exit(11);
	/* The idle part is the tail: what stays in use is checked at the end. */
	o.reported = !sc_report1(fd, m + keep, pl->idle);
	if (pl->move_to) {
		if (cg_write(pl->move_to, "cgroup.procs", "0"))
			_exit(12);
		/* A report after the move puts the session on the new list. */
		o.reported &= !sc_report1(fd, m + keep, pl->idle);
	}
	c = 'r';
	if (write(out, &c, 1) != 1 || read(in, &c, 1) != 1)
		_exit(13);
	if (pl->alloc) {
		more = mmap(NULL, pl->alloc, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (more == MAP_FAILED)
			_exit(14);
		memset(more, 0x5a, pl->alloc);
	}
	o.intact = holds_pattern(m, m, keep, 7);
	o.polled = pollpri(fd);
	if (ioctl(fd, SCAV_IOC_PRESSURE, &o.pr))
		o.pr.flags = 0xffffffff;
	o.polled_after = pollpri(fd);
	if (pl->claim) {
		struct scav_claim_range cr = { (uintptr_t)(m + keep), pl->idle };
		size_t i;

		if (sc_claim(fd, &cr, 1, NULL) == 0) {
			o.kept = cr.kept;
			o.discarded = cr.discarded;
		}
		/* Kept bytes hold their data; discarded ones read as zeros. */
		for (i = keep; i < len; i += pagesz())
			if (!holds_pattern(m, m + i, pagesz(), 7) && !is_zero(m + i, pagesz()))
				o.intact = 0;
	}
	if (!sc_stats(fd, &st))
		o.reclaimed_pressure = st.reclaimed_pressure_bytes;
	if (write(out, &o, sizeof(o)) != sizeof(o))
		_exit(15);
	_exit(0);
}

static int start(struct proc *p, const struct plan *pl)
{
	int a[2], b[2];
	char c;

	if (pipe(a) || pipe(b))
		return -1;
	p->pid = fork();
	if (p->pid == 0) {
		close(a[1]);
		close(b[0]);
		holder(pl, a[0], b[1]);
	}
	close(a[0]);
	close(b[1]);
	p->to = a[1];
	p->from = b[0];
	/* Reported (or gone). */
	return p->pid > 0 && read(p->from, &c, 1) == 1 ? 0 : -1;
}

/* Let it go on; its outcome, and its exit status (-1: killed). */
static int finish(struct proc *p, struct outcome *o)
{
	char c = 'g';
	int status = 0, ret;

	memset(o, 0, sizeof(*o));
	ret = write(p->to, &c, 1) == 1 ? read_full(p->from, o, sizeof(*o)) : -1;
	waitpid(p->pid, &status, 0);
	close(p->to);
	close(p->from);
	if (WIFSIGNALED(status))
		return -1;
	return ret ? -2 : WEXITSTATUS(status);
}

FIXTURE(memcg) {
	struct tunables saved;
};

FIXTURE_SETUP(memcg)
{
	const char *why;

	if (access("/dev/scav", F_OK))
		SKIP(return, "scav is not loaded");
	why = cg_setup();
	if (why)
		SKIP(return, "%s", why);
	tunables_save(&self->saved);
	/* Nothing ages: only pressure discards. */
	ASSERT_EQ(0, knob_write("enabled", "1"));
	ASSERT_EQ(0, knob_write("shrinker_enabled", "1"));
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
}

FIXTURE_TEARDOWN(memcg)
{
	tunables_restore(&self->saved);
}

/*
 * The report that filed the issue: 64M limit, 48 MiB touched, 32 of them
 * idle, then 40 MiB more.  Stock madvise() survives this; so must scav,
 * and a bystander cgroup's idle memory stays as it was.
 */
TEST_F_TIMEOUT(memcg, limit_takes_idle_memory_first_and_spares_other_cgroups, 300)
{
	struct plan pa = { "scav-a", 48 * MiB, 32 * MiB, 40 * MiB, NULL, 1 };
	struct plan pb = { "scav-b", 16 * MiB, 16 * MiB, 0, NULL, 1 };
	struct proc a, b;
	struct outcome oa, ob;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-a", "64M"));
	ASSERT_EQ(0, cg_make("scav-b", NULL));
	ASSERT_EQ(0, start(&b, &pb));
	ASSERT_EQ(0, start(&a, &pa));
	EXPECT_EQ(0, finish(&a, &oa));
	EXPECT_EQ(0, finish(&b, &ob));
	TH_LOG("limited cgroup: %llu MiB discarded under its pressure, claim kept %llu MiB, discarded %llu MiB",
	       (unsigned long long)oa.reclaimed_pressure >> 20,
	       (unsigned long long)oa.kept >> 20, (unsigned long long)oa.discarded >> 20);
	EXPECT_EQ(0, cg_key("scav-a", "memory.events", "oom_kill"));
	EXPECT_TRUE(oa.reported);
	EXPECT_TRUE(oa.intact);
	EXPECT_LE(8 * MiB, oa.reclaimed_pressure);
	EXPECT_EQ(32 * MiB, oa.kept + oa.discarded);
	/* Its descriptor said so, and which cgroup's pressure it was. */
	EXPECT_EQ(1, oa.polled);
	EXPECT_EQ(0, oa.polled_after);
	EXPECT_EQ(0, oa.pr.flags);
	EXPECT_EQ(oa.reclaimed_pressure, oa.pr.cgroup_bytes + oa.pr.global_bytes);
	EXPECT_LT(0, oa.pr.cgroup_bytes);
	EXPECT_EQ(cg_id("scav-a"), oa.pr.cgroup_id);
	/* The bystander: nothing of it was touched. */
	EXPECT_TRUE(ob.reported);
	EXPECT_TRUE(ob.intact);
	EXPECT_EQ(0, ob.reclaimed_pressure);
	EXPECT_EQ(16 * MiB, ob.kept);
	EXPECT_EQ(0, ob.polled);
	EXPECT_EQ(0, ob.pr.cgroup_bytes + ob.pr.global_bytes);
	cg_remove("scav-a");
	cg_remove("scav-b");
}

/* A parent's limit reaches the idle memory of its children's sessions. */
TEST_F_TIMEOUT(memcg, a_parent_limit_reaches_its_children, 300)
{
	struct plan idle = { "scav-p/idle", 32 * MiB, 32 * MiB, 0, NULL, 1 };
	struct plan hog = { "scav-p/hog", 4 * MiB, 0, 40 * MiB, NULL, 0 };
	struct proc i, h;
	struct outcome oi, oh;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-p", "64M"));
	ASSERT_EQ(0, cg_write("scav-p", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_make("scav-p/idle", NULL));
	ASSERT_EQ(0, cg_make("scav-p/hog", NULL));
	ASSERT_EQ(0, start(&i, &idle));
	ASSERT_EQ(0, start(&h, &hog));
	EXPECT_EQ(0, finish(&h, &oh));
	EXPECT_EQ(0, finish(&i, &oi));
	TH_LOG("the idle child: %llu MiB discarded under its parent's pressure",
	       (unsigned long long)oi.reclaimed_pressure >> 20);
	EXPECT_EQ(0, cg_key("scav-p", "memory.events", "oom_kill"));
	EXPECT_LE(4 * MiB, oi.reclaimed_pressure);
	EXPECT_TRUE(oi.intact);
	EXPECT_EQ(32 * MiB, oi.kept + oi.discarded);
	cg_remove("scav-p/idle");
	cg_remove("scav-p/hog");
	cg_remove("scav-p");
}

/*
 * Run @pl's process, ask @cg to give back 16M through memory.reclaim (as a
 * proactive reclaimer does), and check that scav's idle memory went, and
 * nothing else: the process has nothing else to give (no swap, no page
 * cache of note).  With @gone, the process first moves out of that cgroup
 * (to the root) and the cgroup is removed.  memory.reclaim's status is not
 * checked: 6.12 and later may answer EAGAIN although pages were freed, as
 * they credit a shrinker's pages only to global reclaim.
 */
static void proactive(struct __test_metadata *_metadata, const struct plan *pl,
		      const char *cg, const char *gone)
{
	struct proc p;
	struct outcome o;
	char pid[16];

	ASSERT_EQ(0, start(&p, pl));
	if (gone) {
		snprintf(pid, sizeof(pid), "%d", p.pid);
		EXPECT_EQ(0, write_file(CG_ROOT "/cgroup.procs", pid));
		cg_remove(gone);
	}
	cg_write(cg, "memory.reclaim", "16M");
	EXPECT_EQ(0, finish(&p, &o));
	TH_LOG("memory.reclaim of 16M on %s: %llu MiB discarded", cg,
	       (unsigned long long)o.reclaimed_pressure >> 20);
	EXPECT_TRUE(o.reported);
	EXPECT_LE(8 * MiB, o.reclaimed_pressure);
	EXPECT_TRUE(o.intact);
	EXPECT_EQ(pl->idle, o.kept + o.discarded);
}

TEST_F_TIMEOUT(memcg, memory_reclaim_takes_idle_memory, 300)
{
	struct plan pl = { "scav-r", 32 * MiB, 32 * MiB, 0, NULL, 1 };

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-r", NULL));
	proactive(_metadata, &pl, "scav-r", NULL);
	cg_remove("scav-r");
}

/*
 * A process that moves to another cgroup after reporting is found by the
 * new cgroup's reclaim once it reports there (its charges stay behind:
 * cgroup v2 does not move them).
 */
TEST_F_TIMEOUT(memcg, a_moved_process_is_reached_by_its_new_cgroup, 300)
{
	struct plan pl = { "scav-m1", 32 * MiB, 32 * MiB, 0, "scav-m2", 1 };

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-m1", NULL));
	ASSERT_EQ(0, cg_make("scav-m2", NULL));
	proactive(_metadata, &pl, "scav-m2", NULL);
	cg_remove("scav-m1");
	cg_remove("scav-m2");
}

/*
 * A cgroup removed while a session reported in it lives: its list goes to
 * the parent, whose reclaim then reaches the session.
 */
TEST_F_TIMEOUT(memcg, a_removed_cgroup_leaves_its_sessions_to_the_parent, 300)
{
	struct plan pl = { "scav-d/x", 32 * MiB, 32 * MiB, 0, NULL, 1 };

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-d", NULL));
	ASSERT_EQ(0, cg_write("scav-d", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_make("scav-d/x", NULL));
	proactive(_metadata, &pl, "scav-d", "scav-d/x");
	cg_remove("scav-d");
}

/*
 * Oldest first within a cgroup: of two sessions, the one that reported
 * first gives first (on 6.12 and later the reclaim may go on past what
 * was asked, and then both give all).
 */
TEST_F_TIMEOUT(memcg, a_cgroup_gives_its_oldest_idle_memory_first, 300)
{
	struct plan pl = { "scav-o", 16 * MiB, 16 * MiB, 0, NULL, 1 };
	struct outcome old, young;
	struct proc a, b;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-o", NULL));
	ASSERT_EQ(0, start(&a, &pl));
	usleep(100 * 1000);
	ASSERT_EQ(0, start(&b, &pl));
	cg_write("scav-o", "memory.reclaim", "8M");
	EXPECT_EQ(0, finish(&a, &old));
	EXPECT_EQ(0, finish(&b, &young));
	TH_LOG("memory.reclaim of 8M: the older session gave %llu KiB, the younger %llu KiB",
	       (unsigned long long)old.reclaimed_pressure >> 10,
	       (unsigned long long)young.reclaimed_pressure >> 10);
	EXPECT_LT(0, old.reclaimed_pressure);
	EXPECT_GE(old.reclaimed_pressure, young.reclaimed_pressure);
	EXPECT_TRUE(old.intact);
	EXPECT_TRUE(young.intact);
	cg_remove("scav-o");
}

/*
 * memory.max cut far below usage at once (systemctl set-property, docker
 * update): the write reclaims, scav's idle memory goes in that reclaim,
 * and nothing is OOM-killed.  (From 6.4 on the kernel gives up after 16
 * calls that it saw free nothing, so scav's count for the cgroup covers the
 * whole excess then, not the 8 MiB of a failed charge.)
 */
TEST_F_TIMEOUT(memcg, cutting_memory_max_below_usage_takes_idle_memory_first, 300)
{
	struct plan pl = { "scav-cut", 160 * MiB, 128 * MiB, 0, NULL, 1 };
	long long cur;
	struct outcome o;
	struct proc p;
	char v[32];

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-cut", NULL));
	ASSERT_EQ(0, start(&p, &pl));
	cur = cg_key("scav-cut", "memory.stat", "anon");
	ASSERT_LE(150 * MiB, cur);
	/* All but 40 MiB of it: 88 MiB past what stays in use. */
	snprintf(v, sizeof(v), "%lld", (long long)(40 * MiB));
	EXPECT_EQ(0, cg_write("scav-cut", "memory.max", v));
	EXPECT_EQ(0, finish(&p, &o));
	TH_LOG("memory.max cut from %lld to 40 MiB: %llu MiB discarded", cur >> 20,
	       (unsigned long long)o.reclaimed_pressure >> 20);
	EXPECT_EQ(0, cg_key("scav-cut", "memory.events", "oom_kill"));
	EXPECT_LE(100 * MiB, o.reclaimed_pressure);
	EXPECT_TRUE(o.intact);
	EXPECT_EQ(pl.idle, o.kept + o.discarded);
	cg_remove("scav-cut");
}

/* A small cgroup: 8 MiB idle is reached before its OOM. */
TEST_F_TIMEOUT(memcg, a_small_cgroup_reaches_a_few_mib_before_its_oom, 300)
{
	struct plan pl = { "scav-s", 16 * MiB, 8 * MiB, 12 * MiB, NULL, 1 };
	struct proc p;
	struct outcome o;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-s", "24M"));
	ASSERT_EQ(0, start(&p, &pl));
	EXPECT_EQ(0, finish(&p, &o));
	TH_LOG("24M cgroup: %llu KiB discarded", (unsigned long long)o.reclaimed_pressure >> 10);
	EXPECT_EQ(0, cg_key("scav-s", "memory.events", "oom_kill"));
	EXPECT_LT(0, o.reclaimed_pressure);
	EXPECT_TRUE(o.intact);
	cg_remove("scav-s");
}

/*
 * The descriptor polls for pressure only: not after aging, not after the
 * session's own RECLAIM; drop_caches (the machine's reclaim) counts as
 * global pressure.
 */
TEST_F_TIMEOUT(memcg, the_descriptor_polls_for_pressure_only, 120)
{
	char *m = map_filled(8 * MiB, 3);
	struct scav_pressure pr;
	struct scav_stats st;
	uint64_t lost;
	int fd = open("/dev/scav", O_RDWR | O_CLOEXEC);
	int i;

	if (_metadata->skip)
		return;
	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, m);
	/* Its own RECLAIM. */
	ASSERT_EQ(0, sc_report1(fd, m, 2 * MiB));
	EXPECT_EQ(2 * MiB, sc_reclaim(fd, 0, 0));
	EXPECT_EQ(0, pollpri(fd));
	/* Aging. */
	ASSERT_EQ(0, knob_write("idle_age_ms", "0"));
	ASSERT_EQ(0, sc_report1(fd, m + 2 * MiB, 2 * MiB));
	for (i = 0; i < 100 && knob_read("idle_bytes") != knob_read("discarded_bytes"); i++)
		usleep(50 * 1000);
	EXPECT_EQ(knob_read("idle_bytes"), knob_read("discarded_bytes"));
	EXPECT_EQ(0, pollpri(fd));
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	/*
	 * The machine's reclaim.  drop_caches scans half of what a shrinker
	 * counts per round and stops once a round frees little, so a few
	 * pages of the 4 MiB may stay: the descriptor must tell exactly what
	 * the session lost to it.
	 */
	ASSERT_EQ(0, sc_report1(fd, m + 4 * MiB, 4 * MiB));
	ASSERT_EQ(0, sc_stats(fd, &st));
	lost = st.reclaimed_pressure_bytes;
	ASSERT_EQ(0, write_file("/proc/sys/vm/drop_caches", "2"));
	ASSERT_EQ(0, sc_stats(fd, &st));
	lost = st.reclaimed_pressure_bytes - lost;
	TH_LOG("drop_caches discarded %llu of 4 MiB", (unsigned long long)lost);
	EXPECT_LE(2 * MiB, lost);
	EXPECT_EQ(1, pollpri(fd));
	memset(&pr, 0, sizeof(pr));
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_PRESSURE, &pr));
	EXPECT_EQ(lost, pr.global_bytes);
	EXPECT_EQ(0, pr.cgroup_bytes);
	EXPECT_EQ(0, pr.cgroup_id);
	EXPECT_EQ(0, pollpri(fd));
	/* Reserved fields and flags must be zero. */
	pr.flags = 1;
	EXPECT_EQ(-1, ioctl(fd, SCAV_IOC_PRESSURE, &pr));
	EXPECT_EQ(EINVAL, errno);
	memset(&pr, 0, sizeof(pr));
	pr.__reserved[3] = 1;
	EXPECT_EQ(-1, ioctl(fd, SCAV_IOC_PRESSURE, &pr));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(fd, SCAV_IOC_PRESSURE, (void *)8));
	EXPECT_EQ(EFAULT, errno);
	close(fd);
	munmap(m, 8 * MiB);
}

/*
 * Racing the limit: in a 64M cgroup a process keeps 48 chunks of 1 MiB,
 * reports and claims them at random while it maps, touches and unmaps
 * 16 MiB again and again, for a few seconds, but only while at most 24
 * chunks are in use.  Each claim must find a chunk as it left it where scav
 * says kept, zeros where discarded; and the cgroup must never OOM-kill: what
 * is in use always fits, and what does not is idle, held by scav (without
 * it giving back, 48 MiB and 16 MiB would not fit).
 */
#define RACE_CHUNKS	48

static int race(unsigned int seed, double secs)
{
	unsigned char idle[RACE_CHUNKS] = { 0 }, gen[RACE_CHUNKS] = { 0 };
	size_t pg = pagesz(), i, j, used = RACE_CHUNKS;
	char *m = mmap(NULL, RACE_CHUNKS * MiB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fd = open("/dev/scav", O_RDWR | O_CLOEXEC);
	double t0;

	if (m == MAP_FAILED || fd < 0)
		return 20;
	for (i = 0; i < RACE_CHUNKS; i++)
		memset(m + i * MiB, gen[i] = 1, MiB);
	t0 = now_s();
	do {
		unsigned int r = rand_r(&seed);

		i = r % RACE_CHUNKS;
		if (r % 7 == 0 && used <= RACE_CHUNKS / 2) {
			char *h = mmap(NULL, 16 * MiB, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (h == MAP_FAILED)
				return 21;
			memset(h, 0x77, 16 * MiB);
			munmap(h, 16 * MiB);
		} else if (!idle[i]) {
			if (sc_report1(fd, m + i * MiB, MiB))
				return 22;
			idle[i] = 1;
			used--;
		} else {
			struct scav_claim_range c = { (uintptr_t)(m + i * MiB), MiB };

			if (sc_claim(fd, &c, 1, NULL) || c.kept + c.discarded != MiB)
				return 23;
			for (j = 0; j < MiB; j += pg) {
				const char *p = m + i * MiB + j;

				if (p[0] == (char)gen[i] && p[pg - 1] == (char)gen[i])
					continue;
				/* Only a discarded page may read as zeros. */
				if (!c.discarded || !is_zero(p, pg))
					return 24;
			}
			idle[i] = 0;
			used++;
			memset(m + i * MiB, ++gen[i] ?: ++gen[i], MiB);
		}
	} while (now_s() - t0 < secs);
	return 0;
}

TEST_F_TIMEOUT(memcg, racing_the_limit_loses_nothing_and_kills_nothing, 300)
{
	int status = 0;
	pid_t pid;

	if (_metadata->skip)
		return;
	ASSERT_EQ(0, cg_make("scav-race", "64M"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (cg_write("scav-race", "cgroup.procs", "0"))
			_exit(19);
		_exit(race(1234, 8));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_FALSE(WIFSIGNALED(status)) TH_LOG("killed by signal %d", WTERMSIG(status));
	EXPECT_EQ(0, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	EXPECT_EQ(0, cg_key("scav-race", "memory.events", "oom_kill"));
	cg_remove("scav-race");
}

/* A command's whole output, or NULL. */
static char *output_of(const char *cmd)
{
	static char buf[65536];
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	return pclose(f) == 0 ? buf : NULL;
}

/*
 * scavctl shows each session's cgroup, and sums a cgroup subtree: a session
 * in scav-c/leaf counts for scav-c, not for its sibling.
 */
TEST_F_TIMEOUT(memcg, scavctl_shows_and_sums_cgroups, 120)
{
	struct plan pl = { "scav-c/leaf", 16 * MiB, 16 * MiB, 0, NULL, 0 };
	char want[128], *out;
	struct outcome o;
	struct proc p;

	if (_metadata->skip)
		return;
	if (access("/scav/scavctl", X_OK))
		SKIP(return, "no /scav/scavctl (this runs in the test VM)");
	ASSERT_EQ(0, cg_make("scav-c", NULL));
	ASSERT_EQ(0, cg_write("scav-c", "cgroup.subtree_control", "+memory"));
	ASSERT_EQ(0, cg_make("scav-c/leaf", NULL));
	ASSERT_EQ(0, cg_make("scav-c/other", NULL));
	ASSERT_EQ(0, start(&p, &pl));

	out = output_of("/scav/scavctl --json top -n 1");
	ASSERT_NE(NULL, out);
	snprintf(want, sizeof(want), "\"cgroup_id\":%llu,\"cgroup\":\"/scav-c/leaf\"",
		 (unsigned long long)cg_id("scav-c/leaf"));
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("top: %s", out);

	out = output_of("/scav/scavctl --json status --cgroup /sys/fs/cgroup/scav-c");
	ASSERT_NE(NULL, out);
	snprintf(want, sizeof(want), "\"sessions\":1,\"idle_bytes\":%lu,", 16 * MiB);
	EXPECT_NE(NULL, strstr(out, want)) TH_LOG("status --cgroup: %s", out);
	EXPECT_NE(NULL, strstr(out, "\"cgroups\":3,")) TH_LOG("status --cgroup: %s", out);

	out = output_of("/scav/scavctl --json status --cgroup scav-c/other");
	ASSERT_NE(NULL, out);
	EXPECT_NE(NULL, strstr(out, "\"sessions\":0,\"idle_bytes\":0,"))
		TH_LOG("status --cgroup: %s", out);
	EXPECT_EQ(NULL, output_of("/scav/scavctl status --cgroup scav-none 2>/dev/null"));

	EXPECT_EQ(0, finish(&p, &o));
	cg_remove("scav-c/leaf");
	cg_remove("scav-c/other");
	cg_remove("scav-c");
}

TEST_HARNESS_MAIN

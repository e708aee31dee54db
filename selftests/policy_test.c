// SPDX-License-Identifier: GPL-2.0
/*
 * Policy: sysfs knobs, aging, memory pressure, and RSS figures checked
 * against /proc/self/smaps_rollup and /proc/self/pagemap.  Needs root (the
 * knobs) and runs in the VM, where nothing else uses scav.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static long long vmstat(const char *name)
{
	return proc_value("/proc/vmstat", name);
}

/*
 * MADV_FREE'd pages reach the lazy-free LRU (and stop being swap-backed,
 * which is what smaps and scav count) through a per-CPU batch.  Pinned to
 * one CPU, any madvise(MADV_DONTNEED) drains that CPU's batches first.
 */
static void drain_lazyfree_batch(void)
{
	static char *scratch;

	if (!scratch)
		scratch = mmap(NULL, pagesz(), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(scratch, pagesz(), MADV_DONTNEED);
}

static void pin_to_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(policy) {
	struct tunables saved;
	int fd;
};

FIXTURE_SETUP(policy)
{
	if (geteuid() != 0)
		SETUP_SKIP("needs root for /sys/kernel/scav");
	if (access(SCAV_SYSFS "enabled", F_OK))
		SETUP_SKIP("scav.ko not loaded");
	tunables_save(&self->saved);
	/* Start every test from a quiet module: no aging until asked. */
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	self->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(policy)
{
	close(self->fd);
	tunables_restore(&self->saved);
}

struct knob_case {
	const char *name;
	const char *good[3];
	const char *bad[3];
};

TEST_F(policy, every_knob_takes_valid_values_and_refuses_the_rest_unchanged)
{
	static const struct knob_case cases[] = {
		{ "enabled", { "0", "1" }, { "2" } },
		{ "shrinker_enabled", { "0", "1" }, { "2" } },
		{ "idle_age_ms", { "0", "250", "604800000" }, { "604800001" } },
		{ "scan_interval_ms", { "10", "1000", "3600000" }, { "9", "3600001", "0" } },
		{ "quota_bytes_per_sec", { "0", "4096", "1099511627776" }, { "1099511627777" } },
		{ "quota_ms_per_sec", { "0", "10", "1000" }, { "1001" } },
		{ "max_ranges_per_session", { "2", "65536", "16777216" }, { "1", "16777217", "0" } },
		{ "max_ranges_total", { "2", "1048576", "268435456" }, { "1", "268435457" } },
		{ "max_ranges_per_user", { "2", "262144", "268435456" }, { "1", "268435457", "0" } },
		{ "max_sessions_per_user", { "1", "4096", "1048576" }, { "0", "1048577", "-1" } },
	};
	static const char *const garbage[] = {
		"garbage", "\n", "-1", "18446744073709551616", "1 2", "0x", "1.5",
	};
	size_t i, j;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct knob_case *c = &cases[i];
		long long before;

		for (j = 0; j < 3 && c->good[j]; j++) {
			EXPECT_EQ(0, knob_write(c->name, c->good[j]));
			EXPECT_EQ(strtoll(c->good[j], NULL, 0), knob_read(c->name));
		}
		before = knob_read(c->name);
		for (j = 0; j < 3 && c->bad[j]; j++) {
			EXPECT_EQ(-EINVAL, knob_write(c->name, c->bad[j]));
			EXPECT_EQ(before, knob_read(c->name));
		}
		for (j = 0; j < sizeof(garbage) / sizeof(garbage[0]); j++) {
			EXPECT_EQ(-EINVAL, knob_write(c->name, garbage[j]));
			EXPECT_EQ(before, knob_read(c->name));
		}
	}
}

TEST_F(policy, figures_are_read_only_and_add_up)
{
	static const char *const ro[] = {
		"sessions", "idle_bytes", "discarded_bytes", "idle_resident_bytes",
		"lazyfree_bytes", "reclaimed_request_bytes", "reclaimed_age_bytes",
		"reclaimed_pressure_bytes", "claimed_kept_bytes",
		"claimed_discarded_bytes", "forgotten_bytes", "reported_bytes",
	};
	char *m = map_filled(4 * MiB, 1);
	long long reported = knob_read("reported_bytes");
	size_t i;

	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		EXPECT_LE(0, knob_read(ro[i]));
		EXPECT_NE(0, knob_write(ro[i], "0"));
	}
	ASSERT_NE(NULL, m);
	EXPECT_LE(1, knob_read("sessions"));
	ASSERT_EQ(0, sc_report1(self->fd, m, 4 * MiB));
	ASSERT_EQ(MiB, sc_reclaim(self->fd, 0, MiB));
	/* Nothing else in the VM uses scav while this runs. */
	EXPECT_EQ(reported + 4 * (long long)MiB, knob_read("reported_bytes"));
	EXPECT_EQ(4 * MiB, knob_read("idle_bytes"));
	EXPECT_EQ(MiB, knob_read("discarded_bytes"));
	EXPECT_EQ(3 * MiB, knob_read("idle_resident_bytes"));
	EXPECT_EQ(0, knob_read("lazyfree_bytes"));
	munmap(m, 4 * MiB);
}

TEST_F_TIMEOUT(policy, aging_discards_ranges_idle_for_idle_age_and_no_others, 90)
{
	char *m = map_filled(8 * MiB, 2);
	long long before = knob_read("reclaimed_age_bytes");
	double t0, first = 0, all = 0, young = 0;
	struct scav_stats st;
	uint64_t d, k;
	int polls = 0;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, set_aging("1500", "50", "0", "0"));
	t0 = now_s();
	ASSERT_EQ(0, sc_report1(self->fd, m + 2 * MiB, 4 * MiB));
	/*
	 * Watch it every 20 ms, as the worker runs every 50: kept while
	 * young, then discarded.  The module ages by jiffies, so a range may
	 * go up to one jiffy (4 ms at HZ=250) before 1.5 s of wall time.
	 */
	while (now_s() - t0 < 60 && !all) {
		ASSERT_EQ(0, sc_stats(self->fd, &st));
		polls++;
		if (!st.discarded_bytes)
			young = now_s() - t0;
		if (st.discarded_bytes && !first)
			first = now_s() - t0;
		if (st.discarded_bytes == 4 * MiB)
			all = now_s() - t0;
		sleep_ms(20);
	}
	TH_LOG("%d polls: still kept at %.3f s, first discard seen at %.3f s, all at %.3f s",
	       polls, young, first, all);
	EXPECT_LE(1.5 - 0.01, first);
	/* It was seen kept at least until shortly before it was due. */
	EXPECT_LE(1.0, young);
	EXPECT_LT(0, all);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(4 * MiB, st.reclaimed_age_bytes);
	EXPECT_EQ(0, st.reclaimed_request_bytes);
	EXPECT_LE(before + (long long)(4 * MiB), knob_read("reclaimed_age_bytes"));
	ASSERT_EQ(0, sc_claim1(self->fd, m + 2 * MiB, 4 * MiB, &d, &k));
	EXPECT_EQ(4 * MiB, d);
	EXPECT_TRUE(is_zero(m + 2 * MiB, 4 * MiB));
	EXPECT_TRUE(holds_pattern(m, m, 2 * MiB, 2));
	EXPECT_TRUE(holds_pattern(m, m + 6 * MiB, 2 * MiB, 2));
	munmap(m, 8 * MiB);
}

TEST_F_TIMEOUT(policy, aging_keeps_to_the_byte_quota, 90)
{
	size_t len = 32 * MiB;
	char *m = map_filled(len, 3);
	uint64_t quota = MiB, got;
	struct scav_stats st;
	double t0, t1;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, knob_write("enabled", "0"));
	ASSERT_EQ(0, set_aging("0", "100", "1048576", "0"));
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	t0 = now_s();
	ASSERT_EQ(0, knob_write("enabled", "1"));
	sleep_ms(3000);
	ASSERT_EQ(0, knob_write("enabled", "0"));
	t1 = now_s();
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	got = st.discarded_bytes;
	TH_LOG("%.2f s at %llu B/s: %llu bytes aged out", t1 - t0,
	       (unsigned long long)quota, (unsigned long long)got);
	EXPECT_LT(0, got);
	EXPECT_GT(len, got);
	/*
	 * What aging.c's token bucket allows: a run every 100 ms from the
	 * enable on, each adding its share (0.1 MiB), so the quota for the
	 * time plus one share for the run the enable kicks; at most the
	 * bucket's cap saved up from before (one second's quota, 1 MiB); and
	 * the last run's overdraw, less than the 2 MiB block it stopped in
	 * (reclaim.c takes whole blocks rather than split a huge page).
	 */
	EXPECT_GE((t1 - t0) * quota + quota / 10 + quota + 2 * MiB, (double)got);
	munmap(m, len);
}

TEST_F_TIMEOUT(policy, aging_takes_the_oldest_range_across_sessions_first, 90)
{
	struct idle_child k;
	struct scav_stats st;
	long long busy, older;
	char *m;

	ASSERT_EQ(0, knob_write("enabled", "0"));
	ASSERT_EQ(0, idle_child_start(&k, MiB));
	sleep_ms(100);	/* a later jiffy for the parent's report */
	m = map_no_thp_filled(2 * MiB, 5);
	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, sc_report1(self->fd, m, MiB));

	/* One run, with the budget for a bit less than one of the ranges. */
	EXPECT_EQ(0, one_aging_run(&busy));
	/*
	 * Aging passes over a session whose mmap lock is taken and goes on to
	 * the next oldest: then the run says nothing about the order.  Nothing
	 * here takes the lock, but khugepaged may (it collapses under the
	 * write lock), so the mappings are out of its reach.  CI once saw the
	 * younger range aged out (stop 28); the figures say why, if again.
	 */
	EXPECT_EQ(0, busy);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	older = idle_child_end(&k);
	TH_LOG("the younger range: %llu bytes discarded (aged %llu, pressure %llu); the older: %lld",
	       (unsigned long long)st.discarded_bytes,
	       (unsigned long long)st.reclaimed_age_bytes,
	       (unsigned long long)st.reclaimed_pressure_bytes, older);
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_LT(0, older);
	munmap(m, 2 * MiB);
}

static int drop_caches(void)
{
	return write_file("/proc/sys/vm/drop_caches", "2");
}

/*
 * The idle half is two whole 2 MiB blocks.  Pressure takes whole blocks,
 * and drop_caches stops asking a shrinker once what it offers is below
 * twice the kernel's batch: an unaligned range left its last few pages
 * (6.1: 8 pages of a tail block) to the next real pressure.
 */
TEST_F(policy, drop_caches_reclaims_idle_ranges_and_leaves_the_rest)
{
	char *raw = map_filled(10 * MiB, 6);
	char *m = (char *)(((uintptr_t)raw + 2 * MiB - 1) & ~(2 * MiB - 1));
	struct scav_stats st;

	ASSERT_NE(NULL, raw);
	ASSERT_EQ(0, sc_report1(self->fd, m + 4 * MiB, 4 * MiB));
	ASSERT_EQ(0, drop_caches());
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(4 * MiB, st.discarded_bytes);
	EXPECT_EQ(4 * MiB, st.reclaimed_pressure_bytes);
	EXPECT_EQ(0, resident_pages(m + 4 * MiB, 4 * MiB));
	EXPECT_EQ(4 * MiB / pagesz(), resident_pages(m, 4 * MiB));
	EXPECT_TRUE(holds_pattern(raw, m, 4 * MiB, 6));
	munmap(raw, 10 * MiB);
}

TEST_F(policy, disabled_shrinker_leaves_idle_ranges_under_drop_caches)
{
	char *m = map_filled(4 * MiB, 7);
	struct scav_stats st;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, knob_write("shrinker_enabled", "0"));
	ASSERT_EQ(0, sc_report1(self->fd, m, 4 * MiB));
	ASSERT_EQ(0, drop_caches());
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_TRUE(holds_pattern(m, m, 4 * MiB, 7));
	ASSERT_EQ(0, knob_write("shrinker_enabled", "1"));
	ASSERT_EQ(0, knob_write("enabled", "0"));
	ASSERT_EQ(0, drop_caches());
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.discarded_bytes);
	munmap(m, 4 * MiB);
}

static long mem_available_kb(void)
{
	return proc_value("/proc/meminfo", "MemAvailable");
}

static void set_oom_score_adj(int adj)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", adj);
	write_file("/proc/self/oom_score_adj", v);
}

static void *mmap_churn(void *arg)
{
	volatile int *stop = arg;

	while (!*stop) {
		void *p = mmap(NULL, pagesz(), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p != MAP_FAILED)
			munmap(p, pagesz());
	}
	return NULL;
}

/*
 * Report [@m, @m + @len) idle: by SCAV_IOC_REPORT, or with @map through a
 * page-state map.  0 or -1.
 */
static int report_idle(int fd, char *m, size_t len, int map)
{
	struct scav_map_region reg;
	_Atomic uint32_t *w, *sum;
	size_t i;

	if (!map)
		return sc_report1(fd, m, len);
	w = map_region(fd, m, len, &reg, &sum);
	if (!w)
		return -1;
	for (i = 0; i < len / pagesz(); i++)
		map_report(w, sum, i);
	return 0;
}

/*
 * The holder: @idle bytes touched and reported idle (@map: through a
 * page-state map), then it waits.  With @churn a second thread loops
 * mmap/munmap, so the mmap lock is often held for writing when the
 * shrinker comes.
 */
static pid_t spawn_holder(size_t idle, int churn, int map, int ready[2],
			  int go[2])
{
	pid_t pid = fork();

	if (pid)
		return pid;
	/* The parent's ends: EOF on go if the parent dies. */
	close(ready[0]);
	close(go[1]);
	{
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *m = map_filled(idle, 8), c;
		volatile int stop = 0;
		struct scav_stats st;
		pthread_t th;

		set_oom_score_adj(500);
		if (fd < 0 || !m || report_idle(fd, m, idle, map))
			_exit(10);
		if (churn && pthread_create(&th, NULL, mmap_churn, (void *)&stop))
			_exit(11);
		if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(12);
		if (churn) {
			stop = 1;
			pthread_join(th, NULL);
		}
		if (sc_stats(fd, &st) || write(ready[1], &st, sizeof(st)) != sizeof(st))
			_exit(13);
		_exit(0);
	}
}

/*
 * The hog: touches @len bytes, says so on @done, and exits 0 when @bye is
 * closed: until then it holds its memory.  A hog that exited at once was
 * no candidate for the OOM killer while its memory went back, and a
 * holder's thread allocating at that moment on a full machine (7.3) was
 * killed in its place, the only candidate left.
 */
static pid_t spawn_hog(size_t len, int ready[2], int go[2], int done[2],
		       int bye[2])
{
	pid_t pid = fork();

	if (pid == 0) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t i;
		char c;

		set_oom_score_adj(1000);
		/* The parent's ends of the holder's pipes, and of its own. */
		close(ready[0]);
		close(go[1]);
		close(done[0]);
		close(bye[1]);
		if (p == MAP_FAILED)
			_exit(20);
		for (i = 0; i < len; i += pagesz())
			p[i] = 1;
		if (write(done[1], "d", 1) != 1)
			_exit(21);
		while (read(bye[0], &c, 1) > 0)
			;
		_exit(0);
	}
	return pid;
}

struct pressure_result {
	int hog_status;
	int holder_status;
	long long oom_kills;
	struct scav_stats holder;
	int holder_reported;
};

/* Holder with 45% of available memory idle, then a hog wanting 70%. */
static void run_pressure(struct pressure_result *r, int churn, int map)
{
	size_t avail = mem_available_kb() * 1024UL;
	size_t idle = avail * 45 / 100 / MiB * MiB;
	size_t hog = avail * 70 / 100 / MiB * MiB;
	int ready[2], go[2], done[2], bye[2];
	long long ooms = vmstat("oom_kill");
	pid_t holder, hogger;
	char c;

	memset(r, 0, sizeof(*r));
	set_oom_score_adj(-1000);
	if (pipe(ready) || pipe(go))
		return;
	holder = spawn_holder(idle, churn, map, ready, go);
	/* Only the holder writes ready and reads go: EOF if it is killed. */
	close(ready[1]);
	close(go[0]);
	if (read(ready[0], &c, 1) != 1)
		c = 0;
	/* After the holder's fork: its copies would hold them open. */
	if (pipe(done) || pipe(bye)) {
		kill(holder, SIGKILL);
		waitpid(holder, &r->holder_status, 0);
		close(ready[0]);
		close(go[1]);
		return;
	}
	hogger = spawn_hog(hog, ready, go, done, bye);
	/* Only the hog writes done: EOF if it is killed touching. */
	close(done[1]);
	close(bye[0]);
	if (read(done[0], &c, 1) != 1)
		c = 0;
	signal(SIGPIPE, SIG_IGN);
	if (write(go[1], "g", 1) != 1)
		c = 0;
	r->holder_reported = read(ready[0], &r->holder, sizeof(r->holder)) ==
			     sizeof(r->holder);
	waitpid(holder, &r->holder_status, 0);
	close(bye[1]);
	waitpid(hogger, &r->hog_status, 0);
	r->oom_kills = vmstat("oom_kill") - ooms;
	close(ready[0]);
	close(go[1]);
	close(done[0]);
}

TEST_F_TIMEOUT(policy, pressure_takes_idle_memory_before_anyone_is_oom_killed, 300)
{
	long long busy = knob_read("pressure_busy_skips");
	struct pressure_result r;

	run_pressure(&r, 0, 0);
	TH_LOG("hog status %#x, holder status %#x, %lld OOM kills, %llu MiB reclaimed under pressure, %lld busy skips",
	       r.hog_status, r.holder_status, r.oom_kills,
	       (unsigned long long)(r.holder.reclaimed_pressure_bytes / MiB),
	       knob_read("pressure_busy_skips") - busy);
	EXPECT_TRUE(WIFEXITED(r.hog_status) && WEXITSTATUS(r.hog_status) == 0);
	EXPECT_TRUE(WIFEXITED(r.holder_status) && WEXITSTATUS(r.holder_status) == 0);
	EXPECT_EQ(0, r.oom_kills);
	EXPECT_TRUE(r.holder_reported);
	EXPECT_LT(0, r.holder.reclaimed_pressure_bytes);
}

TEST_F_TIMEOUT(policy, without_the_shrinker_the_same_load_is_oom_killed, 300)
{
	struct pressure_result r;

	ASSERT_EQ(0, knob_write("shrinker_enabled", "0"));
	run_pressure(&r, 0, 0);
	TH_LOG("hog status %#x, holder status %#x, %lld OOM kills",
	       r.hog_status, r.holder_status, r.oom_kills);
	EXPECT_LT(0, r.oom_kills);
}

/* The hung-task detector (30 s, panic) is armed by the VM runner. */
static void busy_holder(struct __test_metadata *_metadata, int map)
{
	long long deferred = knob_read("pressure_deferred");
	struct pressure_result r;
	uint64_t kept;

	run_pressure(&r, 1, map);
	TH_LOG("hog status %#x, holder status %#x, %lld OOM kills, %llu MiB reclaimed under pressure, %lld deferred to the worker",
	       r.hog_status, r.holder_status, r.oom_kills,
	       (unsigned long long)(r.holder.reclaimed_pressure_bytes / MiB),
	       knob_read("pressure_deferred") - deferred);
	/*
	 * Nothing hung (the detector would have panicked the VM), the busy
	 * lock sent work to the worker, the holder lived, and the worker,
	 * waiting its turn at the lock, gave the idle memory up: no OOM kill
	 * while the holder kept more than a few MiB idle.  (6.1 and 6.12: no
	 * OOM kill at all in our runs.  7.3 still OOM-kills the hog in 1 or
	 * 2 runs of 5, after the holder's idle memory was all gone: see
	 * design.md.)  Before the reclaimer waited for the worker, 6.1 killed
	 * with 110 MiB still idle, 7.3 with 140.
	 */
	ASSERT_TRUE(r.holder_reported);
	kept = r.holder.idle_bytes - r.holder.discarded_bytes;
	TH_LOG("the holder kept %llu MiB idle at the end",
	       (unsigned long long)(kept / MiB));
	EXPECT_LT(0, knob_read("pressure_deferred") - deferred);
	EXPECT_TRUE(WIFEXITED(r.holder_status) && WEXITSTATUS(r.holder_status) == 0);
	EXPECT_LT(0, r.holder.reclaimed_pressure_bytes);
	if (r.oom_kills && slow_kernel()) {
		/*
		 * The reclaimer waits for the worker at most SCAV_DEFER_WAIT
		 * (HZ/2) a pass; on the debug kernel, several times slower,
		 * the worker behind the churning writer may need longer (the
		 * fresh-clone run of a0f8699: killed with 128 MiB idle after 3
		 * worker runs).  There this checks the kernel's health, not
		 * the timing: logged.
		 */
		TH_LOG("debug kernel: OOM-killed while %llu MiB were idle (not asserted)",
		       (unsigned long long)(kept / MiB));
	} else if (r.oom_kills) {
		EXPECT_GT(8 * MiB, kept) TH_LOG("OOM-killed while %llu MiB were idle",
						(unsigned long long)(kept / MiB));
	} else {
		EXPECT_TRUE(WIFEXITED(r.hog_status) && WEXITSTATUS(r.hog_status) == 0);
	}
}

TEST_F_TIMEOUT(policy, shrinker_never_waits_for_a_held_mmap_lock, 300)
{
	busy_holder(_metadata, 0);
}

/*
 * The same with the idle memory reported through a page-state map, the
 * session's only idle memory: pressure that finds its mmap lock busy leaves
 * the map pages to the worker too.  (Before, the map pass gave up on a busy
 * lock and left nothing behind: no deferral, and OOM kills with most of the
 * holder's memory still idle.)
 */
TEST_F_TIMEOUT(policy, shrinker_leaves_a_busy_map_to_the_worker, 300)
{
	busy_holder(_metadata, 1);
}

/*
 * A known layout, 2 MiB-aligned blocks of 4 KiB pages (no huge pages):
 *   used        touched, never reported
 *   idle        touched, reported
 *   lazy        touched, reported with SCAV_RELEASE_LAZY (so MADV_FREE'd)
 *   taken       like lazy, then half of it taken by the kernel (MADV_PAGEOUT)
 *   reclaimed   touched, reported, reclaimed
 *   untouched   reported, never touched
 */
TEST_F(policy, rss_figures_match_smaps_rollup_and_pagemap)
{
	size_t blk = 2 * MiB, pg = pagesz();
	char *raw = mmap(NULL, 7 * blk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m = (char *)(((uintptr_t)raw + blk - 1) & ~(blk - 1));
	char *used = m, *idle = m + blk, *lazy = m + 2 * blk;
	char *taken = m + 3 * blk, *recl = m + 4 * blk, *untouched = m + 5 * blk;
	long present, anon0, anon1, lazy_kb;
	struct scav_range r[4] = {
		{ (uintptr_t)idle, blk }, { (uintptr_t)untouched, blk },
		{ (uintptr_t)lazy, blk }, { (uintptr_t)taken, blk },
	};
	struct scav_range rr = { (uintptr_t)recl, blk };
	struct scav_stats st;
	struct scav *s;
	uint64_t bytes;

	ASSERT_NE(MAP_FAILED, raw);
	pin_to_cpu0();
	ASSERT_EQ(0, madvise(m, 6 * blk, MADV_NOHUGEPAGE));
	memset(m, 0x3c, 5 * blk);
	ASSERT_EQ(0, scav_open(&s, 0));
	ASSERT_FALSE(scav_is_fallback(s));

	/* Reported first, so the oldest: a reclaim of one block takes it. */
	ASSERT_EQ(1, scav_report(s, &rr, 1, 0));
	ASSERT_EQ(0, scav_reclaim(s, 0, blk, &bytes));
	EXPECT_EQ(blk, bytes);
	ASSERT_EQ(2, scav_report(s, r, 2, 0));
	ASSERT_EQ(2, scav_report(s, r + 2, 2, SCAV_RELEASE_LAZY));
	drain_lazyfree_batch();
	ASSERT_EQ(0, madvise(taken, blk / 2, MADV_PAGEOUT));
	drain_lazyfree_batch();

	anon0 = rollup_kb("Anonymous");
	ASSERT_EQ(0, scav_stats(s, SCAV_STATS_RESIDENT, &st));
	anon1 = rollup_kb("Anonymous");
	lazy_kb = rollup_kb("LazyFree");
	present = pagemap_present(idle, 5 * blk);

	TH_LOG("idle %llu resident %llu lazyfree %llu used %llu anon %llu; pagemap %ld pages; rollup Anonymous %ld kB, LazyFree %ld kB",
	       (unsigned long long)st.idle_bytes,
	       (unsigned long long)st.idle_resident_bytes,
	       (unsigned long long)st.lazyfree_bytes,
	       (unsigned long long)st.used_rss_bytes,
	       (unsigned long long)st.anon_rss_bytes, present, anon1, lazy_kb);
	EXPECT_EQ(5 * blk, st.idle_bytes);
	EXPECT_EQ(blk, st.discarded_bytes);
	EXPECT_EQ(2 * blk, st.lazy_bytes);
	/* Page for page: idle, lazy and half of taken are resident. */
	EXPECT_EQ(present * (long)pg, (long)st.idle_resident_bytes);
	EXPECT_EQ(2 * blk + blk / 2, st.idle_resident_bytes);
	EXPECT_EQ(lazy_kb * 1024, (long)st.lazyfree_bytes);
	EXPECT_EQ(blk + blk / 2, st.lazyfree_bytes);
	/* The walk changes nothing; RssAnon agrees within its counting lag. */
	EXPECT_EQ(anon0, anon1);
	EXPECT_GE(rss_lag_bytes(1), labs((long)st.anon_rss_bytes - anon1 * 1024));
	/* Used: all anonymous memory but the idle pages pagemap found. */
	EXPECT_GE(rss_lag_bytes(1), labs((long)st.used_rss_bytes -
				      (anon1 * 1024 - present * (long)pg)));
	EXPECT_EQ(blk / pg, resident_pages(used, blk));
	scav_close(s);
	munmap(raw, 7 * blk);
}

TEST_F(policy, resident_figures_count_huge_pages_clipped_to_the_ranges)
{
	size_t blk = 2 * MiB, pg = pagesz();
	char *raw = mmap(NULL, 3 * blk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m = (char *)(((uintptr_t)raw + blk - 1) & ~(blk - 1));
	struct scav_range r[2] = {
		{ (uintptr_t)m + blk / 4, blk / 2 },	/* inside a huge page */
		{ (uintptr_t)m + blk, blk },		/* a whole one */
	};
	struct scav_stats st;
	struct scav *s;

	ASSERT_NE(MAP_FAILED, raw);
	pin_to_cpu0();
	ASSERT_EQ(0, madvise(m, 2 * blk, MADV_HUGEPAGE));
	memset(m, 0x5e, 2 * blk);
	if (rollup_kb("AnonHugePages") < 4096)
		SKIP(goto out, "no transparent huge pages here (AnonHugePages %ld kB)",
		     rollup_kb("AnonHugePages"));
	ASSERT_EQ(0, scav_open(&s, 0));
	ASSERT_EQ(2, scav_report(s, r, 2, 0));
	ASSERT_EQ(0, scav_stats(s, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(blk / 2 + blk, st.idle_resident_bytes);
	EXPECT_EQ(pagemap_present(m, 2 * blk) * (long)pg - blk / 2,
		  (long)st.idle_resident_bytes);
	/*
	 * The split block, half empty, is what khugepaged collapses again
	 * (max_ptes_none is 511), with every page present: out of its reach
	 * (CI saw 512 pages present there once, stop 29).  The huge pages
	 * stay huge.
	 */
	ASSERT_EQ(0, madvise(m, blk, MADV_NOHUGEPAGE));
	/* Discarding the whole one leaves it whole; the other splits. */
	ASSERT_EQ(0, scav_reclaim(s, 0, 0, NULL));
	ASSERT_EQ(0, scav_stats(s, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(0, st.idle_resident_bytes);
	EXPECT_EQ((long)(blk / 2 / pg), pagemap_present(m, blk));
	EXPECT_EQ(0, pagemap_present(m + blk, blk));
	EXPECT_TRUE(is_zero(m + blk / 4, blk / 2));
	scav_close(s);
out:
	munmap(raw, 3 * blk);
}

TEST_F(policy, claim_of_lazily_freed_memory_tells_what_the_kernel_took)
{
	size_t pg = pagesz(), len = 64 * pg;
	int i;
	struct scav_claim_range c;
	struct scav_range r;
	struct scav_stats st;
	struct scav *s;
	char *m;

	/*
	 * Touch the pages on the CPU that will MADV_FREE them: MADV_FREE
	 * drains only its own CPU's LRU batch, and passes over pages still
	 * waiting in another's.
	 */
	pin_to_cpu0();
	m = map_filled(len, 9);
	ASSERT_NE(NULL, m);
	c = (struct scav_claim_range){ (uintptr_t)m, len };
	r = (struct scav_range){ (uintptr_t)m, len };
	ASSERT_EQ(0, madvise(m, len, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, scav_open(&s, 0));
	ASSERT_EQ(1, scav_report(s, &r, 1, SCAV_RELEASE_LAZY));
	/*
	 * MADV_FREE passes over a page it finds busy (locked, or still in a
	 * batch elsewhere; seen on 7.3, two pages in 64).  This test is about
	 * claims, so make sure every page is lazily freed first.
	 */
	for (i = 0; i < 50; i++) {
		drain_lazyfree_batch();
		ASSERT_EQ(0, scav_stats(s, SCAV_STATS_RESIDENT, &st));
		if (st.lazyfree_bytes == len)
			break;
		ASSERT_EQ(0, madvise(m, len, MADV_FREE));
		usleep(10000);
	}
	EXPECT_EQ(len, st.lazy_bytes);
	EXPECT_EQ(len, st.lazyfree_bytes);
	/* The kernel takes the first 16 pages, as reclaim would. */
	ASSERT_EQ(0, madvise(m, 16 * pg, MADV_PAGEOUT));
	EXPECT_EQ(0, resident_pages(m, 16 * pg));

	ASSERT_EQ(1, scav_claim(s, &c, 1, 0));
	EXPECT_EQ(16 * pg, c.discarded);
	EXPECT_EQ(48 * pg, c.kept);
	EXPECT_TRUE(is_zero(m, 16 * pg));
	EXPECT_TRUE(holds_pattern(m, m + 16 * pg, 48 * pg, 9));
	/* Kept means kept: the kernel can no longer take those pages. */
	ASSERT_EQ(0, madvise(m + 16 * pg, 48 * pg, MADV_PAGEOUT));
	EXPECT_TRUE(holds_pattern(m, m + 16 * pg, 48 * pg, 9));
	EXPECT_EQ(0, rollup_kb("LazyFree"));
	scav_close(s);
	munmap(m, len);
}

TEST_HARNESS_MAIN

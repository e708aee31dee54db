// SPDX-License-Identifier: GPL-2.0
/*
 * jemalloc with libscav-jemalloc preloaded (integrations/jemalloc/):
 * jestress checks that every zeroed allocation reads as zeros and every
 * live one keeps its contents, across threads, arenas and fork, while
 * aging, memory pressure and explicit purges discard what jemalloc gave
 * back; the module's figures show that the hooks reported and claimed.
 * Without the module, with SCAV=off, or in a program without jemalloc the
 * shim does nothing and says why.  Needs root, the module, and jestress and
 * the shim in SCAV_JE_DIR (default /scav, as the VM has them).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"

static const char *je_dir(void)
{
	const char *d = getenv("SCAV_JE_DIR");

	return d ? d : "/scav";
}

/*
 * Run jestress @args with the shim preloaded and @env; its output (stdout
 * and stderr, malloc'd) and exit status.  Decay runs every 50 ms, so that
 * jemalloc decommits (and the shim reports) all the time.
 */
static char *jestress(const char *env, const char *args, int *status)
{
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof(cmd),
		 "MALLOC_CONF=dirty_decay_ms:50,muzzy_decay_ms:0 LD_PRELOAD=%s/libscav-jemalloc.so "
		 "%s %s/jestress %s 2>&1", je_dir(), env, je_dir(), args);
	f = popen(cmd, "r");
	return f ? read_all(f, status) : NULL;
}

struct figures {
	long long reported, kept, discarded, age, request, pressure;
};

static void figures(struct figures *f)
{
	f->reported = knob_read("reported_bytes");
	f->kept = knob_read("claimed_kept_bytes");
	f->discarded = knob_read("claimed_discarded_bytes");
	f->age = knob_read("reclaimed_age_bytes");
	f->request = knob_read("reclaimed_request_bytes");
	f->pressure = knob_read("reclaimed_pressure_bytes");
}

FIXTURE(je) {
	struct tunables saved;
};

FIXTURE_SETUP(je)
{
	char path[256];

	if (geteuid() != 0)
		SETUP_SKIP("needs root");
	if (access(SCAV_DEVICE_PATH, F_OK))
		SETUP_SKIP("the scav module is not loaded");
	snprintf(path, sizeof(path), "%s/jestress", je_dir());
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("no %s", path);
	tunables_save(&self->saved);
}

FIXTURE_TEARDOWN(je)
{
	tunables_restore(&self->saved);
}

/*
 * Three threads, two arenas of their own, a fork halfway; idle memory ages
 * in 200 ms, so that much of what jemalloc decommitted is discarded before
 * it is reused: claims find both kept and discarded memory.
 */
TEST_F_TIMEOUT(je, zeros_and_contents_hold_while_aging_discards, 300)
{
	struct figures a, b;
	char *out;
	int status;

	/*
	 * Decay reports some 140 MiB a second here: aging without a quota
	 * keeps up, so that the fork's copies fit in the VM.
	 */
	ASSERT_EQ(0, knob_write("idle_age_ms", "200"));
	ASSERT_EQ(0, knob_write("scan_interval_ms", "50"));
	ASSERT_EQ(0, knob_write("quota_bytes_per_sec", "0"));
	ASSERT_EQ(0, knob_write("quota_ms_per_sec", "0"));
	figures(&a);
	out = jestress("SCAV=debug", "-t 3 -s 8 -a 2 -f", &status);
	ASSERT_NE(NULL, out);
	figures(&b);
	TH_LOG("%s", out);
	TH_LOG("reported %lld MiB, claimed kept %lld MiB and discarded %lld MiB, aged %lld MiB",
	       (b.reported - a.reported) >> 20, (b.kept - a.kept) >> 20,
	       (b.discarded - a.discarded) >> 20, (b.age - a.age) >> 20);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "scav-jemalloc: on"));
	EXPECT_NE(NULL, strstr(out, "jestress ok"));
	EXPECT_LT(0, b.reported - a.reported);
	EXPECT_LT(0, b.kept - a.kept);
	EXPECT_LT(0, b.discarded - a.discarded);
	EXPECT_LT(0, b.age - a.age);
	free(out);
}

/*
 * jestress with @args, which purge all arenas now and then, create two
 * arenas and try hooks of its own: the purges release at once what decay
 * had reported idle, the program's own hooks would bypass the claims and
 * are refused, and the arenas it creates get the shim's.
 */
static void purges_release_at_once(struct __test_metadata *_metadata,
				   const char *args)
{
	struct figures a, b;
	char *out;
	int status;

	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	figures(&a);
	out = jestress("SCAV=debug", args, &status);
	ASSERT_NE(NULL, out);
	figures(&b);
	TH_LOG("%s", out);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "hooks: 16"));
	EXPECT_NE(NULL, strstr(out, "arenas with arena 0's hooks: 2 of 2"));
	EXPECT_NE(NULL, strstr(out, "jestress ok"));
	EXPECT_EQ(NULL, strstr(out, "purges=0"));
	EXPECT_LT(0, b.request - a.request);
	EXPECT_EQ(0, b.age - a.age);
	free(out);
}

/* mallctl("arena.<all>.purge"): released at once, as Redis's MEMORY PURGE. */
TEST_F_TIMEOUT(je, explicit_purges_release_at_once, 300)
{
	purges_release_at_once(_metadata, "-t 2 -s 5 -a 2 -p -x");
}

/* The same controls named by MIB (mallctlnametomib(), mallctlbymib()). */
TEST_F_TIMEOUT(je, controls_named_by_mib_are_watched_too, 300)
{
	purges_release_at_once(_metadata, "-t 2 -s 5 -a 2 -p -x -m");
}

/* The machine's reclaim (drop_caches runs the shrinker) takes idle memory. */
TEST_F_TIMEOUT(je, memory_pressure_discards_and_nothing_is_lost, 300)
{
	struct figures a, b;
	pid_t dropper;
	char *out;
	int status;

	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	figures(&a);
	dropper = fork();
	ASSERT_LE(0, dropper);
	if (dropper == 0) {
		for (;;) {
			write_file("/proc/sys/vm/drop_caches", "3");
			usleep(100 * 1000);
		}
	}
	out = jestress("", "-t 4 -s 6 -a 1", &status);
	kill(dropper, SIGKILL);
	waitpid(dropper, NULL, 0);
	ASSERT_NE(NULL, out);
	figures(&b);
	TH_LOG("%s", out);
	TH_LOG("pressure discarded %lld MiB", (b.pressure - a.pressure) >> 20);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "jestress ok"));
	EXPECT_LT(0, b.pressure - a.pressure);
	EXPECT_LT(0, b.discarded - a.discarded);
	free(out);
}

/*
 * Without the module (unloaded), with SCAV=off, and in a program without
 * jemalloc: the shim stays out of the way and says why; jemalloc purges as
 * it always does.
 */
TEST_F_TIMEOUT(je, it_does_nothing_where_it_cannot_help, 300)
{
	struct figures a, b;
	char cmd[256], *out;
	int status;

	figures(&a);
	out = jestress("SCAV=off", "-t 2 -s 2 -f -x", &status);	/* silent */
	ASSERT_NE(NULL, out);
	figures(&b);
	EXPECT_EQ(0, status);
	EXPECT_EQ(NULL, strstr(out, "scav-jemalloc: on")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "hooks: 0"));
	EXPECT_NE(NULL, strstr(out, "jestress ok"));
	EXPECT_EQ(0, b.reported - a.reported);
	free(out);

	snprintf(cmd, sizeof(cmd),
		 "SCAV=debug LD_PRELOAD=%s/libscav-jemalloc.so scavctl --help 2>&1 | "
		 "grep -q 'scav-jemalloc: off: no jemalloc in this process'", je_dir());
	EXPECT_EQ(0, WEXITSTATUS(system(cmd)));

	ASSERT_EQ(0, scav_unload());
	out = jestress("SCAV=debug", "-t 2 -s 2 -p -f", &status);
	ASSERT_EQ(0, scav_load());
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	EXPECT_NE(NULL, strstr(out, "scav-jemalloc: off: no /dev/scav session")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "jestress ok"));
	free(out);
}

TEST_HARNESS_MAIN

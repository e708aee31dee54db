// SPDX-License-Identifier: GPL-2.0
/*
 * Redis on scav without rebuilding either: Debian's redis-server, on
 * Debian's libjemalloc2, with libscav-jemalloc preloaded.  Its own tools
 * drive a fragmentation workload (fill, delete half, let decay purge,
 * refill, MEMORY PURGE, BGSAVE while writing, FLUSHALL), every value is
 * read back and checked inside the server (a Lua script), and the module's
 * figures and the shim's own (through the page-state map) show it at work.  Redis keeps working without the module,
 * and the module cannot be unloaded under it.  Needs root, the module, and
 * redis-server, redis-cli, jestress's shim in SCAV_JE_DIR (default /scav,
 * as the VM has them).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"

#define SOCK	"/tmp/scav-redis.sock"
#define KEYS	16000		/* 4 KiB values: 64 MiB */
#define VSIZE	4096

static const char *dir(void)
{
	const char *d = getenv("SCAV_JE_DIR");

	return d ? d : "/scav";
}

/* What redis-cli @args prints (malloc'd, trailing newline cut). */
static char *cli(const char *fmt, ...)
{
	char args[1024], cmd[1200], *out;
	va_list ap;
	size_t len;
	int status;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s/redis-cli -s " SOCK " %s 2>&1", dir(), args);
	f = popen(cmd, "r");
	if (!f)
		return strdup("");
	out = read_all(f, &status);
	len = strlen(out);
	while (len && out[len - 1] == '\n')
		out[--len] = '\0';
	return out;
}

/* redis-cli's answer to @args is @want. */
static int cli_is(const char *want, const char *fmt, const char *a)
{
	char *out = cli(fmt, a);
	int ok = !strcmp(out, want);

	if (!ok)
		fprintf(stderr, "# redis-cli %s: %s\n", a ? a : fmt, out);
	free(out);
	return ok;
}

/* Keys k<from>..k<to>, every @step-th, each VSIZE bytes of its own letter. */
#define LUA_SET "'for i=tonumber(ARGV[1]),tonumber(ARGV[2]),tonumber(ARGV[3]) do " \
	"redis.call(\"SET\",\"k\"..i,string.rep(string.char(65+i%%26),tonumber(ARGV[4]))) end " \
	"return 1' 0"
#define LUA_DEL "'for i=tonumber(ARGV[1]),tonumber(ARGV[2]),tonumber(ARGV[3]) do " \
	"redis.call(\"UNLINK\",\"k\"..i) end return 1' 0"
/* How many of those keys do not hold what LUA_SET put there. */
#define LUA_BAD "'local bad=0 for i=tonumber(ARGV[1]),tonumber(ARGV[2]),tonumber(ARGV[3]) do " \
	"if redis.call(\"GET\",\"k\"..i)~=string.rep(string.char(65+i%%26),tonumber(ARGV[4])) " \
	"then bad=bad+1 end end return bad' 0"

static int set_keys(long from, long to, long step)
{
	char *out = cli("EVAL " LUA_SET " %ld %ld %ld %d", from, to, step, VSIZE);
	int ok = !strcmp(out, "1");

	if (!ok)
		fprintf(stderr, "# set: %s\n", out);
	free(out);
	return ok ? 0 : -1;
}

static int del_keys(long from, long to, long step)
{
	char *out = cli("EVAL " LUA_DEL " %ld %ld %ld", from, to, step);
	int ok = !strcmp(out, "1");

	free(out);
	return ok ? 0 : -1;
}

static long bad_keys(long from, long to, long step)
{
	char *out = cli("EVAL " LUA_BAD " %ld %ld %ld %d", from, to, step, VSIZE);
	long bad = -1;

	if (sscanf(out, "%ld", &bad) != 1)
		fprintf(stderr, "# check: %s\n", out);
	free(out);
	return bad;
}

/* A field of INFO's output, or -1. */
static long long info(const char *section, const char *field)
{
	char *out = cli("INFO %s", section), *p, key[64];
	long long v = -1;

	snprintf(key, sizeof(key), "%s:", field);
	p = strstr(out, key);
	if (p)
		v = atoll(p + strlen(key));
	free(out);
	return v;
}

/* redis-server with the shim, on a Unix socket (the VM has no network). */
static pid_t redis_start(void)
{
	char bin[256], so[256];
	pid_t pid;
	int i;

	unlink(SOCK);
	snprintf(bin, sizeof(bin), "%s/redis-server", dir());
	snprintf(so, sizeof(so), "%s/libscav-jemalloc.so", dir());
	pid = fork();
	if (pid == 0) {
		int err = open("/tmp/scav-redis.err", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(err, 2);
		setenv("LD_PRELOAD", so, 1);
		setenv("SCAV", "debug", 1);
		/* Decay in half a second, not ten, for a test of minutes. */
		setenv("MALLOC_CONF", "dirty_decay_ms:500", 1);
		execl(bin, "redis-server", "--port", "0", "--unixsocket", SOCK,
		      "--save", "", "--appendonly", "no", "--dir", "/tmp",
		      "--enable-debug-command", "yes", "--logfile", "/tmp/scav-redis.log",
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 300; i++) {
		if (cli_is("PONG", "PING", NULL))
			return pid;
		usleep(100 * 1000);
	}
	if (pid > 0)
		kill(pid, SIGKILL);
	return -1;
}

/*
 * redis-benchmark against the server: SET and GET, 20000 requests of 4 KiB
 * values over 2000 random keys of its own (key:*), 8 at a time; its
 * results ("SET: N requests per second, ...", one a test, on one line,
 * joined by ";"), or NULL if it printed none.
 */
static char *bench_run(void)
{
	char cmd[512], *out, *p;
	int status;
	FILE *f;

	/* -q redraws a progress line with \r: only the results. */
	snprintf(cmd, sizeof(cmd),
		 "%s/redis-benchmark -s " SOCK " -q -t set,get -n 20000 -r 2000 -d %d -P 8 2>&1 | "
		 "tr '\\r' '\\n' | grep 'requests per second'", dir(), VSIZE);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	out = read_all(f, &status);
	if (status) {
		free(out);
		return NULL;
	}
	for (p = out; (p = strchr(p, '\n')); p++)
		*p = p[1] ? ';' : '\0';
	return out;
}

static int redis_stop(pid_t pid)
{
	int status;

	free(cli("SHUTDOWN NOSAVE"));
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int err_says(const char *what)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "grep -q '%s' /tmp/scav-redis.err", what);
	return WEXITSTATUS(system(cmd)) == 0;
}

/*
 * The module's figures.  The shim reports and claims through the page-state
 * map, with no system call: idle_bytes counts the pages its words say are
 * idle (and ranges reported by ioctl), so reports make it grow and claims
 * shrink (idle memory stays kept here, so nothing ages out between).
 */
struct figures {
	long long idle, request;
};

static void figures(struct figures *f)
{
	f->idle = knob_read("idle_bytes");
	f->request = knob_read("reclaimed_request_bytes");
}

static void log_memory(struct __test_metadata *_metadata, const char *when)
{
	TH_LOG("%s: used_memory_rss %lld MiB, allocator_resident %lld MiB, allocator_active %lld MiB, used_memory %lld MiB",
	       when, info("memory", "used_memory_rss") >> 20,
	       info("memory", "allocator_resident") >> 20,
	       info("memory", "allocator_active") >> 20, info("memory", "used_memory") >> 20);
}

/*
 * The fragmentation workload, on the server @pid.  @scav: the shim is on,
 * and the module's figures must move.
 */
static void workload(struct __test_metadata *_metadata, pid_t pid, int scav)
{
	struct figures a, b, c, d;
	char status[64];
	long long rss, after;
	char *out;
	int i;

	figures(&a);
	ASSERT_EQ(0, set_keys(1, KEYS, 1));
	log_memory(_metadata, "filled");
	/* Holes in every slab, then the first half gone: whole extents free. */
	ASSERT_EQ(0, del_keys(1, KEYS, 2));
	ASSERT_EQ(0, del_keys(2, KEYS / 2, 2));
	/* Decay (background threads) purges what was freed. */
	for (i = 0; i < 30; i++) {
		figures(&b);
		if (!scav || b.idle - a.idle >= 16 * MiB)
			break;
		sleep(1);
	}
	log_memory(_metadata, "half deleted, decayed");
	TH_LOG("reported %lld MiB", (b.idle - a.idle) >> 20);
	EXPECT_EQ(0, bad_keys(KEYS / 2 + 2, KEYS, 2));
	/* The refill reuses what was purged: claims. */
	ASSERT_EQ(0, set_keys(1, KEYS / 2, 1));
	figures(&c);
	log_memory(_metadata, "refilled");
	TH_LOG("claimed %lld MiB", (b.idle - c.idle) >> 20);
	EXPECT_EQ(0, bad_keys(1, KEYS / 2, 1));
	EXPECT_EQ(0, bad_keys(KEYS / 2 + 2, KEYS, 2));
	/*
	 * redis-benchmark beside them: SETs and GETs of 2000 keys of its own
	 * (8 MiB), pipelined, then those keys gone again; the test's keys
	 * are untouched.
	 */
	out = bench_run();
	ASSERT_NE(NULL, out);
	TH_LOG("redis-benchmark: %s", out);
	EXPECT_NE(NULL, strstr(out, "SET: ")) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "GET: ")) TH_LOG("%s", out);
	free(out);
	out = cli("EVAL 'local n=0 for _,k in ipairs(redis.call(\"KEYS\",\"key:*\")) do "
		  "n=n+redis.call(\"UNLINK\",k) end return n' 0");
	TH_LOG("its keys unlinked: %s", out);
	EXPECT_LT(0, atol(out));
	free(out);
	EXPECT_EQ(0, bad_keys(1, KEYS / 2, 1));
	EXPECT_EQ(0, bad_keys(KEYS / 2 + 2, KEYS, 2));
	/* MEMORY PURGE releases at once. */
	ASSERT_EQ(0, del_keys(1, KEYS / 2, 1));
	EXPECT_TRUE(cli_is("OK", "MEMORY PURGE", NULL));
	figures(&d);
	log_memory(_metadata, "purged");
	EXPECT_EQ(0, bad_keys(KEYS / 2 + 2, KEYS, 2));
	/*
	 * BGSAVE while writing: the child inherits the hooks, not the
	 * session (it opens one of its own).  Half a millisecond per key
	 * saved (some 2 s for the 4000 keys) keeps it going as the parent
	 * starts writing.
	 */
	EXPECT_TRUE(cli_is("OK", "CONFIG SET rdb-key-save-delay 500", NULL));
	EXPECT_TRUE(cli_is("Background saving started", "BGSAVE", NULL));
	EXPECT_EQ(1, info("persistence", "rdb_bgsave_in_progress"));
	ASSERT_EQ(0, set_keys(1, KEYS / 2, 1));
	for (i = 0; i < 600 && info("persistence", "rdb_bgsave_in_progress") != 0; i++)
		usleep(100 * 1000);
	EXPECT_TRUE(cli_is("OK", "CONFIG SET rdb-key-save-delay 0", NULL));
	EXPECT_EQ(0, info("persistence", "rdb_bgsave_in_progress"));
	out = cli("INFO persistence");
	EXPECT_NE(NULL, strstr(out, "rdb_last_bgsave_status:ok")) TH_LOG("%s", out);
	free(out);
	EXPECT_EQ(0, bad_keys(1, KEYS / 2, 1));
	EXPECT_EQ(0, bad_keys(KEYS / 2 + 2, KEYS, 2));
	/*
	 * FLUSHALL SYNC purges (Redis asks jemalloc to).  What VmRSS does
	 * right after (INFO's used_memory_rss is sampled by the server's
	 * cron) is logged, not asserted: stock and scav alike, it fell by
	 * 58 MiB in some runs and not at all in others.  Then a new fill.
	 */
	snprintf(status, sizeof(status), "/proc/%d/status", pid);
	rss = proc_value(status, "VmRSS");
	EXPECT_TRUE(cli_is("OK", "FLUSHALL SYNC", NULL));
	after = proc_value(status, "VmRSS");
	TH_LOG("VmRSS %lld MiB before FLUSHALL SYNC, %lld MiB after", rss >> 10, after >> 10);
	EXPECT_TRUE(cli_is("0", "DBSIZE", NULL));
	ASSERT_EQ(0, set_keys(1, KEYS / 4, 1));
	EXPECT_EQ(0, bad_keys(1, KEYS / 4, 1));
	log_memory(_metadata, "flushed, refilled a quarter");
	if (scav) {
		EXPECT_LE(8 * MiB, b.idle - a.idle);
		EXPECT_LT(0, b.idle - c.idle);
		EXPECT_LT(0, d.request - c.request);
	}
}

FIXTURE(redis) {
	struct tunables saved;
	pid_t pid;
};

FIXTURE_SETUP(redis)
{
	char path[256];

	self->pid = -1;
	if (geteuid() != 0)
		SETUP_SKIP("needs root");
	if (access(SCAV_DEVICE_PATH, F_OK))
		SETUP_SKIP("the scav module is not loaded");
	snprintf(path, sizeof(path), "%s/redis-server", dir());
	ASSERT_EQ(0, access(path, X_OK)) TH_LOG("no %s", path);
	tunables_save(&self->saved);
	/* Idle memory stays kept: the claims of the refill find it. */
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
}

FIXTURE_TEARDOWN(redis)
{
	if (self->pid > 0)
		redis_stop(self->pid);
	tunables_restore(&self->saved);
}

TEST_F_TIMEOUT(redis, a_fragmentation_workload_loses_nothing_on_scav, 600)
{
	self->pid = redis_start();
	ASSERT_LT(0, self->pid);
	EXPECT_TRUE(err_says("scav-jemalloc: on"));
	/* Its session holds the module. */
	EXPECT_EQ(-EWOULDBLOCK, scav_unload());
	workload(_metadata, self->pid, 1);
	EXPECT_EQ(0, redis_stop(self->pid));
	self->pid = -1;
	/* At exit the shim says what its claims through the map found. */
	EXPECT_TRUE(err_says("scav-jemalloc: on, .*, page-state map"));
	EXPECT_TRUE(err_says("claims found [1-9][0-9]* pages kept"));
}

/* Without the module the shim stays out of the way, and Redis is Redis. */
TEST_F_TIMEOUT(redis, without_the_module_redis_runs_as_ever, 600)
{
	int started;

	ASSERT_EQ(0, scav_unload());
	self->pid = redis_start();
	started = self->pid > 0;
	if (started) {
		EXPECT_TRUE(err_says("scav-jemalloc: off: no /dev/scav session"));
		workload(_metadata, self->pid, 0);
		EXPECT_EQ(0, redis_stop(self->pid));
		self->pid = -1;
	}
	ASSERT_EQ(0, scav_load());
	ASSERT_TRUE(started);
}

TEST_HARNESS_MAIN

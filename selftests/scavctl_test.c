// SPDX-License-Identifier: GPL-2.0
/*
 * scavctl end to end, through its JSON and its text: every command on a
 * process with a session, events, process names it must escape, and
 * errors that say what is wrong.  Needs the module, root and scavctl on
 * PATH.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <json-c/json.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"

FIXTURE(scavctl) {
	struct tunables saved;
};

FIXTURE_SETUP(scavctl)
{
	if (geteuid() != 0)
		SETUP_SKIP("needs root");
	if (access(SCAV_DEVICE_PATH, F_OK))
		SETUP_SKIP("the scav module is not loaded");
	tunables_save(&self->saved);
	/*
	 * The kid's idle memory must not age out while a test looks at it (a
	 * slow kernel takes seconds per step).  The teardown puts it back.
	 */
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
}

FIXTURE_TEARDOWN(scavctl)
{
	tunables_restore(&self->saved);
}

static json_object *scavctl_json(const char *args, int *status)
{
	char cmd[256], *out;
	json_object *j;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "scavctl --json %s", args);
	f = popen(cmd, "r");
	if (!f)
		return NULL;
	out = read_all(f, status);
	j = json_tokener_parse(out);
	free(out);
	return j;
}

/*
 * Wait up to 20 s until @n generic-netlink sockets listen to a multicast
 * group (/proc/net/netlink: protocol 16, Groups not 0): the watchers of a
 * test, as nothing else in the VM listens.  A fixed sleep was not enough
 * on the debug kernel, where a watcher that joined late missed an event and
 * waited for it until the test timed out.  Groups shows only the first 32
 * groups: past them, this gives up after 20 s, as a sleep would.
 */
static void wait_listeners(int n)
{
	int tries, found = 0;

	for (tries = 0; tries < 200 && found < n; tries++) {
		FILE *f = fopen("/proc/net/netlink", "re");
		char line[256];
		unsigned int groups;
		int proto;

		found = 0;
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %d %*u %x", &proto, &groups) == 2 &&
			    proto == 16 && groups)
				found++;
		if (f)
			fclose(f);
		if (found < n)
			usleep(100 * 1000);
	}
}

static int64_t jint(json_object *o, const char *key)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, key, &v))
		return -1;
	return json_object_get_int64(v);
}

TEST_F_TIMEOUT(scavctl, commands_end_to_end_in_json, 120)
{
	json_object *j, *arr, *s, *cfg;
	char args[128], cmd[256], *out;
	FILE *f;
	int status, found = 0;
	size_t i;
	struct kid k;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	ASSERT_EQ(0, kid_start(&k, 11));

	j = scavctl_json("status", &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	ASSERT_TRUE(json_object_object_get_ex(j, "stats", &s));
	EXPECT_LE(KID_LEN, jint(s, "idle_bytes"));
	EXPECT_LE(1, jint(s, "sessions"));
	ASSERT_TRUE(json_object_object_get_ex(j, "config", &cfg));
	EXPECT_EQ(knob_read("idle_age_ms"), jint(cfg, "idle_age_ms"));
	json_object_put(j);

	j = scavctl_json("top -n 1 -s resident", &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	ASSERT_TRUE(json_object_object_get_ex(j, "sessions", &arr));
	for (i = 0; i < json_object_array_length(arr); i++) {
		s = json_object_array_get_idx(arr, i);
		if (jint(s, "pid") != k.pid)
			continue;
		found++;
		EXPECT_EQ(KID_LEN, jint(s, "idle_bytes"));
		EXPECT_EQ(KID_LEN, jint(s, "idle_resident_bytes"));
	}
	EXPECT_EQ(1, found);
	json_object_put(j);

	/* The human table: the kid holds half its anonymous memory idle. */
	snprintf(args, sizeof(args), "top -n 1 | grep -q '^ *%d .* \\[#####\\.\\.\\.\\.\\.\\] '",
		 k.pid);
	snprintf(cmd, sizeof(cmd), "scavctl %s", args);
	EXPECT_EQ(0, WEXITSTATUS(system(cmd))) TH_LOG("%s", cmd);

	/*
	 * rss --plot: each sample on its line as it comes, then gnuplot,
	 * which the VM lacks (the host's make check draws a plot).
	 */
	snprintf(cmd, sizeof(cmd),
		 "scavctl --json rss --plot /tmp/p.png -n 2 -d 1 %d 2>/tmp/plot.err | "
		 "grep -c '\"scav_idle_bytes\":%d}'", k.pid, (int)KID_LEN);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	out = read_all(f, &status);
	EXPECT_STREQ("2\n", out);
	free(out);
	EXPECT_EQ(0, WEXITSTATUS(system("grep -q 'apt install gnuplot-nox' /tmp/plot.err")));

	snprintf(args, sizeof(args), "rss %d", k.pid);
	j = scavctl_json(args, &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, jint(j, "sessions"));
	EXPECT_EQ(KID_LEN, jint(j, "scav_idle_resident_bytes"));
	EXPECT_LE(2 * KID_LEN, jint(j, "vm_rss_bytes"));
	EXPECT_EQ(jint(j, "vm_rss_bytes") - jint(j, "lazyfree_bytes") - KID_LEN,
		  jint(j, "honest_rss_bytes"));
	json_object_put(j);

	/* Long enough that the kid's memory does not age out before the reclaim. */
	j = scavctl_json("config idle_age_ms=4321000", &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	EXPECT_EQ(4321000, jint(j, "idle_age_ms"));
	EXPECT_EQ(4321000, knob_read("idle_age_ms"));
	json_object_put(j);
	j = scavctl_json("config idle_age_ms", &status);
	EXPECT_EQ(4321000, jint(j, "idle_age_ms"));
	json_object_put(j);

	snprintf(args, sizeof(args), "reclaim %d", k.pid);
	j = scavctl_json(args, &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	EXPECT_EQ(KID_LEN, jint(j, "bytes"));
	EXPECT_EQ(1, jint(j, "sessions"));
	json_object_put(j);
	j = scavctl_json("reclaim --all", &status);
	ASSERT_NE(NULL, j);
	EXPECT_EQ(0, status);
	EXPECT_LE(0, jint(j, "bytes"));
	json_object_put(j);
	EXPECT_EQ(0, kid_end(&k));

	j = scavctl_json("version", &status);
	EXPECT_EQ(0, status);
	EXPECT_EQ(SCAV_ABI_MAJOR, jint(j, "abi_major"));
	json_object_put(j);
	j = scavctl_json("stats", &status);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, jint(j, "idle_bytes"));
	json_object_put(j);
}

TEST_F_TIMEOUT(scavctl, watch_prints_events_as_json_lines, 120)
{
	char line[512];
	json_object *j;
	FILE *f;
	int fd, opens = 0, closes = 0, n = 0;
	int64_t last = 0;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	f = popen("scavctl --json watch -n 4", "r");
	ASSERT_NE(NULL, f);
	/* Once it has joined the group, four events. */
	wait_listeners(1);
	for (fd = 0; fd < 2; fd++)
		close(open(SCAV_DEVICE_PATH, O_RDWR));
	while (fgets(line, sizeof(line), f)) {
		j = json_tokener_parse(line);
		ASSERT_NE(NULL, j);
		if (last)
			EXPECT_EQ(last + 1, jint(j, "seq"));
		last = jint(j, "seq");
		{
			json_object *e;
			const char *name;

			ASSERT_TRUE(json_object_object_get_ex(j, "event", &e));
			name = json_object_get_string(e);
			opens += !strcmp(name, "open");
			closes += !strcmp(name, "close");
		}
		EXPECT_EQ(getpid(), jint(j, "pid"));
		json_object_put(j);
		n++;
	}
	EXPECT_EQ(0, pclose(f));
	EXPECT_EQ(4, n);
	EXPECT_EQ(2, opens);
	EXPECT_EQ(2, closes);
}

/*
 * A process names itself (prctl(PR_SET_NAME)), and scavctl prints the name
 * to root's terminal: ESC, BEL, a newline, a quote, a backslash and a byte
 * that is not UTF-8 must reach neither a terminal nor a JSON reader raw.
 */
#define HOSTILE_COMM		"a\033[2J\a\n\"\\\xff" "z"
#define HOSTILE_COMM_TEXT	"a\\x1b[2J\\x07\\x0a\"\\\\\\xffz"
#define HOSTILE_COMM_JSON	"a\033[2J\a\n\"\\\xef\xbf\xbd" "z"	/* as read back */

/* A child named HOSTILE_COMM with a session, until @to is closed. */
static pid_t hostile_start(int *to)
{
	int go[2], ready[2];
	pid_t pid;
	char c;

	/* Close-on-exec: no scavctl started meanwhile may keep the kid waiting. */
	if (pipe2(go, O_CLOEXEC) || pipe2(ready, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid == 0) {
		struct scav *s;

		close(go[1]);
		close(ready[0]);
		if (prctl(PR_SET_NAME, HOSTILE_COMM) || scav_open(&s, 0) ||
		    scav_is_fallback(s) || write(ready[1], "o", 1) != 1)
			_exit(1);
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	close(go[0]);
	close(ready[1]);
	*to = go[1];
	if (pid < 0 || read(ready[0], &c, 1) != 1)
		pid = -1;
	close(ready[0]);
	return pid;
}

static int has_raw_bytes(const char *out)
{
	return strchr(out, '\033') || strchr(out, '\a') || strchr(out, '\xff');
}

/*
 * How many lines of @out are the kid's, each with its name as it should
 * read; -1 if a line does not parse or names the kid otherwise.
 */
static int json_lines_name(const char *out, pid_t kid)
{
	char *copy = strdup(out), *line, *save;
	int n = 0;

	for (line = strtok_r(copy, "\n", &save); line && n >= 0;
	     line = strtok_r(NULL, "\n", &save)) {
		json_object *j = json_tokener_parse(line), *v;

		if (!j) {
			n = -1;
		} else if (jint(j, "pid") == kid) {
			n = json_object_object_get_ex(j, "comm", &v) &&
			    !strcmp(HOSTILE_COMM_JSON, json_object_get_string(v)) ? n + 1 : -1;
		}
		json_object_put(j);
	}
	free(copy);
	return n;
}

TEST_F_TIMEOUT(scavctl, escapes_process_names, 120)
{
	char *top, *top_json, *watch, *watch_json, line[64];
	FILE *wf, *wj, *f;
	json_object *j, *arr, *v;
	int to, status, found = 0;
	size_t i;
	pid_t kid;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	wf = popen("scavctl watch -n 2", "r");
	wj = popen("scavctl --json watch -n 2", "r");
	ASSERT_NE(NULL, wf);
	ASSERT_NE(NULL, wj);
	wait_listeners(2);	/* both, before the kid's session opens */
	kid = hostile_start(&to);
	ASSERT_LT(0, kid);

	f = popen("scavctl top -n 1", "r");
	ASSERT_NE(NULL, f);
	top = read_all(f, &status);
	EXPECT_EQ(0, status);
	f = popen("scavctl --json top -n 1", "r");
	ASSERT_NE(NULL, f);
	top_json = read_all(f, &status);
	EXPECT_EQ(0, status);
	close(to);
	ASSERT_EQ(kid, waitpid(kid, &status, 0));
	EXPECT_EQ(0, status);
	watch = read_all(wf, &status);
	EXPECT_EQ(0, status);
	watch_json = read_all(wj, &status);
	EXPECT_EQ(0, status);

	EXPECT_FALSE(has_raw_bytes(top));
	EXPECT_FALSE(has_raw_bytes(top_json));
	EXPECT_FALSE(has_raw_bytes(watch));
	EXPECT_FALSE(has_raw_bytes(watch_json));
	/* The kid's line holds the whole name, escaped: no newline split it. */
	snprintf(line, sizeof(line), "\n%8d " HOSTILE_COMM_TEXT " ", kid);
	EXPECT_NE(NULL, strstr(top, line));
	snprintf(line, sizeof(line), " pid %d (" HOSTILE_COMM_TEXT ") ", kid);
	EXPECT_NE(NULL, strstr(watch, line));

	j = json_tokener_parse(top_json);
	ASSERT_NE(NULL, j);
	ASSERT_TRUE(json_object_object_get_ex(j, "sessions", &arr));
	for (i = 0; i < json_object_array_length(arr); i++) {
		json_object *s = json_object_array_get_idx(arr, i);

		if (jint(s, "pid") != kid)
			continue;
		ASSERT_TRUE(json_object_object_get_ex(s, "comm", &v));
		EXPECT_STREQ(HOSTILE_COMM_JSON, json_object_get_string(v));
		found++;
	}
	EXPECT_EQ(1, found);
	json_object_put(j);
	/* Its session's open and close. */
	EXPECT_EQ(2, json_lines_name(watch_json, kid));
	free(top);
	free(top_json);
	free(watch);
	free(watch_json);
}

static int run_as_nobody(const char *cmd);

/* HOSTILE_COMM as a label value of scavctl metrics. */
#define HOSTILE_COMM_PROM \
	"a\\\\x1b[2J\\\\x07\\\\x0a\\\"\\\\\\\\\\\\xffz"

/* What scavctl @args prints (malloc'd), and its exit status. */
static char *scavctl_out(const char *args, int *status)
{
	char cmd[256];
	FILE *f;

	snprintf(cmd, sizeof(cmd), "scavctl %s", args);
	f = popen(cmd, "r");
	return f ? read_all(f, status) : NULL;
}

/*
 * The value of the sample of @name in Prometheus text @out whose labels
 * hold @label (NULL: a sample without labels); -1 if there is none, -2 if
 * there are several.
 */
static double prom_value(const char *out, const char *name, const char *label)
{
	size_t n = strlen(name);
	const char *p = out;
	double v = -1;
	int found = 0;

	for (; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		const char *end = strchr(p, '\n'), *sp;

		if (strncmp(p, name, n) || !end)
			continue;
		if (label ? p[n] != '{' : p[n] != ' ')
			continue;
		sp = memrchr(p, ' ', end - p);
		if (label && !memmem(p, sp - p, label, strlen(label)))
			continue;
		found++;
		v = strtod(sp + 1, NULL);
	}
	return found > 1 ? -2 : v;
}

/* How many samples of @name (with labels) @out holds. */
static int prom_count(const char *out, const char *name)
{
	char key[128];
	const char *p = out;
	int n = 0;

	snprintf(key, sizeof(key), "\n%s{", name);
	while ((p = strstr(p, key))) {
		n++;
		p++;
	}
	return n;
}

/*
 * scavctl metrics: the figures of the sessions it shows, the tunables in
 * base units, hostile names escaped, at most COUNT sessions, the walked
 * figures only for who may walk, and -o replacing the file whole.  The
 * output is printed as "# prom: " lines, which scripts/check.sh hands to
 * promtool on the host.
 */
TEST_F_TIMEOUT(scavctl, metrics_are_prometheus_text_of_the_real_figures, 120)
{
	const char *file = "/tmp/scav-metrics/scav.prom";
	char label[64], *out, *one, *none, *line, *save;
	struct stat stbuf;
	int to, status;
	struct kid k;
	pid_t hostile;
	FILE *f;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	ASSERT_EQ(0, kid_start(&k, 12));
	hostile = hostile_start(&to);
	ASSERT_LT(0, hostile);

	out = scavctl_out("metrics -n 100", &status);
	ASSERT_NE(NULL, out);
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, prom_value(out, "scav_up", NULL));
	EXPECT_LE(2, prom_value(out, "scav_sessions", NULL));
	EXPECT_LE(KID_LEN, prom_value(out, "scav_idle_bytes", NULL));
	EXPECT_LE(KID_LEN, prom_value(out, "scav_idle_resident_bytes", NULL));
	EXPECT_EQ(0, prom_value(out, "scav_cgroups_omitted", NULL));
	EXPECT_EQ(3600, prom_value(out, "scav_config_idle_age_seconds", NULL));
	EXPECT_EQ(knob_read("quota_ms_per_sec") / 1000.0,
		  prom_value(out, "scav_config_quota_cpu_ratio", NULL));
	EXPECT_EQ(knob_read("max_sessions_per_user"),
		  prom_value(out, "scav_config_max_sessions_per_user", NULL));
	snprintf(label, sizeof(label), ",pid=\"%d\",", k.pid);
	EXPECT_EQ(KID_LEN, prom_value(out, "scav_session_idle_bytes", label));
	EXPECT_EQ(KID_LEN, prom_value(out, "scav_session_idle_resident_bytes", label));
	EXPECT_LE(2 * KID_LEN - rss_lag_bytes(1),
		  prom_value(out, "scav_session_anon_rss_bytes", label));
	snprintf(label, sizeof(label), ",pid=\"%d\",comm=\"%s\",", hostile,
		 HOSTILE_COMM_PROM);
	EXPECT_EQ(0, prom_value(out, "scav_session_idle_bytes", label))
		TH_LOG("no sample labelled %s in:\n%s", label, out);
	EXPECT_EQ(NULL, strchr(out, '\033'));
	EXPECT_EQ(NULL, strchr(out, '\xff'));
	/* Families that sum over sessions add up (no session came or went). */
	EXPECT_EQ(prom_value(out, "scav_idle_bytes", NULL),
		  prom_value(out, "scav_cgroup_idle_bytes", "cgroup="));
	EXPECT_EQ(3, prom_count(out, "scav_reclaimed_bytes_total"));
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		printf("# prom: %s\n", line);
	fflush(stdout);

	/* -n COUNT: the sessions with the most idle memory, COUNT at most. */
	one = scavctl_out("metrics -n 1", &status);
	ASSERT_NE(NULL, one);
	EXPECT_EQ(0, status);
	EXPECT_EQ(1, prom_count(one, "scav_session_idle_bytes"));
	snprintf(label, sizeof(label), ",pid=\"%d\",", k.pid);
	EXPECT_EQ(KID_LEN, prom_value(one, "scav_session_idle_bytes", label));
	none = scavctl_out("metrics -n 0", &status);
	ASSERT_NE(NULL, none);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, prom_count(none, "scav_session_idle_bytes"));
	EXPECT_EQ(1, prom_value(none, "scav_up", NULL));
	free(one);
	free(none);

	/* A user who may not walk others' page tables gets the rest. */
	EXPECT_EQ(0, run_as_nobody("scavctl metrics | grep -q '^scav_up 1$'"));
	EXPECT_EQ(1, run_as_nobody("scavctl metrics | grep -q '^scav_idle_resident_bytes '"));

	/* -o FILE: replaced whole, readable by the collector, nothing left over. */
	mkdir("/tmp/scav-metrics", 0755);
	f = fopen(file, "w");
	ASSERT_NE(NULL, f);
	fputs("old\n", f);
	fclose(f);
	EXPECT_EQ(0, WEXITSTATUS(system("scavctl metrics -o /tmp/scav-metrics/scav.prom")));
	ASSERT_EQ(0, stat(file, &stbuf));
	EXPECT_EQ(0644, stbuf.st_mode & 07777);
	EXPECT_EQ(0, WEXITSTATUS(system("grep -q '^scav_up 1$' /tmp/scav-metrics/scav.prom")));
	EXPECT_EQ(1, WEXITSTATUS(system("grep -q '^old$' /tmp/scav-metrics/scav.prom")));
	EXPECT_EQ(0, WEXITSTATUS(system("test \"$(ls /tmp/scav-metrics)\" = scav.prom")));
	EXPECT_EQ(0, WEXITSTATUS(system(
		"scavctl metrics -o /tmp/scav-metrics/no/such.prom 2>&1 | grep -q 'No such file'")));
	EXPECT_EQ(1, WEXITSTATUS(system("scavctl metrics -o /tmp/scav-metrics/no/such.prom 2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("scavctl --json metrics 2>/dev/null")));
	unlink(file);
	rmdir("/tmp/scav-metrics");

	close(to);
	ASSERT_EQ(hostile, waitpid(hostile, &status, 0));
	EXPECT_EQ(0, kid_end(&k));
	free(out);
}

static int run_as_nobody(const char *cmd)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		if (become_nobody())
			_exit(100);
		execlp("sh", "sh", "-c", cmd, (char *)NULL);
		_exit(101);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

TEST_F(scavctl, fails_clearly)
{
	char cmd[128];
	long pid_max;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	/* Usage errors are 2, failures 1, and say what to do. */
	EXPECT_EQ(2, WEXITSTATUS(system("scavctl nonsense 2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("scavctl reclaim abc 2>/dev/null")));
	EXPECT_EQ(2, WEXITSTATUS(system("scavctl config no_such_knob 2>/dev/null")));
	EXPECT_EQ(1, WEXITSTATUS(system("scavctl config scan_interval_ms=1 2>/dev/null")));
	EXPECT_EQ(0, WEXITSTATUS(system(
		"scavctl config scan_interval_ms=1 2>&1 | grep -q 'takes values 10 to 3600000'")));
	/* Just below pid_max: in range, and free but for a fast wrap-around. */
	pid_max = file_value("/proc/sys/kernel/pid_max");
	ASSERT_LT(1, pid_max);
	snprintf(cmd, sizeof(cmd), "scavctl reclaim %ld 2>&1 | grep -q 'no process'",
		 pid_max - 1);
	EXPECT_EQ(0, WEXITSTATUS(system(cmd)));
	EXPECT_EQ(0, WEXITSTATUS(system(
		"scavctl reclaim 1 2>&1 | grep -q 'has no scav session'")));
	EXPECT_EQ(0, run_as_nobody("scavctl reclaim --all 2>&1 | grep -q 'CAP_SYS_ADMIN'"));
	EXPECT_EQ(1, run_as_nobody("scavctl reclaim --all"));
	EXPECT_EQ(1, run_as_nobody("scavctl watch -n 1"));
	EXPECT_EQ(0, run_as_nobody("scavctl status"));
	EXPECT_EQ(0, WEXITSTATUS(system("scavctl status | grep -q 'module: loaded'")));
	EXPECT_EQ(0, WEXITSTATUS(system("scavctl top -n 1 | grep -q 'PID'")));
}

/*
 * Every number on scavctl's command line is checked whole: a bad one is a
 * usage error (2) whose message names the option and the value.  No module
 * needed: the check comes first.
 */
TEST(bad_numbers_are_usage_errors)
{
	static const struct {
		const char *args, *what, *value;
	} bad[] = {
		{ "top -n x", "-n", "'x'" },
		{ "top -n -1", "-n", "'-1'" },
		{ "top -n 0", "-n", "'0'" },
		{ "top -n 1x", "-n", "'1x'" },
		{ "top -d x", "-d", "'x'" },
		{ "top -d 0", "-d", "'0'" },
		{ "top -n 1 -d ' 2'", "-d", "' 2'" },
		{ "watch -n 1x", "-n", "'1x'" },
		{ "watch -n -1", "-n", "'-1'" },
		{ "watch -n 99999999999999999999", "-n", "'99999999999999999999'" },
		{ "rss 12x", "PID", "'12x'" },
		{ "rss -5", "PID", "'-5'" },
		{ "rss 4294967297", "PID", "'4294967297'" },
		{ "reclaim 0x", "PID", "'0x'" },
		{ "reclaim 0", "PID", "'0'" },
		{ "reclaim 4194304", "PID", "'4194304'" },
		{ "metrics -n 101", "-n", "'101'" },
		{ "metrics -n x", "-n", "'x'" },
		{ "rss --plot /tmp/p.png -n 0 1", "-n", "'0'" },
		{ "rss --plot /tmp/p.png -d 3601 1", "-d", "'3601'" },
		{ "config idle_age_ms=12abc", "idle_age_ms", "'12abc'" },
		{ "config idle_age_ms=-1", "idle_age_ms", "'-1'" },
		{ "config idle_age_ms=0x10", "idle_age_ms", "'0x10'" },
		{ "config 'idle_age_ms= 5'", "idle_age_ms", "' 5'" },
		{ "config idle_age_ms=18446744073709551616", "idle_age_ms",
		  "'18446744073709551616'" },
	};
	char cmd[128], *err;
	size_t i;
	int status;
	FILE *f;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* stderr alone; stdout goes nowhere */
		snprintf(cmd, sizeof(cmd), "scavctl %s 2>&1 >/dev/null", bad[i].args);
		f = popen(cmd, "r");
		ASSERT_NE(NULL, f);
		err = read_all(f, &status);
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2)
			TH_LOG("scavctl %s: status %#x", bad[i].args, status);
		EXPECT_EQ(0, strncmp(err, "scavctl: ", 9))
			TH_LOG("scavctl %s said: %s", bad[i].args, err);
		EXPECT_NE(NULL, strstr(err, bad[i].what))
			TH_LOG("scavctl %s said: %s", bad[i].args, err);
		EXPECT_NE(NULL, strstr(err, bad[i].value))
			TH_LOG("scavctl %s said: %s", bad[i].args, err);
		free(err);
	}
}

/* --help lists every command, each at the start of a line of its own. */
TEST(help_lists_every_command)
{
	static const char *const cmds[] = {
		"status", "top", "reclaim", "config", "watch", "rss", "version",
		"stats", "metrics", "help",
	};
	char line[32], *out;
	size_t i;
	int status;
	FILE *f;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	f = popen("scavctl --help", "r");
	ASSERT_NE(NULL, f);
	out = read_all(f, &status);
	EXPECT_EQ(0, status);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(line, sizeof(line), "\n  %s ", cmds[i]);
		EXPECT_NE(NULL, strstr(out, line))
			TH_LOG("no '%s' in: %s", cmds[i], out);
	}
	free(out);
}

/* top -n COUNT refreshes COUNT times: one table, then two. */
TEST_F_TIMEOUT(scavctl, top_runs_count_times, 60)
{
	size_t i, n;
	char *out, *p;
	int status;
	FILE *f;

	if (system("command -v scavctl >/dev/null"))
		SKIP(return, "scavctl is not on PATH");
	for (i = 1; i <= 2; i++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "scavctl top -n %zu -d 1", i);
		f = popen(cmd, "r");
		ASSERT_NE(NULL, f);
		out = read_all(f, &status);
		EXPECT_EQ(0, status);
		for (n = 0, p = out; (p = strstr(p, "sessions,")); p++)
			n++;
		EXPECT_EQ(i, n) TH_LOG("%s printed: %s", cmd, out);
		free(out);
	}
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: MIT
/*
 * scavctl: look at scav and steer it from the command line.  Human output
 * by default, one JSON document per result with --json.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scav.h"
#include "scav_nl.h"
#include "scavctl_esc.h"

static int json;

/* The commands: scavctl COMMAND ARGS runs fn(argc, argv) with argv[0] COMMAND. */
struct command {
	const char *name;
	const char *args;	/* synopsis of the arguments, "" if none */
	const char *help;	/* one line or more, each ending in \n */
	int (*fn)(int argc, char **argv);
};

static const struct command *command_find(const char *name);
static void usage(FILE *f);

/* The kernel's extended-ACK text: libscav-nl keeps at most 255 bytes. */
#define KMSG_LEN	256

static void die(const char *what, int err, const char *kmsg)
{
	fprintf(stderr, "scavctl: %s: %s", what, strerror(-err));
	if (kmsg && *kmsg) {
		char esc[SCAVCTL_ESC_TEXT_SIZE(KMSG_LEN)];

		fprintf(stderr, " (%s)", scavctl_esc_text(kmsg, esc, sizeof(esc)));
	}
	fputc('\n', stderr);
	if (err == -ENOENT && !strcmp(what, "netlink"))
		fprintf(stderr, "scavctl: the scav module is not loaded (load it with "
			"'modprobe scav' or 'insmod scav.ko'), or this is not the\n"
			"scavctl: initial network namespace\n");
	else if (err == -EPERM || err == -EACCES)
		fprintf(stderr, "scavctl: this needs CAP_SYS_ADMIN: run it as root\n");
	exit(1);
}

static struct scav_nl *nl_open(unsigned int flags)
{
	struct scav_nl *n;
	int ret = scav_nl_open(&n, flags);

	if (ret)
		die(flags & SCAV_NL_EVENTS ? "joining the event group" : "netlink",
		    ret, NULL);
	return n;
}

/* "12.3 MiB": sizes a person reads at a glance. */
static const char *human(uint64_t v, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double d = v;
	int i = 0;

	while (d >= 1024 && i < 4) {
		d /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", v);
	else
		snprintf(buf, len, "%.1f %s", d, unit[i]);
	return buf;
}

/* A process name: the kernel's bytes, set by the process itself. */
#define COMM_LEN	sizeof(((struct scav_nl_session *)0)->comm)

static void json_comm(const char *comm)
{
	char esc[SCAVCTL_ESC_JSON_SIZE(COMM_LEN)];

	fputs(scavctl_esc_json(comm, esc, sizeof(esc)), stdout);
}

/*
 * A usage error in the arguments of @cmd (argv[0] of its handler): its
 * synopsis on stderr; the exit status, 2.
 */
static int bad_args(const char *cmd)
{
	const struct command *c = command_find(cmd);

	fprintf(stderr, "usage: scavctl [--json] %s%s%s\n", c->name,
		*c->args ? " " : "", c->args);
	return 2;
}

/*
 * @s, the value given for @what (an option or argument of @cmd), as a
 * number from @min to @max: decimal digits only (no sign, no blanks, no
 * trailing bytes).  Anything else is a usage error that names @what and
 * the value, and scavctl exits 2.
 */
static uint64_t parse_num(const char *cmd, const char *what, const char *s,
			  uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		char esc[SCAVCTL_ESC_TEXT_SIZE(64)];

		fprintf(stderr, "scavctl: %s %s: '%s' is not a number from %" PRIu64
			" to %" PRIu64 "\n", cmd, what,
			scavctl_esc_text(s, esc, sizeof(esc)), min, max);
		exit(2);
	}
	return v;
}

/* The kernel's PID_MAX_LIMIT on 64-bit: process IDs are below it. */
#define SCAV_PID_LIMIT	(4 * 1024 * 1024)

static uint32_t parse_pid(const char *cmd, const char *s)
{
	return parse_num(cmd, "PID", s, 1, SCAV_PID_LIMIT - 1);
}

/* cgroups: a memory cgroup's ID is the inode number of its cgroup2 directory */

struct cgroups {
	char root[256];		/* where cgroup2 is mounted, or "" */
	struct cg { uint64_t id; char *path; } *v;
	size_t nr, cap;
};

static struct cgroups *cg_walk;

static int cg_add(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	struct cgroups *c = cg_walk;
	const char *rel = path + strlen(c->root);

	(void)ftw;
	if (type != FTW_D)
		return 0;
	if (c->nr == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		void *v = realloc(c->v, cap * sizeof(*c->v));

		if (!v)
			return 1;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->nr].id = st->st_ino;
	c->v[c->nr].path = strdup(*rel ? rel : "/");
	if (!c->v[c->nr].path)
		return 1;
	c->nr++;
	return 0;
}

/* Every cgroup under @under (a path in the cgroup2 mount, or NULL: all). */
static int cgroups_read(struct cgroups *c, const char *under)
{
	char line[512], dir[512];
	FILE *f = fopen("/proc/self/mounts", "r");

	memset(c, 0, sizeof(*c));
	while (f && fgets(line, sizeof(line), f)) {
		char mnt[256], type[32];

		if (sscanf(line, "%*s %255s %31s", mnt, type) == 2 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(c->root, sizeof(c->root), "%s", mnt);
			break;
		}
	}
	if (f)
		fclose(f);
	if (!c->root[0])
		return -ENOENT;
	if (!under)
		snprintf(dir, sizeof(dir), "%s", c->root);
	else if (!strncmp(under, c->root, strlen(c->root)))
		snprintf(dir, sizeof(dir), "%s", under);
	else
		snprintf(dir, sizeof(dir), "%s/%s", c->root, under[0] == '/' ? under + 1 : under);
	cg_walk = c;
	if (nftw(dir, cg_add, 16, FTW_PHYS | FTW_MOUNT))
		return errno ? -errno : -ENOMEM;
	return 0;
}

static void cgroups_free(struct cgroups *c)
{
	size_t i;

	for (i = 0; i < c->nr; i++)
		free(c->v[i].path);
	free(c->v);
}

/* A cgroup's path below the mount, or NULL if it is not in @c. */
static const char *cg_path(const struct cgroups *c, uint64_t id)
{
	size_t i;

	for (i = 0; id && i < c->nr; i++)
		if (c->v[i].id == id)
			return c->v[i].path;
	return NULL;
}

/* status */

struct field {
	const char *name;
	uint64_t v;
	int bytes;
};

/* Figures of bytes print as sizes, the others as counts. */
static int is_bytes(const char *name)
{
	size_t n = strlen(name);

	return n > 6 && !strcmp(name + n - 6, "_bytes");
}

#define NO_FIELD(name, stat, walk)

/* Fields without a name are left out. */
static void print_fields(const struct field *f, size_t n, int indent)
{
	char buf[32];
	size_t i;
	int first = 1;

	for (i = 0; i < n; i++) {
		if (!f[i].name)
			continue;
		if (json)
			printf("%s\"%s\":%" PRIu64, first ? "" : ",", f[i].name, f[i].v);
		else if (f[i].bytes)
			printf("%*s%-26s %s\n", indent, "", f[i].name,
			       human(f[i].v, buf, sizeof(buf)));
		else
			printf("%*s%-26s %" PRIu64 "\n", indent, "", f[i].name, f[i].v);
		first = 0;
	}
}

static void print_config(const struct scav_nl_config *c, unsigned int only)
{
	unsigned int k, first = 1;

	for (k = 0; k < SCAV_NL_CONF_SLOTS; k++) {
		const char *name = scav_nl_config_name(k);

		if (!name || !(c->present & (1u << k)) || (only && k != only))
			continue;
		if (json)
			printf("%s\"%s\":%" PRIu64, first ? "" : ",", name, c->value[k]);
		else
			printf("  %-26s %" PRIu64 "\n", name, c->value[k]);
		first = 0;
	}
}

/* status: the module-wide figures */
static int status_module(void)
{
	struct scav_nl *n = nl_open(0);
	struct scav_nl_config c;
	struct scav_nl_stats st;
	int ret, walked = 1;

	/* The resident figures of everybody's memory need CAP_SYS_PTRACE. */
	ret = scav_nl_stats(n, SCAV_STATS_RESIDENT, &st);
	if (ret == -EPERM) {
		walked = 0;
		ret = scav_nl_stats(n, 0, &st);
	}
	if (ret)
		die("status", ret, scav_nl_errmsg(n));
	ret = scav_nl_config_get(n, &c);
	if (ret)
		die("status", ret, scav_nl_errmsg(n));
	{
		/* The walked figures only when they were walked. */
#define STATUS_FIELD(name, stat, walk) \
			{ (walk) && !walked ? NULL : #name, st.name, is_bytes(#name) },
		const struct field f[] = {
			SCAV_FIGURES(STATUS_FIELD, NO_FIELD, STATUS_FIELD)
			{ "event_seq", st.event_seq, 0 },
		};

		if (json) {
			printf("{\"module\":\"loaded\",\"genl_version\":%d,\"config\":{",
			       SCAV_GENL_VERSION);
			print_config(&c, 0);
			printf("},\"stats\":{");
			print_fields(f, sizeof(f) / sizeof(f[0]), 0);
			printf("}}\n");
		} else {
			printf("module: loaded (%s, netlink family \"%s\" version %d)\n",
			       access(SCAV_DEVICE_PATH, F_OK) ? "no device node" :
			       SCAV_DEVICE_PATH, SCAV_GENL_NAME, SCAV_GENL_VERSION);
			printf("config:\n");
			print_config(&c, 0);
			printf("figures:\n");
			print_fields(f, sizeof(f) / sizeof(f[0]), 2);
		}
	}
	scav_nl_close(n);
	return 0;
}

/*
 * status --cgroup PATH: the sessions whose processes are in the cgroup or
 * below it, summed (those the caller may see: its own without
 * CAP_SYS_PTRACE).
 */
static int status_cgroup(const char *path)
{
	uint64_t idle = 0, res = 0, by[3] = { 0 };
	struct scav_nl_session *v;
	struct cgroups c;
	struct scav_nl *n;
	size_t nr, i, in = 0;
	int ret;

	ret = cgroups_read(&c, path);
	if (ret)
		die(path, ret, NULL);
	n = nl_open(0);
	ret = scav_nl_sessions(n, SCAV_STATS_RESIDENT, &v, &nr);
	if (ret < 0)
		die("status", ret, scav_nl_errmsg(n));
	for (i = 0; i < nr; i++) {
		const struct scav_stats *st = &v[i].stats;

		if (!cg_path(&c, v[i].cgroup_id))
			continue;
		in++;
		idle += st->idle_bytes;
		res += st->idle_resident_bytes;
		by[0] += st->reclaimed_request_bytes;
		by[1] += st->reclaimed_age_bytes;
		by[2] += st->reclaimed_pressure_bytes;
	}
	{
		const struct field f[] = {
			{ "sessions", in, 0 },
			{ "idle_bytes", idle, 1 },
			{ "idle_resident_bytes", res, 1 },
			{ "reclaimed_request_bytes", by[0], 1 },
			{ "reclaimed_age_bytes", by[1], 1 },
			{ "reclaimed_pressure_bytes", by[2], 1 },
		};
		char esc[SCAVCTL_ESC_JSON_SIZE(512)];

		if (json) {
			printf("{\"cgroup\":");
			fputs(scavctl_esc_json(c.nr ? c.v[0].path : path, esc, sizeof(esc)),
			      stdout);
			printf(",\"cgroups\":%zu,\"stats\":{", c.nr);
			print_fields(f, sizeof(f) / sizeof(f[0]), 0);
			printf("}}\n");
		} else {
			printf("cgroup %s and %zu below it:\n",
			       scavctl_esc_text(c.nr ? c.v[0].path : path, esc, sizeof(esc)),
			       c.nr ? c.nr - 1 : 0);
			print_fields(f, sizeof(f) / sizeof(f[0]), 2);
		}
	}
	free(v);
	cgroups_free(&c);
	scav_nl_close(n);
	return 0;
}

static int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cgroup", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cgroup = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt != 'c')
			return bad_args(argv[0]);
		cgroup = optarg;
	}
	if (optind != argc)
		return bad_args(argv[0]);
	return cgroup ? status_cgroup(cgroup) : status_module();
}

/* top */

static int sort_resident;

static int by_idle(const void *a, const void *b)
{
	const struct scav_stats *x = &((const struct scav_nl_session *)a)->stats;
	const struct scav_stats *y = &((const struct scav_nl_session *)b)->stats;
	uint64_t u = sort_resident ? x->idle_resident_bytes : x->idle_bytes;
	uint64_t v = sort_resident ? y->idle_resident_bytes : y->idle_bytes;

	return u < v ? 1 : u > v ? -1 : 0;
}

/* A session's figures (SCAV_FIGURES), and their sum over causes. */
#define SESSION_FIELD(name, stat, walk)	{ #name, st->name, is_bytes(#name) },
#define ONE_FIELD(name, stat, walk)	+ 1
#define SESSION_FIELDS	(SCAV_FIGURES(ONE_FIELD, ONE_FIELD, NO_FIELD) + 1)

static void session_fields(const struct scav_stats *st, struct field *f)
{
	const struct field t[] = {
		SCAV_FIGURES(SESSION_FIELD, SESSION_FIELD, NO_FIELD)
		{ "reclaimed_bytes", st->reclaimed_bytes, 1 },
	};

	memcpy(f, t, sizeof(t));
}

/* A cgroup's path for people (escaped), its ID if unknown, "-" if none. */
static const char *cg_label(const struct cgroups *c, uint64_t id, char *buf,
			    size_t len)
{
	const char *p = cg_path(c, id);

	if (p)
		return scavctl_esc_text(p, buf, len);
	if (!id)
		return "-";
	snprintf(buf, len, "%" PRIu64, id);
	return buf;
}

static void print_session_json(const struct scav_nl_session *s,
			       const struct cgroups *c)
{
	struct field f[SESSION_FIELDS];
	const char *cg = cg_path(c, s->cgroup_id);
	char esc[SCAVCTL_ESC_JSON_SIZE(256)];

	session_fields(&s->stats, f);
	printf("{\"id\":%" PRIu64 ",\"pid\":%u,\"comm\":", s->id, s->pid);
	json_comm(s->comm);
	printf(",\"cgroup_id\":%" PRIu64 ",\"cgroup\":", s->cgroup_id);
	if (cg)
		fputs(scavctl_esc_json(cg, esc, sizeof(esc)), stdout);
	else
		fputs("null", stdout);
	putchar(',');
	print_fields(f, SESSION_FIELDS, 0);
	putchar('}');
}

/*
 * How much of a process's anonymous RSS its session holds idle, at a
 * glance: ten cells, one # per tenth (rounded), "[###.......]".
 */
static const char *idle_bar(uint64_t idle, uint64_t rss, char *buf)
{
	unsigned int n = rss ? (unsigned int)((idle * 10 + rss / 2) / rss) : 0, i;

	if (n > 10)
		n = 10;
	buf[0] = '[';
	for (i = 0; i < 10; i++)
		buf[1 + i] = i < n ? '#' : '.';
	buf[11] = ']';
	buf[12] = '\0';
	return buf;
}

static int cmd_top(int argc, char **argv)
{
	int count = -1, delay = 2, opt, tty = isatty(1), iter;
	struct scav_nl *n;

	optind = 1;
	while ((opt = getopt(argc, argv, "s:n:d:")) != -1) {
		switch (opt) {
		case 's':
			if (strcmp(optarg, "idle") && strcmp(optarg, "resident")) {
				char esc[SCAVCTL_ESC_TEXT_SIZE(64)];

				fprintf(stderr, "scavctl: top -s: takes idle or resident, not '%s'\n",
					scavctl_esc_text(optarg, esc, sizeof(esc)));
				return 2;
			}
			sort_resident = !strcmp(optarg, "resident");
			break;
		case 'n':
			count = parse_num(argv[0], "-n", optarg, 1, INT_MAX);
			break;
		case 'd':
			delay = parse_num(argv[0], "-d", optarg, 1, INT_MAX);
			break;
		default:
			return bad_args(argv[0]);
		}
	}
	if (optind != argc)
		return bad_args(argv[0]);
	n = nl_open(0);
	for (iter = 0; count < 0 || iter < count; iter++) {
		struct scav_nl_session *v;
		struct cgroups cgs;
		uint64_t idle = 0, res = 0;
		size_t nr, i;
		char a[32], b[32], c[32], d[32], e[32];
		int ret;

		if (iter)
			sleep(delay);
		ret = scav_nl_sessions(n, SCAV_STATS_RESIDENT, &v, &nr);
		if (ret < 0)
			die("top", ret, scav_nl_errmsg(n));
		/* Without cgroup2 mounted, IDs stay numbers. */
		cgroups_read(&cgs, NULL);
		qsort(v, nr, sizeof(*v), by_idle);
		if (json) {
			printf("{\"sessions\":[");
			for (i = 0; i < nr; i++) {
				if (i)
					putchar(',');
				print_session_json(&v[i], &cgs);
			}
			printf("]}\n");
			fflush(stdout);
			free(v);
			cgroups_free(&cgs);
			continue;
		}
		for (i = 0; i < nr; i++) {
			idle += v[i].stats.idle_bytes;
			res += v[i].stats.idle_resident_bytes;
		}
		if (tty)
			printf("\033[H\033[J");
		printf("scav: %zu sessions, %s idle, %s of it resident%s\n\n", nr,
		       human(idle, a, sizeof(a)), human(res, b, sizeof(b)),
		       ret ? " (sessions changed while listed)" : "");
		printf("%8s %-15s %11s %11s %11s %11s %11s %7s %-12s %s\n", "PID", "COMMAND",
		       "IDLE", "RES-IDLE", "ANON-RSS", "USED-RSS", "RECLAIMED", "RANGES",
		       "IDLE/ANON", "CGROUP");
		for (i = 0; i < nr; i++) {
			const struct scav_stats *st = &v[i].stats;
			char comm[SCAVCTL_ESC_TEXT_SIZE(COMM_LEN)];
			char cg[SCAVCTL_ESC_TEXT_SIZE(256)], bar[16];

			printf("%8u %-15s %11s %11s %11s %11s %11s %7" PRIu64 " %-12s %s\n",
			       v[i].pid, scavctl_esc_text(v[i].comm, comm, sizeof(comm)),
			       human(st->idle_bytes, a, sizeof(a)),
			       human(st->idle_resident_bytes, b, sizeof(b)),
			       human(st->anon_rss_bytes, c, sizeof(c)),
			       human(st->used_rss_bytes, d, sizeof(d)),
			       human(st->reclaimed_bytes, e, sizeof(e)),
			       (uint64_t)st->nr_ranges,
			       idle_bar(st->idle_resident_bytes, st->anon_rss_bytes, bar),
			       cg_label(&cgs, v[i].cgroup_id, cg, sizeof(cg)));
		}
		fflush(stdout);
		free(v);
		cgroups_free(&cgs);
	}
	scav_nl_close(n);
	return 0;
}

/* reclaim */

static int cmd_reclaim(int argc, char **argv)
{
	uint32_t pid = 0, sessions;
	struct scav_nl *n;
	uint64_t bytes;
	char buf[32], what[48];
	int ret;

	if (argc != 2)
		return bad_args(argv[0]);
	if (strcmp(argv[1], "--all"))
		pid = parse_pid(argv[0], argv[1]);
	n = nl_open(0);
	ret = scav_nl_reclaim(n, pid, pid ? 0 : SCAV_NL_RECLAIM_ALL, &bytes, &sessions);
	if (ret == -ESRCH) {
		fprintf(stderr, "scavctl: reclaim: no process %u\n", pid);
		return 1;
	}
	if (ret == -ENOENT && pid) {
		fprintf(stderr, "scavctl: reclaim: process %u has no scav session\n", pid);
		return 1;
	}
	if (ret)
		die("reclaim", ret, scav_nl_errmsg(n));
	if (json)
		printf("{\"pid\":%u,\"bytes\":%" PRIu64 ",\"sessions\":%u}\n",
		       pid, bytes, sessions);
	else {
		if (pid)
			snprintf(what, sizeof(what), "process %u", pid);
		else
			snprintf(what, sizeof(what), "all processes");
		printf("reclaimed %s from %u session%s of %s\n",
		       human(bytes, buf, sizeof(buf)), sessions,
		       sessions == 1 ? "" : "s", what);
	}
	scav_nl_close(n);
	return 0;
}

/* config */

static int cmd_config(int argc, char **argv)
{
	struct scav_nl_config c, now, set = { 0 };
	unsigned int only = 0;
	struct scav_nl *n;
	int i, ret;

	for (i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		int key;

		if (eq)
			*eq = '\0';
		key = scav_nl_config_key(argv[i]);
		if (key < 0) {
			fprintf(stderr, "scavctl: config: no tunable '%s' "
				"(scavctl config lists them)\n", argv[i]);
			return 2;
		}
		if (!eq) {
			if (argc != 2) {
				fprintf(stderr, "scavctl: config: give KEY alone, "
					"or KEY=VALUE pairs\n");
				return 2;
			}
			only = key;
			continue;
		}
		set.value[key] = parse_num(argv[0], argv[i], eq + 1, 0, UINT64_MAX);
		set.present |= 1u << key;
	}
	n = nl_open(0);
	if (set.present) {
		ret = scav_nl_config_set(n, &set, &now);
		if (ret)
			die("config", ret, scav_nl_errmsg(n));
		c = now;
	} else {
		ret = scav_nl_config_get(n, &c);
		if (ret)
			die("config", ret, scav_nl_errmsg(n));
	}
	if (only && !json) {
		printf("%" PRIu64 "\n", c.value[only]);
	} else {
		if (json)
			putchar('{');
		print_config(&c, only);
		if (json)
			printf("}\n");
	}
	scav_nl_close(n);
	return 0;
}

/* watch */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void print_event(const struct scav_nl_event *ev)
{
	const char *name = scav_nl_event_name(ev->type);
	const char *cause = scav_nl_cause_name(ev->cause);
	char buf[32], comm[SCAVCTL_ESC_TEXT_SIZE(COMM_LEN)];

	if (json) {
		printf("{\"seq\":%" PRIu64 ",\"event\":\"%s\"", ev->seq,
		       name ? name : "unknown");
		if (ev->type != SCAV_EVENT_PRESSURE) {
			printf(",\"pid\":%u,\"session\":%" PRIu64 ",\"comm\":",
			       ev->pid, ev->session_id);
			json_comm(ev->comm);
		}
		if (ev->type == SCAV_EVENT_RECLAIM || ev->type == SCAV_EVENT_PRESSURE)
			printf(",\"bytes\":%" PRIu64, ev->bytes);
		if (ev->type == SCAV_EVENT_RECLAIM)
			printf(",\"cause\":\"%s\"", cause ? cause : "unknown");
		if (ev->cgroup_id)
			printf(",\"cgroup_id\":%" PRIu64, ev->cgroup_id);
		printf("}\n");
		return;
	}
	printf("%8" PRIu64 "  %-8s", ev->seq, name ? name : "unknown");
	if (ev->type == SCAV_EVENT_PRESSURE)
		printf("  memory reclaim asked; %s idle held kept",
		       human(ev->bytes, buf, sizeof(buf)));
	else
		printf("  pid %u (%s) session %" PRIu64, ev->pid,
		       scavctl_esc_text(ev->comm, comm, sizeof(comm)), ev->session_id);
	if (ev->type == SCAV_EVENT_RECLAIM)
		printf(": %s discarded (%s)", human(ev->bytes, buf, sizeof(buf)),
		       cause ? cause : "unknown");
	if (ev->cgroup_id)
		printf(" in cgroup %" PRIu64, ev->cgroup_id);
	putchar('\n');
}

static int cmd_watch(int argc, char **argv)
{
	struct scav_nl *n;
	uint64_t last = 0;
	long count = -1, seen = 0;
	int opt;

	optind = 1;
	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			return bad_args(argv[0]);
		count = parse_num(argv[0], "-n", optarg, 1, INT_MAX);
	}
	if (optind != argc)
		return bad_args(argv[0]);
	n = nl_open(SCAV_NL_EVENTS);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!json)
		printf("%8s  %-8s  %s\n", "SEQ", "EVENT", "DETAILS");
	fflush(stdout);
	while (!stop && (count < 0 || seen < count)) {
		struct pollfd p = { .fd = scav_nl_fd(n), .events = POLLIN };
		struct scav_nl_event ev;
		int ret;

		ret = scav_nl_event_read(n, &ev);
		if (ret == 0) {
			poll(&p, 1, 1000);
			continue;
		}
		if (ret == -ENOBUFS) {
			if (json)
				printf("{\"event\":\"overrun\"}\n");
			else
				printf("-- events lost: the socket overflowed\n");
			continue;
		}
		if (ret < 0)
			die("watch", ret, NULL);
		if (last && ev.seq > last + 1) {
			if (json)
				printf("{\"event\":\"lost\",\"count\":%" PRIu64 "}\n",
				       ev.seq - last - 1);
			else
				printf("-- %" PRIu64 " events lost\n", ev.seq - last - 1);
		}
		last = ev.seq;
		print_event(&ev);
		fflush(stdout);
		seen++;
	}
	scav_nl_close(n);
	return 0;
}

/* rss */

/* A "Name:   N kB" line of a /proc file, in bytes; -errno if unreadable. */
static int64_t proc_kb(uint32_t pid, const char *file, const char *name)
{
	char path[64], line[256];
	size_t len = strlen(name);
	int64_t v = -ENOENT;
	char *end;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, name, len) && line[len] == ':') {
			errno = 0;
			v = strtoll(line + len + 1, &end, 10);
			v = errno || v < 0 || v > INT64_MAX / 1024 ||
			    strcmp(end, " kB\n") ? -EIO : v * 1024;
			break;
		}
	if (ferror(f))
		v = -errno;
	fclose(f);
	return v;
}

/* A process's memory as cmd_rss shows it. */
struct rss_fig {
	int64_t rss, lazy;
	uint64_t idle, idle_res, idle_lazy, honest;
	int sessions, module;
};

/* Measure @pid; 1 (and a message) if it cannot be read, or is gone. */
static int rss_measure(uint32_t pid, struct rss_fig *f)
{
	struct scav_nl_session *v = NULL;
	struct scav_nl *n;
	size_t nr = 0, i;
	int ret;

	memset(f, 0, sizeof(*f));
	f->module = 1;
	f->rss = proc_kb(pid, "status", "VmRSS");
	if (f->rss == -ENOENT && access("/proc/self", F_OK) == 0) {
		fprintf(stderr, "scavctl: rss: no process %u (or it has no memory: "
			"a kernel thread)\n", pid);
		return 1;
	}
	f->lazy = proc_kb(pid, "smaps_rollup", "LazyFree");
	if (f->rss < 0 || f->lazy < 0) {
		fprintf(stderr, "scavctl: rss: cannot read /proc/%u: %s%s\n", pid,
			strerror((int)-(f->rss < 0 ? f->rss : f->lazy)),
			(f->rss == -EACCES || f->lazy == -EACCES) ?
			" (run as root or as the process's owner)" : "");
		return 1;
	}
	ret = scav_nl_open(&n, 0);
	if (ret == -ENOENT) {
		f->module = 0;
	} else if (ret) {
		die("netlink", ret, NULL);
	} else {
		ret = scav_nl_sessions(n, SCAV_STATS_RESIDENT, &v, &nr);
		if (ret < 0)
			die("rss", ret, scav_nl_errmsg(n));
		scav_nl_close(n);
	}
	for (i = 0; i < nr; i++) {
		if (v[i].pid != pid)
			continue;
		f->sessions++;
		f->idle += v[i].stats.idle_bytes;
		f->idle_res += v[i].stats.idle_resident_bytes;
		f->idle_lazy += v[i].stats.lazyfree_bytes;
	}
	free(v);
	/*
	 * The honest RSS, as scavctl(8) defines it; not the sessions'
	 * used_rss_bytes, which leave out file and shmem pages.  LazyFree
	 * covers scav's lazily freed idle pages too: count them once.
	 */
	f->honest = f->rss - f->lazy - (f->idle_res - f->idle_lazy);
	if ((int64_t)f->honest < 0)
		f->honest = 0;
	return 0;
}

/* A gnuplot string in single quotes: a quote inside is doubled. */
static void gp_string(FILE *g, const char *s)
{
	fputc('\'', g);
	for (; *s; s++) {
		if (*s == '\'')
			fputc('\'', g);
		fputc(*s, g);
	}
	fputc('\'', g);
}

/*
 * rss PID --plot FILE: sample @count times, every @delay seconds (or until
 * the process ends), one line each as it comes, then have gnuplot draw
 * VmRSS, the honest RSS and scav's idle memory over time into FILE (PNG).
 */
static int rss_plot(uint32_t pid, const char *file, int count, int delay)
{
	struct rss_fig *f = calloc(count, sizeof(*f));
	char comm[COMM_LEN + 1] = "", path[64], esc[SCAVCTL_ESC_TEXT_SIZE(COMM_LEN)];
	char a[32], b[32], c[32];
	int i, got = 0, status;
	FILE *g;

	if (!f)
		die("rss", -ENOMEM, NULL);
	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	g = fopen(path, "r");
	if (g) {
		if (fgets(comm, sizeof(comm), g))
			comm[strcspn(comm, "\n")] = '\0';
		fclose(g);
	}
	for (i = 0; i < count; i++) {
		if (i)
			sleep(delay);
		if (rss_measure(pid, &f[i])) {
			if (!i)
				return 1;
			break;
		}
		got++;
		if (json)
			printf("{\"t\":%d,\"vm_rss_bytes\":%" PRId64 ",\"honest_rss_bytes\":%"
			       PRIu64 ",\"scav_idle_bytes\":%" PRIu64 "}\n", i * delay,
			       f[i].rss, f[i].honest, f[i].idle);
		else
			printf("%6d s  VmRSS %10s  honest %10s  scav idle %10s\n", i * delay,
			       human(f[i].rss, a, sizeof(a)), human(f[i].honest, b, sizeof(b)),
			       human(f[i].idle, c, sizeof(c)));
		fflush(stdout);
	}
	/* A gnuplot that is missing or dies must not kill scavctl. */
	signal(SIGPIPE, SIG_IGN);
	g = popen("gnuplot", "w");
	if (!g)
		die("gnuplot", -errno, NULL);
	fprintf(g, "set terminal pngcairo size 900,500 noenhanced\nset output ");
	gp_string(g, file);
	fprintf(g, "\nset title ");
	snprintf(path, sizeof(path), "process %u (", pid);
	{
		char title[sizeof(path) + sizeof(esc) + 2];

		snprintf(title, sizeof(title), "%s%s)", path,
			 scavctl_esc_text(comm, esc, sizeof(esc)));
		gp_string(g, title);
	}
	fprintf(g, "\nset xlabel 's'\nset ylabel 'MiB'\nset key outside right\n"
		"set grid\nset yrange [0:*]\nset style data lines\n$d << EOD\n");
	for (i = 0; i < got; i++)
		fprintf(g, "%d %.3f %.3f %.3f %.3f\n", i * delay, f[i].rss / 1048576.0,
			f[i].honest / 1048576.0, f[i].idle / 1048576.0,
			f[i].idle_res / 1048576.0);
	fprintf(g, "EOD\nplot $d using 1:2 title 'VmRSS' lw 2, "
		"$d using 1:3 title 'honest RSS' lw 2, "
		"$d using 1:4 title 'scav idle' lw 2, "
		"$d using 1:5 title 'scav idle, resident' dt 2 lw 2\n");
	free(f);
	fflush(g);
	status = pclose(g);
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "scavctl: rss --plot: gnuplot failed%s\n",
			status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 127 ?
			" (not installed: apt install gnuplot-nox)" : "");
		return 1;
	}
	if (!json)
		printf("plotted %d samples into %s\n", got, file);
	return 0;
}

static int cmd_rss(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "plot", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 }
	};
	const char *plot = NULL;
	int count = -1, delay = -1, opt;
	struct rss_fig f;
	uint32_t pid;
	char a[32];

	optind = 1;
	/* A lone argument is the PID, even one that looks like an option. */
	while (argc != 2 && (opt = getopt_long(argc, argv, "n:d:", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			plot = optarg;
			break;
		case 'n':
			count = parse_num(argv[0], "-n", optarg, 1, 100000);
			break;
		case 'd':
			delay = parse_num(argv[0], "-d", optarg, 1, 3600);
			break;
		default:
			return bad_args(argv[0]);
		}
	}
	/* -n and -d only say how to sample for a plot. */
	if (optind != argc - 1 || (!plot && (count > 0 || delay > 0)))
		return bad_args(argv[0]);
	pid = parse_pid(argv[0], argv[optind]);
	if (plot)
		return rss_plot(pid, plot, count > 0 ? count : 60, delay > 0 ? delay : 1);
	if (rss_measure(pid, &f))
		return 1;
	if (json) {
		printf("{\"pid\":%u,\"module\":%s,\"sessions\":%d,\"vm_rss_bytes\":%" PRId64
		       ",\"lazyfree_bytes\":%" PRId64 ",\"scav_idle_bytes\":%" PRIu64
		       ",\"scav_idle_resident_bytes\":%" PRIu64
		       ",\"scav_lazyfree_bytes\":%" PRIu64 ",\"honest_rss_bytes\":%" PRIu64 "}\n",
		       pid, f.module ? "true" : "false", f.sessions, f.rss, f.lazy, f.idle,
		       f.idle_res, f.idle_lazy, f.honest);
		return 0;
	}
	printf("process %u: %d scav session%s%s\n", pid, f.sessions,
	       f.sessions == 1 ? "" : "s", f.module ? "" : " (module not loaded)");
	printf("  %-28s %s\n", "VmRSS", human(f.rss, a, sizeof(a)));
	printf("  %-28s %s\n", "LazyFree (smaps_rollup)", human(f.lazy, a, sizeof(a)));
	printf("  %-28s %s\n", "scav idle", human(f.idle, a, sizeof(a)));
	printf("  %-28s %s\n", "scav idle, resident", human(f.idle_res, a, sizeof(a)));
	printf("  %-28s %s\n", "scav idle, lazily freed", human(f.idle_lazy, a, sizeof(a)));
	printf("  %-28s %s\n", "honest RSS", human(f.honest, a, sizeof(a)));
	return 0;
}

/* version, stats: scavctl's own session on /dev/scav */

static struct scav *device_open(void)
{
	struct scav *s;
	int ret = scav_open(&s, 0);

	if (ret)
		die(SCAV_DEVICE_PATH, ret, NULL);
	return s;
}

static void print_version(const struct scav *s, const struct scav_version *v)
{
	int fb = scav_is_fallback(s);
	char a[32], b[32];

	if (json) {
		printf("{\"mode\":\"%s\",\"abi_major\":%u,\"abi_minor\":%u,"
		       "\"features\":%llu,\"max_ranges_per_call\":%u,"
		       "\"max_ranges\":%u,\"page_size\":%u,\"map_max_regions\":%u,"
		       "\"map_max_region_bytes\":%llu,\"map_max_bytes_per_user\":%llu,"
		       "\"map_chunk_pages\":%u,\"map_word_bytes\":%u}\n",
		       fb ? "fallback" : "module", v->abi_major, v->abi_minor,
		       (unsigned long long)v->features, v->max_ranges_per_call,
		       v->max_ranges, v->page_size, v->map_max_regions,
		       (unsigned long long)v->map_max_region_bytes,
		       (unsigned long long)v->map_max_bytes_per_user,
		       v->map_chunk_pages, v->map_word_bytes);
		return;
	}
	if (fb) {
		printf("mode:                fallback (no %s: madvise only)\n",
		       SCAV_DEVICE_PATH);
		return;
	}
	printf("mode:                module (%s)\n", SCAV_DEVICE_PATH);
	printf("ABI:                 %u.%u\n", v->abi_major, v->abi_minor);
	printf("ranges per call:     %u\n", v->max_ranges_per_call);
	printf("ranges per session:  %u\n", v->max_ranges);
	printf("page size:           %u\n", v->page_size);
	if (!(v->features & SCAV_FEATURE_PAGE_MAP))
		return;
	printf("page-state map:      %u regions per session, %s each, %s of maps per user\n",
	       v->map_max_regions, human(v->map_max_region_bytes, a, sizeof(a)),
	       human(v->map_max_bytes_per_user, b, sizeof(b)));
}

static int cmd_version(int argc, char **argv)
{
	struct scav_version v;
	struct scav *s;
	int ret;

	if (argc != 1)
		return bad_args(argv[0]);
	s = device_open();
	ret = scav_version(s, &v);
	if (ret)
		die(argv[0], ret, NULL);
	print_version(s, &v);
	scav_close(s);
	return 0;
}

static int cmd_stats(int argc, char **argv)
{
	struct field f[SESSION_FIELDS];
	struct scav_stats st;
	struct scav *s;
	int ret;

	if (argc != 1)
		return bad_args(argv[0]);
	s = device_open();
	ret = scav_stats(s, SCAV_STATS_RESIDENT, &st);
	if (ret)
		die(argv[0], ret, NULL);
	session_fields(&st, f);
	if (json)
		putchar('{');
	print_fields(f, SESSION_FIELDS, 0);
	if (json)
		printf("}\n");
	scav_close(s);
	return 0;
}

/* metrics */

/*
 * The Prometheus text format (0.0.4), as node_exporter's textfile collector
 * reads it.  Names follow Prometheus's guide: the scav_ prefix, base units
 * (bytes, seconds), counters ending in _total.  A family's samples come
 * together, after its HELP and TYPE.
 */
#define METRICS_TOP_MAX		100	/* -n COUNT: sessions listed, at most */
#define METRICS_CGROUPS_MAX	100	/* cgroups listed, at most */

static const char *metric_family;

/* A sample of family @name (after scav_); the family's header first. */
static void metric_head(const char *name, const char *type, const char *help)
{
	if (metric_family && !strcmp(metric_family, name))
		return;
	metric_family = name;
	printf("# HELP scav_%s %s\n# TYPE scav_%s %s\n", name, help, name, type);
}

static void metric(const char *name, const char *type, const char *help,
		   const char *labels, uint64_t v)
{
	metric_head(name, type, help);
	printf("scav_%s%s%s%s %" PRIu64 "\n", name, labels ? "{" : "",
	       labels ? labels : "", labels ? "}" : "", v);
}

/* Module-wide figures (GET_STATS): the sysfs files of the same fields. */
struct stat_metric {
	const char *name, *type, *labels;
	size_t off;		/* in struct scav_nl_stats */
	int walk;		/* sent only with SCAV_STATS_RESIDENT */
	const char *help;
};

#define STAT_METRIC(name, type, labels, field, walk, help) \
	{ name, type, labels, offsetof(struct scav_nl_stats, field), walk, help }

static const char help_reclaimed[] =
	"Idle memory discarded, by cause: a request (SCAV_IOC_RECLAIM, scavctl "
	"reclaim), the aging worker, or memory pressure (the machine's or a "
	"memory cgroup's).";
static const char help_claimed[] =
	"Idle memory claimed back, by what it was: kept (old contents) or "
	"discarded (read as zeros).";
static const char help_skips[] =
	"Times a session was passed over because its mmap lock was taken, by "
	"the aging worker (it tries again) or the shrinker (a worker takes over).";

static const struct stat_metric stat_metrics[] = {
	STAT_METRIC("sessions", "gauge", NULL, sessions, 0,
		    "Open sessions of /dev/scav."),
	STAT_METRIC("idle_bytes", "gauge", NULL, idle_bytes, 0,
		    "Memory reported idle and not claimed back, discarded or not."),
	STAT_METRIC("idle_discarded_bytes", "gauge", NULL, discarded_bytes, 0,
		    "Of the idle memory, what scav discarded (it reads as zeros when claimed)."),
	STAT_METRIC("idle_lazy_bytes", "gauge", NULL, lazy_bytes, 0,
		    "Of the idle memory kept, what was reported lazily freed (SCAV_REPORT_LAZYFREE)."),
	STAT_METRIC("idle_ranges", "gauge", NULL, nr_ranges, 0,
		    "Idle ranges held, as bounded by max_ranges_total."),
	STAT_METRIC("idle_resident_bytes", "gauge", NULL, idle_resident_bytes, 1,
		    "Idle memory whose pages are resident (a walk of the page tables)."),
	STAT_METRIC("idle_lazyfree_bytes", "gauge", NULL, lazyfree_bytes, 1,
		    "Of the idle resident memory, what is lazily freed (MADV_FREE) and not yet taken by the kernel."),
	STAT_METRIC("reported_bytes_total", "counter", NULL, reported_bytes, 0,
		    "Memory reported idle (a range reported twice counts twice)."),
	STAT_METRIC("reclaimed_bytes_total", "counter", "cause=\"request\"",
		    reclaimed_request_bytes, 0, help_reclaimed),
	STAT_METRIC("reclaimed_bytes_total", "counter", "cause=\"age\"",
		    reclaimed_age_bytes, 0, help_reclaimed),
	STAT_METRIC("reclaimed_bytes_total", "counter", "cause=\"pressure\"",
		    reclaimed_pressure_bytes, 0, help_reclaimed),
	STAT_METRIC("claimed_bytes_total", "counter", "state=\"kept\"",
		    claimed_kept_bytes, 0, help_claimed),
	STAT_METRIC("claimed_bytes_total", "counter", "state=\"discarded\"",
		    claimed_discarded_bytes, 0, help_claimed),
	STAT_METRIC("forgotten_bytes_total", "counter", NULL, forgotten_bytes, 0,
		    "Idle memory dropped because its mapping was unmapped, moved or replaced before it was claimed."),
	STAT_METRIC("busy_skips_total", "counter", "worker=\"aging\"",
		    aging_busy_skips, 0, help_skips),
	STAT_METRIC("busy_skips_total", "counter", "worker=\"shrinker\"",
		    pressure_busy_skips, 0, help_skips),
	STAT_METRIC("pressure_deferred_total", "counter", NULL, pressure_deferred, 0,
		    "Sessions a worker reclaimed under memory pressure after the shrinker had to pass them over."),
	STAT_METRIC("events_total", "counter", NULL, event_seq, 0,
		    "Events sent to the netlink group (the sequence number of the latest)."),
};

/*
 * Tunables, as config_ gauges in base units: milliseconds become seconds,
 * and the CPU quota a fraction of a CPU.  A tunable this table does not
 * know (a newer module) keeps its name and value.
 */
static const struct {
	const char *key, *name;
	unsigned int per;	/* the value is divided by this */
	const char *help;
} config_metrics[] = {
	{ "enabled", "config_enabled", 1,
	  "1: idle memory is discarded when it ages and under memory pressure." },
	{ "shrinker_enabled", "config_shrinker_enabled", 1,
	  "1: memory pressure (the machine's or a cgroup's) discards idle memory." },
	{ "idle_age_ms", "config_idle_age_seconds", 1000,
	  "Idle memory this old is discarded by the aging worker." },
	{ "scan_interval_ms", "config_scan_interval_seconds", 1000,
	  "How often the aging worker runs." },
	{ "quota_bytes_per_sec", "config_quota_bytes_per_second", 1,
	  "Most resident memory the aging worker discards per second (0: no limit)." },
	{ "quota_ms_per_sec", "config_quota_cpu_ratio", 1000,
	  "Most CPU time the aging worker spends, as a fraction of one CPU (0: no limit)." },
	{ "max_ranges_per_session", "config_max_ranges_per_session", 1,
	  "Most idle ranges one session may hold." },
	{ "max_ranges_total", "config_max_ranges", 1,
	  "Most idle ranges all sessions together may hold." },
	{ "max_ranges_per_user", "config_max_ranges_per_user", 1,
	  "Most idle ranges the sessions of one user may hold." },
	{ "max_sessions_per_user", "config_max_sessions_per_user", 1,
	  "Most sessions one user may have open." },
};

static void metrics_config(const struct scav_nl_config *c)
{
	unsigned int k;
	size_t i;

	for (k = 0; k < SCAV_NL_CONF_SLOTS; k++) {
		const char *key = scav_nl_config_name(k);
		char name[64];

		if (!key || !(c->present & (1u << k)))
			continue;
		for (i = 0; i < sizeof(config_metrics) / sizeof(config_metrics[0]); i++)
			if (!strcmp(config_metrics[i].key, key))
				break;
		if (i == sizeof(config_metrics) / sizeof(config_metrics[0])) {
			snprintf(name, sizeof(name), "config_%s", key);
			printf("# HELP scav_%s The tunable %s (/sys/kernel/scav/%s).\n"
			       "# TYPE scav_%s gauge\nscav_%s %" PRIu64 "\n",
			       name, key, key, name, name, c->value[k]);
			continue;
		}
		printf("# HELP scav_%s %s\n# TYPE scav_%s gauge\n",
		       config_metrics[i].name, config_metrics[i].help,
		       config_metrics[i].name);
		if (config_metrics[i].per == 1)
			printf("scav_%s %" PRIu64 "\n", config_metrics[i].name,
			       c->value[k]);
		else
			printf("scav_%s %.3f\n", config_metrics[i].name,
			       (double)c->value[k] / config_metrics[i].per);
	}
}

/* A memory cgroup's sessions, summed. */
struct cg_sum {
	uint64_t id, sessions, idle, resident, by[3];
};

static int by_cg_idle(const void *a, const void *b)
{
	const struct cg_sum *x = a, *y = b;

	return x->idle < y->idle ? 1 : x->idle > y->idle ? -1 :
	       x->id < y->id ? -1 : x->id > y->id;
}

static const char *const causes[] = { "request", "age", "pressure" };

/* cgroup="PATH": the path below the cgroup2 mount, else the ID, else "". */
static void cg_labels(const struct cgroups *c, uint64_t id, char *buf, size_t len)
{
	const char *p = cg_path(c, id);
	char esc[SCAVCTL_ESC_PROM_SIZE(512)];

	if (p)
		snprintf(buf, len, "cgroup=\"%s\"", scavctl_esc_prom(p, esc, sizeof(esc)));
	else if (id)
		snprintf(buf, len, "cgroup=\"%" PRIu64 "\"", id);
	else
		snprintf(buf, len, "cgroup=\"\"");
}

/*
 * Per memory cgroup: the sums of its sessions' figures (those of its own
 * processes, not its descendants', so that sums over cgroups add up), for
 * the METRICS_CGROUPS_MAX cgroups with the most idle memory.
 */
static void metrics_cgroups(const struct scav_nl_session *v, size_t nr,
			    const struct cgroups *c)
{
	struct cg_sum *s = calloc(nr ? nr : 1, sizeof(*s));
	size_t n = 0, i, j, k;
	char l[4096], lc[4200];

	if (!s)
		die("metrics", -ENOMEM, NULL);
	for (i = 0; i < nr; i++) {
		const struct scav_stats *st = &v[i].stats;

		for (j = 0; j < n && s[j].id != v[i].cgroup_id; j++)
			;
		if (j == n)
			s[n++].id = v[i].cgroup_id;
		s[j].sessions++;
		s[j].idle += st->idle_bytes;
		s[j].resident += st->idle_resident_bytes;
		s[j].by[0] += st->reclaimed_request_bytes;
		s[j].by[1] += st->reclaimed_age_bytes;
		s[j].by[2] += st->reclaimed_pressure_bytes;
	}
	qsort(s, n, sizeof(*s), by_cg_idle);
	metric("cgroups_omitted", "gauge",
	       "Memory cgroups with sessions left out of the scav_cgroup_ metrics (those with the most idle memory are listed, at most 100).",
	       NULL, n > METRICS_CGROUPS_MAX ? n - METRICS_CGROUPS_MAX : 0);
	if (n > METRICS_CGROUPS_MAX)
		n = METRICS_CGROUPS_MAX;
	for (i = 0; i < n; i++) {
		cg_labels(c, s[i].id, l, sizeof(l));
		metric("cgroup_sessions", "gauge",
		       "Open sessions of the processes in a memory cgroup (not its descendants).",
		       l, s[i].sessions);
	}
	for (i = 0; i < n; i++) {
		cg_labels(c, s[i].id, l, sizeof(l));
		metric("cgroup_idle_bytes", "gauge",
		       "Idle memory of the sessions in a memory cgroup.", l, s[i].idle);
	}
	for (i = 0; i < n; i++) {
		cg_labels(c, s[i].id, l, sizeof(l));
		metric("cgroup_idle_resident_bytes", "gauge",
		       "Idle memory of the sessions in a memory cgroup whose pages are resident.",
		       l, s[i].resident);
	}
	for (i = 0; i < n; i++) {
		cg_labels(c, s[i].id, l, sizeof(l));
		for (k = 0; k < 3; k++) {
			snprintf(lc, sizeof(lc), "%s,cause=\"%s\"", l, causes[k]);
			metric("cgroup_reclaimed_bytes", "gauge",
			       "Idle memory discarded from the sessions open now in a memory cgroup, by cause (a gauge: it falls when a session closes).",
			       lc, s[i].by[k]);
		}
	}
	free(s);
}

/* session="ID",pid="PID",comm="NAME",cgroup="PATH" */
static void session_labels(const struct scav_nl_session *s,
			   const struct cgroups *c, char *buf, size_t len)
{
	char comm[SCAVCTL_ESC_PROM_SIZE(COMM_LEN)], cg[4096];

	cg_labels(c, s->cgroup_id, cg, sizeof(cg));
	snprintf(buf, len, "session=\"%" PRIu64 "\",pid=\"%u\",comm=\"%s\",%s",
		 s->id, s->pid, scavctl_esc_prom(s->comm, comm, sizeof(comm)), cg);
}

/* The @top sessions with the most idle memory (@v is sorted so). */
static void metrics_sessions(const struct scav_nl_session *v, size_t top,
			     const struct cgroups *c)
{
	static const struct {
		const char *name;
		size_t off;
		const char *help;
	} g[] = {
		{ "session_idle_bytes", offsetof(struct scav_stats, idle_bytes),
		  "Idle memory of a session (those with the most are listed)." },
		{ "session_idle_resident_bytes",
		  offsetof(struct scav_stats, idle_resident_bytes),
		  "Idle memory of a session whose pages are resident." },
		{ "session_anon_rss_bytes", offsetof(struct scav_stats, anon_rss_bytes),
		  "Anonymous resident memory of a session's process (RssAnon)." },
		{ "session_used_rss_bytes", offsetof(struct scav_stats, used_rss_bytes),
		  "Anonymous resident memory of a session's process less what of it the session holds idle." },
	};
	char l[4400], lc[4500];
	size_t i, j, k;

	for (j = 0; j < sizeof(g) / sizeof(g[0]); j++)
		for (i = 0; i < top; i++) {
			session_labels(&v[i], c, l, sizeof(l));
			metric(g[j].name, "gauge", g[j].help, l,
			       *(const uint64_t *)((const char *)&v[i].stats + g[j].off));
		}
	for (i = 0; i < top; i++) {
		const struct scav_stats *st = &v[i].stats;
		const uint64_t by[3] = { st->reclaimed_request_bytes,
			st->reclaimed_age_bytes, st->reclaimed_pressure_bytes };

		session_labels(&v[i], c, l, sizeof(l));
		for (k = 0; k < 3; k++) {
			snprintf(lc, sizeof(lc), "%s,cause=\"%s\"", l, causes[k]);
			metric("session_reclaimed_bytes_total", "counter",
			       "Idle memory of a session discarded, by cause.", lc, by[k]);
		}
	}
}

/* Write stdout to a new file that replaces @path once it is complete. */
static char metrics_tmp[PATH_MAX];

static void metrics_to(const char *path)
{
	int fd;

	if (snprintf(metrics_tmp, sizeof(metrics_tmp), "%s.XXXXXX", path) >=
	    (int)sizeof(metrics_tmp))
		die(path, -ENAMETOOLONG, NULL);
	fd = mkstemp(metrics_tmp);
	if (fd < 0)
		die(path, -errno, NULL);
	if (fchmod(fd, 0644) || dup2(fd, 1) < 0) {
		unlink(metrics_tmp);
		die(path, -errno, NULL);
	}
	close(fd);
}

static int metrics_done(const char *path)
{
	if (fflush(stdout) || ferror(stdout) || fsync(1) ||
	    rename(metrics_tmp, path)) {
		int err = errno ? errno : EIO;

		unlink(metrics_tmp);
		die(path, -err, NULL);
	}
	return 0;
}

static int cmd_metrics(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL;
	struct scav_nl_session *v = NULL;
	struct scav_nl_config conf;
	struct scav_nl_stats st;
	struct cgroups cgs;
	struct scav_nl *n;
	size_t top = 10, nr = 0, i;
	int opt, ret, walked = 1;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:o:", opts, NULL)) != -1) {
		if (opt == 'n')
			top = parse_num(argv[0], "-n", optarg, 0, METRICS_TOP_MAX);
		else if (opt == 'o')
			out = optarg;
		else
			return bad_args(argv[0]);
	}
	if (optind != argc || json)
		return bad_args(argv[0]);
	ret = scav_nl_open(&n, 0);
	if (ret && ret != -ENOENT)
		die("netlink", ret, NULL);
	if (out)
		metrics_to(out);
	metric("up", "gauge",
	       "1 if the scav module is loaded (its netlink family is there), else 0.",
	       NULL, !ret);
	if (ret)
		return out ? metrics_done(out) : 0;
	/* The walked figures need CAP_SYS_PTRACE; without, they are left out. */
	ret = scav_nl_stats(n, SCAV_STATS_RESIDENT, &st);
	if (ret == -EPERM) {
		walked = 0;
		ret = scav_nl_stats(n, 0, &st);
	}
	if (!ret)
		ret = scav_nl_config_get(n, &conf);
	if (!ret && (ret = scav_nl_sessions(n, walked ? SCAV_STATS_RESIDENT : 0,
					    &v, &nr)) > 0)
		ret = 0;
	if (ret) {
		if (out)
			unlink(metrics_tmp);
		die("metrics", ret, scav_nl_errmsg(n));
	}
	for (i = 0; i < sizeof(stat_metrics) / sizeof(stat_metrics[0]); i++)
		if (walked || !stat_metrics[i].walk)
			metric(stat_metrics[i].name, stat_metrics[i].type,
			       stat_metrics[i].help, stat_metrics[i].labels,
			       *(const uint64_t *)((const char *)&st + stat_metrics[i].off));
	metrics_config(&conf);
	/* Without cgroup2 mounted, cgroups are IDs. */
	cgroups_read(&cgs, NULL);
	metrics_cgroups(v, nr, &cgs);
	qsort(v, nr, sizeof(*v), by_idle);
	metrics_sessions(v, top < nr ? top : nr, &cgs);
	free(v);
	cgroups_free(&cgs);
	scav_nl_close(n);
	return out ? metrics_done(out) : 0;
}

/* help */

static int cmd_help(int argc, char **argv)
{
	if (argc != 1)
		return bad_args(argv[0]);
	usage(stdout);
	return 0;
}

static const struct command commands[] = {
	{ "status", "[--cgroup PATH]",
	  "the module, its tunables and figures; or the\n"
	  "sessions of a cgroup and its descendants, summed\n", cmd_status },
	{ "top", "[-s idle|resident] [-n COUNT] [-d SECONDS]",
	  "sessions by idle (or idle resident) memory,\n"
	  "refreshed every SECONDS (2), COUNT times (forever)\n", cmd_top },
	{ "reclaim", "PID|--all",
	  "discard the idle memory of a process, or of all\n", cmd_reclaim },
	{ "config", "[KEY[=VALUE]...]",
	  "show or change tunables (/sys/kernel/scav names)\n", cmd_config },
	{ "watch", "[-n COUNT]", "print events as they happen\n", cmd_watch },
	{ "rss", "[--plot FILE [-n COUNT] [-d SECONDS]] PID",
	  "a process's RSS, what of it is idle, and its\n"
	  "honest RSS; with --plot, COUNT (60) samples every\n"
	  "SECONDS (1) drawn by gnuplot into FILE (PNG)\n", cmd_rss },
	{ "version", "", "the device's ABI version and limits\n", cmd_version },
	{ "stats", "", "the figures of scavctl's own session\n", cmd_stats },
	{ "metrics", "[-n COUNT] [-o FILE]",
	  "figures, tunables, cgroups and the COUNT (10)\n"
	  "sessions with the most idle memory, for Prometheus;\n"
	  "into FILE, replaced whole\n", cmd_metrics },
	{ "help", "", "this text\n", cmd_help },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Each command's help starts in this column, below it if the synopsis is longer. */
#define HELP_COLUMN	26

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: scavctl [--json] COMMAND [ARGS]\n\n");
	for (i = 0; i < NR_COMMANDS; i++) {
		const char *help = commands[i].help;
		int col = fprintf(f, "  %s%s%s", commands[i].name,
				  *commands[i].args ? " " : "", commands[i].args);

		if (col >= HELP_COLUMN) {
			fputc('\n', f);
			col = 0;
		}
		while (*help) {
			int len = strcspn(help, "\n");

			fprintf(f, "%*s%.*s\n", HELP_COLUMN - col, "", len, help);
			col = 0;
			help += len + (help[len] == '\n');
		}
	}
	fprintf(f, "\n--json prints JSON instead (top and watch: one document per line).\n");
}

int main(int argc, char **argv)
{
	const struct command *c;
	int i = 1;

	while (i < argc && argv[i][0] == '-' && argv[i][1] == '-' && argv[i][2]) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "scavctl: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	c = command_find(argv[i]);
	if (!c) {
		char esc[SCAVCTL_ESC_TEXT_SIZE(64)];

		fprintf(stderr, "scavctl: unknown command '%s'\n",
			scavctl_esc_text(argv[i], esc, sizeof(esc)));
		usage(stderr);
		return 2;
	}
	return c->fn(argc - i, argv + i);
}

/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the scav selftests. */
#ifndef SCAV_UTIL_H
#define SCAV_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <linux/scav.h>

#include "scav.h"

#define MiB (1024UL * 1024)

/* Seconds, and milliseconds, on CLOCK_MONOTONIC. */
static inline double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * Whether this is the debug kernel of make check-debug (scripts/debug-kernel.sh
 * names it *-scav-debug): KASAN, lockdep and the rest make it several times
 * slower, which only a test whose outcome depends on speed needs to know.
 */
static inline int slow_kernel(void)
{
	struct utsname u;
	size_t n;

	if (uname(&u))
		return 0;
	n = strlen(u.release);
	return n >= 11 && !strcmp(u.release + n - 11, "-scav-debug");
}

static inline size_t pagesz(void)
{
	return sysconf(_SC_PAGESIZE);
}

/*
 * How far RssAnon, and so anon_rss_bytes, may fall short of the anonymous
 * pages a process of @threads threads has mapped.  6.1 counts a page fault
 * in the faulting thread's cache and folds the cache into the process's
 * counter when the thread starts its 66th fault since the last fold
 * (SPLIT_RSS_COUNTING, TASK_RSS_EVENTS_THRESH in mm/memory.c): up to 65
 * pages a thread.  Since 6.2 the counters are per-CPU and the module sums
 * them, exactly.
 */
static inline long long rss_lag_bytes(long threads)
{
	return 65LL * pagesz() * (threads > 0 ? threads : 1);
}

/*
 * Register [@p, @p + @len) as a page-state map region of session @fd (@reg
 * filled in) and map its map: its words, *@summary set to its summary (the
 * reported word, then the chunk bits).  NULL on failure, errno set.
 */
static inline _Atomic uint32_t *map_region(int fd, void *p, size_t len,
					   struct scav_map_region *reg,
					   _Atomic uint32_t **summary)
{
	void *w;

	memset(reg, 0, sizeof(*reg));
	reg->addr = (uintptr_t)p;
	reg->len = len;
	if (ioctl(fd, SCAV_IOC_MAP_REGION, reg))
		return NULL;
	w = mmap(NULL, reg->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 reg->map_offset);
	if (w == MAP_FAILED)
		return NULL;
	*summary = (void *)((char *)w + reg->summary_offset);
	return w;
}

/* SCAV_IOC_MAP_WAIT for [p, p + len) of @reg: 0 or -1 (errno). */
static inline int map_wait(int fd, const struct scav_map_region *reg,
			   void *p, size_t len)
{
	struct scav_map_wait w = {
		.addr = (uintptr_t)p, .len = len, .index = reg->index,
	};

	return ioctl(fd, SCAV_IOC_MAP_WAIT, &w);
}

/*
 * Report page @i idle as the uapi header says a client does: the word (a
 * compare-and-swap to IDLE, never over IDLE or BUSY), then the chunk's
 * bit, then, if that summary word was 0, the reported word (summary[0]).
 */
static inline void map_report(_Atomic uint32_t *words,
			      _Atomic uint32_t *summary, size_t i)
{
	uint32_t old = SCAV_PAGE_USED;
	size_t c = i / SCAV_MAP_CHUNK_PAGES;

	while (old != SCAV_PAGE_IDLE && old != SCAV_PAGE_BUSY &&
	       !atomic_compare_exchange_weak_explicit(&words[i], &old, SCAV_PAGE_IDLE,
						      memory_order_release,
						      memory_order_relaxed))
		;
	if (!atomic_fetch_or(&summary[1 + c / 32], 1u << (c % 32)))
		atomic_store_explicit(&summary[0], 1, memory_order_release);
}

/*
 * Private anonymous memory, every page written with a pattern of @seed,
 * after madvise(@advice) unless @advice is -1.
 */
static inline char *map_filled_advised(size_t len, unsigned int seed,
				       int advice)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED)
		return NULL;
	if (advice >= 0 && madvise(p, len, advice)) {
		munmap(p, len);
		return NULL;
	}
	for (i = 0; i < len; i += sizeof(uint64_t))
		*(uint64_t *)(p + i) = ((uint64_t)seed << 32) ^ (i + 1);
	return p;
}

static inline char *map_filled(size_t len, unsigned int seed)
{
	return map_filled_advised(len, seed, -1);
}

/*
 * The same in small pages only, out of khugepaged's reach too: it takes
 * the mmap lock for write to collapse, and a test of the order in which
 * aging takes sessions must not see one skipped as busy.
 */
static inline char *map_no_thp_filled(size_t len, unsigned int seed)
{
	return map_filled_advised(len, seed, MADV_NOHUGEPAGE);
}

/* Write map_filled()'s pattern of @seed, for @base, into [@p, @p + @len). */
static inline void fill_pattern(const char *base, char *p, size_t len,
				unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		*(uint64_t *)(p + i) = ((uint64_t)seed << 32) ^ (p - base + i + 1);
}

/* Whether [p, p + len) still holds the pattern map_filled() wrote at @base. */
static inline int holds_pattern(const char *base, const char *p, size_t len,
				unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t)) {
		size_t off = p - base + i;

		if (*(const uint64_t *)(p + i) != (((uint64_t)seed << 32) ^ (off + 1)))
			return 0;
	}
	return 1;
}

/*
 * A pattern that differs in every 8-byte word: its address and @tag folded
 * in, so a page that went missing, moved, or is a stale copy of an earlier
 * round shows at any byte.
 */
static inline uint64_t addr_word(const char *p, uint64_t tag)
{
	return (uintptr_t)p ^ (tag * 0x9e3779b97f4a7c15ULL);
}

static inline void fill_addr_pattern(char *p, size_t len, uint64_t tag)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		*(uint64_t *)(p + i) = addr_word(p + i, tag);
}

static inline int holds_addr_pattern(const char *p, size_t len, uint64_t tag)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		if (*(const uint64_t *)(p + i) != addr_word(p + i, tag))
			return 0;
	return 1;
}

static inline int is_zero(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		if (*(const uint64_t *)(p + i))
			return 0;
	return 1;
}

/* Resident pages of [p, p + len), from mincore(). */
static inline long resident_pages(void *p, size_t len)
{
	size_t n = len / pagesz(), i;
	unsigned char vec[n];
	long r = 0;

	if (mincore(p, len, vec))
		return -errno;
	for (i = 0; i < n; i++)
		r += vec[i] & 1;
	return r;
}

/*
 * Pages of [p, p + len) present in memory by /proc/self/pagemap (bit 63),
 * the page tables' own word, or -errno.
 */
static inline long present_by_pagemap(const void *p, size_t len)
{
	size_t n = len / pagesz(), i;
	uint64_t ent[512];
	long r = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	for (i = 0; i < n; i += 512) {
		size_t k = n - i < 512 ? n - i : 512, j;
		off_t off = ((uintptr_t)p / pagesz() + i) * sizeof(uint64_t);

		if (pread(fd, ent, k * sizeof(uint64_t), off) != (ssize_t)(k * sizeof(uint64_t))) {
			r = -EIO;
			break;
		}
		for (j = 0; j < k; j++)
			r += ent[j] >> 63;
	}
	close(fd);
	return r;
}

/*
 * The number after @field in a /proc file of "field: value" or "field value"
 * lines (kB for the memory ones), or -1.
 */
static inline long long proc_value(const char *path, const char *field)
{
	char line[256];
	size_t flen = strlen(field);
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) &&
		    (line[flen] == ':' || line[flen] == ' ')) {
			v = strtoll(line + flen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* A field of /proc/self/smaps_rollup, in kB. */
static inline long rollup_kb(const char *field)
{
	return proc_value("/proc/self/smaps_rollup", field);
}

/* Present pages of [p, p + len) by /proc/self/pagemap (bit 63). */
static inline long pagemap_present(void *p, size_t len)
{
	size_t pg = pagesz(), n = len / pg, i;
	uint64_t *v = calloc(n, sizeof(*v));
	long present = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || !v) {
		if (fd >= 0)
			close(fd);
		free(v);
		return -1;
	}
	if (pread(fd, v, n * sizeof(*v), (uintptr_t)p / pg * sizeof(*v)) !=
	    (ssize_t)(n * sizeof(*v)))
		present = -1;
	for (i = 0; present >= 0 && i < n; i++)
		present += v[i] >> 63;
	close(fd);
	free(v);
	return present;
}

/*
 * The rest of @field's line in /proc/self/smaps, without its newline, for
 * the mapping that holds @addr, into @out; 0, or -1 if there is none.
 */
static inline int smaps_field(const void *addr, const char *field, char *out,
			      size_t n)
{
	unsigned long lo, hi, a = (uintptr_t)addr;
	size_t flen = strlen(field);
	char line[512];
	int in = 0, ret = -1;
	FILE *f = fopen("/proc/self/smaps", "re");

	if (!f)
		return -1;
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)	/* a mapping's first line */
			in = lo <= a && a < hi;
		else if (in && !strncmp(line, field, flen) && line[flen] == ':') {
			size_t k = strcspn(line + flen + 1, "\n");

			k = k < n - 1 ? k : n - 1;	/* cut to fit */
			memcpy(out, line + flen + 1, k);
			out[k] = 0;
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* @field of /proc/self/smaps for the mapping that holds @addr (kB), or -1. */
static inline long long smaps_kb(const void *addr, const char *field)
{
	char v[64];

	return smaps_field(addr, field, v, sizeof(v)) ? -1 : strtoll(v, NULL, 10);
}

static inline long status_kb(const char *field)
{
	return proc_value("/proc/self/status", field);
}

static inline int sc_report(int fd, const struct scav_range *r, uint32_t n,
			    struct scav_report *out)
{
	struct scav_report rep = { .ranges = (uintptr_t)r, .count = n };
	int ret;

	rep.done = 0xdeadbeef;	/* junk, so a missed write shows */
	rep.bytes = 0xdeadbeefdeadbeefULL;
	ret = ioctl(fd, SCAV_IOC_REPORT, &rep);
	if (out)
		*out = rep;
	return ret;
}

static inline int sc_report1(int fd, void *addr, size_t len)
{
	struct scav_range r = { (uintptr_t)addr, len };

	return sc_report(fd, &r, 1, NULL);
}

static inline int sc_claim_flags(int fd, struct scav_claim_range *c, uint32_t n,
				 uint32_t flags, struct scav_claim *out)
{
	struct scav_claim cl = { .ranges = (uintptr_t)c, .count = n, .flags = flags };
	uint32_t i;
	int ret;

	for (i = 0; i < n; i++)
		c[i].discarded = c[i].kept = 0xdeadbeefdeadbeefULL;
	ret = ioctl(fd, SCAV_IOC_CLAIM, &cl);
	if (out)
		*out = cl;
	return ret;
}

static inline int sc_claim(int fd, struct scav_claim_range *c, uint32_t n,
			   struct scav_claim *out)
{
	return sc_claim_flags(fd, c, n, 0, out);
}

/*
 * Claim one range with @flags; returns ioctl()'s result, figures in
 * *discarded, *kept.
 */
static inline int sc_claim1_flags(int fd, void *addr, size_t len, uint32_t flags,
				  uint64_t *discarded, uint64_t *kept)
{
	struct scav_claim_range c = { .addr = (uintptr_t)addr, .len = len };
	int ret = sc_claim_flags(fd, &c, 1, flags, NULL);

	*discarded = c.discarded;
	*kept = c.kept;
	return ret;
}

static inline int sc_claim1(int fd, void *addr, size_t len, uint64_t *discarded,
			    uint64_t *kept)
{
	return sc_claim1_flags(fd, addr, len, 0, discarded, kept);
}

static inline int64_t sc_reclaim(int fd, uint64_t min_age_ms, uint64_t max_bytes)
{
	struct scav_reclaim rc = { .min_age_ms = min_age_ms, .max_bytes = max_bytes };

	rc.bytes = 0xdeadbeefdeadbeefULL;
	if (ioctl(fd, SCAV_IOC_RECLAIM, &rc))
		return -errno;
	return rc.bytes;
}

/* Output fields pre-filled with junk, so a missed write shows. */
static inline int sc_stats_flags(int fd, uint32_t flags, struct scav_stats *st)
{
	memset(st, 0xa5, sizeof(*st));
	st->flags = flags;
	st->__reserved0 = 0;
	memset(st->__reserved, 0, sizeof(st->__reserved));
	return ioctl(fd, SCAV_IOC_STATS, st);
}

static inline int sc_stats(int fd, struct scav_stats *st)
{
	return sc_stats_flags(fd, 0, st);
}

#define SCAV_SYSFS "/sys/kernel/scav/"

/* Write @value to @path in one write(); 0 or -errno. */
static inline int write_file(const char *path, const char *value)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value, strlen(value)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Write @value to a sysfs file of scav; 0 or -errno. */
static inline int knob_write(const char *name, const char *value)
{
	char path[128];

	snprintf(path, sizeof(path), SCAV_SYSFS "%s", name);
	return write_file(path, value);
}

/* A file holding one number, as a number, or -1. */
static inline long long file_value(const char *path)
{
	char buf[64] = "";
	long long v = -1;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (read(fd, buf, sizeof(buf) - 1) > 0)
		v = strtoll(buf, NULL, 0);
	close(fd);
	return v;
}

/* A sysfs file of scav as a number, or -1. */
static inline long long knob_read(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), SCAV_SYSFS "%s", name);
	return file_value(path);
}

/* Set the aging knobs; 0, or the first write's -errno. */
static inline int set_aging(const char *idle_age_ms, const char *interval_ms,
			    const char *quota_bytes, const char *quota_ms)
{
	return knob_write("quota_ms_per_sec", quota_ms) ?:
	       knob_write("quota_bytes_per_sec", quota_bytes) ?:
	       knob_write("scan_interval_ms", interval_ms) ?:
	       knob_write("idle_age_ms", idle_age_ms);
}

/*
 * Another process with a session of its own, whose @len bytes of small
 * pages it reported idle by ioctl before idle_child_start() returns; it
 * then waits, and at idle_child_end() says what of its memory was
 * discarded and exits.
 */
struct idle_child {
	pid_t pid;
	int to_child[2], to_parent[2];
};

static inline int idle_child_start(struct idle_child *k, size_t len)
{
	char c;

	if (pipe(k->to_child) || pipe(k->to_parent))
		return -1;
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (k->pid == 0) {
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *cm = map_no_thp_filled(len, 4);
		struct scav_stats st;

		if (fd < 0 || !cm || sc_report1(fd, cm, len))
			_exit(1);
		if (write(k->to_parent[1], "r", 1) != 1 ||
		    read(k->to_child[0], &c, 1) != 1)
			_exit(2);
		if (sc_stats(fd, &st))
			_exit(3);
		if (write(k->to_parent[1], &st.discarded_bytes, 8) != 8)
			_exit(4);
		_exit(0);
	}
	return read(k->to_parent[0], &c, 1) == 1 ? 0 : -1;
}

/* The child's discarded bytes, or -1 if it failed; it is reaped. */
static inline long long idle_child_end(struct idle_child *k)
{
	uint64_t discarded;
	int status;
	long long ret = -1;

	if (write(k->to_child[1], "s", 1) == 1 &&
	    read(k->to_parent[0], &discarded, 8) == 8)
		ret = (long long)discarded;
	if (waitpid(k->pid, &status, 0) != k->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		ret = -1;
	close(k->to_child[0]);
	close(k->to_child[1]);
	close(k->to_parent[0]);
	close(k->to_parent[1]);
	return ret;
}

/*
 * One run of the aging worker with a budget of a bit less than 1 MiB
 * (291 B/s over an interval of an hour), taking memory of any age: 0 once
 * it discarded something, -1 if it did not within 30 s.  Aging is off
 * again when this returns.  The busy skips it saw go to *@busy.
 */
static inline int one_aging_run(long long *busy)
{
	long long before, skips;
	double end;
	int ret;

	*busy = -1;
	if (knob_write("enabled", "0") ||
	    set_aging("0", "3600000", "291", "0"))
		return -1;
	before = knob_read("reclaimed_age_bytes");
	skips = knob_read("aging_busy_skips");
	if (knob_write("enabled", "1"))
		return -1;
	end = now_s() + 30;
	while (knob_read("reclaimed_age_bytes") == before && now_s() < end)
		usleep(20000);
	ret = knob_write("enabled", "0");
	*busy = knob_read("aging_busy_skips") - skips;
	return ret || knob_read("reclaimed_age_bytes") == before ? -1 : 0;
}

/*
 * Every tunable under /sys/kernel/scav/, as a fixture found them, for its
 * teardown to put back (a fixture that never saved them restores nothing).
 * enabled comes last, so that nothing runs with a half-restored set.
 */
static const char *const scav_tunables[] = {
	"shrinker_enabled", "idle_age_ms", "scan_interval_ms", "quota_bytes_per_sec",
	"quota_ms_per_sec", "max_ranges_per_session", "max_ranges_total",
	"max_ranges_per_user", "max_sessions_per_user", "enabled",
};

struct tunables {
	int saved;
	long long v[sizeof(scav_tunables) / sizeof(scav_tunables[0])];
};

static inline void tunables_save(struct tunables *t)
{
	size_t i;

	for (i = 0; i < sizeof(t->v) / sizeof(t->v[0]); i++)
		t->v[i] = knob_read(scav_tunables[i]);
	t->saved = 1;
}

/* Those tunables_save() could read; errors are the teardown's to ignore. */
static inline void tunables_restore(const struct tunables *t)
{
	char v[32];
	size_t i;

	for (i = 0; t->saved && i < sizeof(t->v) / sizeof(t->v[0]); i++) {
		if (t->v[i] < 0)
			continue;
		snprintf(v, sizeof(v), "%lld", t->v[i]);
		knob_write(scav_tunables[i], v);
	}
}

/* A process holding @n sessions on raw descriptors, each registered. */
static inline int open_sessions(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct scav_stats st = {};

		fds[i] = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (fds[i] < 0)
			return -errno;
		/* The first ioctl registers it, and netlink lists it from then. */
		if (ioctl(fds[i], SCAV_IOC_STATS, &st))
			return -errno;
	}
	return 0;
}

static inline int become_nobody(void)
{
	return setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534);
}

/*
 * All that @f (from popen()) prints until it ends, NUL-terminated
 * (malloc'd), and its status from pclose().
 */
static inline char *read_all(FILE *f, int *status)
{
	size_t cap = 0, len = 0, got;
	char *out = NULL;

	do {
		if (len + 4096 > cap) {
			cap = 2 * cap + 4096;
			out = realloc(out, cap);
		}
		got = fread(out + len, 1, cap - len - 1, f);
		len += got;
	} while (got);
	out[len] = '\0';
	*status = pclose(f);
	return out;
}

#define KID_LEN		(4 * MiB)

/*
 * A child process with a session: it fills 2 x KID_LEN, reports the first
 * half idle (the second it keeps in use), says so, and waits.  Told to go
 * on, it claims the idle half and answers what the claim said and whether
 * the half it never reported still holds its pattern.
 */
struct kid {
	pid_t pid;
	int to, from;
};

struct kid_result {
	uint64_t discarded, kept;
	int zeros;	/* the discarded half reads as zeros */
	int intact;	/* the half never reported is untouched */
};

static inline int kid_start(struct kid *k, unsigned int seed)
{
	int to[2], from[2];
	char c;

	if (pipe(to) || pipe(from))
		return -1;
	k->pid = fork();
	if (k->pid < 0)
		return -1;
	if (k->pid == 0) {
		struct scav_claim_range cr;
		struct kid_result r = { 0 };
		struct scav_range rg;
		struct scav *s;
		char *m;

		close(to[1]);
		close(from[0]);
		m = map_filled(2 * KID_LEN, seed);
		if (!m || scav_open(&s, 0) || scav_is_fallback(s))
			_exit(1);
		rg.addr = (uintptr_t)m;
		rg.len = KID_LEN;
		if (scav_report(s, &rg, 1, 0) < 0)
			_exit(1);
		if (write(from[1], "r", 1) != 1 || read(to[0], &c, 1) != 1)
			_exit(1);
		if (c == 'x')
			_exit(0);	/* ended without a claim */
		cr.addr = (uintptr_t)m;
		cr.len = KID_LEN;
		if (scav_claim(s, &cr, 1, 0) < 0)
			_exit(1);
		r.discarded = cr.discarded;
		r.kept = cr.kept;
		r.zeros = is_zero(m, cr.discarded);
		r.intact = holds_pattern(m, m + KID_LEN, KID_LEN, seed);
		if (write(from[1], &r, sizeof(r)) != sizeof(r))
			_exit(1);
		/* Wait to be told to exit, so the parent sees the session go. */
		_exit(read(to[0], &c, 1) == 1 ? 0 : 1);
	}
	close(to[0]);
	close(from[1]);
	k->to = to[1];
	k->from = from[0];
	return read(k->from, &c, 1) == 1 ? 0 : -1;
}

static inline int kid_claim(struct kid *k, struct kid_result *r)
{
	return write(k->to, "c", 1) == 1 &&
	       read(k->from, r, sizeof(*r)) == sizeof(*r) ? 0 : -1;
}

static inline int kid_end(struct kid *k)
{
	int status;

	if (write(k->to, "x", 1) != 1)
		kill(k->pid, SIGKILL);
	close(k->to);
	close(k->from);
	if (waitpid(k->pid, &status, 0) != k->pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Signal storms.  A session's first ioctl but VERSION registers an mmu
 * notifier, which takes every VMA's locks and gives up when a signal is
 * pending; a runtime that signals its threads all the time (Go preempts
 * with SIGURG) must still get its session.
 */
struct storm {
	pid_t tid;
	volatile int stop;
};

/*
 * Signals that interrupted an openat(2) or an ioctl(2), counted across a
 * storm's processes.
 */
static volatile int *storm_hits;

/*
 * With SA_RESTART the kernel restarts an interrupted call before the handler
 * runs, which shows only in the registers the handler is given: the
 * instruction pointer back on the syscall instruction (0f 05) and the call's
 * number back in rax.  Without SA_RESTART it is past that instruction with
 * -EINTR in rax.  Only the x86-64 frame is read (where REG_RIP is known);
 * elsewhere nothing is counted and storm_opens() says so.
 */
static inline void storm_handler(int sig, siginfo_t *si, void *ctx)
{
#ifdef REG_RIP
	const greg_t *r = ((ucontext_t *)ctx)->uc_mcontext.gregs;
	const unsigned char *ip = (const unsigned char *)r[REG_RIP];

	if (((r[REG_RAX] == SYS_openat || r[REG_RAX] == SYS_ioctl) &&
	     ip[0] == 0x0f && ip[1] == 0x05) ||
	    (r[REG_RAX] == -EINTR && ip[-2] == 0x0f && ip[-1] == 0x05))
		(*storm_hits)++;
#endif
	(void)sig;
	(void)si;
	(void)ctx;
}

/* 5000 signals a second (Go preempts a goroutine every 10 ms), for at most
 * 500: a storm that never ends could keep restarting the open on a slow
 * (debug) kernel. */
static inline void *storm_pester(void *arg)
{
	struct storm *st = arg;
	int n;

	for (n = 0; n < 500 && !st->stop; n++) {
		syscall(SYS_tgkill, getpid(), st->tid, SIGUSR1);
		usleep(200);
	}
	return NULL;
}

/*
 * Up to 50 fresh processes, each with 2000 VMAs (so the locking takes a
 * while), call @open_fn while a thread signals them; their SIGUSR1 handler
 * has @sa_flags.  @open_fn returns 0 or an errno.  Stops starting processes
 * after 100 s (at least 5 run), since a debug kernel makes each slow.
 * Counts the processes whose @open_fn failed with EINTR and with anything
 * else, and in *@hits the signals that interrupted an openat(2) or an
 * ioctl(2), restarted or not (-1 where storm_handler() cannot tell); returns how many ran, or -1
 * if fork, wait or the counter's mapping failed.
 */
static inline int storm_opens(int (*open_fn)(void), int sa_flags,
			      int *eintr, int *other, int *hits)
{
	time_t end = time(NULL) + 100;
	int i;

	*eintr = *other = 0;
	storm_hits = mmap(NULL, sizeof(*storm_hits), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (storm_hits == MAP_FAILED)
		return -1;
	for (i = 0; i < 50 && (i < 5 || time(NULL) < end); i++) {
		int status;
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (!pid) {
			struct sigaction sa = { .sa_sigaction = storm_handler,
						.sa_flags = sa_flags | SA_SIGINFO };
			struct storm st = { .tid = gettid() };
			pthread_t t;
			int j, err;

			sigaction(SIGUSR1, &sa, NULL);
			for (j = 0; j < 2000; j++)
				mmap(NULL, pagesz(), j % 2 ? PROT_READ : PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (pthread_create(&t, NULL, storm_pester, &st))
				_exit(255);
			err = open_fn();
			st.stop = 1;
			pthread_join(t, NULL);
			_exit(err);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			return -1;
		if (WEXITSTATUS(status) == EINTR)
			(*eintr)++;
		else if (WEXITSTATUS(status))
			(*other)++;
	}
#ifdef REG_RIP
	*hits = *storm_hits;
#else
	*hits = -1;
#endif
	munmap((void *)storm_hits, sizeof(*storm_hits));
	return i;
}

/*
 * Load the module from $SCAV_KO with module options @args (loaded already
 * counts); 0 or -errno.
 */
static inline int scav_load_args(const char *args)
{
	const char *ko = getenv("SCAV_KO");
	int fd, ret;

	if (!ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(__NR_finit_module, fd, args, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret == -EEXIST ? 0 : ret;
}

static inline int scav_load(void)
{
	return scav_load_args("");
}

static inline int scav_unload(void)
{
	return syscall(__NR_delete_module, "scav", O_NONBLOCK) ? -errno : 0;
}

/*
 * The kselftest harness of 6.1 runs a test's body even after its fixture
 * setup called SKIP(); later harnesses do not.  Jump back past the body the
 * way the harness's own ASSERT_*() do.
 */
#define SETUP_SKIP(fmt, ...) SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)

#endif /* SCAV_UTIL_H */

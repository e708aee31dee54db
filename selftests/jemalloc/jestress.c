// SPDX-License-Identifier: GPL-2.0
/*
 * jestress: a program on jemalloc (-ljemalloc) that allocates, frees, lets
 * decay purge and reuses, from several threads and arenas, and checks that
 * every zeroed allocation (calloc, mallocx(MALLOCX_ZERO)) reads as zeros
 * and every live allocation keeps its contents.  jemalloc_test runs it with
 * and without libscav-jemalloc preloaded.
 *
 *   jestress [-t THREADS] [-s SECONDS] [-n STEPS] [-a ARENAS] [-p] [-f] [-c] [-l] [-x] [-m]
 *            [-g FILE] [-r] [-o]
 *
 * -s, -n: each thread runs for SECONDS (5) and until it has made STEPS
 *     allocations or frees (2048), so that a slow machine (a busy TCG VM
 *     made 290 allocations in 4 s, where 3000 are usual) runs longer
 *     rather than purge and reuse nothing; "halfway" below is half of
 *     both;
 * -a: arenas made with arenas.create, used by mallocx(MALLOCX_ARENA());
 * -p: thread 0 purges all arenas now and then (mallctl arena.<all>.purge),
 *     and once at least;
 * -l: first lock all memory, now and to come (mlockall);
 * -c: halfway, thread 0 frees 16 MiB it just wrote (jemalloc's arena of
 *     huge allocations purges it at once), then closes every descriptor
 *     past stderr (a daemon's closefrom(3)), the shim's session among them;
 * -o: with -c, right after the close, opens /dev/null, which must land at
 *     the shim's number (the lowest that named /dev/scav), and forks before
 *     a hook can see the session gone: the child must still have it;
 * -f: halfway, thread 0 forks a child that checks what it inherited, then
 *     allocates, frees, purges and reuses on its own (Redis's BGSAVE);
 * -x: first try to set arena 0's extent hooks (to those it has) and print
 *     "hooks: RC", mallctl's answer;
 * -m: name those controls by MIB (mallctlnametomib(), mallctlbymib()).
 * -r: first, 64 MiB written and freed (the arena of huge allocations
 *     purges it at once), then a fork child that callocs 64 MiB (jemalloc
 *     commits that extent again) and writes a byte: the rest must read as
 *     zeros and the child's private memory grow by less than 8 MiB (a
 *     memset of what it shares with the parent would copy it all);
 * -g: halfway, thread 0 waits (up to 120 s) until FILE is gone, then makes
 *     an arena (arenas.create), moves to it (thread.arena) and makes STEPS
 *     more steps there: new memory for jemalloc to ask its hooks for, after
 *     whatever the one who removes FILE changed (the room for maps).
 * Prints whether the arena of huge allocations has arena 0's extent hooks,
 * then "jestress ok ..." and exits 0, or says what was wrong and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>

#define SLOTS	192
#define PAGE	4096

struct obj {
	unsigned char *p;
	size_t size;
	uint64_t tag;
};

static int nthreads = 4, seconds = 5, narenas, purge, forking, closing, sethooks, bymib;
static int reusing;	/* -r */
static int reopening;	/* -o */
static const char *grow_file;	/* -g */
static unsigned long min_steps = 2048;
static extent_hooks_t *hooks0;	/* -x: arena 0's */
static int same_hooks;
static unsigned int arenas[16];
static atomic_ulong checks, zero_checks, allocs, purges, forks, closes;
static atomic_int failed;
static struct timespec deadline;

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int expired(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline.tv_sec ||
	       (now.tv_sec == deadline.tv_sec && now.tv_nsec >= deadline.tv_nsec);
}

/* A thread that made @n steps is done: past the deadline and -n. */
static int done(uint64_t n)
{
	return n >= min_steps && expired();
}

/* Past half the run, by the clock and by @n steps: when -f forks and -c closes. */
static int halfway(uint64_t n)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (deadline.tv_sec - now.tv_sec) * 2 < seconds && n >= min_steps / 2;
}

static void fail(const char *what, const struct obj *o, size_t at)
{
	fprintf(stderr, "jestress: %s: object %p of %zu bytes, tag %#llx, at byte %zu\n",
		what, (void *)o->p, o->size, (unsigned long long)o->tag, at);
	atomic_store(&failed, 1);
}

/* The bytes to check: every byte of a small object, else a word a page. */
static size_t step(size_t size)
{
	return size <= 65536 ? 1 : PAGE;
}

static void fill(struct obj *o)
{
	size_t i;

	memset(o->p, (int)(o->tag & 0xff), o->size);
	for (i = 0; i + 8 <= o->size; i += PAGE)
		memcpy(o->p + i, &o->tag, 8);
}

static int check_fill(const struct obj *o)
{
	unsigned char b = o->tag & 0xff;
	size_t i;

	for (i = 0; i + 8 <= o->size; i += PAGE) {
		if (memcmp(o->p + i, &o->tag, 8)) {
			fail("a live object lost its contents", o, i);
			return -1;
		}
	}
	for (i = 8; i < o->size; i += step(o->size)) {
		if (i % PAGE < 8)
			continue;
		if (o->p[i] != b) {
			fail("a live object lost its contents", o, i);
			return -1;
		}
	}
	/* The last byte, unless it is part of a tag. */
	i = o->size - 1;
	if (!(i % PAGE < 8 && i - i % PAGE + 8 <= o->size) && o->p[i] != b) {
		fail("a live object lost its last byte", o, o->size - 1);
		return -1;
	}
	atomic_fetch_add(&checks, 1);
	return 0;
}

static int check_zero(const struct obj *o)
{
	size_t i;

	for (i = 0; i < o->size; i += step(o->size) == 1 ? 1 : 512) {
		if (o->p[i]) {
			fail("a zeroed allocation holds a byte that is not zero", o, i);
			return -1;
		}
	}
	if (o->p[o->size - 1]) {
		fail("a zeroed allocation holds a byte that is not zero", o, o->size - 1);
		return -1;
	}
	atomic_fetch_add(&zero_checks, 1);
	return 0;
}

static size_t pick_size(uint64_t *s)
{
	uint64_t r = rnd(s) % 1000;

	if (r < 700)
		return 16 + rnd(s) % 4080;
	if (r < 995)
		return 16384 + rnd(s) % (256 << 10);
	return (8 << 20) + rnd(s) % (4 << 20);
}

/* mallctl(), or with -m the same control by MIB. */
static int ctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	       size_t newlen)
{
	size_t mib[8], miblen = 8;
	int ret;

	if (!bymib)
		return mallctl(name, oldp, oldlenp, newp, newlen);
	ret = mallctlnametomib(name, mib, &miblen);
	return ret ? ret : mallctlbymib(mib, miblen, oldp, oldlenp, newp, newlen);
}

/*
 * Prints whether the arena of huge allocations (opt.oversize_threshold and
 * up; jemalloc makes it at the first one) has the extent hooks arena 0
 * has: "huge arena IND: has arena 0's hooks" (or "lacks").
 */
static void huge_arena_hooks(void)
{
	extent_hooks_t *h0 = NULL, *h = NULL;
	size_t threshold = 0, len = sizeof(threshold);
	unsigned int ind;
	char name[64];
	void *p;

	if (ctl("opt.oversize_threshold", &threshold, &len, NULL, 0) || !threshold) {
		printf("huge arena: none\n");
		return;
	}
	p = mallocx(threshold, 0);
	len = sizeof(ind);
	if (!p || ctl("arenas.lookup", &ind, &len, &p, sizeof(p))) {
		printf("huge arena: not found\n");
		if (p)
			dallocx(p, 0);
		return;
	}
	snprintf(name, sizeof(name), "arena.%u.extent_hooks", ind);
	len = sizeof(h);
	if (!ctl("arena.0.extent_hooks", &h0, &len, NULL, 0) &&
	    !ctl(name, &h, &len, NULL, 0))
		printf("huge arena %u: %s arena 0's hooks\n", ind,
		       h == h0 ? "has" : "lacks");
	dallocx(p, 0);
}

static void purge_all(void)
{
	char name[64];

	snprintf(name, sizeof(name), "arena.%u.purge", MALLCTL_ARENAS_ALL);
	if (ctl(name, NULL, NULL, NULL, 0) == 0)
		atomic_fetch_add(&purges, 1);
}

/* Allocate or free in @slot: the heart of every thread's loop. */
static int step_slot(struct obj *o, uint64_t *s, uint64_t tag)
{
	int zero;

	if (o->p) {
		if (check_fill(o))
			return -1;
		if (narenas && rnd(s) % 2)
			dallocx(o->p, 0);
		else
			free(o->p);
		o->p = NULL;
		return 0;
	}
	o->size = pick_size(s);
	o->tag = tag;
	zero = 0;
	switch (rnd(s) % 5) {
	case 0:
		o->p = malloc(o->size);
		break;
	case 1:
		o->p = calloc(1, o->size);
		zero = 1;
		break;
	case 2:
		o->p = mallocx(o->size, MALLOCX_ZERO);
		zero = 1;
		break;
	case 3:
		o->p = narenas ? mallocx(o->size, MALLOCX_ZERO |
					 MALLOCX_ARENA(arenas[rnd(s) % narenas])) :
				 calloc(o->size, 1);
		zero = 1;
		break;
	default:
		o->p = narenas ? mallocx(o->size, MALLOCX_ARENA(arenas[rnd(s) % narenas])) :
				 malloc(o->size);
		break;
	}
	if (!o->p) {
		fprintf(stderr, "jestress: out of memory for %zu bytes\n", o->size);
		atomic_store(&failed, 1);
		return -1;
	}
	atomic_fetch_add(&allocs, 1);
	if (zero && check_zero(o))
		return -1;
	fill(o);
	return 0;
}

/* The child of -f: what it inherited, then a life of its own for a second. */
static int child(struct obj *objs, uint64_t seed)
{
	struct timespec end;
	uint64_t s = seed | 1, n = 0;
	int i;

	for (i = 0; i < SLOTS; i++)
		if (objs[i].p && check_fill(&objs[i]))
			return 1;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 1;
	deadline = end;
	while (!expired()) {
		if (step_slot(&objs[rnd(&s) % SLOTS], &s, 0xc0ffee00ULL + n++))
			return 1;
		if (n % 256 == 0)
			purge_all();
	}
	for (i = 0; i < SLOTS; i++)
		if (objs[i].p && step_slot(&objs[i], &s, 0))
			return 1;
	return 0;
}

/* The lowest descriptor that names /dev/scav (the shim's session), or -1. */
static int scav_fd(void)
{
	char path[64], target[64];
	int fd;

	for (fd = 3; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (!strcmp(target, "/dev/scav"))
			return fd;
	}
	return -1;
}

/* Whether a fork child, forked now, still has descriptor @fd. */
static bool fork_keeps(int fd)
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fcntl(fd, F_GETFD) < 0 ? 1 : 0);
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       !WEXITSTATUS(status);
}

/* Private_Clean + Private_Dirty of this process, KiB; -1 if unknown. */
static long private_kib(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r");
	char line[256];
	long sum = 0, v;
	int seen = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Private_Clean: %ld", &v) == 1 ||
		    sscanf(line, "Private_Dirty: %ld", &v) == 1) {
			sum += v;
			seen++;
		}
	fclose(f);
	return seen == 2 ? sum : -1;
}

/* -r: the child's side.  0 or 1. */
static int reuse_child(size_t size)
{
	long before = private_kib(), after;
	unsigned char *q = calloc(1, size);
	size_t i, bad = 0;

	if (!q || before < 0)
		return 1;
	q[0] = 2;
	/*
	 * Before the zeros are read: with transparent huge pages and no huge
	 * zero page (the VM's 512 MiB make the kernel go without), each read
	 * of the rest would fault in a huge page of its own.
	 */
	after = private_kib();
	for (i = 1; i < size; i++)
		bad += q[i] != 0;
	printf("reuse in a fork child: %zu nonzero bytes, private memory %ld -> %ld KiB\n",
	       bad, before, after);
	fflush(stdout);
	return bad || after < 0 || after - before >= 8 << 10;
}

/* -r: 64 MiB given back, then reused zeroed in a fork child.  0 or -1. */
static int reuse_in_child(void)
{
	size_t size = 64 << 20;
	unsigned char *p = malloc(size);
	pid_t pid;
	int status;

	if (!p)
		return -1;
	memset(p, 1, size);
	free(p);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(reuse_child(size));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		fprintf(stderr, "jestress: -r: the fork child's reuse failed\n");
		return -1;
	}
	return 0;
}

/* -g: once FILE is gone, this thread moves to an arena made now.  0 or -1. */
static int grow(void)
{
	unsigned int ind;
	size_t len = sizeof(ind);
	int i;

	for (i = 0; i < 12000 && (!access(grow_file, F_OK) || errno != ENOENT); i++)
		usleep(10 * 1000);
	if (!access(grow_file, F_OK) || errno != ENOENT) {
		fprintf(stderr, "jestress: %s still there after 120 s\n", grow_file);
		atomic_store(&failed, 1);
		return -1;
	}
	if (ctl("arenas.create", &ind, &len, NULL, 0) ||
	    ctl("thread.arena", NULL, NULL, &ind, sizeof(ind))) {
		fprintf(stderr, "jestress: no new arena for -g\n");
		atomic_store(&failed, 1);
		return -1;
	}
	printf("grew: thread 0 moved to arena %u\n", ind);
	fflush(stdout);
	return 0;
}

static void *thread(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	struct obj *objs = calloc(SLOTS, sizeof(*objs));
	uint64_t s = 0x9e3779b97f4a7c15ULL * (id + 1), n = 0;
	int forked = 0, closed = 0, grown = 0, i;
	uint64_t grow_until = 0;

	if (!objs) {
		atomic_store(&failed, 1);
		return NULL;
	}
	while ((!done(n) || n < grow_until) && !atomic_load(&failed)) {
		uint64_t tag = (id << 48) | ++n;

		if (step_slot(&objs[rnd(&s) % SLOTS], &s, tag))
			break;
		/* Now and then a pause: decay purges what was freed meanwhile. */
		if (n % 4096 == 0)
			usleep(20 * 1000);
		if (id == 0 && purge && n % 2048 == 0)
			purge_all();
		if (id == 0 && closing && !closed && halfway(n)) {
			/*
			 * Something freed just before: jemalloc's arena of
			 * huge allocations purges at once what it gets back.
			 */
			char *big = malloc(16 << 20);
			int fd, shim_fd = reopening ? scav_fd() : -1;

			if (big)
				memset(big, 1, 16 << 20);
			free(big);
			closed = 1;
			for (fd = 3; fd < 1024; fd++)
				close(fd);
			if (reopening) {
				fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
				if (fd < 0 || fd != shim_fd) {
					fprintf(stderr, "jestress: -o: /dev/null is at %d, the shim's session was at %d\n",
						fd, shim_fd);
					atomic_store(&failed, 1);
				} else if (!fork_keeps(fd)) {
					fprintf(stderr, "jestress: a fork child lost the descriptor opened after the close (%d)\n", fd);
					atomic_store(&failed, 1);
				}
				if (fd >= 0)
					close(fd);
			}
			atomic_fetch_add(&closes, 1);
		}
		if (id == 0 && grow_file && !grown && halfway(n)) {
			if (grow() < 0)
				break;
			grown = 1;
			grow_until = n + min_steps;
		}
		if (id == 0 && forking && !forked && halfway(n)) {
			pid_t pid = fork();
			int status;

			forked = 1;
			if (pid == 0)
				_exit(child(objs, s));
			if (pid < 0 || waitpid(pid, &status, 0) != pid ||
			    !WIFEXITED(status) || WEXITSTATUS(status)) {
				fprintf(stderr, "jestress: the forked child failed\n");
				atomic_store(&failed, 1);
			}
			atomic_fetch_add(&forks, 1);
		}
	}
	for (i = 0; i < SLOTS; i++)
		if (objs[i].p && !atomic_load(&failed))
			step_slot(&objs[i], &s, 0);
	free(objs);
	/* A slow machine: one purge at least, of what decay has by now. */
	if (id == 0 && purge && !atomic_load(&purges))
		purge_all();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t[64];
	int opt, i;

	while ((opt = getopt(argc, argv, "t:s:n:a:pfclxmg:ro")) != -1) {
		switch (opt) {
		case 't':
			nthreads = atoi(optarg);
			break;
		case 's':
			seconds = atoi(optarg);
			break;
		case 'n':
			min_steps = strtoul(optarg, NULL, 10);
			break;
		case 'a':
			narenas = atoi(optarg);
			break;
		case 'p':
			purge = 1;
			break;
		case 'f':
			forking = 1;
			break;
		case 'c':
			closing = 1;
			break;
		case 'l':
			if (mlockall(MCL_CURRENT | MCL_FUTURE)) {
				perror("jestress: mlockall");
				return 2;
			}
			break;
		case 'x':
			sethooks = 1;
			break;
		case 'm':
			bymib = 1;
			break;
		case 'g':
			grow_file = optarg;
			break;
		case 'r':
			reusing = 1;
			break;
		case 'o':
			reopening = 1;
			break;
		default:
			fprintf(stderr, "usage: jestress [-t THREADS] [-s SECONDS] [-n STEPS] [-a ARENAS] [-p] [-f] [-c] [-l] [-x] [-m] [-g FILE] [-r] [-o]\n");
			return 2;
		}
	}
	if (nthreads < 1 || nthreads > 64 || narenas < 0 || narenas > 16 || seconds < 1)
		return 2;
	if (reusing && reuse_in_child())
		return 1;
	if (sethooks) {
		size_t len = sizeof(hooks0);

		if (ctl("arena.0.extent_hooks", &hooks0, &len, NULL, 0))
			return 1;
		printf("hooks: %d\n", ctl("arena.0.extent_hooks", NULL, NULL,
					  &hooks0, sizeof(hooks0)));
	}
	for (i = 0; i < narenas; i++) {
		size_t len = sizeof(arenas[i]);
		extent_hooks_t *h = NULL;
		char name[64];

		if (ctl("arenas.create", &arenas[i], &len, NULL, 0)) {
			fprintf(stderr, "jestress: arenas.create failed\n");
			return 1;
		}
		/* With -x: whether the new arena has the hooks arena 0 has. */
		snprintf(name, sizeof(name), "arena.%u.extent_hooks", arenas[i]);
		len = sizeof(h);
		if (sethooks && !ctl(name, &h, &len, NULL, 0))
			same_hooks += h == hooks0;
	}
	if (sethooks && narenas)
		printf("arenas with arena 0's hooks: %d of %d\n", same_hooks, narenas);
	huge_arena_hooks();
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += seconds;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, thread, (void *)(uintptr_t)i))
			return 1;
	for (i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&failed))
		return 1;
	printf("jestress ok allocs=%lu checks=%lu zero_checks=%lu purges=%lu forks=%lu closes=%lu\n",
	       atomic_load(&allocs), atomic_load(&checks), atomic_load(&zero_checks),
	       atomic_load(&purges), atomic_load(&forks), atomic_load(&closes));
	return 0;
}

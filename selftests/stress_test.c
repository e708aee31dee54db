// SPDX-License-Identifier: GPL-2.0
/*
 * Reliability: the aging worker and the shrinker run flat out while a
 * process reports and claims, remaps, protects, locks, forks and madvises
 * the same memory, processes exit with live ranges, and one is OOM-killed
 * while scav reclaims it.  Nothing may be lost, and the kernel log must stay
 * clean (the VM runner checks it).  Needs root for the knobs.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "scav_util.h"

#define SLOTS 256
#define RUN_SECONDS 6

struct stress {
	int fd;
	size_t pg;
	char *a;		/* the allocator's slots, one page each */
	char *b;		/* remapped, protected, locked, madvised */
	volatile int stop;
	long claims, kept, discarded, lost;
	long remaps, remap_lost;
};

/* Report and claim single pages; check every claim against the contents. */
static void *allocator(void *arg)
{
	struct stress *st = arg;
	unsigned char gen[SLOTS] = { 0 };
	unsigned int seed = 1;

	while (!st->stop) {
		int i = rand_r(&seed) % SLOTS;
		char *p = st->a + (size_t)i * st->pg;
		struct scav_claim_range c = { (uintptr_t)p, st->pg };

		if (!gen[i]) {
			gen[i] = (rand_r(&seed) % 250) + 1;
			memset(p, gen[i], st->pg);
			if (sc_report1(st->fd, p, st->pg))
				st->lost++;
			continue;
		}
		if (sc_claim(st->fd, &c, 1, NULL)) {
			st->lost++;
			continue;
		}
		st->claims++;
		if (c.kept == st->pg && (unsigned char)p[0] == gen[i] &&
		    (unsigned char)p[st->pg - 1] == gen[i])
			st->kept++;
		else if (c.discarded == st->pg && is_zero(p, st->pg))
			st->discarded++;
		else
			st->lost++;
		gen[i] = 0;
	}
	return NULL;
}

/*
 * Report a chunk of b, then do something to it.  After a munmap, mremap or
 * MAP_FIXED the new contents must survive whatever scav does next.
 */
static void *mangler(void *arg)
{
	struct stress *st = arg;
	size_t chunk = 16 * st->pg;
	unsigned int seed = 2;

	while (!st->stop) {
		int i = rand_r(&seed) % 16;
		char *p = st->b + i * chunk, *q;
		int op = rand_r(&seed) % 7;

		sc_report1(st->fd, p, chunk);
		switch (op) {
		case 0:	/* replaced in place */
			q = mmap(p, chunk, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			if (q != p)
				break;
			memset(p, 0x77, chunk);
			st->remaps++;
			usleep(1000);
			if (p[0] != 0x77 || p[chunk - 1] != 0x77)
				st->remap_lost++;
			break;
		case 1:	/* moved away and back */
			q = mremap(p, chunk, chunk, MREMAP_MAYMOVE | MREMAP_FIXED,
				   st->b + 16 * chunk);
			if (q == MAP_FAILED)
				break;
			q = mremap(q, chunk, chunk, MREMAP_MAYMOVE | MREMAP_FIXED, p);
			if (q != p)
				break;
			memset(p, 0x78, chunk);
			st->remaps++;
			usleep(1000);
			if (p[0] != 0x78 || p[chunk - 1] != 0x78)
				st->remap_lost++;
			break;
		case 2:
			mprotect(p, chunk, PROT_READ);
			mprotect(p, chunk, PROT_READ | PROT_WRITE);
			break;
		case 3:
			if (!mlock(p, chunk))
				munlock(p, chunk);
			break;
		case 4:
			madvise(p, chunk, MADV_DONTNEED);
			break;
		case 5:
			if (!fork())
				_exit(0);
			break;
		default: {
			struct scav_claim_range c = { (uintptr_t)p, chunk };

			sc_claim(st->fd, &c, 1, NULL);
		}
		}
	}
	return NULL;
}

/* Children that report and exit, leaving the module to clean up. */
static void *exiter(void *arg)
{
	struct stress *st = arg;

	while (!st->stop) {
		pid_t pid = fork();

		if (pid == 0) {
			int fd = open(SCAV_DEVICE_PATH, O_RDWR);
			char *m = map_filled(MiB, 3);

			if (fd >= 0 && m)
				sc_report1(fd, m, MiB);
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	return NULL;
}

/* Memory pressure: drop_caches runs the shrinker over everything. */
static void *presser(void *arg)
{
	struct stress *st = arg;

	while (!st->stop) {
		write_file("/proc/sys/vm/drop_caches", "2");
		usleep(20000);
	}
	return NULL;
}

FIXTURE(stress) {
	struct tunables saved;
};

FIXTURE_SETUP(stress)
{
	if (geteuid() != 0)
		SETUP_SKIP("needs root for /sys/kernel/scav");
	if (access(SCAV_SYSFS "enabled", F_OK))
		SETUP_SKIP("scav.ko not loaded");
	tunables_save(&self->saved);
	/* The worker as eager as it goes: everything idle is old at once. */
	ASSERT_EQ(0, set_aging("0", "10", "0", "0"));
}

FIXTURE_TEARDOWN(stress)
{
	tunables_restore(&self->saved);
}

TEST_F_TIMEOUT(stress, everything_at_once_loses_nothing, 120)
{
	struct stress st = { .pg = pagesz() };
	pthread_t th[4];
	double t0 = now_s();
	int i;

	st.fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, st.fd);
	st.a = mmap(NULL, SLOTS * st.pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	st.b = mmap(NULL, 17 * 16 * st.pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st.a);
	ASSERT_NE(MAP_FAILED, st.b);

	ASSERT_EQ(0, pthread_create(&th[0], NULL, allocator, &st));
	ASSERT_EQ(0, pthread_create(&th[1], NULL, mangler, &st));
	ASSERT_EQ(0, pthread_create(&th[2], NULL, exiter, &st));
	ASSERT_EQ(0, pthread_create(&th[3], NULL, presser, &st));
	while (now_s() - t0 < RUN_SECONDS)
		usleep(100000);
	st.stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;

	TH_LOG("%ld claims: %ld kept, %ld discarded, %ld wrong; %ld remaps, %ld lost new data",
	       st.claims, st.kept, st.discarded, st.lost, st.remaps, st.remap_lost);
	EXPECT_EQ(0, st.lost);
	EXPECT_EQ(0, st.remap_lost);
	EXPECT_LT(0, st.claims);
	EXPECT_LT(0, st.discarded);
	EXPECT_LT(0, st.remaps);
	close(st.fd);
}

TEST_F_TIMEOUT(stress, oom_kill_while_scav_reclaims_the_victim, 180)
{
	long long kills = proc_value("/proc/vmstat", "oom_kill");
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Idle memory of its own, then more than the machine has. */
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *m = map_filled(64 * MiB, 4), *hog;
		size_t i, len = 2048 * MiB;

		write_file("/proc/self/oom_score_adj", "1000");
		if (fd < 0 || !m || sc_report1(fd, m, 64 * MiB))
			_exit(1);
		hog = mmap(NULL, len, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		for (i = 0; hog != MAP_FAILED && i < len; i += pagesz())
			hog[i] = 1;
		_exit(2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	EXPECT_EQ(SIGKILL, WTERMSIG(status));
	EXPECT_LT(kills, proc_value("/proc/vmstat", "oom_kill"));
}

TEST_HARNESS_MAIN

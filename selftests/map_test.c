// SPDX-License-Identifier: GPL-2.0
/*
 * The page-state map (module/map.c): registration and drops, mapping,
 * report by a store and claim by a compare-and-swap, discards on request
 * and by aging, figures, address reuse, the session's end, and bad input.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "scav_cgroup.h"
#include "scav_util.h"

FIXTURE(map) {
	int fd;
	size_t pg;
	char *mem;		/* 1 MiB, filled */
	size_t len;
	struct scav_map_region reg;
	_Atomic uint32_t *words;
	_Atomic uint32_t *summary;
	struct tunables saved;
};

FIXTURE_SETUP(map)
{
	struct scav_stats st = {};

	self->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
			   strerror(errno));
	if (geteuid())
		SETUP_SKIP("needs root to set the aging knobs");
	tunables_save(&self->saved);
	/* No aging: only the test's requests discard. */
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	self->pg = pagesz();
	self->len = MiB;
	self->mem = map_filled(self->len, 5);
	ASSERT_NE(NULL, self->mem);
	self->words = map_region(self->fd, self->mem, self->len, &self->reg,
				 &self->summary);
	ASSERT_NE(NULL, self->words) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, self->reg.map_offset % self->pg);
}

FIXTURE_TEARDOWN(map)
{
	if (self->fd >= 0)
		close(self->fd);
	tunables_restore(&self->saved);
}

/* Claim page @i: its old state (IDLE: kept, DISCARDED: zeros), or BUSY. */
static uint32_t map_claim(_Atomic uint32_t *words, size_t i)
{
	uint32_t old = atomic_load(&words[i]);

	while (old == SCAV_PAGE_IDLE || old == SCAV_PAGE_DISCARDED)
		if (atomic_compare_exchange_weak(&words[i], &old, SCAV_PAGE_USED))
			return old;
	return old;
}

static bool page_is(const char *p, size_t pg, char c)
{
	size_t i;

	for (i = 0; i < pg; i++)
		if (p[i] != c)
			return false;
	return true;
}

/*
 * Watch page @i every 20 ms until it is discarded, for at most 20 s from
 * @t0: when it was seen discarded (or the last look), its word in *@w.
 */
static long long seen_discarded(_Atomic uint32_t *words, size_t i,
				long long t0, uint32_t *w)
{
	long long now = now_ms();

	while (now - t0 < 20000) {
		*w = atomic_load(&words[i]);
		now = now_ms();
		if (*w == SCAV_PAGE_DISCARDED)
			break;
		usleep(20000);
	}
	return now;
}

TEST_F(map, the_map_starts_all_in_use_and_is_not_executable)
{
	size_t i, n = self->len / self->pg;
	void *x;

	for (i = 0; i < n; i++)
		ASSERT_EQ(SCAV_PAGE_USED, atomic_load(&self->words[i]));
	/* No PROT_EXEC, now or later. */
	EXPECT_EQ(-1, mprotect((void *)self->words, self->reg.map_size,
			       PROT_READ | PROT_EXEC));
	x = mmap(NULL, self->reg.map_size, PROT_READ | PROT_EXEC, MAP_SHARED,
		 self->fd, self->reg.map_offset);
	EXPECT_EQ(MAP_FAILED, x);
}

TEST_F(map, reclaim_discards_exactly_the_pages_left_idle)
{
	size_t i, n = self->len / self->pg;
	int64_t got;

	/* Pages 0-99 idle, 100-199 idle then claimed back, the rest in use. */
	for (i = 0; i < 200; i++)
		map_report(self->words, self->summary, i);
	for (i = 100; i < 200; i++)
		ASSERT_EQ(SCAV_PAGE_IDLE, map_claim(self->words, i));
	got = sc_reclaim(self->fd, 0, 0);
	EXPECT_EQ(100 * self->pg, got);
	for (i = 0; i < n; i++) {
		uint32_t w = atomic_load(&self->words[i]);

		if (i < 100) {
			ASSERT_EQ(SCAV_PAGE_DISCARDED, w);
			ASSERT_EQ(SCAV_PAGE_DISCARDED, map_claim(self->words, i));
			ASSERT_TRUE(page_is(self->mem + i * self->pg, self->pg, 0));
		} else {
			ASSERT_EQ(SCAV_PAGE_USED, w);
			ASSERT_TRUE(holds_pattern(self->mem, self->mem + i * self->pg, self->pg, 5));
		}
	}
	/* Nothing left to take. */
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
}

TEST_F(map, a_budget_is_kept_and_the_rest_stays_idle)
{
	size_t i;

	for (i = 0; i < 64; i++)
		map_report(self->words, self->summary, i);
	EXPECT_EQ(16 * self->pg, sc_reclaim(self->fd, 0, 16 * self->pg));
	for (i = 0; i < 64; i++)
		EXPECT_EQ(i < 16 ? SCAV_PAGE_DISCARDED : SCAV_PAGE_IDLE,
			  atomic_load(&self->words[i]));
	/* The rest, on the next request: the chunk is still pending. */
	EXPECT_EQ(48 * self->pg, sc_reclaim(self->fd, 0, 0));
}

/*
 * A huge page idle as a whole spans eight chunks of the map: it is zapped
 * as one, as MADV_DONTNEED of it would be.  Were it cut at every chunk,
 * its PMD would be split, and the page table left behind would have every
 * later fault there take a small page: the next touch would map one page,
 * not 512 (what Go's bursts pay, Documentation/benchmarks.md section 12).
 * The second block is idle but for its first page: split, as it must be.
 */
TEST_F(map, a_huge_page_idle_as_a_whole_is_discarded_whole)
{
	size_t blk = 2 * MiB, pg = self->pg, n = blk / pg, i;
	char *raw = mmap(NULL, 3 * blk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *m = (char *)(((uintptr_t)raw + blk - 1) & ~(blk - 1));
	struct scav_map_region reg;
	_Atomic uint32_t *words, *summary;
	long huge;

	ASSERT_NE(MAP_FAILED, raw);
	ASSERT_EQ(0, madvise(m, 2 * blk, MADV_HUGEPAGE));
	memset(m, 0x5e, 2 * blk);
	huge = rollup_kb("AnonHugePages");
	if (huge < 4096)
		SKIP(goto out, "no transparent huge pages here (AnonHugePages %ld kB)",
		     huge);
	words = map_region(self->fd, m, 2 * blk, &reg, &summary);
	ASSERT_NE(NULL, words) TH_LOG("%s", strerror(errno));
	/*
	 * The second block, split with one page left, is what khugepaged
	 * collapses again (max_ptes_none is 511), with every page present:
	 * out of its reach.  Its huge page stays huge until the zap.
	 */
	ASSERT_EQ(0, madvise(m + blk, blk, MADV_NOHUGEPAGE));
	for (i = 0; i < 2 * n; i++)
		if (i != n)
			map_report(words, summary, i);
	EXPECT_EQ((2 * n - 1) * pg, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(0, pagemap_present(m, blk));
	EXPECT_EQ(1, pagemap_present(m + blk, blk));
	for (i = 0; i < 2 * n; i++)
		ASSERT_EQ(i == n ? SCAV_PAGE_USED : SCAV_PAGE_DISCARDED,
			  map_claim(words, i));
	m[0] = 1;
	m[blk + pg] = 1;
	TH_LOG("one touch each: %ld and %ld pages present (AnonHugePages %ld kB before)",
	       pagemap_present(m, blk), pagemap_present(m + blk, blk), huge);
	EXPECT_EQ((long)n, pagemap_present(m, blk));
	EXPECT_EQ(2, pagemap_present(m + blk, blk));
	EXPECT_TRUE(page_is(m + pg, pg, 0));
	EXPECT_TRUE(page_is(m + blk, pg, 0x5e));
out:
	munmap(raw, 3 * blk);
}

TEST_F(map, a_report_is_seen_only_with_its_summary_bit_and_reported_word)
{
	atomic_store(&self->words[3], SCAV_PAGE_IDLE);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	/* The chunk's bit without the reported word: not looked at either. */
	atomic_fetch_or(&self->summary[1], 1);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&self->words[3]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 3 * self->pg, self->pg, 5));
	/* Both: seen, and the reported word is cleared. */
	atomic_store(&self->summary[0], 1);
	EXPECT_EQ(self->pg, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&self->words[3]));
	EXPECT_EQ(0, atomic_load(&self->summary[0]));
	EXPECT_EQ(0, atomic_load(&self->summary[1]));
}

TEST_F(map, unmapped_pages_are_never_touched_again)
{
	char *again;
	size_t i;

	for (i = 0; i < 64; i++)
		map_report(self->words, self->summary, i);
	/* Pages 8-15 replaced by a new mapping, filled; the map still says idle. */
	again = mmap(self->mem + 8 * self->pg, 8 * self->pg, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(self->mem + 8 * self->pg, again);
	memset(again, 9, 8 * self->pg);
	EXPECT_EQ(56 * self->pg, sc_reclaim(self->fd, 0, 0));
	for (i = 8; i < 16; i++) {
		EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&self->words[i]));
		EXPECT_TRUE(page_is(self->mem + i * self->pg, self->pg, 9));
	}
}

/*
 * Parts of a region unmapped and mapped again, moved away, and moved over
 * by another mapping: their words still say idle, but none of those
 * addresses holds what was reported, and nothing there is discarded; the
 * pages moved away keep their contents at their new address.
 */
TEST_F(map, pages_unmapped_moved_or_moved_over_are_never_touched_again)
{
	size_t pg = self->pg, i;
	char *hole = self->mem + 8 * pg, *away = self->mem + 16 * pg;
	char *over = self->mem + 24 * pg, *p, *src, *dst;

	for (i = 0; i < 64; i++)
		map_report(self->words, self->summary, i);
	/* Pages 8-15: unmapped, then a new mapping in the hole. */
	ASSERT_EQ(0, munmap(hole, 8 * pg));
	p = mmap(hole, 8 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(hole, p);
	memset(p, 9, 8 * pg);
	/* Pages 16-23: moved out of the region, leaving a hole. */
	dst = mmap(NULL, 8 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(dst, mremap(away, 8 * pg, 8 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, dst));
	/* Pages 24-31: another mapping moved over them. */
	src = map_filled(8 * pg, 7);
	ASSERT_NE(NULL, src);
	ASSERT_EQ(over, mremap(src, 8 * pg, 8 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, over));

	EXPECT_EQ(40 * pg, sc_reclaim(self->fd, 0, 0));
	for (i = 0; i < 64; i++) {
		bool kept = i >= 8 && i < 32;

		EXPECT_EQ(kept ? SCAV_PAGE_IDLE : SCAV_PAGE_DISCARDED,
			  atomic_load(&self->words[i])) TH_LOG("page %zu", i);
	}
	for (i = 8; i < 16; i++)
		EXPECT_TRUE(page_is(self->mem + i * pg, pg, 9));
	/* Moved whole: the pattern written at pages 16-23. */
	EXPECT_TRUE(holds_pattern(dst - 16 * pg, dst, 8 * pg, 5));
	EXPECT_TRUE(holds_pattern(over, over, 8 * pg, 7));
	munmap(dst, 8 * pg);
}

TEST_F(map, scribbles_harm_nothing_outside_idle_pages)
{
	size_t i, n = self->len / self->pg, sw;
	unsigned int seed = 1;

	/* Random words, every summary bit and some past the end. */
	for (i = 0; i < n; i++)
		atomic_store(&self->words[i], rand_r(&seed) % 6);
	sw = (self->reg.map_size - self->reg.summary_offset) / 4;
	for (i = 0; i < sw; i++)
		atomic_store(&self->summary[i], ~0u);
	ASSERT_LE(0, sc_reclaim(self->fd, 0, 0));
	for (i = 0; i < n; i++) {
		uint32_t w = atomic_load(&self->words[i]);

		if (w == SCAV_PAGE_DISCARDED)
			continue;	/* idle before, or written so */
		ASSERT_TRUE(holds_pattern(self->mem, self->mem + i * self->pg, self->pg, 5));
	}
}

struct scribbler {
	_Atomic uint32_t *words, *summary;
	size_t nwords, nsummary;
	atomic_int stop;
};

/* Any value into any word, the map's states and 32-bit noise alike. */
static void *scribble(void *arg)
{
	struct scribbler *sc = arg;
	uint64_t x = 88172645463325252ULL;

	while (!atomic_load(&sc->stop)) {
		uint32_t v;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = x & 1 ? (uint32_t)(x >> 32) : (uint32_t)(x >> 40) % 6;
		if ((x >> 1) % 16)
			atomic_store(&sc->words[(x >> 8) % sc->nwords], v);
		else
			atomic_store(&sc->summary[(x >> 8) % sc->nsummary], (uint32_t)(x >> 32));
	}
	return NULL;
}

/*
 * A thread writes anything anywhere in the map for 3 s while the aging
 * worker runs every 20 ms with a 20 ms age and drop_caches runs the
 * shrinker every 100 ms: every page of the region still holds its
 * contents or reads as zeros (the process can discard its own memory, by
 * writing IDLE), pages whose words it never wrote and memory beside the
 * region are untouched, and the figures stay within the region and go
 * back when the session ends.
 */
TEST_F(map, scribbles_under_aging_and_pressure_harm_nothing_else)
{
	size_t pg = self->pg, i, n = self->len / pg;
	/* The last 64 pages' words are never written: in use throughout. */
	struct scribbler sc = { self->words, self->summary, n - 64,
				(self->reg.map_size - self->reg.summary_offset) / 4 };
	char *beside = map_filled(MiB, 6);
	long long idle_before = knob_read("idle_bytes"), end;
	long long aged = knob_read("reclaimed_age_bytes");
	struct scav_stats st;
	pthread_t t;

	ASSERT_NE(NULL, beside);
	ASSERT_EQ(0, set_aging("20", "20", "0", "0"));
	ASSERT_EQ(0, pthread_create(&t, NULL, scribble, &sc));
	for (end = now_ms() + 3000; now_ms() < end;) {
		write_file("/proc/sys/vm/drop_caches", "3");
		ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
		EXPECT_GE(self->len, st.idle_bytes);
		EXPECT_GE(self->len, st.idle_resident_bytes);
		usleep(100 * 1000);
	}
	atomic_store(&sc.stop, 1);
	pthread_join(t, NULL);
	/* Pages the scribbler left idle were aged out meanwhile. */
	EXPECT_LT(aged, knob_read("reclaimed_age_bytes"));
	for (i = 0; i < n; i++) {
		char *p = self->mem + i * pg;

		EXPECT_TRUE(holds_pattern(self->mem, p, pg, 5) ||
			    (i < n - 64 && page_is(p, pg, 0)))
			TH_LOG("page %zu", i);
	}
	EXPECT_TRUE(holds_pattern(beside, beside, MiB, 6));
	close(self->fd);
	self->fd = -1;
	EXPECT_GE(idle_before, knob_read("idle_bytes"));
	munmap(beside, MiB);
}

TEST_F(map, bad_regions_are_refused)
{
	struct scav_map_region r;
	char *sh = mmap(NULL, MiB, PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *other = map_filled(MiB, 1);

	ASSERT_NE(MAP_FAILED, sh);
	ASSERT_NE(NULL, other);
#define TRY(a, l, f, want) do {						\
		memset(&r, 0, sizeof(r));				\
		r.addr = (uintptr_t)(a);				\
		r.len = (l);						\
		r.flags = (f);						\
		EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_REGION, &r));\
		EXPECT_EQ(want, errno);					\
	} while (0)
	TRY(other + 1, self->pg, 0, EINVAL);		/* unaligned */
	TRY(other, self->pg + 1, 0, EINVAL);
	TRY(other, 0, 0, EINVAL);			/* empty */
	TRY(-self->pg, 2 * self->pg, 0, EINVAL);	/* wraps */
	TRY(other, self->pg, 1, EINVAL);		/* a drop with a range */
	TRY(other, self->pg, 2, EINVAL);		/* unknown flag */
	TRY(sh, MiB, 0, EINVAL);			/* shared */
	TRY(self->mem, self->pg, 0, EEXIST);		/* overlaps */
	TRY(other, 128ULL << 30, 0, EINVAL);		/* too large */
	munmap(other + MiB / 2, MiB / 2);
	TRY(other, MiB, 0, ENOMEM);			/* partly unmapped */
	memset(&r, 0, sizeof(r));
	r.addr = (uintptr_t)other;
	r.len = self->pg;
	r.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_REGION, &r));
	EXPECT_EQ(EINVAL, errno);
#undef TRY
}

/*
 * A user's maps are bounded (128 MiB, mapped or not): a 64 GiB region's
 * map is 64 MiB, so a second one fits and a third does not, in another
 * session of the same user too.
 */
TEST_F(map, a_user_cannot_pin_unbounded_map_memory)
{
	const size_t big = 64ULL << 30;
	struct scav_map_region r[3];
	struct scav_stats st = {};
	char *m[3];
	int fd2, i;

	for (i = 0; i < 3; i++) {
		m[i] = mmap(NULL, big, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		ASSERT_NE(MAP_FAILED, m[i]);
		memset(&r[i], 0, sizeof(r[i]));
		r[i].addr = (uintptr_t)m[i];
		r[i].len = big;
	}
	fd2 = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ioctl(fd2, SCAV_IOC_STATS, &st));
	EXPECT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_REGION, &r[0]));
	EXPECT_EQ(-1, ioctl(fd2, SCAV_IOC_MAP_REGION, &r[1]));
	EXPECT_EQ(ENOSPC, errno);
	/* Ending the session with the map unmapped gives the room back. */
	close(self->fd);
	self->fd = -1;
	munmap((void *)self->words, self->reg.map_size);
	/* The region's memory goes from a worker: let it run. */
	for (i = 0; i < 50; i++) {
		if (!ioctl(fd2, SCAV_IOC_MAP_REGION, &r[1]))
			break;
		ASSERT_EQ(ENOSPC, errno);
		usleep(100000);
	}
	EXPECT_GT(50, i);
	EXPECT_EQ(-1, ioctl(fd2, SCAV_IOC_MAP_REGION, &r[2]));
	EXPECT_EQ(ENOSPC, errno);
	close(fd2);
	for (i = 0; i < 3; i++)
		munmap(m[i], big);
}

TEST_F(map, bad_mappings_of_the_map_are_refused)
{
	size_t sz = self->reg.map_size;

	/* Private, wrong size, wrong offsets, no such region. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				   self->fd, self->reg.map_offset));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, sz + self->pg, PROT_READ, MAP_SHARED,
				   self->fd, self->reg.map_offset));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, self->pg, PROT_READ, MAP_SHARED,
				   self->fd, self->reg.map_offset + self->pg));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, sz, PROT_READ, MAP_SHARED, self->fd,
				   self->reg.map_offset + (5ULL << 32)));
	/* Not grown. */
	EXPECT_EQ(MAP_FAILED, mremap((void *)self->words, sz, sz + self->pg, MREMAP_MAYMOVE));
}

/*
 * The process unmaps its map while the region stays registered, in part
 * and then whole: the module goes on by its own mapping of the words (so
 * pages reported before are discarded on request, and only they), and a
 * new mapping shows the same words.
 */
TEST_F(map, a_map_unmapped_and_mapped_again_is_the_same_map)
{
	size_t sz = self->reg.map_size, i;
	_Atomic uint32_t *w;
	struct scav_stats st;

	for (i = 0; i < 10; i++)
		map_report(self->words, self->summary, i);
	/* Its first page (the words of pages 0-1023) goes first, then all. */
	ASSERT_EQ(0, munmap((void *)self->words, self->pg));
	EXPECT_EQ(10 * self->pg, sc_reclaim(self->fd, 0, 0));
	ASSERT_EQ(0, munmap((void *)self->words, sz));
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(10 * self->pg, st.idle_bytes);
	EXPECT_EQ(10 * self->pg, st.discarded_bytes);
	EXPECT_TRUE(page_is(self->mem, 10 * self->pg, 0));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 10 * self->pg,
				  self->len - 10 * self->pg, 5));

	w = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd,
		 self->reg.map_offset);
	ASSERT_NE(MAP_FAILED, w);
	self->words = w;
	self->summary = (void *)((char *)w + self->reg.summary_offset);
	for (i = 0; i < 10; i++)
		EXPECT_EQ(SCAV_PAGE_DISCARDED, map_claim(w, i)) TH_LOG("page %zu", i);
	EXPECT_EQ(SCAV_PAGE_USED, atomic_load(&w[10]));
	map_report(w, self->summary, 20);
	EXPECT_EQ(self->pg, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(SCAV_PAGE_DISCARDED, map_claim(w, 20));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
}

TEST_F(map, a_fork_child_gets_no_map_and_cannot_map_it)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		unsigned char vec;
		void *m;

		/* Not inherited: the address is not mapped in the child. */
		if (mincore((void *)self->words, self->pg, &vec) == 0 || errno != ENOMEM)
			_exit(1);
		m = mmap(NULL, self->reg.map_size, PROT_READ, MAP_SHARED,
			 self->fd, self->reg.map_offset);
		_exit(m == MAP_FAILED && errno == EPERM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * What a session's owner runs after execve() (the test below):
 * SCAV_MAP_EXEC names the descriptor it kept and its old map's offset.
 * The address space the session was bound to is gone: the map cannot be
 * mapped again, and the session takes nothing from the new image.
 */
__attribute__((constructor)) static void map_exec_image(void)
{
	const char *e = getenv("SCAV_MAP_EXEC");
	struct scav_map_region r;
	unsigned long long off;
	size_t pg = pagesz();
	char *mem;
	int fd;

	if (!e)
		return;
	if (sscanf(e, "%d %llx", &fd, &off) != 2)
		_exit(10);
	if (mmap(NULL, pg, PROT_READ, MAP_SHARED, fd, off) != MAP_FAILED ||
	    errno != EPERM)
		_exit(11);
	mem = map_filled(pg, 2);
	if (!mem)
		_exit(12);
	memset(&r, 0, sizeof(r));
	r.addr = (uintptr_t)mem;
	r.len = pg;
	if (ioctl(fd, SCAV_IOC_MAP_REGION, &r) != -1 || errno != EPERM)
		_exit(13);
	if (sc_report1(fd, mem, pg) != -1 || errno != EPERM)
		_exit(14);
	_exit(holds_pattern(mem, mem, pg, 2) ? 0 : 15);
}

/*
 * A session's owner that calls execve() with the descriptor left open (no
 * O_CLOEXEC): its regions went with its old address space; the new image
 * can neither map their maps nor use the session.
 */
TEST_F(map, an_owner_that_execs_leaves_its_maps_behind)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct scav_map_region reg;
		_Atomic uint32_t *w, *sum;
		char env[64], *argv[] = { "map_test", NULL };
		char *envp[] = { env, NULL };
		char *mem = map_filled(MiB, 4);
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);

		if (fd < 0 || !mem)
			_exit(20);
		w = map_region(fd, mem, MiB, &reg, &sum);
		if (!w)
			_exit(21);
		map_report(w, sum, 0);
		map_report(w, sum, 1);
		snprintf(env, sizeof(env), "SCAV_MAP_EXEC=%d %llx", fd,
			 (unsigned long long)reg.map_offset);
		execve("/proc/self/exe", argv, envp);
		_exit(22);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(map, the_map_outlives_the_session_and_does_nothing_after)
{
	_Atomic uint32_t *w = self->words;

	map_report(self->words, self->summary, 0);
	close(self->fd);
	self->fd = -1;
	/*
	 * Still mapped, still writable; nothing will discard page 0 or
	 * page 1, reported after the end, though aging now takes anything
	 * idle for 50 ms, and pressure anything idle at all.
	 */
	atomic_store(&w[1], SCAV_PAGE_IDLE);
	atomic_store(&self->summary[0], 1);
	ASSERT_EQ(0, set_aging("50", "50", "0", "0"));
	usleep(1000 * 1000);
	write_file("/proc/sys/vm/drop_caches", "3");
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&w[0]));
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&w[1]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, 2 * self->pg, 5));
	EXPECT_EQ(0, munmap((void *)w, self->reg.map_size));
}

TEST_F(map, aging_discards_map_pages_once_they_are_old)
{
	long long start = now_ms();
	size_t i;

	for (i = 0; i < 32; i++)
		map_report(self->words, self->summary, i);
	ASSERT_EQ(0, set_aging("300", "100", "0", "0"));
	while (atomic_load(&self->words[31]) != SCAV_PAGE_DISCARDED &&
	       now_ms() - start < 20000)
		usleep(50000);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&self->words[i]));
	EXPECT_EQ(SCAV_PAGE_USED, atomic_load(&self->words[32]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 32 * self->pg, self->pg, 5));
}

/*
 * A page reported into a chunk that is already pending waits its own idle
 * age: the chunk's stamp is that of its newest report (its older pages then
 * wait longer than theirs, never less).  The chunk used to keep the stamp
 * of its first report, and page 1 went 1 s after it was reported with an
 * idle age of 2 s.
 */
TEST_F(map, a_page_reported_into_a_pending_chunk_waits_its_own_age)
{
	long long t0, t1, now = 0;
	uint32_t w = SCAV_PAGE_IDLE;

	ASSERT_EQ(0, set_aging("2000", "100", "0", "0"));
	t0 = now_ms();
	map_report(self->words, self->summary, 0);
	/* Harvested meanwhile: the chunk is pending when page 1 comes. */
	usleep(1000 * 1000);
	t1 = now_ms();
	map_report(self->words, self->summary, 1);
	now = seen_discarded(self->words, 1, t0, &w);
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	TH_LOG("page 1 went %lld ms after its report, page 0 %lld ms after its own",
	       now - t1, now - t0);
	ASSERT_EQ(SCAV_PAGE_DISCARDED, w);
	/*
	 * Seen at most 20 ms after it went: not before its age, but for
	 * the module's clock ticks (jiffies, at most 4 ms each here).
	 */
	EXPECT_LE(2000 - 10, now - t1);
	EXPECT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&self->words[0]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 2 * self->pg,
				  self->len - 2 * self->pg, 5));
}

/*
 * But not for ever: a chunk whose first page goes idle and back every
 * 200 ms, with an idle age of 1 s, has its other 63 pages aged out once
 * the chunk has been pending for twice the age.  Before, every report
 * into it put them off again, and they stayed idle as long as it went on.
 */
TEST_F(map, a_chunk_reported_into_again_and_again_still_ages)
{
	long long t0 = now_ms(), went = 0;
	uint32_t w;
	size_t i;

	for (i = 1; i < SCAV_MAP_CHUNK_PAGES; i++)
		map_report(self->words, self->summary, i);
	ASSERT_EQ(0, set_aging("1000", "100", "0", "0"));
	while (now_ms() - t0 < 20000) {
		map_report(self->words, self->summary, 0);
		usleep(200 * 1000);
		/* Page 0 may go with the rest, before its own age. */
		w = map_claim(self->words, 0);
		while (w == SCAV_PAGE_BUSY) {	/* a pass is discarding it */
			ASSERT_EQ(0, map_wait(self->fd, &self->reg, self->mem,
					      self->pg));
			w = map_claim(self->words, 0);
		}
		ASSERT_TRUE(w == SCAV_PAGE_IDLE || w == SCAV_PAGE_DISCARDED);
		if (atomic_load(&self->words[SCAV_MAP_CHUNK_PAGES - 1]) ==
		    SCAV_PAGE_DISCARDED) {
			went = now_ms() - t0;
			break;
		}
	}
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	TH_LOG("pages 1-63 went within %lld ms of their report, with an idle age of 1000 ms",
	       went);
	ASSERT_LT(0, went);
	/* Not before twice the age, but for the clock's ticks. */
	EXPECT_LE(2000 - 10, went);
	for (i = 1; i < SCAV_MAP_CHUNK_PAGES; i++)
		EXPECT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&self->words[i]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + SCAV_MAP_CHUNK_PAGES * self->pg,
				  self->len - SCAV_MAP_CHUNK_PAGES * self->pg, 5));
}

/*
 * Aging takes the oldest idle memory first, map pages and ranges alike: a
 * chunk counts from the harvest that made it pending (STATS harvests, as
 * every pass does).  One run, with a budget for a bit less than 1 MiB,
 * and 1 MiB idle each in this session's map and in another process's
 * range.  Before, map pages went after every range of a pass, whatever
 * their age.
 */
static void map_against_range(struct __test_metadata *_metadata,
			      FIXTURE_DATA(map) *self, bool map_first)
{
	size_t i, n = self->len / self->pg, kept = 0;
	struct idle_child k;
	struct scav_stats st;
	long long busy, other;

	ASSERT_EQ(0, knob_write("enabled", "0"));
	if (!map_first) {
		ASSERT_EQ(0, idle_child_start(&k, MiB));
		usleep(100 * 1000);
	}
	for (i = 0; i < n; i++)
		map_report(self->words, self->summary, i);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	if (map_first) {
		usleep(100 * 1000);
		ASSERT_EQ(0, idle_child_start(&k, MiB));
	}
	EXPECT_EQ(0, one_aging_run(&busy));
	/* A session skipped as busy would make the run say nothing. */
	EXPECT_EQ(0, busy);
	other = idle_child_end(&k);
	for (i = 0; i < n; i++)
		kept += atomic_load(&self->words[i]) == SCAV_PAGE_IDLE;
	TH_LOG("%s first: the map kept %zu of %zu pages idle, the range lost %lld bytes",
	       map_first ? "map" : "range", kept, n, other);
	if (map_first) {
		EXPECT_EQ(0, other);
		/* The budget bought all but the last page. */
		EXPECT_GE(1, kept);
	} else {
		EXPECT_EQ((long long)MiB, other);
		EXPECT_EQ(n, kept);
	}
}

TEST_F_TIMEOUT(map, aging_takes_map_pages_older_than_a_range_first, 90)
{
	map_against_range(_metadata, self, true);
}

TEST_F_TIMEOUT(map, aging_takes_a_range_older_than_map_pages_first, 90)
{
	map_against_range(_metadata, self, false);
}

/*
 * A process that reports into a new chunk every 25 ms, with an idle age of
 * a second, still has its pages aged on time: its pending chunks are
 * counted by harvest in a short list (8 entries), full all along here, so
 * that two entries merge at each harvest.  Merged into the newest, as they
 * first were, the entry that took every new harvest ended up the oldest,
 * with the stamp of the last harvest: the map was then never old enough
 * to be picked while the reports went on.
 */
TEST_F_TIMEOUT(map, a_map_reported_into_all_the_time_still_ages_on_time, 90)
{
	const size_t len = 32 * MiB, chunks = 120;
	long long t0, at[120], end;
	struct scav_map_region r = {};
	_Atomic uint32_t *w, *sum;
	struct scav_stats st;
	size_t c, due = 0, gone = 0;
	char *mem;

	mem = map_no_thp_filled(len, 6);
	ASSERT_NE(NULL, mem);
	w = map_region(self->fd, mem, len, &r, &sum);
	ASSERT_NE(NULL, w);
	ASSERT_EQ(0, set_aging("1000", "100", "0", "0"));
	t0 = now_ms();
	for (c = 0; c < chunks; c++) {
		at[c] = now_ms();
		map_report(w, sum, c * SCAV_MAP_CHUNK_PAGES);
		ASSERT_EQ(0, sc_stats(self->fd, &st));	/* harvested now */
		while (now_ms() < t0 + (long long)(c + 1) * 25)
			usleep(5000);
	}
	end = now_ms();
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	/* Due a second after its report; half a second more for the worker. */
	for (c = 0; c < chunks; c++) {
		uint32_t v = atomic_load(&w[c * SCAV_MAP_CHUNK_PAGES]);

		if (at[c] + 1500 > end)
			continue;
		due++;
		gone += v == SCAV_PAGE_DISCARDED;
		if (v != SCAV_PAGE_DISCARDED && gone + 1 == due)
			TH_LOG("chunk %zu, reported %lld ms before the last, is the first still idle",
			       c, end - at[c]);
	}
	TH_LOG("%zu of the %zu chunks reported 1.5 s or more before the last report were discarded",
	       gone, due);
	EXPECT_LE(40, due);
	EXPECT_EQ(due, gone);
	/*
	 * A page still idle holds what it held, once claimed: a pass that
	 * began before the long age was set may still take a page between a
	 * load of its word and a look at its contents (a make check with
	 * 6.12's VM beside another once saw an IDLE word over a zeroed page),
	 * but never a page claimed first.
	 */
	for (c = 0; c < chunks; c++) {
		uint32_t idle = SCAV_PAGE_IDLE;

		if (atomic_compare_exchange_strong(&w[c * SCAV_MAP_CHUNK_PAGES], &idle,
						   SCAV_PAGE_USED))
			EXPECT_TRUE(holds_pattern(mem, mem + c * SCAV_MAP_CHUNK_PAGES * self->pg,
						  self->pg, 6));
	}
}

/*
 * A chunk that a page it cannot take (PROT_NONE) keeps pending does not
 * count as pending since its first report for ever: a page reported into
 * it later waits its own age.  Before, once the chunk had been pending for
 * twice the age, every new report into it went at the next pass.
 */
TEST_F(map, a_chunk_held_pending_still_lets_new_reports_wait_their_age)
{
	long long t1, now = 0;
	uint32_t w = SCAV_PAGE_IDLE;
	size_t i;

	ASSERT_EQ(0, mprotect(self->mem, self->pg, PROT_NONE));
	for (i = 0; i < SCAV_MAP_CHUNK_PAGES; i++)
		map_report(self->words, self->summary, i);
	ASSERT_EQ(0, set_aging("500", "100", "0", "0"));
	/*
	 * Three ages: the chunk is twice the age old, its pages gone but the
	 * first, which every pass takes and gives back (wait that out).
	 */
	usleep(1500 * 1000);
	ASSERT_EQ(0, map_wait(self->fd, &self->reg, self->mem, self->pg));
	ASSERT_EQ(SCAV_PAGE_IDLE, atomic_load(&self->words[0]));
	ASSERT_EQ(SCAV_PAGE_DISCARDED, map_claim(self->words, 5));
	t1 = now_ms();
	map_report(self->words, self->summary, 5);
	now = seen_discarded(self->words, 5, t1, &w);
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	TH_LOG("page 5 went %lld ms after its report, with an idle age of 500 ms",
	       now - t1);
	ASSERT_EQ(SCAV_PAGE_DISCARDED, w);
	EXPECT_LE(500 - 10, now - t1);
	ASSERT_EQ(0, map_wait(self->fd, &self->reg, self->mem, self->pg));
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&self->words[0]));
	ASSERT_EQ(0, mprotect(self->mem, self->pg, PROT_READ | PROT_WRITE));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->pg, 5));
}

/*
 * Chunks that stay pending, because their memory was made inaccessible
 * after it was reported, cost every pass a look: 4096 of them (1 GiB of
 * address space holding nothing) in the region every pass came to first,
 * under a quota of 100 KiB a pass.  Aging still reaches the other region:
 * a pass looks at a bounded number of chunks and the next goes on where it
 * stopped.  (Before, each pass spent its quota on the same first chunks.)
 */
TEST_F(map, chunks_left_pending_starve_no_other_region)
{
	size_t i, len = 4096 * SCAV_MAP_CHUNK_PAGES * self->pg;
	struct scav_map_region big, d = { .flags = SCAV_MAP_DROP };
	_Atomic uint32_t *bw, *bs;
	long long start;
	char *res;

	/* The big region takes slot 0, where every pass starts. */
	d.index = self->reg.index;
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	ASSERT_EQ(0, munmap((void *)self->words, self->reg.map_size));
	res = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, res);
	bw = map_region(self->fd, res, len, &big, &bs);
	ASSERT_NE(NULL, bw);
	ASSERT_EQ(0, big.index);
	self->words = map_region(self->fd, self->mem, self->len, &self->reg,
				 &self->summary);
	ASSERT_NE(NULL, self->words);
	for (i = 0; i < len / self->pg; i++)
		map_report(bw, bs, i);
	ASSERT_EQ(0, mprotect(res, len, PROT_NONE));
	for (i = 0; i < 32; i++)
		map_report(self->words, self->summary, i);

	ASSERT_EQ(0, set_aging("0", "100", "1048576", "0"));
	start = now_ms();
	while (atomic_load(&self->words[31]) != SCAV_PAGE_DISCARDED &&
	       now_ms() - start < 20000)
		usleep(50000);
	TH_LOG("the other region's pages went after %lld ms", now_ms() - start);
	for (i = 0; i < 32; i++)
		EXPECT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&self->words[i]));
	/* Ineligible: still idle, never touched. */
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&bw[0]));
	EXPECT_EQ(SCAV_PAGE_IDLE, atomic_load(&bw[len / self->pg - 1]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 32 * self->pg, self->pg, 5));
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	munmap((void *)bw, big.map_size);
	munmap(res, len);
}

/*
 * A chunk whose runs cost more than a pass's budget (every other page made
 * PROT_NONE: 32 zaps of one page, a page of budget each, with a pass
 * allowed 25 at most) must not hold the region's cursor: the next chunk is
 * reached.  With the cursor left on the chunk where a pass ended, every
 * pass came back to it and spent its budget there.
 */
TEST_F(map, a_chunk_dearer_than_a_pass_does_not_hold_the_cursor)
{
	size_t i, chunk = SCAV_MAP_CHUNK_PAGES;
	long long start;

	for (i = 1; i < chunk; i += 2)
		ASSERT_EQ(0, mprotect(self->mem + i * self->pg, self->pg, PROT_NONE));
	for (i = 0; i < 2 * chunk; i++)
		map_report(self->words, self->summary, i);
	/*
	 * 100 KiB/s: a pass may spend at most 100 KiB (25 pages), a second's
	 * quota, and the bucket fills by 10 KiB a pass (100 ms apart).
	 */
	ASSERT_EQ(0, set_aging("0", "100", "102400", "0"));
	start = now_ms();
	while (now_ms() - start < 20000) {
		for (i = 0; i < 2 * chunk; i += 2)
			if (atomic_load(&self->words[i]) != SCAV_PAGE_DISCARDED)
				break;
		if (i >= 2 * chunk &&
		    atomic_load(&self->words[2 * chunk - 1]) == SCAV_PAGE_DISCARDED)
			break;
		usleep(50000);
	}
	ASSERT_EQ(0, set_aging("3600000", "100", "0", "0"));
	TH_LOG("both chunks' eligible pages went after %lld ms", now_ms() - start);
	/* A pass still under way has settled its pages once this returns. */
	ASSERT_EQ(0, map_wait(self->fd, &self->reg, self->mem, 2 * chunk * self->pg));
	for (i = 0; i < 2 * chunk; i++)
		EXPECT_EQ(i < chunk && i % 2 ? SCAV_PAGE_IDLE : SCAV_PAGE_DISCARDED,
			  atomic_load(&self->words[i])) TH_LOG("page %zu", i);
	/* The ineligible pages and those never reported are intact. */
	ASSERT_EQ(0, mprotect(self->mem, chunk * self->pg, PROT_READ | PROT_WRITE));
	for (i = 1; i < chunk; i += 2)
		EXPECT_TRUE(holds_pattern(self->mem, self->mem + i * self->pg, self->pg, 5));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 2 * chunk * self->pg,
				  self->len - 2 * chunk * self->pg, 5));
}

struct racer {
	_Atomic uint32_t *words;
	_Atomic uint32_t *summary;
	char *mem;
	size_t pg, pages;
	int fd;				/* wait in MAP_WAIT, if >= 0 */
	struct scav_map_region *reg;
	_Atomic int stop;
	long kept, zeros, lost, rounds, waits, failed;
};

/*
 * Report a page, write its number into it first, claim it back: kept must
 * hold the number, discarded must read zeros, never anything else.  A
 * BUSY page is waited for by yielding, or in MAP_WAIT.
 */
static void *race_claims(void *arg)
{
	struct racer *r = arg;
	unsigned int seed = 7;

	while (!atomic_load(&r->stop)) {
		size_t i = rand_r(&seed) % r->pages;
		uint32_t *p = (uint32_t *)(r->mem + i * r->pg), old;

		if (atomic_load(&r->words[i]) != SCAV_PAGE_USED)
			continue;
		*p = (uint32_t)r->rounds + 1;
		map_report(r->words, r->summary, i);
		sched_yield();
		while ((old = map_claim(r->words, i)) == SCAV_PAGE_BUSY) {
			if (r->fd < 0) {
				sched_yield();
				continue;
			}
			r->waits++;
			if (map_wait(r->fd, r->reg, r->mem + i * r->pg, r->pg))
				r->failed++;
		}
		if (old == SCAV_PAGE_IDLE && *p == (uint32_t)r->rounds + 1)
			r->kept++;
		else if (old == SCAV_PAGE_DISCARDED && *p == 0)
			r->zeros++;
		else
			r->lost++;
		r->rounds++;
	}
	return NULL;
}

/* 3 s of claims in another thread against RECLAIMs in a loop. */
static void race_reclaims(struct __test_metadata *_metadata,
			  FIXTURE_DATA(map) *self, struct racer *r)
{
	long long start = now_ms();
	pthread_t t;

	r->words = self->words;
	r->summary = self->summary;
	r->mem = self->mem;
	r->pg = self->pg;
	r->pages = self->len / self->pg;
	r->reg = &self->reg;
	ASSERT_EQ(0, pthread_create(&t, NULL, race_claims, r));
	while (now_ms() - start < 3000)
		ASSERT_LE(0, sc_reclaim(self->fd, 0, 0));
	atomic_store(&r->stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld claims: %ld kept, %ld discarded, %ld wrong; %ld waits, %ld failed",
	       r->rounds, r->kept, r->zeros, r->lost, r->waits, r->failed);
	EXPECT_EQ(0, r->lost);
	EXPECT_LT(0, r->kept + r->zeros);
}

TEST_F(map, claims_racing_discards_lose_nothing)
{
	struct racer r = { .fd = -1 };

	race_reclaims(_metadata, self, &r);
}

/*
 * The same, waiting in MAP_WAIT: it sleeps with no timeout while the
 * discard is in flight, so it returns only if the discard's end wakes it.
 */
TEST_F(map, claims_waiting_on_discards_lose_nothing)
{
	struct racer r = { .fd = self->fd };

	race_reclaims(_metadata, self, &r);
	EXPECT_EQ(0, r.failed);
	/*
	 * Claims met pages BUSY, and called MAP_WAIT for them (in the VMs,
	 * 239-260 times for 241-261 pages discarded).
	 */
	EXPECT_LT(0, r.waits);
}

struct waiter {
	int fd;
	struct scav_map_wait w;
	_Atomic int done;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *wt = arg;

	wt->ret = ioctl(wt->fd, SCAV_IOC_MAP_WAIT, &wt->w) ? errno : 0;
	atomic_store(&wt->done, 1);
	return NULL;
}

TEST_F(map, wait_returns_once_no_page_of_the_range_is_busy)
{
	struct waiter wt = { .fd = self->fd };
	struct scav_map_wait w;
	pthread_t t;

	/* Nothing busy: at once. */
	memset(&w, 0, sizeof(w));
	w.addr = (uintptr_t)self->mem;
	w.len = self->len;
	w.index = self->reg.index;
	EXPECT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	/* A word the process wrote BUSY itself: until it writes it back. */
	atomic_store(&self->words[5], SCAV_PAGE_BUSY);
	wt.w = w;
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &wt));
	usleep(300000);
	EXPECT_EQ(0, atomic_load(&wt.done));
	atomic_store(&self->words[5], SCAV_PAGE_USED);
	pthread_join(t, NULL);
	EXPECT_EQ(0, wt.ret);
	/* Bad input. */
	w.index = 7;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.index = self->reg.index;
	w.len = self->len + self->pg;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.len = self->pg;
	w.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
	w.flags = 0;
	w.addr += 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	EXPECT_EQ(EINVAL, errno);
}

static void on_alarm(int sig)
{
	(void)sig;
}

TEST_F(map, a_signal_ends_a_wait)
{
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	struct itimerval it = { .it_value.tv_usec = 200000 };
	struct scav_map_wait w;

	memset(&w, 0, sizeof(w));
	w.addr = (uintptr_t)self->mem;
	w.len = self->pg;
	w.index = self->reg.index;
	atomic_store(&self->words[0], SCAV_PAGE_BUSY);
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, &old));	/* no SA_RESTART */
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &it, NULL));
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_WAIT, &w));
	EXPECT_EQ(EINTR, errno);
	sigaction(SIGALRM, &old, NULL);
	atomic_store(&self->words[0], SCAV_PAGE_USED);
}

struct reclaimer {
	int fd;
	int64_t got;
};

static void *reclaim_thread(void *arg)
{
	struct reclaimer *rc = arg;

	rc->got = sc_reclaim(rc->fd, 0, 0);
	return NULL;
}

/*
 * A word the process wrote BUSY itself, waited for while the module
 * discards other pages of the region: the wait sleeps with no timeout
 * while that discard is in flight, and must go back to looking every
 * 100 ms once it is over, or writing the word back would wake nobody.
 */
TEST_F(map, a_wait_on_the_process_s_own_busy_word_outlives_a_discard)
{
	size_t len = 64 * MiB, n = len / self->pg, i;
	struct waiter wt = { .fd = self->fd };
	struct reclaimer rc = { .fd = self->fd };
	struct scav_map_region reg;
	_Atomic uint32_t *words, *summary;
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	long long t0, took;
	pthread_t t, r;
	char *mem;

	mem = map_no_thp_filled(len, 9);
	ASSERT_NE(NULL, mem);
	words = map_region(self->fd, mem, len, &reg, &summary);
	ASSERT_NE(NULL, words) TH_LOG("%s", strerror(errno));
	atomic_store(&words[0], SCAV_PAGE_BUSY);
	for (i = 1; i < n; i++)
		map_report(words, summary, i);
	/*
	 * The wait first looks every 100 ms (no discard in flight); the first
	 * look that finds the discard under way sleeps until its end.
	 */
	wt.w.addr = (uintptr_t)mem;
	wt.w.len = self->pg;
	wt.w.index = reg.index;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, &old));	/* no SA_RESTART */
	ASSERT_EQ(0, pthread_create(&t, NULL, wait_thread, &wt));
	usleep(150000);
	t0 = now_ms();
	ASSERT_EQ(0, pthread_create(&r, NULL, reclaim_thread, &rc));
	pthread_join(r, NULL);
	took = now_ms() - t0;
	TH_LOG("the discard of %zu pages took %lld ms", n - 1, took);
	EXPECT_EQ((int64_t)((n - 1) * self->pg), rc.got);
	usleep(300000);
	EXPECT_EQ(0, atomic_load(&wt.done));
	atomic_store(&words[0], SCAV_PAGE_USED);
	t0 = now_ms();
	while (!atomic_load(&wt.done) && now_ms() - t0 < 5000)
		usleep(10000);
	EXPECT_EQ(1, atomic_load(&wt.done)) TH_LOG("still waiting 5 s after the word was written back");
	if (!atomic_load(&wt.done))
		pthread_kill(t, SIGALRM);
	pthread_join(t, NULL);
	sigaction(SIGALRM, &old, NULL);
	EXPECT_EQ(0, wt.ret);
	/* The process's own word and its page were left alone. */
	EXPECT_EQ(SCAV_PAGE_USED, atomic_load(&words[0]));
	EXPECT_TRUE(holds_pattern(mem, mem, self->pg, 9));
	for (i = 1; i < n; i++)
		ASSERT_EQ(SCAV_PAGE_DISCARDED, atomic_load(&words[i])) TH_LOG("page %zu", i);
	munmap((void *)words, reg.map_size);
	munmap(mem, len);
}

TEST_F(map, a_dropped_region_is_left_alone_and_can_be_registered_again)
{
	struct scav_map_region d;
	size_t i;

	for (i = 0; i < 64; i++)
		map_report(self->words, self->summary, i);
	memset(&d, 0, sizeof(d));
	d.flags = SCAV_MAP_DROP;
	d.index = self->reg.index;
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	/* Its words mean nothing now: nothing is discarded or counted. */
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	for (i = 0; i < 64; i++)
		ASSERT_EQ(SCAV_PAGE_IDLE, atomic_load(&self->words[i]));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, 64 * self->pg, 5));
	/* Twice, or a slot never used, or out of range: EINVAL. */
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	EXPECT_EQ(EINVAL, errno);
	d.index = 5;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	EXPECT_EQ(EINVAL, errno);
	d.index = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	EXPECT_EQ(EINVAL, errno);
	/* The old mapping stays usable, and the range can be registered anew. */
	atomic_store(&self->words[0], SCAV_PAGE_USED);
	memset(&d, 0, sizeof(d));
	d.addr = (uintptr_t)self->mem;
	d.len = self->len;
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_REGION, &d));
	EXPECT_EQ(0, munmap((void *)self->words, self->reg.map_size));
	self->words = mmap(NULL, d.map_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			   self->fd, d.map_offset);
	ASSERT_NE(MAP_FAILED, self->words);
	self->summary = (void *)((char *)self->words + d.summary_offset);
	/* A fresh map: every page in use, and reports work again. */
	for (i = 0; i < self->len / self->pg; i++)
		ASSERT_EQ(SCAV_PAGE_USED, atomic_load(&self->words[i]));
	map_report(self->words, self->summary, 3);
	EXPECT_EQ(self->pg, sc_reclaim(self->fd, 0, 0));
	EXPECT_TRUE(page_is(self->mem + 3 * self->pg, self->pg, 0));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 4 * self->pg, self->pg, 5));
}

struct dropper {
	int fd;
	_Atomic int stop;
	long drops;
};

/* Drop region 0 over and over, until told to stop. */
static void *drop_loop(void *arg)
{
	struct dropper *d = arg;

	while (!atomic_load(&d->stop)) {
		struct scav_map_region r = { .flags = SCAV_MAP_DROP };

		if (!ioctl(d->fd, SCAV_IOC_MAP_REGION, &r))
			d->drops++;
	}
	return NULL;
}

/*
 * A registration that another thread drops as soon as it is in the table
 * still returns what it registered: the call kept no reference of its
 * own, and read the region's size and summary offset after the drop could
 * have freed it (freed memory, poisoned by slub_debug, or KASAN's report
 * on the debug kernel).  The window is a few instructions wide; a delay
 * put in it by hand made this test fail at once (Documentation/design.md).
 */
TEST_F(map, a_registration_dropped_at_once_returns_what_it_registered)
{
	struct dropper d = { .fd = self->fd };
	long long end = now_ms() + 2000;
	long regs = 0, wrong = 0;
	pthread_t t;

	ASSERT_EQ(0, pthread_create(&t, NULL, drop_loop, &d));
	while (now_ms() < end) {
		struct scav_map_region r = { .addr = (uintptr_t)self->mem,
					     .len = self->len };

		if (ioctl(self->fd, SCAV_IOC_MAP_REGION, &r)) {
			/* Not dropped yet: the last one, or the fixture's. */
			ASSERT_EQ(EEXIST, errno);
			continue;
		}
		regs++;
		if (r.index || r.map_offset || r.map_size != self->reg.map_size ||
		    r.summary_offset != self->reg.summary_offset) {
			if (!wrong++)
				TH_LOG("index %u, map at %llu, %llu bytes, summary at %llu",
				       r.index, (unsigned long long)r.map_offset,
				       (unsigned long long)r.map_size,
				       (unsigned long long)r.summary_offset);
		}
	}
	atomic_store(&d.stop, 1);
	pthread_join(t, NULL);
	TH_LOG("%ld registrations, %ld drops", regs, d.drops);
	EXPECT_EQ(0, wrong);
	EXPECT_LT(0, regs);
	EXPECT_LT(0, d.drops);
}

/*
 * Map pages count as ranges reported by ioctl do: idle from their report
 * until their claim, discarded ones too (they are discarded_bytes), and
 * resident only while kept.  The module-wide figures count them as the
 * session's do.
 */
TEST_F(map, stats_count_idle_map_pages_and_what_they_hold)
{
	long long all = knob_read("idle_bytes"), disc = knob_read("discarded_bytes");
	long long pg = self->pg;
	struct scav_stats st = {};
	size_t i;

	ASSERT_LE(0, all);
	ASSERT_LE(0, disc);
	/* 100 idle pages over data, 28 over memory that holds nothing. */
	ASSERT_EQ(0, madvise(self->mem + 100 * self->pg, 28 * self->pg, MADV_DONTNEED));
	for (i = 0; i < 128; i++)
		map_report(self->words, self->summary, i);
	/* A scribble that is not IDLE counts for nothing. */
	atomic_store(&self->words[130], 77);
	atomic_fetch_or(&self->summary[1], 1u << (130 / SCAV_MAP_CHUNK_PAGES));
	ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(128 * self->pg, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_EQ(100 * self->pg, st.idle_resident_bytes);
	EXPECT_EQ(all + 128 * (long long)self->pg, knob_read("idle_bytes"));
	/* Claimed back: no longer idle. */
	for (i = 0; i < 50; i++)
		ASSERT_EQ(SCAV_PAGE_IDLE, map_claim(self->words, i));
	ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(78 * self->pg, st.idle_bytes);
	EXPECT_EQ(50 * self->pg, st.idle_resident_bytes);
	EXPECT_EQ(all + 78 * (long long)self->pg, knob_read("idle_bytes"));
	EXPECT_EQ(disc, knob_read("discarded_bytes"));
	/* Discarded: idle and discarded until claimed, not resident. */
	EXPECT_EQ(78 * self->pg, sc_reclaim(self->fd, 0, 0));
	ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(78 * self->pg, st.idle_bytes);
	EXPECT_EQ(78 * self->pg, st.discarded_bytes);
	EXPECT_EQ(0, st.idle_resident_bytes);
	EXPECT_EQ(78 * self->pg, st.reclaimed_request_bytes);
	EXPECT_EQ(all + 78 * pg, knob_read("idle_bytes"));
	EXPECT_EQ(disc + 78 * pg, knob_read("discarded_bytes"));
	/*
	 * DISCARDED written by the process where the module discarded
	 * nothing counts for nothing; a reported page is idle and kept.
	 */
	atomic_store(&self->words[200], SCAV_PAGE_DISCARDED);
	map_report(self->words, self->summary, 250);
	ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(79 * self->pg, st.idle_bytes);
	EXPECT_EQ(78 * self->pg, st.discarded_bytes);
	EXPECT_EQ(self->pg, st.idle_resident_bytes);
	/* Claimed, read as zeros: neither idle nor discarded any more. */
	for (i = 50; i < 78; i++)
		ASSERT_EQ(SCAV_PAGE_DISCARDED, map_claim(self->words, i));
	ASSERT_EQ(SCAV_PAGE_IDLE, map_claim(self->words, 250));
	ASSERT_EQ(0, sc_stats_flags(self->fd, 0, &st));
	EXPECT_EQ(50 * self->pg, st.idle_bytes);
	EXPECT_EQ(50 * self->pg, st.discarded_bytes);
	EXPECT_EQ(all + 50 * pg, knob_read("idle_bytes"));
	EXPECT_EQ(disc + 50 * pg, knob_read("discarded_bytes"));
	for (i = 78; i < 128; i++)
		ASSERT_EQ(SCAV_PAGE_DISCARDED, map_claim(self->words, i));
	EXPECT_TRUE(page_is(self->mem + 50 * self->pg, 78 * self->pg, 0));
	ASSERT_EQ(0, sc_stats_flags(self->fd, SCAV_STATS_RESIDENT, &st));
	EXPECT_EQ(0, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_EQ(0, st.idle_resident_bytes);
	EXPECT_EQ(all, knob_read("idle_bytes"));
	EXPECT_EQ(disc, knob_read("discarded_bytes"));
	/*
	 * Discarded into again, once the chunk was found with nothing
	 * discarded left; a BUSY word of a reported chunk is idle, kept.
	 */
	for (i = 0; i < 12; i++)
		map_report(self->words, self->summary, i);
	EXPECT_EQ(12 * self->pg, sc_reclaim(self->fd, 0, 0));
	map_report(self->words, self->summary, 12);
	atomic_store(&self->words[12], SCAV_PAGE_BUSY);
	ASSERT_EQ(0, sc_stats_flags(self->fd, 0, &st));
	EXPECT_EQ(13 * self->pg, st.idle_bytes);
	EXPECT_EQ(12 * self->pg, st.discarded_bytes);
	EXPECT_EQ(all + 13 * pg, knob_read("idle_bytes"));
	EXPECT_EQ(disc + 12 * pg, knob_read("discarded_bytes"));
	for (i = 0; i < 12; i++)
		ASSERT_EQ(SCAV_PAGE_DISCARDED, map_claim(self->words, i));
	atomic_store(&self->words[12], SCAV_PAGE_USED);
	ASSERT_EQ(0, sc_stats_flags(self->fd, 0, &st));
	EXPECT_EQ(0, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
	atomic_store(&self->words[130], SCAV_PAGE_USED);
	atomic_store(&self->words[200], SCAV_PAGE_USED);
}

/* Into a new cgroup @cg, with a session of it: the session's fd, or -1. */
static int cg_session(const char *cg)
{
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", getpid());
	if (cg_make(cg, NULL) || cg_write(cg, "cgroup.procs", pid))
		return -1;
	return open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
}

/* Out of @cg again, which goes: 0, or -1. */
static int cg_leave(const char *cg)
{
	char pid[16];
	int ret;

	snprintf(pid, sizeof(pid), "%d", getpid());
	ret = write_file(CG_ROOT "/cgroup.procs", pid);
	cg_remove(cg);
	return ret;
}

/*
 * A region's map (a word per page, and the module's bitmaps) is charged to
 * the memory cgroup of the process that registers it, as kernel memory,
 * and uncharged when the region goes: a 16 GiB region, 16 MiB of words.
 */
TEST_F_TIMEOUT(map, a_map_is_charged_to_the_cgroup_of_its_registrar, 120)
{
	const size_t len = 16ULL << 30;
	struct scav_map_region r = {};
	const char *why = cg_setup();
	long long cur0, cur1, k0, k1, cur;
	char path[256];
	void *mem;
	int fd, i;

	if (why)
		SKIP(return, "%s", why);
	fd = cg_session("scav-mc");
	ASSERT_LE(0, fd);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	cg_path(path, sizeof(path), "scav-mc", "memory.current");
	cur0 = file_value(path);
	k0 = cg_key("scav-mc", "memory.stat", "kernel");
	r.addr = (uintptr_t)mem;
	r.len = len;
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_MAP_REGION, &r)) TH_LOG("%s", strerror(errno));
	cur1 = file_value(path);
	k1 = cg_key("scav-mc", "memory.stat", "kernel");
	TH_LOG("memory.current %lld -> %lld KiB, kernel %lld -> %lld KiB; map %llu KiB",
	       cur0 >> 10, cur1 >> 10, k0 >> 10, k1 >> 10,
	       (unsigned long long)r.map_size >> 10);
	EXPECT_LE(16 * MiB, r.map_size);
	EXPECT_LE((long long)r.map_size, cur1 - cur0);
	EXPECT_LE((long long)r.map_size, k1 - k0);
	/* Dropped, and its session ended: the pages go, from a worker. */
	memset(&r, 0, sizeof(r));
	r.flags = SCAV_MAP_DROP;
	EXPECT_EQ(0, ioctl(fd, SCAV_IOC_MAP_REGION, &r));
	close(fd);
	for (i = 0; i < 50; i++) {
		cur = file_value(path);
		if (cur1 - cur >= 16 * MiB)
			break;
		usleep(100 * 1000);
	}
	TH_LOG("memory.current after the drop: %lld KiB", cur >> 10);
	EXPECT_GT(50, i);
	munmap(mem, len);
	EXPECT_EQ(0, cg_leave("scav-mc"));
}

/*
 * A memory cgroup's reclaim takes idle map pages of a process in it, as it
 * takes idle ranges, and the process learns of it (POLLPRI, PRESSURE).
 */
TEST_F_TIMEOUT(map, a_cgroup_s_reclaim_takes_idle_map_pages_and_says_so, 120)
{
	const size_t len = 32 * MiB;
	struct scav_map_region r = {};
	struct scav_pressure pr = {};
	struct pollfd pfd;
	_Atomic uint32_t *w, *sum;
	size_t i, n = len / self->pg, gone = 0, bad = 0;
	const char *why = cg_setup();
	char *mem;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	/* A session, its memory and its map, all of the cgroup. */
	fd = cg_session("scav-map");
	ASSERT_LE(0, fd);
	mem = map_filled(len, 9);
	ASSERT_NE(NULL, mem);
	w = map_region(fd, mem, len, &r, &sum);
	ASSERT_NE(NULL, w);
	for (i = 0; i < n; i++)
		map_report(w, sum, i);
	/* Its status is not checked: see memcg_test's proactive(). */
	cg_write("scav-map", "memory.reclaim", "16M");
	for (i = 0; i < n; i++) {
		uint32_t v = atomic_load(&w[i]);

		if (v == SCAV_PAGE_DISCARDED)
			gone += page_is(mem + i * self->pg, self->pg, 0);
		else if (v != SCAV_PAGE_IDLE ||
			 !holds_pattern(mem, mem + i * self->pg, self->pg, 9))
			bad++;
	}
	pfd.fd = fd;
	pfd.events = POLLPRI;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	ASSERT_EQ(0, ioctl(fd, SCAV_IOC_PRESSURE, &pr));
	TH_LOG("memory.reclaim of 16M: %zu MiB of map pages discarded",
	       gone * self->pg >> 20);
	EXPECT_LE(8 * MiB, gone * self->pg);
	EXPECT_EQ(0, bad);
	EXPECT_EQ(gone * self->pg, pr.cgroup_bytes);
	EXPECT_EQ(0, pr.global_bytes);
	EXPECT_EQ(cg_id("scav-map"), pr.cgroup_id);
	close(fd);
	EXPECT_EQ(0, cg_leave("scav-map"));
}

/*
 * A memory cgroup's reclaim takes the oldest idle memory of its processes
 * first, map pages and ranges alike: this process's map and a child's
 * range, 16 MiB each, one reported 100 ms before the other, and
 * memory.reclaim of 8M.  The younger may give too where the reclaim goes
 * on past what was asked (6.12 and later), never more than the older.
 */
static void cgroup_map_against_range(struct __test_metadata *_metadata,
				     FIXTURE_DATA(map) *self, bool map_first)
{
	const size_t len = 16 * MiB;
	struct scav_map_region r = {};
	_Atomic uint32_t *w, *sum;
	size_t i, n = len / self->pg, gone = 0;
	const char *why = cg_setup();
	struct idle_child k;
	struct scav_stats st;
	long long range, mapped;
	char *mem;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	fd = cg_session("scav-mo");
	ASSERT_LE(0, fd);
	mem = map_no_thp_filled(len, 9);
	ASSERT_NE(NULL, mem);
	w = map_region(fd, mem, len, &r, &sum);
	ASSERT_NE(NULL, w);
	if (!map_first) {
		ASSERT_EQ(0, idle_child_start(&k, len));
		usleep(100 * 1000);
	}
	for (i = 0; i < n; i++)
		map_report(w, sum, i);
	ASSERT_EQ(0, sc_stats(fd, &st));	/* harvested: pending from now */
	if (map_first) {
		usleep(100 * 1000);
		ASSERT_EQ(0, idle_child_start(&k, len));
	}
	/* Its status is not checked: see memcg_test's proactive(). */
	cg_write("scav-mo", "memory.reclaim", "8M");
	range = idle_child_end(&k);
	for (i = 0; i < n; i++)
		gone += atomic_load(&w[i]) == SCAV_PAGE_DISCARDED;
	mapped = (long long)(gone * self->pg);
	TH_LOG("%s first: memory.reclaim of 8M took %lld KiB of the map, %lld KiB of the range",
	       map_first ? "map" : "range", mapped >> 10, range >> 10);
	ASSERT_LE(0, range);
	if (map_first) {
		EXPECT_LT(0, mapped);
		EXPECT_GE(mapped, range);
	} else {
		EXPECT_LT(0, range);
		EXPECT_GE(range, mapped);
	}
	for (i = 0; i < n; i++)
		if (atomic_load(&w[i]) == SCAV_PAGE_IDLE)
			EXPECT_TRUE(holds_pattern(mem, mem + i * self->pg,
						  self->pg, 9));
	close(fd);
	EXPECT_EQ(0, cg_leave("scav-mo"));
}

TEST_F_TIMEOUT(map, a_cgroup_s_reclaim_takes_map_pages_older_than_a_range_first, 120)
{
	cgroup_map_against_range(_metadata, self, true);
}

TEST_F_TIMEOUT(map, a_cgroup_s_reclaim_takes_a_range_older_than_map_pages_first, 120)
{
	cgroup_map_against_range(_metadata, self, false);
}

/*
 * Map pages that cannot go hold back no one else's memory from a
 * cgroup's reclaim: this process reports every other page of 1 GiB idle
 * and makes it PROT_NONE (nothing a pass can take, 32 runs a chunk, and
 * the oldest idle memory of the cgroup); a child's 16 MiB range, younger,
 * must still go under memory.reclaim.  Before, each of those runs cost a
 * page of the pass's budget, and every pressure pass spent all of it
 * there, four chunks at a time.
 */
TEST_F_TIMEOUT(map, pages_that_cannot_go_hold_back_no_one_s_cgroup_reclaim, 120)
{
	const size_t len = 1024 * MiB;
	struct scav_map_region r = {};
	_Atomic uint32_t *w, *sum;
	size_t i, n = len / self->pg;
	const char *why = cg_setup();
	struct idle_child k;
	struct scav_stats st;
	long long range;
	char *mem;
	int fd;

	if (why)
		SKIP(return, "%s", why);
	fd = cg_session("scav-mn");
	ASSERT_LE(0, fd);
	mem = mmap(NULL, len, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, mem);
	w = map_region(fd, mem, len, &r, &sum);
	ASSERT_NE(NULL, w);
	ASSERT_EQ(0, mprotect(mem, len, PROT_NONE));
	for (i = 0; i < n; i += 2)
		map_report(w, sum, i);
	ASSERT_EQ(0, sc_stats(fd, &st));	/* harvested: pending from now */
	usleep(100 * 1000);
	ASSERT_EQ(0, idle_child_start(&k, 16 * MiB));
	/* Its status is not checked: see memcg_test's proactive(). */
	cg_write("scav-mn", "memory.reclaim", "8M");
	range = idle_child_end(&k);
	TH_LOG("memory.reclaim of 8M took %lld KiB of the younger range", range >> 10);
	EXPECT_LE((long long)(4 * MiB), range);
	for (i = 0; i < n; i += 2)
		if (atomic_load(&w[i]) != SCAV_PAGE_IDLE)
			break;
	EXPECT_EQ(n, i) TH_LOG("page %zu of the PROT_NONE memory is no longer idle", i);
	close(fd);
	munmap(mem, len);
	EXPECT_EQ(0, cg_leave("scav-mn"));
}

struct closer_race {
	int fd;
	_Atomic uint32_t *words, *summary;
	size_t pages;
	_Atomic int ended;
};

/* Report every page and ask for discards until the session ends. */
static void *report_and_reclaim(void *arg)
{
	struct closer_race *c = arg;
	size_t i;

	for (;;) {
		for (i = 0; i < c->pages; i++)
			map_report(c->words, c->summary, i);
		if (sc_reclaim(c->fd, 0, 0) < 0)
			break;
	}
	atomic_store(&c->ended, 1);
	return NULL;
}

/*
 * Once close() returns, no discard of the session is in flight: memory the
 * owner writes right after it keeps what was written, while another thread
 * was discarding when the close came.
 */
TEST_F(map, no_discard_is_in_flight_once_close_returns)
{
	struct closer_race c = { .words = self->words, .summary = self->summary,
				 .pages = self->len / self->pg };
	int round, lost = 0;
	pthread_t t;

	for (round = 0; round < 8; round++) {
		size_t i;

		if (round) {
			struct scav_map_region r = { .addr = (uintptr_t)self->mem,
						     .len = self->len };

			munmap((void *)c.words, self->reg.map_size);
			self->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
			ASSERT_LE(0, self->fd);
			ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_MAP_REGION, &r));
			c.words = mmap(NULL, r.map_size, PROT_READ | PROT_WRITE,
				       MAP_SHARED, self->fd, r.map_offset);
			ASSERT_NE(MAP_FAILED, c.words);
			c.summary = (void *)((char *)c.words + r.summary_offset);
		}
		c.fd = self->fd;
		atomic_store(&c.ended, 0);
		ASSERT_EQ(0, pthread_create(&t, NULL, report_and_reclaim, &c));
		usleep(20000 + 10000 * round);
		close(self->fd);
		self->fd = -1;
		memset(self->mem, 0x5a, self->len);
		pthread_join(t, NULL);
		for (i = 0; i < self->len; i += self->pg)
			lost += !page_is(self->mem + i, self->pg, 0x5a);
	}
	self->words = c.words;
	EXPECT_EQ(0, lost);
}

TEST_HARNESS_MAIN

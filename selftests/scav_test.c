// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/scav through raw ioctls: the contract, and every way to misuse it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/io_uring.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "scav_util.h"

FIXTURE(scav) {
	int fd;
	size_t pg;
	size_t len;
	char *mem;
	struct tunables saved;
};

FIXTURE_SETUP(scav)
{
	self->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
		     strerror(errno));
	self->pg = pagesz();
	self->len = 8 * MiB;
	self->mem = map_filled(self->len, 1);
	ASSERT_NE(NULL, self->mem);
	/* These tests are about the contract: no aging behind their back. */
	if (geteuid() == 0) {
		tunables_save(&self->saved);
		ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	}
}

FIXTURE_TEARDOWN(scav)
{
	tunables_restore(&self->saved);
	if (self->fd >= 0)
		close(self->fd);
	if (self->mem)
		munmap(self->mem, self->len);
}

TEST_F(scav, version_describes_the_abi)
{
	struct scav_version v;

	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_VERSION, &v));
	EXPECT_EQ(SCAV_ABI_MAJOR, v.abi_major);
	EXPECT_EQ(SCAV_ABI_MINOR, v.abi_minor);
	EXPECT_EQ(SCAV_MAX_RANGES_PER_CALL, v.max_ranges_per_call);
	EXPECT_EQ(self->pg, v.page_size);
	EXPECT_NE(0, v.features & SCAV_FEATURE_UNMAP_TRACKING);
	EXPECT_NE(0, v.features & SCAV_FEATURE_CLAIM_ZERO);
	EXPECT_LT(0, v.max_ranges);
	/* The page-state map (ABI 1.4): its granule and bounds. */
	EXPECT_NE(0, v.features & SCAV_FEATURE_PAGE_MAP);
	EXPECT_EQ(SCAV_MAP_CHUNK_PAGES, v.map_chunk_pages);
	EXPECT_EQ(4, v.map_word_bytes);
	EXPECT_EQ(16, v.map_max_regions);
	EXPECT_EQ(64ULL << 30, v.map_max_region_bytes);
	EXPECT_EQ(128ULL << 20, v.map_max_bytes_per_user);
	EXPECT_EQ(0, v.__reserved[0]);
}

TEST_F(scav, report_then_reclaim_reads_zero_and_rss_drops)
{
	char *mid = self->mem + 2 * MiB;
	long rss_before, rss_after;
	struct scav_stats st;

	ASSERT_EQ(0, sc_report1(self->fd, mid, 4 * MiB));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(4 * MiB, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_EQ(1, st.nr_ranges);

	rss_before = status_kb("RssAnon");
	ASSERT_EQ(4 * MiB, sc_reclaim(self->fd, 0, 0));
	rss_after = status_kb("RssAnon");
	/*
	 * RssAnon is process-wide and, on 6.1, lags by up to 65 faults per
	 * thread (SPLIT_RSS_COUNTING); mincore() below is the exact check.
	 */
	EXPECT_GE(rss_before - rss_after, (long)((4 * MiB - rss_lag_bytes(1)) / 1024));

	EXPECT_EQ(0, resident_pages(mid, 4 * MiB));
	EXPECT_EQ(2 * MiB / self->pg, resident_pages(self->mem, 2 * MiB));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, 2 * MiB, 1));
	EXPECT_TRUE(holds_pattern(self->mem, mid + 4 * MiB, 2 * MiB, 1));

	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(4 * MiB, st.idle_bytes);
	EXPECT_EQ(4 * MiB, st.discarded_bytes);
	EXPECT_EQ(4 * MiB, st.reclaimed_bytes);
	/* Within the lag of the figure /proc reads (per-CPU batches since 6.2). */
	EXPECT_GE(256 * self->pg, labs(rss_after * 1024 - (long)st.anon_rss_bytes));
	EXPECT_TRUE(is_zero(mid, 4 * MiB));
}

TEST_F(scav, claim_before_reclaim_keeps_data_and_faults_no_pages)
{
	char *mid = self->mem + MiB;
	uint64_t discarded, kept;
	struct rusage a, b;

	ASSERT_EQ(0, sc_report1(self->fd, mid, 2 * MiB));
	ASSERT_EQ(0, sc_claim1(self->fd, mid, 2 * MiB, &discarded, &kept));
	EXPECT_EQ(0, discarded);
	EXPECT_EQ(2 * MiB, kept);

	/*
	 * The harness forks per test, so the first write to any stack or
	 * data page takes a copy-on-write fault: run the same code once on
	 * memory that was never reported, then measure.
	 */
	getrusage(RUSAGE_SELF, &a);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 6 * MiB, MiB, 1));
	memset(self->mem + 6 * MiB, 7, MiB);
	getrusage(RUSAGE_SELF, &b);

	getrusage(RUSAGE_SELF, &a);
	EXPECT_TRUE(holds_pattern(self->mem, mid, 2 * MiB, 1));
	memset(mid, 7, 2 * MiB);
	getrusage(RUSAGE_SELF, &b);
	EXPECT_EQ(a.ru_minflt, b.ru_minflt);
	EXPECT_EQ(a.ru_majflt, b.ru_majflt);

	/* Claimed memory is never touched again. */
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(2 * MiB / self->pg, resident_pages(mid, 2 * MiB));
}

TEST_F(scav, claim_after_reclaim_reports_every_byte_discarded)
{
	struct scav_claim_range c[3];
	struct scav_claim cl;
	size_t i;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, 3 * MiB));
	ASSERT_EQ(3 * MiB, sc_reclaim(self->fd, 0, 0));
	/* Three claims: inside, straddling the end, and past it. */
	c[0] = (struct scav_claim_range){ (uintptr_t)self->mem, MiB };
	c[1] = (struct scav_claim_range){ (uintptr_t)self->mem + 2 * MiB, 2 * MiB };
	c[2] = (struct scav_claim_range){ (uintptr_t)self->mem + 5 * MiB, MiB };
	ASSERT_EQ(0, sc_claim(self->fd, c, 3, &cl));
	EXPECT_EQ(3, cl.done);
	EXPECT_EQ(MiB, c[0].discarded);
	EXPECT_EQ(MiB, c[1].discarded);
	EXPECT_EQ(0, c[2].discarded);
	for (i = 0; i < 3; i++)
		EXPECT_EQ(0, c[i].kept);
	EXPECT_EQ(2 * MiB, cl.discarded);
	EXPECT_EQ(0, cl.kept);
	EXPECT_TRUE(is_zero(self->mem, 3 * MiB));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 3 * MiB, MiB, 1));
}

/* Small pages only, each word of it written with its address and @tag. */
static char *map_small(size_t len, uint64_t tag)
{
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (m == MAP_FAILED)
		return NULL;
	madvise(m, len, MADV_NOHUGEPAGE);
	fill_addr_pattern(m, len, tag);
	return m;
}

/*
 * A fork child that, once told to go (a byte on *@go), checks that its copy
 * of @m still holds the pattern @tag.  Returns its pid, or -1.
 */
static pid_t fork_checker(char *m, size_t len, uint64_t tag, int *go)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (!pid) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(2);
		_exit(holds_addr_pattern(m, len, tag) ? 0 : 1);
	}
	close(p[0]);
	if (pid < 0)
		close(p[1]);
	*go = p[1];
	return pid;
}

/* Tell fork_checker()'s child to go: whether its copy held the pattern. */
static bool checker_found_it(pid_t pid, int go)
{
	int status;
	bool sent = write(go, "x", 1) == 1;

	close(go);
	return waitpid(pid, &status, 0) == pid && sent && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/*
 * A claim with SCAV_CLAIM_ZERO: every idle byte reads as zeros, and all of
 * them count as discarded; the kept pages were cleared where they are (no
 * fault to touch them), the discarded ones stay unmapped (not faulted in
 * by a clearing); bytes of the range that were not idle keep their data.
 */
TEST_F(scav, claim_zero_clears_kept_pages_in_place_and_leaves_discarded_ones_unmapped)
{
	size_t pg = self->pg, len = 64 * pg;
	char *m = map_small(len, 11);
	uint64_t discarded, kept;
	struct scav_stats a, b;
	struct rusage r0, r1;

	ASSERT_NE(NULL, m);
	/* A, pages 8-23, discarded; B, pages 24-39, kept. */
	ASSERT_EQ(0, sc_report1(self->fd, m + 8 * pg, 16 * pg));
	ASSERT_EQ(16 * pg, sc_reclaim(self->fd, 0, 0));
	ASSERT_EQ(0, sc_report1(self->fd, m + 24 * pg, 16 * pg));
	ASSERT_EQ(0, sc_stats(self->fd, &a));

	ASSERT_EQ(0, sc_claim1_flags(self->fd, m + 4 * pg, 40 * pg, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(32 * pg, discarded);
	EXPECT_EQ(0, kept);
	ASSERT_EQ(0, sc_stats(self->fd, &b));
	/* The figures say what the claim found: B was kept, and cleared. */
	EXPECT_EQ(16 * pg, b.claimed_discarded_bytes - a.claimed_discarded_bytes);
	EXPECT_EQ(16 * pg, b.claimed_kept_bytes - a.claimed_kept_bytes);
	EXPECT_EQ(0, b.idle_bytes);

	EXPECT_EQ(0, resident_pages(m + 8 * pg, 16 * pg));
	EXPECT_EQ(16, resident_pages(m + 24 * pg, 16 * pg));
	getrusage(RUSAGE_SELF, &r0);
	EXPECT_TRUE(is_zero(m + 24 * pg, 16 * pg));
	getrusage(RUSAGE_SELF, &r1);
	EXPECT_EQ(r0.ru_minflt, r1.ru_minflt);
	EXPECT_TRUE(is_zero(m + 8 * pg, 16 * pg));
	EXPECT_TRUE(holds_addr_pattern(m, 8 * pg, 11));
	EXPECT_TRUE(holds_addr_pattern(m + 40 * pg, 24 * pg, 11));

	/* Claimed: never touched again. */
	memset(m, 5, len);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(64, resident_pages(m, len));
	munmap(m, len);
}

/*
 * Lazily freed memory: what the kernel took reads as zeros already, what it
 * left is cleared and made dirty, so that what is written next stays.
 */
TEST_F(scav, claim_zero_of_lazily_freed_memory_keeps_what_is_written_next)
{
	struct scav_range r;
	struct scav_report rep = { .ranges = (uintptr_t)&r, .count = 1,
				   .flags = SCAV_REPORT_LAZYFREE };
	size_t pg = self->pg, len = 16 * pg;
	char *m = map_small(len, 12);
	uint64_t discarded, kept;

	ASSERT_NE(NULL, m);
	r = (struct scav_range){ (uintptr_t)m, len };
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	ASSERT_EQ(0, madvise(m, len, MADV_FREE));
	if (madvise(m, 8 * pg, MADV_PAGEOUT))
		SKIP(goto out, "MADV_PAGEOUT: %s", strerror(errno));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(len, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(0, resident_pages(m, 8 * pg));
	EXPECT_EQ(8, resident_pages(m + 8 * pg, 8 * pg));
	EXPECT_TRUE(is_zero(m, len));
	fill_addr_pattern(m + 8 * pg, 8 * pg, 13);
	ASSERT_EQ(0, madvise(m, len, MADV_PAGEOUT));
	EXPECT_TRUE(holds_addr_pattern(m + 8 * pg, 8 * pg, 13));
out:
	munmap(m, len);
}

/*
 * After fork() the pages are the child's too: the parent's claim must not
 * clear them where they are.  It discards its own mapping instead, and the
 * child still reads what was there.
 */
TEST_F(scav, claim_zero_never_clears_a_fork_childs_copy)
{
	size_t pg = self->pg, len = 32 * pg;
	char *m = map_small(len, 14);
	uint64_t discarded, kept;
	pid_t pid;
	int go;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	pid = fork_checker(m, len, 14, &go);
	ASSERT_LT(0, pid);
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(len, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_TRUE(is_zero(m, len));
	EXPECT_TRUE(checker_found_it(pid, go));
	munmap(m, len);
}

/*
 * Only what cannot be cleared in place is zapped: here one page the parent
 * still shares with a fork child, in a range it has otherwise written
 * since (copies of its own).  The rest stays mapped, cleared, and touching
 * it takes no fault; the child's copy is untouched.
 */
TEST_F(scav, claim_zero_zaps_only_the_pages_it_cannot_clear)
{
	size_t pg = self->pg, len = 32 * pg;
	char *m = map_small(len, 17);
	uint64_t discarded, kept;
	struct rusage r0, r1;
	long flt;
	size_t i;
	pid_t pid;
	int go;

	ASSERT_NE(NULL, m);
	pid = fork_checker(m, len, 17, &go);
	ASSERT_LT(0, pid);
	/* The same bytes again, in copies of the parent's own; not page 10. */
	for (i = 0; i < 32; i++)
		if (i != 10)
			fill_addr_pattern(m + i * pg, pg, 17);
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(len, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(0, resident_pages(m + 10 * pg, pg));
	EXPECT_EQ(31, resident_pages(m, len));
	getrusage(RUSAGE_SELF, &r0);
	EXPECT_TRUE(is_zero(m, len));
	getrusage(RUSAGE_SELF, &r1);
	/*
	 * Page 10's fault, to the zero page; the range zapped whole would take
	 * 32.  A fault on the test's own code, first run here by this process
	 * (a fork of the harness, whose text it maps as it goes), may come
	 * along: one did on 6.12 once.
	 */
	flt = r1.ru_minflt - r0.ru_minflt;
	EXPECT_LE(1, flt);
	EXPECT_GE(3, flt);
	EXPECT_TRUE(checker_found_it(pid, go));
	munmap(m, len);
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

/*
 * A guard region (6.13) inside idle memory holds no data, and a zap leaves
 * its markers: a zeroing claim clears the pages around it in place, and
 * zaps nothing (once it zapped the whole range, on every claim).
 */
TEST_F(scav, claim_zero_leaves_a_guard_region_and_clears_around_it)
{
	size_t pg = self->pg, len = 16 * pg;
	char *m = map_small(len, 18);
	uint64_t discarded, kept;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	if (madvise(m + 5 * pg, pg, MADV_GUARD_INSTALL))
		SKIP(goto out, "no guard regions in this kernel (MADV_GUARD_INSTALL: %s)",
		     strerror(errno));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(len, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(15, resident_pages(m, len));
	EXPECT_TRUE(is_zero(m, 5 * pg));
	EXPECT_TRUE(is_zero(m + 6 * pg, 10 * pg));
out:
	munmap(m, len);
}

#ifndef _UFFDIO_POISON
#define _UFFDIO_POISON	0x08
struct uffdio_poison {
	struct uffdio_range range;
	__u64 mode;
	__s64 updated;
};
#define UFFDIO_POISON	_IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif
#define SC_UFFD_FEATURE_POISON	(1 << 14)

/*
 * A poisoned page's marker (UFFDIO_POISON, 6.6; a swap-in error) raises
 * SIGBUS: a zeroing claim zaps it, as a swapped page, so that the page
 * reads as zeros, as the claim says it does.
 */
TEST_F(scav, claim_zero_zaps_a_poisoned_page)
{
	size_t pg = self->pg, len = 16 * pg;
	char *m = map_small(len, 19);
	struct uffdio_api api = { .api = UFFD_API, .features = SC_UFFD_FEATURE_POISON };
	struct uffdio_register reg = {
		.range = { (uintptr_t)m + 5 * pg, pg },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	struct uffdio_poison poison = { .range = { (uintptr_t)m + 5 * pg, pg } };
	uint64_t discarded, kept;
	int uffd;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, madvise(m + 5 * pg, pg, MADV_DONTNEED));
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		SKIP(goto out, "userfaultfd: %s", strerror(errno));
	if (ioctl(uffd, UFFDIO_API, &api)) {
		close(uffd);
		SKIP(goto out, "no UFFDIO_POISON in this kernel (UFFDIO_API: %s)",
		     strerror(errno));
	}
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_POISON, &poison));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_UNREGISTER, &reg.range));
	close(uffd);
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(len, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_EQ(15, resident_pages(m, len));
	/* No SIGBUS. */
	EXPECT_TRUE(is_zero(m, len));
out:
	munmap(m, len);
}

/*
 * Memory mlock()ed since it was reported may not be discarded: the claim
 * keeps it as it was and says so, for the caller to clear.
 */
TEST_F(scav, claim_zero_leaves_memory_locked_since_the_report_as_it_was)
{
	size_t pg = self->pg, len = 16 * pg;
	char *m = map_small(len, 15);
	uint64_t discarded, kept;

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, sc_report1(self->fd, m, len));
	if (mlock(m + 8 * pg, 8 * pg))
		SKIP(goto out, "mlock: %s", strerror(errno));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m, len, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(8 * pg, discarded);
	EXPECT_EQ(8 * pg, kept);
	EXPECT_TRUE(is_zero(m, 8 * pg));
	EXPECT_TRUE(holds_addr_pattern(m + 8 * pg, 8 * pg, 15));
out:
	munmap(m, len);
}

/*
 * A huge page is not cleared under its lock: the idle part of it is
 * discarded, and the rest of it keeps its data.
 */
TEST_F(scav, claim_zero_of_part_of_a_huge_page_clears_only_that_part)
{
	size_t blk = 2 * MiB;
	char *raw = mmap(NULL, 2 * blk, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t discarded, kept;
	char *m;

	ASSERT_NE(MAP_FAILED, raw);
	m = (char *)(((uintptr_t)raw + blk - 1) & ~(blk - 1));
	ASSERT_EQ(0, madvise(m, blk, MADV_HUGEPAGE));
	fill_addr_pattern(m, blk, 16);
	if (smaps_kb(m, "AnonHugePages") < 2048)
		SKIP(goto out, "no transparent huge page here (AnonHugePages %lld kB)",
		     smaps_kb(m, "AnonHugePages"));
	ASSERT_EQ(0, sc_report1(self->fd, m + MiB, MiB / 2));
	ASSERT_EQ(0, sc_claim1_flags(self->fd, m + MiB, MiB / 2, SCAV_CLAIM_ZERO,
				     &discarded, &kept));
	EXPECT_EQ(MiB / 2, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_TRUE(is_zero(m + MiB, MiB / 2));
	EXPECT_TRUE(holds_addr_pattern(m, MiB, 16));
	EXPECT_TRUE(holds_addr_pattern(m + MiB + MiB / 2, MiB / 2, 16));
out:
	munmap(raw, 2 * blk);
}

TEST_F(scav, partial_reclaim_discards_oldest_first_and_counts_exactly)
{
	struct scav_claim_range c[4];
	struct scav_range r[4];
	struct scav_stats st;
	int i;

	/* Four 1 MiB ranges with gaps, so they stay four ranges. */
	for (i = 0; i < 4; i++) {
		r[i].addr = (uintptr_t)self->mem + 2 * i * MiB;
		r[i].len = MiB;
		ASSERT_EQ(0, sc_report(self->fd, &r[i], 1, NULL));
	}
	ASSERT_EQ(MiB + MiB / 2, sc_reclaim(self->fd, 0, MiB + MiB / 2));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(4 * MiB, st.idle_bytes);
	EXPECT_EQ(MiB + MiB / 2, st.discarded_bytes);

	for (i = 0; i < 4; i++) {
		c[i].addr = r[i].addr;
		c[i].len = r[i].len;
	}
	ASSERT_EQ(0, sc_claim(self->fd, c, 4, NULL));
	EXPECT_EQ(MiB, c[0].discarded);
	EXPECT_EQ(0, c[0].kept);
	EXPECT_EQ(MiB / 2, c[1].discarded);
	EXPECT_EQ(MiB / 2, c[1].kept);
	EXPECT_EQ(0, c[2].discarded);
	EXPECT_EQ(MiB, c[2].kept);
	EXPECT_EQ(MiB, c[3].kept);
	EXPECT_TRUE(is_zero((char *)(uintptr_t)r[1].addr, MiB / 2));
	EXPECT_TRUE(holds_pattern(self->mem, (char *)(uintptr_t)r[1].addr + MiB / 2,
				  MiB / 2, 1));
	EXPECT_TRUE(holds_pattern(self->mem, (char *)(uintptr_t)r[2].addr, MiB, 1));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.idle_bytes);
	EXPECT_EQ(0, st.nr_ranges);
	EXPECT_EQ(MiB + MiB / 2, st.claimed_discarded_bytes);
	EXPECT_EQ(2 * MiB + MiB / 2, st.claimed_kept_bytes);
}

TEST_F(scav, reclaim_min_age_spares_young_ranges)
{
	struct timespec ts = { 0, 400 * 1000 * 1000 };
	uint64_t discarded, kept;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, MiB));
	nanosleep(&ts, NULL);
	ASSERT_EQ(0, sc_report1(self->fd, self->mem + 4 * MiB, MiB));
	ASSERT_EQ(MiB, sc_reclaim(self->fd, 200, 0));
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem + 4 * MiB, MiB, &discarded, &kept));
	EXPECT_EQ(MiB, kept);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 4 * MiB, MiB, 1));
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, MiB, &discarded, &kept));
	EXPECT_EQ(MiB, discarded);
}

TEST_F(scav, report_discard_gives_memory_back_now_and_records_nothing)
{
	struct scav_range r[2] = {
		{ (uintptr_t)self->mem, MiB },
		{ (uintptr_t)self->mem + 2 * MiB, MiB },
	};
	struct scav_report rep = { .ranges = (uintptr_t)r, .count = 2,
				   .flags = SCAV_REPORT_DISCARD };
	struct scav_stats st;
	uint64_t d, k;

	/* Idle state of an overlapping range is dropped with it. */
	ASSERT_EQ(0, sc_report1(self->fd, self->mem + 2 * MiB, 2 * MiB));
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(2, rep.done);
	EXPECT_EQ(2 * MiB, rep.bytes);
	EXPECT_EQ(0, resident_pages(self->mem, MiB));
	EXPECT_EQ(0, resident_pages(self->mem + 2 * MiB, MiB));
	EXPECT_TRUE(is_zero(self->mem, MiB));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + MiB, MiB, 1));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 3 * MiB, MiB, 1));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(MiB, st.idle_bytes);
	EXPECT_EQ(2 * MiB, st.reclaimed_request_bytes);
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, MiB, &d, &k));
	EXPECT_EQ(0, d + k);
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem + 3 * MiB, MiB, &d, &k));
	EXPECT_EQ(MiB, k);

	/* Not with LAZYFREE; and the VMA rules hold as for any report. */
	rep.flags = SCAV_REPORT_DISCARD | SCAV_REPORT_LAZYFREE;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, mlock(self->mem + 4 * MiB, MiB));
	r[0] = (struct scav_range){ (uintptr_t)self->mem + 4 * MiB, MiB };
	rep.flags = SCAV_REPORT_DISCARD;
	rep.count = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 4 * MiB, MiB, 1));
}

/*
 * Ages past what any range has been idle spare everything, up to 2^64 - 1
 * ms: no truncation to 32 bits (2^32 + 1 would become 1 ms, 2^32 and 2^63
 * zero, "all") and no overflow converting to jiffies.  The range is made a
 * few milliseconds old first, so that a truncated age would take it.
 */
TEST_F(scav, reclaim_limits_round_to_pages_and_saturate)
{
	static const uint64_t ages[] = {
		(1ULL << 32) - 1, 1ULL << 32, (1ULL << 32) + 1, 1ULL << 63,
		(1ULL << 63) + 1, UINT64_MAX,
	};
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	uint64_t discarded, kept;
	size_t i;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, MiB));
	nanosleep(&ts, NULL);
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		int64_t all = sc_reclaim(self->fd, ages[i], 0);
		int64_t one = sc_reclaim(self->fd, ages[i], 1);

		if (all || one)
			TH_LOG("min_age_ms %#llx discarded %lld, then %lld",
			       (unsigned long long)ages[i], (long long)all, (long long)one);
		EXPECT_EQ(0, all);
		EXPECT_EQ(0, one);
	}
	EXPECT_EQ(MiB / self->pg, resident_pages(self->mem, MiB));
	EXPECT_EQ(self->pg, sc_reclaim(self->fd, 1, 1));
	EXPECT_EQ(MiB - self->pg, sc_reclaim(self->fd, 0, UINT64_MAX));
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, MiB, &discarded, &kept));
	EXPECT_EQ(MiB, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + MiB, self->len - MiB, 1));
}

struct thread_report {
	int fd;
	char *mem;
	int ret;
};

static void *report_from_thread(void *arg)
{
	struct thread_report *t = arg;

	t->ret = sc_report1(t->fd, t->mem, MiB);
	return NULL;
}

TEST_F(scav, threads_of_the_opener_share_the_session)
{
	struct thread_report t = { self->fd, self->mem, -2 };
	struct scav_stats st;
	pthread_t th;

	ASSERT_EQ(0, pthread_create(&th, NULL, report_from_thread, &t));
	ASSERT_EQ(0, pthread_join(th, NULL));
	EXPECT_EQ(0, t.ret);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(MiB, st.idle_bytes);
}

TEST_F(scav, reporting_again_makes_discarded_memory_idle_as_of_now)
{
	uint64_t discarded, kept;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, MiB));
	ASSERT_EQ(MiB, sc_reclaim(self->fd, 0, 0));
	ASSERT_EQ(0, sc_report1(self->fd, self->mem, MiB));
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, MiB, &discarded, &kept));
	EXPECT_EQ(0, discarded);
	EXPECT_EQ(MiB, kept);
}

TEST_F(scav, claim_of_unreported_memory_or_holes_is_a_noop)
{
	uint64_t discarded, kept;
	char *hole;

	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, self->len, &discarded, &kept));
	EXPECT_EQ(0, discarded);
	EXPECT_EQ(0, kept);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));

	hole = mmap(NULL, MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	ASSERT_EQ(0, munmap(hole, MiB));
	ASSERT_EQ(0, sc_claim1(self->fd, hole, MiB, &discarded, &kept));
	EXPECT_EQ(0, discarded + kept);
}

TEST_F(scav, adjacent_reports_merge_into_one_range)
{
	struct scav_range r[256];
	struct scav_report rep;
	struct scav_stats st;
	int i;

	for (i = 0; i < 256; i++) {
		r[i].addr = (uintptr_t)self->mem + i * self->pg;
		r[i].len = self->pg;
	}
	ASSERT_EQ(0, sc_report(self->fd, r, 256, &rep));
	EXPECT_EQ(256, rep.done);
	EXPECT_EQ(256 * self->pg, rep.bytes);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(1, st.nr_ranges);
	EXPECT_EQ(256 * self->pg, st.idle_bytes);
}

/* Each refused report: the error, no progress, and no data touched. */
static void expect_refused(struct __test_metadata *_metadata, int fd,
			   uint64_t addr, uint64_t len, int err)
{
	struct scav_range r = { addr, len };
	struct scav_report rep;

	errno = 0;
	EXPECT_EQ(-1, sc_report(fd, &r, 1, &rep));
	EXPECT_EQ(err, errno);
	EXPECT_EQ(0, rep.done);
	EXPECT_EQ(0, rep.bytes);
}

TEST_F(scav, report_refuses_bad_ranges)
{
	uintptr_t a = (uintptr_t)self->mem;
	size_t pg = self->pg;
	char *hole;

	expect_refused(_metadata, self->fd, a + 1, pg, EINVAL);
	expect_refused(_metadata, self->fd, a, pg + 1, EINVAL);
	expect_refused(_metadata, self->fd, a, 0, EINVAL);
	expect_refused(_metadata, self->fd, -pg, 2 * pg, EINVAL);
	expect_refused(_metadata, self->fd, a, -pg, EINVAL);
	expect_refused(_metadata, self->fd, 0xffff888000000000ULL, pg, EINVAL);
	expect_refused(_metadata, self->fd, 1ULL << 62, pg, EINVAL);
	expect_refused(_metadata, self->fd, 0, pg, ENOMEM);

	hole = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, hole);
	memset(hole, 3, 3 * pg);
	ASSERT_EQ(0, munmap(hole + pg, pg));
	expect_refused(_metadata, self->fd, (uintptr_t)hole, 3 * pg, ENOMEM);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(3, hole[0]);
	EXPECT_EQ(3, hole[2 * pg]);
	munmap(hole, 3 * pg);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));
}

TEST_F(scav, report_stops_at_the_first_bad_range_and_keeps_the_prefix)
{
	struct scav_range r[3] = {
		{ (uintptr_t)self->mem, MiB },
		{ (uintptr_t)self->mem + 2 * MiB, MiB },
		{ (uintptr_t)self->mem + 4 * MiB + 1, MiB },
	};
	struct scav_report rep;
	struct scav_stats st;

	EXPECT_EQ(-1, sc_report(self->fd, r, 3, &rep));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(2, rep.done);
	EXPECT_EQ(2 * MiB, rep.bytes);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(2 * MiB, st.idle_bytes);
	EXPECT_EQ(2 * MiB, sc_reclaim(self->fd, 0, 0));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 4 * MiB, 4 * MiB, 1));

	/* A hole part-way: ENOMEM, and the ranges before it count. */
	ASSERT_EQ(0, munmap(self->mem + 5 * MiB, self->pg));
	r[0].addr = (uintptr_t)self->mem + 4 * MiB;
	r[1].addr = (uintptr_t)self->mem + 5 * MiB;
	r[2].addr = (uintptr_t)self->mem + 6 * MiB;
	EXPECT_EQ(-1, sc_report(self->fd, r, 3, &rep));
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(1, rep.done);
	EXPECT_EQ(MiB, rep.bytes);
	EXPECT_EQ(MiB, sc_reclaim(self->fd, 0, 0));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 5 * MiB + self->pg,
				  MiB - self->pg, 1));
}

TEST_F(scav, report_refuses_nonzero_flags_reserved_and_huge_counts)
{
	struct scav_range r = { (uintptr_t)self->mem, self->pg };
	struct scav_report rep;
	struct scav_claim cl;
	struct scav_reclaim rc;

	memset(&rep, 0, sizeof(rep));
	rep.ranges = (uintptr_t)&r;
	rep.count = 1;
	rep.flags = SCAV_REPORT_DISCARD << 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.flags = 0x80000000;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.flags = 0;
	rep.__reserved0 = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.__reserved0 = 0;
	rep.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.__reserved[1] = 0;
	rep.count = SCAV_MAX_RANGES_PER_CALL + 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.count = UINT32_MAX;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	rep.count = 1;
	rep.ranges = 16;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EFAULT, errno);
	rep.count = 0;
	EXPECT_EQ(0, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, (void *)16));
	EXPECT_EQ(EFAULT, errno);

	memset(&cl, 0, sizeof(cl));
	cl.ranges = (uintptr_t)&r;
	cl.count = 1;
	cl.flags = 2;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_CLAIM, &cl));
	EXPECT_EQ(EINVAL, errno);
	cl.flags = SCAV_CLAIM_ZERO | 0x80000000;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_CLAIM, &cl));
	EXPECT_EQ(EINVAL, errno);
	cl.flags = 0;
	cl.__reserved[0] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_CLAIM, &cl));
	EXPECT_EQ(EINVAL, errno);
	cl.__reserved[0] = 0;
	cl.count = SCAV_MAX_RANGES_PER_CALL + 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_CLAIM, &cl));
	EXPECT_EQ(EINVAL, errno);

	memset(&rc, 0, sizeof(rc));
	rc.flags = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_RECLAIM, &rc));
	EXPECT_EQ(EINVAL, errno);
	rc.flags = 0;
	rc.__reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_RECLAIM, &rc));
	EXPECT_EQ(EINVAL, errno);

	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));
}

TEST_F(scav, claim_refuses_bad_ranges)
{
	struct scav_claim_range c[2] = {
		{ (uintptr_t)self->mem, self->pg },
		{ (uintptr_t)self->mem + 1, self->pg },
	};
	struct scav_claim cl;
	uint64_t d, k;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, self->pg));
	EXPECT_EQ(-1, sc_claim(self->fd, c, 2, &cl));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(1, cl.done);
	EXPECT_EQ(self->pg, c[0].kept);
	EXPECT_EQ(0, c[1].kept);
	EXPECT_EQ(0, c[1].discarded);
	EXPECT_EQ(-1, sc_claim1(self->fd, self->mem, 0, &d, &k));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sc_claim1(self->fd, (void *)-self->pg, 2 * self->pg, &d, &k));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(scav, unknown_ioctls_get_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(SCAV_IOC_MAGIC, 0x7f, struct scav_report), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(SCAV_IOC_MAGIC, 0x11, struct scav_report), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IOWR(SCAV_IOC_MAGIC, 0x11, uint64_t), buf));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO('T', 0x11), buf));
	EXPECT_EQ(ENOTTY, errno);
}

/* Report must refuse @p and leave its contents alone through a reclaim. */
static void expect_vma_refused(struct __test_metadata *_metadata, int fd,
			       char *p, size_t len)
{
	char first = p[0];

	expect_refused(_metadata, fd, (uintptr_t)p, len, EINVAL);
	EXPECT_EQ(0, sc_reclaim(fd, 0, 0));
	EXPECT_EQ(first, p[0]);
}

TEST_F(scav, report_refuses_file_and_shared_mappings)
{
	char path[] = "/tmp/scav-test-XXXXXX";
	int tfd = mkstemp(path);
	char *p;

	ASSERT_LE(0, tfd);
	unlink(path);
	ASSERT_EQ(0, ftruncate(tfd, MiB));

	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE, tfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 9;
	expect_vma_refused(_metadata, self->fd, p, MiB);
	munmap(p, MiB);

	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 9;
	expect_vma_refused(_metadata, self->fd, p, MiB);
	munmap(p, MiB);
	close(tfd);

	p = mmap(NULL, MiB, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	p[0] = 9;
	expect_vma_refused(_metadata, self->fd, p, MiB);
	munmap(p, MiB);
}

TEST_F(scav, report_refuses_mlocked_memory)
{
	ASSERT_EQ(0, mlock(self->mem, MiB));
	expect_vma_refused(_metadata, self->fd, self->mem, MiB);
	/* A range that runs from eligible into locked memory is refused whole. */
	expect_refused(_metadata, self->fd, (uintptr_t)self->mem + MiB - self->pg,
		       2 * self->pg, EINVAL);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));
}

TEST_F(scav, reclaim_skips_memory_mlocked_after_report)
{
	uint64_t discarded, kept;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, 2 * MiB));
	ASSERT_EQ(0, mlock(self->mem, MiB));
	EXPECT_EQ(MiB, sc_reclaim(self->fd, 0, 0));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, MiB, 1));
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, 2 * MiB, &discarded, &kept));
	EXPECT_EQ(MiB, discarded);
	EXPECT_EQ(MiB, kept);
}

TEST_F(scav, report_refuses_hugetlb)
{
	size_t huge = 2 * MiB;
	char *p;

	p = mmap(NULL, huge, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		SKIP(return, "no hugetlb page available (vm.nr_hugepages is 0)");
	p[0] = 9;
	expect_vma_refused(_metadata, self->fd, p, huge);
	munmap(p, huge);
}

/* Whether the mapping that holds @addr has the two-letter smaps VmFlag @flag. */
static int has_vmflag(const void *addr, const char *flag)
{
	char flags[256], *tok, *save;

	if (smaps_field(addr, "VmFlags", flags, sizeof(flags)))
		return 0;
	for (tok = strtok_r(flags, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
		if (!strcmp(tok, flag))
			return 1;
	return 0;
}

/*
 * A mapping of raw pages: io_uring's submission ring, mapped private
 * (io_uring allows it), with vm_insert_pages() (VM_MIXEDMAP, "mm" in smaps)
 * on the kernels here, Debian's 6.1 included; older kernels used
 * remap_pfn_range() (VM_IO | VM_PFNMAP, "io pf").  Its VMA is a file's and
 * keeps the dummy vm_ops every VMA starts with (vma_init()), so
 * vma_is_anonymous() refuses it before the VM_PFNMAP | VM_IO | VM_MIXEDMAP
 * test of scav_vma_eligible(): that test is reached only by a driver that
 * sets vm_ops to NULL in its mmap, which none here does.
 * Returns the mapping, or NULL with @why set.
 */
static char *map_pfn_ring(int *ring, size_t *len, const char **why)
{
	struct io_uring_params p;
	char *m;

	memset(&p, 0, sizeof(p));
	*ring = syscall(__NR_io_uring_setup, 4, &p);
	if (*ring < 0) {
		*why = strerror(errno);
		return NULL;
	}
	*len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_POPULATE,
		 *ring, IORING_OFF_SQ_RING);
	if (m == MAP_FAILED) {
		*why = strerror(errno);
		close(*ring);
		return NULL;
	}
	*len = (*len + pagesz() - 1) & ~(pagesz() - 1);
	return m;
}

TEST_F(scav, report_refuses_pfnmap_and_special_mappings)
{
	char line[512], *ring_mem, before[64];
	const char *why = NULL;
	int checked = 0, ring;
	size_t len;
	FILE *f = fopen("/proc/self/maps", "re");

	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (!strstr(line, "[vvar]") && !strstr(line, "[vdso]"))
			continue;
		ASSERT_EQ(2, sscanf(line, "%lx-%lx", &lo, &hi));
		expect_refused(_metadata, self->fd, lo, hi - lo, EINVAL);
		checked++;
	}
	fclose(f);
	EXPECT_LE(1, checked);

	ring_mem = map_pfn_ring(&ring, &len, &why);
	if (!ring_mem)
		SKIP(return, "no io_uring ring to map: %s", why);
	if (!smaps_field(ring_mem, "VmFlags", line, sizeof(line)))
		TH_LOG("io_uring's ring, mapped private: VmFlags%s", line);
	EXPECT_TRUE((has_vmflag(ring_mem, "pf") && has_vmflag(ring_mem, "io")) ||
		    has_vmflag(ring_mem, "mm"));
	memcpy(before, ring_mem, sizeof(before));
	expect_refused(_metadata, self->fd, (uintptr_t)ring_mem, len, EINVAL);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(0, memcmp(before, ring_mem, sizeof(before)));
	EXPECT_EQ(len / self->pg, present_by_pagemap(ring_mem, len));
	munmap(ring_mem, len);
	close(ring);
}

TEST_F(scav, report_refuses_userfaultfd_registered_memory)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = {
		.range = { (uintptr_t)self->mem, MiB },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};
	int uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		SKIP(return, "userfaultfd: %s", strerror(errno));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &reg));
	expect_vma_refused(_metadata, self->fd, self->mem, MiB);
	close(uffd);
}

TEST_F(scav, forked_child_is_refused_and_cannot_touch_parent)
{
	struct scav_stats st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, 2 * MiB));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct scav_claim_range c = { (uintptr_t)self->mem, 2 * MiB };
		struct scav_reclaim rc = { 0 };
		struct scav_stats cst;
		struct scav_version v;
		int bad = 0;

		bad |= !(sc_report1(self->fd, self->mem + 4 * MiB, MiB) == -1 && errno == EPERM);
		bad |= !(sc_claim(self->fd, &c, 1, NULL) == -1 && errno == EPERM);
		bad |= !(ioctl(self->fd, SCAV_IOC_RECLAIM, &rc) == -1 && errno == EPERM);
		bad |= !(ioctl(self->fd, SCAV_IOC_STATS, &cst) == -1 && errno == EPERM);
		bad |= !(ioctl(self->fd, SCAV_IOC_VERSION, &v) == -1 && errno == EPERM);
		_exit(bad);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(2 * MiB, st.idle_bytes);
	EXPECT_EQ(0, st.discarded_bytes);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));
}

static int send_fd(int sock, int fd)
{
	char c = 0, buf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, buf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = buf, .msg_controllen = sizeof(buf),
	};
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST_F(scav, scm_rights_receiver_is_refused_and_cannot_touch_sender)
{
	int sv[2], status, fd;
	pid_t pid;
	char ack;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* The sender: its own session and memory. */
		int cfd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *m = map_filled(MiB, 5);
		struct scav_stats st;
		int bad;

		if (cfd < 0 || !m || sc_report1(cfd, m, MiB) || send_fd(sv[1], cfd))
			_exit(2);
		if (read(sv[1], &ack, 1) != 1)
			_exit(3);
		bad = sc_stats(cfd, &st) || st.idle_bytes != MiB ||
		      st.discarded_bytes || !holds_pattern(m, m, MiB, 5);
		_exit(bad);
	}
	fd = recv_fd(sv[0]);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-EPERM, sc_reclaim(fd, 0, 0));
	EXPECT_EQ(-1, sc_report1(fd, self->mem, MiB));
	EXPECT_EQ(EPERM, errno);
	close(fd);
	ASSERT_EQ(1, write(sv[0], "x", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem, self->len, 1));
}

TEST_F(scav, munmap_then_mmap_at_same_address_never_loses_new_data)
{
	char *p = self->mem + 2 * MiB, *q;
	struct scav_stats st;

	ASSERT_EQ(0, sc_report1(self->fd, p, 2 * MiB));
	ASSERT_EQ(0, munmap(p, 2 * MiB));
	q = mmap(p, 2 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(p, q);
	memset(q, 0x5a, 2 * MiB);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(0x5a, q[0]);
	EXPECT_EQ(0x5a, q[2 * MiB - 1]);
	EXPECT_EQ(2 * MiB / self->pg, resident_pages(q, 2 * MiB));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.idle_bytes);
	EXPECT_EQ(2 * MiB, st.forgotten_bytes);
}

TEST_F(scav, map_fixed_over_idle_memory_never_loses_new_data)
{
	char *p = self->mem + MiB, *q;

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, 4 * MiB));
	q = mmap(p, MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p, q);
	memset(q, 0x6b, MiB);
	EXPECT_EQ(3 * MiB, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(0x6b, q[0]);
	EXPECT_EQ(0x6b, q[MiB - 1]);
	EXPECT_EQ(MiB / self->pg, resident_pages(q, MiB));
	EXPECT_TRUE(is_zero(self->mem, MiB));
	EXPECT_TRUE(is_zero(self->mem + 2 * MiB, 2 * MiB));
}

TEST_F(scav, mremap_away_forgets_the_range_at_both_addresses)
{
	char *old = self->mem + 4 * MiB, *dst, *moved, *fresh;

	dst = mmap(NULL, 2 * MiB, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	ASSERT_EQ(0, sc_report1(self->fd, old, 2 * MiB));
	moved = mremap(old, 2 * MiB, 2 * MiB, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	ASSERT_EQ(dst, moved);
	fresh = mmap(old, 2 * MiB, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	ASSERT_EQ(old, fresh);
	memset(fresh, 0x7c, 2 * MiB);
	EXPECT_EQ(0, sc_reclaim(self->fd, 0, 0));
	EXPECT_EQ(0x7c, fresh[MiB]);
	EXPECT_TRUE(holds_pattern(moved - 4 * MiB, moved, 2 * MiB, 1));
	munmap(moved, 2 * MiB);
}

TEST_F_TIMEOUT(scav, session_bound_reaches_enospc_and_keeps_the_prefix, 180)
{
	struct scav_range *r;
	struct scav_version v;
	struct scav_report rep;
	struct scav_stats st;
	uint64_t d, k;
	size_t span, i, total = 0;
	char *big;
	int ret = 0;

	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_VERSION, &v));
	span = (size_t)(v.max_ranges + 8) * 2 * self->pg;
	big = mmap(NULL, span, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	ASSERT_NE(MAP_FAILED, big);
	r = calloc(SCAV_MAX_RANGES_PER_CALL, sizeof(*r));
	ASSERT_NE(NULL, r);
	/* Every other page, so no two ranges merge. */
	for (i = 0; !ret && i < v.max_ranges + 8; i += SCAV_MAX_RANGES_PER_CALL) {
		size_t j;

		for (j = 0; j < SCAV_MAX_RANGES_PER_CALL; j++) {
			r[j].addr = (uintptr_t)big + (i + j) * 2 * self->pg;
			r[j].len = self->pg;
		}
		ret = sc_report(self->fd, r, SCAV_MAX_RANGES_PER_CALL, &rep);
		total += rep.done;
	}
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(ENOSPC, errno);
	EXPECT_LE(v.max_ranges - 2, total);
	EXPECT_GE(v.max_ranges, total);

	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(total, st.nr_ranges);
	ASSERT_EQ(0, sc_claim1(self->fd, big, span, &d, &k));
	EXPECT_EQ(total * self->pg, k);
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(0, st.nr_ranges);
	free(r);
	munmap(big, span);
}

struct race {
	int fd;
	char *mem;
	size_t pg;
	int npages;
	volatile int stop;
	long rounds, discarded_pages, kept_pages, bad, reclaim_bad;
	long again;		/* calls that took a round reported during them */
	int64_t bad_got;
};

/*
 * Reclaims all the time.  A call may take the 64 pages more than once:
 * claimed and reported again while it runs, within the jiffy it began in,
 * they are idle as long as it may take.  A result that is not whole pages,
 * or more than the rounds the call overlapped report, is bad.
 */
static void *race_reclaimer(void *arg)
{
	struct race *rc = arg;

	while (!rc->stop) {
		long r0 = __atomic_load_n(&rc->rounds, __ATOMIC_ACQUIRE);
		int64_t got = sc_reclaim(rc->fd, 0, 0);
		long r1 = __atomic_load_n(&rc->rounds, __ATOMIC_ACQUIRE);
		int64_t most = (int64_t)(r1 - r0 + 1) * rc->npages * rc->pg;

		if (got < 0 || got % rc->pg || got > most) {
			if (!rc->reclaim_bad++)
				rc->bad_got = got;
		} else if (got > (int64_t)(rc->npages * rc->pg)) {
			rc->again++;
		}
	}
	return NULL;
}

/* One page of a round, claimed: all zeros if discarded, else all its pattern. */
static int race_page_ok(const struct scav_claim_range *c, const char *p,
			size_t pg, long round, long *discarded, long *kept)
{
	if (c->discarded == pg && c->kept == 0 && is_zero(p, pg)) {
		(*discarded)++;
		return 1;
	}
	if (c->kept == pg && c->discarded == 0 && holds_addr_pattern(p, pg, round)) {
		(*kept)++;
		return 1;
	}
	return 0;
}

/*
 * Every other page of 128 is written, reported and claimed over and over
 * while another thread reclaims.  Every byte of every page must be what its
 * claim says: zeros, or this round's pattern for its address; the pages
 * between, never reported, keep theirs; every call answers in full.
 */
TEST_F_TIMEOUT(scav, report_claim_race_against_reclaim_loses_nothing, 120)
{
	struct race rc = { .fd = self->fd, .mem = self->mem, .pg = self->pg,
			   .npages = 64 };
	uint64_t all = rc.npages * rc.pg;
	struct scav_claim_range c[64];
	struct scav_range r[64];
	struct scav_report rep;
	struct scav_claim cl;
	pthread_t th;
	int i, gaps_bad;
	double t0;

	ASSERT_EQ(0, pthread_create(&th, NULL, race_reclaimer, &rc));
	t0 = now_s();
	do {
		for (i = 0; i < rc.npages; i++) {
			char *p = rc.mem + i * 2 * rc.pg;

			fill_addr_pattern(p, rc.pg, rc.rounds);
			r[i] = (struct scav_range){ (uintptr_t)p, rc.pg };
			c[i] = (struct scav_claim_range){ (uintptr_t)p, rc.pg };
		}
		if (sc_report(rc.fd, r, rc.npages, &rep) || rep.done != (uint32_t)rc.npages ||
		    rep.bytes != all)
			rc.bad++;
		if (sc_claim(rc.fd, c, rc.npages, &cl) || cl.done != (uint32_t)rc.npages ||
		    cl.discarded + cl.kept != all)
			rc.bad++;
		for (i = 0; i < rc.npages; i++) {
			cl.discarded -= c[i].discarded;
			cl.kept -= c[i].kept;
			if (!race_page_ok(&c[i], rc.mem + i * 2 * rc.pg, rc.pg, rc.rounds,
					  &rc.discarded_pages, &rc.kept_pages))
				rc.bad++;
		}
		if (cl.discarded || cl.kept)
			rc.bad++;
		__atomic_store_n(&rc.rounds, rc.rounds + 1, __ATOMIC_RELEASE);
	} while (now_s() - t0 < 3);
	rc.stop = 1;
	pthread_join(th, NULL);
	TH_LOG("%ld rounds: %ld pages discarded, %ld kept; %ld reclaims took pages reported while they ran",
	       rc.rounds, rc.discarded_pages, rc.kept_pages, rc.again);
	EXPECT_EQ(0, rc.bad);
	EXPECT_EQ(0, rc.reclaim_bad) TH_LOG("first bad reclaim: %lld", (long long)rc.bad_got);
	EXPECT_EQ(rc.rounds * rc.npages, rc.discarded_pages + rc.kept_pages);
	EXPECT_LT(0, rc.rounds);
	for (i = 0, gaps_bad = 0; i < rc.npages; i++)
		gaps_bad += !holds_pattern(self->mem, self->mem + (2 * i + 1) * self->pg,
					   self->pg, 1);
	EXPECT_EQ(0, gaps_bad);
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + 128 * self->pg,
				  self->len - 128 * self->pg, 1));
}

TEST(unprivileged_user_gets_a_working_session_of_its_own)
{
	pid_t pid;
	int status;

	if (geteuid() != 0)
		SKIP(return, "must start as root to drop to nobody");
	if (access(SCAV_DEVICE_PATH, F_OK))
		SKIP(return, "scav.ko not loaded");
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		char *m;
		int fd, bad;
		uint64_t d, k;

		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = open(SCAV_DEVICE_PATH, O_RDWR);
		m = map_filled(MiB, 4);
		if (fd < 0 || !m)
			_exit(3);
		bad = sc_report1(fd, m, MiB) || sc_reclaim(fd, 0, MiB / 2) != (int64_t)(MiB / 2) ||
		      sc_claim1(fd, m, MiB, &d, &k) || d != MiB / 2 || k != MiB / 2 ||
		      !is_zero(m, MiB / 2) || !holds_pattern(m, m + MiB / 2, MiB / 2, 4);
		_exit(bad ? 4 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* The module-wide figures, the files of /sys/kernel/scav, in SCAV_FIGURES order. */
#define FIGURE_NAME(name, stat, walk) #name,
#define NOT_MODULE_WIDE(name, stat, walk)
static const char *const module_figures[] = {
	SCAV_FIGURES(FIGURE_NAME, NOT_MODULE_WIDE, FIGURE_NAME)
};
#define NR_MODULE_FIGURES (sizeof(module_figures) / sizeof(module_figures[0]))

/*
 * What the child of the exit test adds to each figure while it lives and
 * after it is gone: the totals of what it did stay, its session, ranges
 * and idle memory go.  Figures not named here must not move at all.
 */
static const struct {
	const char *name;
	long long alive, gone;
} exit_deltas[] = {
	{ "sessions", 1, 0 },
	{ "nr_ranges", 2, 0 },		/* the discarded MiB and the kept rest */
	{ "idle_bytes", 4 * MiB, 0 },
	{ "discarded_bytes", MiB, 0 },
	{ "idle_resident_bytes", 3 * MiB, 0 },
	{ "reported_bytes", 4 * MiB, 4 * MiB },
	{ "reclaimed_request_bytes", MiB, MiB },
};

static long long exit_delta(const char *name, int alive)
{
	size_t i;

	for (i = 0; i < sizeof(exit_deltas) / sizeof(exit_deltas[0]); i++)
		if (!strcmp(exit_deltas[i].name, name))
			return alive ? exit_deltas[i].alive : exit_deltas[i].gone;
	return 0;
}

/* Every module-wide figure against @before plus the child's share. */
static void expect_figures(struct __test_metadata *_metadata,
			   const long long *before, int alive)
{
	size_t i;

	for (i = 0; i < NR_MODULE_FIGURES; i++) {
		long long want = before[i] + exit_delta(module_figures[i], alive);
		long long v = knob_read(module_figures[i]);

		if (v != want)
			TH_LOG("%s %s: %lld, %lld before", alive ? "alive" : "gone",
			       module_figures[i], v, before[i]);
		EXPECT_EQ(want, v);
	}
}

/*
 * A process that exits with a session open and ranges idle, some of them
 * discarded: its session, ranges and idle memory leave the module's
 * figures, which return to where they were (no other session runs meanwhile,
 * and aging is held off), and only its totals stay.
 */
TEST(process_exit_with_idle_ranges_and_open_session_is_clean)
{
	long long before[NR_MODULE_FIGURES];
	struct tunables saved;
	int to[2], from[2], status;
	size_t i;
	pid_t pid;
	char c;

	if (access(SCAV_DEVICE_PATH, F_OK))
		SKIP(return, "scav.ko not loaded");
	if (geteuid() != 0)
		SKIP(return, "needs root for /sys/kernel/scav");
	tunables_save(&saved);
	ASSERT_EQ(0, knob_write("idle_age_ms", "3600000"));
	for (i = 0; i < NR_MODULE_FIGURES; i++) {
		before[i] = knob_read(module_figures[i]);
		ASSERT_LE(0, before[i]);
	}
	ASSERT_EQ(0, pipe(to));
	ASSERT_EQ(0, pipe(from));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *m = map_filled(4 * MiB, 2);

		if (fd < 0 || !m || sc_report1(fd, m, 4 * MiB) ||
		    sc_reclaim(fd, 0, MiB) != (int64_t)MiB ||
		    write(from[1], "r", 1) != 1 || read(to[0], &c, 1) != 1)
			_exit(1);
		_exit(0);	/* fd and ranges left for exit to clean up */
	}
	close(to[0]);
	close(from[1]);
	if (read(from[0], &c, 1) == 1) {
		expect_figures(_metadata, before, 1);
		EXPECT_EQ(1, write(to[1], "x", 1));
	}
	close(to[1]);
	close(from[0]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	expect_figures(_metadata, before, 0);
	tunables_restore(&saved);
}

/*
 * A session's first ioctl but VERSION registers its mmu notifier, which
 * gives up when a signal is pending: with an SA_RESTART handler the ioctl
 * is restarted, never failed with EINTR.  A restart is invisible to the
 * caller, so the handler counts them from its signal frame, and the test
 * needs some: a storm that never hit the window proves nothing.  The open
 * itself registers nothing (see scav_session_attach()).
 */
static int open_device(void)
{
	struct scav_stats st = {};
	int fd, ret = 0;

	fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return errno;
	if (ioctl(fd, SCAV_IOC_STATS, &st))
		ret = errno;
	close(fd);
	return ret;
}

FIXTURE(signals) {
};

FIXTURE_SETUP(signals)
{
	if (access(SCAV_DEVICE_PATH, F_OK))
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
			   strerror(errno));
}

FIXTURE_TEARDOWN(signals)
{
}

TEST_F_TIMEOUT(signals, first_ioctl_is_restarted_when_a_signal_interrupts_it, 300)
{
	int n, eintr, other, hits;

	n = storm_opens(open_device, SA_RESTART, &eintr, &other, &hits);
	ASSERT_LE(5, n);
	TH_LOG("%d processes opened under signals: %d calls restarted, %d EINTR, %d other failures",
	       n, hits, eintr, other);
	EXPECT_EQ(0, eintr);
	EXPECT_EQ(0, other);
	if (hits < 0)
		SKIP(return, "no x86-64 signal frame to tell a restarted call by");
	EXPECT_LT(0, hits);
}

TEST_HARNESS_MAIN

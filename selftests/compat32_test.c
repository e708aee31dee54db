// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl ABI from a 32-bit process: the same structures (fixed-width,
 * no implicit padding) through compat_ptr_ioctl.  Built with -m32.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "kselftest_harness.h"
#include "scav_util.h"

FIXTURE(compat) {
	int fd;
	char *mem;
};

FIXTURE_SETUP(compat)
{
	self->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (self->fd < 0)
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
			   strerror(errno));
	self->mem = map_filled(4 * MiB, 1);
	ASSERT_TRUE(self->mem != NULL);
}

FIXTURE_TEARDOWN(compat)
{
	close(self->fd);
	munmap(self->mem, 4 * MiB);
}

TEST_F(compat, a_32_bit_process_reports_claims_and_reclaims)
{
	struct scav_version v;
	struct scav_stats st;
	uint64_t d, k;

	ASSERT_EQ(4, sizeof(void *));
	memset(&v, 0xa5, sizeof(v));
	ASSERT_EQ(0, ioctl(self->fd, SCAV_IOC_VERSION, &v));
	EXPECT_EQ(SCAV_ABI_MAJOR, v.abi_major);
	EXPECT_EQ(SCAV_MAX_RANGES_PER_CALL, v.max_ranges_per_call);

	ASSERT_EQ(0, sc_report1(self->fd, self->mem, 2 * MiB));
	ASSERT_EQ(MiB, sc_reclaim(self->fd, 0, MiB));
	ASSERT_EQ(0, sc_stats(self->fd, &st));
	EXPECT_EQ(2 * MiB, st.idle_bytes);
	EXPECT_EQ(MiB, st.discarded_bytes);
	ASSERT_EQ(0, sc_claim1(self->fd, self->mem, 2 * MiB, &d, &k));
	EXPECT_EQ(MiB, d);
	EXPECT_EQ(MiB, k);
	EXPECT_TRUE(is_zero(self->mem, MiB));
	EXPECT_TRUE(holds_pattern(self->mem, self->mem + MiB, 3 * MiB, 1));
}

TEST_F(compat, a_32_bit_process_gets_the_same_errors)
{
	struct scav_report rep = { .count = SCAV_MAX_RANGES_PER_CALL + 1 };

	EXPECT_EQ(-1, ioctl(self->fd, SCAV_IOC_REPORT, &rep));
	EXPECT_EQ(EINVAL, errno);
	/* Beyond a 32-bit address space. */
	EXPECT_EQ(-1, sc_report1(self->fd, (void *)0xfffff000UL, 2 * pagesz()));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SCAV_IOC_MAGIC, 0x7f), NULL));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN

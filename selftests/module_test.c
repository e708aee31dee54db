// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and unloading scav.ko with sessions in every state.  A leaked node
 * or session makes kmem_cache_destroy() warn at unload, and the VM runner
 * boots with panic_on_warn, so a leak fails the run.  Needs root and the
 * module's path in SCAV_KO; it leaves the module loaded.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav.h"

/* A child that reports, reclaims part, and exits with its session open. */
static int exit_with_session(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		char *m = map_filled(2 * MiB, 8);

		_exit(fd < 0 || !m || sc_report1(fd, m, 2 * MiB) ||
		      sc_reclaim(fd, 0, MiB) != (int64_t)MiB);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

FIXTURE(mod) {
	int dummy;
};

FIXTURE_SETUP(mod)
{
	if (geteuid() != 0)
		SETUP_SKIP("needs root to load modules");
	if (!getenv("SCAV_KO"))
		SETUP_SKIP("SCAV_KO does not name scav.ko");
	ASSERT_EQ(0, scav_load());
}

FIXTURE_TEARDOWN(mod)
{
	scav_load();
}

TEST_F(mod, unload_is_refused_while_a_session_is_open)
{
	int fd = open(SCAV_DEVICE_PATH, O_RDWR);

	ASSERT_LE(0, fd);
	EXPECT_EQ(-EWOULDBLOCK, scav_unload());
	close(fd);
	EXPECT_EQ(0, scav_unload());
	EXPECT_EQ(-1, access(SCAV_DEVICE_PATH, F_OK));
}

/*
 * A page-state map still mapped after its session's descriptor is closed
 * keeps the module: its pages are the module's, and its vm_ops too.
 */
TEST_F(mod, unload_is_refused_while_a_page_state_map_is_mapped)
{
	int fd = open(SCAV_DEVICE_PATH, O_RDWR);
	char *m = map_filled(MiB, 3);
	_Atomic uint32_t *words, *summary;
	struct scav_map_region reg;

	ASSERT_LE(0, fd);
	ASSERT_NE(NULL, m);
	words = map_region(fd, m, MiB, &reg, &summary);
	ASSERT_NE(NULL, words) TH_LOG("%s", strerror(errno));
	close(fd);
	EXPECT_EQ(-EWOULDBLOCK, scav_unload());
	/* Still the module's map: readable, all in use. */
	EXPECT_EQ(SCAV_PAGE_USED, atomic_load(&words[0]));
	EXPECT_EQ(0, munmap((void *)words, reg.map_size));
	EXPECT_EQ(0, scav_unload());
	EXPECT_EQ(-1, access(SCAV_DEVICE_PATH, F_OK));
	munmap(m, MiB);
}

TEST_F_TIMEOUT(mod, load_unload_cycles_with_sessions_leak_nothing, 300)
{
	int i;

	for (i = 0; i < 10; i++) {
		char *m = map_filled(4 * MiB, 9);
		int fd = open(SCAV_DEVICE_PATH, O_RDWR);
		uint64_t d, k;

		ASSERT_LE(0, fd);
		ASSERT_NE(NULL, m);
		/* Kept, discarded and claimed ranges, then a close with ranges left. */
		ASSERT_EQ(0, sc_report1(fd, m, 4 * MiB));
		ASSERT_EQ(2 * MiB, sc_reclaim(fd, 0, 2 * MiB));
		ASSERT_EQ(0, sc_claim1(fd, m + MiB, 2 * MiB, &d, &k));
		EXPECT_EQ(MiB, d);
		EXPECT_EQ(MiB, k);
		ASSERT_EQ(0, exit_with_session());
		close(fd);
		munmap(m, 4 * MiB);
		ASSERT_EQ(0, scav_unload());
		ASSERT_EQ(0, scav_load());
	}
}

/* Report single pages, every other one, until the module refuses. */
static size_t fill_session(int fd, char *m, size_t pages, int *err)
{
	size_t pg = pagesz(), i, done = 0;

	*err = 0;
	for (i = 0; i < pages; i += 2) {
		if (sc_report1(fd, m + i * pg, pg)) {
			*err = errno;
			break;
		}
		done++;
	}
	return done;
}

TEST_F_TIMEOUT(mod, the_global_bound_holds_across_sessions, 120)
{
	size_t pg = pagesz(), a, b;
	struct scav_version v;
	int fd1, fd2, err;
	char *m;

	ASSERT_EQ(0, scav_unload());
	ASSERT_EQ(0, scav_load());
	ASSERT_EQ(0, knob_write("max_ranges_per_session", "300"));
	ASSERT_EQ(0, knob_write("max_ranges_total", "500"));
	m = mmap(NULL, 2000 * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, m);
	fd1 = open(SCAV_DEVICE_PATH, O_RDWR);
	fd2 = open(SCAV_DEVICE_PATH, O_RDWR);
	ASSERT_LE(0, fd1);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, ioctl(fd1, SCAV_IOC_VERSION, &v));
	EXPECT_EQ(300, v.max_ranges);

	a = fill_session(fd1, m, 2000, &err);
	EXPECT_EQ(ENOSPC, err);
	EXPECT_EQ(299, a);
	b = fill_session(fd2, m + 1000 * pg, 1000, &err);
	EXPECT_EQ(ENOSPC, err);
	EXPECT_EQ(499, a + b);

	/* Room comes back when another session gives its ranges up. */
	close(fd1);
	EXPECT_EQ(0, sc_report1(fd2, m + 1999 * pg, pg));
	close(fd2);
	munmap(m, 2000 * pg);
	/* Unloading resets the knobs to their defaults. */
	ASSERT_EQ(0, scav_unload());
}

TEST_F(mod, library_falls_back_to_madvise_without_the_module)
{
	struct scav_claim_range c;
	struct scav_range r;
	struct scav *s;
	char *m = map_filled(MiB, 10);

	ASSERT_NE(NULL, m);
	ASSERT_EQ(0, scav_unload());
	ASSERT_EQ(0, scav_open(&s, 0));
	EXPECT_TRUE(scav_is_fallback(s));
	r = (struct scav_range){ (uintptr_t)m, MiB };
	ASSERT_EQ(1, scav_report(s, &r, 1, 0));
	EXPECT_EQ(0, resident_pages(m, MiB));
	c = (struct scav_claim_range){ (uintptr_t)m, MiB };
	ASSERT_EQ(1, scav_claim(s, &c, 1, 0));
	EXPECT_EQ(MiB, c.discarded);
	EXPECT_TRUE(is_zero(m, MiB));
	scav_close(s);
	munmap(m, MiB);
}

TEST_F(mod, module_options_set_the_tunables_at_load_time)
{
	ASSERT_EQ(0, scav_unload());
	ASSERT_EQ(0, scav_load_args("idle_age_ms=1234 enabled=0 max_ranges_total=4096"));
	EXPECT_EQ(1234, knob_read("idle_age_ms"));
	EXPECT_EQ(0, knob_read("enabled"));
	EXPECT_EQ(4096, knob_read("max_ranges_total"));
	EXPECT_EQ(1000, knob_read("scan_interval_ms"));	/* the default */
	/* Shown, not writable, under /sys/module: sysfs/netlink change them. */
	EXPECT_EQ(1234, file_value("/sys/module/scav/parameters/idle_age_ms"));
	EXPECT_EQ(-EACCES, write_file("/sys/module/scav/parameters/idle_age_ms", "1"));
	ASSERT_EQ(0, knob_write("idle_age_ms", "4321"));
	EXPECT_EQ(4321, file_value("/sys/module/scav/parameters/idle_age_ms"));
	ASSERT_EQ(0, scav_unload());
	/* Out of range or not a number: the module does not load. */
	EXPECT_EQ(-EINVAL, scav_load_args("scan_interval_ms=1"));
	EXPECT_EQ(-EINVAL, scav_load_args("enabled=2"));
	EXPECT_EQ(-EINVAL, scav_load_args("idle_age_ms=soon"));
	EXPECT_EQ(-ENOENT, access("/sys/kernel/scav", F_OK) ? -errno : 0);
	/* Defaults again on a plain load. */
	ASSERT_EQ(0, scav_load());
	EXPECT_EQ(10000, knob_read("idle_age_ms"));
	EXPECT_EQ(1, knob_read("enabled"));
}

/* The line of @cmd's output that holds @key, newline cut (static); or "". */
static const char *line_of(const char *cmd, const char *key)
{
	static char line[512];
	int found = 0;
	FILE *f = popen(cmd, "r");

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, key) != NULL;
	if (f)
		pclose(f);
	if (!found)
		return "";
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/*
 * Opening /dev/scav loads the module, as opening /dev/fuse loads fuse: a
 * fixed misc minor (10:249) and the aliases char-major-10-249 and
 * devname:scav.  As on a host: the module installed under /lib/modules,
 * depmod, the node made as systemd-tmpfiles makes it from kmod
 * static-nodes, the module not loaded; then an open, for which the kernel
 * runs modprobe.  kmod's tools by path: the VM's busybox has applets of
 * the same names that write no modules.devname.
 */
TEST_F(mod, opening_the_device_loads_the_module)
{
	char cmd[512], want[64];
	struct utsname u;
	int fd;

	ASSERT_EQ(0, uname(&u));
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p /lib/modules/%s/extra && cd /lib/modules/%s && cp %s extra/ && "
		 "touch modules.order modules.builtin modules.builtin.modinfo && /sbin/depmod -a",
		 u.release, u.release, getenv("SCAV_KO"));
	ASSERT_EQ(0, system(cmd));
	snprintf(cmd, sizeof(cmd), "/sbin/modinfo -F alias %s", getenv("SCAV_KO"));
	EXPECT_STREQ("char-major-10-249", line_of(cmd, "char-major"));
	EXPECT_STREQ("devname:scav", line_of(cmd, "devname"));
	snprintf(cmd, sizeof(cmd), "cat /lib/modules/%s/modules.devname", u.release);
	EXPECT_STREQ("scav scav c10:249", line_of(cmd, "scav"));
	/* What systemd-tmpfiles makes the node from at boot (no /dev/stdout here). */
	snprintf(want, sizeof(want), "c! /dev/scav 0600 - - - 10:249");
	EXPECT_STREQ(want, line_of("kmod static-nodes --format=tmpfiles --output=/tmp/nodes && "
				   "cat /tmp/nodes", "/dev/scav"));

	ASSERT_EQ(0, scav_unload());
	EXPECT_NE(0, access("/sys/module/scav", F_OK));
	unlink(SCAV_DEVICE_PATH);	/* devtmpfs took it away already */
	ASSERT_EQ(0, mknod(SCAV_DEVICE_PATH, S_IFCHR | 0600, makedev(10, 249)));
	fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	EXPECT_LE(0, fd) TH_LOG("open: %s", strerror(errno));
	EXPECT_EQ(0, access("/sys/module/scav", F_OK));
	EXPECT_EQ(0, access("/sys/kernel/scav/enabled", F_OK));
	if (fd >= 0)
		close(fd);
	/* The rest of the run expects the module it was given. */
	ASSERT_EQ(0, scav_unload());
	snprintf(cmd, sizeof(cmd), "rm -rf /lib/modules/%s/extra && /sbin/depmod -a", u.release);
	EXPECT_EQ(0, system(cmd));
	unlink(SCAV_DEVICE_PATH);
}

TEST_HARNESS_MAIN

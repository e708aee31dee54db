// SPDX-License-Identifier: GPL-2.0
/*
 * The module unloads cleanly after a netlink reader died in the middle of
 * a dump.  Needs root and the module file (SCAV_KO): it unloads and
 * reloads the module.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav_nl.h"
#include "scav_nl_private.h"

/*
 * A reader killed in the middle of a dump: netlink calls .done when its
 * socket goes, which frees the dump's state and drops the module reference
 * the dump held.  Then the module unloads, and kmem_cache_destroy() would
 * warn (panic_on_warn) about any dump state left.
 */
TEST(a_reader_killed_mid_dump_leaks_nothing)
{
	int sync_pipe[2], status, tries, ret;
	pid_t pid;
	char c;

	if (geteuid() != 0 || !getenv("SCAV_KO"))
		SKIP(return, "needs root and SCAV_KO to reload the module");
	ASSERT_EQ(0, pipe(sync_pipe));
	pid = fork();
	if (pid == 0) {
		struct nl_sock *sk = nl_socket_alloc();
		struct scav_nl *n;
		int fds[300], small = 4096;
		unsigned char buf[4096];

		if (!sk || genl_connect(sk) || scav_nl_open(&n, 0) ||
		    open_sessions(fds, 300) ||
		    setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUF,
			       &small, sizeof(small)) ||
		    genl_send_simple(sk, scav_nl_family(n), SCAV_CMD_GET_SESSIONS,
				     SCAV_GENL_VERSION, NLM_F_DUMP) < 0 ||
		    recv(nl_socket_get_fd(sk), buf, sizeof(buf), 0) <= 0)
			_exit(1);
		/* Part of the dump is read; the rest waits in the kernel. */
		if (write(sync_pipe[1], "d", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(sync_pipe[1]);
	ASSERT_EQ(1, read(sync_pipe[0], &c, 1));
	ASSERT_EQ(-EWOULDBLOCK, scav_unload());	/* sessions, and the dump */
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	/* The socket's destruction is deferred (RCU, a work item). */
	for (tries = 0; tries < 100; tries++) {
		ret = scav_unload();
		if (ret != -EWOULDBLOCK && ret != -EAGAIN && ret != -EBUSY)
			break;
		usleep(100000);
	}
	EXPECT_EQ(0, ret);
	ASSERT_EQ(0, scav_load());
}

TEST_HARNESS_MAIN

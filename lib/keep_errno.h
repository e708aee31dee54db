/* SPDX-License-Identifier: MIT */
#ifndef SCAV_KEEP_ERRNO_H
#define SCAV_KEEP_ERRNO_H

#include <errno.h>

/*
 * The public calls of libscav and libscav-nl return -errno and leave errno
 * as the caller had it.  KEEP_ERRNO() at the top of one saves errno and puts
 * it back at every return, whatever libc or libnl did to it in between;
 * inside, a failed system call becomes -errno where it is made.
 */
static inline void scav_errno_restore(const int *saved)
{
	errno = *saved;
}

#define KEEP_ERRNO()							\
	const int scav_caller_errno					\
	__attribute__((cleanup(scav_errno_restore), unused)) = errno

#endif /* SCAV_KEEP_ERRNO_H */

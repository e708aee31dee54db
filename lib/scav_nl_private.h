/* SPDX-License-Identifier: MIT */
/* libscav-nl internals, shared with its tests (static library only). */
#ifndef SCAV_NL_PRIVATE_H
#define SCAV_NL_PRIVATE_H

#include <netlink/msg.h>

struct scav_nl {
	struct nl_sock *sk;
	int family;
	int listener;
	char errmsg[256];
};

/* Send a message built by the caller (freed here); -errno, errmsg kept. */
int scav_nl_request_raw(struct scav_nl *n, struct nl_msg *msg);
int scav_nl_family(const struct scav_nl *n);
/*
 * The error of the NLMSG_ERROR message at @nlh, of which @len bytes were
 * received, and its extended-ACK text into @msg; -EPROTO if malformed.
 */
int scav_nl_ack_error(const struct nlmsghdr *nlh, size_t len, char *msg,
		      size_t size);

#endif /* SCAV_NL_PRIVATE_H */

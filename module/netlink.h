/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _SCAV_NETLINK_H
#define _SCAV_NETLINK_H

#include <linux/types.h>

#include "config.h"

struct scav_session;

int scav_nl_init(void);
void scav_nl_exit(void);

/* Events for the multicast group; any context but atomic. */
void scav_nl_session_event(struct scav_session *s, u32 event);
void scav_nl_reclaim_event(struct scav_session *s, u64 bytes,
			   enum scav_cause cause, u64 cgroup_id);
void scav_nl_pressure_event(u64 kept_bytes);

#endif /* _SCAV_NETLINK_H */

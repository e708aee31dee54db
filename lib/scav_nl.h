/* SPDX-License-Identifier: MIT */
/*
 * libscav-nl: the machine-wide view of scav, over its generic-netlink
 * family (see the protocol in <linux/scav.h>), built on libnl-genl-3.
 *
 * Every function returns a non-negative value on success and -errno on
 * failure; libnl's own error codes never come out, and errno is left as the
 * caller had it.  When the kernel refused a request, scav_nl_errmsg() holds
 * its extended-ACK message.
 *
 * Common errors: ENOENT from scav_nl_open() when the family does not exist
 * (the module is not loaded, or this is not the initial network namespace);
 * EPERM for reclaim, config changes and events without CAP_SYS_ADMIN (and
 * CAP_NET_ADMIN).
 *
 * A handle is not thread-safe; use one per thread.
 */
#ifndef SCAV_NL_H
#define SCAV_NL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/scav.h>

#ifdef __cplusplus
extern "C" {
#endif

struct scav_nl;

/* scav_nl_open() flags */
#define SCAV_NL_EVENTS		(1u << 0)	/* an event listener: see below */

int scav_nl_open(struct scav_nl **np, unsigned int flags);
void scav_nl_close(struct scav_nl *n);
/* The kernel's message for the last refused request, or "". */
const char *scav_nl_errmsg(const struct scav_nl *n);
/* The netlink socket, to poll() an event listener or tune buffers. */
int scav_nl_fd(const struct scav_nl *n);

/* One session, as SCAV_CMD_GET_SESSIONS reports it. */
struct scav_nl_session {
	uint64_t id;
	uint32_t pid;		/* in the caller's PID namespace */
	char comm[16];
	/* The fields of SCAV_IOC_STATS; the walked ones with SCAV_STATS_RESIDENT. */
	struct scav_stats stats;
	/* Since LIBSCAV_NL_1.1: its process's memory cgroup now (0: none). */
	uint64_t cgroup_id;
};

/*
 * Every session on the machine that the caller's PID namespace can see, in
 * ID order, in a malloc()ed array the caller frees.  @flags: 0 or
 * SCAV_STATS_RESIDENT.  Returns 0, or 1 if sessions opened or closed while
 * the list was read (it has no duplicate, but may miss such a session).
 */
int scav_nl_sessions(struct scav_nl *n, unsigned int flags,
		     struct scav_nl_session **v, size_t *nr);

/*
 * The module-wide figures of /sys/kernel/scav: a field for each figure that
 * SCAV_FIGURES of <linux/scav.h> lists as BOTH or MODULE.  Fields are only
 * ever added at the end, with a new version of the scav_nl_stats symbol, so
 * programs built against an older struct keep working.
 */
struct scav_nl_stats {
	uint32_t flags;			/* as asked: 0 or SCAV_STATS_RESIDENT */
	uint64_t sessions;
	uint64_t idle_bytes;
	uint64_t discarded_bytes;
	uint64_t nr_ranges;
	uint64_t reclaimed_request_bytes;
	uint64_t reclaimed_age_bytes;
	uint64_t reclaimed_pressure_bytes;
	uint64_t claimed_kept_bytes;
	uint64_t claimed_discarded_bytes;
	uint64_t forgotten_bytes;
	uint64_t aging_busy_skips;
	uint64_t pressure_busy_skips;
	uint64_t pressure_deferred;
	uint64_t idle_resident_bytes;	/* with SCAV_STATS_RESIDENT */
	uint64_t lazyfree_bytes;	/* with SCAV_STATS_RESIDENT */
	uint64_t event_seq;		/* sequence number of the latest event */
	/* Since LIBSCAV_NL_1.1: */
	uint64_t lazy_bytes;
	uint64_t reported_bytes;
};

int scav_nl_stats(struct scav_nl *n, unsigned int flags, struct scav_nl_stats *st);

/*
 * Discard the idle memory of every session of process @pid now, or with
 * SCAV_NL_RECLAIM_ALL (and @pid 0) of every session.  @bytes and @sessions
 * (either may be NULL) receive what was discarded and how many sessions
 * were gone through.  ESRCH: no such process; ENOENT: it has no session.
 */
#define SCAV_NL_RECLAIM_ALL	(1u << 0)

int scav_nl_reclaim(struct scav_nl *n, uint32_t pid, unsigned int flags,
		    uint64_t *bytes, uint32_t *sessions);

/*
 * The tunables, indexed by SCAV_CONF_*; @present has bit (1 << key) for each
 * value that is set.
 */
#define SCAV_NL_CONF_SLOTS	32

struct scav_nl_config {
	uint32_t present;
	uint64_t value[SCAV_NL_CONF_SLOTS];
};

int scav_nl_config_get(struct scav_nl *n, struct scav_nl_config *c);
/* Set the present values, all or none; @now (may be NULL) gets the result. */
int scav_nl_config_set(struct scav_nl *n, const struct scav_nl_config *c,
		       struct scav_nl_config *now);
/* A tunable's name (its /sys/kernel/scav file), or NULL; and back (-EINVAL). */
const char *scav_nl_config_name(unsigned int key);
int scav_nl_config_key(const char *name);

/*
 * Events.  A handle opened with SCAV_NL_EVENTS has joined the events group
 * (EPERM without CAP_SYS_ADMIN where the kernel checks) and only reads
 * events; its socket is non-blocking: poll() scav_nl_fd() for POLLIN.
 *
 * scav_nl_event_read() returns 1 with an event, 0 when none is waiting,
 * -ENOBUFS when the socket overflowed and events were lost (read on: the
 * next event's @seq shows how many; resynchronize with a dump).
 */
struct scav_nl_event {
	uint32_t type;		/* SCAV_EVENT_* */
	uint64_t seq;
	uint32_t pid;		/* in the initial PID namespace; 0 if none */
	uint64_t session_id;
	char comm[16];
	uint64_t bytes;		/* RECLAIM: discarded; PRESSURE: held kept */
	uint32_t cause;		/* RECLAIM: SCAV_CAUSE_* */
	/* Since LIBSCAV_NL_1.1: RECLAIM under a memory cgroup's pressure: it. */
	uint64_t cgroup_id;
};

int scav_nl_event_read(struct scav_nl *n, struct scav_nl_event *ev);
/* "reclaim", "pressure", "open", "close", or NULL; and causes. */
const char *scav_nl_event_name(uint32_t type);
const char *scav_nl_cause_name(uint32_t cause);

#ifdef __cplusplus
}
#endif

#endif /* SCAV_NL_H */

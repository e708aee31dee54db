/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * scav: an explicit contract between userspace allocators and the kernel
 * for memory they hold idle.
 *
 * A process opens /dev/scav; the file is a *session* bound to the address
 * space (mm) of the opener.  Through it the process
 *
 *   - REPORTs ranges of its own private anonymous memory as idle: their
 *     contents are no longer needed, but the process would like them back
 *     without page faults if the kernel can spare them;
 *   - CLAIMs ranges back before reusing them, and learns for each range how
 *     many bytes were discarded (they now read as zeros) and how many were
 *     kept (they still hold their old contents and are mapped);
 *   - asks for idle ranges to be RECLAIMed now (the equivalent of Go's
 *     debug.FreeOSMemory()), optionally only those idle for a while, or only
 *     up to a number of bytes;
 *   - reads exact STATS for the session.
 *
 * On its own, the module discards idle ranges once they have been idle for
 * /sys/kernel/scav/idle_age_ms, and under memory pressure, oldest first
 * across all sessions (Documentation/admin-guide.md).
 *
 * Contract
 * --------
 * An idle range is either kept or discarded, never anything in between, and
 * a claim says which, per byte count.  A range the process did not report is
 * never touched.  Once claimed, a range is never touched again.  A reported
 * range that is later unmapped, moved away by mremap() or replaced with
 * MAP_FIXED is forgotten at that moment: memory mapped afterwards at the same
 * address is never discarded and claims of it report neither kept nor
 * discarded bytes.
 *
 * Between report and claim the process must not write to the memory: a write
 * may be lost when the range is discarded.  The process's own madvise() on
 * idle memory is not tracked: the bytes still count as kept, holding whatever
 * that call left in them.
 *
 * Every ioctl must come from a task whose address space is the session's:
 * a child that inherited the descriptor across fork() or a process that
 * received it over SCM_RIGHTS gets EPERM and cannot affect the opener.
 * Threads of the opener share its address space and may use the session.
 *
 * The session ends when its owner (a task of the opener's thread group, with
 * the session's address space: not a vfork() child) closes any descriptor
 * of it, as any close() releases the closer's POSIX
 * record locks, or when that address space goes away (exit, exec) after
 * the session's first ioctl other than VERSION (before it, the session
 * holds nothing, and it ends with the last close of its file).  Its
 * ranges are forgotten at once, after any discard in flight: from the
 * moment close() returns nothing of them is ever discarded, however long a
 * fork child or another holder keeps the file.  Every ioctl on an ended
 * session fails with EBADF.  Closes by other processes end nothing.
 *
 * A report and a claim of the same range must not overlap in time (with
 * SCAV_REPORT_LAZYFREE the report and its madvise() are two calls): the
 * process orders its own operations on a range, as it would for free() and
 * malloc() of it.
 *
 * Anyone may open /dev/scav (mode 0666): a session can only ever discard
 * memory of the process that opened it, and only memory that process itself
 * reported idle.  Kernel memory used by a session is charged to the opener's
 * memory cgroup and bounded (see SCAV_IOC_VERSION: max_ranges).  One user
 * (the opener's effective UID; in a user namespace, the creator of the
 * outermost one, or that namespace itself if root created it) may have at
 * most max_sessions_per_user sessions open (sysfs): past it, open() fails
 * with EMFILE without CAP_SYS_RESOURCE (ABI 1.2).
 *
 * ABI conventions (Documentation/driver-api/ioctl.rst): fixed-width types,
 * user pointers passed as __u64, explicit padding, reserved fields and flags
 * that must be zero (EINVAL otherwise), unknown commands fail with ENOTTY.
 * Once its arguments pass these checks, REPORT, CLAIM and RECLAIM write
 * their output fields back on failure too, so partial progress is visible.
 * A session's first ioctl other than VERSION first registers the session
 * with the kernel's memory management (earlier modules did so in open()),
 * before it reads its argument: it may fail there with ENOMEM, or be
 * interrupted by a signal (restarted, or EINTR if the handler lacks
 * SA_RESTART), having done and written nothing.
 */
#ifndef _UAPI_LINUX_SCAV_H
#define _UAPI_LINUX_SCAV_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SCAV_DEVICE_PATH	"/dev/scav"

/* Incremented on incompatible changes; minor on compatible additions. */
#define SCAV_ABI_MAJOR		1
#define SCAV_ABI_MINOR		4

/* Maximum number of ranges in one REPORT or CLAIM call (as UIO_MAXIOV). */
#define SCAV_MAX_RANGES_PER_CALL	1024

/*
 * A range of the caller's address space.  @addr and @len must be multiples
 * of the page size, @len non-zero, and [addr, addr + len) must neither wrap
 * nor extend beyond the user address space (EINVAL).
 */
struct scav_range {
	__u64 addr;
	__u64 len;
};

/*
 * SCAV_IOC_VERSION: what this module speaks.
 *
 * @abi_major, @abi_minor: SCAV_ABI_MAJOR/MINOR of the running module.
 * @features: SCAV_FEATURE_* bits.
 * @max_ranges_per_call: SCAV_MAX_RANGES_PER_CALL of the running module.
 * @max_ranges: most idle ranges one session may hold at once
 *	(/sys/kernel/scav/max_ranges_per_session); adjacent ranges reported
 *	close in time are merged and count once.
 * @page_size: the granule every range must be aligned to.
 * @map_*: the page-state map's bounds, see SCAV_FEATURE_PAGE_MAP.
 */
struct scav_version {
	__u32 abi_major;
	__u32 abi_minor;
	__u64 features;
	__u32 max_ranges_per_call;
	__u32 max_ranges;
	__u32 page_size;
	__u32 map_max_regions;
	__u64 map_max_region_bytes;
	__u64 map_max_bytes_per_user;
	__u32 map_chunk_pages;
	__u32 map_word_bytes;
	__u64 __reserved[1];
};

/* The module forgets ranges on munmap/mremap/MAP_FIXED. */
#define SCAV_FEATURE_UNMAP_TRACKING	(1ULL << 0)
/* REPORT takes SCAV_REPORT_LAZYFREE and SCAV_REPORT_DISCARD. */
#define SCAV_FEATURE_LAZYFREE		(1ULL << 1)
/* STATS takes SCAV_STATS_RESIDENT. */
#define SCAV_FEATURE_RESIDENT		(1ULL << 2)
/* Idle ranges are discarded when they age and under memory pressure. */
#define SCAV_FEATURE_AGING		(1ULL << 3)
/* SCAV_IOC_PRESSURE, and poll() on the session's descriptor (ABI 1.1). */
#define SCAV_FEATURE_PRESSURE		(1ULL << 4)
/* CLAIM takes SCAV_CLAIM_ZERO (ABI 1.3). */
#define SCAV_FEATURE_CLAIM_ZERO		(1ULL << 5)
/*
 * SCAV_IOC_MAP_REGION and SCAV_IOC_MAP_WAIT: the page-state map (ABI 1.4).
 * @map_max_regions per session, each at most @map_max_region_bytes, their
 * maps at most @map_max_bytes_per_user for all of one user's sessions;
 * @map_word_bytes per page, a summary bit per @map_chunk_pages pages.
 * Without the feature these fields are 0.
 */
#define SCAV_FEATURE_PAGE_MAP		(1ULL << 6)

/*
 * SCAV_IOC_REPORT: mark ranges idle.
 *
 * @ranges: user pointer to @count struct scav_range.
 * @count: 0 to SCAV_MAX_RANGES_PER_CALL (EINVAL above); 0 is a no-op.
 * @flags: 0, SCAV_REPORT_LAZYFREE or SCAV_REPORT_DISCARD; other bits, or
 *	both, are refused (EINVAL).
 * @done: out, ranges fully reported, always a prefix of the vector.
 * @bytes: out, their total length.
 *
 * Ranges are processed in order and each one is all or nothing.  The call
 * stops at the first range it cannot report and fails with that range's
 * error; the @done ranges before it stay reported:
 *
 *   EINVAL  misaligned, empty, wrapping or non-user range; or a part of it
 *           lies in a mapping that is not private anonymous memory, or is
 *           mlock()ed, hugetlb, VM_PFNMAP/VM_IO/VM_MIXEDMAP, registered
 *           with userfaultfd, sealed with mseal(), or has no access at all
 *           (PROT_NONE) (the rules of madvise(MADV_DONTNEED), stricter)
 *   ENOMEM  part of the range is not mapped
 *   ENOSPC  the session already holds max_ranges ranges, the sessions of
 *           its user (effective UID at open) max_ranges_per_user, or the
 *           module its global limit (max_ranges_total); reclaim, claim, or
 *           release the memory yourself
 *   EFAULT  @ranges is not readable
 *   EBADF   the session has ended (see above)
 *
 * Reporting memory that is already idle restarts its age; a part of it
 * that was discarded counts as kept again (it holds zeros, which are its
 * contents as of this report).  After a REPORT the whole range is simply
 * idle as of now.
 */
/*
 * The caller has passed, or is about to pass, these ranges to
 * madvise(MADV_FREE) (libscav does right after the REPORT), so the kernel's
 * own reclaim may take their pages before scav discards them.  A CLAIM then
 * looks at the page tables: pages the kernel took count as discarded, and
 * pages still there count as kept, and are made dirty so that the kernel can
 * no longer take them (as a write by the caller would).
 */
#define SCAV_REPORT_LAZYFREE	(1U << 0)

/*
 * Discard the ranges now, in this call, instead of holding them idle: a
 * batched madvise(MADV_DONTNEED) for kernels whose process_madvise() cannot
 * do it (before 6.13).  Nothing is recorded: the ranges are not idle
 * afterwards (any idle state they had is dropped), they read as zeros, and a
 * claim of them reports neither kept nor discarded bytes.  While the zap
 * runs, reports and claims of the ranges by other threads wait for it.
 */
#define SCAV_REPORT_DISCARD	(1U << 1)

struct scav_report {
	__u64 ranges;
	__u32 count;
	__u32 flags;
	__u32 done;
	__u32 __reserved0;
	__u64 bytes;
	__u64 __reserved[2];
};

/*
 * One range of a CLAIM, in and out.
 *
 * @addr, @len: in, the range to take back (same rules as scav_range).
 * @discarded: out, bytes of it that were idle and were discarded: they read
 *	as zeros now.
 * @kept: out, bytes of it that were idle and were not discarded: they hold
 *	the contents they had when reported.
 * @len - @discarded - @kept bytes were not idle in this session (never
 * reported, already claimed, or forgotten because they were unmapped or
 * because a claim would have split their range with the session at its
 * bound); the module promises nothing about them.
 */
struct scav_claim_range {
	__u64 addr;
	__u64 len;
	__u64 discarded;
	__u64 kept;
};

/*
 * SCAV_IOC_CLAIM: take ranges back before reusing them.
 *
 * @ranges: user pointer to @count struct scav_claim_range, read and written.
 * @count, @done: as for REPORT.
 * @flags: 0 or SCAV_CLAIM_ZERO; other bits EINVAL.
 * @discarded, @kept: out, sums over the @done ranges.
 *
 * After a range is claimed the module never touches it again: the call
 * returns only once no discard is in flight in it.  Claiming memory that is
 * not idle is a harmless no-op; holes and mappings of any type are accepted,
 * since nothing is done to them.  Errors: EINVAL (bad range, flags, reserved
 * fields or count), EFAULT (@ranges not readable/writable), EBADF (the
 * session has ended), and, part way through a range, EINTR (a fatal signal)
 * or ENOMEM.  The entry that failed says what of it was claimed before the
 * failure, and the sums include it: those bytes are no longer idle, the rest
 * of the range still is; claiming it again is safe.
 *
 * A claim never fails for want of room under the bounds: when splitting a
 * range would take the session past max_ranges, the part of that range
 * beyond the claim is forgotten instead (counted in @forgotten_bytes of
 * STATS).
 */
struct scav_claim {
	__u64 ranges;
	__u32 count;
	__u32 flags;
	__u32 done;
	__u32 __reserved0;
	__u64 discarded;
	__u64 kept;
	__u64 __reserved[2];
};

/*
 * Make the idle bytes of each range read as zeros (ABI 1.3), for a caller
 * that must hand out zeroed memory (calloc(), jemalloc's commit): kept
 * pages are cleared in place by the module, under their page table locks,
 * where clearing them in userspace would also fault in every discarded page
 * and so bring back the memory that was given back.  A page the module may
 * not clear in place (a huge or large folio, one still shared with a fork
 * child, a swapped one) is discarded instead; either way it counts in @discarded,
 * which then means "reads as zeros".  Only where the rules of a discard no
 * longer allow one (the caller mlock()ed or sealed the range since it
 * reported it) are idle bytes left as they were, in @kept: those the caller
 * must clear.  Bytes that were not idle are never touched, as without the
 * flag.
 */
#define SCAV_CLAIM_ZERO		(1U << 0)

/*
 * SCAV_IOC_RECLAIM: discard idle ranges of the session now, oldest first.
 *
 * @min_age_ms: in, only ranges idle for at least this long (0: all; an age
 *	longer than the system has been up: none).  Lazily freed ranges are
 *	discarded like the others.
 * @max_bytes: in, stop after this many bytes (0: no limit); rounded up to
 *	a whole page.
 * @flags: must be zero.
 * @bytes: out, bytes discarded by this call.
 *
 * Idle memory in a mapping that became ineligible after it was reported (it
 * was mlock()ed, say) is skipped and stays idle.  A fatal signal interrupts
 * the call (EINTR) with @bytes already discarded.  The mmap lock is dropped
 * between batches, so a long reclaim does not stall page faults or claims.
 */
struct scav_reclaim {
	__u64 min_age_ms;
	__u64 max_bytes;
	__u32 flags;
	__u32 __reserved0;
	__u64 bytes;
	__u64 __reserved[2];
};

/*
 * SCAV_IOC_STATS: figures for the session, exact at the time of the call.
 *
 * @flags: in, SCAV_STATS_RESIDENT or 0.  With it, the module walks the page
 *	tables of the idle ranges (it costs like reading smaps for them) and
 *	fills the three fields marked (walk); without, they are 0.
 * @idle_bytes: bytes reported idle and not claimed (kept plus discarded),
 *	by ioctl or through the page-state map.
 * @discarded_bytes: those of them that were discarded.
 * @lazy_bytes: those of them reported with SCAV_REPORT_LAZYFREE, or
 *	reported again over such memory without a claim between, not
 *	discarded by scav (the kernel may have taken some).
 * @nr_ranges: ranges the session holds (after merging).
 * @reported_bytes: total ever reported by SCAV_IOC_REPORT (reports and
 *	claims through the page-state map make no system call and count
 *	neither here nor in the claimed totals).
 * @reclaimed_bytes: total ever discarded, for any cause; the next three split
 *	it by cause: SCAV_IOC_RECLAIM, aging, and memory pressure (shrinker).
 * @claimed_kept_bytes, @claimed_discarded_bytes: totals ever returned as
 *	@kept and @discarded by CLAIM; with SCAV_CLAIM_ZERO, idle bytes the
 *	claim found not discarded count as kept, though it cleared them and
 *	returned them as @discarded (they were still memory the process held).
 * @forgotten_bytes: idle bytes dropped because they were unmapped, moved or
 *	replaced before being claimed, or because splitting their range would
 *	have taken the session past its bound; ranges reported by ioctl only
 *	(map pages a region loses that way just stop counting as idle).
 * @anon_rss_bytes: the process's anonymous resident memory (RssAnon).  Before
 *	6.2, like RssAnon, it leaves out each thread's latest page faults, up
 *	to 65 pages a thread.
 * @idle_resident_bytes: (walk) idle bytes whose pages are resident, by the
 *	rules of smaps' Rss: mapped pages, not the shared zero pages (small or
 *	huge), whole huge pages clipped to the ranges.  Never more than
 *	@idle_bytes - @discarded_bytes: the walk goes range by range, and if
 *	other threads claim meanwhile, it is cut to the figures of the answer.
 * @lazyfree_bytes: (walk) those of them that are lazily freed and not yet
 *	taken (smaps' LazyFree).  Right after madvise(MADV_FREE) pages may sit in
 *	a per-CPU batch for a while before they count, in smaps too.
 * @used_rss_bytes: (walk) the used anonymous RSS: @anon_rss_bytes -
 *	@idle_resident_bytes, the process's anonymous memory less what of it
 *	this session holds idle.  Not the "honest RSS" of scavctl rss, which
 *	starts from VmRSS and so counts file and shmem pages too, takes off
 *	all LazyFree (MADV_FREE'd memory that is not scav's as well), and the
 *	idle memory of all the process's sessions.
 */
struct scav_stats {
	__u32 flags;
	__u32 __reserved0;
	__u64 idle_bytes;
	__u64 discarded_bytes;
	__u64 lazy_bytes;
	__u64 nr_ranges;
	__u64 reported_bytes;
	__u64 reclaimed_bytes;
	__u64 reclaimed_request_bytes;
	__u64 reclaimed_age_bytes;
	__u64 reclaimed_pressure_bytes;
	__u64 claimed_kept_bytes;
	__u64 claimed_discarded_bytes;
	__u64 forgotten_bytes;
	__u64 anon_rss_bytes;
	__u64 idle_resident_bytes;
	__u64 lazyfree_bytes;
	__u64 used_rss_bytes;
	__u64 __reserved[5];
};

#define SCAV_STATS_RESIDENT	(1U << 0)

/*
 * SCAV_IOC_PRESSURE: what memory pressure discarded of the session since the
 * last call, so that an allocator can react (give back more, shrink a cache)
 * without the administrators' netlink events.
 *
 * The session's descriptor polls (poll, select, epoll) with POLLPRI while
 * memory pressure has discarded idle memory of the session that this call
 * has not returned yet: the machine's (global reclaim, drop_caches) or a
 * memory cgroup's (the session's, or an ancestor's: memory.max,
 * memory.high, memory.reclaim).  Aging and requests (SCAV_IOC_RECLAIM,
 * SCAV_CMD_RECLAIM) never make it pollable.  The call returns what is
 * pending and clears it, and POLLPRI with it.
 *
 * @flags: in, must be 0.
 * @global_bytes: out, bytes discarded under the machine's pressure.
 * @cgroup_bytes: out, bytes discarded under a memory cgroup's pressure.
 * @cgroup_id: out, the cgroup whose pressure discarded last (its ID: the
 *	inode number of its directory in cgroup2), 0 if none did.
 */
struct scav_pressure {
	__u32 flags;
	__u32 __reserved0;
	__u64 global_bytes;
	__u64 cgroup_bytes;
	__u64 cgroup_id;
	__u64 __reserved[4];
};

/*
 * The page-state map (SCAV_FEATURE_PAGE_MAP, ABI 1.4; Documentation/design.md,
 * "The page-state map"): report and claim without a system call.
 *
 * SCAV_IOC_MAP_REGION registers [addr, addr + len) of the caller's private
 * anonymous memory and returns where to mmap() its map from the session's
 * descriptor: @map_offset, @map_size bytes, PROT_READ | PROT_WRITE,
 * MAP_SHARED, never PROT_EXEC.  The map holds one 32-bit word per page of
 * the region, page i at word i, then, at byte @summary_offset, the summary:
 * a 32-bit "reported" word, then one bit per SCAV_MAP_CHUNK_PAGES pages
 * (chunk c is bit c % 32 of the 32-bit word 1 + c / 32).
 *
 * A page is reported idle by a compare-and-swap of its word to
 * SCAV_PAGE_IDLE (release order), then setting its chunk's bit (an atomic
 * OR) and, if that summary word was 0 before the OR, storing 1 into the
 * reported word (release).  A word that reads SCAV_PAGE_IDLE or
 * SCAV_PAGE_BUSY (a page reported again before its claim) is left as it
 * is.  A store over SCAV_PAGE_BUSY would let the module's discard of the
 * page end after the report, leaving SCAV_PAGE_IDLE: a claim in between
 * takes the page as kept, and what the process then writes into it is
 * zapped.  A page being discarded ends SCAV_PAGE_DISCARDED, or
 * SCAV_PAGE_IDLE where the module may not discard it.
 * The module clears the reported word before it reads the summary words,
 * and reads them only if it was set: so the cost of finding reports is
 * nothing while there are none, and the process's reports reach the
 * module's figures and the kernel's reclaim (the shrinkers' counts) without
 * a system call.  A page is claimed by
 * a compare-and-swap of its word from SCAV_PAGE_IDLE (kept: old contents)
 * or SCAV_PAGE_DISCARDED (zeros) to SCAV_PAGE_USED.  The module only ever
 * discards a page after it moved the page's word from SCAV_PAGE_IDLE to
 * SCAV_PAGE_BUSY itself; a claim that meets SCAV_PAGE_BUSY waits with
 * SCAV_IOC_MAP_WAIT and tries again.
 *
 * @flags: in, 0.  @index: out, the region's number in the session.
 *
 * With @flags SCAV_MAP_DROP (and @addr, @len and the outputs 0), region
 * @index is dropped: once the call returns, the module acts on none of its
 * words again, and no discard of it is in flight, so that the memory may be
 * reused without a claim and the range registered again.  Mappings of the
 * map stay valid (and keep its pages, and their room under the per-user
 * bound) until they are unmapped.
 *
 * Errors, after EPERM and EBADF (as for every call), in the order they
 * are checked:
 *   EFAULT  the argument is not readable (or, for a registration, not
 *           writable: the region is dropped again)
 *   EINVAL  a flag not defined, an output or reserved field not 0; for a
 *           drop, @addr or @len not 0 or @index not a region; for a
 *           registration, @index not 0, a misaligned, empty, wrapping or
 *           non-user range, or one larger than @map_max_region_bytes
 *   EEXIST  the range overlaps a region of the session
 *   ENOSPC  the session has @map_max_regions regions, or this user's maps
 *           would pass @map_max_bytes_per_user
 *   ENOMEM  no memory for the map; or part of the range is not mapped
 *   EINVAL  memory REPORT would refuse with EINVAL
 *   EINTR   a fatal signal came while waiting for the mmap lock
 */
#define SCAV_MAP_DROP		(1U << 0)

#define SCAV_PAGE_USED		0
#define SCAV_PAGE_IDLE		1
#define SCAV_PAGE_BUSY		2
#define SCAV_PAGE_DISCARDED	3

#define SCAV_MAP_CHUNK_PAGES	64

struct scav_map_region {
	__u64 addr;
	__u64 len;
	__u32 flags;
	__u32 index;
	__u64 map_offset;
	__u64 map_size;
	__u64 summary_offset;
	__u64 __reserved[2];
};

/*
 * SCAV_IOC_MAP_WAIT: wait until no word of [addr, addr + len) of region
 * @index is SCAV_PAGE_BUSY, or a signal arrives (EINTR).  @flags: in, 0.
 * EINVAL: a flag or reserved field not 0, a misaligned, empty or wrapping
 * range, @index not a region, or the range not all inside it.  EFAULT: the
 * argument is not readable.
 */
struct scav_map_wait {
	__u64 addr;
	__u64 len;
	__u32 index;
	__u32 flags;
	__u64 __reserved[2];
};

/* A private type byte: 0xD5 is unassigned in ioctl-number.rst. */
#define SCAV_IOC_MAGIC		0xD5

#define SCAV_IOC_VERSION	_IOR(SCAV_IOC_MAGIC, 0x10, struct scav_version)
#define SCAV_IOC_REPORT		_IOWR(SCAV_IOC_MAGIC, 0x11, struct scav_report)
#define SCAV_IOC_CLAIM		_IOWR(SCAV_IOC_MAGIC, 0x12, struct scav_claim)
#define SCAV_IOC_RECLAIM	_IOWR(SCAV_IOC_MAGIC, 0x13, struct scav_reclaim)
#define SCAV_IOC_STATS		_IOWR(SCAV_IOC_MAGIC, 0x14, struct scav_stats)
#define SCAV_IOC_PRESSURE	_IOWR(SCAV_IOC_MAGIC, 0x15, struct scav_pressure)
#define SCAV_IOC_MAP_REGION	_IOWR(SCAV_IOC_MAGIC, 0x16, struct scav_map_region)
#define SCAV_IOC_MAP_WAIT	_IOW(SCAV_IOC_MAGIC, 0x17, struct scav_map_wait)

/*
 * Generic netlink: the machine-wide view
 * ======================================
 *
 * The family SCAV_GENL_NAME serves operators and monitoring agents: it lists
 * every session on the machine, reads the module's figures and tunables,
 * asks processes to give their idle memory back now, and sends events.  It
 * exists only in the initial network namespace; elsewhere the family cannot
 * be resolved.  Requests are validated strictly against complete policies:
 * an unknown attribute, one no request may carry, one of the wrong size, a
 * flag bit not defined, a missing required attribute and a nonzero reserved
 * header field fail with EINVAL, a value out of its range with ERANGE (the
 * policy's own range check), each with an extended ACK (NETLINK_EXT_ACK)
 * saying what was wrong and, for ranges, the attribute's policy with its
 * bounds.  Unknown commands fail with EOPNOTSUPP.  Numbers are in host byte
 * order; 64-bit values may be preceded by a SCAV_A_PAD (SCAV_STAT_PAD,
 * SCAV_CONF_PAD) attribute for alignment.
 *
 * Commands marked "admin" need CAP_NET_ADMIN (genetlink's GENL_ADMIN_PERM,
 * refused with EPERM before scav sees the request) and CAP_SYS_ADMIN
 * (checked by scav, EPERM with a message), both in the initial user
 * namespace and held by the opener of the socket and the sender.
 *
 * Process IDs in requests and replies are those of the requester's PID
 * namespace; sessions of processes it cannot see are left out of dumps and
 * of SCAV_CMD_RECLAIM with SCAV_A_ALL.  Events carry PIDs of the initial PID
 * namespace.
 *
 * SCAV_CMD_GET_SESSIONS (dump; anyone)
 *	Request: [SCAV_A_FLAGS] (SCAV_STATS_RESIDENT: walk each session's page
 *	tables for the resident figures, as SCAV_IOC_STATS does).
 *	One message per session, in order of SCAV_A_SESSION_ID: SCAV_A_SESSION_ID,
 *	SCAV_A_PID, SCAV_A_COMM (the opener's command name at open),
 *	SCAV_A_CGROUP_ID (the memory cgroup of the process now; absent
 *	without one) and SCAV_A_STATS with the SCAV_STAT_* of struct
 *	scav_stats.  A session is listed from its first ioctl other than
 *	VERSION (before it, it holds nothing).  A session
 *	opened or closed while the dump runs may be missed, but none is listed
 *	twice; the messages after such a change carry NLM_F_DUMP_INTR.
 *	Without CAP_SYS_PTRACE (the right to read any process's smaps), a
 *	requester sees only the sessions of processes whose smaps it could
 *	read: their real, effective and saved UIDs and GIDs are its own
 *	filesystem UID and GID, and they are dumpable.  Hidden so: other
 *	users' processes (as with /proc mounted hidepid=invisible), setuid
 *	programs, PR_SET_DUMPABLE 0.
 *
 * SCAV_CMD_GET_STATS (do; anyone)
 *	Request: [SCAV_A_FLAGS] (SCAV_STATS_RESIDENT: walk every session; needs
 *	CAP_SYS_PTRACE, EPERM with a message otherwise).
 *	Reply: SCAV_A_STATS with the module-wide figures of /sys/kernel/scav
 *	(Documentation/ABI/testing/sysfs-kernel-scav), and SCAV_A_SEQ, the
 *	sequence number of the latest event.
 *
 * SCAV_CMD_RECLAIM (do; admin)
 *	Request: exactly one of SCAV_A_PID (every session of that process) and
 *	SCAV_A_ALL (every session).  Discards all idle ranges of those
 *	sessions now, as SCAV_IOC_RECLAIM would from inside each process: only
 *	ranges the process reported itself; no address range is accepted from
 *	the requester.  Reply: SCAV_A_BYTES discarded, SCAV_A_SESSIONS gone
 *	through.  Errors: ESRCH (no such process), ENOENT (it has no session),
 *	EPERM, EINTR (the requester got a fatal signal; some bytes may be
 *	gone).  The work runs in the requester's context, session by session,
 *	holding none of genetlink's or scav's locks across a reclaim (only
 *	genetlink's shared read lock, which holds back nothing but family
 *	registration); it counts as a request (reclaimed_request_bytes).
 *
 * SCAV_CMD_GET_CONFIG (do; anyone)
 *	Reply: SCAV_A_CONFIG with every SCAV_CONF_* tunable.
 *
 * SCAV_CMD_SET_CONFIG (do; admin)
 *	Request: SCAV_A_CONFIG with the tunables to change, each within the
 *	range its sysfs file accepts (ERANGE otherwise), at least one (EINVAL).
 *	All or nothing: if one is refused none changes.  Reply: SCAV_A_CONFIG
 *	with every tunable, as now set.  The sysfs files and this command
 *	change the same values.
 *
 * SCAV_CMD_EVENT (multicast group SCAV_GENL_MCGRP_EVENTS; CAP_SYS_ADMIN to
 * join, where the kernel enforces multicast capabilities)
 *	SCAV_A_EVENT (a SCAV_EVENT_*), SCAV_A_SEQ, and what the event carries.
 *	While anyone listens, every event takes the next sequence number,
 *	events that could not be allocated or delivered included, so a
 *	listener that sees a gap knows it lost events: it should then
 *	resynchronize with a dump.  A listener whose receive buffer is full
 *	loses events (its next receive fails with ENOBUFS); it never slows the
 *	module down.
 */
#define SCAV_GENL_NAME		"scav"
#define SCAV_GENL_VERSION	1
#define SCAV_GENL_MCGRP_EVENTS	"events"

enum scav_genl_cmd {
	SCAV_CMD_UNSPEC,
	SCAV_CMD_GET_SESSIONS,
	SCAV_CMD_GET_STATS,
	SCAV_CMD_RECLAIM,
	SCAV_CMD_GET_CONFIG,
	SCAV_CMD_SET_CONFIG,
	SCAV_CMD_EVENT,
	__SCAV_CMD_MAX,
};
#define SCAV_CMD_MAX	(__SCAV_CMD_MAX - 1)

enum scav_genl_attr {
	SCAV_A_UNSPEC,
	SCAV_A_PAD,
	SCAV_A_FLAGS,		/* u32: SCAV_STATS_RESIDENT */
	SCAV_A_PID,		/* u32 */
	SCAV_A_ALL,		/* flag */
	SCAV_A_SESSION_ID,	/* u64: unique while the module is loaded */
	SCAV_A_COMM,		/* string, at most 15 characters */
	SCAV_A_STATS,		/* nest of SCAV_STAT_* */
	SCAV_A_CONFIG,		/* nest of SCAV_CONF_* */
	SCAV_A_BYTES,		/* u64 */
	SCAV_A_SESSIONS,	/* u32 */
	SCAV_A_EVENT,		/* u32: SCAV_EVENT_* */
	SCAV_A_SEQ,		/* u64 */
	SCAV_A_CAUSE,		/* u32: SCAV_CAUSE_* */
	SCAV_A_CGROUP_ID,	/* u64: a cgroup's ID (inode number in cgroup2) */
	__SCAV_A_MAX,
};
#define SCAV_A_MAX	(__SCAV_A_MAX - 1)

/*
 * Figures, all u64.  Per session (GET_SESSIONS): the fields of struct
 * scav_stats of the same names.  Module-wide (GET_STATS): the
 * /sys/kernel/scav files of the same names.  SCAV_FIGURES below says which
 * figure is sent where.
 */
enum scav_genl_stat {
	SCAV_STAT_UNSPEC,
	SCAV_STAT_PAD,
	SCAV_STAT_IDLE_BYTES,
	SCAV_STAT_DISCARDED_BYTES,
	SCAV_STAT_LAZY_BYTES,
	SCAV_STAT_NR_RANGES,
	SCAV_STAT_REPORTED_BYTES,
	SCAV_STAT_RECLAIMED_REQUEST_BYTES,
	SCAV_STAT_RECLAIMED_AGE_BYTES,
	SCAV_STAT_RECLAIMED_PRESSURE_BYTES,
	SCAV_STAT_CLAIMED_KEPT_BYTES,
	SCAV_STAT_CLAIMED_DISCARDED_BYTES,
	SCAV_STAT_FORGOTTEN_BYTES,
	SCAV_STAT_ANON_RSS_BYTES,
	SCAV_STAT_IDLE_RESIDENT_BYTES,
	SCAV_STAT_LAZYFREE_BYTES,
	SCAV_STAT_USED_RSS_BYTES,
	SCAV_STAT_SESSIONS,		/* module-wide only from here on */
	SCAV_STAT_AGING_BUSY_SKIPS,
	SCAV_STAT_PRESSURE_BUSY_SKIPS,
	SCAV_STAT_PRESSURE_DEFERRED,
	__SCAV_STAT_MAX,
};
#define SCAV_STAT_MAX	(__SCAV_STAT_MAX - 1)

/*
 * Every figure once, in SCAV_STAT_* order, for code that handles them all
 * alike: SCAV_FIGURES(BOTH, SESSION, MODULE) expands to one
 * X(name, SCAV_STAT_ suffix, walk) per figure, where X is BOTH for figures
 * of a session (GET_SESSIONS, struct scav_stats) and module-wide (GET_STATS,
 * /sys/kernel/scav), SESSION for a session's only, MODULE for module-wide
 * only.  @name is the field of struct scav_stats, the sysfs file and the
 * key scavctl prints; @walk is 1 for the figures sent only when
 * SCAV_STATS_RESIDENT asked for a walk of the page tables.
 */
#define SCAV_FIGURES(BOTH, SESSION, MODULE)				\
	BOTH(idle_bytes, IDLE_BYTES, 0)					\
	BOTH(discarded_bytes, DISCARDED_BYTES, 0)			\
	BOTH(lazy_bytes, LAZY_BYTES, 0)					\
	BOTH(nr_ranges, NR_RANGES, 0)					\
	BOTH(reported_bytes, REPORTED_BYTES, 0)				\
	BOTH(reclaimed_request_bytes, RECLAIMED_REQUEST_BYTES, 0)	\
	BOTH(reclaimed_age_bytes, RECLAIMED_AGE_BYTES, 0)		\
	BOTH(reclaimed_pressure_bytes, RECLAIMED_PRESSURE_BYTES, 0)	\
	BOTH(claimed_kept_bytes, CLAIMED_KEPT_BYTES, 0)			\
	BOTH(claimed_discarded_bytes, CLAIMED_DISCARDED_BYTES, 0)	\
	BOTH(forgotten_bytes, FORGOTTEN_BYTES, 0)			\
	SESSION(anon_rss_bytes, ANON_RSS_BYTES, 0)			\
	BOTH(idle_resident_bytes, IDLE_RESIDENT_BYTES, 1)		\
	BOTH(lazyfree_bytes, LAZYFREE_BYTES, 1)				\
	SESSION(used_rss_bytes, USED_RSS_BYTES, 1)			\
	MODULE(sessions, SESSIONS, 0)					\
	MODULE(aging_busy_skips, AGING_BUSY_SKIPS, 0)			\
	MODULE(pressure_busy_skips, PRESSURE_BUSY_SKIPS, 0)		\
	MODULE(pressure_deferred, PRESSURE_DEFERRED, 0)

/*
 * Tunables, all u64, named and bounded as the /sys/kernel/scav files of the
 * same names.
 */
enum scav_genl_conf {
	SCAV_CONF_UNSPEC,
	SCAV_CONF_PAD,
	SCAV_CONF_ENABLED,
	SCAV_CONF_SHRINKER_ENABLED,
	SCAV_CONF_IDLE_AGE_MS,
	SCAV_CONF_SCAN_INTERVAL_MS,
	SCAV_CONF_QUOTA_BYTES_PER_SEC,
	SCAV_CONF_QUOTA_MS_PER_SEC,
	SCAV_CONF_MAX_RANGES_PER_SESSION,
	SCAV_CONF_MAX_RANGES_TOTAL,
	SCAV_CONF_MAX_RANGES_PER_USER,
	SCAV_CONF_MAX_SESSIONS_PER_USER,	/* ABI 1.2 */
	__SCAV_CONF_MAX,
};
#define SCAV_CONF_MAX	(__SCAV_CONF_MAX - 1)

/* SCAV_A_EVENT */
enum scav_genl_event {
	SCAV_EVENT_UNSPEC,
	/*
	 * Idle memory of a session was discarded: SCAV_A_PID, SCAV_A_SESSION_ID,
	 * SCAV_A_COMM, SCAV_A_BYTES, SCAV_A_CAUSE, and with SCAV_CAUSE_PRESSURE
	 * from a memory cgroup's reclaim that cgroup's SCAV_A_CGROUP_ID.  One
	 * per session for each
	 * request (SCAV_IOC_RECLAIM, SCAV_CMD_RECLAIM, a REPORT call with
	 * SCAV_REPORT_DISCARD), and one per batch (up to 64 pieces) of aging
	 * or pressure reclaim.
	 */
	SCAV_EVENT_RECLAIM,
	/*
	 * The kernel's memory reclaim asked scav for memory: SCAV_A_BYTES is
	 * the idle memory scav still held kept at that moment.  At most one
	 * every 100 ms.  An allocator may answer by giving back more.
	 */
	SCAV_EVENT_PRESSURE,
	/* SCAV_A_PID, SCAV_A_SESSION_ID, SCAV_A_COMM */
	SCAV_EVENT_SESSION_OPEN,
	SCAV_EVENT_SESSION_CLOSE,
	__SCAV_EVENT_MAX,
};

/* SCAV_A_CAUSE: why memory was discarded. */
enum scav_cause {
	SCAV_CAUSE_REQUEST,	/* SCAV_IOC_RECLAIM or SCAV_CMD_RECLAIM */
	SCAV_CAUSE_AGE,		/* idle longer than idle_age_ms */
	SCAV_CAUSE_PRESSURE,	/* the kernel's memory reclaim */
	__SCAV_CAUSE_MAX,
};

#endif /* _UAPI_LINUX_SCAV_H */

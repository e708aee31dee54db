// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzz target for every ioctl of /dev/scav and every command of its
 * generic-netlink family: random bytes and sizes, and structure-aware
 * inputs around the edges of the ABI (valid and invalid pointers, counts
 * around SCAV_MAX_RANGES_PER_CALL, reserved fields set, ranges that wrap,
 * leave the user address space, fall in holes, guard pages or memory scav
 * must refuse, unknown ioctl numbers next to the scav magic, truncated and
 * oversized netlink attributes, nested tunables with random attributes,
 * unknown commands; page-state map regions registered over all of those
 * ranges, overlapping, past the 16 a session may hold, and dropped and
 * waited on by random index), as root and as nobody.
 *
 * After every call: the error is one <linux/scav.h> documents for that
 * call, and the one it predicts where the input decides it; output fields
 * agree with the input; the kernel wrote nothing outside the structures
 * and vectors it was given; a claim returns exactly the idle bytes of a
 * small model of what was reported.  Every few hundred calls and at the
 * end: a canary arena that is never reported, and memory scav must never
 * take (shared, mlocked, hugetlb, sealed, file-backed, userfaultfd), hold
 * their contents to the byte, and the process's mappings are unchanged.
 * The VM runner fails the test on any kernel warning.
 *
 * Seeded (SCAV_FUZZ_SEED, printed at the start) and bounded in time: half
 * of SCAV_FUZZ_SECONDS (default 20) per user.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <grp.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "scav_util.h"
#include "scav_nl.h"

#ifndef __NR_mseal
#define __NR_mseal 462
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

#define ARENA_PAGES	256
#define CANARY_PAGES	64
#define ARG_PAGES	2	/* then a PROT_NONE guard page */
#define VEC_PAGES	12	/* room for 1100 claim ranges; then a guard */
#define MAX_INEL	8
#define NOBODY		65534
#define FZ_REGIONS	16	/* VERSION's map_max_regions, checked */
/* Certainly inside and certainly beyond the user address space (4 or 5 levels). */
#define USER_TOP	((1ULL << 47) - 4096)
#define KERNEL_ADDR	0xffff888000000000ULL

/* Memory scav must refuse to report, each with a pattern that must stay. */
struct inel {
	char *p;
	size_t len;
	const char *what;
	int check;		/* readable: check its pattern */
};

struct fz {
	uint64_t seed, rng;
	size_t pg;
	int root;
	int fd;			/* the session */
	int ended;		/* a descriptor of a session its owner closed */
	char *arena;		/* may be reported */
	unsigned char idle[ARENA_PAGES];
	unsigned char ever[ARENA_PAGES];	/* reported once: content unknown */
	char *g0, *g1;		/* PROT_NONE guards around the arena */
	char *hole;		/* an unmapped page between two guards */
	char *canary;		/* never reported */
	struct inel inel[MAX_INEL];
	int ninel;
	char *arg;		/* ARG_PAGES, then a guard page */
	char *vec;		/* VEC_PAGES, then a guard page */
	char *none;		/* a PROT_NONE page */
	char *ro;		/* a read-only page */
	char *maps0;		/* /proc/self/maps at the start */
	unsigned long iter;
	char op[256];
	int failures;
	char first[256];
	/* netlink */
	int nl;
	int family;
	uint32_t seq;
	struct tunables conf0;		/* the tunables at the start */
	/* page-state map regions of the session, as MAP_REGION answered */
	struct { uint64_t addr, len; int used; } reg[FZ_REGIONS];
	unsigned long n_regions;	/* registered, in all */
	unsigned long n_regions_full;	/* refused: all taken */
	/* what ran */
	unsigned long n_ioctl[10], n_nl[8], n_err, n_eperm_kids;
};

static uint64_t rnd64(struct fz *f)
{
	uint64_t x = (f->rng += 0x9e3779b97f4a7c15ULL);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static unsigned int rnd(struct fz *f, unsigned int n)
{
	return n ? rnd64(f) % n : 0;
}

static void fill_random(struct fz *f, void *p, size_t len)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < len; i++)
		b[i] = rnd64(f);
}

static int fail(struct fz *f, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!f->failures++)
		snprintf(f->first, sizeof(f->first), "%.100s: %.150s", f->op, msg);
	printf("# FAIL seed=%llu uid=%d iteration=%lu op=%s: %s\n",
	       (unsigned long long)f->seed, geteuid(), f->iter, f->op, msg);
	fflush(stdout);
	return -1;
}

static void op_set(struct fz *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->op, sizeof(f->op), fmt, ap);
	va_end(ap);
}

static int unmapped(const void *p, size_t pg)
{
	return msync((void *)((uintptr_t)p & ~(pg - 1)), pg, MS_ASYNC) && errno == ENOMEM;
}

/* ---- memory */

static char *map_none(size_t len)
{
	char *p = mmap(NULL, len, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void inel_add(struct fz *f, char *p, size_t len, const char *what, int check)
{
	if (!p || f->ninel == MAX_INEL)
		return;
	f->inel[f->ninel++] = (struct inel){ p, len, what, check };
}

/* Fill [p, p + len) with the pattern for @seed; 0 or -1. */
static int fill(char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i += sizeof(uint64_t))
		*(uint64_t *)(p + i) = ((uint64_t)seed << 32) ^ (i + 1);
	return 0;
}

static void inel_setup(struct fz *f)
{
	size_t pg = f->pg, len = 4 * pg;
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	char *p;
	int fd;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED && !fill(p, len, 101))
		inel_add(f, p, len, "shared", 1);
	p = map_filled(len, 102);
	if (p && !mlock(p, len))
		inel_add(f, p, len, "mlocked", 1);
	p = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p != MAP_FAILED && !fill(p, 2 * MiB, 103))
		inel_add(f, p, 2 * MiB, "hugetlb", 1);
	p = map_none(len);
	inel_add(f, p, len, "PROT_NONE", 0);
	p = map_filled(len, 104);
	if (p && !mprotect(p, len, PROT_READ) && !syscall(__NR_mseal, p, len, 0))
		inel_add(f, p, len, "sealed", 1);
	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		p = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		if (p != MAP_FAILED)
			inel_add(f, p, pg, "file", 0);
		close(fd);
	}
	fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	p = map_filled(len, 105);
	if (fd >= 0 && p && !ioctl(fd, UFFDIO_API, &api)) {
		reg.range.start = (uintptr_t)p;
		reg.range.len = len;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (!ioctl(fd, UFFDIO_REGISTER, &reg))
			inel_add(f, p, len, "userfaultfd", 1);
	}
	/* The descriptor stays open: closing it would unregister. */
}

static int setup_memory(struct fz *f)
{
	size_t pg = f->pg;
	char *r;

	/* guard | arena | guard, in one reservation so they stay adjacent */
	r = map_none((ARENA_PAGES + 8) * pg);
	if (!r)
		return -1;
	f->g0 = r;
	f->arena = r + 4 * pg;
	f->g1 = f->arena + ARENA_PAGES * pg;
	if (mmap(f->arena, ARENA_PAGES * pg, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != f->arena)
		return -1;
	fill(f->arena, ARENA_PAGES * pg, 1);

	r = map_none(3 * pg);
	if (!r)
		return -1;
	f->hole = r + pg;
	munmap(f->hole, pg);

	f->canary = map_filled(CANARY_PAGES * pg, 2);
	f->arg = map_none((ARG_PAGES + 1) * pg);
	f->vec = map_none((VEC_PAGES + 1) * pg);
	f->none = map_none(pg);
	f->ro = map_filled(pg, 3);
	if (!f->canary || !f->arg || !f->vec || !f->none || !f->ro ||
	    mprotect(f->arg, ARG_PAGES * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(f->vec, VEC_PAGES * pg, PROT_READ | PROT_WRITE) ||
	    mprotect(f->ro, pg, PROT_READ))
		return -1;
	inel_setup(f);
	return 0;
}

/* /proc/self/maps, but for the heap, which libnl's allocations may move. */
static char *maps_read(void)
{
	size_t cap = 1 << 16, len = 0;
	char *b = malloc(cap), line[512];
	FILE *m = fopen("/proc/self/maps", "re");

	if (!b || !m) {
		free(b);
		if (m)
			fclose(m);
		return NULL;
	}
	while (fgets(line, sizeof(line), m))
		if (!strstr(line, "[heap]") && len + strlen(line) < cap - 1) {
			strcpy(b + len, line);
			len += strlen(line);
		}
	b[len] = 0;
	fclose(m);
	return b;
}

static int check_memory(struct fz *f, int maps)
{
	size_t pg = f->pg, i;
	int k;

	if (!holds_pattern(f->canary, f->canary, CANARY_PAGES * pg, 2))
		return fail(f, "the canary arena changed");
	for (k = 0; k < f->ninel; k++) {
		static const struct { const char *what; unsigned int seed; } seeds[] = {
			{ "shared", 101 }, { "mlocked", 102 }, { "hugetlb", 103 },
			{ "sealed", 104 }, { "userfaultfd", 105 },
		};
		struct inel *in = &f->inel[k];
		size_t s;

		if (!in->check)
			continue;
		for (s = 0; s < sizeof(seeds) / sizeof(seeds[0]); s++)
			if (!strcmp(seeds[s].what, in->what) &&
			    !holds_pattern(in->p, in->p, in->len, seeds[s].seed))
				return fail(f, "%s memory changed", in->what);
	}
	/* Arena pages never reported keep their pattern. */
	for (i = 0; i < ARENA_PAGES; i++)
		if (!f->ever[i] && !holds_pattern(f->arena, f->arena + i * pg, pg, 1))
			return fail(f, "arena page %zu, never reported, changed", i);
	if (maps && f->maps0) {
		char *m = maps_read();
		int same = m && !strcmp(m, f->maps0);

		if (!same) {
			printf("# maps at the start:\n%s# maps now:\n%s", f->maps0, m ? m : "");
			free(m);
			return fail(f, "the process's mappings changed");
		}
		free(m);
	}
	return 0;
}

/* ---- the model of the arena */

static uint64_t idle_in(struct fz *f, uint64_t addr, uint64_t len)
{
	uint64_t a0 = (uintptr_t)f->arena, a1 = a0 + ARENA_PAGES * f->pg, s, e, n = 0;

	s = addr > a0 ? addr : a0;
	e = addr + len < a1 ? addr + len : a1;
	for (; s < e; s += f->pg)
		n += f->idle[(s - a0) / f->pg];
	return n * f->pg;
}

static void idle_set(struct fz *f, uint64_t addr, uint64_t len, int idle)
{
	uint64_t a0 = (uintptr_t)f->arena, a1 = a0 + ARENA_PAGES * f->pg, s, e;

	s = addr > a0 ? addr : a0;
	e = addr + len < a1 ? addr + len : a1;
	for (; s < e; s += f->pg) {
		f->idle[(s - a0) / f->pg] = idle;
		f->ever[(s - a0) / f->pg] = 1;
	}
}

/* The model lost track (an error that leaves progress unknown): claim it all. */
static void model_reset(struct fz *f)
{
	struct scav_claim_range c = { (uintptr_t)f->arena, ARENA_PAGES * f->pg };

	sc_claim(f->fd, &c, 1, NULL);
	memset(f->idle, 0, sizeof(f->idle));
}

/* ---- ranges */

/* What a REPORT of a range must answer (0, EINVAL or ENOMEM). */
struct gr {
	uint64_t addr, len;
	int report_err;
	int valid;		/* passes the range checks: a claim of it succeeds */
};

static int range_valid(uint64_t a, uint64_t l, size_t pg, int *sure)
{
	*sure = 1;
	if (a % pg || l % pg || !l || a + l < a)
		return 0;
	if (a + l <= USER_TOP)
		return 1;
	*sure = a + l > (1ULL << 57);
	return 0;
}

static void gen_range(struct fz *f, struct gr *r, int for_report)
{
	size_t pg = f->pg;
	unsigned int s, n;
	int k, sure;

	for (;;) {
		s = rnd(f, ARENA_PAGES);
		n = 1 + rnd(f, rnd(f, 4) ? 8 : ARENA_PAGES - s);
		if (s + n > ARENA_PAGES)
			n = ARENA_PAGES - s;
		r->addr = (uintptr_t)f->arena + (uint64_t)s * pg;
		r->len = (uint64_t)n * pg;
		r->report_err = 0;
		switch (rnd(f, 16)) {
		case 0: case 1: case 2: case 3: case 4: case 5:
			break;				/* in the arena */
		case 6:					/* on into the guard */
			r->len = (uint64_t)(ARENA_PAGES - s + 1 + rnd(f, 3)) * pg;
			r->report_err = EINVAL;
			break;
		case 7:					/* from the guard before */
			r->addr = (uintptr_t)f->g0 + rnd(f, 4) * pg;
			r->report_err = EINVAL;
			break;
		case 8:					/* misaligned */
			if (rnd(f, 2))
				r->addr += 1 + rnd(f, pg - 1);
			else
				r->len += 1 + rnd(f, pg - 1);
			r->report_err = EINVAL;
			break;
		case 9:					/* empty, or wrapping */
			if (rnd(f, 2)) {
				r->len = 0;
			} else {
				r->addr = -(uint64_t)(1 + rnd(f, 16)) * pg;
				r->len = (uint64_t)(17 + rnd(f, 16)) * pg;
			}
			r->report_err = EINVAL;
			break;
		case 10:				/* kernel, or huge */
			if (rnd(f, 2)) {
				r->addr = KERNEL_ADDR + rnd(f, 1024) * pg;
			} else {
				r->len = 1ULL << (47 + rnd(f, 16));
			}
			r->report_err = EINVAL;
			break;
		case 11:				/* a hole */
			if (!unmapped(f->hole, pg))
				continue;
			r->addr = (uintptr_t)f->hole;
			r->len = (1 + rnd(f, 2)) * pg;
			r->report_err = ENOMEM;
			break;
		case 12:				/* somewhere unmapped */
			r->addr = (0x10000 + rnd64(f) % (USER_TOP - 0x20000)) & ~(uint64_t)(pg - 1);
			r->len = (1 + rnd(f, 4)) * pg;
			if (!unmapped((void *)(uintptr_t)r->addr, pg))
				continue;
			r->report_err = ENOMEM;
			break;
		case 13:				/* memory scav must refuse */
			if (!f->ninel)
				continue;
			k = rnd(f, f->ninel);
			s = rnd(f, f->inel[k].len / pg);
			r->addr = (uintptr_t)f->inel[k].p + (uint64_t)s * pg;
			r->len = (1 + rnd(f, f->inel[k].len / pg - s)) * pg;
			r->report_err = EINVAL;
			break;
		case 14:				/* the canary: claims only */
			if (for_report)
				continue;
			s = rnd(f, CANARY_PAGES);
			r->addr = (uintptr_t)f->canary + (uint64_t)s * pg;
			r->len = (1 + rnd(f, CANARY_PAGES - s)) * pg;
			break;
		default:				/* random bits */
			r->addr = rnd64(f);
			r->len = rnd(f, 2) ? rnd64(f) : rnd(f, 1 << 20);
			range_valid(r->addr, r->len, pg, &sure);
			/* Never a valid range that could be our own memory. */
			if (!sure || (for_report && range_valid(r->addr, r->len, pg, &sure)))
				continue;
			r->report_err = EINVAL;
			break;
		}
		r->valid = range_valid(r->addr, r->len, pg, &sure);
		if (!sure)
			continue;
		if (!r->valid)
			r->report_err = EINVAL;
		return;
	}
}

/* ---- pointers and buffers */

enum ptr_kind { PTR_OK, PTR_END, PTR_STRADDLE, PTR_NULL, PTR_KERNEL, PTR_NONE,
		PTR_RO, PTR_HOLE, PTR_ODD, NPTR };

static enum ptr_kind pick_ptr(struct fz *f)
{
	static const unsigned char w[NPTR] = { 60, 10, 5, 5, 5, 4, 5, 3, 5 };
	unsigned int r = rnd(f, 102), i;

	for (i = 0; r >= w[i]; i++)
		r -= w[i];
	return i;
}

/* Where a buffer of @size bytes goes; NULL for the non-memory kinds. */
static char *place(struct fz *f, char *base, size_t pages, size_t size,
		   enum ptr_kind k, uint64_t *ptr)
{
	char *end = base + pages * f->pg, *p = NULL;

	switch (k) {
	case PTR_OK: p = base + 64 + rnd(f, 16) * 8; break;
	case PTR_ODD: p = base + 64 + 1 + rnd(f, 7); break;
	case PTR_END: p = end - size; break;
	case PTR_STRADDLE: p = end - size + 1 + rnd(f, size > 1 ? size - 1 : 1); break;
	case PTR_RO: *ptr = (uintptr_t)f->ro; return f->ro;
	case PTR_NULL: *ptr = 0; return NULL;
	case PTR_KERNEL: *ptr = KERNEL_ADDR + rnd(f, 1 << 20); return NULL;
	case PTR_NONE: *ptr = (uintptr_t)f->none; return NULL;
	case PTR_HOLE: *ptr = (uintptr_t)f->hole; return NULL;
	case NPTR: break;
	}
	if (p < base)	/* bigger than the buffer */
		p = base;
	*ptr = (uintptr_t)p;
	return p;
}

static int readable_kind(enum ptr_kind k, size_t size, size_t room)
{
	return (k == PTR_OK || k == PTR_ODD || k == PTR_END || k == PTR_RO) &&
	       size <= room;
}

/* ---- ioctls */

/* Every command the module knows: fuzz_unknown() must not pick one. */
static const unsigned int known_cmds[] = {
	SCAV_IOC_VERSION, SCAV_IOC_REPORT, SCAV_IOC_CLAIM, SCAV_IOC_RECLAIM,
	SCAV_IOC_STATS, SCAV_IOC_PRESSURE, SCAV_IOC_MAP_REGION, SCAV_IOC_MAP_WAIT,
};
#define NR_KNOWN_CMDS	(sizeof(known_cmds) / sizeof(known_cmds[0]))

/* The errors <linux/scav.h> documents for each call. */
static int documented(unsigned int cmd, int err)
{
	if (err == EPERM || err == EBADF)
		return 1;
	switch (cmd) {
	case SCAV_IOC_VERSION: return err == EFAULT;
	case SCAV_IOC_REPORT:
		return err == EINVAL || err == ENOMEM || err == ENOSPC || err == EFAULT;
	case SCAV_IOC_CLAIM:
		return err == EINVAL || err == EFAULT || err == EINTR || err == ENOMEM;
	case SCAV_IOC_RECLAIM: return err == EINVAL || err == EFAULT || err == EINTR;
	case SCAV_IOC_STATS: return err == EINVAL || err == EFAULT;
	case SCAV_IOC_PRESSURE: return err == EINVAL || err == EFAULT;
	case SCAV_IOC_MAP_REGION:
		return err == EINVAL || err == ENOMEM || err == EEXIST || err == ENOSPC ||
		       err == EFAULT || err == EINTR;
	case SCAV_IOC_MAP_WAIT: return err == EINVAL || err == EFAULT || err == EINTR;
	}
	return err == ENOTTY;
}

struct call {
	unsigned int cmd;
	enum ptr_kind ak, vk;
	uint64_t argp, vecp;
	char *arg, *vec;	/* where they are, if in our buffers */
	size_t asize, vsize;
	int expect;		/* errno, 0, or -1 if not predicted */
	uint32_t exp_done;
	int writable;		/* the kernel may write the arg back */
	char argcopy[256];
	struct gr r[SCAV_MAX_RANGES_PER_CALL + 8];
	unsigned int n;
};

/* The bytes around the argument and the vector are still 0xa5. */
static int untouched(struct fz *f, const char *base, size_t pages, const char *p,
		     size_t size, const char *what)
{
	size_t len = pages * f->pg, i;

	for (i = 0; i < len; i++) {
		const char *b = base + i;

		if (p && b >= p && b < p + size)
			continue;
		if ((unsigned char)*b != 0xa5)
			return fail(f, "byte %zd past the %s (%zu bytes at offset %td) changed to %#x",
				    b - p, what, size, p ? p - base : -1, (unsigned char)*b);
	}
	return 0;
}

/* Write the argument where it goes, as much of it as is mapped there. */
static void put_arg(struct fz *f, struct call *c, const void *src, size_t size)
{
	size_t room;

	if (!c->arg)
		return;
	if (src != c->argcopy)
		memcpy(c->argcopy, src, size < sizeof(c->argcopy) ? size : sizeof(c->argcopy));
	if (c->ak == PTR_RO) {
		/* What the kernel reads, and must not write. */
		mprotect(f->ro, f->pg, PROT_READ | PROT_WRITE);
		memset(f->ro, 0xa5, f->pg);
		memcpy(f->ro, src, size);
		mprotect(f->ro, f->pg, PROT_READ);
		return;
	}
	room = f->arg + ARG_PAGES * f->pg - c->arg;
	memcpy(c->arg, src, size < room ? size : room);
}

static void fill_args(struct fz *f)
{
	memset(f->arg, 0xa5, ARG_PAGES * f->pg);
	memset(f->vec, 0xa5, VEC_PAGES * f->pg);
}

static uint32_t pick_count(struct fz *f)
{
	switch (rnd(f, 12)) {
	case 0: return 0;
	case 1: return SCAV_MAX_RANGES_PER_CALL - 1 + rnd(f, 3);
	case 2: return rnd(f, 2) ? UINT32_MAX : (uint32_t)rnd64(f);
	case 3: return 1 + rnd(f, 200);
	default: return 1 + rnd(f, 6);
	}
}

/* The vector: where, how it is read, and the ranges in it. */
static void put_vector(struct fz *f, struct call *c, size_t entry, int for_report)
{
	size_t room = VEC_PAGES * f->pg - 64 - 128;
	unsigned int i;

	c->vk = pick_ptr(f);
	c->vsize = (size_t)c->n * entry;
	if (c->vk == PTR_RO)
		c->vk = PTR_OK;	/* the read-only page is too small for most */
	if (c->vsize > room && c->vk != PTR_STRADDLE && c->n <= SCAV_MAX_RANGES_PER_CALL)
		c->vk = PTR_END;
	c->vec = place(f, f->vec, VEC_PAGES, c->vsize, c->vk, &c->vecp);
	for (i = 0; i < c->n && i < SCAV_MAX_RANGES_PER_CALL + 8; i++) {
		struct gr *r = &c->r[i];
		char *e = c->vec ? c->vec + (size_t)i * entry : NULL;

		gen_range(f, r, for_report);
		if (!e || e + entry > f->vec + VEC_PAGES * f->pg)
			continue;
		memcpy(e, &r->addr, 8);
		memcpy(e + 8, &r->len, 8);
		if (entry > 16)
			fill_random(f, e + 16, entry - 16);
	}
}

static int vector_readable(struct fz *f, const struct call *c)
{
	return c->vk == PTR_OK || c->vk == PTR_ODD ||
	       (c->vk == PTR_END && c->vsize <= VEC_PAGES * f->pg);
}

/* Structure-aware flags, reserved fields and count for REPORT and CLAIM. */
static int hdr_fields(struct fz *f, __u32 *flags, __u32 *res0, __u64 *res,
		      unsigned int nres, int report)
{
	int bad = 0;

	if (!flags)
		goto reserved;
	*flags = 0;
	if (report) {
		static const uint32_t ok[] = { 0, SCAV_REPORT_LAZYFREE, SCAV_REPORT_DISCARD };

		*flags = ok[rnd(f, 3)];
	}
	if (!rnd(f, 12)) {
		*flags = rnd(f, 2) ? (uint32_t)rnd64(f) | 4 : SCAV_REPORT_LAZYFREE | SCAV_REPORT_DISCARD;
		bad = 1;
	}
reserved:
	*res0 = 0;
	if (!rnd(f, 15)) {
		*res0 = 1 + rnd(f, 1000);
		bad = 1;
	}
	memset(res, 0, nres * sizeof(*res));
	if (!rnd(f, 15)) {
		res[rnd(f, nres)] = 1ULL << rnd(f, 64);
		bad = 1;
	}
	return bad;
}

static void report_apply(struct fz *f, const struct call *c, uint32_t done, uint32_t flags)
{
	uint32_t i;

	for (i = 0; i < done; i++)
		idle_set(f, c->r[i].addr, c->r[i].len, !(flags & SCAV_REPORT_DISCARD));
}

static int fuzz_report(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_report rep, out;
	uint32_t i, exp_done;
	uint64_t exp_bytes = 0;
	int bad, ret, err;

	memset(&rep, 0, sizeof(rep));
	c->n = pick_count(f);
	bad = hdr_fields(f, &rep.flags, &rep.__reserved0, rep.__reserved, 2, 1);
	bad |= c->n > SCAV_MAX_RANGES_PER_CALL;
	rep.count = c->n;
	if (c->n > SCAV_MAX_RANGES_PER_CALL)
		c->n = rnd(f, 4);	/* refused before it is read */
	put_vector(f, c, sizeof(struct scav_range), 1);
	rep.ranges = c->vecp;
	rep.done = (uint32_t)rnd64(f);
	rep.bytes = rnd64(f);
	c->ak = pick_ptr(f);
	c->asize = sizeof(rep);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(rep), c->ak, &c->argp);
	if (!rnd(f, 10))
		fill_random(f, &rep, sizeof(rep)), bad = -1;
	put_arg(f, c, &rep, sizeof(rep));
	op_set(f, "REPORT flags=%#x count=%u arg=%d vec=%d%s", rep.flags, rep.count,
	       c->ak, c->vk, bad < 0 ? " random" : "");

	/* Predict. */
	exp_done = 0;
	if (quirk)
		c->expect = quirk;
	else if (!readable_kind(c->ak, sizeof(rep), ARG_PAGES * f->pg))
		c->expect = EFAULT;
	else if (bad < 0)
		c->expect = -1;
	else if (bad)
		c->expect = EINVAL;
	else if (!rep.count)
		c->expect = 0;
	else if (!vector_readable(f, c))
		c->expect = EFAULT;
	else {
		c->expect = 0;
		for (i = 0; i < c->n; i++) {
			if (c->r[i].report_err) {
				c->expect = c->r[i].report_err;
				break;
			}
			exp_bytes += c->r[i].len;
		}
		exp_done = i;
	}
	/* A read-only argument: the work is done, the write-back fails. */
	if (!quirk && c->ak == PTR_RO && bad >= 0)
		c->expect = bad ? EINVAL : EFAULT;

	ret = ioctl(fd, SCAV_IOC_REPORT, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (quirk)
		return err == quirk ? 0 : fail(f, "%s, not %s", strerror(err), strerror(quirk));
	if (c->expect == -1) {
		/* Random bytes: a documented error, and the model starts over. */
		if (err && !documented(SCAV_IOC_REPORT, err))
			return fail(f, "undocumented error %s", strerror(err));
		if (!err || err == EFAULT)
			model_reset(f);
		return 0;
	}
	if (c->ak == PTR_RO && !bad && err == EFAULT) {
		report_apply(f, c, exp_done, rep.flags);
		return 0;
	}
	if (err == ENOSPC && c->expect == 0)
		;	/* a bound set low by the netlink fuzzing: documented */
	else if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (c->expect == EFAULT && c->ak != PTR_OK && c->ak != PTR_ODD && c->ak != PTR_END)
		return 0;
	memcpy(&out, c->arg, sizeof(out));
	if (c->expect == EINVAL && bad)
		return 0;
	if (err == ENOSPC) {
		report_apply(f, c, out.done, rep.flags);
		return 0;
	}
	if (out.done != exp_done || out.bytes != exp_bytes)
		return fail(f, "done %u bytes %llu, expected %u and %llu", out.done,
			    (unsigned long long)out.bytes, exp_done,
			    (unsigned long long)exp_bytes);
	if (out.ranges != rep.ranges || out.count != rep.count || out.flags != rep.flags ||
	    out.__reserved0 || out.__reserved[0] || out.__reserved[1])
		return fail(f, "the input fields came back changed");
	report_apply(f, c, out.done, rep.flags);
	return 0;
}

static int fuzz_claim(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_claim cl, out = { 0 };
	uint64_t exp_kept_disc[SCAV_MAX_RANGES_PER_CALL + 8];
	uint32_t i, exp_done = 0;
	int bad, ret, err, vec_ro = 0, out_ok;

	memset(&cl, 0, sizeof(cl));
	c->n = pick_count(f);
	bad = hdr_fields(f, &cl.flags, &cl.__reserved0, cl.__reserved, 2, 0);
	/* Cleared or not, only idle pages change: the arena's others stay. */
	if (!cl.flags && rnd(f, 2))
		cl.flags = SCAV_CLAIM_ZERO;
	bad |= c->n > SCAV_MAX_RANGES_PER_CALL;
	cl.count = c->n;
	if (c->n > SCAV_MAX_RANGES_PER_CALL)
		c->n = rnd(f, 4);
	put_vector(f, c, sizeof(struct scav_claim_range), 0);
	cl.ranges = c->vecp;
	cl.done = (uint32_t)rnd64(f);
	c->ak = pick_ptr(f);
	c->asize = sizeof(cl);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(cl), c->ak, &c->argp);
	if (!rnd(f, 10))
		fill_random(f, &cl, sizeof(cl)), bad = -1;
	put_arg(f, c, &cl, sizeof(cl));
	/* A read-only vector: read, claimed, then the write-back fails. */
	if (vector_readable(f, c) && c->vsize && !rnd(f, 10))
		vec_ro = !mprotect(f->vec, VEC_PAGES * f->pg, PROT_READ);
	op_set(f, "CLAIM count=%u arg=%d vec=%d%s%s%s", cl.count, c->ak, c->vk,
	       cl.flags == SCAV_CLAIM_ZERO ? " zero" : "",
	       vec_ro ? " read-only" : "", bad < 0 ? " random" : "");

	if (quirk)
		c->expect = quirk;
	else if (!readable_kind(c->ak, sizeof(cl), ARG_PAGES * f->pg))
		c->expect = EFAULT;
	else if (bad < 0)
		c->expect = -1;
	else if (bad)
		c->expect = EINVAL;
	else if (!cl.count)
		c->expect = 0;
	else if (!vector_readable(f, c))
		c->expect = EFAULT;
	else {
		c->expect = 0;
		for (i = 0; i < c->n; i++) {
			if (!c->r[i].valid) {
				c->expect = EINVAL;
				break;
			}
			exp_kept_disc[i] = idle_in(f, c->r[i].addr, c->r[i].len);
			/* Later ranges of the vector see this one claimed. */
			idle_set(f, c->r[i].addr, c->r[i].len, 0);
		}
		exp_done = i;
		if (vec_ro)
			c->expect = EFAULT;
	}
	/* A read-only argument: the work is done, the write-back fails. */
	if (!quirk && c->ak == PTR_RO && bad >= 0)
		c->expect = bad ? EINVAL : EFAULT;
	out_ok = c->ak == PTR_OK || c->ak == PTR_ODD || c->ak == PTR_END;

	ret = ioctl(fd, SCAV_IOC_CLAIM, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (vec_ro)
		mprotect(f->vec, VEC_PAGES * f->pg, PROT_READ | PROT_WRITE);
	if (quirk)
		return err == quirk ? 0 : fail(f, "%s, not %s", strerror(err), strerror(quirk));
	if (c->expect == -1) {
		if (err && !documented(SCAV_IOC_CLAIM, err))
			return fail(f, "undocumented error %s", strerror(err));
		model_reset(f);
		return 0;
	}
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (bad || !readable_kind(c->ak, sizeof(cl), ARG_PAGES * f->pg))
		return 0;
	if (out_ok) {
		memcpy(&out, c->arg, sizeof(out));
		if (out.done != exp_done)
			return fail(f, "done %u, expected %u", out.done, exp_done);
	}
	if (!cl.count || !vector_readable(f, c))
		return 0;
	if (!vec_ro) {
		uint64_t kept = 0, disc = 0;

		for (i = 0; i < exp_done; i++) {
			struct scav_claim_range e;

			memcpy(&e, c->vec + i * sizeof(e), sizeof(e));
			if (e.addr != c->r[i].addr || e.len != c->r[i].len)
				return fail(f, "range %u came back as %llx+%llx", i,
					    (unsigned long long)e.addr, (unsigned long long)e.len);
			if (e.kept + e.discarded != exp_kept_disc[i] ||
			    e.kept % f->pg || e.discarded % f->pg)
				return fail(f, "range %u (%llx+%llx): kept %llu discarded %llu, but %llu bytes of it were idle",
					    i, (unsigned long long)e.addr,
					    (unsigned long long)e.len,
					    (unsigned long long)e.kept,
					    (unsigned long long)e.discarded,
					    (unsigned long long)exp_kept_disc[i]);
			kept += e.kept;
			disc += e.discarded;
		}
		if (out_ok && (out.kept != kept || out.discarded != disc))
			return fail(f, "sums kept %llu discarded %llu, the ranges say %llu and %llu",
				    (unsigned long long)out.kept,
				    (unsigned long long)out.discarded,
				    (unsigned long long)kept, (unsigned long long)disc);
		if (exp_done < c->n) {
			struct scav_claim_range e;

			memcpy(&e, c->vec + exp_done * sizeof(e), sizeof(e));
			if (e.kept || e.discarded)
				return fail(f, "the refused range %u says kept %llu discarded %llu",
					    exp_done, (unsigned long long)e.kept,
					    (unsigned long long)e.discarded);
		}
	}
	return 0;
}

static int fuzz_reclaim(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_reclaim rc, out;
	uint64_t idle = idle_in(f, 0, UINT64_MAX - 1);
	int bad, ret, err;

	memset(&rc, 0, sizeof(rc));
	switch (rnd(f, 4)) {
	case 0: rc.min_age_ms = 0; break;
	case 1: rc.min_age_ms = rnd(f, 10000); break;
	case 2: rc.min_age_ms = 1ULL << (32 + rnd(f, 32)); break;
	default: rc.min_age_ms = rnd64(f);
	}
	rc.max_bytes = rnd(f, 2) ? 0 : rnd(f, 2) ? rnd(f, 1 << 22) : rnd64(f);
	bad = hdr_fields(f, NULL, &rc.__reserved0, rc.__reserved, 2, 0);
	if (!rnd(f, 12)) {
		rc.flags = 1U << rnd(f, 32);
		bad = 1;
	}
	rc.bytes = rnd64(f);
	c->ak = pick_ptr(f);
	c->asize = sizeof(rc);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(rc), c->ak, &c->argp);
	if (!rnd(f, 10))
		fill_random(f, &rc, sizeof(rc)), bad = -1;
	put_arg(f, c, &rc, sizeof(rc));
	op_set(f, "RECLAIM min_age_ms=%llu max_bytes=%llu flags=%#x arg=%d%s",
	       (unsigned long long)rc.min_age_ms, (unsigned long long)rc.max_bytes,
	       rc.flags, c->ak, bad < 0 ? " random" : "");
	if (quirk)
		c->expect = quirk;
	else if (!readable_kind(c->ak, sizeof(rc), ARG_PAGES * f->pg))
		c->expect = EFAULT;
	else if (bad < 0)
		c->expect = -1;
	else if (bad)
		c->expect = EINVAL;
	else
		c->expect = c->ak == PTR_RO ? EFAULT : 0;

	ret = ioctl(fd, SCAV_IOC_RECLAIM, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (quirk)
		return err == quirk ? 0 : fail(f, "%s, not %s", strerror(err), strerror(quirk));
	if (c->expect == -1)
		return err && !documented(SCAV_IOC_RECLAIM, err) ?
		       fail(f, "undocumented error %s", strerror(err)) : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (err)
		return 0;
	memcpy(&out, c->arg, sizeof(out));
	if (out.bytes > idle || out.bytes % f->pg)
		return fail(f, "discarded %llu bytes of %llu idle", (unsigned long long)out.bytes,
			    (unsigned long long)idle);
	if (rc.min_age_ms > (uint64_t)(now_s() * 1000) + 10000 && out.bytes)
		return fail(f, "min_age_ms %llu is beyond uptime, yet %llu bytes were discarded",
			    (unsigned long long)rc.min_age_ms, (unsigned long long)out.bytes);
	if (rc.max_bytes && rc.max_bytes < UINT64_MAX - f->pg &&
	    out.bytes > (rc.max_bytes + f->pg - 1) / f->pg * f->pg)
		return fail(f, "discarded %llu bytes, max_bytes %llu", (unsigned long long)out.bytes,
			    (unsigned long long)rc.max_bytes);
	return 0;
}

/*
 * What a call whose argument is read, then written back whole, must get:
 * @quirk if set, EFAULT for an argument it cannot read, -1 (not predicted)
 * for random reserved fields (@bad < 0), EINVAL for bad ones, EFAULT when
 * it cannot write the answer back, or success.
 */
/* Reserved output fields come back zero. */
static int reserved_out(struct fz *f, const __u64 *res, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (res[i])
			return fail(f, "reserved output field %u is %llx", i,
				    (unsigned long long)res[i]);
	return 0;
}

static void expect_for(struct fz *f, struct call *c, int quirk, size_t size, int bad)
{
	if (quirk)
		c->expect = quirk;
	else if (!readable_kind(c->ak, size, ARG_PAGES * f->pg))
		c->expect = EFAULT;
	else if (bad < 0)
		c->expect = -1;
	else if (bad)
		c->expect = EINVAL;
	else
		c->expect = c->ak == PTR_RO ? EFAULT : 0;
}

static int fuzz_stats(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_stats st, out;
	int bad, ret, err;

	fill_random(f, &st, sizeof(st));
	st.flags = rnd(f, 2);
	bad = hdr_fields(f, NULL, &st.__reserved0, st.__reserved, 5, 0);
	if (!rnd(f, 12)) {
		st.flags |= 2U << rnd(f, 31);
		bad = 1;
	}
	c->ak = pick_ptr(f);
	c->asize = sizeof(st);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(st), c->ak, &c->argp);
	if (!rnd(f, 10)) {
		fill_random(f, &st, sizeof(st));	/* reserved fields too */
		bad = -1;
	}
	put_arg(f, c, &st, sizeof(st));
	op_set(f, "STATS flags=%#x arg=%d%s", st.flags, c->ak, bad < 0 ? " random" : "");
	expect_for(f, c, quirk, sizeof(st), bad);

	ret = ioctl(fd, SCAV_IOC_STATS, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (quirk)
		return err == quirk ? 0 : fail(f, "%s, not %s", strerror(err), strerror(quirk));
	if (c->expect == -1)
		return err && !documented(SCAV_IOC_STATS, err) ?
		       fail(f, "undocumented error %s", strerror(err)) : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (err)
		return 0;
	memcpy(&out, c->arg, sizeof(out));
	if (reserved_out(f, out.__reserved, 5))
		return -1;
	if (out.idle_bytes != idle_in(f, 0, UINT64_MAX - 1))
		return fail(f, "idle %llu, the model says %llu", (unsigned long long)out.idle_bytes,
			    (unsigned long long)idle_in(f, 0, UINT64_MAX - 1));
	if (!(st.flags & SCAV_STATS_RESIDENT) &&
	    (out.idle_resident_bytes || out.lazyfree_bytes || out.used_rss_bytes))
		return fail(f, "walked figures without SCAV_STATS_RESIDENT");
	return 0;
}

/* PRESSURE: flags and reserved fields zero, or EINVAL; nothing else out. */
static int fuzz_pressure(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_pressure pr, out;
	int bad, ret, err;

	fill_random(f, &pr, sizeof(pr));
	pr.flags = 0;
	bad = hdr_fields(f, NULL, &pr.__reserved0, pr.__reserved, 4, 0);
	if (!rnd(f, 12)) {
		pr.flags = 1U << rnd(f, 32);
		bad = 1;
	}
	c->ak = pick_ptr(f);
	c->asize = sizeof(pr);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(pr), c->ak, &c->argp);
	put_arg(f, c, &pr, sizeof(pr));
	op_set(f, "PRESSURE flags=%#x arg=%d", pr.flags, c->ak);
	expect_for(f, c, quirk, sizeof(pr), bad);
	ret = ioctl(fd, SCAV_IOC_PRESSURE, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (err)
		return 0;
	memcpy(&out, c->arg, sizeof(out));
	if (out.flags || out.__reserved0)
		return fail(f, "flags %#x, reserved %#x written back", out.flags,
			    out.__reserved0);
	return reserved_out(f, out.__reserved, 4) ? -1 : 0;
}

static int fuzz_version(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_version v;
	int ret, err;

	c->ak = pick_ptr(f);
	c->asize = sizeof(v);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(v), c->ak, &c->argp);
	fill_random(f, &v, sizeof(v));
	put_arg(f, c, &v, sizeof(v));
	op_set(f, "VERSION arg=%d", c->ak);
	c->expect = quirk ? quirk :
		    readable_kind(c->ak, sizeof(v), ARG_PAGES * f->pg) && c->ak != PTR_RO ? 0 :
		    EFAULT;
	ret = ioctl(fd, SCAV_IOC_VERSION, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	if (err)
		return 0;
	memcpy(&v, c->arg, sizeof(v));
	if (v.abi_major != SCAV_ABI_MAJOR || v.max_ranges_per_call != SCAV_MAX_RANGES_PER_CALL ||
	    v.page_size != f->pg || v.__reserved[0] || (v.features & ~0x7fULL) ||
	    v.max_ranges < 2 || !(v.features & SCAV_FEATURE_PAGE_MAP) ||
	    v.map_max_regions != FZ_REGIONS || v.map_chunk_pages < 1 || v.map_word_bytes != 4 ||
	    v.map_max_region_bytes < (__u64)f->pg || v.map_max_bytes_per_user < (__u64)f->pg)
		return fail(f, "odd answer: abi %u.%u features %llx per call %u max %u page %u",
			    v.abi_major, v.abi_minor, (unsigned long long)v.features,
			    v.max_ranges_per_call, v.max_ranges, v.page_size);
	return 0;
}

/* An ioctl number that is none of scav's: ENOTTY, whatever the argument. */
static int fuzz_unknown(struct fz *f, struct call *c, int fd, int quirk)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE,
					     _IOC_READ | _IOC_WRITE };
	unsigned int cmd, i, type;
	int ret, err, known;

	do {
		type = rnd(f, 4) ? SCAV_IOC_MAGIC - 1 + rnd(f, 3) : 0xa0 + rnd(f, 0x60);
		if (rnd(f, 3) == 0) {
			/* A known command with another size or direction. */
			cmd = known_cmds[rnd(f, NR_KNOWN_CMDS)];
			cmd = _IOC(dirs[rnd(f, 4)], _IOC_TYPE(cmd), _IOC_NR(cmd),
				   rnd(f, 2) ? _IOC_SIZE(cmd) + 8 : rnd(f, 1 << 14));
		} else {
			cmd = _IOC(dirs[rnd(f, 4)], type, rnd(f, 256), rnd(f, 2) ? rnd(f, 256) :
				   rnd(f, 1 << 14));
		}
		for (known = 0, i = 0; i < NR_KNOWN_CMDS; i++)
			known |= cmd == known_cmds[i];
	} while (known);
	c->ak = pick_ptr(f);
	c->arg = place(f, f->arg, ARG_PAGES, 64, c->ak, &c->argp);
	c->asize = 64;
	fill_random(f, c->argcopy, 64);
	put_arg(f, c, c->argcopy, 64);
	op_set(f, "ioctl %#x arg=%d", cmd, c->ak);
	c->expect = quirk ? quirk : ENOTTY;
	ret = ioctl(fd, cmd, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    strerror(c->expect));
	return 0;
}

/* The model's region that [@a, @a + @l) overlaps, or -1. */
static int region_overlap(const struct fz *f, uint64_t a, uint64_t l)
{
	int i;

	for (i = 0; i < FZ_REGIONS; i++)
		if (f->reg[i].used && f->reg[i].addr < a + l && a < f->reg[i].addr + f->reg[i].len)
			return i;
	return -1;
}

static int regions_used(const struct fz *f)
{
	int i, n = 0;

	for (i = 0; i < FZ_REGIONS; i++)
		n += f->reg[i].used;
	return n;
}

/*
 * MAP_REGION: register a range as REPORT would take it (the arena's pages,
 * and all the ranges REPORT must refuse), or drop a region by index.  The
 * model knows the answer: EINVAL for a field or range that is wrong, then
 * EEXIST for an overlap, ENOSPC with every slot taken, then REPORT's error
 * for the memory; a registration whose answer cannot be written back
 * (a read-only argument) fails with EFAULT and leaves no region.  The
 * map is never mapped here: no word is ever idle, and nothing is touched.
 */
static int fuzz_map_region(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_map_region a, out;
	int ret, err, want = 0, drop = !rnd(f, 4), o;
	struct gr r;

	memset(&a, 0, sizeof(a));
	gen_range(f, &r, 1);
	if (drop) {
		a.flags = SCAV_MAP_DROP;
		a.index = rnd(f, 3) ? rnd(f, FZ_REGIONS) : rnd(f, 2) ? FZ_REGIONS + rnd(f, 8) :
			  (uint32_t)rnd64(f);
		if (!rnd(f, 10)) {
			a.addr = r.addr;
			a.len = r.len;
		}
	} else {
		a.addr = r.addr;
		a.len = r.len;
		if (!rnd(f, 12))
			a.index = 1 + rnd(f, 100);
	}
	if (!rnd(f, 12))
		a.flags |= 2U << rnd(f, 31);
	if (!rnd(f, 12)) {
		switch (rnd(f, 4)) {
		case 0: a.map_offset = rnd64(f) | 1; break;
		case 1: a.map_size = f->pg; break;
		case 2: a.summary_offset = 4; break;
		default: a.__reserved[rnd(f, 2)] = 1ULL << rnd(f, 64); break;
		}
	}
	c->ak = pick_ptr(f);
	c->asize = sizeof(a);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(a), c->ak, &c->argp);
	put_arg(f, c, &a, sizeof(a));
	op_set(f, "MAP_REGION flags=%#x index=%u addr=%#llx len=%#llx arg=%d", a.flags, a.index,
	       (unsigned long long)a.addr, (unsigned long long)a.len, c->ak);

	o = region_overlap(f, a.addr, a.len);
	if ((a.flags & ~SCAV_MAP_DROP) || a.map_offset || a.map_size || a.summary_offset ||
	    a.__reserved[0] || a.__reserved[1])
		want = EINVAL;
	else if (drop)
		want = a.addr || a.len || a.index >= FZ_REGIONS || !f->reg[a.index].used ? EINVAL : 0;
	else if (a.index || !r.valid || a.len > (64ULL << 30))
		want = EINVAL;
	else if (o >= 0)
		want = EEXIST;
	else if (regions_used(f) == FZ_REGIONS)
		want = ENOSPC;
	else
		want = r.report_err;
	if (quirk)
		c->expect = quirk;
	else if (!readable_kind(c->ak, sizeof(a), ARG_PAGES * f->pg))
		c->expect = EFAULT;
	else
		c->expect = want ? want : c->ak == PTR_RO && !drop ? EFAULT : 0;

	ret = ioctl(fd, SCAV_IOC_MAP_REGION, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	f->n_regions_full += err == ENOSPC;
	if (err)
		return 0;
	if (drop) {
		f->reg[a.index].used = 0;
		return 0;
	}
	memcpy(&out, c->arg, sizeof(out));
	if (out.index >= FZ_REGIONS || f->reg[out.index].used ||
	    out.map_offset != (uint64_t)out.index << 32 || out.map_size % f->pg ||
	    out.summary_offset < a.len / f->pg * 4 || out.summary_offset % 4 ||
	    out.summary_offset >= out.map_size || out.addr != a.addr || out.len != a.len ||
	    out.flags || out.__reserved[0] || out.__reserved[1])
		return fail(f, "odd answer: index %u offset %#llx size %llu summary at %llu",
			    out.index, (unsigned long long)out.map_offset,
			    (unsigned long long)out.map_size,
			    (unsigned long long)out.summary_offset);
	f->reg[out.index].addr = a.addr;
	f->reg[out.index].len = a.len;
	f->reg[out.index].used = 1;
	f->n_regions++;
	return 0;
}

/*
 * MAP_WAIT: no word is ever BUSY here (none is ever idle), so a wait on a
 * range inside a region returns at once; anything else is EINVAL.
 */
static int fuzz_map_wait(struct fz *f, struct call *c, int fd, int quirk)
{
	struct scav_map_wait w;
	int ret, err, want, sure, i = rnd(f, FZ_REGIONS);
	struct gr r;

	memset(&w, 0, sizeof(w));
	gen_range(f, &r, 0);
	w.addr = r.addr;
	w.len = r.len;
	w.index = i;
	if (f->reg[i].used && rnd(f, 2)) {
		uint64_t pages = f->reg[i].len / f->pg, s = rnd(f, pages);

		w.addr = f->reg[i].addr + s * f->pg;
		w.len = (1 + rnd(f, pages - s)) * f->pg;
		if (!rnd(f, 8))
			w.len += f->pg;		/* past its end */
	}
	if (!rnd(f, 12))
		w.index = FZ_REGIONS + rnd64(f) % 1000;
	want = !range_valid(w.addr, w.len, f->pg, &sure) || w.index >= FZ_REGIONS ||
	       !f->reg[w.index].used || w.addr < f->reg[w.index].addr ||
	       w.addr + w.len > f->reg[w.index].addr + f->reg[w.index].len ? EINVAL : 0;
	if (!rnd(f, 12)) {
		if (rnd(f, 2))
			w.flags = 1U << rnd(f, 32);
		else
			w.__reserved[rnd(f, 2)] = 1ULL << rnd(f, 64);
		want = EINVAL;
	}
	c->ak = pick_ptr(f);
	c->asize = sizeof(w);
	c->arg = place(f, f->arg, ARG_PAGES, sizeof(w), c->ak, &c->argp);
	put_arg(f, c, &w, sizeof(w));
	op_set(f, "MAP_WAIT index=%u addr=%#llx len=%#llx flags=%#x arg=%d", w.index,
	       (unsigned long long)w.addr, (unsigned long long)w.len, w.flags, c->ak);
	/* It only reads its argument: a read-only one is as good. */
	c->expect = quirk ? quirk : !readable_kind(c->ak, sizeof(w), ARG_PAGES * f->pg) ?
		    EFAULT : want;
	ret = ioctl(fd, SCAV_IOC_MAP_WAIT, (void *)(uintptr_t)c->argp);
	err = ret ? errno : 0;
	if (err != c->expect)
		return fail(f, "returned %s, expected %s", err ? strerror(err) : "success",
			    c->expect ? strerror(c->expect) : "success");
	return 0;
}

/*
 * One random ioctl on @fd; @quirk is the error every call must get (EPERM
 * from a fork child, EBADF on an ended session) or 0.
 */
static int fuzz_ioctl(struct fz *f, int fd, int quirk)
{
	static int (*const fn[])(struct fz *, struct call *, int, int) = {
		fuzz_version, fuzz_report, fuzz_claim, fuzz_reclaim, fuzz_stats,
		fuzz_unknown, fuzz_pressure, fuzz_map_region, fuzz_map_wait,
	};
	static struct call c;
	unsigned int k = rnd(f, 9);
	char *arg_keep;
	int ret;

	memset(&c, 0, sizeof(c));
	fill_args(f);
	f->n_ioctl[k]++;
	ret = fn[k](f, &c, fd, quirk);
	if (ret)
		return ret;
	if (c.ak == PTR_RO && c.arg &&
	    untouched(f, f->ro, 1, f->ro, c.asize, "read-only page"))
		return -1;
	if (c.ak == PTR_RO && c.arg && c.asize &&
	    memcmp(f->ro, c.argcopy, c.asize > sizeof(c.argcopy) ? sizeof(c.argcopy) : c.asize))
		return fail(f, "the kernel wrote into a read-only argument");
	arg_keep = c.arg && c.arg >= f->arg && c.arg < f->arg + ARG_PAGES * f->pg ?
		   c.arg : NULL;
	if (untouched(f, f->arg, ARG_PAGES, arg_keep, c.asize, "argument"))
		return -1;
	/* REPORT only reads its vector; CLAIM writes back at most what it was given. */
	if (k == 1 || !(c.vec >= f->vec && c.vec < f->vec + VEC_PAGES * f->pg))
		return untouched(f, f->vec, VEC_PAGES,
				 k == 1 && c.vec ? c.vec : NULL,
				 k == 1 && c.vec ? c.vsize : 0, "vector");
	return untouched(f, f->vec, VEC_PAGES, c.vec, c.vsize, "vector");
}

/* A fork child's ioctls on the inherited descriptors are all refused. */
static int fuzz_child(struct fz *f)
{
	int status, i;
	pid_t pid = fork();

	if (pid < 0)
		return fail(f, "fork: %s", strerror(errno));
	if (!pid) {
		f->failures = 0;
		for (i = 0; i < 32 && !f->failures; i++)
			fuzz_ioctl(f, rnd(f, 4) ? f->fd : f->ended, EPERM);
		_exit(!!f->failures);
	}
	f->rng += 32;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return fail(f, "a fork child's ioctls were not all refused with EPERM");
	f->n_eperm_kids++;
	return 0;
}

/* ---- netlink */

static int nl_socket(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC), one = 1;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int nl_family(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	int id = -1;

	if (sk && !genl_connect(sk))
		id = genl_ctrl_resolve(sk, SCAV_GENL_NAME);
	nl_socket_free(sk);
	return id;
}

#define NLBUF (1 << 17)

struct nlreq {
	unsigned char b[NLBUF];
	size_t len;
};

static void nl_put(struct nlreq *m, const void *p, size_t len)
{
	if (m->len + len > NLBUF)
		len = NLBUF - m->len;
	memcpy(m->b + m->len, p, len);
	m->len += len;
}

/* An attribute; @lie changes its declared length, @flags ORs into its type. */
static void nl_attr(struct nlreq *m, uint16_t type, const void *p, size_t plen, int lie)
{
	struct nlattr a = { .nla_len = NLA_HDRLEN + plen + lie, .nla_type = type };
	static const char zero[4];

	nl_put(m, &a, sizeof(a));
	nl_put(m, p, plen);
	nl_put(m, zero, NLA_ALIGN(plen) - plen);
}

static const struct { uint64_t min, max; } conf_range[SCAV_CONF_MAX + 1] = {
	[SCAV_CONF_ENABLED] = { 0, 1 },
	[SCAV_CONF_SHRINKER_ENABLED] = { 0, 1 },
	[SCAV_CONF_IDLE_AGE_MS] = { 0, 604800000 },
	[SCAV_CONF_SCAN_INTERVAL_MS] = { 10, 3600000 },
	[SCAV_CONF_QUOTA_BYTES_PER_SEC] = { 0, 1ULL << 40 },
	[SCAV_CONF_QUOTA_MS_PER_SEC] = { 0, 1000 },
	[SCAV_CONF_MAX_RANGES_PER_SESSION] = { 2, 16777216 },
	[SCAV_CONF_MAX_RANGES_TOTAL] = { 2, 268435456 },
	[SCAV_CONF_MAX_RANGES_PER_USER] = { 2, 268435456 },
	[SCAV_CONF_MAX_SESSIONS_PER_USER] = { 1, 1048576 },
};

static uint64_t pick_value(struct fz *f, int key)
{
	uint64_t lo = key > 1 && key <= SCAV_CONF_MAX ? conf_range[key].min : 0;
	uint64_t hi = key > 1 && key <= SCAV_CONF_MAX ? conf_range[key].max : UINT64_MAX;

	switch (rnd(f, 6)) {
	case 0: return lo;
	case 1: return hi;
	case 2: return hi + 1;
	case 3: return lo ? lo - 1 : UINT64_MAX;
	case 4: return rnd64(f);
	default: return hi - lo + 1 ? lo + rnd64(f) % (hi - lo + 1) : rnd64(f);
	}
}

/* The nest of tunables: random keys, sizes and values. */
static void nl_config(struct fz *f, struct nlreq *m)
{
	struct nlreq *inner = calloc(1, sizeof(*inner));
	unsigned int n = rnd(f, 5), i;

	if (!inner)
		return;
	for (i = 0; i < n; i++) {
		int key = rnd(f, 8) ? 2 + rnd(f, SCAV_CONF_MAX - 1) : rnd(f, SCAV_CONF_MAX + 4);
		uint64_t v = pick_value(f, key);
		static const size_t sizes[] = { 8, 8, 8, 8, 0, 4, 12, 1 };
		size_t sz = sizes[rnd(f, 8)];
		unsigned char p[16];

		memcpy(p, &v, 8);
		fill_random(f, p + 8, 8);
		nl_attr(inner, key | (rnd(f, 20) ? 0 : NLA_F_NESTED), p, sz,
			rnd(f, 20) ? 0 : (int)rnd(f, 9) - 4);
	}
	nl_attr(m, SCAV_A_CONFIG | (rnd(f, 5) ? NLA_F_NESTED : 0), inner->b, inner->len,
		rnd(f, 20) ? 0 : (int)rnd(f, 9) - 4);
	free(inner);
}

static void nl_attrs(struct fz *f, struct nlreq *m, int cmd)
{
	unsigned int n = rnd(f, 4), i;

	if (cmd == SCAV_CMD_SET_CONFIG && rnd(f, 4))
		nl_config(f, m);
	if (cmd == SCAV_CMD_RECLAIM && rnd(f, 3)) {
		uint32_t pid = rnd(f, 2) ? getpid() : rnd(f, 2) ? 1 : (uint32_t)rnd64(f);

		if (rnd(f, 4))
			nl_attr(m, SCAV_A_PID, &pid, 4, 0);
		else
			nl_attr(m, SCAV_A_ALL, NULL, 0, 0);
	}
	for (i = 0; i < n; i++) {
		unsigned char p[64];
		int type = rnd(f, SCAV_A_MAX + 4);
		size_t sz = rnd(f, 3) ? 4 * rnd(f, 3) : rnd(f, sizeof(p));
		uint32_t v = rnd(f, 2) ? rnd(f, 4) : (uint32_t)rnd64(f);

		if (type == SCAV_A_CONFIG && rnd(f, 2)) {
			nl_config(f, m);
			continue;
		}
		fill_random(f, p, sizeof(p));
		memcpy(p, &v, 4);
		nl_attr(m, type | (rnd(f, 20) ? 0 : NLA_F_NESTED), p, sz,
			rnd(f, 20) ? 0 : (int)rnd(f, 9) - 4);
	}
	if (!rnd(f, 30)) {	/* an oversized attribute */
		size_t big = 1 + rnd(f, NLBUF / 2);
		unsigned char *p = calloc(1, big);

		if (p) {
			nl_attr(m, rnd(f, SCAV_A_MAX + 2), p, big, 0);
			free(p);
		}
	}
}

static int nl_documented(int cmd, int err, int root)
{
	switch (err) {
	case EINVAL: case ERANGE: case EOPNOTSUPP:
		return 1;
	case EPERM:
		return cmd == SCAV_CMD_RECLAIM || cmd == SCAV_CMD_SET_CONFIG ||
		       (cmd == SCAV_CMD_GET_STATS && !root);
	case ESRCH: case ENOENT: case EINTR:
		return cmd == SCAV_CMD_RECLAIM;
	}
	return 0;
}

/* Attributes within bounds, in every message of a reply. */
static int nl_reply_sane(struct fz *f, const unsigned char *b, size_t len)
{
	const struct nlmsghdr *h = (const void *)b;
	const struct nlattr *a;
	size_t off;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return fail(f, "a reply of %zu bytes", len);
	for (off = NLMSG_HDRLEN + GENL_HDRLEN; off < h->nlmsg_len;
	     off += NLA_ALIGN(a->nla_len)) {
		a = (const void *)(b + off);
		if (off + NLA_HDRLEN > h->nlmsg_len || a->nla_len < NLA_HDRLEN ||
		    off + a->nla_len > h->nlmsg_len)
			return fail(f, "a reply's attribute at %zu runs past its message", off);
	}
	return 0;
}

/*
 * Send one request and collect what comes back for it: the final error
 * (or 0), and whether anything final came at all.  A request the kernel
 * drops silently gets nothing; a second request, always answered, tells
 * when to stop waiting.
 */
static int nl_exchange(struct fz *f, struct nlreq *m, uint32_t seq, int *err,
		       int *final, unsigned int *replies)
{
	static unsigned char rb[NLBUF + (1 << 16)];	/* an error echoes the request */
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	uint32_t sync = 0;
	int sent_sync = 0;

	*final = 0;
	*replies = 0;
	*err = 0;
	if (sendto(f->nl, m->b, m->len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		*err = errno;
		*final = -1;
		return 0;
	}
	for (;;) {
		struct pollfd p = { .fd = f->nl, .events = POLLIN };
		ssize_t n;
		size_t off;

		if (poll(&p, 1, 50) <= 0) {
			struct {
				struct nlmsghdr h;
				struct genlmsghdr g;
			} s = {
				.h = { .nlmsg_len = sizeof(s), .nlmsg_type = f->family,
				       .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
				       .nlmsg_seq = sync = ++f->seq },
				.g = { .cmd = SCAV_CMD_GET_CONFIG, .version = 1 },
			};

			if (sent_sync++)
				return fail(f, "no answer from the kernel");
			if (sendto(f->nl, &s, sizeof(s), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
				return fail(f, "send: %s", strerror(errno));
			continue;
		}
		n = recv(f->nl, rb, sizeof(rb), 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EINTR)
				continue;
			return fail(f, "recv: %s", strerror(errno));
		}
		for (off = 0; off + NLMSG_HDRLEN <= (size_t)n;) {
			const struct nlmsghdr *h = (const void *)(rb + off);

			if (h->nlmsg_len < NLMSG_HDRLEN || off + h->nlmsg_len > (size_t)n)
				return fail(f, "a reply message of %u bytes in %zd", h->nlmsg_len, n);
			if (sync && h->nlmsg_seq == sync) {
				if (h->nlmsg_type == NLMSG_ERROR)
					return 0;
			} else if (h->nlmsg_seq == seq) {
				if (h->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *e = NLMSG_DATA(h);

					*err = -e->error;
					*final = 1;
				} else if (h->nlmsg_type == NLMSG_DONE) {
					*final = 1;
					if (h->nlmsg_len >= NLMSG_HDRLEN + 4)
						*err = -*(const int *)NLMSG_DATA(h);
				} else {
					++*replies;
					if (nl_reply_sane(f, rb + off, h->nlmsg_len))
						return -1;
				}
			}
			off += NLMSG_ALIGN(h->nlmsg_len);
		}
		if (*final && !sent_sync)
			return 0;
	}
}

static int fuzz_netlink(struct fz *f)
{
	static struct nlreq m;
	struct nlmsghdr *h = (struct nlmsghdr *)m.b;
	struct genlmsghdr *g = (struct genlmsghdr *)(m.b + NLMSG_HDRLEN);
	int cmd, flags, err, final, lie = 0, admin, mismatch, drop = 0;
	unsigned int allow = 0;	/* bits: EINVAL, EOPNOTSUPP, EPERM */
	unsigned int replies, k = rnd(f, 8);
	uint32_t seq = ++f->seq;

	cmd = k < 6 ? (int)k : rnd(f, 2) ? 0 : 6 + rnd(f, 250);
	flags = NLM_F_REQUEST | (rnd(f, 10) ? NLM_F_ACK : 0);
	if (cmd == SCAV_CMD_GET_SESSIONS ? rnd(f, 8) : !rnd(f, 8))
		flags |= NLM_F_DUMP;
	if (!rnd(f, 20))
		flags = rnd(f, 1 << 16) & ~NLM_F_REQUEST;
	memset(&m, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	m.len = NLMSG_HDRLEN + GENL_HDRLEN;
	g->cmd = cmd;
	g->version = rnd(f, 4) ? SCAV_GENL_VERSION : rnd(f, 256);
	g->reserved = rnd(f, 15) ? 0 : 1 + rnd(f, 0xfffe);
	if (!rnd(f, 10)) {
		size_t junk = rnd(f, 64);

		fill_random(f, m.b + m.len, junk);
		m.len += junk;
	} else {
		nl_attrs(f, &m, cmd);
	}
	if (!rnd(f, 20))	/* a header cut short */
		m.len = NLMSG_HDRLEN + rnd(f, GENL_HDRLEN);
	h->nlmsg_len = m.len;
	if (!rnd(f, 20)) {
		/*
		 * A length that lies: longer than sent (dropped), or shorter by
		 * less than a header (the rest is ignored, never parsed as a
		 * second message that could reach another family).
		 */
		lie = rnd(f, 2) ? 1 + rnd(f, 64) : -(int)(1 + rnd(f, 3));
		if (lie < 0 && m.len < NLMSG_HDRLEN + (size_t)-lie)
			lie = 0;
		h->nlmsg_len = m.len + lie;
	}
	h->nlmsg_type = f->family;
	h->nlmsg_flags = flags;
	h->nlmsg_seq = seq;
	f->n_nl[cmd < 6 ? cmd : 6]++;
	op_set(f, "netlink cmd=%d flags=%#x len=%zu%+d reserved=%u", cmd, flags, m.len, lie,
	       g->reserved);

	/*
	 * What the kernel must answer, where the header decides it (genetlink
	 * looks up the command, the capability and the reserved field in an
	 * order that differs between kernels: any of their errors).
	 */
	admin = cmd == SCAV_CMD_RECLAIM || cmd == SCAV_CMD_SET_CONFIG;
	mismatch = (cmd == SCAV_CMD_GET_SESSIONS) != ((flags & NLM_F_DUMP) == NLM_F_DUMP);
	if (lie > 0 || !(flags & NLM_F_REQUEST) || h->nlmsg_len < NLMSG_HDRLEN) {
		drop = 1;
	} else if (h->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
		allow = 1u << 0;
	} else if (cmd < 1 || cmd > SCAV_CMD_SET_CONFIG) {
		allow = 1u << 1 | (g->reserved ? 1u << 0 : 0);
	} else if (mismatch || (!f->root && admin) || g->reserved) {
		allow = (mismatch ? 1u << 1 : 0) | (!f->root && admin ? 1u << 2 : 0) |
			(g->reserved ? 1u << 0 : 0);
	}

	if (nl_exchange(f, &m, seq, &err, &final, &replies))
		return -1;
	if (final < 0) {
		/* Too big to send: fine, as long as it was big. */
		if (err != EMSGSIZE && err != ENOBUFS)
			return fail(f, "send: %s", strerror(err));
		return 0;
	}
	if (drop) {
		if (err)
			return fail(f, "a request the kernel should drop got %s", strerror(err));
		return 0;
	}
	if (!final && ((flags & NLM_F_ACK) || (flags & NLM_F_DUMP) == NLM_F_DUMP || err))
		return fail(f, "no final answer (%u replies)", replies);
	if (allow && !((err == EINVAL && allow & 1) || (err == EOPNOTSUPP && allow & 2) ||
		       (err == EPERM && allow & 4)))
		return fail(f, "%s, expected %s%s%s", err ? strerror(err) : "success",
			    allow & 1 ? "EINVAL " : "", allow & 2 ? "EOPNOTSUPP " : "",
			    allow & 4 ? "EPERM" : "");
	if (err && !nl_documented(cmd, err, f->root))
		return fail(f, "undocumented error %s", strerror(err));
	if (cmd == SCAV_CMD_SET_CONFIG && !err)
		tunables_restore(&f->conf0);
	return 0;
}

/* ---- the run */

static int fz_setup(struct fz *f, uint64_t seed)
{
	memset(f, 0, sizeof(*f));
	f->seed = seed;
	f->rng = seed ^ (uint64_t)geteuid() << 32;
	f->pg = pagesz();
	f->root = geteuid() == 0;
	f->fd = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (f->fd < 0 || setup_memory(f))
		return -1;
	/* A session its owner ended, through one of two descriptors. */
	f->ended = open(SCAV_DEVICE_PATH, O_RDWR | O_CLOEXEC);
	if (f->ended >= 0) {
		int d = dup(f->ended);

		close(f->ended);
		f->ended = d;
	}
	if (f->ended < 0)
		return -1;
	f->family = nl_family();
	f->nl = f->family > 0 ? nl_socket() : -1;
	if (f->root)
		tunables_save(&f->conf0);
	f->maps0 = maps_read();
	return 0;
}

static void fz_run(struct fz *f, double seconds)
{
	double end = now_s() + seconds;

	while (now_s() < end && !f->failures) {
		unsigned int r = rnd(f, 100);

		f->iter++;
		if (r < 65)
			fuzz_ioctl(f, f->fd, 0);
		else if (r < 70)
			fuzz_ioctl(f, f->ended, EBADF);
		else if (r < 71)
			fuzz_child(f);
		else if (f->nl >= 0)
			fuzz_netlink(f);
		if (!(f->iter % 256) && !f->failures)
			check_memory(f, 0);
	}
	tunables_restore(&f->conf0);
	if (!f->failures)
		check_memory(f, 1);
	/* Claim all back: nothing idle is left behind for the checks. */
	model_reset(f);
	if (!f->failures)
		check_memory(f, 0);
}

static void fz_log(struct fz *f, const char *who)
{
	printf("# fuzz_test %s: %lu iterations: VERSION %lu REPORT %lu CLAIM %lu RECLAIM %lu STATS %lu unknown %lu PRESSURE %lu MAP_REGION %lu (%lu registered, %lu refused with all %d taken) MAP_WAIT %lu; netlink UNSPEC %lu GET_SESSIONS %lu GET_STATS %lu RECLAIM %lu GET_CONFIG %lu SET_CONFIG %lu other %lu; %lu fork children refused\n",
	       who, f->iter, f->n_ioctl[0], f->n_ioctl[1], f->n_ioctl[2], f->n_ioctl[3],
	       f->n_ioctl[4], f->n_ioctl[5], f->n_ioctl[6], f->n_ioctl[7], f->n_regions,
	       f->n_regions_full, FZ_REGIONS,
	       f->n_ioctl[8], f->n_nl[0], f->n_nl[1], f->n_nl[2], f->n_nl[3],
	       f->n_nl[4], f->n_nl[5], f->n_nl[6], f->n_eperm_kids);
	if (f->failures)
		printf("# fuzz_test %s: seed=%llu, %d failure(s), first: %s\n", who,
		       (unsigned long long)f->seed, f->failures, f->first);
	fflush(stdout);
}

static uint64_t fuzz_seed(void)
{
	const char *env = getenv("SCAV_FUZZ_SEED");
	uint64_t seed;

	if (env)
		return strtoull(env, NULL, 0);
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ getpid();
	return seed;
}

static double fuzz_seconds(void)
{
	const char *env = getenv("SCAV_FUZZ_SECONDS");
	int s = env ? atoi(env) : 20;

	return s < 2 ? 1 : s / 2.0;
}

FIXTURE(fuzz) {
	struct fz *f;
	uint64_t seed;
};

FIXTURE_SETUP(fuzz)
{
	if (access(SCAV_DEVICE_PATH, F_OK))
		SETUP_SKIP("%s: %s (scav.ko not loaded)", SCAV_DEVICE_PATH,
			   strerror(errno));
	self->f = calloc(1, sizeof(*self->f));
	ASSERT_NE(NULL, self->f);
	self->seed = fuzz_seed();
}

FIXTURE_TEARDOWN(fuzz)
{
	free(self->f);
}

TEST_F_TIMEOUT(fuzz, every_ioctl_and_command_as_root, 900)
{
	struct fz *f = self->f;

	if (geteuid())
		SKIP(return, "needs root");
	ksft_print_msg("fuzz_test: seed=%llu (SCAV_FUZZ_SEED=%llu repeats it) as root, %.0f s\n",
		       (unsigned long long)self->seed, (unsigned long long)self->seed,
		       fuzz_seconds());
	ASSERT_EQ(0, fz_setup(f, self->seed));
	if (f->nl < 0)
		ksft_print_msg("fuzz_test: no scav netlink family; ioctls only\n");
	fz_run(f, fuzz_seconds());
	fz_log(f, "root");
	EXPECT_EQ(0, f->failures);
	EXPECT_LT(0, f->iter);
}

TEST_F_TIMEOUT(fuzz, every_ioctl_and_command_as_nobody, 900)
{
	struct fz *f = self->f;
	char v[32];

	if (geteuid())
		SKIP(return, "needs root to become nobody");
	ASSERT_EQ(0, setgroups(0, NULL));
	ASSERT_EQ(0, setgid(NOBODY));
	ASSERT_EQ(0, setuid(NOBODY));
	/* The tunables are root's: a write fails and changes nothing. */
	snprintf(v, sizeof(v), "%lld", knob_read("idle_age_ms"));
	EXPECT_EQ(-EACCES, knob_write("idle_age_ms", "1"));
	EXPECT_EQ(atoll(v), knob_read("idle_age_ms"));
	ksft_print_msg("fuzz_test: seed=%llu (SCAV_FUZZ_SEED=%llu repeats it) as uid %d, %.0f s\n",
		       (unsigned long long)self->seed, (unsigned long long)self->seed,
		       NOBODY, fuzz_seconds());
	ASSERT_EQ(0, fz_setup(f, self->seed));
	fz_run(f, fuzz_seconds());
	fz_log(f, "nobody");
	EXPECT_EQ(0, f->failures);
	EXPECT_LT(0, f->iter);
	EXPECT_EQ(atoll(v), knob_read("idle_age_ms"));
}

TEST_HARNESS_MAIN

// SPDX-License-Identifier: MIT
/*
 * libscav-jemalloc: jemalloc 5 gives the memory it purges to scav, with no
 * rebuild of jemalloc or of the program.  Loaded with LD_PRELOAD, it
 * replaces the extent hooks of every arena (mallctl "arena.<i>.extent_hooks")
 * with hooks that chain to the originals for all but two:
 *
 * decommit  reports the extent idle to scav.  It succeeds only if the report
 *           did; otherwise jemalloc falls back to its own purge (MADV_DONTNEED
 *           through purge_forced), as without the shim.
 * commit    claims the extent back, and makes it read as zeros: jemalloc
 *           calls commit before it reuses a decommitted extent and then
 *           assumes zeros (it skips zeroing calloc() memory).  Pages scav
 *           discarded are zeros already; if anything was kept, or was not
 *           idle in the session, the range is cleared here.
 *
 * purge_lazy declines (jemalloc reuses lazily purged extents with no hook
 * at all, so it cannot be told "kept or discarded"), and so does dalloc,
 * as jemalloc's own retain does, so that freed extents stay mapped and go
 * through decommit.
 *
 * An explicit purge (mallctl "arena.<i>.purge": Redis's MEMORY PURGE and
 * synchronous FLUSHALL) releases at once, as debug.FreeOSMemory() does for
 * Go: during it decommit declines, so jemalloc purges with MADV_DONTNEED,
 * and afterwards the session's idle memory is discarded.
 *
 * A child of fork() (a daemon detaching, Redis's BGSAVE) opens a session
 * of its own; until it has one, decommit declines and commit clears with
 * MADV_DONTNEED (no copy of shared pages, unlike a memset).  The program's
 * own extent hooks on an arena the shim hooked are refused (EBUSY): they
 * would reuse memory without a claim.  The same holds when the program
 * names these controls by MIB (mallctlnametomib(), mallctlbymib()).
 *
 * It does nothing, and says why with SCAV=debug, without jemalloc 5 in the
 * process, without the module, with SCAV=off, or with overcommit_memory=2
 * or unreadable (where jemalloc maps PROT_NONE and commits for real).  If
 * the session goes away under it (the program closed the descriptor), it
 * clears what it could not claim and stops.
 *
 * Hooks run inside jemalloc, re-entrantly: they never allocate.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <jemalloc/jemalloc.h>

#include "scav.h"

/* Arenas whose hooks this shim knows; an index past it keeps its own. */
#define SJ_ARENAS	4096

typedef int (mallctl_fn)(const char *, void *, size_t *, void *, size_t);
typedef int (mallctlbymib_fn)(const size_t *, size_t, void *, size_t *, void *,
			      size_t);
typedef int (mallctlnametomib_fn)(const char *, size_t *, size_t *);

static mallctl_fn *real_mallctl;
static mallctlbymib_fn *real_mallctlbymib;
/* The MIBs of the controls the shim watches, for mallctlbymib(). */
static size_t sj_mib_purge[3], sj_mib_destroy[3], sj_mib_hooks[3];
static size_t sj_mib_create[2];
static struct scav *sj_session;
static extent_hooks_t *sj_orig[SJ_ARENAS];	/* each arena's own hooks */
static extent_hooks_t *sj_default;		/* jemalloc's, for new arenas */
static volatile int sj_child;			/* after fork(): not our session */
static int sj_debug;
static unsigned int sj_arenas;			/* arenas hooked */

/* The thread is inside an explicit purge: decommit declines. */
static __thread int sj_purging __attribute__((tls_model("initial-exec")));

static extent_hooks_t *orig(unsigned int arena)
{
	extent_hooks_t *h = arena < SJ_ARENAS ? sj_orig[arena] : NULL;

	return h ? h : sj_default;
}

static void *sj_alloc(extent_hooks_t *eh, void *new_addr, size_t size,
		      size_t alignment, bool *zero, bool *commit, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return o->alloc(o, new_addr, size, alignment, zero, commit, arena);
}

static void sj_destroy(extent_hooks_t *eh, void *addr, size_t size,
		       bool committed, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	if (o->destroy)
		o->destroy(o, addr, size, committed, arena);
}

static bool sj_decommit(extent_hooks_t *eh, void *addr, size_t size,
			size_t offset, size_t length, unsigned arena)
{
	struct scav_range r = { (uintptr_t)addr + offset, length };

	(void)eh;
	(void)size;
	(void)arena;
	if (sj_child || sj_purging)
		return true;
	return scav_report(sj_session, &r, 1, 0) != 1;
}

/*
 * The session is gone from under the shim (the program closed its
 * descriptor, or the number now names another file): nothing can be
 * discarded any more, so what the claim could not take back is the
 * program's again, cleared, and decommit declines from now on.
 */
static bool session_lost(int err)
{
	return err == -EBADF || err == -ENOTTY || err == -EPERM || err == -EINVAL;
}

static bool sj_commit(extent_hooks_t *eh, void *addr, size_t size,
		      size_t offset, size_t length, unsigned arena)
{
	struct scav_claim_range c = { (uintptr_t)addr + offset, length, 0, 0 };
	char *p = (char *)addr + offset;
	int tries, ret = -1;

	(void)eh;
	(void)size;
	(void)arena;
	if (sj_child)
		return madvise(p, length, MADV_DONTNEED) != 0;
	/* A claim cut short (ENOMEM, a fatal signal) may simply be repeated. */
	for (tries = 0; tries < 3 && ret != 1; tries++) {
		c.discarded = c.kept = 0;
		ret = scav_claim(sj_session, &c, 1, SCAV_CLAIM_ZERO);
	}
	if (ret != 1 && session_lost(ret)) {
		sj_child = 1;
		return madvise(p, length, MADV_DONTNEED) != 0;
	}
	if (ret != 1)
		return true;	/* still idle: jemalloc leaves it decommitted */
	/*
	 * With SCAV_CLAIM_ZERO the module cleared the kept pages in place
	 * and left the discarded ones unmapped: all of it reads as zeros,
	 * counted as discarded.  Anything else (a module before ABI 1.3, a
	 * range mlock()ed since) is cleared here, with memset as jemalloc
	 * does when the hooks are not its own, which faults in every page.
	 * (Clearing only resident pages would need mincore(), which Debian's
	 * Redis unit does not allow: its seccomp filter kills on it.)
	 */
	if (c.discarded != length)
		memset(p, 0, length);
	return false;
}

static bool sj_purge_forced(extent_hooks_t *eh, void *addr, size_t size,
			    size_t offset, size_t length, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return !o->purge_forced ||
	       o->purge_forced(o, addr, size, offset, length, arena);
}

static bool sj_split(extent_hooks_t *eh, void *addr, size_t size, size_t a,
		     size_t b, bool committed, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return !o->split || o->split(o, addr, size, a, b, committed, arena);
}

static bool sj_merge(extent_hooks_t *eh, void *a, size_t size_a, void *b,
		     size_t size_b, bool committed, unsigned arena)
{
	extent_hooks_t *o = orig(arena);

	(void)eh;
	return !o->merge || o->merge(o, a, size_a, b, size_b, committed, arena);
}

/*
 * dalloc and purge_lazy decline, as NULL would say: a program that reads
 * the hooks and calls them without a check must not jump to NULL.
 */
static bool sj_dalloc(extent_hooks_t *eh, void *addr, size_t size,
		      bool committed, unsigned arena)
{
	(void)eh; (void)addr; (void)size; (void)committed; (void)arena;
	return true;
}

static bool sj_purge_lazy(extent_hooks_t *eh, void *addr, size_t size,
			  size_t offset, size_t length, unsigned arena)
{
	(void)eh; (void)addr; (void)size; (void)offset; (void)length; (void)arena;
	return true;
}

static extent_hooks_t sj_hooks = {
	.alloc = sj_alloc,
	.dalloc = sj_dalloc,
	.destroy = sj_destroy,
	.commit = sj_commit,
	.decommit = sj_decommit,
	.purge_lazy = sj_purge_lazy,
	.purge_forced = sj_purge_forced,
	.split = sj_split,
	.merge = sj_merge,
};

static void say(const char *fmt, const char *what)
{
	if (sj_debug)
		fprintf(stderr, fmt, what);
}

/* Put the hooks on arena @i, keeping the ones it had. */
static int hook_arena(unsigned int i)
{
	extent_hooks_t *old = NULL, *new = &sj_hooks;
	size_t len = sizeof(old);
	char name[64];

	if (i >= SJ_ARENAS)
		return -E2BIG;
	snprintf(name, sizeof(name), "arena.%u.extent_hooks", i);
	/* Known before ours are in: a background thread may use them at once. */
	if (real_mallctl(name, &old, &len, NULL, 0) || !old)
		return -EIO;
	sj_orig[i] = old;
	if (!sj_default)
		sj_default = old;
	if (real_mallctl(name, &old, &len, &new, sizeof(new)))
		return -EIO;
	return 0;
}

/* The controls the shim watches, however the program names them. */
enum sj_ctl { SJ_OTHER, SJ_HOOKS, SJ_PURGE, SJ_CREATE };

static enum sj_ctl sj_ctl_by_name(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n > 19 && !strncmp(name, "arena.", 6) &&
	    !strcmp(name + n - 13, ".extent_hooks"))
		return SJ_HOOKS;
	if (n > 12 && !strncmp(name, "arena.", 6) &&
	    (!strcmp(name + n - 6, ".purge") || !strcmp(name + n - 8, ".destroy")))
		return SJ_PURGE;
	if (n && !strcmp(name, "arenas.create"))
		return SJ_CREATE;
	return SJ_OTHER;
}

/* mib[1], the arena's index, may be any: only the names' other parts count. */
static enum sj_ctl sj_ctl_by_mib(const size_t *mib, size_t miblen)
{
	if (miblen == 3 && mib[0] == sj_mib_hooks[0] && mib[2] == sj_mib_hooks[2])
		return SJ_HOOKS;
	if (miblen == 3 && ((mib[0] == sj_mib_purge[0] && mib[2] == sj_mib_purge[2]) ||
			    (mib[0] == sj_mib_destroy[0] && mib[2] == sj_mib_destroy[2])))
		return SJ_PURGE;
	if (miblen == 2 && mib[0] == sj_mib_create[0] && mib[1] == sj_mib_create[1])
		return SJ_CREATE;
	return SJ_OTHER;
}

/* One call of the program's, by name (@name) or by MIB. */
struct sj_call {
	const char *name;
	const size_t *mib;
	size_t miblen;
};

static int sj_real(const struct sj_call *c, void *oldp, size_t *oldlenp,
		   void *newp, size_t newlen)
{
	if (c->name)
		return real_mallctl(c->name, oldp, oldlenp, newp, newlen);
	return real_mallctlbymib(c->mib, c->miblen, oldp, oldlenp, newp, newlen);
}

/*
 * What the shim does with a control: an explicit purge releases at once,
 * arenas the program creates get the hooks too, and hooks of the program's
 * own on an arena that has the shim's would bypass its claims (reused
 * memory that scav may still discard): refused.
 */
static int sj_ctl(const struct sj_call *c, enum sj_ctl kind, void *oldp,
		  size_t *oldlenp, void *newp, size_t newlen)
{
	int ret;

	if (!sj_arenas || sj_child)
		kind = SJ_OTHER;
	switch (kind) {
	case SJ_HOOKS:
		if (!newp)
			break;
		say("scav-jemalloc: %s\n", "refused a program's extent hooks (EBUSY)");
		return EBUSY;
	case SJ_PURGE:
		/* arena.<i>.destroy unmaps through decommit: as for a purge. */
		sj_purging++;
		ret = sj_real(c, oldp, oldlenp, newp, newlen);
		sj_purging--;
		scav_reclaim(sj_session, 0, 0, NULL);
		return ret;
	case SJ_CREATE:
		if (!newp && oldp && oldlenp && *oldlenp == sizeof(unsigned int)) {
			extent_hooks_t *h = &sj_hooks;

			ret = sj_real(c, oldp, oldlenp, &h, sizeof(h));
			if (!ret && *(unsigned int *)oldp < SJ_ARENAS)
				sj_orig[*(unsigned int *)oldp] = sj_default;
			return ret;
		}
		break;
	case SJ_OTHER:
		break;
	}
	return sj_real(c, oldp, oldlenp, newp, newlen);
}

/* The program's mallctl() and mallctlbymib() come here first (preloaded). */
int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen)
{
	const struct sj_call c = { .name = name };

	if (!real_mallctl) {
		real_mallctl = (mallctl_fn *)dlsym(RTLD_NEXT, "mallctl");
		if (!real_mallctl)
			return ENOENT;
	}
	return sj_ctl(&c, sj_ctl_by_name(name), oldp, oldlenp, newp, newlen);
}

int mallctlbymib(const size_t *mib, size_t miblen, void *oldp, size_t *oldlenp,
		 void *newp, size_t newlen)
{
	const struct sj_call c = { .mib = mib, .miblen = miblen };

	if (!real_mallctlbymib) {
		real_mallctlbymib = (mallctlbymib_fn *)dlsym(RTLD_NEXT, "mallctlbymib");
		if (!real_mallctlbymib)
			return ENOENT;
	}
	return sj_ctl(&c, sj_arenas ? sj_ctl_by_mib(mib, miblen) : SJ_OTHER,
		      oldp, oldlenp, newp, newlen);
}

/*
 * The MIBs of the controls sj_ctl() watches, from jemalloc itself; if it
 * cannot say, mallctlbymib() watches nothing (-1 matches no MIB).
 */
static void sj_mibs(void)
{
	mallctlnametomib_fn *nametomib =
		(mallctlnametomib_fn *)dlsym(RTLD_NEXT, "mallctlnametomib");
	struct { const char *name; size_t *mib; size_t len; } m[] = {
		{ "arena.0.purge", sj_mib_purge, 3 },
		{ "arena.0.destroy", sj_mib_destroy, 3 },
		{ "arena.0.extent_hooks", sj_mib_hooks, 3 },
		{ "arenas.create", sj_mib_create, 2 },
	};
	size_t i, len;

	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		len = m[i].len;
		if (!nametomib || nametomib(m[i].name, m[i].mib, &len) ||
		    len != m[i].len)
			memset(m[i].mib, 0xff, m[i].len * sizeof(size_t));
	}
}

/*
 * After fork() the session is the parent's.  The child (a daemon that
 * forked to detach, or Redis's BGSAVE) opens one of its own, here, after
 * jemalloc's own handler, where allocating is safe; till then, and if that
 * fails, decommit declines and commit clears with MADV_DONTNEED.  Memory
 * the parent had reported is not idle in the new session, so its commit
 * clears it.
 */
static void sj_atfork_child(void)
{
	struct scav *s = NULL;

	sj_child = 1;
	if (scav_open(&s, 0) || scav_is_fallback(s)) {
		if (s)
			scav_close(s);
		return;
	}
	scav_close(sj_session);
	sj_session = s;
	sj_child = 0;
}

__attribute__((constructor))
static void sj_init(void)
{
	const char *env = getenv("SCAV"), *version = NULL;
	unsigned int narenas = 0, i;
	size_t len;
	char buf[8] = "";
	void *volatile p;	/* the compiler may not drop the pair */
	size_t oversize;
	int fd, thp;

	sj_debug = env && !strcmp(env, "debug");
	if (env && !strcmp(env, "off")) {
		say("scav-jemalloc: %s\n", "off (SCAV=off)");
		return;
	}
	real_mallctl = (mallctl_fn *)dlsym(RTLD_NEXT, "mallctl");
	real_mallctlbymib = (mallctlbymib_fn *)dlsym(RTLD_NEXT, "mallctlbymib");
	len = sizeof(version);
	if (!real_mallctl || real_mallctl("version", &version, &len, NULL, 0)) {
		say("scav-jemalloc: %s\n", "off: no jemalloc in this process");
		return;
	}
	if (strncmp(version, "5.", 2)) {
		say("scav-jemalloc: off: jemalloc %s, not 5.x\n", version);
		return;
	}
	fd = open("/proc/sys/vm/overcommit_memory", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = '\0';
		close(fd);
	}
	/* As jemalloc: without 0 or 1 there, it maps PROT_NONE and commits. */
	if (buf[0] != '0' && buf[0] != '1') {
		say("scav-jemalloc: %s\n", "off: vm.overcommit_memory is 2 (or unreadable)");
		return;
	}
	if (scav_open(&sj_session, 0) || scav_is_fallback(sj_session)) {
		say("scav-jemalloc: %s\n", "off: no /dev/scav session (module not loaded?)");
		if (sj_session)
			scav_close(sj_session);
		sj_session = NULL;
		return;
	}
	len = sizeof(narenas);
	if (real_mallctl("opt.narenas", &narenas, &len, NULL, 0))
		narenas = 0;
	/*
	 * Setting an arena's hooks makes it now, not at its first use, and its
	 * first metadata block is a 2 MiB mapping: with transparent huge pages
	 * on, each would be a huge page, resident in full, before main() could
	 * turn them off (Redis does, with PR_SET_THP_DISABLE): 18 MiB for nine
	 * arenas.  Without huge pages while they are made.
	 */
	thp = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (thp == 0)
		prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
	/*
	 * The arena for huge allocations (index narenas) exists only once one
	 * was made; make one, so that its hooks can be set too.
	 */
	len = sizeof(oversize);
	if (real_mallctl("opt.oversize_threshold", &oversize, &len, NULL, 0))
		oversize = 8 << 20;
	if (oversize) {
		p = malloc(oversize);
		free(p);
	}
	for (i = 0; i <= narenas; i++) {
		if (i == narenas && hook_arena(i)) {
			say("scav-jemalloc: %s\n", "no arena for huge allocations (oversize_threshold 0)");
			break;
		}
		if (i < narenas && hook_arena(i)) {
			say("scav-jemalloc: %s\n", "off: jemalloc refused the extent hooks");
			/* Those set stay: they work, but report nothing. */
			sj_child = 1;
			break;
		}
	}
	if (thp == 0)
		prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	if (sj_child)
		return;
	pthread_atfork(NULL, NULL, sj_atfork_child);
	sj_mibs();
	sj_arenas = i;
	if (sj_debug)
		fprintf(stderr, "scav-jemalloc: on, jemalloc %s, %u arenas\n",
			version, sj_arenas);
}

// SPDX-License-Identifier: MIT
/*
 * Fallback mode: no module, so report releases at once with madvise() and a
 * claim answers from a record of what was released.  MADV_DONTNEED'd memory
 * reads as zeros, so it counts as discarded; MADV_FREE'd memory may or may
 * not have been taken by the kernel, so it counts as neither kept nor
 * discarded.  scav_reclaim() turns MADV_FREE'd ranges into discarded ones.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <errno.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "scav_private.h"

struct scav_fb_node {
	uintptr_t start;
	uintptr_t end;
	uint64_t stamp_ms;	/* CLOCK_MONOTONIC when reported */
	int zero;		/* DONTNEED'd: reads as zeros */
};

/* Nodes never overlap, so "overlaps" serves as "equal" for tfind(). */
static int fb_cmp(const void *a, const void *b)
{
	const struct scav_fb_node *x = a, *y = b;

	if (x->end <= y->start)
		return -1;
	if (x->start >= y->end)
		return 1;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int range_valid(uint64_t addr, uint64_t len)
{
	uint64_t page = sysconf(_SC_PAGESIZE);

	return len && !(addr % page) && !(len % page) && addr + len > addr &&
	       addr + len - 1 <= UINTPTR_MAX;
}

static void fb_account(struct scav *s, const struct scav_fb_node *n, int sign)
{
	uint64_t len = n->end - n->start;

	s->idle_bytes += sign * len;
	if (n->zero)
		s->discarded_bytes += sign * len;
	s->nr_ranges += sign;
}

/*
 * Split @n at @at into two nodes.  @n is shortened before the second half
 * goes in: the tree finds nodes by overlap, so while @n still covered it,
 * tsearch() would take the new node for @n and insert nothing.
 */
static int fb_split(struct scav *s, struct scav_fb_node *n, uintptr_t at)
{
	struct scav_fb_node *m = malloc(sizeof(*m));

	if (!m)
		return -ENOMEM;
	*m = *n;
	m->start = at;
	n->end = at;
	if (!tsearch(m, &s->root, fb_cmp)) {
		n->end = m->end;
		free(m);
		return -ENOMEM;
	}
	s->nr_ranges++;		/* the same bytes, in one node more */
	return 0;
}

/*
 * Remove [start, end) from the record; add what it held to *zero and *lazy.
 * A failure leaves the record and the figures as they were: only a range
 * inside one node needs a split, and then that node is all it touches.
 */
static int fb_remove(struct scav *s, uintptr_t start, uintptr_t end,
		     uint64_t *zero, uint64_t *lazy)
{
	struct scav_fb_node key = { .start = start, .end = end };
	void *p;

	while ((p = tfind(&key, &s->root, fb_cmp))) {
		struct scav_fb_node *n = *(struct scav_fb_node **)p;
		uintptr_t lo = n->start > start ? n->start : start;
		uintptr_t hi = n->end < end ? n->end : end;

		if (n->start < start && n->end > end) {
			int ret = fb_split(s, n, end);

			if (ret)
				return ret;
		}
		*(n->zero ? zero : lazy) += hi - lo;
		fb_account(s, n, -1);
		if (n->start < start) {
			n->end = start;
		} else if (n->end > end) {
			n->start = end;
		} else {
			tdelete(n, &s->root, fb_cmp);
			free(n);
			continue;
		}
		fb_account(s, n, 1);
	}
	return 0;
}

static int fb_record(struct scav *s, uintptr_t start, uintptr_t end, int zero)
{
	struct scav_fb_node *n;
	uint64_t z = 0, l = 0;
	int ret;

	ret = fb_remove(s, start, end, &z, &l);
	if (ret)
		return ret;
	n = malloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->start = start;
	n->end = end;
	n->stamp_ms = now_ms();
	n->zero = zero;
	if (!tsearch(n, &s->root, fb_cmp)) {
		free(n);
		return -ENOMEM;
	}
	fb_account(s, n, 1);
	return 0;
}

int scav_fb_report(struct scav *s, const struct scav_range *ranges,
		   unsigned int nr, unsigned int flags)
{
	int advice = flags & SCAV_RELEASE_LAZY ? MADV_FREE : MADV_DONTNEED;
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < nr; i++) {
		const struct scav_range *r = &ranges[i];

		if (!range_valid(r->addr, r->len)) {
			ret = -EINVAL;
			break;
		}
		if (madvise((void *)(uintptr_t)r->addr, r->len, advice)) {
			ret = -errno;
			break;
		}
		if (flags & SCAV_RELEASE_NOW) {
			/* Given back, nothing to remember, nothing remembered. */
			uint64_t z = 0, l = 0;

			ret = fb_remove(s, r->addr, r->addr + r->len, &z, &l);
		} else {
			ret = fb_record(s, r->addr, r->addr + r->len,
					advice == MADV_DONTNEED);
		}
		if (ret)
			break;
		s->reported_bytes += r->len;
		if (advice == MADV_DONTNEED)
			s->reclaimed_bytes += r->len;
	}
	pthread_mutex_unlock(&s->lock);
	return i ? (int)i : ret;
}

int scav_fb_claim(struct scav *s, struct scav_claim_range *ranges,
		  unsigned int nr)
{
	unsigned int i;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < nr; i++) {
		struct scav_claim_range *c = &ranges[i];
		uint64_t zero = 0, lazy = 0;

		c->discarded = 0;
		c->kept = 0;
		if (!range_valid(c->addr, c->len)) {
			ret = -EINVAL;
			break;
		}
		ret = fb_remove(s, c->addr, c->addr + c->len, &zero, &lazy);
		if (ret)
			break;
		c->discarded = zero;
		s->claimed_discarded_bytes += zero;
	}
	pthread_mutex_unlock(&s->lock);
	return i ? (int)i : ret;
}

struct fb_walk {
	struct scav_fb_node **v;
	size_t n;
	size_t cap;
	int err;
};

static void fb_collect(const void *p, VISIT which, void *closure)
{
	struct scav_fb_node *n = *(struct scav_fb_node *const *)p;
	struct fb_walk *w = closure;

	if ((which != postorder && which != leaf) || n->zero || w->err)
		return;
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 64;
		void *v = realloc(w->v, cap * sizeof(*w->v));

		if (!v) {
			w->err = -ENOMEM;
			return;
		}
		w->v = v;
		w->cap = cap;
	}
	w->v[w->n++] = n;
}

static int by_age(const void *a, const void *b)
{
	const struct scav_fb_node *x = *(void *const *)a, *y = *(void *const *)b;

	return x->stamp_ms < y->stamp_ms ? -1 : x->stamp_ms > y->stamp_ms;
}

int scav_fb_reclaim(struct scav *s, uint64_t min_age_ms, uint64_t max_bytes,
		    uint64_t *bytes)
{
	struct fb_walk w = { 0 };
	uint64_t now = now_ms(), done = 0;
	size_t i;
	int ret = 0;

	if (max_bytes) {
		uint64_t page = sysconf(_SC_PAGESIZE);

		max_bytes = (max_bytes + page - 1) / page * page;
	}
	pthread_mutex_lock(&s->lock);
	twalk_r(s->root, fb_collect, &w);
	ret = w.err;
	if (w.n)	/* with no node, w.v is NULL, which qsort() may not take */
		qsort(w.v, w.n, sizeof(*w.v), by_age);
	for (i = 0; !ret && i < w.n; i++) {
		struct scav_fb_node *n = w.v[i];
		uintptr_t start = n->start, end = n->end;

		if (now - n->stamp_ms < min_age_ms)
			break;
		if (max_bytes && end - start > max_bytes - done)
			end = start + (max_bytes - done);
		if (madvise((void *)start, end - start, MADV_DONTNEED)) {
			ret = -errno;
			break;
		}
		/* Frees n: only the copies above are used from here on. */
		ret = fb_record(s, start, end, 1);
		done += end - start;
		if (max_bytes && done >= max_bytes)
			break;
	}
	s->reclaimed_bytes += done;
	pthread_mutex_unlock(&s->lock);
	free(w.v);
	if (bytes)
		*bytes = done;
	return ret;
}

/*
 * A "Name:   N kB" line of a /proc status file, in bytes: 0 and *bytes
 * set, -ENOENT if the line is another one, -EINVAL if N is not a whole
 * number of kB that fits in 64 bits once in bytes.
 */
int scav_fb_status_bytes(const char *line, const char *name, uint64_t *bytes)
{
	size_t len = strlen(name);
	unsigned long long kb;
	char *end;

	if (strncmp(line, name, len) || line[len] != ':')
		return -ENOENT;
	line += len + 1;
	line += strspn(line, " \t");
	/* strtoull() would take a sign and wrap a negative value around. */
	if (!isdigit((unsigned char)*line))
		return -EINVAL;
	errno = 0;
	kb = strtoull(line, &end, 10);
	if (errno || kb > UINT64_MAX / 1024 ||
	    (strcmp(end, " kB\n") && strcmp(end, " kB")))
		return -EINVAL;
	*bytes = kb * 1024;
	return 0;
}

/* RssAnon from /proc/self/status, in bytes; 0 if unreadable. */
static uint64_t anon_rss(void)
{
	char line[256];
	uint64_t bytes = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (scav_fb_status_bytes(line, "RssAnon", &bytes) != -ENOENT)
			break;
	fclose(f);
	return bytes;
}

/*
 * Resident pages of the MADV_FREE'd ranges, by mincore().  The caller does
 * not write to them before claiming, so every resident one is still lazily
 * freed: the same figure serves for both.
 */
static int fb_resident(struct scav *s, uint64_t *resident)
{
	struct fb_walk w = { 0 };
	size_t page = sysconf(_SC_PAGESIZE), i;
	unsigned char vec[256];

	*resident = 0;
	twalk_r(s->root, fb_collect, &w);
	for (i = 0; !w.err && i < w.n; i++) {
		uintptr_t addr = w.v[i]->start;

		while (addr < w.v[i]->end) {
			size_t n = (w.v[i]->end - addr) / page, j;

			if (n > sizeof(vec))
				n = sizeof(vec);
			if (mincore((void *)addr, n * page, vec)) {
				w.err = -errno;
				break;
			}
			for (j = 0; j < n; j++)
				*resident += (vec[j] & 1) * page;
			addr += n * page;
		}
	}
	free(w.v);
	return w.err;
}

int scav_fb_stats(struct scav *s, struct scav_stats *st)
{
	uint64_t resident = 0;
	int ret = 0;

	pthread_mutex_lock(&s->lock);
	st->idle_bytes = s->idle_bytes;
	st->discarded_bytes = s->discarded_bytes;
	st->lazy_bytes = s->idle_bytes - s->discarded_bytes;
	st->nr_ranges = s->nr_ranges;
	st->reported_bytes = s->reported_bytes;
	st->reclaimed_bytes = s->reclaimed_bytes;
	st->reclaimed_request_bytes = s->reclaimed_bytes;
	st->claimed_kept_bytes = s->claimed_kept_bytes;
	st->claimed_discarded_bytes = s->claimed_discarded_bytes;
	if (st->flags & SCAV_STATS_RESIDENT)
		ret = fb_resident(s, &resident);
	pthread_mutex_unlock(&s->lock);
	st->anon_rss_bytes = anon_rss();
	if (st->flags & SCAV_STATS_RESIDENT) {
		st->idle_resident_bytes = resident;
		st->lazyfree_bytes = resident;
		st->used_rss_bytes = st->anon_rss_bytes > resident ?
				     st->anon_rss_bytes - resident : 0;
	}
	return ret;
}

void scav_fb_destroy(struct scav *s)
{
	tdestroy(s->root, free);
	s->root = NULL;
}

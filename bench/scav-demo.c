// SPDX-License-Identifier: MIT
/*
 * scav-demo: what happens to RSS when an allocator reports idle memory,
 * claims part of it back, and asks for the rest to be reclaimed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "scav.h"

#define MiB (1024UL * 1024)
#define CHUNK MiB

static long rss_anon_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static void show(struct scav *s, const char *step)
{
	struct scav_stats st;

	if (scav_stats(s, SCAV_STATS_RESIDENT, &st)) {
		printf("%-34s RssAnon %6ld kB\n", step, rss_anon_kb());
		return;
	}
	printf("%-34s RssAnon %6ld kB | idle %3llu MiB, %3llu MiB of it resident"
	       " | used anon %3llu MiB\n", step, rss_anon_kb(),
	       (unsigned long long)(st.idle_bytes / MiB),
	       (unsigned long long)(st.idle_resident_bytes / MiB),
	       (unsigned long long)(st.used_rss_bytes / MiB));
}

static int run(unsigned int flags, size_t total, size_t idle)
{
	size_t nchunks = idle / CHUNK, keep = nchunks / 4, i;
	struct scav_claim_range *c = calloc(nchunks, sizeof(*c));
	struct scav_range *r = calloc(nchunks, sizeof(*r));
	uint64_t reclaimed = 0, discarded = 0, kept = 0;
	struct scav *s;
	char *mem;
	int ret;

	ret = scav_open(&s, flags);
	if (ret || !c || !r) {
		fprintf(stderr, "scav_open: %s\n", strerror(-ret));
		return 1;
	}
	printf("\n== %s ==\n", scav_is_fallback(s) ?
	       "fallback: no module, plain madvise(MADV_DONTNEED)" :
	       "module: /dev/scav");
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 0xab, total);
	show(s, "touched 64 MiB");

	for (i = 0; i < nchunks; i++) {
		r[i] = (struct scav_range){ (uintptr_t)mem + i * CHUNK, CHUNK };
		c[i] = (struct scav_claim_range){ (uintptr_t)mem + i * CHUNK, CHUNK };
	}
	ret = scav_report(s, r, nchunks, 0);
	printf("report %zu x 1 MiB idle -> %d\n", nchunks, ret);
	show(s, "after report");

	ret = scav_claim(s, c, keep, 0);
	for (i = 0; i < keep; i++) {
		kept += c[i].kept;
		discarded += c[i].discarded;
	}
	printf("claim %zu MiB back before reclaim -> kept %llu MiB, discarded %llu MiB, data %s\n",
	       keep, (unsigned long long)(kept / MiB),
	       (unsigned long long)(discarded / MiB),
	       (unsigned char)mem[0] == 0xab ? "intact" : "zero");
	show(s, "after early claim");

	ret = scav_reclaim(s, 0, 0, &reclaimed);
	printf("reclaim -> %d, %llu MiB reclaimed\n", ret,
	       (unsigned long long)(reclaimed / MiB));
	show(s, "after reclaim");

	kept = discarded = 0;
	ret = scav_claim(s, c + keep, nchunks - keep, 0);
	for (i = keep; i < nchunks; i++) {
		kept += c[i].kept;
		discarded += c[i].discarded;
	}
	printf("claim the rest -> kept %llu MiB, discarded %llu MiB (reads as zeros: %s)\n",
	       (unsigned long long)(kept / MiB), (unsigned long long)(discarded / MiB),
	       mem[keep * CHUNK] == 0 ? "yes" : "no");
	memset(mem, 0xcd, total);
	show(s, "reused everything");

	munmap(mem, total);
	scav_close(s);
	free(c);
	free(r);
	return 0;
}

static long idle_age_ms(void)
{
	long ms = -1;
	FILE *f = fopen("/sys/kernel/scav/idle_age_ms", "r");

	if (f && fscanf(f, "%ld", &ms) != 1)
		ms = -1;
	if (f)
		fclose(f);
	return ms;
}

/* Report memory idle and do nothing: the module gives it back when it ages. */
static int aging(size_t total)
{
	struct scav_range r;
	struct scav_stats st;
	long age = idle_age_ms(), waited = 0;
	struct scav *s;
	char *mem;

	if (age < 0 || scav_open(&s, 0) || scav_is_fallback(s))
		return 0;
	printf("\n== aging: report %zu MiB idle, then wait (idle_age_ms = %ld) ==\n",
	       total / MiB, age);
	mem = mmap(NULL, total, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return 1;
	memset(mem, 0xab, total);
	r = (struct scav_range){ (uintptr_t)mem, total };
	if (scav_report(s, &r, 1, 0) != 1)
		return 1;
	do {
		char step[64];

		snprintf(step, sizeof(step), "after %5ld ms", waited);
		show(s, step);
		if (scav_stats(s, 0, &st) || st.discarded_bytes == total)
			break;
		usleep(500 * 1000);
		waited += 500;
	} while (waited <= 4 * age + 5000);
	printf("aged out: %llu of %zu MiB, without a call from the process\n",
	       (unsigned long long)(st.reclaimed_age_bytes / MiB), total / MiB);
	munmap(mem, total);
	scav_close(s);
	return st.reclaimed_age_bytes == total ? 0 : 1;
}

int main(void)
{
	int ret = run(0, 64 * MiB, 48 * MiB);

	ret |= aging(32 * MiB);
	return ret | run(SCAV_OPEN_FALLBACK, 64 * MiB, 48 * MiB);
}

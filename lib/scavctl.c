// SPDX-License-Identifier: MIT
/*
 * scavctl: look at scav from the command line.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scav.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: scavctl [--json] COMMAND\n"
		"\n"
		"commands:\n"
		"  version   the module's ABI version and limits, or fallback mode\n"
		"  stats     the figures of scavctl's own session\n");
}

static void print_version(const struct scav *s, const struct scav_version *v,
			  int json)
{
	int fb = scav_is_fallback(s);

	if (json) {
		printf("{\"mode\":\"%s\",\"abi_major\":%u,\"abi_minor\":%u,"
		       "\"features\":%llu,\"max_ranges_per_call\":%u,"
		       "\"max_ranges\":%u,\"page_size\":%u}\n",
		       fb ? "fallback" : "module", v->abi_major, v->abi_minor,
		       (unsigned long long)v->features, v->max_ranges_per_call,
		       v->max_ranges, v->page_size);
		return;
	}
	if (fb) {
		printf("mode:                fallback (no %s: madvise only)\n",
		       SCAV_DEVICE_PATH);
		return;
	}
	printf("mode:                module (%s)\n", SCAV_DEVICE_PATH);
	printf("ABI:                 %u.%u\n", v->abi_major, v->abi_minor);
	printf("ranges per call:     %u\n", v->max_ranges_per_call);
	printf("ranges per session:  %u\n", v->max_ranges);
	printf("page size:           %u\n", v->page_size);
}

static void print_stats(const struct scav_stats *st, int json)
{
	static const char *const names[] = {
		"idle_bytes", "discarded_bytes", "lazy_bytes", "nr_ranges",
		"reported_bytes", "reclaimed_bytes", "reclaimed_request_bytes",
		"reclaimed_age_bytes", "reclaimed_pressure_bytes",
		"claimed_kept_bytes", "claimed_discarded_bytes",
		"forgotten_bytes", "anon_rss_bytes", "idle_resident_bytes",
		"lazyfree_bytes", "used_rss_bytes",
	};
	const unsigned long long v[] = {
		st->idle_bytes, st->discarded_bytes, st->lazy_bytes,
		st->nr_ranges, st->reported_bytes, st->reclaimed_bytes,
		st->reclaimed_request_bytes, st->reclaimed_age_bytes,
		st->reclaimed_pressure_bytes, st->claimed_kept_bytes,
		st->claimed_discarded_bytes, st->forgotten_bytes,
		st->anon_rss_bytes, st->idle_resident_bytes,
		st->lazyfree_bytes, st->used_rss_bytes,
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (json)
			printf("%s\"%s\":%llu", i ? "," : "{", names[i], v[i]);
		else
			printf("%-24s %llu\n", names[i], v[i]);
	}
	if (json)
		printf("}\n");
}

int main(int argc, char **argv)
{
	struct scav_version v;
	struct scav_stats st;
	struct scav *s;
	int json = 0, i = 1, ret;

	if (i < argc && !strcmp(argv[i], "--json")) {
		json = 1;
		i++;
	}
	if (i != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "help")) {
		usage(stdout);
		return 0;
	}
	ret = scav_open(&s, 0);
	if (ret) {
		fprintf(stderr, "scavctl: cannot open %s: %s\n",
			SCAV_DEVICE_PATH, strerror(-ret));
		return 1;
	}
	if (!strcmp(argv[i], "version"))
		ret = scav_version(s, &v);
	else if (!strcmp(argv[i], "stats"))
		ret = scav_stats(s, SCAV_STATS_RESIDENT, &st);
	else {
		fprintf(stderr, "scavctl: unknown command '%s'\n", argv[i]);
		usage(stderr);
		scav_close(s);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "scavctl: %s: %s\n", argv[i], strerror(-ret));
		scav_close(s);
		return 1;
	}
	if (!strcmp(argv[i], "version"))
		print_version(s, &v, json);
	else
		print_stats(&st, json);
	scav_close(s);
	return 0;
}

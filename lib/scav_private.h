/* SPDX-License-Identifier: MIT */
#ifndef SCAV_PRIVATE_H
#define SCAV_PRIVATE_H

#include <pthread.h>
#include <stdint.h>

#include "scav.h"

struct scav {
	int fd;			/* /dev/scav, or -1 in fallback mode */
	uint64_t features;	/* the module's SCAV_FEATURE_* */

	/* Fallback mode: what was released, to answer claims truthfully. */
	pthread_mutex_t lock;
	void *root;		/* tsearch() tree of struct scav_fb_node */
	uint64_t nr_ranges;
	uint64_t idle_bytes;
	uint64_t discarded_bytes;
	uint64_t reported_bytes;
	uint64_t reclaimed_bytes;
	uint64_t claimed_kept_bytes;
	uint64_t claimed_discarded_bytes;
};

int scav_fb_report(struct scav *s, const struct scav_range *ranges,
		   unsigned int nr, unsigned int flags);
int scav_fb_claim(struct scav *s, struct scav_claim_range *ranges,
		  unsigned int nr);
int scav_fb_reclaim(struct scav *s, uint64_t min_age_ms, uint64_t max_bytes,
		    uint64_t *bytes);
int scav_fb_stats(struct scav *s, struct scav_stats *st);
void scav_fb_destroy(struct scav *s);
/* Internal, and here for libscav_test. */
int scav_fb_status_bytes(const char *line, const char *name, uint64_t *bytes);

#endif /* SCAV_PRIVATE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cgroup v2 for the selftests that run programs in memory cgroups of
 * their own (memcg_test, go_test): setup, files, removal.
 */
#ifndef SCAV_CGROUP_H
#define SCAV_CGROUP_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "scav_util.h"

#define CG_ROOT		"/sys/fs/cgroup"
#define CG2_MAGIC	0x63677270

/* cgroup v2 with the memory controller for children, or why not. */
static inline const char *cg_setup(void)
{
	struct statfs fs;

	if (statfs(CG_ROOT, &fs) || fs.f_type != CG2_MAGIC) {
		mkdir(CG_ROOT, 0755);
		if (mount("none", CG_ROOT, "cgroup2", 0, NULL))
			return "cannot mount cgroup2 on " CG_ROOT;
	}
	if (write_file(CG_ROOT "/cgroup.subtree_control", "+memory"))
		return "the memory controller is not available to child cgroups";
	return NULL;
}

static inline void cg_path(char *buf, size_t len, const char *cg, const char *file)
{
	snprintf(buf, len, CG_ROOT "/%s%s%s", cg, file ? "/" : "", file ? file : "");
}

static inline int cg_write(const char *cg, const char *file, const char *value)
{
	char path[256];

	cg_path(path, sizeof(path), cg, file);
	return write_file(path, value);
}

static inline int cg_make(const char *cg, const char *max)
{
	char path[256];

	cg_path(path, sizeof(path), cg, NULL);
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	return max ? cg_write(cg, "memory.max", max) : 0;
}

/* A cgroup's ID: the inode number of its directory. */
static inline uint64_t cg_id(const char *cg)
{
	char path[256];
	struct stat st;

	cg_path(path, sizeof(path), cg, NULL);
	return stat(path, &st) ? 0 : st.st_ino;
}

static inline void cg_remove(const char *cg)
{
	char path[256];

	cg_path(path, sizeof(path), cg, NULL);
	rmdir(path);
}

/* A key of a cgroup's flat-keyed file (memory.events), or -1. */
static inline long long cg_key(const char *cg, const char *file, const char *key)
{
	char path[256], line[256];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f;

	cg_path(path, sizeof(path), cg, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = strtoll(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

#endif /* SCAV_CGROUP_H */

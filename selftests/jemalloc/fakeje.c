// SPDX-License-Identifier: GPL-2.0
/*
 * libfakeje: a mallctl() that answers only "version", with
 * $FAKEJE_VERSION.  Preloaded after libscav-jemalloc, it is the jemalloc
 * the shim finds (dlsym(RTLD_NEXT, "mallctl")), so that jemalloc_test can
 * show the shim a jemalloc that is not 5.x without building one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int mallctl(const char *name, void *oldp, size_t *oldlenp, void *newp,
	    size_t newlen)
{
	const char *v = getenv("FAKEJE_VERSION");

	if (!name || strcmp(name, "version") || newp || newlen || !v)
		return ENOENT;
	if (!oldp || !oldlenp || *oldlenp != sizeof(v))
		return EINVAL;
	*(const char **)oldp = v;
	return 0;
}

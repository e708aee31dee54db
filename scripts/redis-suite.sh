#!/bin/sh
# jemalloc's and Redis's own tests against Debian's libjemalloc2 and
# redis-server on scav (make check-redis).  Both come from the source of the
# Debian packages installed (redis-tools: its redis-check-rdb is
# redis-server by another name), unpacked once into build/redis/ and
# build/jemalloc/, where jemalloc's integration tests are built as Debian
# configures jemalloc.  Each supported kernel boots in the VM
# (scripts/vm.sh KERNEL redis, jobs scripts/guest/jemalloc.sh and redis.sh):
# jemalloc's tests run with libscav-jemalloc preloaded, then Redis's units
# below with every server started through scav-jemalloc.  Prints TAP, then
# "N passed, N failed, N skipped"; exits non-zero on a failure.
#
# apt-get source needs deb-src entries: when the version installed has
# none, they are derived from this machine's own binary sources
# (scripts/apt-source.sh), never from a hard-coded host.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build/redis
out=$top/build/check-redis

# The units: those whose servers free and reuse the most (memory
# efficiency, with active defragmentation; lazy freeing in a thread), fork
# (BGSAVE, DEBUG RELOAD, a child dismissing its memory), flush and purge,
# and check what they read back.  The whole suite takes about 4 minutes
# natively on 2 cores, hours under TCG.  SCAV_REDIS_UNITS chooses others.
SCAV_REDIS_UNITS=${SCAV_REDIS_UNITS:-"unit/other unit/memefficiency unit/lazyfree
	integration/dismiss-mem"}
export SCAV_REDIS_UNITS

# fetch PACKAGE VERSION DIR: the source of Debian's PACKAGE at VERSION
# unpacked into DIR/src, once (DIR/version says which).
fetch() {
	[ -f "$3/version" ] && [ "$(cat "$3/version")" = "$2" ] && [ -d "$3/src" ] && return 0
	rm -rf "$3"
	mkdir -p "$3/dl"
	if ! (cd "$3/dl" && apt-get source -q --download-only "$1=$2"); then
		. "$top/scripts/apt-source.sh"
		src_sources > /etc/apt/sources.list.d/scav-src.list
		echo "redis-suite.sh: deb-src entries derived from this machine's sources:"
		cat /etc/apt/sources.list.d/scav-src.list
		apt-get update -q &&
			(cd "$3/dl" && apt-get source -q --download-only "$1=$2") ||
			return 1
	fi
	dpkg-source -x "$3/dl/$1"_*.dsc "$3/src" || return 1
	echo "$2" > "$3/version"
}

# jemalloc's integration tests, configured with the options Debian's
# debian/rules gives (make -n says which, on this architecture), built
# against that source's headers; they run against Debian's library.
build_jemalloc() {
	[ -f "$je/built" ] && return 0
	(
		cd "$je/src" || exit 1
		opts=$(make -s -f debian/rules -n override_dh_auto_configure |
			sed -n 's/^dh_auto_configure -- //p')
		[ -n "$opts" ] || { echo "no configure options in debian/rules"; exit 1; }
		echo "redis-suite.sh: jemalloc's ./configure $opts"
		# shellcheck disable=SC2086
		./configure $opts && make -j"$(nproc)" tests_integration
	) || return 1
	touch "$je/built"
}

for p in redis-tools libjemalloc2; do
	dpkg-query -W -f='${source:Version}' $p > /dev/null 2>&1 || {
		echo "not ok - $p is not installed (scripts/deps.sh)"
		exit 1
	}
done
ver=$(dpkg-query -W -f='${source:Version}' redis-tools)
je_ver=$(dpkg-query -W -f='${source:Version}' libjemalloc2)
je=$top/build/jemalloc

mkdir -p "$top/build"
if ! { fetch redis "$ver" "$b" && fetch jemalloc "$je_ver" "$je" &&
       build_jemalloc; } > "$b.log" 2>&1; then
	cat "$b.log"
	echo "not ok - the sources of Debian's redis $ver and jemalloc $je_ver (see above)"
	exit 1
fi
[ "${1:-}" = source ] && { echo "redis-suite.sh: $b/src $je/src"; exit 0; }

rm -rf "$out"
mkdir -p "$out"
# The kernels side by side: the suite keeps one vCPU busy at a time, so
# two hosts' cores run two VMs (and the third as one of them finishes)
# nearly as fast as one.  Their TAP follows, one kernel after the other.
# SCAV_REDIS_KERNELS picks some (.ci/run: the newest alone).
kernels=${SCAV_REDIS_KERNELS:-$("$top/scripts/kernels.sh" --all)}
for k in $kernels; do
	(SCAV_VM_REDIS=$b/src SCAV_VM_JEMALLOC=$je/src SCAV_VM_MEM=1024 SCAV_VM_TIMEOUT=1800 \
		"$top/scripts/vm.sh" "$k" redis > "$out/$k.log" 2>&1
	 echo $? > "$out/$k.rc") &
done
wait
for k in $kernels; do
	echo "# ==== kernel $k: jemalloc $je_ver's and Redis $ver's tests on scav-jemalloc"
	cp "$out/$k.log" "$out/$k.tap"
	if [ "$(cat "$out/$k.rc")" != 0 ] && ! grep '^not ok' "$out/$k.tap" | grep -qv '# TODO'; then
		echo "not ok - $k: vm.sh exited with status $(cat "$out/$k.rc")" >> "$out/$k.tap"
	fi
	cat "$out/$k.tap"
done
exec "$top/scripts/tap-summary.sh" "$out"

#!/bin/sh
# Redis's own test suite against Debian's redis-server on scav
# (make check-redis): the suite comes from the source of the Debian package
# installed (redis-tools: its redis-check-rdb is redis-server by another
# name), unpacked once into build/redis/; each supported kernel boots in
# the VM (scripts/vm.sh KERNEL redis, job scripts/guest/redis.sh) and runs
# the units below with every server started through scav-jemalloc.  Prints
# TAP, then "N passed, N failed, N skipped"; exits non-zero on a failure.
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

ver=$(dpkg-query -W -f='${source:Version}' redis-tools 2>/dev/null) || {
	echo "not ok - redis-tools is not installed (scripts/deps.sh)"
	exit 1
}
src=$b/redis-$(echo "${ver#*:}" | sed 's/-[^-]*$//')

fetch() {
	[ -f "$b/version" ] && [ "$(cat "$b/version")" = "$ver" ] &&
		[ -f "$src/runtest" ] && return 0
	rm -rf "$b"
	mkdir -p "$b/dl"
	if ! (cd "$b/dl" && apt-get source -q --download-only "redis=$ver"); then
		. "$top/scripts/apt-source.sh"
		src_sources > /etc/apt/sources.list.d/scav-src.list
		echo "redis-suite.sh: deb-src entries derived from this machine's sources:"
		cat /etc/apt/sources.list.d/scav-src.list
		apt-get update -q &&
			(cd "$b/dl" && apt-get source -q --download-only "redis=$ver") ||
			return 1
	fi
	dpkg-source -x "$b"/dl/redis_*.dsc "$src" || return 1
	echo "$ver" > "$b/version"
}

mkdir -p "$top/build"
if ! fetch > "$b.log" 2>&1; then
	cat "$b.log"
	echo "not ok - the source of Debian's redis $ver (see above)"
	exit 1
fi
[ "${1:-}" = source ] && { echo "redis-suite.sh: $src"; exit 0; }

rm -rf "$out"
mkdir -p "$out"
# The kernels side by side: the suite keeps one vCPU busy at a time, so
# two hosts' cores run two VMs (and the third as one of them finishes)
# nearly as fast as one.  Their TAP follows, one kernel after the other.
kernels=$("$top/scripts/kernels.sh" --all)
for k in $kernels; do
	(SCAV_VM_REDIS=$src SCAV_VM_MEM=1024 SCAV_VM_TIMEOUT=1800 \
		"$top/scripts/vm.sh" "$k" redis > "$out/$k.log" 2>&1
	 echo $? > "$out/$k.rc") &
done
wait
for k in $kernels; do
	echo "# ==== kernel $k: Redis $ver's suite on scav-jemalloc"
	cp "$out/$k.log" "$out/$k.tap"
	if [ "$(cat "$out/$k.rc")" != 0 ] && ! grep -q '^not ok' "$out/$k.tap"; then
		echo "not ok - $k: vm.sh exited with status $(cat "$out/$k.rc")" >> "$out/$k.tap"
	fi
	cat "$out/$k.tap"
done
exec "$top/scripts/tap-summary.sh" "$out"

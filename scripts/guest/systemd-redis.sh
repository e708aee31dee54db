#!/bin/sh
# Run by a oneshot unit after redis-server.service, in the Debian 12 system
# scripts/systemd-redis.sh boots (systemd as init, the packages installed
# as apt installs them).  Prints TAP on the second serial port, then powers
# the machine off.
#
# With libscav-jemalloc's drop-in, Debian's unit (PrivateDevices=true)
# must let Redis open /dev/scav, load the module by that open (nothing else
# loads it: no modules-load.d entry), give Redis a session through the
# preloaded shim, and send what Redis frees to scav.  Without the drop-in,
# the same unit must hide the device, and Redis run stock.
exec > /dev/ttyS1 2>&1
n=0
failed=0

check() {
	n=$((n + 1))
	what=$1
	shift
	if "$@"; then
		echo "ok $n - $what"
	else
		echo "not ok $n - $what"
		failed=$((failed + 1))
	fi
}

main_pid() {
	systemctl show -p MainPID --value redis-server
}

# has_scav_fd PID: PID holds /dev/scav open.
has_scav_fd() {
	for f in "/proc/$1/fd"/*; do
		[ "$(readlink "$f")" = /dev/scav ] && return 0
	done
	return 1
}

# rss_field PID FIELD: scavctl's figure for PID.
rss_field() {
	scavctl --json rss "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# unit_dev PID: the unit's /dev, as PID sees it (the unit forbids running
# anything but Redis in its namespace: NoExecPaths=/).
unit_dev() {
	echo "/proc/$1/root/dev"
}

# fill_and_free [ASYNC]: 20000 SETs of 2000 bytes, then FLUSHALL [ASYNC].
fill_and_free() {
	redis-benchmark -q -t set -n 20000 -d 2000 -r 20000 -P 16 > /dev/null &&
		test "$(redis-cli FLUSHALL "$@")" = OK
}

# idle_after PID SECONDS: scav's idle bytes for PID once over 1 MiB, or
# after SECONDS.
idle_after() {
	i=0
	while v=$(rss_field "$1" scav_idle_bytes) && [ "${v:-0}" -le $((1 << 20)) ] &&
	      [ "$i" -lt "$2" ]; do
		sleep 1
		i=$((i + 1))
	done
	echo "${v:-0}"
}

echo "# $(uname -r), $(systemctl --version | head -n1)"
check "redis-server.service is active with the drop-in" \
	systemctl is-active --quiet redis-server
pid=$(main_pid)
echo "# redis-server: pid $pid; $(systemctl show -p DropInPaths --value redis-server)"
check "the unit still has PrivateDevices=yes" \
	test "$(systemctl show -p PrivateDevices --value redis-server)" = yes
d=$(unit_dev "$pid")
check "the unit's /dev has /dev/scav, and not /dev/mem" \
	sh -c "test -c $d/scav && test -c /dev/mem && ! test -e $d/mem"
ls -A "$d" > /tmp/dev.with
check "udev's rule made /dev/scav 0666" test "$(stat -c %a /dev/scav)" = 666
check "the open of /dev/scav loaded the module" \
	grep -q '^scav ' /proc/modules
check "Redis holds /dev/scav open" has_scav_fd "$pid"
check "Redis runs with libscav-jemalloc.so preloaded" \
	grep -q 'libscav-jemalloc\.so$' "/proc/$pid/maps"
check "scavctl rss finds Redis's one session" \
	test "$(rss_field "$pid" sessions)" = 1
# What jemalloc's decay (its background thread, which Redis turns on)
# purges goes to scav, idle until it ages; MEMORY PURGE has scav discard
# it at once.
check "20000 SETs, then FLUSHALL ASYNC" fill_and_free ASYNC
idle=$(idle_after "$pid" 60)
echo "# scav idle for Redis after its decay: $idle bytes"
check "what Redis freed, jemalloc's decay gave to scav" test "$idle" -gt $((1 << 20))
req=/sys/kernel/scav/reclaimed_request_bytes
before=$(cat $req)
check "MEMORY PURGE" test "$(redis-cli MEMORY PURGE)" = OK
freed=$(( $(cat $req) - before ))
echo "# discarded on request by MEMORY PURGE: $freed bytes"
check "MEMORY PURGE had scav discard it" test "$freed" -gt $((1 << 20))

# The control: the drop-in is what lets the device in.
rm /etc/systemd/system/redis-server.service.d/scav.conf
systemctl daemon-reload
check "redis-server.service restarts without the drop-in" \
	systemctl restart redis-server
pid=$(main_pid)
d=$(unit_dev "$pid")
check "without it, the unit's /dev has no /dev/scav" \
	sh -c "test -c $d/null && ! test -e $d/scav"
ls -A "$d" > /tmp/dev.without
check "the drop-in adds /dev/scav to the unit's /dev, and nothing else" \
	test "$(comm -3 /tmp/dev.with /tmp/dev.without | tr -d '\t')" = scav
check "without it, Redis has no session" \
	sh -c "! grep -q libscav-jemalloc /proc/$pid/maps && test \"\$(scavctl --json rss $pid | sed -n 's/.*\"sessions\":\([0-9]*\).*/\1/p')\" = 0"
check "and Redis works" fill_and_free

# Out-of-tree and unsigned (O, E) are expected; nothing else.
t=$(cat /proc/sys/kernel/tainted)
echo "# tainted: $t"
check "no taint but the module's own" test $((t & ~(4096 | 8192))) -eq 0
echo "# $n checks, $failed failed"
echo "scav-systemd: done"
# Not "systemctl poweroff": it asks logind (no D-Bus here) first.
systemctl --no-block start poweroff.target

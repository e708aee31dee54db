# shellcheck shell=sh
# The Redis job of scripts/vm.sh (make check-redis), sourced by the VM's
# init: Redis's own test suite, from the source of the Debian package
# whose redis-server the VM has, against that redis-server run through
# scav-jemalloc (libscav-jemalloc preloaded), with scav.ko loaded.
#
# jemalloc decays dirty pages after 50 ms here rather than 10 s, and scav
# discards what it holds idle after 1 s, so that memory goes through scav
# (decommit reports, aging discards, commit claims and clears) all through
# the suite, whose checks then read it back.  /scav/env sets the units
# ($SCAV_REDIS_UNITS), run with one client as Debian's build runs them;
# /scav/redis-skips lists the tests skipped, each with the reason: those
# that fail on Debian's stock Redis as well, and those too slow for TCG.

# The suite talks TCP to localhost.
ifconfig lo 127.0.0.1 up
echo '127.0.0.1 localhost' > /etc/hosts
echo 'hosts: files' > /etc/nsswitch.conf

# jemalloc's own tests first (they set idle_age_ms for themselves); it
# defines counters and grew, used below.
# shellcheck source=scripts/guest/jemalloc.sh
. /scav/jemalloc.sh
echo 1000 > /sys/kernel/scav/idle_age_ms

# The suite starts src/redis-server, src/redis-cli, ... of its own tree.
mkdir -p /redis/src
cat > /redis/src/redis-server <<'EOF'
#!/bin/sh
SCAV=debug MALLOC_CONF=dirty_decay_ms:50,muzzy_decay_ms:0 \
	exec /scav/scav-jemalloc /scav/redis-server "$@"
EOF
chmod +x /redis/src/redis-server
# redis-check-aof and -rdb are redis-server by another name.
for f in redis-check-aof redis-check-rdb; do
	ln -s /scav/redis-server /redis/src/$f
done
for f in redis-cli redis-benchmark; do
	ln -s /scav/$f /redis/src/$f
done

# shellcheck disable=SC2046
set -- $(counters)
age0=$2

# The tests /scav/redis-skips names, but with SCAV_REDIS_SKIP_SLOW=0 those
# skipped only for their time.
grep -v '^#' /scav/redis-skips | while IFS='	' read -r name why; do
	case ${SCAV_REDIS_SKIP_SLOW:-1}:$why in 0:slow*) continue ;; esac
	echo "$name"
done > /tmp/redis-skip

units=
for u in $SCAV_REDIS_UNITS; do
	units="$units --single $u"
done
start=$(date +%s)
cd /redis || exit 1
# shellcheck disable=SC2086
tclsh8.6 tests/test_helper.tcl --clients 1 \
	--timeout 1200 --no-latency --dump-logs --dont-clean \
	--skipfile /tmp/redis-skip $units > /tmp/redis.out 2>&1 &
pid=$!
# Progress, as runtest finishes each unit.
tail -f /tmp/redis.out 2>/dev/null | sed -n 's/\x1b\[[0-9;]*m//g
	s/^\[\([0-9]*\/[0-9]*\) done\]: /# runtest: done \1: /p
	s/^\[\(err\|exception\|timeout\)\]: /# runtest: \1: /p' &
tailpid=$!
wait $pid
rc=$?
kill $tailpid
cd /
echo "# runtest took $(( $(date +%s) - start )) s and exited with status $rc"

# Each test's result, as TAP.
sed 's/\x1b\[[0-9;]*m//g' /tmp/redis.out > /tmp/redis.log
sed -n 's/^\[ok\]: \(.*\) ([0-9]* ms)$/ok - redis: \1/p' /tmp/redis.log
sed -n 's/^\[err\]: \(.*\)$/not ok - redis: \1/p' /tmp/redis.log
# A skip says why: redis-skips's reason, or runtest's own choice.
sed -n 's/^\[skip\]: //p' /tmp/redis.log | while IFS= read -r name; do
	why=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' /scav/redis-skips)
	echo "ok - redis: $name # SKIP ${why:-runtest skipped it (its tags or conditions)}"
done
# And the whole run: an exception, a timeout, a dead server, no test run.
bad='^\[(exception|timeout|err)\]'
passed=$(grep -c '^\[ok\]' /tmp/redis.log)
if grep -qE "$bad" /tmp/redis.log; then
	grep -A30 -E "$bad" /tmp/redis.log | head -n 200
	echo "not ok - redis: runtest exited with status $rc"
elif [ "$rc" -ne 0 ] || [ "$passed" -eq 0 ]; then
	tail -n 40 /tmp/redis.log
	echo "not ok - redis: runtest exited with status $rc, $passed tests passed"
else
	echo "ok - redis: runtest passed ($passed tests)"
fi

# Every server the suite started ran on scav: its stderr has the shim's
# word for it (SCAV=debug).
n=0
on=0
for d in /redis/tests/tmp/server*.*; do
	[ -f "$d/stderr" ] || continue
	n=$(( n + 1 ))
	if grep -q '^scav-jemalloc: on' "$d/stderr"; then
		on=$(( on + 1 ))
	else
		echo "# $d/stderr:"
		head -n 5 "$d/stderr"
	fi
done
if [ "$n" -gt 0 ] && [ "$on" -eq "$n" ]; then
	echo "ok - redis: all $n servers of the suite ran on scav"
else
	echo "not ok - redis: $on of $n servers of the suite ran on scav"
fi

# And memory went through scav, through the page-state map: reported idle
# and aged out, claimed back kept and discarded (what the servers that
# shut down said at exit).
# shellcheck disable=SC2046
set -- $(counters) $(map_claims /redis/tests/tmp/server*.*/stderr)
echo "# scav during the suite: aged out $(( $2 - age0 )) bytes; claims through the map found $5 pages kept, $6 discarded"
grew "redis: the suite's servers" "gave memory to scav to age out" "$age0" "$2"
grew "redis: the suite's servers" "claimed back memory scav had kept" 0 "$5"
grew "redis: the suite's servers" "claimed back memory scav had discarded" 0 "$6"

if dmesg | grep -E -f /scav/kernel-log.ere; then
	echo "not ok - redis: kernel log clean"
else
	echo "ok - redis: kernel log clean"
fi

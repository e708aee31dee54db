# shellcheck shell=sh
# The benchmark job of scripts/vm.sh, sourced by the VM's init: scavbench's
# tables, its CSV as "csv:NAME:LINE" lines, and a Go workload four ways.
# SCAV_BENCH_ONLY (from vm.sh's environment): redis, the Redis part alone;
# a figure of scavbench (its --only), that figure alone.
gos='/scav/go/*'
only=${SCAV_BENCH_ONLY:-}
[ -z "$only" ] || gos=
# The aging worker must not discard what the benchmark measures.
echo 0 > /sys/kernel/scav/enabled
mkdir -p /tmp/bench
case $only in
'') scavbench -o /tmp/bench || echo "not ok - scavbench failed" ;;
redis) ;;
*) scavbench -o /tmp/bench --only "$only" || echo "not ok - scavbench failed" ;;
esac
for f in /tmp/bench/*.csv; do
	[ -f "$f" ] || continue
	sed "s|^|csv:$(basename "$f" .csv):|" "$f"
done
# A Go workload in bursts (bench/go/gcload), four ways: stock with each
# madvise, on scav through the page-state map (the default) and on scav by
# ioctl only.  The idle age is longer than its pauses, so memory released
# between bursts is reused kept.
echo 1 > /sys/kernel/scav/enabled
echo 4000 > /sys/kernel/scav/idle_age_ms
echo 250 > /sys/kernel/scav/scan_interval_ms
for d in $gos; do
	[ -x "$d/gcload" ] || continue
	for m in madvdontneed=1 madvdontneed=0 scav scav-ioctl; do
		# SCAV=debug: the log says the scav run did have its session.
		case $m in
		scav) SCAV=debug "$d/gcload" 2> /tmp/gcload.err ;;
		scav-ioctl) SCAV=ioctl,debug "$d/gcload" 2> /tmp/gcload.err ;;
		*) SCAV=off GODEBUG=$m "$d/gcload" 2> /tmp/gcload.err ;;
		esac > /tmp/gcload.out || echo "not ok - gcload $m failed"
		sed 's/^/    /' /tmp/gcload.err
		sed -n "s/^sample \([0-9]*\) \([0-9]*\)/csv:go-rss:$m,\1,\2/p" /tmp/gcload.out
		sed -n "s/^gcload /gcload $m /p" /tmp/gcload.out >> /tmp/gcload.sum
	done
	echo "# Go workload: $(cat "$d/version"), 5 bursts of 96 MiB (8 MiB kept), 2 s apart, then 8 s idle; idle_age_ms 4000"
	echo
	echo "| runtime | burst time | ratio | mean VmRSS | ratio | VmRSS at the end |"
	echo "|---|---|---|---|---|---|"
	awk '{ for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
	       if (NR == 1) { w0 = v["work_ms"]; r0 = v["rss_mean"] }
	       printf "| %s | %d ms | %.2fx | %.1f MiB | %.2fx | %.1f MiB |\n", $2, v["work_ms"],
		      v["work_ms"] / w0, v["rss_mean"] / 1048576, v["rss_mean"] / r0, v["rss_end"] / 1048576 }' /tmp/gcload.sum
	rm -f /tmp/gcload.sum
	echo
done
# The same workload in a container: a 32 MiB memory limit (GOMEMLIMIT), in
# a cgroup whose memory.max is a quarter above it, stock and on scav.
cg=/sys/fs/cgroup
[ -e "$cg/cgroup.controllers" ] || mount -t cgroup2 none "$cg"
if [ -z "$gos" ]; then
	:
elif echo +memory > "$cg/cgroup.subtree_control"; then
	for d in $gos; do
		[ -x "$d/gcload" ] || continue
		echo "# Go workload with GOMEMLIMIT=32MiB in a cgroup with memory.max 40 MiB: $(cat "$d/version")"
		echo
		echo "| runtime | burst time | mean VmRSS | VmRSS at the end | memory.peak | OOM kills |"
		echo "|---|---|---|---|---|---|"
		for m in stock scav; do
			g=$cg/bench-go-$m
			mkdir "$g"
			echo $((40 << 20)) > "$g/memory.max"
			case $m in
			scav) s=debug ;;
			*) s=off ;;
			esac
			# The CSV lines go to the host; the table rows stay together.
			sh -c "echo 0 > $g/cgroup.procs && SCAV=$s GOMEMLIMIT=32MiB exec $d/gcload" \
				> /tmp/gcload.out 2> /tmp/gcload.err || echo "not ok - gcload in a cgroup, $m, failed"
			sed -n "s/^sample \([0-9]*\) \([0-9]*\)/csv:go-limit-rss:$m,\1,\2/p" /tmp/gcload.out
			sed -n "s/^gcload //p" /tmp/gcload.out | awk -v m="$m" \
				-v peak="$(cat "$g/memory.peak")" \
				-v oom="$(sed -n 's/^oom_kill //p' "$g/memory.events")" \
				'{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
				   printf "| %s | %d ms | %.1f MiB | %.1f MiB | %.1f MiB | %d |\n", m,
					  v["work_ms"], v["rss_mean"] / 1048576, v["rss_end"] / 1048576,
					  peak / 1048576, oom }'
			rmdir "$g"
		done
		echo
	done
else
	echo "# no memory controller for child cgroups: no container run"
fi
# Redis (Debian's, on Debian's jemalloc with its defaults) stock and with
# libscav-jemalloc: fill 32000 keys of 4 KiB, delete three quarters (holes,
# then whole extents), 30 s idle (jemalloc's decay is 10 s, scav's idle age
# 4 s here), then a refill with redis-benchmark.  used_memory_rss every
# 500 ms, as CSV; the refill's throughput; RSS at the end of the idle time;
# scav's honest RSS, and its honest anonymous RSS beside jemalloc's
# allocator_resident, less what the process holds outside jemalloc
# (RssAnon - allocator_resident at the fill, when nothing is idle).  Twice: scav
# discarding what it holds after 4 s, and holding it all along (idle age
# 120 s), so that the refill reuses it inside the idle window.  Stock and
# scav take turns, $SCAV_BENCH_REDIS_ROUNDS times (3); the table has the
# medians, and the refill's throughput its range too.
# redis_run AGE MODE FIRST: one run, its figures into /tmp/redis-runs; FIRST
# 1 (the first round) shows the server's stderr, 2 samples its RSS too.
redis_run() {
	age=$1 m=$2 first=$3
	rm -f $sock
	case $m in
	scav) pre=/scav/libscav-jemalloc.so ;;
	*) pre= ;;
	esac
	LD_PRELOAD=$pre SCAV=debug /scav/redis-server --port 0 --unixsocket $sock \
		--save '' --appendonly no --logfile /tmp/bench-redis.log 2> /tmp/bench-redis.err &
	i=0
	until [ "$($cli PING 2>/dev/null)" = PONG ] || [ $i -ge 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	pid=$(pidof redis-server)
	[ "$first" = 0 ] || sed 's/^/    /' /tmp/bench-redis.err
	sampler=
	if [ "$first" = 2 ]; then
		( t0=$(ms); while kill -0 "$pid" 2>/dev/null; do
			echo "csv:redis-rss:$m,$(( $(ms) - t0 )),$(rss)"
			sleep 0.5
		  done ) &
		sampler=$!
	fi
	$cli EVAL 'for i=1,32000 do redis.call("SET","k"..i,string.rep("x",4096)) end return 1' 0 > /dev/null
	filled=$(rss)
	outside=$(( $(anon) * 1024 - $(resident) ))
	$cli EVAL 'for i=1,32000,2 do redis.call("UNLINK","k"..i) end for i=2,24000,2 do redis.call("UNLINK","k"..i) end return 1' 0 > /dev/null
	sleep 30
	idle=$(rss)
	j=$(/scav/scavctl --json rss "$pid")
	honest=$(json "$j" honest_rss_bytes)
	# scavctl rss's honest RSS, of anonymous memory only.
	used=$(( $(anon) * 1024 - $(json "$j" lazyfree_bytes) - $(json "$j" scav_idle_resident_bytes) + $(json "$j" scav_lazyfree_bytes) ))
	res=$(resident)
	# -q rewrites its progress line with carriage returns.
	rps=$(/scav/redis-benchmark -s $sock -t set -n 48000 -r 48000 -d 4096 -P 16 -q 2>&1 |
		tr '\r' '\n' | sed -n 's/^SET: \([0-9.]*\) requests per second.*/\1/p' | tail -n 1)
	$cli SHUTDOWN NOSAVE > /dev/null 2>&1
	[ -z "$sampler" ] || wait "$sampler" 2>/dev/null
	while pidof redis-server > /dev/null; do sleep 0.2; done
	echo "$age $m ${filled:-0} ${idle:-0} ${rps:-0} ${honest:-0} $used $outside ${res:-0}" >> /tmp/redis-runs
}
if [ -x /scav/redis-server ] && { [ -z "$only" ] || [ "$only" = redis ]; }; then
	sock=/tmp/bench-redis.sock
	cli="/scav/redis-cli -s $sock"
	rss() { $cli INFO memory | sed -n 's/^used_memory_rss:\([0-9]*\).*/\1/p'; }
	resident() { $cli INFO memory | sed -n 's/^allocator_resident:\([0-9]*\).*/\1/p'; }
	anon() { sed -n 's/^RssAnon:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }
	json() { echo "$1" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
	# Milliseconds since the start, by the clock (a sample is slow in TCG).
	ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
	rounds=${SCAV_BENCH_REDIS_ROUNDS:-3}
	: > /tmp/redis-runs
	for age in 4000 120000; do
		echo $age > /sys/kernel/scav/idle_age_ms
		r=1
		while [ $r -le "$rounds" ]; do
			for m in stock scav; do
				first=0
				[ $r != 1 ] || first=1
				[ $r != 1 ] || [ "$age" != 4000 ] || first=2
				redis_run "$age" $m $first
			done
			r=$((r + 1))
		done
	done
	echo 4000 > /sys/kernel/scav/idle_age_ms
	echo "# Redis: fill 128 MiB, delete 96 MiB, 30 s idle, refill (redis-benchmark SET 4 KiB, 16 deep); medians of $rounds rounds"
	echo
	echo "| scav's idle age | jemalloc | RSS filled | RSS after 30 s idle | refill SET/s | (range) | ratio | honest RSS | honest anon RSS | outside jemalloc | allocator_resident | off by |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
	awk '{ k = $1 " " $2; n[k]++; for (c = 3; c <= NF; c++) v[k, c, n[k]] = $c }
	     function med(k, c,   a, i, j, t, m) {
		m = n[k]
		for (i = 1; i <= m; i++) a[i] = v[k, c, i] + 0
		for (i = 2; i <= m; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		lo = a[1]; hi = a[m]
		return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
	     }
	     END {
		split("4000 120000", ages, " "); split("stock scav", ms, " ")
		for (x = 1; x <= 2; x++) for (y = 1; y <= 2; y++) {
			k = ages[x] " " ms[y]
			if (!n[k]) continue
			r = med(k, 5); rlo = lo; rhi = hi
			if (y == 1) base = r
			u = med(k, 7); o = med(k, 8); a = med(k, 9)
			printf "| %s ms | %s | %.1f MiB | %.1f MiB | %.0f | %.0f-%.0f | %.2fx | %.1f MiB | %.1f MiB | %.1f MiB | %.1f MiB | %+.2f%% |\n",
			       ages[x], ms[y], med(k, 3) / 1048576, med(k, 4) / 1048576, r, rlo, rhi,
			       (base > 0 ? r / base : 0), med(k, 6) / 1048576, u / 1048576, o / 1048576,
			       a / 1048576, (a > 0 ? (u - o - a) * 100 / a : 0)
		}
	     }' /tmp/redis-runs
	echo
fi

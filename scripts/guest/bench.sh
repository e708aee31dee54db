# shellcheck shell=sh
# The benchmark job of scripts/vm.sh, sourced by the VM's init: scavbench's
# tables, its CSV as "csv:NAME:LINE" lines, and a Go workload three ways.
# The aging worker must not discard what the benchmark measures.
echo 0 > /sys/kernel/scav/enabled
mkdir -p /tmp/bench
scavbench -o /tmp/bench || echo "not ok - scavbench failed"
for f in /tmp/bench/*.csv; do
	sed "s|^|csv:$(basename "$f" .csv):|" "$f"
done
# A Go workload in bursts (bench/go/gcload), three ways.  The idle age is
# longer than its pauses, so memory released between bursts is reused kept.
echo 1 > /sys/kernel/scav/enabled
echo 4000 > /sys/kernel/scav/idle_age_ms
echo 250 > /sys/kernel/scav/scan_interval_ms
for d in /scav/go/*; do
	[ -x "$d/gcload" ] || continue
	for m in madvdontneed=1 madvdontneed=0 scav; do
		# SCAV=debug: the log says the scav run did have its session.
		case $m in
		scav) SCAV=debug "$d/gcload" 2> /tmp/gcload.err ;;
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

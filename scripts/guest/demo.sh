# shellcheck shell=sh
# The demo job of scripts/vm.sh, sourced by the VM's init: what happens to
# RSS (report, claim, reclaim, aging), a Go program built with scav-go,
# and a quick benchmark.
scavctl version
# A short idle age, so the demo can show aging in a few seconds.
echo 2000 > /sys/kernel/scav/idle_age_ms
echo 250 > /sys/kernel/scav/scan_interval_ms
# What an operator sees meanwhile, through netlink.
scavctl watch > /tmp/events 2>&1 &
watcher=$!
sleep 1
scav-demo || echo "not ok - scav-demo failed"
kill $watcher
echo "== scavctl watch, during the demo (first 12 events):"
head -n 13 /tmp/events
echo "== scavctl status:"
scavctl status || echo "not ok - scavctl status failed"
# A Go program built with scav-go (make demo builds it with Debian's Go).
for d in /scav/go/*; do
	[ -x "$d/idle" ] || continue
	echo "== Go ($(cat "$d/version")), built with scav-go: drops 64 of 72 MiB, never calls FreeOSMemory"
	SCAV=debug "$d/idle" -garbage 64 -live 8 > /dev/null &
	p=$!
	for t in 1 2 3 4 5 6 7 8; do
		sleep 1
		scavctl --json rss $p | sed -n "s/.*\"vm_rss_bytes\":\([0-9]*\).*\"scav_idle_resident_bytes\":\([0-9]*\).*\"honest_rss_bytes\":\([0-9]*\).*/\1 \2 \3/p" |
			awk -v t=$t '{ printf "  %ds: VmRSS %5.1f MiB, idle in scav (resident) %5.1f MiB, honest RSS %5.1f MiB\n", t, $1 / 1048576, $2 / 1048576, $3 / 1048576 }'
	done
	kill $p
	break
done
echo 10000 > /sys/kernel/scav/idle_age_ms
echo 0 > /sys/kernel/scav/enabled
scavbench --quick || echo "not ok - scavbench failed"

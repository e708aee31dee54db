#!/bin/sh
# Run every test: libscav's fallback path and untrusted_test natively, then
# again under AddressSanitizer and UBSan, then the selftests in a VM for
# each supported kernel.  Prints TAP, then "N passed, N failed,
# N skipped"; exits non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/check
rm -rf "$out"
mkdir -p "$out"

# run NAME CMD...: stream CMD's output into $out/NAME.tap; a failing CMD
# that printed no failure of its own still counts as one.
run() {
	name=$1
	shift
	("$@" 2>&1; echo $? > "$out/$name.rc") | tee "$out/$name.tap"
	if [ "$(cat "$out/$name.rc")" != 0 ] && ! grep -q '^not ok' "$out/$name.tap"; then
		echo "not ok - $name: $* exited with status $(cat "$out/$name.rc")" |
			tee -a "$out/$name.tap"
	fi
}

# libscav_test also loads libscav.so.1, as a program linked against it would.
export LD_LIBRARY_PATH="$top/build/lib"
echo "# ==== host $(uname -r): libscav without the module"
run host "$top/build/selftests/libscav_test"
echo "# ==== host $(uname -r): libscav-nl and scavctl on bytes they cannot trust"
run host-untrusted "$top/build/selftests/untrusted_test"
echo "# ==== host $(uname -r): the same, with AddressSanitizer and UBSan"
run host-asan "$top/build/asan/selftests/libscav_test"
run host-asan-untrusted "$top/build/asan/selftests/untrusted_test"
# scavctl rss --plot draws with gnuplot (no module here: nothing idle).
plot_check() {
	sleep 60 &
	p=$!
	f=$out/rss-plot.png
	if "$top/build/scavctl" rss --plot "$f" -n 2 -d 1 "$p" > "$out/rss-plot.out" &&
	   [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = "211PNG" ] &&
	   [ "$(grep -c ' s  VmRSS ' "$out/rss-plot.out")" -eq 2 ]; then
		echo "ok - scavctl rss --plot drew 2 samples with gnuplot"
	else
		echo "not ok - scavctl rss --plot"
		cat "$out/rss-plot.out"
	fi
	kill "$p"
}
run host-plot plot_check
unset LD_LIBRARY_PATH
echo "# ==== host $(uname -r): Go runtimes built by scripts/go.sh"
run go-host "$top/scripts/go.sh" host

kernels=$("$top/scripts/kernels.sh" --all)
# Every supported kernel, or the run fails saying which is missing: 6.1 and
# 6.12 installed on the host, 7.x in the Debian 13 root (make newest).
list=" $(echo "$kernels" | tr '\n' ' ') "
for want in 6.1. 6.12. 7.; do
	case $list in
	*" $want"*) ;;
	*) echo "not ok - no $want* kernel: run scripts/deps.sh and make newest" |
		tee "$out/missing-$want.tap" ;;
	esac
done
# promtool_check FILE: what scavctl_test printed of scavctl metrics in the
# VM ("# prom: " lines), as promtool (Debian's prometheus) judges it.
promtool_check() {
	if [ ! -s "$1" ]; then
		echo "not ok - promtool: scavctl_test printed no metrics"
	elif promtool check metrics < "$1"; then
		echo "ok - promtool check metrics: scavctl metrics of $k"
	else
		echo "not ok - promtool check metrics: scavctl metrics of $k ($1)"
	fi
}

# vm_tests KERNELS: the selftests in a VM of each, one after the other.
vm_tests() {
	for k in "$@"; do
		echo "# ==== kernel $k"
		SCAV_VM_GO=$("$top/scripts/go.sh" for "$k") run "$k" "$top/scripts/vm.sh" "$k" tests
		sed -n 's/^# prom: //p' "$out/$k.tap" > "$out/$k.prom"
		run "$k-promtool" promtool_check "$out/$k.prom"
	done
}

# A VM whose two vCPUs take turns on one host thread (vm.sh tcg-thread:
# 6.12) keeps one of the machine's two cores at most, and that one busy
# two thirds of the time (its tests wait for aging, for Go's scavenger):
# those VMs run beside the others, and their TAP comes after.  That took
# the VMs' part from 20 minutes to 14 here (2 cores).  All three at once
# took 11, but with five vCPU threads on two cores the guests run so much
# slower than their clocks that policy_test's busy holder was OOM-killed
# with its idle memory left: the holder's own thread allocating under its
# own mmap lock (design.md, "A margin under the limit"), which the
# reclaimers and the worker no longer kept ahead of.  (Three policy_tests
# at once, 2026-12-07: 1 such kill in 3 VMs; with the reclaimer waiting
# for the worker up to 5 s instead of half a second, 3 in 3.)
single=
multi=
for k in $kernels; do
	if [ "$("$top/scripts/vm.sh" "$k" tcg-thread)" = single ]; then
		single="$single $k"
	else
		multi="$multi $k"
	fi
done
echo "# ==== beside the others:$single (its TAP comes after theirs)"
# shellcheck disable=SC2086 # lists of kernel releases
vm_tests $single > "$out/beside.log" 2>&1 &
beside=$!
# shellcheck disable=SC2086
vm_tests $multi
wait "$beside"
cat "$out/beside.log"

exec "$top/scripts/tap-summary.sh" "$out"

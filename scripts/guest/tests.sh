# shellcheck shell=sh
# The selftests job of scripts/vm.sh, sourced by the VM's init: the tests
# in $SCAV_VM_TESTS, in that order, as TAP, each followed by checks of the
# kernel log and of the taint flags; then, with SCAV_VM_KMEMLEAK=1 (the
# debug kernel), the module unloaded and a kmemleak scan.  /scav/env sets
# both, and SCAV_FUZZ_SECONDS for the fuzzers.

# Bits of /proc/sys/kernel/tainted a test may not add: all but
# TAINT_OOT_MODULE (4096) and TAINT_UNSIGNED_MODULE (8192).
mask=$(( ~(4096 | 8192) ))

# run_test NAME CMD...: one test binary, then the kernel log and taint checks.
run_test() {
	t=$1
	shift
	taint0=$(cat /proc/sys/kernel/tainted)
	echo "scav-runner: begin $t" > /dev/kmsg
	echo "# ---- $t"
	SCAV_KO=/scav/scav.ko timeout -s KILL 900 "$@"
	rc=$?
	[ "$rc" -eq 0 ] || echo "not ok - $t exited with status $rc"
	dmesg | sed -n "/scav-runner: begin $t\$/,\$p" > /tmp/klog
	# Lockdep, KASAN, UBSAN and debug-object reports all start with one of
	# these (a bare "lockdep" would match stack frames of an OOM report).
	if grep -E -f /scav/kernel-log.ere /tmp/klog; then
		echo "not ok - kernel log clean after $t"
	else
		echo "ok - kernel log clean after $t"
	fi
	taint1=$(cat /proc/sys/kernel/tainted)
	if [ $(( taint1 & mask )) -ne $(( taint0 & mask )) ]; then
		echo "not ok - kernel taint unchanged after $t ($taint0 -> $taint1)"
	else
		echo "ok - kernel taint unchanged after $t"
	fi
}

# The Go runtime on scav, once per Go version built (it skips without one).
run_go_test() {
	if [ -d /scav/go ]; then
		for d in /scav/go/*; do
			run_test "go_test-$(basename "$d")" env SCAV_GO_DIR="$d" /scav/go_test
		done
	else
		run_test go_test /scav/go_test
	fi
}

# The debug kernel: unload, then look for leaks (twice: kmemleak reports an
# object only once it has stayed unreferenced across scans).
kmemleak_scan() {
	grep -q " /sys/kernel/debug " /proc/mounts ||
		mount -t debugfs none /sys/kernel/debug
	if rmmod scav; then
		echo "ok - rmmod scav"
	else
		echo "not ok - rmmod scav"
	fi
	# A scan that cannot run must not pass as one that found nothing.
	if ! [ -w /sys/kernel/debug/kmemleak ]; then
		echo "not ok - kmemleak: /sys/kernel/debug/kmemleak is not there"
		return
	fi
	if ! { echo scan > /sys/kernel/debug/kmemleak && sleep 6 &&
	       echo scan > /sys/kernel/debug/kmemleak &&
	       cat /sys/kernel/debug/kmemleak > /tmp/leaks; }; then
		echo "not ok - kmemleak: the scan failed"
		return
	fi
	if [ -s /tmp/leaks ]; then
		head -n 60 /tmp/leaks
		echo "not ok - kmemleak found $(grep -c '^unreferenced object' /tmp/leaks) leaks"
	else
		echo "ok - kmemleak: no leaks"
	fi
}

for t in $SCAV_VM_TESTS; do
	case $t in
	go_test) run_go_test ;;
	*) run_test "$t" "/scav/$t" ;;
	esac
done
[ "${SCAV_VM_KMEMLEAK:-0}" != 1 ] || kmemleak_scan

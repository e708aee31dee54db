# shellcheck shell=sh
# The selftests job of scripts/vm.sh, sourced by the VM's init: the tests
# in $SCAV_VM_TESTS, in that order, as TAP, each followed by checks of the
# kernel log and of the taint flags; then, with SCAV_VM_KMEMLEAK=1 (the
# debug kernel), the module unloaded and a kmemleak scan.  /scav/env sets
# both, SCAV_FUZZ_SECONDS for the fuzzers and SCAV_TEST_TIMEOUT for each
# binary.

# Bits of /proc/sys/kernel/tainted a test may not add: all but
# TAINT_OOT_MODULE (4096) and TAINT_UNSIGNED_MODULE (8192).
mask=$(( ~(4096 | 8192) ))

# skip_allowed REASON: whether /scav/skips-allowed allows this skip here.
skip_allowed() {
	krel=$(uname -r)
	while IFS='	' read -r kpat re; do
		case $kpat in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2254
		case $krel in $kpat) ;; *) continue ;; esac
		printf '%s\n' "$1" | grep -qE "$re" && return 0
	done < /scav/skips-allowed
	return 1
}

# The module's counts of the contended paths its races reach (a session's
# mmap lock held elsewhere, pressure work handed to the worker), for the log.
contended() {
	for f in aging_busy_skips pressure_busy_skips pressure_deferred; do
		cat "/sys/kernel/scav/$f" 2>/dev/null || echo -
	done | tr '\n' ' '
}

# kill_session SID: SIGKILL to every process of session SID, whatever its
# process group (the kselftest harness puts each test in a group of its
# own, and its helpers with it), until none but zombies is left (up to 3
# rounds: a process may fork meanwhile).  From /proc/PID/stat: the fields
# after the command's closing parenthesis are state, ppid, pgrp, session.
kill_session() {
	ks_sid=$1
	for ks_round in 1 2 3; do
		ks_left=
		for ks_d in /proc/[0-9]*; do
			ks_st=$(cat "$ks_d/stat" 2>/dev/null) || continue
			ks_st=${ks_st##*) }
			# shellcheck disable=SC2086
			set -- $ks_st
			# A zombie holds nothing, and goes when it is reaped.
			if [ "$4" != "$ks_sid" ] || [ "$1" = Z ]; then
				continue
			fi
			kill -KILL "${ks_d#/proc/}" 2>/dev/null
			ks_left=1
		done
		[ -n "$ks_left" ] || return 0
		[ "$ks_round" -eq 3 ] || sleep 1
	done
}

# reload_module NAME: scav.ko unloaded, once the processes of NAME have
# closed their sessions (up to 10 s), and loaded again; loaded if NAME left
# it unloaded.
reload_module() {
	i=0
	while grep -q '^scav ' /proc/modules && ! rmmod scav 2>/dev/null; do
		i=$(( i + 1 ))
		if [ "$i" -ge 10 ]; then
			echo "not ok - scav.ko reloaded after $1 failed (rmmod: still in use)"
			return 0
		fi
		sleep 1
	done
	if insmod /scav/scav.ko; then
		echo "# $1 failed: scav.ko reloaded, with its defaults"
	else
		echo "not ok - scav.ko reloaded after $1 failed (insmod failed)"
	fi
}

# run_test NAME CMD...: one test binary, then the kernel log and taint checks.
# It runs in a session of its own; after $SCAV_TEST_TIMEOUT seconds (twice
# that for go_test, which runs Go's own test binaries) every process of
# that session is killed, it fails, and the next binary runs, with the
# module loaded afresh (as after any failure).
run_test() {
	t=$1
	shift
	binaries=$(( binaries + 1 ))
	limit=${SCAV_TEST_TIMEOUT:-600}
	case $t in go_test*) limit=$(( limit * 2 )) ;; esac
	taint0=$(cat /proc/sys/kernel/tainted)
	echo "scav-runner: begin $t" > /dev/kmsg
	echo "# ---- $t"
	start=$(date +%s)
	busy0=$(contended)
	SCAV_KO=/scav/scav.ko setsid "$@" > /tmp/out 2>&1 &
	pid=$!
	( sleep "$limit"; echo "not ok - $t timed out after $limit s";
	  kill_session "$pid" ) &
	watchdog=$!
	wait "$pid"
	rc=$?
	kill "$watchdog" 2>/dev/null
	wait "$watchdog" 2>/dev/null
	# Whatever the test left behind in its session goes too.
	kill_session "$pid"
	cat /tmp/out
	echo "# $t took $(( $(date +%s) - start )) s of its $limit"
	echo "# $t: aging busy skips, pressure busy skips, pressure deferred: $busy0-> $(contended)"
	# Failed: its teardowns may not have run (killed at its time limit,
	# a test killed by the harness's own or by the OOM killer), and the
	# knobs it set stay set.  The next binary gets the module afresh,
	# with its defaults, rather than fail for this one.
	[ "$rc" -eq 0 ] || reload_module "$t"
	[ "$rc" -eq 0 ] || echo "not ok - $t exited with status $rc"
	# No skip but those scripts/guest/skips-allowed allows on this kernel.
	sed -n 's/^ok [0-9][0-9]* # SKIP //p' /tmp/out | while IFS= read -r why; do
		skip_allowed "$why" ||
			echo "not ok - $t skipped, which no entry of skips-allowed allows on $(uname -r): $why"
	done
	# Its TAP plan, and as many results as it planned.
	plan=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' /tmp/out | head -n 1)
	got=$(grep -cE '^(not )?ok [0-9]+ ' /tmp/out)
	if [ -z "$plan" ]; then
		echo "not ok - $t printed no TAP plan"
	elif [ "$got" -ne "$plan" ]; then
		echo "not ok - $t planned $plan results and printed $got"
	else
		planned=$(( planned + 1 ))
	fi
	dmesg | sed -n "/scav-runner: begin $t\$/,\$p" > /tmp/klog
	# OOM kills (tests make some on purpose): not a fault of the kernel,
	# but the likely end of a test program that died without a word.
	sed -n 's/^.*\([Oo]ut of memory: Killed process [0-9]* ([^)]*)\).*/# kernel: \1/p' /tmp/klog
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

planned=0
binaries=0
for t in $SCAV_VM_TESTS; do
	case $t in
	go_test) run_go_test ;;
	*) run_test "$t" "/scav/$t" ;;
	esac
done
if [ "$planned" -eq "$binaries" ]; then
	echo "ok - all $binaries test binaries ran and kept to their TAP plans"
else
	echo "not ok - $planned of $binaries test binaries ran and kept to their TAP plans"
fi
[ "${SCAV_VM_KMEMLEAK:-0}" != 1 ] || kmemleak_scan

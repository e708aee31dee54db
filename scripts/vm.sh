#!/bin/sh
# Boot one installed Debian kernel in qemu (TCG) with scav.ko and run a job:
#
#   vm.sh KERNEL_RELEASE tests   the selftests, as TAP, checked for kernel
#                                warnings and taint after each test file
#   vm.sh KERNEL_RELEASE tests-debug  the same, then unload and a kmemleak
#                                scan (for the debug kernel)
#   vm.sh KERNEL_RELEASE demo    the RSS demo and a quick benchmark
#   vm.sh KERNEL_RELEASE bench   the benchmark (scavbench), tables and CSV
#   vm.sh KERNEL_RELEASE cmd     the shell command in $SCAV_VM_CMD
#
# Expects `make` to have built build/kmod/KERNEL_RELEASE/scav.ko and the
# binaries under build/.  The job's output comes back on a second serial
# port; the kernel console goes to build/vm/KERNEL_RELEASE/console.log.
set -eu

krel=$1
job=$2
top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
work=$b/vm/$krel
root=$work/root
timeout_s=${SCAV_VM_TIMEOUT:-900}

# Installed kernels boot from /boot; the newest, built in a Debian 13 root
# (scripts/newest-kernel.sh), from build/kernels/.
kernel=/boot/vmlinuz-$krel
[ -r "$kernel" ] || kernel=$b/kernels/$krel/vmlinuz
ko=$b/kmod/$krel/scav.ko
[ -r "$kernel" ] || { echo "vm.sh: no $kernel" >&2; exit 1; }
[ -r "$ko" ] || { echo "vm.sh: no $ko (run make first)" >&2; exit 1; }

rm -rf "$work"
mkdir -p "$root/bin" "$root/scav" "$root/etc"

# Copy a binary and every shared library it loads, at the same paths.
add_bin() {
	cp "$1" "$root/scav/"
	ldd "$1" 2>/dev/null | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

cp /bin/busybox "$root/bin/busybox"
cp "$ko" "$root/scav/scav.ko"
mkdir -p "$root/usr/lib"
cp -L "$b"/lib/libscav.so.* "$b"/lib/libscav-nl.so.* "$root/usr/lib/"
for f in "$b"/selftests/*_test "$b/scavctl" "$b/scav-demo" "$b/scavbench"; do
	LD_LIBRARY_PATH=$b/lib add_bin "$f"
done
# The Go programs of scripts/go.sh, for go_test: the versions in $SCAV_VM_GO
# (default: every one built).
for d in "$b"/go/*/; do
	v=$(basename "$d")
	[ -r "$d/version" ] || continue
	case " ${SCAV_VM_GO:-$v} " in *" $v "*) ;; *) continue ;; esac
	mkdir -p "$root/scav/go/$v"
	for f in churn idle gcload testprog runtime.test debug.test version; do
		cp "$d/$f" "$root/scav/go/$v/"
	done
done
echo 'root:x:0:0:root:/:/bin/sh' > "$root/etc/passwd"
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >> "$root/etc/passwd"

cat > "$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /tmp /sbin /usr/bin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
echo 30 > /proc/sys/kernel/hung_task_timeout_secs
echo 1 > /proc/sys/kernel/hung_task_panic
echo 4 > /proc/sys/vm/nr_hugepages
# The kernel turns THP off below 512 MiB of RAM; Debian's default is always.
echo always > /sys/kernel/mm/transparent_hugepage/enabled
echo madvise > /sys/kernel/mm/transparent_hugepage/defrag
export PATH=/scav:/bin:/sbin:/usr/bin:/usr/sbin LD_LIBRARY_PATH=/usr/lib
exec >/dev/ttyS1 2>&1
echo "scav-vm: kernel $(uname -r)"
if insmod /scav/scav.ko; then
	. /scav/job
else
	echo "not ok - insmod scav.ko failed"
fi
echo "scav-vm: done"
sync
poweroff -f
INIT
chmod +x "$root/init"

case $job in
tests|tests-debug)
	# How long the fuzzers (model_test, fuzz_test) run: briefly in make
	# check, longer on the debug kernel.
	fuzz_s=20
	[ "$job" = tests ] || fuzz_s=120
	echo "export SCAV_FUZZ_SECONDS=$fuzz_s" > "$root/scav/job"
	cat >> "$root/scav/job" <<'JOB'
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
	if grep -E 'WARNING:|BUG:|Oops|general protection|kernel BUG|KASAN:|UBSAN:|ODEBUG:|INFO: (trying to register|lockdep|possible|task .* blocked)|possible circular|blocked for more than|detected stall' /tmp/klog; then
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
for t in scav_test reliability_test compat32_test libscav_test policy_test stress_test model_test fuzz_test netlink_test module_test; do
	run_test $t /scav/$t
done
# The Go runtime on scav, once per Go version built (it skips without one).
if [ -d /scav/go ]; then
	for d in /scav/go/*; do
		run_test "go_test-$(basename $d)" env SCAV_GO_DIR=$d /scav/go_test
	done
else
	run_test go_test /scav/go_test
fi
JOB
	[ "$job" = tests ] || cat >> "$root/scav/job" <<'JOB'
# The debug kernel: unload, then look for leaks (twice: kmemleak reports an
# object only once it has stayed unreferenced across scans).
mount -t debugfs none /sys/kernel/debug
if rmmod scav; then
	echo "ok - rmmod scav"
else
	echo "not ok - rmmod scav"
fi
echo scan > /sys/kernel/debug/kmemleak
sleep 6
echo scan > /sys/kernel/debug/kmemleak
cat /sys/kernel/debug/kmemleak > /tmp/leaks
if [ -s /tmp/leaks ]; then
	head -n 60 /tmp/leaks
	echo "not ok - kmemleak found $(grep -c '^unreferenced object' /tmp/leaks) leaks"
else
	echo "ok - kmemleak: no leaks"
fi
JOB
	;;
demo)
	cat > "$root/scav/job" <<'JOB'
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
JOB
	;;
bench)
	cat > "$root/scav/job" <<'JOB'
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
JOB
	;;
cmd)
	# For development: SCAV_VM_CMD, a shell command line.
	printf '%s\n' "${SCAV_VM_CMD:?set SCAV_VM_CMD}" > "$root/scav/job"
	;;
*)
	echo "vm.sh: unknown job '$job'" >&2
	exit 2
	;;
esac

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initramfs.gz"

cmdline="console=ttyS0 rdinit=/init panic=-1 oops=panic softlockup_panic=1"
cmdline="$cmdline loglevel=5"
# Hardening for tests; the demo and the benchmark measure the kernel as it
# ships.  (The console is still checked for warnings afterwards.)
hardened=false
case $job in tests|tests-debug|cmd) hardened=true ;; esac
if $hardened; then
	cmdline="$cmdline panic_on_warn=1 slub_debug=FZPU slab_nomerge"
	cmdline="$cmdline page_poison=1 init_on_free=1"
fi

# thread=single: multi-threaded TCG now and then trips over the kernel's own
# text patching at boot (an int3 oops in 6.12, before any test runs).
# cx16=off without slub_debug: then SLUB's cmpxchg16b fast path runs, and
# under TCG it now and then corrupts the vCPU (a double fault or a stray #DB
# in kmem_cache_alloc); the tests run SLUB's debug path.
cpu=max
$hardened || cpu=max,cx16=off
set +e
timeout -s KILL "$timeout_s" qemu-system-x86_64 -accel tcg,thread=single -cpu "$cpu" -smp 2 \
	-m "${SCAV_VM_MEM:-512}" -nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$work/initramfs.gz" -append "$cmdline" \
	-serial "file:$work/console.log" -serial stdio </dev/null |
	tr -d '\r' | tee "$work/output.log"
set -e

status=0
grep -q '^not ok' "$work/output.log" && status=1
if ! grep -q '^scav-vm: done' "$work/output.log"; then
	echo "not ok - $krel: the VM did not finish (panic, hang or timeout); see $work/console.log"
	status=1
fi
if grep -E 'WARNING:|BUG:|Oops|Kernel panic|general protection|detected stall' "$work/console.log"; then
	echo "not ok - $krel: kernel console shows the above"
	status=1
fi
exit $status

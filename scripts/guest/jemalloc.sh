# shellcheck shell=sh
# Part of the Redis job of scripts/vm.sh (make check-redis), sourced by
# redis.sh before Redis's suite: jemalloc's own integration tests
# (test/integration of the source of the Debian package whose
# libjemalloc.so.2 the VM has, built as Debian configures it by
# scripts/redis-suite.sh), each program run as jemalloc's test/test.sh runs
# it, against Debian's libjemalloc.so.2 with libscav-jemalloc preloaded and
# scav.ko loaded.  Dirty pages decay at once (dirty_decay_ms:0), so that
# every purge goes through scav (decommit reports) and every reuse of
# purged memory claims it back (commit), while the tests check what they
# read.  Prints TAP, one line per test function and variant; those that
# /scav/jemalloc-xfail lists fail by design, as "# TODO", with the reason.

# scav's counters (redis.sh uses these two as well).
counters() {
	for f in reported_bytes reclaimed_age_bytes claimed_kept_bytes claimed_discarded_bytes; do
		cat /sys/kernel/scav/$f
	done
}
# map_claims FILE...: the pages the shim's claims through the page-state
# map found kept and discarded (no system call, so no counter of the
# module's counts them), summed over what it said at exit (SCAV=debug).
map_claims() {
	cat "$@" 2>/dev/null |
		sed -n 's/^scav-jemalloc: page-state map: .* claims found \([0-9]*\) pages kept and \([0-9]*\) discarded$/\1 \2/p' |
		awk '{ k += $1; d += $2 } END { print k + 0, d + 0 }'
}
# grew WHO WHAT BEFORE AFTER: TAP, that WHO did WHAT (a counter grew).
grew() {
	if [ "$4" -gt "$3" ]; then
		echo "ok - $1 $2"
	else
		echo "not ok - $1 never $2"
	fi
}

# How jemalloc was configured, as test/test.sh passes it to the scripts.
enable_fill=$(sed -n 's/^ *enable_fill=\([0-9]*\).*/\1/p' /scav/test.sh)
enable_prof=$(sed -n 's/^ *enable_prof=\([0-9]*\).*/\1/p' /scav/test.sh)
echo 0 > /sys/kernel/scav/idle_age_ms
# shellcheck disable=SC2046
set -- $(counters)
je_age0=$2
je_ran=0
je_start=$(date +%s)
: > /tmp/je-all.tap
: > /tmp/je-shim.log
for t in $(cd /jemalloc && find . -type f -perm -u+x | sed 's|^\./||' | sort); do
	# Its own MALLOC_CONF, if it has a script, then scav's decay.
	conf=$(MALLOC_CONF=
	       if [ -f "/jemalloc/$t.sh" ]; then
		       # shellcheck disable=SC1090
		       enable_fill=$enable_fill enable_prof=$enable_prof . "/jemalloc/$t.sh"
	       fi
	       echo "$MALLOC_CONF")
	conf="${conf:+$conf,}dirty_decay_ms:0,muzzy_decay_ms:0"
	(cd /tmp && SCAV=debug MALLOC_CONF=$conf LD_PRELOAD=/scav/libscav-jemalloc.so \
		timeout 300 "/jemalloc/$t" /jemalloc/ /jemalloc/) > /tmp/je.out 2>&1
	rc=$?
	je_ran=$((je_ran + 1))
	# Each test function, in each of its variants; those jemalloc-xfail
	# lists are expected to fail (TODO), and must.
	awk -F'\t' -v t="$t" '
		NR == FNR { if (!/^#/ && NF > 1) why[$1] = $2; next }
		/^test_[A-Za-z0-9_]+ \(.*\): (pass|skip|fail)$/ {
			r = $0; sub(/.*: /, "", r)
			fn = $0; sub(/ .*/, "", fn)
			v = $0; sub(/^[^ ]* /, "", v); sub(/: [a-z]*$/, "", v)
			key = t ": " fn; name = "jemalloc: " key " " v
			if (key in why && r == "fail")
				print "not ok - " name " # TODO " why[key]
			else if (key in why)
				print "not ok - " name ": " r ", where jemalloc-xfail says it fails"
			else if (r == "skip")
				print "ok - " name " # SKIP the test chose to (jemalloc'"'"'s configuration)"
			else if (r == "pass")
				print "ok - " name
			else
				print "not ok - " name
		}' \
		/scav/jemalloc-xfail /tmp/je.out > /tmp/je.tap
	cat /tmp/je.tap
	cat /tmp/je.tap >> /tmp/je-all.tap
	# Exit codes as test/test.sh reads them: 0 pass, 1 skip, 2 fail.
	case $rc in
	0|1|2) bad= ;;
	*) bad="exited with status $rc" ;;
	esac
	[ "$rc" != 2 ] || grep -q '^not ok' /tmp/je.tap || bad="failed (status 2) outside its test functions"
	if [ -n "$bad" ]; then
		grep -v ': pass$' /tmp/je.out | head -n 40
		echo "not ok - jemalloc: $t $bad (MALLOC_CONF=$conf)"
	fi
	grep '^scav-jemalloc: page-state map' /tmp/je.out >> /tmp/je-shim.log
	if ! grep -q '^scav-jemalloc: on' /tmp/je.out; then
		head -n 5 /tmp/je.out
		echo "not ok - jemalloc: $t ran without scav"
	fi
done
echo 1000 > /sys/kernel/scav/idle_age_ms
echo "# jemalloc's tests: $je_ran programs in $(( $(date +%s) - je_start )) s"
if [ "$je_ran" -eq 0 ]; then
	echo "not ok - jemalloc: no integration test in /jemalloc"
fi
# Every test jemalloc-xfail lists ran (a list of names that no longer
# exist would excuse nothing, and say nothing true).
grep -v '^#' /scav/jemalloc-xfail | cut -f1 | while IFS= read -r key; do
	grep -qF "jemalloc: $key (" /tmp/je-all.tap ||
		echo "not ok - jemalloc: $key, which jemalloc-xfail lists, did not run"
done
# The shim reports and claims through the page-state map: its claims found
# memory it had reported still kept, and some discarded (by the tests'
# explicit purges, which the shim makes requests, and by aging).
# shellcheck disable=SC2046
set -- $(counters) $(map_claims /tmp/je-shim.log)
echo "# scav during jemalloc's tests: aged out $(( $2 - je_age0 )) bytes; claims through the map found $5 pages kept, $6 discarded"
grew "jemalloc: the tests" "claimed back memory they had reported, kept" 0 "$5"
grew "jemalloc: the tests" "claimed back memory scav had discarded" 0 "$6"

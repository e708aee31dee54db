#!/bin/sh
# Build the Go programs the VM tests run, with integrations/go/scav-go, for
# every Go toolchain scav is tested with:
#
#   Go 1.19  Debian 12's golang-go
#   Go 1.23  golang-1.23-go from bookworm-backports
#   Go 1.26  golang-1.26-go from trixie-backports, in the Debian 13 root of
#            scripts/newest-kernel.sh (it needs a newer libc than Debian 12's)
#
# Each lands in build/go/<go version>/: the workloads churn and idle, the
# benchmark's gcload, Go's
# own testprog, and the test binaries of packages runtime and runtime/debug,
# all built against the patched runtime.  Each build also checks, with the
# compiler's escape analysis, that the code added to the runtime allocates
# nothing on the heap.
#
#   go.sh all           every toolchain above (installing 1.26 in the root)
#   go.sh set GO OUT    one toolchain, the go command GO, into OUT
#   go.sh for KERNEL    the Go version the VM tests of KERNEL use
#   go.sh host          TAP: the scavenger tests of each Go's runtime.test,
#                       natively (no module here: the data structures only,
#                       including TestScavengeIndex, too big for the VM); a
#                       Go above without a build is a failure
set -eu

# The Go versions scav is tested with, one per kernel (see "for" below).
versions="1.19 1.23 1.26"

top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build

# set GO OUT: run where GO lives (the host, or inside the Debian 13 root).
set_one() {
	go=$1
	mkdir -p "$2"
	out=$(cd "$2" && pwd)
	src=$(cd "$(dirname "$0")/.." && pwd)
	export GO="$go" CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS= GOPROXY=off
	export GOCACHE="$out/../.cache" SCAV_GO_CACHE="$out/../.scav-go"
	sg=$src/integrations/go/scav-go
	ver=$("$go" env GOVERSION)
	echo "go.sh: $ver into $out" >&2
	"$sg" info >&2
	cd "$src/selftests/go"
	for p in churn idle limit; do
		"$sg" build -o "$out/$p" "./$p/main.go"
	done
	(cd "$src/bench/go" && "$sg" build -o "$out/gcload" ./gcload/main.go)
	# Rebuild the runtime (-a) so the compiler prints its escape analysis.
	"$sg" build -a -gcflags=runtime=-m -o /dev/null ./idle/main.go 2> "$out/escape.log"
	if grep -E 'scav_linux\.go.*(escapes to heap|moved to heap)' "$out/escape.log"; then
		echo "go.sh: the scav code in the runtime allocates on the heap" >&2
		exit 1
	fi
	grep -q 'scav_linux\.go' "$out/escape.log" || {
		echo "go.sh: no compiler output for scav_linux.go: was the overlay used?" >&2
		exit 1
	}
	goroot=$("$go" env GOROOT)
	(cd "$goroot/src/runtime/testdata/testprog" && "$sg" build -o "$out/testprog" .)
	# vet does not follow overlays into the runtime; the tests are vetted
	# upstream.
	"$sg" test -c -vet=off -o "$out/runtime.test" runtime
	"$sg" test -c -vet=off -o "$out/debug.test" runtime/debug
	echo "$ver" > "$out/version"
}

# The Debian 13 root: golang-1.26-go from trixie-backports.
root_set() {
	. "$top/scripts/chroot.sh"
	root=$b/trixie/root
	[ -e "$root/.complete" ] || "$top/scripts/newest-kernel.sh" setup > /dev/null
	in_root "$root" sh -c 'dpkg -s golang-1.26-go >/dev/null 2>&1 ||
		apt-get install -y -q --no-install-recommends golang-1.26-go' >&2
	rm -rf "$root/src/scav-go"
	mkdir -p "$root/src/scav-go/scripts" "$root/src/scav-go/selftests"
	cp -r "$top/integrations" "$root/src/scav-go/"
	mkdir -p "$root/src/scav-go/bench"
	cp -r "$top/selftests/go" "$root/src/scav-go/selftests/"
	cp -r "$top/bench/go" "$root/src/scav-go/bench/"
	cp "$top/scripts/go.sh" "$root/src/scav-go/scripts/"
	in_root "$root" sh /src/scav-go/scripts/go.sh set /usr/lib/go-1.26/bin/go /src/go/1.26
	rm -rf "$b/go/1.26"
	mkdir -p "$b/go"
	cp -r "$root/src/go/1.26" "$b/go/1.26"
}

host_tests() {
	fail=0
	for v in $versions; do
		d=$b/go/$v
		if [ ! -r "$d/version" ]; then
			echo "not ok - Go $v: no build in $d (make go)"
			fail=1
			continue
		fi
		v=$(cat "$d/version")
		if out=$(cd /tmp && "$d/runtime.test" -test.v -test.run \
			'^(TestScavengeIndex|TestFillAligned|TestPallocDataFindScavengeCandidate|TestPageAllocScavenge|TestScavenger|TestScavChunkDataPack|TestPageAlloc.*|TestPallocBits.*|TestPageCache.*)$' 2>&1) &&
		   echo "$out" | grep -q -- '--- PASS: TestScavengeIndex'; then
			echo "ok - $v runtime scavenger tests on the host ($(echo "$out" | grep -c -- '--- PASS'), TestScavengeIndex among them)"
		else
			echo "$out" | grep -- '--- FAIL' | sed 's/^/# /'
			echo "not ok - $v runtime scavenger tests on the host"
			fail=1
		fi
	done
	return $fail
}

case ${1:-} in
for)
	# One Go per kernel, each Go on one kernel: Debian 12's Go on its 6.1,
	# bookworm-backports' on 6.12, trixie-backports' on the newest.
	case ${2:?usage: go.sh for KERNEL} in
	6.1.*) echo 1.19 ;;
	6.12.*) echo 1.23 ;;
	*) echo 1.26 ;;
	esac
	;;
host)
	host_tests
	;;
set)
	set_one "${2:?usage: go.sh set GO OUT}" "${3:?usage: go.sh set GO OUT}"
	;;
all)
	for v in 1.19 1.23; do	# 1.26 below, in the Debian 13 root
		g=/usr/lib/go-$v/bin/go
		[ -x "$g" ] || { echo "go.sh: no $g (run scripts/deps.sh)" >&2; exit 1; }
		(set_one "$g" "$b/go/$v")
	done
	root_set
	;;
*)
	echo "usage: go.sh all | set GO OUT | for KERNEL | host" >&2
	exit 2
	;;
esac

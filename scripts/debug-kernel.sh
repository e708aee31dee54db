#!/bin/sh
# make check-debug: the suite on a kernel built with the kernel's own
# bug detectors (KASAN, lockdep, DEBUG_VM, kmemleak, DEBUG_ATOMIC_SLEEP,
# DEBUG_LIST, SLUB debugging, debug objects), then the module unloaded and a
# kmemleak scan.  Any report fails the run.
#
# The kernel is Debian's linux-source-6.1, configured from tinyconfig plus
# scripts/debug-kernel.config, and cached in build/debug-kernel/ until the
# source package or the fragment changes.  With --build, only that: build
# (or find) the kernel and stop.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
d=$b/debug-kernel
tarball=/usr/src/linux-source-6.1.tar.xz
frag=$top/scripts/debug-kernel.config

[ -r "$tarball" ] || { echo "debug-kernel.sh: $tarball missing: run scripts/deps.sh" >&2; exit 1; }
key="$(dpkg-query -W -f='${Version}' linux-source-6.1) $(sha256sum < "$frag")"

if [ ! -e "$d/release" ] || [ "$(cat "$d/key" 2>/dev/null)" != "$key" ]; then
	rm -rf "$d"
	mkdir -p "$d"
	echo "debug-kernel.sh: unpacking linux-source-6.1" >&2
	tar -xJf "$tarball" -C "$d"
	src=$d/linux-source-6.1
	(
		cd "$src"
		make -s tinyconfig
		scripts/kconfig/merge_config.sh -m .config "$frag" >/dev/null
		./scripts/config --set-str LOCALVERSION -scav-debug
		make -s olddefconfig
		# Every option asked for must have survived olddefconfig.
		grep '^CONFIG_[A-Z0-9_]*=' "$frag" | while IFS= read -r opt; do
			case $opt in
			*=n) grep -q "^# ${opt%=n} is not set" .config ||
				{ echo "debug-kernel.sh: $opt did not stick" >&2; exit 1; } ;;
			*) grep -qx "$opt" .config ||
				{ echo "debug-kernel.sh: $opt did not stick" >&2; exit 1; } ;;
			esac
		done
		echo "debug-kernel.sh: building (a few minutes)" >&2
		make -s -j"$(nproc)" bzImage modules
	)
	release=$(make -s -C "$src" kernelrelease)
	mkdir -p "$b/kernels/$release"
	cp "$src/arch/x86/boot/bzImage" "$b/kernels/$release/vmlinuz"
	echo "$key" > "$d/key"
	echo "$release" > "$d/release"
fi
release=$(cat "$d/release")
[ "${1:-}" != --build ] || exit 0

make -C "$top" kmod KDIR="$d/linux-source-6.1" >&2
# Without redis_test (scripts/vm.sh says why), and go_test with the newest
# Go built (make go) alone: the Go runtime's page-state map path, some 5
# minutes under KASAN.  1 GiB, not vm.sh's 512 MiB: KASAN's shadow takes
# an eighth, and kmemleak's and SLUB debugging's records grow through the
# run.
go=$(for f in "$b"/go/*/version; do
	[ -r "$f" ] && basename "$(dirname "$f")"
done | sort -V | tail -n 1)
SCAV_VM_GO=${go:-none} SCAV_VM_TIMEOUT=${SCAV_VM_TIMEOUT:-3000} \
	SCAV_VM_MEM=${SCAV_VM_MEM:-1024} \
	"$top/scripts/vm.sh" "$release" tests-debug

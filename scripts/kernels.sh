#!/bin/sh
# Print, one per line, the releases of the kernels scav is built and tested
# for:
#
#   kernels.sh           the newest installed Debian cloud kernel (image and
#                        Kbuild headers) of each supported major.minor of the
#                        host: Debian 12's 6.1 and bookworm-backports' 6.12
#   kernels.sh --chroot  kernels built in the Debian 13 root
#                        (scripts/newest-kernel.sh): image in build/kernels/,
#                        headers in build/trixie/root
#   kernels.sh --all     both
top=$(cd "$(dirname "$0")/.." && pwd)
SUPPORTED="6.1 6.12"

host() {
	for mm in $SUPPORTED; do
		for d in /lib/modules/"$mm".*-cloud-amd64; do
			r=$(basename "$d")
			[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-$r" ] && echo "$r"
		done | sort -V | tail -n1
	done
}

chrooted() {
	for d in "$top"/build/kernels/*/; do
		r=$(basename "$d")
		[ -r "$d/vmlinuz" ] &&
			[ -e "$top/build/trixie/root/usr/src/linux-headers-$r/Makefile" ] &&
			echo "$r"
	done | sort -V | tail -n1
}

case ${1:-} in
"") host ;;
--chroot) chrooted ;;
--all) host; chrooted ;;
*) echo "usage: kernels.sh [--chroot|--all]" >&2; exit 2 ;;
esac

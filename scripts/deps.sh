#!/bin/sh
# Install, idempotently, everything scav builds and tests with, from Debian's
# packages only.  The 6.12 kernel and Go 1.23 come from <codename>-backports;
# that suite is derived from the machine's existing apt sources (never a
# hard-coded host).
set -eu

[ "$(id -u)" -eq 0 ] || { echo "deps.sh: must run as root (apt-get)" >&2; exit 1; }

. /etc/os-release
codename=${VERSION_CODENAME:?no VERSION_CODENAME in /etc/os-release}
bpo=${codename}-backports

PKGS="gcc gcc-multilib make libc6-dev pkg-config libnl-3-dev libnl-genl-3-dev
      libjson-c-dev
      linux-source-6.1
      dwarves qemu-system-x86 busybox-static cpio xz-utils kmod zstd
      gnuplot-nox debootstrap e2fsprogs flex bison bc libelf-dev
      golang-go golang-1.23-go
      debhelper dh-dkms lintian
      prometheus libjemalloc-dev redis-tools tcl8.6 dpkg-dev procps g++"

. "$(dirname "$0")/apt-source.sh"

add_backports() {
	if grep -rqs -- "$bpo" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		return 0
	fi
	src=$(main_source | head -n1)
	[ -n "$src" ] || { echo "deps.sh: no apt source for $codename to derive $bpo from" >&2; exit 1; }
	uri=$(printf '%s' "$src" | cut -f1)
	sb=$(printf '%s' "$src" | cut -f2)
	{
		echo "Types: deb"
		echo "URIs: $uri"
		echo "Suites: $bpo"
		echo "Components: main"
		[ -z "$sb" ] || echo "Signed-By: $sb"
	} > /etc/apt/sources.list.d/scav-backports.sources
	echo "deps.sh: added $bpo from $uri"
}

missing() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
	done
}

# Kernels the VM tests boot: major.minor and the suite that ships it.
KERNELS="6.1:$codename 6.12:$bpo"

# A kernel counts as present when its image and its Kbuild headers are.
have_kernel() {
	for d in /lib/modules/"$1".*-cloud-amd64; do
		[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-$(basename "$d")" ] && return 0
	done
	return 1
}

# Install the cloud kernel image and headers of one suite, and mark the
# versioned packages manual: the meta-packages of the two suites share a
# name, so the second install would otherwise leave the first autoremovable.
install_kernel() {
	suite=$1
	apt-get install -y -q --no-install-recommends --allow-downgrades \
		linux-image-cloud-amd64/"$suite" linux-headers-cloud-amd64/"$suite"
	dpkg-query -W -f='${Package}\n' 'linux-image-[0-9]*-cloud-amd64' \
		'linux-headers-[0-9]*-cloud-amd64' | xargs -r apt-mark manual >/dev/null
}

export DEBIAN_FRONTEND=noninteractive
add_backports
need=$(missing $PKGS)
kneed=
for k in $KERNELS; do
	have_kernel "${k%%:*}" || kneed="$kneed ${k#*:}"
done
if [ -n "$need$kneed" ]; then
	apt-get update -q
	[ -z "$need" ] || apt-get install -y -q --no-install-recommends $need
	for suite in $kneed; do
		install_kernel "$suite"
	done
fi
echo "deps.sh: all dependencies present"

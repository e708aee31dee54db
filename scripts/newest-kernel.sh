#!/bin/sh
# The newest cloud kernel of Debian 13's backports.  Its headers expect
# gcc-14, which Debian 12 lacks, so scav builds against it inside a minimal
# Debian 13 root made with debootstrap and kept (as a cache) in build/trixie/.
# The archive is the one this machine already uses (scripts/apt-source.sh).
#
#   newest-kernel.sh setup          make the root if needed, refresh its
#                                   package lists, install the newest cloud
#                                   headers of trixie-backports in it and
#                                   unpack that kernel's image into
#                                   build/kernels/RELEASE/; print RELEASE
#   newest-kernel.sh build RELEASE  build scav.ko for RELEASE in the root,
#                                   into build/kmod/RELEASE/
#
# Needs root (debootstrap, chroot, mounting /proc for objtool).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
root=$b/trixie/root
suite=trixie
bpo=$suite-backports
pkgs=gcc-14,make,libc6-dev,pahole

[ "$(id -u)" -eq 0 ] || { echo "newest-kernel.sh: must run as root" >&2; exit 1; }

. "$top/scripts/chroot.sh"

setup() {
	. /etc/os-release
	codename=${VERSION_CODENAME:?}
	. "$top/scripts/apt-source.sh"
	src=$(main_source | head -n1)
	[ -n "$src" ] || { echo "newest-kernel.sh: no apt source for $codename" >&2; exit 1; }
	uri=$(printf '%s' "$src" | cut -f1)

	if [ ! -e "$root/.complete" ]; then
		rm -rf "$root"
		mkdir -p "$root"
		echo "newest-kernel.sh: debootstrap $suite from $uri" >&2
		debootstrap --variant=minbase --include="$pkgs" "$suite" "$root" "$uri" >&2
		touch "$root/.complete"
	fi
	{
		echo "Types: deb"
		echo "URIs: $uri"
		echo "Suites: $bpo"
		echo "Components: main"
	} > "$root/etc/apt/sources.list.d/scav-backports.sources"
	in_root "$root" apt-get update -q >&2

	# The meta-package of the backports suite depends on the newest headers.
	hdr=$(in_root "$root" apt-cache depends "linux-headers-cloud-amd64/$bpo" |
	      sed -n 's/^ *Depends: \(linux-headers-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n1)
	[ -n "$hdr" ] || { echo "newest-kernel.sh: no cloud headers in $bpo" >&2; exit 1; }
	krel=${hdr#linux-headers-}
	in_root "$root" apt-get install -y -q --no-install-recommends "$hdr" >&2

	# The image: the package (of those the signed image pulls in) that holds
	# vmlinuz.
	if [ ! -r "$b/kernels/$krel/vmlinuz" ]; then
		rm -rf "$root/tmp/debs"
		mkdir -p "$root/tmp/debs" "$b/kernels/$krel"
		for p in "linux-binary-$krel" "linux-image-$krel-unsigned" "linux-image-$krel"; do
			in_root "$root" sh -c "cd /tmp/debs && apt-get download -q '$p'" >&2 2>/dev/null || continue
			deb=$(ls "$root"/tmp/debs/"$p"_*.deb 2>/dev/null | head -n1)
			[ -n "$deb" ] || continue
			path=$(dpkg-deb -c "$deb" | grep -o '\./[^ ]*/vmlinuz[^ ]*' | head -n1)
			[ -n "$path" ] || continue
			dpkg-deb --fsys-tarfile "$deb" | tar -xO "$path" > "$b/kernels/$krel/vmlinuz"
			break
		done
		rm -rf "$root/tmp/debs"
		[ -s "$b/kernels/$krel/vmlinuz" ] || {
			rm -rf "$b/kernels/$krel"
			echo "newest-kernel.sh: no image found for $krel" >&2
			exit 1
		}
	fi
	echo "$krel"
}

build() {
	krel=$1
	[ -d "$root/usr/src/linux-headers-$krel" ] ||
		{ echo "newest-kernel.sh: no headers for $krel in $root (run setup)" >&2; exit 1; }
	rm -rf "$root/src/$krel" "$b/kmod/$krel"
	mkdir -p "$root/src/$krel" "$b/kmod/$krel"
	cp -r "$top/Kbuild" "$top/module" "$top/uapi" "$root/src/$krel/"
	in_root "$root" make -C "/usr/src/linux-headers-$krel" M="/src/$krel" modules
	cp "$root/src/$krel/scav.ko" "$b/kmod/$krel/"
}

case ${1:-} in
setup) setup ;;
build) build "${2:?usage: newest-kernel.sh build RELEASE}" ;;
*) echo "usage: newest-kernel.sh setup | build RELEASE" >&2; exit 2 ;;
esac

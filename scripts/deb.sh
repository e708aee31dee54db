#!/bin/sh
# Debian packages of scav.
#
#   deb.sh build   build scav-dkms, libscav1, libscav-nl1, libscav-dev,
#                  scavctl, scav-go and libscav-jemalloc with debhelper into
#                  build/deb/, from
#                  a copy of the tree (the packages' clean target empties
#                  build/)
#   deb.sh check   build, run lintian (errors fail), then in a fresh Debian 12
#                  root made with debootstrap (kept pristine in build/bookworm/
#                  and copied for each run): apt install ./*.deb, use the
#                  library, scavctl, scav-go and scav-jemalloc (with Redis and
#                  its unit's drop-in), scavctl's units for node_exporter
#                  (systemd-analyze verify), install the 6.1 and 6.12 headers and
#                  check that DKMS built and installed scav.ko for both, with
#                  the aliases that make an open of /dev/scav load it (and
#                  udev's rule); boot the root in a VM with systemd, Redis's
#                  unit and the drop-in (scripts/systemd-redis.sh); check
#                  that removing scav-dkms leaves nothing behind
#
# The archive is the one this machine uses (scripts/apt-source.sh).  Needs
# root.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
b=$top/build
out=$b/deb

build() {
	rm -rf "$out"
	mkdir -p "$out/src"
	tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$out/src" -xf -
	(cd "$out/src" && dpkg-buildpackage -b -us -uc)
	ls "$out"/*.deb
}

. "$top/scripts/chroot.sh"

check() {
	build
	echo "deb.sh: lintian"
	lintian --fail-on error --display-info "$out"/*.changes

	. /etc/os-release
	codename=${VERSION_CODENAME:?}
	. "$top/scripts/apt-source.sh"
	uri=$(main_source | head -n1 | cut -f1)
	[ -n "$uri" ] || { echo "deb.sh: no apt source for $codename" >&2; exit 1; }
	pristine=$b/bookworm/pristine
	if [ ! -e "$pristine/.complete" ]; then
		rm -rf "$pristine"
		mkdir -p "$pristine"
		debootstrap --variant=minbase "$codename" "$pristine" "$uri"
		touch "$pristine/.complete"
	fi
	root=$b/bookworm/root
	rm -rf "$root"
	cp -a "$pristine" "$root"
	{
		echo "Types: deb"
		echo "URIs: $uri"
		echo "Suites: $codename-backports"
		echo "Components: main"
	} > "$root/etc/apt/sources.list.d/backports.sources"
	mkdir -p "$root/tmp/debs"
	cp "$out"/*.deb "$root/tmp/debs/"

	in_root "$root" apt-get update -q
	# systemd first, as on a real host, so that installing scavctl enables
	# its timer; node_exporter for the directory its textfile collector reads.
	# No daemon starts in the root (policy-rc.d, as for any chroot).
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod +x "$root/usr/sbin/policy-rc.d"
	in_root "$root" apt-get install -y -q --no-install-recommends systemd \
		prometheus-node-exporter
	echo "deb.sh: apt install ./*.deb on a fresh $codename"
	in_root "$root" sh -c 'cd /tmp/debs && apt-get install -y -q ./*.deb'
	echo "deb.sh: scav-metrics for prometheus-node-exporter"
	in_root "$root" sh -ec '
		u=/lib/systemd/system
		# No man-db in the root: the page the units name is checked apart.
		systemd-analyze verify --man=no $u/scav-metrics.service $u/scav-metrics.timer
		test -r /usr/share/man/man8/scavctl.8.gz
		test -L /etc/systemd/system/timers.target.wants/scav-metrics.timer
		# The directory the unit writes to is the collector'"'"'s default.
		prometheus-node-exporter --help 2>&1 |
			grep -A2 -e "--collector.textfile.directory" |
			grep -q "/var/lib/prometheus/node-exporter"
		# What the service runs (no module here: scav_up 0).
		sh -c "$(sed -n "s/^ExecStart=//p" $u/scav-metrics.service)"
		grep -qx "scav_up 0" /var/lib/prometheus/node-exporter/scav.prom
		test "$(ls /var/lib/prometheus/node-exporter)" = scav.prom
	' && echo "ok - scav-metrics units verify and write node_exporter's file" ||
		{ echo "not ok - scav-metrics units"; exit 1; }
	# To build against the library as a user would.
	in_root "$root" apt-get install -y -q --no-install-recommends pkg-config

	echo "deb.sh: the library and scavctl, installed"
	cat > "$root/tmp/t.c" <<'EOF'
#include <stdio.h>
#include <scav.h>
#include <scav_nl.h>

int main(void)
{
	struct scav_nl *n;
	struct scav *s;

	if (scav_open(&s, 0) || !scav_is_fallback(s))
		return 1;
	scav_close(s);
	/* No module here: the family is absent, and says so. */
	return scav_nl_open(&n, 0) == -2 ? 0 : 2;
}
EOF
	in_root "$root" sh -ec '
		scavctl --help >/dev/null
		scavctl version | grep -q fallback
		if scavctl status 2>/tmp/err; then exit 1; fi
		grep -q "not loaded" /tmp/err
		cc -o /tmp/t /tmp/t.c $(pkg-config --cflags --libs libscav libscav-nl)
		/tmp/t
		cc -static -o /tmp/ts /tmp/t.c $(pkg-config --static --cflags --libs libscav libscav-nl)
		/tmp/ts
		# scav-go finds its runtime file; without Go it says what to install.
		test -r /usr/share/scav/go/scav_linux.go.in
		if GO=go scav-go build 2>/tmp/err; then exit 1; fi
		grep -q "install golang-go" /tmp/err
	'

	echo "deb.sh: libscav-jemalloc and Debian's Redis"
	in_root "$root" apt-get install -y -q --no-install-recommends redis-server
	in_root "$root" sh -ec '
		# No module here: jemalloc is found, the session is not.
		SCAV=debug scav-jemalloc redis-server --version 2>/tmp/err >/dev/null
		grep -q "scav-jemalloc: off: no /dev/scav session" /tmp/err
		SCAV=debug scav-jemalloc /bin/true 2>/tmp/err
		grep -q "scav-jemalloc: off: no jemalloc in this process" /tmp/err
		if scav-jemalloc 2>/dev/null; then exit 1; fi
		# The drop-in for Debian'"'"'s unit, as the man page says.
		d=/etc/systemd/system/redis-server.service.d
		mkdir -p $d
		ln -s /usr/share/scav/redis-server-scav.conf $d/scav.conf
		grep -qx "Environment=LD_PRELOAD=/usr/lib/x86_64-linux-gnu/scav/libscav-jemalloc.so" $d/scav.conf
		test -r /usr/lib/x86_64-linux-gnu/scav/libscav-jemalloc.so
		systemd-analyze verify --man=no /lib/systemd/system/redis-server.service
	' && echo "ok - libscav-jemalloc: scav-jemalloc, and the Redis drop-in verifies" ||
		{ echo "not ok - libscav-jemalloc"; exit 1; }
	echo "deb.sh: DKMS builds the module when kernel headers arrive"
	# 6.1 (Debian 12's own) and 6.12 (its backports).
	in_root "$root" apt-get install -y -q --no-install-recommends \
		"linux-headers-amd64/$codename" "linux-headers-cloud-amd64/$codename-backports"
	in_root "$root" dkms status -m scav | tee "$out/dkms-status"
	n=0
	for h in "$root"/lib/modules/*/build; do
		krel=$(basename "$(dirname "$h")")
		if grep -q "^scav/[^,]*, $krel, x86_64: installed" "$out/dkms-status" &&
		   ls "$root/lib/modules/$krel/updates/dkms/scav.ko"* >/dev/null 2>&1; then
			echo "ok - dkms built and installed scav for $krel"
			n=$((n + 1))
		else
			echo "not ok - dkms did not install scav for $krel"
			exit 1
		fi
	done
	[ "$n" -ge 2 ] || { echo "not ok - expected two kernels, got $n"; exit 1; }
	# Opening /dev/scav loads the module: its aliases, depmod's
	# modules.devname (DKMS ran depmod), the node kmod static-nodes makes
	# at boot, and udev's rule that gives that node its mode.
	for h in "$root"/lib/modules/*/build; do
		krel=$(basename "$(dirname "$h")")
		if in_root "$root" modinfo -F alias -k "$krel" scav > "$out/aliases" &&
		   grep -qx "devname:scav" "$out/aliases" &&
		   grep -qx "char-major-10-249" "$out/aliases" &&
		   grep -qx "scav scav c10:249" "$root/lib/modules/$krel/modules.devname"; then
			echo "ok - scav for $krel: aliases devname:scav and char-major-10-249, in modules.devname"
		else
			echo "not ok - scav for $krel: no autoload aliases"
			cat "$out/aliases"
			exit 1
		fi
	done
	in_root "$root" sh -ec '
		grep -q "^KERNEL==\"scav\", MODE=\"0666\", OPTIONS+=\"static_node=scav\"" \
			/lib/udev/rules.d/60-scav.rules
		test -r /usr/share/doc/scav-dkms/examples/scav-modules-load.conf
		test -r /usr/share/doc/scav-dkms/examples/scav-modprobe.conf
	' && echo "ok - udev rule for /dev/scav and the modules-load.d and modprobe.d examples" ||
		{ echo "not ok - udev rule or examples missing"; exit 1; }
	echo "deb.sh: Redis's unit with the drop-in, booted with systemd"
	"$top/scripts/systemd-redis.sh" "$root" ||
		{ echo "not ok - Redis's unit under systemd"; exit 1; }
	echo "ok - Redis's unit under systemd: the drop-in lets /dev/scav in, and only it"
	in_root "$root" sh -c 'apt-get remove -y -q scav-dkms >/dev/null && ! dkms status -m scav | grep -q .' ||
		{ echo "not ok - removing scav-dkms leaves DKMS state"; exit 1; }
	echo "ok - scav-dkms removes cleanly"
	rm -rf "$root"
}

[ "$(id -u)" -eq 0 ] || { echo "deb.sh: must run as root" >&2; exit 1; }
case ${1:-} in
build) build ;;
check) check ;;
*) echo "usage: deb.sh build | check" >&2; exit 2 ;;
esac

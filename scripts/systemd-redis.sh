#!/bin/sh
# systemd-redis.sh ROOT: Debian's redis-server.service with
# libscav-jemalloc's drop-in, run by systemd (deb.sh check, after it
# installed the packages, Redis and the drop-in in the Debian 12 root
# ROOT).  ROOT gets its backports' cloud kernel (DKMS builds scav for it,
# initramfs-tools its initrd) and a oneshot unit ordered after Redis's
# that runs scripts/guest/systemd-redis.sh; it becomes an ext4 image that
# qemu (TCG) boots with systemd as init, as a host boots.  The unit's TAP
# comes back on the second serial port; the kernel console is checked as
# vm.sh checks it.  ROOT is changed; deb.sh deletes it afterwards.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
root=$1
work=$top/build/systemd-redis
rm -rf "$work"
mkdir -p "$work"

. "$top/scripts/chroot.sh"
. /etc/os-release
codename=${VERSION_CODENAME:?}

# The kernel, as a host installs it (its postinst runs DKMS and
# update-initramfs); its headers are in ROOT already.
in_root "$root" apt-get install -y -q --no-install-recommends \
	"linux-image-cloud-amd64/$codename-backports" initramfs-tools
kernel=$(ls "$root"/boot/vmlinuz-*-cloud-amd64 | sort -V | tail -n1)
krel=${kernel##*/vmlinuz-}
initrd=$root/boot/initrd.img-$krel
[ -r "$initrd" ] || { echo "not ok - no initrd for $krel"; exit 1; }
ls "$root/lib/modules/$krel/updates/dkms/scav.ko"* > /dev/null ||
	{ echo "not ok - DKMS did not build scav for the booted $krel"; exit 1; }

# Daemons start at boot again (policy-rc.d stops them in the root, and
# comes back afterwards); the check runs once Redis has.
mv "$root/usr/sbin/policy-rc.d" "$work/"
install -m 755 "$top/scripts/guest/systemd-redis.sh" "$root/usr/local/sbin/scav-systemd-redis"
cat > "$root/etc/systemd/system/scav-systemd-redis.service" <<'EOF'
[Unit]
Description=scav: check Redis's unit and its drop-in (deb.sh)
After=redis-server.service
Wants=redis-server.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/scav-systemd-redis
EOF
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -sf ../scav-systemd-redis.service \
	"$root/etc/systemd/system/multi-user.target.wants/scav-systemd-redis.service"

# The image: what ROOT holds, with room for Redis and the journal.
mb=$(du -sm "$root" | cut -f1)
mke2fs -q -t ext4 -L root -d "$root" "$work/root.img" "$((mb + mb / 4 + 256))M"
mv "$work/policy-rc.d" "$root/usr/sbin/"

cmdline="console=ttyS0 root=/dev/vda rw init=/lib/systemd/systemd"
cmdline="$cmdline panic=-1 oops=panic loglevel=5 systemd.firstboot=off"
echo "systemd-redis.sh: booting $krel with systemd"
set +e
# cx16=off: SLUB's cmpxchg16b fast path corrupts vCPUs under TCG (vm.sh).
timeout -s KILL 900 qemu-system-x86_64 -accel tcg,thread=single -cpu max,cx16=off \
	-smp 2 -m 1024 -nodefaults -display none -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-drive "file=$work/root.img,format=raw,if=virtio" \
	-serial "file:$work/console.log" -serial stdio </dev/null |
	tr -d '\r' | tee "$work/output.log"
set -e
rc=0
grep -q '^scav-systemd: done$' "$work/output.log" ||
	{ echo "not ok - the check did not finish: $work/console.log"; rc=1; }
grep -q '^not ok' "$work/output.log" && rc=1
if grep -Ea -f "$top/scripts/guest/kernel-log.ere" "$work/console.log"; then
	echo "not ok - kernel console shows the above"
	rc=1
fi
[ "$rc" -ne 0 ] || rm -f "$work/root.img"
exit $rc

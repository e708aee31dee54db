# Sourced by newest-kernel.sh and deb.sh.
#
# in_root ROOT CMD...: run CMD in the Debian root ROOT with a clean
# environment and /proc mounted (apt, dkms and objtool read it), unmounting
# it again however CMD ends; returns CMD's status.
in_root() {
	_r=$1
	shift
	mountpoint -q "$_r/proc" || mount -t proc proc "$_r/proc"
	set +e
	chroot "$_r" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
		DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"
	_rc=$?
	set -e
	umount "$_r/proc"
	return $_rc
}

#!/bin/sh
# Print the release of the newest installed Debian cloud kernel (image and
# Kbuild headers) of each major.minor scav supports, one per line.
SUPPORTED="6.1 6.12"
for mm in $SUPPORTED; do
	for d in /lib/modules/"$mm".*-cloud-amd64; do
		r=$(basename "$d")
		[ -e "$d/build/Makefile" ] && [ -e "/boot/vmlinuz-$r" ] && echo "$r"
	done | sort -V | tail -n1
done

#!/bin/sh
# make bench: scavbench natively (the userspace-only modes, on the host's own
# kernel) and in a VM for each supported kernel (every mode, module loaded),
# then tables, CSV and plots under build/bench/.  Ratios only mean anything
# within one run; see Documentation/benchmarks.md.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/bench
rm -rf "$out"
mkdir -p "$out"

{
	echo "# scav benchmark, $(date -u +%Y-%m-%d)"
	echo
	echo "## Host $(uname -r), natively, without the module (userspace modes only)"
	echo
	LD_LIBRARY_PATH=$top/build/lib "$top/build/scavbench" -o "$out" | sed 's/^#/##/'
	mkdir -p "$out/host"
	mv "$out"/*.csv "$out/host/" 2>/dev/null || true
	for k in $("$top/scripts/kernels.sh" --all); do
		echo
		echo "## Linux $k in qemu (TCG), module loaded"
		echo
		SCAV_VM_GO=$("$top/scripts/go.sh" for "$k") SCAV_VM_MEM=6144 \
			"$top/scripts/vm.sh" "$k" bench > "$out/$k.log" 2>&1 ||
			echo "**the VM run failed: see $out/$k.log**"
		mkdir -p "$out/$k"
		grep '^csv:' "$out/$k.log" | while IFS=: read -r _ name line; do
			echo "$line" >> "$out/$k/$name.csv"
		done
		grep -v '^csv:\|^scav-vm:' "$out/$k.log" | sed 's/^#/##/'
		if command -v gnuplot >/dev/null && [ -s "$out/$k/rss.csv" ]; then
			gnuplot -e "dir='$out/$k'; title='$k'" "$top/bench/plots.gp"
			echo
			echo "![release cost]($k/release.png) ![RSS over time]($k/rss.png)"
			[ ! -s "$out/$k/go-rss.csv" ] || echo "![Go workload]($k/go-rss.png)"
			[ ! -s "$out/$k/go-limit-rss.csv" ] ||
				echo "![Go workload under a memory limit]($k/go-limit-rss.png)"
			[ ! -s "$out/$k/redis-rss.csv" ] ||
				echo "![Redis, stock jemalloc and on scav]($k/redis-rss.png)"
		fi
	done
} > "$out/results.md"
echo "scripts/bench.sh: results in $out/results.md"

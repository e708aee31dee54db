# gnuplot -e "dir='build/bench/KERNEL'; title='KERNEL'" bench/plots.gp
set datafile separator ","
set terminal pngcairo size 900,500 noenhanced
set key outside right
set grid ytics

# Release cost of 4 KiB ranges, per mode and ranges per call, as a ratio to
# the madvise(DONTNEED) loop.
set output dir."/release.png"
set title "Release cost, 4 KiB ranges, ".title." (ratio to madvise(DONTNEED) loop)"
set style data histograms
set style fill solid 0.8
set boxwidth 0.8
set xtics rotate by -30
set yrange [0:*]
plot "< awk -F, '$2==4096 {print $1\" x\"$3\",\"$6}' ".dir."/release.csv" \
	using 2:xtic(1) notitle

# RSS over time after freeing 48 of 64 MiB.
set output dir."/rss.png"
set title "RssAnon after freeing 48 of 64 MiB at t = 0, ".title
set style data lines
set xtics norotate
set xlabel "ms"
set ylabel "MiB"
set yrange [0:*]
plot for [m in "madvise(DONTNEED) madvise(FREE) scav"] \
	"< grep '^".m."' ".dir."/rss.csv" using 2:($3/1024) title m." RssAnon" lw 2, \
	"< grep '^scav' ".dir."/rss.csv" using 2:($6/1024) title "ground truth (pagemap)" dt 2 lw 2

# The Go workload: VmRSS over time, three ways (when the run had one).
if (strlen(system("test -s ".dir."/go-rss.csv && echo y")) > 0) {
	set output dir."/go-rss.png"
	set title "Go workload (bench/go/gcload): VmRSS, ".title
	set xlabel "ms"
	set ylabel "MiB"
	plot for [m in "madvdontneed=1 madvdontneed=0 scav scav-ioctl"] \
		"< grep '^".m.",' ".dir."/go-rss.csv" using 2:($3/1048576) title m lw 2
}

# The Go workload under a memory limit in a cgroup, stock and scav.
if (strlen(system("test -s ".dir."/go-limit-rss.csv && echo y")) > 0) {
	set output dir."/go-limit-rss.png"
	set title "Go workload, GOMEMLIMIT=32MiB, cgroup memory.max 40 MiB: VmRSS, ".title
	set xlabel "ms"
	set ylabel "MiB"
	plot for [m in "stock scav"] \
		"< grep '^".m.",' ".dir."/go-limit-rss.csv" using 2:($3/1048576) title m lw 2, \
		32 title "GOMEMLIMIT" dt 2 lw 1
}

# Redis, stock jemalloc and with libscav-jemalloc: used_memory_rss.
if (strlen(system("test -s ".dir."/redis-rss.csv && echo y")) > 0) {
	set output dir."/redis-rss.png"
	set title "Redis: fill 128 MiB, delete 96 MiB, 30 s idle, refill: used_memory_rss, ".title
	set xlabel "ms"
	set ylabel "MiB"
	plot for [m in "stock scav"] \
		"< grep '^".m.",' ".dir."/redis-rss.csv" using 2:($3/1048576) title m lw 2
}

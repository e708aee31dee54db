// SPDX-License-Identifier: GPL-2.0
//
// limit: a heap that rises and falls under a memory limit
// (debug.SetMemoryLimit), with the GC at its default pace, so that both of
// the runtime's reasons to release memory take turns: while the live set is
// small, the background scavenger releases what the heap goal leaves over
// (memory scav holds idle); while it is large, the heap goal lies past the
// limit, and the runtime releases memory to stay under the limit.  Every
// byte allocated is written.  Each round the live set climbs to -top
// percent of the limit and back down to a tenth, and the program sleeps at
// the bottom, for the background scavenger to work.  It prints "done" at
// the end; the test reads what the program took from its cgroup
// (memory.peak, memory.events).  The live set is replaced at each step, in
// objects of mixed sizes (see fill), from a fixed seed.
//
// With -holes, instead: a heap of 1 MiB objects of -top percent of the
// limit, every other one dropped; once the background scavenger has
// released most of the holes (or -wait has passed; they fit nothing
// larger than a MiB), 4 MiB
// objects of half as much.  The runtime counts the released holes as
// gone and grows the heap into fresh memory for the new objects; memory
// that scav holds idle there is still resident.  At the end it prints
//
//	done vm_rss_bytes retained_bytes
//
// with /proc/self/status VmRSS and what the runtime counts as its own
// (/memory/classes/total:bytes less heap/released:bytes).
package main

import (
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

var live [][]byte

// fill replaces the live set with objects of about target bytes in all,
// each written: mostly 8 KiB ones, one in eight between 64 KiB and a MiB,
// which seldom fit the holes the small ones leave, so that the heap grows
// at one end while the runtime releases memory at the other.
func fill(rng *rand.Rand, target int) {
	live = nil
	for have := 0; have < target; {
		n := 8 << 10
		if rng.Intn(8) == 0 {
			n = 64<<10 + rng.Intn(1<<20)
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i)
		}
		live = append(live, b)
		have += n
	}
}

// vmRSS is VmRSS of /proc/self/status, in bytes, or 0.
func vmRSS() uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v := strings.TrimPrefix(l, "VmRSS:"); v != l {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(v, "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// holes: see the head of the file.
func holes(limit, top int, wait time.Duration) {
	m := []metrics.Sample{
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	n := limit / 100 * top >> 20
	for i := 0; i < n; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(j)
		}
		live = append(live, b)
	}
	for i := 0; i < n; i += 2 {
		live[i] = nil
	}
	runtime.GC()
	// Released memory counts what the heap never used too, and the
	// runtime takes some of that for itself meanwhile: measure what the
	// scavenger releases above the lowest figure seen from here on.
	metrics.Read(m)
	base, got := m[0].Value.Uint64(), uint64(0)
	for t0 := time.Now(); time.Since(t0) < wait && got < uint64(n/2)<<20*3/4; {
		time.Sleep(100 * time.Millisecond)
		metrics.Read(m)
		if v := m[0].Value.Uint64(); v < base {
			base = v
		} else {
			got = v - base
		}
	}
	fmt.Fprintln(os.Stderr, "holes released:", got>>20, "MiB")
	for i := 0; i < n/8; i++ {
		b := make([]byte, 4<<20)
		for j := range b {
			b[j] = byte(j)
		}
		live = append(live, b)
	}
	metrics.Read(m)
	fmt.Println("done", vmRSS(), m[1].Value.Uint64()-m[0].Value.Uint64())
}

func main() {
	limitMiB := flag.Int("limit", 64, "memory limit, MiB")
	top := flag.Int("top", 60, "the live set's peak, percent of the limit")
	rounds := flag.Int("rounds", 3, "climbs to the peak and back")
	rest := flag.Duration("rest", time.Second, "time at the bottom of each round")
	holesMode := flag.Bool("holes", false, "holes, then larger objects (see above)")
	wait := flag.Duration("wait", time.Minute, "-holes: longest wait for the scavenger")
	flag.Parse()
	limit := *limitMiB << 20
	debug.SetMemoryLimit(int64(limit))
	if *holesMode {
		holes(limit, *top, *wait)
		return
	}

	rng := rand.New(rand.NewSource(1))
	for r := 0; r < *rounds; r++ {
		for pct := 10; pct <= *top; pct += 5 {
			fill(rng, limit/100*pct)
		}
		for pct := *top; pct >= 10; pct -= 5 {
			fill(rng, limit/100*pct)
		}
		time.Sleep(*rest)
	}
	fmt.Println("done")
}

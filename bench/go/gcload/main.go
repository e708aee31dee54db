// SPDX-License-Identifier: GPL-2.0
//
// gcload: a Go service's memory in bursts.  Each cycle allocates -burst MiB
// in objects of 16 KiB to 1 MiB, writes them, keeps -live MiB of them, drops
// the rest and pauses; the runtime's background scavenger releases what it
// can meanwhile.  After the last cycle the program stays idle for -tail.
// It samples its own VmRSS every -sample and prints
//
//	sample T_MS RSS_BYTES
//	gcload work_ms=W rss_mean=M rss_end=E
//
// W is the time spent in the bursts (page faults and zeroing of memory
// that was given back show up here), M the mean VmRSS over the whole run,
// E the VmRSS at the end of the tail.  Run it with GODEBUG=madvdontneed=1,
// with GODEBUG=madvdontneed=0, and on scav (built with scav-go).
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func vmRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest := strings.TrimPrefix(s.Text(), "VmRSS:"); rest != s.Text() {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

var keep [][]byte

func main() {
	cycles := flag.Int("cycles", 5, "bursts")
	burst := flag.Int("burst", 96, "MiB allocated per burst")
	live := flag.Int("live", 8, "MiB kept from each burst (the oldest go)")
	pause := flag.Duration("pause", 2*time.Second, "idle time between bursts")
	tail := flag.Duration("tail", 8*time.Second, "idle time after the last burst")
	sample := flag.Duration("sample", 100*time.Millisecond, "RSS sampling interval")
	flag.Parse()

	type point struct{ t, rss int64 }
	pts := make([]point, 0, 4096)
	t0 := time.Now()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(*sample)
		defer tick.Stop()
		for {
			if len(pts) < cap(pts) {
				pts = append(pts, point{time.Since(t0).Milliseconds(), vmRSS()})
			}
			select {
			case <-tick.C:
			case <-stop:
				close(done)
				return
			}
		}
	}()

	rng := rand.New(rand.NewSource(1))
	var work time.Duration
	for c := 0; c < *cycles; c++ {
		start := time.Now()
		var kept int
		for total := 0; total < *burst<<20; {
			b := make([]byte, 16<<10+rng.Intn(1<<20))
			for i := 0; i < len(b); i += 4096 {
				b[i] = byte(i)
			}
			total += len(b)
			if kept < *live<<20 {
				keep = append(keep, b)
				kept += len(b)
			}
		}
		// Keep the newest -live MiB only.
		for n := 0; len(keep) > 0 && n < len(keep); n++ {
			var sz int
			for _, k := range keep[n:] {
				sz += len(k)
			}
			if sz <= *live<<20 {
				keep = append([][]byte(nil), keep[n:]...)
				break
			}
		}
		runtime.GC()
		work += time.Since(start)
		time.Sleep(*pause)
	}
	time.Sleep(*tail)
	close(stop)
	<-done

	var sum int64
	for _, p := range pts {
		fmt.Printf("sample %d %d\n", p.t, p.rss)
		sum += p.rss
	}
	fmt.Printf("gcload work_ms=%d rss_mean=%d rss_end=%d\n", work.Milliseconds(),
		sum/int64(len(pts)), pts[len(pts)-1].rss)
}

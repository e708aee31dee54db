// SPDX-License-Identifier: GPL-2.0
//
// idle: grow the heap, drop most of it, then sit idle, printing once per
// interval
//
//	t_ms vm_rss_bytes heap_released_bytes mapped_bytes
//
// (milliseconds since the drop, /proc/self/status VmRSS, and the runtime's
// /memory/classes/heap/released:bytes and /memory/classes/total:bytes), so
// a test can watch the background scavenger hand the memory back.  With
// -free-at, once the scavenger has released that much, it calls
// debug.FreeOSMemory() and prints the same figures right after, as
//
//	freed t_ms vm_rss_bytes heap_released_bytes mapped_bytes
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"
)

var keep [][]byte

func vmRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest := strings.TrimPrefix(s.Text(), "VmRSS:"); rest != s.Text() {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func main() {
	live := flag.Int("live", 8, "MiB kept live")
	garbage := flag.Int("garbage", 64, "MiB allocated and dropped")
	interval := flag.Duration("interval", 100*time.Millisecond, "time between lines")
	freeAt := flag.Int("free-at", -1, "MiB released before calling debug.FreeOSMemory() (-1: never)")
	flag.Parse()

	var junk [][]byte
	for i := 0; i < *live+*garbage; i++ {
		b := make([]byte, 1<<20)
		for j := range b {
			b[j] = byte(i + j)
		}
		if i%(*live+*garbage) < *live {
			keep = append(keep, b)
		} else {
			junk = append(junk, b)
		}
	}
	junk = nil
	runtime.GC()
	runtime.GC()
	fmt.Println("dropped")

	s := []metrics.Sample{
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/total:bytes"},
	}
	w := bufio.NewWriter(os.Stdout)
	t0 := time.Now()
	for {
		metrics.Read(s)
		if *freeAt >= 0 && s[0].Value.Uint64() >= uint64(*freeAt)<<20 {
			*freeAt = -1
			debug.FreeOSMemory()
			metrics.Read(s)
			fmt.Fprint(w, "freed ")
		}
		fmt.Fprintf(w, "%d %d %d %d\n", time.Since(t0).Milliseconds(), vmRSS(),
			s[0].Value.Uint64(), s[1].Value.Uint64())
		w.Flush()
		time.Sleep(*interval)
	}
}

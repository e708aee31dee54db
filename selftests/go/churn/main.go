// SPDX-License-Identifier: GPL-2.0
//
// churn: allocation churn whose output depends only on its flags, so that a
// run on scav can be compared byte for byte with a stock run.  Several
// goroutines allocate slices, maps, channels and pointer structures, check
// that every fresh allocation reads as zeros, hash what they wrote, and drop
// it; between rounds the heap is handed back with debug.FreeOSMemory() or
// left to the background scavenger, and every third round pauses so that
// released memory can age (and scav can discard it) before it is reused.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

type node struct {
	next *node
	kids [3]*node
	val  uint64
}

var nonzero int64

func checkZero(b []byte) {
	for _, c := range b {
		if c != 0 {
			atomic.AddInt64(&nonzero, 1)
			return
		}
	}
}

func sum64(h uint64, v uint64) uint64 {
	f := fnv.New64a()
	var b [16]byte
	for i := 0; i < 8; i++ {
		b[i] = byte(h >> (8 * i))
		b[8+i] = byte(v >> (8 * i))
	}
	f.Write(b[:])
	return f.Sum64()
}

func slices(rng *rand.Rand, h uint64) uint64 {
	var live [][]byte
	for i := 0; i < 12; i++ {
		b := make([]byte, 64<<10+rng.Intn(2<<20))
		checkZero(b)
		rng.Read(b)
		f := fnv.New64a()
		f.Write(b)
		h = sum64(h, f.Sum64())
		if i%4 == 0 {
			live = append(live, b)
		}
	}
	for _, b := range live {
		h = sum64(h, uint64(b[len(b)/2]))
	}
	return h
}

func maps(rng *rand.Rand, h uint64) uint64 {
	m := make(map[uint64][]uint64)
	for i := 0; i < 5000; i++ {
		k := rng.Uint64()
		v := make([]uint64, 1+rng.Intn(16))
		for j := range v {
			if v[j] != 0 {
				atomic.AddInt64(&nonzero, 1)
			}
			v[j] = k ^ uint64(j)
		}
		m[k] = v
	}
	var x uint64 // iteration order is random: combine order-independently
	for k, v := range m {
		x += sum64(k, v[len(v)-1])
	}
	return sum64(h, x)
}

func channels(rng *rand.Rand, h uint64) uint64 {
	c := make(chan [32]uint64, 512)
	seed := rng.Uint64()
	go func() {
		for i := uint64(0); i < 1000; i++ {
			var v [32]uint64
			for j := range v {
				v[j] = seed + i*32 + uint64(j)
			}
			c <- v
		}
		close(c)
	}()
	var x uint64
	for v := range c {
		x = sum64(x, v[31])
	}
	return sum64(h, x)
}

func pointers(rng *rand.Rand, h uint64) uint64 {
	var head *node
	all := make([]*node, 0, 20000)
	for i := 0; i < 20000; i++ {
		n := &node{val: rng.Uint64(), next: head}
		if n.kids[0] != nil || n.kids[1] != nil || n.kids[2] != nil {
			atomic.AddInt64(&nonzero, 1)
		}
		if len(all) > 0 {
			n.kids[i%3] = all[rng.Intn(len(all))]
		}
		all = append(all, n)
		head = n
	}
	runtime.GC() // move everything through a collection, pointers intact
	var x uint64
	for n := head; n != nil; n = n.next {
		x = sum64(x, n.val)
		if k := n.kids[0]; k != nil {
			x ^= k.val
		}
	}
	return sum64(h, x)
}

func work(round, worker int) uint64 {
	rng := rand.New(rand.NewSource(int64(round*1000 + worker)))
	h := uint64(round)
	h = slices(rng, h)
	h = maps(rng, h)
	h = channels(rng, h)
	h = pointers(rng, h)
	return h
}

func main() {
	rounds := flag.Int("rounds", 6, "rounds of allocation")
	workers := flag.Int("workers", 4, "goroutines per round")
	pause := flag.Duration("pause", 400*time.Millisecond, "idle time every third round")
	flag.Parse()

	for r := 0; r < *rounds; r++ {
		res := make([]uint64, *workers)
		var wg sync.WaitGroup
		for w := 0; w < *workers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				res[w] = work(r, w)
			}(w)
		}
		wg.Wait()
		var h uint64
		for _, v := range res {
			h = sum64(h, v)
		}
		fmt.Printf("round %d: %016x\n", r, h)
		if r%2 == 0 {
			debug.FreeOSMemory()
		} else {
			runtime.GC()
		}
		if r%3 == 2 {
			time.Sleep(*pause)
		}
	}
	fmt.Printf("fresh allocations not zeroed: %d\n", atomic.LoadInt64(&nonzero))
	if nonzero != 0 {
		os.Exit(1)
	}
}

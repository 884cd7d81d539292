package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
)

// Huge pages for the heap of a large run.
//
// A run over tens of thousands of objects touches hundreds of MB of fresh heap, and on
// virtual machines each first touch of a 4 KB page is costly (2.5 ms per MB). Where the
// kernel gives transparent huge pages only to memory that asks for them (the "madvise"
// mode, the default of most distributions), the Go runtime does not ask. So before
// decoding a large input, kubenet has the runtime map the heap it will need at once,
// asks for huge pages on that range, and hands it back: the allocator then fills it
// from the bottom, 2 MB per page fault instead of 4 KB, which takes 13-20% off the CPU
// and wall time of a 40,000-object run (docs/performance.md). This changes how memory
// is paged, never what is computed; KUBENET_HUGEPAGES=off turns it off.

const (
	// hugeMinInput is the smallest input worth it: smaller runs end before page faults
	// matter, and readying costs a garbage collection.
	hugeMinInput = 4 << 20
	// heapPerInputByte is the peak heap per byte of YAML (about 19 at 44,000 objects).
	heapPerInputByte = 20
	// hugeMaxHeap bounds the range readied (address space only until touched).
	hugeMaxHeap = 1 << 30
	// heapArena is the unit the Go runtime maps its heap in on 64-bit systems.
	heapArena = 64 << 20
)

// hugeHeapSize is the heap to ready for input bytes of YAML: none below hugeMinInput,
// else heapPerInputByte per byte, in whole heap arenas, at most hugeMaxHeap.
func hugeHeapSize(input int64) int64 {
	if input < hugeMinInput {
		return 0
	}
	n := min(input*heapPerInputByte, hugeMaxHeap)
	return (n + heapArena - 1) / heapArena * heapArena
}

// thpMode is the kernel's transparent huge page mode, the bracketed word of
// /sys/kernel/mm/transparent_hugepage/enabled ("always [madvise] never"), or "".
func thpMode(enabled string) string {
	_, rest, ok := strings.Cut(enabled, "[")
	if !ok {
		return ""
	}
	mode, _, ok := strings.Cut(rest, "]")
	if !ok {
		return ""
	}
	return mode
}

// hugePagesOff reports whether the user turned huge pages off.
func hugePagesOff() bool {
	switch strings.ToLower(os.Getenv("KUBENET_HUGEPAGES")) {
	case "off", "0", "false", "no":
		return true
	}
	return false
}

// heapReadier returns a model.Options.Sized hook that readies the heap once, for the
// first graph loaded, and records how much it readied in *readied. The hook returns
// what the loader calls when a graph is built: GOGC back after the first (see
// relaxGC), and the memory limit raised for every one (see limitMemory).
func heapReadier(readied *int64, pace loadPace) func(int64) func() {
	var once sync.Once
	return func(input int64) func() {
		var relaxed func()
		once.Do(func() {
			n := readyHeap(pace.heapSize(input))
			if readied != nil {
				*readied = n
			}
			relaxed = relaxGC(input, pace)
		})
		return func() {
			if relaxed != nil {
				relaxed()
			}
			limitMemory(input)
		}
	}
}

// Garbage collection while loading.
//
// Decoding allocates about 55 bytes per byte of YAML (the YAML library's node trees,
// garbage once a document is read) while the model it keeps grows to about 3.5: with
// the default GOGC=100, each collection comes after little garbage and marks the whole
// model built so far: 23 collections for the reference corpus of 40,817 objects.
//
// lint loads at GOGC=200 (paceLint): 0.2-0.3 s less of 2.9 s (docs/performance.md) for
// 10-40 MB more peak memory. Its later stages hold twice the graph: a laxer GOGC while
// loading gained nothing on the generated cluster for 20-60 MiB more, and took the
// Cilium cluster over 500 MiB and the 100,000-object input 0.5 s slower; within the
// memory limit it took 0.1-0.2 s off the reference corpus and the 100,000-object
// input alike, which raises their ratio, a target too.
//
// A command that answers one question of the graph (reach, graph, resolve) does
// little after loading, so its peak is the loading's: it loads at GOGC=400 within the
// memory limit from the start (paceQuery), with the heap readied for huge pages no
// larger than the limit (the limit counts it). `reach --from --to` on the reference
// corpus, in pairs of runs: 1.50 -> 1.38 s (faster in 8 pairs of 12), peak 300 -> 400
// MiB.
type loadPace struct {
	percent int  // GOGC while loading
	limited bool // the memory limit holds while loading already
}

var (
	paceLint  = loadPace{percent: 200}
	paceQuery = loadPace{percent: 400, limited: true}
)

// heapSize is the heap to ready for huge pages for input bytes of YAML: hugeHeapSize,
// and when the memory limit holds while loading, no more than it in whole arenas (the
// readied heap is free memory the limit counts).
func (p loadPace) heapSize(input int64) int64 {
	size := hugeHeapSize(input)
	if p.limited {
		size = min(size, memoryLimit(input)/heapArena*heapArena)
	}
	return size
}

// relaxGC sets GOGC to pace.percent for loading a large input (as large as readyHeap
// readies the heap for), and the memory limit when pace.limited, and returns what puts
// GOGC back, or nil. Putting it back collects the loading's garbage at once: the stages
// after set out from the live heap, not from twice the garbage (the generated
// cluster's peak is 10-20 MB lower). A GOGC the user set is left alone, and so is a
// GOMEMLIMIT.
func relaxGC(input int64, pace loadPace) func() {
	if input < hugeMinInput || os.Getenv("GOGC") != "" {
		return nil
	}
	if pace.limited && os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit(input))
	}
	old := debug.SetGCPercent(pace.percent)
	return func() {
		debug.SetGCPercent(old)
		runtime.GC()
	}
}

// A memory limit for a large run.
//
// The facts about a policy-heavy input make the live heap about twice the graph's
// while they are computed, and at the default GOGC the collector lets the heap grow to
// twice that again before it collects: a 54,000-object cluster with a Cilium or Calico
// policy per application peaked at 550-640 MiB, of which 250-280 MiB were live. A soft
// limit of Go's runtime (debug.SetMemoryLimit) has it collect earlier as the heap nears
// the limit, and costs nothing while it is far. It is set once the graph is built: while
// loading, the heap readied for huge pages is free memory the limit would count, and
// the runtime would hand it back to the system only to fault it in again (a command that
// does little after loading sets it before, and loads within it; see loadPace). At 430
// MiB the Calico and Gateway clusters peak at 464-481 MiB (the binary's own pages are
// not counted), and are no slower than at 450 MiB (485-503 MiB); the Cilium cluster's
// 31 MB take 446 MiB at 15 bytes per byte, and peak at 491-498 MiB. The reference
// corpus and the generated cluster stay at or below the limit, as fast. At 15 bytes
// per byte of YAML a 100,000-object input (61 MB) peaks at 830-895 MiB instead of
// 950-970, in the same time (docs/performance.md). An input whose live heap outgrows its
// limit is slowed, not stopped: the runtime gives the collector at most half the CPU.
const (
	memoryFloor        = 430 << 20
	memoryPerInputByte = 15
)

// memoryLimit is the soft memory limit for input bytes of YAML: none below
// hugeMinInput, else memoryPerInputByte per byte and at least memoryFloor.
func memoryLimit(input int64) int64 {
	if input < hugeMinInput {
		return 0
	}
	return max(memoryFloor, input*memoryPerInputByte)
}

// limited is the YAML of every graph built so far in the process: the graphs a run
// holds together (the deployments of an overlay folder, the two sides of a diff) share
// one limit, sized for all of them.
var limited atomic.Int64

// limitMemory sets the memory limit for a run once a graph over input bytes of YAML is
// built, unless the user set one (GOMEMLIMIT) or turned the collector off (GOGC=off).
func limitMemory(input int64) {
	n := memoryLimit(limited.Add(input))
	if n == 0 || os.Getenv("GOMEMLIMIT") != "" || os.Getenv("GOGC") == "off" {
		return
	}
	debug.SetMemoryLimit(n)
}

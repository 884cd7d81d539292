package main

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHugeHeapSize(t *testing.T) {
	assert.Zero(t, hugeHeapSize(0))
	assert.Zero(t, hugeHeapSize(hugeMinInput-1), "small inputs are not worth a collection")
	assert.Equal(t, int64(128<<20), hugeHeapSize(hugeMinInput), "4 MB of YAML: 80 MB of heap, in whole 64 MB arenas")
	assert.Equal(t, int64(512<<20), hugeHeapSize(24_900_000), "the 44,004-object cluster: 498 MB, in whole arenas")
	assert.Equal(t, int64(hugeMaxHeap), hugeHeapSize(200<<20), "bounded")
}

func TestTHPMode(t *testing.T) {
	assert.Equal(t, "madvise", thpMode("always [madvise] never\n"))
	assert.Equal(t, "always", thpMode("[always] madvise never\n"))
	assert.Equal(t, "never", thpMode("always madvise [never]\n"))
	assert.Empty(t, thpMode(""))
	assert.Empty(t, thpMode("always [madvise"))
}

func TestHugePagesOff(t *testing.T) {
	for _, v := range []string{"off", "0", "false", "NO"} {
		t.Setenv("KUBENET_HUGEPAGES", v)
		assert.True(t, hugePagesOff(), v)
		assert.Zero(t, readyHeap(hugeHeapSize(100<<20)), "turned off with %q", v)
	}
	t.Setenv("KUBENET_HUGEPAGES", "")
	assert.False(t, hugePagesOff())
}

// TestReadyHeap: on Linux in the kernel's "madvise" mode, a large input gets a heap
// range advised for huge pages (the kernel lists it with the "hg" flag); in any other
// mode, on other systems, and for small inputs, nothing is done.
func TestReadyHeap(t *testing.T) {
	t.Setenv("KUBENET_HUGEPAGES", "")
	assert.Zero(t, readyHeap(hugeHeapSize(hugeMinInput-1)), "a small input readies nothing")
	enabled, _ := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	advised := readyHeap(hugeHeapSize(hugeMinInput))
	if runtime.GOOS != "linux" || thpMode(string(enabled)) != "madvise" {
		assert.Zero(t, advised)
		return
	}
	assert.Greater(t, advised, int64(64<<20))
	assert.GreaterOrEqual(t, hugeAdvisedBytes(t), advised)
}

// hugeAdvisedBytes sums the mappings of this process the kernel marks for huge pages.
func hugeAdvisedBytes(t *testing.T) int64 {
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	var total, size int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "Size:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			require.NoError(t, err, line)
			size = kb << 10
		}
		if v, ok := strings.CutPrefix(line, "VmFlags:"); ok && strings.Contains(" "+v+" ", " hg ") {
			total += size
		}
	}
	require.NoError(t, sc.Err())
	return total
}

// TestHeapReadierOnce: only the first graph loaded readies the heap and relaxes GC;
// every graph built raises the memory limit, sized for all of them together.
func TestHeapReadierOnce(t *testing.T) {
	t.Setenv("KUBENET_HUGEPAGES", "off")
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	fresh := freshLimit(t)
	readied := int64(-1)
	ready := heapReadier(&readied, paceLint)
	built := ready(100 << 20)
	assert.Zero(t, readied, "turned off: nothing readied")
	require.NotNil(t, built)
	assert.Equal(t, paceLint.percent, gcPercent(), "GC is relaxed all the same")
	assert.Equal(t, fresh, debug.SetMemoryLimit(-1), "memory is limited once the graph is built")
	built()
	assert.Equal(t, 100, gcPercent())
	assert.Equal(t, memoryLimit(100<<20), debug.SetMemoryLimit(-1))
	readied = -1
	second := ready(100 << 20)
	assert.Equal(t, int64(-1), readied, "a second graph does not ready again")
	assert.Equal(t, 100, gcPercent(), "nor relax GC")
	second()
	assert.Equal(t, memoryLimit(200<<20), debug.SetMemoryLimit(-1), "the limit holds both graphs")
}

// freshLimit starts a test with no graph counted and a memory limit of its own (not
// one an earlier test left), and puts both back after.
func freshLimit(t *testing.T) int64 {
	const fresh = 123 << 20
	before, counted := debug.SetMemoryLimit(fresh), limited.Swap(0)
	t.Cleanup(func() {
		debug.SetMemoryLimit(before)
		limited.Store(counted)
	})
	return fresh
}

// gcPercent is the current GOGC.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestRelaxGC: loading a large input collects garbage at the pace's GOGC, and GOGC is
// back as it was once the graph is built; a small input, or a GOGC the user set, is
// left alone.
func TestRelaxGC(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	fresh := freshLimit(t)
	before := gcPercent()
	assert.Nil(t, relaxGC(hugeMinInput-1, paceLint))
	assert.Equal(t, before, gcPercent())

	built := relaxGC(hugeMinInput, paceLint)
	require.NotNil(t, built)
	assert.Equal(t, paceLint.percent, gcPercent())
	assert.Equal(t, fresh, debug.SetMemoryLimit(-1), "lint: no limit while loading")
	built()
	assert.Equal(t, before, gcPercent())

	t.Setenv("GOGC", "50")
	assert.Nil(t, relaxGC(100<<20, paceLint))
	assert.Equal(t, before, gcPercent())
}

// TestPaceQuery: a command answering one question loads at a laxer GOGC within the
// memory limit from the start, with no more heap readied than the limit; a GOMEMLIMIT
// the user set stands.
func TestPaceQuery(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	fresh := freshLimit(t)
	before := gcPercent()
	assert.Greater(t, paceQuery.percent, paceLint.percent)

	built := relaxGC(24<<20, paceQuery)
	require.NotNil(t, built)
	assert.Equal(t, paceQuery.percent, gcPercent())
	assert.Equal(t, memoryLimit(24<<20), debug.SetMemoryLimit(-1), "limited while loading")
	built()
	assert.Equal(t, before, gcPercent())

	assert.Equal(t, hugeHeapSize(24<<20), paceLint.heapSize(24<<20), "lint readies what it will use")
	assert.Equal(t, int64(384<<20), paceQuery.heapSize(24<<20), "no more than the limit of 430 MiB, in whole arenas")
	assert.Zero(t, paceQuery.heapSize(hugeMinInput-1))

	debug.SetMemoryLimit(fresh)
	t.Setenv("GOMEMLIMIT", "1GiB")
	built = relaxGC(24<<20, paceQuery)
	require.NotNil(t, built)
	assert.Equal(t, fresh, debug.SetMemoryLimit(-1), "the user's limit stands")
	built()
}

// TestLimitMemory: a large input sets a soft memory limit of memoryPerInputByte per byte
// and at least memoryFloor; a small input, a GOMEMLIMIT the user set, or a collector
// turned off, is left alone.
func TestLimitMemory(t *testing.T) {
	assert.Zero(t, memoryLimit(hugeMinInput-1))
	assert.Equal(t, int64(memoryFloor), memoryLimit(hugeMinInput))
	assert.Equal(t, int64(memoryFloor), memoryLimit(24<<20), "the reference corpus: the floor")
	assert.Equal(t, int64(61<<20)*memoryPerInputByte, memoryLimit(61<<20), "100,000 objects: per byte")

	current := func() int64 { return debug.SetMemoryLimit(-1) }
	for _, env := range [][2]string{{"GOMEMLIMIT", "1GiB"}, {"GOGC", "off"}} {
		t.Run(env[0], func(t *testing.T) {
			fresh := freshLimit(t)
			t.Setenv(env[0], env[1])
			limitMemory(100 << 20)
			assert.Equal(t, fresh, current(), "the user's setting stands")
		})
	}
	fresh := freshLimit(t)
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("GOGC", "")
	limitMemory(hugeMinInput - 2)
	assert.Equal(t, fresh, current(), "a small input")
	limitMemory(100 << 20)
	assert.Equal(t, int64(100<<20+hugeMinInput-2)*memoryPerInputByte, current(), "sized for every graph so far")
}

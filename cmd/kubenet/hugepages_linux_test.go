package main

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// resident counts the bytes of [lo, hi) in memory.
func resident(t *testing.T, lo, hi uintptr) int64 {
	page := uintptr(os.Getpagesize())
	lo &^= page - 1
	vec := make([]byte, (hi-lo+page-1)/page)
	_, _, errno := syscall.Syscall(syscall.SYS_MINCORE, lo, hi-lo, uintptr(unsafe.Pointer(&vec[0])))
	require.Zero(t, errno)
	n := int64(0)
	for _, v := range vec {
		n += int64(v & 1)
	}
	return n * int64(page)
}

// TestAdviseHugeTouchesLittle: readying the heap maps it without touching it, even when
// the run used and freed memory at the top of its heap just before: the allocator
// clears an object placed over such pages, and readied as one object, all 512 MB were.
func TestAdviseHugeTouchesLittle(t *testing.T) {
	garbage := make([][]byte, 0, 40)
	for range 40 {
		b := make([]byte, 1<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		garbage = append(garbage, b)
	}
	runtime.KeepAlive(garbage)
	garbage = nil
	runtime.GC()
	_, lo, hi := adviseHuge(512 << 20)
	require.GreaterOrEqual(t, int64(hi-lo), int64(512<<20))
	assert.Less(t, resident(t, lo, hi), int64(128<<20))
	runtime.KeepAlive(garbage)
}

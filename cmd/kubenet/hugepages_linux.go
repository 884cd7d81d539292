package main

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

const thpEnabledFile = "/sys/kernel/mm/transparent_hugepage/enabled"

// readyHeap readies size bytes of heap for decoding (see hugepages.go) and returns the
// number of bytes advised for huge pages: 0 when turned off, when size is 0 (a small
// input), or when the kernel's mode is not "madvise" ("always" needs no advice,
// "never" takes none).
func readyHeap(size int64) int64 {
	if size == 0 || hugePagesOff() {
		return 0
	}
	enabled, err := os.ReadFile(thpEnabledFile)
	if err != nil || thpMode(string(enabled)) != "madvise" {
		return 0
	}
	advised, _, _ := adviseHuge(size)
	// Hand the range back: the allocator reuses free pages lowest address first.
	runtime.GC()
	return advised
}

// adviseHuge has the runtime map size bytes of heap and asks for huge pages on them,
// returning the bytes advised and the range of the heap readied. A fresh large allocation is mapped at once and not
// touched (the runtime knows fresh memory is zero): it costs address space, not memory.
//
// The heap is readied in chunks, not as one allocation: the allocator places an object
// at the lowest free range that fits it, and when that range begins on pages the run
// has used and freed already, it clears the whole object first. For one 512 MB object
// that was one run in six: 1.4 s and 512 MB of memory touched for nothing. A chunk that
// begins there costs the clearing of 4 MB.
func adviseHuge(size int64) (advised int64, lo, hi uintptr) {
	const chunk, huge = 4 << 20, 2 << 20
	chunks := make([][]byte, 0, size/chunk)
	lo, hi = ^uintptr(0), 0
	for n := int64(0); n < size; n += chunk {
		b := make([]byte, chunk)
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		lo, hi = min(lo, p), max(hi, p+chunk)
		chunks = append(chunks, b)
	}
	// The chunks follow one another in the heap; whatever lies between two of them is
	// heap too, so the range from the lowest to the highest is advised whole.
	start, end := (lo+huge-1)&^(huge-1), hi&^(huge-1)
	if start < end {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, end-start, syscall.MADV_HUGEPAGE); errno == 0 {
			advised = int64(end - start)
		}
	}
	runtime.KeepAlive(chunks)
	return advised, lo, hi
}

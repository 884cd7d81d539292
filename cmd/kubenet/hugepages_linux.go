package main

import (
	"os"
	"runtime"
	"syscall"
	"unsafe"
)

const thpEnabledFile = "/sys/kernel/mm/transparent_hugepage/enabled"

// readyHeap readies the heap for decoding input bytes of YAML (see hugepages.go) and
// returns the number of bytes advised for huge pages: 0 when turned off, when the
// input is small, or when the kernel's mode is not "madvise" ("always" needs no
// advice, "never" takes none).
func readyHeap(input int64) int64 {
	size := hugeHeapSize(input)
	if size == 0 || hugePagesOff() {
		return 0
	}
	enabled, err := os.ReadFile(thpEnabledFile)
	if err != nil || thpMode(string(enabled)) != "madvise" {
		return 0
	}
	advised := adviseHuge(size)
	// Hand the range back: the allocator reuses free pages lowest address first.
	runtime.GC()
	return advised
}

// adviseHuge has the runtime map size bytes of heap and asks for huge pages on them,
// returning the bytes advised. A fresh large allocation is mapped at once and not
// touched (the runtime knows fresh memory is zero): it costs address space, not memory.
func adviseHuge(size int64) int64 {
	b := make([]byte, size)
	const huge = 2 << 20
	base := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := int((base+huge-1)&^(huge-1) - base)
	end := int((base+uintptr(size))&^(huge-1) - base)
	advised := int64(0)
	if start < end && syscall.Madvise(b[start:end], syscall.MADV_HUGEPAGE) == nil {
		advised = int64(end - start)
	}
	return advised
}

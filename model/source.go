package model

import (
	"errors"
	"io"
	"os"
)

// diskSource is a file whose contents the graph let go of after decoding it
// (Options.KeepSource): where to read it again, how long it was once normalized, and
// the file as it was then, which the second read must still find.
type diskSource struct {
	path string
	size int
	info os.FileInfo
}

// Source returns the contents of a file of the input, as decoded (without a byte order
// mark, lines ending in \n). A file the graph let go of is read again, each time: if it
// is no longer the same regular file, unchanged since (same file, size and modification
// time), Source reports it missing rather than return text its positions may not
// describe.
func (g *Graph) Source(name string) ([]byte, bool) { return g.SourceInto(name, nil) }

// SourceInto is Source reading a file the graph let go of into buf when it is large
// enough, so that a caller reading many files in turn allocates once.
func (g *Graph) SourceInto(name string, buf []byte) ([]byte, bool) {
	return sourceInto(g.Sources, g.onDisk, name, buf)
}

// SourceReader is Source without the rest of the graph: what a report holds on to.
func (g *Graph) SourceReader() func(name string) ([]byte, bool) {
	kept, onDisk := g.Sources, g.onDisk
	return func(name string) ([]byte, bool) { return sourceInto(kept, onDisk, name, nil) }
}

func sourceInto(kept map[string][]byte, onDisk map[string]*diskSource, name string, buf []byte) ([]byte, bool) {
	if data, ok := kept[name]; ok {
		return data, true
	}
	if d, ok := onDisk[name]; ok {
		return d.read(buf)
	}
	return nil, false
}

// newDiskSource describes a file read from path whose normalized contents are data,
// or returns nil when it is not a regular file any more (it is then kept in memory).
func newDiskSource(path string, data []byte) *diskSource {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() {
		return nil
	}
	return &diskSource{path: path, size: len(data), info: info}
}

// read reads the file again, within the loader's limits: the same regular file, of the
// same size and modification time (checked before it is opened, as the loader does:
// opening a fifo would wait for a writer, and again on the opened file), of the same
// length once normalized.
func (d *diskSource) read(buf []byte) ([]byte, bool) {
	if info, err := os.Stat(d.path); err != nil || !d.same(info) {
		return nil, false
	}
	f, err := os.Open(d.path)
	if err != nil {
		return nil, false
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil || !d.same(info) || info.Size() > MaxFileSize {
		return nil, false
	}
	size := int(info.Size())
	if cap(buf) < size+1 {
		buf = make([]byte, size+1)
	}
	// One byte more than the file has tells that it has grown since.
	n, err := io.ReadFull(f, buf[:size+1])
	if n != size || !errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, false
	}
	data := normalize(buf[:size]) // a copy only for a file with \r
	if len(data) != d.size {
		return nil, false
	}
	return data, true
}

// same reports whether info describes the file as it was first read.
func (d *diskSource) same(info os.FileInfo) bool {
	return info.Mode().IsRegular() && os.SameFile(d.info, info) && info.Size() == d.info.Size() &&
		info.ModTime().Equal(d.info.ModTime())
}

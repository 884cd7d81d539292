package model

import (
	"bytes"
	"errors"
	"io"
	"os"
)

// diskSource is a file whose contents the graph let go of after decoding it
// (Options.KeepSource): where to read it again, and how long it was once normalized.
type diskSource struct {
	path string
	size int
}

// Source returns the contents of a file of the input, as decoded (without a byte order
// mark, lines ending in \n). A file the graph let go of is read again, each time: if it
// is no longer a regular file of the length it had, Source reports it missing rather
// than return text its positions do not describe.
func (g *Graph) Source(name string) ([]byte, bool) { return g.SourceInto(name, nil) }

// SourceInto is Source reading a file the graph let go of into buf when it is large
// enough, so that a caller reading many files in turn allocates once.
func (g *Graph) SourceInto(name string, buf []byte) ([]byte, bool) {
	if data, ok := g.Sources[name]; ok {
		return data, true
	}
	if d, ok := g.onDisk[name]; ok {
		return d.read(buf)
	}
	return nil, false
}

// read reads the file again, within the loader's limits: a regular file (checked before
// it is opened, as the loader does: opening a fifo would wait for a writer) of no more
// than MaxFileSize, of the same length once normalized.
func (d *diskSource) read(buf []byte) ([]byte, bool) {
	if info, err := os.Stat(d.path); err != nil || !info.Mode().IsRegular() {
		return nil, false
	}
	f, err := os.Open(d.path)
	if err != nil {
		return nil, false
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() || info.Size() > MaxFileSize || info.Size() < int64(d.size) {
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
	data := buf[:size]
	if size > d.size+len(bom) {
		data = normalize(data) // \r\n line ends: a copy
	} else {
		data = bytes.TrimPrefix(data, bom)
	}
	if len(data) != d.size {
		return nil, false
	}
	return data, true
}

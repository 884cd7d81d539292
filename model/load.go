package model

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
)

// Options control loading.
type Options struct {
	// DefaultNamespace is given to namespaced objects that carry none, as
	// `kubectl apply -n` would. Empty means "default".
	DefaultNamespace string
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Ignore, when set, skips the files and folders it matches while walking folders.
	Ignore func(path string) bool
	// Kustomize builds folders that hold a kustomization (see LoadUnits) instead of
	// reading their files as they are.
	Kustomize bool
	// Sized, when set, is called before a graph's sources are decoded, with their
	// total size in bytes (files by their size on disk), so that a caller can ready
	// itself for the work ahead. The function it returns, if any, is called once the
	// graph is built.
	Sized func(bytes int64) (built func())
	// KeepSource, when set, lets go of the contents of each file read from disk that it
	// returns false for, once the file is decoded, so that a large input's bytes are not
	// held through the whole run: Graph.Source reads such a file again. Graph.Sources
	// keeps the others, and what cannot be read again (standard input, rendered charts,
	// kustomizations' sources). nil keeps every file. It is called from the decoding
	// goroutines, side by side. The rules read ignore comments from Graph.Sources only:
	// a caller that runs them keeps what rules.KeepSource wants.
	KeepSource func(data []byte) bool
	// Operators says what operators create from custom resources; nil means
	// DefaultOperators.
	Operators []OperatorKind
	// External declares what exists outside the input (.kubenet.yaml cluster.external).
	External External
	// Helm is how Helm charts met in the input are rendered.
	Helm HelmOptions
}

// StdinName is the file name findings use for standard input.
const StdinName = "<stdin>"

// PathError is returned for inputs that cannot be read at all (a usage error).
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("cannot read %s: %v", e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

// Limits on what kubenet reads: a manifest file (or standard input) of more than
// MaxFileSize, or inputs of more than MaxInputSize in all, are a usage error (exit 2)
// rather than a run that exhausts the machine's memory.
const (
	MaxFileSize  = 64 << 20
	MaxInputSize = 1 << 30
)

type source struct {
	name string
	data []byte
	// path is the file to read when data is nil.
	path string
	// built is set for the output of a kustomization: positions are moved to its
	// source files, and the stream itself is not a file to print lines from.
	built *kustomized
	// failed is set for a kustomization that does not build: the file is read for
	// printing, and this is its only problem.
	failed *Problem
	// kustomization marks the place of a kustomization folder (name) in the input
	// order, before it is built; chart the place of a Helm chart.
	kustomization, chart bool
	// namespace is the namespace of the objects that name none (a chart's release
	// namespace), "" for the run's default.
	namespace string
}

// Load reads every path (files, folders walked recursively, "-" for stdin) and builds
// the graph. A path that does not exist or cannot be read is an error; a bad document
// inside a file is a Problem and loading goes on. When the paths hold several variants
// of one deployment (overlays of one base), Load refuses: see LoadUnits.
func Load(opts Options, paths ...string) (*Graph, error) {
	units, err := LoadUnits(opts, paths...)
	if err != nil {
		return nil, err
	}
	if len(units) > 1 {
		names := make([]string, len(units))
		for i, u := range units {
			names[i] = u.Unit
		}
		return nil, &PathError{Path: strings.Join(paths, " "), Err: fmt.Errorf("it holds %d variants of one deployment (%s); name one, or pass --kustomize=false to read the files as they are", len(units), strings.Join(names, "; "))}
	}
	return units[0], nil
}

// LoadBytes builds a graph from in-memory files, in the given order (tests, fuzzing).
func LoadBytes(opts Options, files ...NamedData) *Graph {
	srcs := make([]source, len(files))
	for i, f := range files {
		data := f.Data
		if data == nil {
			data = []byte{}
		}
		srcs[i] = source{name: f.Name, data: data}
	}
	g, _ := build(opts, srcs) // in memory: nothing to fail reading
	return g
}

// NamedData is an in-memory file.
type NamedData struct {
	Name string
	Data []byte
}

// build decodes the sources in parallel and assembles the graph. A file that cannot be
// read is a *PathError.
func build(opts Options, srcs []source) (*Graph, error) {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Sized != nil {
		if built := opts.Sized(sourceBytes(srcs)); built != nil {
			defer built()
		}
	}
	results := make([]fileResult, len(srcs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i] = decodeFile(srcs[i])
				if opts.KeepSource != nil {
					results[i].dropSource(srcs[i], opts.KeepSource)
				}
			}
		})
	}
	for i := range srcs {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, r := range results {
		if r.unreadable != nil {
			return nil, &PathError{Path: r.name, Err: r.unreadable}
		}
	}
	return assemble(opts, results), nil
}

// sourceBytes is the size of the sources: their data, or the files' sizes on disk
// (a file that cannot be read counts nothing; decoding reports it).
func sourceBytes(srcs []source) int64 {
	var n int64
	for _, src := range srcs {
		if src.data != nil {
			n += int64(len(src.data))
		} else if fi, err := os.Stat(src.path); err == nil {
			n += fi.Size()
		}
	}
	return n
}

package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"

	"sigs.k8s.io/kustomize/kyaml/yaml"
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
	// itself for the work ahead.
	Sized func(bytes int64)
	// Operators says what operators create from custom resources; nil means
	// DefaultOperators.
	Operators []OperatorKind
	// External declares what exists outside the input (.kubenet.yaml cluster.external).
	External External
}

// skippedChart starts the notice for a Helm chart folder met while walking.
const skippedChart = "skipped Helm chart "

// StdinName is the file name findings use for standard input.
const StdinName = "<stdin>"

// PathError is returned for inputs that cannot be read at all (a usage error).
type PathError struct {
	Path string
	Err  error
}

func (e *PathError) Error() string { return fmt.Sprintf("cannot read %s: %v", e.Path, e.Err) }
func (e *PathError) Unwrap() error { return e.Err }

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
	// order, before it is built.
	kustomization bool
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

// LoadUnits reads every path like Load and returns one graph per deployment. With
// Options.Kustomize, each kustomization that no other one pulls in is built in memory
// and takes the place of its folder in the input order. Overlays of one base are
// variants (a dev and a prod overlay define the same objects for different clusters):
// each variant is a graph of its own, holding everything else too (see deployments).
// Without variants there is one graph. Problems that concern no graph in particular
// (skipped folders) go to the first.
func LoadUnits(opts Options, paths ...string) ([]*Graph, error) {
	var srcs []source
	var notices []Problem
	var skippedBuilds []SkippedBuild
	var kdirs []string
	explicit := map[string]bool{}
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "-" {
			if opts.Stdin == nil {
				return nil, &PathError{Path: "-", Err: errors.New("no standard input")}
			}
			data, err := io.ReadAll(io.LimitReader(opts.Stdin, MaxFileSize+1))
			if err != nil {
				return nil, &PathError{Path: "-", Err: err}
			}
			if len(data) > MaxFileSize {
				return nil, &PathError{Path: "-", Err: fmt.Errorf("standard input holds more than %d MiB, the most kubenet reads from one file", MaxFileSize>>20)}
			}
			srcs = append(srcs, splitHelm(data)...)
			continue
		}
		found, kd, n, err := walk(p, opts.Ignore, opts.Kustomize)
		if err != nil {
			return nil, err
		}
		notices = append(notices, n...)
		isDir := map[string]bool{}
		for _, d := range kd {
			isDir[d] = true
			if d == filepath.Clean(p) {
				explicit[d] = true
			}
		}
		for _, f := range found {
			if seen[f] {
				continue
			}
			seen[f] = true
			if isDir[f] {
				kdirs = append(kdirs, f)
				srcs = append(srcs, source{name: f, kustomization: true})
			} else {
				srcs = append(srcs, source{name: f, path: f})
			}
		}
	}
	if n := sourceBytes(srcs); n > MaxInputSize {
		return nil, &PathError{Path: strings.Join(paths, " "), Err: fmt.Errorf("%d MiB of manifests, over the %d MiB kubenet reads in one run; lint the folders in parts", n>>20, MaxInputSize>>20)}
	}
	roots := kustomizeRoots(kdirs, explicit)
	built := map[string]source{}
	for _, dir := range roots {
		k, err := kustomize(dir)
		var skipped *notBuilt
		file := kustomizationFile(dir)
		switch {
		case errors.As(err, &skipped):
			notices = append(notices, Problem{Kind: Notice, Pos: Pos{File: file}, Message: "skipped " + err.Error()})
			sb := SkippedBuild{File: file}
			if k, err := readKustomization(file); err == nil {
				sb.Namespace = k.Namespace
			}
			skippedBuilds = append(skippedBuilds, sb)
		case err != nil:
			at := file
			var inBase *baseBuildError
			if errors.As(err, &inBase) && inBase.file != "" {
				at = inBase.file
			}
			built[dir] = source{name: file, path: file, failed: &Problem{Kind: Invalid, Pos: Pos{File: at, Line: 1, Column: 1}, Message: err.Error()}}
		default:
			built[dir] = source{name: k.file + " (built)", data: k.data, built: k}
		}
	}
	var units []*Graph
	groups, variant := deployments(roots)
	plain := len(srcs) - len(kdirs)
	for _, group := range groups {
		in := map[string]bool{}
		var names []string
		for _, dir := range group {
			in[dir] = true
			if variant[dir] || (plain == 0 && len(roots) == 1) {
				names = append(names, kustomizationFile(dir))
			}
		}
		var unit []source
		for _, src := range srcs {
			switch {
			case !src.kustomization:
				unit = append(unit, src)
			case in[src.name]:
				if b, ok := built[src.name]; ok {
					unit = append(unit, b)
				}
			}
		}
		g, err := build(opts, unit)
		if err != nil {
			return nil, err
		}
		g.Unit = strings.Join(names, ", ")
		units = append(units, g)
	}
	units[0].Problems = append(notices, units[0].Problems...)
	for _, n := range notices {
		if strings.HasPrefix(n.Message, skippedChart) {
			skippedBuilds = append(skippedBuilds, SkippedBuild{File: n.Pos.File})
		}
	}
	for _, g := range units {
		g.Skipped = skippedBuilds
	}
	return units, nil
}

// deployments groups kustomization roots into what is deployed together. Roots that
// share a folder (overlays of one base) are variants of one application, deployed to
// different clusters or namespaces: each variant is a deployment of its own, with the
// roots that share nothing and with the plain manifests. Variants of different
// applications that have the same folder name (apps/a/overlays/prod and
// apps/b/overlays/prod) are deployed together.
func deployments(roots []string) ([][]string, map[string]bool) {
	reach := make([]map[string]bool, len(roots))
	for i, r := range roots {
		reach[i] = map[string]bool{}
		localDirs(r, reach[i])
	}
	variant := make([]bool, len(roots))
	for i := range roots {
		for j := range roots {
			if i == j {
				continue
			}
			for d := range reach[i] {
				if reach[j][d] {
					variant[i], variant[j] = true, true
				}
			}
		}
	}
	var common []string
	var order []string
	byName := map[string][]string{}
	variants := map[string]bool{}
	for i, r := range roots {
		variants[r] = variant[i]
		if !variant[i] {
			common = append(common, r)
			continue
		}
		name := filepath.Base(r)
		if _, ok := byName[name]; !ok {
			order = append(order, name)
		}
		byName[name] = append(byName[name], r)
	}
	if len(order) == 0 {
		return [][]string{common}, variants
	}
	out := make([][]string, 0, len(order))
	for _, name := range order {
		out = append(out, append(append([]string{}, common...), byName[name]...))
	}
	return out, variants
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

var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// Limits on what kubenet reads: a manifest file (or standard input) of more than
// MaxFileSize, or inputs of more than MaxInputSize in all, are a usage error (exit 2)
// rather than a run that exhausts the machine's memory.
const (
	MaxFileSize  = 64 << 20
	MaxInputSize = 1 << 30
)

// walk lists the manifest files under p in lexical order. It skips .git, vendor,
// node_modules, hidden folders and Helm charts (with a notice for each chart). With
// kust, it lists folders holding a kustomization instead of reading their files.
func walk(p string, ignore func(string) bool, kust bool) ([]string, []string, []Problem, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, nil, nil, &PathError{Path: p, Err: err}
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			return nil, nil, nil, &PathError{Path: p, Err: errors.New("not a regular file (a device, FIFO or socket is never read)")}
		}
		if info.Size() > MaxFileSize {
			return nil, nil, nil, &PathError{Path: p, Err: fmt.Errorf("%d MiB, over the %d MiB kubenet reads from one file", info.Size()>>20, MaxFileSize>>20)}
		}
		return []string{filepath.Clean(p)}, nil, nil, nil
	}
	root, err := filepath.EvalSymlinks(p)
	if err != nil {
		return nil, nil, nil, &PathError{Path: p, Err: err}
	}
	var files, kdirs []string
	var notices []Problem
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if d == nil { // the folder itself cannot be read
			return &PathError{Path: path, Err: unwrapPath(err)}
		}
		name := d.Name()
		if ignore != nil && path != p && ignore(path) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != p && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules") {
				return filepath.SkipDir
			}
			if err != nil {
				// A folder that is not ignored but cannot be listed: linting the rest
				// would pass a repository kubenet has not read (exit 2).
				return &PathError{Path: path, Err: unwrapPath(err)}
			}
			if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil {
				notices = append(notices, Problem{Kind: Notice, Pos: Pos{File: path},
					Message: skippedChart + path + ": templates are not manifests; lint the rendered output instead: helm template " + path + " | kubenet lint -"})
				return filepath.SkipDir
			}
			if kust && kustomizationFile(path) != "" {
				// Listed with the files too, so that its objects keep their place in the
				// input order. Its files are kustomize's to read; folders below it are
				// walked, for overlays that live under their base.
				kdirs = append(kdirs, filepath.Clean(path))
				files = append(files, filepath.Clean(path))
			}
			return nil
		}
		if !manifestExt[strings.ToLower(filepath.Ext(name))] || underAny(path, kdirs) {
			return nil
		}
		skip := func(why string) error {
			notices = append(notices, Problem{Kind: Notice, Pos: Pos{File: path}, Message: "skipped " + path + ": " + why})
			return nil
		}
		switch {
		case d.Type().IsRegular():
		case d.Type()&fs.ModeSymlink != 0:
			// Follow links to files inside the folder linted (kubectl apply -R does;
			// ConfigMap volumes are links), never out of it, and not to folders, which
			// could loop.
			target, err := filepath.EvalSymlinks(path)
			if err != nil {
				return skip("a link that leads nowhere")
			}
			if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				return skip("a link to " + target + ", outside " + p)
			}
			if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
				return skip("a link to something that is not a regular file")
			}
		default:
			return skip("not a regular file")
		}
		if fi, err := os.Stat(path); err == nil && fi.Size() > MaxFileSize {
			return skip(fmt.Sprintf("%d MiB, over the %d MiB kubenet reads from one file", fi.Size()>>20, MaxFileSize>>20))
		}
		files = append(files, path)
		return nil
	})
	var pe *PathError
	if errors.As(err, &pe) {
		return nil, nil, nil, pe
	}
	if err != nil {
		return nil, nil, nil, &PathError{Path: p, Err: err}
	}
	sort.Strings(files)
	return files, kdirs, notices, nil
}

// unwrapPath drops the path and operation from an *fs.PathError ("open x: permission
// denied"), which PathError names itself.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// underAny reports whether path is inside one of the folders.
func underAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// fileResult is what decoding one file yields; files are decoded in parallel and
// merged in input order, so the result is deterministic.
type fileResult struct {
	name     string
	data     []byte
	items    []item
	problems []Problem
	built    *kustomized
	// unreadable is set when the file could not be read at all: the run stops with a
	// usage error, as kubectl apply would, rather than lint a part of the input.
	unreadable error
}

// item is one object built from a document (or a List item).
type item struct {
	obj    *Object
	entity any // *Workload, *Service, ... or nil for opaque objects
	// namespaced is false for cluster-scoped kinds.
	namespaced bool
	// endpointsFor is the Service name an Endpoints/EndpointSlice backs.
	endpointsFor string
}

// build decodes the sources in parallel and assembles the graph. A file that cannot be
// read is a *PathError.
func build(opts Options, srcs []source) (*Graph, error) {
	if opts.DefaultNamespace == "" {
		opts.DefaultNamespace = "default"
	}
	if opts.Sized != nil {
		opts.Sized(sourceBytes(srcs))
	}
	results := make([]fileResult, len(srcs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i] = decodeFile(srcs[i])
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

func decodeFile(src source) fileResult {
	res := fileResult{name: src.name, built: src.built}
	data := src.data
	if data == nil {
		b, err := os.ReadFile(src.path)
		if err != nil {
			res.unreadable = unwrapPath(err)
			return res
		}
		data = b
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if src.failed != nil {
		res.data = data
		res.problems = []Problem{*src.failed}
		return res
	}
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}

	res.data = data
	if l := jsonErrorLine(src.name, data); l > 0 {
		// A .json file that is not JSON: report it whole, and keep no half-read object.
		var v any
		err := json.Unmarshal(data, &v)
		res.problems = append(res.problems, Problem{Kind: Invalid, Pos: Pos{File: src.name, Line: l, Column: 1},
			Message: "file does not parse as JSON (kubectl reads a file that starts with '{' as JSON): " + err.Error()})
		return res
	}
	if decodeWhole(&res, data) {
		return res
	}
	// A document does not parse: decode document by document, so that it is reported at
	// its line and every other document is still read.
	res.items, res.problems = nil, nil
	for i, d := range splitDocuments(data) {
		decodeDocument(&res, i, d)
	}
	return res
}

// document is one YAML document of a file: its bytes and the 0-based line it starts on.
type document struct {
	data      []byte
	startLine int
}

// splitDocuments cuts a stream at document markers ("---" or "..." at the start of a
// line), which YAML forbids inside content. Each document is then decoded on its own,
// so one broken document does not hide the others, and its lines are shifted back to
// the file's numbering.
func splitDocuments(data []byte) []document {
	var docs []document
	start, startLine, line := 0, 0, 0
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		l := data[i:next]
		if isMarker(l, "---") || isMarker(l, "...") {
			if isMarker(l, "---") && onlyPreamble(data[start:i]) {
				// Directives, comments and blank lines belong to the document that follows.
				i = next
				line++
				continue
			}
			if i > start {
				docs = append(docs, document{data: data[start:i], startLine: startLine})
			}
			if isMarker(l, "...") {
				start, startLine = next, line+1
			} else {
				// Keep the "---" line in the new document: it may carry content ("--- {a: 1}").
				start, startLine = i, line
			}
		}
		i = next
		line++
	}
	if start < len(data) {
		docs = append(docs, document{data: data[start:], startLine: startLine})
	}
	return docs
}

// onlyPreamble reports whether b holds nothing but blank lines, comments and directives.
func onlyPreamble(b []byte) bool {
	for _, l := range bytes.Split(b, []byte("\n")) {
		t := bytes.TrimSpace(l)
		if len(t) > 0 && t[0] != '#' && t[0] != '%' {
			return false
		}
	}
	return true
}

func isMarker(l []byte, m string) bool {
	if !bytes.HasPrefix(l, []byte(m)) {
		return false
	}
	rest := l[len(m):]
	return len(rest) == 0 || rest[0] == '\n' || rest[0] == ' ' || rest[0] == '\t'
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): `)

// decodeWhole decodes a file with one decoder, the fast path (one parser for all its
// documents, lines counted from the top). It reports false, leaving partial results to
// be discarded, when a document does not parse.
func decodeWhole(res *fileResult, data []byte) bool {
	lm := exoticLineMap(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for i := 0; ; i++ {
		var n yaml.Node
		err := decodeSafely(dec, &n)
		if errors.Is(err, io.EOF) {
			return true
		}
		if err != nil {
			return false
		}
		c := &docCtx{file: res.name, doc: i, res: res, lines: lm}
		if res.built != nil {
			c.remap = res.built.remap
		}
		c.document(&n)
	}
}

func decodeDocument(res *fileResult, index int, d document) {
	lm := exoticLineMap(d.data)
	dec := yaml.NewDecoder(bytes.NewReader(d.data))
	for {
		var n yaml.Node
		err := decodeSafely(dec, &n)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			line, msg := d.startLine+1, err.Error()
			if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
				l, _ := strconv.Atoi(m[1])
				line = d.startLine + mapLine(lm, l)
				msg = msg[len(m[0]):]
			} else {
				msg = strings.TrimPrefix(msg, "yaml: ")
			}
			// The parser names the start of the enclosing block; the first line whose
			// inclusion stops the document from parsing is the one to fix. For JSON,
			// encoding/json knows the offset of the offending byte.
			if l := jsonErrorLine(res.name, d.data); l > 0 {
				line = d.startLine + l
			} else if l := firstBadLine(d.data); l > 0 && d.startLine+l > line {
				line = d.startLine + l
			}
			res.problems = append(res.problems, Problem{Kind: Invalid, Pos: Pos{File: res.name, Line: line, Column: 1},
				Message: "document does not parse as YAML: " + msg})
			return
		}
		c := &docCtx{file: res.name, off: d.startLine, doc: index, res: res, lines: lm}
		c.document(&n)
	}
}

// exoticLineMap maps the YAML library's line numbers to newline-counted ones when data
// holds the other line breaks it knows (NEL, LS, PS), which editors and code hosts do
// not break on. It returns nil when the numbering is the same.
func exoticLineMap(data []byte) []int {
	if !bytes.Contains(data, []byte("\u0085")) && !bytes.Contains(data, []byte("\u2028")) && !bytes.Contains(data, []byte("\u2029")) {
		return nil
	}
	m := []int{1}
	line := 1
	for _, r := range string(data) {
		switch r {
		case '\n':
			line++
			m = append(m, line)
		case '\u0085', '\u2028', '\u2029':
			m = append(m, line)
		}
	}
	return m
}

func mapLine(m []int, line int) int {
	if m != nil && line >= 1 && line <= len(m) {
		return m[line-1]
	}
	return line
}

// jsonErrorLine returns the 1-based line of a JSON syntax error, or 0. Like kubectl's
// YAML-or-JSON decoder, it takes a stream whose first non-blank byte is '{' for JSON;
// everything else is YAML (where flow style with trailing commas is fine).
func jsonErrorLine(_ string, data []byte) int {
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return 0
	}
	// A stream of JSON values is fine; a syntax error in any of them is not.
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return 0
		}
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset > 0 {
			off := min(int(se.Offset), len(data))
			return bytes.Count(data[:off], []byte("\n")) + 1
		}
		if err != nil {
			return 0
		}
	}
}

// firstBadLine returns the 1-based line of data such that the lines before it parse and
// the lines up to it do not, or 0 when that cannot be told.
func firstBadLine(data []byte) int {
	var starts []int
	for i := 0; i < len(data); {
		starts = append(starts, i)
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			break
		}
		i += j + 1
	}
	parses := func(k int) bool { // the first k lines
		end := len(data)
		if k < len(starts) {
			end = starts[k]
		}
		dec := yaml.NewDecoder(bytes.NewReader(data[:end]))
		for {
			var n yaml.Node
			err := decodeSafely(dec, &n)
			if errors.Is(err, io.EOF) {
				return true
			}
			if err != nil {
				return false
			}
		}
	}
	if parses(len(starts)) {
		return 0
	}
	// The last prefix that parses ends right before the bad line. Prefixes cut inside a
	// flow collection fail too, so scan from the end where documents are small.
	if len(starts) <= 300 {
		for k := len(starts) - 1; k >= 0; k-- {
			if parses(k) {
				return k + 1
			}
		}
		return 0
	}
	lo, hi := 0, len(starts) // parses(lo), !parses(hi)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if parses(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

// decodeSafely guards against panics in the YAML library on hostile input.
func decodeSafely(dec *yaml.Decoder, n *yaml.Node) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("yaml: %v", r)
		}
	}()
	return dec.Decode(n)
}

// canonicalGroup maps the removed extensions group to the group that serves the same
// resource today: an extensions/v1beta1 Ingress and a networking.k8s.io/v1 Ingress of
// one name are one object to the API server.
func canonicalGroup(group, kind string) string {
	if group != "extensions" {
		return group
	}
	switch kind {
	case "Ingress", "NetworkPolicy":
		return "networking.k8s.io"
	case "Deployment", "DaemonSet", "ReplicaSet":
		return "apps"
	}
	return group
}

// assemble merges the per-file results in order: namespaces, duplicates, indexes.
func assemble(opts Options, results []fileResult) *Graph {
	g := &Graph{Sources: map[string][]byte{}, EndpointsFor: map[string]bool{}}
	type firstSeen struct{ pos Pos }
	keys := map[string]firstSeen{}
	implied := map[string]*Namespace{}
	generated := map[string]int{}
	var order []string
	catalogue := opts.Operators
	if catalogue == nil {
		catalogue = DefaultOperators
	}
	operators := newOperatorIndex(catalogue)
	var provided []*Service
	// The last definition of an object is the one kubectl apply leaves in the cluster:
	// it is the one analysed (earlier ones are only reported as duplicates).
	last := map[string]*Object{}
	for _, r := range results {
		for _, it := range r.items {
			o := it.obj
			ns := o.Namespace
			if it.namespaced && ns == "" {
				ns = opts.DefaultNamespace
			}
			if !it.namespaced {
				ns = ""
			}
			if o.Name != "" && !o.GenerateName {
				last[canonicalGroup(o.Group(), o.Kind)+"/"+o.Kind+"/"+ns+"/"+o.Name] = o
			}
		}
	}
	for _, r := range results {
		if r.built != nil {
			for name, data := range r.built.files {
				if _, ok := g.Sources[name]; !ok {
					g.Files++
					g.Sources[name] = data
				}
			}
		} else {
			g.Files++
			g.Sources[r.name] = r.data
		}
		for _, p := range r.problems {
			if p.Object != nil {
				ref := *p.Object
				if clusterScoped[ref.Kind] {
					ref.Namespace = ""
				} else if ref.Namespace == "" {
					ref.Namespace = opts.DefaultNamespace
				}
				p.Object = &ref
			}
			g.Problems = append(g.Problems, p)
		}
		for _, it := range r.items {
			o := it.obj
			original := o
			if it.namespaced && o.Namespace == "" {
				o.Namespace = opts.DefaultNamespace
			}
			if !it.namespaced {
				o.Namespace = ""
			}
			o.ID = o.String()
			if o.GenerateName {
				// Every create makes a new object: give each its own id.
				generated[o.ID]++
				o.ID = fmt.Sprintf("%s*%d", o.ID, generated[o.ID])
			}
			op := operators.lookup(o)
			if o.Name == "" {
				op = nil // no resource to make anything of
			}
			if op != nil && it.namespaced {
				if w := operatorWorkload(op, o, it.entity); w != nil {
					it.entity, o = w, &w.Object
				}
			}
			g.Objects = append(g.Objects, o)
			key := canonicalGroup(o.Group(), o.Kind) + "/" + o.Kind + "/" + o.Namespace + "/" + o.Name
			if prev, dup := keys[key]; dup && o.Name != "" && !o.GenerateName {
				p := prev.pos
				ref := o.Ref
				g.Problems = append(g.Problems, Problem{Kind: Duplicate, Pos: o.Pos, Object: &ref, Related: &p,
					Message: fmt.Sprintf("%s is defined twice; the first definition is at %s and this one replaces it when both are applied", o.ID, p)})
				if ns, ok := it.entity.(*Namespace); ok {
					if n := implied[ns.Name]; n != nil {
						for k, v := range ns.Annotations {
							if n.Annotations == nil {
								n.Annotations = map[string]string{}
							}
							n.Annotations[k] = v
						}
					}
					continue
				}
				if last[key] != original {
					continue
				}
			} else if _, isNS := it.entity.(*Namespace); !isNS && o.Name != "" && !o.GenerateName && last[key] != original {
				// A later definition replaces this one: it is analysed instead.
				keys[key] = firstSeen{o.Pos}
				it.entity = nil
			}
			if _, dup := keys[key]; !dup {
				keys[key] = firstSeen{o.Pos}
			}
			if o.Namespace != "" {
				if _, ok := implied[o.Namespace]; !ok {
					implied[o.Namespace] = &Namespace{Name: o.Namespace, ID: "Namespace/" + o.Namespace, Pos: o.Pos,
						Labels: map[string]string{MetadataNameLabel: o.Namespace}}
					order = append(order, o.Namespace)
				}
			}
			if op != nil && it.namespaced {
				provided = append(provided, op.services(o)...)
			}
			if o.Name == "" && it.entity != nil {
				// No name: manifest-invalid already says so; nothing can refer to it, and
				// it would share its id with every other nameless object of its kind.
				it.entity = nil
			}
			switch e := it.entity.(type) {
			case *Namespace:
				if n, ok := implied[e.Name]; ok && !n.Declared {
					// A declared Namespace replaces the implied one, keeping its place.
					*n = *e
				} else if !ok {
					implied[e.Name] = e
					order = append(order, e.Name)
				}
			case *Workload:
				g.Workloads = append(g.Workloads, e)
			case *Service:
				g.Services = append(g.Services, e)
			case *Ingress:
				g.Ingresses = append(g.Ingresses, e)
			case *IngressClass:
				g.IngressClasses = append(g.IngressClasses, e)
			case *Policy:
				g.Policies = append(g.Policies, e)
			case *ConfigMap:
				g.ConfigMaps = append(g.ConfigMaps, e)
			case *Monitor:
				g.Monitors = append(g.Monitors, e)
			}
			if it.endpointsFor != "" {
				g.EndpointsFor[ID(o.Namespace, "Service", it.endpointsFor)] = true
			}
		}
	}
	for _, name := range order {
		g.Namespaces = append(g.Namespaces, implied[name])
	}
	// Services operators create, unless the input defines one of that name itself.
	defined := map[string]bool{}
	for _, s := range g.Services {
		defined[s.ID] = true
	}
	for _, s := range provided {
		if !defined[s.ID] {
			defined[s.ID] = true
			g.Services = append(g.Services, s)
		}
	}
	// Services declared outside the input, by name: they resolve, and their ports (when
	// given) are checked. Patterns only silence what they cover (see External).
	g.External = opts.External
	for _, e := range opts.External.Services {
		if e.Glob() {
			continue
		}
		s := &Service{Object: Object{Ref: Ref{APIVersion: "v1", Kind: "Service", Namespace: e.Namespace, Name: e.Name}},
			Type: "ClusterIP", Ports: []ServicePort{}, ProvidedBy: ConfigFile, PortsUnknown: len(e.Ports) == 0}
		s.ID = s.String()
		for _, p := range e.Ports {
			s.Ports = append(s.Ports, ServicePort{Protocol: "TCP", Port: p, TargetPort: IntOrString{Int: p}})
		}
		if !defined[s.ID] {
			defined[s.ID] = true
			g.Services = append(g.Services, s)
		}
	}
	g.index()
	g.injectLabels()
	return g
}

// operatorWorkload makes a custom resource an operator turns into pods a pod source
// with the labels the operator sets: it adds them to the pod labels the resource
// spells out, or makes a workload of an opaque resource (whose containers kubenet
// cannot know). It returns nil when the entity is not a workload to change.
func operatorWorkload(op *OperatorKind, o *Object, entity any) *Workload {
	if len(op.PodLabels) == 0 {
		return nil
	}
	switch e := entity.(type) {
	case *Workload:
		labels := op.podLabels(o)
		for k, v := range e.PodLabels {
			labels[k] = v
		}
		e.PodLabels = labels
		e.ExtraPodLabels = extraLabels(labels, e.specLabels)
		return e
	case nil:
		labels := op.podLabels(o)
		return &Workload{Object: *o, CustomResource: true, PodLabels: labels, PodLabelsPos: o.Pos,
			ExtraPodLabels: extraLabels(labels, o.specLabels)}
	}
	return nil
}

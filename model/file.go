package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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
	// labelKeys and labelValues are the label keys and values found valid so far.
	labelKeys, labelValues map[string]struct{}
	// labelMaps holds the file's label maps by their contents (see docCtx.labelMap);
	// internKey is the buffer their keys are built in.
	labelMaps map[string]map[string]string
	internKey []byte
	// onDisk is set, and data dropped, for a file Graph.Source reads again.
	onDisk *diskSource
}

// dropSource lets go of the contents of a plain file read from disk unless keep wants
// them: Graph.Source reads it again if asked.
func (r *fileResult) dropSource(src source, keep func([]byte) bool) {
	if src.data != nil || src.path == "" || src.built != nil || src.failed != nil || r.unreadable != nil || keep(r.data) {
		return
	}
	if r.onDisk = newDiskSource(src.path, r.data); r.onDisk != nil {
		r.data = nil
	}
}

// item is one object built from a document (or a List item).
type item struct {
	obj *Object
	// entity is the decoded object of a kind kubenet reads, or nil for an opaque one.
	entity entity
	// namespaced is false for cluster-scoped kinds.
	namespaced bool
}

// decodeFile reads a source (unless it is in memory) and decodes its documents.
// Objects of a chart's output that name no namespace are the release's.
func decodeFile(src source) fileResult {
	res := decodeSource(src)
	if res.built != nil {
		// A document of a built stream that does not parse (a chart can render
		// anything) is reported where it came from.
		for i, p := range res.problems {
			if p.Pos.File == res.name {
				res.problems[i].Pos = res.built.remap(p.Pos)
			}
		}
	}
	if src.namespace != "" {
		for _, it := range res.items {
			if it.namespaced && it.obj.Namespace == "" {
				it.obj.Namespace = src.namespace
			}
		}
	}
	return res
}

func decodeSource(src source) fileResult {
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
	if src.failed != nil {
		res.data = bytes.TrimPrefix(data, bom)
		res.problems = []Problem{*src.failed}
		return res
	}
	data = normalize(data)

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

// bom is UTF-8's byte order mark.
var bom = []byte("\xef\xbb\xbf")

// normalize drops a byte order mark and makes every line end in \n alone: positions
// count lines the way the text kubenet prints from shows them.
func normalize(data []byte) []byte {
	data = bytes.TrimPrefix(data, bom)
	if bytes.IndexByte(data, '\r') >= 0 {
		data = bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
		data = bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
	}
	return data
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

// decodeDocument decodes one document of a file that does not parse as a whole,
// reporting a parse error at its line.
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

package model

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Positions in a rendered chart. Helm keeps no record of which template text
// produced which output line, so kubenet aligns each template's output with the
// template's text: a line without actions appears as it is, a line with actions
// matches the output whose literal parts it keeps (`replicas: {{ .Values.n }}`
// matches `replicas: 3`), and a line that includes, indents or renders YAML may
// produce several lines. The best monotonic alignment (a weighted longest common
// subsequence) places each output line at a template line; the lines of later
// range iterations find their template line by content. Where the line's only
// output action reads .Values (directly, piped, through `with`, or as toYaml of a
// block), the field points at the values file line that set it.

// valuesFile is a values file a variant applied, in order.
type valuesFile struct {
	path string
	data []byte
	root *yaml.Node
}

// maxAlign bounds the alignment table of one template (output lines × template lines).
const maxAlign = 4 << 20

// tline is one template line, as the alignment sees it.
type tline struct {
	text    string
	re      *regexp.Regexp // nil for a line without actions
	silent  bool           // only control actions and spaces: may produce nothing
	block   bool           // may produce several lines
	indent  int            // the least indentation of the lines a block produces
	weight  int32          // the value of matching it
	values  string         // the .Values path its only output action reads
	outputs bool           // has an output action
}

var (
	action     = regexp.MustCompile(`\{\{-?\s*(.*?)\s*-?\}\}`)
	control    = regexp.MustCompile(`^(?:if|else|end|range|with|define|block|break|continue|/\*|\$[\w]+\s*:?=)`)
	blockWords = regexp.MustCompile(`\b(?:include|template|toYaml|toJson|tpl|nindent|indent)\b`)
	nindentArg = regexp.MustCompile(`\b(?:nindent|indent)\s+(\d+)`)
	valuesRef  = regexp.MustCompile(`^(?:(?:toYaml|quote|squote|int|int64|toString|b64enc)\s+|default\s+\S+\s+)?\$?(\.Values(?:\.[A-Za-z0-9_-]+)*|\.)(?:\s*\|\s*(?:quote|squote|int|int64|toString|toYaml|default\s+\S+|nindent\s+\d+|indent\s+\d+|trim))*$`)
	withValues = regexp.MustCompile(`^with\s+\$?(\.Values(?:\.[A-Za-z0-9_-]+)*)$`)
	opens      = regexp.MustCompile(`^(?:if|range|with|define|block)\b`)
)

// parseTemplate classifies each line of a template.
func parseTemplate(src []byte) []tline {
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	out := make([]tline, len(lines))
	var stack []string // the .Values path of each open `with`, "" for other blocks
	for i, l := range lines {
		l = strings.TrimRight(l, " \t")
		t := tline{text: l}
		acts := action.FindAllStringSubmatchIndex(l, -1)
		if len(acts) == 0 {
			if strings.TrimSpace(l) != "" {
				t.weight = 4
			}
			out[i] = t
			continue
		}
		var pattern strings.Builder
		pattern.WriteString("^")
		last, outputs, lit := 0, 0, ""
		var only string
		for k, a := range acts {
			literal := l[last:a[0]]
			if k == 0 && strings.HasPrefix(l[a[0]:], "{{-") {
				literal = strings.TrimLeft(literal, " \t")
			}
			lit += literal
			pattern.WriteString(regexp.QuoteMeta(literal))
			body := l[a[2]:a[3]]
			switch {
			case strings.HasPrefix(body, "end"):
				if len(stack) > 0 {
					stack = stack[:len(stack)-1]
				}
			case opens.MatchString(body):
				w := ""
				if m := withValues.FindStringSubmatch(body); m != nil {
					w = m[1]
				}
				stack = append(stack, w)
			case control.MatchString(body) || body == "":
			default:
				outputs++
				pattern.WriteString(".*?")
				if blockWords.MatchString(body) {
					t.block = true
					t.indent = len(l) - len(strings.TrimLeft(l, " \t"))
					if m := nindentArg.FindStringSubmatch(body); m != nil {
						t.indent, _ = strconv.Atoi(m[1])
					}
				}
				only = body
			}
			last = a[1]
		}
		tail := l[last:]
		lit += tail
		pattern.WriteString(regexp.QuoteMeta(tail))
		pattern.WriteString("$")
		t.outputs = outputs > 0
		t.silent = outputs == 0 && strings.TrimSpace(lit) == ""
		if !t.silent {
			t.re, _ = regexp.Compile(pattern.String())
			switch n := len(strings.TrimSpace(lit)); {
			case n >= 2:
				t.weight = 3
			case n == 1 || outputs > 0:
				t.weight = 1
			}
		}
		if outputs == 1 {
			if m := valuesRef.FindStringSubmatch(only); m != nil {
				t.values = m[1]
				if m[1] == "." {
					t.values = ""
					for k := len(stack) - 1; k >= 0; k-- {
						if stack[k] != "" {
							t.values = stack[k]
							break
						}
					}
				}
			}
		}
		out[i] = t
	}
	return out
}

// matches reports whether output line r can come from template line t.
func (t *tline) matches(r string) bool {
	switch {
	case t.silent:
		return false
	case t.re == nil:
		return t.weight > 0 && t.text == r
	default:
		return t.re.MatchString(r)
	}
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

// align places each output line at a template line (0-based), or -1. absorbed
// marks the lines a block line produced beyond its own.
func align(out []string, tpl []tline) (at []int, absorbed []bool) {
	n, m := len(out), len(tpl)
	at = make([]int, n)
	absorbed = make([]bool, n)
	for i := range at {
		at[i] = -1
	}
	if n == 0 || m == 0 || (n+1)*(m+1) > maxAlign {
		return at, absorbed
	}
	w := m + 1
	f := make([]int32, (n+1)*w) // f[i*w+j]: the best score of out[i:] against tpl[j:]
	canAbsorb := func(i, j int) bool {
		return j > 0 && tpl[j-1].block && strings.TrimSpace(out[i]) != "" && indentOf(out[i]) >= tpl[j-1].indent
	}
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			if i == n {
				continue
			}
			best := f[(i+1)*w+j] // the output line stays unplaced
			if j < m {
				best = max(best, f[i*w+j+1]) // the template line produced nothing
				if tpl[j].matches(out[i]) {
					best = max(best, tpl[j].weight+f[(i+1)*w+j+1])
				}
			}
			if canAbsorb(i, j) {
				best = max(best, 1+f[(i+1)*w+j])
			}
			f[i*w+j] = best
		}
	}
	for i, j := 0, 0; i < n; {
		cur := f[i*w+j]
		switch {
		case j < m && tpl[j].matches(out[i]) && cur == tpl[j].weight+f[(i+1)*w+j+1]:
			at[i] = j
			i, j = i+1, j+1
		case canAbsorb(i, j) && cur == 1+f[(i+1)*w+j]:
			at[i], absorbed[i] = j-1, true
			i++
		case j < m && cur == f[i*w+j+1]:
			j++
		default:
			i++
		}
	}
	// Lines left unplaced: a later iteration of a range finds its line by content;
	// anything else belongs to the line placed before it.
	prev := -1
	for i := range at {
		if at[i] >= 0 {
			prev = at[i]
			continue
		}
		if strings.TrimSpace(out[i]) == "" {
			continue
		}
		for j := prev; j >= 0; j-- {
			if tpl[j].weight >= 3 && tpl[j].matches(out[i]) {
				at[i] = j
				break
			}
		}
		if at[i] < 0 && prev >= 0 {
			at[i], absorbed[i] = prev, tpl[prev].block
		}
	}
	return at, absorbed
}

// renderedChart gathers a variant's output into one stream, with each line's place.
type renderedChart struct {
	s      *chartSetup
	ch     *chartv2.Chart
	disk   map[string][]byte
	values []valuesFile
	k      *kustomized
	buf    bytes.Buffer
	line   int // lines written so far
}

// assembleRendered writes a variant's manifests as one stream, each document under
// its `# Source:` comment as helm template prints it, and records where each line
// comes from.
func assembleRendered(s *chartSetup, ch *chartv2.Chart, files map[string]string, disk map[string][]byte, values []valuesFile) *kustomized {
	chartYAML := filepath.Join(s.dir, "Chart.yaml")
	r := &renderedChart{s: s, ch: ch, disk: disk, values: values,
		k: &kustomized{file: chartYAML, files: map[string][]byte{}, exact: map[[2]int]Pos{}, lines: map[int]Pos{}, via: map[Pos]Pos{}}}
	if data, ok := disk["Chart.yaml"]; ok {
		r.k.files[chartYAML] = data
	}
	for i := range r.values {
		r.k.files[r.values[i].path] = r.values[i].data
		var n yaml.Node
		if err := yaml.Unmarshal(r.values[i].data, &n); err == nil && len(n.Content) > 0 {
			r.values[i].root = n.Content[0]
		}
	}
	if data, ok := disk["values.yaml"]; ok {
		// The chart's own values come first: later files win.
		vf := valuesFile{path: filepath.Join(s.dir, "values.yaml"), data: data}
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err == nil && len(n.Content) > 0 {
			vf.root = n.Content[0]
		}
		r.values = append([]valuesFile{vf}, r.values...)
		r.k.files[vf.path] = data
	}
	for _, name := range renderedTemplates(files) {
		r.add(name, files[name])
	}
	r.k.data = append([]byte{}, r.buf.Bytes()...)
	return r.k
}

// add writes one template's output.
func (r *renderedChart) add(name, output string) {
	file, onDisk := templateFile(r.s.dir, r.ch.Name(), name)
	rel := strings.TrimPrefix(name, r.ch.Name()+"/")
	src, hasSrc := r.disk[rel]
	if !onDisk || !hasSrc {
		// A template of a packaged subchart: the package is the place.
		file, src = r.s.dir, nil
	} else {
		r.k.files[file] = src
	}
	out := strings.Split(strings.TrimRight(output, "\n"), "\n")
	tpl := parseTemplate(src)
	at, absorbed := align(out, tpl)
	prefix := subchartPrefix(rel)
	start := true
	for i, l := range out {
		// Helm splits documents at every line that starts with "---", whatever
		// follows it on the line ("---# comment").
		if sep := strings.HasPrefix(l, "---"); start || sep {
			r.write("---")
			r.write(helmSource + name)
			r.k.starts = append(r.k.starts, r.line+1)
			r.k.fallback = append(r.k.fallback, Pos{File: file, Line: 1, Column: 1})
			start = false
			if sep {
				l = strings.TrimSpace(l[3:])
				if l == "" {
					continue
				}
			}
		}
		r.write(l)
		if at[i] < 0 || src == nil {
			continue
		}
		t := tpl[at[i]]
		p := Pos{File: file, Line: at[i] + 1, Column: indentOf(t.text) + 1}
		if t.values != "" {
			if q, ok := r.valuePos(prefix, t.values, l, absorbed[i]); ok {
				line := Pos{File: q.File, Line: q.Line}
				if _, seen := r.k.via[line]; !seen {
					r.k.via[line] = Pos{File: p.File, Line: p.Line}
				}
				p = q
			}
		}
		r.k.lines[r.line] = p
	}
}

func (r *renderedChart) write(l string) {
	r.buf.WriteString(l)
	r.buf.WriteByte('\n')
	r.line++
}

// subchartPrefix is the values key of the subchart a template belongs to
// ("charts/db/templates/x.yaml" is "db"), or "".
func subchartPrefix(rel string) string {
	parts := strings.Split(rel, "/")
	if len(parts) > 2 && parts[0] == "charts" {
		return parts[1]
	}
	return ""
}

// valuePos finds where a values path is set: the last values file that sets it.
// For a line a block produced (toYaml of the path), the key of the line inside it.
func (r *renderedChart) valuePos(prefix, p, line string, inBlock bool) (Pos, bool) {
	keys := strings.Split(strings.TrimPrefix(p, ".Values"), ".")[1:]
	if prefix != "" {
		keys = append([]string{prefix}, keys...)
	}
	for i := len(r.values) - 1; i >= 0; i-- {
		n, v := lookupPath(r.values[i].root, keys)
		if n == nil {
			continue
		}
		if inBlock {
			if k := findKeyLine(v, line); k != nil {
				n = k
			}
		}
		return Pos{File: r.values[i].path, Line: n.Line, Column: n.Column}, true
	}
	return Pos{}, false
}

// lookupPath returns the key node of a path of mapping keys, and its value.
func lookupPath(n *yaml.Node, keys []string) (*yaml.Node, *yaml.Node) {
	if n == nil {
		return nil, nil
	}
	var key *yaml.Node
	for _, k := range keys {
		n = deref(n)
		if n == nil || n.Kind != yaml.MappingNode {
			return nil, nil
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				key, n, found = n.Content[i], n.Content[i+1], true
				break
			}
		}
		if !found {
			return nil, nil
		}
	}
	if key == nil {
		return n, n
	}
	return key, n
}

// findKeyLine finds, under a values node, the one key the output line
// `key: value` names with the same value.
func findKeyLine(block *yaml.Node, line string) *yaml.Node {
	k, v, ok := strings.Cut(strings.TrimLeft(strings.TrimSpace(line), "- "), ":")
	if !ok {
		return nil
	}
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	var found *yaml.Node
	count := 0
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		n = deref(n)
		if n == nil {
			return
		}
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				kn, vn := n.Content[i], deref(n.Content[i+1])
				if kn.Value == k && (vn == nil || vn.Kind != yaml.ScalarNode || vn.Value == v || v == "") {
					found = kn
					count++
				}
				visit(n.Content[i+1])
			}
		}
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				visit(c)
			}
		}
	}
	visit(block)
	if count != 1 {
		return nil
	}
	return found
}

package model

import (
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// docCtx decodes one YAML document into model objects. Type errors are collected as
// Problems that point at the offending node, and mark the object invalid.
type docCtx struct {
	file string
	// off is the number of file lines before this document: node lines are relative to it.
	off int
	doc int
	res *fileResult
	// obj is the object being built, marked invalid on a type error.
	obj *Object
	// aliasItems counts List items reached through aliases.
	aliasItems int
	// lines maps the parser's line numbers to the file's, when they differ.
	lines []int
	// remap, when set, moves positions from a built stream to its source files.
	remap func(Pos) Pos
}

func (c *docCtx) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{}
	}
	p := Pos{File: c.file, Line: mapLine(c.lines, n.Line) + c.off, Column: n.Column}
	if c.remap != nil {
		return c.remap(p)
	}
	return p
}

// fail records a manifest-invalid problem at n.
func (c *docCtx) fail(n *yaml.Node, format string, args ...any) {
	p := Problem{Kind: Invalid, Pos: c.pos(n), Message: fmt.Sprintf(format, args...)}
	if c.obj != nil {
		c.obj.Invalid = true
		ref := c.obj.Ref
		p.Object = &ref
	}
	c.res.problems = append(c.res.problems, p)
}

// failAt records a manifest-invalid problem at p.
func (c *docCtx) failAt(p Pos, format string, args ...any) {
	pr := Problem{Kind: Invalid, Pos: p, Message: fmt.Sprintf(format, args...)}
	if c.obj != nil {
		c.obj.Invalid = true
		ref := c.obj.Ref
		pr.Object = &ref
	}
	c.res.problems = append(c.res.problems, pr)
}

// deref follows aliases (bounded, although the YAML library rejects recursive ones).
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 16; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!int":
			return "the integer " + n.Value
		case "!!float":
			return "the number " + n.Value
		case "!!bool":
			return "the boolean " + n.Value
		case "!!null":
			return "null"
		default:
			return strconv.Quote(n.Value)
		}
	}
	return "an unsupported node"
}

// field looks up key in mapping m and returns its key and value nodes (nil when
// absent). Keys merged in with "<<" count, after the mapping's own keys.
func field(m *yaml.Node, key string) (k, v *yaml.Node) {
	return fieldDepth(m, key, 0)
}

func fieldDepth(m *yaml.Node, key string, depth int) (k, v *yaml.Node) {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode || depth > 8 {
		return nil, nil
	}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		ck := m.Content[i]
		if ck.Value == key && ck.ShortTag() != "!!merge" {
			return ck, deref(m.Content[i+1])
		}
		if ck.ShortTag() == "!!merge" {
			merges = append(merges, deref(m.Content[i+1]))
		}
	}
	for _, mv := range merges {
		srcs := []*yaml.Node{mv}
		if mv != nil && mv.Kind == yaml.SequenceNode {
			srcs = mv.Content
		}
		for _, s := range srcs {
			if k, v := fieldDepth(s, key, depth+1); k != nil {
				return k, v
			}
		}
	}
	return nil, nil
}

// pairs returns the key and value nodes of mapping m, merged keys included; a
// mapping's own keys win over merged ones.
func pairs(m *yaml.Node) [][2]*yaml.Node {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	var out [][2]*yaml.Node
	seen := map[string]bool{}
	var merges []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.ShortTag() == "!!merge" {
			merges = append(merges, deref(m.Content[i+1]))
			continue
		}
		seen[k.Value] = true
		out = append(out, [2]*yaml.Node{k, deref(m.Content[i+1])})
	}
	for _, mv := range merges {
		srcs := []*yaml.Node{mv}
		if mv != nil && mv.Kind == yaml.SequenceNode {
			srcs = mv.Content
		}
		for _, s := range srcs {
			for _, p := range pairs(s) {
				if !seen[p[0].Value] {
					seen[p[0].Value] = true
					out = append(out, p)
				}
			}
		}
	}
	return out
}

func val(m *yaml.Node, key string) *yaml.Node {
	_, v := field(m, key)
	return v
}

// path walks nested mappings, returning nil when any step is missing or not a mapping.
func path(m *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		m = val(m, k)
		if m == nil {
			return nil
		}
	}
	return m
}

// mapping checks that n is a mapping (null counts as absent).
func (c *docCtx) mapping(n *yaml.Node, where string) bool {
	if isNull(n) {
		return false
	}
	if n.Kind != yaml.MappingNode {
		c.fail(n, "%s must be a mapping, not %s", where, describe(n))
		return false
	}
	return true
}

// entry is mapping for an entry the schema requires to be an object (an item of a
// list, a reference): null is invalid, not empty, as the API server refuses it. An
// absent one is false too; a required field says so with required, at its parent.
func (c *docCtx) entry(n *yaml.Node, where string) bool {
	if n == nil {
		return false
	}
	if isNull(n) {
		c.fail(n, "%s is null: the API server refuses an empty entry", where)
		return false
	}
	return c.mapping(n, where)
}

// required reports the fields of mapping m the schema requires that are absent or null.
func (c *docCtx) required(m *yaml.Node, where string, keys ...string) {
	for _, k := range keys {
		kn, v := field(m, k)
		switch {
		case kn == nil:
			c.fail(m, "%s.%s is required%s", where, k, misspelt(m, k))
		case isNull(v):
			c.fail(v, "%s.%s is required, and null is no value", where, k)
		}
	}
}

// seq returns the items of list n (null counts as absent).
func (c *docCtx) seq(n *yaml.Node, where string) []*yaml.Node {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		c.fail(n, "%s must be a list, not %s", where, describe(n))
		return nil
	}
	out := make([]*yaml.Node, len(n.Content))
	for i, it := range n.Content {
		out[i] = deref(it)
	}
	return out
}

// str returns the string value of n; ok is false when it is absent or not a string.
// Timestamps count as strings: kubectl, Helm and Argo CD read YAML with go-yaml v2,
// which keeps them as text. YAML 1.1 booleans (yes, no, on, off, y, n) written plain do
// not: those tools send them as booleans, and the API server rejects them.
func (c *docCtx) str(n *yaml.Node, where string) (string, bool) {
	if isNull(n) {
		return "", false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!timestamp" {
		return n.Value, true
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		c.fail(n, "%s must be a string, not %s", where, describe(n))
		return "", false
	}
	if n.Style == 0 && yaml11Bools[n.Value] {
		c.fail(n, "%s must be a string, but %s is the boolean %s to kubectl and Helm (YAML 1.1); quote it: \"%s\"",
			where, n.Value, yaml11Value(n.Value), n.Value)
		return n.Value, true
	}
	return n.Value, true
}

// yaml11Bools are the plain scalars go-yaml v2 (used by kubectl through
// sigs.k8s.io/yaml) reads as booleans and YAML 1.2 reads as strings.
var yaml11Bools = map[string]bool{
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true,
	"n": true, "N": true, "no": true, "No": true, "NO": true, "off": true, "Off": true, "OFF": true,
}

func yaml11Value(s string) string {
	switch strings.ToLower(s) {
	case "y", "yes", "on":
		return "true"
	}
	return "false"
}

// integer returns the value of an integer node.
func (c *docCtx) integer(n *yaml.Node, where string) (int, bool) {
	if isNull(n) {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
			if _, err := strconv.Atoi(n.Value); err == nil {
				hint = " (remove the quotes)"
			}
		}
		c.fail(n, "%s must be an integer, not %s%s", where, describe(n), hint)
		return 0, false
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
	if err != nil || v < -1<<31 || v > 1<<31-1 {
		c.fail(n, "%s: %s is out of range", where, n.Value)
		return 0, false
	}
	return int(v), true
}

func (c *docCtx) boolean(n *yaml.Node, where string) bool {
	if isNull(n) {
		return false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" && n.Style == 0 && yaml11Bools[n.Value] {
		return yaml11Value(n.Value) == "true" // a boolean to kubectl (YAML 1.1)
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		c.fail(n, "%s must be a boolean, not %s", where, describe(n))
		return false
	}
	b, _ := strconv.ParseBool(strings.ToLower(n.Value))
	return b
}

// intOrString reads an int-or-string field.
func (c *docCtx) intOrString(n *yaml.Node, where string) (IntOrString, bool) {
	if isNull(n) {
		return IntOrString{}, false
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return IntOrString{Str: n.Value, IsStr: true}, true
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		v, ok := c.integer(n, where)
		return IntOrString{Int: v}, ok
	}
	c.fail(n, "%s must be a number or a port name, not %s", where, describe(n))
	return IntOrString{}, false
}

// stringMap reads a map of strings, such as labels or a ConfigMap's data.
func (c *docCtx) stringMap(n *yaml.Node, where string) map[string]string {
	if !c.mapping(n, where) {
		return nil
	}
	ps := pairs(n)
	out := make(map[string]string, len(ps))
	for _, p := range ps {
		k, v := p[0], p[1]
		if isNull(v) {
			// The API server rejects null values in string maps; say so precisely.
			c.fail(v, "%s.%s must be a string, not null (quote it: \"\")", where, k.Value)
			continue
		}
		s, ok := c.str(v, where+"."+k.Value)
		if !ok {
			continue
		}
		out[k.Value] = s
	}
	return out
}

// stringMapPos reads a string map and the position of each value.
func (c *docCtx) stringMapPos(n *yaml.Node, where string) (map[string]string, map[string]Pos) {
	m := c.stringMap(n, where)
	if m == nil {
		return nil, nil
	}
	pos := make(map[string]Pos, len(m))
	for _, p := range pairs(n) {
		if _, ok := m[p[0].Value]; ok {
			pos[p[0].Value] = c.pos(p[1])
		}
	}
	return m, pos
}

func (c *docCtx) stringList(n *yaml.Node, where string) []StringAt {
	var out []StringAt
	for i, it := range c.seq(n, where) {
		if s, ok := c.str(it, fmt.Sprintf("%s[%d]", where, i)); ok {
			out = append(out, StringAt{Value: s, Pos: c.pos(it)})
		}
	}
	return out
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

// protocol reads a protocol field, defaulting to TCP.
func (c *docCtx) protocol(n *yaml.Node, where string) string {
	s, ok := c.str(n, where)
	if !ok || s == "" {
		return "TCP"
	}
	switch s {
	case "TCP", "UDP", "SCTP":
		return s
	}
	c.fail(n, "%s %q is not one of TCP, UDP, SCTP", where, s)
	return s
}

// misspelt explains a missing required field that is present with other capitalisation
// (field names are case-sensitive).
func misspelt(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k != key && strings.EqualFold(k, key) {
			return fmt.Sprintf(" (found %q: field names are case-sensitive)", k)
		}
	}
	return ""
}

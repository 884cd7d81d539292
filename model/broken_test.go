package model

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// brokenMiddle has a tab-indented key in its second document (line 12).
const brokenMiddle = `apiVersion: v1
kind: ConfigMap
metadata:
  name: before
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
  labels:
    app: x
	tier: web
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: after
`

func TestBrokenDocumentInTheMiddle(t *testing.T) {
	g := load(t, "b.yaml", brokenMiddle)
	p := oneProblem(t, g, Invalid)
	assert.Len(t, g.Problems, 1)
	assert.Equal(t, "b.yaml", p.Pos.File)
	// The exact line is TestParseErrorLines' business; here it must be inside the
	// broken document (lines 5 to 13).
	assert.GreaterOrEqual(t, p.Pos.Line, lineOf(t, brokenMiddle, "---", 1), p.Message)
	assert.LessOrEqual(t, p.Pos.Line, lineOf(t, brokenMiddle, "tier: web"), p.Message)
	assert.Contains(t, p.Message, "does not parse as YAML")
	assert.NotContains(t, p.Message, "yaml: line", "the library's relative line must not leak into the message")
	assert.Nil(t, p.Object)

	assert.Equal(t, []string{"default/ConfigMap/before", "default/ConfigMap/after"}, ids(g))
	after := object(t, g, "default/ConfigMap/after")
	assert.Equal(t, lineOf(t, brokenMiddle, "name: after"), after.Pos.Line)
	assert.Equal(t, 2, after.Doc, "document indexes count the broken document")
}

// TestParseErrorLines: a document that does not parse yields one problem on the line
// with the mistake, in file numbering.
//
// yaml.v3's "yaml: line N:" is the line of the context mark (the start of the
// enclosing mapping or flow collection), not of the problem; firstBadLine bisects for
// the first line that stops the document from parsing. The multi-line flow case fails
// today: every prefix cut inside a flow collection fails, so the bisection lands on
// the line that opens it (see also TestJSONParseErrorLines).
func TestParseErrorLines(t *testing.T) {
	// Each source is placed as the second document after a 6-line first document.
	const first = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: first\ndata:\n  k: v\n---\n"
	cases := []struct {
		name, doc, bad string
	}{
		{"tab-indented key after a nested mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    app: x\n\ttier: web\n", "\ttier: web"},
		{"tab indentation", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: x\n", "\tname: x"},
		{"mapping in a plain scalar", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a: b\n", "name: a: b"},
		{"unclosed quote at the end", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  k: 'v\n", "k: 'v"},
		{"bad indentation of a key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: b\n   c: d\n", "   c: d"},
		{"dedented key", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n bad: indent\n", " bad: indent"},
		{"list item in a mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  - a\n  b: c\n", "  b: c"},
		{"unclosed flow mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\ndata: {}\n", "metadata: {name: x"},
		{"unclosed flow sequence after a multi-line flow mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x,\n  labels: {a: b}}\ndata:\n  a: [1, 2\n  b: 3\n", "a: [1, 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := first + tc.doc + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: last\n"
			g := load(t, "e.yaml", src)
			p := oneProblem(t, g, Invalid)
			assert.Equal(t, lineOf(t, src, tc.bad), p.Pos.Line, "%s\n%s", p.Message, src)
			names := []string{}
			for _, cm := range g.ConfigMaps {
				names = append(names, cm.Name)
			}
			assert.Equal(t, []string{"first", "last"}, names)
		})
	}
}

// TestBrokenOnlyDocument: a file that is one broken document still counts as read.
func TestBrokenOnlyDocument(t *testing.T) {
	g := load(t, "x.yaml", "key: [unclosed\n")
	p := oneProblem(t, g, Invalid)
	assert.Equal(t, 1, p.Pos.Line)
	assert.Equal(t, 1, g.Files)
	assert.Empty(t, g.Objects)
}

// TestNoPanicOnOddInput: inputs that upset YAML libraries become problems, not panics.
func TestNoPanicOnOddInput(t *testing.T) {
	for _, src := range []string{
		"\x00",
		"\xff\xfe\x00a",
		"a: *unknown\n",
		"&a [*a]\n",
		"? [a, b]\n: c\n",
		"apiVersion: v1\nkind: List\nitems: [1, null, [], {}]\n",
		"apiVersion: v1\nkind: List\nitems: {a: b}\n",
		"apiVersion: v1\nkind: ConfigMapList\nitems:\n- &x {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n- *x\n",
		"apiVersion: [v1]\nkind: {a: b}\n",
		"apiVersion: v1\nkind: Service\nmetadata: []\nspec: [1]\n",
		"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: [a]}\nspec: {containers: {a: b}, initContainers: [null, 1, {ports: [null, 3, {containerPort: x}]}]}\n",
		"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: [], ingress: [null, 1, {from: [null, 1, {}], ports: [null, 1]}], egress: {}}\n",
		"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec: {defaultBackend: {}, rules: [null, {http: {paths: [null, {}, {backend: {service: {port: []}}}]}}], tls: [1]}\n",
		"!!binary aGVsbG8=\n",
		"--- !!str\n--- !!map\n--- !!seq\n",
	} {
		assert.NotPanics(t, func() { load(t, "odd.yaml", src) }, "%q", src)
	}
}

func TestLoadBytesFilesKeepOrderAndNames(t *testing.T) {
	g := LoadBytes(Options{},
		NamedData{Name: "b.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")},
		NamedData{Name: "a.yaml", Data: []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")},
		NamedData{Name: "broken.yaml", Data: []byte("a: [\n")},
		NamedData{Name: "empty.yaml", Data: []byte{}},
	)
	assert.Equal(t, 4, g.Files)
	assert.Equal(t, []string{"default/ConfigMap/b", "default/ConfigMap/a"}, ids(g))
	assert.Equal(t, "b.yaml", g.Objects[0].Pos.File)
	assert.Equal(t, "a.yaml", g.Objects[1].Pos.File)
	require.Len(t, g.Problems, 1)
	assert.Equal(t, "broken.yaml", g.Problems[0].Pos.File)
}

// TestLoadBytesNilData: a nil Data is an empty file, not a path to read. Fails today:
// decodeFile treats nil data as "read src.path", and the path is "".
func TestLoadBytesNilData(t *testing.T) {
	g := LoadBytes(Options{}, NamedData{Name: "empty.yaml"})
	noProblems(t, g)
	assert.Equal(t, 1, g.Files)
}

// TestAliasExpansionIsBounded: List items are followed through aliases, so a few
// hundred bytes of nested aliased Lists expand exponentially ("billion laughs"): 4
// levels of 10 give 11,111 objects from 434 bytes, 6 levels 1.1 million objects in
// seconds, 8 levels exhaust memory. kubectl (yaml.v2) rejects such a document with
// "document contains excessive aliasing". Fails today.
func TestAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: List\nitems:\n- &l0 {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n")
	for i := 1; i <= 4; i++ {
		p := fmt.Sprintf("*l%d", i-1)
		fmt.Fprintf(&b, "- &l%d {apiVersion: v1, kind: List, items: [%s]}\n", i, strings.Repeat(p+",", 9)+p)
	}
	g := load(t, "bomb.yaml", b.String())
	assert.Less(t, len(g.Objects), 1000, "objects from a %d-byte file", b.Len())
	assert.NotEmpty(t, problems(g, Invalid), "the document is rejected")
}

// TestJSONParseErrorLines: a JSON file is one flow mapping, so the problem line must
// come from the offending token, as jq or an editor would report it. Fails today:
// firstBadLine's bisection finds line 1 (any prefix of a JSON object fails), so the
// yaml.v3 context line (the start of the enclosing object) is reported; and a stray
// "}" ends the document early, so a half-read object (no data) is kept.
func TestJSONParseErrorLines(t *testing.T) {
	const head = "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\n    \"name\": \"x\"\n  },\n  \"data\": {\n    \"a\": \"1\",\n"
	for _, tc := range []struct{ name, src, bad string }{
		{"missing comma", head + "    \"b\": \"2\"\n    \"c\": \"3\"\n  }\n}\n", `"c": "3"`},
		{"missing colon", head + "    \"b\" \"2\",\n    \"c\": \"3\"\n  }\n}\n", `"b" "2"`},
		{"stray brace", "{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"ConfigMap\",\n  \"metadata\": {\n    \"name\": \"x\"\n  }},\n  \"data\": {\"a\": \"1\"}\n}\n", "}},"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := load(t, "cm.json", tc.src)
			p := oneProblem(t, g, Invalid)
			assert.Equal(t, lineOf(t, tc.src, tc.bad), p.Pos.Line, "%s\n%s", p.Message, tc.src)
			assert.Empty(t, g.Objects, "a document that does not parse yields no object")
		})
	}
}

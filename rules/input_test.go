package rules

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// shape is the tree of paths a sample document holds. A map's entries sit under anyKey
// (the sample fills every map with that one key), an array's under elem.
type shape struct {
	// kept is true when the subtree holds a value that is not empty, zero or null.
	kept   bool
	fields map[string]*shape
	elem   *shape
}

func shapeOf(v ast.Value) *shape {
	s := &shape{}
	switch v := v.(type) {
	case ast.Object:
		s.fields = map[string]*shape{}
		v.Foreach(func(k, x *ast.Term) {
			c := shapeOf(x.Value)
			s.fields[string(k.Value.(ast.String))] = c
			s.kept = s.kept || c.kept
		})
	case *ast.Array:
		for i := range v.Len() {
			s.elem = mergeShapes(s.elem, shapeOf(v.Elem(i).Value))
		}
		s.kept = s.elem != nil && s.elem.kept
	case ast.String:
		s.kept = v != ""
	case ast.Number:
		s.kept = v.String() != "0"
	case ast.Boolean:
		s.kept = bool(v)
	}
	return s
}

func mergeShapes(a, b *shape) *shape {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	out := &shape{kept: a.kept || b.kept, elem: mergeShapes(a.elem, b.elem)}
	if a.fields != nil || b.fields != nil {
		out.fields = map[string]*shape{}
		for k, x := range a.fields {
			out.fields[k] = x
		}
		for k, x := range b.fields {
			out.fields[k] = mergeShapes(out.fields[k], x)
		}
	}
	return out
}

// normalize maps a read path onto the paths of full: a key of an array or a map becomes
// anyKey, a key that is not a constant reads every field of an object. ok is false
// when the input has no such path.
func normalize(full *shape, path string) (paths []string, ok bool) {
	var walk func(s *shape, segs []string, prefix string)
	ok = true
	walk = func(s *shape, segs []string, prefix string) {
		if len(segs) == 0 {
			paths = append(paths, prefix)
			return
		}
		join := func(seg string) string {
			if prefix == "" {
				return seg
			}
			return prefix + pathSep + seg
		}
		switch {
		case s.elem != nil:
			walk(s.elem, segs[1:], join(anyKey))
		case s.fields[anyKey] != nil && len(s.fields) == 1:
			walk(s.fields[anyKey], segs[1:], join(anyKey))
		case s.fields != nil && segs[0] == anyKey:
			for name, c := range s.fields {
				walk(c, segs[1:], join(name))
			}
		case s.fields[segs[0]] != nil:
			walk(s.fields[segs[0]], segs[1:], join(segs[0]))
		default:
			ok = false
			paths = append(paths, join(segs[0]))
		}
	}
	walk(full, strings.Split(path, pathSep), "")
	return paths, ok
}

// at returns the subtree of s at an encoded path, or nil.
func (s *shape) at(path string) *shape {
	for _, seg := range strings.Split(path, pathSep) {
		switch {
		case s == nil:
			return nil
		case seg == anyKey && s.elem != nil:
			s = s.elem
		default:
			s = s.fields[seg]
		}
	}
	return s
}

// fill sets every exported field of v, recursively, to a value that is not zero: "x",
// 1, true, one element per slice and one entry (key anyKey) per map. A type already
// being filled higher up is left zero.
func fill(v reflect.Value, filling map[reflect.Type]bool) {
	t := v.Type()
	switch v.Kind() {
	case reflect.Pointer:
		if filling[t.Elem()] {
			return
		}
		v.Set(reflect.New(t.Elem()))
		fill(v.Elem(), filling)
	case reflect.Struct:
		if t == reflect.TypeFor[model.IntOrString]() {
			v.Set(reflect.ValueOf(model.IntOrString{Int: 1}))
			return
		}
		filling[t] = true
		defer delete(filling, t)
		for i := range t.NumField() {
			if f := v.Field(i); f.CanSet() {
				fill(f, filling)
			}
		}
	case reflect.Slice:
		if filling[t.Elem()] {
			return
		}
		v.Set(reflect.MakeSlice(t, 1, 1))
		fill(v.Index(0), filling)
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), filling)
		}
	case reflect.Map:
		e := reflect.New(t.Elem()).Elem()
		fill(e, filling)
		v.Set(reflect.MakeMap(t))
		v.SetMapIndex(reflect.ValueOf(anyKey).Convert(t.Key()), e)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1)
	}
}

// inputShapes returns the shape of the full input document and of the one the built-in
// rules get (builtinInput, positions compacted), both from one sample in which every
// field of the full document holds a value. What is not kept in the built-in one is
// dropped: a field its structs lack, or one builtin() leaves empty.
func inputShapes(t *testing.T) (full, builtin *shape) {
	t.Helper()
	in := &Input{}
	fill(reflect.ValueOf(in).Elem(), map[reflect.Type]bool{})
	// builtin() keeps the objects of the kinds built-in rules read; a Namespace keeps
	// the most (its annotations). The other sample values pass its filters as filled.
	in.Objects[0].Kind = "Namespace"
	// It keeps the facts of the NetworkPolicies and Services it keeps: key the samples'
	// by their ids.
	for _, pf := range in.Facts.Policies {
		in.Facts.Policies = map[string]*analyzer.PolicyFacts{in.Policies[0].ID: pf}
		break
	}
	for _, sf := range in.Facts.Services {
		in.Facts.Services = map[string]*analyzer.ServiceFacts{in.Services[0].ID: sf}
		break
	}
	for _, sr := range in.Facts.ServiceReach {
		in.Facts.ServiceReach = map[string][]analyzer.ServicePortReach{in.Services[0].ID: sr}
		break
	}
	fv, err := inputValue(in, false)
	require.NoError(t, err)
	bv, err := inputValue(in.builtin(), true)
	require.NoError(t, err)
	return shapeOf(fv), shapeOf(bv)
}

// readProblem is a path of the input a rule reads that the input does not have
// (unknown), or that the built-in input drops.
type readProblem struct {
	rule, path, loc string
	unknown         bool
}

func (p readProblem) String() string {
	if p.unknown {
		return fmt.Sprintf("rule %s reads input.%s (%s), which the input does not have (docs/input.md)", p.rule, p.path, p.loc)
	}
	return fmt.Sprintf("rule %s reads input.%s (%s), which the built-in input (rules/input.go builtinInput) drops", p.rule, p.path, p.loc)
}

// checkBuiltinReads returns the reads of each rule that the input does not have or the
// built-in input drops (for each read, its shortest path that is dropped), sorted by
// rule and path, one per rule and path.
func checkBuiltinReads(reads map[string][]inputRead, full, builtin *shape) []readProblem {
	seen := map[[2]string]bool{}
	var out []readProblem
	report := func(p readProblem) {
		if k := [2]string{p.rule, p.path}; !seen[k] {
			seen[k] = true
			out = append(out, p)
		}
	}
	ids := make([]string, 0, len(reads))
	for id := range reads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		for _, r := range reads[id] {
			paths, ok := normalize(full, r.path)
			if !ok {
				report(readProblem{rule: id, path: renderPath(paths[len(paths)-1]), loc: r.loc, unknown: true})
				continue
			}
			for _, p := range paths {
				segs := strings.Split(p, pathSep)
				for n := 1; n <= len(segs); n++ {
					prefix := strings.Join(segs[:n], pathSep)
					if s := builtin.at(prefix); s == nil || !s.kept {
						report(readProblem{rule: id, path: renderPath(prefix), loc: r.loc})
						break
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].rule != out[j].rule {
			return out[i].rule < out[j].rule
		}
		return out[i].path < out[j].path
	})
	return out
}

func builtinCompiler(t *testing.T, extra map[string]string) *ast.Compiler {
	t.Helper()
	srcs, err := readPolicies(nil)
	require.NoError(t, err)
	for name, text := range extra {
		srcs = append(srcs, &source{name: name, text: text})
	}
	parseAll(srcs)
	modules := map[string]*ast.Module{}
	for _, src := range srcs {
		require.NoError(t, src.err)
		modules[src.name] = src.module
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(capabilities()).WithEnablePrintStatements(true)
	c.Compile(modules)
	require.False(t, c.Failed(), "%v", c.Errors)
	return c
}

// TestBuiltinRulesReadWhatTheBuiltinInputKeeps: every path of input a built-in rule
// reads, through variables, its own rules and functions and kubenet.lib, is one the
// built-in input keeps (see builtinInput).
func TestBuiltinRulesReadWhatTheBuiltinInputKeeps(t *testing.T) {
	reads := inputReads(builtinCompiler(t, nil))
	full, builtin := inputShapes(t)
	for _, p := range checkBuiltinReads(reads, full, builtin) {
		t.Error(p)
	}

	// Not vacuous: reads through a variable, a lib function's argument and a rule's
	// document are seen.
	paths := func(id string) []string {
		var out []string
		for _, r := range reads[id] {
			out = append(out, renderPath(r.path))
		}
		return out
	}
	require.Len(t, reads, len(policyIDs(t)))
	assert.Contains(t, paths("service-port-mismatch"), "services[].ports[].protocol", "read in lib.port_label")
	assert.Contains(t, paths("dns-egress-missing"), "facts.workloads[].dns.policy")
	assert.Contains(t, paths("servicemonitor-mismatch"), "monitors[].selector.matchLabels[]", "read in lib.selector_string")
	assert.Contains(t, paths("servicemonitor-mismatch"), "workloads[].pos", "read through array.concat and the rule _pos")
}

func policyIDs(t *testing.T) []string {
	t.Helper()
	e, err := NewEngine()
	require.NoError(t, err)
	var ids []string
	for _, r := range e.Rules() {
		if r.Engine == "rego" {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// TestBuiltinReadsCheckerFinds: the checker names the rule and the path when a rule
// reads a field the built-in input drops, however the value reaches the read.
func TestBuiltinReadsCheckerFinds(t *testing.T) {
	rule := func(id, body string) string {
		return "# METADATA\n# title: t\n# custom:\n#   severity: info\npackage kubenet.rules[\"" + id + "\"]\n\nimport data.kubenet.lib\n\n" + body
	}
	modules := map[string]string{
		"helpers.rego": "package kubenet.helpers\n\nlabels(w) := w.podLabels\n",
		"variable.rego": rule("via-variable", `report contains lib.finding(w.id, w.pos, "m") if {
	some w in input.workloads
	w.podLabels.app == "web"
}`),
		"function.rego": rule("via-function", `report contains lib.finding(w.id, w.pos, "m") if {
	some w in input.workloads
	_app(w) == "web"
}

_app(w) := w.podLabels.app`),
		"helper.rego": rule("via-helper", `import data.kubenet.helpers

report contains lib.finding(w.id, w.pos, "m") if {
	some w in input.workloads
	labels := helpers.labels(w)
	labels.app == "web"
}`),
		"document.rego": rule("via-document", `report contains lib.finding(id, w.pos, "m") if {
	some id, w in _by_id
	w.podLabels.app == "web"
}

_by_id := {w.id: w | some w in input.workloads}`),
		"builtin.rego": rule("via-builtin", `report contains lib.finding(o.id, input.workloads[0].pos, "m") if {
	some o in array.concat(input.services, [x | some x in input.networkPolicies])
	o.labels.app == "web"
}`),
		"literal.rego": rule("via-literal", `report contains lib.finding(p[0].id, p[1], "m") if {
	some w in input.workloads
	p := [w, w.pos]
	p[0].podLabels.app == "web"
}`),
		"position.rego": rule("compact-position", `report contains lib.finding(w.id, w.pos, "m") if {
	some w in input.workloads
	w.pos.line > 1
}`),
		"fact.rego": rule("zeroed-fact", `report contains lib.finding(id, input.workloads[0].pos, "m") if {
	some id, wf in input.facts.workloads
	wf.ingressIsolated
}`),
		"typo.rego": rule("typo", `report contains lib.finding(s.id, s.pos, "m") if {
	some s in input.services
	s.selectr.app == "web"
}`),
		"kept.rego": rule("reads-kept", `report contains lib.finding(s.id, s.selectorKeyPos[k], "m") if {
	some s in input.services
	some k, v in s.selector
	v == lib.port_label(s.ports[0])
	input.facts.services[s.id].ports[0].status == "ok"
}`),
	}
	reads := inputReads(builtinCompiler(t, modules))
	full, builtin := inputShapes(t)
	var got []string
	for _, p := range checkBuiltinReads(reads, full, builtin) {
		got = append(got, fmt.Sprintf("%s %s %v", p.rule, p.path, p.unknown))
	}
	assert.Equal(t, []string{
		"compact-position workloads[].pos.line false",
		"typo services[].selectr true",
		"via-builtin networkPolicies[].labels false",
		"via-builtin services[].labels false",
		"via-document workloads[].podLabels false",
		"via-function workloads[].podLabels false",
		"via-helper workloads[].podLabels false",
		"via-literal workloads[].podLabels false",
		"via-variable workloads[].podLabels false",
		"zeroed-fact facts.workloads[].ingressIsolated false",
	}, got)
	assert.Contains(t, checkBuiltinReads(reads, full, builtin)[0].String(),
		"rule compact-position reads input.workloads[].pos.line (position.rego:11), which the built-in input (rules/input.go builtinInput) drops")
}

// TestBuiltinInputKeepsTellingRoutes: the built-in rules' input holds the routes whose
// facts say something, and their facts, and no other.
func TestBuiltinInputKeepsTellingRoutes(t *testing.T) {
	// Four routes: three attach to listeners whose hostnames intersect theirs (quiet),
	// one does not.
	g, err := model.Load(model.Options{}, "../testdata/rules/route-not-attached/hostnames")
	require.NoError(t, err)
	f := analyzer.New(g, analyzer.DefaultConfig()).Compute()
	in := NewInput(g, f, analyzer.DefaultConfig())
	b := in.builtin()
	require.Len(t, in.Routes, 4)
	require.Len(t, b.Routes, 1, "a route that attaches and reaches its backends is left out")
	kept := map[string]bool{}
	for _, r := range b.Routes {
		kept[r.ID] = true
		assert.Contains(t, b.Facts.Routes, r.ID)
	}
	assert.Len(t, b.Facts.Routes, len(kept))
}

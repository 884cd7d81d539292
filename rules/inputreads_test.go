package rules

import (
	"fmt"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// This file finds the parts of `input` each Rego rule reads, from its compiled module:
// a small abstract interpretation that follows input values through local variables,
// comprehensions, the rule's own rules and functions, helper modules (kubenet.lib) and
// the built-ins that hand parts of their arguments back (array.concat, object.union,
// object.get, sort, ...). TestBuiltinRulesReadWhatTheBuiltinInputKeeps uses it.
//
// A read is a reference that goes into a part of the input: `w.podLabels.app` reads
// workloads[].podLabels and workloads[].podLabels.app. Not seen as reads of every field:
// a whole object handed to a built-in that looks inside it (sprintf's %v, json.marshal,
// == between objects), and the keys of an object a rule builds from input values.

// anyKey is the path segment of an element of an array or a map, whatever its index or
// key (`workloads[]`, `facts.services[]`).
const anyKey = "[]"

// pathSep separates the segments of an encoded path.
const pathSep = "\x00"

// origin is an abstract value: the part of the input at path, or (when isConst) a
// constant string or number, wrapped in the levels of the collections and
// literals built around it since. wraps lists those levels, the outermost last: a
// constant key (an object literal's key, an array literal's index), or "" for any key
// (a comprehension, a set, an object built by a rule with a key variable). Constants
// are followed so that `some dir in ["ingress", "egress"]; p[dir]` reads p.ingress and
// p.egress, not every field of p.
type origin struct {
	path     string
	wraps    string
	constant string
	isConst  bool
}

func (o origin) wrapped(key string) origin {
	o.wraps += pathSep + key
	return o
}

// outer returns the outermost wrap level and o without it; ok is false when o is the
// input part itself.
func (o origin) outer() (key string, inner origin, ok bool) {
	if o.wraps == "" {
		return "", o, false
	}
	i := strings.LastIndex(o.wraps, pathSep)
	key = o.wraps[i+len(pathSep):]
	o.wraps = o.wraps[:i]
	return key, o, true
}

type vals map[origin]bool

// add adds every origin of from to vs and says whether that changed vs.
func (vs vals) add(from vals) bool {
	changed := false
	for o := range from {
		if !vs[o] {
			vs[o] = true
			changed = true
		}
	}
	return changed
}

func (vs vals) wrapped(key string) vals {
	out := vals{}
	for o := range vs {
		out[o.wrapped(key)] = true
	}
	return out
}

// inputRead is a path of the input a rule reads: segments joined with pathSep, anyKey
// for an index or key that is not a constant.
type inputRead struct {
	path string
	loc  string
}

// renderPath writes an encoded path as docs/input.md does: facts.services[].ports[].status.
func renderPath(path string) string {
	var b strings.Builder
	for i, seg := range strings.Split(path, pathSep) {
		switch {
		case seg == anyKey:
			b.WriteString(anyKey)
		case i > 0:
			b.WriteString("." + seg)
		default:
			b.WriteString(seg)
		}
	}
	return b.String()
}

// readFlow is the analysis of one rule: the rules and functions it reaches, and what
// flows through them, computed to a fixed point.
type readFlow struct {
	rules map[string][]*ast.Rule // by ground ref, e.g. data.kubenet.lib.port_label
	// values holds what each rule's document may hold; params and returns what each
	// function is called with and returns.
	values  map[string]vals
	params  map[string][]vals
	returns map[string]vals
	changed bool
	reads   map[inputRead]bool
}

// ruleKey is a rule's ground ref: the document it defines, or the function's name.
func ruleKey(r *ast.Rule) string { return r.Ref().GroundPrefix().String() }

// inputReads returns, for each rule module (package kubenet.rules["<id>"]) of the
// compiled modules, the input paths it reads and where, sorted.
func inputReads(c *ast.Compiler) map[string][]inputRead {
	index := map[string][]*ast.Rule{}
	for _, m := range c.Modules {
		for _, r := range m.Rules {
			index[ruleKey(r)] = append(index[ruleKey(r)], r)
		}
	}
	out := map[string][]inputRead{}
	for _, m := range c.Modules {
		path := m.Package.Path
		if len(path) != 4 || !path[:3].Equal(ast.MustParseRef(rulePrefix)) {
			continue
		}
		id, ok := path[3].Value.(ast.String)
		if !ok {
			continue
		}
		f := &readFlow{rules: index, values: map[string]vals{}, params: map[string][]vals{}, returns: map[string]vals{}, reads: map[inputRead]bool{}}
		reach := f.reachable(m.Rules)
		for range 100 {
			f.changed = false
			for _, r := range reach {
				f.rule(r)
			}
			if !f.changed {
				break
			}
		}
		if f.changed {
			panic(fmt.Sprintf("input reads of %s: no fixed point", id))
		}
		var reads []inputRead
		for r := range f.reads {
			reads = append(reads, r)
		}
		sort.Slice(reads, func(i, j int) bool {
			if reads[i].path != reads[j].path {
				return reads[i].path < reads[j].path
			}
			return reads[i].loc < reads[j].loc
		})
		out[string(id)] = reads
	}
	return out
}

// lookup returns the rules that define a prefix of ref, and the rest of ref.
func (f *readFlow) lookup(ref ast.Ref) (string, ast.Ref) {
	for n := len(ref); n > 1; n-- {
		if !ref[:n].IsGround() {
			continue
		}
		if k := ref[:n].String(); f.rules[k] != nil {
			return k, ref[n:]
		}
	}
	return "", nil
}

// reachable returns the rules of roots and every rule and function they refer to, in
// any module.
func (f *readFlow) reachable(roots []*ast.Rule) []*ast.Rule {
	seen := map[string]bool{}
	var out []*ast.Rule
	var visit func(rs []*ast.Rule)
	visit = func(rs []*ast.Rule) {
		for _, r := range rs {
			out = append(out, r)
			ast.WalkRefs(r, func(ref ast.Ref) bool {
				if !ref.HasPrefix(ast.DefaultRootRef) {
					return false
				}
				if k, _ := f.lookup(ref); k != "" && !seen[k] {
					seen[k] = true
					visit(f.rules[k])
				}
				return false
			})
		}
	}
	for _, r := range roots {
		if k := ruleKey(r); !seen[k] {
			seen[k] = true
			visit(f.rules[k])
		}
	}
	return out
}

func (f *readFlow) addTo(m map[string]vals, k string, vs vals) {
	if m[k] == nil {
		m[k] = vals{}
	}
	if m[k].add(vs) {
		f.changed = true
	}
}

// rule evaluates one rule (and its else branches) over what is known of its callers.
func (f *readFlow) rule(r *ast.Rule) {
	for ; r != nil; r = r.Else {
		env := map[ast.Var]vals{}
		k := ruleKey(r)
		for i, arg := range r.Head.Args {
			ps := vals{}
			if i < len(f.params[k]) {
				ps = f.params[k][i]
			}
			f.unifyVals(env, arg, ps)
		}
		f.body(env, r.Body)
		if len(r.Head.Args) > 0 {
			f.addTo(f.returns, k, f.term(env, r.Head.Value))
			continue
		}
		// The document at the rule's ground ref: its value, in a set for a multi-value
		// rule, in one level per term of the head's ref after the ground prefix.
		var v vals
		if r.Head.RuleKind() == ast.MultiValue {
			v = f.term(env, r.Head.Key).wrapped("")
		} else {
			v = f.term(env, r.Head.Value)
		}
		ref := r.Head.Ref()
		rest := ref[len(ref.GroundPrefix()):]
		for i := len(rest) - 1; i >= 0; i-- {
			v = v.wrapped(constKey(rest[i]))
		}
		f.addTo(f.values, k, v)
	}
}

// constKey is the key a constant term indexes with, or "" for any other term.
func constKey(t *ast.Term) string {
	switch v := t.Value.(type) {
	case ast.String:
		return string(v)
	case ast.Number:
		return v.String()
	}
	return ""
}

func (f *readFlow) body(env map[ast.Var]vals, body ast.Body) {
	// The compiler orders a body so that each variable is bound before it is used; a
	// second pass covers unifications that bind from right to left.
	for range 2 {
		for _, e := range body {
			f.expr(env, e)
		}
	}
}

func (f *readFlow) expr(env map[ast.Var]vals, e *ast.Expr) {
	switch ts := e.Terms.(type) {
	case *ast.Term:
		f.term(env, ts)
	case *ast.Every:
		dom := f.term(env, ts.Domain)
		f.unifyVals(env, ts.Value, f.index(dom, ts.Value, locOf(ts.Domain)))
		if ts.Key != nil {
			f.unifyVals(env, ts.Key, f.index(dom, ts.Key, locOf(ts.Domain)))
		}
		f.body(env, ts.Body)
	case []*ast.Term:
		op := e.Operator()
		args := ts[1:]
		switch op.String() {
		case ast.Equality.Name, ast.Assign.Name:
			f.unify(env, args[0], args[1])
			return
		}
		f.call(env, op, args)
	}
}

// call evaluates a call of a function or a built-in. In a compiled body, the output of
// a call is its last argument.
func (f *readFlow) call(env map[ast.Var]vals, op ast.Ref, args []*ast.Term) vals {
	if op.HasPrefix(ast.DefaultRootRef) {
		k, _ := f.lookup(op)
		if k == "" {
			return vals{}
		}
		arity := len(f.rules[k][0].Head.Args)
		if f.params[k] == nil {
			f.params[k] = make([]vals, arity)
			for i := range f.params[k] {
				f.params[k][i] = vals{}
			}
		}
		for i := 0; i < arity && i < len(args); i++ {
			if f.params[k][i].add(f.term(env, args[i])) {
				f.changed = true
			}
		}
		ret := f.returns[k]
		if len(args) == arity+1 {
			f.unifyVals(env, args[arity], ret)
		}
		return ret
	}
	name := op.String()
	n := len(args)
	if bi := ast.BuiltinMap[name]; bi != nil && bi.Decl != nil && bi.Decl.FuncArgs().Variadic == nil && len(bi.Decl.FuncArgs().Args) < n {
		n = len(bi.Decl.FuncArgs().Args)
	}
	in := make([]vals, n)
	for i := range n {
		in[i] = f.term(env, args[i])
	}
	out := builtinResult(f, name, in, args)
	if n < len(args) {
		f.unifyVals(env, args[n], out)
	}
	return out
}

// builtinResult is what a built-in hands back of its arguments: the built-ins that
// return collections made of their arguments' parts. The others return numbers,
// strings or booleans, which hold no part of the input.
func builtinResult(f *readFlow, name string, in []vals, args []*ast.Term) vals {
	out := vals{}
	switch name {
	case "array.concat", "array.slice", "array.reverse", "sort", "object.union", "object.filter",
		"object.remove", "json.filter", "json.remove", "and", "or", "minus":
		for _, v := range in {
			out.add(v)
		}
	case "union", "intersection", "object.union_n", "max", "min":
		// A collection of collections (or of values): one level in.
		if len(in) > 0 {
			out.add(f.index(in[0], nil, ""))
		}
	case "object.get":
		if len(in) == 3 {
			out.add(f.index(in[0], args[1], locOf(args[0])))
			out.add(in[2])
		}
	}
	return out
}

// index returns the elements of vs at key (nil: any key), and records the reads of
// the input it makes.
func (f *readFlow) index(vs vals, key *ast.Term, loc string) vals {
	k, dyn := "", true
	if key != nil {
		if _, isConst := key.Value.(ast.String); isConst {
			k, dyn = constKey(key), false
		} else if _, isNum := key.Value.(ast.Number); isNum {
			k, dyn = constKey(key), false
		}
	}
	out := vals{}
	for o := range vs {
		if w, inner, ok := o.outer(); ok {
			if dyn || w == "" || w == k {
				out[inner] = true
			}
			continue
		}
		if o.isConst {
			continue
		}
		seg := k
		if dyn {
			seg = anyKey
		}
		p := seg
		if o.path != "" {
			p = o.path + pathSep + seg
		}
		f.reads[inputRead{path: p, loc: loc}] = true
		out[origin{path: p}] = true
	}
	return out
}

func locOf(t *ast.Term) string {
	if t == nil || t.Location == nil {
		return ""
	}
	return fmt.Sprintf("%s:%d", t.Location.File, t.Location.Row)
}

// term evaluates a term.
func (f *readFlow) term(env map[ast.Var]vals, t *ast.Term) vals {
	if t == nil {
		return vals{}
	}
	switch v := t.Value.(type) {
	case ast.String, ast.Number:
		return vals{origin{constant: constKey(t), isConst: true}: true}
	case ast.Var:
		if env[v] == nil {
			return vals{}
		}
		return env[v]
	case ast.Ref:
		return f.ref(env, v, t)
	case ast.Call:
		op, ok := v[0].Value.(ast.Ref)
		if !ok {
			return vals{}
		}
		return f.call(env, op, v[1:])
	case *ast.Array:
		out := vals{}
		for i := range v.Len() {
			out.add(f.term(env, v.Elem(i)).wrapped(fmt.Sprint(i)))
		}
		return out
	case ast.Object:
		out := vals{}
		v.Foreach(func(k, x *ast.Term) {
			f.term(env, k)
			out.add(f.term(env, x).wrapped(constKey(k)))
		})
		return out
	case ast.Set:
		out := vals{}
		v.Foreach(func(x *ast.Term) { out.add(f.term(env, x).wrapped("")) })
		return out
	case *ast.ArrayComprehension:
		f.body(env, v.Body)
		return f.term(env, v.Term).wrapped("")
	case *ast.SetComprehension:
		f.body(env, v.Body)
		return f.term(env, v.Term).wrapped("")
	case *ast.ObjectComprehension:
		f.body(env, v.Body)
		f.term(env, v.Key)
		return f.term(env, v.Value).wrapped("")
	}
	return vals{}
}

// ref evaluates a reference: from input, from a rule's document, or from a variable;
// a variable that indexes it is bound to the elements (a set's elements are their own
// keys).
func (f *readFlow) ref(env map[ast.Var]vals, ref ast.Ref, t *ast.Term) vals {
	var cur vals
	var rest ast.Ref
	switch {
	case ref[0].Equal(ast.InputRootDocument):
		cur, rest = vals{origin{}: true}, ref[1:]
	case ref[0].Equal(ast.DefaultRootDocument):
		k, r := f.lookup(ref)
		if k == "" || len(f.rules[k][0].Head.Args) > 0 {
			return vals{}
		}
		cur, rest = f.values[k], r
		if cur == nil {
			cur = vals{}
		}
	default:
		cur, rest = f.term(env, ref[0]), ref[1:]
	}
	loc := locOf(t)
	for _, seg := range rest {
		switch v := seg.Value.(type) {
		case ast.String, ast.Number:
			cur = f.index(cur, seg, loc)
		case ast.Var:
			keys, bound := env[v]
			if consts := constants(keys); consts != nil {
				next := vals{}
				for _, c := range consts {
					next.add(f.index(cur, c, loc))
				}
				cur = next
				continue
			}
			cur = f.index(cur, nil, loc)
			if !bound {
				f.unifyVals(env, seg, cur)
			}
		default:
			f.term(env, seg)
			cur = f.index(cur, nil, loc)
		}
	}
	return cur
}

// unify binds the variables of either side to what the other holds.
func (f *readFlow) unify(env map[ast.Var]vals, a, b *ast.Term) {
	if x, ok := a.Value.(*ast.Array); ok {
		if y, ok := b.Value.(*ast.Array); ok && x.Len() == y.Len() {
			for i := range x.Len() {
				f.unify(env, x.Elem(i), y.Elem(i))
			}
			return
		}
	}
	va, vb := f.term(env, a), f.term(env, b)
	f.unifyVals(env, a, vb)
	f.unifyVals(env, b, va)
}

// unifyVals binds the variables of pattern t to the parts of vs they match.
func (f *readFlow) unifyVals(env map[ast.Var]vals, t *ast.Term, vs vals) {
	switch v := t.Value.(type) {
	case ast.Var:
		if env[v] == nil {
			env[v] = vals{}
		}
		env[v].add(vs)
	case *ast.Array:
		for i := range v.Len() {
			f.unifyVals(env, v.Elem(i), f.index(vs, ast.InternedTerm(i), locOf(t)))
		}
	case ast.Object:
		v.Foreach(func(k, x *ast.Term) {
			f.unifyVals(env, x, f.index(vs, k, locOf(t)))
		})
	}
}

// constants returns the constants vs holds, when it holds only constants.
func constants(vs vals) []*ast.Term {
	var out []*ast.Term
	for o := range vs {
		if !o.isConst || o.wraps != "" {
			return nil
		}
		out = append(out, ast.StringTerm(o.constant))
	}
	return out
}

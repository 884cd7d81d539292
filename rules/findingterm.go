package rules

import (
	"strconv"
	"unicode/utf8"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// A finding is read from its Rego value directly when it has the exact shape lib.rego
// documents: string fields, a position as [file, line, column] or {file, line, column},
// related entries as an array of {object, pos, message}. That is every finding of the
// built-in rules. Any other value (an unknown key, a null, a set, a fractional line)
// takes the general path, through JSON as encoding/json reads it, so that both paths
// accept and reject the same findings. The direct path is a fifth of a large run's Rego
// time: service-unreachable's 4,872 findings on the reference corpus took 75 ms more
// through JSON (docs/performance.md).

// generateFinding is the rego.EvalGenerateJSON converter of the rules' queries: a
// regoFinding when the value has the exact shape, else the value as OPA converts it.
func generateFinding(t *ast.Term, _ *rego.EvalContext) (any, error) {
	if f, ok := termFinding(t.Value); ok {
		return f, nil
	}
	return ast.JSON(t.Value)
}

// termFinding reads a finding of the exact shape, or reports false.
func termFinding(v ast.Value) (regoFinding, bool) {
	var f regoFinding
	ok := termFields(v, func(key string, v ast.Value) (ok bool) {
		switch key {
		case "object":
			f.Object, ok = termString(v)
		case "message":
			f.Message, ok = termString(v)
		case "hint":
			f.Hint, ok = termString(v)
		case "severity":
			f.Severity, ok = termString(v)
		case "merge":
			f.Merge, ok = termString(v)
		case "pos":
			f.Pos, ok = termPos(v)
		case "related":
			f.Related, ok = termRelated(v)
		}
		return ok
	})
	return f, ok
}

// termFields calls field with each key and value of an object whose keys are strings,
// and reports whether v is one and field accepted them all (an unknown key is refused).
func termFields(v ast.Value, field func(key string, v ast.Value) bool) bool {
	obj, ok := v.(ast.Object)
	if !ok {
		return false
	}
	obj.Foreach(func(k, v *ast.Term) {
		key, isStr := k.Value.(ast.String)
		ok = ok && isStr && field(string(key), v.Value)
	})
	return ok
}

// termString reads a string that JSON would carry unchanged (valid UTF-8).
func termString(v ast.Value) (string, bool) {
	s, ok := v.(ast.String)
	return string(s), ok && utf8.ValidString(string(s))
}

// termInt reads an integer written as Go writes it (no sign on zero, no leading zero,
// no exponent or fraction), which encoding/json reads into an int alike.
func termInt(v ast.Value) (int, bool) {
	n, ok := v.(ast.Number)
	if !ok {
		return 0, false
	}
	i, err := strconv.Atoi(string(n))
	return i, err == nil && strconv.Itoa(i) == string(n)
}

func termPos(v ast.Value) (*findingPos, bool) {
	var p findingPos
	if a, isArray := v.(*ast.Array); isArray {
		if a.Len() != 3 {
			return nil, false
		}
		var ok bool
		p.File, ok = termString(a.Elem(0).Value)
		if ok {
			p.Line, ok = termInt(a.Elem(1).Value)
		}
		if ok {
			p.Column, ok = termInt(a.Elem(2).Value)
		}
		return &p, ok
	}
	ok := termFields(v, func(key string, v ast.Value) (ok bool) {
		switch key {
		case "file":
			p.File, ok = termString(v)
		case "line":
			p.Line, ok = termInt(v)
		case "column":
			p.Column, ok = termInt(v)
		}
		return ok
	})
	return &p, ok
}

func termRelated(v ast.Value) ([]regoRelate, bool) {
	a, ok := v.(*ast.Array)
	if !ok {
		return nil, false
	}
	out := make([]regoRelate, a.Len())
	for i := range out {
		r := &out[i]
		ok := termFields(a.Elem(i).Value, func(key string, v ast.Value) (ok bool) {
			switch key {
			case "object":
				r.Object, ok = termString(v)
			case "message":
				r.Message, ok = termString(v)
			case "pos":
				r.Pos, ok = termPos(v)
			}
			return ok
		})
		if !ok {
			return nil, false
		}
	}
	return out, true
}

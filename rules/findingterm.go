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
	obj, ok := v.(ast.Object)
	if !ok {
		return f, false
	}
	ok = true
	obj.Foreach(func(k, v *ast.Term) {
		key, isStr := k.Value.(ast.String)
		if !ok || !isStr {
			ok = false
			return
		}
		switch key {
		case "object":
			f.Object, ok = termString(v.Value)
		case "message":
			f.Message, ok = termString(v.Value)
		case "hint":
			f.Hint, ok = termString(v.Value)
		case "severity":
			f.Severity, ok = termString(v.Value)
		case "merge":
			f.Merge, ok = termString(v.Value)
		case "pos":
			f.Pos, ok = termPos(v.Value)
		case "related":
			f.Related, ok = termRelated(v.Value)
		default:
			ok = false
		}
	})
	return f, ok
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
	ok := true
	switch v := v.(type) {
	case *ast.Array:
		if v.Len() != 3 {
			return nil, false
		}
		p.File, ok = termString(v.Elem(0).Value)
		if ok {
			p.Line, ok = termInt(v.Elem(1).Value)
		}
		if ok {
			p.Column, ok = termInt(v.Elem(2).Value)
		}
	case ast.Object:
		v.Foreach(func(k, v *ast.Term) {
			key, isStr := k.Value.(ast.String)
			if !ok || !isStr {
				ok = false
				return
			}
			switch key {
			case "file":
				p.File, ok = termString(v.Value)
			case "line":
				p.Line, ok = termInt(v.Value)
			case "column":
				p.Column, ok = termInt(v.Value)
			default:
				ok = false
			}
		})
	default:
		return nil, false
	}
	return &p, ok
}

func termRelated(v ast.Value) ([]regoRelate, bool) {
	a, ok := v.(*ast.Array)
	if !ok {
		return nil, false
	}
	out := make([]regoRelate, a.Len())
	for i := range out {
		obj, isObj := a.Elem(i).Value.(ast.Object)
		if !isObj {
			return nil, false
		}
		r := &out[i]
		obj.Foreach(func(k, v *ast.Term) {
			key, isStr := k.Value.(ast.String)
			if !ok || !isStr {
				ok = false
				return
			}
			switch key {
			case "object":
				r.Object, ok = termString(v.Value)
			case "message":
				r.Message, ok = termString(v.Value)
			case "pos":
				r.Pos, ok = termPos(v.Value)
			default:
				ok = false
			}
		})
		if !ok {
			return nil, false
		}
	}
	return out, true
}

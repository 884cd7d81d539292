package rules

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubenet/kubenet/model"
)

// This file turns the input document into an OPA value directly, as encoding/json would
// render it, without the JSON round trip (encode, decode, convert), which cost most of
// a large run. Strings are interned, so the many repeated file names, kinds and keys
// share one term.

// converter builds OPA values from Go values. It is not safe for concurrent use; each
// goroutine uses its own.
type converter struct {
	strs map[string]*ast.Term
	nums map[int]*ast.Term
	// compactPos renders model.Pos as [file, line, column] instead of an object: for the
	// built-in rules, which only pass positions through, it saves most of the memory.
	compactPos bool
}

func newConverter(compactPos bool) *converter {
	return &converter{strs: map[string]*ast.Term{}, nums: map[int]*ast.Term{}, compactPos: compactPos}
}

// num interns integers (lines, columns, ports repeat across the whole input).
func (c *converter) num(i int) *ast.Term {
	if i >= -1 && i <= 512 {
		return ast.InternedTerm(i) // OPA's own table
	}
	if t, ok := c.nums[i]; ok {
		return t
	}
	t := ast.IntNumberTerm(i)
	c.nums[i] = t
	return t
}

func (c *converter) str(s string) *ast.Term {
	if t, ok := c.strs[s]; ok {
		return t
	}
	t := ast.StringTerm(s)
	c.strs[s] = t
	return t
}

// field is how one struct field is rendered.
type field struct {
	name  *ast.Term
	index []int
}

var (
	plans       sync.Map // reflect.Type -> []field
	intOrString = reflect.TypeFor[model.IntOrString]()
	posType     = reflect.TypeFor[model.Pos]()
	marshaler   = reflect.TypeFor[json.Marshaler]()
	textMarsh   = reflect.TypeFor[encoding.TextMarshaler]()
)

// plan lists the JSON fields of a struct type, embedded structs flattened, as
// encoding/json does (kubenet's types use neither omitempty nor conflicting names).
func plan(t reflect.Type) []field {
	if p, ok := plans.Load(t); ok {
		return p.([]field)
	}
	var out []field
	var walk func(t reflect.Type, index []int)
	walk = func(t reflect.Type, index []int) {
		for i := range t.NumField() {
			f := t.Field(i)
			idx := append(append([]int{}, index...), i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, idx)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			out = append(out, field{name: ast.StringTerm(name), index: idx})
		}
	}
	walk(t, nil)
	plans.Store(t, out)
	return out
}

// term converts v.
func (c *converter) term(v reflect.Value) (*ast.Term, error) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		return c.term(v.Elem())
	}
	t := v.Type()
	if t == posType && c.compactPos {
		p := v.Interface().(model.Pos)
		return ast.ArrayTerm(c.str(p.File), c.num(p.Line), c.num(p.Column)), nil
	}
	if t == intOrString {
		ios := v.Interface().(model.IntOrString)
		if ios.IsStr {
			return c.str(ios.Str), nil
		}
		return c.num(ios.Int), nil
	}
	if t.Implements(marshaler) || t.Implements(textMarsh) {
		b, err := json.Marshal(v.Interface())
		if err != nil {
			return nil, err
		}
		val, err := ast.ValueFromReader(strings.NewReader(string(b)))
		if err != nil {
			return nil, err
		}
		return ast.NewTerm(val), nil
	}
	switch v.Kind() {
	case reflect.String:
		return c.str(v.String()), nil
	case reflect.Bool:
		return ast.InternedTerm(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return c.num(int(v.Int())), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return ast.UIntNumberTerm(v.Uint()), nil
	case reflect.Float32, reflect.Float64:
		return ast.FloatNumberTerm(v.Float()), nil
	case reflect.Slice, reflect.Array:
		if v.Kind() == reflect.Slice && v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		if v.Len() == 0 {
			return ast.InternedEmptyArray, nil
		}
		terms := make([]*ast.Term, v.Len())
		for i := range terms {
			e, err := c.term(v.Index(i))
			if err != nil {
				return nil, err
			}
			terms[i] = e
		}
		return ast.ArrayTerm(terms...), nil
	case reflect.Map:
		if v.IsNil() {
			return ast.InternedNullTerm, nil
		}
		if v.Type().Key().Kind() != reflect.String {
			return nil, fmt.Errorf("input: map key %s is not a string", v.Type().Key())
		}
		if v.Len() == 0 {
			return ast.InternedEmptyObject, nil
		}
		pairs := make([][2]*ast.Term, 0, v.Len())
		it := v.MapRange()
		for it.Next() {
			e, err := c.term(it.Value())
			if err != nil {
				return nil, err
			}
			pairs = append(pairs, [2]*ast.Term{c.str(it.Key().String()), e})
		}
		return ast.ObjectTerm(pairs...), nil
	case reflect.Struct:
		fs := plan(t)
		pairs := make([][2]*ast.Term, 0, len(fs))
		for _, f := range fs {
			fv, ok := fieldByIndex(v, f.index)
			var e *ast.Term
			if !ok {
				e = ast.InternedNullTerm
			} else {
				var err error
				if e, err = c.term(fv); err != nil {
					return nil, err
				}
			}
			pairs = append(pairs, [2]*ast.Term{f.name, e})
		}
		return ast.ObjectTerm(pairs...), nil
	}
	return nil, fmt.Errorf("input: cannot convert %s", t)
}

// fieldByIndex follows an index path through embedded pointers; ok is false when a nil
// embedded pointer is on the way (encoding/json then omits the fields).
func fieldByIndex(v reflect.Value, index []int) (reflect.Value, bool) {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}, false
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v, true
}

// inputValue converts the input document (a pointer to a struct). Its top-level parts
// are converted in parallel, each with its own interning table.
func inputValue(in any, compactPos bool) (ast.Value, error) {
	v := reflect.ValueOf(in).Elem()
	fs := plan(v.Type())
	terms := make([]*ast.Term, len(fs))
	errs := make([]error, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		wg.Go(func() {
			fv, _ := fieldByIndex(v, f.index)
			terms[i], errs[i] = newConverter(compactPos).term(fv)
		})
	}
	wg.Wait()
	pairs := make([][2]*ast.Term, len(fs))
	for i, f := range fs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		pairs[i] = [2]*ast.Term{f.name, terms[i]}
	}
	return ast.NewObject(pairs...), nil
}

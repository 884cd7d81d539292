package model

import (
	"fmt"
	"strings"
)

// CalicoSelector is a parsed Calico selector expression (libcalico-go's grammar):
//
//	k == "v"   k != "v"   k in {"a", "b"}   k not in {"a"}   has(k)   all()   global()
//	k contains "s"   k starts with "s"   k ends with "s"   !e   e && e   e || e   (e)
//
// Strings are quoted with ' or ", without escapes; keys are [a-zA-Z0-9_./-]. != and
// not in are true when the label is absent; the other comparisons need it. An empty
// expression selects everything. || binds loosest, then &&, then !.
type CalicoSelector struct {
	// Source is the expression as written.
	Source string `json:"source"`
	// All is true for an expression that matches every endpoint (empty, or all()).
	All bool `json:"all"`
	// Global is true for global(): in a rule's namespaceSelector, endpoints that belong
	// to no namespace (host endpoints, global network sets), so no pod.
	Global bool `json:"global"`
	Pos    Pos  `json:"pos"`

	root calicoNode
}

// maxCalicoDepth bounds the nesting of parentheses and negations.
const maxCalicoDepth = 64

// Matches reports whether an endpoint with these labels is selected.
func (s *CalicoSelector) Matches(labels map[string]string) bool {
	if s == nil {
		return false
	}
	if s.root == nil {
		return true
	}
	return s.root.eval(labels)
}

// Keys returns the label keys the expression reads.
func (s *CalicoSelector) Keys() []string {
	var out []string
	var walk func(n calicoNode)
	walk = func(n calicoNode) {
		switch n := n.(type) {
		case *calicoBinary:
			walk(n.l)
			walk(n.r)
		case *calicoNot:
			walk(n.e)
		case *calicoCompare:
			out = append(out, n.key)
		}
	}
	if s.root != nil {
		walk(s.root)
	}
	return out
}

type calicoNode interface{ eval(map[string]string) bool }

type calicoBinary struct {
	and  bool
	l, r calicoNode
}

func (b *calicoBinary) eval(l map[string]string) bool {
	if b.and {
		return b.l.eval(l) && b.r.eval(l)
	}
	return b.l.eval(l) || b.r.eval(l)
}

type calicoNot struct{ e calicoNode }

func (n *calicoNot) eval(l map[string]string) bool { return !n.e.eval(l) }

type calicoCompare struct {
	key, op string
	values  []string
}

func (c *calicoCompare) eval(l map[string]string) bool {
	v, ok := l[c.key]
	switch c.op {
	case "has":
		return ok
	case "!=":
		return !ok || v != c.values[0]
	case "not in":
		for _, x := range c.values {
			if ok && v == x {
				return false
			}
		}
		return true
	}
	if !ok {
		return false
	}
	switch c.op {
	case "==":
		return v == c.values[0]
	case "in":
		for _, x := range c.values {
			if v == x {
				return true
			}
		}
		return false
	case "contains":
		return strings.Contains(v, c.values[0])
	case "starts with":
		return strings.HasPrefix(v, c.values[0])
	case "ends with":
		return strings.HasSuffix(v, c.values[0])
	}
	return false
}

// ParseCalicoSelector parses a Calico selector expression.
func ParseCalicoSelector(src string) (CalicoSelector, error) {
	s := CalicoSelector{Source: src}
	p := &calicoParser{src: src}
	p.skip()
	if p.pos == len(src) {
		s.All = true
		return s, nil
	}
	root, err := p.or(0)
	if err != nil {
		return s, err
	}
	p.skip()
	if p.pos != len(src) {
		return s, p.errorf("unexpected %q", p.rest())
	}
	s.root = root
	switch root.(type) {
	case calicoAll:
		s.All = true
	case calicoGlobal:
		s.Global = true
	}
	return s, nil
}

// calicoAll and calicoGlobal are all() and global(): true wherever they are evaluated
// (global() narrows a rule's namespaceSelector, which the caller handles).
type calicoAll struct{}

func (calicoAll) eval(map[string]string) bool { return true }

type calicoGlobal struct{}

func (calicoGlobal) eval(map[string]string) bool { return true }

type calicoParser struct {
	src string
	pos int
}

func (p *calicoParser) errorf(format string, args ...any) error {
	return fmt.Errorf("selector %q, at %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *calicoParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 20 {
		r = r[:20] + "..."
	}
	return r
}

func (p *calicoParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

// eat consumes tok (after spaces) when it comes next.
func (p *calicoParser) eat(tok string) bool {
	p.skip()
	if strings.HasPrefix(p.src[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *calicoParser) or(depth int) (calicoNode, error) {
	l, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for p.eat("||") {
		r, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		l = &calicoBinary{l: l, r: r}
	}
	return l, nil
}

func (p *calicoParser) and(depth int) (calicoNode, error) {
	l, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for p.eat("&&") {
		r, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		l = &calicoBinary{and: true, l: l, r: r}
	}
	return l, nil
}

func (p *calicoParser) unary(depth int) (calicoNode, error) {
	if depth > maxCalicoDepth {
		return nil, p.errorf("nested too deep")
	}
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == '!' && !strings.HasPrefix(p.src[p.pos:], "!=") {
		p.pos++
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return &calicoNot{e: e}, nil
	}
	if p.eat("(") {
		e, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, p.errorf("missing )")
		}
		return e, nil
	}
	if p.eat("all()") {
		return calicoAll{}, nil
	}
	if p.eat("global()") {
		return calicoGlobal{}, nil
	}
	if p.eat("has(") {
		key := p.ident()
		if key == "" || !p.eat(")") {
			return nil, p.errorf("has() needs a label key and )")
		}
		return &calicoCompare{key: key, op: "has"}, nil
	}
	key := p.ident()
	if key == "" {
		if p.pos == len(p.src) {
			return nil, p.errorf("unexpected end")
		}
		return nil, p.errorf("unexpected %q", p.rest())
	}
	for _, op := range []string{"==", "!=", "contains", "starts with", "ends with"} {
		if p.eat(op) {
			v, err := p.str()
			if err != nil {
				return nil, err
			}
			return &calicoCompare{key: key, op: op, values: []string{v}}, nil
		}
	}
	for _, op := range []string{"not in", "in"} {
		if p.eat(op) {
			vs, err := p.set()
			if err != nil {
				return nil, err
			}
			return &calicoCompare{key: key, op: op, values: vs}, nil
		}
	}
	return nil, p.errorf("expected an operator after %q", key)
}

// ident reads a label key.
func (p *calicoParser) ident() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '/' || c == '-' {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

// str reads a quoted string.
func (p *calicoParser) str() (string, error) {
	p.skip()
	if p.pos >= len(p.src) || (p.src[p.pos] != '"' && p.src[p.pos] != '\'') {
		return "", p.errorf("expected a quoted string")
	}
	q := p.src[p.pos]
	end := strings.IndexByte(p.src[p.pos+1:], q)
	if end < 0 {
		return "", p.errorf("unterminated string")
	}
	v := p.src[p.pos+1 : p.pos+1+end]
	p.pos += end + 2
	return v, nil
}

// set reads { "a", "b" }.
func (p *calicoParser) set() ([]string, error) {
	if !p.eat("{") {
		return nil, p.errorf("expected {")
	}
	var out []string
	for {
		if p.eat("}") {
			return out, nil
		}
		v, err := p.str()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		if !p.eat(",") {
			if !p.eat("}") {
				return nil, p.errorf("expected , or }")
			}
			return out, nil
		}
	}
}

package model

import (
	"fmt"
	"sort"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Selector is a metav1.LabelSelector with its position, compiled once with
// k8s.io/apimachinery so matching is exactly the API server's.
type Selector struct {
	MatchLabels      map[string]string `json:"matchLabels"`
	MatchExpressions []Requirement     `json:"matchExpressions"`
	// Empty is true when the selector has no requirement: it selects everything.
	Empty bool `json:"empty"`
	Pos   Pos  `json:"pos"`

	compiled labels.Selector
	// plain is set for a valid selector of matchLabels alone, matched without compiled.
	plain bool
}

// Requirement is one matchExpressions entry.
type Requirement struct {
	Key      string   `json:"key"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// compile validates the selector the way the API server does and prepares matching.
func (s *Selector) compile() error {
	ls := &metav1.LabelSelector{MatchLabels: s.MatchLabels}
	for _, r := range s.MatchExpressions {
		ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{
			Key: r.Key, Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values,
		})
	}
	s.Empty = len(s.MatchLabels)+len(s.MatchExpressions) == 0
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		s.compiled = labels.Nothing()
		return err
	}
	if len(s.MatchExpressions) == 0 {
		// Most selectors are matchLabels alone: they match as a subset of the labels,
		// without the compiled form (tens of thousands of them in a large repository).
		s.plain = true
		return nil
	}
	s.compiled = sel
	return nil
}

// Matches reports whether the selector selects an object with these labels.
func (s *Selector) Matches(l map[string]string) bool {
	if s == nil {
		return false
	}
	if s.plain {
		return SubsetOf(s.MatchLabels, l)
	}
	if s.compiled == nil {
		if err := s.compile(); err != nil {
			return false
		}
		if s.plain {
			return SubsetOf(s.MatchLabels, l)
		}
	}
	return s.compiled.Matches(labels.Set(l))
}

// String renders the selector in kubectl's -l syntax.
func (s *Selector) String() string {
	if s == nil {
		return "<none>"
	}
	if s.Empty {
		return "{} (everything)"
	}
	if !s.plain && s.compiled == nil {
		_ = s.compile()
	}
	if s.plain {
		return FormatLabels(s.MatchLabels) // what the compiled form prints: k=v, by key
	}
	return s.compiled.String()
}

// FormatLabels renders a label map as "a=1,b=2" in key order.
func FormatLabels(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(m[k])
	}
	return b.String()
}

// SubsetOf reports whether every pair of sel is in l (a Service selector's semantics).
func SubsetOf(sel, l map[string]string) bool {
	for k, v := range sel {
		if lv, ok := l[k]; !ok || lv != v {
			return false
		}
	}
	return true
}

// requirements reads the matchExpressions of selector n, each key through key.
func (c *docCtx) requirements(n *yaml.Node, where string, key func(string) string) []Requirement {
	var out []Requirement
	for i, e := range c.seq(val(n, "matchExpressions"), where+".matchExpressions") {
		w := fmt.Sprintf("%s.matchExpressions[%d]", where, i)
		if !c.mapping(e, w) {
			continue
		}
		k, _ := c.str(val(e, "key"), w+".key")
		op, _ := c.str(val(e, "operator"), w+".operator")
		var values []string
		for _, v := range c.stringList(val(e, "values"), w+".values") {
			values = append(values, v.Value)
		}
		out = append(out, Requirement{Key: key(k), Operator: op, Values: values})
	}
	return out
}

// selector reads a metav1.LabelSelector; a null or absent one is empty (selects all).
func (c *docCtx) selector(keyNode, n *yaml.Node, where string) Selector {
	s := Selector{Pos: c.pos(keyNode)}
	if keyNode == nil {
		s.Pos = c.pos(n)
	}
	before := len(c.res.problems)
	if c.mapping(n, where) {
		s.MatchLabels = c.labelMap(val(n, "matchLabels"), where+".matchLabels")
		s.MatchExpressions = c.requirements(n, where, func(k string) string { return k })
	}
	if len(s.MatchExpressions) == 0 && len(c.res.problems) == before {
		// matchLabels alone, their keys and values valid (validateLabels checks what
		// compiling would): nothing left to compile.
		s.Empty, s.plain = len(s.MatchLabels) == 0, true
		return s
	}
	if err := s.compile(); err != nil && len(c.res.problems) == before {
		c.fail(orNode(keyNode, n), "%s is not a valid label selector: %v", where, err)
	}
	return s
}

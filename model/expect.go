package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Expectation is a statement of network intent: from may (or may not) connect to to on
// port. Expectations make intent testable in CI.
type Expectation struct {
	// Name optionally describes the expectation.
	Name string `json:"name"`
	// From is a workload id (ns/Kind/name); To a workload or Service id.
	From string `json:"from"`
	To   string `json:"to"`
	// Port is NUMBER[/PROTOCOL] or a Service port name.
	Port    string `json:"port"`
	Allowed bool   `json:"allowed"`
	Pos     Pos    `json:"pos"`
}

// ExpectationsError lists what is wrong in an expectations file, each with its position.
type ExpectationsError struct{ Problems []Problem }

func (e *ExpectationsError) Error() string {
	var b bytes.Buffer
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s: %s", p.Pos, p.Message)
	}
	return b.String()
}

// LoadExpectations reads a file of the form
//
//	expectations:
//	  - name: the storefront reaches the cart
//	    from: shop/Deployment/frontend
//	    to: shop/Service/cart
//	    port: 80/TCP
//	    allowed: true
//
// Unknown keys and bad values are errors with their file:line.
func LoadExpectations(path string) ([]Expectation, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, &PathError{Path: path, Err: err}
	}
	exps, err := ParseExpectations(path, data, "expectations")
	return exps, data, err
}

// ParseExpectations reads expectations from the list under key in a YAML mapping
// (the root of data).
func ParseExpectations(name string, data []byte, key string) ([]Expectation, error) {
	res := &fileResult{name: name}
	c := &docCtx{file: name, res: res}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ExpectationsError{[]Problem{{Kind: Invalid, Pos: Pos{File: name, Line: 1, Column: 1}, Message: "does not parse as YAML: " + err.Error()}}}
	}
	var list *yaml.Node
	if len(root.Content) > 0 {
		m := deref(root.Content[0])
		if m.Kind == yaml.MappingNode {
			list = val(m, key)
		}
	}
	out := parseExpectationList(c, list, key)
	if len(res.problems) > 0 {
		return nil, &ExpectationsError{res.problems}
	}
	return out, nil
}

// parseExpectationList reads a list of expectations (also used by the config file).
func parseExpectationList(c *docCtx, list *yaml.Node, where string) []Expectation {
	var out []Expectation
	for i, n := range c.seq(list, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		if !c.mapping(n, w) {
			continue
		}
		e := Expectation{Pos: c.pos(n)}
		seen := map[string]bool{}
		for _, p := range pairs(n) {
			k, v := p[0].Value, p[1]
			seen[k] = true
			switch k {
			case "name":
				e.Name, _ = c.str(v, w+".name")
			case "from":
				e.From, _ = c.str(v, w+".from")
			case "to":
				e.To, _ = c.str(v, w+".to")
			case "port":
				if v.Kind == yaml.ScalarNode && v.ShortTag() == "!!int" {
					e.Port = v.Value
				} else {
					e.Port, _ = c.str(v, w+".port")
				}
			case "allowed":
				if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!bool" {
					c.fail(v, "%s.allowed must be true or false", w)
				}
				e.Allowed = c.boolean(v, w+".allowed")
			default:
				c.fail(p[0], "%s: unknown key %q (want name, from, to, port, allowed)", w, k)
			}
		}
		for _, req := range []string{"from", "to", "port", "allowed"} {
			if !seen[req] {
				c.fail(n, "%s: %s is required", w, req)
			}
		}
		out = append(out, e)
	}
	return out
}

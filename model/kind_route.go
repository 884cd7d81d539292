package model

import (
	"fmt"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Route is a Gateway API route: an HTTPRoute, GRPCRoute, TLSRoute, TCPRoute or
// UDPRoute (its Kind says which). They share parentRefs and backendRefs; hostnames
// and matches only apply to the kinds that have them.
type Route struct {
	Object
	// ParentRefs are the Gateways, ListenerSets or (GAMMA) Services the route attaches to.
	ParentRefs []ObjectRef `json:"parentRefs"`
	Hostnames  []StringAt  `json:"hostnames"`
	Rules      []RouteRule `json:"rules"`
}

// RouteRule is one of a route's rules.
type RouteRule struct {
	Name string `json:"name"`
	// Matches of an HTTPRoute rule default to a PathPrefix match on "/".
	Matches []RouteMatch `json:"matches"`
	// BackendRefs are the rule's backends, and those of its filters (RequestMirror),
	// which carry the filter's type.
	BackendRefs []BackendRef `json:"backendRefs"`
	Pos         Pos          `json:"pos"`
}

// RouteMatch is one match of an HTTPRoute or GRPCRoute rule, with its defaults.
type RouteMatch struct {
	// PathType is Exact, PathPrefix or RegularExpression (HTTPRoute).
	PathType string `json:"pathType"`
	Path     string `json:"path"`
	Method   string `json:"method"`
	// Headers and QueryParams are "type name=value" strings, sorted, names of headers
	// in lower case: two matches with the same lists match the same requests.
	Headers     []string `json:"headers"`
	QueryParams []string `json:"queryParams"`
	// Service and GRPCMethod are a GRPCRoute match's method.
	Service    string `json:"service"`
	GRPCMethod string `json:"grpcMethod"`
	Pos        Pos    `json:"pos"`
}

// BackendRef is a route's backend: a Service port unless its group and kind say
// otherwise.
type BackendRef struct {
	ObjectRef
	// Weight defaults to 1; 0 sends no traffic.
	Weight int `json:"weight"`
	// Filter is the type of the filter that holds the reference (RequestMirror), or "".
	Filter string `json:"filter"`
}

// ReferenceGrant is a Gateway API ReferenceGrant: it lets objects of other namespaces
// refer to objects of its own.
type ReferenceGrant struct {
	Object
	From []GrantFrom `json:"from"`
	To   []GrantTo   `json:"to"`
}

// GrantFrom is who a ReferenceGrant lets refer.
type GrantFrom struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Pos       Pos    `json:"pos"`
}

// GrantTo is what a ReferenceGrant lets them refer to; Name "" is every object of
// the kind.
type GrantTo struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Name  string `json:"name"`
	Pos   Pos    `json:"pos"`
}

// buildRoute reads a route of any kind.
func buildRoute(c *docCtx, o *Object, n *yaml.Node) entity {
	r := &Route{Object: *o, ParentRefs: []ObjectRef{}, Rules: []RouteRule{}}
	c.obj = &r.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return r
	}
	for i, pn := range c.seq(val(spec, "parentRefs"), "spec.parentRefs") {
		r.ParentRefs = append(r.ParentRefs, c.objectRef(pn, fmt.Sprintf("spec.parentRefs[%d]", i), GatewayGroup, "Gateway"))
	}
	r.Hostnames = c.stringList(val(spec, "hostnames"), "spec.hostnames")
	rules := c.seq(val(spec, "rules"), "spec.rules")
	for i, rn := range rules {
		w := fmt.Sprintf("spec.rules[%d]", i)
		if !c.entry(rn, w) {
			continue
		}
		r.Rules = append(r.Rules, c.routeRule(rn, w, o.Kind))
	}
	if len(rules) == 0 && o.Kind == "HTTPRoute" {
		// The API server's default: one rule matching every path, with no backend.
		r.Rules = append(r.Rules, RouteRule{Matches: []RouteMatch{{PathType: "PathPrefix", Path: "/", Pos: o.Pos}}, BackendRefs: []BackendRef{}, Pos: o.Pos})
	}
	return r
}

// routeRule reads one rule of a route of the kind.
func (c *docCtx) routeRule(rn *yaml.Node, where, kind string) RouteRule {
	rule := RouteRule{Pos: c.pos(rn), BackendRefs: []BackendRef{}}
	rule.Name, _ = c.str(val(rn, "name"), where+".name")
	matches := c.seq(val(rn, "matches"), where+".matches")
	for j, mn := range matches {
		mw := fmt.Sprintf("%s.matches[%d]", where, j)
		if c.entry(mn, mw) {
			rule.Matches = append(rule.Matches, c.routeMatch(mn, mw, kind))
		}
	}
	if len(matches) == 0 && kind == "HTTPRoute" {
		rule.Matches = []RouteMatch{{PathType: "PathPrefix", Path: "/", Pos: rule.Pos}}
	}
	for j, bn := range c.seq(val(rn, "backendRefs"), where+".backendRefs") {
		bw := fmt.Sprintf("%s.backendRefs[%d]", where, j)
		rule.BackendRefs = append(rule.BackendRefs, c.backendRef(bn, bw, ""))
		// A backend's own filters may mirror to another backend.
		rule.BackendRefs = c.mirrors(rule.BackendRefs, val(bn, "filters"), bw+".filters")
	}
	rule.BackendRefs = c.mirrors(rule.BackendRefs, val(rn, "filters"), where+".filters")
	return rule
}

// mirrors appends the backends of the RequestMirror filters in n.
func (c *docCtx) mirrors(refs []BackendRef, n *yaml.Node, where string) []BackendRef {
	for i, fn := range c.seq(n, where) {
		fw := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(fn, fw) {
			continue
		}
		if t, _ := c.str(val(fn, "type"), fw+".type"); t != "RequestMirror" {
			continue
		}
		if m := val(fn, "requestMirror"); c.mapping(m, fw+".requestMirror") {
			refs = append(refs, c.backendRef(val(m, "backendRef"), fw+".requestMirror.backendRef", "RequestMirror"))
		}
	}
	return refs
}

// backendRef reads a backendRef: group "" and kind Service by default, weight 1.
func (c *docCtx) backendRef(n *yaml.Node, where, filter string) BackendRef {
	b := BackendRef{ObjectRef: c.objectRef(n, where, "", "Service"), Weight: 1, Filter: filter}
	if _, wv := field(n, "weight"); wv != nil {
		b.Weight, _ = c.integer(wv, where+".weight")
	}
	return b
}

// routeMatch reads a match of an HTTPRoute or GRPCRoute rule, with its defaults.
func (c *docCtx) routeMatch(mn *yaml.Node, where, kind string) RouteMatch {
	m := RouteMatch{Pos: c.pos(mn), Headers: []string{}, QueryParams: []string{}}
	if kind == "HTTPRoute" {
		m.PathType, m.Path = "PathPrefix", "/"
		if pn := val(mn, "path"); c.mapping(pn, where+".path") {
			if t, ok := c.str(val(pn, "type"), where+".path.type"); ok {
				m.PathType = t
			}
			if v, ok := c.str(val(pn, "value"), where+".path.value"); ok {
				m.Path = v
			}
		}
		m.Method, _ = c.str(val(mn, "method"), where+".method")
	}
	if mm := val(mn, "method"); kind == "GRPCRoute" && c.mapping(mm, where+".method") {
		m.Service, _ = c.str(val(mm, "service"), where+".method.service")
		m.GRPCMethod, _ = c.str(val(mm, "method"), where+".method.method")
	}
	m.Headers = c.namedMatches(val(mn, "headers"), where+".headers", true)
	m.QueryParams = c.namedMatches(val(mn, "queryParams"), where+".queryParams", false)
	return m
}

// namedMatches reads header or query parameter matches as sorted "type name=value"
// strings; header names are case-insensitive.
func (c *docCtx) namedMatches(n *yaml.Node, where string, fold bool) []string {
	out := []string{}
	for i, hn := range c.seq(n, where) {
		hw := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(hn, hw) {
			continue
		}
		t := "Exact"
		if v, ok := c.str(val(hn, "type"), hw+".type"); ok {
			t = v
		}
		name, _ := c.str(val(hn, "name"), hw+".name")
		value, _ := c.str(val(hn, "value"), hw+".value")
		if fold {
			name = strings.ToLower(name)
		}
		out = append(out, t+" "+name+"="+value)
	}
	sort.Strings(out)
	return out
}

// buildReferenceGrant reads a ReferenceGrant.
func buildReferenceGrant(c *docCtx, o *Object, n *yaml.Node) entity {
	rg := &ReferenceGrant{Object: *o, From: []GrantFrom{}, To: []GrantTo{}}
	c.obj = &rg.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return rg
	}
	for i, fn := range c.seq(val(spec, "from"), "spec.from") {
		w := fmt.Sprintf("spec.from[%d]", i)
		if !c.entry(fn, w) {
			continue
		}
		c.required(fn, w, "group", "kind", "namespace")
		f := GrantFrom{Pos: c.pos(fn)}
		f.Group, _ = c.str(val(fn, "group"), w+".group")
		f.Kind, _ = c.str(val(fn, "kind"), w+".kind")
		f.Namespace, _ = c.str(val(fn, "namespace"), w+".namespace")
		rg.From = append(rg.From, f)
	}
	for i, tn := range c.seq(val(spec, "to"), "spec.to") {
		w := fmt.Sprintf("spec.to[%d]", i)
		if !c.entry(tn, w) {
			continue
		}
		c.required(tn, w, "group", "kind")
		t := GrantTo{Pos: c.pos(tn)}
		t.Group, _ = c.str(val(tn, "group"), w+".group")
		t.Kind, _ = c.str(val(tn, "kind"), w+".kind")
		t.Name, _ = c.str(val(tn, "name"), w+".name")
		rg.To = append(rg.To, t)
	}
	return rg
}

// object returns the route's header.
func (r *Route) object() *Object { return &r.Object }

// addTo lists the route in the graph.
func (r *Route) addTo(a *assembly) { a.g.Routes = append(a.g.Routes, r) }

// object returns the ReferenceGrant's header.
func (rg *ReferenceGrant) object() *Object { return &rg.Object }

// addTo lists the ReferenceGrant in the graph.
func (rg *ReferenceGrant) addTo(a *assembly) { a.g.ReferenceGrants = append(a.g.ReferenceGrants, rg) }

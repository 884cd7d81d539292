package model

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Policy is a networking.k8s.io/v1 NetworkPolicy, normalised.
type Policy struct {
	Object
	PodSelector Selector `json:"podSelector"`
	// PolicyTypes is defaulted as the API server does: Ingress, plus Egress when
	// spec.egress is present.
	PolicyTypes    []string     `json:"policyTypes"`
	PolicyTypesPos Pos          `json:"policyTypesPos"`
	Ingress        []PolicyRule `json:"ingress"`
	Egress         []PolicyRule `json:"egress"`
}

// PolicyRule is one ingress or egress rule. Peers is nil when from/to is absent or
// empty, which admits every peer; Ports is nil when ports is absent or empty, which
// admits every port.
type PolicyRule struct {
	Peers []Peer       `json:"peers"`
	Ports []PolicyPort `json:"ports"`
	Pos   Pos          `json:"pos"`
}

// Peer is one from/to element. A podSelector alone means pods of the policy's
// namespace; a namespaceSelector alone means all pods of matching namespaces; both
// mean their intersection; an ipBlock means addresses (outside the cluster's pods).
type Peer struct {
	PodSelector       *Selector `json:"podSelector"`
	NamespaceSelector *Selector `json:"namespaceSelector"`
	IPBlock           *IPBlock  `json:"ipBlock"`
	Pos               Pos       `json:"pos"`
}

// IPBlock is a CIDR with exceptions.
type IPBlock struct {
	CIDR   string   `json:"cidr"`
	Except []string `json:"except"`
}

// PolicyPort is one ports entry. Port is nil for "all ports of the protocol".
type PolicyPort struct {
	Protocol string       `json:"protocol"`
	Port     *IntOrString `json:"port"`
	EndPort  int          `json:"endPort"`
	Pos      Pos          `json:"pos"`
	PortPos  Pos          `json:"portPos"`
}

// buildPolicy reads a NetworkPolicy, defaulting its policyTypes as the API server does.
func buildPolicy(c *docCtx, o *Object, n *yaml.Node) entity {
	p := &Policy{Object: *o, Ingress: []PolicyRule{}, Egress: []PolicyRule{}}
	c.obj = &p.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		p.PodSelector = Selector{Empty: true, Pos: o.Pos}
		_ = p.PodSelector.compile()
		p.PolicyTypes = []string{"Ingress"}
		p.PolicyTypesPos = o.Pos
		return p
	}
	sk, sv := field(spec, "podSelector")
	p.PodSelector = c.selector(sk, sv, "spec.podSelector")
	if sk == nil {
		p.PodSelector.Pos = o.Pos
	}
	p.Ingress = c.policyRules(val(spec, "ingress"), "spec.ingress", "from")
	p.Egress = c.policyRules(val(spec, "egress"), "spec.egress", "to")
	tk, tv := field(spec, "policyTypes")
	for _, t := range c.stringList(tv, "spec.policyTypes") {
		if t.Value != "Ingress" && t.Value != "Egress" {
			c.failAt(t.Pos, "spec.policyTypes: %q is not Ingress or Egress", t.Value)
			continue
		}
		p.PolicyTypes = append(p.PolicyTypes, t.Value)
	}
	p.PolicyTypesPos = c.pos(tk)
	if len(p.PolicyTypes) == 0 {
		// The API server's defaulting: Ingress, plus Egress when there are egress rules.
		p.PolicyTypes = []string{"Ingress"}
		if len(p.Egress) > 0 {
			p.PolicyTypes = append(p.PolicyTypes, "Egress")
		}
		p.PolicyTypesPos = p.PodSelector.Pos
	}
	return p
}

// policyRules reads the ingress or egress rules of a NetworkPolicy; peersKey is
// "from" or "to".
func (c *docCtx) policyRules(n *yaml.Node, where, peersKey string) []PolicyRule {
	rules := []PolicyRule{}
	for i, rn := range c.seq(n, where) {
		rw := fmt.Sprintf("%s[%d]", where, i)
		r := PolicyRule{Pos: c.pos(rn)}
		if !isNull(rn) && !c.mapping(rn, rw) {
			continue
		}
		for j, pn := range c.seq(val(rn, peersKey), rw+"."+peersKey) {
			if peer, ok := c.peer(pn, fmt.Sprintf("%s.%s[%d]", rw, peersKey, j)); ok {
				r.Peers = append(r.Peers, peer)
			}
		}
		for j, pn := range c.seq(val(rn, "ports"), rw+".ports") {
			if pp, ok := c.policyPort(pn, fmt.Sprintf("%s.ports[%d]", rw, j)); ok {
				r.Ports = append(r.Ports, pp)
			}
		}
		rules = append(rules, r)
	}
	return rules
}

// peer reads one from/to element; ok is false when it selects nothing.
func (c *docCtx) peer(pn *yaml.Node, where string) (Peer, bool) {
	if !c.mapping(pn, where) {
		c.fail(pn, "%s must set podSelector, namespaceSelector or ipBlock", where)
		return Peer{}, false
	}
	peer := Peer{Pos: c.pos(pn)}
	// A null selector is absent (what Helm renders for an unset value).
	if k, v := field(pn, "podSelector"); k != nil && !isNull(v) {
		s := c.selector(k, v, where+".podSelector")
		peer.PodSelector = &s
	}
	if k, v := field(pn, "namespaceSelector"); k != nil && !isNull(v) {
		s := c.selector(k, v, where+".namespaceSelector")
		peer.NamespaceSelector = &s
	}
	if _, v := field(pn, "ipBlock"); c.mapping(v, where+".ipBlock") {
		b := &IPBlock{}
		b.CIDR, _ = c.str(val(v, "cidr"), where+".ipBlock.cidr")
		for _, e := range c.stringList(val(v, "except"), where+".ipBlock.except") {
			b.Except = append(b.Except, e.Value)
		}
		peer.IPBlock = b
		if peer.PodSelector != nil || peer.NamespaceSelector != nil {
			c.fail(pn, "%s: ipBlock cannot be combined with podSelector or namespaceSelector", where)
		}
	}
	if peer.PodSelector == nil && peer.NamespaceSelector == nil && peer.IPBlock == nil {
		c.fail(pn, "%s must set podSelector, namespaceSelector or ipBlock", where)
		return Peer{}, false
	}
	return peer, true
}

// policyPort reads one ports entry of a rule; null is every port over TCP. ok is
// false when it is neither null nor a mapping.
func (c *docCtx) policyPort(pn *yaml.Node, where string) (PolicyPort, bool) {
	pp := PolicyPort{Pos: c.pos(pn), Protocol: "TCP"}
	if !isNull(pn) && !c.mapping(pn, where) {
		return pp, false
	}
	pp.Protocol = c.protocol(val(pn, "protocol"), where+".protocol")
	pk, pv := field(pn, "port")
	if v, ok := c.intOrString(pv, where+".port"); ok {
		pp.Port, pp.PortPos = &v, c.pos(pk)
	}
	if ev := val(pn, "endPort"); ev != nil {
		if e, ok := c.integer(ev, where+".endPort"); ok {
			pp.EndPort = e
			if pp.Port == nil || pp.Port.IsStr || e < pp.Port.Int {
				c.fail(ev, "%s.endPort needs a numeric port not greater than it", where)
			}
		}
	}
	return pp, true
}

// object returns the NetworkPolicy's header.
func (p *Policy) object() *Object { return &p.Object }

// addTo lists the Policy in the graph.
func (p *Policy) addTo(a *assembly) { a.g.Policies = append(a.g.Policies, p) }

package model

import (
	"fmt"
	"net/netip"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// PolicyGroup is the API group of the network-policy-api project (sig-network):
// ClusterNetworkPolicy, and AdminNetworkPolicy and BaselineAdminNetworkPolicy before it.
const PolicyGroup = "policy.networking.k8s.io"

// The tiers of cluster-wide policies, and the actions of their rules. The v1alpha1 kinds
// say Allow where ClusterNetworkPolicy says Accept; the model says Accept for both.
const (
	TierAdmin    = "Admin"
	TierBaseline = "Baseline"
	ActionAccept = "Accept"
	ActionDeny   = "Deny"
	ActionPass   = "Pass"
)

// ClusterPolicy is a cluster-wide policy of the tiers around NetworkPolicy, normalised:
// a ClusterNetworkPolicy (policy.networking.k8s.io v1alpha2 or v1beta1), an
// AdminNetworkPolicy (the Admin tier, v1alpha1) or a BaselineAdminNetworkPolicy (the
// Baseline tier, v1alpha1).
type ClusterPolicy struct {
	Object
	// Tier is Admin or Baseline.
	Tier string `json:"tier"`
	// Priority orders the Admin tier: lower first (0 to 1000). Baseline policies have 0.
	Priority    int            `json:"priority"`
	PriorityPos Pos            `json:"priorityPos"`
	Subject     ClusterSubject `json:"subject"`
	// Ingress and Egress rules, in the order they take precedence.
	Ingress []ClusterRule `json:"ingress"`
	Egress  []ClusterRule `json:"egress"`
}

// ClusterSubject is the pods a cluster-wide policy applies to: every pod of the
// namespaces Namespaces selects, or the pods Pods selects. Host-network pods are never
// subjects.
type ClusterSubject struct {
	Namespaces *Selector       `json:"namespaces"`
	Pods       *NamespacedPods `json:"pods"`
	Pos        Pos             `json:"pos"`
}

// NamespacedPods selects the pods its podSelector matches in the namespaces its
// namespaceSelector matches (each empty selector matches everything).
type NamespacedPods struct {
	NamespaceSelector Selector `json:"namespaceSelector"`
	PodSelector       Selector `json:"podSelector"`
}

// ClusterRule is one ingress or egress rule of a cluster-wide policy.
type ClusterRule struct {
	Name string `json:"name"`
	// Action is Accept, Deny or Pass.
	Action    string        `json:"action"`
	ActionPos Pos           `json:"actionPos"`
	Peers     []ClusterPeer `json:"peers"`
	// Ports is nil when the rule names none: every port. A named port has Protocol ""
	// when the kind matches the name on any protocol.
	Ports []PolicyPort `json:"ports"`
	Pos   Pos          `json:"pos"`
}

// ClusterPeer is one from/to element: pods of namespaces, pods, or (egress only)
// networks, nodes or domain names. Exactly one is set.
type ClusterPeer struct {
	Namespaces  *Selector       `json:"namespaces"`
	Pods        *NamespacedPods `json:"pods"`
	Networks    []string        `json:"networks"`
	Nodes       *Selector       `json:"nodes"`
	DomainNames []string        `json:"domainNames"`
	Pos         Pos             `json:"pos"`
}

// buildClusterPolicy reads the three kinds of the network-policy-api group.
func buildClusterPolicy(c *docCtx, o *Object, n *yaml.Node) entity {
	p := &ClusterPolicy{Object: *o, Tier: TierAdmin, PriorityPos: o.Pos, Ingress: []ClusterRule{}, Egress: []ClusterRule{}}
	c.obj = &p.Object
	p.Subject.Pos = o.Pos
	legacy := o.Kind != "ClusterNetworkPolicy" // the v1alpha1 kinds
	if o.Kind == "BaselineAdminNetworkPolicy" {
		p.Tier = TierBaseline
		if o.Name != "" && o.Name != "default" {
			c.failAt(o.Pos, "metadata.name: a BaselineAdminNetworkPolicy must be named default (the API server refuses %q)", o.Name)
		}
	}
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		c.failAt(o.Pos, "spec is required")
		return p
	}
	required := []string{"subject"}
	if o.Kind != "BaselineAdminNetworkPolicy" {
		required = append(required, "priority")
	}
	if !legacy {
		required = append(required, "tier")
	}
	c.required(spec, "spec", required...)
	if tk, tv := field(spec, "tier"); !legacy && tk != nil {
		t, _ := c.str(tv, "spec.tier")
		switch t {
		case TierAdmin, TierBaseline:
			p.Tier = t
		case "":
		default:
			c.fail(tv, "spec.tier: %q is not Admin or Baseline", t)
		}
	}
	if pk, pv := field(spec, "priority"); pk != nil {
		p.PriorityPos = c.pos(pk)
		if v, ok := c.integer(pv, "spec.priority"); ok {
			if v < 0 || v > 1000 {
				c.fail(pv, "spec.priority: %d is outside 0 to 1000", v)
			}
			p.Priority = v
		}
	}
	sk, sv := field(spec, "subject")
	if sk != nil {
		p.Subject.Pos = c.pos(sk)
	}
	if c.mapping(sv, "spec.subject") {
		p.Subject.Namespaces, p.Subject.Pods = c.clusterSelectors(sv, "spec.subject")
		if countSet(p.Subject.Namespaces != nil, p.Subject.Pods != nil) != 1 {
			c.fail(sv, "spec.subject must set exactly one of namespaces and pods")
		}
	}
	p.Ingress = c.clusterRules(val(spec, "ingress"), "spec.ingress", "from", p.Tier, legacy)
	p.Egress = c.clusterRules(val(spec, "egress"), "spec.egress", "to", p.Tier, legacy)
	return p
}

// clusterSelectors reads the namespaces and pods fields a subject and a peer share.
func (c *docCtx) clusterSelectors(n *yaml.Node, where string) (*Selector, *NamespacedPods) {
	var ns *Selector
	var pods *NamespacedPods
	if k, v := field(n, "namespaces"); k != nil && !isNull(v) {
		s := c.selector(k, v, where+".namespaces")
		ns = &s
	}
	if k, v := field(n, "pods"); k != nil && c.mapping(v, where+".pods") {
		pods = &NamespacedPods{
			NamespaceSelector: c.optionalSelector(v, "namespaceSelector", where+".pods", c.pos(k)),
			PodSelector:       c.optionalSelector(v, "podSelector", where+".pods", c.pos(k)),
		}
	}
	return ns, pods
}

// optionalSelector reads selector key of n; absent, it is empty (everything), placed at pos.
func (c *docCtx) optionalSelector(n *yaml.Node, key, where string, pos Pos) Selector {
	k, v := field(n, key)
	if k == nil || isNull(v) {
		s := Selector{Pos: pos}
		_ = s.compile()
		return s
	}
	return c.selector(k, v, where+"."+key)
}

// clusterRules reads the ingress or egress rules of a cluster-wide policy.
func (c *docCtx) clusterRules(n *yaml.Node, where, peersKey, tier string, legacy bool) []ClusterRule {
	rules := []ClusterRule{}
	for i, rn := range c.seq(n, where) {
		rw := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(rn, rw) {
			continue
		}
		r := ClusterRule{Pos: c.pos(rn)}
		r.Name, _ = c.str(val(rn, "name"), rw+".name")
		c.required(rn, rw, "action", peersKey)
		ak, av := field(rn, "action")
		r.ActionPos = c.pos(orNode(ak, rn))
		action, _ := c.str(av, rw+".action")
		r.Action = clusterAction(action, tier, legacy)
		if action != "" && r.Action == "" {
			c.fail(av, "%s.action: %q is not one of %s", rw, action, actionsOf(tier, legacy))
		}
		peers := c.seq(val(rn, peersKey), rw+"."+peersKey)
		if val(rn, peersKey) != nil && len(peers) == 0 {
			c.fail(rn, "%s.%s must name at least one peer", rw, peersKey)
		}
		for j, pn := range peers {
			if peer, ok := c.clusterPeer(pn, fmt.Sprintf("%s.%s[%d]", rw, peersKey, j), peersKey == "to"); ok {
				r.Peers = append(r.Peers, peer)
			}
		}
		if legacy {
			r.Ports = c.legacyPorts(val(rn, "ports"), rw+".ports")
		} else {
			r.Ports = c.protocols(val(rn, "protocols"), rw+".protocols")
		}
		for _, pp := range r.Ports {
			if pp.Port != nil && pp.Port.IsStr {
				for _, peer := range r.Peers {
					if peer.Networks != nil || peer.Nodes != nil || peer.DomainNames != nil {
						c.failAt(pp.Pos, "%s: a named port cannot be used with networks, nodes or domainNames peers, which have no named ports", rw)
						break
					}
				}
			}
		}
		if r.Action != ActionAccept && ruleHasDomainNames(r) {
			c.failAt(r.ActionPos, "%s: domainNames peers are only allowed in Accept rules", rw)
		}
		rules = append(rules, r)
	}
	return rules
}

func ruleHasDomainNames(r ClusterRule) bool {
	for _, p := range r.Peers {
		if p.DomainNames != nil {
			return true
		}
	}
	return false
}

// clusterAction normalises an action: Allow of the v1alpha1 kinds is Accept. It
// returns "" for an action the kind does not have.
func clusterAction(a, tier string, legacy bool) string {
	switch {
	case a == ActionDeny:
		return ActionDeny
	case a == ActionPass && tier == TierAdmin:
		return ActionPass
	case a == ActionAccept && !legacy, a == "Allow" && legacy:
		return ActionAccept
	}
	return ""
}

func actionsOf(tier string, legacy bool) string {
	accept := "Accept"
	if legacy {
		accept = "Allow"
	}
	if tier == TierBaseline && legacy {
		return accept + " and Deny"
	}
	return accept + ", Deny and Pass"
}

// clusterPeer reads one from/to element; egress peers may also be networks, nodes or
// domain names. ok is false when it is not a mapping.
func (c *docCtx) clusterPeer(pn *yaml.Node, where string, egress bool) (ClusterPeer, bool) {
	if !c.entry(pn, where) {
		return ClusterPeer{}, false
	}
	peer := ClusterPeer{Pos: c.pos(pn)}
	peer.Namespaces, peer.Pods = c.clusterSelectors(pn, where)
	set := countSet(peer.Namespaces != nil, peer.Pods != nil)
	if egress {
		if k, v := field(pn, "nodes"); k != nil && !isNull(v) {
			s := c.selector(k, v, where+".nodes")
			peer.Nodes = &s
			set++
		}
		for _, key := range []string{"networks", "domainNames"} {
			vn := val(pn, key)
			if vn == nil || isNull(vn) {
				continue
			}
			set++
			items := []string{}
			for _, it := range c.stringList(vn, where+"."+key) {
				if key == "networks" {
					if pfx, err := netip.ParsePrefix(it.Value); err != nil || pfx.Masked() != pfx {
						c.failAt(it.Pos, "%s.networks: %q is not a CIDR in its canonical form", where, it.Value)
					}
				}
				items = append(items, it.Value)
			}
			if len(items) == 0 {
				c.fail(vn, "%s.%s must name at least one item", where, key)
			}
			if key == "networks" {
				peer.Networks = items
			} else {
				peer.DomainNames = items
			}
		}
	}
	if set != 1 {
		fields := "namespaces or pods"
		if egress {
			fields = "namespaces, pods, networks, nodes or domainNames"
		}
		c.fail(pn, "%s must set exactly one of %s", where, fields)
		return ClusterPeer{}, false
	}
	return peer, true
}

// protocols reads the protocols of a ClusterNetworkPolicy rule: tcp, udp or sctp with a
// destinationPort (a number or a range), or a destinationNamedPort.
func (c *docCtx) protocols(n *yaml.Node, where string) []PolicyPort {
	var out []PolicyPort
	for i, pn := range c.seq(n, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(pn, w) {
			continue
		}
		pp := PolicyPort{Pos: c.pos(pn)}
		set := 0
		for _, proto := range []string{"tcp", "udp", "sctp"} {
			k, v := field(pn, proto)
			if k == nil {
				continue
			}
			set++
			pp.Protocol = map[string]string{"tcp": "TCP", "udp": "UDP", "sctp": "SCTP"}[proto]
			if !c.entry(v, w+"."+proto) {
				continue
			}
			dk, dv := field(v, "destinationPort")
			if dk == nil {
				c.fail(v, "%s.%s must set destinationPort", w, proto)
				continue
			}
			pp.PortPos = c.pos(dk)
			if !c.entry(dv, w+"."+proto+".destinationPort") {
				continue
			}
			num, rng := val(dv, "number"), val(dv, "range")
			switch {
			case num != nil && rng == nil:
				if v, ok := c.port(num, w+"."+proto+".destinationPort.number"); ok {
					pp.Port = &IntOrString{Int: v}
				}
			case rng != nil && num == nil:
				pp.Port, pp.EndPort = c.portRange(rng, w+"."+proto+".destinationPort.range", true)
			default:
				c.fail(dv, "%s.%s.destinationPort must set exactly one of number and range", w, proto)
			}
		}
		if k, v := field(pn, "destinationNamedPort"); k != nil {
			set++
			if s, ok := c.str(v, w+".destinationNamedPort"); ok && s != "" {
				pp.Port, pp.PortPos = &IntOrString{IsStr: true, Str: s}, c.pos(k)
			}
		}
		if set != 1 {
			c.fail(pn, "%s must set exactly one of tcp, udp, sctp and destinationNamedPort", w)
			continue
		}
		if pp.Port != nil {
			out = append(out, pp)
		}
	}
	return out
}

// legacyPorts reads the ports of an AdminNetworkPolicy or BaselineAdminNetworkPolicy
// rule: portNumber, namedPort or portRange.
func (c *docCtx) legacyPorts(n *yaml.Node, where string) []PolicyPort {
	var out []PolicyPort
	for i, pn := range c.seq(n, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(pn, w) {
			continue
		}
		pp := PolicyPort{Pos: c.pos(pn), Protocol: "TCP"}
		set := 0
		if k, v := field(pn, "portNumber"); k != nil {
			set++
			pp.PortPos = c.pos(k)
			if c.entry(v, w+".portNumber") {
				c.required(v, w+".portNumber", "port")
				pp.Protocol = c.protocol(val(v, "protocol"), w+".portNumber.protocol")
				if p, ok := c.port(val(v, "port"), w+".portNumber.port"); ok {
					pp.Port = &IntOrString{Int: p}
				}
			}
		}
		if k, v := field(pn, "namedPort"); k != nil {
			set++
			pp.Protocol = ""
			if s, ok := c.str(v, w+".namedPort"); ok && s != "" {
				pp.Port, pp.PortPos = &IntOrString{IsStr: true, Str: s}, c.pos(k)
			}
		}
		if k, v := field(pn, "portRange"); k != nil {
			set++
			pp.PortPos = c.pos(k)
			if c.entry(v, w+".portRange") {
				pp.Protocol = c.protocol(val(v, "protocol"), w+".portRange.protocol")
				pp.Port, pp.EndPort = c.portRange(v, w+".portRange", false)
			}
		}
		if set != 1 {
			c.fail(pn, "%s must set exactly one of portNumber, namedPort and portRange", w)
			continue
		}
		if pp.Port != nil {
			out = append(out, pp)
		}
	}
	return out
}

// port reads a port number (1 to 65535).
func (c *docCtx) port(n *yaml.Node, where string) (int, bool) {
	v, ok := c.integer(n, where)
	if ok && (v < 1 || v > 65535) {
		c.fail(n, "%s: %d is not a port (1 to 65535)", where, v)
		return 0, false
	}
	return v, ok
}

// portRange reads start and end; strict requires start < end (ClusterNetworkPolicy),
// otherwise start <= end.
func (c *docCtx) portRange(n *yaml.Node, where string, strict bool) (*IntOrString, int) {
	if !c.entry(n, where) {
		return nil, 0
	}
	c.required(n, where, "start", "end")
	lo, ok1 := c.port(val(n, "start"), where+".start")
	hi, ok2 := c.port(val(n, "end"), where+".end")
	if !ok1 || !ok2 {
		return nil, 0
	}
	if hi < lo || (strict && hi == lo) {
		c.fail(n, "%s: start %d must be less than end %d", where, lo, hi)
		return nil, 0
	}
	return &IntOrString{Int: lo}, hi
}

func countSet(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// object returns the policy's header.
func (p *ClusterPolicy) object() *Object { return &p.Object }

// addTo lists the policy in the graph.
func (p *ClusterPolicy) addTo(a *assembly) { a.g.ClusterPolicies = append(a.g.ClusterPolicies, p) }

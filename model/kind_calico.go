package model

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Calico's API groups: projectcalico.org/v3 through its API server, and the
// crd.projectcalico.org/v1 CRDs underneath, with the same spec.
const (
	CalicoGroup    = "projectcalico.org"
	CalicoCRDGroup = "crd.projectcalico.org"
)

// CalicoDefaultTier is the tier of policies that name none, and of Kubernetes
// NetworkPolicies; CalicoDefaultTierOrder is its order.
const (
	CalicoDefaultTier      = "default"
	CalicoDefaultTierOrder = 1_000_000
	// CalicoNetworkPolicyOrder is the order Calico gives Kubernetes NetworkPolicies.
	CalicoNetworkPolicyOrder = 1000
)

// CalicoPolicy is a Calico NetworkPolicy or GlobalNetworkPolicy, normalised.
type CalicoPolicy struct {
	Object
	Global bool   `json:"global"`
	Tier   string `json:"tier"`
	// Order is spec.order; HasOrder is false when it is absent (the policy comes last
	// in its tier).
	Order    float64 `json:"order"`
	HasOrder bool    `json:"hasOrder"`
	// Selector selects the endpoints the policy applies to (in the policy's namespace
	// for a NetworkPolicy); NamespaceSelector narrows a GlobalNetworkPolicy to
	// namespaces. ServiceAccountSelector narrows to service accounts, which kubenet
	// does not model: a policy with one may apply to any of its pods.
	Selector               CalicoSelector  `json:"selector"`
	NamespaceSelector      *CalicoSelector `json:"namespaceSelector"`
	ServiceAccountSelector string          `json:"serviceAccountSelector"`
	// Types is spec.types, defaulted as Calico does: Ingress, plus Egress when there
	// are egress rules (Egress alone when there are only egress rules).
	Types   []string     `json:"types"`
	Ingress []CalicoRule `json:"ingress"`
	Egress  []CalicoRule `json:"egress"`
	// HostOnly is true for a policy that applies to host endpoints only (preDNAT,
	// doNotTrack): it governs no pod.
	HostOnly bool `json:"hostOnly"`
}

// CalicoRule is one rule: an action, a protocol, and the source and destination.
type CalicoRule struct {
	// Action is Allow, Deny, Pass or Log.
	Action    string `json:"action"`
	ActionPos Pos    `json:"actionPos"`
	// Protocols are the protocols the rule matches among TCP, UDP and SCTP (nil: all
	// of them); None is true when it matches none of them (ICMP, another number).
	Protocols   []string         `json:"protocols"`
	None        bool             `json:"none"`
	Source      CalicoEntityRule `json:"source"`
	Destination CalicoEntityRule `json:"destination"`
	Pos         Pos              `json:"pos"`
}

// CalicoEntityRule is a source or destination: every field that is set must match.
type CalicoEntityRule struct {
	Nets              []string        `json:"nets"`
	NotNets           []string        `json:"notNets"`
	Selector          *CalicoSelector `json:"selector"`
	NotSelector       *CalicoSelector `json:"notSelector"`
	NamespaceSelector *CalicoSelector `json:"namespaceSelector"`
	// ServiceAccounts is true when the rule names service accounts, which kubenet does
	// not model.
	ServiceAccounts bool `json:"serviceAccounts"`
	// Service is services: a Service's endpoints.
	Service *ObjectRef `json:"service"`
	// Ports and NotPorts: numbers, ranges (port and endPort) and names; Protocol "" is
	// the rule's protocols.
	Ports    []PolicyPort `json:"ports"`
	NotPorts []PolicyPort `json:"notPorts"`
}

// CalicoNetworkSet is a Calico NetworkSet (namespaced) or GlobalNetworkSet: labelled
// addresses outside the cluster, which rule selectors match like endpoints.
type CalicoNetworkSet struct {
	Object
	Nets []string `json:"nets"`
}

// buildCalicoNetworkSet reads a NetworkSet or GlobalNetworkSet.
func buildCalicoNetworkSet(c *docCtx, o *Object, n *yaml.Node) entity {
	s := &CalicoNetworkSet{Object: *o}
	c.obj = &s.Object
	if spec := val(n, "spec"); c.mapping(spec, "spec") {
		for _, v := range c.stringList(val(spec, "nets"), "spec.nets") {
			s.Nets = append(s.Nets, v.Value)
		}
	}
	return s
}

// object returns the set's header.
func (s *CalicoNetworkSet) object() *Object { return &s.Object }

// addTo lists the set in the graph.
func (s *CalicoNetworkSet) addTo(a *assembly) {
	a.g.CalicoNetworkSets = append(a.g.CalicoNetworkSets, s)
}

// CalicoTier is a Calico Tier: the order of its policies' tier, and what happens to
// traffic its policies select but no rule decides (Deny, or Pass to the next tier).
type CalicoTier struct {
	Object
	Order         float64 `json:"order"`
	HasOrder      bool    `json:"hasOrder"`
	DefaultAction string  `json:"defaultAction"`
}

var calicoPortRe = regexp.MustCompile(`^(\d+)(?::(\d+))?$`)

// buildCalicoPolicy reads a Calico NetworkPolicy or GlobalNetworkPolicy.
func buildCalicoPolicy(c *docCtx, o *Object, n *yaml.Node) entity {
	p := &CalicoPolicy{Object: *o, Global: o.Kind == "GlobalNetworkPolicy", Tier: CalicoDefaultTier,
		Selector: CalicoSelector{All: true, Pos: o.Pos}, Ingress: []CalicoRule{}, Egress: []CalicoRule{}}
	c.obj = &p.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		p.Types = []string{"Ingress"}
		return p
	}
	if t, _ := c.str(val(spec, "tier"), "spec.tier"); t != "" {
		p.Tier = t
	}
	if on := val(spec, "order"); on != nil && !isNull(on) {
		if v, err := strconv.ParseFloat(on.Value, 64); err == nil && on.Kind == yaml.ScalarNode && !math.IsNaN(v) && !math.IsInf(v, 0) {
			p.Order, p.HasOrder = v, true
		} else {
			c.fail(on, "spec.order must be a number, not %s", describe(on))
		}
	}
	if s := c.calicoSelector(spec, "selector", "spec"); s != nil {
		p.Selector = *s
	}
	p.NamespaceSelector = c.calicoSelector(spec, "namespaceSelector", "spec")
	p.ServiceAccountSelector, _ = c.str(val(spec, "serviceAccountSelector"), "spec.serviceAccountSelector")
	p.HostOnly = c.boolean(val(spec, "preDNAT"), "spec.preDNAT") || c.boolean(val(spec, "doNotTrack"), "spec.doNotTrack")
	p.Ingress = c.calicoRules(val(spec, "ingress"), "spec.ingress")
	p.Egress = c.calicoRules(val(spec, "egress"), "spec.egress")
	for _, t := range c.stringList(val(spec, "types"), "spec.types") {
		if t.Value != "Ingress" && t.Value != "Egress" {
			c.failAt(t.Pos, "spec.types: %q is not Ingress or Egress", t.Value)
			continue
		}
		p.Types = append(p.Types, t.Value)
	}
	if len(p.Types) == 0 {
		switch {
		case len(p.Egress) > 0 && len(p.Ingress) > 0:
			p.Types = []string{"Ingress", "Egress"}
		case len(p.Egress) > 0:
			p.Types = []string{"Egress"}
		default:
			p.Types = []string{"Ingress"}
		}
	}
	return p
}

// calicoSelector reads a selector expression field of m; nil when absent.
func (c *docCtx) calicoSelector(m *yaml.Node, key, where string) *CalicoSelector {
	k, v := field(m, key)
	if k == nil || isNull(v) {
		return nil
	}
	src, ok := c.str(v, where+"."+key)
	if !ok {
		return nil
	}
	s, err := ParseCalicoSelector(src)
	if err != nil {
		c.fail(v, "%s.%s: %v", where, key, err)
	}
	s.Pos = c.pos(k)
	return &s
}

// calicoRules reads the ingress or egress rules of a Calico policy.
func (c *docCtx) calicoRules(n *yaml.Node, where string) []CalicoRule {
	rules := []CalicoRule{}
	for i, rn := range c.seq(n, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(rn, w) {
			continue
		}
		r := CalicoRule{Pos: c.pos(rn)}
		ak, av := field(rn, "action")
		r.ActionPos = c.pos(orNode(ak, rn))
		r.Action, _ = c.str(av, w+".action")
		switch r.Action {
		case "Allow", "Deny", "Pass", "Log":
		case "":
			c.fail(rn, "%s.action is required", w)
		default:
			c.fail(av, "%s.action: %q is not one of Allow, Deny, Pass, Log", w, r.Action)
		}
		protos, none, set := c.calicoProtocol(val(rn, "protocol"), w+".protocol")
		if nk := val(rn, "notProtocol"); nk != nil {
			not, notNone, _ := c.calicoProtocol(nk, w+".notProtocol")
			if !notNone {
				protos = remove(allProtocols(protos), not)
				set = true
			}
		}
		r.Protocols, r.None = protos, none
		if !set {
			r.Protocols = nil
		}
		r.Source = c.calicoEntity(val(rn, "source"), w+".source", set)
		r.Destination = c.calicoEntity(val(rn, "destination"), w+".destination", set)
		rules = append(rules, r)
	}
	return rules
}

func allProtocols(p []string) []string {
	if p == nil {
		return []string{"TCP", "UDP", "SCTP"}
	}
	return p
}

func remove(from, drop []string) []string {
	out := []string{}
	for _, p := range from {
		keep := true
		for _, d := range drop {
			keep = keep && d != p
		}
		if keep {
			out = append(out, p)
		}
	}
	return out
}

// calicoProtocol reads a protocol: a name or a number. It returns the protocols among
// TCP, UDP and SCTP it stands for, whether it is another one (none), and whether it
// was set.
func (c *docCtx) calicoProtocol(n *yaml.Node, where string) (protos []string, none, set bool) {
	if n == nil || isNull(n) {
		return nil, false, false
	}
	switch strings.ToUpper(n.Value) {
	case "TCP", "6":
		return []string{"TCP"}, false, true
	case "UDP", "17":
		return []string{"UDP"}, false, true
	case "SCTP", "132":
		return []string{"SCTP"}, false, true
	case "ICMP", "ICMPV6", "UDPLITE":
		return []string{}, true, true
	}
	if v, err := strconv.Atoi(n.Value); err == nil && v >= 1 && v <= 255 {
		return []string{}, true, true
	}
	c.fail(n, "%s: %q is not a protocol (TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or 1 to 255)", where, n.Value)
	return []string{}, true, true
}

// calicoEntity reads a source or destination; protocol tells whether the rule names
// one (ports need it).
func (c *docCtx) calicoEntity(n *yaml.Node, where string, protocol bool) CalicoEntityRule {
	var e CalicoEntityRule
	if !c.mapping(n, where) {
		return e
	}
	for _, key := range []string{"nets", "notNets"} {
		for _, s := range c.stringList(val(n, key), where+"."+key) {
			v := s.Value
			if _, err := netip.ParsePrefix(v); err != nil {
				if a, err := netip.ParseAddr(v); err == nil {
					v = netip.PrefixFrom(a, a.BitLen()).String()
				} else {
					c.failAt(s.Pos, "%s.%s: %q is not a CIDR", where, key, s.Value)
				}
			}
			if key == "nets" {
				e.Nets = append(e.Nets, v)
			} else {
				e.NotNets = append(e.NotNets, v)
			}
		}
	}
	e.Selector = c.calicoSelector(n, "selector", where)
	e.NotSelector = c.calicoSelector(n, "notSelector", where)
	e.NamespaceSelector = c.calicoSelector(n, "namespaceSelector", where)
	e.ServiceAccounts = val(n, "serviceAccounts") != nil && !isNull(val(n, "serviceAccounts"))
	if s := val(n, "services"); c.mapping(s, where+".services") {
		ref := ObjectRef{Kind: "Service", Pos: c.pos(s)}
		ref.Name, _ = c.str(val(s, "name"), where+".services.name")
		ref.Namespace, _ = c.str(val(s, "namespace"), where+".services.namespace")
		e.Service = &ref
	}
	for _, key := range []string{"ports", "notPorts"} {
		pn := val(n, key)
		if pn == nil || isNull(pn) {
			continue
		}
		if !protocol {
			c.fail(pn, "%s.%s needs the rule's protocol (TCP, UDP or SCTP)", where, key)
		}
		var ports []PolicyPort
		for _, it := range c.seq(pn, where+"."+key) {
			pp := PolicyPort{Pos: c.pos(it), PortPos: c.pos(it)}
			switch {
			case it.Kind == yaml.ScalarNode && it.ShortTag() == "!!int":
				v, _ := c.port(it, where+"."+key)
				pp.Port = &IntOrString{Int: v}
			case it.Kind == yaml.ScalarNode:
				if m := calicoPortRe.FindStringSubmatch(it.Value); m != nil {
					lo, _ := strconv.Atoi(m[1])
					hi := lo
					if m[2] != "" {
						hi, _ = strconv.Atoi(m[2])
					}
					if lo < 1 || hi > 65535 || hi < lo {
						c.fail(it, "%s.%s: %q is not a port range within 1 to 65535", where, key, it.Value)
						continue
					}
					pp.Port, pp.EndPort = &IntOrString{Int: lo}, hi
				} else {
					pp.Port = &IntOrString{IsStr: true, Str: it.Value}
				}
			default:
				c.fail(it, "%s.%s: a port is a number, a range a:b or a name, not %s", where, key, describe(it))
				continue
			}
			ports = append(ports, pp)
		}
		if key == "ports" {
			e.Ports = ports
		} else {
			e.NotPorts = ports
		}
	}
	return e
}

// buildCalicoTier reads a Calico Tier.
func buildCalicoTier(c *docCtx, o *Object, n *yaml.Node) entity {
	t := &CalicoTier{Object: *o, DefaultAction: "Deny"}
	c.obj = &t.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return t
	}
	if on := val(spec, "order"); on != nil && !isNull(on) {
		if v, err := strconv.ParseFloat(on.Value, 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			t.Order, t.HasOrder = v, true
		} else {
			c.fail(on, "spec.order must be a number, not %s", describe(on))
		}
	}
	if a, _ := c.str(val(spec, "defaultAction"), "spec.defaultAction"); a != "" {
		if a != "Deny" && a != "Pass" {
			c.fail(val(spec, "defaultAction"), "spec.defaultAction: %q is not Deny or Pass", a)
		} else {
			t.DefaultAction = a
		}
	}
	return t
}

// object returns the policy's header.
func (p *CalicoPolicy) object() *Object { return &p.Object }

// addTo lists the policy in the graph.
func (p *CalicoPolicy) addTo(a *assembly) { a.g.CalicoPolicies = append(a.g.CalicoPolicies, p) }

// object returns the tier's header.
func (t *CalicoTier) object() *Object { return &t.Object }

// addTo lists the tier in the graph.
func (t *CalicoTier) addTo(a *assembly) { a.g.CalicoTiers = append(a.g.CalicoTiers, t) }

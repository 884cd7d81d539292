package model

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// CiliumGroup is the API group of Cilium's policies.
const CiliumGroup = "cilium.io"

// Cilium's label keys for what a pod's labels do not hold (see CiliumPolicy).
const (
	CiliumNamespaceLabel       = "io.kubernetes.pod.namespace"
	CiliumNamespaceLabelPrefix = "io.cilium.k8s.namespace.labels."
)

// CiliumPolicy is a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy (cilium.io/v2),
// at layers 3 and 4: its spec and specs, each a rule.
type CiliumPolicy struct {
	Object
	// Clusterwide is true for a CiliumClusterwideNetworkPolicy, whose endpointSelector
	// and peers span every namespace.
	Clusterwide bool         `json:"clusterwide"`
	Rules       []CiliumRule `json:"rules"`
	// Rejected lists what makes the Cilium agent refuse the whole policy, though the
	// API server stores it: none of its rules then apply.
	Rejected []CiliumRejection `json:"rejected"`
}

// CiliumRejection is a reason the Cilium agent refuses a policy, where it is.
type CiliumRejection struct {
	Message string `json:"message"`
	Pos     Pos    `json:"pos"`
}

// CiliumRule is one rule: spec, or an item of specs.
type CiliumRule struct {
	// Where names the rule in the object: "spec" or "specs[i]".
	Where string `json:"where"`
	// EndpointSelector selects the pods the rule applies to; nil when the rule has a
	// nodeSelector (a host policy, which governs nodes, not pods).
	EndpointSelector *CiliumSelector  `json:"endpointSelector"`
	NodeSelector     *CiliumSelector  `json:"nodeSelector"`
	Ingress          []CiliumPeerRule `json:"ingress"`
	IngressDeny      []CiliumPeerRule `json:"ingressDeny"`
	Egress           []CiliumPeerRule `json:"egress"`
	EgressDeny       []CiliumPeerRule `json:"egressDeny"`
	// DefaultDenyIngress and DefaultDenyEgress are enableDefaultDeny, defaulted as
	// Cilium does: true when the rule has a section for that direction (allow or deny).
	DefaultDenyIngress bool `json:"defaultDenyIngress"`
	DefaultDenyEgress  bool `json:"defaultDenyEgress"`
	Pos                Pos  `json:"pos"`
}

// CiliumSelector is an endpoint selector with its keys normalised: the source prefixes
// k8s: and any: are removed. Besides the pod's labels, Cilium matches
// io.kubernetes.pod.namespace (the namespace) and io.cilium.k8s.namespace.labels.KEY (a
// label of the namespace).
type CiliumSelector struct {
	Selector
	// Unknown is true when a key is one kubenet cannot evaluate (a service account,
	// a cluster, a reserved: identity): the selector may match anything.
	Unknown bool `json:"unknown"`
}

// CiliumPeerRule is one item of ingress, ingressDeny, egress or egressDeny: L3 peers
// (several kinds of them in one item make Cilium reject the policy), and ports.
type CiliumPeerRule struct {
	// Endpoints is fromEndpoints / toEndpoints; EndpointsSet tells an explicit empty list.
	Endpoints    []CiliumSelector `json:"endpoints"`
	EndpointsSet bool             `json:"endpointsSet"`
	// Entities are Cilium's reserved identities: world, cluster, host, remote-node,
	// kube-apiserver, all, ingress, health, init, unmanaged, none.
	Entities []string `json:"entities"`
	// CIDRs are fromCIDR/toCIDR and the cidr of fromCIDRSet/toCIDRSet (except ignored):
	// addresses outside the cluster's pods and nodes; "" for a CIDR group or
	// fromGroups/toGroups, addresses kubenet does not see.
	CIDRs []string `json:"cidrs"`
	// Nodes is fromNodes / toNodes: nodes, whose addresses host-network pods share.
	Nodes []CiliumSelector `json:"nodes"`
	// Services is toServices: Services by name (Namespace "" is any namespace) or by
	// a label selector.
	Services []CiliumService `json:"services"`
	// FQDNs is toFQDNs: matchName or matchPattern of each entry.
	FQDNs []string `json:"fqdns"`
	// L3 lists the L3 fields present (fromEndpoints, fromCIDR, ...), for validation.
	L3 []string `json:"l3"`
	// Ports is toPorts flattened; nil when absent (every port). Protocol ANY (or none)
	// is "" (TCP, UDP and SCTP).
	Ports []PolicyPort `json:"ports"`
	// L7 names the L7 rules of toPorts (http, kafka, dns, l7proto), "" when none.
	L7 string `json:"l7"`
	// DNS is true when toPorts has DNS rules (rules.dns): Cilium's DNS proxy learns
	// the addresses of names for toFQDNs.
	DNS bool `json:"dns"`
	Pos Pos  `json:"pos"`
}

// CiliumService is one toServices entry.
type CiliumService struct {
	Name      string          `json:"name"`
	Namespace string          `json:"namespace"`
	Selector  *CiliumSelector `json:"selector"`
}

// ciliumEntities are the entities the CRD accepts.
var ciliumEntities = map[string]bool{"all": true, "world": true, "cluster": true, "host": true, "init": true, "ingress": true,
	"unmanaged": true, "remote-node": true, "health": true, "none": true, "kube-apiserver": true}

// buildCiliumPolicy reads a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
func buildCiliumPolicy(c *docCtx, o *Object, n *yaml.Node) entity {
	p := &CiliumPolicy{Object: *o, Clusterwide: o.Kind == "CiliumClusterwideNetworkPolicy", Rules: []CiliumRule{}, Rejected: []CiliumRejection{}}
	c.obj = &p.Object
	if sk, sv := field(n, "spec"); sk != nil && !isNull(sv) {
		if r, ok := c.ciliumRule(sv, "spec", p.Clusterwide); ok {
			p.Rules = append(p.Rules, r)
		}
	}
	for i, rn := range c.seq(val(n, "specs"), "specs") {
		if r, ok := c.ciliumRule(rn, fmt.Sprintf("specs[%d]", i), p.Clusterwide); ok {
			p.Rules = append(p.Rules, r)
		}
	}
	if isNull(val(n, "spec")) && isNull(val(n, "specs")) {
		c.failAt(o.Pos, "a %s needs spec or specs", o.Kind)
	}
	p.Rejected = ciliumRejections(p.Rules)
	return p
}

// ciliumRejections finds what Cilium's rule validation (pkg/policy/api
// rule_validation.go) refuses in rules the API server accepts: more than one kind of
// L3 peer in one item, L7 rules and toFQDNs in deny rules, DNS rules on ingress.
func ciliumRejections(rules []CiliumRule) []CiliumRejection {
	out := []CiliumRejection{}
	for _, r := range rules {
		for _, sec := range []struct {
			name  string
			items []CiliumPeerRule
			deny  bool
		}{{"ingress", r.Ingress, false}, {"ingressDeny", r.IngressDeny, true}, {"egress", r.Egress, false}, {"egressDeny", r.EgressDeny, true}} {
			for i, it := range sec.items {
				where := fmt.Sprintf("%s.%s[%d]", r.Where, sec.name, i)
				if len(it.L3) > 1 {
					out = append(out, CiliumRejection{Pos: it.Pos,
						Message: fmt.Sprintf("%s combines %s and %s in one rule, which Cilium does not support", where, it.L3[0], it.L3[1])})
				}
				if sec.name == "ingress" && it.DNS {
					out = append(out, CiliumRejection{Pos: it.Pos, Message: fmt.Sprintf("%s has DNS rules, which Cilium allows on egress only", where)})
				}
			}
		}
	}
	return out
}

// ciliumRule reads one rule.
func (c *docCtx) ciliumRule(n *yaml.Node, where string, clusterwide bool) (CiliumRule, bool) {
	r := CiliumRule{Where: where, Pos: c.pos(n)}
	if !c.entry(n, where) {
		return r, false
	}
	if k, v := field(n, "endpointSelector"); k != nil {
		s := c.ciliumSelector(k, v, where+".endpointSelector")
		r.EndpointSelector = &s
	}
	if k, v := field(n, "nodeSelector"); k != nil {
		s := c.ciliumSelector(k, v, where+".nodeSelector")
		r.NodeSelector = &s
		if !clusterwide {
			c.fail(k, "%s.nodeSelector: only a CiliumClusterwideNetworkPolicy may select nodes", where)
		}
	}
	if (r.EndpointSelector == nil) == (r.NodeSelector == nil) {
		c.fail(n, "%s must set exactly one of endpointSelector and nodeSelector", where)
	}
	r.Ingress = c.ciliumPeerRules(val(n, "ingress"), where+".ingress", "from", false)
	r.IngressDeny = c.ciliumPeerRules(val(n, "ingressDeny"), where+".ingressDeny", "from", true)
	r.Egress = c.ciliumPeerRules(val(n, "egress"), where+".egress", "to", false)
	r.EgressDeny = c.ciliumPeerRules(val(n, "egressDeny"), where+".egressDeny", "to", true)
	r.DefaultDenyIngress = len(r.Ingress)+len(r.IngressDeny) > 0
	r.DefaultDenyEgress = len(r.Egress)+len(r.EgressDeny) > 0
	if d := val(n, "enableDefaultDeny"); c.mapping(d, where+".enableDefaultDeny") {
		if v := val(d, "ingress"); v != nil && !c.boolean(v, where+".enableDefaultDeny.ingress") {
			r.DefaultDenyIngress = false
		}
		if v := val(d, "egress"); v != nil && !c.boolean(v, where+".enableDefaultDeny.egress") {
			r.DefaultDenyEgress = false
		}
	}
	return r, true
}

// ciliumSelector reads an endpoint selector, normalising its keys; Cilium's keys (a
// source prefix, a colon) are no Kubernetes label keys, so they are not validated as such.
func (c *docCtx) ciliumSelector(keyNode, n *yaml.Node, where string) CiliumSelector {
	s := CiliumSelector{Selector: Selector{Pos: c.pos(orNode(keyNode, n))}}
	if c.mapping(n, where) {
		for k, v := range c.stringMap(val(n, "matchLabels"), where+".matchLabels") {
			if s.MatchLabels == nil {
				s.MatchLabels = map[string]string{}
			}
			key := s.key(k)
			s.MatchLabels[key] = v
		}
		s.MatchExpressions = c.requirements(n, where, s.key)
	}
	before := len(c.res.problems)
	if err := s.compile(); err != nil && len(c.res.problems) == before {
		c.fail(orNode(keyNode, n), "%s is not a valid label selector: %v", where, err)
	}
	return s
}

// key normalises a selector key: without its k8s: or any: source, with the source's
// dot form (k8s.app) read the same way. A key of another source (reserved:,
// cidr:), or one kubenet cannot evaluate, makes the selector Unknown.
func (s *CiliumSelector) key(k string) string {
	for _, prefix := range []string{"k8s:", "any:", "k8s.", "any."} {
		if strings.HasPrefix(k, prefix) {
			k = k[len(prefix):]
			break
		}
	}
	if strings.Contains(k, ":") || strings.HasPrefix(k, "io.cilium.k8s.policy.") {
		s.Unknown = true
	}
	return k
}

// ciliumPeerRules reads the items of ingress, ingressDeny, egress or egressDeny; dir is
// "from" or "to".
func (c *docCtx) ciliumPeerRules(n *yaml.Node, where, dir string, deny bool) []CiliumPeerRule {
	var out []CiliumPeerRule
	for i, rn := range c.seq(n, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		r := CiliumPeerRule{Pos: c.pos(rn)}
		if !isNull(rn) && !c.mapping(rn, w) {
			continue
		}
		l3 := func(key string) (*yaml.Node, bool) {
			k, v := field(rn, key)
			if k == nil {
				return nil, false
			}
			if !isNull(v) && (v.Kind != yaml.SequenceNode || len(v.Content) > 0) {
				r.L3 = append(r.L3, key)
			}
			return v, true
		}
		if v, ok := l3(dir + "Endpoints"); ok {
			r.EndpointsSet = true
			for j, sn := range c.seq(v, w+"."+dir+"Endpoints") {
				r.Endpoints = append(r.Endpoints, c.ciliumSelector(nil, sn, fmt.Sprintf("%s.%sEndpoints[%d]", w, dir, j)))
			}
		}
		if v, ok := l3(dir + "Entities"); ok {
			for _, e := range c.stringList(v, w+"."+dir+"Entities") {
				if !ciliumEntities[e.Value] {
					c.failAt(e.Pos, "%s.%sEntities: %q is not an entity Cilium knows", w, dir, e.Value)
				}
				r.Entities = append(r.Entities, e.Value)
			}
		}
		if v, ok := l3(dir + "CIDR"); ok {
			for _, e := range c.stringList(v, w+"."+dir+"CIDR") {
				r.CIDRs = append(r.CIDRs, c.ciliumCIDR(e, w+"."+dir+"CIDR"))
			}
		}
		if v, ok := l3(dir + "CIDRSet"); ok {
			for j, sn := range c.seq(v, w+"."+dir+"CIDRSet") {
				sw := fmt.Sprintf("%s.%sCIDRSet[%d]", w, dir, j)
				if !c.entry(sn, sw) {
					continue
				}
				if cn := val(sn, "cidr"); cn != nil {
					s, _ := c.str(cn, sw+".cidr")
					r.CIDRs = append(r.CIDRs, c.ciliumCIDR(StringAt{Value: s, Pos: c.pos(cn)}, sw+".cidr"))
				} else {
					r.CIDRs = append(r.CIDRs, "") // a CIDR group: addresses kubenet does not see
				}
			}
		}
		if v, ok := l3(dir + "Nodes"); ok {
			for j, sn := range c.seq(v, w+"."+dir+"Nodes") {
				r.Nodes = append(r.Nodes, c.ciliumSelector(nil, sn, fmt.Sprintf("%s.%sNodes[%d]", w, dir, j)))
			}
		}
		if v, ok := l3(dir + "Groups"); ok && !isNull(v) && len(v.Content) > 0 {
			r.CIDRs = append(r.CIDRs, "") // cloud provider groups: addresses kubenet does not see
		}
		if dir == "to" {
			if v, ok := l3("toServices"); ok {
				for j, sn := range c.seq(v, w+".toServices") {
					r.Services = append(r.Services, c.ciliumService(sn, fmt.Sprintf("%s.toServices[%d]", w, j)))
				}
			}
			if v, ok := l3("toFQDNs"); ok {
				if deny {
					c.fail(v, "%s: deny rules cannot have toFQDNs", w)
				}
				for j, fn := range c.seq(v, w+".toFQDNs") {
					fw := fmt.Sprintf("%s.toFQDNs[%d]", w, j)
					if !c.entry(fn, fw) {
						continue
					}
					name, _ := c.str(val(fn, "matchName"), fw+".matchName")
					if pat, _ := c.str(val(fn, "matchPattern"), fw+".matchPattern"); pat != "" {
						name = pat
					}
					r.FQDNs = append(r.FQDNs, name)
				}
			}
		}
		if tv := val(rn, "toPorts"); tv != nil {
			r.Ports = []PolicyPort{}
			for j, pn := range c.seq(tv, w+".toPorts") {
				c.ciliumPorts(&r, pn, fmt.Sprintf("%s.toPorts[%d]", w, j), deny)
			}
		}
		out = append(out, r)
	}
	return out
}

// ciliumCIDR checks a CIDR (or a plain address, which Cilium takes as a host prefix).
func (c *docCtx) ciliumCIDR(s StringAt, where string) string {
	if _, err := netip.ParsePrefix(s.Value); err != nil {
		if _, err := netip.ParseAddr(s.Value); err != nil {
			c.failAt(s.Pos, "%s: %q is not a CIDR", where, s.Value)
		}
	}
	return s.Value
}

// ciliumService reads a toServices entry.
func (c *docCtx) ciliumService(n *yaml.Node, where string) CiliumService {
	var s CiliumService
	if !c.entry(n, where) {
		return s
	}
	if k := val(n, "k8sService"); c.mapping(k, where+".k8sService") {
		s.Name, _ = c.str(val(k, "serviceName"), where+".k8sService.serviceName")
		s.Namespace, _ = c.str(val(k, "namespace"), where+".k8sService.namespace")
	}
	if k := val(n, "k8sServiceSelector"); c.mapping(k, where+".k8sServiceSelector") {
		sk, sv := field(k, "selector")
		sel := c.ciliumSelector(sk, sv, where+".k8sServiceSelector.selector")
		s.Selector = &sel
		s.Namespace, _ = c.str(val(k, "namespace"), where+".k8sServiceSelector.namespace")
	}
	return s
}

// ciliumPorts reads one toPorts item into r: its ports, and what its L7 rules are.
func (c *docCtx) ciliumPorts(r *CiliumPeerRule, n *yaml.Node, where string, deny bool) {
	if !c.entry(n, where) {
		return
	}
	for i, pn := range c.seq(val(n, "ports"), where+".ports") {
		w := fmt.Sprintf("%s.ports[%d]", where, i)
		if !c.entry(pn, w) {
			continue
		}
		pp := PolicyPort{Pos: c.pos(pn)}
		proto, _ := c.str(val(pn, "protocol"), w+".protocol")
		switch proto {
		case "TCP", "UDP", "SCTP":
			pp.Protocol = proto
		case "", "ANY":
		default:
			c.fail(val(pn, "protocol"), "%s.protocol %q is not one of TCP, UDP, SCTP, ANY", w, proto)
		}
		pk, pv := field(pn, "port")
		pp.PortPos = c.pos(pk)
		if pv != nil && !isNull(pv) {
			switch {
			case pv.Kind == yaml.ScalarNode && pv.ShortTag() == "!!int":
				v, _ := c.port(pv, w+".port")
				pp.Port = &IntOrString{Int: v}
			default:
				s, _ := c.str(pv, w+".port")
				if v, err := strconv.Atoi(s); err == nil {
					if v == 0 {
						break // 0: every port
					}
					if v < 1 || v > 65535 {
						c.fail(pv, "%s.port: %d is not a port (1 to 65535)", w, v)
					}
					pp.Port = &IntOrString{Int: v}
				} else if s != "" {
					pp.Port = &IntOrString{IsStr: true, Str: strings.ToLower(s)}
				}
			}
		}
		if ev := val(pn, "endPort"); ev != nil && pp.Port != nil && !pp.Port.IsStr {
			if e, ok := c.integer(ev, w+".endPort"); ok && e > 0 {
				if e < pp.Port.Int {
					c.fail(ev, "%s.endPort %d is below port %d", w, e, pp.Port.Int)
				}
				pp.EndPort = e
			}
		}
		r.Ports = append(r.Ports, pp)
	}
	if rules := val(n, "rules"); c.mapping(rules, where+".rules") {
		if deny {
			c.fail(rules, "%s.rules: deny rules cannot have L7 rules", where)
		}
		for _, k := range []string{"http", "kafka", "dns", "l7proto"} {
			if val(rules, k) != nil {
				r.L7 = k
			}
		}
		r.DNS = val(rules, "dns") != nil
	}
}

// object returns the policy's header.
func (p *CiliumPolicy) object() *Object { return &p.Object }

// addTo lists the policy in the graph.
func (p *CiliumPolicy) addTo(a *assembly) { a.g.CiliumPolicies = append(a.g.CiliumPolicies, p) }

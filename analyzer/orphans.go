package analyzer

import (
	"fmt"

	"github.com/kubenet/kubenet/model"
)

// Orphan is a selector of a Cilium or Calico policy that matches no pod of the input:
// the subject of a rule, or a peer. (NetworkPolicies and cluster-wide policies have
// facts.policies and facts.clusterPolicies.)
type Orphan struct {
	Policy string `json:"policy"`
	// Subject is true for the pods the policy applies to, false for a peer.
	Subject bool `json:"subject"`
	// Where names the selector in the policy, Selector is it as written.
	Where    string    `json:"where"`
	Selector string    `json:"selector"`
	Pos      model.Pos `json:"pos"`
	// Closed is true when the selector can only match pods of a namespace whose
	// workloads the input shows (as PeerFacts.closed), so a typo is likely.
	Closed    bool   `json:"closed"`
	Namespace string `json:"namespace"`
}

// orphans lists the selectors of Cilium and Calico policies that match no pod.
func (r *Reach) orphans(g *model.Graph, wlNS map[string]int) []Orphan {
	out := []Orphan{}
	byNS := map[string][]*class{}
	for _, c := range r.classes {
		if !c.external && !c.hostNet {
			byNS[c.ns] = append(byNS[c.ns], c)
		}
	}
	cm := &ciliumMatcher{r: r, g: g, byNS: byNS, labels: map[*class]map[string]string{}, wlNS: wlNS}
	for _, p := range g.CiliumPolicies {
		if p.Invalid || len(p.Rejected) > 0 {
			continue
		}
		ns := p.Namespace
		if p.Clusterwide {
			ns = ""
		}
		for _, rule := range p.Rules {
			if s := rule.EndpointSelector; s != nil && !s.Empty && !s.Unknown && !cm.matchesAny(s, ns, true) {
				out = append(out, Orphan{Policy: p.ID, Subject: true, Where: rule.Where + ".endpointSelector", Selector: ciliumString(s),
					Pos: s.Pos, Closed: ns != "" && wlNS[ns] > 0, Namespace: ns})
			}
			for _, sec := range []struct {
				name  string
				items []model.CiliumPeerRule
			}{{"ingress", rule.Ingress}, {"ingressDeny", rule.IngressDeny}, {"egress", rule.Egress}, {"egressDeny", rule.EgressDeny}} {
				for i, it := range sec.items {
					for j := range it.Endpoints {
						s := &it.Endpoints[j]
						if s.Empty || s.Unknown || cm.matchesAny(s, ns, false) {
							continue
						}
						o := Orphan{Policy: p.ID, Where: fmt.Sprintf("%s.%s[%d]", rule.Where, sec.name, i), Selector: ciliumString(s), Pos: s.Pos, Namespace: ns}
						switch v, named := s.MatchLabels[model.CiliumNamespaceLabel]; {
						case named:
							o.Closed, o.Namespace = wlNS[v] > 0, v
						case ns != "" && !namesNamespace(s):
							o.Closed = wlNS[ns] > 0
						}
						out = append(out, o)
					}
				}
			}
		}
	}
	calico := &calicoMatcher{r: r, g: g, byNS: byNS, pods: map[*class]map[string]string{}, spaces: map[string]map[string]string{}}
	for _, p := range g.CalicoPolicies {
		if p.Invalid || p.HostOnly {
			continue
		}
		ns := p.Namespace
		if p.Global {
			ns = ""
		}
		if !p.Selector.All && !calico.selectsAny(p) {
			out = append(out, Orphan{Policy: p.ID, Subject: true, Where: "selector", Selector: p.Selector.Source, Pos: p.Selector.Pos,
				Closed: ns != "" && wlNS[ns] > 0, Namespace: ns})
		}
		for _, dir := range []string{"ingress", "egress"} {
			rules := p.Ingress
			if dir == "egress" {
				rules = p.Egress
			}
			for i := range rules {
				e := &rules[i].Source
				if dir == "egress" {
					e = &rules[i].Destination
				}
				if e.Selector == nil || e.Selector.All || calico.entityMatchesAny(p, e) || calico.networkSet(p, e) {
					continue
				}
				out = append(out, Orphan{Policy: p.ID, Where: fmt.Sprintf("%s[%d]", dir, i), Selector: e.Selector.Source, Pos: e.Selector.Pos,
					Closed: ns != "" && e.NamespaceSelector == nil && wlNS[ns] > 0, Namespace: ns})
			}
		}
	}
	return out
}

// matchesAny reports whether a Cilium selector matches some pod of the input.
func (cm *ciliumMatcher) matchesAny(s *model.CiliumSelector, ns string, subject bool) bool {
	for _, c := range cm.candidates(s, ns, subject) {
		if !c.external && cm.selects(s, ns, subject, c, true) {
			return true
		}
	}
	return false
}

// selectsAny reports whether a Calico policy selects some pod of the input.
func (cm *calicoMatcher) selectsAny(p *model.CalicoPolicy) bool {
	candidates := cm.r.classes
	if !p.Global {
		candidates = cm.byNS[p.Namespace]
	}
	for _, c := range candidates {
		if !c.external && cm.applies(p, c) {
			return true
		}
	}
	return false
}

// entityMatchesAny reports whether an entity rule's selector matches some pod.
func (cm *calicoMatcher) entityMatchesAny(p *model.CalicoPolicy, e *model.CalicoEntityRule) bool {
	sel := &model.CalicoEntityRule{Selector: e.Selector, NamespaceSelector: e.NamespaceSelector}
	for _, c := range cm.candidates(p, sel) {
		if !c.external && !c.hostNet && cm.entity(p, sel, c, true) {
			return true
		}
	}
	return false
}

// ciliumString renders a Cilium selector as labels and expressions.
func ciliumString(s *model.CiliumSelector) string {
	out := model.FormatLabels(s.MatchLabels)
	for _, e := range s.MatchExpressions {
		if out != "" {
			out += ","
		}
		out += fmt.Sprintf("%s %s %v", e.Key, e.Operator, e.Values)
	}
	return out
}

// NamedPortFacts is a named port of a Cilium or Calico rule that none of the pods it
// resolves on declares: the subject's pods for ingress, the peers' for egress when the
// input shows them all.
type NamedPortFacts struct {
	Policy string `json:"policy"`
	Where  string `json:"where"`
	UndefinedPort
}

// otherUndefinedPorts finds the named ports of Cilium and Calico rules no pod declares.
func (r *Reach) otherUndefinedPorts(g *model.Graph) []NamedPortFacts {
	out := []NamedPortFacts{}
	add := func(policy, where string, ports []model.PolicyPort, egress bool, classes []*class) {
		for _, u := range undefinedNamed(model.PolicyRule{Ports: ports}, egress, 0, classes) {
			out = append(out, NamedPortFacts{Policy: policy, Where: where, UndefinedPort: u})
		}
	}
	for _, p := range g.CiliumPolicies {
		if p.Invalid || len(p.Rejected) > 0 {
			continue
		}
		for ri, rule := range p.Rules {
			subjects := r.ciliumRules[p.ID][ri]
			for _, sec := range []struct {
				name  string
				items []model.CiliumPeerRule
			}{{"ingress", rule.Ingress}, {"ingressDeny", rule.IngressDeny}} {
				for i, it := range sec.items {
					add(p.ID, fmt.Sprintf("%s.%s[%d]", rule.Where, sec.name, i), it.Ports, false, subjects)
				}
			}
		}
	}
	selects := map[*model.CalicoPolicy][]*class{}
	for _, c := range r.classes {
		for _, t := range c.ingress.calico {
			for _, cp := range t.policies {
				selects[cp.p] = append(selects[cp.p], c)
			}
		}
	}
	for _, p := range g.CalicoPolicies {
		if p.Invalid || p.HostOnly {
			continue
		}
		subjects := selects[p]
		for i, rule := range p.Ingress {
			ports := rule.Destination.Ports
			if len(rule.Protocols) == 1 { // the port names are looked up for the rule's protocol
				ports = append([]model.PolicyPort{}, ports...)
				for j := range ports {
					ports[j].Protocol = rule.Protocols[0]
				}
			}
			add(p.ID, fmt.Sprintf("ingress[%d]", i), ports, false, subjects)
		}
	}
	return out
}

package analyzer

import (
	"fmt"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Cilium's policies (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) at layers 3
// and 4, in the NetworkPolicy tier: Cilium keeps Kubernetes NetworkPolicies and its own
// rules in one repository, so a pod's allows are the union of every rule that selects
// it, it is isolated in a direction when a selecting rule enables default deny there
// (by default, any rule with a section for that direction), and deny rules
// (ingressDeny, egressDeny) win over every allow.
//
// Selectors match the pod's labels, plus io.kubernetes.pod.namespace (its namespace)
// and io.cilium.k8s.namespace.labels.KEY (its namespace's labels). A namespaced policy
// selects pods of its own namespace, and its peers are pods of its namespace unless
// they name a namespace or namespace labels; a clusterwide one spans every namespace.
// Host policies (nodeSelector) govern nodes, not pods, and are left out.

// applyCiliumPolicies compiles the valid Cilium policies into the classes' sides.
func (r *Reach) applyCiliumPolicies(g *model.Graph, byNS map[string][]*class) {
	if len(g.CiliumPolicies) == 0 {
		return
	}
	cm := &ciliumMatcher{r: r, g: g, byNS: byNS, labels: map[*class]map[string]string{}, wlNS: map[string]int{}}
	for _, c := range r.classes {
		for _, n := range c.nodes {
			if n.Workload != nil && !c.hostNet {
				cm.wlNS[c.ns]++
			}
		}
	}
	for _, p := range g.CiliumPolicies {
		if p.Invalid || len(p.Rejected) > 0 {
			continue
		}
		// The policy as the NetworkPolicy tier names it (explanations, facts).
		np := &model.Policy{Object: p.Object}
		ns := p.Namespace
		if p.Clusterwide {
			ns = ""
		}
		r.ciliumRules[p.ID] = make([][]*class, len(p.Rules))
		for ri, rule := range p.Rules {
			if rule.EndpointSelector == nil {
				continue
			}
			if np.PodSelector.Pos.Line == 0 {
				np.PodSelector = rule.EndpointSelector.Selector
				np.PolicyTypesPos = rule.Pos
			}
			ins := cm.compile(np, ns, rule.Where+".ingress", rule.Ingress, false, false)
			inDeny := cm.compile(np, ns, rule.Where+".ingressDeny", rule.IngressDeny, false, true)
			outs := cm.compile(np, ns, rule.Where+".egress", rule.Egress, true, false)
			outDeny := cm.compile(np, ns, rule.Where+".egressDeny", rule.EgressDeny, true, true)
			for _, c := range cm.candidates(rule.EndpointSelector, ns, true) {
				if c.external || c.hostNet || !cm.selects(rule.EndpointSelector, ns, true, c, false) {
					continue
				}
				r.ciliumSelects[p.ID] = appendNew(r.ciliumSelects[p.ID], c.nodes...)
				r.ciliumRules[p.ID][ri] = append(r.ciliumRules[p.ID][ri], c)
				c.ingress.cilium(np, ins, inDeny, rule.DefaultDenyIngress)
				c.egress.cilium(np, outs, outDeny, rule.DefaultDenyEgress)
			}
		}
	}
}

// cilium adds a Cilium rule's allows and denies for one direction to the side; the
// policy isolates the side when the rule enables default deny.
func (s *side) cilium(p *model.Policy, allows, denies []*admit, defaultDeny bool) {
	s.admits = append(s.admits, allows...)
	s.denies = append(s.denies, denies...)
	if defaultDeny && (len(s.policies) == 0 || s.policies[len(s.policies)-1] != p) {
		s.policies = append(s.policies, p)
	}
}

func appendNew(nodes []*Node, add ...*Node) []*Node {
	if len(nodes) > 0 && len(add) > 0 && nodes[len(nodes)-1] == add[len(add)-1] {
		return nodes
	}
	return append(nodes, add...)
}

// ciliumMatcher matches Cilium selectors against classes.
type ciliumMatcher struct {
	r *Reach
	g *model.Graph
	// byNS lists the classes of pods per namespace.
	byNS map[string][]*class
	// labels caches each class's labels as Cilium sees them.
	labels map[*class]map[string]string
	// wlNS counts the workloads per namespace (host-network ones aside).
	wlNS map[string]int
}

// labelsOf returns the class's labels with Cilium's namespace labels.
func (cm *ciliumMatcher) labelsOf(c *class) map[string]string {
	if l, ok := cm.labels[c]; ok {
		return l
	}
	l := make(map[string]string, len(c.labels)+4)
	for k, v := range c.labels {
		l[k] = v
	}
	l[model.CiliumNamespaceLabel] = c.ns
	for k, v := range cm.r.namespaces[c.ns] {
		l[model.CiliumNamespaceLabelPrefix+k] = v
	}
	cm.labels[c] = l
	return l
}

// namesNamespace reports whether a selector names the namespace, or namespace labels.
func namesNamespace(s *model.CiliumSelector) bool {
	for k := range s.MatchLabels {
		if k == model.CiliumNamespaceLabel || strings.HasPrefix(k, model.CiliumNamespaceLabelPrefix) {
			return true
		}
	}
	for _, e := range s.MatchExpressions {
		if e.Key == model.CiliumNamespaceLabel || strings.HasPrefix(e.Key, model.CiliumNamespaceLabelPrefix) {
			return true
		}
	}
	return false
}

// candidates lists the classes selector s of a policy of namespace ns may select: those
// of the namespace it is scoped to or names, else every class.
func (cm *ciliumMatcher) candidates(s *model.CiliumSelector, ns string, subject bool) []*class {
	if ns != "" && (subject || !namesNamespace(s)) {
		return cm.byNS[ns]
	}
	if v, ok := s.MatchLabels[model.CiliumNamespaceLabel]; ok {
		return cm.byNS[v]
	}
	return cm.r.classes
}

// selects reports whether selector s of a policy of namespace ns ("" for a clusterwide
// one) matches the pods of class c: an endpointSelector (subject) always stays in the
// policy's namespace, a peer only when it names no namespace. unknown is what a
// selector kubenet cannot evaluate matches.
func (cm *ciliumMatcher) selects(s *model.CiliumSelector, ns string, subject bool, c *class, unknown bool) bool {
	if ns != "" && c.ns != ns && (subject || !namesNamespace(s)) {
		return false
	}
	if s.Unknown {
		return unknown
	}
	return s.Matches(cm.labelsOf(c))
}

// compile compiles the items of one section of a rule: allows or denies.
func (cm *ciliumMatcher) compile(p *model.Policy, ns, where string, rules []model.CiliumPeerRule, egress, deny bool) []*admit {
	var out []*admit
	for i := range rules {
		rule := &rules[i]
		a := &admit{policy: p, egress: egress, rule: i, deny: deny, where: fmt.Sprintf("%s[%d]", where, i),
			pos: rule.Pos, peers: bitset{}, ports: ciliumPorts(rule.Ports), l7: rule.L7, npeers: len(rule.L3),
			dns: rule.DNS}
		if len(rule.L3) == 0 && !rule.EndpointsSet && rule.Ports != nil {
			a.allPeers = true // toPorts alone: every peer at L3
		}
		for j := range rule.Endpoints {
			sel := &rule.Endpoints[j]
			for _, c := range cm.candidates(sel, ns, false) {
				if !c.external && !c.hostNet && cm.selects(sel, ns, false, c, !deny) {
					a.peers.set(c.idx)
				}
			}
			if sel.Unknown || ns == "" || namesNamespace(sel) || cm.wlNS[ns] == 0 {
				a.open = true
			}
		}
		for _, e := range rule.Entities {
			cm.entity(a, e)
		}
		if len(rule.CIDRs)+len(rule.FQDNs) > 0 {
			a.external = true
			a.externalOnly = !a.hostNets
			a.externalAll = a.externalAll || everyAddress(rule.CIDRs)
		}
		if len(rule.Nodes) > 0 {
			a.hostNets = true
			a.externalOnly = false
		}
		for _, svc := range rule.Services {
			cm.service(a, svc)
		}
		out = append(out, a)
	}
	return out
}

// entity adds what a Cilium entity matches to a rule.
func (cm *ciliumMatcher) entity(a *admit, e string) {
	switch e {
	case "all":
		a.allPeers = true
	case "world", "kube-apiserver": // the API server: taken as outside the pods
		a.external = true
		a.externalOnly = !a.hostNets
		a.externalAll = a.externalAll || e == "world"
	case "cluster":
		for _, c := range cm.r.classes {
			if !c.external {
				a.peers.set(c.idx)
			}
		}
		a.hostNets, a.externalOnly, a.open = true, false, true
	case "host", "remote-node":
		a.hostNets, a.externalOnly = true, false
	case "ingress": // Cilium's own Envoy: the ingress controller kubenet assumes
		for _, n := range cm.r.Ingress {
			a.peers.set(n.class.idx)
		}
	}
}

// service adds the pods behind toServices entries: those of a Service with a selector,
// the outside world for one without (its endpoints are addresses). A Service the input
// does not define may lead to pods it does not show.
func (cm *ciliumMatcher) service(a *admit, ref model.CiliumService) {
	found := false
	for _, s := range cm.g.Services {
		if (ref.Namespace != "" && s.Namespace != ref.Namespace) || s.Invalid {
			continue
		}
		switch {
		case ref.Selector != nil:
			if ref.Selector.Unknown || !ref.Selector.Matches(s.Labels) {
				continue
			}
		case s.Name != ref.Name:
			continue
		}
		found = true
		if s.Selector == nil {
			a.external, a.externalOnly = true, !a.hostNets
			continue
		}
		for _, c := range cm.r.classes {
			if !c.external && !c.hostNet && c.ns == s.Namespace && model.SubsetOf(s.Selector, c.labels) {
				a.peers.set(c.idx)
			}
		}
	}
	if !found && (ref.Namespace == cm.r.cfg.DNS.Namespace || ref.Namespace == "") && ref.Name == "kube-dns" {
		for _, n := range cm.r.DNS { // the cluster DNS kubenet assumes
			a.peers.set(n.class.idx)
		}
		found = true
	}
	if !found {
		a.open = true
	}
}

// ciliumPorts compiles toPorts: nil is every port; a port without protocol (ANY) is
// the port on TCP, UDP and SCTP; port 0 or none is every port of the protocol.
func ciliumPorts(ports []model.PolicyPort) portSpec {
	if ports == nil {
		return portSpec{all: true}
	}
	var ps portSpec
	for _, p := range ports {
		protos := []string{p.Protocol}
		if p.Protocol == "" {
			protos = protocols[:]
		}
		ps.add(p, protos)
	}
	return ps
}

// add adds port p, on each of protos, to the spec: a name, a range, a number, or
// every port of the protocol when p has none.
func (ps *portSpec) add(p model.PolicyPort, protos []string) {
	for _, proto := range protos {
		switch {
		case p.Port == nil:
			ps.fixed = ps.fixed.Union(PortsOf(proto, 1, 65535))
		case p.Port.IsStr:
			ps.named = append(ps.named, namedPort{p.Port.Str, proto})
		case p.EndPort > 0:
			ps.fixed = ps.fixed.Union(PortsOf(proto, p.Port.Int, p.EndPort))
		default:
			ps.fixed = ps.fixed.Union(PortsOf(proto, p.Port.Int, p.Port.Int))
		}
	}
}

// clusterwideIsolated reports whether a CiliumClusterwideNetworkPolicy isolates the
// class's ingress.
func (c *class) clusterwideIsolated() bool {
	for _, p := range c.ingress.policies {
		if p.Kind == "CiliumClusterwideNetworkPolicy" {
			return true
		}
	}
	return false
}

// FQDNFacts is a toFQDNs egress rule of a Cilium policy whose pods' egress admits no
// DNS lookup through Cilium's DNS proxy: a rule with DNS rules (toPorts.rules.dns)
// towards the cluster DNS. Without it the proxy never learns the names' addresses, and
// the toFQDNs rule matches nothing.
type FQDNFacts struct {
	Policy string    `json:"policy"`
	Where  string    `json:"where"`
	Pos    model.Pos `json:"pos"`
	Names  []string  `json:"names"`
	// Workloads lists the pods' workloads, DNSDenied those of them whose egress does
	// not even admit the cluster DNS on the DNS port.
	Workloads []string `json:"workloads"`
	DNSDenied []string `json:"dnsDenied"`
	Port      int      `json:"port"`
}

// ciliumFQDNs checks every toFQDNs egress rule of the valid Cilium policies.
func (r *Reach) ciliumFQDNs(g *model.Graph, dnsPort int) []FQDNFacts {
	out := []FQDNFacts{}
	for _, p := range g.CiliumPolicies {
		if p.Invalid || len(p.Rejected) > 0 {
			continue
		}
		for ri, rule := range p.Rules {
			for i, item := range rule.Egress {
				if len(item.FQDNs) == 0 {
					continue
				}
				ff := FQDNFacts{Policy: p.ID, Where: fmt.Sprintf("%s.egress[%d]", rule.Where, i), Pos: item.Pos, Names: item.FQDNs,
					Workloads: []string{}, DNSDenied: []string{}, Port: dnsPort}
				for _, c := range r.ciliumRules[p.ID][ri] {
					if r.dnsProxied(c, dnsPort) {
						continue
					}
					allowed := false
					for _, dns := range r.DNS {
						allowed = allowed || egressPorts(c, dns.class).Intersect(ingressPorts(c, dns.class)).Contains("UDP", dnsPort)
					}
					for _, n := range c.nodes {
						if n.Workload != nil {
							ff.Workloads = append(ff.Workloads, n.ID)
							if !allowed {
								ff.DNSDenied = append(ff.DNSDenied, n.ID)
							}
						}
					}
				}
				if len(ff.Workloads) > 0 {
					out = append(out, ff)
				}
			}
		}
	}
	return out
}

// dnsProxied reports whether an egress rule with DNS rules admits the class's pods to
// a cluster DNS pod on the DNS port over UDP.
func (r *Reach) dnsProxied(c *class, port int) bool {
	for _, a := range c.egress.admits {
		if !a.dns {
			continue
		}
		for _, dns := range r.DNS {
			if a.matches(dns.class) && a.ports.resolve(dns.class).Contains("UDP", port) {
				return true
			}
		}
	}
	return false
}

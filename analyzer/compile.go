package analyzer

import (
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Compiling NetworkPolicies: each rule becomes an admit, its peers bitsets of the
// classes they match, its ports a portSpec; each class receives the rules of the
// policies that select it.

// portSpec is a rule's ports: numbers and ranges, and named ports that resolve against
// the destination pod.
type portSpec struct {
	all   bool
	fixed PortSet
	named []namedPort
}

type namedPort struct{ name, proto string }

func (ps *portSpec) resolve(dst *class) PortSet {
	if ps.all {
		return allPorts
	}
	out := ps.fixed
	if len(ps.named) == 0 {
		return out
	}
	for _, n := range ps.named {
		if p, ok := dst.named[n.name+"/"+n.proto]; ok {
			out = out.Union(PortsOf(n.proto, p, p))
		}
	}
	return out
}

type policyPeers struct {
	ingress, egress [][]peerMatch
	// in and out are the policy's compiled rules; hasIn and hasOut its policy types.
	in, out       []*admit
	hasIn, hasOut bool
}

type peerMatch struct {
	classes bitset
	// hostNet counts host-network classes the selectors pick (not matched: see admit.matches).
	hostNet    int
	namespaces int // namespaces matched by a namespaceSelector (or 1 for the policy's own)
	external   bool
}

// applyPolicies compiles every valid policy's rules and gives them to the classes the
// policy selects.
func (r *Reach) applyPolicies(g *model.Graph) {
	byNS := map[string][]*class{}
	for _, c := range r.classes {
		if !c.external {
			byNS[c.ns] = append(byNS[c.ns], c)
		}
	}
	nsNames := make([]string, 0, len(r.namespaces))
	for ns := range r.namespaces {
		nsNames = append(nsNames, ns)
	}
	sort.Strings(nsNames)
	// Made here, the matcher's maps stay on the stack.
	m := peerMatcher{r: r, byNS: byNS, nsNames: nsNames, cache: map[string]peerMatch{}}
	for _, p := range g.Policies {
		if p.Invalid {
			continue
		}
		pp := &policyPeers{}
		r.peerMatches[p.ID] = pp
		ins, inM := r.compileRules(p, p.Ingress, false, &m)
		outs, outM := r.compileRules(p, p.Egress, true, &m)
		pp.ingress, pp.egress = inM, outM
		hasIn, hasOut := false, false
		for _, t := range p.PolicyTypes {
			hasIn = hasIn || t == "Ingress"
			hasOut = hasOut || t == "Egress"
		}
		pp.in, pp.out, pp.hasIn, pp.hasOut = ins, outs, hasIn, hasOut
		if p.PodSelector.Empty {
			r.selectAll[p.Namespace] = append(r.selectAll[p.Namespace], p)
		}
		for _, c := range byNS[p.Namespace] {
			if !p.PodSelector.Matches(c.labels) {
				continue
			}
			r.policySelects[p.ID] = append(r.policySelects[p.ID], c.nodes...)
			if hasIn {
				c.ingress.policies = append(c.ingress.policies, p)
				c.ingress.admits = append(c.ingress.admits, ins...)
			}
			if hasOut {
				c.egress.policies = append(c.egress.policies, p)
				c.egress.admits = append(c.egress.admits, outs...)
			}
		}
	}
	r.applyCiliumPolicies(g, byNS)
	r.applyCalicoPolicies(g, byNS)
	r.applyClusterPolicies(g, &m)
	r.sortCalicoItems()
}

// peerMatcher finds the classes a from/to element matches, once per distinct element.
type peerMatcher struct {
	r *Reach
	// byNS lists the classes of pods per namespace; nsNames are the namespaces, sorted.
	byNS    map[string][]*class
	nsNames []string
	cache   map[string]peerMatch
	// byLabel lists the classes by label ("key\x00value"), made at its first use.
	byLabel map[string][]*class
}

// match returns what peer, an element of a rule of policy p, matches: the classes of
// the pods its selectors pick in the namespaces it covers, or addresses (ipBlock).
func (m *peerMatcher) match(p *model.Policy, peer *model.Peer) peerMatch {
	if peer.IPBlock != nil {
		return peerMatch{external: true}
	}
	key := p.Namespace + "\x00" + peer.PodSelector.String() + "\x00" + peer.NamespaceSelector.String()
	if peer.PodSelector == nil {
		key = p.Namespace + "\x00*\x00" + peer.NamespaceSelector.String()
	}
	if pm, ok := m.cache[key]; ok {
		return pm
	}
	pm := peerMatch{classes: bitset{}}
	var spaces []string
	if peer.NamespaceSelector == nil {
		spaces = []string{p.Namespace}
	} else {
		spaces = m.r.namespacesMatching(peer.NamespaceSelector)
	}
	pm.namespaces = len(spaces)
	add := func(c *class) {
		if peer.PodSelector == nil || peer.PodSelector.Matches(c.labels) {
			if c.hostNet {
				pm.hostNet++
			} else {
				pm.classes.set(c.idx)
			}
		}
	}
	if candidates, ok := m.labelled(peer.PodSelector); ok && len(candidates) < m.classesIn(spaces) {
		// Fewer classes carry one of the selector's labels than live in the namespaces
		// it covers: try those, in the covered namespaces.
		covered := make(map[string]bool, len(spaces))
		for _, ns := range spaces {
			covered[ns] = true
		}
		for _, c := range candidates {
			if covered[c.ns] {
				add(c)
			}
		}
	} else {
		for _, ns := range spaces {
			for _, c := range m.byNS[ns] {
				add(c)
			}
		}
	}
	m.cache[key] = pm
	return pm
}

// labelled returns the classes that carry the rarest of the selector's matchLabels (a
// class the selector matches carries all of them), or false when the selector has none.
func (m *peerMatcher) labelled(s *model.Selector) ([]*class, bool) {
	if s == nil || len(s.MatchLabels) == 0 {
		return nil, false
	}
	if m.byLabel == nil {
		m.byLabel = map[string][]*class{}
		for _, cs := range m.byNS {
			for _, c := range cs {
				for k, v := range c.labels {
					m.byLabel[k+"\x00"+v] = append(m.byLabel[k+"\x00"+v], c)
				}
			}
		}
	}
	var best []*class
	first := true
	for k, v := range s.MatchLabels {
		cs := m.byLabel[k+"\x00"+v]
		if first || len(cs) < len(best) {
			best, first = cs, false
		}
	}
	return best, true
}

// classesIn counts the classes of the namespaces.
func (m *peerMatcher) classesIn(spaces []string) int {
	n := 0
	for _, ns := range spaces {
		n += len(m.byNS[ns])
	}
	return n
}

// compileRules compiles the ingress (or egress) rules of policy p: per rule, the
// admit, and what each of its peers matches.
func (r *Reach) compileRules(p *model.Policy, rules []model.PolicyRule, egress bool, m *peerMatcher) ([]*admit, [][]peerMatch) {
	var out []*admit
	var matches [][]peerMatch
	for i := range rules {
		rule := &rules[i]
		a := &admit{policy: p, egress: egress, rule: i, allPeers: len(rule.Peers) == 0, npeers: len(rule.Peers), ports: compilePorts(rule.Ports), pos: rule.Pos}
		var ms []peerMatch
		if !a.allPeers {
			a.peers = bitset{}
			for j := range rule.Peers {
				pm := m.match(p, &rule.Peers[j])
				ms = append(ms, pm)
				if pm.external {
					a.external = true
					a.ipBlocks = append(a.ipBlocks, ipBlockString(rule.Peers[j].IPBlock))
					if b := rule.Peers[j].IPBlock; len(b.Except) == 0 && everyAddress([]string{b.CIDR}) {
						a.externalAll = true
					}
				} else {
					a.peers.or(pm.classes)
				}
			}
		}
		out = append(out, a)
		matches = append(matches, ms)
	}
	return out, matches
}

func ipBlockString(b *model.IPBlock) string {
	if len(b.Except) == 0 {
		return b.CIDR
	}
	return b.CIDR + " except " + strings.Join(b.Except, ", ")
}

func compilePorts(ports []model.PolicyPort) portSpec {
	if len(ports) == 0 {
		return portSpec{all: true}
	}
	var ps portSpec
	for _, p := range ports {
		ps.add(p, []string{p.Protocol})
	}
	return ps
}

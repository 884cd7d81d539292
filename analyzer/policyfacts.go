package analyzer

import (
	"fmt"
	"sort"

	"github.com/kubenet/kubenet/model"
)

// PolicyFacts describes one NetworkPolicy.
type PolicyFacts struct {
	// Selects lists the workloads of the input the podSelector matches.
	Selects []string `json:"selects"`
	// HostNetwork lists selected workloads that use hostNetwork (not governed by policies).
	HostNetwork []string `json:"hostNetwork"`
	// Ingress and Egress hold, per rule and per peer, what the peer matches.
	Ingress [][]PeerFacts `json:"ingress"`
	Egress  [][]PeerFacts `json:"egress"`
	// UndefinedPorts are named ports of the rules that no pod they apply to declares.
	UndefinedPorts []UndefinedPort `json:"undefinedPorts"`
	// Subject is, for a cluster-wide policy, what its subject matches (Selects lists
	// the workloads); nil for a NetworkPolicy.
	Subject *PeerFacts `json:"subject"`
	// DNS is set for egress policies that select no workload of the input: whether a pod
	// they select could reach cluster DNS under this policy and the namespace's
	// select-all policies.
	DNS *DNSReach `json:"dns"`
}

// PeerFacts describes what one from/to element matches.
type PeerFacts struct {
	// Pods counts the workloads of the input the peer matches.
	Pods int `json:"pods"`
	// Assumed lists the assumed components (cluster DNS, ingress controller) it matches.
	Assumed []string `json:"assumed"`
	// Namespaces counts the namespaces the peer covers (its own for a podSelector alone).
	Namespaces int `json:"namespaces"`
	// NamespacesWithWorkloads counts covered namespaces that hold workloads in the input.
	NamespacesWithWorkloads int `json:"namespacesWithWorkloads"`
	// Closed is true when the peer can only cover namespaces of the input that hold
	// workloads: a podSelector alone in such a namespace, or a namespaceSelector pinned
	// to such namespaces by kubernetes.io/metadata.name. Otherwise matching pods may live
	// in namespaces the input does not show.
	Closed bool `json:"closed"`
	// IPBlock is true for ipBlock peers, which address traffic outside the cluster's pods.
	IPBlock bool `json:"ipBlock"`
	// HostNetworkPods counts host-network workloads the selectors pick: their traffic
	// carries the node's address, which pod selectors do not match.
	HostNetworkPods int `json:"hostNetworkPods"`
}

// UndefinedPort is a named port of a rule that none of the pods it applies to declares.
type UndefinedPort struct {
	Egress   bool      `json:"egress"`
	Rule     int       `json:"rule"`
	Name     string    `json:"name"`
	Protocol string    `json:"protocol"`
	Pos      model.Pos `json:"pos"`
	// Pods are the workloads the name was looked up on.
	Pods []string `json:"pods"`
}

// policyFacts describes policy p: what it selects, what each peer of its rules
// matches, the named ports no pod declares, and for an egress policy that selects no
// workload of the input, whether the pods it would select could reach cluster DNS.
// wlNS counts the workloads per namespace, host-network ones aside.
func (r *Reach) policyFacts(p *model.Policy, wlNS map[string]int, dnsPort int) *PolicyFacts {
	pf := &PolicyFacts{Selects: []string{}, HostNetwork: []string{}, Ingress: [][]PeerFacts{}, Egress: [][]PeerFacts{}, UndefinedPorts: []UndefinedPort{}}
	var targets []*class
	seen := map[*class]bool{}
	for _, n := range r.policySelects[p.ID] {
		if n.Workload == nil {
			continue
		}
		pf.Selects = append(pf.Selects, n.ID)
		if n.HostNetwork {
			pf.HostNetwork = append(pf.HostNetwork, n.ID)
		}
		if !seen[n.class] {
			seen[n.class] = true
			targets = append(targets, n.class)
		}
	}
	pp := r.peerMatches[p.ID]
	pf.Ingress = r.describePeers(p, p.Ingress, pp.ingress, wlNS)
	pf.Egress = r.describePeers(p, p.Egress, pp.egress, wlNS)
	// Named ports: ingress rules resolve on the selected pods, egress rules on the peers.
	for i, rule := range p.Ingress {
		pf.UndefinedPorts = append(pf.UndefinedPorts, undefinedNamed(rule, false, i, targets)...)
	}
	for i, rule := range p.Egress {
		if !hasNamedPort(rule) || !destinationsKnown(rule, pf.Egress[i]) {
			continue
		}
		var dst []*class
		for _, c := range r.classes {
			if !c.external && pp.out[i].matches(c) {
				dst = append(dst, c)
			}
		}
		pf.UndefinedPorts = append(pf.UndefinedPorts, undefinedNamed(rule, true, i, dst)...)
	}
	if pp.hasOut && len(pf.Selects) == 0 {
		// A pod this policy selects would also be selected by the namespace's select-all
		// egress policies.
		out := append([]*admit{}, pp.out...)
		policies := []*model.Policy{p}
		for _, q := range r.selectAll[p.Namespace] {
			if q != p && r.peerMatches[q.ID].hasOut {
				out = append(out, r.peerMatches[q.ID].out...)
				policies = append(policies, q)
			}
		}
		pf.DNS = r.dnsReach(nil, out, policies, dnsPort)
		pf.DNS.Policy, pf.DNS.Pos = p.ID, p.PolicyTypesPos
	}
	return pf
}

// describePeers tells, per rule of policy p and per peer, what the peer matches.
func (r *Reach) describePeers(p *model.Policy, rules []model.PolicyRule, matches [][]peerMatch, wlNS map[string]int) [][]PeerFacts {
	out := [][]PeerFacts{}
	for i, rule := range rules {
		var peers []PeerFacts
		for j := range rule.Peers {
			m := matches[i][j]
			pf := PeerFacts{IPBlock: m.external, Assumed: []string{}, HostNetworkPods: m.hostNet}
			if !m.external {
				m.classes.each(func(ci int) {
					for _, n := range r.classes[ci].nodes {
						if n.Workload != nil {
							pf.Pods++
						} else {
							pf.Assumed = append(pf.Assumed, n.ID)
						}
					}
				})
				pf.Namespaces, pf.NamespacesWithWorkloads = r.peerNamespaces(&rule.Peers[j], p.Namespace, wlNS)
				pf.Closed = closedPeer(&rule.Peers[j], p.Namespace, wlNS, r.declared)
			}
			peers = append(peers, pf)
		}
		if peers == nil {
			peers = []PeerFacts{}
		}
		out = append(out, peers)
	}
	return out
}

// peerNamespaces counts the namespaces a peer of a policy in namespace policyNS covers,
// and those of them that hold workloads.
func (r *Reach) peerNamespaces(peer *model.Peer, policyNS string, wlNS map[string]int) (total, with int) {
	if peer.NamespaceSelector == nil {
		return 1, min(1, wlNS[policyNS])
	}
	spaces := r.namespacesMatching(peer.NamespaceSelector)
	for _, ns := range spaces {
		if wlNS[ns] > 0 {
			with++
		}
	}
	return len(spaces), with
}

// namespacesMatching lists, sorted, the namespaces a namespaceSelector matches. Policies
// of many namespaces repeat the same selector: each is matched once, for the compiler
// and the peer facts alike.
func (r *Reach) namespacesMatching(sel *model.Selector) []string {
	key := sel.String()
	r.nsMatchMu.Lock()
	defer r.nsMatchMu.Unlock()
	if spaces, ok := r.nsMatch[key]; ok {
		return spaces
	}
	if r.nsMatch == nil {
		r.nsMatch = map[string][]string{}
		r.nsNames = make([]string, 0, len(r.namespaces))
		for ns := range r.namespaces {
			r.nsNames = append(r.nsNames, ns)
		}
		sort.Strings(r.nsNames)
	}
	var spaces []string
	for _, ns := range r.nsNames {
		if sel.Matches(r.namespaces[ns]) {
			spaces = append(spaces, ns)
		}
	}
	r.nsMatch[key] = spaces
	return spaces
}

// destinationsKnown reports whether the input shows every pod an egress rule admits
// (peers tells what its peers match): a rule open to every pod, or to namespaces the
// input does not show, may reach pods that declare what the known ones do not.
func destinationsKnown(rule model.PolicyRule, peers []PeerFacts) bool {
	if len(rule.Peers) == 0 {
		return false
	}
	for j, peer := range rule.Peers {
		pe := peers[j]
		// A podSelector that picks assumed components (the cluster DNS) knows its pods.
		assumed := len(pe.Assumed) > 0 && pe.Pods == 0 && peer.PodSelector != nil && !peer.PodSelector.Empty
		if pe.IPBlock || (!pe.Closed && !assumed) {
			return false
		}
	}
	return true
}

// hasNamedPort reports whether a rule names a port rather than numbering it.
func hasNamedPort(rule model.PolicyRule) bool {
	for _, pp := range rule.Ports {
		if pp.Port != nil && pp.Port.IsStr {
			return true
		}
	}
	return false
}

// undefinedNamed lists the named ports of rule that none of the classes declares. It
// says nothing when no class has known containers.
func undefinedNamed(rule model.PolicyRule, egress bool, idx int, classes []*class) []UndefinedPort {
	var known []*class
	for _, c := range classes {
		n := c.nodes[0]
		if c.external {
			continue
		}
		if w := n.Workload; (w != nil && w.ContainersKnown && !w.Invalid) || (w == nil && len(n.Ports) > 0) {
			known = append(known, c)
		} else {
			return nil // some pods' ports are unknown: they may declare it
		}
	}
	if len(known) == 0 {
		return nil
	}
	var out []UndefinedPort
	for _, pp := range rule.Ports {
		if pp.Port == nil || !pp.Port.IsStr {
			continue
		}
		found := false
		for _, c := range known {
			if c.declares(pp.Port.Str, pp.Protocol) {
				found = true
				break
			}
		}
		if found {
			continue
		}
		var pods []string
		for _, c := range known {
			for _, n := range c.nodes {
				pods = append(pods, n.ID)
			}
		}
		sort.Strings(pods)
		if len(pods) > 5 {
			pods = append(pods[:5], fmt.Sprintf("and %d more", len(pods)-5))
		}
		out = append(out, UndefinedPort{Egress: egress, Rule: idx, Name: pp.Port.Str, Protocol: pp.Protocol, Pos: pp.PortPos, Pods: pods})
	}
	return out
}

// closedPeer reports whether a peer can only match pods of namespaces whose workloads
// the input shows.
func closedPeer(peer *model.Peer, policyNS string, wlNS map[string]int, declared map[string]bool) bool {
	ns := peer.NamespaceSelector
	if ns == nil {
		return wlNS[policyNS] > 0
	}
	// Other labels than the name can only be checked on a declared Namespace.
	otherLabels := len(ns.MatchLabels) > 1
	for _, r := range ns.MatchExpressions {
		if r.Key != model.MetadataNameLabel {
			otherLabels = true
		}
	}
	var names []string
	if v, ok := ns.MatchLabels[model.MetadataNameLabel]; ok {
		names = append(names, v)
	}
	for _, r := range ns.MatchExpressions {
		if r.Key == model.MetadataNameLabel && r.Operator == "In" {
			if names != nil {
				return false // two constraints: keep it simple and uncertain
			}
			names = r.Values
		}
	}
	if len(names) == 0 {
		return false
	}
	for _, n := range names {
		if wlNS[n] == 0 || (otherLabels && !declared[n]) {
			return false
		}
	}
	return true
}

// declares reports whether the class's pods declare a port of that name and protocol
// ("" is any protocol: cluster-wide policies name ports without one).
func (c *class) declares(name, proto string) bool {
	if proto != "" {
		_, ok := c.named[name+"/"+proto]
		return ok
	}
	for _, p := range protocols {
		if _, ok := c.named[name+"/"+p]; ok {
			return true
		}
	}
	return false
}

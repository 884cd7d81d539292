package analyzer

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"github.com/kubenet/kubenet/model"
)

// The tiers around NetworkPolicy (ClusterNetworkPolicy, and AdminNetworkPolicy and
// BaselineAdminNetworkPolicy before it). Each side of a connection, the source's egress
// and the destination's ingress, is decided port by port in this order:
//
//  1. Admin tier rules, by priority (lower first), then in the order of the policy's
//     rules: the first rule that matches the peer on a port decides it. Accept and Deny
//     are final; Pass hands the port to the NetworkPolicy tier.
//  2. NetworkPolicy: a pod a NetworkPolicy isolates in this direction is allowed exactly
//     what the NetworkPolicies admit.
//  3. Baseline tier rules, for pods no NetworkPolicy isolates: the first rule that
//     matches decides (Accept or Deny).
//  4. Otherwise the port is allowed.
//
// Policies of one tier with the same priority have no defined order: kubenet takes them
// by name, and clusternetworkpolicy-priority-overlap reports those that could disagree.

// tierRule is one rule of a cluster-wide policy, compiled for the classes its policy
// selects.
type tierRule struct {
	policy *model.ClusterPolicy
	egress bool
	rule   int
	action string
	// peers are the classes of pods the namespaces and pods peers match.
	peers bitset
	// external: a networks, nodes or domainNames peer matches addresses outside the
	// cluster's pods (and nodes, which host-network pods share).
	external bool
	// allPods: a network of length 0 (0.0.0.0/0, ::/0) covers every pod's address too.
	allPods bool
	// everyPod: a peer matches every pod, of the input or not (empty selectors).
	everyPod bool
	ports    portSpec
}

// matches reports whether the rule applies to traffic with peer class c.
func (t *tierRule) matches(c *class) bool {
	if t.allPods {
		return true
	}
	if c.external || c.hostNet {
		return t.external
	}
	return t.peers.has(c.idx)
}

// ref names the rule for explanations.
func (t *tierRule) ref() TierRuleRef {
	return TierRuleRef{Policy: t.policy, Egress: t.egress, Index: t.rule, Action: t.action}
}

// TierRuleRef names one rule of a cluster-wide policy.
type TierRuleRef struct {
	Policy *model.ClusterPolicy
	Egress bool
	Index  int
	Action string
}

// Rule returns the rule referred to.
func (r TierRuleRef) Rule() model.ClusterRule {
	if r.Egress {
		return r.Policy.Egress[r.Index]
	}
	return r.Policy.Ingress[r.Index]
}

func (r TierRuleRef) String() string {
	dir := "ingress"
	if r.Egress {
		dir = "egress"
	}
	rule := r.Rule()
	name := ""
	if rule.Name != "" {
		name = fmt.Sprintf(" %q", rule.Name)
	}
	return fmt.Sprintf("%s tier: %s %s[%d]%s (%s, %s)", r.Policy.Tier, r.Policy.ID, dir, r.Index, name, r.Action, rule.Pos)
}

// verdict is what the side admits of traffic with peer (named ports resolved on dst),
// through the Admin tier, the NetworkPolicy tier (its admits when isolated) and the
// Baseline tier.
func (s *side) verdict(isolated bool, self, peer, dst *class) PortSet {
	if s.simple() {
		return admitted(isolated, s.admits, peer, dst)
	}
	undecided := allPorts
	var allowed, passed PortSet
	for _, t := range s.admin {
		if !t.matches(peer) {
			continue
		}
		ps := t.ports.resolve(dst).Intersect(undecided)
		if ps.IsEmpty() {
			continue
		}
		switch t.action {
		case model.ActionAccept:
			allowed = allowed.Union(ps)
		case model.ActionPass:
			passed = passed.Union(ps)
		}
		undecided = undecided.Minus(ps)
		if undecided.IsEmpty() {
			break
		}
	}
	rest := undecided.Union(passed)
	// Calico's tiers, the NetworkPolicy tier at the default tier's place.
	npDone := false
	for _, t := range s.calico {
		if rest.IsEmpty() {
			return allowed
		}
		if !npDone && (t.dflt || t.order > model.CalicoDefaultTierOrder) {
			npDone = true
			if !t.dflt {
				a, next := s.npTier(isolated, rest, peer, dst)
				allowed, rest = allowed.Union(a), next
				if rest.IsEmpty() {
					return allowed
				}
			}
		}
		a, next := t.eval(s, isolated, rest, peer, self, dst)
		allowed, rest = allowed.Union(a), next
	}
	if !npDone {
		a, next := s.npTier(isolated, rest, peer, dst)
		allowed, rest = allowed.Union(a), next
	}
	for _, t := range s.base {
		if rest.IsEmpty() {
			break
		}
		if !t.matches(peer) {
			continue
		}
		ps := t.ports.resolve(dst).Intersect(rest)
		if ps.IsEmpty() {
			continue
		}
		if t.action == model.ActionAccept {
			allowed = allowed.Union(ps)
		}
		rest = rest.Minus(ps)
	}
	return allowed.Union(rest)
}

// npTier evaluates the NetworkPolicy tier on the ports rest: an isolated side allows
// what its policies admit and decides every port; otherwise the ports go on. Deny
// rules of the tier (Cilium's) win over its allows.
func (s *side) npTier(isolated bool, rest PortSet, peer, dst *class) (allowed, next PortSet) {
	var denied PortSet
	for _, a := range s.denies {
		if a.matches(peer) {
			denied = denied.Union(a.ports.resolve(dst))
		}
	}
	if isolated {
		return rest.Intersect(admitted(true, s.admits, peer, dst)).Minus(denied), PortSet{}
	}
	return PortSet{}, rest.Minus(denied)
}

// decision is the cluster-wide rule that decides one port of the side, or nil when
// the NetworkPolicies (isolated) or the default decide it; passed lists the Admin-tier
// Pass rules met first.
func (s *side) decision(isolated bool, peer, dst *class, proto string, port int) (decided *tierRule, passed []*tierRule) {
	for _, t := range s.admin {
		if t.matches(peer) && t.ports.resolve(dst).Contains(proto, port) {
			if t.action != model.ActionPass {
				return t, nil
			}
			passed = append(passed, t)
			break
		}
	}
	if isolated {
		return nil, passed
	}
	for _, t := range s.base {
		if t.matches(peer) && t.ports.resolve(dst).Contains(proto, port) {
			return t, passed
		}
	}
	return nil, passed
}

// clusterPeers holds, per direction, rule and peer of a cluster-wide policy, what the
// peer matches (for the facts).
type clusterPeers struct {
	ingress, egress [][]peerMatch
}

// applyClusterPolicies compiles the valid cluster-wide policies and gives each class the
// rules of the policies whose subject holds it, in the order they take precedence.
func (r *Reach) applyClusterPolicies(g *model.Graph, m *peerMatcher) {
	policies := make([]*model.ClusterPolicy, 0, len(g.ClusterPolicies))
	for _, p := range g.ClusterPolicies {
		if !p.Invalid {
			policies = append(policies, p)
		}
	}
	slices.SortStableFunc(policies, func(a, b *model.ClusterPolicy) int {
		return cmp.Or(cmp.Compare(tierRank(a.Tier), tierRank(b.Tier)), cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.Name, b.Name))
	})
	for _, p := range policies {
		subject := m.clusterMatch(p.Subject.Namespaces, p.Subject.Pods)
		cp := &clusterPeers{}
		r.clusterMatches[p.ID] = cp
		ins, inM := r.compileTierRules(p, p.Ingress, false, m)
		outs, outM := r.compileTierRules(p, p.Egress, true, m)
		cp.ingress, cp.egress = inM, outM
		subject.classes.each(func(i int) {
			c := r.classes[i]
			r.clusterSelects[p.ID] = append(r.clusterSelects[p.ID], c.nodes...)
			if len(ins) > 0 {
				c.ingress.cluster = append(c.ingress.cluster, p)
			}
			if len(outs) > 0 {
				c.egress.cluster = append(c.egress.cluster, p)
			}
			if p.Tier == model.TierAdmin {
				c.ingress.admin, c.egress.admin = append(c.ingress.admin, ins...), append(c.egress.admin, outs...)
			} else {
				c.ingress.base, c.egress.base = append(c.ingress.base, ins...), append(c.egress.base, outs...)
			}
		})
	}
}

func tierRank(t string) int {
	if t == model.TierAdmin {
		return 0
	}
	return 1
}

// compileTierRules compiles the ingress (or egress) rules of a cluster-wide policy.
func (r *Reach) compileTierRules(p *model.ClusterPolicy, rules []model.ClusterRule, egress bool, m *peerMatcher) ([]*tierRule, [][]peerMatch) {
	var out []*tierRule
	var matches [][]peerMatch
	for i := range rules {
		rule := &rules[i]
		t := &tierRule{policy: p, egress: egress, rule: i, action: rule.Action, peers: bitset{},
			ports: compileClusterPorts(rule.Ports)}
		var ms []peerMatch
		for _, peer := range rule.Peers {
			var pm peerMatch
			switch {
			case peer.Networks != nil || peer.Nodes != nil || peer.DomainNames != nil:
				pm.external = true
				t.external = true
				for _, n := range peer.Networks {
					if pfx, err := netip.ParsePrefix(n); err == nil && pfx.Bits() == 0 {
						t.allPods = true
					}
				}
			default:
				pm = m.clusterMatch(peer.Namespaces, peer.Pods)
				t.peers.or(pm.classes)
				t.everyPod = t.everyPod || (peer.Namespaces != nil && peer.Namespaces.Empty) ||
					(peer.Pods != nil && peer.Pods.NamespaceSelector.Empty && peer.Pods.PodSelector.Empty)
			}
			ms = append(ms, pm)
		}
		out = append(out, t)
		matches = append(matches, ms)
	}
	return out, matches
}

// compileClusterPorts is compilePorts for cluster-wide rules, whose named ports may
// match on any protocol.
func compileClusterPorts(ports []model.PolicyPort) portSpec {
	var ps portSpec
	var rest []model.PolicyPort
	for _, p := range ports {
		if p.Port != nil && p.Port.IsStr && p.Protocol == "" {
			for _, proto := range protocols {
				ps.named = append(ps.named, namedPort{p.Port.Str, proto})
			}
			continue
		}
		rest = append(rest, p)
	}
	if len(rest) == 0 && len(ps.named) == 0 {
		return portSpec{all: true}
	}
	if len(rest) > 0 {
		fixed := compilePorts(rest)
		ps.fixed, ps.named = fixed.fixed, append(ps.named, fixed.named...)
	}
	return ps
}

// clusterMatch returns the classes of pods that a namespaces selector, or a namespaced
// pods selector, matches; host-network pods are never matched.
func (m *peerMatcher) clusterMatch(namespaces *model.Selector, pods *model.NamespacedPods) peerMatch {
	pm := peerMatch{classes: bitset{}}
	nsSel := namespaces
	if pods != nil {
		nsSel = &pods.NamespaceSelector
	}
	if nsSel == nil {
		return pm
	}
	for _, ns := range m.nsNames {
		if !nsSel.Matches(m.r.namespaces[ns]) {
			continue
		}
		pm.namespaces++
		for _, c := range m.byNS[ns] {
			if pods != nil && !pods.PodSelector.Matches(c.labels) {
				continue
			}
			if c.hostNet {
				pm.hostNet++
			} else {
				pm.classes.set(c.idx)
			}
		}
	}
	return pm
}

// ingressDenyRule reports whether a cluster-wide ingress Deny rule applies to the
// class: its pods do not accept traffic from every pod.
func (c *class) ingressDenyRule() bool {
	for _, rules := range [][]*tierRule{c.ingress.admin, c.ingress.base} {
		for _, t := range rules {
			if t.action == model.ActionDeny {
				return true
			}
		}
	}
	return false
}

// clusterPolicyFacts describes a cluster-wide policy as policyFacts describes a
// NetworkPolicy: the workloads its subject holds, and what each peer matches.
func (r *Reach) clusterPolicyFacts(p *model.ClusterPolicy, wlNS map[string]int) *PolicyFacts {
	pf := &PolicyFacts{Selects: []string{}, HostNetwork: []string{}, UndefinedPorts: []UndefinedPort{}}
	for _, n := range r.clusterSelects[p.ID] {
		if n.Workload != nil {
			pf.Selects = append(pf.Selects, n.ID)
		}
	}
	subject := r.clusterPeerFacts(p.Subject.Namespaces, p.Subject.Pods, wlNS)
	pf.Subject = &subject
	cp := r.clusterMatches[p.ID]
	describe := func(rules []model.ClusterRule, matches [][]peerMatch) [][]PeerFacts {
		out := [][]PeerFacts{}
		for i, rule := range rules {
			peers := []PeerFacts{}
			for j, peer := range rule.Peers {
				if matches[i][j].external {
					peers = append(peers, PeerFacts{IPBlock: true, Assumed: []string{}})
					continue
				}
				peers = append(peers, r.clusterPeerFacts(peer.Namespaces, peer.Pods, wlNS))
			}
			out = append(out, peers)
		}
		return out
	}
	pf.Ingress, pf.Egress = describe(p.Ingress, cp.ingress), describe(p.Egress, cp.egress)
	// Named ports: ingress rules resolve on the subject's pods, egress rules on the
	// peers' pods when the input shows them all.
	var subjects []*class
	seen := map[*class]bool{}
	for _, n := range r.clusterSelects[p.ID] {
		if n.Workload != nil && !seen[n.class] {
			seen[n.class] = true
			subjects = append(subjects, n.class)
		}
	}
	for i, rule := range p.Ingress {
		pf.UndefinedPorts = append(pf.UndefinedPorts, undefinedNamed(model.PolicyRule{Ports: rule.Ports}, false, i, subjects)...)
	}
	for i, rule := range p.Egress {
		closed := len(rule.Peers) > 0
		for _, peer := range pf.Egress[i] {
			closed = closed && !peer.IPBlock && peer.Closed
		}
		if !closed {
			continue
		}
		var dst []*class
		for _, m := range cp.egress[i] {
			m.classes.each(func(ci int) { dst = append(dst, r.classes[ci]) })
		}
		pf.UndefinedPorts = append(pf.UndefinedPorts, undefinedNamed(model.PolicyRule{Ports: rule.Ports}, true, i, dst)...)
	}
	return pf
}

// clusterPeerFacts describes what a namespaces or pods selector of a cluster-wide
// policy matches.
func (r *Reach) clusterPeerFacts(namespaces *model.Selector, pods *model.NamespacedPods, wlNS map[string]int) PeerFacts {
	pf := PeerFacts{Assumed: []string{}}
	nsSel := namespaces
	var podSel *model.Selector
	if pods != nil {
		nsSel, podSel = &pods.NamespaceSelector, &pods.PodSelector
	}
	if nsSel == nil {
		return pf
	}
	for ns, labels := range r.namespaces {
		if !nsSel.Matches(labels) {
			continue
		}
		pf.Namespaces++
		if wlNS[ns] > 0 {
			pf.NamespacesWithWorkloads++
		}
	}
	for _, n := range r.nodes {
		if n.Kind == KindExternal || !nsSel.Matches(r.namespaces[n.Namespace]) || (podSel != nil && !podSel.Matches(n.Labels)) {
			continue
		}
		switch {
		case n.HostNetwork:
			pf.HostNetworkPods++
		case n.Workload != nil:
			pf.Pods++
		default:
			pf.Assumed = append(pf.Assumed, n.ID)
		}
	}
	pf.Closed = closedPeer(&model.Peer{NamespaceSelector: nsSel}, "", wlNS, r.declared)
	return pf
}

// unseenVerdict is what the cluster-wide ingress rules of dst decide, on a port, for
// pods the input does not show (of other repositories, or namespaces it does not
// hold): Accept or Deny when a rule that matches every pod decides it, or a rule that
// may match such pods accepts it; "" when the NetworkPolicy tier decides (a Pass, or
// no rule, with dst isolated). Rules that may match some of those pods and deny are
// passed over: other pods may still be accepted.
func unseenVerdict(dst *class, proto string, port int) string {
	covers := func(t *tierRule) bool { return t.ports.resolve(dst).Contains(proto, port) }
	every := func(t *tierRule) bool { return t.everyPod || t.allPods }
	passed := false
admin:
	for _, t := range dst.ingress.admin {
		switch {
		case !covers(t):
		case t.action == model.ActionAccept:
			return model.ActionAccept
		case !every(t) && t.action == model.ActionPass:
			passed = true // some pods go on to the NetworkPolicy tier, others stay here
		case !every(t): // a Deny of some pods: others go on
		case t.action == model.ActionDeny && !passed:
			return model.ActionDeny
		default: // every pod passed on, or denied but for those passed before
			break admin
		}
	}
	if dst.isolatedIn() {
		return ""
	}
	for _, t := range dst.ingress.base {
		switch {
		case !covers(t):
		case t.action == model.ActionAccept:
			return model.ActionAccept
		case every(t):
			return model.ActionDeny
		}
	}
	return model.ActionAccept
}

// PriorityOverlap is a pair of Admin-tier policies of the same priority whose subjects
// share pods of the input and whose rules, with different actions, match the same
// traffic: which one applies is undefined.
type PriorityOverlap struct {
	// Policy is the policy reported (the second by name), Other the one it overlaps.
	Policy   string    `json:"policy"`
	Other    string    `json:"other"`
	Priority int       `json:"priority"`
	Pos      model.Pos `json:"pos"`
	// Egress tells the direction of the rules; Rule and OtherRule are their indexes,
	// Action and OtherAction their actions, RulePos and OtherPos where they are.
	Egress      bool      `json:"egress"`
	Rule        int       `json:"rule"`
	OtherRule   int       `json:"otherRule"`
	Action      string    `json:"action"`
	OtherAction string    `json:"otherAction"`
	RulePos     model.Pos `json:"rulePos"`
	OtherPos    model.Pos `json:"otherPos"`
	// Subjects lists workloads both policies apply to: the first five by id.
	Subjects []string `json:"subjects"`
}

// priorityOverlaps finds, for each pair of Admin-tier policies of one priority whose
// subjects share workloads of the input, the first pair of rules (same direction,
// different actions) that certainly match common traffic: peers that share pods of the
// input, every pod, or overlapping networks; ports that share a number or a name.
func (r *Reach) priorityOverlaps(g *model.Graph) []PriorityOverlap {
	out := []PriorityOverlap{}
	var admin []*model.ClusterPolicy
	for _, p := range g.ClusterPolicies {
		if !p.Invalid && p.Tier == model.TierAdmin {
			admin = append(admin, p)
		}
	}
	slices.SortStableFunc(admin, func(a, b *model.ClusterPolicy) int {
		return cmp.Or(cmp.Compare(a.Priority, b.Priority), cmp.Compare(a.Name, b.Name))
	})
	rulesOf := map[*model.ClusterPolicy][2][]*tierRule{}
	for _, c := range r.classes {
		for _, t := range append(append([]*tierRule{}, c.ingress.admin...), c.egress.admin...) {
			rs := rulesOf[t.policy]
			dir := 0
			if t.egress {
				dir = 1
			}
			if !slices.Contains(rs[dir], t) {
				rs[dir] = append(rs[dir], t)
			}
			rulesOf[t.policy] = rs
		}
	}
	for i, a := range admin {
		for _, b := range admin[i+1:] {
			if b.Priority != a.Priority {
				break
			}
			shared := r.sharedSubjects(a, b)
			if len(shared) == 0 {
				continue
			}
			if o, ok := overlappingRules(rulesOf[a], rulesOf[b]); ok {
				o.Policy, o.Other, o.Priority, o.Pos, o.Subjects = b.ID, a.ID, b.Priority, b.PriorityPos, shared
				out = append(out, o)
			}
		}
	}
	return out
}

// sharedSubjects lists the workloads of the input both policies apply to.
func (r *Reach) sharedSubjects(a, b *model.ClusterPolicy) []string {
	in := map[*Node]bool{}
	for _, n := range r.clusterSelects[a.ID] {
		in[n] = true
	}
	var out []string
	for _, n := range r.clusterSelects[b.ID] {
		if in[n] && n.Workload != nil {
			out = append(out, n.ID)
		}
	}
	slices.Sort(out)
	return out[:min(len(out), 5)]
}

// overlappingRules returns the first pair of rules, one of each policy (rules given per
// direction), with different actions that certainly match common traffic.
func overlappingRules(a, b [2][]*tierRule) (PriorityOverlap, bool) {
	for dir := range 2 {
		for i, x := range a[dir] {
			if coveredBefore(a[dir][:i]) {
				break
			}
			for j, y := range b[dir] {
				if coveredBefore(b[dir][:j]) {
					break
				}
				if x.action == y.action || !peersOverlap(x, y) || !portsOverlap(x.ports, y.ports) {
					continue
				}
				xr, yr := x.ref().Rule(), y.ref().Rule()
				return PriorityOverlap{Egress: dir == 1, Rule: y.rule, OtherRule: x.rule, Action: y.action, OtherAction: x.action,
					RulePos: yr.Pos, OtherPos: xr.Pos}, true
			}
		}
	}
	return PriorityOverlap{}, false
}

func peersOverlap(x, y *tierRule) bool {
	every := func(t *tierRule) bool { return t.everyPod || t.allPods }
	switch {
	case every(x) && (every(y) || !y.peers.empty()), every(y) && !x.peers.empty():
		return true
	case x.peers.intersects(y.peers):
		return true
	}
	if x.external && y.external {
		for _, nx := range networksOf(x) {
			for _, ny := range networksOf(y) {
				if nx.Overlaps(ny) {
					return true
				}
			}
		}
	}
	return false
}

// networksOf returns the networks of a rule's peers.
func networksOf(t *tierRule) []netip.Prefix {
	var out []netip.Prefix
	for _, peer := range t.ref().Rule().Peers {
		for _, n := range peer.Networks {
			if p, err := netip.ParsePrefix(n); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

func portsOverlap(x, y portSpec) bool {
	if x.all || y.all || !x.fixed.Intersect(y.fixed).IsEmpty() {
		return true
	}
	for _, n := range x.named {
		if slices.Contains(y.named, n) {
			return true
		}
	}
	return false
}

// coveredBefore reports whether one of the earlier rules of a policy matches every pod
// on every port: no later rule of it decides anything.
func coveredBefore(rules []*tierRule) bool {
	for _, t := range rules {
		if (t.everyPod || t.allPods) && t.ports.all {
			return true
		}
	}
	return false
}

package analyzer

import (
	"cmp"
	"fmt"
	"math"
	"net/netip"
	"slices"

	"github.com/kubenet/kubenet/model"
)

// Calico's policies (projectcalico.org/v3 and crd.projectcalico.org/v1 NetworkPolicy
// and GlobalNetworkPolicy) sit between the Admin tier and the Baseline tier, in Calico's
// own tiers: tiers by order (lower first, none last, then by name), and in a tier the
// policies that select the pod for the direction by order (likewise), each policy's
// rules in order. The first rule that matches decides: Allow and Deny are final, Pass
// goes on to the next tier, Log decides nothing. A tier in which some policy selects the
// pod and no rule decides ends with its defaultAction: Deny (Pass if the Tier says so).
// Kubernetes NetworkPolicies are policies of Calico's default tier (order 1,000,000),
// with order 1000 and Allow rules; without Calico policies in the default tier, the
// NetworkPolicy tier is evaluated at its place as it is without Calico.

// calicoTier is a tier as one side of a class sees it: the policies of the tier that
// select the class for the direction, in order.
type calicoTier struct {
	name     string
	order    float64
	pass     bool
	dflt     bool
	policies []*calicoPolicy
	// sorted caches items, for an isolated side and not.
	sorted [2][]calicoItem
	done   [2]bool
}

// calicoPolicy is a Calico policy's rules for one direction, compiled.
type calicoPolicy struct {
	p     *model.CalicoPolicy
	np    *model.Policy // how explanations name it
	rules []*calicoRule
}

// named is the policy as explanations name it.
func (p *calicoPolicy) named() *model.Policy { return p.np }

// calicoRule is one rule: the peers and ports it matches (an admit), what the local
// pod must be (self), and its action.
type calicoRule struct {
	a      *admit
	self   *bitset // nil: any local pod
	action string
	index  int
	rule   *model.CalicoRule
	// not are notPorts, resolved like ports.
	not portSpec
}

// ports is what the rule matches of the traffic to dst.
func (r *calicoRule) ports(dst *class) PortSet {
	ps := r.a.ports.resolve(dst)
	if !r.not.fixed.IsEmpty() || len(r.not.named) > 0 {
		ps = ps.Minus(r.not.resolve(dst))
	}
	return ps
}

// calicoOrder is the sort key of an order: none is last.
func calicoOrder(v float64, has bool) float64 {
	if !has {
		return math.Inf(1)
	}
	return v
}

// applyCalicoPolicies compiles the Calico policies that apply to pods and gives each
// class's sides the tiers that select it.
func (r *Reach) applyCalicoPolicies(g *model.Graph, byNS map[string][]*class) {
	if len(g.CalicoPolicies) == 0 {
		return
	}
	tiers := map[string]*model.CalicoTier{}
	for _, t := range g.CalicoTiers {
		if !t.Invalid {
			tiers[t.Name] = t
		}
	}
	policies := make([]*model.CalicoPolicy, 0, len(g.CalicoPolicies))
	for _, p := range g.CalicoPolicies {
		if !p.Invalid && !p.HostOnly && p.ServiceAccountSelector == "" {
			policies = append(policies, p)
		}
	}
	slices.SortStableFunc(policies, func(a, b *model.CalicoPolicy) int {
		return cmp.Or(cmp.Compare(calicoOrder(a.Order, a.HasOrder), calicoOrder(b.Order, b.HasOrder)), cmp.Compare(a.Name, b.Name))
	})
	cm := &calicoMatcher{r: r, g: g, byNS: byNS, pods: map[*class]map[string]string{}, spaces: map[string]map[string]string{}}
	for _, p := range policies {
		var subjects []*class
		candidates := r.classes
		if !p.Global {
			candidates = byNS[p.Namespace]
		}
		for _, c := range candidates {
			if !c.external && !c.hostNet && cm.applies(p, c) {
				subjects = append(subjects, c)
			}
		}
		if len(subjects) == 0 {
			continue
		}
		for _, dir := range []string{"Ingress", "Egress"} {
			if !slices.Contains(p.Types, dir) {
				continue
			}
			egress := dir == "Egress"
			rules := p.Ingress
			if egress {
				rules = p.Egress
			}
			cp := &calicoPolicy{p: p, np: &model.Policy{Object: p.Object}}
			for i := range rules {
				cp.rules = append(cp.rules, cm.compile(cp.np, p, &rules[i], i, egress))
			}
			for _, c := range subjects {
				sd := &c.ingress
				if egress {
					sd = &c.egress
				}
				sd.calicoAdd(p.Tier, tiers[p.Tier], cp)
			}
		}
	}
}

// calicoAdd adds a policy to the side's tier of that name (tier is the Tier object,
// nil when the input does not hold it).
func (s *side) calicoAdd(name string, tier *model.CalicoTier, p *calicoPolicy) {
	for _, t := range s.calico {
		if t.name == name {
			t.policies = append(t.policies, p)
			return
		}
	}
	t := &calicoTier{name: name, order: math.Inf(1), policies: []*calicoPolicy{p}, dflt: name == model.CalicoDefaultTier}
	switch {
	case tier != nil:
		t.order, t.pass = calicoOrder(tier.Order, tier.HasOrder), tier.DefaultAction == "Pass"
	case t.dflt:
		t.order = model.CalicoDefaultTierOrder
	case name == "adminnetworkpolicy" || name == "kube-admin":
		t.order, t.pass = 1000, true
	case name == "baselineadminnetworkpolicy" || name == "kube-baseline":
		t.order, t.pass = 10_000_000, true
	}
	s.calico = append(s.calico, t)
	slices.SortStableFunc(s.calico, func(a, b *calicoTier) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.name, b.name))
	})
}

// calicoMatcher matches Calico selectors and entity rules against classes.
type calicoMatcher struct {
	r *Reach
	g *model.Graph
	// byNS lists the classes of pods per namespace; pods and spaces cache labels.
	byNS   map[string][]*class
	pods   map[*class]map[string]string
	spaces map[string]map[string]string
}

// candidates lists the classes an entity rule of policy p may match: those of the
// namespaces its selectors are scoped to, every class otherwise.
func (cm *calicoMatcher) candidates(p *model.CalicoPolicy, e *model.CalicoEntityRule) []*class {
	if e.Selector == nil && e.NamespaceSelector == nil {
		return cm.r.classes
	}
	var out []*class
	for ns := range cm.byNS {
		if (e.NamespaceSelector != nil && !e.NamespaceSelector.Global && e.NamespaceSelector.Matches(cm.nsLabels(ns))) ||
			(e.NamespaceSelector == nil && (p.Global || ns == p.Namespace)) {
			out = append(out, cm.byNS[ns]...)
		}
	}
	return out
}

// podLabels are a class's labels as Calico sees them.
func (cm *calicoMatcher) podLabels(c *class) map[string]string {
	if l, ok := cm.pods[c]; ok {
		return l
	}
	l := make(map[string]string, len(c.labels)+2)
	for k, v := range c.labels {
		l[k] = v
	}
	l["projectcalico.org/namespace"] = c.ns
	l["projectcalico.org/orchestrator"] = "k8s"
	cm.pods[c] = l
	return l
}

// nsLabels are a namespace's labels as Calico's namespaceSelector sees them.
func (cm *calicoMatcher) nsLabels(ns string) map[string]string {
	if l, ok := cm.spaces[ns]; ok {
		return l
	}
	l := map[string]string{"projectcalico.org/name": ns}
	for k, v := range cm.r.namespaces[ns] {
		l[k] = v
	}
	cm.spaces[ns] = l
	return l
}

// applies reports whether policy p selects the pods of class c.
func (cm *calicoMatcher) applies(p *model.CalicoPolicy, c *class) bool {
	if !p.Global && c.ns != p.Namespace {
		return false
	}
	if p.NamespaceSelector != nil && (p.NamespaceSelector.Global || !p.NamespaceSelector.Matches(cm.nsLabels(c.ns))) {
		return false
	}
	return p.Selector.Matches(cm.podLabels(c))
}

// entity reports whether an entity rule (a source or destination) of policy p matches
// class c; allow says what a field kubenet cannot evaluate (service accounts) matches.
func (cm *calicoMatcher) entity(p *model.CalicoPolicy, e *model.CalicoEntityRule, c *class, allow bool) bool {
	pod := !c.external && !c.hostNet
	// Selectors pick endpoints of the policy's namespace unless a namespaceSelector
	// picks others (every namespace in a GlobalNetworkPolicy).
	inScope := func() bool {
		if !pod {
			return false
		}
		if e.NamespaceSelector != nil {
			return !e.NamespaceSelector.Global && e.NamespaceSelector.Matches(cm.nsLabels(c.ns))
		}
		return p.Global || c.ns == p.Namespace
	}
	// A selector that matches a network set (its labels) matches its addresses.
	if !pod && e.Selector != nil && cm.networkSet(p, e) {
		return !c.hostNet && (e.Nets == nil || netsMatch(e.Nets, c))
	}
	if e.Selector != nil && (!inScope() || !e.Selector.Matches(cm.podLabels(c))) {
		return false
	}
	if e.NotSelector != nil && inScope() && e.NotSelector.Matches(cm.podLabels(c)) {
		return false
	}
	// Selectors and namespaceSelector are scoped: to the policy's namespace, or to the
	// namespaces namespaceSelector picks. Only a GlobalNetworkPolicy's notSelector
	// without namespaceSelector also matches outside the cluster's pods.
	scoped := e.NamespaceSelector != nil || (e.NotSelector != nil && !p.Global)
	if scoped && !inScope() {
		return false
	}
	if e.Nets != nil && !netsMatch(e.Nets, c) {
		return false
	}
	if e.NotNets != nil && everyAddress(e.NotNets) {
		return false
	}
	if e.Service != nil && !cm.behind(e.Service, p.Namespace, c) {
		return false
	}
	if e.ServiceAccounts && !allow {
		return false
	}
	return true
}

// netsMatch: nets match addresses outside the pods (and nodes'), and every pod when
// one covers every address; kubenet does not know the pod CIDR.
func netsMatch(nets []string, c *class) bool {
	if everyAddress(nets) {
		return true
	}
	return c.external || c.hostNet
}

func everyAddress(nets []string) bool {
	for _, n := range nets {
		if p, err := netip.ParsePrefix(n); err == nil && p.Bits() == 0 {
			return true
		}
	}
	return false
}

// behind reports whether c is behind the Service ref (namespace "": the policy's).
func (cm *calicoMatcher) behind(ref *model.ObjectRef, ns string, c *class) bool {
	if ref.Namespace != "" {
		ns = ref.Namespace
	}
	s := cm.g.Service(ns, ref.Name)
	if s == nil && ns == cm.r.cfg.DNS.Namespace && ref.Name == "kube-dns" {
		for _, n := range cm.r.DNS { // the cluster DNS kubenet assumes
			if n.class == c {
				return true
			}
		}
		return false
	}
	if s == nil || s.Selector == nil {
		return c.external // its endpoints are addresses, or unknown
	}
	return !c.external && !c.hostNet && c.ns == ns && model.SubsetOf(s.Selector, c.labels)
}

// compile compiles one rule of policy p for a direction.
func (cm *calicoMatcher) compile(np *model.Policy, p *model.CalicoPolicy, rule *model.CalicoRule, i int, egress bool) *calicoRule {
	allow := rule.Action == "Allow" || rule.Action == "Pass"
	peerE, selfE := &rule.Source, &rule.Destination
	if egress {
		peerE, selfE = &rule.Destination, &rule.Source
	}
	dir := "ingress"
	if egress {
		dir = "egress"
	}
	a := &admit{policy: np, egress: egress, rule: i, where: fmt.Sprintf("%s[%d] (%s)", dir, i, rule.Action), pos: rule.Pos,
		peers: bitset{}}
	a.external = cm.entity(p, peerE, cm.r.external, allow)
	a.externalAll = a.external && (peerE.Nets == nil || everyAddress(peerE.Nets)) && peerE.NotNets == nil && peerE.NotSelector == nil
	for _, c := range cm.r.hostNet {
		a.hostNets = a.hostNets || cm.entity(p, peerE, c, allow)
	}
	for _, c := range cm.candidates(p, peerE) {
		if cm.entity(p, peerE, c, allow) {
			if c.hostNet {
				a.hostNets = true
			} else {
				a.peers.set(c.idx)
			}
		}
	}
	a.externalOnly = !a.hostNets
	cr := &calicoRule{a: a, action: rule.Action, index: i, rule: rule}
	if selfE.Selector != nil || selfE.NotSelector != nil || selfE.NamespaceSelector != nil || selfE.Service != nil || selfE.ServiceAccounts ||
		selfE.Nets != nil || selfE.NotNets != nil {
		cr.self = &bitset{}
		self := &model.CalicoEntityRule{Selector: selfE.Selector, NotSelector: selfE.NotSelector, NamespaceSelector: selfE.NamespaceSelector,
			Service: selfE.Service, ServiceAccounts: selfE.ServiceAccounts, Nets: selfE.Nets, NotNets: selfE.NotNets}
		for _, c := range cm.candidates(p, self) {
			if !c.external && cm.entity(p, self, c, allow) {
				cr.self.set(c.idx)
			}
		}
	}
	protos := rule.Protocols
	if protos == nil {
		protos = protocols[:]
	}
	switch {
	case rule.None:
		a.ports = portSpec{}
	case rule.Destination.Ports == nil:
		for _, proto := range protos {
			a.ports.fixed = a.ports.fixed.Union(PortsOf(proto, 1, 65535))
		}
	default:
		a.ports = calicoPorts(rule.Destination.Ports, protos)
	}
	if rule.Destination.NotPorts != nil {
		cr.not = calicoPorts(rule.Destination.NotPorts, protos)
	}
	if rule.Source.Ports != nil && !allow {
		a.ports = portSpec{} // source ports kubenet cannot see: a Deny is not taken to match
	}
	return cr
}

func calicoPorts(ports []model.PolicyPort, protos []string) portSpec {
	var ps portSpec
	for _, p := range ports {
		ps.add(p, protos)
	}
	return ps
}

// matches reports whether the rule applies to traffic between peer and the local
// pod self.
func (r *calicoRule) matches(peer, self *class) bool {
	return r.a.matches(peer) && (r.self == nil || r.self.has(self.idx))
}

// calicoItem is a policy of a tier in evaluation order: a Calico policy, or (in the
// default tier) a NetworkPolicy with its allows.
type calicoItem struct {
	order  float64
	name   string
	calico *calicoPolicy
	np     *model.Policy
	admits []*admit
}

// items lists the tier's policies in order; the default tier also holds the side's
// NetworkPolicies (order 1000, named knp.default.NAME).
func (t *calicoTier) items(s *side, isolated bool) []calicoItem {
	k := 0
	if isolated {
		k = 1
	}
	if !t.done[k] { // sortCalicoItems did not run: a side built outside solve
		return t.sortItems(s, isolated)
	}
	return t.sorted[k]
}

// sortCalicoItems sorts, once the sides are complete, each Calico tier's items: the
// facts are computed side by side and only read them.
func (r *Reach) sortCalicoItems() {
	for _, c := range r.classes {
		for _, s := range []*side{&c.ingress, &c.egress} {
			for _, t := range s.calico {
				for k, isolated := range []bool{false, true} {
					t.sorted[k], t.done[k] = t.sortItems(s, isolated), true
				}
			}
		}
	}
}

func (t *calicoTier) sortItems(s *side, isolated bool) []calicoItem {
	var out []calicoItem
	for _, p := range t.policies {
		out = append(out, calicoItem{order: calicoOrder(p.p.Order, p.p.HasOrder), name: p.p.Name, calico: p})
	}
	if t.dflt && isolated {
		for _, np := range s.policies {
			it := calicoItem{order: model.CalicoNetworkPolicyOrder, name: "knp.default." + np.Name, np: np}
			for _, a := range s.admits {
				if a.policy == np {
					it.admits = append(it.admits, a)
				}
			}
			out = append(out, it)
		}
		slices.SortStableFunc(out, func(a, b calicoItem) int { return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.name, b.name)) })
	}
	return out
}

// eval evaluates the tier on the ports rest of the traffic between peer and the local
// pod self (named ports resolved on dst): what it allows, and what goes on to the next
// tier.
func (t *calicoTier) eval(s *side, isolated bool, rest PortSet, peer, self, dst *class) (allowed, next PortSet) {
	undecided := rest
	var passed PortSet
	for _, it := range t.items(s, isolated) {
		if it.calico == nil {
			for _, a := range it.admits {
				if a.matches(peer) {
					ps := a.ports.resolve(dst).Intersect(undecided)
					allowed, undecided = allowed.Union(ps), undecided.Minus(ps)
				}
			}
			continue
		}
		for _, r := range it.calico.rules {
			if r.action == "Log" || !r.matches(peer, self) {
				continue
			}
			ps := r.ports(dst).Intersect(undecided)
			switch r.action {
			case "Allow":
				allowed = allowed.Union(ps)
			case "Pass":
				passed = passed.Union(ps)
			}
			undecided = undecided.Minus(ps)
		}
	}
	if !t.pass {
		undecided = PortSet{} // the end of the tier
	}
	return allowed, undecided.Union(passed)
}

// CalicoRef says what decided a port in Calico's tiers: a rule, or the end of a tier.
type CalicoRef struct {
	Tier   string
	Policy *model.Policy
	Where  string
	At     model.Pos
	Action string
	// EndOfTier: policies of the tier select the pod and none of their rules matched;
	// Selecting lists them.
	EndOfTier bool
	Selecting []*model.Policy
}

func (c CalicoRef) String() string {
	if c.EndOfTier {
		return fmt.Sprintf("the end of Calico tier %s (policies of the tier select the pod, no rule of theirs matches: %s)", c.Tier, c.Action)
	}
	return fmt.Sprintf("Calico tier %s: %s %s (%s)", c.Tier, c.Policy.ID, c.Where, c.At)
}

// calicoDecision is what decides one port in the Calico tiers before the default tier's
// NetworkPolicies, and the Pass rules met; nil when the NetworkPolicy tier (or
// Baseline) decides.
func (s *side) calicoDecision(isolated bool, peer, self, dst *class, proto string, port int) (*CalicoRef, []CalicoRef) {
	var passed []CalicoRef
	for _, t := range s.calico {
		if t.order > model.CalicoDefaultTierOrder && !t.dflt && isolated {
			return nil, passed // the NetworkPolicy tier decided before
		}
		decided := false
		for _, it := range t.items(s, isolated) {
			if it.calico == nil {
				for _, a := range it.admits {
					if a.matches(peer) && a.ports.resolve(dst).Contains(proto, port) {
						return nil, passed // a NetworkPolicy allows it: the admits say which
					}
				}
				continue
			}
			for _, r := range it.calico.rules {
				if r.action == "Log" || !r.matches(peer, self) || !r.ports(dst).Contains(proto, port) {
					continue
				}
				ref := CalicoRef{Tier: t.name, Policy: r.a.policy, Where: r.a.where, At: r.a.pos, Action: r.action}
				if r.action != "Pass" {
					return &ref, passed
				}
				passed = append(passed, ref)
				decided = true
				break
			}
			if decided {
				break
			}
		}
		if !decided && !t.pass {
			ref := &CalicoRef{Tier: t.name, Action: "Deny", EndOfTier: true}
			for _, it := range t.items(s, isolated) {
				if it.calico != nil {
					ref.Selecting = append(ref.Selecting, it.calico.named())
				} else {
					ref.Selecting = append(ref.Selecting, it.np)
				}
			}
			return ref, passed
		}
	}
	return nil, passed
}

// calicoGlobal reports whether a GlobalNetworkPolicy's tier selects the class's ingress.
func (c *class) calicoGlobal() bool {
	for _, t := range c.ingress.calico {
		for _, p := range t.policies {
			if p.p.Global {
				return true
			}
		}
	}
	return false
}

// networkSet reports whether an entity rule's selector matches a Calico network set
// in its scope: NetworkSets of the namespaces it covers, GlobalNetworkSets for a
// GlobalNetworkPolicy (or namespaceSelector global()).
func (cm *calicoMatcher) networkSet(p *model.CalicoPolicy, e *model.CalicoEntityRule) bool {
	for _, ns := range cm.g.CalicoNetworkSets {
		if ns.Invalid || !e.Selector.Matches(ns.Labels) {
			continue
		}
		switch {
		case ns.Namespace == "":
			if (e.NamespaceSelector == nil && p.Global) || (e.NamespaceSelector != nil && e.NamespaceSelector.Global) {
				return true
			}
		case e.NamespaceSelector != nil:
			if !e.NamespaceSelector.Global && e.NamespaceSelector.Matches(cm.nsLabels(ns.Namespace)) {
				return true
			}
		case p.Global || ns.Namespace == p.Namespace:
			return true
		}
	}
	return false
}

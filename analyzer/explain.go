package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Explanation says why a connection is allowed or denied, in terms a person can act on.
type Explanation struct {
	Allowed  bool
	From, To *Node
	Protocol string
	Port     int
	Egress   Side
	Ingress  Side
	// Notes are caveats: hostNetwork pods, assumed components, ipBlock peers.
	Notes []string
	// Fix is the smallest change that would allow a denied connection (a YAML snippet).
	Fix string
}

// Side is one half of a verdict: the source's egress or the destination's ingress.
type Side struct {
	Isolated bool
	// Policies are the NetworkPolicies that isolate the pod in this direction.
	Policies []*model.Policy
	// Admits lists the rules that admit the peer on the port.
	Admits []RuleRef
	// Near lists rules that admit the peer, but on other ports.
	Near []RuleRef
	// Decided is the cluster-wide rule (Admin or Baseline tier) that accepted or denied
	// the connection on this side, when one did: then the NetworkPolicies above did not
	// decide it.
	Decided *TierRuleRef
	// Passed lists the Admin-tier Pass rule that handed the connection on to the
	// NetworkPolicy tier.
	Passed []TierRuleRef
	// Cluster lists the cluster-wide policies whose subject holds the pod in this direction.
	Cluster []*model.ClusterPolicy
	// Denied lists the deny rules of the NetworkPolicy tier (Cilium's) that match the
	// peer on the port: they win over its allows.
	Denied []RuleRef
	// CalicoDecided is what decided in Calico's tiers (a rule, or the end of a tier),
	// and CalicoPassed the Pass rules that handed the connection on.
	CalicoDecided *CalicoRef
	CalicoPassed  []CalicoRef
}

// Allowed reports whether this side lets the connection through.
func (s Side) Allowed() bool {
	if s.Decided != nil {
		return s.Decided.Action == model.ActionAccept
	}
	if s.CalicoDecided != nil {
		return s.CalicoDecided.Action == "Allow"
	}
	return len(s.Denied) == 0 && (!s.Isolated || len(s.Admits) > 0)
}

// DeniedByTier reports whether a Deny rule of a cluster-wide policy decided this side.
func (s Side) DeniedByTier() bool { return s.Decided != nil && s.Decided.Action == model.ActionDeny }

// RuleRef names one rule of a policy.
type RuleRef struct {
	Policy *model.Policy
	Egress bool
	Index  int
	Ports  PortSet
	// Where and At name and place a rule of another kind than NetworkPolicy (a Cilium
	// rule: "specs[1].ingressDeny[0]"); "" for a NetworkPolicy rule.
	Where string
	At    model.Pos
}

// ref names an admit.
func (a *admit) ref(ports PortSet) RuleRef {
	return RuleRef{Policy: a.policy, Egress: a.egress, Index: a.rule, Ports: ports, Where: a.where, At: a.pos}
}

func (r RuleRef) String() string {
	if r.Where != "" {
		return fmt.Sprintf("%s %s (%s)", r.Policy.ID, r.Where, r.At)
	}
	dir := "ingress"
	if r.Egress {
		dir = "egress"
	}
	rule := r.Policy.Ingress
	if r.Egress {
		rule = r.Policy.Egress
	}
	at := ""
	if r.Index < len(rule) {
		at = fmt.Sprintf(" (%s)", rule[r.Index].Pos)
	}
	return fmt.Sprintf("%s %s[%d]%s", r.Policy.ID, dir, r.Index, at)
}

// Explain explains the verdict for from -> to on port/proto (the destination pod's port,
// after any Service DNAT).
func (r *Reach) Explain(from, to *Node, proto string, port int) Explanation {
	e := Explanation{From: from, To: to, Protocol: proto, Port: port}
	src, dst := from.class, to.class
	e.Egress = explainSide(src.isolatedOut(), &src.egress, src, dst, dst, proto, port)
	e.Ingress = explainSide(dst.isolatedIn(), &dst.ingress, dst, src, dst, proto, port)
	e.Allowed = e.Egress.Allowed() && e.Ingress.Allowed()
	for _, x := range []struct {
		sd   *side
		peer *class
	}{{&src.egress, dst}, {&dst.ingress, src}} {
		for _, a := range x.sd.admits {
			if a.l7 != "" && a.matches(x.peer) && a.ports.resolve(dst).Contains(proto, port) {
				e.Notes = append(e.Notes, fmt.Sprintf("%s has %s rules: kubenet reads them as admitting the port; they may still refuse requests", a.ref(PortSet{}), a.l7))
			}
		}
	}
	for _, n := range []*Node{from, to} {
		if n.HostNetwork {
			e.Notes = append(e.Notes, n.ID+" uses hostNetwork: pod NetworkPolicies do not govern it (behaviour depends on the CNI)")
		}
		if n.Assumed() {
			e.Notes = append(e.Notes, n.ID+" is not in the input; it is assumed as configured (namespace "+n.Namespace+", labels "+model.FormatLabels(n.Labels)+")")
		}
	}
	if !e.Allowed {
		e.Fix = r.fix(e)
	}
	return e
}

// explainSide lists, for one side of a connection, the rules that admit peer on the port
// and those that admit it on other ports (named ports resolved on dst).
func explainSide(isolated bool, sd *side, self, peer, dst *class, proto string, port int) Side {
	s := Side{Isolated: isolated, Policies: sd.policies}
	s.tiers(sd, self, peer, dst, proto, port)
	if (s.Decided != nil && s.Decided.Policy.Tier == model.TierAdmin) || s.CalicoDecided != nil {
		return s
	}
	for _, a := range sd.denies {
		if ps := a.ports.resolve(dst); a.matches(peer) && ps.Contains(proto, port) {
			s.Denied = append(s.Denied, a.ref(ps))
		}
	}
	if len(s.Denied) > 0 {
		s.Decided = nil // the NetworkPolicy tier's denies come before the Baseline tier
	}
	if s.Decided != nil {
		return s
	}
	if !isolated {
		return s
	}
	for _, a := range sd.admits {
		if !a.matches(peer) {
			continue
		}
		ps := a.ports.resolve(dst)
		ref := a.ref(ps)
		if ps.Contains(proto, port) {
			s.Admits = append(s.Admits, ref)
		} else {
			s.Near = append(s.Near, ref)
		}
	}
	return s
}

// tiers adds to the side what the cluster-wide rules decide of the port.
func (s *Side) tiers(sd *side, self, peer, dst *class, proto string, port int) {
	s.Cluster = sd.cluster
	decided, passed := sd.decision(s.Isolated, peer, dst, proto, port)
	for _, t := range passed {
		s.Passed = append(s.Passed, t.ref())
	}
	if decided != nil && decided.policy.Tier == model.TierAdmin {
		ref := decided.ref()
		s.Decided = &ref
		return
	}
	// Calico's tiers come next; the Baseline tier decides only what they leave.
	s.CalicoDecided, s.CalicoPassed = sd.calicoDecision(s.Isolated, peer, self, dst, proto, port)
	if decided != nil && s.CalicoDecided == nil {
		ref := decided.ref()
		s.Decided = &ref
	}
}

// fix proposes the smallest change: one rule added to one policy that isolates the
// denied side (the most specific one: a non-empty podSelector over an empty one).
func (r *Reach) fix(e Explanation) string {
	var parts []string
	if !e.Egress.Allowed() {
		parts = append(parts, sideFix(e.Egress, "egress", "to", e.From, e.To, e.Protocol, e.Port))
	}
	if !e.Ingress.Allowed() {
		parts = append(parts, sideFix(e.Ingress, "ingress", "from", e.To, e.From, e.Protocol, e.Port))
	}
	return strings.Join(parts, "\nand ")
}

// sideFix is the fix of one denied side of pod self towards peer.
func sideFix(s Side, dir, key string, self, peer *Node, proto string, port int) string {
	if c := s.CalicoDecided; c != nil && s.Decided == nil {
		if c.EndOfTier {
			ids := make([]string, len(c.Selecting))
			for i, p := range c.Selecting {
				ids[i] = p.ID
			}
			return fmt.Sprintf("Calico tier %s selects %s (%s) and ends with a deny: add an %s rule with action Allow for %s on %d/%s to one of those policies, or a Pass rule to hand it to the next tier",
				c.Tier, self.ID, strings.Join(ids, ", "), dir, peer.ID, port, proto)
		}
		return fmt.Sprintf("%s denies it: change that rule, or add an Allow rule before it (in that policy, or a policy of lower order in tier %s)", c, c.Tier)
	}
	if len(s.Denied) > 0 && s.Decided == nil {
		d := s.Denied[0]
		return fmt.Sprintf("%s denies it, and a deny rule wins over every allow: narrow that rule's peers or ports", d)
	}
	if s.Decided == nil {
		p := mostSpecific(s.Policies)
		if strings.HasPrefix(p.Kind, "Cilium") {
			return fmt.Sprintf("add to %s (%s) an %s rule:\n%s", p.ID, p.Pos.File, dir, ciliumRuleYAML(key, p.Namespace, peer, proto, port))
		}
		return fmt.Sprintf("add to %s (%s) an %s rule:\n%s", p.ID, p.Pos.File, dir, ruleYAML(key, p.Namespace, peer, proto, port))
	}
	d := *s.Decided
	if d.Policy.Tier == model.TierBaseline {
		// NetworkPolicies take precedence over the Baseline tier.
		return fmt.Sprintf("%s denies it; a NetworkPolicy in namespace %s that selects %s and admits the peer overrides the Baseline tier, with an %s rule:\n%s",
			d, self.Namespace, self.ID, dir, ruleYAML(key, self.Namespace, peer, proto, port))
	}
	return fmt.Sprintf("%s denies it, and no NetworkPolicy can override the Admin tier: change that rule, or have an Accept or Pass rule of higher precedence (a lower priority, or earlier in %s) match this traffic",
		d, d.Policy.ID)
}

func mostSpecific(ps []*model.Policy) *model.Policy {
	best := ps[0]
	for _, p := range ps {
		if best.PodSelector.Empty && !p.PodSelector.Empty {
			best = p
		}
	}
	return best
}

// ruleYAML renders a rule admitting peer on port, as a policy in ns would write it.
func ruleYAML(key, ns string, peer *Node, proto string, port int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  - %s:\n", key)
	if peer.Kind == KindExternal {
		b.WriteString("      - ipBlock:\n          cidr: 0.0.0.0/0\n")
	} else {
		b.WriteString("      - podSelector:\n          matchLabels:\n")
		for _, kv := range identifyingLabels(peer.Labels) {
			fmt.Fprintf(&b, "            %s: %s\n", kv[0], kv[1])
		}
		if peer.Namespace != ns {
			fmt.Fprintf(&b, "        namespaceSelector:\n          matchLabels:\n            %s: %s\n", model.MetadataNameLabel, peer.Namespace)
		}
	}
	fmt.Fprintf(&b, "    ports:\n      - port: %d\n        protocol: %s", port, proto)
	return b.String()
}

// ciliumRuleYAML renders a Cilium rule admitting peer on port, as a policy in ns ("" for
// a clusterwide one) would write it.
func ciliumRuleYAML(key, ns string, peer *Node, proto string, port int) string {
	var b strings.Builder
	switch peer.Kind {
	case KindExternal:
		fmt.Fprintf(&b, "  - %sEntities: [world]\n", key)
	default:
		fmt.Fprintf(&b, "  - %sEndpoints:\n      - matchLabels:\n", key)
		for _, kv := range identifyingLabels(peer.Labels) {
			fmt.Fprintf(&b, "          %s: %s\n", kv[0], kv[1])
		}
		if peer.Namespace != ns {
			fmt.Fprintf(&b, "          k8s:%s: %s\n", model.CiliumNamespaceLabel, peer.Namespace)
		}
	}
	fmt.Fprintf(&b, "    toPorts:\n      - ports:\n          - port: \"%d\"\n            protocol: %s", port, proto)
	return b.String()
}

// identifyingLabels picks the labels that name an application, rather than every label
// of the pod (versions and hashes change).
func identifyingLabels(l map[string]string) [][2]string {
	for _, k := range []string{"app.kubernetes.io/name", "app", "k8s-app", "name", "component"} {
		if v, ok := l[k]; ok {
			out := [][2]string{{k, v}}
			if inst, ok := l["app.kubernetes.io/instance"]; ok && k == "app.kubernetes.io/name" {
				out = append(out, [2]string{"app.kubernetes.io/instance", inst})
			}
			return out
		}
	}
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][2]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, [2]string{k, l[k]})
	}
	return out
}

// String renders the explanation as text.
func (e Explanation) String() string {
	var b strings.Builder
	verdict := "DENIED"
	if e.Allowed {
		verdict = "ALLOWED"
	}
	fmt.Fprintf(&b, "%s: %s -> %s on %d/%s\n", verdict, e.From.ID, e.To.ID, e.Port, e.Protocol)
	side := func(name string, n *Node, s Side, dir string) {
		for _, p := range s.Passed {
			fmt.Fprintf(&b, "  %s of %s: passed on to NetworkPolicies by %s\n", name, n.ID, p)
		}
		for _, p := range s.CalicoPassed {
			fmt.Fprintf(&b, "  %s of %s: passed on to the next tier by %s\n", name, n.ID, p)
		}
		if c := s.CalicoDecided; c != nil {
			verb := map[string]string{"Allow": "allowed", "Deny": "denied"}[c.Action]
			fmt.Fprintf(&b, "  %s of %s: %s by %s\n", name, n.ID, verb, c)
			return
		}
		for _, d := range s.Denied {
			fmt.Fprintf(&b, "  %s of %s: denied by %s, which wins over every allow\n", name, n.ID, d)
		}
		if len(s.Denied) > 0 {
			return
		}
		if s.Decided != nil {
			verb := "accepted"
			if s.Decided.Action == model.ActionDeny {
				verb = "denied"
			}
			fmt.Fprintf(&b, "  %s of %s: %s by %s\n", name, n.ID, verb, s.Decided)
			return
		}
		if !s.Isolated {
			fmt.Fprintf(&b, "  %s of %s: not isolated (no NetworkPolicy with %s in policyTypes selects it)\n", name, n.ID, dir)
			return
		}
		ids := make([]string, len(s.Policies))
		for i, p := range s.Policies {
			ids[i] = p.ID
		}
		fmt.Fprintf(&b, "  %s of %s: isolated by %s\n", name, n.ID, strings.Join(ids, ", "))
		if len(s.Admits) > 0 {
			for _, a := range s.Admits {
				fmt.Fprintf(&b, "    admitted by %s\n", a)
			}
			return
		}
		fmt.Fprintf(&b, "    no %s rule admits it on %d/%s\n", strings.ToLower(dir), e.Port, e.Protocol)
		for _, a := range s.Near {
			fmt.Fprintf(&b, "    %s admits this peer, but only on %s\n", a, a.Ports)
		}
	}
	side("egress", e.From, e.Egress, "Egress")
	side("ingress", e.To, e.Ingress, "Ingress")
	for _, n := range e.Notes {
		fmt.Fprintf(&b, "  note: %s\n", n)
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "  fix: %s\n", strings.ReplaceAll(e.Fix, "\n", "\n       "))
	}
	return b.String()
}

// blockingPolicies adds to ids the policies that deny the connection: those isolating
// the source for egress and the destination for ingress, where that side denies it.
func (e Explanation) blockingPolicies(ids map[string]bool) {
	for _, s := range []Side{e.Egress, e.Ingress} {
		switch {
		case s.Allowed():
		case s.Decided != nil:
			ids[s.Decided.Policy.ID] = true
		case s.CalicoDecided != nil && s.CalicoDecided.Policy != nil:
			ids[s.CalicoDecided.Policy.ID] = true
		case s.CalicoDecided != nil:
			for _, p := range s.CalicoDecided.Selecting {
				ids[p.ID] = true
			}
		case len(s.Denied) > 0:
			for _, d := range s.Denied {
				ids[d.Policy.ID] = true
			}
		default:
			for _, p := range s.Policies {
				ids[p.ID] = true
			}
		}
	}
}

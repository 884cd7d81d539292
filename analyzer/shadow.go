package analyzer

import (
	"fmt"
	"maps"
	"sort"

	"github.com/kubenet/kubenet/model"
)

// Shadowed rules: a rule that can never decide any traffic, because rules of higher
// precedence already decide everything it matches, for every pod it applies to. Rules
// are followed in the order a side is decided (tiers.go): the Admin tier, Calico's
// tiers (a tier that ends with a deny, with no Pass rule, decides everything left for
// the pods it selects), the NetworkPolicy tier (Cilium's denies win over its allows).
// A rule that may match pods the input does not show is shadowed only by rules that
// match every pod.

// ShadowedRule is a rule that never decides any traffic.
type ShadowedRule struct {
	Policy string    `json:"policy"`
	Rule   string    `json:"rule"`
	Pos    model.Pos `json:"pos"`
	// By names the rule (or the end of a Calico tier) that decides its traffic first,
	// and ByPolicy and ByPos where it is.
	By       string    `json:"by"`
	ByPolicy string    `json:"byPolicy"`
	ByPos    model.Pos `json:"byPos"`
	// Pods lists workloads it applies to: the first five by id.
	Pods []string `json:"pods"`
}

// shadowRule is a rule of any kind, as the shadowing walk sees it.
type shadowRule struct {
	key    any // the compiled rule: one per rule of a policy
	policy string
	name   string
	pos    model.Pos
	// peers, ext: the classes it matches; ports: its ports towards one of them.
	peers bitset
	ext   bool
	// extAll: it matches every address outside the cluster, not only some.
	extAll bool
	every  bool // matches every pod, of the input or not
	unseen bool // may match pods the input does not show
	ports  func(peer *class) PortSet
	// spec is its ports, for pods the input does not show (named ports unknown).
	spec  portSpec
	final bool // Accept, Allow, Deny: decides for later tiers too
}

// unseenPorts is what the rule matches of a pod the input does not show: its numbered
// ports; ok is false when named ports make it unknown.
func (sr *shadowRule) unseenPorts() (ps PortSet, ok bool) {
	if sr.spec.all {
		return allPorts, true
	}
	return sr.spec.fixed, len(sr.spec.named) == 0
}

// shadowState is what rules met so far decide, per peer class.
type shadowState struct {
	// cells holds, per class index, what the rules so far decide for its traffic and
	// the first two of them (check names the first that is not the rule it checks).
	cells map[int]shadowCell
	// unseen is what they decide for every pod the input does not show, and ended the
	// end of a tier that decides everything left.
	unseen   PortSet
	unseenBy *shadowRule
	ended    *shadowRule
}

type shadowCell struct {
	decided PortSet
	by      [2]*shadowRule
}

// shadowStates hands out the states of one side's walk, reusing the maps of the walks
// before it: a walk is short, there is one per class and direction, and growing fresh
// maps for each was most of the shadowing's allocation.
type shadowStates struct{ free, used []*shadowState }

// get returns an empty state.
func (p *shadowStates) get() *shadowState {
	var st *shadowState
	if n := len(p.free); n > 0 {
		st = p.free[n-1]
		p.free = p.free[:n-1]
		clear(st.cells)
		*st = shadowState{cells: st.cells}
	} else {
		st = &shadowState{cells: map[int]shadowCell{}}
	}
	p.used = append(p.used, st)
	return st
}

// clone returns a state holding what st holds.
func (p *shadowStates) clone(st *shadowState) *shadowState {
	c := p.get()
	maps.Copy(c.cells, st.cells)
	c.unseen, c.unseenBy, c.ended = st.unseen, st.unseenBy, st.ended
	return c
}

// release takes back every state handed out since the last release.
func (p *shadowStates) release() {
	p.free = append(p.free, p.used...)
	p.used = p.used[:0]
}

// check reports whether rule sr decides some traffic the state leaves undecided, and
// if not, the rule that shadows it.
func (r *Reach) check(st *shadowState, sr *shadowRule) (live bool, by *shadowRule) {
	if st.ended != nil {
		return false, st.ended
	}
	if sr.every || sr.unseen {
		if ps, ok := sr.unseenPorts(); !ok || !ps.Minus(st.unseen).IsEmpty() {
			return true, nil
		}
		by = st.unseenBy
	}
	for _, p := range r.shadowPeers(sr) {
		ps := sr.ports(p)
		if ps.IsEmpty() {
			continue
		}
		cell := st.cells[p.idx]
		decided := cell.decided
		if !p.external && !p.hostNet {
			decided = decided.Union(st.unseen) // what rules matching every pod decide
		}
		if !ps.Minus(decided).IsEmpty() {
			return true, nil
		}
		if by == nil {
			for _, b := range cell.by {
				if b != nil && b != sr {
					by = b
					break
				}
			}
		}
	}
	return false, by
}

// shadowPeers lists the classes whose traffic must be checked for rule sr: its peers;
// for a rule that matches every pod, only the outside world and host-network pods
// (what rules matching every pod decide, kept in unseen, covers the pods).
func (r *Reach) shadowPeers(sr *shadowRule) []*class {
	var out []*class
	if !sr.every {
		sr.peers.each(func(i int) { out = append(out, r.classes[i]) })
	}
	if sr.ext {
		out = append(out, r.external)
		out = append(out, r.hostNet...)
	}
	return out
}

// record adds what sr decides to the state. The outside world counts as decided only
// by a rule that matches all of it.
func (r *Reach) record(st *shadowState, sr *shadowRule) {
	for _, p := range r.shadowPeers(sr) {
		if p.external && !sr.extAll {
			continue
		}
		ps := sr.ports(p)
		if ps.IsEmpty() {
			continue
		}
		cell := st.cells[p.idx]
		cell.decided = cell.decided.Union(ps)
		if cell.by[0] == nil {
			cell.by[0] = sr
		} else if cell.by[1] == nil {
			cell.by[1] = sr
		}
		st.cells[p.idx] = cell
	}
	if sr.every {
		ps, _ := sr.unseenPorts()
		st.unseen = st.unseen.Union(ps)
		if st.unseenBy == nil {
			st.unseenBy = sr
		}
	}
}

// shadowedRules finds the rules that never decide any traffic.
func (r *Reach) shadowedRules() []ShadowedRule {
	type verdict struct {
		sr   *shadowRule
		live bool
		by   *shadowRule
		pods []string
	}
	seen := map[any]*verdict{}
	var order []any
	note := func(sr *shadowRule, live bool, by *shadowRule, c *class) {
		v := seen[sr.key]
		if v == nil {
			v = &verdict{sr: sr}
			seen[sr.key] = v
			order = append(order, sr.key)
		}
		if live {
			v.live = true
			return
		}
		if v.by == nil {
			v.by = by
		}
		for _, n := range c.nodes {
			if n.Workload != nil {
				v.pods = append(v.pods, n.ID)
			}
		}
	}
	for _, c := range r.classes {
		if c.external || c.hostNet {
			continue
		}
		for _, x := range []struct {
			sd       *side
			isolated bool
			egress   bool
		}{{&c.ingress, c.isolatedIn(), false}, {&c.egress, c.isolatedOut(), true}} {
			if x.sd.simple() {
				continue
			}
			r.shadowSide(c, x.sd, x.isolated, x.egress, note)
		}
	}
	out := []ShadowedRule{}
	for _, k := range order {
		v := seen[k]
		if v.live || v.by == nil || len(v.pods) == 0 {
			continue
		}
		sort.Strings(v.pods)
		v.pods = v.pods[:min(len(v.pods), 5)]
		out = append(out, ShadowedRule{Policy: v.sr.policy, Rule: v.sr.name, Pos: v.sr.pos, By: v.by.name, ByPolicy: v.by.policy,
			ByPos: v.by.pos, Pods: v.pods})
	}
	return out
}

// shadowSide walks one side of class c in precedence order.
func (r *Reach) shadowSide(c *class, sd *side, isolated, egress bool, note func(*shadowRule, bool, *shadowRule, *class)) {
	dst := func(peer *class) *class {
		if egress {
			return peer
		}
		return c
	}
	states := &r.shadowStates
	defer states.release()
	st := states.get()
	// The Admin tier: every rule decides its traffic for the tier; Accept and Deny for
	// the tiers after it too.
	tier := states.clone(st)
	for _, t := range sd.admin {
		sr := &shadowRule{key: t, policy: t.policy.ID, name: t.ref().String(), pos: t.ref().Rule().Pos, peers: t.peers, ext: t.external, extAll: t.allPods,
			every: t.everyPod || t.allPods, unseen: !t.external || t.everyPod, final: t.action != model.ActionPass, spec: t.ports,
			ports: func(peer *class) PortSet {
				if !t.matches(peer) {
					return PortSet{}
				}
				return t.ports.resolve(dst(peer))
			}}
		live, by := r.check(tier, sr)
		note(sr, live, by, c)
		r.record(tier, sr)
		if sr.final {
			r.record(st, sr)
		}
	}
	// Calico's tiers; the default tier holds the NetworkPolicies, and without Calico
	// policies there the NetworkPolicy tier comes at its place.
	npWalked := false
	for _, t := range sd.calico {
		if !npWalked && !t.dflt && t.order > model.CalicoDefaultTierOrder {
			npWalked = true
			r.shadowNP(c, sd, isolated, st, dst, note)
		}
		tier := states.clone(st)
		hasPass := false
		var first *shadowRule
		npWalked = npWalked || t.dflt
		for _, it := range t.items(sd, isolated) {
			if it.calico == nil {
				for _, a := range it.admits {
					sr := r.admitRule(a, dst)
					live, by := r.check(tier, sr)
					note(sr, live, by, c)
					r.record(tier, sr)
					r.record(st, sr)
					if first == nil {
						first = sr
					}
				}
				continue
			}
			for _, cr := range it.calico.rules {
				if cr.action == "Log" || (cr.self != nil && !cr.self.has(c.idx)) {
					continue
				}
				cr := cr
				peerE := &cr.rule.Source
				if egress {
					peerE = &cr.rule.Destination
				}
				sr := &shadowRule{key: cr, policy: cr.a.policy.ID, name: fmt.Sprintf("Calico tier %s: %s %s", t.name, cr.a.policy.ID, cr.a.where),
					pos: cr.a.pos, peers: cr.a.peers, ext: cr.a.external, extAll: cr.a.externalAll, unseen: true, final: cr.action != "Pass", spec: cr.a.ports,
					every: calicoEveryPod(peerE),
					ports: func(peer *class) PortSet {
						if !cr.a.matches(peer) {
							return PortSet{}
						}
						return cr.ports(dst(peer))
					}}
				hasPass = hasPass || cr.action == "Pass"
				live, by := r.check(tier, sr)
				note(sr, live, by, c)
				if cr.rule.Source.Ports != nil {
					continue // source ports kubenet cannot see: it decides only some of that traffic
				}
				r.record(tier, sr)
				if sr.final {
					r.record(st, sr)
				}
				if first == nil {
					first = sr
				}
			}
		}
		if !t.pass && !hasPass && first != nil && st.ended == nil {
			st.ended = &shadowRule{policy: first.policy, name: fmt.Sprintf("the end of Calico tier %s (its policies select the pods)", t.name), pos: first.pos}
		}
	}
	if !npWalked {
		r.shadowNP(c, sd, isolated, st, dst, note)
	}
}

// shadowNP walks the NetworkPolicy tier of a side: Cilium's denies win over every
// allow; an isolated side's tier decides everything, for the tiers after it.
func (r *Reach) shadowNP(c *class, sd *side, isolated bool, st *shadowState, dst func(*class) *class, note func(*shadowRule, bool, *shadowRule, *class)) {
	np := r.shadowStates.clone(st)
	for _, a := range sd.denies {
		r.record(np, r.admitRule(a, dst))
	}
	for _, a := range sd.admits {
		if a.where == "" && st.ended == nil && np.unseen.IsEmpty() && len(np.cells) == 0 {
			continue // NetworkPolicies with nothing before them
		}
		sr := r.admitRule(a, dst)
		live, by := r.check(np, sr)
		note(sr, live, by, c)
	}
	if isolated && st.ended == nil && len(sd.policies) > 0 {
		p := mostSpecific(sd.policies)
		st.ended = &shadowRule{policy: p.ID, name: fmt.Sprintf("the NetworkPolicy tier (%s isolates the pods)", p.ID), pos: p.Pos}
	}
}

// admitRule describes an admit (a NetworkPolicy or Cilium rule) for the walk.
func (r *Reach) admitRule(a *admit, dst func(*class) *class) *shadowRule {
	name := a.ref(PortSet{}).String()
	if a.deny {
		name += " (deny)"
	}
	// A NetworkPolicy peer may match pods the input does not show; a Cilium one only
	// when it is open (kubenet's convention for closed peers, see PeerFacts.closed).
	unseen := a.allPeers || a.open || (a.where == "" && a.npeers > 0)
	return &shadowRule{key: a, policy: a.policy.ID, name: name, pos: a.pos, peers: a.peers, ext: a.external || a.hostNets || a.allPeers,
		extAll: a.allPeers || a.externalAll,
		every:  a.allPeers, unseen: unseen, final: true, spec: a.ports,
		ports: func(peer *class) PortSet {
			if !a.matches(peer) {
				return PortSet{}
			}
			return a.ports.resolve(dst(peer))
		}}
}

// calicoEveryPod reports whether an entity rule matches every pod: it sets nothing
// that narrows it (nets of length 0 aside).
func calicoEveryPod(e *model.CalicoEntityRule) bool {
	return e.Selector == nil && e.NotSelector == nil && e.Service == nil && !e.ServiceAccounts && e.NotNets == nil &&
		(e.NamespaceSelector == nil || (e.NamespaceSelector.All && !e.NamespaceSelector.Global)) && (e.Nets == nil || everyAddress(e.Nets))
}

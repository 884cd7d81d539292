package analyzer

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kubenet/kubenet/model"
)

// Whether traffic through a Service reaches its pods: from the ingress controller
// for an Ingress backend, and from any client at all for each Service port.

// BackendReach tells whether the ingress controller reaches an Ingress backend.
type BackendReach struct {
	// Blocked lists backend workloads no ingress controller may reach on the targetPort.
	Blocked []string `json:"blocked"`
	// Ports are the container ports checked, per blocked workload.
	Ports []int `json:"ports"`
	// Policies isolate the blocked workloads for ingress (or the controller for egress).
	Policies []string `json:"policies"`
	Fix      string   `json:"fix"`
}

// ServicePortReach tells whether anything may reach a Service port's pods.
type ServicePortReach struct {
	// Unreachable is true when the selected pods admit, on the targetPort, no workload
	// of the input, no ingress controller, no Gateway's data plane and no external
	// address.
	Unreachable bool `json:"unreachable"`
	// Policies, when Unreachable, lists the policies (of any kind) that deny the first
	// pod judged the traffic from outside the cluster and from the ingress controller:
	// what to change.
	Policies []string `json:"policies"`
}

// backendReach checks, for each backend of ing, that an ingress controller reaches the
// Service's pods on the targetPort.
func (f *Facts) backendReach(ing *model.Ingress) []BackendReach {
	g, r := f.graph, f.Reach()
	out := make([]BackendReach, len(ing.Backends))
	for i, b := range ing.Backends {
		out[i] = BackendReach{Blocked: []string{}, Ports: []int{}, Policies: []string{}}
		if b.Service == "" {
			continue
		}
		s := g.Service(ing.Namespace, b.Service)
		if s == nil || s.Selector == nil {
			continue
		}
		sp := servicePort(s, b.Port)
		if sp == nil {
			continue
		}
		out[i] = f.blockedFrom(r.ControllersFor(g, ing.ClassName), s, *sp)
	}
	return out
}

// blockedFrom checks that one of the sources (ingress controllers, a Gateway's data
// plane) reaches each pod behind Service port sp on its targetPort, as traffic arrives
// after DNAT; it says which are blocked, by which policies, and the fix.
func (f *Facts) blockedFrom(sources []*Node, s *model.Service, sp model.ServicePort) BackendReach {
	r := f.Reach()
	out := BackendReach{Blocked: []string{}, Ports: []int{}, Policies: []string{}}
	policies := map[string]bool{}
	for e := range f.endpoints(s, sp) {
		n, port := e.node, e.port
		if !e.ok || n.HostNetwork {
			continue
		}
		reached := false
		var denied []*Node
		for _, src := range sources {
			if src.HostNetwork {
				// The source's traffic carries node addresses: whether a policy admits it
				// depends on the node range, which manifests do not show.
				reached = true
				break
			}
			if r.Allowed(src, n).Contains(sp.Protocol, port) {
				reached = true
				break
			}
			denied = append(denied, src)
		}
		if reached || len(denied) == 0 {
			continue
		}
		out.Blocked = append(out.Blocked, n.ID)
		out.Ports = append(out.Ports, port)
		ex := r.Explain(denied[0], n, sp.Protocol, port)
		ex.blockingPolicies(policies)
		if out.Fix == "" {
			out.Fix = servicePortMistake(ex, sp, port)
			if out.Fix == "" {
				out.Fix = ex.Fix
			}
		}
	}
	out.Policies = slices.Sorted(maps.Keys(policies))
	return out
}

// serviceReach checks each Service port: do its pods admit, on the targetPort, any
// client at all?
func (f *Facts) serviceReach(s *model.Service, clients bitset, pfs map[string]*PolicyFacts) []ServicePortReach {
	out := make([]ServicePortReach, len(s.Ports))
	if s.Selector == nil || s.Invalid {
		return out
	}
	for i, sp := range s.Ports {
		out[i].Policies = []string{}
		admitted, checked := false, false
		var first endpoint
		for e := range f.endpoints(s, sp) {
			if !e.ok || e.node.HostNetwork || !e.node.Workload.ContainersKnown {
				admitted = true // nothing to judge: other rules speak of it
				break
			}
			if !checked {
				first = e
			}
			checked = true
			if f.Reach().admitsAnyClient(e.node.class, sp.Protocol, e.port, clients, pfs) {
				admitted = true
				break
			}
		}
		out[i].Unreachable = checked && !admitted
		if out[i].Unreachable {
			r := f.Reach()
			ids := map[string]bool{}
			// What denies the outside world, and a pod of the cluster (the ingress
			// controller's): other kinds decide them apart.
			from := []*Node{r.Node(ExternalID)}
			if len(r.Ingress) > 0 {
				from = append(from, r.Ingress[0])
			}
			for _, n := range from {
				r.Explain(n, first.node, sp.Protocol, first.port).blockingPolicies(ids)
			}
			out[i].Policies = slices.Sorted(maps.Keys(ids))
		}
	}
	return out
}

// admitsAnyClient: some rule admits, on the port, a workload of the input, an ingress
// controller, an address, or a peer that may match pods the input does not show.
func (r *Reach) admitsAnyClient(dst *class, proto string, port int, clients bitset, pfs map[string]*PolicyFacts) bool {
	if !dst.ingress.simple() {
		// Cluster-wide rules: the clients the input shows and the outside world are
		// judged by the verdict, pods it does not show by the rules that may match them.
		cand := r.permitted(dst, clients)
		if ingressPorts(r.external, dst).Contains(proto, port) || cand.any(func(i int) bool {
			return ingressPorts(r.classes[i], dst).Contains(proto, port)
		}) {
			return true
		}
		switch unseenVerdict(dst, proto, port) {
		case model.ActionAccept:
			return true
		case model.ActionDeny:
			return false
		}
	}
	if !dst.isolatedIn() {
		return true
	}
	for _, a := range dst.ingress.admits {
		if !a.ports.resolve(dst).Contains(proto, port) {
			continue
		}
		if a.allPeers || a.external || a.open {
			return true
		}
		if pf := pfs[a.policy.ID]; pf != nil && a.rule < len(pf.Ingress) {
			for _, peer := range pf.Ingress[a.rule] {
				if !peer.Closed {
					return true
				}
			}
		}
		if a.peers.intersects(clients) {
			return true
		}
	}
	return false
}

// servicePortMistake recognises the classic mistake: a rule that admits the peer on the
// Service port, while after DNAT the pods receive the targetPort. It returns the hint,
// or "".
func servicePortMistake(e Explanation, sp model.ServicePort, target int) string {
	if sp.Port == target {
		return ""
	}
	for _, near := range append(append([]RuleRef{}, e.Ingress.Near...), e.Egress.Near...) {
		if near.Ports.Contains(sp.Protocol, sp.Port) {
			tp := fmt.Sprint(target)
			if sp.TargetPort.IsStr {
				tp = fmt.Sprintf("%d (or the name %s)", target, sp.TargetPort.Str)
			}
			return fmt.Sprintf("%s admits this peer on port %d, the Service port; after DNAT the pods receive the targetPort: change the rule's port to %s",
				near, sp.Port, tp)
		}
	}
	return ""
}

// permitted narrows clients to those some rule of dst's ingress may let in: the peers of
// its allows and its Accept and Allow rules (a Pass lets nothing in by itself); every
// client when the side lets through what no rule decides, or a rule admits every peer.
func (r *Reach) permitted(dst *class, clients bitset) bitset {
	sd := &dst.ingress
	denyEnd := dst.isolatedIn()
	for _, t := range sd.calico {
		denyEnd = denyEnd || !t.pass
	}
	if !denyEnd {
		return clients
	}
	cand := bitset{}
	for _, a := range sd.admits {
		if a.allPeers {
			return clients
		}
		cand.or(a.peers)
	}
	for _, t := range append(append([]*tierRule{}, sd.admin...), sd.base...) {
		if t.action != model.ActionAccept {
			continue
		}
		if t.everyPod || t.allPods {
			return clients
		}
		cand.or(t.peers)
	}
	for _, t := range sd.calico {
		for _, p := range t.policies {
			for _, cr := range p.rules {
				if cr.action == "Allow" {
					cand.or(cr.a.peers)
				}
			}
		}
	}
	cand.and(clients)
	return cand
}

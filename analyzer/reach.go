package analyzer

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
	"sync"

	"github.com/kubenet/kubenet/model"
)

// This file is the NetworkPolicy solver (networking.k8s.io/v1); compile.go compiles the
// policies, connections.go lists what they allow. Pods are grouped into equivalence
// classes: same namespace, labels, named ports and hostNetwork behave the same under
// every policy, so the solver works on classes, never on replicas. A peer of a rule
// compiles once into a bitset of classes; a verdict is the intersection of the
// source's egress and the destination's ingress, each a union of per-rule port sets.

// NodeKind says what a reachability node stands for.
type NodeKind string

// Node kinds.
const (
	// KindWorkload is a workload of the input (or a custom resource that creates pods).
	KindWorkload NodeKind = "workload"
	// KindDNS is the cluster DNS, assumed when the input does not contain it.
	KindDNS NodeKind = "dns"
	// KindIngressController is the ingress controller, assumed when the input does not contain it.
	KindIngressController NodeKind = "ingress-controller"
	// KindGatewayDataPlane is the pods that carry a Gateway's traffic, assumed when the
	// input does not contain them.
	KindGatewayDataPlane NodeKind = "gateway-data-plane"
	// KindExternal stands for every address outside the cluster's pods.
	KindExternal NodeKind = "external"
)

// GatewayNameLabel is the label the Gateway API asks in-cluster gateway deployments to
// put on their pods (GEP-1762): the Gateway's name.
const GatewayNameLabel = "gateway.networking.k8s.io/gateway-name"

// ExternalID is the id of the node for addresses outside the cluster's pods.
const ExternalID = "External"

// Node is one endpoint of the reachability matrix: a workload, an assumed cluster
// component, or External.
type Node struct {
	ID        string
	Kind      NodeKind
	Namespace string
	Labels    map[string]string
	// Workload is nil for assumed components and External.
	Workload *model.Workload
	// Ports are the container ports of the node's pods (for named-port resolution).
	Ports []model.ContainerPort
	// HostNetwork pods are not governed by pod NetworkPolicies.
	HostNetwork bool

	class *class
}

// Assumed reports whether the node is not in the input but modelled from the cluster
// configuration (DNS, ingress controller).
func (n *Node) Assumed() bool {
	return n.Workload == nil && n.Kind != KindExternal
}

// class is a set of nodes that every policy treats alike.
type class struct {
	idx      int
	ns       string
	labels   map[string]string
	named    map[string]int // "name/PROTO" -> container port
	hostNet  bool
	external bool
	nodes    []*Node

	// What decides the class's ingress and egress, tier by tier.
	ingress, egress side
}

// side is what decides one direction of a class's traffic, tier by tier (tiers.go): the
// Admin-tier rules, the NetworkPolicy tier, the Baseline-tier rules.
type side struct {
	// policies are the policies of the NetworkPolicy tier that isolate the class in this
	// direction, admits their rules.
	policies []*model.Policy
	admits   []*admit
	// cluster lists the cluster-wide policies whose subject holds the class with rules
	// in this direction; admin and base are those rules, in order of precedence.
	cluster     []*model.ClusterPolicy
	admin, base []*tierRule
	// denies are deny rules of the NetworkPolicy tier (Cilium's ingressDeny and
	// egressDeny): they win over its allows.
	denies []*admit
	// calico are Calico's tiers that select the class for this direction, in order.
	calico []*calicoTier
}

// simple reports whether only the NetworkPolicy tier's allows decide the side.
func (s *side) simple() bool { return len(s.admin)+len(s.base)+len(s.denies)+len(s.calico) == 0 }

// admit is one rule of a policy that selects a class: which peers, which ports.
type admit struct {
	policy *model.Policy
	egress bool
	rule   int
	// allPeers: from/to is empty, every pod and every address.
	allPeers bool
	// npeers is the number of from/to elements.
	npeers int
	peers  bitset
	// external: an ipBlock peer (addresses outside the cluster's pods).
	external bool
	ipBlocks []string
	ports    portSpec

	// Rules of other kinds in the NetworkPolicy tier (Cilium's) say where they are
	// (where, pos), whether they deny, and how they match: hostNets matches host-network
	// pods, externalOnly keeps external from matching them, open may match pods the
	// input does not show; l7 names the L7 rules that refine the port.
	where        string
	pos          model.Pos
	deny         bool
	hostNets     bool
	externalOnly bool
	open         bool
	l7           string
	// dns: the rule has DNS rules (Cilium's DNS proxy sees the lookups it admits).
	dns bool
	// externalAll: its external peers cover every address outside the cluster (an
	// ipBlock, a CIDR or nets of length 0, Cilium's world), not only some.
	externalAll bool
}

// matches reports whether the rule admits peers of class c. Traffic of host-network
// pods carries the node's address: pod and namespace selectors do not match it (most
// CNIs; the API leaves it undefined), an ipBlock may, like any address.
func (a *admit) matches(c *class) bool {
	if a.allPeers {
		return true
	}
	switch {
	case c.external:
		return a.external
	case c.hostNet:
		return a.hostNets || (a.external && !a.externalOnly)
	}
	return a.peers.has(c.idx)
}

// bitset is a set of class indexes, held as the words from the first that holds a
// member to the last: a peer's classes are usually a few namespaces' worth, and a set
// as wide as the cluster for each of ten thousand rules would be most of a large run's
// memory. The zero value is the empty set.
type bitset struct {
	lo int // the word w[0] holds
	w  []uint64
}

// set adds i, widening the window to hold it.
func (b *bitset) set(i int) {
	b.widen(i/64, i/64+1)
	b.w[i/64-b.lo] |= 1 << (uint(i) % 64)
}

// widen makes the window cover words [lo, hi).
func (b *bitset) widen(lo, hi int) {
	if len(b.w) == 0 {
		b.lo, b.w = lo, make([]uint64, hi-lo)
		return
	}
	if lo < b.lo {
		w := make([]uint64, b.lo+len(b.w)-lo, max(b.lo+cap(b.w), hi)-lo)
		copy(w[b.lo-lo:], b.w)
		b.lo, b.w = lo, w
	}
	if end := b.lo + len(b.w); hi > end {
		b.w = append(b.w, make([]uint64, hi-end)...)
	}
}

func (b bitset) has(i int) bool {
	k := i/64 - b.lo
	return k >= 0 && k < len(b.w) && b.w[k]&(1<<(uint(i)%64)) != 0
}

// or adds the members of o.
func (b *bitset) or(o bitset) {
	lo, hi := o.lo, o.lo+len(o.w)
	for lo < hi && o.w[lo-o.lo] == 0 {
		lo++
	}
	for hi > lo && o.w[hi-1-o.lo] == 0 {
		hi--
	}
	if lo == hi {
		return
	}
	b.widen(lo, hi)
	for k := lo; k < hi; k++ {
		b.w[k-b.lo] |= o.w[k-o.lo]
	}
}

// and keeps the members that o holds too.
func (b *bitset) and(o bitset) {
	for k := range b.w {
		if j := b.lo + k - o.lo; j >= 0 && j < len(o.w) {
			b.w[k] &= o.w[j]
		} else {
			b.w[k] = 0
		}
	}
}

func (b bitset) empty() bool {
	for _, w := range b.w {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) intersects(o bitset) bool {
	lo, hi := max(b.lo, o.lo), min(b.lo+len(b.w), o.lo+len(o.w))
	for k := lo; k < hi; k++ {
		if b.w[k-b.lo]&o.w[k-o.lo] != 0 {
			return true
		}
	}
	return false
}

// any reports whether f holds for some member, stopping at the first.
func (b bitset) any(f func(i int) bool) bool {
	for w, word := range b.w {
		for word != 0 {
			t := bits.TrailingZeros64(word)
			if f((b.lo+w)*64 + t) {
				return true
			}
			word &= word - 1
		}
	}
	return false
}

func (b bitset) each(f func(i int)) {
	for w, word := range b.w {
		for word != 0 {
			t := bits.TrailingZeros64(word)
			f((b.lo+w)*64 + t)
			word &= word - 1
		}
	}
}

// Reach is the solved reachability of a graph.
type Reach struct {
	nodes   []*Node
	byID    map[string]*Node
	classes []*class
	// external is the class of External (the last class).
	external *class
	// DNS and Ingress are the nodes of the cluster DNS and ingress controllers.
	DNS     []*Node
	Ingress []*Node
	// controllerOf maps an ingress controller node to its configuration entry.
	controllerOf map[*Node]IngressController
	// gateways maps a Gateway's id to the nodes of its data plane.
	gateways map[string][]*Node
	// PolicySelects maps a policy id to the nodes it selects.
	policySelects map[string][]*Node
	// peerMatches maps a policy id to, per direction and rule and peer, the classes matched.
	peerMatches map[string]*policyPeers
	// clusterSelects and clusterMatches are the same for cluster-wide policies.
	clusterSelects map[string][]*Node
	clusterMatches map[string]*clusterPeers
	// ciliumSelects maps a Cilium policy's id to the nodes its rules select, and
	// ciliumRules to the classes each of its rules selects (index-aligned with Rules).
	ciliumSelects map[string][]*Node
	ciliumRules   map[string][][]*class
	namespaces    map[string]map[string]string
	// hostNet lists the classes of host-network pods.
	hostNet []*class
	// declared lists the namespaces the input declares with a Namespace object.
	declared map[string]bool
	// selectAll lists, per namespace, the policies with an empty podSelector.
	selectAll map[string][]*model.Policy
	cfg       Config
	// nsMatch caches namespacesMatching by selector; nsNames are the namespaces, sorted.
	nsMatch   map[string][]string
	nsNames   []string
	nsMatchMu sync.Mutex
	// shadowStates are the states of the shadowing walk (shadowedRules), reused.
	shadowStates shadowStates
}

// Nodes returns every node: workloads in input order, then assumed components, then External.
func (r *Reach) Nodes() []*Node { return r.nodes }

// Node returns the node with that id, or nil.
func (r *Reach) Node(id string) *Node { return r.byID[id] }

// Namespaces returns the labels of every namespace the solver knows (declared, implied
// and assumed).
func (r *Reach) Namespaces() map[string]map[string]string { return r.namespaces }

func solve(g *model.Graph, cfg Config) *Reach {
	r := &Reach{byID: map[string]*Node{}, policySelects: map[string][]*Node{}, peerMatches: map[string]*policyPeers{},
		clusterSelects: map[string][]*Node{}, clusterMatches: map[string]*clusterPeers{}, ciliumSelects: map[string][]*Node{}, ciliumRules: map[string][][]*class{},
		namespaces: map[string]map[string]string{}, selectAll: map[string][]*model.Policy{}, cfg: cfg}
	r.declared = map[string]bool{}
	for name, labels := range cfg.Namespaces {
		r.namespaces[name] = labels
	}
	for _, ns := range g.Namespaces {
		r.namespaces[ns.Name] = ns.Labels
		r.declared[ns.Name] = ns.Declared
	}
	for _, w := range g.Workloads {
		n := &Node{ID: w.ID, Kind: KindWorkload, Namespace: w.Namespace, Labels: w.PodLabels, Workload: w, HostNetwork: w.HostNetwork}
		for _, c := range w.Containers {
			if c.Serves() {
				n.Ports = append(n.Ports, c.Ports...)
			}
		}
		r.add(n)
	}
	r.assumeComponents(g)
	r.gatewayDataPlanes(g)
	ext := &Node{ID: ExternalID, Kind: KindExternal}
	r.add(ext)
	r.classify()
	r.external = ext.class
	r.applyPolicies(g)
	return r
}

func (r *Reach) add(n *Node) {
	if _, dup := r.byID[n.ID]; dup {
		return
	}
	r.nodes = append(r.nodes, n)
	r.byID[n.ID] = n
	if n.Namespace != "" {
		if _, ok := r.namespaces[n.Namespace]; !ok {
			r.namespaces[n.Namespace] = map[string]string{model.MetadataNameLabel: n.Namespace}
		}
	}
}

// assumeComponents adds the cluster DNS and the ingress controller when the input does
// not contain them, as the configuration describes them.
func (r *Reach) assumeComponents(g *model.Graph) {
	for _, n := range r.nodes {
		if n.Namespace == r.cfg.DNS.Namespace && model.SubsetOf(r.cfg.DNS.Labels, n.Labels) {
			r.DNS = append(r.DNS, n)
		}
	}
	if len(r.DNS) == 0 {
		n := &Node{ID: r.cfg.DNS.Namespace + "/ClusterDNS/kube-dns", Kind: KindDNS, Namespace: r.cfg.DNS.Namespace,
			Labels: r.cfg.DNS.Labels, Ports: r.cfg.DNS.Ports}
		r.add(n)
		r.DNS = []*Node{n}
	}
	// Controllers in the input are found by their labels, wherever they are deployed.
	r.controllerOf = map[*Node]IngressController{}
	for _, n := range r.nodes {
		for _, ctl := range r.cfg.IngressControllers {
			if n.Workload != nil && len(ctl.Labels) > 0 && model.SubsetOf(ctl.Labels, n.Labels) {
				r.Ingress = append(r.Ingress, n)
				r.controllerOf[n] = ctl
				break
			}
		}
	}
	if len(r.Ingress) == 0 && len(r.cfg.IngressControllers) > 0 {
		ctl := r.cfg.IngressControllers[0]
		for _, c := range r.cfg.IngressControllers {
			if c.Default {
				ctl = c
			}
		}
		n := &Node{ID: ctl.Namespace + "/IngressController/" + ctl.Name, Kind: KindIngressController,
			Namespace: ctl.Namespace, Labels: ctl.Labels}
		r.add(n)
		r.Ingress = []*Node{n}
		r.controllerOf[n] = ctl
	}
}

// gatewayDataPlanes finds the pods that carry each Gateway's traffic, by the
// controller of its class (gatewayDataPlane): the workloads of the input that match,
// or, when there are none, an assumed node. A controller without per-Gateway pods
// (Cilium's Envoy runs on the nodes) has no data plane to judge.
func (r *Reach) gatewayDataPlanes(g *model.Graph) {
	r.gateways = map[string][]*Node{}
	controllers := map[string]string{}
	for _, gc := range g.GatewayClasses {
		controllers[gc.Name] = gc.Controller
	}
	for _, gw := range g.Gateways {
		ns, labels, ok := gatewayDataPlane(r.cfg.GatewayClasses, controllers[gw.ClassName], gw)
		if !ok {
			continue
		}
		for _, n := range r.nodes {
			if n.Workload != nil && n.Namespace == ns && model.SubsetOf(labels, n.Labels) {
				r.gateways[gw.ID] = append(r.gateways[gw.ID], n)
			}
		}
		if len(r.gateways[gw.ID]) == 0 {
			n := &Node{ID: ns + "/GatewayDataPlane/" + gw.Name, Kind: KindGatewayDataPlane, Namespace: ns, Labels: labels}
			r.add(n)
			r.gateways[gw.ID] = []*Node{r.byID[n.ID]}
		}
	}
}

// gatewayDataPlane says where a Gateway's data plane runs and how its pods are
// labelled: as the configuration says for its class (cluster.gatewayClasses), or by its
// class's controller: Envoy Gateway's default deployment mode runs the proxies in
// envoy-gateway-system with owning-gateway labels; Cilium has no per-Gateway pods (ok
// is false); every other controller follows GEP-1762 (the Gateway's namespace,
// gateway.networking.k8s.io/gateway-name).
func gatewayDataPlane(classes []model.GatewayClassEntry, controller string, gw *model.Gateway) (ns string, labels map[string]string, ok bool) {
	for _, e := range classes {
		if e.Name != gw.ClassName {
			continue
		}
		if e.None {
			return "", nil, false
		}
		ns = e.Namespace
		if ns == "" {
			ns = gw.Namespace
		}
		labels = map[string]string{}
		expand := strings.NewReplacer("{gateway}", gw.Name, "{namespace}", gw.Namespace)
		for k, v := range e.Labels {
			labels[k] = expand.Replace(v)
		}
		return ns, labels, true
	}
	switch controller {
	case "gateway.envoyproxy.io/gatewayclass-controller":
		return "envoy-gateway-system", map[string]string{
			"gateway.envoyproxy.io/owning-gateway-name":      gw.Name,
			"gateway.envoyproxy.io/owning-gateway-namespace": gw.Namespace,
		}, true
	case "io.cilium/gateway-controller":
		return "", nil, false
	}
	return gw.Namespace, map[string]string{GatewayNameLabel: gw.Name}, true
}

// GatewayDataPlane returns the nodes that carry the traffic of the Gateway with that id.
func (r *Reach) GatewayDataPlane(id string) []*Node { return r.gateways[id] }

// classify groups nodes into classes.
func (r *Reach) classify() {
	byKey := map[string]*class{}
	for _, n := range r.nodes {
		key := classKey(n)
		c := byKey[key]
		if c == nil {
			c = &class{idx: len(r.classes), ns: n.Namespace, labels: n.Labels, hostNet: n.HostNetwork,
				external: n.Kind == KindExternal, named: map[string]int{}}
			for _, p := range n.Ports {
				if p.Name != "" {
					if _, ok := c.named[p.Name+"/"+p.Protocol]; !ok {
						c.named[p.Name+"/"+p.Protocol] = p.ContainerPort
					}
				}
			}
			byKey[key] = c
			r.classes = append(r.classes, c)
		}
		c.nodes = append(c.nodes, n)
		n.class = c
	}
	for _, c := range r.classes {
		if c.hostNet {
			r.hostNet = append(r.hostNet, c)
		}
	}
}

func classKey(n *Node) string {
	if n.Kind == KindExternal {
		return "\x00external"
	}
	var b strings.Builder
	b.WriteString(n.Namespace)
	b.WriteByte(0)
	b.WriteString(model.FormatLabels(n.Labels))
	b.WriteByte(0)
	var named []string
	for _, p := range n.Ports {
		if p.Name != "" {
			named = append(named, fmt.Sprintf("%s/%s=%d", p.Name, p.Protocol, p.ContainerPort))
		}
	}
	sort.Strings(named)
	b.WriteString(strings.Join(named, ","))
	if n.HostNetwork {
		b.WriteString("\x00host")
	}
	return b.String()
}

// isolatedIn reports whether the class is isolated for ingress. hostNetwork pods are
// not governed by pod NetworkPolicies, and External is not a pod.
func (c *class) isolatedIn() bool  { return len(c.ingress.policies) > 0 && !c.hostNet && !c.external }
func (c *class) isolatedOut() bool { return len(c.egress.policies) > 0 && !c.hostNet && !c.external }

// egressPorts is what src's egress admits towards dst.
func egressPorts(src, dst *class) PortSet {
	return src.egress.verdict(src.isolatedOut(), src, dst, dst)
}

// ingressPorts is what dst's ingress admits from src.
func ingressPorts(src, dst *class) PortSet {
	return dst.ingress.verdict(dst.isolatedIn(), dst, src, dst)
}

// admitted is the union of the ports of the rules that admit peer (named ports resolved
// on the destination dst), or every port when the side is not isolated.
func admitted(isolated bool, rules []*admit, peer, dst *class) PortSet {
	if !isolated {
		return allPorts
	}
	var out PortSet
	for _, a := range rules {
		if a.matches(peer) {
			out = out.Union(a.ports.resolve(dst))
		}
	}
	return out
}

// Allowed returns the ports on which from may open connections to to.
func (r *Reach) Allowed(from, to *Node) PortSet {
	return egressPorts(from.class, to.class).Intersect(ingressPorts(from.class, to.class))
}

// IngressIsolated reports whether n is isolated for ingress, and by which policies.
func (r *Reach) IngressIsolated(n *Node) (bool, []*model.Policy) {
	return n.class.isolatedIn(), n.class.ingress.policies
}

// EgressIsolated reports whether n is isolated for egress, and by which policies.
func (r *Reach) EgressIsolated(n *Node) (bool, []*model.Policy) {
	return n.class.isolatedOut(), n.class.egress.policies
}

// ControllersFor returns the ingress controller nodes that serve an ingress class: those
// whose controller the IngressClass names, or every controller when that is unknown.
func (r *Reach) ControllersFor(g *model.Graph, class string) []*Node {
	controller := ""
	for _, ic := range g.IngressClasses {
		if (class == "" && ic.IsDefault) || (class != "" && ic.Name == class) {
			controller = ic.Controller
		}
	}
	if controller == "" {
		return r.Ingress
	}
	var out []*Node
	for _, n := range r.Ingress {
		if r.controllerOf[n].Controller == controller {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return r.Ingress // a controller kubenet does not know: judge by all it knows
	}
	return out
}

// Selected returns the nodes a policy selects.
func (r *Reach) Selected(policyID string) []*Node { return r.policySelects[policyID] }

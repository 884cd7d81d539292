package analyzer

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// This file is the NetworkPolicy solver (networking.k8s.io/v1). Pods are grouped into
// equivalence classes: same namespace, labels, named ports and hostNetwork behave the
// same under every policy, so the solver works on classes, never on replicas. A peer of
// a rule compiles once into a bitset of classes; a verdict is the intersection of the
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
	// KindExternal stands for every address outside the cluster's pods.
	KindExternal NodeKind = "external"
)

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

	// Ingress (egress) isolation: the policies that select the class with that type.
	inPolicies, outPolicies []*model.Policy
	in, out                 []*admit
}

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
}

// matches reports whether the rule admits peers of class c. Traffic of host-network
// pods carries the node's address: pod and namespace selectors do not match it (most
// CNIs; the API leaves it undefined), an ipBlock may, like any address.
func (a *admit) matches(c *class) bool {
	if a.allPeers {
		return true
	}
	if c.external || c.hostNet {
		return a.external
	}
	return a.peers.has(c.idx)
}

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

type bitset []uint64

func newBitset(n int) bitset    { return make(bitset, (n+63)/64) }
func (b bitset) set(i int)      { b[i/64] |= 1 << (uint(i) % 64) }
func (b bitset) has(i int) bool { return i/64 < len(b) && b[i/64]&(1<<(uint(i)%64)) != 0 }
func (b bitset) or(o bitset) {
	for i := range b {
		b[i] |= o[i]
	}
}
func (b bitset) each(f func(i int)) {
	for w, word := range b {
		for word != 0 {
			t := bits.TrailingZeros64(word)
			f(w*64 + t)
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
	// PolicySelects maps a policy id to the nodes it selects.
	policySelects map[string][]*Node
	// peerMatches maps a policy id to, per direction and rule and peer, the classes matched.
	peerMatches map[string]*policyPeers
	namespaces  map[string]map[string]string
	// hostNet lists the classes of host-network pods.
	hostNet []*class
	// declared lists the namespaces the input declares with a Namespace object.
	declared map[string]bool
	// selectAll lists, per namespace, the policies with an empty podSelector.
	selectAll map[string][]*model.Policy
	cfg       Config
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

// Nodes returns every node: workloads in input order, then assumed components, then External.
func (r *Reach) Nodes() []*Node { return r.nodes }

// Node returns the node with that id, or nil.
func (r *Reach) Node(id string) *Node { return r.byID[id] }

// Namespaces returns the labels of every namespace the solver knows (declared, implied
// and assumed).
func (r *Reach) Namespaces() map[string]map[string]string { return r.namespaces }

func solve(g *model.Graph, cfg Config) *Reach {
	r := &Reach{byID: map[string]*Node{}, policySelects: map[string][]*Node{}, peerMatches: map[string]*policyPeers{},
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
				c.inPolicies = append(c.inPolicies, p)
				c.in = append(c.in, ins...)
			}
			if hasOut {
				c.outPolicies = append(c.outPolicies, p)
				c.out = append(c.out, outs...)
			}
		}
	}
}

// peerMatcher finds the classes a from/to element matches, once per distinct element.
type peerMatcher struct {
	r *Reach
	// byNS lists the classes of pods per namespace; nsNames are the namespaces, sorted.
	byNS    map[string][]*class
	nsNames []string
	cache   map[string]peerMatch
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
	pm := peerMatch{classes: newBitset(len(m.r.classes))}
	var spaces []string
	if peer.NamespaceSelector == nil {
		spaces = []string{p.Namespace}
	} else {
		for _, ns := range m.nsNames {
			if peer.NamespaceSelector.Matches(m.r.namespaces[ns]) {
				spaces = append(spaces, ns)
			}
		}
	}
	pm.namespaces = len(spaces)
	for _, ns := range spaces {
		for _, c := range m.byNS[ns] {
			if peer.PodSelector == nil || peer.PodSelector.Matches(c.labels) {
				if c.hostNet {
					pm.hostNet++
				} else {
					pm.classes.set(c.idx)
				}
			}
		}
	}
	m.cache[key] = pm
	return pm
}

// compileRules compiles the ingress (or egress) rules of policy p: per rule, the
// admit, and what each of its peers matches.
func (r *Reach) compileRules(p *model.Policy, rules []model.PolicyRule, egress bool, m *peerMatcher) ([]*admit, [][]peerMatch) {
	var out []*admit
	var matches [][]peerMatch
	for i := range rules {
		rule := &rules[i]
		a := &admit{policy: p, egress: egress, rule: i, allPeers: len(rule.Peers) == 0, npeers: len(rule.Peers), ports: compilePorts(rule.Ports)}
		var ms []peerMatch
		if !a.allPeers {
			a.peers = newBitset(len(r.classes))
			for j := range rule.Peers {
				pm := m.match(p, &rule.Peers[j])
				ms = append(ms, pm)
				if pm.external {
					a.external = true
					a.ipBlocks = append(a.ipBlocks, ipBlockString(rule.Peers[j].IPBlock))
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
		switch {
		case p.Port == nil:
			ps.fixed = ps.fixed.Union(PortsOf(p.Protocol, 1, 65535))
		case p.Port.IsStr:
			ps.named = append(ps.named, namedPort{p.Port.Str, p.Protocol})
		case p.EndPort > 0:
			ps.fixed = ps.fixed.Union(PortsOf(p.Protocol, p.Port.Int, p.EndPort))
		default:
			ps.fixed = ps.fixed.Union(PortsOf(p.Protocol, p.Port.Int, p.Port.Int))
		}
	}
	return ps
}

// isolatedIn reports whether the class is isolated for ingress. hostNetwork pods are
// not governed by pod NetworkPolicies, and External is not a pod.
func (c *class) isolatedIn() bool  { return len(c.inPolicies) > 0 && !c.hostNet && !c.external }
func (c *class) isolatedOut() bool { return len(c.outPolicies) > 0 && !c.hostNet && !c.external }

// egressPorts is what src's egress admits towards dst.
func egressPorts(src, dst *class) PortSet { return admitted(src.isolatedOut(), src.out, dst, dst) }

// ingressPorts is what dst's ingress admits from src.
func ingressPorts(src, dst *class) PortSet { return admitted(dst.isolatedIn(), dst.in, src, dst) }

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
	return n.class.isolatedIn(), n.class.inPolicies
}

// EgressIsolated reports whether n is isolated for egress, and by which policies.
func (r *Reach) EgressIsolated(n *Node) (bool, []*model.Policy) {
	return n.class.isolatedOut(), n.class.outPolicies
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

// Connection is one allowed edge of the matrix.
type Connection struct {
	From, To *Node
	Ports    PortSet
}

// Connections lists every allowed connection, grouped by source
// (in the order of the sources' classes, then of their nodes) and then by destination.
// A workload's connection to itself is the traffic between its own pods (the replicas
// of a StatefulSet or a clustered Deployment talk to each other); the other nodes
// (ingress controllers, DNS, the outside world) stand for pods kubenet cannot see and
// have none. Pairs not listed are denied on every port.
func (r *Reach) Connections() []Connection {
	buckets := r.classConnections()
	total := 0
	for src, conns := range buckets {
		for _, c := range conns {
			total += len(r.classes[src].nodes) * len(r.classes[c.to].nodes)
		}
	}
	out := make([]Connection, 0, total)
	r.expand(buckets, func(c Connection) { out = append(out, c) })
	return out
}

// EachConnection calls f for every allowed connection, in the order of Connections,
// without building the list (a large matrix is streamed to its output).
func (r *Reach) EachConnection(f func(Connection)) { r.expand(r.classConnections(), f) }

func (r *Reach) expand(buckets [][]classConn, f func(Connection)) {
	for src, conns := range buckets {
		for _, from := range r.classes[src].nodes {
			for _, c := range conns {
				for _, to := range r.classes[c.to].nodes {
					if from != to || from.Workload != nil {
						f(Connection{From: from, To: to, Ports: c.ports})
					}
				}
			}
		}
	}
}

// classConn is an allowed connection towards class to.
type classConn struct {
	to    int
	ports PortSet
}

// classConnections solves every class pair: for each source class, the destination
// classes it may reach and on which ports, in destination order. It never enumerates
// replicas, and only visits the sources a destination's ingress rules can admit.
func (r *Reach) classConnections() [][]classConn {
	n := len(r.classes)
	buckets := make([][]classConn, n)
	all := newBitset(n)
	for _, c := range r.classes {
		all.set(c.idx)
	}
	type resolved struct {
		a     *admit
		ports PortSet
	}
	var in []resolved
	for _, dst := range r.classes {
		sources := all
		isolated := dst.isolatedIn()
		in = in[:0]
		if isolated {
			sources = newBitset(n)
			for _, a := range dst.in {
				in = append(in, resolved{a, a.ports.resolve(dst)})
				switch {
				case a.allPeers:
					sources = all
				case !sameBitset(sources, all):
					sources.or(a.peers)
					if a.external {
						sources.set(r.external.idx)
						for _, h := range r.hostNet {
							sources.set(h.idx)
						}
					}
				}
			}
		}
		sources.each(func(i int) {
			src := r.classes[i]
			egress := egressPorts(src, dst)
			if egress.IsEmpty() {
				return
			}
			ingress := allPorts
			if isolated {
				ingress = PortSet{}
				for _, ra := range in {
					if ra.a.matches(src) {
						ingress = ingress.Union(ra.ports)
					}
				}
			}
			if ps := egress.Intersect(ingress); !ps.IsEmpty() {
				buckets[i] = append(buckets[i], classConn{dst.idx, ps})
			}
		})
	}
	return buckets
}

func sameBitset(a, b bitset) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

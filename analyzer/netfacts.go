package analyzer

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// NetFacts are the reachability facts the policy rules judge, computed from the solver.
type NetFacts struct {
	// Policies maps a NetworkPolicy id to what it selects and what its peers match.
	Policies map[string]*PolicyFacts `json:"policies"`
	// Workloads maps a workload id to its isolation and DNS reachability.
	Workloads map[string]*WorkloadFacts `json:"workloads"`
	// IngressBackends maps an Ingress id to, per backend (index-aligned), whether the
	// ingress controller reaches the backend's pods.
	IngressBackends map[string][]BackendReach `json:"ingressBackends"`
	// Namespaces maps a namespace to its policy coverage.
	Namespaces map[string]*NamespaceFacts `json:"namespaces"`
	// ServiceReach maps a Service id to, per port (index-aligned), whether any client
	// may reach its pods on the targetPort.
	ServiceReach map[string][]ServicePortReach `json:"serviceReach"`
	// DNSTarget names the cluster DNS the checks use.
	DNSTarget string `json:"dnsTarget"`
	// IngressControllers names the ingress controllers the checks use.
	IngressControllers []string `json:"ingressControllers"`
}

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

// WorkloadFacts describes one workload's isolation.
type WorkloadFacts struct {
	IngressIsolated bool     `json:"ingressIsolated"`
	EgressIsolated  bool     `json:"egressIsolated"`
	IngressPolicies []string `json:"ingressPolicies"`
	EgressPolicies  []string `json:"egressPolicies"`
	HostNetwork     bool     `json:"hostNetwork"`
	// DNS is set for egress-isolated workloads that resolve names through cluster DNS.
	DNS *DNSReach `json:"dns"`
}

// DNS reachability statuses.
const (
	DNSAllowed = "allowed"
	DNSDenied  = "denied"
	// DNSIPBlock: only an ipBlock rule admits the port; whether ipBlock matches pod IPs
	// depends on the CNI.
	DNSIPBlock = "ipblock"
	// DNSAltPort: denied on the configured port but allowed on 5353, where OpenShift's
	// DNS pods listen.
	DNSAltPort = "alt-port"
)

// DNSReach tells whether cluster DNS is reachable on UDP and TCP.
type DNSReach struct {
	UDP  string `json:"udp"`
	TCP  string `json:"tcp"`
	Port int    `json:"port"`
	// EgressAny is false when the egress rules admit nothing at all: the pods are cut off
	// on purpose, DNS included.
	EgressAny bool `json:"egressAny"`
	// PodPeers is true when the egress rules admit pods (a podSelector or
	// namespaceSelector peer, or every destination): pods are reached through Service
	// names, so the pods need DNS. With ipBlock peers only they may connect by address.
	PodPeers bool `json:"podPeers"`
	// Policy is the policy to change (the most specific egress policy), and Fix the rule to add.
	Policy string    `json:"policy"`
	Pos    model.Pos `json:"pos"`
	Fix    string    `json:"fix"`
}

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

// NamespaceFacts describes policy coverage of a namespace.
type NamespaceFacts struct {
	Policies  int `json:"policies"`
	Workloads int `json:"workloads"`
	// Services counts the namespace's Services in the input. With no Service and no
	// workload there, the input says nothing of what runs in the namespace.
	Services int `json:"services"`
	// NotIngressIsolated lists workloads no policy with Ingress type selects.
	NotIngressIsolated []string `json:"notIngressIsolated"`
}

// ServicePortReach tells whether anything may reach a Service port's pods.
type ServicePortReach struct {
	// Unreachable is true when the selected pods admit, on the targetPort, no workload
	// of the input, no ingress controller and no external address.
	Unreachable bool `json:"unreachable"`
}

func (f *Facts) netFacts() *NetFacts {
	g, r := f.graph, f.Reach()
	nf := &NetFacts{Policies: map[string]*PolicyFacts{}, Workloads: map[string]*WorkloadFacts{},
		IngressBackends: map[string][]BackendReach{}, Namespaces: map[string]*NamespaceFacts{},
		ServiceReach: map[string][]ServicePortReach{}, IngressControllers: []string{}}
	if len(r.DNS) > 0 {
		nf.DNSTarget = r.DNS[0].ID
	}
	for _, n := range r.Ingress {
		nf.IngressControllers = append(nf.IngressControllers, n.ID)
	}
	realClasses := newBitset(len(r.classes))
	assumedClasses := newBitset(len(r.classes))
	for _, n := range r.nodes {
		switch {
		case n.Workload != nil:
			realClasses.set(n.class.idx)
		case n.Kind != KindExternal:
			assumedClasses.set(n.class.idx)
		}
	}
	wlNS := map[string]int{}
	for _, w := range g.Workloads {
		if !w.HostNetwork { // policies do not govern host-network pods
			wlNS[w.Namespace]++
		}
	}
	dnsPort := r.dnsPort(g)
	for _, p := range g.Policies {
		if p.Invalid {
			continue
		}
		nf.Policies[p.ID] = r.policyFacts(p, wlNS, dnsPort)
	}
	for _, n := range r.nodes {
		if n.Workload == nil {
			continue
		}
		c := n.class
		wf := &WorkloadFacts{IngressIsolated: c.isolatedIn(), EgressIsolated: c.isolatedOut(),
			IngressPolicies: policyIDs(c.inPolicies), EgressPolicies: policyIDs(c.outPolicies), HostNetwork: n.HostNetwork}
		if wf.EgressIsolated && usesClusterDNS(n.Workload) {
			wf.DNS = r.dnsReach(c, c.out, c.outPolicies, dnsPort)
		}
		nf.Workloads[n.ID] = wf
	}
	for _, ns := range g.Namespaces {
		nsf := &NamespaceFacts{Workloads: wlNS[ns.Name], NotIngressIsolated: []string{}}
		nf.Namespaces[ns.Name] = nsf
	}
	for _, p := range g.Policies {
		if nsf := nf.Namespaces[p.Namespace]; nsf != nil {
			nsf.Policies++
		}
	}
	for _, s := range g.Services {
		if nsf := nf.Namespaces[s.Namespace]; nsf != nil {
			nsf.Services++
		}
	}
	for _, n := range r.nodes {
		if n.Workload != nil && !n.HostNetwork && len(n.class.inPolicies) == 0 {
			if nsf := nf.Namespaces[n.Namespace]; nsf != nil && nsf.Policies > 0 {
				nsf.NotIngressIsolated = append(nsf.NotIngressIsolated, n.ID)
			}
		}
	}
	for _, ing := range g.Ingresses {
		nf.IngressBackends[ing.ID] = f.backendReach(ing)
	}
	clients := realClasses
	for _, n := range r.Ingress {
		clients.set(n.class.idx)
	}
	for _, s := range g.Services {
		nf.ServiceReach[s.ID] = f.serviceReach(s, clients, nf.Policies)
	}
	return nf
}

func policyIDs(ps []*model.Policy) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

// usesClusterDNS reports whether the workload's pods resolve names through cluster DNS.
func usesClusterDNS(w *model.Workload) bool {
	switch w.DNSPolicy {
	case "Default", "None":
		return false
	case "ClusterFirstWithHostNet":
		return true
	}
	return !w.HostNetwork
}

// dnsPort is the container port the DNS pods serve DNS on: the targetPort of the
// kube-dns Service when the input has it, else the configured port.
func (r *Reach) dnsPort(g *model.Graph) int {
	port := 53
	for _, p := range r.cfg.DNS.Ports {
		if p.Protocol == "UDP" {
			port = p.ContainerPort
			break
		}
	}
	if s := g.Service(r.cfg.DNS.Namespace, "kube-dns"); s != nil {
		for _, sp := range s.Ports {
			if sp.Protocol == "UDP" && sp.Port == 53 {
				for _, n := range r.DNS {
					if p, ok := targetPortOn(n, sp); ok {
						port = p
					}
				}
			}
		}
	}
	return port
}

// dnsReach evaluates egress rules (those of an egress-isolated class, or of a
// hypothetical pod) towards the DNS pods.
func (r *Reach) dnsReach(src *class, out []*admit, policies []*model.Policy, port int) *DNSReach {
	d := &DNSReach{UDP: DNSDenied, TCP: DNSDenied, Port: port}
	status := func(proto string) string {
		for _, dns := range r.DNS {
			allowedOut := PortSet{}
			for _, a := range out {
				if a.matches(dns.class) {
					allowedOut = allowedOut.Union(a.ports.resolve(dns.class))
				}
			}
			var in PortSet
			if src != nil {
				in = ingressPorts(src, dns.class)
			} else {
				in = ingressPortsFromAny(dns.class)
			}
			if allowedOut.Intersect(in).Contains(proto, port) {
				return DNSAllowed
			}
			if allowedOut.Contains(proto, 5353) && port != 5353 {
				return DNSAltPort
			}
		}
		for _, a := range out {
			if a.external && a.ports.resolve(r.external).Contains(proto, port) {
				return DNSIPBlock
			}
		}
		return DNSDenied
	}
	d.UDP, d.TCP = status("UDP"), status("TCP")
	for _, a := range out {
		if (a.allPeers || a.npeers > 0) && (a.ports.all || !a.ports.fixed.IsEmpty() || len(a.ports.named) > 0) {
			d.EgressAny = true
		}
	}
	for _, p := range policies {
		for _, rule := range p.Egress {
			if len(rule.Peers) == 0 {
				d.PodPeers = true
			}
			for _, peer := range rule.Peers {
				if peer.PodSelector != nil || peer.NamespaceSelector != nil {
					d.PodPeers = true
				}
			}
		}
	}
	if len(policies) > 0 && (d.UDP != DNSAllowed || d.TCP != DNSAllowed) {
		p := mostSpecific(policies)
		d.Policy, d.Pos = p.ID, p.PolicyTypesPos
		d.Fix = dnsFix(r.cfg.DNS, p.Namespace, port)
	}
	return d
}

// ingressPortsFromAny is what the DNS pods admit from a pod kubenet cannot see: all
// ports unless they are isolated, then what rules with unrestricted peers admit.
func ingressPortsFromAny(dst *class) PortSet {
	if !dst.isolatedIn() {
		return AllPorts()
	}
	var out PortSet
	for _, a := range dst.in {
		if a.allPeers {
			out = out.Union(a.ports.resolve(dst))
		}
	}
	return out
}

func dnsFix(dns DNSServer, ns string, port int) string {
	var b strings.Builder
	b.WriteString("add an egress rule that allows DNS:\n  - to:\n      - namespaceSelector:\n          matchLabels:\n")
	fmt.Fprintf(&b, "            %s: %s\n", model.MetadataNameLabel, dns.Namespace)
	b.WriteString("        podSelector:\n          matchLabels:\n")
	for _, kv := range identifyingLabels(dns.Labels) {
		fmt.Fprintf(&b, "            %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "    ports:\n      - port: %d\n        protocol: UDP\n      - port: %d\n        protocol: TCP", port, port)
	return b.String()
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
		if !destinationsKnown(rule, pf.Egress[i]) {
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
	for ns, labels := range r.namespaces {
		if peer.NamespaceSelector.Matches(labels) {
			total++
			if wlNS[ns] > 0 {
				with++
			}
		}
	}
	return total, with
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
			if _, ok := c.named[pp.Port.Str+"/"+pp.Protocol]; ok {
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
		policies := map[string]bool{}
		for e := range f.endpoints(s, *sp) {
			n, port := e.node, e.port
			if !e.ok || n.HostNetwork {
				continue
			}
			reached := false
			var denied []*Node
			for _, ctl := range r.ControllersFor(g, ing.ClassName) {
				if ctl.HostNetwork {
					// The controller's traffic carries node addresses: whether a policy
					// admits it depends on the node range, which manifests do not show.
					reached = true
					break
				}
				if r.Allowed(ctl, n).Contains(sp.Protocol, port) {
					reached = true
					break
				}
				denied = append(denied, ctl)
			}
			if reached || len(denied) == 0 {
				continue
			}
			out[i].Blocked = append(out[i].Blocked, n.ID)
			out[i].Ports = append(out[i].Ports, port)
			e := r.Explain(denied[0], n, sp.Protocol, port)
			if !e.Ingress.Allowed() {
				for _, p := range e.Ingress.Policies {
					policies[p.ID] = true
				}
			}
			if !e.Egress.Allowed() {
				for _, p := range e.Egress.Policies {
					policies[p.ID] = true
				}
			}
			if out[i].Fix == "" {
				out[i].Fix = servicePortMistake(e, *sp, port)
				if out[i].Fix == "" {
					out[i].Fix = e.Fix
				}
			}
		}
		out[i].Policies = slices.Sorted(maps.Keys(policies))
	}
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
		admitted, checked := false, false
		for e := range f.endpoints(s, sp) {
			if !e.ok || e.node.HostNetwork || !e.node.Workload.ContainersKnown {
				admitted = true // nothing to judge: other rules speak of it
				break
			}
			checked = true
			if admitsAnyClient(e.node.class, sp.Protocol, e.port, clients, pfs) {
				admitted = true
				break
			}
		}
		out[i].Unreachable = checked && !admitted
	}
	return out
}

// admitsAnyClient: some rule admits, on the port, a workload of the input, an ingress
// controller, an address, or a peer that may match pods the input does not show.
func admitsAnyClient(dst *class, proto string, port int, clients bitset, pfs map[string]*PolicyFacts) bool {
	if !dst.isolatedIn() {
		return true
	}
	for _, a := range dst.in {
		if !a.ports.resolve(dst).Contains(proto, port) {
			continue
		}
		if a.allPeers || a.external {
			return true
		}
		if pf := pfs[a.policy.ID]; pf != nil && a.rule < len(pf.Ingress) {
			for _, peer := range pf.Ingress[a.rule] {
				if !peer.Closed {
					return true
				}
			}
		}
		for i := range a.peers {
			if a.peers[i]&clients[i] != 0 {
				return true
			}
		}
	}
	return false
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

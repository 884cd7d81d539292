package analyzer

import (
	"github.com/kubenet/kubenet/model"
)

// NetFacts are the reachability facts the policy rules judge, computed from the solver.
type NetFacts struct {
	// Policies maps a NetworkPolicy id to what it selects and what its peers match.
	Policies map[string]*PolicyFacts `json:"policies"`
	// ClusterPolicies is the same for cluster-wide policies (ClusterNetworkPolicy,
	// AdminNetworkPolicy, BaselineAdminNetworkPolicy); selects is their subject.
	ClusterPolicies map[string]*PolicyFacts `json:"clusterPolicies"`
	// PriorityOverlaps lists Admin-tier policies of one priority that may decide the
	// same traffic differently.
	PriorityOverlaps []PriorityOverlap `json:"priorityOverlaps"`
	// CiliumFQDNs lists toFQDNs rules whose pods' lookups Cilium's DNS proxy never sees.
	CiliumFQDNs []FQDNFacts `json:"ciliumFQDNs"`
	// ShadowedRules lists rules that never decide any traffic (shadow.go).
	ShadowedRules []ShadowedRule `json:"shadowedRules"`
	// Orphans lists selectors of Cilium and Calico policies that match no pod, and
	// NamedPorts their rules' named ports no pod declares.
	Orphans    []Orphan         `json:"orphans"`
	NamedPorts []NamedPortFacts `json:"namedPorts"`
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

// WorkloadFacts describes one workload's isolation.
type WorkloadFacts struct {
	IngressIsolated bool     `json:"ingressIsolated"`
	EgressIsolated  bool     `json:"egressIsolated"`
	IngressPolicies []string `json:"ingressPolicies"`
	EgressPolicies  []string `json:"egressPolicies"`
	// ClusterIngress and ClusterEgress list the cluster-wide policies whose subject
	// holds the workload, with rules in that direction.
	ClusterIngress []string `json:"clusterIngress"`
	ClusterEgress  []string `json:"clusterEgress"`
	HostNetwork    bool     `json:"hostNetwork"`
	// DNS is set for egress-isolated workloads that resolve names through cluster DNS.
	DNS *DNSReach `json:"dns"`
}

// NamespaceFacts describes policy coverage of a namespace.
type NamespaceFacts struct {
	Policies  int `json:"policies"`
	Workloads int `json:"workloads"`
	// Services counts the namespace's Services in the input. With no Service and no
	// workload there, the input says nothing of what runs in the namespace.
	Services int `json:"services"`
	// NotIngressIsolated lists workloads that no NetworkPolicy with Ingress type
	// selects and no cluster-wide ingress Deny rule applies to (listed when the
	// namespace has NetworkPolicies or ClusterCovered workloads).
	NotIngressIsolated []string `json:"notIngressIsolated"`
	// ClusterCovered counts the namespace's workloads that cluster-wide ingress Deny
	// rules apply to.
	ClusterCovered int `json:"clusterCovered"`
	// Skipped is a build kubenet did not build (a kustomization, a Helm chart) that
	// may define objects in the namespace, or "".
	Skipped string `json:"skipped"`
}

func (f *Facts) netFacts() *NetFacts {
	g, r := f.graph, f.Reach()
	nf := &NetFacts{Policies: map[string]*PolicyFacts{}, ClusterPolicies: map[string]*PolicyFacts{}, Workloads: map[string]*WorkloadFacts{},
		IngressBackends: map[string][]BackendReach{}, Namespaces: map[string]*NamespaceFacts{},
		ServiceReach: map[string][]ServicePortReach{}, IngressControllers: []string{}}
	if len(r.DNS) > 0 {
		nf.DNSTarget = r.DNS[0].ID
	}
	for _, n := range r.Ingress {
		nf.IngressControllers = append(nf.IngressControllers, n.ID)
	}
	realClasses := bitset{}
	assumedClasses := bitset{}
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
	for _, p := range g.ClusterPolicies {
		if !p.Invalid {
			nf.ClusterPolicies[p.ID] = r.clusterPolicyFacts(p, wlNS)
		}
	}
	nf.PriorityOverlaps = r.priorityOverlaps(g)
	nf.CiliumFQDNs = r.ciliumFQDNs(g, dnsPort)
	nf.ShadowedRules = r.shadowedRules()
	nf.Orphans = r.orphans(g, wlNS)
	nf.NamedPorts = r.otherUndefinedPorts(g)
	for _, n := range r.nodes {
		if n.Workload == nil {
			continue
		}
		c := n.class
		wf := &WorkloadFacts{IngressIsolated: c.isolatedIn(), EgressIsolated: c.isolatedOut(),
			IngressPolicies: policyIDs(c.ingress.policies), EgressPolicies: policyIDs(c.egress.policies), HostNetwork: n.HostNetwork,
			ClusterIngress: clusterIDs(c.ingress.cluster), ClusterEgress: clusterIDs(c.egress.cluster)}
		if (wf.EgressIsolated || !c.egress.simple()) && usesClusterDNS(n.Workload) {
			wf.DNS = r.dnsReach(c, c.egress.admits, c.egress.policies, dnsPort)
		}
		nf.Workloads[n.ID] = wf
	}
	for _, ns := range g.Namespaces {
		nsf := &NamespaceFacts{Workloads: wlNS[ns.Name], NotIngressIsolated: []string{}, Skipped: f.skippedFor(ns.Name)}
		nf.Namespaces[ns.Name] = nsf
	}
	for _, p := range g.Policies {
		if nsf := nf.Namespaces[p.Namespace]; nsf != nil {
			nsf.Policies++
		}
	}
	for _, p := range g.CiliumPolicies {
		if nsf := nf.Namespaces[p.Namespace]; nsf != nil && !p.Clusterwide {
			nsf.Policies++
		}
	}
	for _, p := range g.CalicoPolicies {
		if nsf := nf.Namespaces[p.Namespace]; nsf != nil && !p.Global {
			nsf.Policies++
		}
	}
	for _, s := range g.Services {
		if nsf := nf.Namespaces[s.Namespace]; nsf != nil {
			nsf.Services++
		}
	}
	for _, n := range r.nodes {
		if n.Workload != nil && !n.HostNetwork && (n.class.ingressDenyRule() || n.class.clusterwideIsolated() || n.class.calicoGlobal()) {
			if nsf := nf.Namespaces[n.Namespace]; nsf != nil {
				nsf.ClusterCovered++
			}
		}
	}
	for _, n := range r.nodes {
		if n.Workload != nil && !n.HostNetwork && len(n.class.ingress.policies) == 0 && !n.class.ingressDenyRule() && len(n.class.ingress.calico) == 0 {
			if nsf := nf.Namespaces[n.Namespace]; nsf != nil && nsf.Policies+nsf.ClusterCovered > 0 {
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
	// A Gateway's data plane is a client of the Services its routes lead to.
	for _, nodes := range r.gateways {
		for _, n := range nodes {
			clients.set(n.class.idx)
		}
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

func clusterIDs(ps []*model.ClusterPolicy) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

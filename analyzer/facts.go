// Package analyzer computes facts about a model.Graph: which pods a selector picks,
// which container port a Service port reaches, which names are close to a misspelt
// one. It never reports findings; rules judge the facts.
package analyzer

import (
	"sync"

	"github.com/kubenet/kubenet/model"
)

// Config holds the cluster assumptions facts depend on: parts of a cluster that
// manifests rarely contain.
type Config struct {
	// NodePortMin and NodePortMax bound the API server's service-node-port-range.
	NodePortMin int `json:"nodePortMin"`
	NodePortMax int `json:"nodePortMax"`
	// ClusterDomain is the cluster's DNS domain.
	ClusterDomain string `json:"clusterDomain"`
	// DNS describes the cluster DNS pods.
	DNS DNSServer `json:"dns"`
	// IngressControllers are the controllers that may serve Ingresses; the first one
	// marked Default (or the first) is assumed when none is found in the input.
	IngressControllers []IngressController `json:"ingressControllers"`
	// Namespaces exist outside the input, with these labels (for namespace selectors).
	Namespaces map[string]map[string]string `json:"namespaces"`
	// Expectations state network intent to check (connectivity-expectation).
	Expectations []model.Expectation `json:"expectations"`
	// GatewayAPI is the Gateway API release and channel the cluster runs.
	GatewayAPI GatewayAPI `json:"gatewayAPI"`
	// GatewayClasses locate the data plane of GatewayClasses kubenet does not know.
	GatewayClasses []model.GatewayClassEntry `json:"gatewayClasses"`
	// CNI is the cluster's network plugin (cluster.cni: model.CNIs), "" when unknown.
	CNI string `json:"cni"`
}

// GatewayAPI is a Gateway API release ("v1.6") and channel ("standard" or
// "experimental"): which API versions the cluster serves.
type GatewayAPI struct {
	Version string `json:"version"`
	Channel string `json:"channel"`
}

// NewestGatewayAPI is the Gateway API release kubenet assumes unless told otherwise.
const NewestGatewayAPI = "v1.6"

// DNSServer locates the cluster DNS pods and the ports they serve.
type DNSServer struct {
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
	// Ports are the pods' container ports (CoreDNS listens on 5353 on some distributions).
	Ports []model.ContainerPort `json:"ports"`
}

// IngressController locates an ingress controller's pods.
type IngressController struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Labels    map[string]string `json:"labels"`
	// Controller is the IngressClass spec.controller value it implements.
	Controller string `json:"controller"`
	Default    bool   `json:"default"`
}

// DefaultConfig is a stock cluster: kube-dns pods in kube-system serving 53/UDP and
// 53/TCP, and the well-known ingress controllers found by their labels, ingress-nginx
// assumed when none is in the input.
func DefaultConfig() Config {
	return Config{
		NodePortMin: 30000, NodePortMax: 32767, ClusterDomain: "cluster.local",
		DNS: DNSServer{Namespace: "kube-system", Labels: map[string]string{"k8s-app": "kube-dns"},
			Ports: []model.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: "UDP"}, {Name: "dns-tcp", ContainerPort: 53, Protocol: "TCP"}}},
		IngressControllers: []IngressController{
			{Name: "ingress-nginx", Namespace: "ingress-nginx", Labels: map[string]string{"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}, Controller: "k8s.io/ingress-nginx", Default: true},
			{Name: "traefik", Labels: map[string]string{"app.kubernetes.io/name": "traefik"}, Controller: "traefik.io/ingress-controller"},
			{Name: "haproxy", Labels: map[string]string{"app.kubernetes.io/name": "kubernetes-ingress"}, Controller: "haproxy.org/ingress-controller/haproxy"},
			{Name: "contour", Labels: map[string]string{"app.kubernetes.io/name": "contour"}, Controller: "projectcontour.io/ingress-controller"},
		},
		GatewayAPI:     GatewayAPI{Version: NewestGatewayAPI, Channel: "standard"},
		GatewayClasses: []model.GatewayClassEntry{},
	}
}

// Facts is everything computed about a graph, in the shape the Rego input documents
// under "facts".
type Facts struct {
	// Services maps a Service id to what its selector and ports reach.
	Services map[string]*ServiceFacts `json:"services"`
	// Backends maps an Ingress id to facts about each of its backends, index-aligned
	// with the Ingress's backends.
	Backends map[string][]BackendFacts `json:"backends"`
	// RouteConflicts lists host+path+pathType routes of one ingress class that lead to
	// different backends.
	RouteConflicts []RouteConflict `json:"routeConflicts"`
	// ReplicaPeers maps a clustered workload whose pods cannot reach each other to why.
	ReplicaPeers map[string]*ReplicaPeerFacts `json:"replicaPeers"`
	// Monitors maps a ServiceMonitor or PodMonitor id to what it scrapes.
	Monitors map[string]*MonitorFacts `json:"monitors"`
	// NodePortClaims lists node ports that more than one Service claims.
	NodePortClaims []NodePortClaim `json:"nodePortClaims"`
	// NetFacts are the reachability facts (policies, workloads, ingressBackends,
	// namespaces, serviceReach, dnsTarget, ingressControllers).
	*NetFacts
	// DNS holds the references workloads make by name, resolved.
	DNSRefs *DNSFacts `json:"dns"`
	// Expectations are the configured expectations with their verdicts.
	Expectations []ExpectationFacts `json:"expectations"`
	// Routes maps a Gateway API route's id to what its parentRefs and backendRefs lead to.
	Routes map[string]*RouteFacts `json:"routes"`
	// MatchConflicts lists HTTPRoute matches that routes on one listener share.
	MatchConflicts []MatchConflict `json:"matchConflicts"`
	// Gateways maps a Gateway's id to what is wrong with its listeners.
	Gateways map[string]*GatewayFacts `json:"gateways"`

	graph *model.Graph
	sel   *selectionIndex
	cfg   Config
	reach func() *Reach
	dns   func() *DNS
	// groups compute each group of facts once (see factGroups).
	groups map[string]func()
	// configMaps indexes the ConfigMaps by namespace and name (built once); the DNS
	// references and the listen evidence read containers' variables through it.
	configMaps func() configMapIndex
	// creators lists, per namespace, the custom resources that may create pods kubenet
	// cannot see (see podCreators); Service and monitor facts share it.
	creators func() map[string][]string
}

// FactKeys are the keys of input.facts: what a Rego rule may declare it requires
// (METADATA custom.requires), so that a run computes only the facts its rules read.
var FactKeys = []string{
	"services", "backends", "routeConflicts", "replicaPeers", "monitors", "nodePortClaims",
	"policies", "clusterPolicies", "priorityOverlaps", "ciliumFQDNs", "shadowedRules", "orphans", "namedPorts", "workloads", "ingressBackends", "namespaces", "serviceReach", "dnsTarget", "ingressControllers",
	"dns", "expectations", "routes", "matchConflicts", "gateways",
}

// factGroup says which group of facts computes a key of input.facts: the network facts
// are computed together, from the solver.
func factGroup(key string) string {
	switch key {
	case "policies", "clusterPolicies", "priorityOverlaps", "ciliumFQDNs", "shadowedRules", "orphans", "namedPorts", "workloads", "ingressBackends", "namespaces", "serviceReach", "dnsTarget", "ingressControllers":
		return "net"
	case "matchConflicts":
		return "routes"
	}
	return key
}

// New prepares the facts of g under the cluster assumptions cfg. Nothing is computed
// until asked: Reach and DNS on first use, the facts the rules read by Compute or
// ComputeOnly.
func New(g *model.Graph, cfg Config) *Facts {
	f := &Facts{graph: g, sel: newSelectionIndex(g), cfg: cfg}
	f.reach = sync.OnceValue(func() *Reach { return solve(g, cfg) })
	f.dns = sync.OnceValue(func() *DNS { return newDNS(f, cfg.ClusterDomain) })
	f.creators = sync.OnceValue(func() map[string][]string { return podCreators(g) })
	f.configMaps = sync.OnceValue(func() configMapIndex { return newConfigMapIndex(g) })
	// Each group computes what it reads first: backends, monitors and DNS references
	// read the Service facts.
	services := sync.OnceFunc(func() { f.Services = f.serviceFacts() })
	f.groups = map[string]func(){
		"services":       services,
		"backends":       sync.OnceFunc(func() { services(); f.Backends = f.backendFacts() }),
		"monitors":       sync.OnceFunc(func() { services(); f.Monitors = f.monitorFacts() }),
		"routeConflicts": sync.OnceFunc(func() { f.RouteConflicts = routeConflicts(g) }),
		"nodePortClaims": sync.OnceFunc(func() { f.NodePortClaims = nodePortClaims(g) }),
		"net":            sync.OnceFunc(func() { f.NetFacts = f.netFacts() }),
		"dns":            sync.OnceFunc(func() { services(); f.DNSRefs = f.dnsFacts() }),
		"replicaPeers":   sync.OnceFunc(func() { f.ReplicaPeers = f.replicaPeers() }),
		"expectations":   sync.OnceFunc(func() { f.Expectations = f.checkExpectations(cfg.Expectations) }),
		"routes": sync.OnceFunc(func() {
			services()
			f.Routes = f.routeFacts()
			f.MatchConflicts = f.matchConflicts()
		}),
		"gateways": sync.OnceFunc(func() { f.Gateways = f.gatewayFacts() }),
	}
	return f
}

// skippedFor returns a build kubenet skipped (a kustomization it did not build, a Helm
// chart folder) that may define objects in namespace ns, or "".
func (f *Facts) skippedFor(ns string) string {
	for _, s := range f.graph.Skipped {
		if s.Namespace == "" || s.Namespace == ns {
			return s.File
		}
	}
	return ""
}

// Compute computes every fact (once); it returns f.
func (f *Facts) Compute() *Facts { return f.ComputeOnly(FactKeys...) }

// ComputeOnly computes the facts under these keys of input.facts (FactKeys), and what
// they are computed from; the others stay empty unless computed before. Each is
// computed once. It returns f.
func (f *Facts) ComputeOnly(keys ...string) *Facts {
	want := map[string]bool{}
	for _, k := range keys {
		want[factGroup(k)] = true
	}
	// The network and DNS facts only read the solver, the indexes and the Service
	// facts: compute them side by side.
	var wg sync.WaitGroup
	for _, group := range []string{"net", "dns"} {
		if want[group] {
			wg.Go(f.groups[group])
		}
	}
	wg.Wait()
	for _, group := range []string{"services", "monitors", "backends", "routeConflicts", "nodePortClaims", "replicaPeers", "expectations", "routes", "gateways"} {
		if want[group] {
			f.groups[group]()
		}
	}
	return f
}

// DNS returns the cluster DNS records (computed once).
func (f *Facts) DNS() *DNS { return f.dns() }

// Reach returns the solved reachability (computed once).
func (f *Facts) Reach() *Reach { return f.reach() }

// Graph returns the graph the facts describe.
func (f *Facts) Graph() *model.Graph { return f.graph }

// SelectedBy returns the workloads whose pod labels contain every pair of sel, in
// namespace ns.
func (f *Facts) SelectedBy(ns string, sel map[string]string) []*model.Workload {
	return f.sel.subset(ns, sel)
}

// selectionIndex is an inverted index from namespace and label pair to workloads, so
// that matching a selector costs the length of its rarest pair, not of the namespace.
type selectionIndex struct {
	byPair map[string]map[string][]*model.Workload // ns -> "k=v" -> workloads (input order)
}

func newSelectionIndex(g *model.Graph) *selectionIndex {
	ix := &selectionIndex{byPair: map[string]map[string][]*model.Workload{}}
	for _, w := range g.Workloads {
		m := ix.byPair[w.Namespace]
		if m == nil {
			m = map[string][]*model.Workload{}
			ix.byPair[w.Namespace] = m
		}
		for k, v := range w.PodLabels {
			m[k+"="+v] = append(m[k+"="+v], w)
		}
	}
	return ix
}

func (ix *selectionIndex) subset(ns string, sel map[string]string) []*model.Workload {
	m := ix.byPair[ns]
	var best []*model.Workload
	first := true
	for k, v := range sel {
		l := m[k+"="+v]
		if len(l) == 0 {
			return nil
		}
		if first || len(l) < len(best) {
			best, first = l, false
		}
	}
	var out []*model.Workload
	for _, w := range best {
		if model.SubsetOf(sel, w.PodLabels) {
			out = append(out, w)
		}
	}
	return out
}

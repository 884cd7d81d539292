package rules

import (
	"sort"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// Input is the document every Rego rule reads as `input`. It is a public API,
// documented in docs/input.md: keys follow Kubernetes' camelCase, ids are
// "namespace/Kind/name", and every blame-able field has a *Pos sibling.
type Input struct {
	Namespaces     []*model.Namespace    `json:"namespaces"`
	Workloads      []*model.Workload     `json:"workloads"`
	Services       []*model.Service      `json:"services"`
	Ingresses      []*model.Ingress      `json:"ingresses"`
	IngressClasses []*model.IngressClass `json:"ingressClasses"`
	Policies       []*model.Policy       `json:"networkPolicies"`
	// ClusterPolicies are ClusterNetworkPolicies, AdminNetworkPolicies and the
	// BaselineAdminNetworkPolicy, in one normalised form.
	ClusterPolicies []*model.ClusterPolicy `json:"clusterNetworkPolicies"`
	// CiliumPolicies are CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies.
	CiliumPolicies []*model.CiliumPolicy `json:"ciliumNetworkPolicies"`
	// CalicoPolicies are Calico's NetworkPolicies and GlobalNetworkPolicies, CalicoTiers
	// its Tiers.
	CalicoPolicies []*model.CalicoPolicy `json:"calicoPolicies"`
	CalicoTiers    []*model.CalicoTier   `json:"calicoTiers"`
	ConfigMaps     []*model.ConfigMap    `json:"configMaps"`
	// Monitors are the Prometheus operator's ServiceMonitors and PodMonitors.
	Monitors []*model.Monitor `json:"monitors"`
	// The Gateway API (docs/gateway.md).
	GatewayClasses  []*model.GatewayClass   `json:"gatewayClasses"`
	Gateways        []*model.Gateway        `json:"gateways"`
	ListenerSets    []*model.ListenerSet    `json:"listenerSets"`
	Routes          []*model.Route          `json:"routes"`
	ReferenceGrants []*model.ReferenceGrant `json:"referenceGrants"`
	// BackendTLSPolicies are the Gateway API's BackendTLSPolicies.
	BackendTLSPolicies []*model.BackendTLSPolicy `json:"backendTLSPolicies"`
	// Objects is every object of the input, of any kind, duplicates included.
	Objects []*model.Object `json:"objects"`
	// Endpoints lists the ids of Services backed by Endpoints or EndpointSlices.
	Endpoints []string        `json:"endpoints"`
	Facts     *analyzer.Facts `json:"facts"`
	Config    analyzer.Config `json:"config"`
}

// NewInput builds the input document, with every fact.
func NewInput(g *model.Graph, f *analyzer.Facts, cfg analyzer.Config) *Input {
	return newInput(g, f.Compute(), cfg)
}

// newInput builds the input document with the facts computed so far.
func newInput(g *model.Graph, f *analyzer.Facts, cfg analyzer.Config) *Input {
	in := &Input{
		Namespaces: nonNil(g.Namespaces), Workloads: nonNil(g.Workloads), Services: nonNil(g.Services),
		Ingresses: nonNil(g.Ingresses), IngressClasses: nonNil(g.IngressClasses), Policies: nonNil(g.Policies),
		ClusterPolicies: nonNil(g.ClusterPolicies), CiliumPolicies: nonNil(g.CiliumPolicies),
		CalicoPolicies: nonNil(g.CalicoPolicies), CalicoTiers: nonNil(g.CalicoTiers),
		ConfigMaps: nonNil(g.ConfigMaps), Monitors: nonNil(g.Monitors), Objects: nonNil(g.Objects), Endpoints: []string{},
		GatewayClasses: nonNil(g.GatewayClasses), Gateways: nonNil(g.Gateways), ListenerSets: nonNil(g.ListenerSets),
		Routes: nonNil(g.Routes), ReferenceGrants: nonNil(g.ReferenceGrants), BackendTLSPolicies: nonNil(g.BackendTLSPolicies),
		Facts: f, Config: cfg,
	}
	for id := range g.EndpointsFor {
		in.Endpoints = append(in.Endpoints, id)
	}
	sort.Strings(in.Endpoints)
	return in
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// builtinInput is the input handed to the built-in rules when no user policy is loaded:
// the same document with only what they read (lighter to build for large repositories).
// TestSlimInputEquivalent proves it yields the same findings as the full document.
//
// What it keeps follows from what the built-in rules read, and a test holds the two
// together: TestBuiltinRulesReadWhatTheBuiltinInputKeeps follows input values through
// each built-in rule (variables, comprehensions, its rules and functions, kubenet.lib,
// array.concat and the like) and fails with "rule <id> reads input.<path> (<file:line>),
// which the built-in input (rules/input.go builtinInput) drops" when a path a rule reads
// is missing here or left empty by builtin() (a field of the full structs, a fact
// field, or a position's file/line/column: positions are compact arrays here). When it
// fails, keep the field here, in the slim struct and in builtin(), or read something
// that is kept. The test checks fields, not which elements builtin() keeps (objects of
// some kinds, references and workload facts that say something): a rule that needs
// other elements must widen those filters, and TestSlimInputEquivalent must cover it.
type builtinInput struct {
	Namespaces     []*model.Namespace    `json:"namespaces"`
	Workloads      []slimWorkload        `json:"workloads"`
	Services       []slimService         `json:"services"`
	Ingresses      []*model.Ingress      `json:"ingresses"`
	IngressClasses []*model.IngressClass `json:"ingressClasses"`
	Policies       []slimPolicy          `json:"networkPolicies"`
	// ClusterPolicies are kept whole: they are few.
	ClusterPolicies []*model.ClusterPolicy `json:"clusterNetworkPolicies"`
	// CiliumPolicies: those the Cilium agent refuses, with what it refuses.
	CiliumPolicies []slimCilium     `json:"ciliumNetworkPolicies"`
	ConfigMaps     []slimObject     `json:"configMaps"`
	Monitors       []*model.Monitor `json:"monitors"`
	Gateways       []*model.Gateway `json:"gateways"`
	Routes         []slimRoute      `json:"routes"`
	// BackendTLSPolicies are kept whole: they are few, and small.
	BackendTLSPolicies []*model.BackendTLSPolicy `json:"backendTLSPolicies"`
	Objects            []slimObject              `json:"objects"`
	Endpoints          []string                  `json:"endpoints"`
	Facts              *analyzer.Facts           `json:"facts"`
	Config             analyzer.Config           `json:"config"`
}

// slimCilium is what built-in rules read of a Cilium policy: what the agent refuses.
type slimCilium struct {
	ID       string                  `json:"id"`
	Invalid  bool                    `json:"invalid"`
	Rejected []model.CiliumRejection `json:"rejected"`
}

// slimObject is an object's header without labels, and with annotations only where a
// built-in rule reads them (Namespaces).
type slimObject struct {
	ID            string            `json:"id"`
	APIVersion    string            `json:"apiVersion"`
	Kind          string            `json:"kind"`
	Namespace     string            `json:"namespace"`
	Name          string            `json:"name"`
	Pos           model.Pos         `json:"pos"`
	APIVersionPos model.Pos         `json:"apiVersionPos"`
	Annotations   map[string]string `json:"annotations"`
	Invalid       bool              `json:"invalid"`
}

func slim(o *model.Object) slimObject {
	s := slimObject{ID: o.ID, APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name,
		Pos: o.Pos, APIVersionPos: o.APIVersionPos, Invalid: o.Invalid}
	if o.Kind == "Namespace" {
		s.Annotations = o.Annotations
	}
	return s
}

// slimRoute is what built-in rules read of a Gateway API route: its header, and where
// its references are (what they lead to is in facts.routes); no hostnames or matches.
type slimRoute struct {
	ID         string          `json:"id"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	Namespace  string          `json:"namespace"`
	Invalid    bool            `json:"invalid"`
	ParentRefs []slimRef       `json:"parentRefs"`
	Rules      []slimRouteRule `json:"rules"`
}

type slimRouteRule struct {
	BackendRefs []slimRef `json:"backendRefs"`
}

// slimRef is a parentRef or backendRef: its name, namespace and port, and where.
type slimRef struct {
	Name      string    `json:"name"`
	Namespace string    `json:"namespace"`
	Port      int       `json:"port"`
	Pos       model.Pos `json:"pos"`
	PortPos   model.Pos `json:"portPos"`
}

func slimRoutes(routes []*model.Route, out []slimRoute) {
	for i, r := range routes {
		sr := slimRoute{ID: r.ID, Kind: r.Kind, Name: r.Name, Namespace: r.Namespace, Invalid: r.Invalid,
			ParentRefs: make([]slimRef, len(r.ParentRefs)), Rules: make([]slimRouteRule, len(r.Rules))}
		for j, p := range r.ParentRefs {
			sr.ParentRefs[j] = slimRef{Name: p.Name, Namespace: p.Namespace, Port: p.Port, Pos: p.Pos, PortPos: p.PortPos}
		}
		for j, rule := range r.Rules {
			refs := make([]slimRef, len(rule.BackendRefs))
			for k, b := range rule.BackendRefs {
				refs[k] = slimRef{Name: b.Name, Namespace: b.Namespace, Port: b.Port, Pos: b.Pos, PortPos: b.PortPos}
			}
			sr.Rules[j] = slimRouteRule{BackendRefs: refs}
		}
		out[i] = sr
	}
}

// slimWorkload is what built-in rules read of a workload: where to blame it.
type slimWorkload struct {
	ID  string    `json:"id"`
	Pos model.Pos `json:"pos"`
}

// slimService is a Service with the fields the built-in rules read: no labels,
// annotations or positions of fields they never blame.
type slimService struct {
	ID             string               `json:"id"`
	Pos            model.Pos            `json:"pos"`
	Namespace      string               `json:"namespace"`
	Invalid        bool                 `json:"invalid"`
	Type           string               `json:"type"`
	Headless       bool                 `json:"headless"`
	Selector       map[string]string    `json:"selector"`
	SelectorPos    model.Pos            `json:"selectorPos"`
	SelectorKeyPos map[string]model.Pos `json:"selectorKeyPos"`
	Ports          []slimServicePort    `json:"ports"`
	PortsUnknown   bool                 `json:"portsUnknown"`
}

type slimServicePort struct {
	Name          string            `json:"name"`
	Protocol      string            `json:"protocol"`
	Port          int               `json:"port"`
	TargetPort    model.IntOrString `json:"targetPort"`
	TargetPortPos model.Pos         `json:"targetPortPos"`
	NodePort      int               `json:"nodePort"`
	NodePortPos   model.Pos         `json:"nodePortPos"`
}

func slimSvc(s *model.Service) slimService {
	out := slimService{ID: s.ID, Pos: s.Pos, Namespace: s.Namespace, Invalid: s.Invalid, Type: s.Type, Headless: s.Headless, Selector: s.Selector,
		SelectorPos: s.SelectorPos, SelectorKeyPos: s.SelectorKeyPos, PortsUnknown: s.PortsUnknown}
	if s.Ports != nil {
		out.Ports = make([]slimServicePort, len(s.Ports))
	}
	for i, p := range s.Ports {
		out.Ports[i] = slimServicePort{Name: p.Name, Protocol: p.Protocol, Port: p.Port, TargetPort: p.TargetPort,
			TargetPortPos: p.TargetPortPos, NodePort: p.NodePort, NodePortPos: p.NodePortPos}
	}
	return out
}

// slimPolicy is a NetworkPolicy with what the built-in rules read: the pod selector
// and the peers of each rule (ports are judged in Go, see facts.policies).
type slimPolicy struct {
	ID          string           `json:"id"`
	Namespace   string           `json:"namespace"`
	Invalid     bool             `json:"invalid"`
	PodSelector model.Selector   `json:"podSelector"`
	Ingress     []slimPolicyRule `json:"ingress"`
	Egress      []slimPolicyRule `json:"egress"`
}

type slimPolicyRule struct {
	Peers []model.Peer `json:"peers"`
}

func slimRules(rs []model.PolicyRule) []slimPolicyRule {
	if rs == nil {
		return nil
	}
	out := make([]slimPolicyRule, len(rs))
	for i, r := range rs {
		out[i].Peers = r.Peers
	}
	return out
}

// builtin returns the slim document for the built-in rules.
func (in *Input) builtin() *builtinInput {
	b := &builtinInput{
		Namespaces: in.Namespaces, Ingresses: in.Ingresses, IngressClasses: in.IngressClasses,
		Endpoints: in.Endpoints, Config: in.Config, Monitors: in.Monitors, Gateways: in.Gateways,
		BackendTLSPolicies: in.BackendTLSPolicies, ClusterPolicies: in.ClusterPolicies, CiliumPolicies: []slimCilium{},
		Workloads: make([]slimWorkload, len(in.Workloads)), ConfigMaps: []slimObject{}, Objects: make([]slimObject, len(in.Objects)),
		Services: []slimService{}, Policies: make([]slimPolicy, len(in.Policies)),
	}
	// Services: those whose facts say something, and those other facts or objects name.
	keepSvc := tellingServices(in)
	for _, s := range in.Services {
		if keepSvc(s) {
			b.Services = append(b.Services, slimSvc(s))
		}
	}
	keptSvc := make(map[string]bool, len(b.Services))
	for _, s := range b.Services {
		keptSvc[s.ID] = true
	}
	// NetworkPolicies: those whose facts say something. Rules report on a policy only
	// for what its facts tell: a selector or a peer that matches nothing, hostNetwork
	// pods, an undefined named port, DNS for pods it would select.
	var pfs map[string]*analyzer.PolicyFacts
	if in.Facts.NetFacts != nil {
		pfs = in.Facts.Policies
	}
	b.Policies = b.Policies[:0]
	for _, p := range in.Policies {
		if pf, ok := pfs[p.ID]; ok && !tellingPolicy(p, pf) {
			continue
		}
		b.Policies = append(b.Policies, slimPolicy{ID: p.ID, Namespace: p.Namespace, Invalid: p.Invalid, PodSelector: p.PodSelector,
			Ingress: slimRules(p.Ingress), Egress: slimRules(p.Egress)})
	}
	for i, w := range in.Workloads {
		b.Workloads[i] = slimWorkload{ID: w.ID, Pos: w.Pos}
	}
	for _, p := range in.CiliumPolicies {
		if len(p.Rejected) > 0 {
			b.CiliumPolicies = append(b.CiliumPolicies, slimCilium{ID: p.ID, Invalid: p.Invalid, Rejected: p.Rejected})
		}
	}
	// Routes: those whose facts say something (a parent missing or refusing, a backend
	// missing, without its port, without a grant or blocked, a conflicting match). The
	// rules judge nothing else of a route.
	telling := tellingRoutes(in.Facts)
	routes := in.Routes[:0:0]
	for _, r := range in.Routes {
		if telling[r.ID] {
			routes = append(routes, r)
		}
	}
	b.Routes = make([]slimRoute, len(routes))
	slimRoutes(routes, b.Routes)
	b.Objects = b.Objects[:0]
	for _, o := range in.Objects {
		switch o.Kind { // the kinds built-in rules read objects for (api-removed, annotations, policy-not-enforced)
		case "NetworkPolicy":
			// api-removed reads only the removed versions; policy-not-enforced reads
			// every policy, and only when the configuration names the CNI.
			if o.APIVersion != "networking.k8s.io/v1" || in.Config.CNI != "" {
				b.Objects = append(b.Objects, slim(o))
			}
		case "Ingress", "IngressClass", "Namespace",
			"ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
			"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "GlobalNetworkPolicy",
			"GatewayClass", "Gateway", "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute",
			"ReferenceGrant", "BackendTLSPolicy", "BackendLBPolicy", "ListenerSet", "XListenerSet":
			b.Objects = append(b.Objects, slim(o))
		}
	}
	// Facts: the references and workloads that say something.
	f := *in.Facts
	if f.DNSRefs != nil {
		d := *f.DNSRefs
		d.References = nil
		for _, r := range f.DNSRefs.References {
			if (r.InCluster && r.Severity != "") || r.Shadowing != "" || r.Capture != "" || !r.PortOK || r.Blocked != nil {
				d.References = append(d.References, r)
			}
		}
		if d.References == nil {
			d.References = []analyzer.RefFacts{}
		}
		f.DNSRefs = &d
	}
	// Service port facts: rules read the status and the hint, not the port lists.
	f.Services = make(map[string]*analyzer.ServiceFacts, len(keptSvc))
	for id, sf := range in.Facts.Services {
		if !keptSvc[id] {
			continue
		}
		c := *sf
		c.Ports = nil
		if sf.Ports != nil {
			c.Ports = make([]analyzer.PortFacts, len(sf.Ports))
		}
		for i, p := range sf.Ports {
			c.Ports[i] = analyzer.PortFacts{Status: p.Status, Evidence: p.Evidence, Hint: p.Hint}
		}
		f.Services[id] = &c
	}
	if f.NetFacts != nil {
		nf := *f.NetFacts
		nf.Workloads = map[string]*analyzer.WorkloadFacts{}
		for id, wf := range f.Workloads {
			// DNS reachability is the only workload fact built-in rules read, and only
			// where it is not plainly allowed (dns-egress-missing).
			if d := wf.DNS; d != nil && (d.UDP != analyzer.DNSAllowed || d.TCP != analyzer.DNSAllowed) {
				nf.Workloads[id] = &analyzer.WorkloadFacts{DNS: d}
			}
		}
		nf.ServiceReach = make(map[string][]analyzer.ServicePortReach, len(keptSvc))
		for id, sr := range f.ServiceReach {
			if keptSvc[id] {
				nf.ServiceReach[id] = sr
			}
		}
		nf.Policies = make(map[string]*analyzer.PolicyFacts, len(b.Policies))
		for _, p := range b.Policies {
			if pf, ok := f.Policies[p.ID]; ok {
				nf.Policies[p.ID] = pf
			}
		}
		f.NetFacts = &nf
	}
	if f.Routes != nil {
		f.Routes = make(map[string]*analyzer.RouteFacts, len(telling))
		for id := range telling {
			if rf, ok := in.Facts.Routes[id]; ok {
				f.Routes[id] = rf
			}
		}
	}
	b.Facts = &f
	return b
}

// tellingServices returns whether a built-in rule reads a Service: one whose facts say
// something (a selector matching no pod or only through an injector's labels, a port
// not found on the pods or unreachable, an invalid Service, a node port), or one an
// Ingress backend, a ServiceMonitor or a BackendTLSPolicy names. Services without
// facts are kept.
func tellingServices(in *Input) func(*model.Service) bool {
	named := map[string]bool{}
	for _, bfs := range in.Facts.Backends {
		for _, bf := range bfs {
			named[bf.Service] = true
		}
	}
	for _, mf := range in.Facts.Monitors {
		for _, id := range mf.Selects {
			named[id] = true
		}
	}
	for _, p := range in.BackendTLSPolicies {
		for _, t := range p.TargetRefs {
			named[p.Namespace+"/Service/"+t.Name] = true
		}
	}
	var reach map[string][]analyzer.ServicePortReach
	if in.Facts.NetFacts != nil {
		reach = in.Facts.ServiceReach
	}
	return func(s *model.Service) bool {
		sf, ok := in.Facts.Services[s.ID]
		if !ok || s.Invalid || named[s.ID] || len(sf.Selects) == 0 || sf.Through != "" {
			return true
		}
		for _, p := range s.Ports {
			if p.NodePort != 0 {
				return true
			}
		}
		for _, pf := range sf.Ports {
			if pf.Status != analyzer.PortOK {
				return true
			}
		}
		for _, r := range reach[s.ID] {
			if r.Unreachable {
				return true
			}
		}
		return false
	}
}

// tellingPolicy reports whether the facts of a NetworkPolicy say something a built-in
// rule reports on. An invalid policy is kept: rules decide what to make of it.
func tellingPolicy(p *model.Policy, pf *analyzer.PolicyFacts) bool {
	if p.Invalid || len(pf.HostNetwork) > 0 || len(pf.UndefinedPorts) > 0 || pf.DNS != nil {
		return true
	}
	if len(pf.Selects) == 0 && !p.PodSelector.Empty {
		return true
	}
	for _, rule := range [][][]analyzer.PeerFacts{pf.Ingress, pf.Egress} {
		for _, peers := range rule {
			for _, peer := range peers {
				if peer.Pods == 0 {
					return true
				}
			}
		}
	}
	return false
}

// tellingRoutes are the ids of the routes whose facts some built-in rule reports on.
func tellingRoutes(f *analyzer.Facts) map[string]bool {
	out := map[string]bool{}
	for _, c := range f.MatchConflicts {
		out[c.Route], out[c.Winner] = true, true
	}
	for id, rf := range f.Routes {
		for _, p := range rf.Parents {
			if (p.Kind != "" && p.Parent == "" && !p.External) || p.Reason != "" {
				out[id] = true
			}
		}
		for _, rule := range rf.Backends {
			for _, b := range rule {
				missing := b.Judged && b.Service == "" && !b.External
				if missing || b.PortMissing || (b.Service != "" && !b.PortOK) || b.GrantMissing || len(b.Reach.Blocked) > 0 {
					out[id] = true
				}
			}
		}
	}
	return out
}

package model

import (
	"encoding/json"
	"sort"
	"strconv"
)

// Object is the header every object shares. It is embedded in the typed entities.
type Object struct {
	Ref
	// ID is Ref.String(), cached.
	ID string `json:"id"`
	// Pos points at metadata.name (or at the start of the document when the name is absent).
	Pos Pos `json:"pos"`
	// APIVersionPos points at the apiVersion value.
	APIVersionPos Pos               `json:"apiVersionPos"`
	Labels        map[string]string `json:"labels"`
	Annotations   map[string]string `json:"annotations"`
	// GenerateName is true when the object has only metadata.generateName: every
	// create makes a new object, so it is never a duplicate.
	GenerateName bool `json:"generateName"`
	// Doc is the 0-based index of the YAML document in its file.
	Doc int `json:"doc"`
	// Owner is the controller in metadata.ownerReferences (pods listed from a live
	// cluster name their ReplicaSet), or nil.
	Owner *Ref `json:"owner"`
	// Invalid is true when the object has a field of the wrong type or an invalid value;
	// a manifest-invalid finding says which. Rules do not judge invalid objects, but
	// references to them still resolve, so one mistake does not cascade.
	Invalid bool `json:"invalid"`

	// specLabels are the labels mappings in a custom resource's spec, other than its
	// pod template's: labels the resource may give pods its controller creates.
	specLabels []map[string]string
}

// StringAt is a string with the position of its value.
type StringAt struct {
	Value string `json:"value"`
	Pos   Pos    `json:"pos"`
}

// IntOrString is a Kubernetes int-or-string value such as a targetPort.
type IntOrString struct {
	Int   int
	Str   string
	IsStr bool
}

// String renders the value as a user wrote it.
func (v IntOrString) String() string {
	if v.IsStr {
		return v.Str
	}
	return itoa(v.Int)
}

// MarshalJSON renders a number or a string.
func (v IntOrString) MarshalJSON() ([]byte, error) {
	if v.IsStr {
		return marshalString(v.Str), nil
	}
	return []byte(itoa(v.Int)), nil
}

// Graph is the loaded input: every object, typed where kubenet understands it. It is
// read-only once loaded: its label maps in particular are shared between objects.
type Graph struct {
	// Objects lists every Kubernetes object in input order, including opaque ones.
	Objects        []*Object
	Namespaces     []*Namespace
	Workloads      []*Workload
	Services       []*Service
	Ingresses      []*Ingress
	IngressClasses []*IngressClass
	Policies       []*Policy
	// ClusterPolicies are the cluster-wide tiers around NetworkPolicy:
	// ClusterNetworkPolicies, AdminNetworkPolicies and the BaselineAdminNetworkPolicy.
	ClusterPolicies []*ClusterPolicy
	// CiliumPolicies are CiliumNetworkPolicies and CiliumClusterwideNetworkPolicies.
	CiliumPolicies []*CiliumPolicy
	// CalicoPolicies are Calico's NetworkPolicies and GlobalNetworkPolicies, and
	// CalicoTiers its Tiers.
	CalicoPolicies []*CalicoPolicy
	CalicoTiers    []*CalicoTier
	// CalicoNetworkSets are Calico's NetworkSets and GlobalNetworkSets.
	CalicoNetworkSets []*CalicoNetworkSet
	ConfigMaps        []*ConfigMap
	// Monitors are the Prometheus operator's ServiceMonitors and PodMonitors.
	Monitors []*Monitor
	// The Gateway API: classes, Gateways, ListenerSets, routes of every kind and
	// ReferenceGrants.
	GatewayClasses  []*GatewayClass
	Gateways        []*Gateway
	ListenerSets    []*ListenerSet
	Routes          []*Route
	ReferenceGrants []*ReferenceGrant
	// BackendTLSPolicies say how Gateways speak TLS to the Services they target.
	BackendTLSPolicies []*BackendTLSPolicy
	// Secrets are the Secrets of the input and what makes them (cert-manager
	// Certificates, ExternalSecrets, SealedSecrets), by the Secret's name only.
	Secrets []*SecretSource
	// EndpointsFor holds the ids of Services backed by Endpoints or EndpointSlices in the input.
	EndpointsFor map[string]bool

	// Problems are load errors (manifest-invalid), duplicates and notices.
	Problems []Problem
	// Files is the number of files read; Sources holds their contents by name, for
	// printing the offending line: all of them, but for the files Options.KeepSource
	// let go of, which Source reads again.
	Files   int
	Sources map[string][]byte
	onDisk  map[string]*diskSource
	// RenderedBy maps a values file line (file and line) that set a field of a
	// rendered chart to the template line that wrote the field.
	RenderedBy map[Pos]Pos
	// Unit is the kustomization file this graph was built from, or "" for plain manifests.
	Unit string
	// Skipped lists what kubenet met in the input but did not build (kustomizations
	// with remote resources or helmCharts, Helm chart folders): their objects are
	// missing from the graph, and findings they could answer are hedged.
	Skipped []SkippedBuild
	// External is what the configuration declares to exist outside the input.
	External External

	nsIndex  map[string]*Namespace
	svcIndex map[string]*Service
	byNS     map[string][]*Workload
	svcByNS  map[string][]*Service
}

// SkippedBuild is a kustomization or chart kubenet did not build.
type SkippedBuild struct {
	// File is the kustomization file or the chart folder.
	File string `json:"file"`
	// Namespace is the namespace its objects go to, or "" when any (not set, or
	// unknown).
	Namespace string `json:"namespace"`
}

// ProblemKind classifies a Problem.
type ProblemKind int

const (
	// Invalid is a document that does not parse or a field of the wrong type.
	Invalid ProblemKind = iota
	// Duplicate is a second object with the same group, kind, namespace and name.
	Duplicate
	// Notice is information for the user that is not a finding (e.g. a skipped Helm chart).
	Notice
	// RenderFailed is a Helm chart that does not render (a template error, a missing
	// required value, values that break its schema).
	RenderFailed
)

// Problem is something the loader found wrong with the input itself.
type Problem struct {
	Kind    ProblemKind
	Pos     Pos
	Object  *Ref
	Message string
	// Related points at the first definition, for duplicates.
	Related *Pos
}

// Namespace returns the namespace of that name, or nil.
func (g *Graph) Namespace(name string) *Namespace { return g.nsIndex[name] }

// Service returns the Service namespace/name, or nil.
func (g *Graph) Service(namespace, name string) *Service {
	return g.svcIndex[namespace+"/"+name]
}

// WorkloadsIn returns the workloads of a namespace in input order.
func (g *Graph) WorkloadsIn(namespace string) []*Workload { return g.byNS[namespace] }

// ServicesIn returns the Services of a namespace in input order.
func (g *Graph) ServicesIn(namespace string) []*Service { return g.svcByNS[namespace] }

// index builds the lookup tables once loading is complete.
func (g *Graph) index() {
	g.svcIndex = make(map[string]*Service, len(g.Services))
	for _, s := range g.Services {
		if _, dup := g.svcIndex[s.Namespace+"/"+s.Name]; !dup {
			g.svcIndex[s.Namespace+"/"+s.Name] = s
		}
	}
	g.byNS = make(map[string][]*Workload)
	for _, w := range g.Workloads {
		g.byNS[w.Namespace] = append(g.byNS[w.Namespace], w)
	}
	g.svcByNS = make(map[string][]*Service)
	for _, s := range g.Services {
		g.svcByNS[s.Namespace] = append(g.svcByNS[s.Namespace], s)
	}
	g.nsIndex = make(map[string]*Namespace, len(g.Namespaces))
	for _, n := range g.Namespaces {
		g.nsIndex[n.Name] = n
	}
	sort.SliceStable(g.Namespaces, func(i, j int) bool { return g.Namespaces[i].Name < g.Namespaces[j].Name })
}

func itoa(i int) string { return strconv.Itoa(i) }

func marshalString(s string) []byte {
	b, _ := json.Marshal(s)
	return b
}

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

// Namespace is a declared Namespace object or one implied by an object living in it.
type Namespace struct {
	Name string `json:"name"`
	// Labels include the automatic kubernetes.io/metadata.name label.
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	// Declared is true when the input has a Namespace object for it.
	Declared bool `json:"declared"`
	// Pos is the Namespace object's name, or the first object that implied the namespace.
	Pos Pos `json:"pos"`
	// ID is "Namespace/<name>".
	ID string `json:"id"`
}

// MetadataNameLabel is the label the API server puts on every Namespace.
const MetadataNameLabel = "kubernetes.io/metadata.name"

// Workload is anything that contributes a pod template: Pod, Deployment, StatefulSet,
// DaemonSet, ReplicaSet, ReplicationController, Job, CronJob, and custom resources that
// carry pod labels (Argo Rollouts, the Prometheus operator's kinds, ...).
type Workload struct {
	Object
	PodLabels      map[string]string `json:"podLabels"`
	PodLabelsPos   Pos               `json:"podLabelsPos"`
	PodAnnotations map[string]string `json:"podAnnotations"`
	Containers     []Container       `json:"containers"`
	// ContainersKnown is false for custom resources whose containers an operator generates:
	// their ports cannot be checked.
	ContainersKnown bool `json:"containersKnown"`
	// CustomResource is true for pod sources that are not built-in workload kinds.
	CustomResource bool       `json:"customResource"`
	HostNetwork    bool       `json:"hostNetwork"`
	HostNetworkPos Pos        `json:"hostNetworkPos"`
	DNSPolicy      string     `json:"dnsPolicy"`
	DNSPolicyPos   Pos        `json:"dnsPolicyPos"`
	DNSConfig      *DNSConfig `json:"dnsConfig"`
	Hostname       string     `json:"hostname"`
	Subdomain      string     `json:"subdomain"`
	// InjectedLabels are the pod labels a sidecar injector adds (already in
	// PodLabels), each with the injector's name.
	InjectedLabels map[string]string `json:"injectedLabels"`
	// ExtraPodLabels are other label sets a custom resource may give pods its
	// controller creates, merged over PodLabels: an Argo Rollout's experiment
	// templates, an operator's pod template overrides (Strimzi's template.pod).
	ExtraPodLabels []map[string]string `json:"extraPodLabels"`
	// ServiceName is a StatefulSet's governing Service.
	ServiceName    string `json:"serviceName"`
	ServiceNamePos Pos    `json:"serviceNamePos"`
	// Replicas is nil when the field is absent (the API default applies).
	Replicas *int     `json:"replicas"`
	Volumes  []Volume `json:"volumes"`
}

// Container is a container of a pod template, regular or init.
type Container struct {
	Name string `json:"name"`
	Pos  Pos    `json:"pos"`
	// Init is true for init containers; Sidecar for init containers with restartPolicy
	// Always, which keep running and serve their ports like regular containers.
	Init    bool            `json:"init"`
	Sidecar bool            `json:"sidecar"`
	Ports   []ContainerPort `json:"ports"`
	Env     []EnvVar        `json:"env"`
	EnvFrom []EnvFrom       `json:"envFrom"`
	Args    []StringAt      `json:"args"`
	Command []StringAt      `json:"command"`
	// ProbePorts are the ports of the liveness, readiness and startup probes (httpGet,
	// tcpSocket, grpc): evidence of what the container listens on.
	ProbePorts []ProbePort `json:"probePorts"`
}

// ProbePort is the port a probe connects to: a number, or the name of a declared port.
type ProbePort struct {
	// Probe is livenessProbe, readinessProbe or startupProbe.
	Probe string      `json:"probe"`
	Port  IntOrString `json:"port"`
	Pos   Pos         `json:"pos"`
}

// Serves reports whether the container runs alongside the pod's main containers.
func (c *Container) Serves() bool { return !c.Init || c.Sidecar }

// ContainerPort is one entry of a container's ports list.
type ContainerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostPort      int    `json:"hostPort"`
	Pos           Pos    `json:"pos"`
}

// StringAt is a string with the position of its value.
type StringAt struct {
	Value string `json:"value"`
	Pos   Pos    `json:"pos"`
}

// EnvVar is one env entry. Value is set for literal values; the refs for valueFrom.
type EnvVar struct {
	Name            string  `json:"name"`
	Value           string  `json:"value"`
	HasValue        bool    `json:"hasValue"`
	Pos             Pos     `json:"pos"`
	ValuePos        Pos     `json:"valuePos"`
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef"`
	SecretKeyRef    *KeyRef `json:"secretKeyRef"`
	FieldRef        string  `json:"fieldRef"`
}

// KeyRef names a key of a ConfigMap or Secret.
type KeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional bool   `json:"optional"`
}

// EnvFrom imports every key of a ConfigMap or Secret.
type EnvFrom struct {
	ConfigMap string `json:"configMap"`
	Secret    string `json:"secret"`
	Prefix    string `json:"prefix"`
	Pos       Pos    `json:"pos"`
}

// Volume is a pod volume backed by a ConfigMap (the only kind kubenet reads).
type Volume struct {
	Name      string `json:"name"`
	ConfigMap string `json:"configMap"`
	Pos       Pos    `json:"pos"`
}

// DNSConfig is a pod's spec.dnsConfig.
type DNSConfig struct {
	Nameservers []string    `json:"nameservers"`
	Searches    []string    `json:"searches"`
	Options     []DNSOption `json:"options"`
	Pos         Pos         `json:"pos"`
}

// DNSOption is one resolver option, e.g. ndots:2.
type DNSOption struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
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

// Service is a v1 Service.
type Service struct {
	Object
	Type string `json:"type"`
	// Selector is nil for a selector-less Service (absent or empty selector).
	Selector    map[string]string `json:"selector"`
	SelectorPos Pos               `json:"selectorPos"`
	// SelectorKeyPos maps each selector key to the position of that key.
	SelectorKeyPos map[string]Pos `json:"selectorKeyPos"`
	ClusterIP      string         `json:"clusterIP"`
	// Headless is true for clusterIP: None.
	Headless        bool          `json:"headless"`
	ExternalName    string        `json:"externalName"`
	ExternalNamePos Pos           `json:"externalNamePos"`
	Ports           []ServicePort `json:"ports"`
	// PublishNotReadyAddresses matters for headless DNS records.
	PublishNotReadyAddresses bool `json:"publishNotReadyAddresses"`
	// ProvidedBy is the id of the custom resource whose operator creates this Service
	// (see OperatorKind); "" for a Service of the input.
	ProvidedBy string `json:"providedBy"`
	// PortsUnknown is true when the Service's ports depend on what kubenet cannot see
	// (an operator's configuration): no port is judged against it.
	PortsUnknown bool `json:"portsUnknown"`
}

// ServicePort is one entry of a Service's ports.
type ServicePort struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
	// TargetPort is the defaulted target: the port number when targetPort is absent or 0.
	TargetPort IntOrString `json:"targetPort"`
	// TargetPortSet is false when targetPort was absent or 0.
	TargetPortSet bool `json:"targetPortSet"`
	NodePort      int  `json:"nodePort"`
	Pos           Pos  `json:"pos"`
	PortPos       Pos  `json:"portPos"`
	TargetPortPos Pos  `json:"targetPortPos"`
	NodePortPos   Pos  `json:"nodePortPos"`
}

// Ingress is an Ingress of networking.k8s.io/v1 (or a removed beta API, read alike).
type Ingress struct {
	Object
	// ClassName comes from spec.ingressClassName or the kubernetes.io/ingress.class annotation.
	ClassName string    `json:"className"`
	ClassPos  Pos       `json:"classPos"`
	Backends  []Backend `json:"backends"`
	TLS       []TLS     `json:"tls"`
}

// Backend is one route of an Ingress: a host and path (or the default backend) to a
// Service port or a resource.
type Backend struct {
	// Default is true for spec.defaultBackend (spec.backend in beta APIs).
	Default  bool   `json:"default"`
	Host     string `json:"host"`
	Path     string `json:"path"`
	PathType string `json:"pathType"`
	// Service is empty for resource backends.
	Service    string      `json:"service"`
	Port       IntOrString `json:"port"`
	PortSet    bool        `json:"portSet"`
	Resource   *Ref        `json:"resource"`
	Pos        Pos         `json:"pos"`
	ServicePos Pos         `json:"servicePos"`
	PortPos    Pos         `json:"portPos"`
}

// TLS is one spec.tls entry.
type TLS struct {
	Hosts      []string `json:"hosts"`
	SecretName string   `json:"secretName"`
	Pos        Pos      `json:"pos"`
}

// IngressClass is a networking.k8s.io IngressClass.
type IngressClass struct {
	Object
	Controller string `json:"controller"`
	IsDefault  bool   `json:"isDefault"`
}

// Policy is a networking.k8s.io/v1 NetworkPolicy, normalised.
type Policy struct {
	Object
	PodSelector Selector `json:"podSelector"`
	// PolicyTypes is defaulted as the API server does: Ingress, plus Egress when
	// spec.egress is present.
	PolicyTypes    []string     `json:"policyTypes"`
	PolicyTypesPos Pos          `json:"policyTypesPos"`
	Ingress        []PolicyRule `json:"ingress"`
	Egress         []PolicyRule `json:"egress"`
}

// PolicyRule is one ingress or egress rule. Peers is nil when from/to is absent or
// empty, which admits every peer; Ports is nil when ports is absent or empty, which
// admits every port.
type PolicyRule struct {
	Peers []Peer       `json:"peers"`
	Ports []PolicyPort `json:"ports"`
	Pos   Pos          `json:"pos"`
}

// Peer is one from/to element. A podSelector alone means pods of the policy's
// namespace; a namespaceSelector alone means all pods of matching namespaces; both
// mean their intersection; an ipBlock means addresses (outside the cluster's pods).
type Peer struct {
	PodSelector       *Selector `json:"podSelector"`
	NamespaceSelector *Selector `json:"namespaceSelector"`
	IPBlock           *IPBlock  `json:"ipBlock"`
	Pos               Pos       `json:"pos"`
}

// IPBlock is a CIDR with exceptions.
type IPBlock struct {
	CIDR   string   `json:"cidr"`
	Except []string `json:"except"`
}

// PolicyPort is one ports entry. Port is nil for "all ports of the protocol".
type PolicyPort struct {
	Protocol string       `json:"protocol"`
	Port     *IntOrString `json:"port"`
	EndPort  int          `json:"endPort"`
	Pos      Pos          `json:"pos"`
	PortPos  Pos          `json:"portPos"`
}

// ConfigMap is a v1 ConfigMap.
type ConfigMap struct {
	Object
	Data map[string]string `json:"data"`
	// DataPos maps each key to the position of its value.
	DataPos map[string]Pos `json:"dataPos"`
	// DataLine maps each key to the file line of the first line of its text (the line
	// after the "|" of a literal block), or 0 when its lines do not map to file lines
	// (folded and multi-line quoted scalars).
	DataLine map[string]int `json:"dataLine"`
}

// Graph is the loaded input: every object, typed where kubenet understands it.
type Graph struct {
	// Objects lists every Kubernetes object in input order, including opaque ones.
	Objects        []*Object
	Namespaces     []*Namespace
	Workloads      []*Workload
	Services       []*Service
	Ingresses      []*Ingress
	IngressClasses []*IngressClass
	Policies       []*Policy
	ConfigMaps     []*ConfigMap
	// Monitors are the Prometheus operator's ServiceMonitors and PodMonitors.
	Monitors []*Monitor
	// EndpointsFor holds the ids of Services backed by Endpoints or EndpointSlices in the input.
	EndpointsFor map[string]bool

	// Problems are load errors (manifest-invalid), duplicates and notices.
	Problems []Problem
	// Files is the number of files read; Sources holds their contents by name, for
	// printing the offending line.
	Files   int
	Sources map[string][]byte
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
func (g *Graph) ServicesIn(namespace string) []*Service {
	var out []*Service
	for _, s := range g.Services {
		if s.Namespace == namespace {
			out = append(out, s)
		}
	}
	return out
}

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

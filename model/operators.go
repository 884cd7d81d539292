package model

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Operators create pods and Services from custom resources, and manifests name them:
// a Service selects `cnpg.io/cluster: db`, an app connects to `db-rw:5432`. The
// catalogue says what the operators most manifests use create, so that those names and
// labels exist in the graph, each saying which custom resource provides it. Users add
// entries in .kubenet.yaml (cluster.operators).

// OperatorKind says what an operator creates from one kind of custom resource. In
// label values and Service names, {name} stands for the resource's name.
type OperatorKind struct {
	// Group and Kind identify the custom resource (any version).
	Group string `json:"group"`
	Kind  string `json:"kind"`
	// Operator names the controller, for messages.
	Operator string `json:"operator"`
	// PodLabels are labels the operator sets on every pod it creates for the resource.
	PodLabels map[string]string `json:"podLabels"`
	// Services are the Services it creates.
	Services []OperatorService `json:"services"`
}

// OperatorService is a Service an operator creates.
type OperatorService struct {
	Name     string `json:"name"`
	Headless bool   `json:"headless"`
	// Ports lists the Service's ports; empty when they depend on the resource's spec
	// (then no port is judged against the Service).
	Ports []int `json:"ports"`
	// Selector is the subset of the pod labels the Service selects; nil selects the
	// pods by all of PodLabels.
	Selector map[string]string `json:"selector"`
}

// DefaultOperators is the built-in catalogue, from each operator's source and
// documentation (docs/operators.md lists it). Ports that depend on the resource's spec
// or the operator's version are left unknown.
var DefaultOperators = []OperatorKind{
	{Group: "postgresql.cnpg.io", Kind: "Cluster", Operator: "CloudNativePG",
		PodLabels: map[string]string{"cnpg.io/cluster": "{name}", "cnpg.io/podRole": "instance",
			"app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": "{name}",
			"app.kubernetes.io/component": "database", "app.kubernetes.io/managed-by": "cloudnative-pg"},
		Services: []OperatorService{
			{Name: "{name}-rw", Ports: []int{5432}}, {Name: "{name}-ro", Ports: []int{5432}}, {Name: "{name}-r", Ports: []int{5432}},
		}},
	{Group: "postgresql.cnpg.io", Kind: "Pooler", Operator: "CloudNativePG",
		PodLabels: map[string]string{"cnpg.io/poolerName": "{name}", "cnpg.io/podRole": "pooler",
			"app.kubernetes.io/component": "pooler", "app.kubernetes.io/managed-by": "cloudnative-pg"},
		Services: []OperatorService{{Name: "{name}", Ports: []int{5432}}}},
	{Group: "kafka.strimzi.io", Kind: "Kafka", Operator: "Strimzi",
		PodLabels: map[string]string{"strimzi.io/cluster": "{name}", "strimzi.io/kind": "Kafka",
			"strimzi.io/name": "{name}-kafka", "strimzi.io/component-type": "kafka",
			"app.kubernetes.io/name": "kafka", "app.kubernetes.io/instance": "{name}"},
		Services: []OperatorService{
			{Name: "{name}-kafka-bootstrap"}, {Name: "{name}-kafka-brokers", Headless: true},
		}},
	{Group: "kafka.strimzi.io", Kind: "KafkaBridge", Operator: "Strimzi",
		PodLabels: map[string]string{"strimzi.io/cluster": "{name}", "strimzi.io/kind": "KafkaBridge"},
		Services:  []OperatorService{{Name: "{name}-bridge-service", Ports: []int{8080}}}},
	{Group: "kafka.strimzi.io", Kind: "KafkaConnect", Operator: "Strimzi",
		PodLabels: map[string]string{"strimzi.io/cluster": "{name}", "strimzi.io/kind": "KafkaConnect"},
		Services:  []OperatorService{{Name: "{name}-connect-api", Ports: []int{8083}}}},
	{Group: "kafka.strimzi.io", Kind: "KafkaMirrorMaker2", Operator: "Strimzi",
		PodLabels: map[string]string{"strimzi.io/cluster": "{name}", "strimzi.io/kind": "KafkaMirrorMaker2"},
		Services:  []OperatorService{{Name: "{name}-mirrormaker2-api", Ports: []int{8083}}}},
	{Group: "monitoring.coreos.com", Kind: "Prometheus", Operator: "the Prometheus operator",
		PodLabels: map[string]string{"prometheus": "{name}", "app.kubernetes.io/name": "prometheus",
			"app.kubernetes.io/instance": "{name}", "operator.prometheus.io/name": "{name}",
			"app.kubernetes.io/managed-by": "prometheus-operator"},
		// 10901 (grpc) only with spec.thanos; listed so that no client of it is misjudged.
		Services: []OperatorService{{Name: "prometheus-operated", Headless: true, Ports: []int{9090, 10901},
			Selector: map[string]string{"app.kubernetes.io/name": "prometheus"}}}},
	{Group: "monitoring.coreos.com", Kind: "PrometheusAgent", Operator: "the Prometheus operator",
		PodLabels: map[string]string{"app.kubernetes.io/name": "prometheus-agent",
			"app.kubernetes.io/instance": "{name}", "operator.prometheus.io/name": "{name}",
			"app.kubernetes.io/managed-by": "prometheus-operator"},
		Services: []OperatorService{{Name: "prometheus-agent-operated", Headless: true, Ports: []int{9090},
			Selector: map[string]string{"app.kubernetes.io/name": "prometheus-agent"}}}},
	{Group: "monitoring.coreos.com", Kind: "Alertmanager", Operator: "the Prometheus operator",
		PodLabels: map[string]string{"alertmanager": "{name}", "app.kubernetes.io/name": "alertmanager",
			"app.kubernetes.io/instance": "{name}", "app.kubernetes.io/managed-by": "prometheus-operator"},
		Services: []OperatorService{{Name: "alertmanager-operated", Headless: true, Ports: []int{9093, 9094},
			Selector: map[string]string{"app.kubernetes.io/name": "alertmanager"}}}},
	{Group: "monitoring.coreos.com", Kind: "ThanosRuler", Operator: "the Prometheus operator",
		PodLabels: map[string]string{"thanos-ruler": "{name}", "app.kubernetes.io/name": "thanos-ruler",
			"app.kubernetes.io/instance": "{name}", "app.kubernetes.io/managed-by": "prometheus-operator"},
		Services: []OperatorService{{Name: "thanos-ruler-operated", Headless: true, Ports: []int{10901, 10902},
			Selector: map[string]string{"app.kubernetes.io/name": "thanos-ruler"}}}},
	{Group: "elasticsearch.k8s.elastic.co", Kind: "Elasticsearch", Operator: "ECK",
		PodLabels: map[string]string{"elasticsearch.k8s.elastic.co/cluster-name": "{name}", "common.k8s.elastic.co/type": "elasticsearch"},
		Services: []OperatorService{
			{Name: "{name}-es-http", Ports: []int{9200}}, {Name: "{name}-es-internal-http", Ports: []int{9200}},
			{Name: "{name}-es-transport", Headless: true, Ports: []int{9300}},
		}},
	{Group: "kibana.k8s.elastic.co", Kind: "Kibana", Operator: "ECK",
		PodLabels: map[string]string{"kibana.k8s.elastic.co/name": "{name}"},
		Services:  []OperatorService{{Name: "{name}-kb-http", Ports: []int{5601}}}},
	{Group: "rabbitmq.com", Kind: "RabbitmqCluster", Operator: "the RabbitMQ cluster operator",
		PodLabels: map[string]string{"app.kubernetes.io/name": "{name}", "app.kubernetes.io/component": "rabbitmq",
			"app.kubernetes.io/part-of": "rabbitmq"},
		// The main Service's ports depend on TLS and plugins: unknown.
		Services: []OperatorService{{Name: "{name}", Selector: map[string]string{"app.kubernetes.io/name": "{name}"}},
			{Name: "{name}-nodes", Headless: true, Ports: []int{4369, 25672}, Selector: map[string]string{"app.kubernetes.io/name": "{name}"}}}},
	{Group: "serving.knative.dev", Kind: "Service", Operator: "Knative Serving",
		PodLabels: map[string]string{"serving.knative.dev/service": "{name}"},
		Services:  []OperatorService{{Name: "{name}", Ports: []int{80, 443}}}},
	{Group: "serving.kserve.io", Kind: "InferenceService", Operator: "KServe",
		PodLabels: map[string]string{"serving.kserve.io/inferenceservice": "{name}"},
		Services:  []OperatorService{{Name: "{name}"}, {Name: "{name}-predictor"}}},
	{Group: "kaito.sh", Kind: "Workspace", Operator: "KAITO",
		PodLabels: map[string]string{"kaito.sh/workspace": "{name}"},
		Services:  []OperatorService{{Name: "{name}"}, {Name: "{name}-headless", Headless: true}}},
}

// operatorIndex finds a catalogue entry by group and kind.
type operatorIndex map[string]*OperatorKind

func newOperatorIndex(catalogue []OperatorKind) operatorIndex {
	x := operatorIndex{}
	for i := range catalogue {
		k := &catalogue[i]
		x[k.Group+"/"+k.Kind] = k
	}
	return x
}

func (x operatorIndex) lookup(o *Object) *OperatorKind { return x[o.Group()+"/"+o.Kind] }

func expandName(s, name string) string { return strings.ReplaceAll(s, "{name}", name) }

// podLabels are the labels of the pods the operator creates for o.
func (k *OperatorKind) podLabels(o *Object) map[string]string {
	out := make(map[string]string, len(k.PodLabels))
	for key, v := range k.PodLabels {
		out[key] = expandName(v, o.Name)
	}
	return out
}

// services are the Services the operator creates for o, positioned at o: a finding
// about them is a finding about the resource that provides them.
func (k *OperatorKind) services(o *Object) []*Service {
	var out []*Service
	labels := k.podLabels(o)
	for _, os := range k.Services {
		s := &Service{Object: Object{Ref: Ref{APIVersion: "v1", Kind: "Service", Namespace: o.Namespace,
			Name: expandName(os.Name, o.Name)}, Pos: o.Pos, Doc: o.Doc}, Type: "ClusterIP", Ports: []ServicePort{},
			Headless: os.Headless, ProvidedBy: o.ID, PortsUnknown: len(os.Ports) == 0}
		s.ID = s.String()
		if os.Headless {
			s.ClusterIP = "None"
		}
		s.Selector = labels
		// Operators label their Services much as their pods; ServiceMonitors select by
		// these (an approximation: a monitor is not misjudged for want of a label).
		s.Labels = labels
		if os.Selector != nil {
			s.Selector = map[string]string{}
			for key, v := range os.Selector {
				s.Selector[key] = expandName(v, o.Name)
			}
		}
		for _, p := range os.Ports {
			s.Ports = append(s.Ports, ServicePort{Protocol: "TCP", Port: p, TargetPort: IntOrString{Int: p}, Pos: o.Pos,
				PortPos: o.Pos, TargetPortPos: o.Pos})
		}
		out = append(out, s)
	}
	return out
}

// findPodTemplate finds a pod-template-shaped mapping in a custom resource's spec: a
// PodTemplateSpec (metadata.labels and spec.containers, as spec.podTemplate of many
// operators) or labels beside containers. It returns the labels key and value nodes
// and the pod spec node.
func findPodTemplate(n *yaml.Node, depth int) (lk, lv, podSpec *yaml.Node) {
	if n == nil || depth < 0 {
		return nil, nil, nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		if k, v := field(val(n, "metadata"), "labels"); v != nil && v.Kind == yaml.MappingNode {
			if ps := val(n, "spec"); ps != nil && ps.Kind == yaml.MappingNode && val(ps, "containers") != nil {
				return k, v, ps
			}
		}
		if k, v := field(n, "labels"); v != nil && v.Kind == yaml.MappingNode && val(n, "containers") != nil {
			return k, v, n
		}
		for i := 1; i < len(n.Content); i += 2 {
			if lk, lv, ps := findPodTemplate(n.Content[i], depth-1); lv != nil {
				return lk, lv, ps
			}
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if lk, lv, ps := findPodTemplate(c, depth-1); lv != nil {
				return lk, lv, ps
			}
		}
	}
	return nil, nil, nil
}

package model

import (
	"maps"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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

// buildPod reads a Pod: its own labels and annotations are the pod's.
func buildPod(c *docCtx, o *Object, n *yaml.Node) entity {
	w := &Workload{Object: *o, PodLabels: o.Labels, PodAnnotations: o.Annotations, ContainersKnown: true}
	c.obj = &w.Object
	if mk, _ := field(val(n, "metadata"), "labels"); mk != nil {
		w.PodLabelsPos = c.pos(mk)
	} else {
		w.PodLabelsPos = o.Pos
	}
	_, spec := field(n, "spec")
	if c.mapping(spec, "spec") {
		c.podSpec(w, spec, "spec")
	}
	return w
}

// buildTemplated builds a workload whose pod template sits at the given path.
func buildTemplated(tpath ...string) builder {
	return func(c *docCtx, o *Object, n *yaml.Node) entity {
		w := &Workload{Object: *o, ContainersKnown: true}
		c.obj = &w.Object
		spec := val(n, "spec")
		if o.Kind == "StatefulSet" {
			sk, sv := field(spec, "serviceName")
			if s, ok := c.str(sv, "spec.serviceName"); ok {
				w.ServiceName, w.ServiceNamePos = s, c.pos(sk)
			}
		}
		if rv := val(spec, "replicas"); rv != nil {
			if r, ok := c.integer(rv, "spec.replicas"); ok {
				w.Replicas = &r
			}
		}
		where := strings.Join(tpath, ".")
		tmpl := path(n, tpath...)
		if !c.mapping(tmpl, where) {
			w.PodLabelsPos = o.Pos
			return w
		}
		md := val(tmpl, "metadata")
		if c.mapping(md, where+".metadata") {
			lk, lv := field(md, "labels")
			w.PodLabels = c.labelMap(lv, where+".metadata.labels")
			w.PodLabelsPos = c.pos(lk)
			w.PodAnnotations = c.stringMap(val(md, "annotations"), where+".metadata.annotations")
		}
		if !w.PodLabelsPos.IsValid() {
			w.PodLabelsPos = c.pos(tmpl)
		}
		if ps := val(tmpl, "spec"); c.mapping(ps, where+".spec") {
			c.podSpec(w, ps, where+".spec")
		}
		return w
	}
}

// buildCustomPodSource recognises custom resources that create pods: a pod template at
// spec.template (Argo Rollouts and many operators), any other pod-template-shaped
// structure in the spec (spec.podTemplate, an Experiment's templates), or pod labels
// at spec.podMetadata (the Prometheus operator's Prometheus and Alertmanager). It never reports type errors:
// the schema of a custom resource is not kubenet's to judge.
func buildCustomPodSource(c *docCtx, o *Object, n *yaml.Node) *Workload {
	spec := val(n, "spec")
	if tmpl := val(spec, "template"); tmpl != nil && tmpl.Kind == yaml.MappingNode {
		lk, lv := field(val(tmpl, "metadata"), "labels")
		if lv == nil || lv.Kind != yaml.MappingNode {
			return nil
		}
		quiet := &docCtx{file: c.file, off: c.off, doc: c.doc, res: &fileResult{}, remap: c.remap}
		w := &Workload{Object: *o, CustomResource: true}
		w.PodLabels = quiet.stringMap(lv, "labels")
		w.PodLabelsPos = c.pos(lk)
		if ps := val(tmpl, "spec"); ps != nil && ps.Kind == yaml.MappingNode && val(ps, "containers") != nil {
			quiet.podSpec(w, ps, "spec.template.spec")
			w.ContainersKnown = len(quiet.res.problems) == 0
		}
		return w
	}
	if lk, lv, ps := findPodTemplate(spec, 4); lv != nil {
		quiet := &docCtx{file: c.file, off: c.off, doc: c.doc, res: &fileResult{}, remap: c.remap}
		w := &Workload{Object: *o, CustomResource: true}
		w.PodLabels = quiet.stringMap(lv, "labels")
		w.PodLabelsPos = c.pos(lk)
		quiet.podSpec(w, ps, "spec")
		w.ContainersKnown = len(quiet.res.problems) == 0
		return w
	}
	if pm := val(spec, "podMetadata"); pm != nil && pm.Kind == yaml.MappingNode {
		lk, lv := field(pm, "labels")
		if lv == nil || lv.Kind != yaml.MappingNode {
			return nil
		}
		quiet := &docCtx{file: c.file, off: c.off, doc: c.doc, res: &fileResult{}, remap: c.remap}
		w := &Workload{Object: *o, CustomResource: true}
		w.PodLabels = quiet.stringMap(lv, "labels")
		w.PodLabelsPos = c.pos(lk)
		return w
	}
	return nil
}

// maxSpecLabels bounds the label sets read from one custom resource.
const maxSpecLabels = 16

// specLabels collects the string maps under a "labels" key in a custom resource's spec.
func specLabels(n *yaml.Node, depth int, out []map[string]string) []map[string]string {
	if n == nil || depth < 0 || len(out) >= maxSpecLabels {
		return out
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Value == "labels" && v.Kind == yaml.MappingNode {
				m := map[string]string{}
				for j := 0; j+1 < len(v.Content); j += 2 {
					if v.Content[j].Kind == yaml.ScalarNode && v.Content[j+1].Kind == yaml.ScalarNode {
						m[v.Content[j].Value] = v.Content[j+1].Value
					}
				}
				if len(m) > 0 && len(out) < maxSpecLabels {
					out = append(out, m)
				}
				continue
			}
			out = specLabels(v, depth-1, out)
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			out = specLabels(c, depth-1, out)
		}
	}
	return out
}

// extraLabels are the spec label sets other than the pod labels themselves, each
// merged over the pod labels (the controller adds them to the pods it makes).
func extraLabels(pod map[string]string, sets []map[string]string) []map[string]string {
	var out []map[string]string
	for _, set := range sets {
		if maps.Equal(set, pod) {
			continue
		}
		m := maps.Clone(pod)
		if m == nil {
			m = map[string]string{}
		}
		maps.Copy(m, set)
		if !maps.Equal(m, pod) {
			out = append(out, m)
		}
	}
	return out
}

// object returns the workload's header.
func (w *Workload) object() *Object { return &w.Object }

// addTo lists the Workload in the graph.
func (w *Workload) addTo(a *assembly) { a.g.Workloads = append(a.g.Workloads, w) }

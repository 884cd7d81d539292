package model

import (
	"fmt"
	"maps"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// builder turns a document of a known kind into its entity.
type builder func(c *docCtx, o *Object, root *yaml.Node) any

// kinds maps "group/Kind" to builders. Only these kinds are type-checked; every other
// kind is kept as an opaque object.
var kinds = map[string]builder{
	"/Pod":                                 buildPod,
	"/ReplicationController":               buildTemplated("spec", "template"),
	"apps/Deployment":                      buildTemplated("spec", "template"),
	"apps/StatefulSet":                     buildTemplated("spec", "template"),
	"apps/DaemonSet":                       buildTemplated("spec", "template"),
	"apps/ReplicaSet":                      buildTemplated("spec", "template"),
	"extensions/Deployment":                buildTemplated("spec", "template"),
	"extensions/DaemonSet":                 buildTemplated("spec", "template"),
	"extensions/ReplicaSet":                buildTemplated("spec", "template"),
	"batch/Job":                            buildTemplated("spec", "template"),
	"batch/CronJob":                        buildTemplated("spec", "jobTemplate", "spec", "template"),
	"/Service":                             buildService,
	"/Namespace":                           buildNamespace,
	"/ConfigMap":                           buildConfigMap,
	"/Endpoints":                           buildEndpoints,
	"discovery.k8s.io/EndpointSlice":       buildEndpointSlice,
	"networking.k8s.io/Ingress":            buildIngress,
	"extensions/Ingress":                   buildIngress,
	"networking.k8s.io/IngressClass":       buildIngressClass,
	"networking.k8s.io/NetworkPolicy":      buildPolicy,
	"extensions/NetworkPolicy":             buildPolicy,
	"monitoring.coreos.com/ServiceMonitor": buildMonitor,
	"monitoring.coreos.com/PodMonitor":     buildMonitor,
}

// maxAliasItems bounds the List items a document may produce through aliases.
const maxAliasItems = 1000

// clusterScoped lists the cluster-scoped kinds kubenet may meet; every other kind is
// treated as namespaced.
var clusterScoped = map[string]bool{
	"Namespace": true, "IngressClass": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "PersistentVolume": true, "StorageClass": true, "Node": true,
	"PriorityClass": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true, "APIService": true,
	"ClusterIssuer": true, "RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
	"CertificateSigningRequest": true, "FlowSchema": true, "PriorityLevelConfiguration": true,
	"GatewayClass": true, "ClusterTrustBundle": true, "IPAddress": true, "ServiceCIDR": true,
}

// KnownGroup reports whether group is served by Kubernetes itself (not a custom resource).
func KnownGroup(group string) bool {
	switch group {
	case "", "apps", "batch", "extensions", "policy", "autoscaling":
		return true
	}
	return strings.HasSuffix(group, ".k8s.io")
}

// document handles one decoded YAML document.
func (c *docCtx) document(n *yaml.Node) {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return // an empty document
		}
		n = n.Content[0]
	}
	root := n
	c.object(deref(n), "", "", "")
	if c.obj != nil { // a Kubernetes object (or List): YAML of other tools is not judged
		c.strict(root, 0, map[*yaml.Node]bool{})
	}
}

// maxKeyCheckDepth bounds the walk for duplicate keys (deeper documents are rejected
// by the parser's own limits first).
const maxKeyCheckDepth = 100

// strict reports what kubectl refuses and the YAML library here accepts silently:
// mapping keys given twice (the library keeps one value), and aliases of anchors in
// an earlier document (kubectl decodes each document on its own). anchors holds the
// anchored nodes met so far in this document, in document order; aliases are not
// followed.
func (c *docCtx) strict(n *yaml.Node, depth int, anchors map[*yaml.Node]bool) {
	if n == nil || depth > maxKeyCheckDepth {
		return
	}
	if n.Anchor != "" {
		anchors[n] = true
	}
	switch n.Kind {
	case yaml.AliasNode:
		if !anchors[n.Alias] {
			c.fail(n, "alias *%s refers to an anchor of an earlier document: kubectl decodes each document on its own and refuses it", n.Value)
		}
	case yaml.MappingNode:
		seen := map[string]bool{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind == yaml.ScalarNode {
				if seen[k.Value] && k.Value != "<<" {
					c.fail(k, "duplicate key %q: kubectl refuses a mapping that gives a key twice", k.Value)
				}
				seen[k.Value] = true
			}
			c.strict(k, depth+1, anchors)
			c.strict(n.Content[i+1], depth+1, anchors)
		}
	case yaml.SequenceNode:
		for _, it := range n.Content {
			c.strict(it, depth+1, anchors)
		}
	}
}

// object handles a mapping that may be a Kubernetes object or a List of them. Items of
// a typed list (PodList, as the API server returns it) may omit apiVersion and kind:
// they inherit them from the list (defAPIVersion, defKind).
func (c *docCtx) object(n *yaml.Node, listWhere, defAPIVersion, defKind string) {
	c.obj = nil
	if n == nil || n.Kind != yaml.MappingNode {
		if listWhere != "" && !isNull(n) {
			c.fail(n, "%s must be an object, not %s", listWhere, describe(n))
		}
		return
	}
	_, av := field(n, "apiVersion")
	_, kv := field(n, "kind")
	if defKind != "" {
		if av == nil {
			av = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: defAPIVersion, Line: n.Line, Column: n.Column}
		}
		if kv == nil {
			kv = &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: defKind, Line: n.Line, Column: n.Column}
		}
	}
	// Both keys present, one of them null: meant as an object, refused by kubectl.
	if av != nil && kv != nil && (isNull(av) || isNull(kv)) {
		bad, key := av, "apiVersion"
		if isNull(kv) {
			bad, key = kv, "kind"
		}
		c.fail(bad, "%s is null: kubectl refuses the document", key)
		return
	}
	// Not a Kubernetes object (CI workflows, Helm values, kustomization without kind): skip.
	if av == nil || kv == nil || av.Kind != yaml.ScalarNode || kv.Kind != yaml.ScalarNode || av.Value == "" || kv.Value == "" {
		if listWhere != "" {
			c.fail(n, "%s has no apiVersion and kind", listWhere)
		}
		return
	}
	kind := kv.Value
	if strings.HasSuffix(kind, "List") {
		if _, items := field(n, "items"); items != nil || kind == "List" {
			c.obj = nil
			itemKind := ""
			if kind != "List" {
				itemKind = strings.TrimSuffix(kind, "List")
			}
			for i, it := range c.seq(items, kind+".items") {
				if items.Content[i].Kind == yaml.AliasNode {
					// An aliased List item is unwrapped again each time it is named;
					// bound it as kubectl does ("excessive aliasing").
					c.aliasItems++
					if c.aliasItems > maxAliasItems {
						c.fail(items.Content[i], "%s: document contains excessive aliasing", kind)
						return
					}
				}
				c.object(it, fmt.Sprintf("%s.items[%d]", kind, i), av.Value, itemKind)
			}
			return
		}
	}
	o := &Object{Ref: Ref{APIVersion: av.Value, Kind: kind}, Doc: c.doc, APIVersionPos: c.pos(av), Pos: c.pos(n)}
	c.obj = o
	c.metadata(o, n)
	it := item{obj: o, namespaced: !clusterScoped[kind]}
	if b, ok := kinds[o.Group()+"/"+kind]; ok {
		it.entity = b(c, o, n)
		switch e := it.entity.(type) {
		case *Workload:
			it.obj = &e.Object
		case *Service:
			it.obj = &e.Object
		case *Ingress:
			it.obj = &e.Object
		case *IngressClass:
			it.obj = &e.Object
		case *Policy:
			it.obj = &e.Object
		case *ConfigMap:
			it.obj = &e.Object
		case *Monitor:
			it.obj = &e.Object
		case string:
			it.endpointsFor = e
			it.entity = nil
		}
	} else if !KnownGroup(o.Group()) {
		o.specLabels = specLabels(val(n, "spec"), 10, nil)
		if w := buildCustomPodSource(c, o, n); w != nil {
			w.ExtraPodLabels = extraLabels(w.PodLabels, w.specLabels)
			it.entity = w
			it.obj = &w.Object
		}
	}
	c.res.items = append(c.res.items, it)
}

// nameErrors validates the name of a built-in kind as the API server does: a DNS-1035
// label for a Service, a DNS-1123 label for a Namespace, a DNS-1123 subdomain for the
// others kubenet reads.
func nameErrors(kind, name string) []string {
	switch kind {
	case "Service":
		return validation.IsDNS1035Label(name)
	case "Namespace":
		return validation.IsDNS1123Label(name)
	}
	return validation.IsDNS1123Subdomain(name)
}

// metadata reads name, namespace, labels and annotations into o.
func (c *docCtx) metadata(o *Object, n *yaml.Node) {
	_, md := field(n, "metadata")
	if !c.mapping(md, "metadata") {
		if _, known := kinds[o.Group()+"/"+o.Kind]; known {
			c.fail(n, "%s has no metadata.name", o.Kind)
		}
		return
	}
	_, nameNode := field(md, "name")
	if name, ok := c.str(nameNode, "metadata.name"); ok {
		o.Name = name
		o.Pos = c.pos(nameNode)
		if _, known := kinds[o.Group()+"/"+o.Kind]; known {
			if errs := nameErrors(o.Kind, name); len(errs) > 0 {
				c.fail(nameNode, "metadata.name %q is not a valid %s name: %s", name, o.Kind, errs[0])
			}
		}
	} else if gn, ok := c.str(val(md, "generateName"), "metadata.generateName"); ok {
		o.Name, o.GenerateName = gn, true
	} else if _, known := kinds[o.Group()+"/"+o.Kind]; known && nameNode == nil {
		c.fail(md, "%s has no metadata.name", o.Kind)
	} else if known && isNull(nameNode) {
		c.fail(nameNode, "%s has no metadata.name (it is null)", o.Kind)
	}
	if nk, nv := field(md, "namespace"); nv != nil {
		if ns, ok := c.str(nv, "metadata.namespace"); ok {
			o.Namespace = ns
			if errs := validation.IsDNS1123Label(ns); len(errs) > 0 && ns != "" {
				c.fail(orNode(nv, nk), "metadata.namespace %q is not a valid namespace name: %s", ns, errs[0])
			}
		}
	}
	lk, lv := field(md, "labels")
	o.Labels = c.stringMap(lv, "metadata.labels")
	c.validateLabels(lk, lv, o.Labels, "metadata.labels")
	o.Annotations = c.stringMap(val(md, "annotations"), "metadata.annotations")
	if refs := val(md, "ownerReferences"); refs != nil && refs.Kind == yaml.SequenceNode {
		for _, r := range refs.Content {
			r = deref(r)
			if ctl := val(r, "controller"); ctl != nil && ctl.Value == "true" {
				o.Owner = &Ref{APIVersion: scalar(val(r, "apiVersion")), Kind: scalar(val(r, "kind")), Name: scalar(val(r, "name"))}
			}
		}
	}
}

func scalar(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// validateLabels checks label keys and values as the API server does.
func (c *docCtx) validateLabels(_ *yaml.Node, n *yaml.Node, m map[string]string, where string) {
	if len(m) == 0 {
		return
	}
	for _, p := range pairs(n) {
		k := p[0].Value
		v, ok := m[k]
		if !ok {
			continue
		}
		if errs := content.IsLabelKey(k); len(errs) > 0 {
			c.fail(p[0], "%s: invalid label key %q: %s", where, k, errs[0])
		}
		if errs := content.IsLabelValue(v); len(errs) > 0 {
			c.fail(p[1], "%s: invalid value %q for label %s: %s", where, v, k, errs[0])
		}
	}
}

// selector reads a metav1.LabelSelector; a null or absent one is empty (selects all).
func (c *docCtx) selector(keyNode, n *yaml.Node, where string) Selector {
	s := Selector{Pos: c.pos(keyNode)}
	if keyNode == nil {
		s.Pos = c.pos(n)
	}
	before := len(c.res.problems)
	if c.mapping(n, where) {
		lk, lv := field(n, "matchLabels")
		s.MatchLabels = c.stringMap(lv, where+".matchLabels")
		c.validateLabels(lk, lv, s.MatchLabels, where+".matchLabels")
		for i, e := range c.seq(val(n, "matchExpressions"), where+".matchExpressions") {
			w := fmt.Sprintf("%s.matchExpressions[%d]", where, i)
			if !c.mapping(e, w) {
				continue
			}
			key, _ := c.str(val(e, "key"), w+".key")
			op, _ := c.str(val(e, "operator"), w+".operator")
			var values []string
			for _, v := range c.stringList(val(e, "values"), w+".values") {
				values = append(values, v.Value)
			}
			s.MatchExpressions = append(s.MatchExpressions, Requirement{Key: key, Operator: op, Values: values})
		}
	}
	if err := s.compile(); err != nil && len(c.res.problems) == before {
		c.fail(orNode(keyNode, n), "%s is not a valid label selector: %v", where, err)
	}
	return s
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

func buildPod(c *docCtx, o *Object, n *yaml.Node) any {
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
	return func(c *docCtx, o *Object, n *yaml.Node) any {
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
			w.PodLabels = c.stringMap(lv, where+".metadata.labels")
			c.validateLabels(lk, lv, w.PodLabels, where+".metadata.labels")
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

func (c *docCtx) podSpec(w *Workload, spec *yaml.Node, where string) {
	hk, hv := field(spec, "hostNetwork")
	w.HostNetwork = c.boolean(hv, where+".hostNetwork")
	w.HostNetworkPos = c.pos(hk)
	dk, dv := field(spec, "dnsPolicy")
	if s, ok := c.str(dv, where+".dnsPolicy"); ok {
		switch s {
		case "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None":
		default:
			c.fail(dv, "%s.dnsPolicy %q is not one of ClusterFirst, ClusterFirstWithHostNet, Default, None", where, s)
		}
		w.DNSPolicy, w.DNSPolicyPos = s, c.pos(dk)
	}
	if dc := val(spec, "dnsConfig"); c.mapping(dc, where+".dnsConfig") {
		cfg := &DNSConfig{Pos: c.pos(dc)}
		for _, s := range c.stringList(val(dc, "nameservers"), where+".dnsConfig.nameservers") {
			cfg.Nameservers = append(cfg.Nameservers, s.Value)
		}
		for _, s := range c.stringList(val(dc, "searches"), where+".dnsConfig.searches") {
			cfg.Searches = append(cfg.Searches, s.Value)
		}
		for i, on := range c.seq(val(dc, "options"), where+".dnsConfig.options") {
			ow := fmt.Sprintf("%s.dnsConfig.options[%d]", where, i)
			if !c.mapping(on, ow) {
				continue
			}
			name, _ := c.str(val(on, "name"), ow+".name")
			opt := DNSOption{Name: name}
			if v, ok := c.str(val(on, "value"), ow+".value"); ok {
				opt.Value = &v
			}
			cfg.Options = append(cfg.Options, opt)
		}
		w.DNSConfig = cfg
	}
	w.Hostname, _ = c.str(val(spec, "hostname"), where+".hostname")
	w.Subdomain, _ = c.str(val(spec, "subdomain"), where+".subdomain")
	for i, cn := range c.seq(val(spec, "initContainers"), where+".initContainers") {
		c.container(w, cn, fmt.Sprintf("%s.initContainers[%d]", where, i), true)
	}
	for i, cn := range c.seq(val(spec, "containers"), where+".containers") {
		c.container(w, cn, fmt.Sprintf("%s.containers[%d]", where, i), false)
	}
	for i, vn := range c.seq(val(spec, "volumes"), where+".volumes") {
		vw := fmt.Sprintf("%s.volumes[%d]", where, i)
		if !c.mapping(vn, vw) {
			continue
		}
		name, _ := c.str(val(vn, "name"), vw+".name")
		if cm := val(vn, "configMap"); c.mapping(cm, vw+".configMap") {
			cmName, _ := c.str(val(cm, "name"), vw+".configMap.name")
			w.Volumes = append(w.Volumes, Volume{Name: name, ConfigMap: cmName, Pos: c.pos(vn)})
		}
	}
}

func (c *docCtx) container(w *Workload, n *yaml.Node, where string, init bool) {
	if !c.mapping(n, where) {
		return
	}
	ct := Container{Init: init, Pos: c.pos(n), Ports: []ContainerPort{}}
	ct.Name, _ = c.str(val(n, "name"), where+".name")
	if init {
		if rp, ok := c.str(val(n, "restartPolicy"), where+".restartPolicy"); ok && rp == "Always" {
			ct.Sidecar = true
		}
	}
	for i, pn := range c.seq(val(n, "ports"), where+".ports") {
		pw := fmt.Sprintf("%s.ports[%d]", where, i)
		if isNull(pn) {
			c.fail(pn, "%s is null: an empty port has no containerPort, which the API server refuses", pw)
			continue
		}
		if !c.mapping(pn, pw) {
			continue
		}
		p := ContainerPort{Protocol: "TCP", Pos: c.pos(pn)}
		nk, nv := field(pn, "name")
		if name, ok := c.str(nv, pw+".name"); ok && name != "" {
			if errs := validation.IsValidPortName(name); len(errs) > 0 {
				c.fail(nv, "%s.name %q is not a valid port name: %s", pw, name, errs[0])
			}
			p.Name = name
			_ = nk
		}
		cpv := val(pn, "containerPort")
		if isNull(cpv) && cpv != nil {
			c.fail(cpv, "%s.containerPort is required, and null is no port", pw)
		} else if cpv == nil {
			c.fail(pn, "%s.containerPort is required%s", pw, misspelt(pn, "containerPort"))
		} else if v, ok := c.integer(cpv, pw+".containerPort"); ok {
			if v < 1 || v > 65535 {
				c.fail(cpv, "%s.containerPort %d must be between 1 and 65535", pw, v)
			}
			p.ContainerPort = v
		}
		p.Protocol = c.protocol(val(pn, "protocol"), pw+".protocol")
		if hp, ok := c.integer(val(pn, "hostPort"), pw+".hostPort"); ok {
			p.HostPort = hp
		}
		ct.Ports = append(ct.Ports, p)
	}
	for i, en := range c.seq(val(n, "env"), where+".env") {
		ew := fmt.Sprintf("%s.env[%d]", where, i)
		if !c.mapping(en, ew) {
			continue
		}
		e := EnvVar{Pos: c.pos(en)}
		e.Name, _ = c.str(val(en, "name"), ew+".name")
		if vv := val(en, "value"); vv != nil {
			if vv.Kind == yaml.ScalarNode && vv.ShortTag() != "!!str" && !isNull(vv) {
				c.fail(vv, "%s.value must be a string, not %s (quote it)", ew, describe(vv))
			} else if s, ok := c.str(vv, ew+".value"); ok {
				e.Value, e.HasValue, e.ValuePos = s, true, c.pos(vv)
			}
		}
		if vf := val(en, "valueFrom"); c.mapping(vf, ew+".valueFrom") {
			if r := val(vf, "configMapKeyRef"); c.mapping(r, ew+".valueFrom.configMapKeyRef") {
				e.ConfigMapKeyRef = c.keyRef(r, ew+".valueFrom.configMapKeyRef")
			}
			if r := val(vf, "secretKeyRef"); c.mapping(r, ew+".valueFrom.secretKeyRef") {
				e.SecretKeyRef = c.keyRef(r, ew+".valueFrom.secretKeyRef")
			}
			if r := val(vf, "fieldRef"); c.mapping(r, ew+".valueFrom.fieldRef") {
				e.FieldRef, _ = c.str(val(r, "fieldPath"), ew+".valueFrom.fieldRef.fieldPath")
			}
		}
		ct.Env = append(ct.Env, e)
	}
	for i, en := range c.seq(val(n, "envFrom"), where+".envFrom") {
		ew := fmt.Sprintf("%s.envFrom[%d]", where, i)
		if !c.mapping(en, ew) {
			continue
		}
		e := EnvFrom{Pos: c.pos(en)}
		e.Prefix, _ = c.str(val(en, "prefix"), ew+".prefix")
		if r := val(en, "configMapRef"); c.mapping(r, ew+".configMapRef") {
			e.ConfigMap, _ = c.str(val(r, "name"), ew+".configMapRef.name")
		}
		if r := val(en, "secretRef"); c.mapping(r, ew+".secretRef") {
			e.Secret, _ = c.str(val(r, "name"), ew+".secretRef.name")
		}
		ct.EnvFrom = append(ct.EnvFrom, e)
	}
	ct.Args = c.stringList(val(n, "args"), where+".args")
	ct.Command = c.stringList(val(n, "command"), where+".command")
	ct.ProbePorts = c.probePorts(n)
	w.Containers = append(w.Containers, ct)
}

// probePorts reads the ports of a container's probes. They are evidence only, so a
// value of the wrong shape is passed over here (the API server's validation, not a
// port check, is the place to report it).
func (c *docCtx) probePorts(n *yaml.Node) []ProbePort {
	out := []ProbePort{}
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		pn := val(n, probe)
		for _, handler := range []string{"httpGet", "tcpSocket", "grpc"} {
			pv := val(val(pn, handler), "port")
			if pv == nil || pv.Kind != yaml.ScalarNode {
				continue
			}
			pp := ProbePort{Probe: probe, Pos: c.pos(pv)}
			switch pv.ShortTag() {
			case "!!int":
				v, err := strconv.Atoi(pv.Value)
				if err != nil || v < 1 || v > 65535 {
					continue
				}
				pp.Port = IntOrString{Int: v}
			case "!!str":
				pp.Port = IntOrString{Str: pv.Value, IsStr: true}
			default:
				continue
			}
			out = append(out, pp)
		}
	}
	return out
}

func (c *docCtx) keyRef(n *yaml.Node, where string) *KeyRef {
	r := &KeyRef{}
	r.Name, _ = c.str(val(n, "name"), where+".name")
	r.Key, _ = c.str(val(n, "key"), where+".key")
	r.Optional = c.boolean(val(n, "optional"), where+".optional")
	return r
}

// protocol reads a protocol field, defaulting to TCP.
func (c *docCtx) protocol(n *yaml.Node, where string) string {
	s, ok := c.str(n, where)
	if !ok || s == "" {
		return "TCP"
	}
	switch s {
	case "TCP", "UDP", "SCTP":
		return s
	}
	c.fail(n, "%s %q is not one of TCP, UDP, SCTP", where, s)
	return s
}

func buildService(c *docCtx, o *Object, n *yaml.Node) any {
	s := &Service{Object: *o, Type: "ClusterIP", Ports: []ServicePort{}}
	c.obj = &s.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return s
	}
	if t, ok := c.str(val(spec, "type"), "spec.type"); ok && t != "" {
		switch t {
		case "ClusterIP", "NodePort", "LoadBalancer", "ExternalName":
			s.Type = t
		default:
			c.fail(val(spec, "type"), "spec.type %q is not one of ClusterIP, NodePort, LoadBalancer, ExternalName", t)
		}
	}
	sk, sv := field(spec, "selector")
	sel := c.stringMap(sv, "spec.selector")
	c.validateLabels(sk, sv, sel, "spec.selector")
	if len(sel) > 0 {
		s.Selector = sel
		s.SelectorPos = c.pos(sk)
		s.SelectorKeyPos = make(map[string]Pos, len(sel))
		for _, p := range pairs(sv) {
			s.SelectorKeyPos[p[0].Value] = c.pos(p[0])
		}
	}
	s.ClusterIP, _ = c.str(val(spec, "clusterIP"), "spec.clusterIP")
	s.Headless = s.ClusterIP == "None"
	ek, ev := field(spec, "externalName")
	if en, ok := c.str(ev, "spec.externalName"); ok {
		s.ExternalName, s.ExternalNamePos = en, c.pos(ek)
	}
	s.PublishNotReadyAddresses = c.boolean(val(spec, "publishNotReadyAddresses"), "spec.publishNotReadyAddresses")
	for i, pn := range c.seq(val(spec, "ports"), "spec.ports") {
		pw := fmt.Sprintf("spec.ports[%d]", i)
		if isNull(pn) {
			c.fail(pn, "%s is null: an empty port has no port number, which the API server refuses", pw)
			continue
		}
		if !c.mapping(pn, pw) {
			continue
		}
		p := ServicePort{Pos: c.pos(pn)}
		p.Name, _ = c.str(val(pn, "name"), pw+".name")
		p.Protocol = c.protocol(val(pn, "protocol"), pw+".protocol")
		pk, pv := field(pn, "port")
		p.PortPos = c.pos(orNode(pk, pn))
		if pv == nil {
			c.fail(pn, "%s.port is required%s", pw, misspelt(pn, "port"))
		} else if isNull(pv) {
			c.fail(pv, "%s.port is required, and null is no port", pw)
		} else if v, ok := c.integer(pv, pw+".port"); ok {
			if v < 1 || v > 65535 {
				c.fail(pv, "%s.port %d must be between 1 and 65535", pw, v)
			}
			p.Port = v
		}
		tk, tv := field(pn, "targetPort")
		p.TargetPort = IntOrString{Int: p.Port}
		p.TargetPortPos = p.PortPos
		if tp, ok := c.intOrString(tv, pw+".targetPort"); ok {
			p.TargetPortPos = c.pos(tk)
			switch {
			case tp.IsStr && tp.Str == "":
				// An empty targetPort is unset: it defaults to the port.
			case tp.IsStr:
				if errs := validation.IsValidPortName(tp.Str); len(errs) > 0 {
					hint := ""
					if isDigits(tp.Str) {
						hint = " (a quoted number is a port name; remove the quotes)"
					}
					c.fail(tv, "%s.targetPort %q is not a valid port name: %s%s", pw, tp.Str, errs[0], hint)
				}
				p.TargetPort, p.TargetPortSet = tp, true
			case tp.Int != 0:
				if tp.Int < 1 || tp.Int > 65535 {
					c.fail(tv, "%s.targetPort %d must be between 1 and 65535", pw, tp.Int)
				}
				p.TargetPort, p.TargetPortSet = tp, true
			}
		}
		nk, nv := field(pn, "nodePort")
		if np, ok := c.integer(nv, pw+".nodePort"); ok && np != 0 {
			p.NodePort, p.NodePortPos = np, c.pos(nk)
			if s.Type == "ClusterIP" || s.Type == "ExternalName" {
				c.fail(nv, "%s.nodePort may not be used when type is %s; set type: NodePort or LoadBalancer, or remove nodePort", pw, s.Type)
			}
		}
		s.Ports = append(s.Ports, p)
	}
	return s
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func buildNamespace(c *docCtx, o *Object, _ *yaml.Node) any {
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	labels[MetadataNameLabel] = o.Name
	return &Namespace{Name: o.Name, ID: "Namespace/" + o.Name, Labels: labels, Annotations: maps.Clone(o.Annotations), Declared: true, Pos: o.Pos}
}

func buildConfigMap(c *docCtx, o *Object, n *yaml.Node) any {
	cm := &ConfigMap{Object: *o}
	c.obj = &cm.Object
	dn := val(n, "data")
	cm.Data, cm.DataPos = c.stringMapPos(dn, "data")
	if cm.Data != nil {
		cm.DataLine = make(map[string]int, len(cm.Data))
		for _, p := range pairs(dn) {
			if _, ok := cm.Data[p[0].Value]; !ok {
				continue
			}
			// Line i of the text is line DataLine+i of the file only for a literal block
			// ("|") or a one-line value; folded and quoted scalars move lines around, and
			// get 0 (their findings point at the value).
			line := cm.DataPos[p[0].Value].Line
			switch {
			case p[1].Style&yaml.LiteralStyle != 0:
				line++
			case strings.Contains(strings.TrimRight(cm.Data[p[0].Value], "\n"), "\n"):
				line = 0
			}
			cm.DataLine[p[0].Value] = line
		}
	}
	return cm
}

// buildEndpoints returns the name of the Service the Endpoints back.
func buildEndpoints(_ *docCtx, o *Object, _ *yaml.Node) any { return o.Name }

func buildEndpointSlice(_ *docCtx, o *Object, _ *yaml.Node) any {
	return o.Labels["kubernetes.io/service-name"]
}

func buildIngressClass(c *docCtx, o *Object, n *yaml.Node) any {
	ic := &IngressClass{Object: *o}
	c.obj = &ic.Object
	ic.Controller, _ = c.str(path(n, "spec", "controller"), "spec.controller")
	ic.IsDefault = o.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true"
	return ic
}

func buildIngress(c *docCtx, o *Object, n *yaml.Node) any {
	ing := &Ingress{Object: *o, Backends: []Backend{}}
	c.obj = &ing.Object
	v1 := o.APIVersion == "networking.k8s.io/v1"
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return ing
	}
	ck, cv := field(spec, "ingressClassName")
	if cls, ok := c.str(cv, "spec.ingressClassName"); ok {
		ing.ClassName, ing.ClassPos = cls, c.pos(ck)
	} else if cls, ok := o.Annotations["kubernetes.io/ingress.class"]; ok {
		ing.ClassName, ing.ClassPos = cls, o.Pos
	}
	for _, key := range []string{"defaultBackend", "backend"} {
		if bn := val(spec, key); c.mapping(bn, "spec."+key) {
			b := c.backend(bn, "spec."+key)
			b.Default = true
			b.Pos = c.pos(bn)
			ing.Backends = append(ing.Backends, b)
		}
	}
	for i, rn := range c.seq(val(spec, "rules"), "spec.rules") {
		rw := fmt.Sprintf("spec.rules[%d]", i)
		if !c.mapping(rn, rw) {
			continue
		}
		host, _ := c.str(val(rn, "host"), rw+".host")
		http := val(rn, "http")
		if !c.mapping(http, rw+".http") {
			continue
		}
		for j, pn := range c.seq(val(http, "paths"), rw+".http.paths") {
			pw := fmt.Sprintf("%s.http.paths[%d]", rw, j)
			if !c.mapping(pn, pw) {
				continue
			}
			bn := val(pn, "backend")
			if !c.mapping(bn, pw+".backend") {
				c.fail(pn, "%s.backend is required", pw)
				continue
			}
			b := c.backend(bn, pw+".backend")
			b.Host = host
			b.Path, _ = c.str(val(pn, "path"), pw+".path")
			ptk, ptv := field(pn, "pathType")
			b.PathType, _ = c.str(ptv, pw+".pathType")
			if v1 {
				switch b.PathType {
				case "Exact", "Prefix", "ImplementationSpecific":
				case "":
					if ptk == nil {
						c.fail(pn, "%s.pathType is required in networking.k8s.io/v1 (Exact, Prefix or ImplementationSpecific)", pw)
					} else {
						c.fail(ptv, "%s.pathType is required in networking.k8s.io/v1 (Exact, Prefix or ImplementationSpecific)", pw)
					}
				default:
					c.fail(ptv, "%s.pathType %q is not Exact, Prefix or ImplementationSpecific (values are case-sensitive)", pw, b.PathType)
				}
			}
			b.Pos = c.pos(pn)
			ing.Backends = append(ing.Backends, b)
		}
	}
	for i, tn := range c.seq(val(spec, "tls"), "spec.tls") {
		tw := fmt.Sprintf("spec.tls[%d]", i)
		if !c.mapping(tn, tw) {
			continue
		}
		t := TLS{Pos: c.pos(tn)}
		for _, h := range c.stringList(val(tn, "hosts"), tw+".hosts") {
			t.Hosts = append(t.Hosts, h.Value)
		}
		t.SecretName, _ = c.str(val(tn, "secretName"), tw+".secretName")
		ing.TLS = append(ing.TLS, t)
	}
	return ing
}

// backend reads a v1 backend (service.name, service.port.number|name, or resource) or
// the beta shape (serviceName, servicePort).
func (c *docCtx) backend(n *yaml.Node, where string) Backend {
	var b Backend
	if svc := val(n, "service"); c.mapping(svc, where+".service") {
		nk, nv := field(svc, "name")
		b.Service, _ = c.str(nv, where+".service.name")
		b.ServicePos = c.pos(orNode(nk, svc))
		port := val(svc, "port")
		if port == nil {
			c.fail(svc, "%s.service.port is required (number or name)", where)
		}
		if c.mapping(port, where+".service.port") {
			_, numV := field(port, "number")
			_, nameV := field(port, "name")
			if numV != nil && nameV != nil {
				c.fail(port, "%s.service.port sets both number and name; set one", where)
			} else if numV == nil && nameV == nil {
				c.fail(port, "%s.service.port needs a number or a name", where)
			}
			if pk, pv := field(port, "number"); pv != nil {
				if v, ok := c.integer(pv, where+".service.port.number"); ok {
					b.Port, b.PortSet, b.PortPos = IntOrString{Int: v}, true, c.pos(pk)
				}
			} else if pk, pv := field(port, "name"); pv != nil {
				if v, ok := c.str(pv, where+".service.port.name"); ok {
					b.Port, b.PortSet, b.PortPos = IntOrString{Str: v, IsStr: true}, true, c.pos(pk)
				}
			}
		}
		if !b.PortPos.IsValid() {
			b.PortPos = b.ServicePos
		}
		return b
	}
	if sk, sv := field(n, "serviceName"); sv != nil {
		b.Service, _ = c.str(sv, where+".serviceName")
		b.ServicePos = c.pos(sk)
		pk, pv := field(n, "servicePort")
		if p, ok := c.intOrString(pv, where+".servicePort"); ok {
			b.Port, b.PortSet, b.PortPos = p, true, c.pos(pk)
		} else {
			b.PortPos = b.ServicePos
		}
		return b
	}
	if r := val(n, "resource"); c.mapping(r, where+".resource") {
		ref := &Ref{}
		ref.APIVersion, _ = c.str(val(r, "apiGroup"), where+".resource.apiGroup")
		ref.Kind, _ = c.str(val(r, "kind"), where+".resource.kind")
		ref.Name, _ = c.str(val(r, "name"), where+".resource.name")
		b.Resource = ref
		b.ServicePos = c.pos(r)
		b.PortPos = b.ServicePos
		return b
	}
	c.fail(n, "%s names neither a service nor a resource", where)
	return b
}

func buildPolicy(c *docCtx, o *Object, n *yaml.Node) any {
	p := &Policy{Object: *o, Ingress: []PolicyRule{}, Egress: []PolicyRule{}}
	c.obj = &p.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		p.PodSelector = Selector{Empty: true, Pos: o.Pos}
		_ = p.PodSelector.compile()
		p.PolicyTypes = []string{"Ingress"}
		p.PolicyTypesPos = o.Pos
		return p
	}
	sk, sv := field(spec, "podSelector")
	p.PodSelector = c.selector(sk, sv, "spec.podSelector")
	if sk == nil {
		p.PodSelector.Pos = o.Pos
	}
	p.Ingress = c.policyRules(val(spec, "ingress"), "spec.ingress", "from")
	p.Egress = c.policyRules(val(spec, "egress"), "spec.egress", "to")
	tk, tv := field(spec, "policyTypes")
	for _, t := range c.stringList(tv, "spec.policyTypes") {
		if t.Value != "Ingress" && t.Value != "Egress" {
			c.failAt(t.Pos, "spec.policyTypes: %q is not Ingress or Egress", t.Value)
			continue
		}
		p.PolicyTypes = append(p.PolicyTypes, t.Value)
	}
	p.PolicyTypesPos = c.pos(tk)
	if len(p.PolicyTypes) == 0 {
		// The API server's defaulting: Ingress, plus Egress when there are egress rules.
		p.PolicyTypes = []string{"Ingress"}
		if len(p.Egress) > 0 {
			p.PolicyTypes = append(p.PolicyTypes, "Egress")
		}
		p.PolicyTypesPos = p.PodSelector.Pos
	}
	return p
}

func (c *docCtx) policyRules(n *yaml.Node, where, peersKey string) []PolicyRule {
	rules := []PolicyRule{}
	for i, rn := range c.seq(n, where) {
		rw := fmt.Sprintf("%s[%d]", where, i)
		r := PolicyRule{Pos: c.pos(rn)}
		if !isNull(rn) && !c.mapping(rn, rw) {
			continue
		}
		for j, pn := range c.seq(val(rn, peersKey), rw+"."+peersKey) {
			pw := fmt.Sprintf("%s.%s[%d]", rw, peersKey, j)
			if !c.mapping(pn, pw) {
				c.fail(pn, "%s must set podSelector, namespaceSelector or ipBlock", pw)
				continue
			}
			peer := Peer{Pos: c.pos(pn)}
			// A null selector is absent (what Helm renders for an unset value).
			if k, v := field(pn, "podSelector"); k != nil && !isNull(v) {
				s := c.selector(k, v, pw+".podSelector")
				peer.PodSelector = &s
			}
			if k, v := field(pn, "namespaceSelector"); k != nil && !isNull(v) {
				s := c.selector(k, v, pw+".namespaceSelector")
				peer.NamespaceSelector = &s
			}
			if _, v := field(pn, "ipBlock"); c.mapping(v, pw+".ipBlock") {
				b := &IPBlock{}
				b.CIDR, _ = c.str(val(v, "cidr"), pw+".ipBlock.cidr")
				for _, e := range c.stringList(val(v, "except"), pw+".ipBlock.except") {
					b.Except = append(b.Except, e.Value)
				}
				peer.IPBlock = b
				if peer.PodSelector != nil || peer.NamespaceSelector != nil {
					c.fail(pn, "%s: ipBlock cannot be combined with podSelector or namespaceSelector", pw)
				}
			}
			if peer.PodSelector == nil && peer.NamespaceSelector == nil && peer.IPBlock == nil {
				c.fail(pn, "%s must set podSelector, namespaceSelector or ipBlock", pw)
				continue
			}
			r.Peers = append(r.Peers, peer)
		}
		for j, pn := range c.seq(val(rn, "ports"), rw+".ports") {
			pw := fmt.Sprintf("%s.ports[%d]", rw, j)
			pp := PolicyPort{Pos: c.pos(pn), Protocol: "TCP"}
			if !isNull(pn) && !c.mapping(pn, pw) {
				continue
			}
			pp.Protocol = c.protocol(val(pn, "protocol"), pw+".protocol")
			pk, pv := field(pn, "port")
			if v, ok := c.intOrString(pv, pw+".port"); ok {
				pp.Port, pp.PortPos = &v, c.pos(pk)
			}
			if ev := val(pn, "endPort"); ev != nil {
				if e, ok := c.integer(ev, pw+".endPort"); ok {
					pp.EndPort = e
					if pp.Port == nil || pp.Port.IsStr || e < pp.Port.Int {
						c.fail(ev, "%s.endPort needs a numeric port not greater than it", pw)
					}
				}
			}
			r.Ports = append(r.Ports, pp)
		}
		rules = append(rules, r)
	}
	return rules
}

// misspelt explains a missing required field that is present with other capitalisation
// (field names are case-sensitive).
func misspelt(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if k := m.Content[i].Value; k != key && strings.EqualFold(k, key) {
			return fmt.Sprintf(" (found %q: field names are case-sensitive)", k)
		}
	}
	return ""
}

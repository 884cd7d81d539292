package model

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/validate/content"
	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// maxAliasItems bounds the List items a document may produce through aliases.
const maxAliasItems = 1000

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
	if !c.typed(n, av, kv, listWhere) {
		return
	}
	kind := kv.Value
	if strings.HasSuffix(kind, "List") {
		if _, items := field(n, "items"); items != nil || kind == "List" {
			c.list(items, av.Value, kind)
			return
		}
	}
	c.decode(n, av, kind)
}

// typed reports whether a mapping with these apiVersion and kind nodes is a Kubernetes
// object. With both keys present and one of them null, it is meant as one but kubectl
// refuses it (a problem). Without them it is the YAML of another tool (a CI workflow,
// Helm values, a kustomization without kind), skipped, unless it is a List item
// (listWhere).
func (c *docCtx) typed(n, av, kv *yaml.Node, listWhere string) bool {
	if av != nil && kv != nil && (isNull(av) || isNull(kv)) {
		bad, key := av, "apiVersion"
		if isNull(kv) {
			bad, key = kv, "kind"
		}
		c.fail(bad, "%s is null: kubectl refuses the document", key)
		return false
	}
	if av == nil || kv == nil || av.Kind != yaml.ScalarNode || kv.Kind != yaml.ScalarNode || av.Value == "" || kv.Value == "" {
		if listWhere != "" {
			c.fail(n, "%s has no apiVersion and kind", listWhere)
		}
		return false
	}
	return true
}

// list handles the items of a List of the given kind. Items of a typed list (PodList)
// default to its apiVersion and item kind.
func (c *docCtx) list(items *yaml.Node, apiVersion, kind string) {
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
		c.object(it, fmt.Sprintf("%s.items[%d]", kind, i), apiVersion, itemKind)
	}
}

// decode reads the object n (av is its apiVersion node) into its header and, for a
// kind in kinds or a custom resource that makes pods, its entity, and adds it to the
// file's items.
func (c *docCtx) decode(n, av *yaml.Node, kind string) {
	o := &Object{Ref: Ref{APIVersion: av.Value, Kind: kind}, Doc: c.doc, APIVersionPos: c.pos(av), Pos: c.pos(n)}
	c.obj = o
	c.metadata(o, n)
	it := item{obj: o, namespaced: !clusterScoped[kind]}
	if b, ok := kinds[o.Group()+"/"+kind]; ok {
		it.entity = b(c, o, n)
		if h := it.entity.object(); h != nil {
			it.obj = h
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

// metadata reads name, namespace, labels and annotations into o. A kind kubenet reads
// must have a valid name.
func (c *docCtx) metadata(o *Object, n *yaml.Node) {
	_, known := kinds[o.Group()+"/"+o.Kind]
	_, md := field(n, "metadata")
	if !c.mapping(md, "metadata") {
		if known {
			c.fail(n, "%s has no metadata.name", o.Kind)
		}
		return
	}
	_, nameNode := field(md, "name")
	if name, ok := c.str(nameNode, "metadata.name"); ok {
		o.Name = name
		o.Pos = c.pos(nameNode)
		if known {
			if errs := nameErrors(o.Kind, name); len(errs) > 0 {
				c.fail(nameNode, "metadata.name %q is not a valid %s name: %s", name, o.Kind, errs[0])
			}
		}
	} else if gn, ok := c.str(val(md, "generateName"), "metadata.generateName"); ok {
		o.Name, o.GenerateName = gn, true
	} else if known && nameNode == nil {
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
	o.Labels = c.labelMap(val(md, "labels"), "metadata.labels")
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

// validLabel reports whether s was already found a valid label key (or value) in this
// file, and otherwise checks it, remembering it if it is: a file names the same labels
// on a workload, its pod template, its Service and its policies.
func (c *docCtx) validLabel(s string, key bool) bool {
	if c.res == nil {
		return false
	}
	seen := &c.res.labelValues
	if key {
		seen = &c.res.labelKeys
	}
	if _, ok := (*seen)[s]; ok {
		return true
	}
	valid := len(content.IsLabelValue(s)) == 0
	if key {
		valid = len(content.IsLabelKey(s)) == 0
	}
	if valid {
		if *seen == nil {
			*seen = map[string]struct{}{}
		}
		(*seen)[s] = struct{}{}
	}
	return valid
}

// labelMap reads a map of labels (metadata.labels, a selector's matchLabels, a Service's
// selector), checks it as the API server does, and returns the file's one copy of an
// equal map: a file names the same labels on a workload, its pod template, its Service
// and its policies, and every copy would stay in memory for the whole run. So the
// label maps of the model are shared, and read-only: code that changes one clones it.
func (c *docCtx) labelMap(n *yaml.Node, where string) map[string]string {
	m := c.stringMap(n, where)
	c.validateLabels(n, m, where)
	if c.res == nil {
		return m
	}
	return c.res.intern(m)
}

// internMax is the size of the largest label map shared; larger ones are rare.
const internMax = 8

// intern returns the file's first map equal to m (m itself if it is the first).
func (r *fileResult) intern(m map[string]string) map[string]string {
	if len(m) == 0 || len(m) > internMax {
		return m
	}
	var ks [internMax]string
	keys := ks[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := r.internKey[:0]
	for _, k := range keys { // length-prefixed: no two maps share a key
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(m[k])))
		b = append(b, m[k]...)
	}
	r.internKey = b
	if have, ok := r.labelMaps[string(b)]; ok {
		return have
	}
	if r.labelMaps == nil {
		r.labelMaps = map[string]map[string]string{}
	}
	r.labelMaps[string(b)] = m
	return m
}

// validateLabels checks the keys and values of labels m, read from n, as the API
// server does.
func (c *docCtx) validateLabels(n *yaml.Node, m map[string]string, where string) {
	if len(m) == 0 {
		return
	}
	for _, p := range pairs(n) {
		k := p[0].Value
		v, ok := m[k]
		if !ok {
			continue
		}
		if !c.validLabel(k, true) {
			if errs := content.IsLabelKey(k); len(errs) > 0 {
				c.fail(p[0], "%s: invalid label key %q: %s", where, k, errs[0])
			}
		}
		if !c.validLabel(v, false) {
			if errs := content.IsLabelValue(v); len(errs) > 0 {
				c.fail(p[1], "%s: invalid value %q for label %s: %s", where, v, k, errs[0])
			}
		}
	}
}

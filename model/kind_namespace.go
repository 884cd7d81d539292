package model

import (
	"maps"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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

// buildNamespace reads a declared Namespace, with the kubernetes.io/metadata.name label
// the API server adds.
func buildNamespace(_ *docCtx, o *Object, _ *yaml.Node) entity {
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	labels[MetadataNameLabel] = o.Name
	return &Namespace{Name: o.Name, ID: "Namespace/" + o.Name, Labels: labels, Annotations: maps.Clone(o.Annotations), Declared: true, Pos: o.Pos}
}

// object returns nil: a Namespace has no header of its own, the decoded one stands for it.
func (*Namespace) object() *Object { return nil }

// addTo adds a declared Namespace. It replaces the namespace an earlier object implied,
// keeping its place in the order namespaces were met.
func (n *Namespace) addTo(a *assembly) {
	if have, ok := a.namespaces[n.Name]; ok && !have.Declared {
		*have = *n
	} else if !ok {
		a.namespaces[n.Name] = n
		a.nsOrder = append(a.nsOrder, n.Name)
	}
}

// mergeInto merges a later definition of a Namespace into the one the graph holds,
// which stays: the later definition's annotations are added to it, its labels are not.
func (n *Namespace) mergeInto(a *assembly) {
	have := a.namespaces[n.Name]
	if have == nil {
		return
	}
	for k, v := range n.Annotations {
		if have.Annotations == nil {
			have.Annotations = map[string]string{}
		}
		have.Annotations[k] = v
	}
}

// implyNamespace adds the namespace o lives in, unless it is known already: a
// namespace that no Namespace object declares exists all the same, at o's position.
func (a *assembly) implyNamespace(o *Object) {
	if o.Namespace == "" {
		return
	}
	if _, ok := a.namespaces[o.Namespace]; !ok {
		a.namespaces[o.Namespace] = &Namespace{Name: o.Namespace, ID: "Namespace/" + o.Namespace, Pos: o.Pos,
			Labels: map[string]string{MetadataNameLabel: o.Namespace}}
		a.nsOrder = append(a.nsOrder, o.Namespace)
	}
}

// listNamespaces puts the namespaces in the graph, in the order they were met.
func (a *assembly) listNamespaces() {
	for _, name := range a.nsOrder {
		a.g.Namespaces = append(a.g.Namespaces, a.namespaces[name])
	}
}

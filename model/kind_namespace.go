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

func buildNamespace(c *docCtx, o *Object, _ *yaml.Node) any {
	labels := map[string]string{}
	for k, v := range o.Labels {
		labels[k] = v
	}
	labels[MetadataNameLabel] = o.Name
	return &Namespace{Name: o.Name, ID: "Namespace/" + o.Name, Labels: labels, Annotations: maps.Clone(o.Annotations), Declared: true, Pos: o.Pos}
}

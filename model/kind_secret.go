package model

import "sigs.k8s.io/kustomize/kyaml/yaml"

// SecretSource is an object that is, or makes, a Secret: a v1 Secret, a cert-manager
// Certificate (spec.secretName), an External Secrets Operator ExternalSecret
// (spec.target.name, by default its own name) or a Bitnami SealedSecret (its name).
// Only the Secret's name is read, never its data.
type SecretSource struct {
	Object
	// SecretName is the Secret it is or makes, in its namespace.
	SecretName string `json:"secretName"`
}

// buildSecretSource reads the name of the Secret an object is or makes. The custom
// resources' schemas are their operators' to judge: a field of the wrong type is read
// as no name, not reported.
func buildSecretSource(c *docCtx, o *Object, n *yaml.Node) entity {
	s := &SecretSource{Object: *o, SecretName: o.Name}
	c.obj = &s.Object
	switch o.Kind {
	case "Certificate":
		s.SecretName = stringScalar(path(n, "spec", "secretName"))
	case "ExternalSecret":
		if name := stringScalar(path(n, "spec", "target", "name")); name != "" {
			s.SecretName = name
		}
	}
	return s
}

// stringScalar is a string scalar's value, "" for anything else.
func stringScalar(n *yaml.Node) string {
	if n = deref(n); n == nil || n.Kind != yaml.ScalarNode || (n.Tag != "" && n.Tag != "!!str") {
		return ""
	}
	return n.Value
}

// object returns the source's header.
func (s *SecretSource) object() *Object { return &s.Object }

// addTo lists the source in the graph.
func (s *SecretSource) addTo(a *assembly) { a.g.Secrets = append(a.g.Secrets, s) }

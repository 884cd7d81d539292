// Package model turns Kubernetes manifests into a typed, positioned graph of the
// objects that matter for networking: namespaces, workloads, Services, Ingresses,
// NetworkPolicies and ConfigMaps. Every entity, and every field a finding may blame,
// keeps the file, line and column it came from. After Load returns, nothing reads YAML.
package model

import (
	"fmt"
	"strings"
)

// Pos is a 1-based position in a source file. The zero Pos means "unknown".
type Pos struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// IsValid reports whether p points somewhere.
func (p Pos) IsValid() bool { return p.File != "" && p.Line > 0 }

func (p Pos) String() string {
	if p.Column > 0 {
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Ref identifies an object. Its String form, "namespace/Kind/name" (or "Kind/name"
// for cluster-scoped objects), is the id used in the Rego input, in `kubenet reach`
// and in JSON output.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace"`
	Name       string `json:"name"`
}

func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Namespace + "/" + r.Kind + "/" + r.Name
}

// Group is the API group of the object ("" for the core group).
func (r Ref) Group() string {
	if i := strings.IndexByte(r.APIVersion, '/'); i >= 0 {
		return r.APIVersion[:i]
	}
	return ""
}

// ID returns the id of an object of the given kind, namespace and name.
func ID(namespace, kind, name string) string {
	return Ref{Kind: kind, Namespace: namespace, Name: name}.String()
}

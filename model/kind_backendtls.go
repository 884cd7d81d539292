package model

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// BackendTLSPolicy is a Gateway API BackendTLSPolicy: how a Gateway's data plane
// speaks TLS to the Services it targets.
type BackendTLSPolicy struct {
	Object
	// TargetRefs are Services of the policy's namespace (group "" kind Service by
	// default), sectionName naming a Service port.
	TargetRefs []ObjectRef `json:"targetRefs"`
	// CACertificateRefs are ConfigMaps of the policy's namespace (kind ConfigMap).
	CACertificateRefs []ObjectRef `json:"caCertificateRefs"`
	// WellKnownCACertificates is "System" or an implementation's value, "" when unset.
	WellKnownCACertificates string `json:"wellKnownCACertificates"`
	Hostname                string `json:"hostname"`
	// HostnamePos is the hostname key, else the validation block, else the name.
	HostnamePos Pos `json:"hostnamePos"`
}

// buildBackendTLSPolicy reads a BackendTLSPolicy.
func buildBackendTLSPolicy(c *docCtx, o *Object, n *yaml.Node) entity {
	p := &BackendTLSPolicy{Object: *o, TargetRefs: []ObjectRef{}, CACertificateRefs: []ObjectRef{}, HostnamePos: o.Pos}
	c.obj = &p.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return p
	}
	for i, tn := range c.seq(val(spec, "targetRefs"), "spec.targetRefs") {
		p.TargetRefs = append(p.TargetRefs, c.objectRef(tn, fmt.Sprintf("spec.targetRefs[%d]", i), "", "Service"))
	}
	v := val(spec, "validation")
	if !c.mapping(v, "spec.validation") {
		return p
	}
	for i, rn := range c.seq(val(v, "caCertificateRefs"), "spec.validation.caCertificateRefs") {
		p.CACertificateRefs = append(p.CACertificateRefs, c.objectRef(rn, fmt.Sprintf("spec.validation.caCertificateRefs[%d]", i), "", "ConfigMap"))
	}
	p.WellKnownCACertificates, _ = c.str(val(v, "wellKnownCACertificates"), "spec.validation.wellKnownCACertificates")
	hk, hv := field(v, "hostname")
	p.Hostname, _ = c.str(hv, "spec.validation.hostname")
	p.HostnamePos = c.pos(orNode(hk, v))
	return p
}

// object returns the policy's header.
func (p *BackendTLSPolicy) object() *Object { return &p.Object }

// addTo lists the policy in the graph.
func (p *BackendTLSPolicy) addTo(a *assembly) {
	a.g.BackendTLSPolicies = append(a.g.BackendTLSPolicies, p)
}

package model

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

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

// buildIngressClass reads an IngressClass.
func buildIngressClass(c *docCtx, o *Object, n *yaml.Node) entity {
	ic := &IngressClass{Object: *o}
	c.obj = &ic.Object
	ic.Controller, _ = c.str(path(n, "spec", "controller"), "spec.controller")
	ic.IsDefault = o.Annotations["ingressclass.kubernetes.io/is-default-class"] == "true"
	return ic
}

// buildIngress reads an Ingress of networking.k8s.io/v1 or of a removed beta API.
func buildIngress(c *docCtx, o *Object, n *yaml.Node) entity {
	ing := &Ingress{Object: *o, Backends: []Backend{}}
	c.obj = &ing.Object
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
	v1 := o.APIVersion == "networking.k8s.io/v1"
	for i, rn := range c.seq(val(spec, "rules"), "spec.rules") {
		ing.Backends = c.ingressRule(ing.Backends, rn, fmt.Sprintf("spec.rules[%d]", i), v1)
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

// ingressRule reads one of an Ingress's rules and appends a Backend for each of its
// paths to backends. v1 is set for networking.k8s.io/v1, which requires a pathType.
func (c *docCtx) ingressRule(backends []Backend, rn *yaml.Node, where string, v1 bool) []Backend {
	if !c.mapping(rn, where) {
		return backends
	}
	host, _ := c.str(val(rn, "host"), where+".host")
	http := val(rn, "http")
	if !c.mapping(http, where+".http") {
		return backends
	}
	for j, pn := range c.seq(val(http, "paths"), where+".http.paths") {
		pw := fmt.Sprintf("%s.http.paths[%d]", where, j)
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
			c.checkPathType(b.PathType, pn, ptk, ptv, pw)
		}
		b.Pos = c.pos(pn)
		backends = append(backends, b)
	}
	return backends
}

// checkPathType reports a pathType (read from the key and value nodes ptk, ptv of the
// path pn) that networking.k8s.io/v1 refuses: absent, empty, or none of its values.
func (c *docCtx) checkPathType(pathType string, pn, ptk, ptv *yaml.Node, where string) {
	switch pathType {
	case "Exact", "Prefix", "ImplementationSpecific":
	case "":
		if ptk == nil {
			c.fail(pn, "%s.pathType is required in networking.k8s.io/v1 (Exact, Prefix or ImplementationSpecific)", where)
		} else {
			c.fail(ptv, "%s.pathType is required in networking.k8s.io/v1 (Exact, Prefix or ImplementationSpecific)", where)
		}
	default:
		c.fail(ptv, "%s.pathType %q is not Exact, Prefix or ImplementationSpecific (values are case-sensitive)", where, pathType)
	}
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

// object returns the Ingress's header.
func (ing *Ingress) object() *Object { return &ing.Object }

// addTo lists the Ingress in the graph.
func (ing *Ingress) addTo(a *assembly) { a.g.Ingresses = append(a.g.Ingresses, ing) }

// object returns the IngressClass's header.
func (ic *IngressClass) object() *Object { return &ic.Object }

// addTo lists the IngressClass in the graph.
func (ic *IngressClass) addTo(a *assembly) { a.g.IngressClasses = append(a.g.IngressClasses, ic) }

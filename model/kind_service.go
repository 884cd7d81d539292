package model

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Service is a v1 Service.
type Service struct {
	Object
	Type string `json:"type"`
	// Selector is nil for a selector-less Service (absent or empty selector).
	Selector    map[string]string `json:"selector"`
	SelectorPos Pos               `json:"selectorPos"`
	// SelectorKeyPos maps each selector key to the position of that key.
	SelectorKeyPos map[string]Pos `json:"selectorKeyPos"`
	ClusterIP      string         `json:"clusterIP"`
	// Headless is true for clusterIP: None.
	Headless        bool          `json:"headless"`
	ExternalName    string        `json:"externalName"`
	ExternalNamePos Pos           `json:"externalNamePos"`
	Ports           []ServicePort `json:"ports"`
	// PublishNotReadyAddresses matters for headless DNS records.
	PublishNotReadyAddresses bool `json:"publishNotReadyAddresses"`
	// ProvidedBy is the id of the custom resource whose operator creates this Service
	// (see OperatorKind); "" for a Service of the input.
	ProvidedBy string `json:"providedBy"`
	// PortsUnknown is true when the Service's ports depend on what kubenet cannot see
	// (an operator's configuration): no port is judged against it.
	PortsUnknown bool `json:"portsUnknown"`
}

// ServicePort is one entry of a Service's ports.
type ServicePort struct {
	Name     string `json:"name"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
	// TargetPort is the defaulted target: the port number when targetPort is absent or 0.
	TargetPort IntOrString `json:"targetPort"`
	// TargetPortSet is false when targetPort was absent or 0.
	TargetPortSet bool `json:"targetPortSet"`
	NodePort      int  `json:"nodePort"`
	Pos           Pos  `json:"pos"`
	PortPos       Pos  `json:"portPos"`
	TargetPortPos Pos  `json:"targetPortPos"`
	NodePortPos   Pos  `json:"nodePortPos"`
}

// buildService reads a Service.
func buildService(c *docCtx, o *Object, n *yaml.Node) entity {
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
	sel := c.labelMap(sv, "spec.selector")
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
		if p, ok := c.servicePort(pn, fmt.Sprintf("spec.ports[%d]", i), s.Type); ok {
			s.Ports = append(s.Ports, p)
		}
	}
	return s
}

// servicePort reads one entry of the ports of a Service of type svcType; ok is false
// when it is not a mapping.
func (c *docCtx) servicePort(pn *yaml.Node, where, svcType string) (ServicePort, bool) {
	if isNull(pn) {
		c.fail(pn, "%s is null: an empty port has no port number, which the API server refuses", where)
		return ServicePort{}, false
	}
	if !c.mapping(pn, where) {
		return ServicePort{}, false
	}
	p := ServicePort{Pos: c.pos(pn)}
	p.Name, _ = c.str(val(pn, "name"), where+".name")
	p.Protocol = c.protocol(val(pn, "protocol"), where+".protocol")
	pk, pv := field(pn, "port")
	p.PortPos = c.pos(orNode(pk, pn))
	if pv == nil {
		c.fail(pn, "%s.port is required%s", where, misspelt(pn, "port"))
	} else if isNull(pv) {
		c.fail(pv, "%s.port is required, and null is no port", where)
	} else if v, ok := c.integer(pv, where+".port"); ok {
		if v < 1 || v > 65535 {
			c.fail(pv, "%s.port %d must be between 1 and 65535", where, v)
		}
		p.Port = v
	}
	c.targetPort(&p, pn, where)
	nk, nv := field(pn, "nodePort")
	if np, ok := c.integer(nv, where+".nodePort"); ok && np != 0 {
		p.NodePort, p.NodePortPos = np, c.pos(nk)
		if svcType == "ClusterIP" || svcType == "ExternalName" {
			c.fail(nv, "%s.nodePort may not be used when type is %s; set type: NodePort or LoadBalancer, or remove nodePort", where, svcType)
		}
	}
	return p, true
}

// targetPort reads the targetPort of the Service port pn into p, whose port is read
// already: absent, 0 or "", it defaults to the port.
func (c *docCtx) targetPort(p *ServicePort, pn *yaml.Node, where string) {
	tk, tv := field(pn, "targetPort")
	p.TargetPort = IntOrString{Int: p.Port}
	p.TargetPortPos = p.PortPos
	tp, ok := c.intOrString(tv, where+".targetPort")
	if !ok {
		return
	}
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
			c.fail(tv, "%s.targetPort %q is not a valid port name: %s%s", where, tp.Str, errs[0], hint)
		}
		p.TargetPort, p.TargetPortSet = tp, true
	case tp.Int != 0:
		if tp.Int < 1 || tp.Int > 65535 {
			c.fail(tv, "%s.targetPort %d must be between 1 and 65535", where, tp.Int)
		}
		p.TargetPort, p.TargetPortSet = tp, true
	}
}

// isDigits reports whether s is a non-empty string of ASCII digits.
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

// endpoints is an Endpoints or EndpointSlice object: evidence that the input defines
// the endpoints of a Service (which then needs no selector).
type endpoints struct {
	obj *Object
	// service is the name of the Service backed, or "" when not known.
	service string
}

// buildEndpoints reads an Endpoints object, which backs the Service of its name.
func buildEndpoints(_ *docCtx, o *Object, _ *yaml.Node) entity {
	return &endpoints{obj: o, service: o.Name}
}

// buildEndpointSlice reads an EndpointSlice, which names the Service it backs in its
// kubernetes.io/service-name label.
func buildEndpointSlice(_ *docCtx, o *Object, _ *yaml.Node) entity {
	return &endpoints{obj: o, service: o.Labels["kubernetes.io/service-name"]}
}

// object returns the header of the Endpoints or EndpointSlice, the decoded one.
func (e *endpoints) object() *Object { return e.obj }

// addTo records that the Service has endpoints in the input.
func (e *endpoints) addTo(a *assembly) {
	if e.service != "" {
		a.g.EndpointsFor[ID(e.obj.Namespace, "Service", e.service)] = true
	}
}

// evidence marks endpoints as evidence about a Service rather than an object of its own.
func (*endpoints) evidence() {}

// object returns the Service's header.
func (s *Service) object() *Object { return &s.Object }

// addTo lists the Service in the graph.
func (s *Service) addTo(a *assembly) { a.g.Services = append(a.g.Services, s) }

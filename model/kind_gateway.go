package model

import (
	"fmt"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// GatewayGroup is the API group of the Gateway API.
const GatewayGroup = "gateway.networking.k8s.io"

// GatewayClass is a Gateway API GatewayClass: the controller that implements the
// Gateways of the class.
type GatewayClass struct {
	Object
	Controller    string `json:"controller"`
	ControllerPos Pos    `json:"controllerPos"`
}

// Gateway is a Gateway API Gateway: listeners that routes attach to.
type Gateway struct {
	Object
	ClassName string     `json:"className"`
	ClassPos  Pos        `json:"classPos"`
	Listeners []Listener `json:"listeners"`
	// AllowedListeners says from which namespaces ListenerSets may add listeners:
	// From is None (the default), Same, All or Selector.
	AllowedListeners Namespaces `json:"allowedListeners"`
}

// ListenerSet is a Gateway API ListenerSet: listeners added to a Gateway.
type ListenerSet struct {
	Object
	// Parent is spec.parentRef: a Gateway, in the ListenerSet's namespace unless given.
	Parent    ObjectRef  `json:"parent"`
	Listeners []Listener `json:"listeners"`
}

// Listener is a listener of a Gateway or a ListenerSet.
type Listener struct {
	Name        string `json:"name"`
	Hostname    string `json:"hostname"`
	HostnamePos Pos    `json:"hostnamePos"`
	Port        int    `json:"port"`
	PortPos     Pos    `json:"portPos"`
	// Protocol is HTTP, HTTPS, TLS, TCP, UDP or a domain-prefixed one.
	Protocol    string `json:"protocol"`
	ProtocolPos Pos    `json:"protocolPos"`
	// TLS is nil when the listener has no tls block.
	TLS           *ListenerTLS  `json:"tls"`
	AllowedRoutes AllowedRoutes `json:"allowedRoutes"`
	Pos           Pos           `json:"pos"`
}

// ListenerTLS is a listener's tls block.
type ListenerTLS struct {
	// Mode is Terminate (the default) or Passthrough.
	Mode            string      `json:"mode"`
	ModePos         Pos         `json:"modePos"`
	CertificateRefs []ObjectRef `json:"certificateRefs"`
	// Options is true when tls.options holds something.
	Options bool `json:"options"`
	Pos     Pos  `json:"pos"`
}

// AllowedRoutes is a listener's allowedRoutes, with its defaults.
type AllowedRoutes struct {
	Namespaces Namespaces `json:"namespaces"`
	// Kinds are the route kinds given; empty means the listener protocol's defaults.
	Kinds []GroupKind `json:"kinds"`
}

// Namespaces is allowedRoutes.namespaces or allowedListeners.namespaces.
type Namespaces struct {
	// From is Same, All, Selector or (for listeners) None.
	From     string    `json:"from"`
	FromPos  Pos       `json:"fromPos"`
	Selector *Selector `json:"selector"`
}

// GroupKind is a kind of an allowedRoutes.kinds list.
type GroupKind struct {
	Group string `json:"group"`
	Kind  string `json:"kind"`
	Pos   Pos    `json:"pos"`
}

// ObjectRef is a reference the Gateway API makes to an object: a parentRef, a
// backendRef, a certificateRef. The field's defaults are applied, except the
// namespace, which is "" when not given (the referrer's).
type ObjectRef struct {
	Group     string `json:"group"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// SectionName is a parentRef's listener (or a Service's port name).
	SectionName string `json:"sectionName"`
	// Port is a parentRef's or a backendRef's port, 0 when not given.
	Port    int `json:"port"`
	Pos     Pos `json:"pos"`
	PortPos Pos `json:"portPos"`
}

// buildGatewayClass reads a GatewayClass.
func buildGatewayClass(c *docCtx, o *Object, n *yaml.Node) entity {
	gc := &GatewayClass{Object: *o}
	c.obj = &gc.Object
	k, v := field(val(n, "spec"), "controllerName")
	gc.Controller, _ = c.str(v, "spec.controllerName")
	gc.ControllerPos = c.pos(orNode(k, n))
	return gc
}

// buildGateway reads a Gateway.
func buildGateway(c *docCtx, o *Object, n *yaml.Node) entity {
	gw := &Gateway{Object: *o, Listeners: []Listener{}, AllowedListeners: Namespaces{From: "None", FromPos: o.Pos}}
	c.obj = &gw.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return gw
	}
	c.required(spec, "spec", "gatewayClassName")
	k, v := field(spec, "gatewayClassName")
	gw.ClassName, _ = c.str(v, "spec.gatewayClassName")
	gw.ClassPos = c.pos(orNode(k, spec))
	gw.Listeners = c.listeners(val(spec, "listeners"), "spec.listeners")
	if al := val(spec, "allowedListeners"); c.mapping(al, "spec.allowedListeners") {
		gw.AllowedListeners = c.namespaces(val(al, "namespaces"), "spec.allowedListeners.namespaces", "None", o.Pos)
	}
	return gw
}

// buildListenerSet reads a ListenerSet.
func buildListenerSet(c *docCtx, o *Object, n *yaml.Node) entity {
	ls := &ListenerSet{Object: *o, Listeners: []Listener{}}
	c.obj = &ls.Object
	spec := val(n, "spec")
	if !c.mapping(spec, "spec") {
		return ls
	}
	c.required(spec, "spec", "parentRef")
	pk, pv := field(spec, "parentRef")
	ls.Parent = c.objectRef(pv, "spec.parentRef", GatewayGroup, "Gateway")
	if pk != nil {
		ls.Parent.Pos = c.pos(pk)
	}
	ls.Listeners = c.listeners(val(spec, "listeners"), "spec.listeners")
	return ls
}

// listeners reads a list of listeners.
func (c *docCtx) listeners(n *yaml.Node, where string) []Listener {
	out := []Listener{}
	for i, ln := range c.seq(n, where) {
		w := fmt.Sprintf("%s[%d]", where, i)
		if !c.entry(ln, w) {
			continue
		}
		c.required(ln, w, "name", "port", "protocol")
		l := Listener{Pos: c.pos(ln)}
		l.Name, _ = c.str(val(ln, "name"), w+".name")
		hk, hv := field(ln, "hostname")
		l.Hostname, _ = c.str(hv, w+".hostname")
		l.HostnamePos = c.pos(orNode(hk, ln))
		pk, pv := field(ln, "port")
		l.Port, _ = c.integer(pv, w+".port")
		l.PortPos = c.pos(orNode(pk, ln))
		prk, prv := field(ln, "protocol")
		l.Protocol, _ = c.str(prv, w+".protocol")
		l.ProtocolPos = c.pos(orNode(prk, ln))
		if tk, tv := field(ln, "tls"); c.mapping(tv, w+".tls") {
			l.TLS = c.listenerTLS(tk, tv, w+".tls")
		}
		l.AllowedRoutes.Namespaces = Namespaces{From: "Same", FromPos: l.Pos}
		if ar := val(ln, "allowedRoutes"); c.mapping(ar, w+".allowedRoutes") {
			l.AllowedRoutes.Namespaces = c.namespaces(val(ar, "namespaces"), w+".allowedRoutes.namespaces", "Same", l.Pos)
			for j, kn := range c.seq(val(ar, "kinds"), w+".allowedRoutes.kinds") {
				kw := fmt.Sprintf("%s.allowedRoutes.kinds[%d]", w, j)
				if !c.entry(kn, kw) {
					continue
				}
				gk := GroupKind{Group: GatewayGroup, Pos: c.pos(kn)}
				if g, ok := c.str(val(kn, "group"), kw+".group"); ok {
					gk.Group = g
				}
				gk.Kind, _ = c.str(val(kn, "kind"), kw+".kind")
				l.AllowedRoutes.Kinds = append(l.AllowedRoutes.Kinds, gk)
			}
		}
		out = append(out, l)
	}
	return out
}

// listenerTLS reads a listener's tls block.
func (c *docCtx) listenerTLS(k, n *yaml.Node, where string) *ListenerTLS {
	t := &ListenerTLS{Mode: "Terminate", Pos: c.pos(orNode(k, n)), CertificateRefs: []ObjectRef{}}
	t.ModePos = t.Pos
	if mk, mv := field(n, "mode"); mv != nil {
		t.Mode, _ = c.str(mv, where+".mode")
		t.ModePos = c.pos(mk)
	}
	for i, rn := range c.seq(val(n, "certificateRefs"), where+".certificateRefs") {
		t.CertificateRefs = append(t.CertificateRefs, c.objectRef(rn, fmt.Sprintf("%s.certificateRefs[%d]", where, i), "", "Secret"))
	}
	t.Options = len(c.stringMap(val(n, "options"), where+".options")) > 0
	return t
}

// namespaces reads allowedRoutes.namespaces or allowedListeners.namespaces; from is
// the default of its from field, pos where the default is reported.
func (c *docCtx) namespaces(n *yaml.Node, where, from string, pos Pos) Namespaces {
	ns := Namespaces{From: from, FromPos: pos}
	if !c.mapping(n, where) {
		return ns
	}
	if fk, fv := field(n, "from"); fv != nil {
		ns.From, _ = c.str(fv, where+".from")
		ns.FromPos = c.pos(fk)
	}
	if sk, sv := field(n, "selector"); sv != nil {
		s := c.selector(sk, sv, where+".selector")
		ns.Selector = &s
	}
	return ns
}

// objectRef reads a reference, applying the group and kind defaults of its field.
func (c *docCtx) objectRef(n *yaml.Node, where, group, kind string) ObjectRef {
	r := ObjectRef{Group: group, Kind: kind, Pos: c.pos(n)}
	r.PortPos = r.Pos
	if !c.entry(n, where) {
		return r
	}
	c.required(n, where, "name")
	if g, ok := c.str(val(n, "group"), where+".group"); ok {
		r.Group = g
	}
	if k, ok := c.str(val(n, "kind"), where+".kind"); ok {
		r.Kind = k
	}
	r.Namespace, _ = c.str(val(n, "namespace"), where+".namespace")
	nk, nv := field(n, "name")
	r.Name, _ = c.str(nv, where+".name")
	if nk != nil {
		r.Pos = c.pos(nk)
	}
	r.SectionName, _ = c.str(val(n, "sectionName"), where+".sectionName")
	if pk, pv := field(n, "port"); pv != nil {
		r.Port, _ = c.integer(pv, where+".port")
		r.PortPos = c.pos(pk)
	} else {
		r.PortPos = r.Pos
	}
	return r
}

// object returns the GatewayClass's header.
func (gc *GatewayClass) object() *Object { return &gc.Object }

// addTo lists the GatewayClass in the graph.
func (gc *GatewayClass) addTo(a *assembly) { a.g.GatewayClasses = append(a.g.GatewayClasses, gc) }

// object returns the Gateway's header.
func (gw *Gateway) object() *Object { return &gw.Object }

// addTo lists the Gateway in the graph.
func (gw *Gateway) addTo(a *assembly) { a.g.Gateways = append(a.g.Gateways, gw) }

// object returns the ListenerSet's header.
func (ls *ListenerSet) object() *Object { return &ls.Object }

// addTo lists the ListenerSet in the graph.
func (ls *ListenerSet) addTo(a *assembly) { a.g.ListenerSets = append(a.g.ListenerSets, ls) }

package analyzer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// RouteFacts are what a Gateway API route's references lead to (docs/gateway.md).
type RouteFacts struct {
	// Parents are index-aligned with the route's parentRefs.
	Parents []ParentFacts `json:"parents"`
	// Backends are, for each rule, index-aligned with its backendRefs.
	Backends [][]RouteBackendFacts `json:"backends"`
}

// ParentFacts say whether a route attaches to the parent a parentRef names.
type ParentFacts struct {
	// Parent is the id of the Gateway, ListenerSet or Service named, "" when it is not
	// in the input (or is of a kind kubenet does not judge: Kind is then "").
	Parent string `json:"parent"`
	Kind   string `json:"kind"`
	// Siblings are, for a missing parent, the ids of the objects of its kind the input
	// defines in its namespace: evidence that the parent was meant to be among them.
	// Without any, the parent may well be deployed from elsewhere (a platform team's
	// Gateway).
	Siblings []string `json:"siblings"`
	// External is true for a missing Service parent the configuration declares.
	External bool `json:"external"`
	// Listeners are the listeners the route attaches to.
	Listeners []string `json:"listeners"`
	// Reason is why the route does not attach to an existing parent, as the Gateway
	// API's Accepted condition says it (NoMatchingParent, NotAllowedByListeners,
	// NoMatchingListenerHostname, NotAllowed for a ListenerSet its Gateway does not
	// admit), or "" when it attaches; Why says it in words, Hint what to change.
	Reason string `json:"reason"`
	Why    string `json:"why"`
	Hint   string `json:"hint"`
	// LabelsUnknown is true when a listener refuses the route by a namespace selector
	// and the input does not declare the route's namespace: its labels in the cluster
	// are unknown, so the refusal is not proven.
	LabelsUnknown bool `json:"labelsUnknown"`
}

// RouteBackendFacts are what a route's backendRef leads to. BackendFacts says whether
// the Service and its port exist (judged as for an Ingress backend).
type RouteBackendFacts struct {
	BackendFacts
	// Judged is false for a backend of another kind than a core Service, which kubenet
	// does not follow.
	Judged bool `json:"judged"`
	// Namespace is the backend's namespace.
	Namespace string `json:"namespace"`
	// PortMissing is true for a Service backend without a port (the API server
	// refuses it).
	PortMissing bool `json:"portMissing"`
	// GrantMissing is true for a backend in another namespace that no ReferenceGrant of
	// that namespace admits.
	GrantMissing bool `json:"grantMissing"`
	// NamespaceKnown is true when the input holds objects of the backend's namespace:
	// then a grant there would be in the input too. Without, grants are likely managed
	// with that namespace, elsewhere.
	NamespaceKnown bool `json:"namespaceKnown"`
	// Reach says whether the data plane of the Gateways the route attaches to reaches
	// the backend's pods on their targetPort under the NetworkPolicies.
	Reach BackendReach `json:"reach"`
	// DataPlane are the ids of those data plane nodes: workloads labelled
	// gateway.networking.k8s.io/gateway-name, or assumed ones (ns/GatewayDataPlane/name).
	DataPlane []string `json:"dataPlane"`
}

// routeFacts judges every route's parents and backends.
func (f *Facts) routeFacts() map[string]*RouteFacts {
	g := f.graph
	out := make(map[string]*RouteFacts, len(g.Routes))
	gw := newGatewayIndex(g)
	for _, r := range g.Routes {
		rf := &RouteFacts{Parents: make([]ParentFacts, len(r.ParentRefs)), Backends: make([][]RouteBackendFacts, len(r.Rules))}
		mesh := len(r.ParentRefs) > 0
		for i, p := range r.ParentRefs {
			rf.Parents[i] = f.parentFacts(gw, r, p)
			mesh = mesh && p.Kind == "Service" && p.Group == ""
		}
		planes := f.dataPlanes(gw, rf.Parents)
		for i, rule := range r.Rules {
			rf.Backends[i] = make([]RouteBackendFacts, len(rule.BackendRefs))
			for j, b := range rule.BackendRefs {
				rf.Backends[i][j] = f.routeBackend(gw, r, b, mesh)
				f.backendReached(&rf.Backends[i][j], b, planes)
			}
		}
		out[r.ID] = rf
	}
	return out
}

// MatchConflict is a match of a route that another route attached to the same listener
// and hostname also has, leading elsewhere: only one of them gets the traffic.
type MatchConflict struct {
	// Route is the route that loses, at Pos (its match); Winner is the one the Gateway
	// API's precedence prefers: the oldest, and without creation times in manifests,
	// the first by namespace/name.
	Route  string    `json:"route"`
	Pos    model.Pos `json:"pos"`
	Winner string    `json:"winner"`
	// Listener is "gateway id:listener name"; Hostname the hostname they share ("" for
	// any); Match the match, as "PathPrefix /api".
	Listener string `json:"listener"`
	Hostname string `json:"hostname"`
	Match    string `json:"match"`
}

// matchConflicts finds HTTPRoute (or GRPCRoute) matches that two routes of the kind
// attached to one listener share for one hostname, with different backends. The two
// kinds are not merged with each other.
func (f *Facts) matchConflicts() []MatchConflict {
	type claim struct {
		route, backends string
		pos             model.Pos
	}
	claims := map[string][]claim{}
	var keys []string
	for _, r := range f.graph.Routes {
		rf := f.Routes[r.ID]
		if (r.Kind != "HTTPRoute" && r.Kind != "GRPCRoute") || rf == nil || r.Invalid {
			continue
		}
		hosts := []string{""}
		if len(r.Hostnames) > 0 {
			hosts = nil
			for _, h := range r.Hostnames {
				hosts = append(hosts, strings.ToLower(h.Value))
			}
		}
		for _, pf := range rf.Parents {
			for _, l := range pf.Listeners {
				for _, rule := range r.Rules {
					var backends []string
					for _, b := range rule.BackendRefs {
						if b.Filter == "" {
							backends = append(backends, fmt.Sprintf("%s/%s/%s:%d", b.Kind, refNamespace(b.ObjectRef, r.Namespace), b.Name, b.Port))
						}
					}
					slices.Sort(backends)
					for _, m := range rule.Matches {
						for _, h := range hosts {
							key := strings.Join([]string{pf.Parent + ":" + l, h, r.Kind + " " + matchString(m)}, "\x00")
							if _, ok := claims[key]; !ok {
								keys = append(keys, key)
							}
							claims[key] = append(claims[key], claim{r.ID, strings.Join(backends, ","), m.Pos})
						}
					}
				}
			}
		}
	}
	out := []MatchConflict{}
	seen := map[string]bool{}
	for _, key := range keys {
		cs := claims[key]
		slices.SortStableFunc(cs, func(a, b claim) int { return strings.Compare(a.route, b.route) })
		for _, c := range cs[1:] {
			if c.route == cs[0].route || c.backends == cs[0].backends || seen[key+c.route] {
				continue
			}
			seen[key+c.route] = true
			parts := strings.Split(key, "\x00")
			_, match, _ := strings.Cut(parts[2], " ") // after the route kind
			out = append(out, MatchConflict{Route: c.route, Pos: c.pos, Winner: cs[0].route, Listener: parts[0], Hostname: parts[1], Match: match})
		}
	}
	return out
}

// matchString writes a match as its kind and values: "PathPrefix /api GET header:..."
// for an HTTPRoute, "method svc/Get" for a GRPCRoute.
func matchString(m model.RouteMatch) string {
	if m.PathType == "" {
		parts := append([]string{"method " + m.Service + "/" + m.GRPCMethod}, m.Headers...)
		return strings.Join(parts, " ")
	}
	parts := []string{m.PathType, m.Path}
	if m.Method != "" {
		parts = append(parts, m.Method)
	}
	parts = append(parts, m.Headers...)
	for _, q := range m.QueryParams {
		parts = append(parts, "query "+q)
	}
	return strings.Join(parts, " ")
}

// dataPlanes are the data plane nodes of the Gateways a route attaches to (directly,
// or through a ListenerSet).
func (f *Facts) dataPlanes(gw *gatewayIndex, parents []ParentFacts) []*Node {
	var out []*Node
	seen := map[string]bool{}
	for _, pf := range parents {
		if pf.Reason != "" || len(pf.Listeners) == 0 {
			continue
		}
		id := pf.Parent
		if ls := gw.listenerSets[id]; ls != nil {
			id = model.ID(refNamespace(ls.Parent, ls.Namespace), "Gateway", ls.Parent.Name)
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, f.Reach().GatewayDataPlane(id)...)
	}
	return out
}

// backendReached checks that the data plane reaches a backend's pods.
func (f *Facts) backendReached(bf *RouteBackendFacts, b model.BackendRef, planes []*Node) {
	bf.Reach = BackendReach{Blocked: []string{}, Ports: []int{}, Policies: []string{}}
	bf.DataPlane = []string{}
	if bf.Service == "" || !bf.PortOK || bf.PortMissing || len(planes) == 0 {
		return
	}
	for _, n := range planes {
		bf.DataPlane = append(bf.DataPlane, n.ID)
	}
	s := f.graph.Service(bf.Namespace, b.Name)
	if s == nil || s.Selector == nil {
		return
	}
	if sp := servicePort(s, model.IntOrString{Int: b.Port}); sp != nil {
		bf.Reach = f.blockedFrom(planes, s, *sp)
	}
}

// gatewayIndex finds the Gateway API objects by id.
type gatewayIndex struct {
	gateways     map[string]*model.Gateway
	listenerSets map[string]*model.ListenerSet
	grants       map[string][]*model.ReferenceGrant // by namespace
}

func newGatewayIndex(g *model.Graph) *gatewayIndex {
	ix := &gatewayIndex{gateways: map[string]*model.Gateway{}, listenerSets: map[string]*model.ListenerSet{}, grants: map[string][]*model.ReferenceGrant{}}
	for _, gw := range g.Gateways {
		ix.gateways[gw.ID] = gw
	}
	for _, ls := range g.ListenerSets {
		ix.listenerSets[ls.ID] = ls
	}
	for _, rg := range g.ReferenceGrants {
		ix.grants[rg.Namespace] = append(ix.grants[rg.Namespace], rg)
	}
	return ix
}

// refNamespace is a reference's namespace: the referrer's unless given.
func refNamespace(r model.ObjectRef, own string) string {
	if r.Namespace != "" {
		return r.Namespace
	}
	return own
}

// parentFacts resolves a parentRef and judges the route's attachment to it.
func (f *Facts) parentFacts(gw *gatewayIndex, r *model.Route, p model.ObjectRef) ParentFacts {
	ns := refNamespace(p, r.Namespace)
	var pf ParentFacts
	switch {
	case p.Group == model.GatewayGroup && p.Kind == "Gateway":
		pf.Kind = "Gateway"
		if g := gw.gateways[model.ID(ns, "Gateway", p.Name)]; g != nil {
			pf.Parent = g.ID
			f.attach(&pf, r, p, g.Listeners, g.Namespace)
		}
	case p.Group == model.GatewayGroup && p.Kind == "ListenerSet":
		pf.Kind = "ListenerSet"
		if ls := gw.listenerSets[model.ID(ns, "ListenerSet", p.Name)]; ls != nil {
			pf.Parent = ls.ID
			if why := f.listenerSetRefused(gw, ls); why != "" {
				pf.Reason, pf.Why = "NotAllowed", why
				pf.Hint = "let the Gateway admit ListenerSets of this namespace in spec.allowedListeners.namespaces"
				break
			}
			f.attach(&pf, r, p, ls.Listeners, ls.Namespace)
		}
	case p.Group == "" && p.Kind == "Service":
		pf.Kind = "Service"
		if s := f.graph.Service(ns, p.Name); s != nil {
			pf.Parent = s.ID
			f.attachMesh(&pf, p, s)
		} else {
			pf.External = f.graph.External.ServiceExternal(ns, p.Name)
		}
	default:
		return pf // a parent of another kind: the implementation's
	}
	if pf.Parent == "" {
		pf.Siblings = f.siblings(pf.Kind, ns)
		names := make([]string, len(pf.Siblings))
		for i, id := range pf.Siblings {
			names[i] = id[strings.LastIndexByte(id, '/')+1:]
		}
		if m := closest(p.Name, names); m != "" {
			pf.Hint = fmt.Sprintf("did you mean `name: %s`?", m)
		} else if len(names) > 0 {
			pf.Hint = fmt.Sprintf("%ss in namespace %s: %s", pf.Kind, ns, strings.Join(names, ", "))
		}
	}
	return pf
}

// siblings are the ids of the input's objects of kind (Gateway, ListenerSet, Service)
// in namespace ns.
func (f *Facts) siblings(kind, ns string) []string {
	out := []string{}
	switch kind {
	case "Gateway":
		for _, g := range f.graph.Gateways {
			if g.Namespace == ns {
				out = append(out, g.ID)
			}
		}
	case "ListenerSet":
		for _, ls := range f.graph.ListenerSets {
			if ls.Namespace == ns {
				out = append(out, ls.ID)
			}
		}
	case "Service":
		for _, s := range f.graph.ServicesIn(ns) {
			out = append(out, s.ID)
		}
	}
	return out
}

// listenerSetRefused says why a ListenerSet's Gateway does not admit it, or "".
func (f *Facts) listenerSetRefused(gw *gatewayIndex, ls *model.ListenerSet) string {
	g := gw.gateways[model.ID(refNamespace(ls.Parent, ls.Namespace), "Gateway", ls.Parent.Name)]
	if g == nil {
		return "" // route-parent-missing's business is the route's parent, not the ListenerSet's
	}
	if !f.namespaceAdmitted(g.AllowedListeners, g.Namespace, ls.Namespace) {
		return fmt.Sprintf("Gateway %s does not admit ListenerSets from namespace %s (allowedListeners from: %s)", g.ID, ls.Namespace, g.AllowedListeners.From)
	}
	return ""
}

// attach judges a route's attachment to the listeners of a Gateway or ListenerSet in
// namespace owner, in the Gateway API's order: sectionName and port, then the
// listeners' allowedRoutes (kinds and namespaces), then hostnames.
func (f *Facts) attach(pf *ParentFacts, r *model.Route, p model.ObjectRef, listeners []model.Listener, owner string) {
	var names []string
	var candidates []model.Listener
	for _, l := range listeners {
		names = append(names, l.Name)
		if (p.SectionName == "" || l.Name == p.SectionName) && (p.Port == 0 || l.Port == p.Port) {
			candidates = append(candidates, l)
		}
	}
	if len(candidates) == 0 {
		pf.Reason = "NoMatchingParent"
		switch {
		case p.SectionName != "" && p.Port != 0:
			pf.Why = fmt.Sprintf("it has no listener %s on port %d", p.SectionName, p.Port)
		case p.SectionName != "":
			pf.Why = fmt.Sprintf("it has no listener named %s", p.SectionName)
			if m := closest(p.SectionName, names); m != "" {
				pf.Hint = fmt.Sprintf("did you mean `sectionName: %s`?", m)
			}
		default:
			pf.Why = fmt.Sprintf("it has no listener on port %d", p.Port)
		}
		if pf.Hint == "" {
			pf.Hint = "its listeners: " + strings.Join(listenerList(listeners), ", ")
		}
		return
	}
	var allowed []model.Listener
	var refusals []string
	pf.Hint = "change the listener's allowedRoutes, or attach the route to another listener"
	for _, l := range candidates {
		switch {
		case !slices.Contains(routeKinds(l), r.Kind):
			refusals = append(refusals, fmt.Sprintf("listener %s (%s) takes %s", l.Name, l.Protocol, strings.Join(routeKinds(l), ", ")))
		case !f.namespaceAdmitted(l.AllowedRoutes.Namespaces, owner, r.Namespace):
			refusals = append(refusals, fmt.Sprintf("listener %s admits routes from %s", l.Name, describeFrom(l.AllowedRoutes.Namespaces, owner)))
			if sel := l.AllowedRoutes.Namespaces.Selector; sel != nil && len(sel.MatchLabels) > 0 && len(sel.MatchExpressions) == 0 {
				pf.Hint = fmt.Sprintf("label namespace %s %s, or change the listener's allowedRoutes", r.Namespace, model.FormatLabels(sel.MatchLabels))
			}
			if l.AllowedRoutes.Namespaces.From == "Selector" && !f.namespaceDeclared(r.Namespace) {
				pf.LabelsUnknown = true
			}
		default:
			allowed = append(allowed, l)
		}
	}
	if len(allowed) == 0 {
		pf.Reason = "NotAllowedByListeners"
		pf.Why = fmt.Sprintf("%s in namespace %s is not admitted: %s", r.Kind, r.Namespace, strings.Join(refusals, "; "))
		return
	}
	pf.Hint = ""
	for _, l := range allowed {
		if hostsIntersect(l.Hostname, r.Hostnames) {
			pf.Listeners = append(pf.Listeners, l.Name)
		}
	}
	if len(pf.Listeners) == 0 {
		pf.Reason = "NoMatchingListenerHostname"
		var hosts []string
		for _, l := range allowed {
			hosts = append(hosts, l.Name+" "+l.Hostname)
		}
		pf.Why = fmt.Sprintf("none of its hostnames (%s) is served by the listeners that admit it (%s)", hostList(r.Hostnames), strings.Join(hosts, ", "))
		pf.Hint = "give the route a hostname the listener serves, or attach it to a listener that serves its hostnames"
	}
}

// attachMesh judges a GAMMA route's attachment to a Service: the port, when given,
// must be one of the Service's.
func (f *Facts) attachMesh(pf *ParentFacts, p model.ObjectRef, s *model.Service) {
	if s.PortsUnknown {
		return
	}
	for _, sp := range s.Ports {
		if (p.Port == 0 || sp.Port == p.Port) && (p.SectionName == "" || sp.Name == p.SectionName) {
			return
		}
	}
	pf.Reason = "NoMatchingParent"
	pf.Why = fmt.Sprintf("Service %s has no port %s", s.ID, portLabel(p))
	pf.Hint = fmt.Sprintf("%s has ports %s", s.ID, describePorts(s))
}

// portLabel is a parentRef's port and section as written.
func portLabel(p model.ObjectRef) string {
	switch {
	case p.SectionName != "" && p.Port != 0:
		return fmt.Sprintf("%d (%s)", p.Port, p.SectionName)
	case p.SectionName != "":
		return p.SectionName
	}
	return fmt.Sprint(p.Port)
}

// routeKinds are the route kinds a listener admits: those it lists that its protocol
// can carry, or its protocol's defaults.
func routeKinds(l model.Listener) []string {
	var defaults []string
	switch l.Protocol {
	case "HTTP", "HTTPS":
		defaults = []string{"HTTPRoute", "GRPCRoute"}
	case "TLS":
		// TCPRoute left the TLS listener's defaults in v1.5, and a revert is asked for
		// (gateway-api#4544); implementations still carry it: kubenet does not judge it.
		defaults = []string{"TLSRoute", "TCPRoute"}
	case "TCP":
		defaults = []string{"TCPRoute"}
	case "UDP":
		defaults = []string{"UDPRoute"}
	default:
		return []string{"HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"} // an implementation's protocol
	}
	if len(l.AllowedRoutes.Kinds) == 0 {
		return defaults
	}
	var out []string
	for _, k := range l.AllowedRoutes.Kinds {
		if k.Group == model.GatewayGroup && slices.Contains(defaults, k.Kind) {
			out = append(out, k.Kind)
		}
	}
	return out
}

// namespaceAdmitted reports whether allowedRoutes (or allowedListeners) namespaces of
// an object in namespace owner admit namespace ns.
func (f *Facts) namespaceAdmitted(n model.Namespaces, owner, ns string) bool {
	switch n.From {
	case "All":
		return true
	case "Same":
		return ns == owner
	case "Selector":
		if n.Selector == nil {
			return false
		}
		return n.Selector.Matches(f.namespaceLabels(ns))
	}
	return false // None
}

// namespaceDeclared reports whether the input (a Namespace object) or the
// configuration (cluster.namespaces) says what a namespace's labels are.
func (f *Facts) namespaceDeclared(ns string) bool {
	if n := f.graph.Namespace(ns); n != nil && n.Declared {
		return true
	}
	_, ok := f.cfg.Namespaces[ns]
	return ok
}

// namespaceLabels are a namespace's labels: its own, the configuration's for one
// outside the input, and always kubernetes.io/metadata.name.
func (f *Facts) namespaceLabels(ns string) map[string]string {
	if n := f.graph.Namespace(ns); n != nil {
		return n.Labels
	}
	labels := map[string]string{model.MetadataNameLabel: ns}
	for k, v := range f.cfg.Namespaces[ns] {
		labels[k] = v
	}
	return labels
}

// describeFrom says which namespaces allowedRoutes admits.
func describeFrom(n model.Namespaces, owner string) string {
	switch n.From {
	case "Same":
		return "its own namespace " + owner + " only (from: Same)"
	case "Selector":
		if n.Selector == nil {
			return "no namespace (from: Selector without a selector)"
		}
		return "namespaces labelled " + n.Selector.String() + " (from: Selector)"
	case "All":
		return "every namespace"
	}
	return "no namespace (from: " + n.From + ")"
}

// listenerList describes listeners as "name (protocol port hostname)".
func listenerList(ls []model.Listener) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		d := fmt.Sprintf("%s (%s %d", l.Name, l.Protocol, l.Port)
		if l.Hostname != "" {
			d += " " + l.Hostname
		}
		out = append(out, d+")")
	}
	return out
}

func hostList(hs []model.StringAt) string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.Value
	}
	return strings.Join(out, ", ")
}

// hostsIntersect reports whether a listener's hostname and a route's hostnames have
// a hostname in common, as the Gateway API defines it: no hostname on either side
// matches everything; a wildcard (*.example.com) matches one or more labels in front
// of its suffix, not the suffix itself.
func hostsIntersect(listener string, route []model.StringAt) bool {
	if listener == "" || len(route) == 0 {
		return true
	}
	for _, h := range route {
		if hostnamesIntersect(listener, h.Value) {
			return true
		}
	}
	return false
}

func hostnamesIntersect(a, b string) bool {
	wa, wb := strings.HasPrefix(a, "*."), strings.HasPrefix(b, "*.")
	switch {
	case !wa && !wb:
		return strings.EqualFold(a, b)
	case wa && !wb:
		return wildcardMatches(a, b)
	case !wa && wb:
		return wildcardMatches(b, a)
	}
	// Two wildcards: one's suffix lies within the other's.
	sa, sb := strings.ToLower(a[1:]), strings.ToLower(b[1:])
	return strings.HasSuffix(sa, sb) || strings.HasSuffix(sb, sa)
}

// wildcardMatches reports whether *.suffix matches host: one or more labels before
// the suffix.
func wildcardMatches(wildcard, host string) bool {
	suffix := strings.ToLower(wildcard[1:]) // ".example.com"
	host = strings.ToLower(host)
	return strings.HasSuffix(host, suffix) && len(host) > len(suffix)
}

// routeBackend judges one backendRef of route r. mesh is true when every parent of
// the route is a Service (GAMMA), whose backends need no ReferenceGrant.
func (f *Facts) routeBackend(gw *gatewayIndex, r *model.Route, b model.BackendRef, mesh bool) RouteBackendFacts {
	ns := refNamespace(b.ObjectRef, r.Namespace)
	bf := RouteBackendFacts{Namespace: ns}
	if b.Group != "" || b.Kind != "Service" {
		return bf
	}
	bf.Judged = true
	if ns != r.Namespace && !mesh && !gw.granted(model.GatewayGroup, r.Kind, r.Namespace, "", "Service", ns, b.Name) {
		bf.GrantMissing = true
		bf.NamespaceKnown = f.graph.Namespace(ns) != nil
	}
	s := f.graph.Service(ns, b.Name)
	switch {
	case s == nil && f.graph.External.ServiceExternal(ns, b.Name):
		bf.External = true
	case s == nil:
		bf.Elsewhere = f.servicesElsewhere(ns, b.Name)
		bf.Skipped = f.skippedFor(ns)
		bf.Hint = f.missingServiceHint(ns, b.Name, bf.Elsewhere)
	case b.Port == 0:
		bf.Service, bf.PortMissing = s.ID, true
		bf.Hint = fmt.Sprintf("%s has ports %s", s.ID, describePorts(s))
	default:
		bf.Service = s.ID
		bf.PortOK = s.PortsUnknown || servicePort(s, model.IntOrString{Int: b.Port}) != nil
		if !bf.PortOK {
			bf.Hint = f.backendPortHint(s, b.Port, "a route")
		}
	}
	return bf
}

// backendPortHint suggests the Service port for a backend port that is not one: the
// port whose targetPort it is, or the Service's ports. who names the referrer.
func (f *Facts) backendPortHint(s *model.Service, port int, who string) string {
	if len(s.Ports) == 0 {
		return fmt.Sprintf("%s has no ports", s.ID)
	}
	for pi, p := range s.Ports {
		if targetsContainerPort(p, f.Services[s.ID].portFacts(pi), port) {
			return fmt.Sprintf("%d is the container port behind Service port %d; %s names the Service port: `port: %d`", port, p.Port, who, p.Port)
		}
	}
	return fmt.Sprintf("%s has ports %s; %s names the Service port, not the container port", s.ID, describePorts(s), who)
}

// granted reports whether a ReferenceGrant of namespace ns lets objects of group and
// kind in namespace from refer to the object (toGroup, toKind, name) of ns.
func (ix *gatewayIndex) granted(group, kind, from, toGroup, toKind, ns, name string) bool {
	for _, rg := range ix.grants[ns] {
		fromOK := slices.ContainsFunc(rg.From, func(f model.GrantFrom) bool {
			return f.Group == group && f.Kind == kind && f.Namespace == from
		})
		toOK := slices.ContainsFunc(rg.To, func(t model.GrantTo) bool {
			return t.Group == toGroup && t.Kind == toKind && (t.Name == "" || t.Name == name)
		})
		if fromOK && toOK {
			return true
		}
	}
	return false
}

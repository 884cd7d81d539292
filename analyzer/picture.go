package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Picture is the network the manifests define, as a reviewer sees it (`kubenet graph`):
// Ingress routes to Services, Services to the workloads they select, the Services a
// workload reaches by DNS name, and the NetworkPolicies that select each workload. An
// edge that does not work says why. The picture says what to draw, not how.
type Picture struct {
	// Nodes are sorted by namespace ("" first), then by id.
	Nodes []PictureNode
	// Edges are in drawing order: the routes of each Ingress (Ingresses and backends in
	// input order), each Service to what it selects (by Service id), the DNS references
	// (in input order, each distinct edge once), each NetworkPolicy to the workloads it
	// selects (by policy id).
	Edges []PictureEdge
}

// PictureNode is one box of the picture: an object of the input, or a stand-in for
// something the input lacks.
type PictureNode struct {
	// ID is the object's id (namespace/Kind/name). A stand-in's is the Service id followed
	// by "#nopods" (PictureNoPods), or "dns/" followed by the name (PictureName).
	ID string
	// Kind is the object's kind (Service, Ingress, NetworkPolicy, or the workload's:
	// Deployment, StatefulSet, ...), or PictureNoPods or PictureName for a stand-in.
	Kind string
	// Label is the text in the box: the kind and the name ("Service cart"); for a
	// stand-in "no pod matches " and the selector ("no pod matches app=carts"), or the
	// name followed by " ?".
	Label string
	// Namespace groups the node ("" for none). A name's stand-in is in the namespace of
	// the last workload that uses the name.
	Namespace string
	// Missing is true for what an edge leads to but the input lacks: the stand-ins, and
	// a Service an Ingress routes to that has no BackendFacts.Service.
	Missing bool
}

// Kinds of the stand-in nodes.
const (
	// PictureNoPods stands for the pods of a Service whose selector matches none.
	PictureNoPods = "no pods"
	// PictureName stands for a name a workload uses that does not resolve.
	PictureName = "name"
)

// PictureEdge is one arrow of the picture.
type PictureEdge struct {
	// From and To are node ids: every edge's ends are nodes of the picture, a Service
	// every cluster has but the input need not contain (default/Service/kubernetes)
	// included.
	From, To string
	// Label says what the edge is, without why it is broken: for a route the host and
	// path ("default" for the default backend) and the backend port
	// ("shop.example.com/api :8080"); for a DNS edge "dns " and the name;
	// "applies to" for a policy; "" for a Service selecting a workload.
	Label string
	// Kind is EdgeRoute, EdgeAttach, EdgeSelects, EdgeDNS or EdgePolicy.
	Kind string
	// Broken is true when the edge does not work, and Reason then says why: "no such
	// Service" (when BackendFacts.Service is "", which it also is for a Service the
	// configuration declares external and for an AWS Load Balancer Controller action),
	// "no port http", "blocked by " and the policies' names, "selects nothing", "does
	// not resolve". Reason is "" when Broken is false.
	Broken bool
	Reason string
}

// Picture edge kinds.
const (
	// EdgeRoute leads from an Ingress, or a Gateway API route, to the Service of one
	// of its backends.
	EdgeRoute = "route"
	// EdgeAttach leads from a Gateway (or ListenerSet) to a route that names it as a
	// parent; its label names the listeners the route attaches to.
	EdgeAttach = "attach"
	// EdgeSelects leads from a Service to a workload its selector matches (or to the
	// PictureNoPods stand-in).
	EdgeSelects = "selects"
	// EdgeDNS leads from a workload to the Service a name it uses resolves to (or to the
	// PictureName stand-in).
	EdgeDNS = "dns"
	// EdgePolicy leads from a NetworkPolicy to a workload it selects.
	EdgePolicy = "policy"
)

// Text is the edge's label as `kubenet graph` draws it: the Label, and for a broken edge
// " ✗ " and the Reason ("✗ selects nothing" when the Label is empty).
func (e PictureEdge) Text() string {
	switch {
	case !e.Broken:
		return e.Label
	case e.Label == "":
		return "✗ " + e.Reason
	}
	return e.Label + " ✗ " + e.Reason
}

// PictureGroup is the nodes of one namespace.
type PictureGroup struct {
	// Namespace is the nodes' namespace ("" for nodes of none).
	Namespace string
	// Nodes are in the order of Picture.Nodes (by id).
	Nodes []PictureNode
}

// Groups returns the nodes by namespace: one group per namespace in order ("" first),
// each a part of p.Nodes.
func (p *Picture) Groups() []PictureGroup {
	var out []PictureGroup
	for i := 0; i < len(p.Nodes); {
		j := i + 1
		for j < len(p.Nodes) && p.Nodes[j].Namespace == p.Nodes[i].Namespace {
			j++
		}
		out = append(out, PictureGroup{Namespace: p.Nodes[i].Namespace, Nodes: p.Nodes[i:j]})
		i = j
	}
	return out
}

// Picture computes the facts (once) and draws from them the picture of the graph.
func (f *Facts) Picture() *Picture {
	f.Compute()
	b := &pictureBuilder{f: f, nodes: map[string]*PictureNode{}}
	b.objects()
	b.routes()
	b.gatewayRoutes()
	b.selections()
	b.references()
	b.policies()
	return b.picture()
}

// pictureBuilder collects nodes by id, the first kind and label given winning, and
// edges in order.
type pictureBuilder struct {
	f     *Facts
	nodes map[string]*PictureNode
	edges []PictureEdge
}

// node returns the node id, made with kind and a label from the id when new.
func (b *pictureBuilder) node(id, kind string) *PictureNode {
	if n, ok := b.nodes[id]; ok {
		return n
	}
	ns, name := "", id
	if parts := strings.SplitN(id, "/", 3); len(parts) == 3 {
		ns, name = parts[0], parts[2]
	}
	n := &PictureNode{ID: id, Kind: kind, Label: kind + " " + name, Namespace: ns}
	b.nodes[id] = n
	return n
}

func (b *pictureBuilder) edge(from, to, label, kind, reason string) {
	b.edges = append(b.edges, PictureEdge{From: from, To: to, Label: label, Kind: kind, Broken: reason != "", Reason: reason})
}

// objects adds the Services and the workloads of the input.
func (b *pictureBuilder) objects() {
	g := b.f.graph
	for _, s := range g.Services {
		b.node(s.ID, "Service")
	}
	for _, w := range g.Workloads {
		b.node(w.ID, w.Kind)
	}
}

// routes adds each Ingress and its routes to backend Services: broken when the Service
// or its port does not exist, or when policies keep the ingress controller from the pods.
func (b *pictureBuilder) routes() {
	for _, ing := range b.f.graph.Ingresses {
		b.node(ing.ID, "Ingress")
		facts := b.f.Backends[ing.ID]
		reach := b.f.IngressBackends[ing.ID]
		for i, be := range ing.Backends {
			if be.Service == "" {
				continue
			}
			route := be.Host + be.Path
			if be.Default {
				route = "default"
			}
			target := ing.Namespace + "/Service/" + be.Service
			reason := ""
			if i < len(facts) {
				switch {
				case facts[i].Service == "":
					reason = "no such Service"
					b.node(target, "Service").Missing = true
				case !facts[i].PortOK:
					reason = "no port " + be.Port.String()
				}
			}
			if reason == "" && i < len(reach) && len(reach[i].Blocked) > 0 {
				reason = "blocked by " + strings.Join(shortNames(reach[i].Policies), ", ")
			}
			b.edge(ing.ID, target, strings.TrimSpace(route+" :"+be.Port.String()), EdgeRoute, reason)
		}
	}
}

// gatewayRoutes adds the Gateway API's path: each Gateway (and ListenerSet) to the
// routes that attach to it (broken, with the reason, when one does not), and each route
// to its backend Services (broken when the Service or its port is missing, a
// ReferenceGrant is, or policies keep the Gateway's data plane from the pods). Mesh
// routes hang from their Service.
func (b *pictureBuilder) gatewayRoutes() {
	g := b.f.graph
	for _, gw := range g.Gateways {
		b.node(gw.ID, "Gateway")
	}
	for _, r := range g.Routes {
		rf := b.f.Routes[r.ID]
		if rf == nil {
			continue
		}
		b.node(r.ID, r.Kind)
		for i, p := range r.ParentRefs {
			pf := rf.Parents[i]
			if pf.Kind == "" {
				continue
			}
			parent, reason := pf.Parent, pf.Reason
			if parent == "" {
				parent = model.ID(refNamespace(p, r.Namespace), pf.Kind, p.Name)
				n := b.node(parent, pf.Kind)
				n.Missing = true
				reason = "no such " + pf.Kind
			}
			b.node(parent, pf.Kind)
			b.edge(parent, r.ID, strings.Join(pf.Listeners, ", "), EdgeAttach, reason)
		}
		for i, rule := range r.Rules {
			for j, ref := range rule.BackendRefs {
				bf := rf.Backends[i][j]
				if !bf.Judged || bf.External {
					continue
				}
				target := model.ID(bf.Namespace, "Service", ref.Name)
				reason := ""
				switch {
				case bf.Service == "":
					reason = "no such Service"
					b.node(target, "Service").Missing = true
				case bf.PortMissing:
					reason = "no port"
				case !bf.PortOK:
					reason = fmt.Sprintf("no port %d", ref.Port)
				case bf.GrantMissing:
					reason = "no ReferenceGrant"
				case len(bf.Reach.Blocked) > 0:
					reason = "blocked by " + strings.Join(shortNames(bf.Reach.Policies), ", ")
				}
				label := fmt.Sprintf(":%d", ref.Port)
				if ref.Filter != "" {
					label = strings.ToLower(ref.Filter) + " " + label
				}
				b.edge(r.ID, target, label, EdgeRoute, reason)
			}
		}
	}
}

// selections adds, for each Service with a selector, an edge to each workload it
// selects, or a broken one to a stand-in when it selects none.
func (b *pictureBuilder) selections() {
	g := b.f.graph
	svcByID := make(map[string]*model.Service, len(g.Services))
	for _, s := range g.Services {
		svcByID[s.ID] = s
	}
	ids := make([]string, 0, len(b.f.Services))
	for id := range b.f.Services {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		s := svcByID[id]
		if s == nil || s.Type == "ExternalName" || len(s.Selector) == 0 {
			continue
		}
		selects := b.f.Services[id].Selects
		if len(selects) == 0 {
			hole := id + "#nopods"
			n := b.node(hole, PictureNoPods)
			n.Label, n.Missing, n.Namespace = "no pod matches "+model.FormatLabels(s.Selector), true, s.Namespace
			b.edge(id, hole, "", EdgeSelects, "selects nothing")
			continue
		}
		for _, w := range selects {
			b.edge(id, w, "", EdgeSelects, "")
		}
	}
}

// references adds an edge from a workload to the Service each name it uses resolves to
// (broken when policies deny it or the port is not the Service's), or to a stand-in for
// an in-cluster name that does not resolve. A name outside the cluster that does not
// resolve there, and a pod IP name (no Service answers it), draw nothing.
func (b *pictureBuilder) references() {
	if b.f.DNSRefs == nil {
		return
	}
	seen := map[string]bool{}
	for _, r := range b.f.DNSRefs.References {
		if r.Workload == "" || (!r.InCluster && r.Resolution.Status != DNSResolved) {
			continue
		}
		to, reason := "", ""
		switch {
		case r.Resolution.Status == DNSResolved && r.Resolution.Answer != nil && r.Resolution.Answer.Service != "":
			to = r.Resolution.Answer.Service
			b.node(to, "Service") // one every cluster has (the API server's) may not be in the input
			if r.Blocked != nil {
				reason = "blocked by " + strings.Join(shortNames(r.Blocked.Policies), ", ")
			} else if !r.PortOK {
				reason = fmt.Sprintf("no port %d", r.Port)
			}
		case r.Resolution.Status == DNSResolved:
			continue // a pod IP record: not a Service edge
		default:
			to = "dns/" + r.Name
			n := b.node(to, PictureName)
			n.Label, n.Missing, n.Namespace = r.Name+" ?", true, r.Namespace
			reason = "does not resolve"
		}
		e := PictureEdge{From: r.Workload, To: to, Label: "dns " + r.Name, Kind: EdgeDNS, Broken: reason != "", Reason: reason}
		key := e.From + "|" + e.To + "|" + e.Text()
		if seen[key] {
			continue
		}
		seen[key] = true
		b.edges = append(b.edges, e)
	}
}

// policies adds each NetworkPolicy and an edge to each workload it selects.
func (b *pictureBuilder) policies() {
	if b.f.NetFacts == nil {
		return
	}
	ids := make([]string, 0, len(b.f.Policies))
	for id := range b.f.Policies {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		b.node(id, "NetworkPolicy")
		for _, w := range b.f.Policies[id].Selects {
			b.edge(id, w, "applies to", EdgePolicy, "")
		}
	}
}

// picture returns the nodes in order and the edges.
func (b *pictureBuilder) picture() *Picture {
	p := &Picture{Nodes: make([]PictureNode, 0, len(b.nodes)), Edges: b.edges}
	for _, n := range b.nodes {
		p.Nodes = append(p.Nodes, *n)
	}
	sort.Slice(p.Nodes, func(i, j int) bool {
		a, c := p.Nodes[i], p.Nodes[j]
		if a.Namespace != c.Namespace {
			return a.Namespace < c.Namespace
		}
		return a.ID < c.ID
	})
	return p
}

// shortNames are the names of object ids (namespace/Kind/name).
func shortNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[strings.LastIndexByte(id, '/')+1:]
	}
	return out
}

package analyzer

import (
	"fmt"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// BackendFacts tells where an Ingress backend leads.
type BackendFacts struct {
	// Service is the id of the backend Service, or "" when it is not in the input (or
	// the backend is a resource).
	Service string `json:"service"`
	// PortOK is true when the backend port is a port (number or name) of that Service.
	PortOK bool `json:"portOK"`
	// Action is the annotation that makes the backend an action of the AWS Load
	// Balancer Controller (alb.ingress.kubernetes.io/actions.<name>, with the port name
	// use-annotation): the controller forwards as the annotation says, and the backend
	// names no Service port. The port name alone is enough: Argo Rollouts writes the
	// annotation at run time.
	Action string `json:"action"`
	// External is true when the configuration declares the missing Service to exist
	// outside the input.
	External bool `json:"external"`
	// Skipped is a build kubenet did not build that may define the missing Service.
	Skipped string `json:"skipped"`
	// Elsewhere lists the Services of that name in other namespaces, when it is missing
	// from the Ingress's own: evidence that the backend was meant to cross namespaces.
	Elsewhere []string `json:"elsewhere"`
	// Hint suggests a fix for a missing Service or port.
	Hint string `json:"hint"`
}

// albActions prefixes the AWS Load Balancer Controller's action annotations.
const albActions = "alb.ingress.kubernetes.io/actions."

func (f *Facts) backendFacts() map[string][]BackendFacts {
	g := f.graph
	out := make(map[string][]BackendFacts, len(g.Ingresses))
	for _, ing := range g.Ingresses {
		bfs := make([]BackendFacts, len(ing.Backends))
		for i, b := range ing.Backends {
			if b.Service == "" {
				continue
			}
			if a := albActions + b.Service; ing.Annotations[a] != "" || b.Port.IsStr && b.Port.Str == "use-annotation" {
				bfs[i].Action = a
				continue
			}
			s := g.Service(ing.Namespace, b.Service)
			if s == nil && g.External.ServiceExternal(ing.Namespace, b.Service) {
				bfs[i].External = true
				continue
			}
			if s == nil {
				bfs[i].Elsewhere = f.servicesElsewhere(ing.Namespace, b.Service)
				bfs[i].Skipped = f.skippedFor(ing.Namespace)
				bfs[i].Hint = f.missingServiceHint(ing.Namespace, b.Service, bfs[i].Elsewhere)
				continue
			}
			bf := BackendFacts{Service: s.ID, PortOK: servicePort(s, b.Port) != nil}
			var names []string
			for _, p := range s.Ports {
				if p.Name != "" {
					names = append(names, p.Name)
				}
			}
			if !b.PortSet || s.PortsUnknown {
				// Reported as invalid by the loader when required; or the ports of an
				// operator's Service depend on what kubenet cannot see.
				bf.PortOK = true
			}
			if !bf.PortOK {
				switch {
				case len(s.Ports) == 0:
					bf.Hint = fmt.Sprintf("%s has no ports", s.ID)
				case b.Port.IsStr:
					if m := closest(b.Port.Str, names); m != "" {
						bf.Hint = fmt.Sprintf("did you mean `name: %s`?", m)
					} else {
						bf.Hint = fmt.Sprintf("%s has ports %s", s.ID, describePorts(s))
					}
				default:
					bf.Hint = fmt.Sprintf("%s has ports %s; an Ingress names the Service port, not the container port", s.ID, describePorts(s))
					for pi, p := range s.Ports {
						if targetsContainerPort(p, f.Services[s.ID].portFacts(pi), b.Port.Int) {
							bf.Hint = fmt.Sprintf("%d is the container port behind Service port %d; an Ingress names the Service port: `number: %d`", b.Port.Int, p.Port, p.Port)
							break
						}
					}
				}
			}
			bfs[i] = bf
		}
		out[ing.ID] = bfs
	}
	return out
}

func describePorts(s *model.Service) string {
	parts := make([]string, len(s.Ports))
	for i, p := range s.Ports {
		if p.Name != "" {
			parts[i] = fmt.Sprintf("%s (%d)", p.Name, p.Port)
		} else {
			parts[i] = fmt.Sprint(p.Port)
		}
	}
	return strings.Join(parts, ", ")
}

// servicesElsewhere lists the Services named name outside namespace ns.
func (f *Facts) servicesElsewhere(ns, name string) []string {
	elsewhere := []string{}
	for _, s := range f.graph.Services {
		if s.Name == name && s.Namespace != ns {
			elsewhere = append(elsewhere, s.ID)
		}
	}
	return elsewhere
}

// missingServiceHint suggests a Service name for one that does not exist in ns.
func (f *Facts) missingServiceHint(ns, name string, elsewhere []string) string {
	g := f.graph
	var names []string
	for _, s := range g.ServicesIn(ns) {
		names = append(names, s.Name)
	}
	if m := closest(name, names); m != "" {
		return fmt.Sprintf("did you mean `%s`?", m)
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf("a Service of that name exists in another namespace (%s); an Ingress can only route to Services in its own namespace", strings.Join(elsewhere, ", "))
	}
	if len(names) == 0 {
		return fmt.Sprintf("the input defines no Service in namespace %s; lint the manifests that define it together with this one", ns)
	}
	sort.Strings(names)
	if len(names) > 8 {
		names = append(names[:8], "...")
	}
	return fmt.Sprintf("Services in %s: %s", ns, strings.Join(names, ", "))
}

// RouteConflict is a set of routes with the same class, host, path and pathType that
// lead to different backends.
type RouteConflict struct {
	Class    string        `json:"class"`
	Host     string        `json:"host"`
	Path     string        `json:"path"`
	PathType string        `json:"pathType"`
	Routes   []RouteAtPath `json:"routes"`
}

// RouteAtPath is one member of a RouteConflict.
type RouteAtPath struct {
	Ingress string    `json:"ingress"`
	Backend string    `json:"backend"`
	Pos     model.Pos `json:"pos"`
}

func routeConflicts(g *model.Graph) []RouteConflict {
	defaultClass := ""
	for _, ic := range g.IngressClasses {
		if ic.IsDefault {
			defaultClass = ic.Name
		}
	}
	groups := map[string]*RouteConflict{}
	var order []string
	for _, ing := range g.Ingresses {
		if ing.Invalid {
			continue
		}
		class := ing.ClassName
		if class == "" {
			class = defaultClass
		}
		for _, b := range ing.Backends {
			if b.Default {
				continue
			}
			path := b.Path
			pt := b.PathType
			if pt == "" {
				pt = "ImplementationSpecific"
			}
			if pt == "Prefix" && len(path) > 1 {
				// Prefix matching is by path element: /api and /api/ match alike.
				path = strings.TrimRight(path, "/")
			}
			key := class + "\x00" + b.Host + "\x00" + path + "\x00" + pt
			rc := groups[key]
			if rc == nil {
				rc = &RouteConflict{Class: class, Host: b.Host, Path: path, PathType: pt}
				groups[key] = rc
				order = append(order, key)
			}
			target := backendString(g, ing.Namespace, b)
			rc.Routes = append(rc.Routes, RouteAtPath{Ingress: ing.ID, Backend: target, Pos: b.Pos})
		}
	}
	out := []RouteConflict{}
	for _, k := range order {
		rc := groups[k]
		distinct := map[string]bool{}
		for _, r := range rc.Routes {
			distinct[r.Backend] = true
		}
		if len(distinct) > 1 {
			out = append(out, *rc)
		}
	}
	return out
}

// backendString names a backend; a Service port given by name is resolved to its
// number, so the same port named two ways is one backend.
func backendString(g *model.Graph, ns string, b model.Backend) string {
	if b.Resource != nil {
		return ns + "/" + b.Resource.Kind + "/" + b.Resource.Name
	}
	port := b.Port.String()
	if s := g.Service(ns, b.Service); s != nil && b.Port.IsStr {
		if sp := servicePort(s, b.Port); sp != nil {
			port = fmt.Sprint(sp.Port)
		}
	}
	return ns + "/Service/" + b.Service + ":" + port
}

// NodePortClaim is a node port that several Services claim.
type NodePortClaim struct {
	NodePort int             `json:"nodePort"`
	Claims   []NodePortOwner `json:"claims"`
}

// NodePortOwner is one Service port claiming a node port.
type NodePortOwner struct {
	Service string    `json:"service"`
	Pos     model.Pos `json:"pos"`
}

func nodePortClaims(g *model.Graph) []NodePortClaim {
	claims := map[int][]NodePortOwner{}
	var order []int
	for _, s := range g.Services {
		if s.Invalid || (s.Type != "NodePort" && s.Type != "LoadBalancer") {
			continue
		}
		seen := map[int]bool{}
		seenProto := map[string]bool{}
		for _, p := range s.Ports {
			if p.NodePort == 0 {
				continue
			}
			// One Service may use a node port for TCP and UDP alike, but not twice for one protocol.
			key := fmt.Sprintf("%d/%s", p.NodePort, p.Protocol)
			if seen[p.NodePort] && !seenProto[key] {
				continue
			}
			seen[p.NodePort], seenProto[key] = true, true
			if _, ok := claims[p.NodePort]; !ok {
				order = append(order, p.NodePort)
			}
			claims[p.NodePort] = append(claims[p.NodePort], NodePortOwner{Service: s.ID, Pos: p.NodePortPos})
		}
	}
	out := []NodePortClaim{}
	for _, np := range order {
		if len(claims[np]) > 1 {
			out = append(out, NodePortClaim{NodePort: np, Claims: claims[np]})
		}
	}
	return out
}

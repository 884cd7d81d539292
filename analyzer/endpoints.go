package analyzer

import (
	"iter"
	"slices"

	"github.com/kubenet/kubenet/model"
)

// A client names a Service port; the Service forwards to the pods it selects, on the
// port's targetPort, resolved on each pod. This file holds both steps, for every fact
// that follows traffic through a Service.

// servicePort returns the port of s that port names: by name when it is a name, by
// number otherwise (the last such port), or nil.
func servicePort(s *model.Service, port model.IntOrString) *model.ServicePort {
	var sp *model.ServicePort
	for i := range s.Ports {
		p := &s.Ports[i]
		if port.IsStr && p.Name == port.Str || !port.IsStr && p.Port == port.Int {
			sp = p
		}
	}
	return sp
}

// tcpPort returns the TCP port of s numbered port (the last such port), or nil: the
// port a client dials through a URL or a host:port.
func tcpPort(s *model.Service, port int) *model.ServicePort {
	var sp *model.ServicePort
	for i := range s.Ports {
		if s.Ports[i].Port == port && s.Ports[i].Protocol == "TCP" {
			sp = &s.Ports[i]
		}
	}
	return sp
}

// endpoint is a workload a Service selects, and where one Service port leads on its
// pods.
type endpoint struct {
	node *Node
	// port is the container port the Service port's targetPort resolves to; ok is false
	// when the targetPort is a name the pods do not declare for the port's protocol.
	port int
	ok   bool
}

// endpoints resolves Service port sp of s on each workload s selects, in input order,
// as the endpoints controller does (see targetPortOn).
func (f *Facts) endpoints(s *model.Service, sp model.ServicePort) iter.Seq[endpoint] {
	return func(yield func(endpoint) bool) {
		r := f.Reach()
		for _, w := range f.SelectedBy(s.Namespace, s.Selector) {
			n := r.Node(w.ID)
			port, ok := targetPortOn(n, sp)
			if !yield(endpoint{node: n, port: port, ok: ok}) {
				return
			}
		}
	}
}

// targetPortOn resolves a Service port's targetPort on a node's pods: a number is
// forwarded as is; a name is the container port of that name and the Service port's
// protocol.
func targetPortOn(n *Node, sp model.ServicePort) (int, bool) {
	if !sp.TargetPort.IsStr {
		return sp.TargetPort.Int, true
	}
	p, ok := n.class.named[sp.TargetPort.Str+"/"+sp.Protocol]
	return p, ok
}

// targetsContainerPort reports whether Service port p forwards to container port n,
// pf being p's facts.
func targetsContainerPort(p model.ServicePort, pf PortFacts, n int) bool {
	if !p.TargetPort.IsStr {
		return p.TargetPort.Int == n
	}
	return slices.Contains(pf.Resolved, n)
}

package analyzer

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Whether a resolved reference works: the port it dials is a port of the Service, and
// the policies let the pods that use it reach the pods behind it.

// RefBlocked describes a reference the NetworkPolicies deny.
type RefBlocked struct {
	// Sources are the workloads that use the name and are denied.
	Sources  []string `json:"sources"`
	Service  string   `json:"service"`
	Port     int      `json:"port"`
	Targets  []string `json:"targets"`
	Policies []string `json:"policies"`
	Hint     string   `json:"hint"`
}

// refService returns the Service a resolved reference leads to (following in-cluster
// CNAMEs), or nil.
func (f *Facts) refService(rf *RefFacts) *model.Service {
	a := rf.Resolution.Answer
	if rf.Resolution.Status != DNSResolved || a == nil || a.Service == "" {
		return nil
	}
	parts := strings.SplitN(a.Service, "/", 3)
	return f.DNS().Service(parts[2], parts[0])
}

func defaultPort(scheme string) int {
	switch scheme {
	case "http", "ws":
		return 80
	case "https", "wss":
		return 443
	}
	return 0
}

// checkPort: the port a client dials must be a port of the Service (ClusterIP Services;
// headless and ExternalName names lead to addresses that take any port).
func (f *Facts) checkPort(rf *RefFacts) {
	s := f.refService(rf)
	if s == nil || rf.Resolution.Answer.Kind != RecordService || s.Invalid {
		return
	}
	port := rf.Port
	if port == 0 {
		port = defaultPort(rf.Scheme)
	}
	if port == 0 || len(s.Ports) == 0 || tcpPort(s, port) != nil {
		return
	}
	rf.PortOK = false
	var ps []string
	for i, p := range s.Ports {
		ps = append(ps, fmt.Sprint(p.Port))
		if targetsContainerPort(p, f.Services[s.ID].portFacts(i), port) && p.Port != port {
			rf.PortHint = fmt.Sprintf("%d is the container port behind Service port %d; clients dial the Service port: `%s:%d`", port, p.Port, rf.Name, p.Port)
		}
	}
	if rf.PortHint == "" && rf.Port == 0 {
		rf.PortHint = fmt.Sprintf("the URL names no port, so clients dial %d; %s has ports %s: write %s://%s:%s", port, s.ID, strings.Join(ps, ", "), rf.Scheme, rf.Name, ps[0])
	}
	if rf.PortHint == "" {
		rf.PortHint = fmt.Sprintf("%s has ports %s; clients dial the Service port, not the targetPort", s.ID, strings.Join(ps, ", "))
	}
}

func (sf *ServiceFacts) portFacts(i int) PortFacts {
	if sf == nil || i >= len(sf.Ports) {
		return PortFacts{}
	}
	return sf.Ports[i]
}

// refTarget is a pod a reference leads to, the port the pod receives, and the Service
// port that forwards it (nil when the name leads to the pods themselves).
type refTarget struct {
	node *Node
	port int
	sp   *model.ServicePort
}

// appendRefTargets appends to targets the pods a resolved reference leads to (a is
// its answer): the pods behind the Service port it dials (the only port when it names
// none), each on the targetPort; or, with a port given, the pods of a headless Service
// or the pod a name stands for, on that port.
func (f *Facts) appendRefTargets(targets []refTarget, rf *RefFacts, a *Record) []refTarget {
	switch a.Kind {
	case RecordService, RecordHeadless:
		s := f.refService(rf)
		if s == nil || s.Selector == nil {
			return targets
		}
		var sp *model.ServicePort
		port := rf.Port
		if port == 0 {
			port = defaultPort(rf.Scheme)
		}
		switch {
		case port != 0:
			sp = tcpPort(s, port)
		case len(s.Ports) == 1:
			sp = &s.Ports[0]
		}
		switch {
		case sp != nil:
			for e := range f.endpoints(s, *sp) {
				if e.ok {
					targets = append(targets, refTarget{e.node, e.port, sp})
				}
			}
		case a.Kind == RecordHeadless && port != 0:
			// Clients of a headless Service dial the pods on the port itself.
			for _, w := range f.SelectedBy(s.Namespace, s.Selector) {
				targets = append(targets, refTarget{f.Reach().Node(w.ID), port, nil})
			}
		}
	case RecordPod:
		if rf.Port != 0 {
			targets = append(targets, refTarget{f.Reach().Node(a.Workload), rf.Port, nil})
		}
	}
	return targets
}

// checkReach feeds a resolved reference to the solver: may the workload's pods open
// connections to the Service's pods on the targetPort?
func (f *Facts) checkReach(rf *RefFacts) {
	if rf.workload == nil || !rf.PortOK {
		return
	}
	for _, w := range rf.consumers {
		f.checkReachFrom(rf, w)
	}
}

// checkReachFrom checks the reference from the pods of w, one of the workloads that
// use it, and adds to rf.Blocked what the policies deny.
func (f *Facts) checkReachFrom(rf *RefFacts, w *model.Workload) {
	r := f.Reach()
	src := r.Node(w.ID)
	if src == nil || src.HostNetwork {
		return
	}
	a := rf.Resolution.Answer
	if a == nil {
		return
	}
	var buf [4]refTarget // most references lead to a few pods: no allocation
	targets := f.appendRefTargets(buf[:0], rf, a)
	blocked := rf.Blocked
	if blocked == nil {
		blocked = &RefBlocked{Service: a.Service, Sources: []string{}, Targets: []string{}, Policies: []string{}}
	}
	policies := map[string]bool{}
	for _, p := range blocked.Policies {
		policies[p] = true
	}
	denied := false
	for _, t := range targets {
		if t.node == nil || t.node.HostNetwork || t.node == src {
			continue
		}
		proto := "TCP"
		if t.sp != nil {
			proto = t.sp.Protocol
		}
		e := r.Explain(src, t.node, proto, t.port)
		if e.Allowed {
			continue
		}
		denied = true
		if !slices.Contains(blocked.Targets, t.node.ID) {
			blocked.Targets = append(blocked.Targets, t.node.ID)
		}
		blocked.Port = t.port
		e.blockingPolicies(policies)
		if blocked.Hint == "" {
			if t.sp != nil {
				blocked.Hint = servicePortMistake(e, *t.sp, t.port)
			}
			if blocked.Hint == "" {
				blocked.Hint = e.Fix
			}
		}
	}
	if denied {
		blocked.Sources = append(blocked.Sources, w.ID)
		blocked.Policies = slices.Sorted(maps.Keys(policies))
		rf.Blocked = blocked
	}
}

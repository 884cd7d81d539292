package analyzer

import (
	"fmt"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// The replicas of a clustered workload talk to each other: etcd, Kafka, Elasticsearch,
// Redis cluster, RabbitMQ, any StatefulSet behind a headless Service. A policy that
// isolates their pods and forgets the peers breaks the cluster, while every
// connection from outside still works.

// ReplicaPeerFacts tells whether a clustered workload's pods reach each other.
type ReplicaPeerFacts struct {
	// Why says what makes the workload clustered.
	Why string `json:"why"`
	// Service is the headless Service that names the peers, if any.
	Service    string    `json:"service"`
	ServicePos model.Pos `json:"servicePos"`
	// Blocked lists the peer ports the pods cannot reach on each other ("9300/TCP (transport)").
	Blocked []string `json:"blocked"`
	// Policy is the policy to change (it isolates the pods on the blocked side), with
	// the position of its podSelector, and Fix the rule to add.
	Policy    string    `json:"policy"`
	PolicyPos model.Pos `json:"policyPos"`
	Fix       string    `json:"fix"`
}

// peerPortWords mark a container port meant for the replicas of a workload.
var peerPortWords = []string{"peer", "gossip", "cluster", "raft", "repl", "mesh", "transport", "intra",
	"member", "election", "serf", "epmd", "internode", "inter-node", "discovery", "bus"}

type peerPort struct {
	name  string
	proto string
	port  int
}

func (f *Facts) replicaPeers() map[string]*ReplicaPeerFacts {
	g, r := f.graph, f.Reach()
	out := map[string]*ReplicaPeerFacts{}
	for _, w := range g.Workloads {
		if w.Invalid || w.HostNetwork || !w.ContainersKnown {
			continue
		}
		n := r.Node(w.ID)
		if n == nil {
			continue
		}
		pf, ports := f.clustered(w)
		if pf == nil || len(ports) == 0 {
			continue
		}
		var blockedOn *Explanation
		for _, p := range ports {
			e := r.Explain(n, n, p.proto, p.port)
			if e.Allowed {
				continue
			}
			label := fmt.Sprintf("%d/%s", p.port, p.proto)
			if p.name != "" {
				label += " (" + p.name + ")"
			}
			pf.Blocked = append(pf.Blocked, label)
			if blockedOn == nil {
				blockedOn = &e
			}
		}
		if blockedOn == nil {
			continue
		}
		side := blockedOn.Ingress
		if side.Allowed() {
			side = blockedOn.Egress
		}
		if p := mostSpecific(side.Policies); p != nil {
			pf.Policy, pf.PolicyPos = p.ID, p.PodSelector.Pos
		}
		pf.Fix = r.fix(*blockedOn)
		out[w.ID] = pf
	}
	return out
}

// clustered tells whether a workload's replicas talk to each other, and on which
// ports: a StatefulSet whose governing Service is headless (the peers find each other
// by its per-pod names) on that Service's ports, else on its container ports; a
// workload of several replicas on its container ports named for peers.
func (f *Facts) clustered(w *model.Workload) (*ReplicaPeerFacts, []peerPort) {
	if w.Kind == "StatefulSet" && w.ServiceName != "" {
		if s := f.graph.Service(w.Namespace, w.ServiceName); s != nil && s.Headless && (w.Replicas == nil || *w.Replicas != 1) {
			pf := &ReplicaPeerFacts{Why: fmt.Sprintf("a StatefulSet whose pods find each other through the headless Service %s", s.ID),
				Service: s.ID, ServicePos: s.Pos}
			if ports := headlessPeerPorts(s, w); len(ports) > 0 {
				return pf, ports
			}
			return pf, containerPeerPorts(w, false)
		}
	}
	if w.Replicas != nil && *w.Replicas > 1 {
		pf := &ReplicaPeerFacts{Why: fmt.Sprintf("%d replicas with ports for their peers", *w.Replicas)}
		return pf, containerPeerPorts(w, true)
	}
	return nil, nil
}

// headlessPeerPorts resolves the headless Service's target ports on w's containers.
func headlessPeerPorts(s *model.Service, w *model.Workload) []peerPort {
	var out []peerPort
	for _, p := range s.Ports {
		if !p.TargetPort.IsStr {
			out = append(out, peerPort{name: p.Name, proto: p.Protocol, port: p.TargetPort.Int})
			continue
		}
		for ci := range w.Containers {
			for _, cp := range w.Containers[ci].Ports {
				if cp.Name == p.TargetPort.Str && cp.Protocol == p.Protocol {
					out = append(out, peerPort{name: cp.Name, proto: cp.Protocol, port: cp.ContainerPort})
				}
			}
		}
	}
	return out
}

// containerPeerPorts are the ports w's serving containers declare: all of them, or
// only those named for peers.
func containerPeerPorts(w *model.Workload, namedOnly bool) []peerPort {
	var out []peerPort
	for ci := range w.Containers {
		c := &w.Containers[ci]
		if !c.Serves() {
			continue
		}
		for _, cp := range c.Ports {
			if namedOnly && !peerName(cp.Name) {
				continue
			}
			out = append(out, peerPort{name: cp.Name, proto: cp.Protocol, port: cp.ContainerPort})
		}
	}
	return out
}

func peerName(name string) bool {
	n := strings.ToLower(name)
	for _, w := range peerPortWords {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

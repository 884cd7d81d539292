package analyzer

import (
	"fmt"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Whether pods reach the cluster DNS: every name a pod resolves is a query to the DNS
// pods, which egress policies must admit on UDP and TCP.

// DNS reachability statuses.
const (
	DNSAllowed = "allowed"
	DNSDenied  = "denied"
	// DNSIPBlock: only an ipBlock rule admits the port; whether ipBlock matches pod IPs
	// depends on the CNI.
	DNSIPBlock = "ipblock"
	// DNSAltPort: denied on the configured port but allowed on 5353, where OpenShift's
	// DNS pods listen.
	DNSAltPort = "alt-port"
)

// DNSReach tells whether cluster DNS is reachable on UDP and TCP.
type DNSReach struct {
	UDP  string `json:"udp"`
	TCP  string `json:"tcp"`
	Port int    `json:"port"`
	// EgressAny is false when the egress rules admit nothing at all: the pods are cut off
	// on purpose, DNS included.
	EgressAny bool `json:"egressAny"`
	// PodPeers is true when the egress rules admit pods (a podSelector or
	// namespaceSelector peer, or every destination): pods are reached through Service
	// names, so the pods need DNS. With ipBlock peers only they may connect by address.
	PodPeers bool `json:"podPeers"`
	// DeniedBy names the rule of another kind than NetworkPolicy that denies DNS, when
	// one does (a cluster-wide Deny, a Calico rule or the end of a Calico tier, a Cilium
	// deny); Policy and Pos are then that policy and rule.
	DeniedBy string `json:"deniedBy"`
	// Policy is the policy to change (the most specific egress policy), and Fix the rule to add.
	Policy string    `json:"policy"`
	Pos    model.Pos `json:"pos"`
	Fix    string    `json:"fix"`
}

// usesClusterDNS reports whether the workload's pods resolve names through cluster DNS.
func usesClusterDNS(w *model.Workload) bool {
	switch w.DNSPolicy {
	case "Default", "None":
		return false
	case "ClusterFirstWithHostNet":
		return true
	}
	return !w.HostNetwork
}

// dnsPort is the container port the DNS pods serve DNS on: the targetPort of the
// kube-dns Service when the input has it, else the configured port.
func (r *Reach) dnsPort(g *model.Graph) int {
	port := 53
	for _, p := range r.cfg.DNS.Ports {
		if p.Protocol == "UDP" {
			port = p.ContainerPort
			break
		}
	}
	if s := g.Service(r.cfg.DNS.Namespace, "kube-dns"); s != nil {
		for _, sp := range s.Ports {
			if sp.Protocol == "UDP" && sp.Port == 53 {
				for _, n := range r.DNS {
					if p, ok := targetPortOn(n, sp); ok {
						port = p
					}
				}
			}
		}
	}
	return port
}

// dnsReach evaluates egress rules (those of an egress-isolated class, or of a
// hypothetical pod) towards the DNS pods.
func (r *Reach) dnsReach(src *class, out []*admit, policies []*model.Policy, port int) *DNSReach {
	d := &DNSReach{UDP: DNSDenied, TCP: DNSDenied, Port: port}
	status := func(proto string) string {
		for _, dns := range r.DNS {
			allowedOut := PortSet{}
			if src != nil && !src.egress.simple() {
				allowedOut = egressPorts(src, dns.class)
			} else {
				for _, a := range out {
					if a.matches(dns.class) {
						allowedOut = allowedOut.Union(a.ports.resolve(dns.class))
					}
				}
			}
			var in PortSet
			if src != nil {
				in = ingressPorts(src, dns.class)
			} else {
				in = ingressPortsFromAny(dns.class)
			}
			if allowedOut.Intersect(in).Contains(proto, port) {
				return DNSAllowed
			}
			if allowedOut.Contains(proto, 5353) && port != 5353 {
				return DNSAltPort
			}
		}
		for _, a := range out {
			// Cilium's CIDRs never match pods; an ipBlock may, on some CNIs.
			if a.external && !a.externalOnly && a.ports.resolve(r.external).Contains(proto, port) {
				return DNSIPBlock
			}
		}
		return DNSDenied
	}
	d.UDP, d.TCP = status("UDP"), status("TCP")
	for _, a := range out {
		if (a.allPeers || a.npeers > 0) && (a.ports.all || !a.ports.fixed.IsEmpty() || len(a.ports.named) > 0) {
			d.EgressAny = true
		}
	}
	for _, p := range policies {
		for _, rule := range p.Egress {
			if len(rule.Peers) == 0 {
				d.PodPeers = true
			}
			for _, peer := range rule.Peers {
				if peer.PodSelector != nil || peer.NamespaceSelector != nil {
					d.PodPeers = true
				}
			}
		}
	}
	if src != nil && !src.egress.simple() {
		// Cluster-wide rules: the pods are not cut off unless they deny everything.
		d.EgressAny = d.EgressAny || d.UDP == DNSAllowed || d.TCP == DNSAllowed || !egressPorts(src, r.external).IsEmpty()
		for _, t := range append(append([]*tierRule{}, src.egress.admin...), src.egress.base...) {
			if t.action == model.ActionAccept {
				d.EgressAny = true
				d.PodPeers = d.PodPeers || t.everyPod || !t.peers.empty()
			}
		}
		for _, t := range src.egress.calico {
			for _, p := range t.policies {
				for _, cr := range p.rules {
					if cr.action == "Allow" && (cr.a.ports.all || !cr.a.ports.fixed.IsEmpty() || len(cr.a.ports.named) > 0) {
						d.EgressAny = true
						d.PodPeers = d.PodPeers || !cr.a.peers.empty()
					}
				}
			}
		}
		if r.tierDeniesDNS(d, src, port) {
			return d
		}
	}
	if len(policies) > 0 && (d.UDP != DNSAllowed || d.TCP != DNSAllowed) {
		p := mostSpecific(policies)
		d.Policy, d.Pos = p.ID, p.PolicyTypesPos
		d.Fix = dnsFix(r.cfg.DNS, p.Namespace, port)
		if strings.HasPrefix(p.Kind, "Cilium") {
			d.Fix = ciliumDNSFix(r.cfg.DNS, port)
		}
	}
	return d
}

// tierDeniesDNS blames the rule that denies DNS on UDP (else TCP) to the pods of src,
// when one of another kind than NetworkPolicy decides it (a cluster-wide Deny, a Calico
// rule or the end of a Calico tier, a Cilium deny); it reports whether one did.
func (r *Reach) tierDeniesDNS(d *DNSReach, src *class, port int) bool {
	for _, proto := range []string{"UDP", "TCP"} {
		if (proto == "UDP" && d.UDP == DNSAllowed) || (proto == "TCP" && d.TCP == DNSAllowed) {
			continue
		}
		for _, dns := range r.DNS {
			s := explainSide(src.isolatedOut(), &src.egress, src, dns.class, dns.class, proto, port)
			switch c := s.CalicoDecided; {
			case s.DeniedByTier():
				d.Policy, d.Pos, d.DeniedBy = s.Decided.Policy.ID, s.Decided.Rule().ActionPos, s.Decided.String()
			case c != nil && c.Action == "Deny" && c.Policy != nil:
				d.Policy, d.Pos, d.DeniedBy = c.Policy.ID, c.At, c.String()
			case c != nil && c.Action == "Deny" && len(c.Selecting) > 0:
				d.Policy, d.Pos, d.DeniedBy = c.Selecting[0].ID, c.Selecting[0].Pos, c.String()
			case len(s.Denied) > 0:
				d.Policy, d.Pos, d.DeniedBy = s.Denied[0].Policy.ID, s.Denied[0].At, s.Denied[0].String()
			default:
				continue
			}
			d.Fix = sideFix(s, "egress", "to", src.nodes[0], dns, proto, port)
			return true
		}
	}
	return false
}

// ingressPortsFromAny is what the DNS pods admit from a pod kubenet cannot see: all
// ports unless they are isolated, then what rules with unrestricted peers admit.
func ingressPortsFromAny(dst *class) PortSet {
	if !dst.isolatedIn() {
		return AllPorts()
	}
	var out PortSet
	for _, a := range dst.ingress.admits {
		if a.allPeers {
			out = out.Union(a.ports.resolve(dst))
		}
	}
	return out
}

func dnsFix(dns DNSServer, ns string, port int) string {
	var b strings.Builder
	b.WriteString("add an egress rule that allows DNS:\n  - to:\n      - namespaceSelector:\n          matchLabels:\n")
	fmt.Fprintf(&b, "            %s: %s\n", model.MetadataNameLabel, dns.Namespace)
	b.WriteString("        podSelector:\n          matchLabels:\n")
	for _, kv := range identifyingLabels(dns.Labels) {
		fmt.Fprintf(&b, "            %s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "    ports:\n      - port: %d\n        protocol: UDP\n      - port: %d\n        protocol: TCP", port, port)
	return b.String()
}

// ciliumDNSFix is the egress item that allows DNS in a Cilium policy, with the DNS rule
// toFQDNs rules need.
func ciliumDNSFix(dns DNSServer, port int) string {
	var b strings.Builder
	b.WriteString("add an egress rule that allows DNS:\n  - toEndpoints:\n      - matchLabels:\n")
	fmt.Fprintf(&b, "          k8s:%s: %s\n", model.CiliumNamespaceLabel, dns.Namespace)
	for _, kv := range identifyingLabels(dns.Labels) {
		fmt.Fprintf(&b, "          k8s:%s: %s\n", kv[0], kv[1])
	}
	fmt.Fprintf(&b, "    toPorts:\n      - ports:\n          - port: \"%d\"\n            protocol: ANY\n        rules:\n          dns:\n            - matchPattern: \"*\"", port)
	return b.String()
}

package analyzer

import (
	"fmt"

	"github.com/kubenet/kubenet/model"
)

// GatewayFacts are what is wrong with a Gateway's own configuration.
type GatewayFacts struct {
	// Class is the GatewayClass's id, "" when it is not in the input.
	Class string `json:"class"`
	// Conflicts are listeners (of the Gateway and of the ListenerSets it admits) that
	// cannot be told apart, or that share a port with an incompatible protocol.
	Conflicts []ListenerConflict `json:"conflicts"`
	// TLS lists the listeners whose tls block is wrong for their protocol.
	TLS []ListenerProblem `json:"tls"`
	// CertificateGrants lists the listeners' certificateRefs to other namespaces that no
	// ReferenceGrant admits.
	CertificateGrants []ListenerProblem `json:"certificateGrants"`
	// MissingCertificates lists the listeners' certificateRefs to Secrets nothing in the
	// input is or makes (a Secret, a cert-manager Certificate's secretName, an
	// ExternalSecret, a SealedSecret).
	MissingCertificates []MissingCertificate `json:"missingCertificates"`
}

// MissingCertificate is a certificateRef to a Secret the input lacks.
type MissingCertificate struct {
	Listener string    `json:"listener"`
	Pos      model.Pos `json:"pos"`
	// Secret is "namespace/name".
	Secret string `json:"secret"`
	// Others counts the Secrets the input does define in that namespace: without any,
	// the input says nothing of the namespace's Secrets (most are created outside
	// manifests).
	Others int `json:"others"`
}

// ListenerConflict is a listener that conflicts with an earlier one.
type ListenerConflict struct {
	// Reason is ProtocolConflict or HostnameConflict, as the Gateway API names them.
	Reason string `json:"reason"`
	// Listener and Other are "name" for the Gateway's listeners and "ns/ListenerSet/x:name"
	// for a ListenerSet's; Pos is the later listener's port.
	Listener string    `json:"listener"`
	Other    string    `json:"other"`
	Pos      model.Pos `json:"pos"`
	// OtherPos is the earlier listener's port.
	OtherPos model.Pos `json:"otherPos"`
	Message  string    `json:"message"`
}

// ListenerProblem is something wrong with one listener, at Pos.
type ListenerProblem struct {
	Listener string    `json:"listener"`
	Pos      model.Pos `json:"pos"`
	Message  string    `json:"message"`
	Hint     string    `json:"hint"`
	// Namespace, for a certificate grant, is the certificate's namespace, and
	// NamespaceKnown whether the input holds objects of it.
	Namespace      string `json:"namespace"`
	NamespaceKnown bool   `json:"namespaceKnown"`
}

// gatewayFacts judges every Gateway.
func (f *Facts) gatewayFacts() map[string]*GatewayFacts {
	g := f.graph
	classes := map[string]string{}
	for _, gc := range g.GatewayClasses {
		classes[gc.Name] = gc.ID
	}
	gw := newGatewayIndex(g)
	secrets, perNamespace := map[string]bool{}, map[string]int{}
	for _, s := range g.Secrets {
		if s.SecretName != "" {
			secrets[s.Namespace+"/"+s.SecretName] = true
			perNamespace[s.Namespace]++
		}
	}
	out := make(map[string]*GatewayFacts, len(g.Gateways))
	for _, gateway := range g.Gateways {
		gf := &GatewayFacts{Class: classes[gateway.ClassName], Conflicts: []ListenerConflict{}, TLS: []ListenerProblem{},
			CertificateGrants: []ListenerProblem{}, MissingCertificates: []MissingCertificate{}}
		merged := []namedListener{}
		for _, l := range gateway.Listeners {
			merged = append(merged, namedListener{l.Name, l})
		}
		for _, ls := range g.ListenerSets {
			if model.ID(refNamespace(ls.Parent, ls.Namespace), "Gateway", ls.Parent.Name) == gateway.ID && f.listenerSetRefused(gw, ls) == "" {
				for _, l := range ls.Listeners {
					merged = append(merged, namedListener{ls.ID + ":" + l.Name, l})
				}
			}
		}
		gf.Conflicts = listenerConflicts(merged)
		for _, l := range gateway.Listeners {
			if p := listenerTLSProblem(l); p != nil {
				gf.TLS = append(gf.TLS, *p)
			}
			if l.TLS == nil {
				continue
			}
			for _, ref := range l.TLS.CertificateRefs {
				ns := refNamespace(ref, gateway.Namespace)
				if ref.Group == "" && ref.Kind == "Secret" && !secrets[ns+"/"+ref.Name] {
					gf.MissingCertificates = append(gf.MissingCertificates, MissingCertificate{Listener: l.Name, Pos: ref.Pos,
						Secret: ns + "/" + ref.Name, Others: perNamespace[ns]})
				}
				if ns != gateway.Namespace && !gw.granted(model.GatewayGroup, "Gateway", gateway.Namespace, ref.Group, ref.Kind, ns, ref.Name) {
					gf.CertificateGrants = append(gf.CertificateGrants, ListenerProblem{Listener: l.Name, Pos: ref.Pos, Namespace: ns, NamespaceKnown: g.Namespace(ns) != nil,
						Message: fmt.Sprintf("listener %s's certificate %s/%s %s is in another namespace, and no ReferenceGrant there admits Gateways of namespace %s", l.Name, ns, ref.Kind, ref.Name, gateway.Namespace),
						Hint:    fmt.Sprintf("add a ReferenceGrant in namespace %s from {group: %s, kind: Gateway, namespace: %s} to {group: \"%s\", kind: %s, name: %s}", ns, model.GatewayGroup, gateway.Namespace, ref.Group, ref.Kind, ref.Name)})
				}
			}
		}
		out[gateway.ID] = gf
	}
	return out
}

// namedListener is a listener with the name findings give it.
type namedListener struct {
	name string
	l    model.Listener
}

// transport groups protocols that cannot share a port: HTTP; HTTPS and TLS (told apart
// by SNI); TCP; UDP, which does not share TCP's ports at all.
func transport(protocol string) (l4, class string) {
	switch protocol {
	case "UDP":
		return "UDP", "UDP"
	case "HTTPS", "TLS":
		return "TCP", "TLS"
	}
	return "TCP", protocol
}

// listenerConflicts finds the listeners, in precedence order, that conflict with an
// earlier one on the same port: the first wins, and a listener that lost does not
// make later ones lose (as across ListenerSets; within one Gateway the controller
// accepts none of them, and the later one is where the finding points).
func listenerConflicts(ls []namedListener) []ListenerConflict {
	out := []ListenerConflict{}
	var winners []namedListener
	for _, b := range ls {
		lost := false
		for _, a := range winners {
			if a.l.Port != b.l.Port || a.l.Port == 0 {
				continue
			}
			l4a, ca := transport(a.l.Protocol)
			l4b, cb := transport(b.l.Protocol)
			if l4a != l4b {
				continue
			}
			c := ListenerConflict{Listener: b.name, Other: a.name, Pos: b.l.PortPos, OtherPos: a.l.PortPos}
			switch {
			case ca != cb:
				c.Reason = "ProtocolConflict"
				c.Message = fmt.Sprintf("listener %s (%s) and listener %s (%s) share port %d, which cannot carry both protocols", b.name, b.l.Protocol, a.name, a.l.Protocol, b.l.Port)
			case a.l.Protocol == b.l.Protocol && (a.l.Hostname == b.l.Hostname || b.l.Protocol == "TCP"):
				c.Reason = "HostnameConflict"
				host := "no hostname"
				if b.l.Hostname != "" {
					host = "hostname " + b.l.Hostname
				}
				c.Message = fmt.Sprintf("listener %s and listener %s are both %s on port %d with %s: they cannot be told apart", b.name, a.name, b.l.Protocol, b.l.Port, host)
			default:
				continue
			}
			out = append(out, c)
			lost = true
			break
		}
		if !lost {
			winners = append(winners, b)
		}
	}
	return out
}

// listenerTLSProblem says what is wrong with a listener's tls block for its protocol.
func listenerTLSProblem(l model.Listener) *ListenerProblem {
	p := &ListenerProblem{Listener: l.Name, Pos: l.ProtocolPos}
	switch {
	case l.TLS != nil && (l.Protocol == "HTTP" || l.Protocol == "TCP" || l.Protocol == "UDP"):
		p.Pos = l.TLS.Pos
		p.Message = fmt.Sprintf("listener %s is %s, which takes no tls block (the API server refuses it)", l.Name, l.Protocol)
		p.Hint = "remove tls, or make the listener HTTPS or TLS"
	case l.TLS == nil && (l.Protocol == "HTTPS" || l.Protocol == "TLS"):
		p.Message = fmt.Sprintf("listener %s is %s but has no tls block: no certificate to terminate with", l.Name, l.Protocol)
		p.Hint = "add tls.certificateRefs naming the Secret with the certificate (or tls.mode: Passthrough on a TLS listener)"
	case l.TLS == nil:
		return nil
	case l.Protocol == "HTTPS" && l.TLS.Mode == "Passthrough":
		p.Pos = l.TLS.ModePos
		p.Message = fmt.Sprintf("listener %s is HTTPS with tls.mode Passthrough; HTTPS terminates TLS (the API server refuses it)", l.Name)
		p.Hint = "use protocol: TLS with TLSRoutes to pass TLS through, or mode: Terminate"
	case l.TLS.Mode == "Terminate" && len(l.TLS.CertificateRefs) == 0 && !l.TLS.Options:
		p.Pos = l.TLS.Pos
		p.Message = fmt.Sprintf("listener %s terminates TLS but names no certificate (tls.certificateRefs is empty)", l.Name)
		p.Hint = "add tls.certificateRefs naming the Secret with the certificate"
	default:
		return nil
	}
	return p
}

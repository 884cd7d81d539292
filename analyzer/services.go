package analyzer

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// ServiceFacts describes what a Service reaches.
type ServiceFacts struct {
	// Selects lists the workloads whose pod template the selector matches.
	Selects []string `json:"selects"`
	// PodCreators lists custom resources in the Service's namespace that may create
	// pods kubenet cannot see (set only when Selects is empty).
	PodCreators []string `json:"podCreators"`
	// Assumed says, in words, which pods outside the input's pod templates the selector
	// matches when it matches no workload of the input: pods a custom resource may create
	// with other labels of its spec, the cluster DNS pods or an ingress controller kubenet
	// assumes, or a namespace the configuration declares external. "" otherwise.
	Assumed string `json:"assumed"`
	// Skipped is a build kubenet did not build (a kustomization, a Helm chart) that may
	// define the pods, when the selector matches none.
	Skipped string `json:"skipped"`
	// Through names the sidecar injector whose labels the selector needs to match the
	// selected pods ("" when their own labels match).
	Through string `json:"through"`
	// NamespaceWorkloads counts the workloads of the Service's namespace in the input;
	// when it is 0 the pods are likely deployed from other manifests.
	NamespaceWorkloads int `json:"namespaceWorkloads"`
	// Hint suggests the closest pod labels when Selects is empty.
	Hint string `json:"hint"`
	// Blame is the selector key the hint would change, "" when no single key is at fault.
	Blame string `json:"blame"`
	// Ports is index-aligned with the Service's ports.
	Ports []PortFacts `json:"ports"`
}

// Port resolution statuses.
const (
	// PortOK: at least one selected workload declares the target port (by name and
	// protocol, or by number and protocol).
	PortOK = "ok"
	// PortUnchecked: nothing to check against (no selected workload with known containers).
	PortUnchecked = "unchecked"
	// PortNameUndeclared: no selected pod declares a port of that name.
	PortNameUndeclared = "name-undeclared"
	// PortNameProtocol: the name is declared, but only for other protocols.
	PortNameProtocol = "name-protocol-mismatch"
	// PortNumberUndeclared: the selected pods declare ports or probe ports, and none of
	// them, nor a port their env or args configure, is that number.
	PortNumberUndeclared = "number-undeclared"
	// PortNumberUnknown: a number the selected pods neither declare nor probe, but they
	// declare and probe no port at all: no evidence either way.
	PortNumberUnknown = "number-unknown"
)

// PortFacts tells what a Service port's targetPort resolves to on the selected pods.
type PortFacts struct {
	Status string `json:"status"`
	// Resolved lists the container port numbers a named targetPort resolves to.
	Resolved []int `json:"resolved"`
	// Declared describes the ports the selected pods declare, e.g. "http (8080/TCP)".
	Declared []string `json:"declared"`
	// Evidence says what the selected pods are known to listen on when the target port
	// is not among it, e.g. "declared 8080/TCP; readinessProbe 8081".
	Evidence string `json:"evidence"`
	// Hint suggests a fix, e.g. the closest declared port name.
	Hint string `json:"hint"`
}

func workloadIDs(ws []*model.Workload) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.ID
	}
	return out
}

func (f *Facts) serviceFacts() map[string]*ServiceFacts {
	g := f.graph
	creators := f.creators()
	listen := newListenIndex(f.configMaps())
	out := make(map[string]*ServiceFacts, len(g.Services))
	for _, s := range g.Services {
		sf := &ServiceFacts{Selects: []string{}, PodCreators: []string{}, Ports: make([]PortFacts, len(s.Ports)),
			NamespaceWorkloads: len(g.WorkloadsIn(s.Namespace))}
		out[s.ID] = sf
		if s.Selector == nil || s.Type == "ExternalName" {
			for i := range sf.Ports {
				sf.Ports[i] = PortFacts{Status: PortUnchecked, Resolved: []int{}, Declared: []string{}}
			}
			continue
		}
		sel := f.sel.subset(s.Namespace, s.Selector)
		sf.Selects = workloadIDs(sel)
		sf.Through = injectedOnly(s.Selector, sel)
		if len(sel) == 0 {
			sf.Assumed = f.assumedPods(s)
		}
		if len(sel) == 0 && sf.Assumed == "" {
			sf.Skipped = f.skippedFor(s.Namespace)
			sf.PodCreators = creators[s.Namespace]
			if sf.PodCreators == nil {
				sf.PodCreators = []string{}
			}
			sf.Hint, sf.Blame = f.selectorHint(s)
		}
		for i, p := range s.Ports {
			sf.Ports[i] = resolvePort(p, sel, listen)
		}
	}
	return out
}

// assumedPods names pods outside the input's pod templates that a selector matches:
// pods a custom resource may create with other labels of its spec (an Argo Rollout's
// experiment), the cluster DNS pods (a NodeLocal DNSCache manifest's
// kube-dns-upstream Service selects them), or an ingress controller in its namespace.
func (f *Facts) assumedPods(s *model.Service) string {
	if f.graph.External.NamespaceExternal(s.Namespace) {
		return "pods of namespace " + s.Namespace + ", declared outside the input (.kubenet.yaml cluster.external)"
	}
	for _, w := range f.graph.WorkloadsIn(s.Namespace) {
		for _, labels := range w.ExtraPodLabels {
			if len(s.Selector) > 0 && model.SubsetOf(s.Selector, labels) {
				return "pods " + w.ID + " may create (labels in its spec)"
			}
		}
	}
	if s.Namespace == f.cfg.DNS.Namespace && compatible(s.Selector, f.cfg.DNS.Labels) {
		return "the cluster DNS pods"
	}
	for _, c := range f.cfg.IngressControllers {
		if c.Namespace != "" && s.Namespace == c.Namespace && compatible(s.Selector, c.Labels) {
			return "the ingress controller " + c.Name
		}
	}
	return ""
}

// injectedOnly names the injector whose labels every selected workload needs to match
// the selector, or "".
func injectedOnly(sel map[string]string, ws []*model.Workload) string {
	by := ""
	for _, w := range ws {
		needs := ""
		for k := range sel {
			if inj := w.InjectedLabels[k]; inj != "" {
				needs = inj
			}
		}
		if needs == "" {
			return ""
		}
		by = needs
	}
	return by
}

// compatible: a selector may match pods of which only some labels are known: it names
// at least one of them, with the same value, and none with another value.
func compatible(sel, known map[string]string) bool {
	shared := 0
	for k, v := range sel {
		if kv, ok := known[k]; ok {
			if kv != v {
				return false
			}
			shared++
		}
	}
	return shared > 0
}

// podCreators lists, per namespace, custom resources that are not known pod sources
// but may create pods (operators, rollouts, ...).
func podCreators(g *model.Graph) map[string][]string {
	pod := map[string]bool{}
	for _, w := range g.Workloads {
		pod[w.ID] = true
	}
	out := map[string][]string{}
	seen := map[string]bool{}
	for _, o := range g.Objects {
		if o.Namespace == "" || model.KnownGroup(o.Group()) || pod[o.ID] || inertCustomKinds[o.Kind] {
			continue
		}
		if !seen[o.ID] {
			seen[o.ID] = true
			out[o.Namespace] = append(out[o.Namespace], o.ID)
		}
	}
	return out
}

// inertCustomKinds are well-known custom resources that never create pods.
var inertCustomKinds = map[string]bool{
	"ServiceMonitor": true, "PodMonitor": true, "PrometheusRule": true, "Probe": true,
	"ScrapeConfig": true, "AlertmanagerConfig": true, "Certificate": true, "Issuer": true,
	"CertificateRequest": true, "SealedSecret": true, "ExternalSecret": true, "SecretStore": true,
	"Kustomization": true, "Component": true,
}

// selectorHint finds the workload whose pod labels are closest to the selector, and the
// selector key to change when it is one.
func (f *Facts) selectorHint(s *model.Service) (hint, blame string) {
	g := f.graph
	type cand struct {
		w     *model.Workload
		score int
		fix   []string
		keys  []string
	}
	var best *cand
	for _, w := range g.WorkloadsIn(s.Namespace) {
		c := cand{w: w}
		for _, k := range slices.Sorted(maps.Keys(s.Selector)) {
			v := s.Selector[k]
			if wv, ok := w.PodLabels[k]; ok {
				if wv == v {
					c.score += 100
					continue
				}
				if d := distance(v, wv); d <= maxTypos(v) || strings.Contains(wv, v) || strings.Contains(v, wv) {
					c.score += 50 - d
					c.fix = append(c.fix, fmt.Sprintf("%s: %s", k, wv))
					c.keys = append(c.keys, k)
				} else {
					c.score -= 1000 // a different value: another workload, not a typo
				}
				continue
			}
			// A misspelt key with the same value?
			for _, wk := range slices.Sorted(maps.Keys(w.PodLabels)) {
				if w.PodLabels[wk] == v && distance(k, wk) <= maxTypos(k) {
					c.score += 40
					c.fix = append(c.fix, fmt.Sprintf("%s: %s", wk, v))
					c.keys = append(c.keys, k)
					break
				}
			}
		}
		if c.score > 0 && len(c.fix) > 0 && (best == nil || c.score > best.score) {
			cc := c
			best = &cc
		}
	}
	if best != nil && len(best.fix) > 0 {
		if len(best.keys) == 1 {
			blame = best.keys[0]
		}
		return fmt.Sprintf("did you mean `%s`? (pod labels of %s: %s)", strings.Join(best.fix, ", "), best.w.ID, model.FormatLabels(best.w.PodLabels)), blame
	}
	// Pods with these labels in another namespace?
	var elsewhere []string
	for _, ns := range g.Namespaces {
		if ns.Name == s.Namespace {
			continue
		}
		if ws := f.sel.subset(ns.Name, s.Selector); len(ws) > 0 {
			elsewhere = append(elsewhere, ws[0].ID)
		}
	}
	if len(elsewhere) > 0 {
		return fmt.Sprintf("matching pods exist in another namespace (%s); a Service selects pods of its own namespace only", strings.Join(elsewhere, ", ")), ""
	}
	if len(g.WorkloadsIn(s.Namespace)) == 0 {
		return fmt.Sprintf("the input has no workload in namespace %s; if the pods are deployed from elsewhere, lint those manifests together", s.Namespace), ""
	}
	return "make the selector a subset of the pod template labels of the workload it should expose", ""
}

// resolvePort resolves a Service port against the selected workloads the way the
// endpoints controller does: a named targetPort is looked up by name and protocol in
// each pod's serving containers; a number is forwarded as is.
func resolvePort(p model.ServicePort, sel []*model.Workload, listen *listenIndex) PortFacts {
	pf := PortFacts{Status: PortUnchecked, Resolved: []int{}, Declared: []string{}}
	var known []*model.Workload
	for _, w := range sel {
		if !w.ContainersKnown || w.Invalid {
			// An operator generates the containers, or the manifest-invalid finding on the
			// workload comes first: nothing reliable to check against.
			return pf
		}
		known = append(known, w)
	}
	if len(known) == 0 {
		return pf
	}
	declared := map[string]bool{}
	var names []string
	nameFound, otherProto, numFound := false, map[string]bool{}, false
	resolved := map[int]bool{}
	ev := listenEvidence{probed: map[int]string{}, configured: map[int]string{}}
	for _, w := range known {
		we := listen.of(w)
		maps.Copy(ev.probed, we.probed)
		maps.Copy(ev.configured, we.configured)
		for ci := range w.Containers {
			c := &w.Containers[ci]
			if !c.Serves() {
				continue
			}
			for _, cp := range c.Ports {
				d := fmt.Sprintf("%d/%s", cp.ContainerPort, cp.Protocol)
				if cp.Name != "" {
					d = fmt.Sprintf("%s (%d/%s)", cp.Name, cp.ContainerPort, cp.Protocol)
					if cp.Protocol == p.Protocol {
						names = append(names, cp.Name)
					}
				}
				if !declared[d] {
					declared[d] = true
					pf.Declared = append(pf.Declared, d)
				}
				if p.TargetPort.IsStr {
					if cp.Name == p.TargetPort.Str {
						if cp.Protocol == p.Protocol {
							nameFound = true
							resolved[cp.ContainerPort] = true
						} else {
							otherProto[cp.Protocol] = true
						}
					}
				} else if cp.ContainerPort == p.TargetPort.Int {
					if cp.Protocol == p.Protocol {
						numFound = true
					} else {
						otherProto[cp.Protocol] = true
					}
				}
			}
		}
	}
	sort.Strings(pf.Declared)
	for n := range resolved {
		pf.Resolved = append(pf.Resolved, n)
	}
	sort.Ints(pf.Resolved)
	found := nameFound
	if !p.TargetPort.IsStr {
		found = numFound
	}
	judgePort(&pf, p, found, names, slices.Sorted(maps.Keys(otherProto)), ev)
	return pf
}

// judgePort sets the status of Service port p in pf, whose Declared is set, with the
// evidence and a hint when the pods do not declare the target port. found is true
// when they declare it for p's protocol; names are the port names they declare for
// it, protos the other protocols they declare the target port for, and ev what else
// says they listen on.
func judgePort(pf *PortFacts, p model.ServicePort, found bool, names, protos []string, ev listenEvidence) {
	switch {
	case found:
		pf.Status = PortOK
	case p.TargetPort.IsStr && len(protos) > 0:
		pf.Status = PortNameProtocol
		pf.Hint = fmt.Sprintf("the pods declare %q for %s only; set protocol: %s on the Service port, or declare the port for %s", p.TargetPort.Str, strings.Join(protos, ", "), protos[0], p.Protocol)
	case p.TargetPort.IsStr:
		pf.Status = PortNameUndeclared
		if m := closest(p.TargetPort.Str, names); m != "" {
			pf.Hint = fmt.Sprintf("did you mean `targetPort: %s`?", m)
		} else if len(pf.Declared) > 0 {
			pf.Hint = "the selected pods declare " + strings.Join(pf.Declared, ", ")
		} else {
			pf.Hint = "the selected pods declare no ports; add the named port to the container, or use the port number"
		}
	case p.Protocol == "TCP" && ev.probed[p.TargetPort.Int] != "":
		pf.Status = PortOK // a probe connects to it
	case ev.configured[p.TargetPort.Int] != "":
		pf.Status = PortOK // env or args tell the process to listen on it
	case len(pf.Declared) == 0 && len(ev.probed) == 0:
		pf.Status = PortNumberUnknown
	default:
		pf.Status = PortNumberUndeclared
		pf.Evidence = listenSummary(pf.Declared, ev)
		switch {
		case len(protos) > 0:
			pf.Hint = fmt.Sprintf("the pods declare %d for %s only", p.TargetPort.Int, strings.Join(protos, ", "))
		case len(pf.Declared) == 1 && len(ev.probed) == 0:
			pf.Hint = fmt.Sprintf("did you mean `targetPort: %s`? If the container listens on %d, declare it in its ports", declaredNumber(pf.Declared[0]), p.TargetPort.Int)
		default:
			pf.Hint = "point targetPort at a port the container listens on; if it listens on " + strconv.Itoa(p.TargetPort.Int) + ", declare it in its ports"
		}
	}
}

// listenSummary says what the pods are known to listen on: declared ports and probe
// ports, e.g. "declared http (8080/TCP); readinessProbe 8081".
func listenSummary(declared []string, ev listenEvidence) string {
	var parts []string
	if len(declared) > 0 {
		parts = append(parts, "declared "+strings.Join(declared, ", "))
	}
	for _, port := range slices.Sorted(maps.Keys(ev.probed)) {
		parts = append(parts, fmt.Sprintf("%s %d", ev.probed[port], port))
	}
	return strings.Join(parts, "; ")
}

// declaredNumber is the port number of a declared-port description ("http (8080/TCP)"
// or "8080/TCP").
func declaredNumber(d string) string {
	if i := strings.LastIndex(d, "("); i >= 0 {
		d = d[i+1:]
	}
	n, _, _ := strings.Cut(d, "/")
	return n
}

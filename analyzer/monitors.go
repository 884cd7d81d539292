package analyzer

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// MonitorFacts tells what a ServiceMonitor or PodMonitor scrapes.
type MonitorFacts struct {
	// Namespaces are the namespaces it looks in ("*" for any).
	Namespaces []string `json:"namespaces"`
	// Selects lists the Services (ServiceMonitor) or workloads (PodMonitor) its selector
	// matches there.
	Selects []string `json:"selects"`
	// Candidates counts the Services (or workloads) of those namespaces in the input:
	// with none, the input says nothing of what the monitor would find.
	Candidates int `json:"candidates"`
	// Skipped is a build kubenet did not build that may define what the selector wants.
	Skipped string `json:"skipped"`
	// PodCreators lists, when Selects is empty, custom resources of the namespaces it
	// looks in that may create pods (and Services) kubenet cannot see.
	PodCreators []string `json:"podCreators"`
	// External is true when every namespace it looks in is declared to live outside
	// the input (.kubenet.yaml cluster.external).
	External bool `json:"external"`
	// Hint suggests a fix when the selector matches nothing.
	Hint string `json:"hint"`
	// Endpoints is index-aligned with the monitor's endpoints.
	Endpoints []MonitorEndpointFacts `json:"endpoints"`
}

// Monitor endpoint statuses.
const (
	// EndpointOK: every selected Service (or pod) has the port.
	EndpointOK = "ok"
	// EndpointUnchecked: nothing to check it against.
	EndpointUnchecked = "unchecked"
	// EndpointPortMissing: no selected Service (pod) has a port of that name.
	EndpointPortMissing = "port-missing"
	// EndpointTargetPortMissing: no selected pod declares the named targetPort.
	EndpointTargetPortMissing = "target-port-missing"
)

// MonitorEndpointFacts judges one endpoint's port against what the monitor selects.
type MonitorEndpointFacts struct {
	Status string `json:"status"`
	// Ports are the port names the selected Services (pods) have.
	Ports []string `json:"ports"`
	Hint  string   `json:"hint"`
}

func (f *Facts) monitorFacts() map[string]*MonitorFacts {
	g := f.graph
	out := make(map[string]*MonitorFacts, len(g.Monitors))
	for _, m := range g.Monitors {
		if m.Invalid {
			continue
		}
		mf := &MonitorFacts{Selects: []string{}, PodCreators: []string{}, Endpoints: make([]MonitorEndpointFacts, len(m.Endpoints))}
		out[m.ID] = mf
		namespaces := monitorNamespaces(g, m)
		mf.Namespaces = namespaces
		if m.AnyNamespace {
			mf.Namespaces = []string{"*"}
		}
		var svcs []*model.Service
		var pods []*model.Workload
		for _, ns := range namespaces {
			if m.Kind == "ServiceMonitor" {
				for _, s := range g.ServicesIn(ns) {
					mf.Candidates++
					if m.Selector.Matches(s.Labels) {
						svcs = append(svcs, s)
						mf.Selects = append(mf.Selects, s.ID)
					}
				}
				continue
			}
			for _, w := range g.WorkloadsIn(ns) {
				mf.Candidates++
				if m.Selector.Matches(w.PodLabels) {
					pods = append(pods, w)
					mf.Selects = append(mf.Selects, w.ID)
				}
			}
		}
		if len(mf.Selects) == 0 && !m.AnyNamespace && allExternal(g, namespaces) {
			mf.External = true
		}
		if len(mf.Selects) == 0 {
			for _, ns := range namespaces {
				mf.PodCreators = append(mf.PodCreators, f.creators()[ns]...)
			}
			for _, ns := range namespaces {
				if sk := f.skippedFor(ns); sk != "" {
					mf.Skipped = sk
					break
				}
			}
			mf.Hint = monitorSelectorHint(g, m, namespaces)
		}
		for i, e := range m.Endpoints {
			if m.Kind == "ServiceMonitor" {
				mf.Endpoints[i] = f.serviceMonitorEndpoint(e, svcs)
			} else {
				mf.Endpoints[i] = podMonitorEndpoint(e, pods)
			}
		}
	}
	return out
}

func allExternal(g *model.Graph, namespaces []string) bool {
	for _, ns := range namespaces {
		if !g.External.NamespaceExternal(ns) {
			return false
		}
	}
	return len(namespaces) > 0
}

// monitorNamespaces are the namespaces of the input a monitor looks in.
func monitorNamespaces(g *model.Graph, m *model.Monitor) []string {
	switch {
	case m.AnyNamespace:
		var all []string
		for _, ns := range g.Namespaces {
			all = append(all, ns.Name)
		}
		return all
	case len(m.Namespaces) > 0:
		return m.Namespaces
	}
	return []string{m.Namespace}
}

// monitorSelectorHint names the closest labels of what the monitor could select.
func monitorSelectorHint(g *model.Graph, m *model.Monitor, namespaces []string) string {
	var labelSets []string
	for _, ns := range namespaces {
		if m.Kind == "ServiceMonitor" {
			for _, s := range g.ServicesIn(ns) {
				if len(s.Labels) > 0 {
					labelSets = append(labelSets, fmt.Sprintf("%s: %s", s.ID, model.FormatLabels(s.Labels)))
				}
			}
			continue
		}
		for _, w := range g.WorkloadsIn(ns) {
			labelSets = append(labelSets, fmt.Sprintf("%s: %s", w.ID, model.FormatLabels(w.PodLabels)))
		}
	}
	what := "Services, by their own labels (metadata.labels, not the selector)"
	if m.Kind == "PodMonitor" {
		what = "pods, by their pod template labels"
	}
	if len(labelSets) == 0 {
		return "a " + m.Kind + " selects " + what
	}
	sort.Strings(labelSets)
	if len(labelSets) > 3 {
		labelSets = append(labelSets[:3], "...")
	}
	return fmt.Sprintf("a %s selects %s; labels there: %s", m.Kind, what, strings.Join(labelSets, "; "))
}

// serviceMonitorEndpoint: endpoints[].port names a port of each selected Service;
// targetPort, a container port of the pods behind it.
func (f *Facts) serviceMonitorEndpoint(e model.MonitorEndpoint, svcs []*model.Service) MonitorEndpointFacts {
	ef := MonitorEndpointFacts{Status: EndpointUnchecked, Ports: []string{}}
	if len(svcs) == 0 {
		return ef
	}
	if e.Port != "" {
		found := false
		for _, s := range svcs {
			if s.PortsUnknown {
				return ef
			}
			for _, p := range s.Ports {
				if p.Name == e.Port {
					found = true
				}
				if p.Name != "" && !slices.Contains(ef.Ports, p.Name) {
					ef.Ports = append(ef.Ports, p.Name)
				}
			}
		}
		sort.Strings(ef.Ports)
		if !found {
			ef.Status = EndpointPortMissing
			ef.Hint = portNameHint("port", e.Port, ef.Ports, "the selected Services name no port; name the Service port and use that name")
			return ef
		}
		ef.Status = EndpointOK
		return ef
	}
	if e.TargetPort != nil && e.TargetPort.IsStr {
		var ws []*model.Workload
		for _, s := range svcs {
			for _, id := range f.Services[s.ID].Selects {
				if w := f.workload(id); w != nil {
					ws = append(ws, w)
				}
			}
		}
		return containerPortName(e.TargetPort.Str, ws, EndpointTargetPortMissing, "targetPort")
	}
	return ef
}

// podMonitorEndpoint: podMetricsEndpoints[].port names a container port of the pods.
func podMonitorEndpoint(e model.MonitorEndpoint, pods []*model.Workload) MonitorEndpointFacts {
	name, status, field := e.Port, EndpointPortMissing, "port"
	if name == "" && e.TargetPort != nil && e.TargetPort.IsStr {
		name, status, field = e.TargetPort.Str, EndpointTargetPortMissing, "targetPort"
	}
	if name == "" {
		return MonitorEndpointFacts{Status: EndpointUnchecked, Ports: []string{}}
	}
	return containerPortName(name, pods, status, field)
}

// containerPortName checks that some serving container of the workloads declares a
// port of that name.
func containerPortName(name string, ws []*model.Workload, missing, field string) MonitorEndpointFacts {
	ef := MonitorEndpointFacts{Status: EndpointUnchecked, Ports: []string{}}
	if len(ws) == 0 {
		return ef
	}
	found := false
	for _, w := range ws {
		if !w.ContainersKnown || w.Invalid {
			return ef // an operator makes the containers: their ports are unknown
		}
		for ci := range w.Containers {
			c := &w.Containers[ci]
			if !c.Serves() {
				continue
			}
			for _, p := range c.Ports {
				if p.Name == name {
					found = true
				}
				if p.Name != "" && !slices.Contains(ef.Ports, p.Name) {
					ef.Ports = append(ef.Ports, p.Name)
				}
			}
		}
	}
	sort.Strings(ef.Ports)
	if found {
		ef.Status = EndpointOK
		return ef
	}
	ef.Status = missing
	ef.Hint = portNameHint(field, name, ef.Ports, "the selected pods name no container port; name the port in the container's ports")
	return ef
}

func portNameHint(field, name string, names []string, none string) string {
	if m := closest(name, names); m != "" {
		return fmt.Sprintf("did you mean `%s: %s`?", field, m)
	}
	if len(names) == 0 {
		return none
	}
	return "ports there: " + strings.Join(names, ", ")
}

// workload finds a workload by id.
func (f *Facts) workload(id string) *model.Workload {
	parts := strings.SplitN(id, "/", 3)
	if len(parts) != 3 {
		return nil
	}
	for _, w := range f.graph.WorkloadsIn(parts[0]) {
		if w.ID == id {
			return w
		}
	}
	return nil
}

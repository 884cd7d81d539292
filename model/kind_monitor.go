package model

import (
	"strconv"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Monitor is a Prometheus operator ServiceMonitor or PodMonitor: what Prometheus
// scrapes. A ServiceMonitor selects Services by their labels and names the Service
// port of each endpoint; a PodMonitor selects pods and names a container port.
type Monitor struct {
	Object
	// Selector selects Services (ServiceMonitor) or pods (PodMonitor); its Pos is the
	// selector key.
	Selector Selector `json:"selector"`
	// AnyNamespace is namespaceSelector.any; Namespaces is namespaceSelector.matchNames.
	// With neither, the monitor's own namespace is the only one.
	AnyNamespace  bool     `json:"anyNamespace"`
	Namespaces    []string `json:"namespaces"`
	NamespacesPos Pos      `json:"namespacesPos"`
	// Endpoints are spec.endpoints (ServiceMonitor) or spec.podMetricsEndpoints.
	Endpoints []MonitorEndpoint `json:"endpoints"`
}

// MonitorEndpoint is one scrape endpoint of a monitor.
type MonitorEndpoint struct {
	// Port is the name of a Service port (ServiceMonitor) or container port (PodMonitor).
	Port    string `json:"port"`
	PortPos Pos    `json:"portPos"`
	// TargetPort (deprecated in both kinds) is a container port, by number or name.
	TargetPort    *IntOrString `json:"targetPort"`
	TargetPortPos Pos          `json:"targetPortPos"`
	Pos           Pos          `json:"pos"`
}

// buildMonitor reads a ServiceMonitor or PodMonitor. Its schema is the operator's to
// judge: a field of the wrong shape makes the monitor unjudged (Invalid), with no
// finding of kubenet's own.
func buildMonitor(c *docCtx, o *Object, n *yaml.Node) entity {
	quiet := &docCtx{file: c.file, off: c.off, doc: c.doc, res: &fileResult{}, remap: c.remap, lines: c.lines}
	m := &Monitor{Object: *o, Endpoints: []MonitorEndpoint{}}
	quiet.obj = &m.Object
	spec := val(n, "spec")
	sk, sv := field(spec, "selector")
	m.Selector = quiet.selector(sk, sv, "spec.selector")
	if sv == nil {
		m.Selector.Pos = c.pos(orNode(sk, n))
	}
	if ns := val(spec, "namespaceSelector"); ns != nil && ns.Kind == yaml.MappingNode {
		m.NamespacesPos = c.pos(ns)
		m.AnyNamespace = quiet.boolean(val(ns, "any"), "spec.namespaceSelector.any")
		for _, s := range quiet.stringList(val(ns, "matchNames"), "spec.namespaceSelector.matchNames") {
			m.Namespaces = append(m.Namespaces, s.Value)
		}
	}
	key := "endpoints"
	if o.Kind == "PodMonitor" {
		key = "podMetricsEndpoints"
	}
	for _, en := range quiet.seq(val(spec, key), "spec."+key) {
		if en.Kind != yaml.MappingNode {
			continue
		}
		e := MonitorEndpoint{Pos: c.pos(en)}
		pk, pv := field(en, "port")
		if pv != nil && pv.Kind == yaml.ScalarNode {
			e.Port, e.PortPos = pv.Value, c.pos(pk)
		}
		tk, tv := field(en, "targetPort")
		if tv != nil && tv.Kind == yaml.ScalarNode {
			if v, err := strconv.Atoi(tv.Value); err == nil && tv.ShortTag() == "!!int" {
				e.TargetPort = &IntOrString{Int: v}
			} else {
				e.TargetPort = &IntOrString{Str: tv.Value, IsStr: true}
			}
			e.TargetPortPos = c.pos(tk)
		}
		m.Endpoints = append(m.Endpoints, e)
	}
	if len(quiet.res.problems) > 0 {
		m.Invalid = true
	}
	return m
}

// object returns the monitor's header.
func (m *Monitor) object() *Object { return &m.Object }

// addTo lists the Monitor in the graph.
func (m *Monitor) addTo(a *assembly) { a.g.Monitors = append(a.g.Monitors, m) }

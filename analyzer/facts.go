// Package analyzer computes facts about a model.Graph: which pods a selector picks,
// which container port a Service port reaches, which names are close to a misspelt
// one. It never reports findings; rules judge the facts.
package analyzer

import (
	"sort"

	"github.com/kubenet/kubenet/model"
)

// Config holds the cluster assumptions facts depend on.
type Config struct {
	// NodePortMin and NodePortMax bound the API server's service-node-port-range.
	NodePortMin int `json:"nodePortMin"`
	NodePortMax int `json:"nodePortMax"`
}

// DefaultConfig is a stock cluster.
func DefaultConfig() Config { return Config{NodePortMin: 30000, NodePortMax: 32767} }

// Facts is everything computed about a graph, in the shape the Rego input documents
// under "facts".
type Facts struct {
	// Services maps a Service id to what its selector and ports reach.
	Services map[string]*ServiceFacts `json:"services"`
	// Backends maps an Ingress id to facts about each of its backends, index-aligned
	// with the Ingress's backends.
	Backends map[string][]BackendFacts `json:"backends"`
	// RouteConflicts lists host+path+pathType routes of one ingress class that lead to
	// different backends.
	RouteConflicts []RouteConflict `json:"routeConflicts"`
	// NodePortClaims lists node ports that more than one Service claims.
	NodePortClaims []NodePortClaim `json:"nodePortClaims"`

	graph *model.Graph
	sel   *selectionIndex
}

// New computes the facts of g.
func New(g *model.Graph) *Facts {
	f := &Facts{graph: g, sel: newSelectionIndex(g)}
	f.Services = f.serviceFacts()
	f.Backends = f.backendFacts()
	f.RouteConflicts = routeConflicts(g)
	f.NodePortClaims = nodePortClaims(g)
	return f
}

// Graph returns the graph the facts describe.
func (f *Facts) Graph() *model.Graph { return f.graph }

// SelectedBy returns the workloads whose pod labels contain every pair of sel, in
// namespace ns.
func (f *Facts) SelectedBy(ns string, sel map[string]string) []*model.Workload {
	return f.sel.subset(ns, sel)
}

// selectionIndex is an inverted index from namespace and label pair to workloads, so
// that matching a selector costs the length of its rarest pair, not of the namespace.
type selectionIndex struct {
	byPair map[string]map[string][]*model.Workload // ns -> "k=v" -> workloads (input order)
}

func newSelectionIndex(g *model.Graph) *selectionIndex {
	ix := &selectionIndex{byPair: map[string]map[string][]*model.Workload{}}
	for _, w := range g.Workloads {
		m := ix.byPair[w.Namespace]
		if m == nil {
			m = map[string][]*model.Workload{}
			ix.byPair[w.Namespace] = m
		}
		for k, v := range w.PodLabels {
			m[k+"="+v] = append(m[k+"="+v], w)
		}
	}
	return ix
}

func (ix *selectionIndex) subset(ns string, sel map[string]string) []*model.Workload {
	m := ix.byPair[ns]
	var best []*model.Workload
	first := true
	for k, v := range sel {
		l := m[k+"="+v]
		if len(l) == 0 {
			return nil
		}
		if first || len(l) < len(best) {
			best, first = l, false
		}
	}
	var out []*model.Workload
	for _, w := range best {
		if model.SubsetOf(sel, w.PodLabels) {
			out = append(out, w)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package analyzer

import (
	"slices"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Scoped returns g as a connection between pods of the given namespaces sees it: the
// namespaced policies of every other namespace (NetworkPolicies, CiliumNetworkPolicies,
// Calico NetworkPolicies) left out. Such a policy selects pods of its own namespace
// only, so it decides nothing about a connection whose ends are elsewhere: the verdict
// and its explanation are the same, and solving skips the policies of every other
// namespace (on a policy-per-application cluster, nearly all of them). Cluster-wide
// policies stay.
func Scoped(g *model.Graph, namespaces ...string) *model.Graph {
	in := make(map[string]bool, len(namespaces))
	for _, ns := range namespaces {
		in[ns] = true
	}
	s := *g
	// Clones: the graph scoped from stays as it is.
	s.Policies = slices.DeleteFunc(slices.Clone(g.Policies), func(p *model.Policy) bool { return !in[p.Namespace] })
	s.CiliumPolicies = slices.DeleteFunc(slices.Clone(g.CiliumPolicies), func(p *model.CiliumPolicy) bool { return !p.Clusterwide && !in[p.Namespace] })
	s.CalicoPolicies = slices.DeleteFunc(slices.Clone(g.CalicoPolicies), func(p *model.CalicoPolicy) bool { return !p.Global && !in[p.Namespace] })
	return &s
}

// NamespaceOf is the namespace of a node id (namespace/Kind/name), or "" for External
// and ids of no namespace.
func NamespaceOf(id string) string {
	ns, rest, ok := strings.Cut(id, "/")
	if !ok || !strings.Contains(rest, "/") {
		return ""
	}
	return ns
}

package analyzer_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// TestScopedKeepsWhatCanDecide: a graph scoped to namespaces keeps their namespaced
// policies and every cluster-wide one, and leaves the graph it came from as it was.
func TestScopedKeepsWhatCanDecide(t *testing.T) {
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "p.yaml", Data: []byte(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: a}
spec: {podSelector: {}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: c}
spec: {podSelector: {}}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: local, namespace: c}
spec: {endpointSelector: {}, ingress: [{}]}
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata: {name: everywhere}
spec: {endpointSelector: {}, ingress: [{}]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: local, namespace: c}
spec: {selector: all(), types: [Ingress]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: everywhere}
spec: {selector: all(), types: [Ingress]}
`)})
	s := analyzer.Scoped(g, "a", "b")
	ids := func(n int, id func(int) string) []string {
		var out []string
		for i := range n {
			out = append(out, id(i))
		}
		return out
	}
	assert.Equal(t, []string{"a/NetworkPolicy/deny"}, ids(len(s.Policies), func(i int) string { return s.Policies[i].ID }))
	require.Len(t, s.CiliumPolicies, 1)
	assert.True(t, s.CiliumPolicies[0].Clusterwide)
	require.Len(t, s.CalicoPolicies, 1)
	assert.True(t, s.CalicoPolicies[0].Global)
	assert.Len(t, g.Policies, 2, "the graph scoped is unchanged")
	assert.Len(t, g.CiliumPolicies, 2)
	assert.Len(t, g.CalicoPolicies, 2)
}

// TestScopedAgrees: on every case of the reachability truth tables and the examples,
// every connection between two workloads is judged and explained the same with the
// graph scoped to their namespaces as with the whole graph.
func TestScopedAgrees(t *testing.T) {
	dirs, err := filepath.Glob("../testdata/reach/*")
	require.NoError(t, err)
	dirs = append(dirs, "../examples/shop", "../examples/gateway", "../testdata/rules/networkpolicy-peer-orphaned/cilium-calico",
		"../testdata/rules/networkpolicy-peer-orphaned/cluster-peers", "../testdata/rules/policy-rule-shadowed/calico-after-networkpolicy")
	checked := 0
	for _, dir := range dirs {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			continue
		}
		g, err := model.Load(model.Options{DefaultNamespace: "default"}, dir)
		require.NoError(t, err, dir)
		whole := analyzer.New(g, analyzer.DefaultConfig())
		nodes := whole.Reach().Nodes()
		for _, from := range nodes {
			for _, to := range nodes {
				if to.Kind != analyzer.KindWorkload || from == to {
					continue
				}
				for _, port := range []string{"80/TCP", "8080/TCP", "53/UDP"} {
					want, werr := whole.Check(from.ID, to.ID, port)
					scoped := analyzer.New(analyzer.Scoped(g, analyzer.NamespaceOf(from.ID), analyzer.NamespaceOf(to.ID)), analyzer.DefaultConfig())
					got, gerr := scoped.Check(from.ID, to.ID, port)
					assert.Equal(t, werr, gerr, "%s: %s -> %s %s", dir, from.ID, to.ID, port)
					assert.Equal(t, want.Text, got.Text, "%s: %s -> %s %s", dir, from.ID, to.ID, port)
					assert.Equal(t, want.Allowed, got.Allowed)
					checked++
				}
			}
		}
	}
	assert.Greater(t, checked, 500)
}

func TestNamespaceOf(t *testing.T) {
	assert.Equal(t, "shop", analyzer.NamespaceOf("shop/Deployment/web"))
	assert.Equal(t, "kube-system", analyzer.NamespaceOf("kube-system/ClusterDNS/kube-dns"))
	assert.Empty(t, analyzer.NamespaceOf("External"))
	assert.Empty(t, analyzer.NamespaceOf("Namespace/shop"))
}

package model

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// same reports whether two maps are one map.
func same(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestLabelMapsShared: equal label maps of a file (labels, selectors, a Service's
// selector) are one map in the model, unequal ones are not, and every map keeps its
// contents, however its keys and values would concatenate.
func TestLabelMapsShared(t *testing.T) {
	g := LoadBytes(Options{}, NamedData{Name: "a.yaml", Data: []byte(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web, tier: front}}
    spec: {containers: [{name: c, image: i}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: a, labels: {tier: front, app: web}}
spec: {selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: a}
spec:
  podSelector: {matchLabels: {app: webx}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: w, ebx: ""}}}]
`)})
	require.Empty(t, g.Problems)
	require.Len(t, g.Workloads, 1)
	require.Len(t, g.Services, 1)
	require.Len(t, g.Policies, 1)
	w, s, p := g.Workloads[0], g.Services[0], g.Policies[0]

	assert.True(t, same(w.Labels, s.Selector), "metadata.labels and a Service's selector")
	assert.True(t, same(w.PodLabels, s.Labels), "pod labels and a Service's labels, keys in another order")
	assert.False(t, same(w.Labels, w.PodLabels))
	assert.False(t, same(w.Labels, p.PodSelector.MatchLabels))
	assert.Equal(t, map[string]string{"app": "webx"}, p.PodSelector.MatchLabels)
	peer := p.Ingress[0].Peers[0].PodSelector
	require.NotNil(t, peer)
	assert.Equal(t, map[string]string{"app": "w", "ebx": ""}, peer.MatchLabels)
	assert.Equal(t, map[string]string{"app": "web", "tier": "front"}, w.PodLabels)
}

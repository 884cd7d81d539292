package model

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const loadData = "../testdata/load"

// markedLines returns the 1-based lines of src whose text contains marker.
func markedLines(src, marker string) []int {
	out := []int{}
	for i, l := range strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n") {
		if strings.Contains(l, marker) {
			out = append(out, i+1)
		}
	}
	return out
}

func sortedLines(ps []Pos, file string) []int {
	out := []int{}
	for _, p := range ps {
		if p.File == file {
			out = append(out, p.Line)
		}
	}
	sort.Ints(out)
	return out
}

// TestTestdataLoad loads testdata/load as a folder and checks the markers in each
// YAML file: "# @obj" on the line of every object's metadata.name, "# @invalid" on the
// line of every Invalid problem, "# @dup" on the line of every Duplicate.
func TestTestdataLoad(t *testing.T) {
	g, err := Load(Options{}, loadData)
	require.NoError(t, err)
	entries, err := os.ReadDir(loadData)
	require.NoError(t, err)

	var objPos, invPos, dupPos []Pos
	for _, o := range g.Objects {
		objPos = append(objPos, o.Pos)
	}
	for _, p := range g.Problems {
		switch p.Kind {
		case Invalid:
			invPos = append(invPos, p.Pos)
		case Duplicate:
			dupPos = append(dupPos, p.Pos)
		}
	}
	yamlFiles := 0
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		yamlFiles++
		name := filepath.Join(loadData, e.Name())
		t.Run(e.Name(), func(t *testing.T) {
			b, err := os.ReadFile(name)
			require.NoError(t, err)
			src := string(b)
			assert.Equal(t, markedLines(src, "@obj"), sortedLines(objPos, name), "object lines")
			assert.Equal(t, markedLines(src, "@invalid"), sortedLines(invPos, name), "invalid lines%s", dumpProblems(g))
			assert.Equal(t, markedLines(src, "@dup"), sortedLines(dupPos, name), "duplicate lines")
		})
	}
	assert.GreaterOrEqual(t, yamlFiles, 8)
	assert.Empty(t, problems(g, Notice))

	t.Run("crlf.yaml", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(loadData, "crlf.yaml"))
		require.NoError(t, err)
		require.Contains(t, string(b), "\r\n", "the fixture must keep its CRLF line endings")
		s := g.Service("shop", "crlf")
		require.NotNil(t, s)
		assert.Equal(t, map[string]string{"app": "web"}, s.Selector, "no stray \\r in values")
	})
	t.Run("bom.yaml", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(loadData, "bom.yaml"))
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(b), "\ufeff"), "the fixture must keep its BOM")
		o := object(t, g, "default/ConfigMap/bom")
		assert.Equal(t, "v1", o.APIVersion)
		assert.Equal(t, Pos{File: filepath.Join(loadData, "bom.yaml"), Line: 1, Column: 13}, o.APIVersionPos)
	})
	t.Run("k8s-docs-flow.yaml", func(t *testing.T) {
		name := filepath.Join(loadData, "k8s-docs-flow.yaml")
		b, err := os.ReadFile(name)
		require.NoError(t, err)
		w := workload(t, g, "default/Deployment/json-web")
		assert.Equal(t, Pos{File: name, Line: lineOf(t, string(b), `"name": "json-web"`), Column: 13}, w.Pos)
		assert.Equal(t, map[string]string{"app": "json-web", "tier": "front"}, w.PodLabels)
		require.Len(t, w.Containers, 1)
		require.Len(t, w.Containers[0].Ports, 1)
		assert.Equal(t, 80, w.Containers[0].Ports[0].ContainerPort)
		assert.Equal(t, lineOf(t, string(b), `"containerPort"`), w.Containers[0].Ports[0].Pos.Line)
		require.NotNil(t, w.Replicas)
		assert.Equal(t, 3, *w.Replicas)
	})
	t.Run("policies.yaml", func(t *testing.T) {
		deny := policy(t, g, "shop/NetworkPolicy/default-deny")
		assert.Equal(t, []string{"Ingress"}, deny.PolicyTypes, "egress: [] does not add Egress")
		assert.Empty(t, deny.Ingress)
		allow := policy(t, g, "shop/NetworkPolicy/allow-web")
		assert.True(t, allow.PodSelector.Empty, "null matchLabels selects all")
		assert.Equal(t, []string{"Ingress", "Egress"}, allow.PolicyTypes)
		require.Len(t, allow.Ingress, 2)
		assert.Nil(t, allow.Ingress[0].Peers, "from: [] admits every peer")
		assert.Len(t, allow.Ingress[1].Peers, 1)
		assert.True(t, object(t, g, "shop/NetworkPolicy/bad-selector").Invalid)
	})
	t.Run("custom-resources.yaml", func(t *testing.T) {
		r := workload(t, g, "shop/Rollout/rollout")
		assert.True(t, r.CustomResource)
		assert.True(t, r.ContainersKnown)
		p := workload(t, g, "monitoring/Prometheus/k8s")
		assert.True(t, p.CustomResource)
		assert.False(t, p.ContainersKnown)
		object(t, g, "shop/Certificate/tls")
	})
	t.Run("namespaces", func(t *testing.T) {
		shop := g.Namespace("shop")
		require.NotNil(t, shop)
		assert.True(t, shop.Declared)
		assert.Equal(t, "retail", shop.Labels["team"])
		assert.NotNil(t, g.Namespace("monitoring"))
		assert.NotNil(t, g.Namespace("default"))
	})
}

package rules

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// TestInputValueMatchesJSON: the direct conversion gives exactly the value the JSON
// encoding of the input document gives (the documented shape), on every rule case.
func TestInputValueMatchesJSON(t *testing.T) {
	g, err := model.Load(model.Options{}, "../testdata/rules", "../examples/shop")
	require.NoError(t, err)
	cfg := analyzer.DefaultConfig()
	in := NewInput(g, analyzer.New(g, cfg), cfg)
	direct, err := inputValue(in, false)
	require.NoError(t, err)
	b, err := json.Marshal(in)
	require.NoError(t, err)
	viaJSON, err := ast.ValueFromReader(strings.NewReader(string(b)))
	require.NoError(t, err)
	assert.Equal(t, 0, viaJSON.Compare(direct), "direct conversion differs from the JSON document")
	assert.NotEmpty(t, b)
}

// TestSlimInputEquivalent: the built-in rules find exactly the same with the slim input
// as with the full input document, on every rule case, the example and a generated
// cluster.
func TestSlimInputEquivalent(t *testing.T) {
	slimEngine, err := NewEngine()
	require.NoError(t, err)
	fullEngine, err := NewEngine()
	require.NoError(t, err)
	fullEngine.fullInput = true
	dirs := []string{"../examples/shop", "../examples/gateway"}
	cases, err := filepath.Glob("../testdata/rules/*/*")
	require.NoError(t, err)
	dirs = append(dirs, cases...)
	for _, dir := range dirs {
		g, err := model.Load(model.Options{}, dir)
		require.NoError(t, err)
		opts := Options{Cluster: analyzer.DefaultConfig()}
		a, err := slimEngine.Run(context.Background(), g, opts)
		require.NoError(t, err)
		b, err := fullEngine.Run(context.Background(), g, opts)
		require.NoError(t, err)
		assert.Equal(t, b, a, dir)
	}
	assert.Greater(t, len(dirs), 100)
}

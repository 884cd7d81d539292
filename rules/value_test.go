package rules

import (
	"encoding/json"
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
	direct, err := inputValue(in)
	require.NoError(t, err)
	b, err := json.Marshal(in)
	require.NoError(t, err)
	viaJSON, err := ast.ValueFromReader(strings.NewReader(string(b)))
	require.NoError(t, err)
	assert.Equal(t, 0, viaJSON.Compare(direct), "direct conversion differs from the JSON document")
	assert.Positive(t, len(b))
}

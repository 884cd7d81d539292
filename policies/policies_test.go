package policies_test

import (
	"context"
	"testing"

	"github.com/open-policy-agent/opa/v1/tester"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRego runs the Rego unit tests (*_test.rego) of this folder, as `opa test .` would.
func TestRego(t *testing.T) {
	results, err := tester.Run(context.Background(), ".")
	require.NoError(t, err)
	require.NotEmpty(t, results, "no Rego test found")
	for _, r := range results {
		t.Run(r.Package+"."+r.Name, func(t *testing.T) {
			require.NoError(t, r.Error)
			assert.True(t, r.Pass(), "%s: %s", r.Name, r.String())
		})
	}
}

package rules_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/rules"
)

// policyDir writes Rego files into a fresh folder.
func policyDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

const goodRule = `# METADATA
# title: Services carry a team label
# custom:
#   severity: warning
package kubenet.rules["team-label"]

report contains {"object": "x", "pos": {"file": "f", "line": 1}, "message": "m"} if false
`

// TestEngineErrorsInReadOrder: the rule files are parsed in parallel, yet the error
// reported is the one a reader going through the built-in rules, then each policy
// folder in turn, file by file, meets first.
func TestEngineErrorsInReadOrder(t *testing.T) {
	broken := policyDir(t, map[string]string{
		"a.rego": "package kubenet.rules[\"a\"]\n\nreport contains x if {\n",
		"b.rego": "package kubenet.rules[\"b\"]\n\nreport contains if\n",
		"c.rego": goodRule,
	})
	missing := filepath.Join(t.TempDir(), "missing")
	good := policyDir(t, map[string]string{"team.rego": goodRule})

	for range 20 { // a different interleaving each time
		_, err := rules.NewEngine(good, broken, missing)
		require.Error(t, err)
		assert.Contains(t, err.Error(), "parse policy:")
		assert.Contains(t, err.Error(), filepath.ToSlash(broken)+"/a.rego")
		assert.NotContains(t, err.Error(), "b.rego")
	}

	_, err := rules.NewEngine(good, missing, broken)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "policy folder:")

	e, err := rules.NewEngine(good)
	require.NoError(t, err)
	require.NotNil(t, e.Rule("team-label"))
	assert.NotNil(t, e.Rule("service-selector-orphaned"), "the built-in rules load beside a folder's")
}

package rules_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
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

// TestEngineForbiddenBuiltins: a rule may not reach the network, read the process's
// environment, or depend on the clock or randomness; using such a built-in is a
// compile error that names it.
func TestEngineForbiddenBuiltins(t *testing.T) {
	for builtin, call := range map[string]string{
		"http.send":          `http.send({"method": "get", "url": "http://127.0.0.1:1"})`,
		"net.lookup_ip_addr": `net.lookup_ip_addr("example.com")`,
		"opa.runtime":        `opa.runtime()`,
		"time.now_ns":        `time.now_ns()`,
		"rand.intn":          `rand.intn("x", 10)`,
		"uuid.rfc4122":       `uuid.rfc4122("x")`,
	} {
		dir := policyDir(t, map[string]string{"evil.rego": `# METADATA
# title: evil
# custom:
#   severity: warning
package kubenet.rules["evil"]

report contains {"object": "x", "pos": {"file": "f", "line": 1}, "message": sprintf("%v", [v])} if {
	v := ` + call + `
}
`})
		_, err := rules.NewEngine(dir)
		require.Error(t, err, builtin)
		assert.Contains(t, err.Error(), "the built-in "+builtin+" is not available to kubenet rules", builtin)
		assert.Contains(t, err.Error(), "evil.rego:8", "where it is used")
	}
}

// TestEngineBuiltinIDTaken: a user rule cannot take a built-in rule's id.
func TestEngineBuiltinIDTaken(t *testing.T) {
	dir := policyDir(t, map[string]string{"mine.rego": `# METADATA
# title: mine
# custom:
#   severity: warning
package kubenet.rules["service-selector-orphaned"]

report contains {"object": "x", "pos": {"file": "f", "line": 1}, "message": "m"} if false
`})
	_, err := rules.NewEngine(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule id "service-selector-orphaned" is the id of a built-in rule`)
}

// TestEngineRuleTimeout: a rule that evaluates too long is stopped, and the error names
// it; print() output reaches Options.Print, naming the rule.
func TestEngineRuleTimeout(t *testing.T) {
	dir := policyDir(t, map[string]string{"slow.rego": `# METADATA
# title: slow
# custom:
#   severity: warning
package kubenet.rules["slow"]

report contains {"object": "x", "pos": {"file": "f", "line": 1}, "message": "m"} if {
	print("starting")
	n := count([x | some i in numbers.range(1, 100000000); x := i * i])
	n < 0
}
`})
	e, err := rules.NewEngine(dir)
	require.NoError(t, err)
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "a.yaml", Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")})
	var printed bytes.Buffer
	_, err = e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig(), RuleTimeout: 50 * time.Millisecond,
		Print: &printed, Enabled: map[string]bool{"slow": true}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rule slow ran over its evaluation deadline of 50ms")
	assert.Contains(t, printed.String(), "kubenet: print (slow")
	assert.Contains(t, printed.String(), "starting")
}

// TestEngineMerge: a finding merges across variants as its rule's custom.merge says,
// unless it carries its own merge; a value other than any or all is an error.
func TestEngineMerge(t *testing.T) {
	rule := func(merge, override string) string {
		return `# METADATA
# title: merge modes
# custom:
#   severity: info
#   merge: ` + merge + `
package kubenet.rules["merge-modes"]

import data.kubenet.lib

report contains lib.finding(ns.id, ns.pos, "default") if some ns in input.namespaces

report contains lib.with_merge(lib.finding(ns.id, ns.pos, "override"), "` + override + `") if some ns in input.namespaces
`
	}
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "a.yaml", Data: []byte("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")})
	run := func(merge, override string) ([]rules.Finding, error) {
		e, err := rules.NewEngine(policyDir(t, map[string]string{"m.rego": rule(merge, override)}))
		if err != nil {
			return nil, err
		}
		return e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig(), Enabled: map[string]bool{"merge-modes": true}})
	}
	modes := func(fs []rules.Finding) map[string]rules.Merge {
		out := map[string]rules.Merge{}
		for _, f := range fs {
			out[f.Message] = f.Merge
		}
		return out
	}

	fs, err := run("all", "any")
	require.NoError(t, err)
	assert.Equal(t, map[string]rules.Merge{"default": rules.MergeAll, "override": rules.MergeAny}, modes(fs))
	fs, err = run("any", "all")
	require.NoError(t, err)
	assert.Equal(t, map[string]rules.Merge{"default": rules.MergeAny, "override": rules.MergeAll}, modes(fs))

	_, err = run("sometimes", "all")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `rule "merge-modes": custom.merge must be any or all in its METADATA, not sometimes`)
	_, err = run("all", "sometimes")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `finding "override": merge "sometimes" is not any or all`)

	e, err := rules.NewEngine()
	require.NoError(t, err)
	for _, r := range e.Rules() {
		assert.Equal(t, rules.MergeAny, r.Doc.Merge, "%s: the built-in rules merge as any by default", r.ID)
	}
}

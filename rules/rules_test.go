package rules_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

const ruleData = "../testdata/rules"

func newEngine(t *testing.T) *rules.Engine {
	t.Helper()
	e, err := rules.NewEngine()
	require.NoError(t, err)
	return e
}

// TestRules runs every rule over each of its cases in testdata/rules/<rule-id>/<case>/
// and compares the findings with the `# want` comments of the manifests: every want
// must be met, and nothing else may be reported.
func TestRules(t *testing.T) {
	e := newEngine(t)
	for _, r := range e.Rules() {
		t.Run(r.ID, func(t *testing.T) {
			cases, err := os.ReadDir(filepath.Join(ruleData, r.ID))
			require.NoError(t, err, "every rule needs testdata/rules/%s/<case>/", r.ID)
			for _, c := range cases {
				if !c.IsDir() {
					continue
				}
				dir := filepath.Join(ruleData, r.ID, c.Name())
				t.Run(c.Name(), func(t *testing.T) { checkCase(t, e, r.ID, dir) })
			}
		})
	}
}

func checkCase(t *testing.T, e *rules.Engine, id, dir string) {
	t.Helper()
	wants, err := parseWants(dir)
	require.NoError(t, err)
	g, err := model.Load(model.Options{DefaultNamespace: "default", Kustomize: true}, dir)
	require.NoError(t, err)
	cluster := analyzer.DefaultConfig()
	// A case may describe its cluster in .kubenet.yaml (the network plugin).
	if cf := filepath.Join(dir, ".kubenet.yaml"); fileExists(cf) {
		cfg, err := model.LoadConfig(cf)
		require.NoError(t, err)
		cluster.CNI = cfg.Cluster.CNI
	}
	// A case may state connectivity expectations in expect.yaml.
	if exp := filepath.Join(dir, "expect.yaml"); fileExists(exp) {
		exps, _, err := model.LoadExpectations(exp)
		require.NoError(t, err)
		cluster.Expectations = exps
	}
	findings, err := e.Run(context.Background(), g, rules.Options{
		Enabled: map[string]bool{id: true}, Cluster: cluster,
	})
	require.NoError(t, err)
	matched := make([]bool, len(wants))
	for _, f := range findings {
		assert.True(t, f.Line > 0 && f.File != "", "finding without a position: %+v", f)
		ok := false
		for i, w := range wants {
			if matched[i] || w.rule != f.Rule || w.line != f.Line || !sameFile(f.File, w.file) {
				continue
			}
			if w.severity != "" && w.severity != f.Severity.String() {
				continue
			}
			if w.msg != nil && !w.msg.MatchString(f.Message) {
				continue
			}
			matched[i], ok = true, true
			break
		}
		if !ok {
			t.Errorf("unexpected finding %s:%d:%d %s (%s): %s", f.File, f.Line, f.Column, f.Rule, f.Severity, f.Message)
		}
	}
	for i, w := range wants {
		if !matched[i] {
			t.Errorf("missing finding %s", w)
		}
	}
}

// TestTestdataNamesRules: every folder under testdata/rules names a registered rule and
// holds at least one expectation, so no rule goes untested and no case is orphaned.
func TestTestdataNamesRules(t *testing.T) {
	e := newEngine(t)
	dirs, err := os.ReadDir(ruleData)
	require.NoError(t, err)
	for _, d := range dirs {
		require.NotNil(t, e.Rule(d.Name()), "testdata/rules/%s names no rule", d.Name())
		wants, err := parseWants(filepath.Join(ruleData, d.Name()))
		require.NoError(t, err)
		n := 0
		for _, w := range wants {
			if w.rule == d.Name() {
				n++
			}
		}
		assert.Positive(t, n, "testdata/rules/%s has no `# want \"%s\"`", d.Name(), d.Name())
	}
}

// TestContractIDs: rule ids are a public contract.
func TestContractIDs(t *testing.T) {
	e := newEngine(t)
	for _, id := range []string{
		"service-selector-orphaned", "service-port-mismatch", "ingress-backend-missing", "ingress-port-mismatch",
		"ingress-route-conflict", "nodeport-conflict", "manifest-invalid", "chart-render-failed", "backend-tls-policy-invalid", "object-duplicate", "api-removed",
		"servicemonitor-mismatch", "replica-peers-blocked",
		"route-parent-missing", "route-not-attached", "route-backend-missing", "route-backend-port-mismatch",
		"reference-grant-missing", "gateway-listener-conflict", "gateway-tls-invalid", "gateway-class-missing",
		"route-backend-blocked", "route-conflict", "clusternetworkpolicy-priority-overlap", "policy-not-enforced", "cilium-rule-invalid", "cilium-fqdn-dns-missing", "policy-rule-shadowed",
	} {
		r := e.Rule(id)
		if assert.NotNil(t, r, id) {
			assert.NotEmpty(t, r.Doc.Title, id)
			assert.NotEmpty(t, r.Doc.Description, id)
			assert.NotEmpty(t, r.Doc.Remediation, id)
			assert.True(t, r.Builtin, id)
		}
	}
}

// TestDeterministic runs every rule over all rule testdata twice: no error, and the
// same JSON both times.
func TestDeterministic(t *testing.T) {
	e := newEngine(t)
	run := func() []byte {
		g, err := model.Load(model.Options{}, ruleData)
		require.NoError(t, err)
		fs, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
		require.NoError(t, err)
		b, err := json.Marshal(fs)
		require.NoError(t, err)
		return b
	}
	a, b := run(), run()
	assert.NotEmpty(t, a)
	assert.True(t, bytes.Equal(a, b), "two runs over the same input differ")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

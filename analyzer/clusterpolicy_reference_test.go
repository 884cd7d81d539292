package analyzer_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// netpolAnalyzer is the module whose AdminNetworkPolicy and BaselineAdminNetworkPolicy
// test cases serve as an independent reference; tools/reference/go.mod pins it, and
// make tools downloads it.
const netpolAnalyzer = "github.com/np-guard/netpol-analyzer@v1.4.2"

// referenceModule returns the directory of the reference module in the module cache.
func referenceModule(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	require.NoError(t, err)
	dir := filepath.Join(strings.TrimSpace(string(out)), filepath.FromSlash(netpolAnalyzer))
	if _, err := os.Stat(filepath.Join(dir, "tests")); err != nil {
		if os.Getenv("KUBENET_REQUIRE_TOOLS") != "" {
			t.Fatalf("%s is not in the module cache: run make tools", netpolAnalyzer)
		}
		t.Skipf("%s is not in the module cache: run make tools", netpolAnalyzer)
	}
	return dir
}

// TestClusterPolicyReferenceAgreement compares kubenet's pod-to-pod verdicts under
// AdminNetworkPolicies, BaselineAdminNetworkPolicies and NetworkPolicies with
// netpol-analyzer's expected outputs, on each of its test cases that has one: every
// ordered pair of distinct workloads must get the same allowed ports. External lines are
// not compared (netpol-analyzer splits External into IP ranges).
//
// Cases whose policies the API server refuses are not compared: kubenet reports them
// invalid and leaves them out, where netpol-analyzer warns and applies them.
func TestClusterPolicyReferenceAgreement(t *testing.T) {
	refused := map[string]string{
		"anp_test_named_ports_multiple_peers":        "a named port cannot be used with networks",
		"anp_banp_test_multiple_warnings":            "is not a CIDR in its canonical form",
		"anp_and_banp_using_networks_with_ipv6_test": "is not a CIDR in its canonical form",
	}
	dir := referenceModule(t)
	cases, err := os.ReadDir(filepath.Join(dir, "tests"))
	require.NoError(t, err)
	compared := 0
	for _, c := range cases {
		name := c.Name()
		if !strings.Contains(name, "anp") || strings.Contains(name, "bad_path") {
			continue
		}
		expected := filepath.Join(dir, "test_outputs", "connlist", name+"_connlist_output.txt")
		if _, err := os.Stat(expected); err != nil {
			continue
		}
		compared++
		t.Run(name, func(t *testing.T) {
			g, err := model.Load(model.Options{DefaultNamespace: "default"}, filepath.Join(dir, "tests", name))
			require.NoError(t, err)
			if why, ok := refused[name]; ok {
				var msgs []string
				for _, p := range g.Problems {
					if p.Kind == model.Invalid {
						msgs = append(msgs, p.Message)
					}
				}
				assert.NotEmpty(t, msgs)
				for _, m := range msgs {
					assert.Contains(t, m, why)
				}
				return
			}
			for _, p := range g.Problems {
				assert.NotEqual(t, model.Invalid, p.Kind, "%s: %s", p.Pos, p.Message)
			}
			want := parseConnlist(t, expected)
			r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
			assert.Zero(t, assertSameConnlist(t, r, want), "the reference cases have no hostNetwork pod")
		})
	}
	assert.Greater(t, compared, 50)
}

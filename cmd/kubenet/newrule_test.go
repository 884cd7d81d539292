package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/rules"
)

// TestNewRule: the scaffold's rule meets its own # want cases as written, so a
// contributor starts from something that passes.
func TestNewRule(t *testing.T) {
	dir := t.TempDir()
	pol, td := filepath.Join(dir, "policies"), filepath.Join(dir, "testdata")
	code, out, errOut := kubenet(t, "", "debug", "new-rule", "service-external-name", "--policies", pol, "--testdata", td, "--severity", "info")
	require.Equal(t, exitClean, code, errOut)
	assert.Contains(t, out, "wrote "+filepath.Join(pol, "service_external_name.rego"))

	fires := filepath.Join(td, "service-external-name", "fires", "app.yaml")
	src, err := os.ReadFile(fires)
	require.NoError(t, err)
	wantLine, want := 0, ""
	for i, l := range strings.Split(string(src), "\n") {
		if _, w, ok := strings.Cut(l, "# want "); ok {
			wantLine, want = i+1, strings.Trim(w, `"`)
		}
	}
	require.NotZero(t, wantLine)
	prefix := "service-external-name (info): "
	require.True(t, strings.HasPrefix(want, prefix), want)

	_, out, errOut = kubenet(t, "", "lint", "--format", "json", "--fail-on", "none", "--policy", pol, "--rule", "service-external-name", fires)
	var rep struct {
		Findings []rules.Finding `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep), errOut)
	require.Len(t, rep.Findings, 1)
	f := rep.Findings[0]
	assert.Equal(t, wantLine, f.Line, "the finding is where the # want comment is")
	assert.Equal(t, rules.Info, f.Severity, "--severity")
	assert.Regexp(t, strings.TrimPrefix(want, prefix), f.Message)

	_, out, _ = kubenet(t, "", "lint", "--format", "json", "--policy", pol, "--rule", "service-external-name", filepath.Join(td, "service-external-name", "quiet"))
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	assert.Empty(t, rep.Findings, "the quiet case is quiet")

	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"service-external-name", "--policies", pol, "--testdata", td}, "exists; the rule is not written"},
		{[]string{"service-selector-orphaned", "--policies", pol, "--testdata", td}, "exists already"},
		{[]string{"Bad_ID", "--policies", pol}, "lowercase words joined by dashes"},
		{[]string{"x-y", "--severity", "none", "--policies", pol}, "--severity"},
	} {
		code, _, errOut := kubenet(t, "", append([]string{"debug", "new-rule"}, tc.args...)...)
		assert.Equal(t, exitUsage, code, "%v", tc.args)
		assert.Contains(t, errOut, tc.err)
	}
}

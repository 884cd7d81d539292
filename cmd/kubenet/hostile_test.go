package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/report"
)

// TestTextOutputHostileInput: names, values and file content from a manifest cannot
// start a workflow command or reach the terminal as control characters.
func TestTextOutputHostileInput(t *testing.T) {
	_, out, errOut := kubenet(t, "", "lint", "--no-color", "--fail-on", "none", "cmd/kubenet/testdata/hostile")
	for _, stream := range []string{out, errOut} {
		for _, l := range strings.Split(stream, "\n") {
			assert.False(t, strings.HasPrefix(strings.TrimLeft(l, " \t"), "::"), "a line starts a workflow command: %q", l)
			assert.NotContains(t, l, "\x1b", "an escape character reaches the terminal: %q", l)
			assert.NotContains(t, l, "\x00")
			assert.NotContains(t, l, "\u202e")
		}
	}
	assert.NotEmpty(t, out)
}

// TestSourceLineWidth: a long line is echoed cut, not whole.
func TestSourceLineWidth(t *testing.T) {
	long := "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {x: \"" + strings.Repeat("a", 60) + "\"}, annotations: {a: \"" +
		strings.Repeat("b", 5000) + "\"}}\nspec:\n  selector: {app: nothing}\n  ports: [{port: 80}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {app: d}}\n  template:\n    metadata: {labels: {app: d}}\n    spec: {containers: [{name: d, image: d}]}\n"
	_, out, _ := kubenet(t, long, "lint", "--no-color", "--fail-on", "none", "-")
	for _, l := range strings.Split(out, "\n") {
		assert.Less(t, len(l), 2*report.MaxSourceWidth+100, "a line of %d bytes", len(l))
	}
}

// TestUnboundedInputsRefused: special files are a usage error, not an endless read.
func TestUnboundedInputsRefused(t *testing.T) {
	code, _, errOut := kubenet(t, "", "lint", "/dev/zero")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "not a regular file")
	code, _, errOut = kubenet(t, "", "lint", "--config", "/dev/zero", "examples/shop")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "not a regular file")
}

// TestNothingAnalysed: when every input was skipped (a remote kustomization), the run
// says so and exits 2, unless --allow-empty.
func TestNothingAnalysed(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources:\n  - https://github.com/example/x//deploy?ref=v1\n"), 0o644))
	code, _, errOut := kubenet(t, "", "lint", dir)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "nothing was analysed: every input was skipped")
	code, out, _ := kubenet(t, "", "lint", "--allow-empty", dir)
	assert.Equal(t, exitClean, code)
	assert.Contains(t, out, "no findings in 0 files")
	code, _, _ = kubenet(t, "", "lint", t.TempDir())
	assert.Equal(t, exitClean, code, "an empty folder skipped nothing")
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProfiles: KUBENET_CPUPROFILE and KUBENET_MEMPROFILE write pprof files; an
// unwritable path is reported, and the run goes on.
func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
	var stderr bytes.Buffer
	stop := startProfiles(cpu, mem, &stderr)
	assert.Equal(t, exitFindings, run([]string{"lint", "../../examples/shop", "--format", "json"}, nil, &bytes.Buffer{}, &stderr))
	stop()
	assert.Empty(t, stderr.String())
	for _, p := range []string{cpu, mem} {
		info, err := os.Stat(p)
		require.NoError(t, err)
		assert.Positive(t, info.Size(), p)
	}

	stderr.Reset()
	startProfiles(filepath.Join(dir, "missing", "cpu.prof"), filepath.Join(dir, "missing", "mem.prof"), &stderr)()
	assert.Contains(t, stderr.String(), "KUBENET_CPUPROFILE")
	assert.Contains(t, stderr.String(), "KUBENET_MEMPROFILE")
}

// TestTimings: KUBENET_TIMINGS reports every stage, with its CPU time and the peak
// resident set on Linux, and how long the rules took to compile beside loading.
func TestTimings(t *testing.T) {
	t.Setenv("KUBENET_TIMINGS", "live")
	var stderr bytes.Buffer
	run([]string{"lint", "../../examples/shop", "--format", "json"}, nil, &bytes.Buffer{}, &stderr)
	for _, stage := range []string{"load", "facts", "input", "rego", "report"} {
		assert.Regexp(t, `kubenet: `+stage+` +\S+ +heap +\d+ MiB`, stderr.String())
	}
	assert.Regexp(t, `kubenet: rules +\S+ +waited for after loading; compiled in \d\S*s, beside it`, stderr.String())
	// The slowest Rego rules, by name, after the rego stage.
	assert.Regexp(t, `kubenet: rego .*\nkubenet: rules +slowest of \d+: [a-z-]+ \d\S*s, [a-z-]+ `, stderr.String())
	if runtime.GOOS == "linux" {
		assert.Contains(t, stderr.String(), "peak RSS")
		assert.Regexp(t, `kubenet: load .*, CPU \d`, stderr.String())
		assert.Positive(t, processCPU())
	}
}

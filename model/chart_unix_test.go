//go:build unix

package model

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChartFIFOs: a FIFO where a chart's .helmignore or a config's values file should
// be is never opened (opening it would wait for a writer forever).
func TestChartFIFOs(t *testing.T) {
	root := tree(t, map[string]string{
		"c/Chart.yaml":        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/templates/cm.yaml": cm("x"),
	})
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "c", ".helmignore"), 0o644))
	require.NoError(t, syscall.Mkfifo(filepath.Join(root, "fifo-values.yaml"), 0o644))
	done := make(chan struct{})
	var g *Graph
	var err error
	go func() {
		defer close(done)
		g, err = Load(Options{Helm: HelmOptions{ConfigValues: []string{filepath.Join(root, "fifo-values.yaml")}, Root: root}}, root)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("loading waits on a FIFO")
	}
	var pe *PathError
	require.ErrorAs(t, err, &pe, "a values file that is not a regular file cannot be read")
	assert.Contains(t, err.Error(), "not a regular file")
	assert.Nil(t, g)

	done = make(chan struct{})
	go func() {
		defer close(done)
		g, err = Load(Options{}, root)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("loading waits on a FIFO")
	}
	require.NoError(t, err, "the .helmignore FIFO is passed over")
	require.NotNil(t, g)
	assert.Equal(t, []string{"x"}, cmNames(g))
}

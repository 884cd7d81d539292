//go:build unix

package model

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSourceFifo: a fifo put where a file the loader let go of was is not read, nor
// waited on.
func TestSourceFifo(t *testing.T) {
	root := tree(t, map[string]string{"a.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"})
	g, err := Load(Options{KeepSource: func([]byte) bool { return false }}, root)
	require.NoError(t, err)
	file := filepath.Join(root, "a.yaml")
	_, ok := g.Source(file)
	require.True(t, ok)
	require.NoError(t, os.Remove(file))
	require.NoError(t, syscall.Mkfifo(file, 0o644))
	_, ok = g.Source(file)
	assert.False(t, ok)
}

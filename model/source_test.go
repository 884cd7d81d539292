package model

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSourceReadAgain: a file the loader lets go of (Options.KeepSource) is read again
// by Graph.Source as it was decoded; one KeepSource wants stays in Graph.Sources; a file
// that changed length or kind since is missing rather than wrong.
func TestSourceReadAgain(t *testing.T) {
	root := tree(t, map[string]string{
		"plain.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
		"bom.yaml":      "\xef\xbb\xbfapiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
		"crlf.yaml":     "apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: c\r\n",
		"one-crlf.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: e\r\n",
		"cr.yaml":       "apiVersion: v1\rkind: ConfigMap\rmetadata:\r  name: f\r",
		"kept.yaml":     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d # keep me\n",
	})
	keep := func(data []byte) bool { return bytes.Contains(data, []byte("keep me")) }
	// Files dated an hour back: a change in place, even within the filesystem's clock
	// resolution, dates a file anew.
	hourAgo := time.Now().Add(-time.Hour)
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	for _, e := range entries {
		require.NoError(t, os.Chtimes(filepath.Join(root, e.Name()), hourAgo, hourAgo))
	}
	inMemory, err := Load(Options{}, root)
	require.NoError(t, err)
	g, err := Load(Options{KeepSource: keep}, root)
	require.NoError(t, err)
	assert.Equal(t, inMemory.Files, g.Files)
	assert.Len(t, inMemory.Sources, 6)
	require.Len(t, g.Sources, 1, "only the file KeepSource wants is held")
	assert.Contains(t, g.Sources, filepath.Join(root, "kept.yaml"))
	for name, want := range inMemory.Sources {
		got, ok := g.Source(name)
		require.True(t, ok, name)
		assert.Equal(t, string(want), string(got), "%s reads again as it was decoded", name)
		buf := make([]byte, 0, 4096)
		got, ok = g.SourceInto(name, buf)
		require.True(t, ok, name)
		assert.Equal(t, string(want), string(got), name)
	}
	_, ok := g.Source(filepath.Join(root, "never.yaml"))
	assert.False(t, ok, "a file that is not of the input")

	plain := filepath.Join(root, "plain.yaml")
	require.NoError(t, os.WriteFile(plain, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: z\n"), 0o644))
	_, ok = g.Source(plain)
	assert.False(t, ok, "a file changed in place since, to the same length, is not the file its positions describe")
	require.NoError(t, os.WriteFile(plain, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a-longer-name\n"), 0o644))
	_, ok = g.Source(plain)
	assert.False(t, ok, "a file that grew since is not the file its positions describe")
	require.NoError(t, os.WriteFile(plain, []byte("x"), 0o644))
	_, ok = g.Source(plain)
	assert.False(t, ok, "nor one that shrank")

	outside := filepath.Join(t.TempDir(), "secret.yaml")
	cr := filepath.Join(root, "cr.yaml")
	require.NoError(t, os.WriteFile(outside, inMemory.Sources[cr], 0o644))
	require.NoError(t, os.Remove(cr))
	require.NoError(t, os.Symlink(outside, cr))
	_, ok = g.Source(cr)
	assert.False(t, ok, "a link put where the file was, to a file outside the input of the same contents")

	crlf := filepath.Join(root, "crlf.yaml")
	require.NoError(t, os.Remove(crlf))
	require.NoError(t, os.Mkdir(crlf, 0o755))
	_, ok = g.Source(crlf)
	assert.False(t, ok, "a folder where the file was")
}

package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/model/synth"
)

// TestDecodeAll: the decode floor reads every document of a generated cluster, and
// reports a file that is not YAML by name.
func TestDecodeAll(t *testing.T) {
	dir := t.TempDir()
	files, _, _ := synth.Generate(synth.Options{Namespaces: 2, Apps: 3, Seed: 1})
	var in []model.NamedData
	for _, f := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f.Name), f.Data, 0o644))
		in = append(in, model.NamedData{Name: f.Name, Data: f.Data})
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not: [yaml"), 0o644))
	docs, err := decodeAll(dir)
	require.NoError(t, err)
	assert.Equal(t, len(model.LoadBytes(model.Options{}, in...).Objects), docs)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "broken.yaml"), []byte("a: [b"), 0o644))
	_, err = decodeAll(dir)
	assert.ErrorContains(t, err, "broken.yaml")
}

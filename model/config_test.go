package model

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFindConfigStopsAtRepositoryRoot: a .kubenet.yaml above the repository (the
// folder holding .git) is not read.
func TestFindConfigStopsAtRepositoryRoot(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	sub := filepath.Join(repo, "k8s", "apps")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(repo, ".git"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(root, ConfigFile), []byte("failOn: none\n"), 0o644))
	assert.Empty(t, FindConfig(sub), "the file above the repository is not the repository's")

	require.NoError(t, os.WriteFile(filepath.Join(repo, ConfigFile), []byte("failOn: error\n"), 0o644))
	assert.Equal(t, filepath.Join(repo, ConfigFile), FindConfig(sub))

	// Outside a repository the search goes up to the root of the file system.
	plain := filepath.Join(root, "plain", "x")
	require.NoError(t, os.MkdirAll(plain, 0o755))
	assert.Equal(t, filepath.Join(root, ConfigFile), FindConfig(plain))
}

// TestConfigSpecialFilesRefused: a FIFO named .kubenet.yaml is neither found nor read
// (reading it would block every run below it).
func TestConfigSpecialFilesRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, ".git"), 0o755))
	fifo := filepath.Join(dir, ConfigFile)
	require.NoError(t, syscall.Mkfifo(fifo, 0o644))
	assert.Empty(t, FindConfig(dir))
	_, err := LoadConfig(fifo)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")

	_, err = LoadConfig("/dev/zero")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")

	big := filepath.Join(dir, "big.yaml")
	require.NoError(t, os.WriteFile(big, make([]byte, maxConfigSize+1), 0o644))
	_, err = LoadConfig(big)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a config file may have")
}

// TestConfigPoliciesRelativeToTheFile: relative policy folders are the config file's.
func TestConfigPoliciesRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ConfigFile)
	require.NoError(t, os.WriteFile(p, []byte("policies: [./rego, /abs/rego]\n"), 0o644))
	cfg, err := LoadConfig(p)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "rego"), "/abs/rego"}, cfg.Policies)
}

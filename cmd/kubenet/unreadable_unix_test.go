//go:build unix

package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// asKubenet is set in the environment of a copy of this test binary that runs as the
// kubenet command (see TestMain).
const asKubenet = "KUBENET_TEST_AS_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(asKubenet) != "" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// unprivileged runs kubenet as a process that file permissions bind: as itself, or,
// under root (which reads everything), as nobody. The test binary is copied where
// nobody may run it, and dir is made reachable.
func unprivileged(t *testing.T, dir string, args ...string) (code int, out string) {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	bin := filepath.Join(dir, "kubenet")
	if _, err := os.Stat(bin); err != nil {
		src, err := os.Open(self)
		require.NoError(t, err)
		defer src.Close()
		dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
		require.NoError(t, err)
		_, err = io.Copy(dst, src)
		require.NoError(t, err)
		require.NoError(t, dst.Close())
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), asKubenet+"=1", "NO_COLOR=1")
	if os.Geteuid() == 0 {
		for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
			if d == os.TempDir() {
				break
			}
			require.NoError(t, os.Chmod(d, 0o755))
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil {
		require.ErrorAs(t, err, &ee, string(b))
		return ee.ExitCode(), string(b)
	}
	return 0, string(b)
}

// TestUnreadableInput: a file or folder kubenet cannot read stops the run with exit 2,
// naming it, instead of linting a part of the repository and passing it. A folder that
// is skipped anyway (hidden) is not read, so it does not matter.
func TestUnreadableInput(t *testing.T) {
	dir := t.TempDir()
	k8s := filepath.Join(dir, "k8s")
	require.NoError(t, os.MkdirAll(filepath.Join(k8s, "sub"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(k8s, ".private"), 0o755))
	for _, f := range []string{"a.yaml", "sub/b.yaml", ".private/c.yaml"} {
		require.NoError(t, os.WriteFile(filepath.Join(k8s, f), []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+strings.TrimSuffix(filepath.Base(f), ".yaml")+"}\n"), 0o644))
	}
	require.NoError(t, os.Chmod(filepath.Join(k8s, ".private"), 0))

	code, out := unprivileged(t, dir, "lint", "k8s")
	assert.Equal(t, exitClean, code, "a hidden folder is never read: %s", out)

	require.NoError(t, os.Chmod(filepath.Join(k8s, "sub"), 0))
	code, out = unprivileged(t, dir, "lint", "k8s")
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, out, "cannot read k8s/sub: permission denied")
	require.NoError(t, os.Chmod(filepath.Join(k8s, "sub"), 0o755))

	require.NoError(t, os.Chmod(filepath.Join(k8s, "sub/b.yaml"), 0))
	code, out = unprivileged(t, dir, "lint", "k8s")
	assert.Equal(t, exitUsage, code, out)
	assert.Contains(t, out, "cannot read k8s/sub/b.yaml: permission denied")

	code, out = unprivileged(t, dir, "lint", "--fail-on", "none", "k8s/sub/b.yaml")
	assert.Equal(t, exitUsage, code, "a file named on the command line too: %s", out)
	assert.Contains(t, out, "cannot read k8s/sub/b.yaml: permission denied")

	require.NoError(t, os.Chmod(filepath.Join(k8s, "sub/b.yaml"), 0o644))
	code, out = unprivileged(t, dir, "lint", "k8s")
	assert.Equal(t, exitClean, code, "readable again: %s", out)
	for _, d := range []string{".private"} {
		require.NoError(t, os.Chmod(filepath.Join(k8s, d), 0o755)) // for TempDir's cleanup
	}
}

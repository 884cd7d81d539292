package model

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func cm(name string) string {
	return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n"
}

// tree writes files (path -> content) under a new temporary folder and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, content := range files {
		full := filepath.Join(root, filepath.FromSlash(p))
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return root
}

func cmNames(g *Graph) []string {
	var out []string
	for _, c := range g.ConfigMaps {
		out = append(out, c.Name)
	}
	return out
}

func TestLoadWalksFolders(t *testing.T) {
	root := tree(t, map[string]string{
		"b.yaml":                          cm("b"),
		"a.yml":                           cm("a"),
		"c.json":                          `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}`,
		"D.YAML":                          cm("upper"),
		"notes.txt":                       cm("txt"),
		"README.md":                       cm("md"),
		"kustomization.yaml":              "resources: [a.yml]\n",
		"sub/deep/d.yaml":                 cm("d"),
		"sub/e.yaml":                      cm("e") + "---\n" + cm("e2"),
		".git/config.yaml":                cm("git"),
		".github/workflows/ci.yaml":       cm("github"),
		".hidden/h.yaml":                  cm("hidden"),
		"vendor/v.yaml":                   cm("vendor"),
		"sub/node_modules/n.yaml":         cm("node"),
		"chart/Chart.yaml":                "apiVersion: v2\nname: chart\nversion: 0.1.0\n",
		"chart/values.yaml":               "replicaCount: 1\n",
		"chart/templates/deployment.yaml": cm("{{ .Release.Name }}"),
		"sub/chart2/Chart.yaml":           "apiVersion: v2\nname: chart2\n",
		"sub/chart2/templates/x.yaml":     cm("chart2"),
	})
	g, err := Load(Options{Helm: HelmOptions{Skip: true}}, root)
	require.NoError(t, err)
	assert.Equal(t, []string{"upper", "a", "b", "c", "d", "e", "e2"}, cmNames(g), "lexical order of paths, documents in order")
	assert.Equal(t, 7, g.Files, "a.yml b.yaml c.json D.YAML kustomization.yaml sub/deep/d.yaml sub/e.yaml")
	assert.Empty(t, problems(g, Invalid), dumpProblems(g))

	notices := problems(g, Notice)
	require.Len(t, notices, 2, dumpProblems(g))
	assert.Equal(t, filepath.Join(root, "chart"), notices[0].Pos.File)
	assert.Equal(t, 0, notices[0].Pos.Line)
	assert.Contains(t, notices[0].Message, "skipped Helm chart "+filepath.Join(root, "chart"))
	assert.Contains(t, notices[0].Message, "helm template")
	assert.Equal(t, filepath.Join(root, "sub", "chart2"), notices[1].Pos.File)
	assert.Equal(t, notices, g.Problems[:2], "notices come first")

	e := object(t, g, "default/ConfigMap/e2")
	assert.Equal(t, filepath.Join(root, "sub", "e.yaml"), e.Pos.File)
	assert.Equal(t, 9, e.Pos.Line)
	assert.Contains(t, g.Sources, filepath.Join(root, "sub", "e.yaml"))
}

func TestLoadPaths(t *testing.T) {
	root := tree(t, map[string]string{
		"one.yaml":           cm("one"),
		"notes.txt":          cm("txt"),
		".hidden/h.yaml":     cm("hidden"),
		".hidden/Chart.yaml": "name: c\n",
		"dir/two.yaml":       cm("two"),
	})
	t.Run("an explicit file of any extension, once", func(t *testing.T) {
		one := filepath.Join(root, "one.yaml")
		g, err := Load(Options{}, one, filepath.Join(root, "notes.txt"), one, filepath.Join(root, "dir"), filepath.Join(root, "dir", "two.yaml"))
		require.NoError(t, err)
		assert.Equal(t, []string{"one", "txt", "two"}, cmNames(g))
		assert.Equal(t, 3, g.Files)
		assert.Equal(t, one, g.ConfigMaps[0].Pos.File)
	})
	t.Run("the root folder itself may be hidden", func(t *testing.T) {
		g, err := Load(Options{}, filepath.Join(root, "dir"), filepath.Join(root, ".hidden", "h.yaml"))
		require.NoError(t, err)
		assert.Equal(t, []string{"two", "hidden"}, cmNames(g))
	})
	t.Run("a root that is a chart is rendered, its files never read as manifests", func(t *testing.T) {
		g, err := Load(Options{}, filepath.Join(root, ".hidden"))
		require.NoError(t, err)
		assert.Empty(t, g.Objects)
		p := oneProblem(t, g, RenderFailed)
		assert.Contains(t, p.Message, "chart.metadata.version is required")
		g, err = Load(Options{Helm: HelmOptions{Skip: true}}, filepath.Join(root, ".hidden"))
		require.NoError(t, err)
		assert.Empty(t, g.Objects)
		p = oneProblem(t, g, Notice)
		assert.Equal(t, filepath.Join(root, ".hidden"), p.Pos.File)
	})
	t.Run("a missing path is a PathError", func(t *testing.T) {
		missing := filepath.Join(root, "nope.yaml")
		g, err := Load(Options{}, filepath.Join(root, "one.yaml"), missing)
		assert.Nil(t, g)
		var pe *PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, missing, pe.Path)
		require.ErrorIs(t, err, fs.ErrNotExist)
		assert.Contains(t, err.Error(), "cannot read "+missing)
	})
	t.Run("an empty folder is fine", func(t *testing.T) {
		g, err := Load(Options{}, t.TempDir())
		require.NoError(t, err)
		assert.Empty(t, g.Objects)
		assert.Equal(t, 0, g.Files)
	})
}

func TestLoadStdin(t *testing.T) {
	src := cm("in") + "---\n" + cm("in2")
	root := tree(t, map[string]string{"f.yaml": cm("file")})
	g, err := Load(Options{Stdin: strings.NewReader(src)}, filepath.Join(root, "f.yaml"), "-")
	require.NoError(t, err)
	assert.Equal(t, []string{"file", "in", "in2"}, cmNames(g))
	in2 := object(t, g, "default/ConfigMap/in2")
	assert.Equal(t, Pos{File: StdinName, Line: 9, Column: 9}, in2.Pos)
	assert.Equal(t, "<stdin>", StdinName)
	assert.Equal(t, src, string(g.Sources[StdinName]))

	t.Run("empty stdin", func(t *testing.T) {
		g, err := Load(Options{Stdin: strings.NewReader("")}, "-")
		require.NoError(t, err)
		noProblems(t, g)
		assert.Equal(t, 1, g.Files)
	})
	t.Run("no stdin", func(t *testing.T) {
		_, err := Load(Options{}, "-")
		var pe *PathError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, "-", pe.Path)
	})
	t.Run("failing stdin", func(t *testing.T) {
		_, err := Load(Options{Stdin: errReader{}}, "-")
		var pe *PathError
		require.ErrorAs(t, err, &pe)
		assert.ErrorIs(t, err, errBoom)
	})
}

// TestLoadReportsInputSize: Options.Sized hears the bytes about to be decoded, files
// by their size and standard input by its length, before decoding starts, and what it
// returns is called once, when the graph is built.
func TestLoadReportsInputSize(t *testing.T) {
	root := tree(t, map[string]string{"a.yaml": cm("a"), "sub/b.yaml": cm("bb"), "notes.txt": "not read"})
	stdin := cm("in")
	var sizes []int64
	built := 0
	sized := func(n int64) func() {
		sizes = append(sizes, n)
		return func() { built++ }
	}
	g, err := Load(Options{Stdin: strings.NewReader(stdin), Sized: sized}, root, "-")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "bb", "in"}, cmNames(g))
	assert.Equal(t, []int64{int64(len(cm("a")) + len(cm("bb")) + len(stdin))}, sizes)
	assert.Equal(t, 1, built)
	_, err = Load(Options{Sized: func(int64) func() { return nil }}, root)
	require.NoError(t, err, "a hook may return nothing to call")
}

var errBoom = errors.New("boom")

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errBoom }

// TestLoadFollowsSymlinkedFiles: kubectl apply -R reads symlinked manifests (Kubernetes
// itself mounts ConfigMap volumes as symlinks). Fails today: walk keeps only regular
// files, so a symlinked manifest is silently skipped.
// TestLoadFollowsSymlinkedFiles: links to files inside the folder linted are read (as
// kubectl apply -R does); links out of it are not (TestWalkSymlinksStayInside).
func TestLoadFollowsSymlinkedFiles(t *testing.T) {
	outside := tree(t, map[string]string{"real.yaml": cm("outside")})
	root := tree(t, map[string]string{"own.yaml": cm("own"), ".data/real.yaml": cm("linked")})
	require.NoError(t, os.Symlink(filepath.Join(root, ".data", "real.yaml"), filepath.Join(root, "link.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(outside, "real.yaml"), filepath.Join(root, "out.yaml")))
	g, err := Load(Options{}, root)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"own", "linked"}, cmNames(g))
}

func TestPathErrorUnwrap(t *testing.T) {
	e := &PathError{Path: "x", Err: fs.ErrPermission}
	assert.Equal(t, "cannot read x: permission denied", e.Error())
	assert.ErrorIs(t, e, fs.ErrPermission)
}

// TestWalkSymlinksStayInside: a link to a file outside the folder linted is not read
// (it could echo /proc/self/environ into a finding), with a notice; a link inside is.
func TestWalkSymlinksStayInside(t *testing.T) {
	outside := t.TempDir()
	secret := filepath.Join(outside, "secret.yaml")
	require.NoError(t, os.WriteFile(secret, []byte("SECRET=hunter2\n"), 0o644))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "svc.yaml"), []byte("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"), 0o644))
	require.NoError(t, os.Symlink(secret, filepath.Join(dir, "env.yaml")))
	require.NoError(t, os.Symlink("/proc/self/environ", filepath.Join(dir, "environ.yaml")))
	require.NoError(t, os.Symlink(filepath.Join(dir, "svc.yaml"), filepath.Join(dir, "alias.yaml")))

	w, err := walk(dir, nil, false, false)
	files, notices := w.files, w.notices
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "alias.yaml"), filepath.Join(dir, "svc.yaml")}, files)
	var msgs []string
	for _, n := range notices {
		msgs = append(msgs, n.Message)
	}
	assert.Len(t, msgs, 2)
	for _, m := range msgs {
		assert.Contains(t, m, "outside "+dir)
	}
}

// TestWalkSpecialFiles: devices, FIFOs and oversized files are never read.
func TestWalkSpecialFiles(t *testing.T) {
	_, err := walk("/dev/zero", nil, false, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a regular file")

	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
	w, err := walk(dir, nil, false, false)
	files, notices := w.files, w.notices
	require.NoError(t, err)
	assert.Empty(t, files)
	require.Len(t, notices, 1)
	assert.Contains(t, notices[0].Message, "not a regular file")

	big := filepath.Join(dir, "big.yaml")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(MaxFileSize+1)) // sparse: no disk used
	require.NoError(t, f.Close())
	_, err = walk(big, nil, false, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "over the 64 MiB")
}

// TestStdinBounded: more than a file's worth of standard input is a usage error, not an
// exhausted machine.
func TestStdinBounded(t *testing.T) {
	_, err := Load(Options{Stdin: io.LimitReader(zeros{}, MaxFileSize+10)}, "-")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "standard input holds more than 64 MiB")
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

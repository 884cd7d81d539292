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

// shopCopy copies examples/shop into a temporary folder.
func shopCopy(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "k8s")
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(repoRoot, "examples/shop"))))
	return dir
}

type lintJSON struct {
	Findings []rules.Finding `json:"findings"`
	Summary  struct {
		Baselined     int `json:"baselined"`
		BaselineFixed int `json:"baselineFixed"`
	} `json:"summary"`
}

func lintWithBaseline(t *testing.T, dir, baseline string) (int, lintJSON, string) {
	t.Helper()
	code, out, errOut := kubenet(t, "", "lint", "--format", "json", "--baseline", baseline, dir)
	var res lintJSON
	require.NoError(t, json.Unmarshal([]byte(out), &res), out+errOut)
	return code, res, errOut
}

func edit(t *testing.T, path string, f func(string) string) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte(f(string(b))), 0o644))
}

// TestBaseline: --write-baseline records every finding; --baseline then reports only
// new ones, counts the baselined ones, and says when baselined findings were fixed.
func TestBaseline(t *testing.T) {
	dir := shopCopy(t)
	base := filepath.Join(t.TempDir(), "kubenet-baseline.json")
	code, out, errOut := kubenet(t, "", "lint", "--no-color", "--write-baseline", base, dir)
	assert.Equal(t, exitClean, code, out+errOut)
	assert.Contains(t, errOut, "to the baseline "+base)
	b, err := rules.ReadBaseline(base)
	require.NoError(t, err)
	require.NotEmpty(t, b.Findings)
	for _, e := range b.Findings {
		assert.Len(t, e.Fingerprint, 32)
	}

	code, res, _ := lintWithBaseline(t, dir, base)
	assert.Equal(t, exitClean, code)
	assert.Empty(t, res.Findings)
	assert.Equal(t, len(b.Findings), res.Summary.Baselined)

	// A new mistake is reported, and fails the run; the baselined ones stay quiet.
	edit(t, filepath.Join(dir, "redis.yaml"), func(s string) string {
		i := strings.LastIndex(s, "app: redis") // the Service's selector
		return s[:i] + "app: rediss" + s[i+len("app: redis"):]
	})
	code, res, _ = lintWithBaseline(t, dir, base)
	assert.Equal(t, exitFindings, code)
	require.NotEmpty(t, res.Findings)
	for _, f := range res.Findings {
		assert.Contains(t, f.File, "redis.yaml", "only what the edit introduced: %s %s", f.Rule, f.Message)
	}

	// Fixing a baselined mistake is counted, with the command that refreshes the file.
	edit(t, filepath.Join(dir, "redis.yaml"), func(s string) string { return strings.Replace(s, "app: rediss", "app: redis", 1) })
	edit(t, filepath.Join(dir, "cart.yaml"), func(s string) string { return strings.ReplaceAll(s, "app: carts", "app: cart") })
	code, res, errOut = lintWithBaseline(t, dir, base)
	assert.Equal(t, exitClean, code)
	assert.Positive(t, res.Summary.BaselineFixed)
	assert.Contains(t, errOut, "in the baseline "+base+" fixed; refresh the baseline: kubenet lint --write-baseline "+base)
}

// TestBaselineStability: which edits keep a finding baselined. Edits that do not change
// the finding keep it: lines added above, documents reordered, the file renamed or
// moved. What changes the finding itself (the object's name, the wrong value) makes
// it new, as a reviewer would want.
func TestBaselineStability(t *testing.T) {
	for _, c := range []struct {
		name    string
		change  func(t *testing.T, dir string)
		changed bool
	}{
		{"an unrelated line edited above", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "cart.yaml"), func(s string) string { return "# owned by the cart team\n# see the runbook\n" + s })
		}, false},
		{"documents of a file reordered", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "cart.yaml"), func(s string) string {
				docs := strings.Split(s, "\n---\n")
				for i, j := 0, len(docs)-1; i < j; i, j = i+1, j-1 {
					docs[i], docs[j] = docs[j], docs[i]
				}
				return strings.Join(docs, "\n---\n") + "\n"
			})
		}, false},
		{"files renamed and moved", func(t *testing.T, dir string) {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, "apps"), 0o755))
			require.NoError(t, os.Rename(filepath.Join(dir, "cart.yaml"), filepath.Join(dir, "apps", "basket.yaml")))
			require.NoError(t, os.Rename(filepath.Join(dir, "catalog.yaml"), filepath.Join(dir, "zz-catalog.yaml")))
		}, false},
		{"the wrong value changed to another wrong value", func(t *testing.T, dir string) {
			edit(t, filepath.Join(dir, "cart.yaml"), func(s string) string { return strings.ReplaceAll(s, "app: carts", "app: kart") })
		}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := shopCopy(t)
			base := filepath.Join(t.TempDir(), "b.json")
			code, _, errOut := kubenet(t, "", "lint", "--write-baseline", base, dir)
			require.Equal(t, exitClean, code, errOut)
			c.change(t, dir)
			_, res, _ := lintWithBaseline(t, dir, base)
			if c.changed {
				assert.NotEmpty(t, res.Findings)
			} else {
				assert.Empty(t, res.Findings, "still baselined")
				assert.Zero(t, res.Summary.BaselineFixed)
			}
		})
	}
}

// TestBaselineRefused: a baseline that is not one is a usage error, never ignored.
func TestBaselineRefused(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"not-json.json":    "findings: []\n",
		"unknown-key.json": `{"version":1,"findings":[],"extra":1}`,
		"version.json":     `{"version":9,"findings":[]}`,
		"empty-fp.json":    `{"version":1,"findings":[{"rule":"x"}]}`,
	} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		code, _, errOut := kubenet(t, "", "lint", "--baseline", p, "examples/shop")
		assert.Equal(t, exitUsage, code, name)
		assert.Contains(t, errOut, "--baseline "+p, name)
	}
	code, _, _ := kubenet(t, "", "lint", "--baseline", "/dev/zero", "examples/shop")
	assert.Equal(t, exitUsage, code)
}

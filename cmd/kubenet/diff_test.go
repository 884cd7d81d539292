package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/report"
	"github.com/kubenet/kubenet/rules"
)

// diffJSON is the JSON contract of kubenet diff, as a test reads it.
type diffJSON struct {
	Introduced  []rules.Finding `json:"introduced"`
	Fixed       []rules.Finding `json:"fixed"`
	Connections []struct {
		Change, From, To string
		Because          []string
	} `json:"connections"`
	Workloads []struct{ Added, Removed []string }                                        `json:"workloads"`
	Names     []struct{ Change, Object, Name, Before, After string }                     `json:"names"`
	Summary   struct{ Introduced, Fixed, Unchanged, Opened, Closed, Changed, Names int } `json:"summary"`
}

// diffPair is examples/shop twice, old and new, the new one changed by edit.
func diffPair(t *testing.T, edit func(dir string)) (string, string) {
	t.Helper()
	root := t.TempDir()
	old, new := filepath.Join(root, "old"), filepath.Join(root, "new")
	for _, d := range []string{old, new} {
		require.NoError(t, os.CopyFS(d, os.DirFS(filepath.Join(repoRoot, "examples/shop"))))
	}
	edit(new)
	return old, new
}

func runDiffJSON(t *testing.T, args ...string) (int, diffJSON) {
	t.Helper()
	code, out, errOut := kubenet(t, "", append([]string{"diff", "--format", "json"}, args...)...)
	require.Less(t, code, exitUsage, errOut)
	var d diffJSON
	require.NoError(t, json.Unmarshal([]byte(out), &d), out)
	return code, d
}

func replaceIn(t *testing.T, path, old, new string) {
	t.Helper()
	edit(t, path, func(s string) string {
		require.Contains(t, s, old)
		return strings.Replace(s, old, new, 1)
	})
}

func rules2(fs []rules.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

// TestDiffPolicyTightened: a policy that stops admitting a peer closes the connection,
// and the diff names the policy that denies it now.
func TestDiffPolicyTightened(t *testing.T) {
	old, new := diffPair(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "networkpolicy.yaml"), "              app: frontend\n", "              app: storefront\n")
	})
	code, d := runDiffJSON(t, old, new)
	assert.Equal(t, exitFindings, code, "the tightened policy leaves a peer that matches nothing")
	var closed []string
	for _, c := range d.Connections {
		if c.Change == "closed" {
			closed = append(closed, c.From+" -> "+c.To)
			require.NotEmpty(t, c.Because)
			assert.Contains(t, c.Because[0], "denied on")
			assert.Contains(t, c.Because[0], "shop/NetworkPolicy/")
		}
	}
	assert.Contains(t, closed, "shop/Deployment/frontend -> shop/Deployment/cart")
	assert.Zero(t, d.Summary.Opened)
	assert.Contains(t, rules2(d.Introduced), "networkpolicy-peer-orphaned")
}

// TestDiffSelectorTypo: a typo in a Service selector is an introduced finding, and
// fixing the example's own typo is a fixed one.
func TestDiffSelectorTypo(t *testing.T) {
	old, new := diffPair(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "cart.yaml"), "app: carts", "app: cart")
		replaceIn(t, filepath.Join(dir, "catalog.yaml"), "    app: catalog\n  ports", "    app: catalogue\n  ports")
	})
	code, d := runDiffJSON(t, old, new)
	assert.Equal(t, exitFindings, code)
	require.Len(t, d.Introduced, 1, "%v", d.Introduced)
	assert.Equal(t, "service-selector-orphaned", d.Introduced[0].Rule)
	assert.Equal(t, filepath.Join(new, "catalog.yaml"), d.Introduced[0].File, "shown where it is in NEW")
	assert.Contains(t, rules2(d.Fixed), "service-selector-orphaned")
	assert.Positive(t, d.Summary.Unchanged)
}

// TestDiffIngressAdded: an Ingress added with a wrong port is introduced; one without
// a mistake (beside the policy fixed that blocked the controller) adds nothing.
func TestDiffIngressAdded(t *testing.T) {
	ingress := func(name, port string) string {
		return "---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: " + name + "\n  namespace: shop\nspec:\n  ingressClassName: nginx\n  rules:\n    - host: " + name + ".example.com\n      http:\n        paths:\n          - path: /\n            pathType: Prefix\n            backend:\n              service:\n                name: frontend\n                port:\n                  number: " + port + "\n"
	}
	old, new := diffPair(t, func(dir string) {
		edit(t, filepath.Join(dir, "ingress.yaml"), func(s string) string { return s + ingress("good", "80") })
		replaceIn(t, filepath.Join(dir, "networkpolicy.yaml"), "        - port: 80\n", "        - port: 8080\n")
	})
	code, d := runDiffJSON(t, old, new)
	assert.Equal(t, exitClean, code)
	assert.Empty(t, d.Introduced)

	old, new = diffPair(t, func(dir string) {
		edit(t, filepath.Join(dir, "ingress.yaml"), func(s string) string { return s + ingress("bad", "8080") })
	})
	code, d = runDiffJSON(t, old, new)
	assert.Equal(t, exitFindings, code)
	assert.Equal(t, []string{"ingress-port-mismatch"}, rules2(d.Introduced))
}

// TestDiffNameBroken: a name a workload uses that no longer resolves is a DNS change
// and an introduced finding.
func TestDiffNameBroken(t *testing.T) {
	old, new := diffPair(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "cart.yaml"), "value: redis:6379", "value: redis-master:6379")
	})
	code, d := runDiffJSON(t, old, new)
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, rules2(d.Introduced), "dns-reference-unresolved")
	// The old name is no longer used and the new one never resolved: neither is a
	// change of resolution. Renaming the Service breaks the name in place.
	assert.Empty(t, d.Names)

	old, new = diffPair(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "redis.yaml"), "kind: Service\nmetadata:\n  name: redis\n", "kind: Service\nmetadata:\n  name: redis-master\n")
	})
	_, d = runDiffJSON(t, old, new)
	require.NotEmpty(t, d.Names)
	assert.Equal(t, "unresolved", d.Names[0].Change)
	assert.Equal(t, "redis", d.Names[0].Name)
	assert.Equal(t, "shop/Deployment/cart", d.Names[0].Object)
}

// twoCommits makes a repository holding examples/shop under k8s/ (commit one), then
// applies edit and commits again. The work tree is left with an uncommitted change.
func twoCommits(t *testing.T, edit func(dir string)) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
	}
	git("init", "-q", "-b", "main")
	require.NoError(t, os.CopyFS(filepath.Join(dir, "k8s"), os.DirFS(filepath.Join(repoRoot, "examples/shop"))))
	git("add", ".")
	git("commit", "-q", "-m", "shop")
	edit(dir)
	git("add", ".")
	git("commit", "-q", "-m", "change")
	return dir
}

// kubenetIn runs kubenet in dir.
func kubenetIn(t *testing.T, dir string, args ...string) (int, string, string) {
	t.Helper()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// TestDiffGit: two revisions are read with git, without touching the work tree, and
// findings are named as in the repository. The formats are golden.
func TestDiffGit(t *testing.T) {
	dir := twoCommits(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "k8s/cart.yaml"), "app: carts", "app: cart")
		replaceIn(t, filepath.Join(dir, "k8s/networkpolicy.yaml"), "        - port: 80\n", "        - port: 8080\n")
		replaceIn(t, filepath.Join(dir, "k8s/redis.yaml"), "kind: Service\nmetadata:\n  name: redis\n", "kind: Service\nmetadata:\n  name: redis-master\n")
	})
	dirty := filepath.Join(dir, "k8s/cart.yaml")
	require.NoError(t, os.WriteFile(dirty, []byte("not committed"), 0o644))

	outs := map[string]string{}
	for _, format := range report.Diffs.Names() {
		code, out, errOut := kubenetIn(t, dir, "diff", "--git", "HEAD~1", "HEAD", "--format", format)
		assert.Equal(t, exitFindings, code, errOut)
		outs[format] = out
	}
	b, err := os.ReadFile(dirty)
	require.NoError(t, err)
	assert.Equal(t, "not committed", string(b), "the work tree is not touched")

	var d diffJSON
	require.NoError(t, json.Unmarshal([]byte(outs["json"]), &d))
	assert.Contains(t, rules2(d.Fixed), "service-selector-orphaned")
	for _, f := range append(d.Introduced, d.Fixed...) {
		assert.True(t, strings.HasPrefix(f.File, "k8s/"), "named as in the repository: %s", f.File)
	}
	assert.Equal(t, 1, d.Summary.Changed, "the ingress controller now reaches the frontend on 8080, not 80")

	code, _, errOut := kubenetIn(t, dir, "diff", "--git", "no-such-rev")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no-such-rev")
	code, _, _ = kubenetIn(t, dir, "diff", "--git", "--upload-pack=x")
	assert.Equal(t, exitUsage, code, "an option is not a revision")

	t.Chdir(filepath.Join(repoRoot, "cmd/kubenet"))
	for format, out := range outs {
		golden(t, "shop.diff.golden."+format, out)
	}
}

// TestDiffUsage: the arguments each form takes.
func TestDiffUsage(t *testing.T) {
	for _, args := range [][]string{{"diff"}, {"diff", "a"}, {"diff", "a", "b", "c"}, {"diff", "--path", "k8s", "a", "b"}} {
		code, _, _ := kubenet(t, "", args...)
		assert.Equal(t, exitUsage, code, "%v", args)
	}
}

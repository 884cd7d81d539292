package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// The tests in this file drive kubenet through the real clients users run it from:
// pre-commit, the GitHub Action's steps, actionlint and the SARIF validator. CI
// installs them (.ci/run and `make tools`) and sets KUBENET_REQUIRE_TOOLS, so there a
// missing client fails the test; elsewhere the test is skipped with how to get it.

// requireTool returns the path of a client program, looking in bin/ first.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	for _, p := range []string{filepath.Join(repoRoot, "bin", name), filepath.Join(repoRoot, "bin", "node_modules", ".bin", name)} {
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("KUBENET_REQUIRE_TOOLS") != "" {
		t.Fatalf("%s is not installed; `make tools` (and .ci/run for Debian packages) installs it", name)
	}
	t.Skipf("%s is not installed; `make tools` installs it (CI always runs this test)", name)
	return ""
}

// sh runs a command in dir and returns its combined output and exit code.
func sh(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, "%s %v: %s", name, args, out.String())
		code = ee.ExitCode()
	}
	return out.String(), code
}

var gitEnv = []string{
	"GIT_AUTHOR_NAME=kubenet", "GIT_AUTHOR_EMAIL=kubenet@example.com",
	"GIT_COMMITTER_NAME=kubenet", "GIT_COMMITTER_EMAIL=kubenet@example.com",
	"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
}

// gitRepo makes dir a git repository with everything in it committed, and returns the
// commit.
func gitRepo(t *testing.T, dir string) string {
	t.Helper()
	for _, args := range [][]string{{"init", "-q", "-b", "main"}, {"add", "-A"}, {"commit", "-q", "-m", "snapshot"}} {
		out, code := sh(t, dir, gitEnv, "git", args...)
		require.Equal(t, 0, code, "git %v: %s", args, out)
	}
	out, _ := sh(t, dir, gitEnv, "git", "rev-parse", "HEAD")
	return strings.TrimSpace(out)
}

// snapshot copies this checkout as it is on disk (tracked and new files, not ignored
// ones) into a new git repository, so that clients that clone the project (pre-commit)
// test the code under test, not the last commit.
func snapshot(t *testing.T) (string, string) {
	t.Helper()
	requireTool(t, "git")
	out, code := sh(t, repoRoot, nil, "git", "ls-files", "-co", "--exclude-standard", "-z")
	require.Equal(t, 0, code, out)
	dir := t.TempDir()
	for _, f := range strings.Split(strings.TrimRight(out, "\x00"), "\x00") {
		src := filepath.Join(repoRoot, f)
		fi, err := os.Lstat(src)
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		data, err := os.ReadFile(src)
		require.NoError(t, err)
		dst := filepath.Join(dir, f)
		require.NoError(t, os.MkdirAll(filepath.Dir(dst), 0o755))
		require.NoError(t, os.WriteFile(dst, data, fi.Mode().Perm()))
	}
	return dir, gitRepo(t, dir)
}

const brokenService = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    matchLabels: {app: cart}
  template:
    metadata:
      labels: {app: cart}
    spec:
      containers:
        - name: cart
          image: example/cart:1.0
          ports:
            - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: cart
  namespace: shop
spec:
  selector:
    app: carts
  ports:
    - port: 80
      targetPort: 8080
`

// TestPreCommitHook installs the hook of .pre-commit-hooks.yaml with the real
// pre-commit into a throw-away repository, as a user's .pre-commit-config.yaml would,
// and runs it: it fails on a broken manifest and passes once it is fixed.
func TestPreCommitHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubenet through pre-commit; not in -short")
	}
	preCommit := requireTool(t, "pre-commit")
	hookRepo, rev := snapshot(t)

	// The README's snippet, pointed at the snapshot instead of GitHub.
	config := readmeExample(t, "docs/examples/pre-commit-config.yaml")
	config = strings.Replace(config, "https://github.com/kubenet/kubenet", hookRepo, 1)
	config = strings.Replace(config, "rev: v0.1.0", "rev: "+rev, 1)
	user := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(user, "cart.yaml"), []byte(brokenService), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(user, ".pre-commit-config.yaml"), []byte(config), 0o644))
	gitRepo(t, user)

	goEnv := func(name string) string {
		out, code := sh(t, repoRoot, nil, "go", "env", name)
		require.Equal(t, 0, code, out)
		return "" + name + "=" + strings.TrimSpace(out)
	}
	// Share the module and build caches: the hook's `go install` then needs no download.
	env := append([]string{"PRE_COMMIT_HOME=" + t.TempDir(), goEnv("GOMODCACHE"), goEnv("GOCACHE"), "GOFLAGS=", "NO_COLOR=1"}, gitEnv...)

	out, code := sh(t, user, env, preCommit, "run", "--all-files")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "kubenet")
	assert.Contains(t, out, "cart.yaml:26:5  error  service-selector-orphaned  selector app=carts matches no pod template in namespace shop")

	// The language: system variant runs the kubenet on PATH.
	bin := t.TempDir()
	out, code = sh(t, repoRoot, nil, "go", "build", "-o", filepath.Join(bin, "kubenet"), "./cmd/kubenet")
	require.Equal(t, 0, code, out)
	system := strings.Replace(config, "id: kubenet", "id: kubenet-system", 1)
	require.NotEqual(t, config, system)
	require.NoError(t, os.WriteFile(filepath.Join(user, ".pre-commit-config.yaml"), []byte(system), 0o644))
	systemEnv := append(append([]string{}, env...), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, code = sh(t, user, systemEnv, preCommit, "run", "--all-files")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "cart.yaml:26:5  error  service-selector-orphaned")

	fixed := strings.Replace(brokenService, "app: carts", "app: cart", 1)
	require.NoError(t, os.WriteFile(filepath.Join(user, "cart.yaml"), []byte(fixed), 0o644))
	out, code = sh(t, user, systemEnv, preCommit, "run", "--all-files")
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `kubenet\.+Passed`, out)
	require.NoError(t, os.WriteFile(filepath.Join(user, ".pre-commit-config.yaml"), []byte(config), 0o644))
	out, code = sh(t, user, env, preCommit, "run", "--all-files")
	assert.Equal(t, 0, code, out)
	assert.Regexp(t, `kubenet\.+Passed`, out)
}

// action is the part of action.yml a composite-action runner reads.
type action struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Using string `yaml:"using"`
		Steps []struct {
			Name             string            `yaml:"name"`
			ID               string            `yaml:"id"`
			If               string            `yaml:"if"`
			Uses             string            `yaml:"uses"`
			Shell            string            `yaml:"shell"`
			Run              string            `yaml:"run"`
			Env              map[string]string `yaml:"env"`
			WorkingDirectory string            `yaml:"working-directory"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var exprRe = regexp.MustCompile(`\$\{\{\s*([^}]*?)\s*\}\}`)

// runAction runs the steps of action.yml as the GitHub runner runs a composite
// action: expressions substituted (inputs, github.action_path, github.action_ref),
// `bash --noprofile --norc -eo pipefail` for each run step, the GITHUB_* files a
// runner provides, and GITHUB_PATH applied between steps. Steps that use other actions
// are the runner's to fetch: only actions/setup-go is allowed, and Go is on the test
// machine. It returns the lint step's exit code, its output, and the files.
func runAction(t *testing.T, workspace string, inputs map[string]string) (code int, log string, files map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "action.yml"))
	require.NoError(t, err)
	var a action
	require.NoError(t, yaml.Unmarshal(data, &a))
	require.Equal(t, "composite", a.Runs.Using)
	for name := range inputs {
		_, ok := a.Inputs[name]
		require.True(t, ok, "action.yml has no input %q", name)
	}
	if _, ok := inputs["release-url"]; !ok {
		// No release to download: the action builds from source.
		inputs = maps.Clone(inputs)
		inputs["release-url"] = "file://" + t.TempDir()
	}
	var expand func(s string) string
	input := func(name string) string {
		if v, ok := inputs[name]; ok {
			return v
		}
		in, ok := a.Inputs[name]
		require.True(t, ok, "action.yml uses undeclared input %q", name)
		return expand(in.Default)
	}
	expand = func(s string) string {
		return exprRe.ReplaceAllStringFunc(s, func(m string) string {
			e := exprRe.FindStringSubmatch(m)[1]
			switch {
			case strings.HasPrefix(e, "inputs."):
				return input(strings.TrimPrefix(e, "inputs."))
			case e == "github.action_path":
				return repoRoot
			case e == "github.action_ref":
				return "v0.9.0"
			case e == "github.token":
				return "test-token"
			case strings.HasPrefix(e, "github.event.pull_request."):
				return "" // a push: no pull request (tests give base, head and pr-number)
			}
			t.Fatalf("the test runner does not know the expression %q: teach it, or keep the action simpler", e)
			return ""
		})
	}
	temp := t.TempDir()
	files = map[string]string{}
	for _, f := range []string{"GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV"} {
		files[f] = filepath.Join(temp, strings.ToLower(f))
		require.NoError(t, os.WriteFile(files[f], nil, 0o644))
	}
	runnerTemp := filepath.Join(temp, "runner-temp")
	require.NoError(t, os.MkdirAll(runnerTemp, 0o755))
	path := os.Getenv("PATH")
	code = -1
	outputs := map[string]map[string]string{}
	for _, step := range a.Runs.Steps {
		if step.If != "" && !stepCondition(t, step.If, outputs) {
			continue
		}
		if step.Uses != "" {
			require.True(t, strings.HasPrefix(step.Uses, "actions/setup-go@"), "unexpected action %s", step.Uses)
			continue
		}
		require.Equal(t, "bash", step.Shell, "step %q", step.Name)
		script := filepath.Join(temp, "step.sh")
		require.NoError(t, os.WriteFile(script, []byte(expand(step.Run)), 0o644))
		env := []string{
			"CI=true", "GITHUB_ACTIONS=true", "GITHUB_WORKSPACE=" + workspace, "GITHUB_ACTION_PATH=" + repoRoot,
			"GITHUB_REPOSITORY=example/shop", "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
			"GITHUB_SERVER_URL=https://github.com", "GITHUB_API_URL=https://api.github.example", "RUNNER_TEMP=" + runnerTemp, "RUNNER_OS=Linux",
		}
		stepOutput := filepath.Join(temp, "step-output")
		require.NoError(t, os.WriteFile(stepOutput, nil, 0o644))
		for _, f := range []string{"GITHUB_STEP_SUMMARY", "GITHUB_PATH", "GITHUB_ENV"} {
			env = append(env, f+"="+files[f])
		}
		env = append(env, "GITHUB_OUTPUT="+stepOutput, "RUNNER_ARCH="+map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH])
		for k, v := range step.Env {
			env = append(env, k+"="+expand(v))
		}
		// GITHUB_PATH lines written by earlier steps come first in PATH.
		added, _ := os.ReadFile(files["GITHUB_PATH"])
		p := path
		for _, l := range strings.Split(strings.TrimSpace(string(added)), "\n") {
			if l != "" {
				p = l + string(os.PathListSeparator) + p
			}
		}
		env = append(env, "PATH="+p)
		dir := workspace
		if step.WorkingDirectory != "" {
			dir = filepath.Join(workspace, expand(step.WorkingDirectory))
		}
		out, c := sh(t, dir, env, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		log += out
		written, err := os.ReadFile(stepOutput)
		require.NoError(t, err)
		appendFile(t, files["GITHUB_OUTPUT"], written)
		outputs[step.ID] = map[string]string{}
		for _, l := range strings.Split(string(written), "\n") {
			if k, v, ok := strings.Cut(l, "="); ok {
				outputs[step.ID][k] = v
			}
		}
		if step.ID == "lint" {
			code = c
		} else if c != 0 {
			// The job stops at a failed step, as the runner stops it.
			log += fmt.Sprintf("\nstep %q failed with %d\n", step.Name, c)
			break
		}
	}
	for name, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		files[name] = string(data)
	}
	return code, log, files
}

// stepCondition evaluates a step's `if:` of the one form action.yml uses:
// steps.ID.outputs.NAME == or != 'VALUE'.
func stepCondition(t *testing.T, cond string, outputs map[string]map[string]string) bool {
	t.Helper()
	m := regexp.MustCompile(`^steps\.(\w+)\.outputs\.([\w-]+) (==|!=) '([^']*)'$`).FindStringSubmatch(strings.TrimSpace(cond))
	require.NotNil(t, m, "the test runner does not know the condition %q: teach it, or keep the action simpler", cond)
	equal := outputs[m[1]][m[2]] == m[4]
	return equal == (m[3] == "==")
}

func appendFile(t *testing.T, path string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	_, err = f.Write(data)
	require.NoError(t, err)
	require.NoError(t, f.Close())
}

// TestGitHubActionRelease: the action downloads the release of its own version,
// checked against checksums.txt, and builds from source only when there is none; a
// release that does not match its checksums fails the job.
func TestGitHubActionRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubenet; not in -short")
	}
	requireTool(t, "bash")
	requireTool(t, "curl")
	workspace := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(workspace, "k8s"), os.DirFS(filepath.Join(repoRoot, "examples/shop"))))

	// A release v0.9.0 of a kubenet that says it was downloaded.
	releases := t.TempDir()
	dir := filepath.Join(releases, "v0.9.0")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	bin := filepath.Join(t.TempDir(), "kubenet")
	out, code := sh(t, repoRoot, nil, "go", "build", "-ldflags", "-X main.version=0.9.0 -X main.commit=released", "-o", bin, "./cmd/kubenet")
	require.Equal(t, 0, code, out)
	archive := fmt.Sprintf("kubenet_0.9.0_linux_%s.tar.gz", runtime.GOARCH)
	out, code = sh(t, filepath.Dir(bin), nil, "tar", "-czf", filepath.Join(dir, archive), "kubenet")
	require.Equal(t, 0, code, out)
	data, err := os.ReadFile(filepath.Join(dir, archive))
	require.NoError(t, err)
	sum := sha256.Sum256(data)
	checksums := fmt.Sprintf("%x  %s\n%x  kubenet_0.9.0_darwin_arm64.tar.gz\n", sum, archive, sha256.Sum256(nil))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(checksums), 0o644))

	inputs := map[string]string{"paths": "k8s", "summary": "false", "release-url": "file://" + releases}
	code, log, _ := runAction(t, workspace, inputs)
	assert.Equal(t, exitFindings, code, log)
	assert.Contains(t, log, "kubenet: downloaded "+archive+" (sha256 ")
	assert.Contains(t, log, "kubenet version 0.9.0 (commit released)", "the release binary runs")
	assert.NotContains(t, log, "building from source")

	// A tampered release: the job stops before linting.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "checksums.txt"), []byte(strings.Replace(checksums, fmt.Sprintf("%x", sum), fmt.Sprintf("%x", sha256.Sum256([]byte("x"))), 1)), 0o644))
	code, log, _ = runAction(t, workspace, inputs)
	assert.Equal(t, -1, code, "lint never ran: %s", log)
	assert.Contains(t, log, "does not match the release's checksums.txt")
	assert.Contains(t, log, `step "Download kubenet" failed`)

	// No release of this version: built from source (the other action tests).
	inputs["release-url"] = "file://" + t.TempDir()
	code, log, _ = runAction(t, workspace, inputs)
	assert.Equal(t, exitFindings, code, log)
	assert.Contains(t, log, "building from source")
	assert.Contains(t, log, "kubenet version 0.9.0\n")
}

// TestGitHubAction runs action.yml's steps on the example shop and checks what a pull
// request would show: the log, the annotations, the job summary with its picture, the
// SARIF file and the step's outputs.
func TestGitHubAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubenet; not in -short")
	}
	requireTool(t, "bash")
	workspace := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(workspace, "k8s"), os.DirFS(filepath.Join(repoRoot, "examples/shop"))))

	code, log, files := runAction(t, workspace, map[string]string{"paths": "k8s\n", "sarif-file": "kubenet.sarif"})
	assert.Equal(t, exitFindings, code, log)
	assert.Contains(t, log, "kubenet version 0.9.0", "built at the action's own version")
	assert.Contains(t, log, "k8s/cart.yaml:34:5  error  service-selector-orphaned", "the log reads as text")
	assert.Contains(t, log, "::error file=k8s/cart.yaml,line=34,col=5,title=kubenet service-selector-orphaned::selector app=carts", "annotations for the pull request")
	assert.Contains(t, files["GITHUB_OUTPUT"], "exit-code=1\n")

	summary := files["GITHUB_STEP_SUMMARY"]
	assert.Contains(t, summary, "### kubenet: ")
	assert.Contains(t, summary, "| 🔴 error | [`service-selector-orphaned`]")
	assert.Contains(t, summary, "```mermaid\nflowchart LR\n")
	assert.Contains(t, summary, `"✗ selects nothing"`, "the picture marks the broken edge")

	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(filepath.Join(workspace, "kubenet.sarif"))
	require.NoError(t, err, "the SARIF file for upload-sarif")
	require.NoError(t, json.Unmarshal(data, &sarif))
	assert.Equal(t, "2.1.0", sarif.Version)
	require.Len(t, sarif.Runs, 1)
	assert.NotEmpty(t, sarif.Runs[0].Results)

	// fail-on none: the step passes, and says what it found.
	code, _, files = runAction(t, workspace, map[string]string{"paths": "k8s", "fail-on": "none", "summary": "false", "annotations": "false"})
	assert.Equal(t, exitClean, code)
	assert.Contains(t, files["GITHUB_OUTPUT"], "exit-code=0\n")
	assert.Empty(t, files["GITHUB_STEP_SUMMARY"])

	// A usage error fails the step with 2 and writes no summary.
	code, log, _ = runAction(t, workspace, map[string]string{"paths": "missing"})
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, log, "cannot read missing")
}

// TestGitHubActionDiff runs the Action's diff mode on a pull request of two commits:
// the summary is the diff, annotations are the introduced findings only, and with
// comment: true one pull request comment is created, then edited, through GitHub's
// API (a stand-in curl records the calls).
func TestGitHubActionDiff(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubenet; not in -short")
	}
	requireTool(t, "bash")
	requireTool(t, "git")
	workspace := twoCommits(t, func(dir string) {
		replaceIn(t, filepath.Join(dir, "k8s/cart.yaml"), "app: carts", "app: cart")
		replaceIn(t, filepath.Join(dir, "k8s/catalog.yaml"), "    app: catalog\n  ports", "    app: catalogue\n  ports")
	})
	// curl as GitHub would answer it: the comments of the pull request from a file,
	// every call logged.
	fake := t.TempDir()
	calls := filepath.Join(fake, "calls.log")
	listing := filepath.Join(fake, "comments.json")
	realCurl := requireTool(t, "curl")
	curl := `#!/bin/bash
case "$*" in *api.github.example*) ;; *) exec ` + realCurl + ` "$@" ;; esac
echo "$*" >> ` + calls + `
out=/dev/stdout
while [ $# -gt 0 ]; do
  case "$1" in -o) out="$2"; shift ;; --data-binary) cp "${2#@}" ` + filepath.Join(fake, "payload.json") + `; shift ;; esac
  shift
done
cat ` + listing + ` > "$out"
`
	require.NoError(t, os.WriteFile(filepath.Join(fake, "curl"), []byte(curl), 0o755))
	t.Setenv("PATH", fake+string(os.PathListSeparator)+os.Getenv("PATH"))
	inputs := map[string]string{"diff": "true", "base": "HEAD~1", "head": "HEAD", "paths": "k8s", "comment": "true", "pr-number": "7"}

	require.NoError(t, os.WriteFile(listing, []byte(`[{"id":5,"body":"<!-- kubenet-diff -->\nquoted by a person","user":{"type":"User"}}]`), 0o644))
	code, log, files := runAction(t, workspace, inputs)
	assert.Equal(t, exitFindings, code, log)
	assert.Contains(t, files["GITHUB_OUTPUT"], "exit-code=1\n")
	assert.Contains(t, files["GITHUB_STEP_SUMMARY"], "### kubenet diff: HEAD\\~1 → HEAD")
	assert.Contains(t, files["GITHUB_STEP_SUMMARY"], "| introduced | error | `service-selector-orphaned` | k8s/catalog.yaml:")
	var annotations []string
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "::") {
			annotations = append(annotations, l)
		}
	}
	require.Len(t, annotations, 1, "the introduced finding only: %s", log)
	assert.Contains(t, annotations[0], "::error file=k8s/catalog.yaml")
	logged, err := os.ReadFile(calls)
	require.NoError(t, err)
	assert.Contains(t, string(logged), "https://api.github.example/repos/example/shop/issues/7/comments?per_page=100")
	assert.Contains(t, string(logged), "-X POST https://api.github.example/repos/example/shop/issues/7/comments", "no comment of kubenet's yet")
	assert.Contains(t, string(logged), "Authorization: Bearer test-token")
	payload, err := os.ReadFile(filepath.Join(fake, "payload.json"))
	require.NoError(t, err)
	var body struct{ Body string }
	require.NoError(t, json.Unmarshal(payload, &body))
	assert.True(t, strings.HasPrefix(body.Body, "<!-- kubenet-diff -->\n### kubenet diff"), body.Body)

	require.NoError(t, os.Remove(calls))
	require.NoError(t, os.WriteFile(listing, []byte(`[{"id":42,"body":"<!-- kubenet-diff -->\nold","user":{"type":"Bot"}}]`), 0o644))
	_, log, _ = runAction(t, workspace, inputs)
	logged, err = os.ReadFile(calls)
	require.NoError(t, err, log)
	assert.Contains(t, string(logged), "-X PATCH https://api.github.example/repos/example/shop/issues/comments/42", "its own comment, edited")

	// Without comment: true, GitHub is never called.
	require.NoError(t, os.Remove(calls))
	delete(inputs, "comment")
	_, log, _ = runAction(t, workspace, inputs)
	_, err = os.Stat(calls)
	assert.True(t, os.IsNotExist(err), "curl ran: %s", log)
}

// annotationRe is the only workflow command kubenet's log may carry: an annotation of
// its own, on a file of the workspace, with properties escaped as the runner expects.
var annotationRe = regexp.MustCompile(`^::(error|warning|notice) file=k8s/[a-z]+\.yaml,line=\d+,col=\d+,title=kubenet [a-z0-9-]+::[^\r]*$`)

// TestGitHubActionHostileInput runs the Action's steps on manifests written to inject
// into the step log and the job summary: no line of the log starts a workflow command
// but kubenet's own annotations, and the summary's picture still parses as one
// mermaid flowchart inside its fence.
func TestGitHubActionHostileInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kubenet; not in -short")
	}
	requireTool(t, "bash")
	workspace := t.TempDir()
	require.NoError(t, os.CopyFS(filepath.Join(workspace, "k8s"), os.DirFS(filepath.Join(repoRoot, "cmd/kubenet/testdata/hostile"))))

	code, log, files := runAction(t, workspace, map[string]string{"paths": "k8s"})
	assert.Equal(t, exitFindings, code, log)
	annotations := 0
	for _, l := range strings.Split(log, "\n") {
		if !strings.HasPrefix(strings.TrimLeft(l, " \t"), "::") {
			continue
		}
		assert.Regexp(t, annotationRe, l, "a line of the log starts a workflow command")
		annotations++
	}
	assert.Positive(t, annotations, "the findings are annotated")
	assert.NotContains(t, log, "INJECTED::", "no injected command, even inside an annotation's properties")

	summary := files["GITHUB_STEP_SUMMARY"]
	for _, bad := range []string{"<img", "](https://evil", "\x1b"} {
		assert.NotContains(t, summary, bad)
	}
	fences := regexp.MustCompile("(?m)^```").FindAllStringIndex(summary, -1)
	require.Len(t, fences, 2, "one fenced picture, which no label closes early:\n%s", summary)
	picture := summary[fences[0][1]:fences[1][0]]
	require.True(t, strings.HasPrefix(picture, "mermaid\nflowchart LR\n"), picture)
	out, ok := parseMermaid(t, map[string]string{"summary.mmd": strings.TrimPrefix(picture, "mermaid\n")})
	assert.True(t, ok, out)
}

// readmeExample returns an example file of docs/ that the README shows verbatim, so
// that what a user copies from the README is what the tests run.
func readmeExample(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, path))
	require.NoError(t, err)
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), string(data), "README.md shows %s verbatim", path)
	return string(data)
}

// TestWorkflowExample checks the README's GitHub workflow with actionlint.
func TestWorkflowExample(t *testing.T) {
	actionlint := requireTool(t, "actionlint")
	readmeExample(t, "docs/examples/github-workflow.yml")
	out, code := sh(t, repoRoot, nil, actionlint, "-no-color", "docs/examples/github-workflow.yml")
	assert.Equal(t, 0, code, out)
	assert.Empty(t, out)
}

// TestSARIFValidator validates kubenet's SARIF with Microsoft's SARIF multitool, with
// the SARIF specification's rules and GitHub code scanning's ingestion rules: no error
// and no warning may remain. A broken file shows the check is not vacuous.
func TestSARIFValidator(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the .NET validator; not in -short")
	}
	requireTool(t, "sarif-multitool")
	for _, tc := range []struct{ name, path string }{
		{"findings", "examples/shop"},
		{"clean", "cmd/kubenet/testdata/clean"},
		{"kustomize", "examples/kustomize/overlays/prod"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "kubenet.sarif")
			_, _, errOut := kubenet(t, "", "lint", "--fail-on", "none", "--format", "text", "-o", "sarif="+in, tc.path)
			require.Empty(t, errOut)
			assert.Empty(t, validateSARIF(t, in))
		})
	}
	t.Run("broken", func(t *testing.T) {
		in := filepath.Join(t.TempDir(), "broken.sarif")
		require.NoError(t, os.WriteFile(in, []byte(`{"runs":[{"tool":{"driver":{"name":"x"}},"results":[{"ruleId":"r","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.yaml"},"region":{"startLine":0}}}]}]}]}`), 0o644))
		problems := validateSARIF(t, in)
		assert.NotEmpty(t, problems, "a missing version and line 0 are errors")
	})
}

// validateSARIF runs the validator on a file and returns its errors and warnings.
func validateSARIF(t *testing.T, in string) []string {
	t.Helper()
	// The platform binary itself: the npm wrapper passes arguments through a shell.
	validator := filepath.Join(repoRoot, "bin/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
	require.FileExists(t, validator, "make tools installs @microsoft/sarif-multitool in bin/")
	out := in + ".validation"
	log, code := sh(t, filepath.Dir(in), []string{"DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1"}, validator, "validate", in,
		"--rule-kind", "Sarif;Ghas", "--level", "Error;Warning;Note", "--output", out, "--log", "ForceOverwrite")
	require.Equal(t, 0, code, log) // the exit status tells whether the tool ran, not the verdict
	var v struct {
		Runs []struct {
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					ID        string   `json:"id"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(out)
	require.NoError(t, err, log)
	require.NoError(t, json.Unmarshal(data, &v))
	require.Len(t, v.Runs, 1)
	require.NotEmpty(t, v.Runs[0].Invocations)
	assert.True(t, v.Runs[0].Invocations[0].ExecutionSuccessful, log)
	var problems []string
	for _, r := range v.Runs[0].Results {
		level := r.Level
		if level == "" {
			level = "warning" // SARIF's default level
		}
		if level == "error" || level == "warning" {
			problems = append(problems, fmt.Sprintf("%s %s: %s %v", level, r.RuleID, r.Message.ID, r.Message.Arguments))
		}
	}
	return problems
}

// TestMermaidParses parses every Mermaid picture kubenet draws with mermaid itself, the
// renderer of GitHub's Markdown (job summaries, comments): the network picture and the
// reach matrix, on the example shop, the kustomize example, the Gateway API example,
// and hostile labels.
func TestMermaidParses(t *testing.T) {
	pictures := map[string]string{}
	for i, tc := range [][]string{
		{"graph", "--format", "mermaid", "examples/shop"},
		{"reach", "--format", "mermaid", "examples/shop"},
		{"graph", "--format", "mermaid", "examples/kustomize/overlays/prod"},
		{"graph", "--format", "mermaid", "cmd/kubenet/testdata/clean"},
		{"graph", "--format", "mermaid", "cmd/kubenet/testdata/hostile"},
		{"graph", "--format", "mermaid", "examples/gateway"},
		// A name of the API server's Service, which the input does not define.
		{"graph", "--format", "mermaid", "testdata/rules/dns-reference-unresolved/builtin-srv-trailing-dot"},
	} {
		code, out, errOut := kubenet(t, "", tc...)
		require.Equal(t, exitClean, code, errOut)
		pictures[fmt.Sprintf("%d.mmd", i)] = out
	}
	// The picture kubenet diff puts in its Markdown (opened and closed connections).
	md, err := os.ReadFile(filepath.Join(repoRoot, "cmd/kubenet/testdata/shop.diff.golden.markdown"))
	require.NoError(t, err)
	_, fence, ok := strings.Cut(string(md), "```mermaid\n")
	require.True(t, ok, "the diff golden holds a picture")
	pictures["diff.mmd"], _, _ = strings.Cut(fence, "```")
	out, ok := parseMermaid(t, pictures)
	assert.True(t, ok, out)
	assert.Equal(t, len(pictures), strings.Count(out, " ok flowchart-v2"), out)

	out, ok = parseMermaid(t, map[string]string{"broken.mmd": "flowchart LR\n  a --> |x b\n"})
	assert.False(t, ok, "the check is not vacuous: %s", out)
}

// parseMermaid parses pictures (file name to text) with mermaid's own parser, and
// returns its report and whether every picture parsed.
func parseMermaid(t *testing.T, pictures map[string]string) (string, bool) {
	t.Helper()
	node := requireTool(t, "node")
	mermaid := filepath.Join(repoRoot, "bin/node_modules/mermaid/package.json")
	if _, err := os.Stat(mermaid); err != nil {
		if os.Getenv("KUBENET_REQUIRE_TOOLS") != "" {
			t.Fatal("mermaid is not installed in bin/; `make tools` installs it")
		}
		t.Skip("mermaid is not installed in bin/; `make tools` installs it")
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "cmd/kubenet/testdata/mermaid-parse.mjs"))
	require.NoError(t, err)
	// Beside bin/node_modules, where node resolves its imports.
	runner := filepath.Join(repoRoot, "bin", "mermaid-parse.mjs")
	require.NoError(t, os.WriteFile(runner, script, 0o644))
	dir := t.TempDir()
	args := []string{runner}
	for name, text := range pictures {
		f := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(f, []byte(text), 0o644))
		args = append(args, f)
	}
	out, code := sh(t, dir, nil, node, args...)
	return out, code == 0
}

package main

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/report"
	"github.com/kubenet/kubenet/rules"
)

var update = flag.Bool("update", false, "rewrite golden files and docs/rules.md")

// repoRoot is the repository root, where kubenet runs in tests.
var repoRoot = func() string {
	abs, err := filepath.Abs("../..")
	if err != nil {
		panic(err)
	}
	return abs
}()

// kubenet runs the CLI in-process from the repository root, so paths in the output are
// repository-relative.
func kubenet(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Chdir(repoRoot)
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run `make golden` to create it")
	assert.Equal(t, string(want), got, "output differs from %s (make golden refreshes it after an intended change)", path)
}

// TestGoldenFormats runs every format of every registry on the example shop and
// compares it with its golden file: shop.golden.EXT for lint (txt for text),
// shop.reach.golden.FORMAT and shop.graph.golden.FORMAT.
func TestGoldenFormats(t *testing.T) {
	type run struct {
		cmd    string
		names  []string
		golden func(format string) string
		code   int
	}
	for _, r := range []run{
		{"lint", report.Findings.Names(), func(f string) string {
			if f == "text" {
				f = "txt"
			}
			return "shop.golden." + f
		}, exitFindings},
		{"reach", report.Reach.Names(), func(f string) string { return "shop.reach.golden." + f }, exitClean},
		{"graph", report.Graph.Names(), func(f string) string { return "shop.graph.golden." + f }, exitClean},
	} {
		for _, format := range r.names {
			t.Run(r.cmd+"/"+format, func(t *testing.T) {
				args := []string{r.cmd, "--format", format, "examples/shop"}
				if r.cmd == "lint" {
					args = append(args, "--no-color")
				}
				code, out, errOut := kubenet(t, "", args...)
				assert.Equal(t, r.code, code, errOut)
				assert.Empty(t, errOut)
				t.Chdir(filepath.Join(repoRoot, "cmd/kubenet"))
				golden(t, r.golden(format), out)
			})
		}
	}
}

func TestLintSARIFCatalog(t *testing.T) {
	code, out, _ := kubenet(t, "", "lint", "--format", "sarif", "examples/shop")
	assert.Equal(t, exitFindings, code)
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID              string            `json:"ruleId"`
				RuleIndex           int               `json:"ruleIndex"`
				PartialFingerprints map[string]string `json:"partialFingerprints"`
			} `json:"results"`
		} `json:"runs"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &log))
	assert.Equal(t, "2.1.0", log.Version)
	require.Len(t, log.Runs, 1)
	driver := log.Runs[0].Tool.Driver
	e, err := rules.NewEngine()
	require.NoError(t, err)
	assert.Len(t, driver.Rules, len(e.Rules()), "the full rule catalog")
	for _, r := range log.Runs[0].Results {
		assert.Equal(t, r.RuleID, driver.Rules[r.RuleIndex].ID)
		assert.Len(t, r.PartialFingerprints["kubenetFinding/v2"], 32)
	}
	assert.NotEmpty(t, log.Runs[0].Results)
}

// TestLintColor: colour on a terminal only, and never with --no-color or NO_COLOR.
func TestLintColor(t *testing.T) {
	t.Chdir(repoRoot)
	for _, tc := range []struct {
		name    string
		tty     bool
		env     map[string]string
		args    []string
		colored bool
	}{
		{"a terminal", true, nil, nil, true},
		{"a pipe", false, nil, nil, false},
		{"--no-color", true, nil, []string{"--no-color"}, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, nil, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			io := newIOStreams(strings.NewReader(""), &out, &errb, func(k string) string { return tc.env[k] })
			io.setStdoutTTY(tc.tty)
			root := newRootCmd(io)
			root.SetArgs(append([]string{"lint", "examples/shop"}, tc.args...))
			root.SetOut(&out)
			root.SetErr(&errb)
			_ = root.Execute()
			assert.Contains(t, out.String(), "service-selector-orphaned")
			assert.Equal(t, tc.colored, strings.Contains(out.String(), "\x1b["), out.String())
		})
	}
}

func TestExitCodes(t *testing.T) {
	clean := "testdata/clean"
	tests := []struct {
		name string
		args []string
		code int
		err  string
	}{
		{"clean input", []string{"lint", clean}, exitClean, ""},
		{"findings", []string{"lint", "examples/shop"}, exitFindings, ""},
		{"findings below --fail-on", []string{"lint", "--fail-on", "none", "examples/shop"}, exitClean, ""},
		{"errors meet --fail-on error", []string{"lint", "--fail-on", "error", "examples/shop"}, exitFindings, ""},
		{"missing path", []string{"lint", "does/not/exist"}, exitUsage, "cannot read does/not/exist"},
		{"bad --fail-on", []string{"lint", "--fail-on", "loud", clean}, exitUsage, "--fail-on"},
		{"bad --format", []string{"lint", "--format", "xml", clean}, exitUsage, "--format"},
		{"unknown flag", []string{"lint", "--bogus"}, exitUsage, "unknown flag"},
		{"unknown rule", []string{"lint", "--rule", "nope", clean}, exitUsage, "unknown rule"},
		{"unknown command", []string{"frobnicate"}, exitUsage, "unknown command"},
		{"bad expectations file", []string{"lint", "--expect", "cmd/kubenet/testdata/bad-expect.yaml", clean}, exitUsage,
			`bad-expect.yaml:4:5: expectations[0]: unknown key "prot"`},
		{"broken policy folder", []string{"lint", "--policy", "cmd/kubenet/testdata/badpolicy", clean}, exitUsage, "custom.severity"},
		// The rules compile while the manifests load; their errors still come first.
		{"broken policy folder and missing path", []string{"lint", "--policy", "cmd/kubenet/testdata/badpolicy", "does/not/exist"}, exitUsage, "custom.severity"},
		{"unknown rule and missing path", []string{"lint", "--rule", "nope", "does/not/exist"}, exitUsage, "unknown rule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasPrefix(tt.args[len(tt.args)-1], "testdata/") {
				tt.args[len(tt.args)-1] = "cmd/kubenet/" + tt.args[len(tt.args)-1]
			}
			code, _, errOut := kubenet(t, "", tt.args...)
			assert.Equal(t, tt.code, code, errOut)
			if tt.err != "" {
				assert.Contains(t, errOut, tt.err)
			}
		})
	}
}

func TestLintStdin(t *testing.T) {
	manifest := "apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n    nodePort: 80\n"
	code, out, _ := kubenet(t, manifest, "lint", "--no-color", "-")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "<stdin>:8:5  error  nodeport-conflict")
}

func TestUserPolicy(t *testing.T) {
	code, out, errOut := kubenet(t, "", "lint", "--no-color", "--rule", "service-team-label",
		"--policy", "cmd/kubenet/testdata/policy", "examples/shop")
	assert.Equal(t, exitFindings, code, errOut)
	assert.Contains(t, out, "examples/shop/cart.yaml:30:9  warning  service-team-label  Service cart has no team label")
}

// TestHelmChart: a chart folder is rendered with the flags of helm template, and its
// findings point at the template; --helm=false skips it with a notice.
func TestHelmChart(t *testing.T) {
	code, out, errOut := kubenet(t, "", "lint", "--no-color", "cmd/kubenet/testdata/withchart")
	assert.Equal(t, exitClean, code, out+errOut)

	code, out, errOut = kubenet(t, "", "lint", "--no-color", "--format", "json", "--set", "app=wbe", "--release-name", "front",
		"cmd/kubenet/testdata/withchart")
	assert.Equal(t, exitFindings, code, errOut)
	var res struct{ Findings []rules.Finding }
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	var orphaned []rules.Finding
	for _, f := range res.Findings {
		if f.Rule == "service-selector-orphaned" {
			orphaned = append(orphaned, f)
		}
	}
	require.Len(t, orphaned, 1, out)
	f := orphaned[0]
	assert.Equal(t, "cmd/kubenet/testdata/withchart/chart/templates/svc.yaml", f.File)
	assert.Equal(t, 6, f.Line, "the template line that wrote the selector")
	assert.Equal(t, "default/Service/front", f.Object.String())

	code, _, errOut = kubenet(t, "", "lint", "--kube-version", "banana", "cmd/kubenet/testdata/withchart")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `--kube-version "banana"`)

	code, _, errOut = kubenet(t, "", "lint", "--helm=false", "cmd/kubenet/testdata/withchart")
	assert.Equal(t, exitClean, code)
	assert.Contains(t, errOut, "skipped Helm chart cmd/kubenet/testdata/withchart/chart")
	assert.Contains(t, errOut, "helm template")
}

// TestRulesDoc keeps docs/rules.md in step with the rules' metadata.
func TestRulesDoc(t *testing.T) {
	code, out, _ := kubenet(t, "", "rules", "--format", "markdown")
	require.Equal(t, exitClean, code)
	if *update {
		require.NoError(t, os.WriteFile("docs/rules.md", []byte(out), 0o644))
		return
	}
	want, err := os.ReadFile("docs/rules.md")
	require.NoError(t, err)
	assert.Equal(t, string(want), out, "docs/rules.md is stale: run `make docs`")
}

func TestRulesCommand(t *testing.T) {
	code, out, _ := kubenet(t, "", "rules")
	assert.Equal(t, exitClean, code)
	assert.Regexp(t, `(?m)^service-selector-orphaned\s+error\s+Service selector matches no pod template$`, out)
	code, out, _ = kubenet(t, "", "rules", "service-port-mismatch")
	assert.Equal(t, exitClean, code)
	assert.Contains(t, out, "How to fix:")
	code, _, errOut := kubenet(t, "", "rules", "no-such-rule")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "unknown rule")
}

func TestLintExpectations(t *testing.T) {
	code, out, errOut := kubenet(t, "", "lint", "--no-color", "--rule", "connectivity-expectation",
		"--expect", "examples/shop-intent/expectations.yaml", "examples/shop")
	assert.Equal(t, exitFindings, code, errOut)
	assert.Contains(t, out, "examples/shop-intent/expectations.yaml:20:5  error  connectivity-expectation  expected ingress-nginx/IngressController/ingress-nginx -> shop/Service/frontend on http to be allowed, but it is denied")
	assert.Contains(t, out, "policies see 8080, not 80")
	assert.Contains(t, out, "2 errors, 0 warnings, 0 infos")
}

func TestConfigFile(t *testing.T) {
	code, out, errOut := kubenet(t, "", "lint", "--no-color", "--format", "json", "--config", "cmd/kubenet/testdata/config/kubenet.yaml", "examples/shop")
	require.Equal(t, exitFindings, code, errOut)
	var rep struct {
		Findings []rules.Finding `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	seen := map[string]rules.Severity{}
	for _, f := range rep.Findings {
		assert.NotEqual(t, "examples/shop/redis.yaml", f.File, "ignorePaths")
		seen[f.Rule] = f.Severity
		if f.Rule == "dns-egress-missing" {
			assert.Contains(t, f.Message, "5353/UDP", "cluster.dns.port")
		}
	}
	assert.NotContains(t, seen, "service-unreachable", "rules.disable")
	assert.Contains(t, out, `"config": "cmd/kubenet/testdata/config/kubenet.yaml"`, "the JSON names the config in use")
	assert.Contains(t, errOut, "kubenet: config: cmd/kubenet/testdata/config/kubenet.yaml", "and so does stderr")
	_, sarif, _ := kubenet(t, "", "lint", "--format", "sarif", "--fail-on", "none", "--config", "cmd/kubenet/testdata/config/kubenet.yaml", "examples/shop")
	assert.Contains(t, sarif, `"kubenet.config": "cmd/kubenet/testdata/config/kubenet.yaml"`)
	assert.Equal(t, rules.Warning, seen["ingress-port-mismatch"], "rules.severity")
	assert.Equal(t, rules.Error, seen["connectivity-expectation"], "expectations")

	// failOn: error in the file, --fail-on none on the command line: the flag wins.
	code, _, _ = kubenet(t, "", "lint", "--fail-on", "none", "--config", "cmd/kubenet/testdata/config/kubenet.yaml", "examples/shop")
	assert.Equal(t, exitClean, code)

	code, _, errOut = kubenet(t, "", "lint", "--config", "cmd/kubenet/testdata/config/bad.yaml", "examples/shop")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `bad.yaml:2:3: rules: unknown key "disabel"`)
	assert.Contains(t, errOut, "bad.yaml:4:18: cluster.nodePortRange must satisfy")
}

func TestInit(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	var out, errb bytes.Buffer
	require.Equal(t, exitClean, run([]string{"init"}, strings.NewReader(""), &out, &errb), errb.String())
	cfg, err := model.LoadConfig(filepath.Join(dir, model.ConfigFile))
	require.NoError(t, err, "the starter file is a valid config")
	assert.Equal(t, "warning", cfg.FailOn)
	assert.Empty(t, cfg.Cluster.External.Services, "the examples are commented out")
	assert.Equal(t, exitUsage, run([]string{"init"}, strings.NewReader(""), &out, &errb), "refuses to overwrite")

	// The commented examples are valid when uncommented.
	b, err := os.ReadFile(filepath.Join(dir, model.ConfigFile))
	require.NoError(t, err)
	uncommented := string(b)
	for _, r := range [][2]string{
		{"services: []", "services:"}, {"namespaces: []", "namespaces:"}, {"operators: []", "operators:"},
		{"\n    #  - ", "\n      - "}, {"\n  #  - group", "\n    - group"}, {"\n  #    ", "\n      "},
	} {
		uncommented = strings.ReplaceAll(uncommented, r[0], r[1])
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "full.yaml"), []byte(uncommented), 0o644))
	full, err := model.LoadConfig(filepath.Join(dir, "full.yaml"))
	require.NoError(t, err, uncommented)
	assert.Len(t, full.Cluster.External.Services, 3)
	assert.Equal(t, []string{"kube-system"}, full.Cluster.External.Namespaces)
	require.Len(t, full.Cluster.Operators, 1)
	assert.Len(t, full.Cluster.Operators[0].Services, 2)
}

func TestLintJUnit(t *testing.T) {
	code, out, errOut := kubenet(t, "", "lint", "--format", "junit", "examples/shop")
	assert.Equal(t, exitFindings, code, errOut)
	var v struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &v))
	assert.Positive(t, v.Failures)
}

func TestLintHelmStdin(t *testing.T) {
	rendered, err := os.ReadFile(filepath.Join(repoRoot, "cmd/kubenet/testdata/helm-rendered.yaml"))
	require.NoError(t, err)
	code, out, _ := kubenet(t, string(rendered), "lint", "--no-color", "--rule", "service-selector-orphaned", "-")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "shop/templates/cart.yaml:12:5  error  service-selector-orphaned  selector app.kubernetes.io/instance=releas,app.kubernetes.io/name=cart matches no pod template")
	assert.Contains(t, out, "    12 |     app.kubernetes.io/instance: releas\n", "the line printed is the rendered one")
}

func TestGraphUnknownFormat(t *testing.T) {
	code, _, errOut := kubenet(t, "", "graph", "--format", "svg", "examples/shop")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `unknown format "svg"`)
}

// TestHelpAndCompletion: every command explains itself with examples, and the shell
// completion cobra generates completes rule ids and flag values.
func TestHelpAndCompletion(t *testing.T) {
	root := newRootCmd(newIOStreams(nil, io.Discard, io.Discard, func(string) string { return "" }))
	for _, c := range root.Commands() {
		if c.Name() == "completion" || c.Name() == "help" {
			continue
		}
		assert.NotEmpty(t, c.Example, "kubenet %s --help shows examples", c.Name())
		assert.NotEmpty(t, c.Short, c.Name())
	}
	code, out, _ := kubenet(t, "", "completion", "bash")
	assert.Equal(t, exitClean, code)
	assert.Contains(t, out, "__start_kubenet")

	code, out, _ = kubenet(t, "", "__complete", "rules", "service-p")
	assert.Equal(t, exitClean, code)
	assert.Contains(t, out, "service-port-mismatch\t")
	assert.NotContains(t, out, "ingress-port-mismatch")

	_, out, _ = kubenet(t, "", "__complete", "lint", "--rule", "service-port-mismatch,dns-egress")
	assert.Contains(t, out, "service-port-mismatch,dns-egress-missing\t", "the last element of a list is completed")

	_, out, _ = kubenet(t, "", "__complete", "lint", "--format", "")
	assert.Contains(t, out, "sarif\n")
}

// TestConfigExternal: what .kubenet.yaml declares to exist outside the input (Services
// by name or pattern, whole namespaces, an operator's Services) answers the references
// to it; without the file, the same input has findings.
func TestConfigExternal(t *testing.T) {
	lint := func(config, rules string) []string {
		t.Helper()
		code, out, errOut := kubenet(t, "", "lint", "--format", "json", "--fail-on", "none", "--rule", rules,
			"--config", config, "cmd/kubenet/testdata/external/app.yaml")
		require.Equal(t, exitClean, code, errOut)
		var rep struct {
			Findings []struct{ Rule, Message string }
		}
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f.Rule+": "+f.Message)
		}
		return got
	}
	const external = "cmd/kubenet/testdata/external/kubenet.yaml"
	assert.Empty(t, lint(external, "dns-reference-unresolved,ingress-backend-missing"))

	without := strings.Join(lint("cmd/kubenet/testdata/config/kubenet.yaml", "dns-reference-unresolved,ingress-backend-missing"), "\n")
	for _, name := range []string{`"orders-redis"`, `"queue.shop.svc"`, `"ledger-v2"`, `"otel-collector.observability.svc"`} {
		assert.Contains(t, without, name, "reported without the declarations")
	}

	// A Service declared with its ports is checked on them.
	ports := lint(external, "dns-reference-port-mismatch")
	require.Len(t, ports, 1)
	assert.Contains(t, ports[0], "15672")
}

// TestResolveOperatorService: a name of a Service an operator creates resolves, saying
// which custom resource provides it.
func TestResolveOperatorService(t *testing.T) {
	code, out, errOut := kubenet(t, "", "resolve", "db-rw", "--from", "shop/Deployment/api",
		"testdata/rules/dns-reference-unresolved/operator-services")
	require.Equal(t, exitClean, code, errOut)
	assert.Contains(t, out, "=> A (ClusterIP) of shop/Service/db-rw (created by the operator of shop/Cluster/db)")
}

// TestConfigEveryCommand: every command that reads manifests honours .kubenet.yaml
// (found upwards from the working directory, or named with --config) and names it on
// standard error: its namespace, ignored paths and cluster settings.
func TestConfigEveryCommand(t *testing.T) {
	repo := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(repo, ".git"), 0o755))
	require.NoError(t, os.CopyFS(filepath.Join(repo, "k8s"), os.DirFS(filepath.Join(repoRoot, "examples/shop"))))
	cfg := "namespace: shop\nignorePaths: [\"**/redis.yaml\"]\ncluster:\n  domain: corp.internal\n  dns: {port: 5353}\n" +
		"expectations:\n  - {from: shop/Deployment/cart, to: shop/Deployment/frontend, port: 8080, allowed: true}\n"
	require.NoError(t, os.WriteFile(filepath.Join(repo, model.ConfigFile), []byte(cfg), 0o644))
	in := func(t *testing.T, dir string, args ...string) (int, string, string) {
		t.Helper()
		t.Chdir(dir)
		var out, errb bytes.Buffer
		code := run(args, strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}

	t.Run("resolve", func(t *testing.T) {
		code, out, errOut := in(t, repo, "resolve", "cart", "k8s")
		assert.Equal(t, exitClean, code, errOut)
		assert.Contains(t, out, "from a pod in namespace shop", "the config's namespace")
		assert.Contains(t, out, "search shop.svc.corp.internal svc.corp.internal corp.internal", "cluster.domain")
		assert.NotContains(t, out, "cluster.local")
		assert.Contains(t, errOut, "kubenet: config: "+filepath.Join(repo, model.ConfigFile))
	})
	t.Run("debug input", func(t *testing.T) {
		code, out, errOut := in(t, repo, "debug", "input", "k8s")
		require.Equal(t, exitClean, code, errOut)
		var doc struct {
			Workloads []struct {
				ID string `json:"id"`
			} `json:"workloads"`
			Config analyzer.Config `json:"config"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &doc))
		assert.Equal(t, "corp.internal", doc.Config.ClusterDomain)
		require.NotEmpty(t, doc.Config.DNS.Ports)
		assert.Equal(t, 5353, doc.Config.DNS.Ports[0].ContainerPort, "cluster.dns.port")
		assert.Len(t, doc.Config.Expectations, 1, "the expectations rules check")
		for _, w := range doc.Workloads {
			assert.NotContains(t, w.ID, "redis", "ignorePaths")
		}
	})
	t.Run("reach", func(t *testing.T) {
		code, out, errOut := in(t, repo, "reach", "k8s")
		assert.Equal(t, exitClean, code, errOut)
		assert.Contains(t, out, "shop/Deployment/cart")
		assert.NotContains(t, out, "redis", "ignorePaths")
		assert.Contains(t, errOut, "kubenet: config: ")
	})
	t.Run("graph", func(t *testing.T) {
		code, out, errOut := in(t, repo, "graph", "k8s")
		assert.Equal(t, exitClean, code, errOut)
		assert.Contains(t, out, "Deployment cart")
		assert.NotContains(t, out, "StatefulSet redis", "ignorePaths")
		assert.Contains(t, out, "dns redis ✗ does not resolve", "so the name cart uses is missing")
	})
	t.Run("lint", func(t *testing.T) {
		_, out, errOut := in(t, repo, "lint", "--no-color", "--fail-on", "none", "k8s")
		assert.NotContains(t, out, "redis.yaml", "ignorePaths")
		assert.Contains(t, out, "connectivity-expectation", "expectations")
		assert.Contains(t, errOut, "kubenet: config: "+filepath.Join(repo, model.ConfigFile))
	})
	t.Run("--config from elsewhere", func(t *testing.T) {
		code, out, errOut := in(t, t.TempDir(), "resolve", "--config", filepath.Join(repo, model.ConfigFile), "cart", filepath.Join(repo, "k8s"))
		assert.Equal(t, exitClean, code, errOut)
		assert.Contains(t, out, "corp.internal")
	})
	t.Run("a bad config is a usage error everywhere", func(t *testing.T) {
		for _, cmd := range [][]string{{"reach"}, {"resolve", "cart"}, {"graph"}, {"debug", "input"}} {
			code, _, errOut := in(t, repoRoot, append(cmd, "--config", "cmd/kubenet/testdata/config/bad.yaml", "examples/shop")...)
			assert.Equal(t, exitUsage, code, "%v", cmd)
			assert.Contains(t, errOut, `unknown key "disabel"`, "%v", cmd)
		}
	})
}

// exampleFindings lints an example as JSON, which must have findings, and returns them.
func exampleFindings(t *testing.T, path string) []rules.Finding {
	t.Helper()
	code, out, errOut := kubenet(t, "", "lint", "--format", "json", path)
	require.Equal(t, exitFindings, code, errOut)
	var rep struct {
		Findings []rules.Finding `json:"findings"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	return rep.Findings
}

// TestExampleGateway: the Gateway API example shows each of its mistakes (its comments
// say where), and nothing else at warning or above.
func TestExampleGateway(t *testing.T) {
	var got []string
	for _, f := range exampleFindings(t, "examples/gateway") {
		if f.Severity >= rules.Warning {
			got = append(got, fmt.Sprintf("%s:%d %s", filepath.Base(f.File), f.Line, f.Rule))
		}
	}
	assert.ElementsMatch(t, []string{
		"gateway.yaml:48 gateway-tls-invalid",
		"store.yaml:57 route-backend-blocked",
		"store.yaml:65 route-not-attached",
		"store.yaml:71 route-backend-port-mismatch",
		"store.yaml:75 reference-grant-missing",
		"search.yaml:33 route-not-attached",
		"search.yaml:45 route-parent-missing",
		"search.yaml:49 route-backend-missing",
	}, got)
}

// TestExampleChart: the example chart's two mistakes, each at its values line with the
// template as a note, one of them only in the prod variant.
func TestExampleChart(t *testing.T) {
	var got []string
	for _, f := range exampleFindings(t, "examples/chart") {
		if f.Severity < rules.Warning {
			continue
		}
		var notes []string
		for _, r := range f.Related {
			notes = append(notes, fmt.Sprintf("%s:%d", filepath.ToSlash(r.File), r.Line))
		}
		got = append(got, fmt.Sprintf("%s:%d %s %v %v", f.File, f.Line, f.Rule, notes, f.Variants))
	}
	assert.Equal(t, []string{
		"examples/chart/values-prod.yaml:6 ingress-port-mismatch [examples/chart/templates/service.yaml:4 examples/chart/templates/ingress.yaml:20] [examples/chart with values-prod.yaml]",
		"examples/chart/values.yaml:12 service-port-mismatch [examples/chart/templates/deployment.yaml:4 examples/chart/templates/service.yaml:13] []",
	}, got)
}

// TestConfigGatewayAPI: cluster.gatewayAPI says which Gateway API versions the cluster
// serves, and cluster.gatewayClasses where a class's data plane runs.
func TestConfigGatewayAPI(t *testing.T) {
	dir := t.TempDir()
	lint := func(config string, rule string, path string) []string {
		t.Helper()
		cfg := filepath.Join(dir, "kubenet.yaml")
		require.NoError(t, os.WriteFile(cfg, []byte(config), 0o644))
		code, out, errOut := kubenet(t, "", "lint", "--format", "json", "--fail-on", "none", "--rule", rule, "--config", cfg, path)
		require.Equal(t, exitClean, code, errOut)
		var rep struct{ Findings []rules.Finding }
		require.NoError(t, json.Unmarshal([]byte(out), &rep))
		var got []string
		for _, f := range rep.Findings {
			got = append(got, fmt.Sprintf("%d %s", f.Line, f.Severity))
		}
		return got
	}
	const removed = "testdata/rules/api-removed/gateway-api"
	assert.Equal(t, []string{"5 error", "11 info", "18 info"}, lint("{}", "api-removed", removed), "the newest standard channel")
	assert.Equal(t, []string{"5 error"}, lint("cluster: {gatewayAPI: {channel: experimental}}", "api-removed", removed))
	assert.Equal(t, []string{"5 error", "11 info"}, lint("cluster: {gatewayAPI: {version: v1.5}}", "api-removed", removed), "TCPRoute left the standard channel in v1.6")

	// The assumed data plane of class istio (in the Gateway's namespace, infra) is
	// blocked from the api backend only; a class whose proxies run on the nodes is not
	// judged; one whose pods the configuration places in namespace proxies is blocked
	// from the web backend too, whose policy admits namespace infra.
	const blocked = "testdata/rules/route-backend-blocked/assumed"
	assert.Equal(t, []string{"73 error"}, lint("{}", "route-backend-blocked", blocked))
	assert.Empty(t, lint("cluster: {gatewayClasses: [{name: istio, none: true}]}", "route-backend-blocked", blocked))
	assert.Equal(t, []string{"73 error", "76 error"}, lint("cluster: {gatewayClasses: [{name: istio, namespace: proxies, labels: {proxy: \"{gateway}\"}}]}", "route-backend-blocked", blocked))

	cfg := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("cluster:\n  gatewayAPI: {version: \"2\", channel: beta}\n  gatewayClasses: [{name: x}]\n"), 0o644))
	code, _, errOut := kubenet(t, "", "lint", "--config", cfg, removed)
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, `cluster.gatewayAPI.version "2" is not a release like v1.6`)
	assert.Contains(t, errOut, `cluster.gatewayAPI.channel must be standard or experimental, not "beta"`)
	assert.Contains(t, errOut, "cluster.gatewayClasses[0].labels is required")
}

// TestMakefileFuzzTargets: every fuzz target `make fuzz` names exists in the package it
// names (go test -fuzz on a package without it passes silently, fuzzing nothing), and
// every fuzz target of the repository is run by it, briefly for a count of inputs (a
// -fuzztime duration can fail on Go 1.26, go.dev/issue/75804).
func TestMakefileFuzzTargets(t *testing.T) {
	// make prints the commands it would run: the fuzz targets as the shell gets them.
	cmd := exec.Command("make", "--no-print-directory", "-n", "fuzz")
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=", "FUZZTIME=")
	commands, err := cmd.Output()
	require.NoError(t, err)
	re := regexp.MustCompile(`go test (\./\S+) -run '\^\$' -fuzz '\^(\w+)\$' -fuzztime (\d+)x `)
	matches := re.FindAllStringSubmatch(string(commands), -1)
	require.NotEmpty(t, matches, "the fuzz targets of make fuzz, each with a count of inputs:\n%s", commands)
	listed := map[string]bool{}
	for _, m := range matches {
		listed[filepath.Clean(m[1])+" "+m[2]] = true
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	err = filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, "_test.go") {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, filepath.Dir(p))
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			assert.True(t, listed[rel+" "+m[1]], "make fuzz does not run %s of ./%s", m[1], rel)
		}
		return nil
	})
	require.NoError(t, err)
	for _, m := range matches {
		files, err := filepath.Glob(filepath.Join(repoRoot, m[1], "*_test.go"))
		require.NoError(t, err)
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			found = found || strings.Contains(string(src), "func "+m[2]+"(f *testing.F)")
		}
		assert.True(t, found, "make fuzz runs %s in %s, which has no such fuzz target", m[2], m[1])
	}
}

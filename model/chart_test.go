package model

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The positions chart uses the constructs real charts are made of; each field a test
// looks at carries a marker comment on the line it should be found at.
var positionsChart = map[string]string{
	"shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 0.1.0\ndependencies:\n  - name: cache\n    version: 0.1.0\n",
	"shop/values.yaml": `replicas: 2
service:
  port: 8080 # @values-port
  selectorApp: shop # @values-selector
podLabels:
  tier: web # @values-tolabels
  team: payments
extraPorts:
  - name: metrics
    port: 9090
  - name: admin
    port: 9091
cache:
  port: 6379 # @parent-sets-sub
`,
	"shop/templates/_helpers.tpl": `{{- define "shop.labels" -}}
app.kubernetes.io/name: shop
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
`,
	"shop/templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}
  labels:
    {{- include "shop.labels" . | nindent 4 }} # @include
spec:
  selector:
    app: {{ .Values.service.selectorApp }}
  ports:
    - name: http # @literal
      port: {{ .Values.service.port }}
      targetPort: http
    {{- range .Values.extraPorts }}
    - name: {{ .name }} # @range
      port: {{ .port }}
    {{- end }}
`,
	"shop/templates/deployment.yaml": `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ .Release.Name }}
spec:
  replicas: {{ .Values.replicas }}
  selector:
    matchLabels:
      app: shop
  template:
    metadata:
      labels:
        app: shop # @pod-app
        {{- with .Values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      containers:
        - name: shop
          image: shop:1.0
          ports:
            - name: http
              containerPort: 8080
`,
	"shop/charts/cache/Chart.yaml":  "apiVersion: v2\nname: cache\nversion: 0.1.0\n",
	"shop/charts/cache/values.yaml": "port: 6380\n",
	"shop/charts/cache/templates/service.yaml": `apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-cache # @sub-name
spec:
  selector:
    app: cache
  ports:
    - port: {{ .Values.port }}
`,
}

// markerLine is the file and line of the marker comment "# @name".
func markerLine(t *testing.T, root string, files map[string]string, name string) Pos {
	t.Helper()
	for f, src := range files {
		if strings.Contains(src, "# @"+name+"\n") || strings.HasSuffix(src, "# @"+name) {
			return Pos{File: filepath.Join(root, f), Line: lineOf(t, src, "# @"+name)}
		}
	}
	t.Fatalf("no marker @%s", name)
	return Pos{}
}

func fileLine(p Pos) Pos { return Pos{File: p.File, Line: p.Line} }

// TestChartPositions: a field of a rendered chart points at the template line that
// wrote it, or at the values line that set its value.
func TestChartPositions(t *testing.T) {
	root := tree(t, positionsChart)
	g, err := Load(Options{DefaultNamespace: "shop"}, filepath.Join(root, "shop"))
	require.NoError(t, err)
	require.Empty(t, problems(g, Invalid), dumpProblems(g))
	require.Empty(t, problems(g, RenderFailed), dumpProblems(g))

	svc := g.Service("shop", "shop")
	require.NotNil(t, svc, "the release namespace is -n, the name the chart's")
	at := func(name string) Pos { return markerLine(t, root, positionsChart, name) }
	assert.Equal(t, at("values-selector"), fileLine(svc.SelectorKeyPos["app"]), "a value set in values.yaml points there")
	assert.Equal(t, at("literal"), fileLine(svc.Ports[0].Pos), "a literal line is itself")
	assert.Equal(t, at("values-port"), fileLine(svc.Ports[0].PortPos), "{{ .Values.service.port }}")
	require.Len(t, svc.Ports, 3)
	assert.Equal(t, at("range"), fileLine(svc.Ports[1].Pos), "first iteration of a range")
	assert.Equal(t, at("range"), fileLine(svc.Ports[2].Pos), "a later iteration finds its line by content")

	labels := object(t, g, "shop/Service/shop")
	assert.Equal(t, filepath.Join(root, "shop/templates/service.yaml"), labels.Pos.File)

	dep := g.Workloads[0]
	for _, w := range g.Workloads {
		if w.Name == "shop" {
			dep = w
		}
	}
	assert.Equal(t, map[string]string{"app": "shop", "tier": "web", "team": "payments"}, dep.PodLabels)
	assert.Equal(t, filepath.Join(root, "shop/templates/deployment.yaml"), dep.PodLabelsPos.File)

	cache := object(t, g, "shop/Service/shop-cache")
	assert.Equal(t, at("sub-name"), fileLine(cache.Pos), "a subchart's template is its own file")
	sub := g.Service("shop", "shop-cache")
	require.NotNil(t, sub)
	assert.Equal(t, int32(6379), int32(sub.Ports[0].Port), "the parent's values win")
	assert.Equal(t, at("parent-sets-sub"), fileLine(sub.Ports[0].PortPos), "a subchart value set by the parent points at the parent's values")

	src, ok := g.Sources[filepath.Join(root, "shop/templates/service.yaml")]
	require.True(t, ok, "templates are sources, for printing their lines")
	assert.Contains(t, string(src), "{{ .Values.service.port }}")
}

// TestChartValuesVariantPositions: a value a variant's file sets points at that file.
func TestChartValuesVariantPositions(t *testing.T) {
	files := map[string]string{}
	for k, v := range positionsChart {
		files[k] = v
	}
	files["shop/values-prod.yaml"] = "service:\n  port: 80 # @prod-port\n"
	root := tree(t, files)
	units, err := LoadUnits(Options{DefaultNamespace: "shop"}, filepath.Join(root, "shop"))
	require.NoError(t, err)
	require.Len(t, units, 1, "one variant: values-prod.yaml")
	assert.Equal(t, filepath.Join(root, "shop")+" with values-prod.yaml", units[0].Unit)
	svc := units[0].Service("shop", "shop")
	require.NotNil(t, svc)
	assert.Equal(t, int32(80), int32(svc.Ports[0].Port))
	assert.Equal(t, markerLine(t, root, files, "prod-port"), fileLine(svc.Ports[0].PortPos))
}

// TestChartVariants: values-NAME.yaml and ci/*.yaml are variants, each a unit; --values
// turns the discovery off.
func TestChartVariants(t *testing.T) {
	files := map[string]string{
		"c/Chart.yaml":           "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/values.yaml":          "name: base\n",
		"c/values-dev.yaml":      "name: dev\n",
		"c/values.prod.yaml":     "name: prod\n",
		"c/values.schema.json":   "{}\n",
		"c/ci/small-values.yaml": "name: small\n",
		"c/templates/cm.yaml":    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Values.name }}\n",
		"other.yaml":             "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
	}
	root := tree(t, files)
	units, err := LoadUnits(Options{}, root)
	require.NoError(t, err)
	var names, units2 []string
	for _, g := range units {
		units2 = append(units2, strings.TrimPrefix(g.Unit, root+"/"))
		var cms []string
		for _, o := range g.Objects {
			cms = append(cms, o.Name)
		}
		names = append(names, strings.Join(cms, ","))
	}
	assert.Equal(t, []string{"c with values-dev.yaml", "c with values.prod.yaml", "c with ci/small-values.yaml"}, units2)
	assert.Equal(t, []string{"dev,plain", "prod,plain", "small,plain"}, names, "each variant with the plain manifests")

	units, err = LoadUnits(Options{Helm: HelmOptions{Values: []string{filepath.Join(root, "c/values-dev.yaml")}, Set: []string{"name=set"}}}, root)
	require.NoError(t, err)
	require.Len(t, units, 1)
	assert.Equal(t, "set", units[0].Objects[0].Name, "--set is applied last")
}

// TestChartConfigured: .kubenet.yaml helm.charts names the charts rendered, with
// their release, namespace and variants; other charts are skipped with a notice.
func TestChartConfigured(t *testing.T) {
	files := map[string]string{
		"a/Chart.yaml":        "apiVersion: v2\nname: a\nversion: 0.1.0\n",
		"a/values-x.yaml":     "suffix: x\n",
		"a/prod.yaml":         "suffix: p\n",
		"a/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-{{ .Values.suffix }}\n",
		"b/Chart.yaml":        "apiVersion: v2\nname: b\nversion: 0.1.0\n",
		"b/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
	}
	root := tree(t, files)
	h := HelmOptions{Charts: []ChartConfig{{Path: filepath.Join(root, "a"), Release: "rel", Namespace: "ns",
		Variants: map[string][]string{"prod": {"prod.yaml"}}}}}
	units, err := LoadUnits(Options{Helm: h}, root)
	require.NoError(t, err)
	require.Len(t, units, 1)
	assert.Equal(t, "ns/ConfigMap/rel-p", units[0].Objects[0].ID)
	n := problems(units[0], Notice)
	require.Len(t, n, 1, dumpProblems(units[0]))
	assert.Contains(t, n[0].Message, "not listed in .kubenet.yaml helm.charts")
}

// TestChartRenderFailure: a template error is a problem at its template line, and the
// rest of the input is still read.
func TestChartRenderFailure(t *testing.T) {
	files := map[string]string{
		"c/Chart.yaml":        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: {{ fail \"no\" }}\n",
		"plain.yaml":          "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: plain\n",
	}
	root := tree(t, files)
	g, err := Load(Options{}, root)
	require.NoError(t, err)
	pr := problems(g, RenderFailed)
	require.Len(t, pr, 1, dumpProblems(g))
	assert.Equal(t, Pos{File: filepath.Join(root, "c/templates/cm.yaml"), Line: 6, Column: 8}, pr[0].Pos)
	assert.Contains(t, pr[0].Message, "the chart does not render")
	assert.Equal(t, "plain", g.Objects[0].Name)
	assert.Equal(t, []SkippedBuild{{File: filepath.Join(root, "c")}}, g.Skipped, "its objects are unknown")
}

// TestChartMissingDependency: a dependency not vendored is a notice naming the command
// that fetches it; nothing is fetched.
func TestChartMissingDependency(t *testing.T) {
	root := tree(t, map[string]string{
		"c/Chart.yaml":        "apiVersion: v2\nname: c\nversion: 0.1.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n    repository: https://charts.example.com\n",
		"c/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	})
	g, err := Load(Options{}, root)
	require.NoError(t, err)
	n := problems(g, Notice)
	require.Len(t, n, 1)
	assert.Contains(t, n[0].Message, "redis")
	assert.Contains(t, n[0].Message, "helm dependency build "+filepath.Join(root, "c"))
	assert.Empty(t, g.Objects)
}

// TestChartHostile: a chart reads nothing outside itself (links, schema $refs), and a
// template that runs for too long is stopped.
func TestChartHostile(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.yaml")
	require.NoError(t, os.WriteFile(outside, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: stolen\n"), 0o600))
	root := tree(t, map[string]string{
		"c/Chart.yaml":         "apiVersion: v2\nname: c\nversion: 0.1.0\n",
		"c/values.schema.json": `{"$ref": "file:///etc/passwd"}`,
		"c/templates/cm.yaml":  "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
	})
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "c/templates/link.yaml")))
	g, err := Load(Options{}, root)
	require.NoError(t, err)
	pr := problems(g, RenderFailed)
	require.Len(t, pr, 1, dumpProblems(g))
	assert.Contains(t, pr[0].Message, "resolves no $ref outside values.schema.json")

	require.NoError(t, os.Remove(filepath.Join(root, "c/values.schema.json")))
	g, err = Load(Options{}, root)
	require.NoError(t, err)
	for _, o := range g.Objects {
		assert.NotEqual(t, "stolen", o.Name, "a link out of the chart is not followed")
	}

	// Values files the config names (a chart's variants, helm.values) stay inside the
	// folder that names them, links followed.
	require.NoError(t, os.Symlink(outside, filepath.Join(root, "linked-values.yaml")))
	for name, h := range map[string]HelmOptions{
		"a variant that climbs out":  {Charts: []ChartConfig{{Path: filepath.Join(root, "c"), Variants: map[string][]string{"x": {"../../../etc/passwd"}}}}},
		"helm.values through a link": {ConfigValues: []string{filepath.Join(root, "linked-values.yaml")}, Root: root},
	} {
		g, err = Load(Options{Helm: h}, root)
		require.NoError(t, err, name)
		pr = problems(g, RenderFailed)
		require.Len(t, pr, 1, "%s: %s", name, dumpProblems(g))
		assert.Contains(t, pr[0].Message, "leads outside", name)
	}

	// A template that loops cannot be interrupted: the run stops (a usage error) when
	// it runs too long or grows the heap too much, rather than go on beside it.
	loop := filepath.Join(root, "c/templates/loop.yaml")
	require.NoError(t, os.WriteFile(loop, []byte("{{- range until 100000 }}{{- range until 100000 }}{{- end }}{{- end }}\n"), 0o600))
	start := time.Now()
	_, err = Load(Options{Helm: HelmOptions{Timeout: 200 * time.Millisecond}}, root)
	var pe *PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, filepath.Join(root, "c"), pe.Path)
	assert.Contains(t, err.Error(), "longer than 200ms")
	assert.Less(t, time.Since(start), time.Minute, "stopped, not run to its end")

	require.NoError(t, os.WriteFile(loop, []byte("{{- range until 1000 }}{{ printf \"%010000000d\" 0 }}{{- end }}\n"), 0o600))
	_, err = Load(Options{Helm: HelmOptions{MaxHeap: 64 << 20}}, root)
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "more than 64 MiB of memory")
}

// TestPackagedChart: a .tgz given as a path is rendered.
func TestPackagedChart(t *testing.T) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, body := range map[string]string{
		"pkg/Chart.yaml":        "apiVersion: v2\nname: pkg\nversion: 0.1.0\n",
		"pkg/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
	} {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	p := filepath.Join(t.TempDir(), "pkg-0.1.0.tgz")
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o600))
	g, err := Load(Options{Helm: HelmOptions{Release: "r"}}, p)
	require.NoError(t, err)
	require.Len(t, g.Objects, 1, dumpProblems(g))
	assert.Equal(t, "default/ConfigMap/r", g.Objects[0].ID)
	assert.Equal(t, p, g.Objects[0].Pos.File, "a packaged chart's templates are in the package")
}

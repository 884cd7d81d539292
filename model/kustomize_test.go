package model

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const kustDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: cart
  annotations:
    team: shop
spec:
  selector:
    matchLabels:
      app: cart
  template:
    metadata:
      labels:
        app: cart
    spec:
      containers:
        - name: cart
          image: cart:1
          ports:
            - containerPort: 8080
`

const kustService = `apiVersion: v1
kind: Service
metadata:
  name: cart
spec:
  selector:
    app: cart
  ports:
    - port: 80
      targetPort: 8080
`

// baseAndOverlays is a base pulled in by two overlays, the usual layout.
func baseAndOverlays(t *testing.T) string {
	t.Helper()
	return tree(t, map[string]string{
		"base/kustomization.yaml":         "resources:\n  - deploy.yaml\n  - service.yaml\n",
		"base/deploy.yaml":                kustDeploy,
		"base/service.yaml":               kustService,
		"overlays/dev/kustomization.yaml": "namespace: dev\nresources:\n  - ../../base\n",
		"overlays/prod/kustomization.yaml": "namespace: prod\nnamePrefix: prod-\nresources:\n  - ../../base\n" +
			"configMapGenerator:\n  - name: urls\n    literals:\n      - CART=http://prod-cart\n" +
			"patches:\n  - path: replicas.yaml\n",
		"overlays/prod/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cart\nspec:\n  replicas: 3\n" +
			"  template:\n    spec:\n      containers:\n        - name: cart\n          ports:\n            - containerPort: 9090\n",
	})
}

func TestKustomizeOverlaysAreSeparateUnits(t *testing.T) {
	root := baseAndOverlays(t)
	units, err := LoadUnits(Options{Kustomize: true}, root)
	require.NoError(t, err)
	require.Len(t, units, 2, "the base is pulled in by both overlays, so only the overlays are deployments")
	assert.Equal(t, filepath.Join(root, "overlays/dev/kustomization.yaml"), units[0].Unit)
	assert.Equal(t, filepath.Join(root, "overlays/prod/kustomization.yaml"), units[1].Unit)
	require.Len(t, units[0].Workloads, 1)
	assert.Equal(t, "dev", units[0].Workloads[0].Namespace)
	require.Len(t, units[1].Workloads, 1)
	assert.Equal(t, "prod-cart", units[1].Workloads[0].Name)

	_, err = Load(Options{Kustomize: true}, root)
	var pe *PathError
	require.ErrorAs(t, err, &pe, "one graph cannot hold two deployments")
	assert.Contains(t, err.Error(), "overlays/dev/kustomization.yaml")
	assert.Contains(t, err.Error(), "--kustomize=false")

	g, err := Load(Options{Kustomize: true}, filepath.Join(root, "base"))
	require.NoError(t, err, "a base named on the command line is built on its own")
	assert.Equal(t, filepath.Join(root, "base/kustomization.yaml"), g.Unit)

	g, err = Load(Options{}, root)
	require.NoError(t, err, "without Kustomize the files are read as they are")
	assert.Empty(t, g.Unit)
	assert.Len(t, g.Workloads, 1, "the base Deployment; the patch reads as a second definition of it")
	assert.Len(t, problems(g, Duplicate), 1, dumpProblems(g))
}

func TestKustomizePositionsPointAtSources(t *testing.T) {
	root := baseAndOverlays(t)
	g, err := Load(Options{Kustomize: true}, filepath.Join(root, "overlays/prod"))
	require.NoError(t, err)
	assert.Empty(t, problems(g, Invalid), dumpProblems(g))
	base := filepath.Join(root, "base")
	prod := filepath.Join(root, "overlays/prod")

	var svc *Service
	for _, s := range g.Services {
		svc = s
	}
	require.NotNil(t, svc)
	assert.Equal(t, "prod-cart", svc.Name)
	assert.Equal(t, Pos{File: filepath.Join(base, "service.yaml"), Line: 4, Column: 9}, svc.Pos,
		"the name is the base's, with the overlay's prefix")
	require.Len(t, svc.Ports, 1)
	assert.Equal(t, filepath.Join(base, "service.yaml"), svc.Ports[0].Pos.File)
	assert.Equal(t, 9, svc.Ports[0].Pos.Line, "an untouched field keeps its line in the base")

	require.Len(t, g.Workloads, 1)
	w := g.Workloads[0]
	assert.Equal(t, map[string]string{"team": "shop"}, w.Annotations, "origin annotations are kubenet's, not the user's")
	require.Len(t, w.Containers, 1)
	var ports []string
	for _, p := range w.Containers[0].Ports {
		ports = append(ports, fmt.Sprintf("%d %s", p.ContainerPort, p.Pos))
	}
	assert.ElementsMatch(t, []string{
		fmt.Sprintf("8080 %s:20:15", filepath.Join(base, "deploy.yaml")),
		fmt.Sprintf("9090 %s:12:15", filepath.Join(prod, "replicas.yaml")),
	}, ports, "a port the patch adds points at the patch")

	require.Len(t, g.ConfigMaps, 1)
	c := g.ConfigMaps[0]
	assert.True(t, strings.HasPrefix(c.Name, "prod-urls-"), "generated names carry kustomize's hash: %s", c.Name)
	assert.Equal(t, filepath.Join(prod, "kustomization.yaml"), c.Pos.File, "a generated object points at its generator")
	assert.Equal(t, 5, c.Pos.Line)

	for _, f := range []string{"base/deploy.yaml", "base/service.yaml", "overlays/prod/kustomization.yaml", "overlays/prod/replicas.yaml"} {
		assert.Contains(t, g.Sources, filepath.Join(root, f), "sources for printing lines and reading ignore comments")
	}
	for f := range g.Sources {
		assert.False(t, strings.HasSuffix(f, "(built)"), "the built stream is not a file a finding can name")
	}
}

func TestKustomizeRefusesNetworkAndPrograms(t *testing.T) {
	root := tree(t, map[string]string{
		"remote/kustomization.yaml": "resources:\n  - https://github.com/example/app//deploy?ref=v1\n",
		"helm/kustomization.yaml":   "helmCharts:\n  - name: redis\n    repo: https://charts.example.com\n",
		"plain.yaml":                cm("plain"),
	})
	units, err := LoadUnits(Options{Kustomize: true}, root)
	require.NoError(t, err)
	require.Len(t, units, 1, "only the plain manifests are linted")
	assert.Equal(t, []string{"plain"}, cmNames(units[0]))
	assert.Empty(t, problems(units[0], Invalid), "not building them is kubenet's limit, not the user's mistake")
	notices := problems(units[0], Notice)
	require.Len(t, notices, 2, dumpProblems(units[0]))
	assert.Contains(t, notices[0].Message, `helmCharts "redis" is not in `+filepath.Join(root, "helm", "charts"))
	assert.Contains(t, notices[0].Message, "kubenet reads no network")
	assert.Contains(t, notices[1].Message, "is remote and kubenet reads no network")
	assert.Contains(t, notices[1].Message, "kustomize build "+filepath.Join(root, "remote")+" | kubenet lint -")
}

// TestKustomizeHelmCharts: a kustomization's helmCharts whose chart is vendored in its
// chartHome are inflated in memory, kustomize's transformers apply to the output, and
// positions go back to the chart's templates and values.
func TestKustomizeHelmCharts(t *testing.T) {
	files := map[string]string{
		"app/kustomization.yaml": `namespace: shop
labels:
  - pairs: {team: payments}
helmCharts:
  - name: api
    releaseName: pay
    valuesFile: values-shop.yaml
    valuesInline:
      replicas: 3
resources:
  - extra.yaml
`,
		"app/values-shop.yaml":                 "port: 9090 # @shop-port\nreplicas: 1\n",
		"app/extra.yaml":                       cm("extra"),
		"app/charts/api/Chart.yaml":            "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"app/charts/api/values.yaml":           "port: 80\nreplicas: 1\n",
		"app/charts/api/templates/svc.yaml":    "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}-api # @svc-name\nspec:\n  selector: {app: api}\n  ports:\n    - port: {{ .Values.port }}\n",
		"app/charts/api/templates/deploy.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}-api\nspec:\n  replicas: {{ .Values.replicas }}\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: api\n          image: api\n",
	}
	root := tree(t, files)
	g, err := Load(Options{Kustomize: true}, root)
	require.NoError(t, err)
	require.Empty(t, g.Problems, dumpProblems(g))
	svc := g.Service("shop", "pay-api")
	require.NotNil(t, svc, "the kustomization's namespace applies to the chart's output")
	assert.Equal(t, "payments", object(t, g, "shop/Service/pay-api").Labels["team"], "and its labels")
	assert.Equal(t, markerLine(t, root, files, "shop-port"), fileLine(svc.Ports[0].PortPos), "a value from the valuesFile points there")
	assert.Equal(t, markerLine(t, root, files, "svc-name"), fileLine(object(t, g, "shop/Service/pay-api").Pos), "a field points at the template")
	for _, w := range g.Workloads {
		if w.Name == "pay-api" {
			require.NotNil(t, w.Replicas)
			assert.Equal(t, 3, *w.Replicas, "valuesInline wins over the valuesFile")
		}
	}
	assert.Contains(t, cmNames(g), "extra")
}

// TestKustomizeHelmChartsConfined: a chart home or values file that leads out of the
// kustomization's folder (a link, an absolute path) is not read.
func TestKustomizeHelmChartsConfined(t *testing.T) {
	elsewhere := tree(t, map[string]string{
		"api/Chart.yaml":        "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"api/templates/cm.yaml": cm("stolen"),
		"secret-values.yaml":    "a: b\n",
	})
	root := tree(t, map[string]string{
		"linked/kustomization.yaml":           "helmCharts:\n  - name: api\n",
		"absolute/kustomization.yaml":         "helmGlobals:\n  chartHome: " + elsewhere + "\nhelmCharts:\n  - name: api\n",
		"values/kustomization.yaml":           "helmCharts:\n  - name: api\n    valuesFile: ../../" + filepath.Base(elsewhere) + "/secret-values.yaml\n",
		"values/charts/api/Chart.yaml":        "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"values/charts/api/templates/cm.yaml": cm("fine"),
	})
	require.NoError(t, os.MkdirAll(filepath.Join(root, "linked", "charts"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(elsewhere, "api"), filepath.Join(root, "linked", "charts", "api")))
	units, err := LoadUnits(Options{Kustomize: true}, root)
	require.NoError(t, err)
	for _, g := range units {
		assert.NotContains(t, cmNames(g), "stolen")
		assert.NotContains(t, cmNames(g), "fine", "the kustomization whose values file is outside is not built")
	}
	notices := problems(units[0], Notice)
	require.Len(t, notices, 3, dumpProblems(units[0]))
	for _, n := range notices {
		assert.Regexp(t, "outside the kustomization's folder|leads outside", n.Message)
	}
}

// TestKustomizeHelmChartRunaway: a helmCharts chart whose templates run away stops the
// run, as a chart folder's does.
func TestKustomizeHelmChartRunaway(t *testing.T) {
	root := tree(t, map[string]string{
		"kustomization.yaml":          "helmCharts:\n  - name: api\n",
		"charts/api/Chart.yaml":       "apiVersion: v2\nname: api\nversion: 0.1.0\n",
		"charts/api/templates/x.yaml": "{{- range until 1000 }}{{ printf \"%010000000d\" 0 }}{{- end }}\n",
	})
	_, err := LoadUnits(Options{Kustomize: true, Helm: HelmOptions{MaxHeap: 64 << 20}}, root)
	var pe *PathError
	require.ErrorAs(t, err, &pe)
	assert.Contains(t, err.Error(), "more than 64 MiB of memory")
}

// TestKustomizeHelmChartsNull: a helmCharts entry that names no chart is refused at
// the kustomization, as kustomize refuses it; a null entry is kustomize's own build
// error there. Nothing is rendered, nothing crashes.
func TestKustomizeHelmChartsNull(t *testing.T) {
	for k, kind := range map[string]ProblemKind{"helmCharts:\n  - releaseName: x\n": RenderFailed, "helmCharts: [null]\n": Invalid} {
		root := tree(t, map[string]string{
			"kustomization.yaml":          k,
			"charts/api/Chart.yaml":       "apiVersion: v2\nname: api\nversion: 0.1.0\n",
			"charts/api/templates/x.yaml": cm("api"),
		})
		g, err := Load(Options{Kustomize: true}, root)
		require.NoError(t, err, k)
		pr := problems(g, kind)
		require.Len(t, pr, 1, "%s: %s", k, dumpProblems(g))
		assert.Equal(t, filepath.Join(root, "kustomization.yaml"), pr[0].Pos.File)
		assert.Empty(t, cmNames(g))
		if kind == RenderFailed {
			assert.Contains(t, pr[0].Message, "helmCharts[0] names no chart")
		}
	}
}

func TestKustomizeBuildFailureIsAFinding(t *testing.T) {
	root := tree(t, map[string]string{
		"kustomization.yaml": "resources:\n  - missing.yaml\n",
	})
	g, err := Load(Options{Kustomize: true}, root)
	require.NoError(t, err)
	inv := problems(g, Invalid)
	require.Len(t, inv, 1)
	assert.Equal(t, Pos{File: filepath.Join(root, "kustomization.yaml"), Line: 1, Column: 1}, inv[0].Pos)
	assert.Contains(t, inv[0].Message, "kustomize build failed")
	assert.NotContains(t, inv[0].Message, root, "kustomize's absolute paths are made relative to the kustomization")
}

func TestHelmSourceComments(t *testing.T) {
	rendered := "---\n# Source: shop/templates/svc.yaml\n" + kustService +
		"---\n# Source: shop/templates/deploy.yaml\n" + kustDeploy +
		"---\n# Source: shop/templates/svc.yaml\n" + strings.Replace(kustService, "name: cart", "name: web", 1) +
		"---\n" + cm("unsourced")
	g, err := Load(Options{Stdin: strings.NewReader(rendered)}, "-")
	require.NoError(t, err)
	require.Len(t, g.Services, 2)
	assert.Equal(t, Pos{File: "shop/templates/svc.yaml", Line: 6, Column: 9}, g.Services[0].Pos,
		"lines count as `helm template --show-only templates/svc.yaml` prints them")
	assert.Equal(t, "web", g.Services[1].Name)
	assert.Equal(t, Pos{File: "shop/templates/svc.yaml", Line: 6 + 12, Column: 9}, g.Services[1].Pos, "the second document of the same template follows the first")
	require.Len(t, g.Workloads, 1)
	assert.Equal(t, "shop/templates/deploy.yaml", g.Workloads[0].Pos.File)
	require.Len(t, g.ConfigMaps, 1)
	assert.Equal(t, Pos{File: StdinName, Line: lineOf(t, rendered, "name: unsourced"), Column: 9}, g.ConfigMaps[0].Pos, "a document without Source keeps its line in stdin")
	src := string(g.Sources["shop/templates/svc.yaml"])
	assert.True(t, strings.HasPrefix(src, "---\n# Source: shop/templates/svc.yaml\napiVersion: v1\n"), src)

	plain := cm("a") + "---\n" + cm("b")
	g, err = Load(Options{Stdin: strings.NewReader(plain)}, "-")
	require.NoError(t, err)
	assert.Equal(t, []string{StdinName}, keys(g.Sources), "stdin without Source comments is read as it is")
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestKustomizeNestedFolders(t *testing.T) {
	root := tree(t, map[string]string{
		"apps/kustomization.yaml":         "resources:\n  - cart\n",
		"apps/cart/kustomization.yaml":    "resources:\n  - service.yaml\n",
		"apps/cart/service.yaml":          kustService,
		"apps/notes/kustomization.yml":    "resources: []\n",
		"apps/extra.yaml":                 cm("not-listed"),
		"base/kustomization.yaml":         "resources:\n  - service.yaml\n",
		"base/service.yaml":               strings.Replace(kustService, "name: cart", "name: web", 1),
		"base/overlay/kustomization.yaml": "namespace: prod\nresources:\n  - ..\n",
	})
	g, err := Load(Options{Kustomize: true}, root)
	require.NoError(t, err)
	assert.Empty(t, cmNames(g), "files inside a kustomization are kustomize's to read")
	require.Len(t, g.Services, 1, "apps/cart is built through apps, once: %s", dumpProblems(g))
	assert.Equal(t, filepath.Join(root, "apps/cart/service.yaml"), g.Services[0].Pos.File)
	inv := problems(g, Invalid)
	require.Len(t, inv, 1, "an empty kustomization builds to nothing, quietly: %s", dumpProblems(g))
	assert.Equal(t, filepath.Join(root, "base/overlay/kustomization.yaml"), inv[0].Pos.File)
	assert.Contains(t, inv[0].Message, "cycle detected", "kustomize refuses an overlay inside its base, and so does kubenet")
}

func TestKustomizeBuildFailureInABaseBlamesTheBase(t *testing.T) {
	root := tree(t, map[string]string{
		"base/kustomization.yaml":          "configMapGenerator:\n  - name: scripts\n    files: [scripts/warm.sh]\n",
		"overlays/dev/kustomization.yaml":  "resources: [../../base]\nnamespace: dev\n",
		"overlays/prod/kustomization.yaml": "resources: [../../base]\nnamespace: prod\n",
	})
	units, err := LoadUnits(Options{Kustomize: true}, filepath.Join(root, "overlays"))
	require.NoError(t, err)
	require.Len(t, units, 2)
	var msgs []string
	for _, g := range units {
		inv := problems(g, Invalid)
		require.Len(t, inv, 1)
		assert.Equal(t, Pos{File: filepath.Join(root, "base", "kustomization.yaml"), Line: 1, Column: 1}, inv[0].Pos,
			"the failure is the base's, not the overlay's")
		assert.NotContains(t, inv[0].Message, root)
		msgs = append(msgs, inv[0].Message)
	}
	assert.Equal(t, msgs[0], msgs[1], "every variant says it in the same words, so it is reported once")
	assert.Contains(t, msgs[0], "scripts/warm.sh")
}

// TestKustomizeAliasBomb: a small resource whose aliases expand without bound is
// refused before kustomize expands it (which would exhaust memory).
func TestKustomizeAliasBomb(t *testing.T) {
	bomb := "apiVersion: example.com/v1\nkind: Bomb\nmetadata: {name: b}\nspec:\n" +
		"  a: &a [x, x, x, x, x, x, x, x, x, x]\n" +
		"  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
		"  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n" +
		"  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
		"  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n" +
		"  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
		"  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n" +
		"  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n" +
		"  i: [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
	root := tree(t, map[string]string{
		"kustomization.yaml": "resources:\n  - bomb.yaml\n",
		"bomb.yaml":          bomb,
	})
	g, err := Load(Options{Kustomize: true}, root)
	require.NoError(t, err)
	inv := problems(g, Invalid)
	require.Len(t, inv, 1)
	assert.Contains(t, inv[0].Message, "excessive aliasing")
	assert.Equal(t, filepath.Join(root, "kustomization.yaml"), inv[0].Pos.File)

	// A few aliases, as people write them, are fine.
	root = tree(t, map[string]string{
		"kustomization.yaml": "resources:\n  - cm.yaml\n",
		"cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, labels: &l {app: x}, annotations: *l}\ndata: {a: b}\n",
	})
	g, err = Load(Options{Kustomize: true}, root)
	require.NoError(t, err)
	assert.Empty(t, problems(g, Invalid))
}

// TestKustomizeCycleReported: kustomizations that pull each other in are no one's root,
// yet they are built (and the cycle reported), not lost.
func TestKustomizeCycleReported(t *testing.T) {
	root := tree(t, map[string]string{
		"a/kustomization.yaml": "resources: [../b, svc.yaml]\n",
		"a/svc.yaml":           kustService,
		"b/kustomization.yaml": "resources: [../a]\n",
	})
	units, err := LoadUnits(Options{Kustomize: true}, root)
	require.NoError(t, err)
	var msgs []string
	for _, g := range units {
		for _, p := range problems(g, Invalid) {
			msgs = append(msgs, p.Message)
		}
	}
	require.NotEmpty(t, msgs)
	assert.Contains(t, strings.Join(msgs, "\n"), "cycle")
}

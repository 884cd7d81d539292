package model

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	pathpkg "path"
	"path/filepath"
	"regexp"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"time"

	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/common/util"
	"helm.sh/helm/v4/pkg/chart/loader/archive"
	chartv2 "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	chartutil "helm.sh/helm/v4/pkg/chart/v2/util"
	"helm.sh/helm/v4/pkg/engine"
	"helm.sh/helm/v4/pkg/ignore"
	"helm.sh/helm/v4/pkg/strvals"
	sigyaml "sigs.k8s.io/yaml"
)

// HelmOptions are the settings Helm charts are rendered with: the flags of
// `helm template`, and .kubenet.yaml's helm section.
type HelmOptions struct {
	// Skip leaves chart folders unrendered, with a notice (--helm=false).
	Skip bool
	// Release names the release; "" is the chart's own name.
	Release string
	// Namespace is the release namespace; "" is Options.DefaultNamespace.
	Namespace string
	// Values are values files (-f), applied to every chart after its own; when
	// given, a chart's variants are not discovered.
	Values []string
	// ConfigValues are the config's helm.values, applied before Values. Like every
	// values file the config names, each must resolve inside Root (the config's
	// folder): a repository's config cannot make kubenet read outside it.
	ConfigValues []string
	Root         string
	// Set and SetString are --set and --set-string, applied last.
	Set, SetString []string
	// KubeVersion and APIVersions are the cluster's, for .Capabilities.
	KubeVersion string
	APIVersions []string
	// Charts, when set, are the chart folders to render and how; others are
	// skipped with a notice (.kubenet.yaml helm.charts).
	Charts []ChartConfig
	// Timeout bounds the rendering of one chart variant; 0 is DefaultRenderTimeout.
	Timeout time.Duration
	// MaxHeap bounds the heap one rendering may grow by; 0 is DefaultRenderHeap.
	MaxHeap uint64
}

// ChartConfig is one entry of .kubenet.yaml helm.charts.
type ChartConfig struct {
	// Path is the chart folder (relative paths are the config file's).
	Path string
	// Release and Namespace override HelmOptions' for this chart.
	Release, Namespace string
	// Values are values files (relative to the chart) applied to every variant.
	Values []string
	// Variants name sets of values files (relative to the chart), each rendered
	// and linted on its own; none means the chart's discovered variants.
	Variants map[string][]string
	// Set are --set values for this chart.
	Set []string
}

// DefaultKubeVersion is the Kubernetes version charts see in .Capabilities unless
// --kube-version or helm.kubeVersion says otherwise: the release kubenet's Kubernetes
// libraries come from, as helm template assumes its own.
const DefaultKubeVersion = "v1.37.0"

// CheckKubeVersion reports whether v is a Kubernetes version Helm reads (--kube-version).
func CheckKubeVersion(v string) error {
	_, err := common.ParseKubeVersion(v)
	return err
}

// DefaultRenderTimeout bounds the rendering of one chart variant.
const DefaultRenderTimeout = 60 * time.Second

// maxChartFiles bounds the files read from one chart folder.
const maxChartFiles = 10000

// chartVariant is one way a chart is rendered: its values files (beyond the
// chart's own values.yaml), named for the findings.
type chartVariant struct {
	name   string   // "" for the chart's defaults
	values []string // files, in the order applied
}

// chartSetup is how one chart is rendered.
type chartSetup struct {
	dir                string
	release, namespace string
	values             []string // applied to every variant, before its own
	set, setString     []string
	variants           []chartVariant
	// confine maps the values files the config or the chart names to the folder each
	// must resolve inside, links followed.
	confine map[string]string
	// inline are values given in place (a kustomization's valuesInline), over the
	// values files, or under them when inlineFirst.
	inline      map[string]any
	inlineFirst bool
}

// setupChart decides how the chart in dir is rendered: the config's entry for it,
// then the flags; without values files given, each values-*.yaml beside the chart
// and each file of its ci/ folder is a variant of its own.
func (h *HelmOptions) setupChart(dir, defaultNS string) (*chartSetup, bool) {
	s := &chartSetup{dir: dir, release: h.Release, namespace: h.Namespace, set: h.Set, setString: h.SetString, confine: map[string]string{}}
	for _, v := range h.ConfigValues {
		s.values = append(s.values, v)
		s.confine[v] = h.Root
	}
	var cc *ChartConfig
	for i := range h.Charts {
		if sameDir(h.Charts[i].Path, dir) {
			cc = &h.Charts[i]
		}
	}
	if len(h.Charts) > 0 && cc == nil {
		return nil, false
	}
	if cc != nil {
		if cc.Release != "" {
			s.release = cc.Release
		}
		if cc.Namespace != "" {
			s.namespace = cc.Namespace
		}
		for _, v := range cc.Values {
			s.values = append(s.values, filepath.Join(dir, v))
			s.confine[filepath.Join(dir, v)] = dir
		}
		s.set = append(append([]string{}, cc.Set...), s.set...)
		names := make([]string, 0, len(cc.Variants))
		for n := range cc.Variants {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			v := chartVariant{name: n}
			for _, f := range cc.Variants[n] {
				v.values = append(v.values, filepath.Join(dir, f))
				s.confine[filepath.Join(dir, f)] = dir
			}
			s.variants = append(s.variants, v)
		}
	}
	if s.namespace == "" {
		s.namespace = defaultNS
	}
	if len(h.Values) > 0 {
		s.values = append(s.values, h.Values...)
		s.variants = nil
	} else if len(s.variants) == 0 && (cc == nil || len(cc.Values) == 0) && len(h.ConfigValues) == 0 {
		s.variants = discoverVariants(dir)
	}
	for _, v := range s.variants {
		for _, f := range v.values {
			if _, ok := s.confine[f]; !ok && inside(dir, f) {
				s.confine[f] = dir
			}
		}
	}
	if len(s.variants) == 0 {
		s.variants = []chartVariant{{}}
	}
	return s, true
}

func sameDir(a, b string) bool {
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}

// variantFile matches the values files beside a chart that are variants of it.
var variantFile = regexp.MustCompile(`^values[-.](.+)\.ya?ml$`)

// discoverVariants lists a chart's values variants: values-NAME.yaml (or
// values.NAME.yaml) beside Chart.yaml, and the YAML files of ci/ as chart-testing
// installs them.
func discoverVariants(dir string) []chartVariant {
	var out []chartVariant
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if m := variantFile.FindStringSubmatch(e.Name()); m != nil && e.Type().IsRegular() && m[1] != "schema" {
			out = append(out, chartVariant{name: m[1], values: []string{filepath.Join(dir, e.Name())}})
		}
	}
	ci, _ := os.ReadDir(filepath.Join(dir, "ci"))
	for _, e := range ci {
		ext := filepath.Ext(e.Name())
		if e.Type().IsRegular() && (ext == ".yaml" || ext == ".yml") {
			name := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ext), "-values")
			out = append(out, chartVariant{name: name, values: []string{filepath.Join(dir, "ci", e.Name())}})
		}
	}
	return out
}

// label names a variant in findings and notices: the chart, with its values files.
func (s *chartSetup) label(v chartVariant) string {
	if v.name == "" && len(s.values) == 0 {
		return s.dir
	}
	var files []string
	for _, f := range append(append([]string{}, s.values...), v.values...) {
		if rel, err := filepath.Rel(s.dir, f); err == nil && !strings.HasPrefix(rel, "..") {
			f = rel
		}
		files = append(files, f)
	}
	return s.dir + " with " + strings.Join(files, ", ")
}

// renderError is a chart that fails to render: Helm's message, at the template
// line it names when it names one.
type renderError struct {
	pos Pos
	msg string
}

func (e *renderError) Error() string { return e.msg }

// source is the failure as a source of the input: its file, read for printing the
// line when it is one on disk, with the failure as its only problem.
func (e *renderError) source() source {
	src := source{name: e.pos.File, data: []byte{}, failed: &Problem{Kind: RenderFailed, Pos: e.pos, Message: e.msg}}
	if fi, err := os.Stat(e.pos.File); err == nil && fi.Mode().IsRegular() {
		src.data, src.path = nil, e.pos.File
	}
	return src
}

// missingDeps is a chart whose dependencies are not vendored in charts/.
type missingDeps struct{ msg string }

func (e *missingDeps) Error() string { return e.msg }

// renderChart renders one variant of a chart in memory, as `helm template` does
// with no cluster: hooks included, NOTES.txt and CRDs left out, `lookup` finding
// nothing and no DNS. Positions of the output are moved to the template lines, or
// to the values lines that set a field's value.
func renderChart(s *chartSetup, v chartVariant, h *HelmOptions) (*kustomized, error) {
	ch, disk, err := loadChart(s.dir)
	if err != nil {
		return nil, err
	}
	if missing := missingDependencies(ch); len(missing) > 0 {
		return nil, &missingDeps{fmt.Sprintf("%s: the chart's dependencies %s are not in its charts/ folder, and kubenet reads no network; fetch them first: helm dependency build %s",
			s.dir, strings.Join(missing, ", "), s.dir)}
	}
	vals := map[string]any{}
	var valueFiles []valuesFile
	for _, f := range append(append([]string{}, s.values...), v.values...) {
		if root, ok := s.confine[f]; ok && !resolvesInside(root, f) {
			return nil, &renderError{Pos{File: filepath.Join(s.dir, "Chart.yaml"), Line: 1, Column: 1},
				fmt.Sprintf("values file %s leads outside %s, and kubenet reads nothing outside the folder that names it", f, root)}
		}
		data, err := readAtMost(f, MaxFileSize)
		if err != nil {
			return nil, &PathError{Path: f, Err: err}
		}
		m := map[string]any{}
		if err := sigyaml.Unmarshal(data, &m); err != nil {
			return nil, &renderError{Pos{File: f, Line: 1, Column: 1}, fmt.Sprintf("values file %s does not parse: %v", f, err)}
		}
		vals = mergeValues(vals, m)
		valueFiles = append(valueFiles, valuesFile{path: f, data: data})
	}
	if len(s.inline) > 0 {
		merged, err := applyInline(vals, s.inline, s.inlineFirst)
		if err != nil {
			return nil, &renderError{Pos{File: filepath.Join(s.dir, "Chart.yaml"), Line: 1, Column: 1}, fmt.Sprintf("valuesInline: %v", err)}
		}
		vals = merged
	}
	for _, kv := range s.set {
		if err := strvals.ParseInto(kv, vals); err != nil {
			return nil, &renderError{Pos{File: filepath.Join(s.dir, "Chart.yaml"), Line: 1, Column: 1}, fmt.Sprintf("--set %s: %v", kv, err)}
		}
	}
	for _, kv := range s.setString {
		if err := strvals.ParseIntoString(kv, vals); err != nil {
			return nil, &renderError{Pos{File: filepath.Join(s.dir, "Chart.yaml"), Line: 1, Column: 1}, fmt.Sprintf("--set-string %s: %v", kv, err)}
		}
	}
	chartFile := Pos{File: filepath.Join(s.dir, "Chart.yaml"), Line: 1, Column: 1}
	caps := common.DefaultCapabilities.Copy()
	kubeVersion := h.KubeVersion
	if kubeVersion == "" {
		kubeVersion = DefaultKubeVersion
	}
	{
		kv, err := common.ParseKubeVersion(kubeVersion)
		if err != nil {
			return nil, &renderError{chartFile, fmt.Sprintf("kube version %q: %v", kubeVersion, err)}
		}
		caps.KubeVersion = *kv
	}
	caps.APIVersions = append(append(common.VersionSet{}, caps.APIVersions...), h.APIVersions...)
	if ch.Metadata.KubeVersion != "" && !chartutil.IsCompatibleRange(ch.Metadata.KubeVersion, caps.KubeVersion.String()) {
		return nil, &renderError{chartFile, fmt.Sprintf("the chart requires kubeVersion %s, and Kubernetes %s is assumed (--kube-version or helm.kubeVersion)", ch.Metadata.KubeVersion, caps.KubeVersion.Version)}
	}
	if err := chartutil.ProcessDependencies(ch, vals); err != nil {
		return nil, &renderError{chartFile, err.Error()}
	}
	release := s.release
	if release == "" {
		release = ch.Name()
	}
	top, err := util.ToRenderValuesWithSchemaValidation(ch, vals, common.ReleaseOptions{Name: release, Namespace: s.namespace, Revision: 1, IsInstall: true}, caps, true)
	if err != nil {
		return nil, &renderError{chartFile, strings.TrimSpace(err.Error())}
	}
	if coalesced, ok := top["Values"].(common.Values); ok {
		if err := validateSchemas(ch, coalesced); err != nil {
			return nil, &renderError{chartFile, "the values do not meet the chart's values.schema.json: " + err.Error()}
		}
	}
	files, err := renderBounded(ch, top, h.Timeout, h.MaxHeap)
	var runaway *runawayRender
	if errors.As(err, &runaway) {
		return nil, &PathError{Path: s.dir, Err: runaway}
	}
	if err != nil {
		return nil, templateError(err, s.dir, ch.Name(), chartFile)
	}
	return assembleRendered(s, ch, files, disk, valueFiles), nil
}

// DefaultRenderHeap bounds the heap one rendering may grow by.
const DefaultRenderHeap = 1 << 30

// runawayRender is a rendering stopped for its time or memory: a template that loops
// cannot be interrupted, so the run stops (a usage error) rather than go on beside it.
type runawayRender struct{ msg string }

func (e *runawayRender) Error() string { return e.msg }

// renderBounded runs Helm's engine, giving up after the timeout or when the heap grows
// by more than maxHeap: a template can loop, and build strings, for as long as
// it likes.
func renderBounded(ch *chartv2.Chart, vals common.Values, timeout time.Duration, maxHeap uint64) (map[string]string, error) {
	if timeout <= 0 {
		timeout = DefaultRenderTimeout
	}
	if maxHeap == 0 {
		maxHeap = DefaultRenderHeap
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	type result struct {
		files map[string]string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		var e engine.Engine
		files, err := e.RenderWithContext(ctx, ch, vals)
		done <- result{files, err}
	}()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	start := sample[0].Value.Uint64()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case r := <-done:
			return r.files, r.err
		case <-ctx.Done():
			return nil, &runawayRender{fmt.Sprintf("rendering took longer than %s; the templates may loop", timeout)}
		case <-tick.C:
			metrics.Read(sample)
			if grown := sample[0].Value.Uint64(); grown > start && grown-start > maxHeap {
				return nil, &runawayRender{fmt.Sprintf("rendering took more than %d MiB of memory; the templates may loop", maxHeap>>20)}
			}
		}
	}
}

// templateLocation finds the template file and line in Helm's error messages, as in
// "template: chart/templates/x.yaml:12:20: executing ...".
var templateLocation = regexp.MustCompile(`([\w.@/-]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::(\d+))?`)

// templateError places a render failure at the template line Helm names.
func templateError(err error, dir, name string, fallback Pos) error {
	msg := strings.TrimSpace(err.Error())
	pos := fallback
	if m := templateLocation.FindStringSubmatch(msg); m != nil {
		if file, ok := templateFile(dir, name, m[1]); ok {
			line, _ := strconv.Atoi(m[2])
			col, _ := strconv.Atoi(m[3])
			pos = Pos{File: file, Line: line, Column: col}
		}
	}
	return &renderError{pos, "the chart does not render: " + msg}
}

// templateFile is the file on disk of a template Helm names as
// "chart/templates/x.yaml" or "chart/charts/sub/templates/y.yaml".
func templateFile(dir, chartName, name string) (string, bool) {
	rest, ok := strings.CutPrefix(name, chartName+"/")
	if !ok || rest == "" {
		return "", false
	}
	return filepath.Join(dir, filepath.FromSlash(rest)), true
}

// missingDependencies lists the dependencies of Chart.yaml (and of its subcharts)
// that no subchart provides.
func missingDependencies(ch *chartv2.Chart) []string {
	var out []string
	have := map[string]bool{}
	for _, sub := range ch.Dependencies() {
		have[sub.Name()] = true
	}
	for _, d := range ch.Metadata.Dependencies {
		if d != nil && !have[d.Name] {
			out = append(out, d.Name)
		}
	}
	for _, sub := range ch.Dependencies() {
		out = append(out, missingDependencies(sub)...)
	}
	return out
}

// loadChart reads a chart folder, or a packaged chart, as Helm's loader would,
// under kubenet's rules: .helmignore honoured, links followed only to regular files
// inside the chart, and every file bounded. It returns the chart and the files read
// from disk, by their path in the chart.
func loadChart(dir string) (*chartv2.Chart, map[string][]byte, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, nil, &PathError{Path: dir, Err: err}
	}
	if !fi.IsDir() {
		f, err := os.Open(dir)
		if err != nil {
			return nil, nil, &PathError{Path: dir, Err: err}
		}
		defer f.Close()
		ch, err := loader.LoadArchive(f)
		if err != nil {
			return nil, nil, &renderError{Pos{File: dir}, fmt.Sprintf("%s is not a packaged chart: %v", dir, err)}
		}
		return ch, nil, nil
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, nil, &PathError{Path: dir, Err: err}
	}
	rules := ignore.Empty()
	if data, err := readAtMost(filepath.Join(dir, ignore.HelmIgnore), 1<<20); err == nil {
		if r, err := ignore.Parse(bytes.NewReader(data)); err == nil {
			rules = r
		}
	}
	rules.AddDefaults()
	var files []*archive.BufferedFile
	disk := map[string][]byte{}
	var total int64
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return &PathError{Path: p, Err: unwrapPath(err)}
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return &PathError{Path: p, Err: err}
		}
		if d.IsDir() {
			if rules.Ignore(rel, info) {
				return filepath.SkipDir
			}
			return nil
		}
		if rules.Ignore(rel, info) || !insideRegular(root, p, d) {
			return nil
		}
		if len(files) >= maxChartFiles {
			return &PathError{Path: dir, Err: fmt.Errorf("more than %d files in the chart", maxChartFiles)}
		}
		data, err := readAtMost(p, MaxFileSize)
		if err != nil {
			return &PathError{Path: p, Err: err}
		}
		if total += int64(len(data)); total > MaxFileSize {
			return &PathError{Path: dir, Err: fmt.Errorf("the chart holds more than %d MiB", MaxFileSize>>20)}
		}
		files = append(files, &archive.BufferedFile{Name: rel, Data: data})
		disk[rel] = data
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, nil, &renderError{Pos{File: filepath.Join(dir, "Chart.yaml"), Line: 1, Column: 1}, fmt.Sprintf("the chart %s does not load: %v", dir, err)}
	}
	return ch, disk, nil
}

// resolvesInside reports whether path, links followed, is root or below it (root's
// links followed too). A path that does not exist is judged by its name.
func resolvesInside(root, path string) bool {
	r, err := filepath.EvalSymlinks(root)
	if err != nil {
		r = root
	}
	p, err := filepath.EvalSymlinks(path)
	if err != nil {
		return inside(root, path)
	}
	return inside(r, p)
}

// insideRegular reports whether a chart file is read: a regular file, or a link to
// one inside the chart.
func insideRegular(root, p string, d fs.DirEntry) bool {
	if d.Type().IsRegular() {
		return true
	}
	if d.Type()&fs.ModeSymlink == 0 {
		return false
	}
	target, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	if rel, err := filepath.Rel(root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	fi, err := os.Stat(target)
	return err == nil && fi.Mode().IsRegular()
}

// isPackagedChart reports whether a file given as a path is a packaged chart.
func isPackagedChart(p string) bool {
	return strings.HasSuffix(p, ".tgz") || strings.HasSuffix(p, ".tar.gz")
}

// notes is the suffix of the file Helm renders as release notes, not manifests.
const notes = "NOTES.txt"

// renderedTemplates lists the templates that rendered manifests, sorted, without
// NOTES.txt and blank output.
func renderedTemplates(files map[string]string) []string {
	var names []string
	for name, out := range files {
		if pathpkg.Base(name) == notes || strings.TrimSpace(out) == "" {
			continue
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// mergeValues merges values b over a, as Helm merges values files.
func mergeValues(a, b map[string]any) map[string]any { return loader.MergeMaps(a, b) }

// errMissingDeps reports whether a chart was not rendered for want of its dependencies.
func errMissingDeps(err error) bool {
	var m *missingDeps
	return errors.As(err, &m)
}

// renderCharts renders every variant of every chart met, keyed for inputs.unit, and
// returns them as builds. A chart that does not render is its problem, at the
// template line Helm names; one whose dependencies are missing is a notice. Both
// hedge what their objects could answer, in any namespace (templates may name
// any), like a kustomization kubenet did not build.
func (in *inputs) renderCharts(opts Options) (map[string]source, []buildRoot, error) {
	out := map[string]source{}
	var roots []buildRoot
	defaultNS := opts.DefaultNamespace
	if defaultNS == "" {
		defaultNS = "default"
	}
	for _, dir := range in.charts {
		s, ok := opts.Helm.setupChart(dir, defaultNS)
		if !ok {
			in.notices = append(in.notices, Problem{Kind: Notice, Pos: Pos{File: dir},
				Message: skippedChart + dir + ": not listed in .kubenet.yaml helm.charts"})
			continue
		}
		for _, v := range s.variants {
			key := dir + "\x00" + v.name
			label := s.label(v)
			k, err := renderChart(s, v, &opts.Helm)
			var pe *PathError
			var re *renderError
			switch {
			case errors.As(err, &pe):
				return nil, nil, err
			case errMissingDeps(err):
				in.notices = append(in.notices, Problem{Kind: Notice, Pos: Pos{File: dir}, Message: "skipped " + err.Error()})
				in.skipped = append(in.skipped, SkippedBuild{File: dir})
			case errors.As(err, &re):
				out[key] = re.source()
				in.skipped = append(in.skipped, SkippedBuild{File: dir})
			case err != nil:
				return nil, nil, err
			default:
				out[key] = source{name: label + " (rendered)", data: k.data, built: k, namespace: s.namespace}
			}
			if errMissingDeps(err) {
				break
			}
			roots = append(roots, buildRoot{dir: dir, key: key, label: label, name: v.name, variant: len(s.variants) > 1})
		}
	}
	return out, roots, nil
}

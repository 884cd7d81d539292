package model

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
	sigyaml "sigs.k8s.io/yaml"
)

// A kustomization's helmCharts are inflated the way kustomize's Helm generator
// inflates them, with kubenet's own renderer instead of a helm binary: the chart must
// be in the kustomization's chartHome (charts/ by default), as `kustomize build
// --enable-helm` leaves it after its first pull. The rendered objects become a
// resource of the kustomization (a file that exists only in memory), so that
// kustomize's transformers (namespace, labels, patches) apply to them as they would,
// and their positions go back through the chart's templates.

// inflatedPrefix names the in-memory resource file of an inflated chart.
const inflatedPrefix = ".kubenet-helm-"

// inflation is one chart of a kustomization's helmCharts, rendered.
type inflation struct {
	file string // the in-memory resource, an absolute path in the kustomization's folder
	out  *kustomized
}

// inflateCharts renders the helmCharts of the kustomization file in dir, within the
// run's limits. A chart not vendored is a notBuilt (kubenet reads no network); one
// that does not render is a renderError; one that runs away a *PathError.
func inflateCharts(dir, file string, k *types.Kustomization, limits HelmOptions) ([]inflation, error) {
	if len(k.HelmCharts) == 0 && len(k.HelmChartInflationGenerator) == 0 {
		return nil, nil
	}
	if len(k.HelmChartInflationGenerator) > 0 {
		return nil, &notBuilt{fmt.Sprintf("%s: helmChartInflationGenerator is deprecated and not read by kubenet; move its charts to helmCharts", file)}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	home := k.HelmGlobals
	var out []inflation
	for i, hc := range k.HelmCharts {
		if hc.Name == "" {
			// kustomize refuses it too ("chart name cannot be empty").
			return nil, &renderError{Pos{File: file, Line: 1, Column: 1}, fmt.Sprintf("helmCharts[%d] names no chart", i)}
		}
		chartHome := "charts"
		if home != nil && home.ChartHome != "" {
			chartHome = home.ChartHome
		}
		if !filepath.IsAbs(chartHome) {
			chartHome = filepath.Join(dir, chartHome)
		}
		if hc.Version != "" && hc.Repo != "" {
			chartHome = filepath.Join(chartHome, hc.Name+"-"+hc.Version)
		}
		chartDir := filepath.Join(chartHome, hc.Name)
		if !inside(abs, chartDir) {
			return nil, &notBuilt{fmt.Sprintf("%s: helmCharts[%d] %q lies outside the kustomization's folder, which kustomize's load restrictor forbids", file, i, hc.Name)}
		}
		if !resolvesInside(abs, chartDir) {
			return nil, &notBuilt{fmt.Sprintf("%s: helmCharts %q leads outside the kustomization's folder (a link), which kustomize's load restrictor forbids", file, hc.Name)}
		}
		if fi, err := os.Stat(chartDir); err != nil || !fi.IsDir() {
			return nil, &notBuilt{fmt.Sprintf("%s: helmCharts %q is not in %s and kubenet reads no network; pull it once (kustomize build --enable-helm %s, or helm pull --untar --untardir %s), or lint the built output: kustomize build --enable-helm %s | kubenet lint -",
				file, hc.Name, chartHome, dir, chartHome, dir)}
		}
		s := &chartSetup{dir: chartDir, release: hc.ReleaseName, namespace: hc.Namespace}
		if s.namespace == "" {
			s.namespace = k.Namespace
		}
		valuesFile := hc.ValuesFile
		if valuesFile != "" && !filepath.IsAbs(valuesFile) {
			valuesFile = filepath.Join(dir, valuesFile)
		}
		var v chartVariant
		if valuesFile != "" {
			v.values = append(v.values, valuesFile)
		}
		for _, f := range hc.AdditionalValuesFiles {
			v.values = append(v.values, filepath.Join(dir, f))
		}
		for _, f := range v.values {
			if !resolvesInside(abs, f) {
				return nil, &notBuilt{fmt.Sprintf("%s: helmCharts %q reads %s, outside the kustomization's folder, which kustomize's load restrictor forbids", file, hc.Name, f)}
			}
		}
		h := &HelmOptions{KubeVersion: hc.KubeVersion, APIVersions: hc.ApiVersions, Timeout: limits.Timeout, MaxHeap: limits.MaxHeap}
		if len(hc.ValuesInline) > 0 {
			if hc.ValuesMerge == "replace" {
				v.values = nil
			}
			s.inline = hc.ValuesInline
			s.inlineFirst = hc.ValuesMerge == "merge"
		}
		rendered, err := renderChart(s, v, h)
		if err != nil {
			return nil, err
		}
		out = append(out, inflation{file: filepath.Join(abs, fmt.Sprintf("%s%d-%s.yaml", inflatedPrefix, i, hc.Name)), out: rendered})
	}
	return out, nil
}

// inside reports whether path is dir or below it.
func inside(dir, path string) bool {
	a, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, a)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// withInflated rewrites a kustomization that has helmCharts: the charts' output
// becomes resources, and the helm fields go, so that kustomize builds it without helm.
func withInflated(data []byte, infl []inflation) []byte {
	n, err := yaml.Parse(string(data))
	if err != nil {
		return data
	}
	for _, f := range []string{"helmCharts", "helmGlobals", "helmChartInflationGenerator"} {
		_ = n.PipeE(yaml.Clear(f))
	}
	res, err := n.Pipe(yaml.LookupCreate(yaml.SequenceNode, "resources"))
	if err != nil || res == nil {
		return data
	}
	for _, in := range infl {
		_ = res.PipeE(yaml.Append(&yaml.Node{Kind: yaml.ScalarNode, Value: filepath.Base(in.file)}))
	}
	s, err := n.String()
	if err != nil {
		return data
	}
	return []byte(s)
}

// inflatedFS serves the in-memory resources of inflated charts, and the
// kustomizations that name them, over the disk.
type inflatedFS struct {
	filesys.FileSystem
	files map[string][]byte // in-memory resources, by absolute path
	kusts map[string][]inflation
}

func (f inflatedFS) ReadFile(path string) ([]byte, error) {
	p := absClean(path)
	if data, ok := f.files[p]; ok {
		return data, nil
	}
	data, err := f.FileSystem.ReadFile(path)
	if infl, ok := f.kusts[p]; ok && err == nil {
		return withInflated(data, infl), nil
	}
	return data, err
}

func (f inflatedFS) Exists(path string) bool {
	if _, ok := f.files[absClean(path)]; ok {
		return true
	}
	return f.FileSystem.Exists(path)
}

func (f inflatedFS) IsDir(path string) bool {
	if _, ok := f.files[absClean(path)]; ok {
		return false
	}
	return f.FileSystem.IsDir(path)
}

func (f inflatedFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	p := absClean(path)
	if _, ok := f.files[p]; ok {
		d, _, err := f.FileSystem.CleanedAbs(filepath.Dir(p))
		return d, filepath.Base(p), err
	}
	return f.FileSystem.CleanedAbs(path)
}

func absClean(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	return a
}

// inflateAll inflates the helmCharts of every local kustomization the one in dir
// builds on, keyed by kustomization file.
func inflateAll(dir string, limits HelmOptions) (map[string][]inflation, error) {
	dirs := map[string]bool{}
	localDirs(dir, dirs)
	keys := make([]string, 0, len(dirs))
	for d := range dirs {
		keys = append(keys, d)
	}
	sort.Strings(keys)
	out := map[string][]inflation{}
	for _, d := range keys {
		file := kustomizationFile(d)
		if file == "" {
			continue
		}
		k, err := readKustomization(file)
		if err != nil {
			continue
		}
		infl, err := inflateCharts(d, file, k, limits)
		if err != nil {
			return nil, err
		}
		if len(infl) > 0 {
			out[absClean(file)] = infl
		}
	}
	return out, nil
}

// valuesInline is applied over a chart's values files, or under them with
// valuesMerge: merge.
func applyInline(vals map[string]any, inline map[string]any, first bool) (map[string]any, error) {
	// A JSON round trip makes the inline values the types values files have.
	data, err := sigyaml.Marshal(inline)
	if err != nil {
		return nil, err
	}
	m := map[string]any{}
	if err := sigyaml.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	if first {
		return mergeValues(m, vals), nil
	}
	return mergeValues(vals, m), nil
}

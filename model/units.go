package model

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// skippedChart starts the notice for a Helm chart folder met while walking.
const skippedChart = "skipped Helm chart "

// LoadUnits reads every path like Load and returns one graph per deployment. With
// Options.Kustomize, each kustomization that no other one pulls in is built in memory
// and takes the place of its folder in the input order. Overlays of one base are
// variants (a dev and a prod overlay define the same objects for different clusters):
// each variant is a graph of its own, holding everything else too (see deployments).
// Without variants there is one graph. Problems that concern no graph in particular
// (skipped folders) go to the first.
func LoadUnits(opts Options, paths ...string) ([]*Graph, error) {
	in, err := readInputs(opts, paths)
	if err != nil {
		return nil, err
	}
	roots := kustomizeRoots(in.kdirs, in.explicit)
	built, err := in.buildKustomizations(roots, opts.Helm)
	if err != nil {
		return nil, err
	}
	rendered, croots, err := in.renderCharts(opts)
	if err != nil {
		return nil, err
	}
	for k, v := range rendered {
		built[k] = v
	}
	all := append(kustomizeVariants(roots), croots...)
	plain := len(in.srcs) - len(in.kdirs) - len(in.charts)
	var units []*Graph
	for _, group := range deployments(all) {
		var names []string
		for _, r := range group {
			if r.variant || (plain == 0 && len(all) == 1 && r.label != "") {
				names = append(names, r.label)
			}
		}
		g, err := build(opts, in.unit(group, built))
		if err != nil {
			return nil, err
		}
		g.Unit = strings.Join(names, ", ")
		units = append(units, g)
	}
	units[0].Problems = append(in.notices, units[0].Problems...)
	for _, n := range in.notices {
		if strings.HasPrefix(n.Message, skippedChart) {
			in.skipped = append(in.skipped, SkippedBuild{File: n.Pos.File})
		}
	}
	for _, g := range units {
		g.Skipped = in.skipped
	}
	return units, nil
}

// inputs is what the paths given to LoadUnits hold, before any kustomization is built.
type inputs struct {
	// srcs lists the files in input order, with a placeholder for each kustomization
	// folder (source.kustomization).
	srcs []source
	// kdirs are the kustomization folders, explicit those named as paths themselves;
	// charts the Helm charts.
	kdirs, charts []string
	explicit      map[string]bool
	// notices are the problems that concern no graph in particular (skipped folders and
	// files); skipped lists the kustomizations not built.
	notices []Problem
	skipped []SkippedBuild
	// seen holds the files listed already, so that a file named twice is read once.
	seen map[string]bool
}

// readInputs lists the files (and kustomization folders) of the paths, reading
// standard input for "-". A path that cannot be read, or inputs over MaxInputSize,
// are a *PathError.
func readInputs(opts Options, paths []string) (*inputs, error) {
	in := &inputs{explicit: map[string]bool{}, seen: map[string]bool{}}
	for _, p := range paths {
		if p == "-" {
			srcs, err := readStdin(opts.Stdin)
			if err != nil {
				return nil, err
			}
			in.srcs = append(in.srcs, srcs...)
			continue
		}
		w, err := walk(p, opts.Ignore, opts.Kustomize, !opts.Helm.Skip)
		if err != nil {
			return nil, err
		}
		in.notices = append(in.notices, w.notices...)
		in.add(p, w)
	}
	if n := sourceBytes(in.srcs); n > MaxInputSize {
		return nil, &PathError{Path: strings.Join(paths, " "), Err: fmt.Errorf("%d MiB of manifests, over the %d MiB kubenet reads in one run; lint the folders in parts", n>>20, MaxInputSize>>20)}
	}
	return in, nil
}

// readStdin reads standard input, split at the "# Source:" comments of helm template.
func readStdin(stdin io.Reader) ([]source, error) {
	if stdin == nil {
		return nil, &PathError{Path: "-", Err: errors.New("no standard input")}
	}
	data, err := io.ReadAll(io.LimitReader(stdin, MaxFileSize+1))
	if err != nil {
		return nil, &PathError{Path: "-", Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &PathError{Path: "-", Err: fmt.Errorf("standard input holds more than %d MiB, the most kubenet reads from one file", MaxFileSize>>20)}
	}
	return splitHelm(data), nil
}

// add lists what walking path p found: the files, the kustomization folders and the
// charts.
func (in *inputs) add(p string, w walked) {
	isDir, isChart := map[string]bool{}, map[string]bool{}
	for _, d := range w.kdirs {
		isDir[d] = true
		if d == filepath.Clean(p) {
			in.explicit[d] = true
		}
	}
	for _, c := range w.charts {
		isChart[c] = true
	}
	for _, f := range w.files {
		if in.seen[f] {
			continue
		}
		in.seen[f] = true
		switch {
		case isDir[f]:
			in.kdirs = append(in.kdirs, f)
			in.srcs = append(in.srcs, source{name: f, kustomization: true})
		case isChart[f]:
			in.charts = append(in.charts, f)
			in.srcs = append(in.srcs, source{name: f, chart: true})
		default:
			in.srcs = append(in.srcs, source{name: f, path: f})
		}
	}
}

// buildKustomizations builds each root kustomization in memory, by folder. One that
// kubenet does not build (remote resources, a chart not vendored) is a notice and a
// SkippedBuild; one that fails to build is its file, with the failure as its problem. A
// chart rendering that runs away stops the run (a *PathError).
func (in *inputs) buildKustomizations(roots []string, limits HelmOptions) (map[string]source, error) {
	built := map[string]source{}
	for _, dir := range roots {
		k, err := kustomize(dir, limits)
		var skipped *notBuilt
		var rendered *renderError
		var fatal *PathError
		if errors.As(err, &fatal) {
			// A chart of its helmCharts that runs away, or a file that cannot be read.
			return nil, fatal
		}
		file := kustomizationFile(dir)
		switch {
		case errors.As(err, &skipped):
			in.notices = append(in.notices, Problem{Kind: Notice, Pos: Pos{File: file}, Message: "skipped " + err.Error()})
			sb := SkippedBuild{File: file}
			if k, err := readKustomization(file); err == nil {
				sb.Namespace = k.Namespace
			}
			in.skipped = append(in.skipped, sb)
		case errors.As(err, &rendered):
			// A chart of its helmCharts does not render: kustomize build --enable-helm
			// fails the same way.
			built[dir] = rendered.source()
			in.skipped = append(in.skipped, SkippedBuild{File: file})
		case errMissingDeps(err):
			in.notices = append(in.notices, Problem{Kind: Notice, Pos: Pos{File: file}, Message: "skipped " + err.Error()})
			in.skipped = append(in.skipped, SkippedBuild{File: file})
		case err != nil:
			at := file
			var inBase *baseBuildError
			if errors.As(err, &inBase) && inBase.file != "" {
				at = inBase.file
			}
			built[dir] = source{name: file, path: file, failed: &Problem{Kind: Invalid, Pos: Pos{File: at, Line: 1, Column: 1}, Message: err.Error()}}
		default:
			built[dir] = source{name: k.file + " (built)", data: k.data, built: k}
		}
	}
	return built, nil
}

// unit lists the sources of one deployment in input order: every plain file, and the
// output of the kustomizations and chart variants of group in the place of their
// folders.
func (in *inputs) unit(group []buildRoot, built map[string]source) []source {
	byDir := map[string]string{}
	for _, r := range group {
		byDir[r.dir] = r.key
	}
	var unit []source
	for _, src := range in.srcs {
		if !src.kustomization && !src.chart {
			unit = append(unit, src)
			continue
		}
		if key, ok := byDir[src.name]; ok {
			if b, ok := built[key]; ok {
				unit = append(unit, b)
			}
		}
	}
	return unit
}

// buildRoot is one build of the input: a root kustomization, or one variant of a
// chart.
type buildRoot struct {
	// dir is the kustomization folder or chart; key finds its output.
	dir, key string
	// label names it in findings; name groups variants of different
	// applications deployed together (the overlay's folder name, the values
	// variant's name).
	label, name string
	// variant is true when the same application has other builds.
	variant bool
}

// kustomizeVariants makes the root kustomizations builds: roots that share a folder
// (overlays of one base) are variants of one application.
func kustomizeVariants(roots []string) []buildRoot {
	reach := make([]map[string]bool, len(roots))
	for i, r := range roots {
		reach[i] = map[string]bool{}
		localDirs(r, reach[i])
	}
	out := make([]buildRoot, len(roots))
	for i, r := range roots {
		out[i] = buildRoot{dir: r, key: r, label: kustomizationFile(r), name: filepath.Base(r)}
		for j := range roots {
			if i == j {
				continue
			}
			for d := range reach[i] {
				if reach[j][d] {
					out[i].variant = true
				}
			}
		}
	}
	return out
}

// deployments groups builds into what is deployed together. Variants of one
// application are deployed to different clusters or namespaces: each variant is a
// deployment of its own, with the builds that have no variants and with the plain
// manifests. Variants of different applications that have the same name
// (apps/a/overlays/prod and apps/b/overlays/prod, or a chart's values-prod.yaml) are
// deployed together.
func deployments(roots []buildRoot) [][]buildRoot {
	var common []buildRoot
	var order []string
	byName := map[string][]buildRoot{}
	for _, r := range roots {
		if !r.variant {
			common = append(common, r)
			continue
		}
		if _, ok := byName[r.name]; !ok {
			order = append(order, r.name)
		}
		byName[r.name] = append(byName[r.name], r)
	}
	if len(order) == 0 {
		return [][]buildRoot{common}
	}
	out := make([][]buildRoot, 0, len(order))
	for _, name := range order {
		out = append(out, append(append([]buildRoot{}, common...), byName[name]...))
	}
	return out
}

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
	built := in.buildKustomizations(roots)
	var units []*Graph
	groups, variant := deployments(roots)
	plain := len(in.srcs) - len(in.kdirs)
	for _, group := range groups {
		var names []string
		for _, dir := range group {
			if variant[dir] || (plain == 0 && len(roots) == 1) {
				names = append(names, kustomizationFile(dir))
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
	// kdirs are the kustomization folders, explicit those named as paths themselves.
	kdirs    []string
	explicit map[string]bool
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
		found, kd, n, err := walk(p, opts.Ignore, opts.Kustomize)
		if err != nil {
			return nil, err
		}
		in.notices = append(in.notices, n...)
		in.add(p, found, kd)
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

// add lists what walking path p found: the files, and the kustomization folders kd
// among them.
func (in *inputs) add(p string, found, kd []string) {
	isDir := map[string]bool{}
	for _, d := range kd {
		isDir[d] = true
		if d == filepath.Clean(p) {
			in.explicit[d] = true
		}
	}
	for _, f := range found {
		if in.seen[f] {
			continue
		}
		in.seen[f] = true
		if isDir[f] {
			in.kdirs = append(in.kdirs, f)
			in.srcs = append(in.srcs, source{name: f, kustomization: true})
		} else {
			in.srcs = append(in.srcs, source{name: f, path: f})
		}
	}
}

// buildKustomizations builds each root kustomization in memory, by folder. One that
// kubenet does not build (remote resources, helmCharts) is a notice and a
// SkippedBuild; one that fails to build is its file, with the failure as its problem.
func (in *inputs) buildKustomizations(roots []string) map[string]source {
	built := map[string]source{}
	for _, dir := range roots {
		k, err := kustomize(dir)
		var skipped *notBuilt
		file := kustomizationFile(dir)
		switch {
		case errors.As(err, &skipped):
			in.notices = append(in.notices, Problem{Kind: Notice, Pos: Pos{File: file}, Message: "skipped " + err.Error()})
			sb := SkippedBuild{File: file}
			if k, err := readKustomization(file); err == nil {
				sb.Namespace = k.Namespace
			}
			in.skipped = append(in.skipped, sb)
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
	return built
}

// unit lists the sources of one deployment in input order: every plain file, and the
// output of the kustomizations of group in the place of their folders.
func (in *inputs) unit(group []string, built map[string]source) []source {
	inGroup := map[string]bool{}
	for _, dir := range group {
		inGroup[dir] = true
	}
	var unit []source
	for _, src := range in.srcs {
		switch {
		case !src.kustomization:
			unit = append(unit, src)
		case inGroup[src.name]:
			if b, ok := built[src.name]; ok {
				unit = append(unit, b)
			}
		}
	}
	return unit
}

// deployments groups kustomization roots into what is deployed together. Roots that
// share a folder (overlays of one base) are variants of one application, deployed to
// different clusters or namespaces: each variant is a deployment of its own, with the
// roots that share nothing and with the plain manifests. Variants of different
// applications that have the same folder name (apps/a/overlays/prod and
// apps/b/overlays/prod) are deployed together.
func deployments(roots []string) ([][]string, map[string]bool) {
	reach := make([]map[string]bool, len(roots))
	for i, r := range roots {
		reach[i] = map[string]bool{}
		localDirs(r, reach[i])
	}
	variant := make([]bool, len(roots))
	for i := range roots {
		for j := range roots {
			if i == j {
				continue
			}
			for d := range reach[i] {
				if reach[j][d] {
					variant[i], variant[j] = true, true
				}
			}
		}
	}
	var common []string
	var order []string
	byName := map[string][]string{}
	variants := map[string]bool{}
	for i, r := range roots {
		variants[r] = variant[i]
		if !variant[i] {
			common = append(common, r)
			continue
		}
		name := filepath.Base(r)
		if _, ok := byName[name]; !ok {
			order = append(order, name)
		}
		byName[name] = append(byName[name], r)
	}
	if len(order) == 0 {
		return [][]string{common}, variants
	}
	out := make([][]string, 0, len(order))
	for _, name := range order {
		out = append(out, append(append([]string{}, common...), byName[name]...))
	}
	return out, variants
}

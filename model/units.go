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
	var srcs []source
	var notices []Problem
	var skippedBuilds []SkippedBuild
	var kdirs []string
	explicit := map[string]bool{}
	seen := map[string]bool{}
	for _, p := range paths {
		if p == "-" {
			if opts.Stdin == nil {
				return nil, &PathError{Path: "-", Err: errors.New("no standard input")}
			}
			data, err := io.ReadAll(io.LimitReader(opts.Stdin, MaxFileSize+1))
			if err != nil {
				return nil, &PathError{Path: "-", Err: err}
			}
			if len(data) > MaxFileSize {
				return nil, &PathError{Path: "-", Err: fmt.Errorf("standard input holds more than %d MiB, the most kubenet reads from one file", MaxFileSize>>20)}
			}
			srcs = append(srcs, splitHelm(data)...)
			continue
		}
		found, kd, n, err := walk(p, opts.Ignore, opts.Kustomize)
		if err != nil {
			return nil, err
		}
		notices = append(notices, n...)
		isDir := map[string]bool{}
		for _, d := range kd {
			isDir[d] = true
			if d == filepath.Clean(p) {
				explicit[d] = true
			}
		}
		for _, f := range found {
			if seen[f] {
				continue
			}
			seen[f] = true
			if isDir[f] {
				kdirs = append(kdirs, f)
				srcs = append(srcs, source{name: f, kustomization: true})
			} else {
				srcs = append(srcs, source{name: f, path: f})
			}
		}
	}
	if n := sourceBytes(srcs); n > MaxInputSize {
		return nil, &PathError{Path: strings.Join(paths, " "), Err: fmt.Errorf("%d MiB of manifests, over the %d MiB kubenet reads in one run; lint the folders in parts", n>>20, MaxInputSize>>20)}
	}
	roots := kustomizeRoots(kdirs, explicit)
	built := map[string]source{}
	for _, dir := range roots {
		k, err := kustomize(dir)
		var skipped *notBuilt
		file := kustomizationFile(dir)
		switch {
		case errors.As(err, &skipped):
			notices = append(notices, Problem{Kind: Notice, Pos: Pos{File: file}, Message: "skipped " + err.Error()})
			sb := SkippedBuild{File: file}
			if k, err := readKustomization(file); err == nil {
				sb.Namespace = k.Namespace
			}
			skippedBuilds = append(skippedBuilds, sb)
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
	var units []*Graph
	groups, variant := deployments(roots)
	plain := len(srcs) - len(kdirs)
	for _, group := range groups {
		in := map[string]bool{}
		var names []string
		for _, dir := range group {
			in[dir] = true
			if variant[dir] || (plain == 0 && len(roots) == 1) {
				names = append(names, kustomizationFile(dir))
			}
		}
		var unit []source
		for _, src := range srcs {
			switch {
			case !src.kustomization:
				unit = append(unit, src)
			case in[src.name]:
				if b, ok := built[src.name]; ok {
					unit = append(unit, b)
				}
			}
		}
		g, err := build(opts, unit)
		if err != nil {
			return nil, err
		}
		g.Unit = strings.Join(names, ", ")
		units = append(units, g)
	}
	units[0].Problems = append(notices, units[0].Problems...)
	for _, n := range notices {
		if strings.HasPrefix(n.Message, skippedChart) {
			skippedBuilds = append(skippedBuilds, SkippedBuild{File: n.Pos.File})
		}
	}
	for _, g := range units {
		g.Skipped = skippedBuilds
	}
	return units, nil
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

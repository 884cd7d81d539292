package model

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// manifestExt are the extensions of the files read while walking folders.
var manifestExt = map[string]bool{".yaml": true, ".yml": true, ".json": true}

// walked is what walking a path found.
type walked struct {
	// files are the manifest files, kustomization folders and charts in lexical
	// order; kdirs the kustomization folders, charts the Helm charts (folders, or a
	// packaged chart given as the path); notices what was skipped.
	files, kdirs, charts []string
	notices              []Problem
}

// walk lists the manifest files under p in lexical order. It skips .git, vendor,
// node_modules and hidden folders. With kust, it lists folders holding a
// kustomization instead of reading their files; with helm, folders holding a
// Chart.yaml (otherwise skipped with a notice).
func walk(p string, ignore func(string) bool, kust, helm bool) (walked, error) {
	info, err := os.Stat(p)
	if err != nil {
		return walked{}, &PathError{Path: p, Err: err}
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			return walked{}, &PathError{Path: p, Err: errors.New("not a regular file (a device, FIFO or socket is never read)")}
		}
		if info.Size() > MaxFileSize {
			return walked{}, &PathError{Path: p, Err: fmt.Errorf("%d MiB, over the %d MiB kubenet reads from one file", info.Size()>>20, MaxFileSize>>20)}
		}
		f := filepath.Clean(p)
		if helm && isPackagedChart(f) {
			return walked{files: []string{f}, charts: []string{f}}, nil
		}
		if c := chartOf(f); helm && c != "" {
			// A template named on its own (an editor, a hook passing file names) is
			// linted as its chart renders it.
			return walked{files: []string{c}, charts: []string{c}}, nil
		}
		return walked{files: []string{f}}, nil
	}
	root, err := filepath.EvalSymlinks(p)
	if err != nil {
		return walked{}, &PathError{Path: p, Err: err}
	}
	w := &walker{top: p, root: root, ignore: ignore, kust: kust, helm: helm}
	err = filepath.WalkDir(p, w.visit)
	var pe *PathError
	if errors.As(err, &pe) {
		return walked{}, pe
	}
	if err != nil {
		return walked{}, &PathError{Path: p, Err: err}
	}
	sort.Strings(w.files)
	return w.walked, nil
}

// chartOf returns the chart a file belongs to, when it is one of a chart's templates
// or values files: the nearest folder above it holding a Chart.yaml, looking no
// higher than a repository root.
func chartOf(file string) string {
	dir := filepath.Dir(file)
	for range 8 {
		if _, err := os.Stat(filepath.Join(dir, "Chart.yaml")); err == nil {
			rel, _ := filepath.Rel(dir, file)
			first := strings.Split(filepath.ToSlash(rel), "/")[0]
			if first == "templates" || first == "charts" || first == "ci" || first == "Chart.yaml" || strings.HasPrefix(first, "values") {
				return dir
			}
			return ""
		}
		if _, err := os.Stat(filepath.Join(dir, ".git")); err == nil {
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

// walker walks one folder given as a path (see walk).
type walker struct {
	// top is the folder as given; root is top with links resolved.
	top, root  string
	ignore     func(string) bool
	kust, helm bool
	walked
}

// visit is the fs.WalkDirFunc of a walk: it decides on each folder and file met.
func (w *walker) visit(path string, d fs.DirEntry, err error) error {
	if d == nil { // the folder itself cannot be read
		return &PathError{Path: path, Err: unwrapPath(err)}
	}
	if w.ignore != nil && path != w.top && w.ignore(path) {
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	}
	if d.IsDir() {
		return w.dir(path, d.Name(), err)
	}
	if !manifestExt[strings.ToLower(filepath.Ext(d.Name()))] || underAny(path, w.kdirs) {
		return nil
	}
	if why := w.unreadable(path, d); why != "" {
		w.notices = append(w.notices, Problem{Kind: Notice, Pos: Pos{File: path}, Message: "skipped " + path + ": " + why})
		return nil
	}
	w.files = append(w.files, path)
	return nil
}

// dir decides on a folder: skipped (hidden, vendored, a Helm chart), listed as a
// kustomization, or walked. err is the error listing it.
func (w *walker) dir(path, name string, err error) error {
	if path != w.top && (strings.HasPrefix(name, ".") || name == "vendor" || name == "node_modules") {
		return filepath.SkipDir
	}
	if err != nil {
		// A folder that is not ignored but cannot be listed: linting the rest
		// would pass a repository kubenet has not read (exit 2).
		return &PathError{Path: path, Err: unwrapPath(err)}
	}
	if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil && w.kust && underAny(path, w.kdirs) {
		// A chart under a kustomization is its helmCharts' to render, or nobody's.
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil && w.helm {
		w.charts = append(w.charts, filepath.Clean(path))
		w.files = append(w.files, filepath.Clean(path))
		return filepath.SkipDir
	}
	if _, err := os.Stat(filepath.Join(path, "Chart.yaml")); err == nil {
		w.notices = append(w.notices, Problem{Kind: Notice, Pos: Pos{File: path},
			Message: skippedChart + path + ": rendering charts is off (--helm=false); lint the rendered output instead: helm template " + path + " | kubenet lint -"})
		return filepath.SkipDir
	}
	if w.kust && kustomizationFile(path) != "" {
		// Listed with the files too, so that its objects keep their place in the
		// input order. Its files are kustomize's to read; folders below it are
		// walked, for overlays that live under their base.
		w.kdirs = append(w.kdirs, filepath.Clean(path))
		w.files = append(w.files, filepath.Clean(path))
	}
	return nil
}

// unreadable says why a manifest file is skipped, or returns "" when it is read.
func (w *walker) unreadable(path string, d fs.DirEntry) string {
	switch {
	case d.Type().IsRegular():
	case d.Type()&fs.ModeSymlink != 0:
		// Follow links to files inside the folder linted (kubectl apply -R does;
		// ConfigMap volumes are links), never out of it, and not to folders, which
		// could loop.
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "a link that leads nowhere"
		}
		if rel, err := filepath.Rel(w.root, target); err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return "a link to " + target + ", outside " + w.top
		}
		if fi, err := os.Stat(target); err != nil || !fi.Mode().IsRegular() {
			return "a link to something that is not a regular file"
		}
	default:
		return "not a regular file"
	}
	if fi, err := os.Stat(path); err == nil && fi.Size() > MaxFileSize {
		return fmt.Sprintf("%d MiB, over the %d MiB kubenet reads from one file", fi.Size()>>20, MaxFileSize>>20)
	}
	return ""
}

// unwrapPath drops the path and operation from an *fs.PathError ("open x: permission
// denied"), which PathError names itself.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// underAny reports whether path is inside one of the folders.
func underAny(path string, dirs []string) bool {
	for _, d := range dirs {
		if strings.HasPrefix(path, d+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

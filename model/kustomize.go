package model

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/api/konfig"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// kustomizationFile returns the kustomization file of dir, or "".
func kustomizationFile(dir string) string {
	for _, n := range konfig.RecognizedKustomizationFileNames() {
		p := filepath.Join(dir, n)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
	}
	return ""
}

// readKustomization parses the fields of a kustomization that name other folders.
func readKustomization(file string) (*types.Kustomization, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var k types.Kustomization
	if err := yaml.Unmarshal(data, &k); err != nil {
		return nil, err
	}
	return &k, nil
}

// kustomizeRefs lists what a kustomization pulls in from elsewhere: resources, bases
// and components, each as written.
func kustomizeRefs(k *types.Kustomization) []string {
	refs := append([]string{}, k.Resources...)
	refs = append(refs, k.Bases...) //nolint:staticcheck // Bases is deprecated but still read by kustomize
	return append(refs, k.Components...)
}

// kustomizeRoots returns the kustomization folders that no other one of them pulls in:
// the ones a user deploys. Folders named on the command line are always roots.
func kustomizeRoots(dirs []string, explicit map[string]bool) []string {
	referenced := map[string]bool{}
	for _, d := range dirs {
		k, err := readKustomization(kustomizationFile(d))
		if err != nil {
			continue // the build reports it
		}
		for _, r := range kustomizeRefs(k) {
			referenced[filepath.Clean(filepath.Join(d, r))] = true
		}
	}
	var roots []string
	for _, d := range dirs {
		if explicit[d] || !referenced[filepath.Clean(d)] {
			roots = append(roots, d)
		}
	}
	// Kustomizations that only pull each other in (a cycle) are no one's root, yet they
	// must not vanish: the first of each such group is built, and kustomize reports the
	// cycle.
	reached := map[string]bool{}
	var visit func(d string)
	visit = func(d string) {
		d = filepath.Clean(d)
		if reached[d] {
			return
		}
		reached[d] = true
		if k, err := readKustomization(kustomizationFile(d)); err == nil {
			for _, r := range kustomizeRefs(k) {
				visit(filepath.Join(d, r))
			}
		}
	}
	for _, r := range roots {
		visit(r)
	}
	for _, d := range dirs {
		if !reached[filepath.Clean(d)] {
			roots = append(roots, d)
			visit(d)
		}
	}
	return roots
}

// localDirs adds the absolute paths of dir and of the local folders its kustomization
// pulls in, recursively, to seen.
func localDirs(dir string, seen map[string]bool) {
	abs, err := filepath.Abs(dir)
	if err != nil || seen[abs] {
		return
	}
	seen[abs] = true
	k, err := readKustomization(kustomizationFile(dir))
	if err != nil {
		return
	}
	for _, r := range kustomizeRefs(k) {
		if fi, err := os.Stat(filepath.Join(dir, r)); err == nil && fi.IsDir() {
			localDirs(filepath.Join(dir, r), seen)
		}
	}
}

// checkLocal refuses kustomizations that pull in remote bases or resources: kubenet
// reads no network and runs no git. It follows local folders recursively.
func checkLocal(dir string, seen map[string]bool) error {
	abs, _ := filepath.Abs(dir)
	if seen[abs] {
		return nil
	}
	seen[abs] = true
	file := kustomizationFile(dir)
	if file == "" {
		return nil
	}
	k, err := readKustomization(file)
	if err != nil {
		return nil // kustomize reports it with its own words
	}
	for _, r := range kustomizeRefs(k) {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		switch {
		case err == nil && fi.IsDir():
			if err := checkLocal(p, seen); err != nil {
				return err
			}
		case err == nil && fi.Mode().IsRegular():
			// kustomize expands YAML aliases as it reads a resource; a small file can expand
			// without bound (the "billion laughs"). Refuse it before kustomize sees it.
			if extra := aliasExpansion(p); extra > maxAliasExpansion {
				return fmt.Errorf("%s: its YAML aliases expand to more than %d extra nodes (excessive aliasing); kubenet does not build it", r, maxAliasExpansion)
			}
		case err == nil:
		case strings.Contains(r, "://") || strings.Contains(r, "?ref=") || strings.HasPrefix(r, "git@") ||
			strings.HasPrefix(r, "github.com/") || strings.HasPrefix(r, "gitlab.com/"):
			return &notBuilt{fmt.Sprintf("%s: %q is remote and kubenet reads no network; lint the built output instead: kustomize build %s | kubenet lint -", file, r, dir)}
		}
	}
	return nil
}

// maxAliasExpansion bounds the nodes YAML aliases may add to a file kustomize reads.
const maxAliasExpansion = 1_000_000

// aliasExpansion returns how many nodes the aliases of a YAML file add when expanded,
// counting without expanding (each anchor's size once), and stopping past the bound.
func aliasExpansion(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	dec := yaml.NewDecoder(io.LimitReader(f, MaxFileSize))
	extra := 0
	for extra <= maxAliasExpansion {
		var doc yaml.Node
		if err := decodeSafely(dec, &doc); err != nil {
			break // the end, or kustomize's own parse error to report
		}
		sizes := map[*yaml.Node]int{}
		var size func(n *yaml.Node, depth int) int
		size = func(n *yaml.Node, depth int) int {
			if n == nil || depth > 1000 {
				return 0
			}
			if s, ok := sizes[n]; ok {
				return s
			}
			total := 1
			if n.Kind == yaml.AliasNode {
				total = size(n.Alias, depth+1)
				extra += total
			} else {
				for _, c := range n.Content {
					total += size(c, depth+1)
					if total > 2*maxAliasExpansion {
						break
					}
				}
			}
			if n.Kind != yaml.AliasNode {
				sizes[n] = total
			}
			return total
		}
		size(&doc, 0)
	}
	return extra
}

// notBuilt is a kustomization kubenet does not build by design (it would need the
// network or a program): a notice, not a finding.
type notBuilt struct{ msg string }

func (e *notBuilt) Error() string { return e.msg }

// originFS is the disk, except that the root kustomization asks for origin annotations,
// which tell the file each resource came from.
type originFS struct {
	filesys.FileSystem
	root string // absolute path of the root kustomization file
}

func (f originFS) ReadFile(path string) ([]byte, error) {
	data, err := f.FileSystem.ReadFile(path)
	if err != nil || filepath.Clean(path) != f.root {
		return data, err
	}
	n, err := yaml.Parse(string(data))
	if err != nil {
		return data, nil //nolint:nilerr // kustomize reports the parse error itself
	}
	bm, err := n.Pipe(yaml.LookupCreate(yaml.SequenceNode, "buildMetadata"))
	if err != nil || bm == nil {
		return data, nil //nolint:nilerr // a kustomization of the wrong shape: kustomize says why
	}
	if err := bm.PipeE(yaml.Append(&yaml.Node{Kind: yaml.ScalarNode, Value: types.OriginAnnotations})); err != nil {
		return data, nil //nolint:nilerr // as above
	}
	s, err := n.String()
	if err != nil {
		return data, nil //nolint:nilerr // as above
	}
	return []byte(s), nil
}

// kustomized is the in-memory output of one kustomization and the map from its lines
// back to the files the objects came from.
type kustomized struct {
	file string // the root kustomization file
	data []byte // the built stream
	// files are the source files read for positions, for printing lines and comments.
	files map[string][]byte
	// exact maps a (line, column) of the built stream to the source; lines maps a line.
	exact map[[2]int]Pos
	lines map[int]Pos
	// changed holds built nodes whose value the build changed: they point at the
	// kustomization, which changed them.
	changed map[[2]int]bool
	// starts are the first built line of each resource, and fallback where it points
	// when a field has no counterpart in the source (added or changed by the build).
	starts   []int
	fallback []Pos
	// via maps a values line a rendered chart's field points at to the template
	// line that wrote the field.
	via map[Pos]Pos
}

// remap turns a position in the built stream into one in a source file.
func (k *kustomized) remap(p Pos) Pos {
	if k.changed[[2]int{p.Line, p.Column}] {
		return Pos{File: k.file, Line: 1, Column: 1}
	}
	if q, ok := k.exact[[2]int{p.Line, p.Column}]; ok {
		return q
	}
	if q, ok := k.lines[p.Line]; ok {
		return q
	}
	i := sort.SearchInts(k.starts, p.Line+1) - 1
	if i >= 0 && i < len(k.fallback) {
		return k.fallback[i]
	}
	return Pos{File: k.file, Line: 1, Column: 1}
}

// baseBuildError is a build that failed in one of its bases (file, the base's
// kustomization): the finding belongs there.
type baseBuildError struct{ file, msg string }

func (e *baseBuildError) Error() string { return "kustomize build failed: " + e.msg }

// recursedPath marks kustomize's descent into a base in its error messages.
const recursedPath = "recursed accumulation of path '"

// failedBase finds the innermost base a kustomize error happened in (below the root
// absDir), and the error in that base's own terms, with its paths relative to it.
func failedBase(msg, absDir string) (base, inner string, ok bool) {
	i := strings.LastIndex(msg, recursedPath)
	if i < 0 {
		return "", "", false
	}
	rest := msg[i+len(recursedPath):]
	j := strings.Index(rest, "': ")
	if j < 0 {
		return "", "", false
	}
	base = filepath.Clean(rest[:j])
	if base == absDir || !filepath.IsAbs(base) || kustomizationFile(base) == "" {
		return "", "", false
	}
	inner = rest[j+3:]
	inner = strings.ReplaceAll(inner, base+string(filepath.Separator), "")
	inner = strings.ReplaceAll(inner, base, ".")
	return base, inner, true
}

// kustomize builds the kustomization in dir in memory, as `kustomize build dir` does,
// with no network, no exec plugins and no helm binary: helmCharts are inflated by
// kubenet's renderer, within the limits (Timeout, MaxHeap) of the run's HelmOptions.
func kustomize(dir string, limits HelmOptions) (*kustomized, error) {
	file := kustomizationFile(dir)
	if err := checkLocal(dir, map[string]bool{}); err != nil {
		return nil, err
	}
	absFile, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	absDir := filepath.Dir(absFile)
	inflated, err := inflateAll(dir, limits)
	if err != nil {
		return nil, err
	}
	fs := inflatedFS{FileSystem: originFS{filesys.MakeFsOnDisk(), absFile}, files: map[string][]byte{}, kusts: inflated}
	charts := map[string]*kustomized{}
	for _, infl := range inflated {
		for _, in := range infl {
			fs.files[in.file] = in.out.data
			charts[in.file] = in.out
		}
	}
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, absDir)
	if err != nil {
		if base, msg, ok := failedBase(err.Error(), absDir); ok {
			// The failure is in a base: blame the base, in words every overlay of it
			// shares, so that the variants report it once.
			rel, _ := filepath.Rel(absDir, base)
			return nil, &baseBuildError{file: kustomizationFile(filepath.Join(dir, rel)), msg: msg}
		}
		// Paths in kustomize's words are absolute; the finding names the kustomization.
		msg := strings.ReplaceAll(err.Error(), absDir+string(filepath.Separator), "")
		return nil, fmt.Errorf("kustomize build failed: %s", msg)
	}
	k := &kustomized{file: file, files: map[string][]byte{}, exact: map[[2]int]Pos{}, lines: map[int]Pos{}, changed: map[[2]int]bool{}}
	if kdata, err := os.ReadFile(file); err == nil {
		k.files[file] = kdata
	}
	docs := map[string][]*yaml.Node{}
	patches := patchFiles(dir, map[string]bool{})
	var buf bytes.Buffer
	line := 1
	for _, res := range m.Resources() {
		origin, _ := res.GetOrigin()
		_ = res.PipeE(yaml.ClearAnnotation("config.kubernetes.io/origin"))
		if a := res.GetAnnotations(); len(a) == 0 {
			_ = res.PipeE(yaml.Lookup("metadata"), yaml.Clear("annotations"))
		}
		out, err := res.AsYAML()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if buf.Len() > 0 {
			buf.WriteString("---\n")
			line++
		}
		start := line
		buf.Write(out)
		line += bytes.Count(out, []byte("\n"))
		k.starts = append(k.starts, start)
		fb := Pos{File: file, Line: 1, Column: 1}
		var built yaml.Node
		if err := yaml.Unmarshal(out, &built); err != nil || origin == nil {
			k.fallback = append(k.fallback, fb)
			continue
		}
		switch {
		case origin.Path != "" && origin.Repo == "" && charts[absClean(filepath.Join(dir, origin.Path))] != nil:
			// A chart's output: aligned with the rendered stream, then moved
			// through the chart's own positions (below).
			src := absClean(filepath.Join(dir, origin.Path))
			if _, ok := docs[src]; !ok {
				docs[src] = parseDocs(charts[src].data)
			}
			if sn := matchDoc(docs[src], res.GetKind(), res.GetName()); sn != nil {
				fb = Pos{File: src, Line: sn.Line, Column: sn.Column}
				k.align(built.Content[0], sn, src, start-1, "")
			}
		case origin.Path != "" && origin.Repo == "":
			src := filepath.Join(dir, origin.Path)
			if _, ok := docs[src]; !ok {
				data, err := os.ReadFile(src)
				if err == nil {
					k.files[src] = data
					docs[src] = parseDocs(data)
				} else {
					docs[src] = nil
				}
			}
			if sn := matchDoc(docs[src], res.GetKind(), res.GetName()); sn != nil {
				fb = Pos{File: src, Line: sn.Line, Column: sn.Column}
				k.align(built.Content[0], sn, src, start-1, "")
			}
			for _, pf := range patches {
				for _, pd := range pf.docs {
					if matchDoc([]*yaml.Node{pd}, res.GetKind(), res.GetName()) != nil {
						k.files[pf.file] = pf.data
						k.alignPatch(built.Content[0], pd, pf.file, start-1)
					}
				}
			}
		case origin.ConfiguredIn != "":
			gen := filepath.Join(dir, origin.ConfiguredIn)
			if data, err := os.ReadFile(gen); err == nil {
				k.files[gen] = data
				fb = Pos{File: gen, Line: 1, Column: 1}
				if field := generatorField(origin.ConfiguredBy.Kind); field != "" {
					if n := keyNode(parseDocs(data), field); n != nil {
						fb = Pos{File: gen, Line: n.Line, Column: n.Column}
					}
				}
			}
		}
		k.fallback = append(k.fallback, fb)
	}
	k.data = append([]byte{}, buf.Bytes()...) // never nil: an empty build is an empty stream
	k.throughCharts(charts)
	return k, nil
}

// throughCharts moves the positions that point into an inflated chart's output to the
// chart's templates and values files.
func (k *kustomized) throughCharts(charts map[string]*kustomized) {
	if len(charts) == 0 {
		return
	}
	move := func(p Pos) Pos {
		if c := charts[p.File]; c != nil {
			return c.remap(p)
		}
		return p
	}
	for key, p := range k.exact {
		k.exact[key] = move(p)
	}
	for key, p := range k.lines {
		k.lines[key] = move(p)
	}
	for i, p := range k.fallback {
		k.fallback[i] = move(p)
	}
	for _, c := range charts {
		for name, data := range c.files {
			k.files[name] = data
		}
		for v, t := range c.via {
			if k.via == nil {
				k.via = map[Pos]Pos{}
			}
			k.via[v] = t
		}
	}
}

// patchFile is a strategic-merge patch file of a kustomization, decoded.
type patchFile struct {
	file string
	data []byte
	docs []*yaml.Node
}

// patchFiles reads the patch files of the kustomization in dir and of the local
// kustomizations it pulls in.
func patchFiles(dir string, seen map[string]bool) []patchFile {
	abs, _ := filepath.Abs(dir)
	if seen[abs] {
		return nil
	}
	seen[abs] = true
	k, err := readKustomization(kustomizationFile(dir))
	if err != nil {
		return nil
	}
	var paths []string
	for _, p := range k.Patches {
		if p.Path != "" {
			paths = append(paths, p.Path)
		}
	}
	for _, p := range k.PatchesStrategicMerge { //nolint:staticcheck // deprecated, still read by kustomize
		if !strings.Contains(string(p), "\n") {
			paths = append(paths, string(p))
		}
	}
	var out []patchFile
	for _, p := range paths {
		file := filepath.Join(dir, p)
		if data, err := os.ReadFile(file); err == nil {
			out = append(out, patchFile{file, data, parseDocs(data)})
		}
	}
	for _, r := range kustomizeRefs(k) {
		if fi, err := os.Stat(filepath.Join(dir, r)); err == nil && fi.IsDir() {
			out = append(out, patchFiles(filepath.Join(dir, r), seen)...)
		}
	}
	return out
}

func generatorField(kind string) string {
	switch kind {
	case "ConfigMapGenerator":
		return "configMapGenerator"
	case "SecretGenerator":
		return "secretGenerator"
	}
	return ""
}

// parseDocs decodes every document of a file, keeping what parses.
func parseDocs(data []byte) []*yaml.Node {
	var out []*yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		if err := decodeSafely(dec, &n); err != nil { // io.EOF at the end
			return out
		}
		if len(n.Content) > 0 {
			out = append(out, n.Content[0])
		}
	}
}

// keyNode returns the key node of name in the first document that has it.
func keyNode(docs []*yaml.Node, name string) *yaml.Node {
	for _, d := range docs {
		if k, _ := field(d, name); k != nil {
			return k
		}
	}
	return nil
}

// matchDoc finds the source document of a built object: the same kind, and the name
// the build started from (prefixes and suffixes only add to it). The longest such name
// wins; a lone document of the kind matches whatever its name.
func matchDoc(docs []*yaml.Node, kind, name string) *yaml.Node {
	var best *yaml.Node
	bestLen, sameKind := -1, 0
	var only *yaml.Node
	for _, d := range docs {
		if k := val(d, "kind"); k == nil || k.Value != kind {
			continue
		}
		sameKind++
		only = d
		n := ""
		if v := path(d, "metadata", "name"); v != nil {
			n = v.Value
		}
		if n != "" && strings.Contains(name, n) && len(n) > bestLen {
			best, bestLen = d, len(n)
		}
	}
	if best == nil && sameKind == 1 {
		return only
	}
	return best
}

// align walks a built object and its source side by side and records where each built
// node came from. A scalar whose value the build changed has no counterpart there.
func (k *kustomized) align(b, s *yaml.Node, file string, off int, key string) {
	b, s = deref(b), deref(s)
	if b == nil || s == nil {
		return
	}
	if b.Kind == yaml.ScalarNode && (s.Kind != yaml.ScalarNode || !sameValue(b.Value, s.Value, key)) {
		k.changed[[2]int{b.Line + off, b.Column}] = true
		return
	}
	k.put(b, s, file, off)
	switch {
	case b.Kind == yaml.MappingNode && s.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(b.Content); i += 2 {
			if sk, sv := field(s, b.Content[i].Value); sv != nil {
				k.put(b.Content[i], sk, file, off)
				k.align(b.Content[i+1], sv, file, off, b.Content[i].Value)
				if k.changed[[2]int{deref(b.Content[i+1]).Line + off, deref(b.Content[i+1]).Column}] {
					// The key stays, its value is new: both belong to whatever changed it.
					k.changed[[2]int{b.Content[i].Line + off, b.Content[i].Column}] = true
				}
			}
		}
	case b.Kind == yaml.SequenceNode && s.Kind == yaml.SequenceNode:
		for i, bi := range b.Content {
			if si := matchItem(bi, s.Content, i); si != nil {
				k.align(bi, si, file, off, "")
			}
		}
	}
}

// sameValue reports whether a built scalar is its source's: equal, or a name the
// build gave a prefix, suffix or hash (namePrefix, nameSuffix, generators, and the
// references kustomize renames with them), which is still the name the user wrote.
func sameValue(built, src, key string) bool {
	if built == src {
		return true
	}
	switch key {
	case "name", "serviceName", "secretName", "claimName":
		return src != "" && strings.Contains(built, src)
	}
	return false
}

// alignPatch gives the scalars a patch set, and their keys, the patch's position: the
// build changed them, and the patch says so. Everything else keeps its source.
func (k *kustomized) alignPatch(b, s *yaml.Node, file string, off int) {
	b, s = deref(b), deref(s)
	if b == nil || s == nil {
		return
	}
	switch {
	case b.Kind == yaml.MappingNode && s.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(b.Content); i += 2 {
			sk, sv := field(s, b.Content[i].Value)
			if sv == nil {
				continue
			}
			bv := deref(b.Content[i+1])
			if bv == nil {
				continue
			}
			if bv.Kind == yaml.ScalarNode {
				at := [2]int{bv.Line + off, bv.Column}
				if sv.Kind == yaml.ScalarNode && sv.Value == bv.Value && (k.changed[at] || !k.known(at)) {
					key := b.Content[i]
					for _, n := range [][2]*yaml.Node{{key, sk}, {bv, sv}} {
						kat := [2]int{n[0].Line + off, n[0].Column}
						delete(k.changed, kat)
						delete(k.exact, kat)
						k.put(n[0], n[1], file, off)
						k.lines[kat[0]] = k.exact[kat]
					}
				}
				continue
			}
			k.alignPatch(bv, sv, file, off)
		}
	case b.Kind == yaml.SequenceNode && s.Kind == yaml.SequenceNode:
		for i, bi := range b.Content {
			if si := matchItem(bi, s.Content, i); si != nil {
				k.alignPatch(bi, si, file, off)
			}
		}
	}
}

func (k *kustomized) known(at [2]int) bool {
	_, ok := k.exact[at]
	return ok
}

// itemKeys identify list items across a build (strategic merge keys of the lists
// networking cares about).
var itemKeys = []string{"name", "containerPort", "port", "path", "host", "key"}

func matchItem(b *yaml.Node, items []*yaml.Node, i int) *yaml.Node {
	if b = deref(b); b != nil && b.Kind == yaml.MappingNode {
		for _, key := range itemKeys {
			v := val(b, key)
			if v == nil || v.Kind != yaml.ScalarNode {
				continue
			}
			for _, s := range items {
				if sv := val(s, key); sv != nil && sv.Value == v.Value {
					return s
				}
			}
			return nil
		}
	}
	if i < len(items) {
		return items[i]
	}
	return nil
}

func (k *kustomized) put(b, s *yaml.Node, file string, off int) {
	p := Pos{File: file, Line: s.Line, Column: s.Column}
	at := [2]int{b.Line + off, b.Column}
	if _, ok := k.exact[at]; !ok {
		k.exact[at] = p
	}
	if _, ok := k.lines[at[0]]; !ok {
		k.lines[at[0]] = p
	}
}

package main

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/report"
	"github.com/kubenet/kubenet/rules"
)

// diffOptions are the parsed flags of `kubenet diff`.
type diffOptions struct {
	f        *factory
	args     []string
	input    inputFlags
	format   string
	failOn   string
	git      bool
	paths    []string
	policies []string
	outputs  []string
}

func newDiffCmd(f *factory) *cobra.Command {
	opts := &diffOptions{f: f}
	cmd := &cobra.Command{
		Use:   "diff OLD NEW | diff --git BASE [HEAD]",
		Short: "Show what a change does to findings, connectivity and DNS",
		Long: `Compare two sets of manifests: two paths, or with --git two revisions of the
repository in the working directory (read with git archive; the work tree is not
touched; HEAD by default). The output lists

  - findings introduced and fixed (matched by fingerprint, as baselines are);
  - connections opened, closed or changed in ports between workloads both sides have,
    with the policy rules responsible, and the workloads added or removed;
  - hostnames workloads use that now resolve, no longer resolve, or resolve elsewhere.

Exit status: 1 when the change introduces a finding at or above --fail-on, 0 otherwise,
2 for usage errors. The configuration of the working directory applies to both sides.`,
		Example: `  kubenet diff old/k8s new/k8s
  kubenet diff --git origin/main
  kubenet diff --git origin/main HEAD --path k8s --format markdown`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runDiff(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "output format: "+report.Diffs.Help())
	fl.StringVar(&opts.failOn, "fail-on", "warning", "exit 1 when the change introduces a finding at or above this severity: error, warning, info or none")
	fl.BoolVar(&opts.git, "git", false, "compare revisions of the git repository in the working directory")
	fl.StringArrayVar(&opts.paths, "path", nil, "with --git: the folders to compare, relative to the working directory (repeatable; default .)")
	fl.StringArrayVar(&opts.policies, "policy", nil, "folder of extra Rego rules (repeatable)")
	fl.StringArrayVarP(&opts.outputs, "output", "o", nil, "also write FORMAT=FILE, e.g. markdown=diff.md (repeatable)")
	opts.input.register(fl)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.Diffs.Names(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// diffSide is one side of a diff: what to lint, and the folder its paths live under.
type diffSide struct {
	label string
	root  string // stripped from file names ("" for none)
	paths []string
}

func runDiff(ctx context.Context, opts *diffOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	format, err := report.Diffs.Parse(opts.format)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	type extra struct {
		format report.Format[report.Diff]
		path   string
	}
	var extras []extra
	for _, spec := range opts.outputs {
		name, path, ok := strings.Cut(spec, "=")
		f, known := report.Diffs.Lookup(name)
		if !ok || path == "" || !known {
			return usageErr("--output %q: want FORMAT=FILE with FORMAT one of %s", spec, strings.Join(report.Diffs.Names(), ", "))
		}
		extras = append(extras, extra{f, path})
	}
	cfg, err := opts.f.Config()
	if err != nil {
		return err
	}
	failOn := opts.failOn
	policies := opts.policies
	if cfg != nil {
		if cfg.FailOn != "" && !opts.input.changed("fail-on") {
			failOn = cfg.FailOn
		}
		policies = append(append([]string{}, cfg.Policies...), opts.policies...)
	}
	threshold, err := rules.ParseSeverity(failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	sides, cleanup, err := opts.sides(ctx)
	defer cleanup()
	if err != nil {
		return err
	}
	engine, err := rules.NewEngine(policies...)
	if err != nil {
		return err
	}
	var results [2]sideResult
	for i, s := range sides {
		if results[i], err = opts.lintSide(ctx, engine, cfg, s); err != nil {
			return err
		}
	}
	d := report.Diff{Old: sides[0].label, New: sides[1].label}
	// Findings are matched with each side's files relative to its own root (in git
	// mode they are already named as in the working directory).
	key := func(root string) func(rules.Finding) rules.Finding {
		return func(f rules.Finding) rules.Finding { f.File = relTo(root, f.File); return f }
	}
	oldKey, newKey := key(sides[0].root), key(sides[1].root)
	if opts.git {
		oldKey, newKey = nil, nil
	}
	d.Introduced, d.Fixed, d.Unchanged = rules.CompareFindings(results[0].findings, results[1].findings, oldKey, newKey)
	variants := make([]string, 0, len(results[1].facts))
	for name := range results[1].facts {
		variants = append(variants, name)
	}
	sort.Strings(variants)
	for _, name := range variants {
		nf := results[1].facts[name]
		of, ok := results[0].facts[name]
		if !ok {
			continue
		}
		d.Reach = append(d.Reach, report.VariantReach{Variant: name, ReachComparison: analyzer.CompareReach(of, nf)})
		d.Names = append(d.Names, analyzer.CompareNames(of, nf)...)
	}
	if opts.git {
		// Positions the explanations quote are named as in the working directory.
		strip := strings.NewReplacer(sides[0].root+string(filepath.Separator), "", sides[1].root+string(filepath.Separator), "")
		for i := range d.Reach {
			for j := range d.Reach[i].Changes {
				for k, why := range d.Reach[i].Changes[j].Because {
					d.Reach[i].Changes[j].Because[k] = strip.Replace(why)
				}
			}
		}
	}
	if err := format.Write(opts.f.io.out, d, report.Options{}); err != nil {
		return err
	}
	for _, x := range extras {
		var buf bytes.Buffer
		if err := x.format.Write(&buf, d, report.Options{}); err != nil {
			return err
		}
		if err := os.WriteFile(x.path, buf.Bytes(), 0o644); err != nil {
			return usageErr("--output: %v", err)
		}
	}
	if threshold != rules.None {
		for _, f := range d.Introduced {
			if f.Severity >= threshold {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// sideResult is one side linted: its findings, and the facts of each variant by name.
type sideResult struct {
	findings []rules.Finding
	facts    map[string]*analyzer.Facts
}

// lintSide lints one side as lint would, and keeps its facts for the comparison.
func (opts *diffOptions) lintSide(ctx context.Context, engine *rules.Engine, cfg *model.Config, s diffSide) (sideResult, error) {
	lo, err := opts.f.loadOptions(&opts.input)
	if err != nil {
		return sideResult{}, err
	}
	units, err := model.LoadUnits(lo, s.paths...)
	if err != nil {
		return sideResult{}, pathErr(err)
	}
	cluster, err := opts.f.Cluster()
	if err != nil {
		return sideResult{}, err
	}
	ro := rules.Options{Cluster: cluster, RuleTimeout: rules.DefaultRuleTimeout, Print: &report.VisibleLines{W: opts.f.io.err}}
	if cfg != nil && cfg.RuleTimeout > 0 {
		ro.RuleTimeout = cfg.RuleTimeout
	}
	if err := applyRuleConfig(cfg, engine, &ro); err != nil {
		return sideResult{}, err
	}
	res, err := lintUnits(ctx, engine, units, ro, nil)
	if err != nil {
		return sideResult{}, err
	}
	out := sideResult{findings: res.findings, facts: map[string]*analyzer.Facts{}}
	for _, g := range units {
		name := g.Unit
		if s.root != "" {
			name = strings.ReplaceAll(name, s.root+string(filepath.Separator), "")
		}
		out.facts[name] = analyzer.New(g, cluster)
	}
	if s.root != "" && opts.git {
		// Named as in the working directory, messages and hints included.
		strip := strings.NewReplacer(s.root+string(filepath.Separator), "")
		out.findings = mapFindings(out.findings, func(f rules.Finding) rules.Finding {
			f.File = relTo(s.root, f.File)
			f.Message, f.Hint = strip.Replace(f.Message), strip.Replace(f.Hint)
			for i := range f.Related {
				f.Related[i].File = relTo(s.root, f.Related[i].File)
				f.Related[i].Message = strip.Replace(f.Related[i].Message)
			}
			return f
		})
	}
	return out, nil
}

func mapFindings(fs []rules.Finding, f func(rules.Finding) rules.Finding) []rules.Finding {
	out := make([]rules.Finding, len(fs))
	for i, x := range fs {
		x.Related = append([]rules.Related{}, x.Related...)
		out[i] = f(x)
	}
	return out
}

// relTo is file relative to root, when it is under it.
func relTo(root, file string) string {
	if root == "" {
		return file
	}
	if rel, err := filepath.Rel(root, file); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return file
}

// sides settles the two sides: two paths, or two revisions extracted from git into
// temporary folders (removed by cleanup).
func (opts *diffOptions) sides(ctx context.Context) ([2]diffSide, func(), error) {
	var s [2]diffSide
	cleanup := func() {}
	if !opts.git {
		if len(opts.args) != 2 {
			return s, cleanup, usageErr("diff takes two paths (OLD NEW), or --git BASE [HEAD]")
		}
		if len(opts.paths) > 0 {
			return s, cleanup, usageErr("--path goes with --git")
		}
		for i, a := range opts.args {
			s[i] = diffSide{label: a, root: filepath.Clean(a), paths: []string{a}}
		}
		return s, cleanup, nil
	}
	if len(opts.args) < 1 || len(opts.args) > 2 {
		return s, cleanup, usageErr("--git takes BASE and, optionally, HEAD (default HEAD)")
	}
	revs := []string{opts.args[0], "HEAD"}
	if len(opts.args) == 2 {
		revs[1] = opts.args[1]
	}
	tmp, err := os.MkdirTemp("", "kubenet-diff-")
	if err != nil {
		return s, cleanup, err
	}
	cleanup = func() { _ = os.RemoveAll(tmp) }
	prefix, err := gitOutput(ctx, "rev-parse", "--show-prefix")
	if err != nil {
		return s, cleanup, usageErr("--git: not in a git repository: %v", err)
	}
	paths := opts.paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	for i, rev := range revs {
		if strings.HasPrefix(rev, "-") || rev == "" {
			return s, cleanup, usageErr("--git: %q is not a revision", rev)
		}
		root := filepath.Join(tmp, fmt.Sprint(i))
		if err := gitExtract(ctx, rev, root); err != nil {
			return s, cleanup, err
		}
		// Files are named as in the working directory.
		base := filepath.Join(root, filepath.FromSlash(strings.TrimSpace(prefix)))
		side := diffSide{label: rev, root: base}
		for _, p := range paths {
			if filepath.IsAbs(p) || strings.HasPrefix(filepath.Clean(p), "..") {
				return s, cleanup, usageErr("--path %q: give folders inside the working directory", p)
			}
			full := filepath.Join(base, p)
			if _, err := os.Stat(full); err != nil {
				continue // not in this revision: it holds nothing there
			}
			side.paths = append(side.paths, full)
		}
		if len(side.paths) == 0 {
			empty := filepath.Join(root, ".kubenet-empty")
			if err := os.MkdirAll(empty, 0o755); err != nil {
				return s, cleanup, err
			}
			side.paths = []string{empty}
		}
		s[i] = side
	}
	return s, cleanup, nil
}

// gitOutput runs git with args in the working directory.
func gitOutput(ctx context.Context, args ...string) (string, error) {
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return out.String(), nil
}

// gitExtract writes the tree of rev into dir, from git archive: regular files and
// folders only, each inside dir, and no more than kubenet reads in one run.
func gitExtract(ctx context.Context, rev, dir string) error {
	var errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", "archive", "--format=tar", rev)
	cmd.Stderr = &errb
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return usageErr("--git: cannot run git: %v", err)
	}
	exErr := untar(pipe, dir)
	_, _ = io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		return usageErr("--git: %s is not a revision git can read: %s", rev, strings.TrimSpace(errb.String()))
	}
	return exErr
}

func untar(r io.Reader, dir string) error {
	tr := tar.NewReader(r)
	var total int64
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if filepath.IsAbs(name) || name == ".." || strings.HasPrefix(name, ".."+string(filepath.Separator)) {
			continue
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if total += h.Size; total > model.MaxInputSize {
				return usageErr("--git: the revision holds more than %d MiB", model.MaxInputSize>>20)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, io.LimitReader(tr, h.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		}
		// Links, devices and the rest are not written: kubenet reads regular files.
	}
}

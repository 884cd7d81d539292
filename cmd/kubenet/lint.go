package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/report"
	"github.com/kubenet/kubenet/rules"
)

// lintOptions are the parsed flags of `kubenet lint`.
type lintOptions struct {
	f        *factory
	paths    []string
	input    inputFlags
	format   string
	failOn   string
	policies []string
	noColor  bool
	quiet    bool
	enable   []string
	expect   []string
	outputs  []string
	// ruleTimeout bounds each Rego rule's evaluation.
	ruleTimeout time.Duration
	// allowEmpty accepts a run in which every input was skipped.
	allowEmpty bool
	// baseline is the file of findings to leave out; writeBaseline the file to
	// write every finding to.
	baseline, writeBaseline string
}

func newLintCmd(f *factory, runF func(*lintOptions) error) *cobra.Command {
	opts := &lintOptions{f: f}
	cmd := &cobra.Command{
		Use:   "lint [PATH...]",
		Short: "Report networking mistakes in manifests",
		Long: `Load manifests from files, folders (walked recursively for .yaml, .yml and .json) or
standard input ("-"), build the networking graph, and report findings.

Exit status: 0 when no finding is at or above --fail-on, 1 when one is, 2 for usage
errors, unreadable paths and broken policies.`,
		Example: `  kubenet lint .
  kubenet lint -n argocd install.yaml
  kubenet lint k8s/ --format json --fail-on error
  kubenet lint k8s/ --policy ./my-policies`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.paths = args
			if len(opts.paths) == 0 {
				opts.paths = []string{"."}
			}
			if runF != nil {
				return runF(opts)
			}
			return runLint(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "output format: "+report.Findings.Help())
	fl.StringArrayVarP(&opts.outputs, "output", "o", nil, "also write FORMAT=FILE, e.g. sarif=kubenet.sarif (repeatable)")
	fl.StringVar(&opts.failOn, "fail-on", "warning", "exit 1 when a finding is at or above this severity: error, warning, info or none")
	opts.input.register(fl)
	fl.StringArrayVar(&opts.policies, "policy", nil, "folder of extra Rego rules (repeatable)")
	fl.BoolVar(&opts.noColor, "no-color", false, "disable colour (also NO_COLOR)")
	fl.BoolVarP(&opts.quiet, "quiet", "q", false, "print nothing but findings")
	fl.StringSliceVar(&opts.enable, "rule", nil, "run only these rules (comma-separated ids)")
	fl.StringArrayVar(&opts.expect, "expect", nil, "file of connectivity expectations to check (repeatable); see docs/reachability.md")
	fl.BoolVar(&opts.allowEmpty, "allow-empty", false, "exit 0 even when every input was skipped (remote kustomizations, charts), so nothing was analysed")
	fl.StringVar(&opts.baseline, "baseline", "", "report only findings not in this baseline file (see --write-baseline); exit status counts only those")
	fl.StringVar(&opts.writeBaseline, "write-baseline", "", "write every finding to this baseline file, and report none of them")
	fl.DurationVar(&opts.ruleTimeout, "rule-timeout", rules.DefaultRuleTimeout, "stop a Rego rule that evaluates longer than this (a usage error naming the rule)")
	_ = cmd.RegisterFlagCompletionFunc("rule", completeRuleIDs)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.Findings.Names(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "none"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func usageErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

// output is where a format goes: standard output (path "") or a file of --output.
type output struct {
	format report.Format[report.Report]
	path   string
}

// lintPlan is what the flags and the config settle before anything is read.
type lintPlan struct {
	cfg      *model.Config
	failOn   rules.Severity
	outputs  []output
	policies []string
	// baseline is read before anything else, so that a bad file is a usage error.
	baseline     *rules.Baseline
	baselinePath string
}

// plan applies the config under the flags (flags beat the file) and checks the flags.
func (opts *lintOptions) plan() (*lintPlan, error) {
	cfg, err := opts.f.Config()
	if err != nil {
		return nil, err
	}
	p := &lintPlan{cfg: cfg, policies: opts.policies}
	failOn := opts.failOn
	if cfg != nil {
		if cfg.FailOn != "" && !opts.input.changed("fail-on") {
			failOn = cfg.FailOn
		}
		p.policies = append(append([]string{}, cfg.Policies...), opts.policies...)
	}
	if p.failOn, err = rules.ParseSeverity(failOn); err != nil {
		return nil, usageErr("--fail-on: %v", err)
	}
	main, err := report.Findings.Parse(opts.format)
	if err != nil {
		return nil, usageErr("--format: %v", err)
	}
	p.baselinePath = opts.baseline
	if p.baselinePath == "" && cfg != nil && opts.writeBaseline == "" {
		p.baselinePath = cfg.Baseline
	}
	if p.baselinePath != "" && opts.writeBaseline == "" {
		b, err := rules.ReadBaseline(p.baselinePath)
		if err != nil {
			return nil, usageErr("--baseline %s: %v", p.baselinePath, err)
		}
		p.baseline = &b
	}
	p.outputs = []output{{format: main}}
	for _, spec := range opts.outputs {
		name, path, ok := strings.Cut(spec, "=")
		format, known := report.Findings.Lookup(name)
		if !ok || path == "" || !known {
			return nil, usageErr("--output %q: want FORMAT=FILE with FORMAT one of %s", spec, strings.Join(report.Findings.Names(), ", "))
		}
		p.outputs = append(p.outputs, output{format: format, path: path})
	}
	return p, nil
}

// compiled is the rule engine, compiled beside the loading.
type compiled struct {
	engine *rules.Engine
	err    error
	took   time.Duration
}

// compileRules compiles the rules while the manifests load: neither needs the other, and
// compiling is half of a small repository's run (docs/performance.md).
func compileRules(policies []string) <-chan compiled {
	c := make(chan compiled, 1)
	go func() {
		began := time.Now()
		e, err := rules.NewEngine(policies...)
		c <- compiled{e, err, time.Since(began)}
	}()
	return c
}

func runLint(ctx context.Context, opts *lintOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	plan, err := opts.plan()
	if err != nil {
		return err
	}
	compiling := compileRules(plan.policies)
	clock := newStageClock(opts.f.io, opts.quiet)
	defer clock.stop()
	lo, err := opts.f.loadOptions(&opts.input)
	if err != nil {
		return err
	}
	lo.Sized = clock.heapReadier()
	units, loadErr := model.LoadUnits(lo, opts.paths...)
	clock.stage("load")
	c := <-compiling
	if c.err != nil {
		return c.err // a broken policy is reported before an unreadable path
	}
	clock.compiled(c.took)
	ropts, sources, err := opts.ruleOptions(plan.cfg, c.engine)
	if err != nil {
		return err
	}
	if loadErr != nil {
		return pathErr(loadErr)
	}
	ropts.Timings = clock.stage
	if clock.timings {
		ropts.RuleTimes = clock.ruleTimed
	}
	res, err := lintUnits(ctx, c.engine, units, ropts, sources)
	if err != nil {
		return err
	}
	notes := opts.notes(plan.cfg, units)
	rep := report.Report{Findings: res.findings, Files: res.files, Objects: res.objects, Source: res.source,
		Rules: c.engine.Rules(), Version: version}
	more, err := opts.applyBaseline(plan, &rep)
	if err != nil {
		return err
	}
	notes = append(notes, more...)
	if res.files == 0 && !opts.allowEmpty {
		if skipped := skippedInputs(units); len(skipped) > 0 {
			clock.stop()
			printNotes(opts.f.io.err, notes)
			return usageErr("nothing was analysed: every input was skipped (%s); lint what they build, or pass --allow-empty", report.Visible(strings.Join(skipped, ", ")))
		}
	}
	clock.stop()
	printNotes(opts.f.io.err, notes)
	if plan.cfg != nil {
		rep.Config = plan.cfg.Path
	}
	if err := opts.write(plan.outputs, rep); err != nil {
		return err
	}
	clock.stage("report")
	if plan.failOn != rules.None {
		for _, f := range rep.Findings {
			if f.Severity >= plan.failOn {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// applyBaseline writes the baseline (--write-baseline), or leaves out the findings
// the baseline holds, and says what it did.
func (opts *lintOptions) applyBaseline(plan *lintPlan, rep *report.Report) ([]string, error) {
	if opts.writeBaseline != "" {
		var buf bytes.Buffer
		if err := rules.NewBaseline(rep.Findings).Write(&buf); err != nil {
			return nil, err
		}
		if err := os.WriteFile(opts.writeBaseline, buf.Bytes(), 0o644); err != nil {
			return nil, usageErr("--write-baseline: %v", err)
		}
		n := len(rep.Findings)
		rep.Findings, rep.Baselined = []rules.Finding{}, n
		return []string{report.Visible(fmt.Sprintf("kubenet: wrote %s to the baseline %s; lint with --baseline %s to report only new ones", plural(n, "finding"), opts.writeBaseline, opts.writeBaseline))}, nil
	}
	if plan.baseline == nil {
		return nil, nil
	}
	kept, baselined, fixed := plan.baseline.Filter(rep.Findings)
	rep.Findings, rep.Baselined, rep.BaselineFixed = kept, baselined, len(fixed)
	if len(fixed) == 0 {
		return nil, nil
	}
	return []string{report.Visible(fmt.Sprintf("kubenet: %s in the baseline %s fixed; refresh the baseline: kubenet lint --write-baseline %s", plural(len(fixed), "finding"), plan.baselinePath, plan.baselinePath))}, nil
}

// plural is "1 finding", "2 findings".
func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// ruleOptions are the rules' settings: the cluster with the config's settings and
// expectations and those of --expect, the deadline, and which rules run at what
// severity. sources holds the expectation files, for printing their lines.
func (opts *lintOptions) ruleOptions(cfg *model.Config, engine *rules.Engine) (rules.Options, map[string][]byte, error) {
	cluster, err := opts.f.Cluster()
	if err != nil {
		return rules.Options{}, nil, err
	}
	ro := rules.Options{Cluster: cluster, RuleTimeout: opts.ruleTimeout, Print: &report.VisibleLines{W: opts.f.io.err}}
	if cfg != nil && cfg.RuleTimeout > 0 && !opts.input.changed("rule-timeout") {
		ro.RuleTimeout = cfg.RuleTimeout
	}
	if err := applyRuleConfig(cfg, engine, &ro); err != nil {
		return rules.Options{}, nil, err
	}
	if len(opts.enable) > 0 {
		ro.Enabled = map[string]bool{}
		for _, id := range opts.enable {
			if engine.Rule(id) == nil {
				return rules.Options{}, nil, usageErr("--rule: unknown rule %q (see kubenet rules)", id)
			}
			ro.Enabled[id] = true
		}
	}
	sources := map[string][]byte{}
	if cfg != nil && len(cfg.Expectations) > 0 {
		sources[cfg.Path] = cfg.Source
	}
	for _, path := range opts.expect {
		exps, data, err := model.LoadExpectations(path)
		if err != nil {
			return rules.Options{}, nil, usageErr("--expect: %v", err)
		}
		ro.Cluster.Expectations = append(ro.Cluster.Expectations, exps...)
		sources[path] = data
	}
	return ro, sources, nil
}

// lintResult is what the rules found in every deployment, merged.
type lintResult struct {
	findings       []rules.Finding
	files, objects int
	// source reads a file of any deployment.
	source func(file string) ([]byte, bool)
}

// lintUnits runs the rules on each deployment (a kustomize variant, or the whole input)
// and merges what they find.
func lintUnits(ctx context.Context, engine *rules.Engine, units []*model.Graph, ro rules.Options, sources map[string][]byte) (lintResult, error) {
	readers := make([]func(string) ([]byte, bool), len(units))
	for i, g := range units {
		readers[i] = g.SourceReader()
	}
	res := lintResult{source: func(file string) ([]byte, bool) {
		for _, read := range readers {
			if data, ok := read(file); ok {
				return data, true
			}
		}
		return nil, false
	}}
	var perUnit [][]rules.Finding
	for _, g := range units {
		for name, data := range sources {
			g.Sources[name] = data
		}
		fs, err := engine.Run(ctx, g, ro)
		if err != nil {
			return res, err
		}
		perUnit = append(perUnit, fs)
		res.files += g.Files
		res.objects += len(g.Objects)
	}
	names := make([]string, len(units))
	for i, g := range units {
		names[i] = g.Unit
	}
	res.findings = rules.MergeVariants(perUnit, names)
	return res, nil
}

// notes are the lines lint prints on standard error before its output: the config in
// use, the kustomize variants linted each on its own, and the loader's notices.
func (opts *lintOptions) notes(cfg *model.Config, units []*model.Graph) []string {
	if opts.quiet {
		return nil
	}
	var notes, built []string
	if cfg != nil {
		notes = append(notes, configNote(cfg))
	}
	for _, g := range units {
		if g.Unit != "" && len(units) > 1 {
			built = append(built, g.Unit)
		}
	}
	if len(built) > 0 {
		// One notice for all of them: a finding they share is reported once.
		notes = append(notes, report.Visible(fmt.Sprintf("kubenet: variants built (kustomize overlays, Helm values sets) and linted each on its own (a finding they share is reported once): %s", strings.Join(built, ", "))))
	}
	for _, g := range units {
		for _, p := range g.Problems {
			if p.Kind == model.Notice {
				notes = append(notes, "kubenet: notice: "+report.Visible(p.Message))
			}
		}
	}
	return notes
}

func printNotes(w io.Writer, notes []string) {
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// skippedInputs are the inputs the loader skipped (remote kustomizations, charts).
func skippedInputs(units []*model.Graph) []string {
	var skipped []string
	for _, g := range units {
		for _, p := range g.Problems {
			if p.Kind == model.Notice && strings.HasPrefix(p.Message, "skipped") {
				skipped = append(skipped, p.Pos.File)
			}
		}
	}
	return skipped
}

// write writes the report in each output's format: colour only on a terminal's standard
// output, never with --no-color.
func (opts *lintOptions) write(outputs []output, rep report.Report) error {
	for _, o := range outputs {
		if o.path == "" {
			ro := report.Options{Color: !opts.noColor && opts.f.io.colorEnabled(), Quiet: opts.quiet}
			if err := o.format.Write(opts.f.io.out, rep, ro); err != nil {
				return err
			}
			continue
		}
		if err := writeFile(o.path, func(w io.Writer) error { return o.format.Write(w, rep, report.Options{}) }); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes an --output file.
func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return usageErr("--output: %v", err)
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

// lintOptions are the parsed flags of `kubenet lint`.
type lintOptions struct {
	io        *streams
	paths     []string
	format    string
	failOn    string
	namespace string
	policies  []string
	noColor   bool
	quiet     bool
	enable    []string
	expect    []string
	outputs   []string
	config    string
	kustomize bool
	// ruleTimeout bounds each Rego rule's evaluation.
	ruleTimeout time.Duration
	// allowEmpty accepts a run in which every input was skipped.
	allowEmpty bool
	// changed reports whether a flag was given on the command line (flags beat the file).
	changed func(string) bool
}

func newLintCmd(io *streams, runF func(*lintOptions) error) *cobra.Command {
	opts := &lintOptions{io: io}
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
			opts.changed = cmd.Flags().Changed
			if runF != nil {
				return runF(opts)
			}
			return runLint(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&opts.format, "format", "f", "text", "output format: text, json, github (workflow annotations), sarif (2.1.0, for code scanning), junit or markdown")
	f.StringArrayVarP(&opts.outputs, "output", "o", nil, "also write FORMAT=FILE, e.g. sarif=kubenet.sarif (repeatable)")
	f.StringVar(&opts.failOn, "fail-on", "warning", "exit 1 when a finding is at or above this severity: error, warning, info or none")
	f.StringVarP(&opts.namespace, "namespace", "n", "default", "namespace for objects that carry none, as kubectl apply -n")
	f.StringArrayVar(&opts.policies, "policy", nil, "folder of extra Rego rules (repeatable)")
	f.BoolVar(&opts.noColor, "no-color", false, "disable colour (also NO_COLOR)")
	f.BoolVarP(&opts.quiet, "quiet", "q", false, "print nothing but findings")
	f.StringSliceVar(&opts.enable, "rule", nil, "run only these rules (comma-separated ids)")
	f.StringArrayVar(&opts.expect, "expect", nil, "file of connectivity expectations to check (repeatable); see docs/reachability.md")
	f.BoolVar(&opts.allowEmpty, "allow-empty", false, "exit 0 even when every input was skipped (remote kustomizations, charts), so nothing was analysed")
	f.DurationVar(&opts.ruleTimeout, "rule-timeout", rules.DefaultRuleTimeout, "stop a Rego rule that evaluates longer than this (a usage error naming the rule)")
	f.StringVar(&opts.config, "config", "", "config file (default: the first .kubenet.yaml from the working directory upwards)")
	_ = cmd.RegisterFlagCompletionFunc("rule", completeRuleIDs)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(formats, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("fail-on", cobra.FixedCompletions([]string{"error", "warning", "info", "none"}, cobra.ShellCompDirectiveNoFileComp))
	f.BoolVar(&opts.kustomize, "kustomize", true, "build folders holding a kustomization.yaml in memory and lint the output (false: lint the files as they are)")
	return cmd
}

func usageErr(format string, args ...any) error { return fmt.Errorf(format, args...) }

func runLint(ctx context.Context, opts *lintOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg, err := loadConfig(opts.config)
	if err != nil {
		return err
	}
	changed := opts.changed
	if changed == nil {
		changed = func(string) bool { return true }
	}
	if cfg != nil {
		if cfg.FailOn != "" && !changed("fail-on") {
			opts.failOn = cfg.FailOn
		}
		if cfg.Namespace != "" && !changed("namespace") {
			opts.namespace = cfg.Namespace
		}
		opts.policies = append(cfg.Policies, opts.policies...)
	}
	failOn, err := rules.ParseSeverity(opts.failOn)
	if err != nil {
		return usageErr("--fail-on: %v", err)
	}
	if !validFormat(opts.format) {
		return usageErr("--format: unknown format %q (want %s)", opts.format, strings.Join(formats, ", "))
	}
	var outputs []output
	for _, spec := range opts.outputs {
		format, path, ok := strings.Cut(spec, "=")
		if !ok || path == "" || !validFormat(format) {
			return usageErr("--output %q: want FORMAT=FILE with FORMAT one of %s", spec, strings.Join(formats, ", "))
		}
		outputs = append(outputs, output{format, path})
	}
	// The rules compile while the manifests load: neither needs the other, and compiling
	// is half of a small repository's run (docs/performance.md). Its errors are still
	// reported first.
	type compiled struct {
		engine *rules.Engine
		err    error
		took   time.Duration
	}
	compiling := make(chan compiled, 1)
	go func() {
		began := time.Now()
		e, err := rules.NewEngine(opts.policies...)
		compiling <- compiled{e, err, time.Since(began)}
	}()
	timings := os.Getenv("KUBENET_TIMINGS") != ""
	prog := startProgress(opts.io.err, opts.quiet || timings)
	defer prog.Stop()
	// A stage is reported when it ends; the progress line names the one that follows.
	next := map[string]string{"load": "computing facts", "facts": "building the rule input", "input": "evaluating rules", "rego": "reporting"}
	start, startCPU := time.Now(), processCPU()
	stage := func(name string) {
		prog.Stage(next[name])
		if timings {
			var ms runtime.MemStats
			if os.Getenv("KUBENET_TIMINGS") == "live" {
				runtime.GC() // the live heap, not what garbage waits for collection
			}
			runtime.ReadMemStats(&ms)
			cpu := processCPU()
			fmt.Fprintf(opts.io.err, "kubenet: %-8s %-8v heap %4d MiB, total alloc %5d MiB, %d GCs%s%s\n", name,
				time.Since(start).Round(time.Millisecond), ms.HeapAlloc>>20, ms.TotalAlloc>>20, ms.NumGC,
				cpuSince(cpu, startCPU), peakRSS())
			start, startCPU = time.Now(), cpu
		}
	}
	var readied int64
	lo := model.Options{DefaultNamespace: opts.namespace, Stdin: opts.io.in, Kustomize: opts.kustomize,
		Sized: heapReadier(&readied)}
	if cfg != nil {
		lo.Ignore = model.IgnoreMatcher(cfg.IgnorePaths)
		lo.External = cfg.Cluster.External
		if len(cfg.Cluster.Operators) > 0 {
			// The file's entries extend the catalogue; one for a kind it has replaces it.
			lo.Operators = append(append([]model.OperatorKind{}, model.DefaultOperators...), cfg.Cluster.Operators...)
		}
	}
	units, err := model.LoadUnits(lo, opts.paths...)
	if timings && readied > 0 {
		fmt.Fprintf(opts.io.err, "kubenet: huge pages advised for %d MiB of heap\n", readied>>20)
	}
	stage("load")
	c := <-compiling
	if c.err != nil {
		return c.err
	}
	engine := c.engine
	if timings {
		fmt.Fprintf(opts.io.err, "kubenet: %-8s %-8v waited for after loading; compiled in %v, beside it\n", "rules",
			time.Since(start).Round(time.Millisecond), c.took.Round(time.Millisecond))
		start, startCPU = time.Now(), processCPU()
	}
	ropts := rules.Options{Cluster: clusterConfig(cfg), RuleTimeout: opts.ruleTimeout, Print: &visibleLines{w: opts.io.err}}
	if cfg != nil && cfg.RuleTimeout > 0 && !opts.changed("rule-timeout") {
		ropts.RuleTimeout = cfg.RuleTimeout
	}
	if err := applyRuleConfig(cfg, engine, &ropts); err != nil {
		return err
	}
	if len(opts.enable) > 0 {
		ropts.Enabled = map[string]bool{}
		for _, id := range opts.enable {
			if engine.Rule(id) == nil {
				return usageErr("--rule: unknown rule %q (see kubenet rules)", id)
			}
			ropts.Enabled[id] = true
		}
	}
	if err != nil {
		var pe *model.PathError
		if errors.As(err, &pe) {
			return usageErr("%v", pe)
		}
		return err
	}
	sources := map[string][]byte{}
	if cfg != nil && len(cfg.Expectations) > 0 {
		ropts.Cluster.Expectations = append(ropts.Cluster.Expectations, cfg.Expectations...)
		sources[cfg.Path] = cfg.Source
	}
	for _, path := range opts.expect {
		exps, data, err := model.LoadExpectations(path)
		if err != nil {
			return usageErr("--expect: %v", err)
		}
		ropts.Cluster.Expectations = append(ropts.Cluster.Expectations, exps...)
		sources[path] = data
	}
	ropts.Timings = stage
	var perUnit [][]rules.Finding
	var notes, built []string
	files, objects := 0, 0
	for _, g := range units {
		if g.Unit != "" && len(units) > 1 {
			built = append(built, g.Unit)
		}
	}
	if cfg != nil && !opts.quiet {
		// A config changes what is reported: say which one.
		notes = append(notes, visible("kubenet: config: "+cfg.Path))
	}
	if len(built) > 0 && !opts.quiet {
		// One notice for all of them: a finding they share is reported once.
		notes = append(notes, visible(fmt.Sprintf("kubenet: built with kustomize and linted each on its own (a finding they share is reported once): %s", strings.Join(built, ", "))))
	}
	for _, g := range units {
		if !opts.quiet {
			for _, p := range g.Problems {
				if p.Kind == model.Notice {
					notes = append(notes, "kubenet: notice: "+visible(p.Message))
				}
			}
		}
		for name, data := range sources {
			g.Sources[name] = data
		}
		fs, err := engine.Run(ctx, g, ropts)
		if err != nil {
			return err
		}
		perUnit = append(perUnit, fs)
		for name, data := range g.Sources {
			sources[name] = data
		}
		files += g.Files
		objects += len(g.Objects)
	}
	if files == 0 && !opts.allowEmpty {
		var skipped []string
		for _, g := range units {
			for _, p := range g.Problems {
				if p.Kind == model.Notice && strings.HasPrefix(p.Message, "skipped") {
					skipped = append(skipped, p.Pos.File)
				}
			}
		}
		if len(skipped) > 0 {
			for _, n := range notes {
				fmt.Fprintln(opts.io.err, n)
			}
			return usageErr("nothing was analysed: every input was skipped (%s); lint what they build, or pass --allow-empty", visible(strings.Join(skipped, ", ")))
		}
	}
	findings := mergeUnits(perUnit)
	prog.Stop()
	for _, n := range notes {
		fmt.Fprintln(opts.io.err, n)
	}
	rep := report{Findings: findings, Files: files, Objects: objects, Sources: sources}
	if cfg != nil {
		rep.Config = cfg.Path
	}
	write := func(w io.Writer, format string, color bool) error {
		switch format {
		case "json":
			return writeJSON(w, rep)
		case "github":
			return writeGitHub(w, rep)
		case "sarif":
			return writeSARIF(w, rep, engine.Rules())
		case "junit":
			return writeJUnit(w, rep)
		case "markdown":
			return writeMarkdown(w, rep)
		}
		return writeText(w, rep, textStyle{color: color, quiet: opts.quiet})
	}
	if err := write(opts.io.out, opts.format, useColor(opts)); err != nil {
		return err
	}
	for _, o := range outputs {
		if err := writeFile(o.path, func(w io.Writer) error { return write(w, o.format, false) }); err != nil {
			return err
		}
	}
	stage("report")
	if failOn != rules.None {
		for _, f := range findings {
			if f.Severity >= failOn {
				return &exitError{code: exitFindings}
			}
		}
	}
	return nil
}

// useColor: only on a terminal, and never with NO_COLOR or --no-color.
func useColor(opts *lintOptions) bool {
	if opts.noColor || os.Getenv("NO_COLOR") != "" || strings.EqualFold(os.Getenv("TERM"), "dumb") {
		return false
	}
	f, ok := opts.io.out.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// mergeUnits joins the findings of separately linted deployments. A base shared by two
// overlays is reported once when both find the same thing at the same place. An
// expectation that names an object only some deployments have is judged where the
// object is, and reported as unknown only when no deployment has it.
func mergeUnits(perUnit [][]rules.Finding) []rules.Finding {
	if len(perUnit) == 1 {
		return perUnit[0]
	}
	type key struct {
		rule, file, msg string
		line, col       int
	}
	seen := map[key]int{}
	var out []rules.Finding
	for _, fs := range perUnit {
		for _, f := range fs {
			k := key{f.Rule, f.File, f.Message, f.Line, f.Column}
			seen[k]++
			if seen[k] == 1 {
				out = append(out, f)
			}
		}
	}
	kept := out[:0]
	for _, f := range out {
		unknown := f.Rule == "connectivity-expectation" && strings.Contains(f.Message, "cannot be checked: no workload")
		if unknown && seen[key{f.Rule, f.File, f.Message, f.Line, f.Column}] < len(perUnit) {
			continue
		}
		kept = append(kept, f)
	}
	rules.Sort(kept)
	return kept
}

// processCPU is the CPU time (user and system) the process has used so far, or -1 where
// the system does not tell it (Linux's /proc/self/stat).
func processCPU() time.Duration {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return -1
	}
	// The command name (field 2) is in parentheses and may hold spaces: count from its end.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(stat[i+1:]))
	// Fields 14 and 15 (utime, stime), in clock ticks; the state field 3 is f[0].
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	const ticks = 100 // USER_HZ, 100 on every Linux architecture Go supports
	return time.Duration(utime+stime) * time.Second / ticks
}

// cpuSince formats the CPU time used since before, when both readings exist.
func cpuSince(now, before time.Duration) string {
	if now < 0 || before < 0 {
		return ""
	}
	return fmt.Sprintf(", CPU %v", (now - before).Round(10*time.Millisecond))
}

// peakRSS is the process's peak resident set so far, where the system tells it (Linux).
func peakRSS() string {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return ", peak RSS " + strings.TrimSpace(v)
		}
	}
	return ""
}

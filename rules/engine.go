package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/policies"
)

// Engine holds the compiled rule set: Go rules plus built-in and user Rego rules.
type Engine struct {
	rules []*Rule
	byID  map[string]*Rule
	// userRules is true when --policy rules are loaded: they get the full input.
	userRules bool
	// fullInput forces the full input (tests compare both).
	fullInput bool
	// prepared holds one query per Rego rule, so rules evaluate in parallel.
	prepared map[string]*rego.PreparedEvalQuery
}

// Options configure a run.
type Options struct {
	// Enabled, when non-nil, limits the run to these rule ids.
	Enabled map[string]bool
	// Severity overrides the default severity per rule id.
	Severity map[string]Severity
	// Cluster holds the cluster assumptions.
	Cluster analyzer.Config
	// Timings, when set, is called after each stage with its name.
	Timings func(stage string)
	// RuleTimeout bounds the evaluation of each Rego rule; 0 means DefaultRuleTimeout.
	RuleTimeout time.Duration
	// Print receives the output of print() in Rego rules (nil discards it). It is
	// written from several goroutines, a whole call at a time.
	Print io.Writer
}

// DefaultRuleTimeout bounds a Rego rule's evaluation when Options.RuleTimeout is 0:
// the built-in rules take well under a second on 40,000 objects.
const DefaultRuleTimeout = 60 * time.Second

// forbiddenBuiltins are the OPA built-ins a rule may not call: rules read the manifests
// a stranger's pull request may hold, so they reach no network and depend on no clock
// and no randomness (the same input gives the same findings).
var forbiddenBuiltins = map[string]string{
	"http.send":          "it reaches the network",
	"net.lookup_ip_addr": "it reaches the network",
	"opa.runtime":        "it reads the process environment",
	"time.now_ns":        "it depends on the clock",
	"rand.intn":          "it is random",
	"uuid.rfc4122":       "it is random",
}

// capabilities are OPA's, less the forbidden built-ins.
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		if _, bad := forbiddenBuiltins[b.Name]; !bad {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	return caps
}

// forbiddenUse rewrites a compile error about a forbidden built-in into one that says so.
func forbiddenUse(errs ast.Errors) error {
	for _, e := range errs {
		for name, why := range forbiddenBuiltins {
			if strings.Contains(e.Message, "undefined function "+name) {
				loc := ""
				if e.Location != nil {
					loc = fmt.Sprintf("%s:%d: ", e.Location.File, e.Location.Row)
				}
				return fmt.Errorf("compile policies: %sthe built-in %s is not available to kubenet rules: %s", loc, name, why)
			}
		}
	}
	return nil
}

// rulePrefix is the package prefix under which every Rego rule lives.
const rulePrefix = "data.kubenet.rules"

// NewEngine compiles the built-in rules and the Rego files under each policy dir.
func NewEngine(policyDirs ...string) (*Engine, error) {
	srcs, readErr := readPolicies(policyDirs)
	parseAll(srcs)
	modules := map[string]*ast.Module{}
	builtinPkgs := map[string]bool{}
	for _, src := range srcs {
		if src.err != nil {
			return nil, fmt.Errorf("parse policy: %w", src.err)
		}
		modules[src.name] = src.module
		if src.builtin {
			builtinPkgs[src.module.Package.Path.String()] = true
		}
	}
	for _, src := range srcs {
		if path := src.module.Package.Path; !src.builtin && builtinPkgs[path.String()] && len(path) > 3 {
			return nil, fmt.Errorf("%s: rule id %v is the id of a built-in rule; give your rule another id (disable the built-in one in .kubenet.yaml if yours replaces it)", src.name, path[3].Value)
		}
	}
	if readErr != nil {
		return nil, readErr
	}
	compiler := ast.NewCompiler().WithStrict(true).WithCapabilities(capabilities()).WithEnablePrintStatements(true)
	compiler.Compile(modules)
	if compiler.Failed() {
		if err := forbiddenUse(compiler.Errors); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("compile policies: %w", compiler.Errors)
	}
	e := &Engine{byID: map[string]*Rule{}}
	for _, r := range goRules() {
		e.add(r)
	}
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		r, err := ruleFromModule(name, modules[name])
		if err != nil {
			return nil, err
		}
		if r == nil {
			continue
		}
		if !r.Builtin {
			e.userRules = true
		}
		if prev, dup := e.byID[r.ID]; dup {
			if prev.Builtin != r.Builtin {
				return nil, fmt.Errorf("%s: rule id %q is the id of a built-in rule; give your rule another id (disable the built-in one in .kubenet.yaml if yours replaces it)", name, r.ID)
			}
			return nil, fmt.Errorf("%s: rule %q is already defined in %s", name, r.ID, prev.Source)
		}
		e.add(r)
	}
	sort.Slice(e.rules, func(i, j int) bool { return e.rules[i].ID < e.rules[j].ID })
	e.prepared = map[string]*rego.PreparedEvalQuery{}
	for _, r := range e.rules {
		if r.Engine != "rego" {
			continue
		}
		pq, err := rego.New(
			rego.Query(fmt.Sprintf("%s[%q].report[finding]", rulePrefix, r.ID)),
			rego.Compiler(compiler),
			rego.EnablePrintStatements(true),
		).PrepareForEval(context.Background())
		if err != nil {
			return nil, fmt.Errorf("prepare rule %s: %w", r.ID, err)
		}
		e.prepared[r.ID] = &pq
	}
	return e, nil
}

func (e *Engine) add(r *Rule) {
	e.rules = append(e.rules, r)
	e.byID[r.ID] = r
}

// Rules returns every rule, sorted by id.
func (e *Engine) Rules() []*Rule { return e.rules }

// Rule returns the rule with that id, or nil.
func (e *Engine) Rule(id string) *Rule { return e.byID[id] }

// source is a Rego file of the rule set and, once parsed, its module or error.
type source struct {
	name    string
	text    string
	builtin bool
	module  *ast.Module
	err     error
}

// readPolicies reads the Rego files (tests aside) of the built-in rules, then of each
// policy folder in turn. It stops at the first folder or file it cannot read and
// returns what it read before, with that error.
func readPolicies(dirs []string) ([]*source, error) {
	var srcs []*source
	read := func(fsys fs.FS, prefix string, builtin bool) error {
		return fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() || !strings.HasSuffix(p, ".rego") || strings.HasSuffix(p, "_test.rego") {
				return nil
			}
			text, err := fs.ReadFile(fsys, p)
			if err != nil {
				return err
			}
			srcs = append(srcs, &source{name: prefix + p, text: string(text), builtin: builtin})
			return nil
		})
	}
	if err := read(policies.FS, "policies/", true); err != nil {
		return srcs, err
	}
	for _, dir := range dirs {
		if _, err := os.Stat(dir); err != nil {
			return srcs, fmt.Errorf("policy folder: %w", err)
		}
		if err := read(os.DirFS(dir), filepath.ToSlash(dir)+"/", false); err != nil {
			return srcs, err
		}
	}
	return srcs, nil
}

// parseAll parses every source, on every core: parsing is a third of the rule set's
// start-up, and start-up is most of a small repository's run (docs/performance.md).
func parseAll(srcs []*source) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(srcs)) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(srcs); i = int(next.Add(1)) - 1 {
				src := srcs[i]
				src.module, src.err = ast.ParseModuleWithOpts(src.name, src.text,
					ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1})
				if src.err == nil && src.builtin {
					src.module.Package.Location.File = src.name
				}
			}
		})
	}
	wg.Wait()
}

// ruleFromModule builds the Rule of a module whose package is kubenet.rules["<id>"];
// other modules (helpers) yield nil.
func ruleFromModule(name string, m *ast.Module) (*Rule, error) {
	path := m.Package.Path
	if len(path) < 3 || !path[:3].Equal(ast.MustParseRef(rulePrefix)) {
		return nil, nil
	}
	if len(path) != 4 {
		return nil, fmt.Errorf("%s: a rule's package must be kubenet.rules[\"<rule-id>\"], not %s", name, path)
	}
	id, ok := path[3].Value.(ast.String)
	if !ok || !validID(string(id)) {
		return nil, fmt.Errorf("%s: rule id %s must be kebab-case, e.g. kubenet.rules[\"my-rule\"]", name, path[3])
	}
	var ann *ast.Annotations
	for _, a := range m.Annotations {
		if a.Scope == "package" {
			ann = a
		}
	}
	if ann == nil || ann.Title == "" {
		return nil, fmt.Errorf("%s: rule %q needs a METADATA block with a title above its package", name, id)
	}
	sevName, _ := ann.Custom["severity"].(string)
	sev, err := ParseSeverity(sevName)
	if err != nil || sev == None {
		return nil, fmt.Errorf("%s: rule %q needs custom.severity error, warning or info in its METADATA", name, id)
	}
	rem, _ := ann.Custom["remediation"].(string)
	since, _ := ann.Custom["since"].(string)
	merge := MergeAny
	if m, ok := ann.Custom["merge"]; ok {
		s, _ := m.(string)
		if merge, err = ParseMerge(s); err != nil {
			return nil, fmt.Errorf("%s: rule %q: custom.merge must be any or all in its METADATA, not %v", name, string(id), m)
		}
	}
	requires, err := parseRequires(ann.Custom["requires"])
	if err != nil {
		return nil, fmt.Errorf("%s: rule %q: custom.requires %v", name, string(id), err)
	}
	return &Rule{
		ID: string(id), Engine: "rego", Builtin: strings.HasPrefix(name, "policies/"), Source: name, Requires: requires,
		Doc: Doc{Title: ann.Title, Description: strings.TrimSpace(ann.Description), Remediation: strings.TrimSpace(rem), Severity: sev, Since: since, Merge: merge},
	}, nil
}

// parseRequires reads METADATA custom.requires: a list of keys of input.facts, or
// nothing, which means every key.
func parseRequires(v any) ([]string, error) {
	if v == nil {
		return analyzer.FactKeys, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be a list of keys of input.facts (%s), not %v", strings.Join(analyzer.FactKeys, ", "), v)
	}
	out := []string{}
	for _, x := range list {
		k, _ := x.(string)
		if !slices.Contains(analyzer.FactKeys, k) {
			return nil, fmt.Errorf("names %v, which is not a key of input.facts (%s)", x, strings.Join(analyzer.FactKeys, ", "))
		}
		out = append(out, k)
	}
	return out, nil
}

func validID(id string) bool {
	if id == "" || id[0] == '-' || id[len(id)-1] == '-' {
		return false
	}
	for _, r := range id {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}

// regoFinding is the shape a Rego rule reports (see lib.rego).
type regoFinding struct {
	Object   string       `json:"object"`
	Pos      *findingPos  `json:"pos"`
	Message  string       `json:"message"`
	Hint     string       `json:"hint"`
	Severity string       `json:"severity"`
	Related  []regoRelate `json:"related"`
	// Merge overrides the rule's custom.merge for this finding: "any" or "all".
	Merge string `json:"merge"`
}

type regoRelate struct {
	Object  string      `json:"object"`
	Pos     *findingPos `json:"pos"`
	Message string      `json:"message"`
}

// findingPos is a position as a rule reports it: an object {file, line, column}, or the
// compact [file, line, column] the built-in rules see.
type findingPos model.Pos

func (p *findingPos) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '[' {
		var a []json.RawMessage
		if err := json.Unmarshal(b, &a); err != nil || len(a) != 3 {
			return fmt.Errorf("position %s is not [file, line, column]", b)
		}
		if err := json.Unmarshal(a[0], &p.File); err != nil {
			return err
		}
		if err := json.Unmarshal(a[1], &p.Line); err != nil {
			return err
		}
		return json.Unmarshal(a[2], &p.Column)
	}
	var m model.Pos
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*p = findingPos(m)
	return nil
}

// Run runs the enabled rules over g and returns the findings sorted by file, line,
// column and rule.
func (e *Engine) Run(ctx context.Context, g *model.Graph, opts Options) ([]Finding, error) {
	facts := analyzer.New(g, opts.Cluster)
	wanted := func(id string) bool { return opts.Enabled == nil || opts.Enabled[id] }
	// Whether a suppression is used depends on every rule: when suppression-unused is
	// wanted, all rules run, and only the wanted ones are reported.
	enabled := wanted
	if wanted(unusedRuleID) {
		enabled = func(string) bool { return true }
	}
	needRego := false
	for _, r := range e.rules {
		if r.Engine == "rego" && enabled(r.ID) {
			needRego = true
		}
	}
	stage := opts.Timings
	if stage == nil {
		stage = func(string) {}
	}
	var out []Finding
	// passFor gives a rule its pass; only Go rules read the facts (replayed Rego
	// findings and the suppression report need none).
	passFor := func(r *Rule, facts *analyzer.Facts) *Pass {
		sev := r.Doc.Severity
		override, hasOverride := opts.Severity[r.ID]
		return &Pass{Rule: r, Graph: g, Facts: facts, report: func(f Finding) {
			if f.Severity == 0 {
				f.Severity = sev
			}
			if hasOverride {
				f.Severity = override
			}
			if f.Hint == "" {
				f.Hint = r.Doc.Remediation
			}
			if r.Engine == "go" && f.Merge == MergeAny {
				f.Merge = r.Doc.Merge // a replayed Rego finding has its own already
			}
			out = append(out, f)
		}}
	}
	// Go rules run first, so that nothing holds the facts once the Rego input is built
	// from them: memory then holds the input, not both (findings are sorted at the end).
	for _, r := range e.rules {
		if r.Engine != "go" || !enabled(r.ID) || r.ID == unusedRuleID {
			continue
		}
		if err := r.run(passFor(r, facts)); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
	}
	buckets := map[string][]regoFinding{}
	if needRego {
		var requires []string
		for _, r := range e.rules {
			if r.Engine == "rego" && enabled(r.ID) {
				requires = append(requires, r.Requires...)
			}
		}
		facts.ComputeOnly(requires...)
		in := newInput(g, facts, opts.Cluster) // the facts' last use
		stage("facts")
		var err error
		if buckets, err = e.evalRego(ctx, in, enabled, stage, opts); err != nil {
			return nil, err
		}
	}
	objects := map[string]*model.Object{}
	for _, o := range g.Objects {
		if _, ok := objects[o.ID]; !ok {
			objects[o.ID] = o
		}
	}
	for _, ns := range g.Namespaces {
		if _, ok := objects[ns.ID]; !ok {
			objects[ns.ID] = &model.Object{Ref: model.Ref{APIVersion: "v1", Kind: "Namespace", Name: ns.Name}, ID: ns.ID, Pos: ns.Pos}
		}
	}
	// Services an operator creates (positioned at their resource) or the configuration
	// declares are not in the input, but findings may name them.
	for _, s := range g.Services {
		if _, ok := objects[s.ID]; !ok {
			objects[s.ID] = &s.Object
		}
	}
	for _, r := range e.rules {
		if r.Engine != "rego" || !enabled(r.ID) {
			continue
		}
		if err := replay(passFor(r, nil), buckets[r.ID], objects); err != nil {
			return nil, fmt.Errorf("rule %s: %w", r.ID, err)
		}
	}
	var unused []Finding
	out, unused = suppress(g, out, e.byID, enabled)
	report := passFor(e.byID[unusedRuleID], nil)
	for _, f := range unused {
		report.Report(f)
	}
	kept := out[:0]
	for _, f := range out {
		if wanted(f.Rule) {
			kept = append(kept, f)
		}
	}
	out = kept
	Sort(out)
	return out, nil
}

// collectAbove is the number of objects from which a garbage collection after building
// the Rego input pays for itself (in peak memory; see docs/performance.md).
const collectAbove = 5000

// evalRego evaluates the enabled Rego rules over the input, in parallel (a prepared
// query is safe for concurrent use, and OPA values are immutable once built).
func (e *Engine) evalRego(ctx context.Context, in *Input, enabled func(string) bool, stage func(string), opts Options) (map[string][]regoFinding, error) {
	var doc any = in
	slim := !e.userRules && !e.fullInput
	if slim {
		doc = in.builtin()
	}
	// Read before converting, so that nothing uses in afterwards and it can be collected.
	large := len(in.Objects) >= collectAbove
	v, err := inputValue(doc, slim)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
	}
	if large {
		// The facts and the Go document are garbage now: collecting them at once sets
		// the heap's target from what evaluation holds (the model and the Rego input),
		// which keeps a large run's peak memory 30-50 MB lower for one collection.
		runtime.GC()
	}
	stage("input")
	defer stage("rego")
	var ids []string
	for id := range e.prepared {
		if enabled(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	results := make([][]regoFinding, len(ids))
	errs := make([]error, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				results[i], errs[i] = e.evalRule(ctx, ids[i], v, opts)
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	out := map[string][]regoFinding{}
	for i, id := range ids {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out[id] = results[i]
	}
	return out, nil
}

func (e *Engine) evalRule(ctx context.Context, id string, input ast.Value, opts Options) ([]regoFinding, error) {
	timeout := opts.RuleTimeout
	if timeout <= 0 {
		timeout = DefaultRuleTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	printTo := opts.Print
	if printTo == nil {
		printTo = io.Discard
	}
	rs, err := e.prepared[id].Eval(ctx, rego.EvalParsedInput(input), rego.EvalPrintHook(&printHook{w: printTo, rule: id}))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("rule %s ran over its evaluation deadline of %v (--rule-timeout)", id, timeout)
		}
		return nil, fmt.Errorf("evaluate rule %s: %w", id, err)
	}
	var out []regoFinding
	for _, r := range rs {
		b, err := json.Marshal(r.Bindings["finding"])
		if err != nil {
			return nil, err
		}
		var f regoFinding
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&f); err != nil {
			return nil, fmt.Errorf("rule %s reported %s: %w", id, b, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// printHook writes a rule's print() output, a line at a time, naming the rule.
type printHook struct {
	w    io.Writer
	rule string
}

var printMu sync.Mutex

func (h *printHook) Print(pctx print.Context, msg string) error {
	printMu.Lock()
	defer printMu.Unlock()
	loc := ""
	if pctx.Location != nil {
		loc = fmt.Sprintf(" %s:%d", pctx.Location.File, pctx.Location.Row)
	}
	_, err := fmt.Fprintf(h.w, "kubenet: print (%s%s): %s\n", h.rule, loc, msg)
	return err
}

// replay reports a Rego rule's findings. A finding without a position falls back to
// its object's position; an unknown object id or no position at all is a rule bug.
func replay(p *Pass, fs []regoFinding, objects map[string]*model.Object) error {
	for _, rf := range fs {
		if rf.Message == "" {
			return errors.New("finding has no message")
		}
		var obj *model.Object
		if rf.Object != "" {
			o, ok := objects[rf.Object]
			if !ok {
				return fmt.Errorf("finding %q names unknown object %q", rf.Message, rf.Object)
			}
			obj = o
		}
		pos := model.Pos{}
		if rf.Pos != nil {
			pos = model.Pos(*rf.Pos)
		}
		if !pos.IsValid() && obj != nil {
			pos = obj.Pos
		}
		if !pos.IsValid() {
			return fmt.Errorf("finding %q has no position (pos with file and line) and no object", rf.Message)
		}
		f := at(Finding{Message: rf.Message, Hint: rf.Hint}, pos)
		if obj != nil {
			f.Object = &obj.Ref
		}
		if rf.Severity != "" {
			sev, err := ParseSeverity(rf.Severity)
			if err != nil || sev == None {
				return fmt.Errorf("finding %q: severity %q is not error, warning or info", rf.Message, rf.Severity)
			}
			f.Severity = sev
		}
		f.Merge = p.Rule.Doc.Merge
		if rf.Merge != "" {
			m, err := ParseMerge(rf.Merge)
			if err != nil {
				return fmt.Errorf("finding %q: merge %q is not any or all", rf.Message, rf.Merge)
			}
			f.Merge = m
		}
		for _, rel := range rf.Related {
			r := Related{Message: rel.Message}
			if rel.Object != "" {
				o, ok := objects[rel.Object]
				if !ok {
					return fmt.Errorf("finding %q: related names unknown object %q", rf.Message, rel.Object)
				}
				r.Object = &o.Ref
				r.File, r.Line = o.Pos.File, o.Pos.Line
			}
			if rel.Pos != nil && model.Pos(*rel.Pos).IsValid() {
				r.File, r.Line = rel.Pos.File, rel.Pos.Line
			}
			f.Related = append(f.Related, r)
		}
		p.Report(f)
	}
	return nil
}

// Sort orders findings by file, line, column, rule and message.
func Sort(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Message < b.Message
	})
}

package rules

import (
	"context"
	"fmt"
	"runtime"
	"sort"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// Run runs the enabled rules over g and returns the findings sorted by file, line,
// column and rule.
func (e *Engine) Run(ctx context.Context, g *model.Graph, opts Options) ([]Finding, error) {
	r := &run{e: e, g: g, opts: opts, facts: analyzer.New(g, opts.Cluster)}
	r.wanted = func(id string) bool { return opts.Enabled == nil || opts.Enabled[id] }
	// Whether a suppression is used depends on every rule: when suppression-unused is
	// wanted, all rules run, and only the wanted ones are reported.
	r.enabled = r.wanted
	if r.wanted(unusedRuleID) {
		r.enabled = func(string) bool { return true }
	}
	// Go rules run first, so that nothing holds the facts once the Rego input is built
	// from them: memory then holds the input, not both (findings are sorted at the end).
	if err := r.goRules(); err != nil {
		return nil, err
	}
	buckets, err := r.evalRego(ctx)
	if err != nil {
		return nil, err
	}
	if err := r.replayRego(buckets); err != nil {
		return nil, err
	}
	return r.finish(), nil
}

// run is one Engine.Run: the rules it runs and what they found so far.
type run struct {
	e     *Engine
	g     *model.Graph
	opts  Options
	facts *analyzer.Facts
	// wanted rules are reported; enabled ones run (all of them when suppression-unused
	// is wanted).
	wanted, enabled func(id string) bool
	out             []Finding
}

// pass gives a rule its pass, which applies the rule's defaults and the configured
// severity to what it reports. Only Go rules read the facts (replayed Rego findings and
// the suppression report need none).
func (r *run) pass(rule *Rule, facts *analyzer.Facts) *Pass {
	sev := rule.Doc.Severity
	override, hasOverride := r.opts.Severity[rule.ID]
	return &Pass{Rule: rule, Graph: r.g, Facts: facts, report: func(f Finding) {
		if f.Severity == 0 {
			f.Severity = sev
		}
		if hasOverride {
			f.Severity = override
		}
		if f.Hint == "" {
			f.Hint = rule.Doc.Remediation
		}
		if rule.Engine == "go" && f.Merge == MergeAny {
			f.Merge = rule.Doc.Merge // a replayed Rego finding has its own already
		}
		r.out = append(r.out, f)
	}}
}

func (r *run) goRules() error {
	for _, rule := range r.e.rules {
		if rule.Engine != "go" || !r.enabled(rule.ID) || rule.ID == unusedRuleID {
			continue
		}
		if err := rule.run(r.pass(rule, r.facts)); err != nil {
			return fmt.Errorf("rule %s: %w", rule.ID, err)
		}
	}
	return nil
}

// collectAbove is the number of objects from which a garbage collection after the facts
// pays for itself (in peak memory and time; see docs/performance.md).
const collectAbove = 5000

// evalRego computes the facts the enabled Rego rules require, builds their input and
// evaluates them; it returns their findings by rule id.
func (r *run) evalRego(ctx context.Context) (map[string][]regoFinding, error) {
	var requires []string
	needRego := false
	for _, rule := range r.e.rules {
		if rule.Engine == "rego" && r.enabled(rule.ID) {
			needRego = true
			requires = append(requires, rule.Requires...)
		}
	}
	if !needRego {
		return map[string][]regoFinding{}, nil
	}
	stage := r.opts.Timings
	if stage == nil {
		stage = func(string) {}
	}
	r.facts.ComputeOnly(requires...)
	in := newInput(r.g, r.facts, r.opts.Cluster) // the facts' last use
	r.facts = nil
	if len(in.Objects) >= collectAbove {
		// Computing the facts leaves about as much garbage as the facts (candidate lists,
		// search states): collected now, the Rego input is built in that memory rather
		// than in fresh pages. This one collection replaced one after the conversion
		// (which freed the facts): about 30 MiB less peak on the reference corpus and 20
		// at 102,017 objects, and faster there (commit 0a8d028).
		runtime.GC()
	}
	stage("facts")
	return r.e.evalRego(ctx, in, r.enabled, stage, r.opts)
}

// replayRego reports the Rego rules' findings through their passes, resolving the
// objects they name.
func (r *run) replayRego(buckets map[string][]regoFinding) error {
	objects := r.objects()
	for _, rule := range r.e.rules {
		if rule.Engine != "rego" || !r.enabled(rule.ID) {
			continue
		}
		if err := replay(r.pass(rule, nil), buckets[rule.ID], objects); err != nil {
			return fmt.Errorf("rule %s: %w", rule.ID, err)
		}
	}
	return nil
}

// objects are the objects findings may name, by id: the input's (the first definition
// of a duplicate), the namespaces (implied ones too), and the Services an operator
// creates (positioned at their resource) or the configuration declares.
func (r *run) objects() map[string]*model.Object {
	objects := map[string]*model.Object{}
	for _, o := range r.g.Objects {
		if _, ok := objects[o.ID]; !ok {
			objects[o.ID] = o
		}
	}
	for _, ns := range r.g.Namespaces {
		if _, ok := objects[ns.ID]; !ok {
			objects[ns.ID] = &model.Object{Ref: model.Ref{APIVersion: "v1", Kind: "Namespace", Name: ns.Name}, ID: ns.ID, Pos: ns.Pos}
		}
	}
	for _, s := range r.g.Services {
		if _, ok := objects[s.ID]; !ok {
			objects[s.ID] = &s.Object
		}
	}
	return objects
}

// finish applies the suppressions, reports the unused ones, keeps the wanted rules'
// findings and sorts them.
func (r *run) finish() []Finding {
	out, unused := suppress(r.g, r.out, r.e.byID, r.enabled)
	r.out = out
	report := r.pass(r.e.byID[unusedRuleID], nil)
	for _, f := range unused {
		report.Report(f)
	}
	kept := r.out[:0]
	for _, f := range r.out {
		if !r.wanted(f.Rule) {
			continue
		}
		if t, ok := r.g.RenderedBy[model.Pos{File: f.File, Line: f.Line}]; ok {
			// A field whose value a chart's values file set: the template that
			// wrote it is where to look next.
			f.Related = append(f.Related, Related{File: t.File, Line: t.Line, Message: "the template line that renders this value"})
		}
		kept = append(kept, f)
	}
	Sort(kept)
	return kept
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

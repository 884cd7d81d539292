package rules

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/kubenet/kubenet/analyzer"
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
	// RuleTimes, when set, receives how long each Rego rule took to evaluate, before
	// the "rego" stage ends.
	RuleTimes func(rule string, took time.Duration)
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

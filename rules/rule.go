// Package rules judges the facts about a graph and reports findings. A rule is either
// Go code (when the rule is itself a computation no fact can carry) or a Rego policy
// evaluated over the documented input document; both report through the same Pass,
// so their findings look and behave alike.
package rules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// Severity ranks findings. The zero value is invalid.
type Severity int

// Severities, from least to most severe. None is only used as a --fail-on threshold.
const (
	Info Severity = iota + 1
	Warning
	Error
	None
)

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	case None:
		return "none"
	}
	return "invalid"
}

// MarshalJSON renders the severity as its name.
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// UnmarshalJSON parses a severity name.
func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	*s = v
	return err
}

// ParseSeverity parses "error", "warning", "info" or "none".
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(s) {
	case "error":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	case "none":
		return None, nil
	}
	return 0, fmt.Errorf("unknown severity %q (want error, warning, info or none)", s)
}

// Doc is a rule's documentation. It feeds `kubenet rules`, docs/rules.md and SARIF.
type Doc struct {
	// Title is a short phrase, no trailing period.
	Title string `json:"title"`
	// Description says what the rule detects and why it matters.
	Description string `json:"description"`
	// Remediation says how to fix a finding in general; findings carry specific hints.
	Remediation string `json:"remediation"`
	// Severity is the default severity of the rule's findings.
	Severity Severity `json:"severity"`
	// Since is the version that introduced the rule.
	Since string `json:"since,omitempty"`
	// Merge is how the rule's findings merge across the variants of a deployment
	// (MergeVariants), unless a finding says otherwise: METADATA custom.merge of a Rego
	// rule. It is no part of the rule's rendered documentation.
	Merge Merge `json:"-"`
}

// Merge says how a finding merges across the variants of one deployment that are linted
// one by one (kustomize overlays): see MergeVariants.
type Merge uint8

const (
	// MergeAny reports a finding that any variant reports (once, when several do): the
	// default.
	MergeAny Merge = iota
	// MergeAll reports a finding only when every variant reports it: for findings about
	// something a variant lacks that another may have (an expectation that names an
	// object of one overlay only).
	MergeAll
)

func (m Merge) String() string {
	if m == MergeAll {
		return "all"
	}
	return "any"
}

// ParseMerge parses "any" or "all".
func ParseMerge(s string) (Merge, error) {
	switch s {
	case "any":
		return MergeAny, nil
	case "all":
		return MergeAll, nil
	}
	return MergeAny, fmt.Errorf("unknown merge %q (want any or all)", s)
}

// Rule is one check.
type Rule struct {
	// ID is kebab-case and a public contract.
	ID  string `json:"id"`
	Doc Doc    `json:"doc"`
	// Engine is "go" or "rego".
	Engine string `json:"engine"`
	// Builtin is false for rules loaded with --policy.
	Builtin bool `json:"builtin"`
	// Source is the file that defines the rule.
	Source string `json:"source"`
	// Requires are the keys of input.facts the rule reads (analyzer.FactKeys): a run
	// computes only the facts of the rules it runs (go/analysis' Requires). METADATA
	// custom.requires of a Rego rule; every key when it says nothing.
	Requires []string `json:"-"`

	run func(*Pass) error
}

// Pass is what a rule sees while it runs.
type Pass struct {
	Rule  *Rule
	Graph *model.Graph
	Facts *analyzer.Facts

	report func(Finding)
}

// Report records a finding of the running rule. Severity 0 means the rule's default.
func (p *Pass) Report(f Finding) {
	f.Rule = p.Rule.ID
	p.report(f)
}

// Finding is one reported problem, in the shape of the JSON output contract.
type Finding struct {
	Rule     string     `json:"rule"`
	Severity Severity   `json:"severity"`
	Message  string     `json:"message"`
	Object   *model.Ref `json:"object"`
	File     string     `json:"file"`
	Line     int        `json:"line"`
	Column   int        `json:"column"`
	Related  []Related  `json:"related"`
	Hint     string     `json:"hint"`
	// Variants names the variants (kustomize overlays, Helm values sets) the finding
	// holds in, when it holds in some of those linted only.
	Variants []string `json:"variants,omitempty"`
	// Merge is how the finding merges across variants: the rule's Doc.Merge unless the
	// finding set its own. It is not part of the JSON output.
	Merge Merge `json:"-"`
}

// Pos returns the finding's position.
func (f *Finding) Pos() model.Pos { return model.Pos{File: f.File, Line: f.Line, Column: f.Column} }

// Related is a secondary location that explains a finding.
type Related struct {
	Object  *model.Ref `json:"object"`
	File    string     `json:"file"`
	Line    int        `json:"line"`
	Message string     `json:"message"`
}

// at sets a finding's position.
func at(f Finding, p model.Pos) Finding {
	f.File, f.Line, f.Column = p.File, p.Line, p.Column
	return f
}

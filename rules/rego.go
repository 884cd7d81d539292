package rules

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/topdown/print"

	"github.com/kubenet/kubenet/model"
)

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

// evalRego evaluates the enabled Rego rules over the input, in parallel (a prepared
// query is safe for concurrent use, and OPA values are immutable once built).
func (e *Engine) evalRego(ctx context.Context, in *Input, enabled func(string) bool, stage func(string), opts Options) (map[string][]regoFinding, error) {
	var doc any = in
	slim := !e.userRules && !e.fullInput
	if slim {
		doc = in.builtin()
	}
	v, err := inputValue(doc, slim)
	if err != nil {
		return nil, fmt.Errorf("convert input: %w", err)
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
	took := make([]time.Duration, len(ids))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				results[i], errs[i] = e.evalRule(ctx, ids[i], v, opts)
				took[i] = time.Since(start)
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
		if opts.RuleTimes != nil {
			opts.RuleTimes(id, took[i])
		}
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
	rs, err := e.prepared[id].Eval(ctx, rego.EvalParsedInput(input), rego.EvalPrintHook(&printHook{w: printTo, rule: id}),
		rego.EvalGenerateJSON(generateFinding))
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("rule %s ran over its evaluation deadline of %v (--rule-timeout)", id, timeout)
		}
		return nil, fmt.Errorf("evaluate rule %s: %w", id, err)
	}
	var out []regoFinding
	for _, r := range rs {
		f, err := bindingFinding(r.Bindings["finding"])
		if err != nil {
			return nil, fmt.Errorf("rule %s reported %w", id, err)
		}
		out = append(out, f)
	}
	return out, nil
}

// bindingFinding is a finding as generateFinding left it: read already, or a value
// read through JSON.
func bindingFinding(v any) (regoFinding, error) {
	if f, ok := v.(regoFinding); ok {
		return f, nil
	}
	var f regoFinding
	b, err := json.Marshal(v)
	if err != nil {
		return f, err
	}
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&f); err != nil {
		return f, fmt.Errorf("%s: %w", b, err)
	}
	return f, nil
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

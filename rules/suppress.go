package rules

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// unusedRuleID reports suppressions that suppress nothing.
const unusedRuleID = "suppression-unused"

// IgnoreAnnotation silences rules for an object: "rule-a,rule-b # reason".
const IgnoreAnnotation = "kubenet.io/ignore"

// ignoreComment silences rules at a line: "# kubenet:ignore rule-a,rule-b reason", on
// the line above the field or at its end.
const ignoreComment = "kubenet:ignore"

// suppression is one place that silences findings.
type suppression struct {
	rules []string
	used  map[string]bool
	pos   model.Pos
	// object is set for an annotation: it silences the object's findings.
	object string
	// file and lines are set for a comment: it silences findings on those lines.
	file  string
	lines [2]int
}

func parseRuleList(s string) []string {
	var out []string
	for _, id := range strings.Split(s, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// KeepSource says which files the rules need kept in memory (model.Options.KeepSource):
// those with an ignore comment. A file the graph let go of has none.
func KeepSource(data []byte) bool { return bytes.Contains(data, []byte(ignoreComment)) }

// collectSuppressions reads the annotations of every object and the ignore comments of
// every source file the graph keeps: a graph that lets go of files keeps those with an
// ignore comment (KeepSource).
func collectSuppressions(g *model.Graph) []*suppression {
	var out []*suppression
	for _, o := range g.Objects {
		v, ok := o.Annotations[IgnoreAnnotation]
		if !ok {
			continue
		}
		ids, _, _ := strings.Cut(v, "#")
		out = append(out, &suppression{rules: parseRuleList(ids), used: map[string]bool{}, pos: o.Pos, object: o.ID})
	}
	files := make([]string, 0, len(g.Sources))
	for f := range g.Sources {
		files = append(files, f)
	}
	sort.Strings(files)
	marker := []byte(ignoreComment)
	for _, file := range files {
		src := g.Sources[file]
		if !bytes.Contains(src, marker) {
			continue
		}
		for i, line := range strings.Split(string(src), "\n") {
			hash := strings.Index(line, "#")
			if hash < 0 {
				continue
			}
			comment := strings.TrimSpace(line[hash+1:])
			rest, ok := strings.CutPrefix(comment, ignoreComment)
			if !ok {
				continue
			}
			fields := strings.Fields(rest)
			if len(fields) == 0 {
				continue
			}
			n := i + 1
			s := &suppression{rules: parseRuleList(fields[0]), used: map[string]bool{}, file: file,
				pos: model.Pos{File: file, Line: n, Column: hash + 1}}
			if strings.TrimSpace(line[:hash]) == "" {
				s.lines = [2]int{n + 1, n + 1} // a comment line: the field below it
			} else {
				s.lines = [2]int{n, n} // a trailing comment: its own line
			}
			out = append(out, s)
		}
	}
	return out
}

// suppress drops the findings a suppression silences, and returns as unused a finding
// for every suppression (or rule id in one) that silenced nothing.
func suppress(g *model.Graph, fs []Finding, known map[string]*Rule, ran func(string) bool) (kept, unused []Finding) {
	sups := collectSuppressions(g)
	if len(sups) == 0 {
		return fs, nil
	}
	kept = make([]Finding, 0, len(fs))
	for _, f := range fs {
		silenced := false
		for _, s := range sups {
			if !slices.Contains(s.rules, f.Rule) {
				continue
			}
			if (s.object != "" && f.Object != nil && f.Object.String() == s.object) ||
				(s.file != "" && f.File == s.file && f.Line >= s.lines[0] && f.Line <= s.lines[1]) {
				s.used[f.Rule] = true
				silenced = true
			}
		}
		if !silenced {
			kept = append(kept, f)
		}
	}
	for _, s := range sups {
		for _, id := range s.rules {
			var msg string
			switch {
			case known[id] == nil:
				msg = fmt.Sprintf("suppression names %q, which is not a rule (see kubenet rules)", id)
			case !ran(id) || s.used[id]:
				continue
			default:
				msg = fmt.Sprintf("suppression of %s silences nothing here; remove it", id)
			}
			f := at(Finding{Message: msg}, s.pos)
			if s.object != "" {
				for _, o := range g.Objects {
					if o.ID == s.object {
						f.Object = &o.Ref
						break
					}
				}
			}
			unused = append(unused, f)
		}
	}
	return kept, unused
}

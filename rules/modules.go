package rules

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/policies"
)

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
		return nil, fmt.Errorf("%s: rule %q: custom.requires %w", name, string(id), err)
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

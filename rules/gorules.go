package rules

import "github.com/kubenet/kubenet/model"

// goRules are the rules written in Go, sorted by id. They work on what the loader
// found wrong with the input itself, which no fact carries.
func goRules() []*Rule {
	return []*Rule{
		{
			ID: "chart-render-failed", Engine: "go", Builtin: true, Source: "rules/gorules.go",
			Doc: Doc{
				Title:    "Helm chart does not render",
				Severity: Error, Since: "v0.11.0",
				Description: "kubenet renders each Helm chart it meets as `helm template` would, once per values variant. " +
					"A template error, a `required` value left unset, `fail`, values that break the chart's values.schema.json, " +
					"or a kubeVersion the chart refuses stop `helm install` as they stop the rendering: nothing of the chart " +
					"would be deployed with those values. The finding is at the template line Helm names; the rest of the " +
					"repository is still linted, and findings that the chart's objects could answer are hedged.",
				Remediation: "Fix the template or set the value the message names, in the values file of the variant it names " +
					"(`helm template CHART -f VALUES` shows the same error).",
			},
			run: func(p *Pass) error { return reportProblems(p, model.RenderFailed) },
		},
		{
			ID: "manifest-invalid", Engine: "go", Builtin: true, Source: "rules/gorules.go",
			Doc: Doc{
				Title:    "Manifest does not parse or has a field of the wrong type",
				Severity: Error, Since: "v0.1.0",
				Description: "A YAML document that does not parse, or a field of a Kubernetes kind that has the wrong " +
					"type or an invalid value (a quoted number where an integer is required, a label value that is " +
					"not a string, an unknown protocol), is rejected by the API server when applied. kubenet reports " +
					"it where it is and goes on with every other document; the object's own wiring is not judged " +
					"until it is valid, but references to it still resolve.",
				Remediation: "Fix the field as the message says; `kubectl apply --dry-run=server` confirms the API server accepts it.",
			},
			run: func(p *Pass) error { return reportProblems(p, model.Invalid) },
		},
		{
			ID: "object-duplicate", Engine: "go", Builtin: true, Source: "rules/gorules.go",
			Doc: Doc{
				Title:    "Object defined more than once",
				Severity: Warning, Since: "v0.1.0",
				Description: "Two documents define the same object (same API group, kind, namespace and name). When both " +
					"are applied the later one silently replaces the earlier, so what runs depends on file order. " +
					"kubenet analyses the last definition, the one kubectl apply leaves in the cluster, so findings do not " +
					"change with the order of the files.",
				Remediation: "Keep one definition: delete the other, rename it, or move alternatives into separate overlays.",
			},
			run: func(p *Pass) error { return reportProblems(p, model.Duplicate) },
		},
		{
			ID: unusedRuleID, Engine: "go", Builtin: true, Source: "rules/suppress.go",
			Doc: Doc{
				Title:    "Suppression that suppresses nothing",
				Severity: Info, Since: "v0.1.0",
				Description: "Findings are silenced where the object is: the annotation kubenet.io/ignore: \"rule-a,rule-b # reason\" " +
					"silences those rules for the object, and a comment # kubenet:ignore rule-a reason silences them on the line " +
					"below (or on its own line, as a trailing comment). A suppression that silences nothing, or that names no rule, " +
					"is reported so that stale ones do not pile up.",
				Remediation: "Remove the suppression, or correct the rule id it names.",
			},
			run: func(*Pass) error { return nil }, // reported by the engine after every rule ran
		},
	}
}

func reportProblems(p *Pass, kind model.ProblemKind) error {
	for _, pr := range p.Graph.Problems {
		if pr.Kind != kind {
			continue
		}
		f := at(Finding{Message: pr.Message, Object: pr.Object}, pr.Pos)
		if pr.Related != nil {
			f.Related = []Related{{Object: pr.Object, File: pr.Related.File, Line: pr.Related.Line, Message: "first definition"}}
			f.Hint = "remove one of the two definitions"
		}
		p.Report(f)
	}
	return nil
}

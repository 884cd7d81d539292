package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/rules"
)

// ruleIDRe is the shape of a rule id: lowercase words joined by dashes.
var ruleIDRe = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)+$`)

// newRuleCmd scaffolds a rule, in the spirit of Regal's `regal new rule`: a .rego file
// with its METADATA, and a testdata folder with a case that fires and a quiet one,
// which pass as written. The contributor then changes all three together.
func newRuleCmd(io *iostreams) *cobra.Command {
	var policyDir, testDir, severity string
	cmd := &cobra.Command{
		Use:   "new-rule ID",
		Short: "Write a new rule with its METADATA and a testdata folder with # want cases",
		Long: `Write POLICIES/ID.rego (dashes become underscores) with every METADATA field, and
TESTDATA/ID/fires/app.yaml and TESTDATA/ID/quiet/app.yaml, whose # want comments the
rule meets as written: a starting point that passes, to change into the rule you mean.

In the kubenet repository the defaults are where built-in rules live, and
go test ./rules -run TestRules/ID runs the cases. For rules of your own, point
--policies at the folder you pass to --policy.`,
		Example: `  kubenet debug new-rule service-owner-label
  kubenet debug new-rule team-label-required --policies my-policies --testdata my-policies/testdata`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			id := args[0]
			if !ruleIDRe.MatchString(id) {
				return usageErr("rule id %q: want lowercase words joined by dashes, e.g. service-owner-label", id)
			}
			if _, err := rules.ParseSeverity(severity); err != nil || severity == "none" {
				return usageErr("--severity: want error, warning or info")
			}
			if e, err := rules.NewEngine(); err == nil && e.Rule(id) != nil {
				return usageErr("rule %q exists already (see kubenet rules %s)", id, id)
			}
			files, err := scaffoldRule(id, severity, policyDir, testDir)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(io.out, "wrote", f)
			}
			fmt.Fprintf(io.out, "\nnext: write the rule and its cases together; run them with\n  go test ./rules -run 'TestRules/%s'   (built-in rules; then make docs)\n  kubenet lint --policy %s %s   (rules of your own)\n",
				id, policyDir, filepath.Join(testDir, id, "fires"))
			return nil
		},
	}
	cmd.Flags().StringVar(&policyDir, "policies", "policies", "folder for the .rego file")
	cmd.Flags().StringVar(&testDir, "testdata", filepath.Join("testdata", "rules"), "folder for the rule's testdata cases")
	cmd.Flags().StringVar(&severity, "severity", "warning", "the rule's default severity: error, warning or info")
	return cmd
}

// scaffoldRule writes the rule and its cases, refusing to overwrite anything.
func scaffoldRule(id, severity, policyDir, testDir string) ([]string, error) {
	data := struct{ ID, Severity string }{id, severity}
	files := []struct{ path, tmpl string }{
		{filepath.Join(policyDir, strings.ReplaceAll(id, "-", "_")+".rego"), ruleTemplate},
		{filepath.Join(testDir, id, "fires", "app.yaml"), firesTemplate},
		{filepath.Join(testDir, id, "quiet", "app.yaml"), quietTemplate},
	}
	for _, f := range files {
		if _, err := os.Lstat(f.path); err == nil {
			return nil, usageErr("%s exists; the rule is not written", f.path)
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, usageErr("%v", err)
		}
	}
	var written []string
	for _, f := range files {
		var b bytes.Buffer
		if err := template.Must(template.New(f.path).Parse(f.tmpl)).Execute(&b, data); err != nil {
			return written, err
		}
		if err := os.MkdirAll(filepath.Dir(f.path), 0o755); err != nil {
			return written, usageErr("%v", err)
		}
		if err := os.WriteFile(f.path, b.Bytes(), 0o644); err != nil {
			return written, usageErr("%v", err)
		}
		written = append(written, f.path)
	}
	return written, nil
}

const ruleTemplate = `# METADATA
# title: TODO one line, no full stop, saying what is wrong
# description: |
#   TODO what goes wrong in the cluster, and why the input proves it. Severity is the
#   strength of that evidence: say what the rule leaves out (objects kubenet cannot
#   see, open-world cases) and why.
# custom:
#   severity: {{.Severity}}
#   requires: [] # the keys of input.facts the rule reads, e.g. [services, dns]
#   since: TODO the next release, e.g. v0.10.0
#   remediation: |
#     TODO the concrete fix, with the field to change.
package kubenet.rules["{{.ID}}"]

import data.kubenet.lib

# The input document is docs/input.md; kubenet debug input PATH prints it for a folder.
report contains f if {
	some svc in input.services
	svc.type == "ExternalName" # TODO the condition that is wrong
	msg := sprintf("Service %s is of type ExternalName", [svc.id])
	hint := "TODO the fix for this object"
	f := lib.finding_hint(svc.id, svc.pos, msg, hint)
}
`

const firesTemplate = `# TODO what is wrong here, in a sentence or two. Each # want comment sits on the line
# the finding points at: "RULE (SEVERITY): regexp on the message".
apiVersion: v1
kind: Service
metadata:
  name: db  # want "{{.ID}} ({{.Severity}}): Service default/Service/db is of type ExternalName"
spec:
  type: ExternalName
  externalName: db.example.com
`

const quietTemplate = `# TODO what looks close to the mistake but is right, and so must stay quiet.
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

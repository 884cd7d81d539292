package report

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/rules"
)

// Diff is what `kubenet diff` found between two sets of manifests.
type Diff struct {
	// Old and New name the two sides (paths, or git revisions).
	Old, New string
	// Introduced and Fixed are the findings only one side has, by fingerprint;
	// Unchanged counts those both have.
	Introduced, Fixed []rules.Finding
	Unchanged         int
	// Reach is the change in who may reach whom (per variant, when there are several).
	Reach []VariantReach
	// Names are the hostnames whose resolution changed.
	Names []analyzer.NameChange
}

// VariantReach is the reachability change of one variant ("" when there is one).
type VariantReach struct {
	Variant string
	analyzer.ReachComparison
}

// Diffs are the formats of `kubenet diff`.
var Diffs = &Registry[Diff]{formats: []Format[Diff]{
	{Name: "text", write: func(w io.Writer, d Diff, _ Options) error { return writeDiffText(w, d) }},
	{Name: "json", Help: "a documented contract", write: func(w io.Writer, d Diff, _ Options) error { return writeDiffJSON(w, d) }},
	{Name: "markdown", Help: "for a job summary or a pull request comment", write: func(w io.Writer, d Diff, _ Options) error { return writeDiffMarkdown(w, d) }},
	{Name: "github", Help: "annotations for the findings introduced", write: func(w io.Writer, d Diff, _ Options) error {
		return writeGitHub(w, Report{Findings: d.Introduced})
	}},
}}

// counts are the totals of a diff.
type diffCounts struct {
	Introduced int `json:"introduced"`
	Fixed      int `json:"fixed"`
	Unchanged  int `json:"unchanged"`
	Opened     int `json:"opened"`
	Closed     int `json:"closed"`
	Changed    int `json:"changed"`
	Names      int `json:"names"`
}

func (d Diff) counts() diffCounts {
	c := diffCounts{Introduced: len(d.Introduced), Fixed: len(d.Fixed), Unchanged: d.Unchanged, Names: len(d.Names)}
	for _, v := range d.Reach {
		for _, ch := range v.Changes {
			switch ch.Change {
			case "opened":
				c.Opened++
			case "closed":
				c.Closed++
			default:
				c.Changed++
			}
		}
	}
	return c
}

// connJSON is one connection change in the JSON contract.
type connJSON struct {
	Variant string               `json:"variant,omitempty"`
	Change  string               `json:"change"`
	From    string               `json:"from"`
	To      string               `json:"to"`
	Before  []analyzer.PortRange `json:"before"`
	After   []analyzer.PortRange `json:"after"`
	Opened  []analyzer.PortRange `json:"opened"`
	Closed  []analyzer.PortRange `json:"closed"`
	Because []string             `json:"because"`
}

func writeDiffJSON(w io.Writer, d Diff) error {
	type workloads struct {
		Variant string   `json:"variant,omitempty"`
		Added   []string `json:"added"`
		Removed []string `json:"removed"`
		Skipped string   `json:"skipped,omitempty"`
	}
	out := struct {
		Old         string                `json:"old"`
		New         string                `json:"new"`
		Introduced  []rules.Finding       `json:"introduced"`
		Fixed       []rules.Finding       `json:"fixed"`
		Connections []connJSON            `json:"connections"`
		Workloads   []workloads           `json:"workloads"`
		Names       []analyzer.NameChange `json:"names"`
		Summary     diffCounts            `json:"summary"`
	}{Old: d.Old, New: d.New, Introduced: nonNil(d.Introduced), Fixed: nonNil(d.Fixed),
		Connections: []connJSON{}, Workloads: []workloads{}, Names: d.Names, Summary: d.counts()}
	if out.Names == nil {
		out.Names = []analyzer.NameChange{}
	}
	for _, v := range d.Reach {
		for _, c := range v.Changes {
			out.Connections = append(out.Connections, connJSON{Variant: v.Variant, Change: c.Change, From: c.From, To: c.To,
				Before: c.Before.List(), After: c.After.List(), Opened: c.Opened().List(), Closed: c.Closed().List(), Because: nonNilStrings(c.Because)})
		}
		out.Workloads = append(out.Workloads, workloads{Variant: v.Variant, Added: nonNilStrings(v.Added), Removed: nonNilStrings(v.Removed), Skipped: v.Skipped})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func nonNil(fs []rules.Finding) []rules.Finding {
	if fs == nil {
		return []rules.Finding{}
	}
	return fs
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// connLine describes one connection change in words.
func connLine(c analyzer.ConnChange) string {
	switch c.Change {
	case "opened":
		return fmt.Sprintf("%s -> %s opened on %s", c.From, c.To, c.After)
	case "closed":
		return fmt.Sprintf("%s -> %s closed (was %s)", c.From, c.To, c.Before)
	}
	var parts []string
	if o := c.Opened(); !o.IsEmpty() {
		parts = append(parts, "opened "+o.String())
	}
	if cl := c.Closed(); !cl.IsEmpty() {
		parts = append(parts, "closed "+cl.String())
	}
	return fmt.Sprintf("%s -> %s %s (now %s)", c.From, c.To, strings.Join(parts, ", "), c.After)
}

var changeMark = map[string]string{"opened": "+", "closed": "-", "changed": "~"}

func writeDiffText(w io.Writer, d Diff) error {
	var b strings.Builder
	c := d.counts()
	fmt.Fprintf(&b, "kubenet diff %s -> %s\n\n", Visible(d.Old), Visible(d.New))
	fmt.Fprintf(&b, "findings: %d introduced, %d fixed, %d unchanged\n", c.Introduced, c.Fixed, c.Unchanged)
	for _, f := range d.Introduced {
		fmt.Fprintf(&b, "  + %s:%d  %s  %s  %s\n", Visible(f.File), f.Line, f.Severity, f.Rule, Visible(f.Message))
	}
	for _, f := range d.Fixed {
		fmt.Fprintf(&b, "  - %s:%d  %s  %s  %s\n", Visible(f.File), f.Line, f.Severity, f.Rule, Visible(f.Message))
	}
	fmt.Fprintf(&b, "\nconnections: %d opened, %d closed, %d changed\n", c.Opened, c.Closed, c.Changed)
	for _, v := range d.Reach {
		prefix := ""
		if v.Variant != "" {
			prefix = "[" + Visible(v.Variant) + "] "
		}
		if v.Skipped != "" {
			fmt.Fprintf(&b, "  %snot compared: %s\n", prefix, v.Skipped)
		}
		for _, ch := range v.Changes {
			fmt.Fprintf(&b, "  %s %s%s\n", changeMark[ch.Change], prefix, Visible(connLine(ch)))
			for _, why := range ch.Because {
				fmt.Fprintf(&b, "      %s\n", Visible(why))
			}
		}
		for _, a := range v.Added {
			fmt.Fprintf(&b, "  %sworkload added: %s\n", prefix, Visible(a))
		}
		for _, r := range v.Removed {
			fmt.Fprintf(&b, "  %sworkload removed: %s\n", prefix, Visible(r))
		}
	}
	fmt.Fprintf(&b, "\nnames: %d resolve differently\n", c.Names)
	for _, n := range d.Names {
		fmt.Fprintf(&b, "  %s\n", Visible(nameLine(n)))
	}
	_, err := w.Write(neutralizeCommands([]byte(b.String())))
	return err
}

func nameLine(n analyzer.NameChange) string {
	switch n.Change {
	case "resolves":
		return fmt.Sprintf("+ %s: %s now resolves to %s", n.Object, n.Name, n.After)
	case "unresolved":
		return fmt.Sprintf("- %s: %s no longer resolves (was %s)", n.Object, n.Name, n.Before)
	}
	return fmt.Sprintf("~ %s: %s resolves to %s (was %s)", n.Object, n.Name, n.After, n.Before)
}

// maxDiffPicture bounds the connection changes drawn in the Markdown picture.
const maxDiffPicture = 60

func writeDiffMarkdown(w io.Writer, d Diff) error {
	var b strings.Builder
	c := d.counts()
	fmt.Fprintf(&b, "### kubenet diff: %s → %s\n\n", mdCell(d.Old), mdCell(d.New))
	fmt.Fprintf(&b, "**%d** findings introduced, **%d** fixed, %d unchanged · **%d** connections opened, **%d** closed, %d changed · %d names resolve differently\n\n",
		c.Introduced, c.Fixed, c.Unchanged, c.Opened, c.Closed, c.Changed, c.Names)
	if len(d.Introduced)+len(d.Fixed) > 0 {
		b.WriteString("| | severity | rule | where | message |\n|---|---|---|---|---|\n")
		for _, f := range d.Introduced {
			fmt.Fprintf(&b, "| introduced | %s | `%s` | %s:%d | %s |\n", f.Severity, f.Rule, html.EscapeString(Visible(f.File)), f.Line, mdCell(f.Message))
		}
		for _, f := range d.Fixed {
			fmt.Fprintf(&b, "| fixed | %s | `%s` | %s:%d | %s |\n", f.Severity, f.Rule, html.EscapeString(Visible(f.File)), f.Line, mdCell(f.Message))
		}
		b.WriteString("\n")
	}
	var changes []analyzer.ConnChange
	for _, v := range d.Reach {
		changes = append(changes, v.Changes...)
	}
	if len(changes) > 0 {
		b.WriteString("| | connection | ports | because |\n|---|---|---|---|\n")
		for _, ch := range changes {
			ports := ch.After.String()
			switch ch.Change {
			case "closed":
				ports = "was " + ch.Before.String()
			case "changed":
				ports = ch.Before.String() + " → " + ch.After.String()
			}
			fmt.Fprintf(&b, "| %s | %s → %s | %s | %s |\n", ch.Change, mdCell(ch.From), mdCell(ch.To), mdCell(ports), mdCell(strings.Join(ch.Because, "; ")))
		}
		b.WriteString("\n")
		if len(changes) <= maxDiffPicture {
			b.WriteString("```mermaid\n")
			var pic strings.Builder
			if err := writeMermaid(&pic, diffDiagram(changes)); err != nil {
				return err
			}
			b.WriteString(pic.String())
			b.WriteString("```\n\n")
		}
	}
	if len(d.Names) > 0 {
		b.WriteString("| | name | used by | resolves to |\n|---|---|---|---|\n")
		for _, n := range d.Names {
			to := n.After
			if n.Change == "unresolved" {
				to = "nothing (was " + n.Before + ")"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", n.Change, mdCell(n.Name), mdCell(n.Object), mdCell(to))
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// diffDiagram draws the changed connections: opened ones as arrows, closed ones red.
func diffDiagram(changes []analyzer.ConnChange) *diagram {
	d := &diagram{name: "diff", groups: []group{{}}}
	seen := map[string]bool{}
	node := func(id string) {
		if !seen[id] {
			seen[id] = true
			d.groups[0].boxes = append(d.groups[0].boxes, box{id: id, label: id})
		}
	}
	for _, ch := range changes {
		node(ch.From)
		node(ch.To)
		if o := ch.Opened(); !o.IsEmpty() {
			d.arrows = append(d.arrows, arrow{from: ch.From, to: ch.To, label: "+ " + o.String()})
		}
		if cl := ch.Closed(); !cl.IsEmpty() {
			d.arrows = append(d.arrows, arrow{from: ch.From, to: ch.To, label: "- " + cl.String(), broken: true})
		}
	}
	return d
}

package report

import (
	"encoding/xml"
	"fmt"
	"html"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/kubenet/kubenet/rules"
)

// JUnit XML as CI report viewers read it: one test suite per rule, one test case per
// object and rule, failing with the findings.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	File      string        `xml:"file,attr"`
	Line      int           `xml:"line,attr"`
	Failures  []junitFailed `xml:"failure"`
}

type junitFailed struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

func writeJUnit(w io.Writer, r Report) error {
	bySuite := map[string]map[string]*junitCase{}
	for _, f := range r.Findings {
		obj := f.File
		if f.Object != nil {
			obj = f.Object.String()
		}
		cases := bySuite[f.Rule]
		if cases == nil {
			cases = map[string]*junitCase{}
			bySuite[f.Rule] = cases
		}
		c := cases[obj]
		if c == nil {
			c = &junitCase{Name: obj, ClassName: "kubenet." + f.Rule, File: f.File, Line: f.Line}
			cases[obj] = c
		}
		c.Failures = append(c.Failures, junitFailed{Message: f.Message, Type: f.Severity.String(),
			Text: fmt.Sprintf("%s:%d:%d %s\nhint: %s", f.File, f.Line, f.Column, f.Message, f.Hint)})
	}
	out := junitSuites{Name: "kubenet"}
	for _, rule := range slices.Sorted(maps.Keys(bySuite)) {
		s := junitSuite{Name: rule}
		for _, name := range slices.Sorted(maps.Keys(bySuite[rule])) {
			s.Cases = append(s.Cases, *bySuite[rule][name])
		}
		s.Tests, s.Failures = len(s.Cases), len(s.Cases)
		out.Suites = append(out.Suites, s)
		out.Tests += s.Tests
		out.Failures += s.Failures
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// writeMarkdown writes a findings table, for a job summary or a pull request comment.
func writeMarkdown(w io.Writer, r Report) error {
	s := r.summary()
	var b strings.Builder
	fmt.Fprintf(&b, "### kubenet: %s, %s, %s\n\n", plural(s.Errors, "error"), plural(s.Warnings, "warning"), plural(s.Infos, "info"))
	fmt.Fprintf(&b, "%s, %s.\n\n", plural(s.Files, "file"), plural(s.Objects, "object"))
	if len(r.Findings) > 0 {
		b.WriteString("| severity | rule | location | message | hint |\n|---|---|---|---|---|\n")
		icon := map[rules.Severity]string{rules.Error: "🔴 error", rules.Warning: "🟡 warning", rules.Info: "🔵 info"}
		for _, f := range r.Findings {
			fmt.Fprintf(&b, "| %s | [`%s`](%s#%s) | <code>%s:%d</code> | %s | %s |\n", icon[f.Severity], f.Rule, rulesDocURL, f.Rule,
				html.EscapeString(Visible(f.File)), f.Line, mdCell(f.Message), mdCell(f.Hint))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mdCell makes text from the input inert in a Markdown table cell of a job summary:
// no HTML, no link or image, no emphasis, code span or cell break of its own making.
func mdCell(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i, l := range lines {
		var b strings.Builder
		for _, r := range Visible(l) {
			if strings.ContainsRune("\\`*_[]()!~|", r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		lines[i] = html.EscapeString(b.String()) // then no HTML: <, >, & and quotes as entities
	}
	return strings.Join(lines, "<br>")
}

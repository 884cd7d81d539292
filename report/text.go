package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"

	"github.com/kubenet/kubenet/rules"
)

type summary struct {
	Files    int `json:"files"`
	Objects  int `json:"objects"`
	Errors   int `json:"errors"`
	Warnings int `json:"warnings"`
	Infos    int `json:"infos"`
	// Config is the config file the run used (absent when none).
	Config string `json:"config,omitempty"`
	// Baselined and BaselineFixed are counted with --baseline (absent without).
	Baselined     int `json:"baselined,omitempty"`
	BaselineFixed int `json:"baselineFixed,omitempty"`
}

func (r Report) summary() summary {
	s := summary{Files: r.Files, Objects: r.Objects, Config: r.Config, Baselined: r.Baselined, BaselineFixed: r.BaselineFixed}
	for _, f := range r.Findings {
		switch f.Severity {
		case rules.Error:
			s.Errors++
		case rules.Warning:
			s.Warnings++
		case rules.Info:
			s.Infos++
		}
	}
	return s
}

// writeJSON writes the JSON contract: {"findings":[...],"summary":{...}}.
func writeJSON(w io.Writer, r Report) error {
	// One finding at a time, as an indenting encoder would write the whole document:
	// a large report is never held twice in memory. A bufio.Writer keeps its first
	// error, which Flush returns.
	bw := bufio.NewWriterSize(w, bufferSize)
	put := func(s string) { _, _ = bw.WriteString(s) }
	put("{\n  \"findings\": [")
	for i, f := range r.Findings {
		if f.Related == nil {
			f.Related = []rules.Related{}
		}
		b, err := json.MarshalIndent(f, "    ", "  ")
		if err != nil {
			return err
		}
		if i > 0 {
			put(",")
		}
		put("\n    ")
		put(string(b))
	}
	if len(r.Findings) > 0 {
		put("\n  ")
	}
	put("],\n  \"summary\": ")
	b, err := json.MarshalIndent(r.summary(), "  ", "  ")
	if err != nil {
		return err
	}
	put(string(b))
	put("\n}\n")
	return bw.Flush()
}

// writeText prints findings grouped by file: a location line, the offending source
// line with a caret, the hint, and a closing summary.
func writeText(w io.Writer, r Report, st Options) error {
	paint := func(attrs ...color.Attribute) func(a ...any) string {
		c := color.New(attrs...)
		if st.Color {
			c.EnableColor()
		} else {
			c.DisableColor()
		}
		return c.SprintFunc()
	}
	bold, dim := paint(color.Bold), paint(color.Faint)
	sevColor := map[rules.Severity]func(a ...any) string{
		rules.Error: paint(color.FgRed, color.Bold), rules.Warning: paint(color.FgYellow, color.Bold), rules.Info: paint(color.FgCyan),
	}
	var b bytes.Buffer
	var lines sourceLines
	prevFile := "\x00"
	for _, f := range r.Findings {
		if f.File != prevFile && prevFile != "\x00" {
			b.WriteByte('\n')
		}
		prevFile = f.File
		fmt.Fprintf(&b, "%s  %s  %s  %s\n", bold(fmt.Sprintf("%s:%d:%d", Visible(f.File), f.Line, f.Column)),
			sevColor[f.Severity](f.Severity.String()), dim(f.Rule), Visible(f.Message))
		if src, ok := lines.line(r.Source, f.File, f.Line); ok {
			gutter := fmt.Sprintf("%6d | ", f.Line)
			fmt.Fprintf(&b, "%s%s\n", dim(gutter), clip(Visible(src), MaxSourceWidth))
			col := max(f.Column, 1)
			pad := strings.Map(func(r rune) rune {
				if r == '\t' {
					return '\t'
				}
				return ' '
			}, clip(Visible(prefixRunes(src, col-1)), MaxSourceWidth))
			fmt.Fprintf(&b, "%s%s%s\n", dim("       | "), pad, sevColor[f.Severity]("^"))
		}
		for _, rel := range f.Related {
			if rel.File != "" {
				fmt.Fprintf(&b, "       %s %s:%d: %s\n", dim("note:"), Visible(rel.File), rel.Line, Visible(rel.Message))
			}
		}
		if len(f.Variants) > 0 {
			fmt.Fprintf(&b, "       %s %s\n", dim("only in:"), Visible(strings.Join(f.Variants, "; ")))
		}
		if f.Hint != "" {
			fmt.Fprintf(&b, "       %s %s\n", bold("hint:"), indentHint(f.Hint))
		}
	}
	s := r.summary()
	if !st.Quiet || len(r.Findings) > 0 {
		if len(r.Findings) > 0 {
			b.WriteByte('\n')
		}
		base := ""
		if s.Baselined > 0 {
			base = fmt.Sprintf("; %s in the baseline", plural(s.Baselined, "more"))
		}
		if len(r.Findings) == 0 {
			fmt.Fprintf(&b, "no findings in %s (%s)%s\n", plural(s.Files, "file"), plural(s.Objects, "object"), base)
		} else {
			fmt.Fprintf(&b, "%s, %s, %s in %s (%s)%s\n", plural(s.Errors, "error"), plural(s.Warnings, "warning"),
				plural(s.Infos, "info"), plural(s.Files, "file"), plural(s.Objects, "object"), base)
		}
	}
	_, err := w.Write(neutralizeCommands(b.Bytes()))
	return err
}

// indentHint lays a hint's lines (a fix snippet has several) under "hint:", each line
// made visible.
func indentHint(h string) string {
	ls := strings.Split(strings.TrimSpace(h), "\n")
	for i, l := range ls {
		ls[i] = Visible(l)
	}
	return strings.Join(ls, "\n             ")
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// sourceLines holds the lines of the file findings were last printed for: findings
// come file by file, so each file is read and split once, and only one is held.
type sourceLines struct {
	file  string
	lines []string
	ok    bool
}

// line returns line n (1-based) of file.
func (c *sourceLines) line(source func(string) ([]byte, bool), file string, n int) (string, bool) {
	if source == nil {
		return "", false
	}
	if c.lines == nil || c.file != file {
		src, found := source(file)
		c.file, c.ok, c.lines = file, found, strings.Split(string(src), "\n")
	}
	if !c.ok || n < 1 || n > len(c.lines) {
		return "", false
	}
	return strings.TrimRight(c.lines[n-1], "\r"), true
}

// prefixRunes returns the first n bytes of s (columns are byte-based in YAML positions,
// which is what go-yaml reports for ASCII manifests).
func prefixRunes(s string, n int) string {
	r := []rune(s)
	if n > len(r) {
		n = len(r)
	}
	return string(r[:n])
}

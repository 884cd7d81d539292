package report

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/rules"
)

func TestVisible(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, tabs\tstay":   "plain text, tabs\tstay",
		"x\n::error::y":            `x\n::error::y`,
		"\x1b[31mred\x1b]0;t\x07":  `\x1b[31mred\x1b]0;t\x07`,
		"nul\x00 del\x7f":          `nul\x00 del\x7f`,
		"bad utf8 \xff\xfe":        `bad utf8 \xff\xfe`,
		"rtl \u202eevil\u202c":     `rtl \u202eevil\u202c`,
		"zero\u200bwidth\ufeff":    `zero\u200bwidth\ufeff`,
		"c1 \u009b6n":              `c1 \x9b6n`,
		"ünïcödé and emoji 🙂 stay": "ünïcödé and emoji 🙂 stay",
	} {
		assert.Equal(t, want, Visible(in), "%q", in)
	}
}

func TestNeutralizeCommands(t *testing.T) {
	in := "file.yaml:1:1  error  x  message\n::error file=a::pwn\n   \t::warning::indented\nnot ::a command\n"
	out := string(neutralizeCommands([]byte(in)))
	for _, l := range strings.Split(out, "\n") {
		assert.False(t, strings.HasPrefix(strings.TrimLeft(l, " \t"), "::"), "%q", l)
	}
	assert.Contains(t, out, "> ::error file=a::pwn", "the text stays, visibly")
	assert.Contains(t, out, "not ::a command")
	assert.Equal(t, "no commands\n", string(neutralizeCommands([]byte("no commands\n"))))
}

func TestClip(t *testing.T) {
	assert.Equal(t, "short", clip("short", 10))
	assert.Equal(t, "abcde…", clip("abcdefgh", 5))
	assert.Equal(t, "ééé…", clip("éééé", 3), "counts characters, not bytes")
}

// TestMarkdownCellInert: text from the input cannot bring HTML, links, images, code
// spans or cell breaks into the job summary.
func TestMarkdownCellInert(t *testing.T) {
	got := mdCell("x <img src=x onerror=alert(1)> [click](https://evil) ![i](https://evil/i.png) `code` a|b\n::error::y")
	for _, bad := range []string{"<img", "](", "`code`", "a|b", "\n"} {
		assert.NotContains(t, got, bad)
	}
	assert.Contains(t, got, "&lt;img")
	assert.Contains(t, got, `a\|b`)
	assert.Contains(t, got, "<br>", "the cell's own line break")
}

// FuzzEscape: whatever a manifest holds, each output's escaping leaves nothing its
// consumer would act on: a terminal (control characters), a CI runner (a line that
// starts with "::", a property that ends early), Markdown (HTML, links, cell breaks)
// and mermaid (quotes, brackets, line breaks).
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"x\n::error file=a,line=1::y", "\x1b[31m\x00\u202e", "<img src=x>[a](b)|`", "a\"] --> B\n```", "\xff\xfe%0A:,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := Visible(s)
		require.True(t, utf8.ValidString(v), "%q", v)
		for _, r := range v {
			require.False(t, hidden(r), "Visible(%q) keeps %U", s, r)
		}
		for _, l := range strings.Split(string(neutralizeCommands([]byte(s+"\n"+s))), "\n") {
			require.False(t, strings.HasPrefix(strings.TrimLeft(l, " \t"), "::"), "%q", l)
		}
		require.NotContains(t, ghData(s), "\n")
		require.NotContains(t, ghData(s), "\r")
		require.False(t, strings.ContainsAny(ghProperty(s), "\n\r:,"), "%q", ghProperty(s))

		cell := mdCell(s)
		require.NotContains(t, cell, "\n")
		require.NotContains(t, strings.ReplaceAll(cell, "<br>", ""), "<", "HTML in %q", cell)
		require.NotContains(t, cell, "](")

		label := mermaidText(s)
		require.False(t, strings.ContainsAny(label, "\"<>|`[]{}\n\r"), "%q", label)
		for i := range len(cell) {
			if cell[i] == '|' || cell[i] == '`' {
				require.True(t, i > 0 && cell[i-1] == '\\', "unescaped %q in %q", cell[i], cell)
			}
		}
	})
}

func TestGitHubEscaping(t *testing.T) {
	assert.Equal(t, "a%25b%0Ac%0Dd", ghData("a%b\nc\rd"))
	assert.Equal(t, "x%3Ay%2Cz", ghProperty("x:y,z"))

	// A file name and a message from the input (a chart's values, a template's fail)
	// reach the log escaped, control bytes included.
	var b strings.Builder
	require.NoError(t, writeGitHub(&b, Report{Findings: []rules.Finding{{Rule: "r", Severity: rules.Error, Line: 1, Column: 1,
		File: "c/values-\x1b[1m.yaml", Message: "bad \x1b[31mred\x07", Hint: "fix\x1b]0;t\x07", Variants: []string{"c with \x1b[2Jx"}}}}))
	out := b.String()
	assert.NotContains(t, out, "\x1b")
	assert.NotContains(t, out, "\x07")
	assert.Equal(t, 1, strings.Count(out, "\n"), "one line: %q", out)
	assert.Contains(t, out, `file=c/values-\x1b[1m.yaml`)
}

// TestMermaidLabelInert: a label cannot end its quotes, its line, or the fence around
// the picture.
func TestMermaidLabelInert(t *testing.T) {
	got := mermaidText("a\"] --> B\n```\n<script>|x|")
	for _, bad := range []string{`"`, "]", "\n", "```", "<", "|"} {
		assert.NotContains(t, got, bad)
	}
}

package report

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Everything kubenet prints may come from a stranger's manifest: object names, file
// names, source lines, kustomize's error text. Terminals act on escape sequences, and
// CI runners on lines that start with "::" (GitHub's workflow commands, after leading
// white space). So every string from the input is made visible before it is printed:
// control characters and bytes that are not UTF-8 are shown escaped, and no printed
// line starts with "::".

// Visible escapes what a terminal or a log would act on, or hide: control characters
// (tab aside), invalid UTF-8, and the invisible formatting characters that reorder or
// hide text (bidi overrides, zero-width characters).
func Visible(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || hidden(r) {
			clean = false
			break
		}
		i += size
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case hidden(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// hidden: a character printing would act on or not show.
func hidden(r rune) bool {
	if r == '\t' {
		return false
	}
	if unicode.IsControl(r) {
		return true
	}
	switch {
	case r >= 0x200b && r <= 0x200f, // zero-width space and joiners, direction marks
		r >= 0x202a && r <= 0x202e, // bidi embeddings and overrides
		r >= 0x2066 && r <= 0x2069, // bidi isolates
		r == 0x2028 || r == 0x2029, // line and paragraph separators
		r == 0xfeff:
		return true
	}
	return false
}

// MaxSourceWidth bounds a source line echoed under a finding, in characters.
const MaxSourceWidth = 200

// clip cuts s to n characters, marking the cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// neutralizeCommands makes sure no line of out starts with "::" after leading white
// space, as a CI runner would take it for a workflow command: such a line gets a
// visible "> " before it.
func neutralizeCommands(out []byte) []byte {
	if !strings.Contains(string(out), "::") {
		return out
	}
	lines := strings.SplitAfter(string(out), "\n")
	for i, l := range lines {
		t := strings.TrimLeft(l, " \t")
		if strings.HasPrefix(t, "::") {
			lines[i] = l[:len(l)-len(t)] + "> " + t
		}
	}
	return []byte(strings.Join(lines, ""))
}

// VisibleLines writes what Rego rules print, made visible, each write a line of its own
// (the engine writes a whole print() call at a time).
type VisibleLines struct{ W io.Writer }

func (v *VisibleLines) Write(p []byte) (int, error) {
	line := Visible(strings.TrimSuffix(string(p), "\n"))
	if _, err := io.WriteString(v.W, line+"\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}

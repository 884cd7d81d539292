package model

import (
	"bytes"
	"strings"
)

// helmSource is the comment `helm template` writes above each document it renders.
const helmSource = "# Source: "

// splitHelm cuts `helm template` output read from stdin into one in-memory file per
// chart template, named by its `# Source:` comment, holding exactly what
// `helm template --show-only <template>` prints: the documents that template rendered,
// each as "---", the Source comment, then the object. Findings then name the template
// and a line a user can look up. Documents without a Source comment stay in <stdin>,
// on their own lines. Input without Source comments is stdin as it is.
func splitHelm(data []byte) []source {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !bytes.Contains(data, []byte(helmSource)) {
		return []source{{name: StdinName, data: data}}
	}
	rest := append([]byte{}, data...)
	var order []string
	files := map[string]*bytes.Buffer{}
	for _, d := range splitDocuments(data) {
		path, body, ok := sourceOf(d.data)
		if !ok {
			continue
		}
		b := files[path]
		if b == nil {
			b = &bytes.Buffer{}
			files[path] = b
			order = append(order, path)
		}
		b.WriteString("---\n" + helmSource + path + "\n")
		b.Write(body)
		if len(body) > 0 && body[len(body)-1] != '\n' {
			b.WriteByte('\n')
		}
		// Blank the document in what stays <stdin>, keeping the other lines where they are.
		start := lineOffset(data, d.startLine)
		for i := start; i < start+len(d.data); i++ {
			if rest[i] != '\n' {
				rest[i] = ' '
			}
		}
	}
	var out []source
	if len(bytes.TrimSpace(rest)) > 0 {
		out = append(out, source{name: StdinName, data: rest})
	}
	for _, p := range order {
		out = append(out, source{name: p, data: files[p].Bytes()})
	}
	return out
}

// sourceOf reads the Source comment of a rendered document: the first line that is
// neither blank nor the "---" marker. It returns the template path and the document
// after that comment.
func sourceOf(doc []byte) (string, []byte, bool) {
	for len(doc) > 0 {
		line := doc
		next := len(doc)
		if i := bytes.IndexByte(doc, '\n'); i >= 0 {
			line, next = doc[:i], i+1
		}
		t := strings.TrimSpace(string(line))
		switch {
		case t == "" || t == "---":
			doc = doc[next:]
		case strings.HasPrefix(t, helmSource):
			path := strings.TrimSpace(strings.TrimPrefix(t, helmSource))
			return path, doc[next:], path != ""
		default:
			return "", nil, false
		}
	}
	return "", nil, false
}

// lineOffset returns the byte offset of the 0-based line in data.
func lineOffset(data []byte, line int) int {
	off := 0
	for ; line > 0; line-- {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	return off
}

package rules_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// want is one expected finding, written inline in a testdata manifest as
//
//	targetPort: web   # want "service-port-mismatch: named port"
//	selector:         # want "service-selector-orphaned (warning)"
//	# want +1 "ingress-backend-missing"
//
// The id must match exactly; the optional severity in parentheses must match the
// finding's; the rest, after a colon, is an unanchored regexp on the message. Several
// quoted expectations may follow one "want". "+N" shifts the expected line down.
type want struct {
	file     string
	line     int
	rule     string
	severity string
	msg      *regexp.Regexp
	raw      string
}

func (w want) String() string { return fmt.Sprintf("%s:%d: %s", w.file, w.line, w.raw) }

var (
	wantRe     = regexp.MustCompile(`#\s*want(?:\s+\+(\d+))?\s+((?:"(?:[^"\\]|\\.)*"\s*)+)`)
	wantItemRe = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	wantBodyRe = regexp.MustCompile(`^([a-z0-9-]+)(?:\s+\((error|warning|info)\))?(?::\s*(.*))?$`)
)

// parseWants reads the expectations of every manifest in dir.
func parseWants(dir string) ([]want, error) {
	var out []want
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ext := filepath.Ext(path)
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := 1; sc.Scan(); n++ {
			m := wantRe.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			line := n
			if m[1] != "" {
				off, _ := strconv.Atoi(m[1])
				line += off
			}
			for _, item := range wantItemRe.FindAllStringSubmatch(m[2], -1) {
				body, err := strconv.Unquote(`"` + item[1] + `"`)
				if err != nil {
					return fmt.Errorf("%s:%d: bad want %q: %w", path, n, item[1], err)
				}
				b := wantBodyRe.FindStringSubmatch(body)
				if b == nil {
					return fmt.Errorf("%s:%d: want %q is not `rule-id [(severity)][: regexp]`", path, n, body)
				}
				w := want{file: path, line: line, rule: b[1], severity: b[2], raw: body}
				if b[3] != "" {
					re, err := regexp.Compile(b[3])
					if err != nil {
						return fmt.Errorf("%s:%d: want regexp: %w", path, n, err)
					}
					w.msg = re
				}
				out = append(out, w)
			}
		}
		return sc.Err()
	})
	return out, err
}

// sameFile compares a finding's file (relative to the test's working dir) with a want's.
func sameFile(a, b string) bool {
	return filepath.Clean(a) == filepath.Clean(b) || strings.HasSuffix(filepath.ToSlash(a), filepath.ToSlash(b))
}

package model

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// load builds a graph from one in-memory file named name.
func load(t testing.TB, name, src string) *Graph {
	t.Helper()
	return LoadBytes(Options{}, NamedData{Name: name, Data: []byte(src)})
}

// loadNS is load with a default namespace.
func loadNS(t testing.TB, ns, src string) *Graph {
	t.Helper()
	return LoadBytes(Options{DefaultNamespace: ns}, NamedData{Name: "in.yaml", Data: []byte(src)})
}

// lineOf returns the 1-based line of the n-th (1-based) line of src containing needle.
// Tests name lines by their content rather than by counting, so editing a fixture
// cannot silently shift an expectation.
func lineOf(t testing.TB, src, needle string, nth ...int) int {
	t.Helper()
	want := 1
	if len(nth) > 0 {
		want = nth[0]
	}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	seen := 0
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, needle) {
			seen++
			if seen == want {
				return i + 1
			}
		}
	}
	t.Fatalf("no line %d containing %q in:\n%s", want, needle, src)
	return 0
}

// colOf returns the 1-based column of needle on the line lineOf finds.
func colOf(t testing.TB, src, needle string, nth ...int) int {
	t.Helper()
	l := lineOf(t, src, needle, nth...)
	line := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")[l-1]
	return strings.Index(line, needle) + 1
}

// object returns the object with this id, failing the test when there is none.
func object(t testing.TB, g *Graph, id string) *Object {
	t.Helper()
	for _, o := range g.Objects {
		if o.ID == id {
			return o
		}
	}
	t.Fatalf("no object %s; have %v", id, ids(g))
	return nil
}

func ids(g *Graph) []string {
	var out []string
	for _, o := range g.Objects {
		out = append(out, o.ID)
	}
	return out
}

func workload(t testing.TB, g *Graph, id string) *Workload {
	t.Helper()
	for _, w := range g.Workloads {
		if w.ID == id {
			return w
		}
	}
	t.Fatalf("no workload %s; have %v", id, ids(g))
	return nil
}

func policy(t testing.TB, g *Graph, id string) *Policy {
	t.Helper()
	for _, p := range g.Policies {
		if p.ID == id {
			return p
		}
	}
	t.Fatalf("no policy %s; have %v", id, ids(g))
	return nil
}

func service(t testing.TB, g *Graph, id string) *Service {
	t.Helper()
	for _, s := range g.Services {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("no service %s; have %v", id, ids(g))
	return nil
}

// problems returns the problems of kind k.
func problems(g *Graph, k ProblemKind) []Problem {
	var out []Problem
	for _, p := range g.Problems {
		if p.Kind == k {
			out = append(out, p)
		}
	}
	return out
}

// oneProblem asserts that g has exactly one problem of kind k and returns it.
func oneProblem(t testing.TB, g *Graph, k ProblemKind) Problem {
	t.Helper()
	ps := problems(g, k)
	require.Len(t, ps, 1, "problems: %s", dumpProblems(g))
	return ps[0]
}

func dumpProblems(g *Graph) string {
	var b strings.Builder
	for _, p := range g.Problems {
		fmt.Fprintf(&b, "\n  [%d] %s: %s", p.Kind, p.Pos, p.Message)
	}
	return b.String()
}

// noProblems asserts that loading produced no problem at all.
func noProblems(t testing.TB, g *Graph) {
	t.Helper()
	require.Empty(t, g.Problems, "problems: %s", dumpProblems(g))
}

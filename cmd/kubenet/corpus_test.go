package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir is ../shared/corpus next to the repository: real manifests from public
// projects, with their real defects listed in its SOURCES.md. Tests that need it skip
// when it is absent.
const corpusDir = "../shared/corpus"

// corpusExpected lists, per corpus set, every finding kubenet must report there and
// nothing else; see the file's header.
const corpusExpected = "testdata/corpus/expected.txt"

type corpusSet struct {
	paths     []string
	namespace string
	want      []string
}

// readCorpusExpected parses testdata/corpus/expected.txt (from the repository root).
func readCorpusExpected(t *testing.T) []*corpusSet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("../..", corpusExpected))
	require.NoError(t, err)
	var sets []*corpusSet
	for i, line := range strings.Split(string(b), "\n") {
		if j := strings.Index(line, "#"); j >= 0 {
			line = line[:j]
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "set":
			require.GreaterOrEqual(t, len(fields), 4, "%s:%d", corpusExpected, i+1)
			require.Equal(t, "namespace", fields[len(fields)-2], "%s:%d", corpusExpected, i+1)
			sets = append(sets, &corpusSet{paths: fields[1 : len(fields)-2], namespace: fields[len(fields)-1]})
		default:
			require.Len(t, fields, 3, "%s:%d: want `rule severity file:line`", corpusExpected, i+1)
			require.NotEmpty(t, sets, "%s:%d: finding before any set", corpusExpected, i+1)
			sets[len(sets)-1].want = append(sets[len(sets)-1].want, strings.Join(fields, " "))
		}
	}
	return sets
}

func requireCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("../..", corpusDir, "SOURCES.md")); err != nil {
		t.Skip("../shared/corpus is not present next to the repository")
	}
}

// lintCorpus lints paths (relative to the corpus) and returns its findings as
// "rule severity file:line", sorted, with file relative to the corpus.
func lintCorpus(t *testing.T, namespace string, paths ...string) []string {
	t.Helper()
	args := []string{"lint", "--format", "json", "--fail-on", "none", "-n", namespace}
	for _, p := range paths {
		args = append(args, filepath.Join(corpusDir, p))
	}
	code, out, errOut := kubenet(t, "", args...)
	require.Equal(t, exitClean, code, errOut)
	var rep struct {
		Findings []struct {
			Rule, Severity, File string
			Line                 int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	got := []string{}
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Severity, strings.TrimPrefix(f.File, corpusDir+"/"), f.Line))
	}
	sort.Strings(got)
	return got
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}

func TestCorpus(t *testing.T) {
	requireCorpus(t)
	sets := readCorpusExpected(t)
	scenarios := map[string]bool{}
	for _, set := range sets {
		if len(set.paths) == 1 && strings.HasPrefix(set.paths[0], "netpol-analyzer/") {
			scenarios[set.paths[0]] = true
		}
		t.Run(strings.Join(set.paths, "+"), func(t *testing.T) {
			got := lintCorpus(t, set.namespace, set.paths...)
			assert.Equal(t, sorted(set.want), got)
		})
	}
	// Every netpol-analyzer scenario not listed must be clean.
	dirs, err := os.ReadDir(filepath.Join("../..", corpusDir, "netpol-analyzer"))
	require.NoError(t, err)
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		name := "netpol-analyzer/" + d.Name()
		if scenarios[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			assert.Empty(t, lintCorpus(t, "default", name))
		})
	}
	assert.Equal(t, 26, n, "the corpus has 26 netpol-analyzer scenarios")
}

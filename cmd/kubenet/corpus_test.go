package main

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The corpora are real manifests from public projects, next to the repository
// (../shared/corpus and ../shared/corpus2); their SOURCES.md say where each file came
// from, how upstream applies it and what it expects to exist outside it. Tests that
// need a corpus skip when it is absent.
//
// Each corpus has a ledger under testdata/corpus: every finding kubenet reports on it,
// triaged. The format is documented in the ledgers' headers and parsed by readLedger.
var corpora = []struct{ dir, ledger string }{
	{"../shared/corpus", "testdata/corpus/corpus.ledger"},
	{"../shared/corpus2", "testdata/corpus/corpus2.ledger"},
}

// Verdicts of a ledger line: the triage of one finding.
const (
	verdictTrue      = "true"      // the finding is right, at that severity
	verdictFalse     = "false"     // a false alarm
	verdictDebatable = "debatable" // right on the letter of the input, wrong in spirit, or unknowable
	verdictUntriaged = "untriaged" // written by -update for a new finding; refused otherwise
)

// ledgerUnit is one way the corpus is applied: one cluster linted with a namespace.
// A "set" lints its paths together; an "each" lints every manifest file under its
// paths on its own, together with the files after "with" (findings in those are the
// business of their own set and are not listed).
type ledgerUnit struct {
	each      bool
	paths     []string
	with      []string
	namespace string
	line      int
	want      []ledgerEntry
}

type ledgerEntry struct {
	finding string // "rule severity file:line"
	verdict string
	why     string
	line    int
}

func (e ledgerEntry) severity() string { return strings.Fields(e.finding)[1] }

// readLedger parses a ledger (path relative to the repository root).
func readLedger(t *testing.T, path string) []*ledgerUnit {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, path))
	require.NoError(t, err)
	var units []*ledgerUnit
	for i, line := range strings.Split(string(b), "\n") {
		at := fmt.Sprintf("%s:%d", path, i+1)
		why := ""
		if j := strings.Index(line, "#"); j >= 0 {
			line, why = line[:j], strings.TrimSpace(line[j+1:])
		}
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
		case fields[0] == "set" || fields[0] == "each":
			require.GreaterOrEqual(t, len(fields), 4, "%s: want `%s PATH... [with PATH...] namespace NS`", at, fields[0])
			require.Equal(t, "namespace", fields[len(fields)-2], at)
			u := &ledgerUnit{each: fields[0] == "each", namespace: fields[len(fields)-1], line: i + 1}
			paths := fields[1 : len(fields)-2]
			if k := slices.Index(paths, "with"); k >= 0 {
				require.True(t, u.each, "%s: only `each` takes `with`", at)
				u.with = paths[k+1:]
				paths = paths[:k]
			}
			require.NotEmpty(t, paths, at)
			u.paths = paths
			units = append(units, u)
		default:
			require.Len(t, fields, 4, "%s: want `rule severity file:line verdict  # why`", at)
			verdicts := []string{verdictTrue, verdictFalse, verdictDebatable}
			if *update {
				verdicts = append(verdicts, verdictUntriaged) // kept for a person to triage
			}
			require.Contains(t, verdicts, fields[3], "%s: verdict", at)
			require.NotEmpty(t, why, "%s: every triaged finding says why", at)
			require.NotEmpty(t, units, "%s: finding before any set", at)
			u := units[len(units)-1]
			u.want = append(u.want, ledgerEntry{finding: strings.Join(fields[:3], " "), verdict: fields[3], why: why, line: i + 1})
		}
	}
	return units
}

// lintCorpus lints paths (relative to the corpus) as one cluster and returns its
// findings as "rule severity file:line", sorted, with file relative to the corpus.
func lintCorpus(t *testing.T, corpus, namespace string, paths ...string) []string {
	t.Helper()
	args := []string{"lint", "--format", "json", "--fail-on", "none", "-n", namespace}
	for _, p := range paths {
		args = append(args, filepath.Join(corpus, p))
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
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Severity, strings.TrimPrefix(f.File, corpus+"/"), f.Line))
	}
	sort.Strings(got)
	return got
}

// manifestFiles lists the manifest files under dir (relative to the corpus), sorted,
// as a folder walk would read them.
func manifestFiles(t *testing.T, corpus, dir string) []string {
	t.Helper()
	root := filepath.Join(repoRoot, corpus)
	var out []string
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		switch filepath.Ext(p) {
		case ".yaml", ".yml", ".json":
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	require.NoError(t, err)
	return out
}

// lintUnit returns what kubenet reports for one ledger unit.
func lintUnit(t *testing.T, corpus string, u *ledgerUnit) []string {
	t.Helper()
	if !u.each {
		return lintCorpus(t, corpus, u.namespace, u.paths...)
	}
	got := []string{}
	for _, dir := range u.paths {
		for _, f := range manifestFiles(t, corpus, dir) {
			if slices.Contains(u.with, f) {
				continue
			}
			for _, g := range lintCorpus(t, corpus, u.namespace, append([]string{f}, u.with...)...) {
				if file := strings.Fields(g)[2]; slices.ContainsFunc(u.with, func(w string) bool { return strings.HasPrefix(file, w+":") }) {
					continue
				}
				got = append(got, g)
			}
		}
	}
	sort.Strings(got)
	return got
}

func TestCorpus(t *testing.T) {
	for _, c := range corpora {
		t.Run(filepath.Base(c.dir), func(t *testing.T) {
			if _, err := os.Stat(filepath.Join(repoRoot, c.dir, "SOURCES.md")); err != nil {
				t.Skipf("%s is not present next to the repository", c.dir)
			}
			units := readLedger(t, c.ledger)
			got := make([][]string, len(units))
			for i, u := range units {
				name := strings.Join(u.paths, "+")
				if u.each {
					name = "each:" + name
				}
				t.Run(name, func(t *testing.T) {
					want := []string{}
					for _, e := range u.want {
						want = append(want, e.finding)
					}
					sort.Strings(want)
					got[i] = lintUnit(t, c.dir, u)
					if !*update {
						assert.Equal(t, want, got[i], "%s:%d: the findings differ from the ledger; run `go test ./cmd/kubenet -run TestCorpus -update` and triage each new line", c.ledger, u.line)
					}
				})
			}
			if *update {
				writeLedger(t, c.ledger, units, got)
			}
		})
	}
}

// writeLedger rewrites a ledger with the findings of each unit: lines still reported
// keep their verdict and reason; new ones are marked untriaged, which readLedger
// refuses until a person triages them.
func writeLedger(t *testing.T, path string, units []*ledgerUnit, got [][]string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, path))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	entry := map[int]bool{}
	for _, u := range units {
		for _, e := range u.want {
			entry[e.line] = true
		}
	}
	var out []string
	ui := 0
	for i, l := range lines {
		if entry[i+1] {
			continue
		}
		out = append(out, l)
		if ui < len(units) && units[ui].line == i+1 {
			old := map[string]ledgerEntry{}
			for _, e := range units[ui].want {
				old[e.finding] = e
			}
			for _, g := range got[ui] {
				if e, ok := old[g]; ok {
					out = append(out, fmt.Sprintf("%s %s  # %s", g, e.verdict, e.why))
				} else {
					out = append(out, g+" "+verdictUntriaged+"  # TODO")
				}
			}
			ui++
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(repoRoot, path), []byte(strings.Join(out, "\n")+"\n"), 0o644))
}

// TestCorpusNetpolAnalyzerClean: every netpol-analyzer scenario of the first corpus
// that its ledger does not list must lint clean.
func TestCorpusNetpolAnalyzerClean(t *testing.T) {
	const corpus = "../shared/corpus"
	if _, err := os.Stat(filepath.Join(repoRoot, corpus, "SOURCES.md")); err != nil {
		t.Skipf("%s is not present next to the repository", corpus)
	}
	listed := map[string]bool{}
	for _, u := range readLedger(t, "testdata/corpus/corpus.ledger") {
		if len(u.paths) == 1 {
			listed[u.paths[0]] = true
		}
	}
	dirs, err := os.ReadDir(filepath.Join(repoRoot, corpus, "netpol-analyzer"))
	require.NoError(t, err)
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		name := "netpol-analyzer/" + d.Name()
		if listed[name] {
			continue
		}
		t.Run(name, func(t *testing.T) {
			assert.Empty(t, lintCorpus(t, corpus, "default", name))
		})
	}
	assert.Equal(t, 26, n, "the corpus has 26 netpol-analyzer scenarios")
}

// TestCorpusPrecision holds the ledgers to the precision targets: of the errors and
// warnings kubenet reports on the corpora, at least 90% are right, and at least 97%
// of the errors. It reads only the ledgers (TestCorpus ties them to the output), so it
// runs without the corpora too.
func TestCorpusPrecision(t *testing.T) {
	type tally struct{ right, all int }
	var errs, errsWarns tally
	for _, c := range corpora {
		for _, u := range readLedger(t, c.ledger) {
			for _, e := range u.want {
				sev := e.severity()
				if sev != "error" && sev != "warning" {
					continue
				}
				ok := 0
				if e.verdict == verdictTrue {
					ok = 1
				}
				errsWarns.right += ok
				errsWarns.all++
				if sev == "error" {
					errs.right += ok
					errs.all++
				}
			}
		}
	}
	require.Positive(t, errsWarns.all, "the ledgers list no error or warning")
	t.Logf("errors and warnings: %d of %d right; errors: %d of %d right", errsWarns.right, errsWarns.all, errs.right, errs.all)
	assert.GreaterOrEqual(t, float64(errsWarns.right), 0.90*float64(errsWarns.all), "precision of errors and warnings below 90%%")
	assert.GreaterOrEqual(t, float64(errs.right), 0.97*float64(errs.all), "precision of errors below 97%%")
}

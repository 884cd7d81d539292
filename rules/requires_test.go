package rules

import (
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
)

// factsRead are the keys of input.facts a rule reads, from its input paths (each
// prefix of a path read is among them: input.facts alone is no read of every fact):
// every key when it reads input.facts by a key it computes.
func factsRead(reads []inputRead) []string {
	keys := map[string]bool{}
	for _, r := range reads {
		segs := strings.Split(r.path, pathSep)
		if segs[0] != "facts" || len(segs) == 1 {
			continue
		}
		if segs[1] == anyKey {
			return analyzer.FactKeys
		}
		keys[segs[1]] = true
	}
	out := make([]string, 0, len(keys))
	for k := range keys {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestBuiltinRulesRequireWhatTheyRead: a built-in rule's METADATA custom.requires lists
// exactly the facts it reads, so that a run of some rules computes the facts they read
// and no more.
func TestBuiltinRulesRequireWhatTheyRead(t *testing.T) {
	reads := inputReads(builtinCompiler(t, nil))
	e, err := NewEngine()
	require.NoError(t, err)
	for _, r := range e.Rules() {
		if r.Engine != "rego" {
			continue
		}
		want := factsRead(reads[r.ID])
		assert.ElementsMatch(t, want, r.Requires, "%s: custom.requires in %s must list the facts it reads: [%s]", r.ID, r.Source, strings.Join(want, ", "))
	}
}

package rules

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viaJSON reads a finding value the general way.
func viaJSON(t testing.TB, v ast.Value) (regoFinding, error) {
	j, err := ast.JSON(v)
	require.NoError(t, err)
	return bindingFinding(j)
}

// TestTermFinding: the direct reading of a finding agrees with the reading through
// JSON wherever it applies, and leaves every other shape to it.
func TestTermFinding(t *testing.T) {
	for _, c := range []struct {
		term   string
		direct bool
	}{
		{`{"object": "a/Service/s", "pos": ["a.yaml", 3, 5], "message": "m", "hint": "h", "related": [{"object": "a/Deployment/d", "message": "r"}]}`, true},
		{`{"object": "a/Service/s", "pos": {"file": "a.yaml", "line": 3, "column": 5}, "message": "m"}`, true},
		{`{"message": "m", "severity": "error", "merge": "all", "related": []}`, true},
		{`{"message": "m", "related": [{"object": "x", "pos": ["b.yaml", 1, 1], "message": "r"}]}`, true},
		{`{"message": "m", "pos": {"file": "a.yaml"}}`, true},
		{`{"message": "m", "extra": 1}`, false},                // ignored by encoding/json
		{`{"Message": "m"}`, false},                            // matched case-insensitively by encoding/json
		{`{"message": null}`, false},                           // null leaves the field empty
		{`{"message": "m", "pos": null}`, false},               // null position
		{`{"message": "m", "pos": ["a.yaml", 1.5, 1]}`, false}, // an error either way
		{`{"message": "m", "pos": ["a.yaml", 1]}`, false},      // an error either way
		{`{"message": "m", "pos": ["a.yaml", "1", 1]}`, false},
		{`{"message": "m", "pos": ["a.yaml", 1e3, 1]}`, false},
		{`{"message": "m", "pos": ["a.yaml", -0, 1]}`, false},
		{`{"message": "m", "related": {{"object": "x", "message": "r"}}}`, false}, // a set
		{`{"message": "m", "related": ["x"]}`, false},
		{`{"message": "m", "related": [{"object": "x", "note": "r"}]}`, false},
		{`{"message": 1}`, false},
		{`["message"]`, false},
		{`"message"`, false},
	} {
		t.Run(c.term, func(t *testing.T) {
			v := ast.MustParseTerm(c.term).Value
			f, ok := termFinding(v)
			assert.Equal(t, c.direct, ok)
			want, err := viaJSON(t, v)
			if ok {
				require.NoError(t, err)
				assert.Equal(t, want, f)
			}
			g, err2 := generateFinding(ast.NewTerm(v), nil)
			require.NoError(t, err2)
			got, err3 := bindingFinding(g)
			assert.Equal(t, err != nil, err3 != nil, "the same verdict either way")
			assert.Equal(t, want, got)
		})
	}
	bad := ast.StringTerm("\xff")
	_, ok := termFinding(ast.NewObject([2]*ast.Term{ast.StringTerm("message"), bad}))
	assert.False(t, ok, "invalid UTF-8, which JSON replaces")
}

// FuzzTermFinding: on any Rego value, the direct reading agrees with the reading
// through JSON whenever it applies.
func FuzzTermFinding(f *testing.F) {
	f.Add(`{"object": "a/Service/s", "pos": ["a.yaml", 3, 5], "message": "m", "related": [{"object": "b", "pos": {"file": "f", "line": 1, "column": 2}, "message": "r"}]}`)
	f.Add(`{"message": "m", "pos": ["a.yaml", 007, 1]}`)
	f.Add(`{"message": "\u00ff", "hint": "h", "merge": "any", "severity": "warning"}`)
	f.Fuzz(func(t *testing.T, s string) {
		term, err := ast.ParseTerm(s)
		if err != nil || !term.IsGround() {
			return
		}
		if _, err := ast.JSON(term.Value); err != nil {
			return
		}
		got, ok := termFinding(term.Value)
		if !ok {
			return
		}
		want, err := viaJSON(t, term.Value)
		require.NoError(t, err, "read directly as %+v", got)
		assert.Equal(t, want, got)
	})
}

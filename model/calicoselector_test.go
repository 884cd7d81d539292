package model

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCalicoSelector: the expressions of Calico's selector documentation, against
// labels {app: web, tier: frontend, env: prod}.
func TestCalicoSelector(t *testing.T) {
	labels := map[string]string{"app": "web", "tier": "frontend", "env": "prod", "projectcalico.org/name": "shop"}
	cases := []struct {
		expr string
		want bool
	}{
		{"", true},
		{"all()", true},
		{"app == 'web'", true},
		{`app == "web"`, true},
		{"app != 'web'", false},
		{"missing != 'x'", true},
		{"app in {'web', 'api'}", true},
		{"app in {'api',}", false},
		{"app not in {'api'}", true},
		{"missing not in {'api'}", true},
		{"missing in {'api'}", false},
		{"has(app)", true},
		{"!has(app)", false},
		{"has(missing)", false},
		{"tier contains 'front'", true},
		{"tier starts with 'front'", true},
		{"tier ends with 'end'", true},
		{"missing contains ''", false},
		{"app == 'web' && env == 'prod'", true},
		{"app == 'api' || env == 'prod'", true},
		{"app == 'api' || env == 'dev' && has(app)", false},
		{"(app == 'api' || env == 'prod') && !has(missing)", true},
		{"!!has(app)", true},
		{"!(app == 'web')", false},
		{"projectcalico.org/name == 'shop'", true},
		{"  app=='web'  ", true},
	}
	for _, tc := range cases {
		s, err := ParseCalicoSelector(tc.expr)
		require.NoError(t, err, tc.expr)
		assert.Equal(t, tc.want, s.Matches(labels), tc.expr)
	}
	s, err := ParseCalicoSelector("global()")
	require.NoError(t, err)
	assert.True(t, s.Global)
	s, err = ParseCalicoSelector("all()")
	require.NoError(t, err)
	assert.True(t, s.All)
	assert.Equal(t, []string{"app", "env"}, func() []string { s, _ := ParseCalicoSelector("app == 'x' || has(env)"); return s.Keys() }())

	for _, bad := range []string{"app ==", "app = 'web'", "app == web", "(app == 'a'", "app in {'a'", "has(app", "&& app == 'a'", "app == 'a' extra", "app == 'unterminated"} {
		_, err := ParseCalicoSelector(bad)
		require.Error(t, err, bad)
	}
	_, err = ParseCalicoSelector(strings.Repeat("(", 200) + "has(a)" + strings.Repeat(")", 200))
	assert.ErrorContains(t, err, "nested too deep")
}

// FuzzCalicoSelector: any text parses or fails, and a parsed selector evaluates,
// without panicking or nesting without bound.
func FuzzCalicoSelector(f *testing.F) {
	for _, s := range []string{"app == 'web' && !has(x)", "a in {'b', 'c'} || (d not in {} && e contains \"f\")", "all()", "global()", "!(!(a == 'b'))"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		s, err := ParseCalicoSelector(expr)
		if err != nil {
			return
		}
		s.Matches(map[string]string{"a": "b", "app": "web"})
		s.Keys()
	})
}

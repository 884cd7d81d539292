package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// TestSelectorMatchesAgreesWithAPIMachinery checks Selector.Matches against
// metav1.LabelSelectorAsSelector over every operator and a spread of label sets, and
// also pins the expected answer so a change in either side is noticed.
func TestSelectorMatchesAgreesWithAPIMachinery(t *testing.T) {
	sets := map[string]map[string]string{
		"none":       nil,
		"empty":      {},
		"web":        {"app": "web"},
		"web-front":  {"app": "web", "tier": "front"},
		"db":         {"app": "db"},
		"tier-only":  {"tier": "front"},
		"app-empty":  {"app": ""},
		"canary":     {"app": "web", "track": "canary"},
		"other-keys": {"x": "y", "z": ""},
	}
	cases := []struct {
		name string
		sel  Selector
		// want lists the label sets the selector matches.
		want []string
	}{
		{"empty selects all", Selector{}, []string{"none", "empty", "web", "web-front", "db", "tier-only", "app-empty", "canary", "other-keys"}},
		{"matchLabels", Selector{MatchLabels: map[string]string{"app": "web"}}, []string{"web", "web-front", "canary"}},
		{"matchLabels two", Selector{MatchLabels: map[string]string{"app": "web", "tier": "front"}}, []string{"web-front"}},
		{"matchLabels empty value", Selector{MatchLabels: map[string]string{"app": ""}}, []string{"app-empty"}},
		{"In", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "In", Values: []string{"web", "db"}}}}, []string{"web", "web-front", "db", "canary"}},
		{"In empty string", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "In", Values: []string{""}}}}, []string{"app-empty"}},
		{"NotIn", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "NotIn", Values: []string{"web"}}}}, []string{"none", "empty", "db", "tier-only", "app-empty", "other-keys"}},
		{"Exists", Selector{MatchExpressions: []Requirement{{Key: "tier", Operator: "Exists"}}}, []string{"web-front", "tier-only"}},
		{"Exists empty value", Selector{MatchExpressions: []Requirement{{Key: "z", Operator: "Exists"}}}, []string{"other-keys"}},
		{"DoesNotExist", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "DoesNotExist"}}}, []string{"none", "empty", "tier-only", "other-keys"}},
		{"labels and expressions are ANDed", Selector{
			MatchLabels:      map[string]string{"app": "web"},
			MatchExpressions: []Requirement{{Key: "track", Operator: "NotIn", Values: []string{"canary"}}},
		}, []string{"web", "web-front"}},
		{"two expressions", Selector{MatchExpressions: []Requirement{
			{Key: "app", Operator: "Exists"},
			{Key: "tier", Operator: "DoesNotExist"},
		}}, []string{"web", "db", "app-empty", "canary"}},
		{"invalid operator matches nothing", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "Equals", Values: []string{"web"}}}}, nil},
		{"In without values matches nothing", Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "In"}}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ls := &metav1.LabelSelector{MatchLabels: tc.sel.MatchLabels}
			for _, r := range tc.sel.MatchExpressions {
				ls.MatchExpressions = append(ls.MatchExpressions, metav1.LabelSelectorRequirement{Key: r.Key, Operator: metav1.LabelSelectorOperator(r.Operator), Values: r.Values})
			}
			ref, err := metav1.LabelSelectorAsSelector(ls)
			if err != nil {
				ref = labels.Nothing()
			}
			want := map[string]bool{}
			for _, n := range tc.want {
				want[n] = true
			}
			sel := tc.sel // Matches compiles lazily; each case starts uncompiled
			for name, set := range sets {
				got := sel.Matches(set)
				assert.Equal(t, ref.Matches(labels.Set(set)), got, "%s vs apimachinery on %s", tc.name, name)
				assert.Equal(t, want[name], got, "%s on %s", tc.name, name)
			}
			assert.Equal(t, len(tc.sel.MatchLabels)+len(tc.sel.MatchExpressions) == 0, sel.Empty)
		})
	}
}

func TestSelectorHelpers(t *testing.T) {
	var nilSel *Selector
	assert.False(t, nilSel.Matches(map[string]string{"a": "b"}))
	assert.Equal(t, "<none>", nilSel.String())

	s := &Selector{MatchLabels: map[string]string{"b": "2", "a": "1"}}
	require.NoError(t, s.compile())
	assert.Equal(t, "a=1,b=2", s.String())
	assert.True(t, s.Matches(map[string]string{"a": "1", "b": "2", "c": "3"}))
	assert.False(t, s.Matches(map[string]string{"a": "1"}))
	empty := &Selector{}
	require.NoError(t, empty.compile())
	assert.True(t, empty.Empty)

	e := &Selector{MatchExpressions: []Requirement{{Key: "app", Operator: "NotIn", Values: []string{"a", "b"}}}}
	assert.Equal(t, "app notin (a,b)", e.String())

	assert.Equal(t, "a=1,b=2", FormatLabels(map[string]string{"b": "2", "a": "1"}))
	assert.Empty(t, FormatLabels(nil))
	assert.True(t, SubsetOf(nil, nil))
	assert.True(t, SubsetOf(map[string]string{"a": "1"}, map[string]string{"a": "1", "b": "2"}))
	assert.False(t, SubsetOf(map[string]string{"a": "1"}, map[string]string{"a": "2"}))
	assert.False(t, SubsetOf(map[string]string{"a": ""}, map[string]string{}))

	// matchLabels alone match as a subset, and print as the compiled form would.
	for _, m := range []map[string]string{{"a": "1", "b": "2"}, {"app.kubernetes.io/name": "x", "tier": ""}, {"k8s-app": "kube-dns"}} {
		plain := &Selector{MatchLabels: m}
		require.NoError(t, plain.compile())
		assert.True(t, plain.plain)
		assert.Nil(t, plain.compiled)
		want, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchLabels: m})
		require.NoError(t, err)
		assert.Equal(t, want.String(), plain.String())
		assert.True(t, plain.Matches(m))
		assert.Equal(t, want.Matches(labels.Set{"a": "1"}), plain.Matches(map[string]string{"a": "1"}))
	}

	// A selector survives a JSON round trip (the compiled form is rebuilt lazily).
	g := load(t, "p.yaml", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector:\n    matchExpressions: [{key: app, operator: In, values: [web]}]\n")
	require.Len(t, g.Policies, 1)
	cp := g.Policies[0].PodSelector
	cp.compiled = nil
	assert.True(t, cp.Matches(map[string]string{"app": "web"}))
	assert.False(t, cp.Matches(map[string]string{"app": "db"}))
}

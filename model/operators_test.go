package model

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// catalogueRow renders an entry as docs/operators.md lists it.
func catalogueRow(k OperatorKind) string {
	var labels []string
	for key, v := range k.PodLabels {
		labels = append(labels, fmt.Sprintf("`%s: %s`", key, v))
	}
	sort.Strings(labels)
	var svcs []string
	for _, s := range k.Services {
		var extra []string
		if s.Headless {
			extra = append(extra, "headless")
		}
		if len(s.Ports) == 0 {
			extra = append(extra, "ports unknown")
		} else {
			var ps []string
			for _, p := range s.Ports {
				ps = append(ps, fmt.Sprint(p))
			}
			extra = append(extra, strings.Join(ps, ", "))
		}
		svcs = append(svcs, fmt.Sprintf("`%s` (%s)", s.Name, strings.Join(extra, "; ")))
	}
	return fmt.Sprintf("| %s | `%s` `%s` | %s | %s |", k.Operator, k.Group, k.Kind, strings.Join(labels, "<br>"), strings.Join(svcs, "<br>"))
}

// TestOperatorCatalogueDocumented: docs/operators.md lists the catalogue as it is.
func TestOperatorCatalogueDocumented(t *testing.T) {
	b, err := os.ReadFile("../docs/operators.md")
	require.NoError(t, err)
	var rows []string
	for _, k := range DefaultOperators {
		rows = append(rows, catalogueRow(k))
	}
	table := strings.Join(rows, "\n")
	assert.Contains(t, string(b), table, "docs/operators.md is stale; its table should read:\n%s", table)
}

// TestOperatorCatalogueWellFormed: every entry names its operator, has pod labels with
// the resource's name in at least one, and Services named after the resource or fixed.
func TestOperatorCatalogueWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range DefaultOperators {
		key := k.Group + "/" + k.Kind
		assert.False(t, seen[key], "%s twice", key)
		seen[key] = true
		assert.NotEmpty(t, k.Operator, key)
		assert.NotEmpty(t, k.PodLabels, key)
		named := false
		for _, v := range k.PodLabels {
			named = named || strings.Contains(v, "{name}")
		}
		assert.True(t, named, "%s: no pod label carries the resource's name, so two resources would share pods", key)
		for _, s := range k.Services {
			assert.Regexp(t, `^[a-z{][a-z0-9{}-]*$`, s.Name, key)
			for _, p := range s.Ports {
				assert.True(t, p > 0 && p < 65536, "%s: port %d", key, p)
			}
		}
	}
}

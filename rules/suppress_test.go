package rules_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

// TestSuppressionsSilence: the findings the suppression cases silence are gone, and only
// the stale suppressions are reported.
func TestSuppressionsSilence(t *testing.T) {
	e := newEngine(t)
	for _, dir := range []string{"../testdata/rules/suppression-unused/annotation", "../testdata/rules/suppression-unused/comment"} {
		g, err := model.Load(model.Options{}, dir)
		require.NoError(t, err)
		fs, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
		require.NoError(t, err)
		for _, f := range fs {
			assert.NotContains(t, []string{"service-selector-orphaned", "service-port-mismatch"}, f.Rule, "%s:%d %s", f.File, f.Line, f.Message)
		}
		// Without the suppressions, the same manifests do trigger those rules.
		for _, o := range g.Objects {
			delete(o.Annotations, rules.IgnoreAnnotation)
		}
		for name := range g.Sources {
			g.Sources[name] = nil
		}
		fs, err = e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
		require.NoError(t, err)
		var ruled []string
		for _, f := range fs {
			ruled = append(ruled, f.Rule)
		}
		assert.Contains(t, ruled, map[bool]string{true: "service-selector-orphaned", false: "service-port-mismatch"}[dir[len(dir)-10:] == "annotation"], dir)
	}
}

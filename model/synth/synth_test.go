package synth_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/model/synth"
	"github.com/kubenet/kubenet/rules"
)

func lint(t testing.TB, files []synth.File) []rules.Finding {
	t.Helper()
	var in []model.NamedData
	for _, f := range files {
		in = append(in, model.NamedData{Name: f.Name, Data: f.Data})
	}
	g := model.LoadBytes(model.Options{}, in...)
	e, err := rules.NewEngine()
	require.NoError(t, err)
	fs, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
	require.NoError(t, err)
	return fs
}

// TestGroundTruth: on a generated cluster, kubenet reports exactly the injected defects
// as errors and warnings (and, as information, only the monitoring peers that live
// outside the input).
func TestGroundTruth(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			files, truth, st := synth.Generate(synth.Options{Namespaces: 12, Apps: 20, Seed: seed, Defects: true})
			require.Len(t, truth, 11, "one defect per family, plus the service-unreachable that the blocked reference implies")
			assert.Positive(t, st.Objects)
			var want, got []string
			for _, tr := range truth {
				want = append(want, tr.String())
			}
			for _, f := range lint(t, files) {
				if f.Severity == rules.Info {
					assert.Equal(t, "networkpolicy-peer-orphaned", f.Rule, f.Message)
					continue
				}
				got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Severity, f.File, f.Line))
			}
			sort.Strings(want)
			sort.Strings(got)
			assert.Equal(t, want, got)
		})
	}
}

func TestDeterministic(t *testing.T) {
	a, ta, _ := synth.Generate(synth.Options{Namespaces: 3, Apps: 12, Seed: 7, Defects: true})
	b, tb, _ := synth.Generate(synth.Options{Namespaces: 3, Apps: 12, Seed: 7, Defects: true})
	assert.Equal(t, a, b)
	assert.Equal(t, ta, tb)
}

// TestStats: the counts the generator reports are those of the graph kubenet loads.
func TestStats(t *testing.T) {
	for _, defects := range []bool{false, true} {
		files, _, st := synth.Generate(synth.Options{Namespaces: 12, Apps: 20, Seed: 1, Defects: defects})
		var in []model.NamedData
		bytes := 0
		for _, f := range files {
			in = append(in, model.NamedData{Name: f.Name, Data: f.Data})
			bytes += len(f.Data)
		}
		g := model.LoadBytes(model.Options{}, in...)
		assert.Equal(t, len(g.Objects), st.Objects, "objects")
		assert.Equal(t, len(g.Workloads), st.Workloads, "workloads")
		assert.Equal(t, len(g.Services), st.Services, "services")
		assert.Equal(t, len(g.Policies), st.Policies, "policies")
		assert.Equal(t, len(g.Ingresses), st.Ingresses, "ingresses")
		assert.Equal(t, len(g.ConfigMaps), st.ConfigMaps, "configmaps")
		assert.Equal(t, bytes, st.Bytes, "bytes")
	}
}

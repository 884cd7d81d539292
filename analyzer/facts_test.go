package analyzer_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// TestComputeOnly: facts are computed on demand, each group with what it is computed
// from, and the same as when everything is computed.
func TestComputeOnly(t *testing.T) {
	g, err := model.Load(model.Options{DefaultNamespace: "default"}, "../examples/shop")
	require.NoError(t, err)
	all := analyzer.New(g, analyzer.DefaultConfig()).Compute()

	f := analyzer.New(g, analyzer.DefaultConfig()).ComputeOnly("services")
	assert.NotEmpty(t, f.Services)
	assert.Nil(t, f.NetFacts, "no network facts were asked for")
	assert.Nil(t, f.DNSRefs)
	assert.Nil(t, f.Backends)

	f = analyzer.New(g, analyzer.DefaultConfig()).ComputeOnly("dns", "workloads")
	assert.NotNil(t, f.DNSRefs)
	assert.NotEmpty(t, f.Services, "the DNS references are computed from the Service facts")
	require.NotNil(t, f.NetFacts)
	assert.NotEmpty(t, f.Workloads, "the network facts come as a group")
	assert.Nil(t, f.Backends)

	f = analyzer.New(g, analyzer.DefaultConfig()).ComputeOnly(analyzer.FactKeys...)
	want, err := json.Marshal(all)
	require.NoError(t, err)
	got, err := json.Marshal(f)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got), "every key is everything")

	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(want, &keys))
	for _, k := range analyzer.FactKeys {
		assert.Contains(t, keys, k, "FactKeys are the keys of input.facts")
	}
	assert.Len(t, keys, len(analyzer.FactKeys), "and all of them")
}

package rules_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

func TestMergeVariants(t *testing.T) {
	base := rules.Finding{Rule: "ingress-port-mismatch", Message: "backend port 8080 is not a port of Service/web", File: "base/web.yaml", Line: 15, Column: 19}
	dev := base
	dev.Message += " (dev)"
	early := rules.Finding{Rule: "service-port-mismatch", Message: "m", File: "base/a.yaml", Line: 3, Column: 1}
	unknown := rules.Finding{Rule: "connectivity-expectation", File: "expect.yaml", Line: 2, Column: 5, Merge: rules.MergeAll,
		Message: "expectation shop/Deployment/a -> shop/Service/b on 80 cannot be checked: no workload \"shop/Deployment/a\" in the input"}
	denied := rules.Finding{Rule: "connectivity-expectation", File: "expect.yaml", Line: 2, Column: 5,
		Message: "expected shop/Deployment/a -> shop/Service/b on 80 to be allowed, but it is denied"}
	unknownAny := unknown
	unknownAny.Merge = rules.MergeAny
	devHint := dev
	devHint.Hint = "another hint"

	for _, c := range []struct {
		name    string
		perUnit [][]rules.Finding
		want    []rules.Finding
	}{
		{"no variant", nil, nil},
		{"one variant: as it is, not sorted", [][]rules.Finding{{unknown, base}}, []rules.Finding{unknown, base}},
		{"a shared base's finding once", [][]rules.Finding{{base}, {base}}, []rules.Finding{base}},
		{"any: one variant is enough", [][]rules.Finding{{base, dev}, {base}}, []rules.Finding{base, dev}},
		{"all: judged in another variant", [][]rules.Finding{{base, unknown}, {base, dev}}, []rules.Finding{base, dev}},
		{"all: every variant reports it", [][]rules.Finding{{unknown}, {unknown}}, []rules.Finding{unknown}},
		{"all: every variant of three", [][]rules.Finding{{unknown}, {unknown}, {unknown}}, []rules.Finding{unknown}},
		{"all: two of three", [][]rules.Finding{{unknown}, {}, {unknown}}, []rules.Finding{}},
		{"all: twice in one variant is still one", [][]rules.Finding{{unknown, unknown}, {denied}}, []rules.Finding{denied}},
		{"all beside a contradiction elsewhere", [][]rules.Finding{{unknown}, {denied}}, []rules.Finding{denied}},
		{"any in one variant wins", [][]rules.Finding{{unknown}, {unknownAny}, {}}, []rules.Finding{unknown}},
		{"the first variant's finding is kept", [][]rules.Finding{{dev}, {devHint}}, []rules.Finding{dev}},
		{"sorted by file, line, column", [][]rules.Finding{{unknown, base}, {early, unknown}}, []rules.Finding{early, base, unknown}},
	} {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, rules.MergeVariants(c.perUnit, nil))
		})
	}
}

// TestMergeVariantsNamed: a finding that holds in some variants names them; one that
// holds in every variant names none.
func TestMergeVariantsNamed(t *testing.T) {
	shared := rules.Finding{Rule: "service-port-mismatch", Message: "m", File: "chart/templates/svc.yaml", Line: 3, Column: 1}
	prodOnly := rules.Finding{Rule: "ingress-backend-missing", Message: "p", File: "chart/values-prod.yaml", Line: 7, Column: 3}
	names := []string{"chart with values-dev.yaml", "chart with values-prod.yaml", "chart with values-staging.yaml"}
	got := rules.MergeVariants([][]rules.Finding{{shared}, {shared, prodOnly}, {shared, prodOnly}}, names)
	require.Len(t, got, 2)
	assert.Empty(t, got[0].Variants, "in every variant")
	assert.Equal(t, []string{"chart with values-prod.yaml", "chart with values-staging.yaml"}, got[1].Variants)
}

// TestMergeVariantsExpectations: an expectation that names a workload or a Service only
// one variant has is judged there, and is reported as unknown only when no variant has
// it; one that names a port a variant's workload lacks is reported from that variant.
func TestMergeVariantsExpectations(t *testing.T) {
	e := newEngine(t)
	const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: %s, namespace: shop}\nspec:\n" +
		"  selector: {matchLabels: {app: %[1]s}}\n  template:\n    metadata: {labels: {app: %[1]s}}\n" +
		"    spec: {containers: [{name: c, image: i, ports: [{name: %s, containerPort: 8080}]}]}\n---\n"
	// variant lints yaml with one expectation: canary reaches to on port http.
	variant := func(t *testing.T, yaml, to string) []rules.Finding {
		t.Helper()
		exps, err := model.ParseExpectations("expect.yaml", []byte(`expectations:
  - {from: shop/Deployment/canary, to: `+to+`, port: http, allowed: true}
`), "expectations")
		require.NoError(t, err)
		cluster := analyzer.DefaultConfig()
		cluster.Expectations = exps
		g := model.LoadBytes(model.Options{}, model.NamedData{Name: "app.yaml", Data: []byte(yaml)})
		fs, err := e.Run(context.Background(), g, rules.Options{Cluster: cluster, Enabled: map[string]bool{"connectivity-expectation": true}})
		require.NoError(t, err)
		return fs
	}
	const web = "shop/Deployment/web"
	dev := variant(t, fmt.Sprintf(deployment, "canary", "http")+fmt.Sprintf(deployment, "web", "http"), web)
	prod := variant(t, fmt.Sprintf(deployment, "web", "http"), web)
	renamed := variant(t, fmt.Sprintf(deployment, "canary", "http")+fmt.Sprintf(deployment, "web", "web"), web)
	assert.Empty(t, dev, "met")
	require.Len(t, prod, 1)
	assert.Contains(t, prod[0].Message, `cannot be checked: no workload "shop/Deployment/canary"`)
	assert.Equal(t, rules.MergeAll, prod[0].Merge)
	require.Len(t, renamed, 1)
	assert.Contains(t, renamed[0].Message, "is neither a number nor a named port")
	assert.Equal(t, rules.MergeAny, renamed[0].Merge)

	svc := variant(t, fmt.Sprintf(deployment, "canary", "http")+"apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\n"+
		"spec: {selector: {app: canary}, ports: [{name: http, port: 80, targetPort: http}]}\n", "shop/Service/web")
	noSvc := variant(t, fmt.Sprintf(deployment, "canary", "http"), "shop/Service/web")
	assert.Empty(t, svc, "met")
	require.Len(t, noSvc, 1)
	assert.Contains(t, noSvc[0].Message, `cannot be checked: no Service "shop/Service/web"`)
	assert.Equal(t, rules.MergeAll, noSvc[0].Merge, "a Service only some variants have")

	assert.Empty(t, rules.MergeVariants([][]rules.Finding{dev, prod}, nil), "judged in dev")
	assert.Equal(t, prod, rules.MergeVariants([][]rules.Finding{prod, prod}, nil), "in no variant")
	assert.Equal(t, renamed, rules.MergeVariants([][]rules.Finding{dev, renamed}, nil), "the port is wrong in one variant")
}

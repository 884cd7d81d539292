package rules_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

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
			assert.Equal(t, c.want, rules.MergeVariants(c.perUnit))
		})
	}
}

package report

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

// TestJSONStreamed: the JSON report, written a finding at a time, is byte for byte what
// an indenting encoder writes for the whole document, with no findings or several.
func TestJSONStreamed(t *testing.T) {
	two := []rules.Finding{
		{Rule: "a-rule", Severity: rules.Error, Message: "<a> & \"b\"", File: "x.yaml", Line: 3, Column: 5,
			Object: &model.Ref{APIVersion: "v1", Kind: "Service", Namespace: "n", Name: "s"}},
		{Rule: "b-rule", Severity: rules.Info, Message: "two", File: "y.yaml", Line: 1,
			Related: []rules.Related{{File: "x.yaml", Line: 2, Message: "related"}}},
	}
	for name, fs := range map[string][]rules.Finding{"none": nil, "two": two} {
		t.Run(name, func(t *testing.T) {
			r := Report{Findings: fs}
			var got bytes.Buffer
			require.NoError(t, writeJSON(&got, r))

			whole := make([]rules.Finding, len(fs))
			copy(whole, fs)
			for i := range whole {
				if whole[i].Related == nil {
					whole[i].Related = []rules.Related{}
				}
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(struct {
				Findings []rules.Finding `json:"findings"`
				Summary  summary         `json:"summary"`
			}{whole, r.summary()}))
			assert.Equal(t, want.String(), got.String())
			assert.True(t, json.Valid(got.Bytes()))
		})
	}
}

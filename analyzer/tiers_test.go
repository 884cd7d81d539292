package analyzer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// tierCluster has a client and a server in namespace app and a job in namespace batch;
// each case adds policies.
const tierCluster = `apiVersion: v1
kind: Namespace
metadata: {name: app, labels: {env: prod}}
---
apiVersion: v1
kind: Namespace
metadata: {name: batch}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: client, namespace: app}
spec:
  selector: {matchLabels: {app: client}}
  template:
    metadata: {labels: {app: client}}
    spec: {containers: [{name: c, image: c}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: app}
spec:
  selector: {matchLabels: {app: server}}
  template:
    metadata: {labels: {app: server}}
    spec:
      containers:
      - name: s
        image: s
        ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 53, protocol: UDP}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: job, namespace: batch}
spec:
  selector: {matchLabels: {app: job}}
  template:
    metadata: {labels: {app: job}}
    spec: {containers: [{name: j, image: j}]}
`

// TestTierTruthTable: verdicts under ClusterNetworkPolicy v1alpha2, as its API
// documentation defines them, for what netpol-analyzer's v1alpha1 cases do not cover.
func TestTierTruthTable(t *testing.T) {
	const serverIngress = `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata: {name: %s}
spec:
  tier: %s
  priority: %d
  subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: server}}}}
  ingress:
%s`
	cnp := func(name, tier string, prio int, rules string) string {
		return "---\n" + fmt.Sprintf(serverIngress, name, tier, prio, rules)
	}
	allowSameNS := "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: server}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]\n"
	checkVerdicts(t, []verdictCase{
		{"Admin Deny beats a NetworkPolicy Allow",
			allowSameNS + cnp("deny", "Admin", 1, "  - {action: Deny, from: [{namespaces: {}}]}\n"),
			map[string]string{"client server": "", "job server": ""}},
		{"Admin Pass hands over to the NetworkPolicy",
			allowSameNS + cnp("pass", "Admin", 1, "  - {action: Pass, from: [{namespaces: {}}]}\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"Admin Accept beats a NetworkPolicy that isolates",
			allowSameNS + cnp("accept", "Admin", 1, "  - {action: Accept, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: batch}}}]}\n"),
			map[string]string{"client server": "all", "job server": "all"}},
		{"a NetworkPolicy overrides the Baseline",
			allowSameNS + cnp("base", "Baseline", 0, "  - {action: Deny, from: [{namespaces: {}}]}\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"Baseline Deny applies to pods no NetworkPolicy isolates",
			cnp("base", "Baseline", 0, "  - {action: Deny, from: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: batch}}}]}\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"first matching rule decides, port by port",
			cnp("ports", "Admin", 1, "  - {action: Accept, from: [{namespaces: {}}], protocols: [{tcp: {destinationPort: {number: 8080}}}]}\n  - {action: Deny, from: [{namespaces: {}}]}\n"),
			map[string]string{"client server": "TCP 8080", "job server": "TCP 8080"}},
		{"a named port matches its name on any protocol",
			cnp("named", "Admin", 1, "  - {action: Deny, from: [{namespaces: {}}], protocols: [{destinationNamedPort: dns}]}\n"),
			map[string]string{"client server": "TCP 1-65535; UDP 1-52,54-65535; SCTP 1-65535"}},
		{"lower priority first",
			cnp("b-deny", "Admin", 2, "  - {action: Deny, from: [{namespaces: {}}]}\n") + cnp("a-accept", "Admin", 3, "  - {action: Accept, from: [{namespaces: {}}]}\n"),
			map[string]string{"client server": ""}},
		{"networks of length 0 match pods too",
			"---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: egress}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: batch}}}\n  egress:\n  - {action: Deny, to: [{networks: [0.0.0.0/0]}]}\n",
			map[string]string{"job server": "", "client server": "all"}},
		{"other networks match addresses outside the pods only",
			"---\napiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata: {name: egress}\nspec:\n  tier: Admin\n  priority: 1\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: batch}}}\n  egress:\n  - {action: Deny, to: [{networks: [10.0.0.0/8]}]}\n",
			map[string]string{"job server": "all", "job External": ""}},
	})
}

// verdictCase is one row of a truth table: policies added to tierCluster, and the ports
// each "from to" pair must be allowed ("" for none, "all" for every port).
type verdictCase struct {
	name, policies string
	want           map[string]string
}

// checkVerdicts runs a truth table.
func checkVerdicts(t *testing.T, cases []verdictCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := model.LoadBytes(model.Options{}, model.NamedData{Name: "c.yaml", Data: []byte(tierCluster + tc.policies)})
			for _, p := range g.Problems {
				require.NotEqual(t, model.Invalid, p.Kind, "%s: %s", p.Pos, p.Message)
			}
			r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
			for pair, want := range tc.want {
				from, to, _ := strings.Cut(pair, " ")
				got := r.Allowed(nodeNamed(t, r, from), nodeNamed(t, r, to))
				gotS := got.String()
				if got.IsEmpty() {
					gotS = ""
				}
				assert.Equal(t, want, gotS, pair)
			}
		})
	}
}

// TestTierExplain: kubenet reach explains a verdict a tier decided by the rule that
// decided it, and a Pass by the rule that passed it on.
func TestTierExplain(t *testing.T) {
	src := tierCluster + `---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: guard}
spec:
  priority: 10
  subject: {namespaces: {matchLabels: {env: prod}}}
  ingress:
  - {name: same-env, action: Pass, from: [{namespaces: {matchLabels: {env: prod}}}]}
  - {name: others, action: Deny, from: [{namespaces: {}}]}
`
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "c.yaml", Data: []byte(src)})
	r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
	var client, server, job *analyzer.Node
	for _, n := range r.Nodes() {
		switch n.ID {
		case "app/Deployment/client":
			client = n
		case "app/Deployment/server":
			server = n
		case "batch/Deployment/job":
			job = n
		}
	}
	e := r.Explain(job, server, "TCP", 8080)
	assert.False(t, e.Allowed)
	assert.Contains(t, e.String(), `ingress of app/Deployment/server: denied by Admin tier: AdminNetworkPolicy/guard ingress[1] "others" (Deny, c.yaml:`)
	assert.Contains(t, e.Fix, "no NetworkPolicy can override the Admin tier")
	e = r.Explain(client, server, "TCP", 8080)
	assert.True(t, e.Allowed)
	assert.Contains(t, e.String(), `ingress of app/Deployment/server: passed on to NetworkPolicies by Admin tier: AdminNetworkPolicy/guard ingress[0] "same-env" (Pass,`)
	assert.Contains(t, e.String(), "not isolated")
}

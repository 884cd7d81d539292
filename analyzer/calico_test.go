package analyzer_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// calicoNP is a Calico NetworkPolicy in namespace app selecting the server.
func calicoNP(name, body string) string {
	return "---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: " + name + ", namespace: app}\nspec:\n  selector: app == 'server'\n" + body
}

const k8sAllowClient = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: server}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}]}]\n"

// TestCalicoTruthTable: verdicts under Calico's policies and tiers, from Calico's
// documentation of tiers, orders, actions and selectors.
func TestCalicoTruthTable(t *testing.T) {
	checkVerdicts(t, []verdictCase{
		{"a Calico Deny of lower order beats a NetworkPolicy allow (order 1000)",
			k8sAllowClient + calicoNP("deny-client", "  order: 100\n  ingress:\n  - {action: Deny, source: {selector: app == 'client'}}\n"),
			map[string]string{"client server": "", "job server": ""}},
		{"a Calico Allow of higher order runs when the NetworkPolicy matches nothing",
			k8sAllowClient + calicoNP("allow-batch", "  order: 2000\n  ingress:\n  - {action: Allow, source: {namespaceSelector: projectcalico.org/name == 'batch'}}\n"),
			map[string]string{"client server": "all", "job server": "all", "External server": ""}},
		{"the end of a tier that selects the pod denies",
			calicoNP("only-8080", "  ingress:\n  - {action: Allow, protocol: TCP, destination: {ports: [8080]}}\n"),
			map[string]string{"client server": "TCP 8080", "job server": "TCP 8080", "External server": "TCP 8080"}},
		{"rule selectors stay in the policy's namespace",
			calicoNP("ns", "  ingress:\n  - {action: Allow, source: {selector: has(app)}}\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"namespaceSelector all() crosses namespaces",
			calicoNP("ns", "  ingress:\n  - {action: Allow, source: {selector: has(app), namespaceSelector: all()}}\n"),
			map[string]string{"client server": "all", "job server": "all", "External server": ""}},
		{"ports, ranges and notPorts",
			calicoNP("ports", "  ingress:\n  - {action: Allow, protocol: TCP, destination: {ports: [80, '8000:8100', http], notPorts: [8050]}}\n"),
			map[string]string{"client server": "TCP 80,8000-8049,8051-8100"}},
		{"Log decides nothing",
			calicoNP("log", "  ingress:\n  - {action: Log}\n  - {action: Allow, source: {selector: app == 'client'}}\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"a tier before the default tier: Pass hands on, Deny is final",
			"---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n" +
				"---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.sandbox}\nspec:\n  tier: security\n  selector: all()\n  ingress:\n  - {action: Deny, source: {namespaceSelector: projectcalico.org/name == 'batch'}}\n  - {action: Pass}\n" +
				k8sAllowClient,
			map[string]string{"job server": "", "client server": "all", "External server": "", "job client": "", "server client": "all"}},
		{"a tier whose defaultAction is Pass hands on what no rule decides",
			"---\napiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\nspec: {order: 50, defaultAction: Pass}\n" +
				"---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: platform.dns}\nspec:\n  tier: platform\n  selector: all()\n  ingress:\n  - {action: Allow, source: {namespaceSelector: projectcalico.org/name == 'batch'}}\n",
			map[string]string{"job server": "all", "client server": "all"}},
		{"a GlobalNetworkPolicy's namespaceSelector narrows what it selects",
			"---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: deny-batch}\nspec:\n  selector: all()\n  namespaceSelector: projectcalico.org/name == 'batch'\n  types: [Ingress]\n",
			map[string]string{"client job": "", "client server": "all"}},
		{"egress: nets of length 0 match pods, other nets do not",
			"---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: out, namespace: batch}\nspec:\n  selector: all()\n  types: [Egress]\n  egress:\n  - {action: Allow, destination: {nets: [10.0.0.0/8]}}\n  - {action: Deny, destination: {nets: [0.0.0.0/0]}}\n",
			map[string]string{"job External": "all", "job server": ""}},
		{"a notSelector keeps to the policy's namespace",
			calicoNP("not-client", "  ingress:\n  - {action: Deny, source: {notSelector: app == 'client'}}\n  - {action: Allow}\n"),
			map[string]string{"client server": "all", "job server": "all", "External server": "all"}},
		{"nets on the local side hold no pod",
			calicoNP("dmz", "  ingress:\n  - {action: Deny, destination: {nets: [203.0.113.0/24]}}\n  - {action: Allow}\n"),
			map[string]string{"job server": "all"}},
		{"a selector that matches a NetworkSet matches its addresses",
			"---\napiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: partners, namespace: batch, labels: {role: partners}}\nspec: {nets: [198.51.100.0/24]}\n" +
				"---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: out, namespace: batch}\nspec:\n  selector: all()\n  types: [Egress]\n  egress:\n  - {action: Allow, destination: {selector: role == 'partners'}}\n",
			map[string]string{"job External": "all", "job server": ""}},
		{"the crd.projectcalico.org/v1 form reads the same",
			"---\napiVersion: crd.projectcalico.org/v1\nkind: NetworkPolicy\nmetadata: {name: default.ns, namespace: app}\nspec:\n  selector: app == 'server'\n  ingress:\n  - {action: Allow, source: {selector: app == 'client'}}\n",
			map[string]string{"client server": "all", "job server": ""}},
	})
}

// TestCalicoExplain: a Calico verdict names the rule, or the end of the tier, that
// decided, and the fix fits it.
func TestCalicoExplain(t *testing.T) {
	src := tierCluster + calicoNP("web", "  order: 10\n  ingress:\n  - {action: Deny, source: {namespaceSelector: projectcalico.org/name == 'batch'}}\n  - {action: Allow, protocol: TCP, source: {selector: app == 'client'}, destination: {ports: [8080]}}\n")
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "c.yaml", Data: []byte(src)})
	r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
	e := r.Explain(nodeNamed(t, r, "job"), nodeNamed(t, r, "server"), "TCP", 8080)
	assert.False(t, e.Allowed)
	assert.Contains(t, e.String(), "ingress of app/Deployment/server: denied by Calico tier default: app/NetworkPolicy/web ingress[0] (Deny) (c.yaml:")
	e = r.Explain(nodeNamed(t, r, "client"), nodeNamed(t, r, "server"), "TCP", 8080)
	assert.True(t, e.Allowed)
	assert.Contains(t, e.String(), "allowed by Calico tier default: app/NetworkPolicy/web ingress[1] (Allow)")
	e = r.Explain(nodeNamed(t, r, "client"), nodeNamed(t, r, "server"), "TCP", 9090)
	assert.False(t, e.Allowed)
	assert.Contains(t, e.String(), "denied by the end of Calico tier default")
	assert.Contains(t, e.Fix, "Calico tier default selects app/Deployment/server (app/NetworkPolicy/web) and ends with a deny")
}

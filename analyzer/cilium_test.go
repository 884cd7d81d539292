package analyzer_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// cnp is a CiliumNetworkPolicy in namespace app selecting the server, with this spec
// body under the endpointSelector.
func cnp(name, body string) string {
	return "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: " + name + ", namespace: app}\nspec:\n  endpointSelector: {matchLabels: {app: server}}\n" + body
}

// TestCiliumTruthTable: verdicts under CiliumNetworkPolicy and
// CiliumClusterwideNetworkPolicy, from the semantics Cilium's documentation and
// policy code give (docs/reachability.md lists them).
func TestCiliumTruthTable(t *testing.T) {
	svc := "---\napiVersion: v1\nkind: Service\nmetadata: {name: server, namespace: app}\nspec:\n  selector: {app: server}\n  ports: [{port: 80, targetPort: 8080}]\n"
	checkVerdicts(t, []verdictCase{
		{"fromEndpoints stays in the policy's namespace",
			cnp("a", "  ingress:\n  - fromEndpoints: [{matchLabels: {app: client}}]\n  - fromEndpoints: [{matchLabels: {app: job}}]\n"),
			map[string]string{"client server": "all", "job server": "", "External server": ""}},
		{"a namespace label crosses namespaces",
			cnp("a", "  ingress:\n  - fromEndpoints: [{matchLabels: {app: job, k8s:io.kubernetes.pod.namespace: batch}}]\n"),
			map[string]string{"job server": "all", "client server": ""}},
		{"namespace labels cross namespaces too",
			cnp("a", "  ingress:\n  - fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.env: prod}}]\n"),
			map[string]string{"client server": "all", "job server": ""}},
		{"toPorts alone admits every peer on the ports",
			cnp("a", "  ingress:\n  - toPorts: [{ports: [{port: \"8080\", protocol: TCP}]}]\n"),
			map[string]string{"job server": "TCP 8080", "External server": "TCP 8080"}},
		{"ANY is TCP, UDP and SCTP; a named port resolves on the pod",
			cnp("a", "  ingress:\n  - toPorts: [{ports: [{port: \"9000\"}, {port: dns, protocol: UDP}]}]\n"),
			map[string]string{"client server": "TCP 9000; UDP 53,9000; SCTP 9000"}},
		{"an empty rule isolates and admits nothing",
			cnp("a", "  ingress:\n  - {}\n"),
			map[string]string{"client server": "", "job server": ""}},
		{"deny wins over a NetworkPolicy allow, and a deny-only rule isolates",
			cnp("a", "  ingressDeny:\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: batch}}]\n") +
				"---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np, namespace: app}\nspec:\n  podSelector: {matchLabels: {app: server}}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n",
			map[string]string{"job server": "", "client server": "all"}},
		{"a deny-only rule alone leaves nothing allowed",
			cnp("a", "  ingressDeny:\n  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: batch}}]\n"),
			map[string]string{"job server": "", "client server": ""}},
		{"enableDefaultDeny false does not isolate",
			cnp("a", "  enableDefaultDeny: {ingress: false}\n  ingress:\n  - fromEndpoints: [{matchLabels: {app: client}}]\n"),
			map[string]string{"job server": "all", "client server": "all"}},
		{"world is outside the cluster",
			cnp("a", "  ingress:\n  - fromEntities: [world]\n"),
			map[string]string{"External server": "all", "client server": ""}},
		{"cluster is every pod",
			cnp("a", "  ingress:\n  - fromEntities: [cluster]\n"),
			map[string]string{"External server": "", "client server": "all", "job server": "all"}},
		{"CIDRs do not match pods",
			cnp("a", "  ingress:\n  - fromCIDR: [0.0.0.0/0]\n"),
			map[string]string{"External server": "all", "client server": ""}},
		{"a clusterwide policy spans namespaces",
			"---\napiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: all-servers}\nspec:\n  endpointSelector: {}\n  egress:\n  - toEndpoints: [{matchLabels: {app: server}}]\n",
			map[string]string{"job server": "all", "client server": "all", "job External": "", "server client": ""}},
		{"toServices leads to the Service's pods",
			svc + "---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: job, namespace: batch}\nspec:\n  endpointSelector: {}\n  egress:\n  - toServices: [{k8sService: {serviceName: server, namespace: app}}]\n",
			map[string]string{"job server": "all", "job client": ""}},
		{"toServices of kube-dns the input does not hold leads to the assumed cluster DNS",
			"---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: dns, namespace: batch}\nspec:\n  endpointSelector: {}\n  egress:\n  - toServices: [{k8sService: {serviceName: kube-dns, namespace: kube-system}}]\n",
			map[string]string{"job kube-system/ClusterDNS/kube-dns": "all", "job server": ""}},
		{"specs are rules of their own",
			"---\napiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: app}\nspecs:\n- endpointSelector: {matchLabels: {app: server}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: client}}]}]\n- endpointSelector: {matchLabels: {app: client}}\n  ingress: [{fromEndpoints: [{matchLabels: {app: server}}]}]\n",
			map[string]string{"client server": "all", "server client": "all", "job client": ""}},
	})
}

func nodeNamed(t *testing.T, r *analyzer.Reach, name string) *analyzer.Node {
	t.Helper()
	for _, n := range r.Nodes() {
		if n.ID == name || (n.Workload != nil && n.Workload.Name == name) {
			return n
		}
	}
	t.Fatalf("no node %s", name)
	return nil
}

// TestCiliumExplain: a Cilium deny is named as what decided, with the fix it needs;
// L7 rules are noted.
func TestCiliumExplain(t *testing.T) {
	src := tierCluster + cnp("a", `  ingress:
  - fromEndpoints: [{matchLabels: {app: client}}]
    toPorts:
    - ports: [{port: "8080", protocol: TCP}]
      rules:
        http: [{method: GET}]
  ingressDeny:
  - fromEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: batch}}]
`)
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "c.yaml", Data: []byte(src)})
	r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
	e := r.Explain(nodeNamed(t, r, "job"), nodeNamed(t, r, "server"), "TCP", 8080)
	assert.False(t, e.Allowed)
	assert.Contains(t, e.String(), "ingress of app/Deployment/server: denied by app/CiliumNetworkPolicy/a spec.ingressDeny[0] (c.yaml:")
	assert.Contains(t, e.Fix, "a deny rule wins over every allow")
	e = r.Explain(nodeNamed(t, r, "client"), nodeNamed(t, r, "server"), "TCP", 8080)
	assert.True(t, e.Allowed)
	assert.Contains(t, e.String(), "admitted by app/CiliumNetworkPolicy/a spec.ingress[0]")
	assert.Contains(t, strings.Join(e.Notes, "\n"), "has http rules: kubenet reads them as admitting the port")
	e = r.Explain(nodeNamed(t, r, "client"), nodeNamed(t, r, "server"), "TCP", 9090)
	assert.False(t, e.Allowed)
	assert.Contains(t, e.Fix, "add to app/CiliumNetworkPolicy/a")
	assert.Contains(t, e.Fix, "fromEndpoints:")
}

package model

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func clusterPolicy(t *testing.T, g *Graph) *ClusterPolicy {
	t.Helper()
	require.Len(t, g.ClusterPolicies, 1, dumpProblems(g))
	return g.ClusterPolicies[0]
}

func TestClusterNetworkPolicy(t *testing.T) {
	src := `apiVersion: policy.networking.k8s.io/v1alpha2
kind: ClusterNetworkPolicy
metadata:
  name: lockdown
spec:
  tier: Baseline
  priority: 7
  subject:
    pods:
      podSelector:
        matchLabels: {app: db}
  ingress:
  - name: monitoring
    action: Accept
    from:
    - namespaces:
        matchLabels: {team: monitoring}
    protocols:
    - tcp:
        destinationPort:
          number: 9090
    - udp:
        destinationPort:
          range: {start: 5000, end: 6000}
    - destinationNamedPort: metrics
  egress:
  - action: Deny
    to:
    - networks: [10.0.0.0/8, "fd00::/8"]
    - nodes: {}
`
	g := load(t, "cnp.yaml", src)
	noProblems(t, g)
	p := clusterPolicy(t, g)
	assert.Equal(t, "ClusterNetworkPolicy/lockdown", p.ID)
	assert.Equal(t, TierBaseline, p.Tier)
	assert.Equal(t, 7, p.Priority)
	assert.Equal(t, lineOf(t, src, "priority: 7"), p.PriorityPos.Line)
	assert.Equal(t, lineOf(t, src, "subject:"), p.Subject.Pos.Line)
	require.NotNil(t, p.Subject.Pods)
	assert.True(t, p.Subject.Pods.NamespaceSelector.Empty, "an absent namespaceSelector selects every namespace")
	assert.Equal(t, map[string]string{"app": "db"}, p.Subject.Pods.PodSelector.MatchLabels)
	require.Len(t, p.Ingress, 1)
	in := p.Ingress[0]
	assert.Equal(t, "monitoring", in.Name)
	assert.Equal(t, ActionAccept, in.Action)
	require.Len(t, in.Peers, 1)
	assert.Equal(t, map[string]string{"team": "monitoring"}, in.Peers[0].Namespaces.MatchLabels)
	require.Len(t, in.Ports, 3)
	assert.Equal(t, PolicyPort{Protocol: "TCP", Port: &IntOrString{Int: 9090}}, stripPos(in.Ports[0]))
	assert.Equal(t, PolicyPort{Protocol: "UDP", Port: &IntOrString{Int: 5000}, EndPort: 6000}, stripPos(in.Ports[1]))
	assert.Equal(t, PolicyPort{Protocol: "", Port: &IntOrString{IsStr: true, Str: "metrics"}}, stripPos(in.Ports[2]), "a named port matches any protocol")
	require.Len(t, p.Egress, 1)
	assert.Equal(t, ActionDeny, p.Egress[0].Action)
	assert.Nil(t, p.Egress[0].Ports, "no protocols: every port")
	require.Len(t, p.Egress[0].Peers, 2)
	assert.Equal(t, []string{"10.0.0.0/8", "fd00::/8"}, p.Egress[0].Peers[0].Networks)
	assert.NotNil(t, p.Egress[0].Peers[1].Nodes)
}

func stripPos(p PolicyPort) PolicyPort {
	p.Pos, p.PortPos = Pos{}, Pos{}
	return p
}

func TestAdminNetworkPolicies(t *testing.T) {
	src := `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: anp
spec:
  priority: 3
  subject:
    namespaces: {}
  ingress:
  - action: Allow
    from:
    - pods:
        namespaceSelector: {}
        podSelector: {matchLabels: {app: x}}
    ports:
    - portNumber: {port: 80}
    - namedPort: http
    - portRange: {protocol: UDP, start: 10, end: 10}
  - action: Pass
    from:
    - namespaces: {}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata:
  name: default
spec:
  subject:
    namespaces: {}
  egress:
  - action: Deny
    to:
    - namespaces: {}
`
	g := load(t, "anp.yaml", src)
	noProblems(t, g)
	require.Len(t, g.ClusterPolicies, 2)
	anp, banp := g.ClusterPolicies[0], g.ClusterPolicies[1]
	assert.Equal(t, TierAdmin, anp.Tier)
	assert.Equal(t, 3, anp.Priority)
	assert.Equal(t, ActionAccept, anp.Ingress[0].Action, "Allow reads as Accept")
	assert.Equal(t, ActionPass, anp.Ingress[1].Action)
	require.Len(t, anp.Ingress[0].Ports, 3)
	assert.Equal(t, PolicyPort{Protocol: "TCP", Port: &IntOrString{Int: 80}}, stripPos(anp.Ingress[0].Ports[0]), "the protocol defaults to TCP")
	assert.Equal(t, PolicyPort{Port: &IntOrString{IsStr: true, Str: "http"}}, stripPos(anp.Ingress[0].Ports[1]))
	assert.Equal(t, PolicyPort{Protocol: "UDP", Port: &IntOrString{Int: 10}, EndPort: 10}, stripPos(anp.Ingress[0].Ports[2]))
	assert.Equal(t, TierBaseline, banp.Tier)
	assert.Equal(t, "BaselineAdminNetworkPolicy/default", banp.ID)
}

// TestClusterPolicyInvalid: what the API server refuses is reported where it is, and the
// policy is left out of the solver (Invalid).
func TestClusterPolicyInvalid(t *testing.T) {
	cnp := "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: p\n"
	anp := "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: p\n"
	banp := "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: p\n"
	subject := "  subject:\n    namespaces: {}\n"
	cases := []struct{ name, src, want string }{
		{"no spec", cnp, "spec is required"},
		{"no tier", cnp + "spec:\n  priority: 1\n" + subject, "spec.tier is required"},
		{"unknown tier", cnp + "spec:\n  tier: Developer\n  priority: 1\n" + subject, `"Developer" is not Admin or Baseline`},
		{"priority range", cnp + "spec:\n  tier: Admin\n  priority: 1001\n" + subject, "1001 is outside 0 to 1000"},
		{"two subjects", cnp + "spec:\n  tier: Admin\n  priority: 1\n  subject:\n    namespaces: {}\n    pods: {podSelector: {}}\n", "exactly one of namespaces and pods"},
		{"Allow in a ClusterNetworkPolicy", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  ingress:\n  - action: Allow\n    from: [{namespaces: {}}]\n", `"Allow" is not one of Accept, Deny and Pass`},
		{"Accept in an AdminNetworkPolicy", anp + "spec:\n  priority: 1\n" + subject + "  ingress:\n  - action: Accept\n    from: [{namespaces: {}}]\n", `"Accept" is not one of Allow, Deny and Pass`},
		{"Pass in the Baseline", strings.Replace(banp, "name: p", "name: default", 1) + "spec:\n" + subject + "  ingress:\n  - action: Pass\n    from: [{namespaces: {}}]\n", `"Pass" is not one of Allow and Deny`},
		{"baseline not named default", banp + "spec:\n" + subject, "must be named default"},
		{"no peers", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  ingress:\n  - action: Deny\n    from: []\n", "must name at least one peer"},
		{"two peer kinds", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  egress:\n  - action: Deny\n    to: [{namespaces: {}, networks: [10.0.0.0/8]}]\n", "exactly one of namespaces, pods, networks, nodes or domainNames"},
		{"networks in ingress", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  ingress:\n  - action: Deny\n    from: [{networks: [10.0.0.0/8]}]\n", "exactly one of namespaces or pods"},
		{"CIDR not canonical", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  egress:\n  - action: Deny\n    to: [{networks: [10.0.0.1/8]}]\n", "not a CIDR in its canonical form"},
		{"named port with networks", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  egress:\n  - action: Accept\n    to: [{networks: [10.0.0.0/8]}]\n    protocols: [{destinationNamedPort: http}]\n", "named port cannot be used with networks"},
		{"domainNames in a Deny", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  egress:\n  - action: Deny\n    to: [{domainNames: [example.com]}]\n", "only allowed in Accept rules"},
		{"range start not below end", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {range: {start: 80, end: 80}}}}]\n", "start 80 must be less than end 80"},
		{"two protocols in one entry", cnp + "spec:\n  tier: Admin\n  priority: 1\n" + subject + "  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    protocols: [{tcp: {destinationPort: {number: 80}}, udp: {destinationPort: {number: 80}}}]\n", "exactly one of tcp, udp, sctp and destinationNamedPort"},
		{"port out of range", anp + "spec:\n  priority: 1\n" + subject + "  ingress:\n  - action: Deny\n    from: [{namespaces: {}}]\n    ports: [{portNumber: {port: 70000}}]\n", "70000 is not a port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := load(t, "p.yaml", tc.src)
			p := oneProblem(t, g, Invalid)
			assert.Contains(t, p.Message, tc.want)
			require.Len(t, g.ClusterPolicies, 1)
			assert.True(t, g.ClusterPolicies[0].Invalid)
		})
	}
}

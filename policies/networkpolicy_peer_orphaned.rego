# METADATA
# title: NetworkPolicy peer matches no pod
# description: |
#   A from/to element admits the pods its selectors match (in a NetworkPolicy, or the
#   namespaces and pods peers of a ClusterNetworkPolicy, AdminNetworkPolicy or
#   BaselineAdminNetworkPolicy, whatever its action; fromEndpoints and toEndpoints of
#   Cilium rules; the peer selector of Calico rules). One that matches no pod of
#   the input admits nothing, so the traffic it was written for is denied. When the peer
#   can only match pods of namespaces whose workloads the input shows (a podSelector
#   alone, or a namespaceSelector pinned by kubernetes.io/metadata.name), this is almost
#   always a typo (warning). When it may match namespaces the input does not show (a
#   namespaceSelector by other labels, or namespaces without workloads in the input), the
#   pods may simply be deployed from other manifests (info). ipBlock
#   peers and the assumed cluster DNS and ingress controller count as matches.
# custom:
#   severity: warning
#   requires: [policies, clusterPolicies, orphans]
#   since: v0.1.0
#   remediation: |
#     Fix the labels of the podSelector or namespaceSelector so they match the pods meant,
#     or lint the manifests of the other namespace together with this policy.
package kubenet.rules["networkpolicy-peer-orphaned"]

import data.kubenet.lib

# Every from/to element of NetworkPolicies and cluster-wide policies that matches no pod,
# with its facts and how to name it. Peers that match pods are most of them: they are left out before
# anything else is computed.
_empty_peers contains [p, dir, peer, pf, _describe(p, peer)] if {
	some p in input.networkPolicies
	not lib.invalid(p)
	some dir in ["ingress", "egress"]
	some i, rule in p[dir]
	some j, pf in input.facts.policies[p.id][dir][i]
	pf.pods == 0
	peer := rule.peers[j]
}

_empty_peers contains [p, dir, peer, pf, _describe_cluster(peer)] if {
	some p in input.clusterNetworkPolicies
	not lib.invalid(p)
	some dir in ["ingress", "egress"]
	some i, rule in p[dir]
	some j, pf in input.facts.clusterPolicies[p.id][dir][i]
	pf.pods == 0
	peer := rule.peers[j]
}

_cluster_ids := {p.id | some p in input.clusterNetworkPolicies}

_cluster_wide(p) if p.id in _cluster_ids

# _peers are the empty peers nothing else explains: not an address block, not the
# assumed DNS or ingress controller, not hostNetwork pods.
_peers contains [p, dir, peer, pf, desc] if {
	some [p, dir, peer, pf, desc] in _empty_peers
	not pf.ipBlock
	count(pf.assumed) == 0
	pf.hostNetworkPods == 0
}

report contains f if {
	some [p, dir, peer, pf, desc] in _empty_peers
	pf.hostNetworkPods > 0
	msg := sprintf("%s peer %s matches only hostNetwork pods, whose traffic carries the node's address: %s", [
		dir, desc, _host_network(p),
	])
	f := lib.with_severity(lib.finding_hint(p.id, peer.pos, msg, _host_network_hint(p)), "info")
}

_host_network(p) := "on most CNIs the selector does not match it" if not _cluster_wide(p)

_host_network(p) := "cluster-wide policies never match them with pod selectors" if _cluster_wide(p)

_host_network_hint(p) := "admit the nodes' address range with an ipBlock, or run the pods without hostNetwork" if {
	not _cluster_wide(p)
}

_host_network_hint(p) := "match the nodes with a nodes or networks peer (egress), or run the pods without hostNetwork" if {
	_cluster_wide(p)
}

report contains f if {
	some [p, dir, peer, pf, desc] in _peers
	pf.closed
	msg := sprintf("%s peer %s matches no pod of the input", [dir, desc])
	f := lib.finding_hint(p.id, peer.pos, msg, "fix the labels so they match the pods this rule is meant for")
}

report contains f if {
	some [p, dir, peer, pf, desc] in _peers
	not pf.closed
	msg := sprintf("%s peer %s matches no pod of the input: %s, so the pods may be deployed from other manifests", [
		dir, desc, _where(pf),
	])
	f := lib.with_severity(lib.finding_hint(p.id, peer.pos, msg, "lint the other namespace's manifests together with this policy to check the peer"), "info")
}

_where(pf) := "no namespace of the input matches its namespaceSelector" if pf.namespaces == 0

_where(pf) := "the namespaces it selects hold no workload in the input" if {
	pf.namespaces > 0
	pf.namespacesWithWorkloads == 0
}

_where(pf) := "its namespaceSelector also covers namespaces the input does not show" if {
	pf.namespacesWithWorkloads > 0
}

_describe(p, peer) := sprintf("podSelector %s (namespace %s)", [lib.selector_string(peer.podSelector), p.namespace]) if {
	peer.namespaceSelector == null
}

_describe(_, peer) := sprintf("namespaceSelector %s", [lib.selector_string(peer.namespaceSelector)]) if {
	peer.podSelector == null
	peer.namespaceSelector != null
}

_describe(_, peer) := sprintf("namespaceSelector %s with podSelector %s", [
	lib.selector_string(peer.namespaceSelector), lib.selector_string(peer.podSelector),
]) if {
	peer.podSelector != null
	peer.namespaceSelector != null
}

_describe_cluster(peer) := sprintf("namespaces %s", [lib.selector_string(peer.namespaces)]) if peer.namespaces != null

_describe_cluster(peer) := sprintf("pods %s in namespaces %s", [
	lib.selector_string(peer.pods.podSelector), lib.selector_string(peer.pods.namespaceSelector),
]) if {
	peer.pods != null
}

report contains f if {
	some o in input.facts.orphans
	not o.subject
	o.closed
	msg := sprintf("%s peer %s matches no pod of the input", [o.where, o.selector])
	f := lib.finding_hint(o.policy, o.pos, msg, "fix the labels so they match the pods this rule is meant for")
}

report contains f if {
	some o in input.facts.orphans
	not o.subject
	not o.closed
	msg := sprintf("%s peer %s matches no pod of the input: the pods may be deployed from other manifests", [o.where, o.selector])
	f := lib.with_severity(lib.finding_hint(o.policy, o.pos, msg, "lint the other namespace's manifests together with this policy to check the peer"), "info")
}

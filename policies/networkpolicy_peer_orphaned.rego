# METADATA
# title: NetworkPolicy peer matches no pod
# description: |
#   A from/to element admits the pods its selectors match. One that matches no pod of
#   the input admits nothing, so the traffic it was written for is denied. When the peer
#   can only match pods of namespaces whose workloads the input shows (a podSelector
#   alone, or a namespaceSelector pinned by kubernetes.io/metadata.name), this is almost
#   always a typo (warning). When it may match namespaces the input does not show (a
#   namespaceSelector by other labels, or namespaces without workloads in the input), the
#   pods may simply be deployed from other manifests (info). ipBlock
#   peers and the assumed cluster DNS and ingress controller count as matches.
# custom:
#   severity: warning
#   requires: [policies]
#   since: v0.1.0
#   remediation: |
#     Fix the labels of the podSelector or namespaceSelector so they match the pods meant,
#     or lint the manifests of the other namespace together with this policy.
package kubenet.rules["networkpolicy-peer-orphaned"]

import data.kubenet.lib

_peers contains [p, dir, peer, pf] if {
	some p in input.networkPolicies
	not lib.invalid(p)
	facts := input.facts.policies[p.id]
	some dir in ["ingress", "egress"]
	some i, rule in p[dir]
	some j, peer in rule.peers
	pf := facts[dir][i][j]
	not pf.ipBlock
	pf.pods == 0
	count(pf.assumed) == 0
	pf.hostNetworkPods == 0
}

report contains f if {
	some p in input.networkPolicies
	not lib.invalid(p)
	facts := input.facts.policies[p.id]
	some dir in ["ingress", "egress"]
	some i, rule in p[dir]
	some j, peer in rule.peers
	pf := facts[dir][i][j]
	pf.pods == 0
	pf.hostNetworkPods > 0
	msg := sprintf("%s peer %s matches only hostNetwork pods, whose traffic carries the node's address: on most CNIs the selector does not match it", [
		dir, _describe(p, peer),
	])
	f := lib.with_severity(lib.finding_hint(p.id, peer.pos, msg, "admit the nodes' address range with an ipBlock, or run the pods without hostNetwork"), "info")
}

report contains f if {
	some [p, dir, peer, pf] in _peers
	pf.closed
	msg := sprintf("%s peer %s matches no pod of the input", [dir, _describe(p, peer)])
	f := lib.finding_hint(p.id, peer.pos, msg, "fix the labels so they match the pods this rule is meant for")
}

report contains f if {
	some [p, dir, peer, pf] in _peers
	not pf.closed
	msg := sprintf("%s peer %s matches no pod of the input: %s, so the pods may be deployed from other manifests", [
		dir, _describe(p, peer), _where(pf),
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

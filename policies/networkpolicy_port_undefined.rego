# METADATA
# title: NetworkPolicy names a port no pod declares
# description: |
#   A named port in a NetworkPolicy rule is resolved on the pods the rule applies to:
#   the pods the policy selects for ingress rules, the peer pods for egress rules, by name
#   and protocol. When none of them declares a container port of that name and protocol,
#   the rule admits nothing on it, and the traffic it was written for is dropped. Rules of
#   cluster-wide policies (ClusterNetworkPolicy destinationNamedPort, AdminNetworkPolicy
#   namedPort) name ports of any protocol: one no pod declares matches nothing, so an
#   Accept accepts nothing and a Deny denies nothing. Named ports of the ingress rules
#   of Cilium and Calico policies are resolved on the pods the rule applies to.
# custom:
#   severity: error
#   requires: [policies, clusterPolicies, namedPorts]
#   since: v0.1.0
#   remediation: |
#     Use a port name the containers declare (with the same protocol), or the port number.
package kubenet.rules["networkpolicy-port-undefined"]

import data.kubenet.lib

_undefined contains [p, u] if {
	some p in input.networkPolicies
	not lib.invalid(p)
	some u in input.facts.policies[p.id].undefinedPorts
}

_undefined contains [p, u] if {
	some p in input.clusterNetworkPolicies
	not lib.invalid(p)
	some u in input.facts.clusterPolicies[p.id].undefinedPorts
}

report contains f if {
	some [p, u] in _undefined
	msg := sprintf("%s rule %d: named port %q (%s) is declared by none of %s", [
		_dir(u), u.rule, u.name, _protocol(u), concat(", ", u.pods),
	])
	hint := "use a port name the containers declare for this protocol, or the port number"
	f := lib.with_related(lib.finding_hint(p.id, u.pos, msg, hint), lib.related(u.pods, "declares no such port"))
}

_dir(u) := "egress" if u.egress

_dir(u) := "ingress" if not u.egress

_protocol(u) := u.protocol if u.protocol != ""

_protocol(u) := "any protocol" if u.protocol == ""

report contains f if {
	some n in input.facts.namedPorts
	msg := sprintf("%s: named port %q (%s) is declared by none of %s", [n.where, n.name, _protocol(n), concat(", ", n.pods)])
	hint := "use a port name the containers declare for this protocol, or the port number"
	f := lib.with_related(lib.finding_hint(n.policy, n.pos, msg, hint), lib.related(n.pods, "declares no such port"))
}

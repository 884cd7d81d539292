# METADATA
# title: NetworkPolicy selects hostNetwork pods
# description: |
#   Pods with hostNetwork: true share the node's network namespace. NetworkPolicy does not
#   define what happens to them and most CNIs do not enforce pod policies on them, so the
#   policy most likely has no effect on these pods. kubenet treats them as not isolated.
# custom:
#   severity: info
#   requires: [policies]
#   since: v0.1.0
#   remediation: |
#     Protect host-network pods with host firewall rules or your CNI's host endpoint
#     policies; do not rely on a NetworkPolicy.
package kubenet.rules["networkpolicy-hostnetwork"]

import data.kubenet.lib

report contains f if {
	some p in input.networkPolicies
	not lib.invalid(p)
	hn := input.facts.policies[p.id].hostNetwork
	count(hn) > 0
	msg := sprintf("selects hostNetwork pods (%s), which NetworkPolicy does not govern", [concat(", ", hn)])
	hint := "use host firewall rules or the CNI's host endpoint policies for these pods"
	f := lib.with_related(lib.finding_hint(p.id, p.podSelector.pos, msg, hint), lib.related(hn, "a hostNetwork workload"))
}

# METADATA
# title: Cilium refuses this policy
# description: |
#   The API server stores a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy its
#   schema accepts, but the Cilium agent validates each rule again and refuses the
#   whole policy when one breaks its rules: none of its rules apply, and the agent only
#   logs a warning. The most common cause is a rule item that combines two kinds of
#   peers, such as fromEndpoints with fromEntities or fromCIDR, or toCIDR with
#   toEndpoints ("combining ... is not supported yet"): Cilium requires each kind in an
#   item of its own. DNS rules on ingress are refused too.
# custom:
#   severity: error
#   requires: []
#   since: v0.12.0
#   remediation: |
#     Split the item into one item per kind of peer (the items of a section are ORed,
#     which is what the combined item was meant to say).
package kubenet.rules["cilium-rule-invalid"]

import data.kubenet.lib

report contains f if {
	some p in input.ciliumNetworkPolicies
	not lib.invalid(p)
	some r in p.rejected
	msg := sprintf("%s: Cilium refuses the whole policy, so none of its rules apply", [r.message])
	f := lib.finding_hint(p.id, r.pos, msg, "put each kind of peer in an item of its own: the items of a section are ORed")
}

# METADATA
# title: NetworkPolicy blocks a Service a workload uses by name
# description: |
#   A workload names a Service (env, args, a ConfigMap it consumes) and kubenet resolves
#   the name as the pod would. When the NetworkPolicies deny the workload's pods the
#   Service's pods on the targetPort (traffic to a Service is judged after DNAT, on the
#   pod's port, not the Service port), every connection fails. The hint names the policy
#   to change and calls out rules that allow the Service port instead of the targetPort.
# custom:
#   severity: error
#   requires: [dns]
#   since: v0.1.0
#   remediation: |
#     Allow the connection in the policy that isolates the source (egress) or the
#     destination (ingress), on the targetPort.
package kubenet.rules["service-reference-blocked"]

import data.kubenet.lib

report contains f if {
	some r in input.facts.dns.references
	b := r.blocked
	b != null
	msg := sprintf("%s uses %q, but NetworkPolicies deny its pods %s on port %d (blocked by %s)", [
		concat(", ", b.sources), r.raw, concat(", ", b.targets), b.port, concat(", ", b.policies),
	])
	f := lib.with_related(lib.finding_hint(r.object, r.pos, msg, b.hint), array.concat(
		array.concat(lib.related(b.sources, "uses the name"), lib.related(b.targets, "the Service's pods")),
		lib.related(b.policies, "denies the connection"),
	))
}

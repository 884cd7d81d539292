# METADATA
# title: No client may reach a Service's pods
# description: |
#   The pods behind a Service port are isolated for ingress, and on the targetPort their
#   rules admit no workload of the input, no ingress controller, no Gateway's data plane
#   and no address outside the cluster: every client is blocked. Typically an allow rule
#   whose peer has a typo while a catch-all policy isolates every pod.
# custom:
#   severity: warning
#   requires: [serviceReach, services]
#   since: v0.1.0
#   remediation: |
#     Add an ingress rule admitting the clients of the Service on the targetPort, or fix
#     the peer of the rule meant to admit them.
package kubenet.rules["service-unreachable"]

import data.kubenet.lib

report contains f if {
	some svc in input.services
	some i, sr in input.facts.serviceReach[svc.id]
	sr.unreachable
	not lib.invalid(svc)
	port := svc.ports[i]
	selects := input.facts.services[svc.id].selects
	f := {
		"object": svc.id,
		"pos": port.targetPortPos,
		"message": sprintf("no client may reach port %s: the pods of %s admit nobody on targetPort %v", [
			lib.port_label(port), concat(", ", selects), port.targetPort,
		]),
		"hint": "add an ingress rule admitting the Service's clients on the targetPort",
		"related": array.concat(
			lib.related(selects, "the selected pods"),
			lib.related(sr.policies, "denies the clients on this port"),
		),
	}
}

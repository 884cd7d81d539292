# METADATA
# title: nodePort outside the node port range or claimed twice
# description: |
#   A nodePort must lie in the API server's service-node-port-range (30000-32767 unless
#   configured otherwise), and a node port can belong to one Service only. The API server
#   rejects the second Service that claims a port, so whichever is applied last fails.
# custom:
#   severity: error
#   requires: [nodePortClaims]
#   since: v0.1.0
#   remediation: |
#     Pick a free port in the range, or omit nodePort and let Kubernetes allocate one.
package kubenet.rules["nodeport-conflict"]

import data.kubenet.lib

report contains f if {
	some svc in input.services
	not lib.invalid(svc)
	some p in svc.ports
	p.nodePort != 0
	not _in_range(p.nodePort)
	msg := sprintf("nodePort %d is outside the node port range %d-%d", [
		p.nodePort, input.config.nodePortMin, input.config.nodePortMax,
	])
	f := lib.finding_hint(svc.id, p.nodePortPos, msg, "omit nodePort to let Kubernetes allocate one, or pick a port in the range")
}

report contains f if {
	some claim in input.facts.nodePortClaims
	first := claim.claims[0]
	some i, c in claim.claims
	i > 0
	msg := sprintf("nodePort %d is already claimed by %s", [claim.nodePort, first.service])
	f := lib.with_related(
		lib.finding_hint(c.service, c.pos, msg, "pick another free node port, or omit nodePort to let Kubernetes allocate one"),
		[{"object": first.service, "pos": first.pos, "message": "first claim"}],
	)
}

_in_range(p) if {
	p >= input.config.nodePortMin
	p <= input.config.nodePortMax
}

# METADATA
# title: Name is dialled on a port the Service does not have
# description: |
#   A host:port or a URL (http and https imply 80 and 443) names a port; when the name
#   resolves to a ClusterIP Service, clients connect to the Service's port, and the
#   Service forwards only the ports it lists. Dialling the container port (the Service's
#   targetPort) instead of the Service port is the usual mistake. Headless and
#   ExternalName names lead straight to addresses and are not checked.
# custom:
#   severity: error
#   requires: [dns]
#   since: v0.1.0
#   remediation: |
#     Dial one of the Service's ports (spec.ports[].port), not the targetPort.
package kubenet.rules["dns-reference-port-mismatch"]

import data.kubenet.lib

report contains f if {
	some r in input.facts.dns.references
	not r.portOK
	msg := sprintf("%q: port %d is not a port of %s", [r.raw, _port(r), r.resolution.answer.service])
	f := lib.with_related(lib.finding_hint(r.object, r.pos, msg, r.portHint), lib.related({r.resolution.answer.service}, "the Service the name resolves to"))
}

_port(r) := r.port if r.port != 0

_port(r) := 80 if {
	r.port == 0
	r.scheme in {"http", "ws"}
}

_port(r) := 443 if {
	r.port == 0
	r.scheme in {"https", "wss"}
}

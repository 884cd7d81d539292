# METADATA
# title: Route backend port is not a port of the Service
# description: |
#   A route's backendRef to a Service names the Service port, not the container port,
#   and a Service backend needs one (the API server refuses it without). A port the
#   Service does not have gets the backend no traffic. A Service whose ports depend on
#   what kubenet cannot see (an operator's) is not checked.
# custom:
#   severity: error
#   requires: [routes]
#   since: v0.10.0
#   remediation: |
#     Name one of the Service's ports in the backendRef's port.
package kubenet.rules["route-backend-port-mismatch"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, rule in r.rules
	some j, b in rule.backendRefs
	bf := input.facts.routes[r.id].backends[i][j]
	bf.service != ""
	not bf.portMissing
	not bf.portOK
	msg := sprintf("%s %s sends traffic to port %d of Service %s, which has no such port", [r.kind, r.name, b.port, bf.service])
	f := lib.with_related(lib.finding_hint(r.id, b.portPos, msg, bf.hint), lib.related([bf.service], "the Service"))
}

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, rule in r.rules
	some j, b in rule.backendRefs
	bf := input.facts.routes[r.id].backends[i][j]
	bf.portMissing
	msg := sprintf("%s %s sends traffic to Service %s without a port; a Service backend needs one (the API server refuses it)", [r.kind, r.name, bf.service])
	f := lib.with_related(lib.finding_hint(r.id, b.pos, msg, bf.hint), lib.related([bf.service], "the Service"))
}

# METADATA
# title: Service targetPort not served by the selected pods
# description: |
#   A Service port forwards to its targetPort on each selected pod (the port number
#   itself when targetPort is omitted or 0). A named targetPort is looked up by name
#   and protocol in the pods' containers: when no selected pod declares it, the
#   endpoints get no port and the Service port is dead (error). A numeric targetPort
#   is forwarded whether or not a container declares it (containerPort is
#   informational), so a number is judged only against evidence: it is a warning when
#   the pods declare ports or probe ports and none of them, nor a port their env or
#   args configure (PORT=8080, --listen :8080), is that number. Pods that declare and
#   probe nothing give no evidence, and nothing is reported. A headless Service is not
#   proxied (clients connect to the pod addresses on ports of their own choosing), so
#   an undeclared numeric targetPort there is information and an undeclared name a
#   warning.
# custom:
#   severity: error
#   requires: [services]
#   since: v0.1.0
#   remediation: |
#     Point targetPort at a port the selected containers declare (name or number), or
#     declare the port in the container's ports list.
package kubenet.rules["service-port-mismatch"]

import data.kubenet.lib

# The ports whose status some report below reads (most ports are "ok": they are left
# out before anything is built from them).
_reported := {"name-undeclared", "name-protocol-mismatch", "number-undeclared"}

_checked contains [svc, port, pf] if {
	some svc in input.services
	facts := input.facts.services[svc.id]
	some i, pf in facts.ports
	pf.status in _reported
	not lib.invalid(svc)
	count(facts.selects) > 0
	port := svc.ports[i]
}

report contains f if {
	some [svc, port, pf] in _checked
	pf.status == "name-undeclared"
	not svc.headless
	msg := sprintf("targetPort %q of port %s is not declared by the selected pods (%s)", [
		port.targetPort, lib.port_label(port), lib.join(input.facts.services[svc.id].selects),
	])
	f := lib.with_related(lib.finding_hint(svc.id, port.targetPortPos, msg, pf.hint), _selected(svc))
}

report contains f if {
	some [svc, port, pf] in _checked
	pf.status == "name-protocol-mismatch"
	msg := sprintf("targetPort %q of port %s is declared by the selected pods for another protocol", [
		port.targetPort, lib.port_label(port),
	])
	f := lib.with_related(lib.finding_hint(svc.id, port.targetPortPos, msg, pf.hint), _selected(svc))
}

report contains f if {
	some [svc, port, pf] in _checked
	pf.status == "name-undeclared"
	svc.headless
	msg := sprintf(
		"targetPort %q of port %s is not declared by the selected pods (%s); the Service is headless, so only its endpoints and SRV records lack the port",
		[port.targetPort, lib.port_label(port), lib.join(input.facts.services[svc.id].selects)],
	)
	f := lib.with_related(lib.with_severity(lib.finding_hint(svc.id, port.targetPortPos, msg, pf.hint), "warning"), _selected(svc))
}

report contains f if {
	some [svc, port, pf] in _checked
	pf.status == "number-undeclared"
	svc.headless
	msg := sprintf("targetPort %d/%s of port %s is not a port the selected pods (%s) are known to listen on: %s; the Service is headless, so clients dial the pods on ports of their own choosing", [
		port.targetPort, port.protocol, lib.port_label(port), lib.join(input.facts.services[svc.id].selects), pf.evidence,
	])
	f := lib.with_related(lib.with_severity(lib.finding_hint(svc.id, port.targetPortPos, msg, pf.hint), "info"), _selected(svc))
}

report contains f if {
	some [svc, port, pf] in _checked
	pf.status == "number-undeclared"
	not svc.headless
	msg := sprintf("targetPort %d/%s of port %s is not a port the selected pods (%s) are known to listen on: %s", [
		port.targetPort, port.protocol, lib.port_label(port), lib.join(input.facts.services[svc.id].selects), pf.evidence,
	])
	f := lib.with_related(lib.with_severity(lib.finding_hint(svc.id, port.targetPortPos, msg, pf.hint), "warning"), _selected(svc))
}

_selected(svc) := lib.related(input.facts.services[svc.id].selects, "a selected workload")

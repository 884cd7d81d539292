# METADATA
# title: Ingress backend port is not a port of the Service
# description: |
#   An Ingress backend names a Service port by number or name. The controller looks
#   the port up on the Service; when the Service has no such port, the route fails.
#   A common mistake is to name the container port (the Service's targetPort) instead
#   of the Service port. A backend that the AWS Load Balancer Controller takes from an
#   action annotation (alb.ingress.kubernetes.io/actions.<name>, or the port name
#   use-annotation, when a controller such as Argo Rollouts writes the annotation at
#   run time) names no Service port and is not checked.
# custom:
#   severity: error
#   requires: [backends]
#   since: v0.1.0
#   remediation: |
#     Use one of the Service's own ports (spec.ports[].port, or its name).
package kubenet.rules["ingress-port-mismatch"]

import data.kubenet.lib

report contains f if {
	some ing in input.ingresses
	not lib.invalid(ing)
	some i, b in ing.backends
	bf := input.facts.backends[ing.id][i]
	bf.service != ""
	not bf.portOK
	bf.action == ""
	svc := lib.services[bf.service]
	not lib.invalid(svc)
	msg := sprintf("backend port %v is not a port of %s", [_port(b.port), bf.service])
	f := lib.with_related(lib.finding_hint(ing.id, b.portPos, msg, bf.hint), lib.related({bf.service}, "the backend Service"))
}

_port(p) := sprintf("%q", [p]) if is_string(p)

_port(p) := sprintf("%d", [p]) if is_number(p)

# METADATA
# title: Ingress backend Service does not exist
# description: |
#   An Ingress routes to Services of its own namespace. A backend (rule path or
#   defaultBackend) that names a Service the input does not define in that namespace
#   answers 503 or 404 from the ingress controller. Resource backends are not checked.
# custom:
#   severity: error
#   since: v0.1.0
#   remediation: |
#     Name an existing Service of the Ingress's namespace, create the Service, or lint the
#     manifests that define it together with the Ingress.
package kubenet.rules["ingress-backend-missing"]

import data.kubenet.lib

report contains f if {
	some ing in input.ingresses
	not lib.invalid(ing)
	some i, b in ing.backends
	b.service != ""
	bf := input.facts.backends[ing.id][i]
	bf.service == ""
	msg := sprintf("%s routes to Service %q, which does not exist in namespace %s", [_route(b), b.service, ing.namespace])
	f := lib.finding_hint(ing.id, b.servicePos, msg, bf.hint)
}

_route(b) := "defaultBackend" if b.default

_route(b) := sprintf("%s%s", [_host(b.host), b.path]) if not b.default

_host(h) := h if h != ""

_host(h) := "*" if h == ""

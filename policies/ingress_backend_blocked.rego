# METADATA
# title: NetworkPolicy blocks the ingress controller from an Ingress backend
# description: |
#   An ingress controller proxies each request to the backend Service's pods on the
#   Service's targetPort (after DNAT, not the Service port). When the pods are isolated
#   for ingress and no rule admits the controller's pods on that port (or the
#   controller's own egress forbids it), every request on the route fails with 502/504.
#   The controller is found in the input by its well-known labels, or assumed in namespace
#   ingress-nginx with labels app.kubernetes.io/name: ingress-nginx.
# custom:
#   severity: error
#   requires: [ingressBackends, ingressControllers]
#   since: v0.1.0
#   remediation: |
#     Add an ingress rule admitting the ingress controller's namespace and pods on the
#     targetPort to the policy that isolates the backend pods.
package kubenet.rules["ingress-backend-blocked"]

import data.kubenet.lib

report contains f if {
	some ing in input.ingresses
	not lib.invalid(ing)
	some i, b in ing.backends
	br := input.facts.ingressBackends[ing.id][i]
	count(br.blocked) > 0
	msg := sprintf("the ingress controller (%s) cannot reach %s on port %s of Service %s: blocked by %s", [
		concat(", ", input.facts.ingressControllers), concat(", ", br.blocked),
		concat(", ", [sprintf("%d", [p]) | some p in br.ports]), b.service, concat(", ", br.policies),
	])
	f := lib.with_related(lib.finding_hint(ing.id, b.servicePos, msg, br.fix), array.concat(
		lib.related(br.blocked, "the backend's pods"), lib.related(br.policies, "blocks the ingress controller"),
	))
}

# METADATA
# title: NetworkPolicy blocks a Gateway's data plane from a route backend
# description: |
#   A Gateway's data plane proxies each request to the backend Service's pods on the
#   Service's targetPort (after DNAT). When the pods are isolated for ingress and no
#   rule admits the data plane's pods on that port (or the data plane's own egress
#   forbids it), every request on the route fails. The data plane is found by the
#   Gateway class's controller: Envoy Gateway's proxies run in envoy-gateway-system with
#   owning-gateway labels; every other controller's in the Gateway's namespace,
#   labelled gateway.networking.k8s.io/gateway-name: <gateway> (GEP-1762: Istio, NGINX
#   Gateway Fabric, kgateway); Cilium has no per-Gateway pods and is not checked. When
#   the input has no such pods, they are assumed, and the message says so.
# custom:
#   severity: error
#   requires: [routes]
#   since: v0.10.0
#   remediation: |
#     Add an ingress rule admitting the Gateway's data plane (its namespace, and the label
#     gateway.networking.k8s.io/gateway-name) on the targetPort to the policy that
#     isolates the backend pods.
package kubenet.rules["route-backend-blocked"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, rule in r.rules
	some j, b in rule.backendRefs
	bf := input.facts.routes[r.id].backends[i][j]
	count(bf.reach.blocked) > 0
	msg := sprintf("%s %s: the Gateway's data plane (%s) cannot reach %s on port %s of Service %s: blocked by %s", [
		r.kind, r.name, _planes(bf.dataPlane), concat(", ", bf.reach.blocked),
		concat(", ", [sprintf("%d", [p]) | some p in bf.reach.ports]), bf.service, concat(", ", bf.reach.policies),
	])
	f := lib.with_related(lib.finding_hint(r.id, b.pos, msg, bf.reach.fix), array.concat(
		lib.related(bf.reach.blocked, "the backend's pods"), lib.related(bf.reach.policies, "blocks the data plane"),
	))
}

_planes(ids) := concat(", ", [_plane(id) | some id in ids])

_plane(id) := sprintf("assumed: the pods of Gateway %s in namespace %s", [parts[2], parts[0]]) if {
	parts := split(id, "/")
	parts[1] == "GatewayDataPlane"
}

_plane(id) := id if not contains(id, "/GatewayDataPlane/")

# METADATA
# title: Two Ingress routes for the same host and path lead to different backends
# description: |
#   Ingress controllers merge the Ingresses of one class. When two routes have the same
#   host, path and pathType but different backends, only one of them serves traffic,
#   and which one depends on the controller (often the oldest Ingress), not on the
#   manifests. Ingresses of different classes are served by different controllers and
#   do not conflict.
# custom:
#   severity: warning
#   requires: [routeConflicts]
#   since: v0.1.0
#   remediation: |
#     Keep one route for the host and path, or give the routes different hosts, paths or
#     ingress classes.
package kubenet.rules["ingress-route-conflict"]

import data.kubenet.lib

report contains f if {
	some rc in input.facts.routeConflicts
	first := rc.routes[0]
	some i, r in rc.routes
	i > 0
	r.backend != first.backend
	msg := sprintf("route %s%s (%s) goes to %s, but %s routes it to %s", [
		_host(rc.host), rc.path, rc.pathType, r.backend, first.ingress, first.backend,
	])
	f := lib.with_related(
		lib.finding_hint(r.ingress, r.pos, msg, "remove one of the two routes or change its host or path"),
		[{"object": first.ingress, "pos": first.pos, "message": "the other route"}],
	)
}

_host(h) := h if h != ""

_host(h) := "*" if h == ""

# METADATA
# title: Two routes claim the same match on one listener
# description: |
#   HTTPRoutes attached to the same listener merge, and so do GRPCRoutes (not with each
#   other). When two routes have an identical match (path type and value, method,
#   headers and query parameters; or gRPC service and method, and headers) for the same
#   hostname but lead to different backends, only one gets the traffic: the oldest
#   route, and between routes created together, the first by namespace and name. Which
#   one is the oldest depends on when each was applied, not on the manifests, so the
#   other route's rule silently serves nothing.
# custom:
#   severity: warning
#   requires: [matchConflicts]
#   since: v0.10.0
#   remediation: |
#     Keep the match in one route, or tell them apart by hostname, path or header.
package kubenet.rules["route-conflict"]

import data.kubenet.lib

report contains f if {
	some c in input.facts.matchConflicts
	some r in input.routes
	r.id == c.route
	not lib.invalid(r)
	msg := sprintf("%s %s matches %s%s on %s, as %s does, with other backends: only one gets the traffic (the oldest; between routes created together, %s)", [
		r.kind, r.name, c.match, _host(c.hostname), c.listener, c.winner, c.winner,
	])
	f := lib.with_related(
		lib.finding_hint(r.id, c.pos, msg, "keep the match in one route, or tell them apart by hostname, path or header"),
		lib.related([c.winner], "the other route"),
	)
}

_host(h) := sprintf(" for %s", [h]) if h != ""

_host(h) := "" if h == ""

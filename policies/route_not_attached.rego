# METADATA
# title: Route does not attach to its parent
# description: |
#   A route attaches to a Gateway (or ListenerSet) only through a listener that takes
#   it, checked in the Gateway API's order: the parentRef's sectionName and port must
#   name a listener (NoMatchingParent); the listener's allowedRoutes must admit the
#   route's kind (by default, the kinds its protocol carries) and its namespace (Same,
#   All, or a Selector over the namespace's labels, kubernetes.io/metadata.name
#   included) (NotAllowedByListeners); and the listener's hostname must intersect the
#   route's hostnames, wildcards as the spec defines them (NoMatchingListenerHostname).
#   A ListenerSet counts only when its Gateway admits it (allowedListeners), and a mesh
#   route's port must be one of its Service's. The message says which condition fails.
#   A refusal by a namespace selector, for a namespace the input does not declare (its
#   labels in the cluster are unknown), is information.
# custom:
#   severity: error
#   requires: [routes]
#   since: v0.10.0
#   remediation: |
#     Fix the parentRef (sectionName, port), the listener's allowedRoutes, or the hostnames,
#     as the message says.
package kubenet.rules["route-not-attached"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, p in r.parentRefs
	pf := input.facts.routes[r.id].parents[i]
	pf.reason != ""
	msg := sprintf("%s %s does not attach to %s (%s): %s%s", [r.kind, r.name, pf.parent, pf.reason, pf.why, _unknown(pf, r)])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(r.id, p.pos, msg, pf.hint), _severity(pf)),
		lib.related([pf.parent], "the parent"),
	)
}

_severity(pf) := "info" if pf.labelsUnknown

_severity(pf) := "error" if not pf.labelsUnknown

_unknown(pf, r) := sprintf(" (namespace %s is not declared in the input, so its labels are unknown)", [r.namespace]) if pf.labelsUnknown

_unknown(pf, _) := "" if not pf.labelsUnknown

# METADATA
# title: Route backend Service does not exist
# description: |
#   A route's backendRef (of a rule, or of a RequestMirror filter) that names a Service
#   the input does not define in its namespace gets no traffic: the route answers 500
#   for that backend's share. Backends of other kinds than a core Service are not
#   checked. When the input defines no Service at all in that namespace (and none of
#   that name elsewhere), it says nothing of the Services there, and the finding is
#   information; when a kustomization or Helm chart kubenet did not build may define
#   it, a warning. Services declared in .kubenet.yaml (cluster.external) exist.
# custom:
#   severity: error
#   requires: [routes, namespaces]
#   since: v0.10.0
#   remediation: |
#     Name an existing Service, create it, or lint the manifests that define it together
#     with the route.
package kubenet.rules["route-backend-missing"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, rule in r.rules
	some j, b in rule.backendRefs
	bf := input.facts.routes[r.id].backends[i][j]
	bf.judged
	bf.service == ""
	not bf.external
	msg := sprintf("%s %s sends traffic to Service %q, which does not exist in namespace %s%s", [r.kind, r.name, b.name, bf.namespace, _why(bf)])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(r.id, b.pos, msg, bf.hint), _severity(bf)),
		lib.related(bf.elsewhere, "a Service of that name in another namespace"),
	)
}

_unknown(bf) if {
	object.get(input.facts.namespaces, [bf.namespace, "services"], 0) == 0
	count(bf.elsewhere) == 0
}

_severity(bf) := "info" if _unknown(bf)

_severity(bf) := "warning" if {
	not _unknown(bf)
	bf.skipped != ""
}

_severity(bf) := "error" if {
	not _unknown(bf)
	bf.skipped == ""
}

_why(bf) := ": the input defines no Service there, so it may be deployed from other manifests" if _unknown(bf)

_why(bf) := sprintf("; %s, which kubenet did not build, may define it", [bf.skipped]) if {
	not _unknown(bf)
	bf.skipped != ""
}

_why(bf) := "" if {
	not _unknown(bf)
	bf.skipped == ""
}

# METADATA
# title: Route's parent Gateway, ListenerSet or Service does not exist
# description: |
#   A Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) attaches
#   to the parents its parentRefs name: Gateways, ListenerSets, or Services for a mesh
#   (GAMMA). A parent that does not exist gets the route no traffic, and no controller
#   says so: the route has no status at all. Gateways are often another team's, deployed
#   from other manifests: when the input defines no object of the parent's kind in its
#   namespace, the finding is information; when it defines others there (a misspelt
#   name), an error. Services the configuration declares (cluster.external) exist.
#   Parents of other kinds are the implementation's, and not checked.
# custom:
#   severity: error
#   requires: [routes]
#   since: v0.10.0
#   remediation: |
#     Name an existing parent (its name, namespace, and kind when it is not a Gateway), or
#     lint the manifests that define it together with the route.
package kubenet.rules["route-parent-missing"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, p in r.parentRefs
	pf := input.facts.routes[r.id].parents[i]
	pf.kind != ""
	pf.parent == ""
	not pf.external
	ns := _namespace(p, r)
	msg := sprintf("%s %s attaches to %s %s/%s, which is not in the input%s", [r.kind, r.name, pf.kind, ns, p.name, _why(pf, ns)])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(r.id, p.pos, msg, _hint(pf, ns, p)), _severity(pf)),
		lib.related(pf.siblings, sprintf("a %s of that namespace", [pf.kind])),
	)
}

_hint(pf, _, _) := pf.hint if pf.hint != ""

_hint(pf, ns, p) := sprintf("lint the manifests that define %s %s/%s together with the route", [pf.kind, ns, p.name]) if pf.hint == ""

_namespace(p, _) := p.namespace if p.namespace != ""

_namespace(p, r) := r.namespace if p.namespace == ""

_severity(pf) := "info" if count(pf.siblings) == 0

_severity(pf) := "error" if count(pf.siblings) > 0

_why(pf, ns) := sprintf(": the input defines no %s in namespace %s, so it may be deployed from other manifests", [pf.kind, ns]) if {
	count(pf.siblings) == 0
}

_why(pf, _) := "" if count(pf.siblings) > 0

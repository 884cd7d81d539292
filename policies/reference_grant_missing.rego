# METADATA
# title: Cross-namespace reference without a ReferenceGrant
# description: |
#   A route's backendRef to a Service of another namespace, and a Gateway listener's
#   certificateRef to a Secret of another namespace, are refused (ResolvedRefs
#   RefNotPermitted) unless a ReferenceGrant in the target's namespace admits them: one
#   entry of its from matching the referrer's group, kind and namespace, and one of its
#   to matching the target's group and kind (and name, when given). Routes whose
#   parents are all Services (a mesh) need no grant. Grants are made by the target
#   namespace's owners: when the input holds nothing of that namespace, the grant may
#   be managed with it elsewhere, and the finding is information.
# custom:
#   severity: error
#   requires: [routes, gateways]
#   since: v0.10.0
#   remediation: |
#     Add a ReferenceGrant in the target's namespace that admits the referrer, or move the
#     target into the referrer's namespace.
package kubenet.rules["reference-grant-missing"]

import data.kubenet.lib

report contains f if {
	some r in input.routes
	not lib.invalid(r)
	some i, rule in r.rules
	some j, b in rule.backendRefs
	bf := input.facts.routes[r.id].backends[i][j]
	bf.grantMissing
	msg := sprintf("%s %s sends traffic to Service %s/%s, and no ReferenceGrant in namespace %s admits %ss of namespace %s", [r.kind, r.name, bf.namespace, b.name, bf.namespace, r.kind, r.namespace])
	hint := sprintf("add a ReferenceGrant in namespace %s with from: [{group: gateway.networking.k8s.io, kind: %s, namespace: %s}] and to: [{group: \"\", kind: Service, name: %s}]", [bf.namespace, r.kind, r.namespace, b.name])
	f := lib.with_severity(lib.finding_hint(r.id, b.pos, sprintf("%s%s", [msg, _elsewhere(bf.namespaceKnown, bf.namespace)]), hint), _severity(bf.namespaceKnown))
}

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	some p in input.facts.gateways[gw.id].certificateGrants
	msg := sprintf("%s%s", [p.message, _elsewhere(p.namespaceKnown, p.namespace)])
	f := lib.with_severity(lib.finding_hint(gw.id, p.pos, msg, p.hint), _severity(p.namespaceKnown))
}

_severity(known) := "error" if known

_severity(known) := "info" if not known

_elsewhere(known, _) := "" if known

_elsewhere(known, ns) := sprintf(" (the input holds nothing of namespace %s: a grant may be managed with it elsewhere)", [ns]) if not known

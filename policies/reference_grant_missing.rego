# METADATA
# title: Cross-namespace reference without a ReferenceGrant
# description: |
#   A route's backendRef to a Service of another namespace, and a Gateway listener's
#   certificateRef to a Secret of another namespace, are refused (ResolvedRefs
#   RefNotPermitted) unless a ReferenceGrant in the target's namespace admits them: one
#   entry of its from matching the referrer's group, kind and namespace, and one of its
#   to matching the target's group and kind (and name, when given). Routes whose
#   parents are all Services (a mesh) need no grant.
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
	f := lib.finding_hint(r.id, b.pos, msg, hint)
}

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	some p in input.facts.gateways[gw.id].certificateGrants
	f := lib.finding_hint(gw.id, p.pos, p.message, p.hint)
}

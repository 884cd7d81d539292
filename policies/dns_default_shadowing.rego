# METADATA
# title: Short name relies on namespace default
# description: |
#   A pod's search path holds its own namespace only (<ns>.svc.<domain>, svc.<domain>,
#   <domain>); namespace default is not searched, although many believe it is. A single
#   label that names a Service only in default does not resolve from another namespace
#   (error). One that names a Service in both the pod's namespace and default resolves to
#   the pod's own namespace, which readers and tools that assume otherwise get wrong
#   (warning). Objects without a namespace land in the one given with --namespace.
# custom:
#   severity: error
#   requires: [dns]
#   since: v0.1.0
#   remediation: |
#     Use name.default (or the FQDN name.default.svc.cluster.local) for the Service in
#     default; use the FQDN to make the intended namespace explicit.
package kubenet.rules["dns-default-shadowing"]

import data.kubenet.lib

report contains f if {
	some r in input.facts.dns.references
	r.shadowing == "error"
	msg := sprintf("%q resolves to nothing from namespace %s: a Service %s exists only in namespace default, which is not searched", [
		r.name, r.namespace, r.name,
	])
	f := lib.finding_hint(r.object, r.pos, msg, r.hint)
}

report contains f if {
	some r in input.facts.dns.references
	r.shadowing == "warning"
	msg := sprintf("%q resolves to %s, not to the Service %s in namespace default", [r.name, r.resolution.answer.service, r.name])
	hint := sprintf("write %s.%s.svc.%s (or %s.default.svc.%s if default was meant)", [
		r.name, r.namespace, input.facts.dns.clusterDomain, r.name, input.facts.dns.clusterDomain,
	])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(r.object, r.pos, msg, hint), "warning"),
		lib.related({r.resolution.answer.service, sprintf("default/Service/%s", [r.name])}, "a Service of that name"),
	)
}

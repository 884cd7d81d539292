# METADATA
# title: Search domain captures a name meant for outside the cluster
# description: |
#   A name with fewer dots than ndots (5 by default) is first tried with each search
#   domain. When such a name is meant for outside the cluster (its last label is a public
#   suffix such as com or io) and a search domain turns it into an in-cluster record
#   first, the pod talks to the wrong server: e.g. example.com answered by Service
#   example in a namespace named com (error). Private-use suffixes (internal, local, corp,
#   lan) are reported as warnings: the intent is less clear. A Namespace named like one
#   of the top-level domains most names end in (com, net, org, io) captures such lookups
#   from every pod of the cluster, which is worth knowing (information); everyday names
#   such as app, dev or shop are reported only when a name the input uses is captured.
# custom:
#   severity: error
#   requires: [dns]
#   since: v0.1.0
#   remediation: |
#     Write the name with a trailing dot (example.com.) or lower ndots for the pod; rename
#     a Namespace named like a top-level domain.
package kubenet.rules["dns-search-capture"]

import data.kubenet.lib

report contains f if {
	some r in input.facts.dns.references
	r.capture != ""
	msg := sprintf("%q is answered in the cluster by %s (search domain %s) before any outside resolver sees it", [
		r.name, r.resolution.answer.service, _via(r),
	])
	hint := sprintf("write %q with a trailing dot to resolve it outside the cluster, or use the FQDN if the cluster Service was meant", [r.name])
	f := lib.with_severity(lib.finding_hint(r.object, r.pos, msg, hint), r.capture)
}

_via(r) := trim_suffix(trim_prefix(r.resolution.answer.fqdn, concat("", [lower(r.name), "."])), ".")

report contains f if {
	some t in input.facts.dns.tldNamespaces
	count(t.services) > 0
	msg := sprintf("namespace %q is named like a top-level domain: every pod's lookup of <service>.%s (e.g. %s) is answered in the cluster", [
		t.namespace, t.namespace, _example(t),
	])
	f := lib.with_severity(lib.finding_hint(sprintf("Namespace/%s", [t.namespace]), t.pos, msg, "rename the namespace"), "info")
}

report contains f if {
	some t in input.facts.dns.tldNamespaces
	count(t.services) == 0
	msg := sprintf("namespace %q is named like a top-level domain: any Service created in it captures lookups of <name>.%s from every pod", [
		t.namespace, t.namespace,
	])
	f := lib.with_severity(lib.finding_hint(sprintf("Namespace/%s", [t.namespace]), t.pos, msg, "rename the namespace"), "info")
}

_example(t) := sprintf("%s.%s", [split(t.services[0], "/")[2], t.namespace])

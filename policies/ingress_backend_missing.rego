# METADATA
# title: Ingress backend Service does not exist
# description: |
#   An Ingress routes to Services of its own namespace. A backend (rule path or
#   defaultBackend) that names a Service the input does not define in that namespace
#   answers 503 or 404 from the ingress controller. Resource backends, and backends
#   the AWS Load Balancer Controller takes from an action annotation
#   (alb.ingress.kubernetes.io/actions.<name>), are not checked.
#   When the input defines no Service at all in that namespace (and none of that name
#   elsewhere), it says nothing of the Services there, and the finding is information;
#   when a kustomization or Helm chart kubenet did not build may define it, a warning.
#   Services declared in .kubenet.yaml (cluster.external) exist.
# custom:
#   severity: error
#   requires: [backends, namespaces]
#   since: v0.1.0
#   remediation: |
#     Name an existing Service of the Ingress's namespace, create the Service, or lint the
#     manifests that define it together with the Ingress.
package kubenet.rules["ingress-backend-missing"]

import data.kubenet.lib

report contains f if {
	some ing in input.ingresses
	not lib.invalid(ing)
	some i, b in ing.backends
	b.service != ""
	bf := input.facts.backends[ing.id][i]
	bf.service == ""
	bf.action == ""
	not bf.external
	msg := sprintf("%s routes to Service %q, which does not exist in namespace %s%s", [_route(b), b.service, ing.namespace, _why(ing, bf)])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(ing.id, b.servicePos, msg, bf.hint), _severity(ing, bf)),
		lib.related(bf.elsewhere, "a Service of that name in another namespace"),
	)
}

# With no Service at all in the namespace, the input says nothing of the Services
# there: they are likely deployed from other manifests. A Service of that name in
# another namespace is evidence of a mistake all the same.
_unknown(ing, bf) if {
	not input.facts.namespaces[ing.namespace].services > 0
	count(bf.elsewhere) == 0
}

_severity(ing, bf) := "info" if _unknown(ing, bf)

_severity(ing, bf) := "warning" if {
	not _unknown(ing, bf)
	bf.skipped != ""
}

_severity(ing, bf) := "error" if {
	not _unknown(ing, bf)
	bf.skipped == ""
}

_why(ing, bf) := ": the input defines no Service there, so it may be deployed from other manifests" if _unknown(ing, bf)

_why(ing, bf) := sprintf("; %s, which kubenet did not build, may define it", [bf.skipped]) if {
	not _unknown(ing, bf)
	bf.skipped != ""
}

_why(ing, bf) := "" if {
	not _unknown(ing, bf)
	bf.skipped == ""
}

_route(b) := "defaultBackend" if b.default

_route(b) := sprintf("%s%s", [_host(b.host), b.path]) if not b.default

_host(h) := h if h != ""

_host(h) := "*" if h == ""

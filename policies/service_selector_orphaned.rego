# METADATA
# title: Service selector matches no pod template
# description: |
#   A Service sends traffic to the pods its selector matches in its own namespace. When
#   no pod template in the input carries every label of the selector, the Service has
#   no endpoints and every connection to it fails. Selector-less and ExternalName
#   Services are not checked, nor are Services that select pods kubenet assumes the
#   cluster runs (the cluster DNS pods, an ingress controller; see cluster in
#   .kubenet.yaml), pods a custom resource may create with other labels of its spec,
#   or namespaces .kubenet.yaml declares external. The finding is a warning, saying
#   why, when the namespace holds custom resources that may create pods kubenet cannot
#   see (operators it does not know), or when a kustomization or Helm chart kubenet did
#   not build (remote resources, helmCharts) may define them. When the input has no
#   workload at all in that namespace, it says nothing of the pods there: the pods are
#   likely deployed from other manifests, and the finding is only information. Pods get
#   the labels sidecar injectors add (Istio's security.istio.io/tlsMode and
#   service.istio.io/canonical-name, in namespaces labelled for injection); a selector
#   that matches only through them is not orphaned, and an information finding says so.
# custom:
#   severity: error
#   requires: [services]
#   since: v0.1.0
#   remediation: |
#     Make the selector a subset of the pod template labels (spec.template.metadata.labels)
#     of the workload the Service should expose, or fix the labels of that workload.
package kubenet.rules["service-selector-orphaned"]

import data.kubenet.lib

_orphans contains [svc, facts] if {
	some svc in input.services
	facts := input.facts.services[svc.id]
	count(facts.selects) == 0
	facts.assumed == ""
	not lib.invalid(svc)
	svc.selector != null
	svc.type != "ExternalName"
}

report contains f if {
	some [svc, facts] in _orphans
	count(facts.podCreators) == 0
	facts.namespaceWorkloads > 0
	facts.skipped == ""
	msg := sprintf("selector %s matches no pod template in namespace %s", [_selector(svc), svc.namespace])
	f := lib.finding_hint(svc.id, _blame(svc, facts), msg, facts.hint)
}

report contains f if {
	some [svc, facts] in _orphans
	count(facts.podCreators) == 0
	facts.namespaceWorkloads > 0
	facts.skipped != ""
	msg := sprintf("selector %s matches no pod template in namespace %s; %s, which kubenet did not build, may define the pods", [
		_selector(svc), svc.namespace, facts.skipped,
	])
	f := lib.with_severity(lib.finding_hint(svc.id, _blame(svc, facts), msg, facts.hint), "warning")
}

report contains f if {
	some [svc, facts] in _orphans
	count(facts.podCreators) > 0
	facts.namespaceWorkloads > 0
	msg := sprintf(
		"selector %s matches no pod template in the input; custom resources in namespace %s may create the pods (%s)",
		[_selector(svc), svc.namespace, _first(facts.podCreators)],
	)
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(svc.id, _blame(svc, facts), msg, facts.hint), "warning"),
		[{"object": id, "message": "may create pods"} | some id in facts.podCreators],
	)
}

report contains f if {
	some [svc, facts] in _orphans
	facts.namespaceWorkloads == 0
	msg := sprintf(
		"selector %s matches no pod template: the input has no workload in namespace %s, so the pods may be deployed from other manifests",
		[_selector(svc), svc.namespace],
	)
	f := lib.with_severity(lib.finding_hint(svc.id, _blame(svc, facts), msg, facts.hint), "info")
}

report contains f if {
	some svc in input.services
	facts := input.facts.services[svc.id]
	facts.through != ""
	not lib.invalid(svc)
	msg := sprintf(
		"selector %s matches %s only through labels %s adds to their pods: without it, the Service has no endpoints",
		[_selector(svc), lib.join(facts.selects), facts.through],
	)
	f := lib.with_related(lib.with_severity(lib.finding(svc.id, svc.selectorPos, msg), "info"), lib.related(facts.selects, "its pods get the labels when injected"))
}

_selector(svc) := concat(",", sort([sprintf("%s=%s", [k, v]) | some k, v in svc.selector]))

_first(ids) := concat(", ", array.slice(ids, 0, 3)) if count(ids) <= 3

_first(ids) := sprintf("%s and %d more", [concat(", ", array.slice(ids, 0, 3)), count(ids) - 3]) if count(ids) > 3

# The selector pair the hint would change, else the selector.
_blame(svc, facts) := svc.selectorKeyPos[facts.blame] if facts.blame != ""

_blame(svc, facts) := svc.selectorPos if facts.blame == ""

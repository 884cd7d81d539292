# METADATA
# title: ServiceMonitor or PodMonitor scrapes nothing
# description: |
#   A Prometheus operator ServiceMonitor selects Services by their own labels
#   (metadata.labels) in its namespace, or in those of namespaceSelector; each
#   endpoint names a Service port (port) or a container port (targetPort). A
#   PodMonitor selects pods by their labels, and each podMetricsEndpoint names a
#   container port. When the selector matches nothing, or an endpoint names a port the
#   selected Services or pods lack, Prometheus silently scrapes nothing: the metrics
#   are never collected, and alerts and autoscalers that read them go blind. Errors
#   when the input defines what the monitor looks at; a warning when a kustomization or
#   Helm chart kubenet did not build may define it, or custom resources there may
#   create the targets; information when the namespaces it looks in hold nothing in the
#   input, or it looks in any namespace (the targets are likely deployed from other
#   manifests, or live in namespaces the input does not show). Services and pods that operators create (see docs/operators.md) count;
#   namespaces declared in .kubenet.yaml (cluster.external.namespaces) are not judged.
# custom:
#   severity: error
#   requires: [monitors]
#   since: v0.2.0
#   remediation: |
#     Make the selector match the labels of the Services (ServiceMonitor: the Service's
#     metadata.labels) or pods (PodMonitor: the pod template labels) to scrape, set
#     namespaceSelector when they live in another namespace, and name a port they have.
package kubenet.rules["servicemonitor-mismatch"]

import data.kubenet.lib

_checked contains [m, facts] if {
	some m in input.monitors
	not lib.invalid(m)
	facts := input.facts.monitors[m.id]
	not facts.external
}

_what(m) := "Service" if m.kind == "ServiceMonitor"

_what(m) := "pod" if m.kind == "PodMonitor"

_where(facts) := "any namespace" if facts.namespaces == ["*"]

_where(facts) := sprintf("namespace %s", [concat(", ", facts.namespaces)]) if facts.namespaces != ["*"]

_selector(m) := lib.selector_string(m.selector)

# The selector matches nothing of what the input defines where it looks, and nothing
# outside the input can supply it: the namespaces are named, and hold no custom
# resource that may create the targets.
report contains f if {
	some [m, facts] in _checked
	count(facts.selects) == 0
	facts.candidates > 0
	not m.anyNamespace
	facts.skipped == ""
	count(facts.podCreators) == 0
	msg := sprintf("selector %s matches no %s in %s: nothing is scraped", [_selector(m), _what(m), _where(facts)])
	f := lib.finding_hint(m.id, m.selector.pos, msg, facts.hint)
}

report contains f if {
	some [m, facts] in _checked
	count(facts.selects) == 0
	facts.candidates > 0
	not m.anyNamespace
	facts.skipped == ""
	count(facts.podCreators) > 0
	msg := sprintf("selector %s matches no %s of the input in %s; custom resources there may create them (%s)", [
		_selector(m), _what(m), _where(facts), lib.join(array.slice(sort(facts.podCreators), 0, 3)),
	])
	f := lib.with_related(
		lib.with_severity(lib.finding_hint(m.id, m.selector.pos, msg, facts.hint), "warning"),
		lib.related(facts.podCreators, "may create the targets"),
	)
}

# namespaceSelector any: the targets may be in namespaces the input does not show.
report contains f if {
	some [m, facts] in _checked
	count(facts.selects) == 0
	facts.candidates > 0
	m.anyNamespace
	msg := sprintf("selector %s matches no %s of the input in any namespace; they may be in namespaces the input does not show", [
		_selector(m), _what(m),
	])
	f := lib.with_severity(lib.finding_hint(m.id, m.selector.pos, msg, facts.hint), "info")
}

report contains f if {
	some [m, facts] in _checked
	count(facts.selects) == 0
	facts.candidates > 0
	not m.anyNamespace
	facts.skipped != ""
	msg := sprintf("selector %s matches no %s in %s; %s, which kubenet did not build, may define it", [
		_selector(m), _what(m), _where(facts), facts.skipped,
	])
	f := lib.with_severity(lib.finding_hint(m.id, m.selector.pos, msg, facts.hint), "warning")
}

report contains f if {
	some [m, facts] in _checked
	count(facts.selects) == 0
	facts.candidates == 0
	msg := sprintf("selector %s matches no %s: the input defines none in %s, so they may be deployed from other manifests", [
		_selector(m), _what(m), _where(facts),
	])
	f := lib.with_severity(lib.finding_hint(m.id, m.selector.pos, msg, facts.hint), "info")
}

# An endpoint names a port the selected Services or pods lack.
report contains f if {
	some [m, facts] in _checked
	some i, e in m.endpoints
	ef := facts.endpoints[i]
	ef.status == "port-missing"
	msg := sprintf("endpoint port %q is not a port of the selected %ss (%s): nothing is scraped there", [
		e.port, _what(m), lib.join(facts.selects),
	])
	f := lib.with_related(lib.finding_hint(m.id, e.portPos, msg, ef.hint), _related(facts))
}

report contains f if {
	some [m, facts] in _checked
	some i, e in m.endpoints
	ef := facts.endpoints[i]
	ef.status == "target-port-missing"
	msg := sprintf("endpoint targetPort %q is not a container port of the pods behind the selected %ss (%s): nothing is scraped there", [
		e.targetPort, _what(m), lib.join(facts.selects),
	])
	f := lib.with_related(lib.finding_hint(m.id, e.targetPortPos, msg, ef.hint), _related(facts))
}

_pos := {o.id: o.pos | some o in array.concat(input.services, input.workloads)}

_related(facts) := [{"object": id, "pos": _pos[id], "message": "selected"} | some id in facts.selects]

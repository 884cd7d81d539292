# METADATA
# title: BackendTLSPolicy targets nothing, or cannot be applied
# description: |
#   A BackendTLSPolicy tells a Gateway's data plane how to speak TLS to the Services it
#   targets: targetRefs name Services of the policy's namespace, and a sectionName names
#   one of the Service's ports. A target Service the input does not define there, or a
#   sectionName that is not a port name of it, leaves the policy applied to nothing, and
#   the data plane speaks plain text to a backend that expects TLS. The validation block
#   must name the CA certificates (caCertificateRefs) or wellKnownCACertificates, one of
#   the two, and the hostname the backend's certificate is checked against: the API
#   server refuses the policy otherwise. When the input defines no Service at all in the
#   policy's namespace, it says nothing of the Services there, and a missing target is
#   information; when a kustomization or Helm chart kubenet did not build may define it,
#   a warning.
# custom:
#   severity: error
#   requires: [namespaces]
#   since: v0.11.0
#   remediation: |
#     Target an existing Service (and one of its port names in sectionName), and give
#     validation a hostname and either caCertificateRefs or wellKnownCACertificates.
package kubenet.rules["backend-tls-policy-invalid"]

import data.kubenet.lib

_services := {s.id: s | some s in input.services}

report contains f if {
	some p in input.backendTLSPolicies
	not lib.invalid(p)
	some t in p.targetRefs
	t.group == ""
	t.kind == "Service"
	not _services[sprintf("%s/Service/%s", [p.namespace, t.name])]
	msg := sprintf("BackendTLSPolicy %s targets Service %q, which does not exist in namespace %s%s", [p.name, t.name, p.namespace, _why(p.namespace)])
	f := lib.with_severity(lib.finding(p.id, t.pos, msg), _severity(p.namespace))
}

report contains f if {
	some p in input.backendTLSPolicies
	not lib.invalid(p)
	some t in p.targetRefs
	t.group == ""
	t.kind == "Service"
	t.sectionName != ""
	svc := _services[sprintf("%s/Service/%s", [p.namespace, t.name])]
	not svc.portsUnknown
	names := {port.name | some port in svc.ports; port.name != ""}
	not t.sectionName in names
	msg := sprintf("BackendTLSPolicy %s targets port %q of Service %s, which has no port of that name", [p.name, t.sectionName, t.name])
	hint := sprintf("the Service's port names: %s", [_names(names)])
	f := lib.finding_hint(p.id, t.pos, msg, hint)
}

report contains f if {
	some p in input.backendTLSPolicies
	not lib.invalid(p)
	count(p.caCertificateRefs) > 0
	p.wellKnownCACertificates != ""
	msg := sprintf("BackendTLSPolicy %s gives both caCertificateRefs and wellKnownCACertificates; the API server accepts one of the two", [p.name])
	f := lib.finding(p.id, p.hostnamePos, msg)
}

report contains f if {
	some p in input.backendTLSPolicies
	not lib.invalid(p)
	count(p.caCertificateRefs) == 0
	p.wellKnownCACertificates == ""
	msg := sprintf("BackendTLSPolicy %s names no CA to validate the backend with: validation needs caCertificateRefs or wellKnownCACertificates", [p.name])
	f := lib.finding(p.id, p.hostnamePos, msg)
}

report contains f if {
	some p in input.backendTLSPolicies
	not lib.invalid(p)
	p.hostname == ""
	msg := sprintf("BackendTLSPolicy %s has no validation.hostname, which the backend's certificate is checked against; the API server requires it", [p.name])
	f := lib.finding(p.id, p.hostnamePos, msg)
}

_names(names) := concat(", ", sort(names)) if count(names) > 0

_names(names) := "none (name the ports to target one)" if count(names) == 0

_unknown(ns) if object.get(input.facts.namespaces, [ns, "services"], 0) == 0

_skipped(ns) := object.get(input.facts.namespaces, [ns, "skipped"], "")

_severity(ns) := "info" if _unknown(ns)

_severity(ns) := "warning" if {
	not _unknown(ns)
	_skipped(ns) != ""
}

_severity(ns) := "error" if {
	not _unknown(ns)
	_skipped(ns) == ""
}

_why(ns) := ": the input defines no Service there, so it may be deployed from other manifests" if _unknown(ns)

_why(ns) := sprintf("; %s, which kubenet did not build, may define it", [_skipped(ns)]) if {
	not _unknown(ns)
	_skipped(ns) != ""
}

_why(ns) := "" if {
	not _unknown(ns)
	_skipped(ns) == ""
}

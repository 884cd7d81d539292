# METADATA
# title: Manifests contradict a stated connectivity expectation
# description: |
#   Expectations state network intent (from, to, port, allowed: true or false) in a file
#   given with --expect. kubenet solves the NetworkPolicies and reports every expectation
#   the manifests contradict, with the explanation and the smallest change that would
#   satisfy it; an expectation that names an unknown workload, Service or port is
#   reported too. This makes network intent testable in CI.
# custom:
#   severity: error
#   requires: [expectations]
#   since: v0.1.0
#   remediation: |
#     Change the NetworkPolicies as the explanation says, or correct the expectation.
package kubenet.rules["connectivity-expectation"]

import data.kubenet.lib

report contains f if {
	some e in input.facts.expectations
	e.error == ""
	e.actual != e.allowed
	msg := sprintf("expected %s -> %s on %s to be %s, but it is %s%s", [
		e.from, e.to, e.port, _verdict(e.allowed), _verdict(e.actual), _name(e),
	])
	f := lib.finding_hint("", e.pos, msg, e.explanation)
}

report contains f if {
	some e in input.facts.expectations
	e.error != ""
	msg := sprintf("expectation %s -> %s on %s cannot be checked: %s", [e.from, e.to, e.port, e.error])
	f := _merge(e, lib.finding_hint("", e.pos, msg, "use ids from `kubenet reach` (ns/Kind/name) and a port the destination serves"))
}

# An expectation that names what this variant of the deployment lacks is judged in the
# variants that have it: it cannot be checked only when none has it.
_merge(e, f) := lib.with_merge(f, "all") if e.unknown != ""

_merge(e, f) := f if e.unknown == ""

_verdict(true) := "allowed"

_verdict(false) := "denied"

_name(e) := sprintf(" (%s)", [e.name]) if e.name != ""

_name(e) := "" if e.name == ""

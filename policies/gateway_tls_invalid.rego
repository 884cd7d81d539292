# METADATA
# title: Gateway listener's TLS does not fit its protocol
# description: |
#   An HTTPS listener, and a TLS listener that terminates TLS (mode Terminate, the
#   default), need a certificate: tls.certificateRefs (or implementation options). The
#   API server refuses a tls block on an HTTP, TCP or UDP listener, and Passthrough on
#   an HTTPS one; an HTTPS or TLS listener without a tls block has nothing to
#   terminate with. A certificateRef to a Secret nothing in the input is or makes (a
#   Secret, a cert-manager Certificate's secretName, an ExternalSecret, a SealedSecret)
#   is at most a warning, as most Secrets are created outside manifests: a warning when
#   the input defines other Secrets in that namespace, else information.
# custom:
#   severity: error
#   requires: [gateways]
#   since: v0.10.0
#   remediation: |
#     Give the listener the tls block its protocol needs, as the message says.
package kubenet.rules["gateway-tls-invalid"]

import data.kubenet.lib

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	some p in input.facts.gateways[gw.id].tls
	f := lib.finding_hint(gw.id, p.pos, sprintf("Gateway %s: %s", [gw.name, p.message]), p.hint)
}

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	some c in input.facts.gateways[gw.id].missingCertificates
	msg := sprintf("Gateway %s: listener %s's certificate Secret %s is not in the input (no Secret, Certificate, ExternalSecret or SealedSecret makes it)%s", [gw.name, c.listener, c.secret, _why(c)])
	f := lib.with_severity(
		lib.finding_hint(gw.id, c.pos, msg, "create the Secret (a cert-manager Certificate with this secretName), or name the one that holds the certificate"),
		_severity(c),
	)
}

_severity(c) := "warning" if c.others > 0

_severity(c) := "info" if c.others == 0

_why(c) := "; the input defines no Secret in its namespace, so it may be created elsewhere" if c.others == 0

_why(c) := "" if c.others > 0

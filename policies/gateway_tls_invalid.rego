# METADATA
# title: Gateway listener's TLS does not fit its protocol
# description: |
#   An HTTPS listener, and a TLS listener that terminates TLS (mode Terminate, the
#   default), need a certificate: tls.certificateRefs (or implementation options). The
#   API server refuses a tls block on an HTTP, TCP or UDP listener, and Passthrough on
#   an HTTPS one; an HTTPS or TLS listener without a tls block has nothing to
#   terminate with.
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

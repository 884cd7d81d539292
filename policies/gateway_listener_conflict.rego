# METADATA
# title: Gateway listeners conflict
# description: |
#   Listeners of a Gateway, and of the ListenerSets it admits, must be told apart:
#   listeners on one port must carry compatible protocols (HTTP, HTTPS or TLS, TCP, and
#   UDP each need a port of their own; HTTPS and TLS share by SNI), and listeners of
#   one protocol on one port must differ in hostname (TCP and UDP listeners cannot
#   share a port at all). The controller marks them Conflicted and serves none of them
#   (within a Gateway) or only the first (across ListenerSets).
# custom:
#   severity: error
#   requires: [gateways]
#   since: v0.10.0
#   remediation: |
#     Give the conflicting listener another port, or another hostname.
package kubenet.rules["gateway-listener-conflict"]

import data.kubenet.lib

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	some c in input.facts.gateways[gw.id].conflicts
	msg := sprintf("Gateway %s (%s): %s", [gw.name, c.reason, c.message])
	f := lib.finding_hint(gw.id, c.pos, msg, "give one of the listeners another port or hostname")
}

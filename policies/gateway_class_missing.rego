# METADATA
# title: Gateway's GatewayClass is not in the input
# description: |
#   A Gateway names its GatewayClass, which says which controller implements it. A
#   class that does not exist leaves the Gateway unprogrammed. Classes are usually
#   installed with the controller, outside the application's manifests, so this is
#   information: check the name against the cluster's classes (kubectl get
#   gatewayclass).
# custom:
#   severity: info
#   requires: [gateways]
#   since: v0.10.0
#   remediation: |
#     Check that the class exists in the cluster, or lint the GatewayClass together with
#     the Gateway.
package kubenet.rules["gateway-class-missing"]

import data.kubenet.lib

report contains f if {
	some gw in input.gateways
	not lib.invalid(gw)
	gw.className != ""
	input.facts.gateways[gw.id].class == ""
	msg := sprintf("Gateway %s names GatewayClass %s, which is not in the input (classes are usually installed with the controller)", [gw.name, gw.className])
	f := lib.finding(gw.id, gw.classPos, msg)
}

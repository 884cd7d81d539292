# METADATA
# title: Networking API version no longer served
# description: |
#   The API server no longer serves extensions/v1beta1 Ingress and NetworkPolicy (removed
#   in Kubernetes 1.16 and 1.22) nor networking.k8s.io/v1beta1 Ingress and IngressClass
#   (removed in 1.22). Applying such a manifest fails with "no matches for kind".
# custom:
#   severity: error
#   requires: []
#   since: v0.1.0
#   remediation: |
#     Use networking.k8s.io/v1. For an Ingress, move serviceName/servicePort into
#     backend.service.name and backend.service.port.number (or .name), and set pathType
#     on every path.
package kubenet.rules["api-removed"]

import data.kubenet.lib

_removed := {
	["extensions/v1beta1", "Ingress"]: "1.22",
	["extensions/v1beta1", "NetworkPolicy"]: "1.16",
	["networking.k8s.io/v1beta1", "Ingress"]: "1.22",
	["networking.k8s.io/v1beta1", "IngressClass"]: "1.22",
}

report contains f if {
	some obj in input.objects
	since := _removed[[obj.apiVersion, obj.kind]]
	msg := sprintf("%s %s is no longer served (removed in Kubernetes %s)", [obj.apiVersion, obj.kind, since])
	hint := sprintf("use apiVersion: networking.k8s.io/v1 for %s", [obj.kind])
	f := lib.finding_hint(obj.id, obj.apiVersionPos, msg, hint)
}

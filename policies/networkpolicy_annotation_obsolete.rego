# METADATA
# title: Namespace relies on the pre-1.7 isolation annotation
# description: |
#   Before Kubernetes 1.7, the Namespace annotation net.beta.kubernetes.io/network-policy
#   turned on default-deny isolation. Kubernetes has ignored it since: the namespace is
#   not isolated, whatever the annotation says.
# custom:
#   severity: warning
#   requires: []
#   since: v0.1.0
#   remediation: |
#     Remove the annotation and add a default-deny NetworkPolicy to the namespace
#     (podSelector: {}, policyTypes: [Ingress]).
package kubenet.rules["networkpolicy-annotation-obsolete"]

import data.kubenet.lib

report contains f if {
	some obj in input.objects
	obj.kind == "Namespace"
	obj.apiVersion == "v1"
	value := obj.annotations["net.beta.kubernetes.io/network-policy"]
	compact := regex.replace(trim_space(value), `\s+`, " ")
	msg := sprintf("annotation net.beta.kubernetes.io/network-policy (%s) is ignored since Kubernetes 1.7; the namespace is not isolated", [compact])
	hint := sprintf("remove it and add a NetworkPolicy in namespace %s with podSelector: {} and policyTypes: [Ingress]", [obj.name])
	f := lib.finding_hint(obj.id, obj.pos, msg, hint)
}

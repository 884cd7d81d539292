# METADATA
# title: NetworkPolicy podSelector matches no pod
# description: |
#   A NetworkPolicy applies to the pods its podSelector matches in its own namespace.
#   When a non-empty selector matches no pod template of the input, the policy protects
#   nothing: usually a typo in a label, or a policy for pods that were renamed. An empty
#   selector ({}) selects every pod of the namespace and is never reported. When the
#   input has no workload at all in the policy's namespace, the pods are likely
#   deployed from other manifests, and the finding is only information.
# custom:
#   severity: warning
#   requires: [namespaces, policies]
#   since: v0.1.0
#   remediation: |
#     Make the podSelector match the pod template labels of the workloads the policy is
#     meant for, or delete the policy.
package kubenet.rules["networkpolicy-selector-orphaned"]

import data.kubenet.lib

report contains f if {
	some p in input.networkPolicies
	not lib.invalid(p)
	not p.podSelector.empty
	facts := input.facts.policies[p.id]
	count(facts.selects) == 0
	msg := sprintf("podSelector %s matches no pod in namespace %s%s", [lib.selector_string(p.podSelector), p.namespace, _why(p)])
	f := lib.with_severity(lib.finding_hint(p.id, p.podSelector.pos, msg, _hint(p)), _severity(p))
}

_empty_namespace(p) if input.facts.namespaces[p.namespace].workloads == 0

_severity(p) := "info" if _empty_namespace(p)

_severity(p) := "warning" if not _empty_namespace(p)

_why(p) := ": the input has no workload there, so the pods may be deployed from other manifests" if _empty_namespace(p)

_why(p) := "" if not _empty_namespace(p)

_hint(p) := sprintf("the input has no workload in namespace %s; if its pods are deployed from other manifests, lint them together", [p.namespace]) if {
	input.facts.namespaces[p.namespace].workloads == 0
}

_hint(p) := "match the pod template labels (spec.template.metadata.labels) of the workloads the policy is for" if {
	input.facts.namespaces[p.namespace].workloads > 0
}

# METADATA
# title: NetworkPolicy podSelector matches no pod
# description: |
#   A NetworkPolicy applies to the pods its podSelector matches in its own namespace.
#   When a non-empty selector matches no pod template of the input, the policy protects
#   nothing: usually a typo in a label, or a policy for pods that were renamed. An empty
#   selector ({}) selects every pod of the namespace and is never reported. When the
#   input has no workload at all in the policy's namespace, the pods are likely
#   deployed from other manifests, and the finding is only information. The subject of a
#   ClusterNetworkPolicy, AdminNetworkPolicy or BaselineAdminNetworkPolicy is judged the
#   same way: a warning when it names, by kubernetes.io/metadata.name, namespaces whose
#   workloads the input holds and matches none of them; information when it may match
#   namespaces the input does not show. The endpointSelector of a Cilium rule and the
#   selector of a Calico policy are judged like a podSelector.
# custom:
#   severity: warning
#   requires: [namespaces, policies, clusterPolicies, orphans]
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

report contains f if {
	some p in input.clusterNetworkPolicies
	not lib.invalid(p)
	facts := input.facts.clusterPolicies[p.id]
	count(facts.selects) == 0
	facts.subject.hostNetworkPods == 0
	not _selects_everything(p.subject)
	msg := sprintf("subject %s matches no pod of the input%s", [_subject(p.subject), _subject_why(facts.subject)])
	f := lib.with_severity(lib.finding_hint(p.id, p.subject.pos, msg, _subject_hint(facts.subject)), _subject_severity(facts.subject))
}

_selects_everything(s) if s.namespaces.empty

_selects_everything(s) if {
	s.pods.namespaceSelector.empty
	s.pods.podSelector.empty
}

_subject(s) := sprintf("namespaces %s", [lib.selector_string(s.namespaces)]) if s.namespaces != null

_subject(s) := sprintf("pods %s in namespaces %s", [
	lib.selector_string(s.pods.podSelector), lib.selector_string(s.pods.namespaceSelector),
]) if {
	s.pods != null
}

_subject_severity(sf) := "warning" if sf.closed

_subject_severity(sf) := "info" if not sf.closed

_subject_why(sf) := "" if sf.closed

_subject_why(sf) := ": no namespace of the input matches its namespace selector, so its pods may be deployed from other manifests" if {
	not sf.closed
	sf.namespaces == 0
}

_subject_why(sf) := ": the namespaces it selects may hold pods the input does not show" if {
	not sf.closed
	sf.namespaces > 0
}

_subject_hint(sf) := "fix the labels so they match the pods this policy is meant for" if sf.closed

_subject_hint(sf) := "lint the manifests of the namespaces it is meant for together with this policy" if not sf.closed

report contains f if {
	some o in input.facts.orphans
	o.subject
	msg := sprintf("%s %s matches no pod %s%s", [o.where, o.selector, _in(o.namespace), _orphan_why(o)])
	f := lib.with_severity(lib.finding_hint(o.policy, o.pos, msg, _subject_hint(o)), _subject_severity(o))
}

_in("") := "of the input"

_in(ns) := sprintf("in namespace %s", [ns]) if ns != ""

_orphan_why(o) := "" if o.closed

_orphan_why(o) := ": the input shows no workload it could select there, so the pods may be deployed from other manifests" if {
	not o.closed
}

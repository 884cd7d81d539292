# METADATA
# title: Workload not covered by any ingress NetworkPolicy
# description: |
#   NetworkPolicies only restrict the pods they select. In a namespace that uses
#   NetworkPolicies, a workload that no policy with Ingress type selects accepts traffic
#   from every pod of the cluster: the gap a default-deny policy closes. A namespace
#   with workloads and no NetworkPolicy at all is reported too. Cluster-wide policies
#   count: a workload that an ingress Deny rule of a ClusterNetworkPolicy,
#   AdminNetworkPolicy or BaselineAdminNetworkPolicy applies to is covered. Both are information:
#   an open workload is a choice (clients, jobs and tools need no ingress policy), not
#   a breakage, and many teams do not use NetworkPolicies yet.
# custom:
#   severity: info
#   requires: [namespaces]
#   since: v0.1.0
#   remediation: |
#     Add a default-deny ingress policy to the namespace (podSelector: {}, policyTypes:
#     [Ingress]) and allow what each workload needs, or a policy for this workload.
package kubenet.rules["namespace-isolation-missing"]

import data.kubenet.lib

_workloads := {w.id: w | some w in input.workloads}

report contains f if {
	some ns, nsf in input.facts.namespaces
	some wid in nsf.notIngressIsolated
	w := _workloads[wid]
	msg := sprintf("%s is selected by no ingress NetworkPolicy%s, while namespace %s has %s; it accepts traffic from every pod", [
		wid, _any_kind(nsf), ns, _coverage(nsf),
	])
	f := lib.finding_hint(wid, w.pos, msg, sprintf("add a default-deny ingress policy to namespace %s, or a policy that selects %s", [ns, wid]))
}

_any_kind(nsf) := "" if nsf.clusterCovered == 0

_any_kind(nsf) := " and no cluster-wide ingress Deny rule" if nsf.clusterCovered > 0

_coverage(nsf) := sprintf("%d", [nsf.policies]) if nsf.clusterCovered == 0

_coverage(nsf) := sprintf("%d NetworkPolicies and %d workloads covered by cluster-wide policies", [nsf.policies, nsf.clusterCovered]) if {
	nsf.clusterCovered > 0
}

report contains f if {
	some ns in input.namespaces
	nsf := input.facts.namespaces[ns.name]
	nsf.policies == 0
	nsf.clusterCovered == 0
	nsf.workloads > 0
	msg := sprintf("namespace %s has %d workloads and no NetworkPolicy: every pod accepts traffic from every pod", [ns.name, nsf.workloads])
	f := lib.finding_hint(ns.id, ns.pos, msg, "start with a default-deny ingress policy and allow what each workload needs")
}

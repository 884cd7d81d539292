# METADATA
# title: Egress policy blocks cluster DNS
# description: |
#   A pod isolated for egress may only send what its egress rules admit. When no rule
#   admits the cluster DNS pods on 53/UDP, every name lookup times out and the
#   application cannot reach anything by name: the most common way a NetworkPolicy
#   breaks an application. That is an error when the input shows a hostname the pods
#   use; without one, a warning (the pods may connect by address only). kubenet follows the kube-dns Service, when the input has it, to
#   the DNS pods' real port (CoreDNS listens on 5353 on some distributions); otherwise it
#   assumes kube-dns pods in kube-system on 53. Missing 53/TCP alone is
#   information (resolvers fall back to TCP only for answers too large for UDP). DNS allowed only through an
#   ipBlock is a warning: whether an ipBlock matches pod IPs depends on the CNI. DNS
#   allowed only on 5353 is information: that is OpenShift's DNS port. Workloads that do
#   not use cluster DNS (dnsPolicy Default or None, hostNetwork) are not checked. When all
#   egress of the pods is denied, DNS included, the finding is information: that is
#   intended for pods that make no outgoing connection (service-reference-blocked
#   reports the names such pods use). The finding lists the workloads whose pods are
#   affected as related objects. A policy that selects no workload of the
#   input is checked for a pod it would select (with the namespace's select-all policies).
# custom:
#   severity: error
#   requires: [dns, policies, workloads]
#   since: v0.1.0
#   remediation: |
#     Add an egress rule to the policy that admits the cluster DNS pods (namespace
#     kube-system, k8s-app: kube-dns) on port 53 for UDP and TCP.
package kubenet.rules["dns-egress-missing"]

import data.kubenet.lib

# Workloads of the input, grouped by the policy to change.
_blocked[[policy, kind]] contains wid if {
	some wid, wf in input.facts.workloads
	wf.dns != null
	kind := _kind(wf.dns)
	policy := wf.dns.policy
}

_kind(d) := "udp" if {
	d.udp == "denied"
	d.egressAny
}

_kind(d) := "all" if {
	d.udp == "denied"
	not d.egressAny
}

_kind(d) := "ipblock" if {
	d.udp == "ipblock"
}

_kind(d) := "alt-port" if d.udp == "alt-port"

_kind(d) := "tcp" if {
	d.udp == "allowed"
	d.tcp != "allowed"
}

# The strength of the evidence: pods whose egress rules admit traffic but not DNS
# cannot resolve the names they connect to (error); an ipBlock works on some CNIs only
# (warning). Pods denied all egress may make no connection at all, and resolvers
# fall back to TCP only for answers too large for UDP: worth knowing (info).
_severity := {"udp": "error", "all": "info", "ipblock": "warning", "alt-port": "info", "tcp": "info"}

_problem(kind, port) := sprintf("cannot reach cluster DNS on %d/UDP, though their egress rules admit other traffic", [port]) if kind == "udp"

_problem(kind, port) := sprintf("all their egress is denied, cluster DNS on %d/UDP included (intended only if they make no outgoing connection)", [port]) if kind == "all"

_problem(kind, port) := sprintf("reach cluster DNS on %d/UDP only through an ipBlock, which matches pod IPs only on some CNIs", [port]) if {
	kind == "ipblock"
}

_problem(kind, port) := sprintf("reach DNS on 5353/UDP only (OpenShift's DNS port), not on %d/UDP", [port]) if kind == "alt-port"

_problem(kind, port) := sprintf("reach cluster DNS on %d/UDP but not on %d/TCP", [port, port]) if kind == "tcp"

report contains f if {
	some [policy, kind], wids in _blocked
	some d in [wf.dns | some wid in wids; wf := input.facts.workloads[wid]; wf.dns.policy == policy]
	msg := sprintf("pods of %s are %s and %s%s", [_list(wids), _isolated_by(d), _problem(kind, d.port), _evidence(kind, wids, d)])
	f := lib.with_related(lib.with_severity(lib.finding_hint(policy, d.pos, msg, d.fix), _workload_severity(kind, wids)), _related(wids))
}

_name_users := {id | some id in input.facts.dns.nameUsers}

_uses_names(wids) if {
	some wid in wids
	wid in _name_users
}

# Pods whose egress admits other traffic but not DNS are broken for certain when the
# input shows a hostname they use (error). Without one, they are likely broken, but
# may connect by address only (warning).
_certain(kind, _) if kind != "udp"

_certain(_, wids) if _uses_names(wids)

_workload_severity(kind, wids) := _severity[kind] if _certain(kind, wids)

_workload_severity(kind, wids) := "warning" if not _certain(kind, wids)

_evidence(kind, wids, _) := "" if _certain(kind, wids)

_evidence(kind, wids, d) := "; the input shows no hostname they use, but the pods their egress admits are usually reached by Service name" if {
	not _certain(kind, wids)
	d.podPeers
}

_evidence(kind, wids, d) := "; the input shows no hostname they use, and their egress admits only address blocks, which they may dial by address" if {
	not _certain(kind, wids)
	not d.podPeers
}

_workload_pos := {w.id: w.pos | some w in input.workloads}

_related(wids) := [{"object": wid, "pos": _workload_pos[wid], "message": "its pods are isolated for egress without DNS"} |
	some wid in sort([id | some id in wids])
]

# Policies that select no workload of the input: judged for a pod they would select.
report contains f if {
	some p in input.networkPolicies
	not lib.invalid(p)
	d := input.facts.policies[p.id].dns
	d != null
	kind := _kind(d)
	msg := sprintf("pods this policy selects are isolated for egress and %s%s", [_problem(kind, d.port), _evidence(kind, set(), d)])
	f := lib.with_severity(lib.finding_hint(p.id, d.pos, msg, d.fix), _workload_severity(kind, set()))
}

_list(ids) := concat(", ", sort([id | some id in ids])) if count(ids) <= 3

_list(ids) := sprintf("%s and %d more", [concat(", ", array.slice(sort([id | some id in ids]), 0, 3)), count(ids) - 3]) if {
	count(ids) > 3
}

_isolated_by(d) := "isolated for egress" if d.deniedBy == ""

_isolated_by(d) := sprintf("denied by %s", [d.deniedBy]) if d.deniedBy != ""

# METADATA
# title: NetworkPolicy cuts the replicas of a clustered workload off from each other
# description: |
#   The replicas of a clustered workload talk to each other: a StatefulSet whose
#   governing Service is headless (etcd, Kafka, Elasticsearch, Redis cluster, RabbitMQ
#   find their peers through its per-pod names), or a workload of several replicas
#   with ports named for its peers (gossip, cluster, raft, transport, ...). When the
#   NetworkPolicies deny the workload's own pods each other on those ports (the
#   headless Service's target ports, else the containers' ports), every connection
#   from outside still works, but the replicas cannot form a cluster: elections fail,
#   data is not replicated. `kubenet reach` lists every workload's connection to itself.
# custom:
#   severity: error
#   requires: [replicaPeers]
#   since: v0.2.0
#   remediation: |
#     Admit the workload's own pods in the policy that isolates them: an ingress (or
#     egress) rule whose podSelector matches the workload's pod labels, on the peer ports.
package kubenet.rules["replica-peers-blocked"]

import data.kubenet.lib

_workload_pos := {w.id: w.pos | some w in input.workloads}

report contains f if {
	some wid, pf in input.facts.replicaPeers
	pf.policy != ""
	msg := sprintf("pods of %s cannot reach each other on %s, though it is %s: its replicas cannot form a cluster", [
		wid, concat(", ", pf.blocked), pf.why,
	])
	f := lib.with_related(lib.finding_hint(pf.policy, pf.policyPos, msg, pf.fix), _related(wid, pf))
}

_related(wid, pf) := array.concat(
	[{"object": wid, "pos": _workload_pos[wid], "message": "the clustered workload"}],
	[{"object": pf.service, "pos": pf.servicePos, "message": "the headless Service its pods find each other by"} | pf.service != ""],
)

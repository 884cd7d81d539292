# METADATA
# title: toFQDNs rule without a DNS rule, so it matches nothing
# description: |
#   Cilium's toFQDNs egress rules allow the addresses of names, which Cilium learns by
#   reading the pods' DNS answers in its DNS proxy. The proxy sees only lookups that an
#   egress rule with DNS rules admits: a rule towards the cluster DNS on the DNS port
#   whose toPorts has rules.dns (matchPattern "*" for every name). When the pods a
#   toFQDNs rule applies to have no such rule, Cilium never learns the addresses and
#   the toFQDNs rule matches nothing; when their egress does not admit the cluster DNS
#   at all, they cannot even resolve the names.
# custom:
#   severity: error
#   requires: [ciliumFQDNs]
#   since: v0.12.0
#   remediation: |
#     Add an egress rule to the pods' policy that allows the cluster DNS with a DNS rule,
#     for example toEndpoints k8s:io.kubernetes.pod.namespace kube-system and
#     k8s-app kube-dns, toPorts port 53 protocol ANY, rules dns matchPattern "*".
package kubenet.rules["cilium-fqdn-dns-missing"]

import data.kubenet.lib

report contains f if {
	some ff in input.facts.ciliumFQDNs
	msg := sprintf("%s: toFQDNs %s matches nothing: the egress of the pods it applies to has no rule with DNS rules (toPorts.rules.dns) towards the cluster DNS on %d, so Cilium's DNS proxy never learns the addresses%s", [
		ff.where, concat(", ", ff.names), ff.port, _denied(ff),
	])
	f := lib.with_related(lib.finding_hint(ff.policy, ff.pos, msg, _hint(ff.port)), lib.related(ff.workloads, "the pods the rule applies to"))
}

_denied(ff) := "" if count(ff.dnsDenied) == 0

_denied(ff) := "; they cannot reach the cluster DNS at all" if {
	count(ff.dnsDenied) > 0
	count(ff.dnsDenied) == count(ff.workloads)
}

_denied(ff) := "; some of them cannot reach the cluster DNS at all" if {
	count(ff.dnsDenied) > 0
	count(ff.dnsDenied) < count(ff.workloads)
}

_hint(port) := sprintf(`add an egress item: toEndpoints [{matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s-app: kube-dns}}], toPorts [{ports: [{port: "%d", protocol: ANY}], rules: {dns: [{matchPattern: "*"}]}}]`, [port])

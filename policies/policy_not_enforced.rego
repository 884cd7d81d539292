# METADATA
# title: The cluster's CNI does not enforce this kind of policy
# description: |
#   Network policies are enforced by the cluster's network plugin (CNI), and each plugin
#   enforces only some kinds: flannel alone enforces none, only Cilium enforces
#   CiliumNetworkPolicies, only Calico (and Canal) Calico's own policies. A policy of a
#   kind the plugin ignores is accepted by the API server (its CRD may even be
#   installed) and does nothing: the isolation it describes does not exist. Reported
#   only when .kubenet.yaml names the plugin (cluster.cni), once per kind, at the first
#   policy of that kind. Where support depends on how the plugin is installed (a flag,
#   a version), nothing is reported.
# custom:
#   severity: warning
#   requires: []
#   since: v0.12.0
#   remediation: |
#     Install a network plugin that enforces this kind (or enable its support), write the
#     policy in a kind the plugin enforces, or correct cluster.cni in .kubenet.yaml.
package kubenet.rules["policy-not-enforced"]

import data.kubenet.lib

# The policy kinds, by API group and kind, and their names in messages.
_kinds := {
	"networking.k8s.io/NetworkPolicy": "NetworkPolicy",
	"extensions/NetworkPolicy": "NetworkPolicy",
	"policy.networking.k8s.io/ClusterNetworkPolicy": "ClusterNetworkPolicy",
	"policy.networking.k8s.io/AdminNetworkPolicy": "AdminNetworkPolicy",
	"policy.networking.k8s.io/BaselineAdminNetworkPolicy": "BaselineAdminNetworkPolicy",
	"cilium.io/CiliumNetworkPolicy": "CiliumNetworkPolicy",
	"cilium.io/CiliumClusterwideNetworkPolicy": "CiliumClusterwideNetworkPolicy",
	"projectcalico.org/NetworkPolicy": "Calico NetworkPolicy",
	"projectcalico.org/GlobalNetworkPolicy": "Calico GlobalNetworkPolicy",
	"crd.projectcalico.org/NetworkPolicy": "Calico NetworkPolicy",
	"crd.projectcalico.org/GlobalNetworkPolicy": "Calico GlobalNetworkPolicy",
}

# The plugins known not to enforce a kind. A kind a plugin enforces, or may enforce
# depending on its installation, is absent.
_ignores := {
	"flannel": {
		"NetworkPolicy", "ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
		"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy",
	},
	"calico": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"},
	"canal": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"},
	"cilium": {"Calico NetworkPolicy", "Calico GlobalNetworkPolicy"},
	"antrea": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy"},
	"aws-vpc-cni": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy"},
	"kindnet": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy"},
	"kube-router": {
		"ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
		"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy",
	},
	"ovn-kubernetes": {"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy"},
	"weave": {
		"ClusterNetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy",
		"CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy", "Calico NetworkPolicy", "Calico GlobalNetworkPolicy",
	},
}

_kind(o) := _kinds[sprintf("%s/%s", [_group(o.apiVersion), o.kind])]

_group(api) := split(api, "/")[0] if contains(api, "/")

_group(api) := "" if not contains(api, "/")

# The policies of each ignored kind, in input order.
_ignored[name] := objs if {
	some name in _ignores[input.config.cni]
	objs := [o | some o in input.objects; _kind(o) == name]
	count(objs) > 0
}

report contains f if {
	some name, objs in _ignored
	first := objs[0]
	msg := sprintf("the cluster's CNI, %s (cluster.cni), does not enforce %s: %s", [
		input.config.cni, name, _count(name, count(objs)),
	])
	hint := sprintf("install or enable a network plugin that enforces %s, or write the policy in a kind %s enforces", [name, input.config.cni])
	f := lib.with_related(lib.finding_hint(first.id, first.apiVersionPos, msg, hint), [
	{"object": o.id, "pos": o.pos, "message": "not enforced either"} |
		some o in array.slice(objs, 1, count(objs))
	])
}

_count(_, 1) := "this policy does nothing"

_count(name, n) := sprintf("this one and %d more %s objects do nothing", [n - 1, name]) if n > 1

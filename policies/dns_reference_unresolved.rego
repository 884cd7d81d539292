# METADATA
# title: Name a workload uses resolves to nothing in the cluster
# description: |
#   kubenet finds the hostnames workloads depend on (env values after $(VAR) expansion,
#   args, command, the ConfigMaps they consume, ConfigMaps nobody in the input consumes,
#   ExternalName targets) and resolves each exactly as the pod would: its resolv.conf
#   search path and ndots, then the cluster's records. A name that can only be an
#   in-cluster name (ending in .svc or the cluster domain, a single label used as a host,
#   or name.namespace for a namespace of the input) and that no record answers fails at
#   run time. When the namespace it points at holds no Service in the input, the Service
#   may be deployed from other manifests, and the finding is information; when a
#   kustomization or Helm chart kubenet did not build may define it, a warning. Names
#   in a service-discovery section of a config file (Prometheus's dns_sd_configs) are
#   candidates the scraper probes, and an unresolved one is information.
# custom:
#   severity: error
#   requires: [dns]
#   since: v0.1.0
#   remediation: |
#     Use the name of an existing Service (name.namespace from another namespace), or
#     define the Service; lint the manifests that define it together with this one.
package kubenet.rules["dns-reference-unresolved"]

import data.kubenet.lib

report contains f if {
	some r in input.facts.dns.references
	r.inCluster
	r.severity != ""
	r.shadowing == ""
	msg := sprintf("%s %q resolves to nothing%s%s", [_where(r), r.name, _from(r), _reason(r)])
	f := lib.with_related(lib.with_severity(lib.finding_hint(r.object, r.pos, msg, r.hint), r.severity), lib.related(r.consumedBy, "consumes the ConfigMap"))
}

_where(r) := sprintf("%s %s: host", [r.source, r.key]) if r.key != ""

_where(r) := sprintf("%s: host", [r.source]) if r.key == ""

_from(r) := sprintf(" from namespace %s", [r.namespace]) if count(r.consumedBy) == 0

_from(r) := sprintf(" from %s, which consumes this ConfigMap", [concat(", ", r.consumedBy)]) if count(r.consumedBy) > 0

_reason(r) := sprintf(": %s", [r.reason]) if r.reason != ""

_reason(r) := "" if r.reason == ""

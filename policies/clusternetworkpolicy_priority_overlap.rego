# METADATA
# title: Admin-tier policies of one priority decide the same traffic differently
# description: |
#   Admin-tier policies (ClusterNetworkPolicy with tier Admin, AdminNetworkPolicy) are
#   evaluated by priority, lower first. Two policies of the same priority have no
#   defined order: when both apply to a pod and their rules match the same traffic with
#   different actions (one Accepts, the other Denies or Passes), the implementation may
#   apply either, and the outcome can change between nodes, versions or restarts.
#   Reported when the input shows pods both policies select and a pair of such rules
#   whose peers share pods of the input (or every pod, or overlapping networks) and
#   whose ports share a number or a name.
# custom:
#   severity: warning
#   requires: [priorityOverlaps]
#   since: v0.12.0
#   remediation: |
#     Give the policies different priorities, the one that must win the lower number.
package kubenet.rules["clusternetworkpolicy-priority-overlap"]

import data.kubenet.lib

report contains f if {
	some o in input.facts.priorityOverlaps
	msg := sprintf("%s and %s both have priority %d and apply to the same pods, where their %s rules %s (%s) and %s (%s) match the same traffic: which one decides is undefined", [
		o.other, o.policy, o.priority, _dir(o.egress),
		_rule(o.egress, o.otherRule), o.otherAction, _rule(o.egress, o.rule), o.action,
	])
	hint := sprintf("give %s or %s another priority: the policy that must win gets the lower number", [o.policy, o.other])
	f := lib.with_related(lib.finding_hint(o.policy, o.pos, msg, hint), array.concat(
		[
			{"object": o.policy, "pos": o.rulePos, "message": sprintf("%s rule", [o.action])},
			{"object": o.other, "pos": o.otherPos, "message": sprintf("%s rule of the same priority", [o.otherAction])},
		],
		lib.related(o.subjects, "a pod both apply to"),
	))
}

_dir(true) := "egress"

_dir(false) := "ingress"

_rule(egress, i) := sprintf("%s[%d]", [_dir(egress), i])

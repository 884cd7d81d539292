# METADATA
# title: Policy rule never decides any traffic
# description: |
#   Rules of higher precedence decide traffic first: the Admin tier by priority and
#   rule order, Calico's tiers by order (a tier whose policies select a pod and that
#   has no Pass rule ends with a deny for everything its rules leave), then the
#   NetworkPolicy tier, where Cilium's deny rules win over every allow. A rule whose
#   traffic, for every pod it applies to, is already decided by such rules can never
#   decide anything: it is dead code, and usually a sign that the order is not what
#   was meant (an Accept below a broader Deny, a tier that forgot a Pass rule). A rule
#   that may match pods the input does not show is reported only when the rules before
#   it match every pod.
# custom:
#   severity: warning
#   requires: [shadowedRules]
#   since: v0.12.0
#   remediation: |
#     Move the rule above the one that shadows it (a lower priority or order, or earlier
#     in the policy), narrow the shadowing rule, add a Pass rule to the earlier Calico
#     tier, or delete the dead rule.
package kubenet.rules["policy-rule-shadowed"]

import data.kubenet.lib

report contains f if {
	some s in input.facts.shadowedRules
	msg := sprintf("%s never decides any traffic: %s decides all it matches first, for every pod it applies to", [s.rule, s.by])
	hint := "move the rule above the one that shadows it (a lower priority or order), narrow that rule, or delete this one"
	f := lib.with_related(lib.finding_hint(s.policy, s.pos, msg, hint), array.concat(
		[{"object": s.byPolicy, "pos": s.byPos, "message": "decides the traffic first"}],
		lib.related(s.pods, "a pod the rule applies to"),
	))
}

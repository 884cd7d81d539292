# METADATA
# title: Service has no team label
# description: Every Service names its owning team, so alerts reach someone.
# custom:
#   severity: warning
#   remediation: Add metadata.labels.team.
package kubenet.rules["service-team-label"]

import data.kubenet.lib

report contains f if {
	some svc in input.services
	not svc.labels.team
	f := lib.finding(svc.id, svc.pos, sprintf("Service %s has no team label", [svc.name]))
}

# METADATA
# title: kubenet rule library
# description: |
#   Helpers shared by kubenet's built-in rules, and available to user rules as
#   data.kubenet.lib. A rule reports findings built with finding/3 and its variants.
package kubenet.lib

# METADATA
# description: Services of the input by id.
services := {s.id: s | some s in input.services}

# METADATA
# description: A finding on object id at pos (an object with file, line, column).
finding(id, pos, message) := {"object": id, "pos": pos, "message": message}

# METADATA
# description: A finding with a concrete hint (what to change, to what).
finding_hint(id, pos, message, hint) := {"object": id, "pos": pos, "message": message, "hint": hint}

# METADATA
# description: f, reported at another severity than the rule's default.
with_severity(f, severity) := object.union(f, {"severity": severity})

# METADATA
# description: f, with related locations, each {"object", "pos", "message"}.
with_related(f, related) := object.union(f, {"related": related})

# METADATA
# description: |
#   f, merged across the variants of a deployment (kustomize overlays linted one by
#   one) as merge says rather than as the rule's custom.merge: "any" reports it when
#   any variant does, "all" only when every variant does.
with_merge(f, merge) := object.union(f, {"merge": merge})

# METADATA
# description: |
#   Related entries, one per id of ids, sorted; kubenet adds each one's file and line.
#   Ids of what the input does not hold (the assumed cluster DNS, an ingress
#   controller, the outside world) are left out.
related(ids, message) := [{"object": id, "message": message} |
	some id in sort(ids)
	id != "External"
	not contains(id, "/ClusterDNS/")
	not contains(id, "/IngressController/")
]

# METADATA
# description: True for objects the loader found invalid; rules do not judge them.
invalid(obj) if obj.invalid == true

# METADATA
# description: A Service port as people write it, e.g. 80/TCP (http).
port_label(p) := sprintf("%d/%s (%s)", [p.port, p.protocol, p.name]) if p.name != ""

port_label(p) := sprintf("%d/%s", [p.port, p.protocol]) if p.name == ""

# METADATA
# description: Joins a set or array of strings with ", ", sorted.
join(xs) := concat(", ", sort([x | some x in xs]))

# METADATA
# description: A label selector in kubectl's -l syntax; {} for the empty selector.
selector_string(s) := "{}" if s.empty

selector_string(s) := concat(",", array.concat(
	sort([sprintf("%s=%s", [k, v]) | some k, v in s.matchLabels]),
	[_requirement(r) | some r in s.matchExpressions],
)) if not s.empty

_requirement(r) := sprintf("%s %s (%s)", [r.key, lower(r.operator), concat(",", r.values)]) if count(r.values) > 0

_requirement(r) := sprintf("%s %s", [r.key, lower(r.operator)]) if count(r.values) == 0

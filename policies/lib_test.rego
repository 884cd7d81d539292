package kubenet.lib_test

import data.kubenet.lib

test_finding_shape if {
	pos := {"file": "a.yaml", "line": 3, "column": 5}
	lib.finding("ns/Service/a", pos, "m") == {"object": "ns/Service/a", "pos": pos, "message": "m"}
}

test_finding_hint_and_severity if {
	f := lib.with_severity(lib.finding_hint("x", {"file": "f", "line": 1}, "m", "h"), "warning")
	f.hint == "h"
	f.severity == "warning"
}

test_with_related if {
	f := lib.with_related(lib.finding("x", {"file": "f", "line": 1}, "m"), [{"object": "y", "message": "r"}])
	count(f.related) == 1
}

test_with_merge if {
	f := lib.with_merge(lib.finding("x", {"file": "f", "line": 1}, "m"), "all")
	f.merge == "all"
	f.message == "m"
}

test_port_label if {
	lib.port_label({"port": 80, "protocol": "TCP", "name": "http"}) == "80/TCP (http)"
	lib.port_label({"port": 53, "protocol": "UDP", "name": ""}) == "53/UDP"
}

test_services_index if {
	s := lib.services with input as {"services": [{"id": "a/Service/x"}, {"id": "b/Service/y"}]}
	s["b/Service/y"].id == "b/Service/y"
	count(s) == 2
}

test_invalid if {
	lib.invalid({"invalid": true})
	not lib.invalid({"id": "x"})
}

test_join_sorted if {
	lib.join({"b", "a"}) == "a, b"
}

test_related_known_objects_sorted if {
	r := lib.related({"a/Service/s", "kube-system/ClusterDNS/kube-dns", "External", "a/Deployment/w"}, "m")
	r == [{"object": "a/Deployment/w", "message": "m"}, {"object": "a/Service/s", "message": "m"}]
}

# METADATA
# title: Networking API version no longer served
# description: |
#   The API server no longer serves extensions/v1beta1 Ingress and NetworkPolicy (removed
#   in Kubernetes 1.16 and 1.22) nor networking.k8s.io/v1beta1 Ingress and IngressClass
#   (removed in 1.22). Applying such a manifest fails with "no matches for kind".
#   Gateway API versions are judged against the release and channel the cluster runs
#   (.kubenet.yaml cluster.gatewayAPI; the newest standard channel by default): a version
#   neither channel serves is an error (v1alpha2 Gateway, HTTPRoute, GRPCRoute,
#   ReferenceGrant, the retired BackendLBPolicy and XListenerSet); one only the other
#   channel still serves, deprecated, is information, since the channel is an assumption
#   (TLSRoute v1alpha2 and v1alpha3 since v1.5, TCPRoute and UDPRoute v1alpha2 since
#   v1.6 on the standard channel).
# custom:
#   severity: error
#   requires: []
#   since: v0.1.0
#   remediation: |
#     Use networking.k8s.io/v1. For an Ingress, move serviceName/servicePort into
#     backend.service.name and backend.service.port.number (or .name), and set pathType
#     on every path.
package kubenet.rules["api-removed"]

import data.kubenet.lib

_removed := {
	["extensions/v1beta1", "Ingress"]: "1.22",
	["extensions/v1beta1", "NetworkPolicy"]: "1.16",
	["networking.k8s.io/v1beta1", "Ingress"]: "1.22",
	["networking.k8s.io/v1beta1", "IngressClass"]: "1.22",
}

# The Gateway API: for each version a release stopped serving, the first release that
# does not serve it on the standard and on the experimental channel ("" for never).
_gateway := {
	["gateway.networking.k8s.io/v1alpha2", "GatewayClass"]: ["v1.0", "v1.0"],
	["gateway.networking.k8s.io/v1alpha2", "Gateway"]: ["v1.0", "v1.0"],
	["gateway.networking.k8s.io/v1alpha2", "HTTPRoute"]: ["v1.0", "v1.0"],
	["gateway.networking.k8s.io/v1alpha2", "GRPCRoute"]: ["v1.1", "v1.2"],
	["gateway.networking.k8s.io/v1alpha2", "ReferenceGrant"]: ["v1.1", "v1.2"],
	["gateway.networking.k8s.io/v1alpha2", "BackendTLSPolicy"]: ["v1.1", "v1.1"],
	["gateway.networking.k8s.io/v1alpha3", "BackendTLSPolicy"]: ["v1.4", ""],
	["gateway.networking.k8s.io/v1alpha2", "BackendLBPolicy"]: ["v1.3", "v1.3"],
	["gateway.networking.x-k8s.io/v1alpha1", "XListenerSet"]: ["v1.5", "v1.5"],
	["gateway.networking.k8s.io/v1alpha2", "TLSRoute"]: ["v1.5", ""],
	["gateway.networking.k8s.io/v1alpha3", "TLSRoute"]: ["v1.5", ""],
	["gateway.networking.k8s.io/v1alpha2", "TCPRoute"]: ["v1.6", ""],
	["gateway.networking.k8s.io/v1alpha2", "UDPRoute"]: ["v1.6", ""],
}

_minor(v) := to_number(split(trim_prefix(v, "v"), ".")[1])

# _gone(since): the cluster's release is at or after since.
_gone(since) if {
	since != ""
	_minor(input.config.gatewayAPI.version) >= _minor(since)
}

_channels := {"standard": 0, "experimental": 1}

report contains f if {
	some obj in input.objects
	since := _gateway[[obj.apiVersion, obj.kind]]
	channel := input.config.gatewayAPI.channel
	_gone(since[_channels[channel]])
	other := {"standard": "experimental", "experimental": "standard"}[channel]
	msg := _gateway_message(obj, since, channel, other)
	hint := sprintf("use apiVersion: %s for %s", [_gateway_current(obj.kind), obj.kind])
	f := lib.with_severity(lib.finding_hint(obj.id, obj.apiVersionPos, msg, hint), _gateway_severity(since, other))
}

_gateway_severity(since, other) := "error" if _gone(since[_channels[other]])

# Which channel the cluster runs is an assumption (the standard one unless the
# configuration says otherwise): a version the other channel still serves is
# information.
_gateway_severity(since, other) := "info" if not _gone(since[_channels[other]])

_gateway_message(obj, since, channel, other) := sprintf(
	"%s %s is not served by Gateway API %s (removed in %s)",
	[obj.apiVersion, obj.kind, input.config.gatewayAPI.version, since[_channels[channel]]],
) if _gone(since[_channels[other]])

_gateway_message(obj, since, channel, other) := sprintf(
	"%s %s is not served by the %s channel of Gateway API %s (since %s); only the %s channel still serves it, deprecated",
	[obj.apiVersion, obj.kind, channel, input.config.gatewayAPI.version, since[_channels[channel]], other],
) if not _gone(since[_channels[other]])

_gateway_current(kind) := "gateway.networking.k8s.io/v1alpha1 (XBackendTrafficPolicy)" if kind == "BackendLBPolicy"

_gateway_current(kind) := "gateway.networking.k8s.io/v1 (kind ListenerSet)" if kind == "XListenerSet"

_gateway_current(kind) := "gateway.networking.k8s.io/v1" if not kind in {"BackendLBPolicy", "XListenerSet"}

report contains f if {
	some obj in input.objects
	since := _removed[[obj.apiVersion, obj.kind]]
	msg := sprintf("%s %s is no longer served (removed in Kubernetes %s)", [obj.apiVersion, obj.kind, since])
	hint := sprintf("use apiVersion: networking.k8s.io/v1 for %s", [obj.kind])
	f := lib.finding_hint(obj.id, obj.apiVersionPos, msg, hint)
}

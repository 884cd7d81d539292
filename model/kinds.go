package model

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// entity is a decoded object of a kind kubenet reads (see kinds). Its type says where
// it goes in the graph, so that adding a kind is a file of its own (the type, its
// builder and these methods) and an entry in kinds.
type entity interface {
	// object returns the header the graph lists for the entity (the one embedded in
	// it), or nil when the decoded header stands for it: a Namespace has none of its own.
	object() *Object
	// addTo adds the entity to the graph being assembled. It is called for the
	// definition of an object that is analysed, not for one a later definition
	// replaces, and never for an object without a name (but see evidence and merging).
	addTo(a *assembly)
}

// builder decodes a document of a known kind into its entity. A builder that copies o
// into an entity points c.obj at the copy, so that type errors mark the object the
// graph holds invalid.
type builder func(c *docCtx, o *Object, root *yaml.Node) entity

// kinds maps "group/Kind" to builders: the registry of the kinds kubenet reads. Only
// these kinds are type-checked; every other kind is kept as an opaque object (or, for a
// custom resource, read as a pod source when it looks like one). It is one table, not
// entries each kind file registers, so that the kinds kubenet reads can be seen in one
// place and no init order is involved; a key given twice does not compile.
var kinds = map[string]builder{
	"/Pod":                                          buildPod,
	"/ReplicationController":                        buildTemplated("spec", "template"),
	"apps/Deployment":                               buildTemplated("spec", "template"),
	"apps/StatefulSet":                              buildTemplated("spec", "template"),
	"apps/DaemonSet":                                buildTemplated("spec", "template"),
	"apps/ReplicaSet":                               buildTemplated("spec", "template"),
	"extensions/Deployment":                         buildTemplated("spec", "template"),
	"extensions/DaemonSet":                          buildTemplated("spec", "template"),
	"extensions/ReplicaSet":                         buildTemplated("spec", "template"),
	"batch/Job":                                     buildTemplated("spec", "template"),
	"batch/CronJob":                                 buildTemplated("spec", "jobTemplate", "spec", "template"),
	"/Service":                                      buildService,
	"/Namespace":                                    buildNamespace,
	"/ConfigMap":                                    buildConfigMap,
	"/Endpoints":                                    buildEndpoints,
	"discovery.k8s.io/EndpointSlice":                buildEndpointSlice,
	"networking.k8s.io/Ingress":                     buildIngress,
	"extensions/Ingress":                            buildIngress,
	"networking.k8s.io/IngressClass":                buildIngressClass,
	"networking.k8s.io/NetworkPolicy":               buildPolicy,
	"extensions/NetworkPolicy":                      buildPolicy,
	PolicyGroup + "/ClusterNetworkPolicy":           buildClusterPolicy,
	PolicyGroup + "/AdminNetworkPolicy":             buildClusterPolicy,
	PolicyGroup + "/BaselineAdminNetworkPolicy":     buildClusterPolicy,
	CiliumGroup + "/CiliumNetworkPolicy":            buildCiliumPolicy,
	CiliumGroup + "/CiliumClusterwideNetworkPolicy": buildCiliumPolicy,
	CalicoGroup + "/NetworkPolicy":                  buildCalicoPolicy,
	CalicoGroup + "/GlobalNetworkPolicy":            buildCalicoPolicy,
	CalicoGroup + "/Tier":                           buildCalicoTier,
	CalicoGroup + "/NetworkSet":                     buildCalicoNetworkSet,
	CalicoGroup + "/GlobalNetworkSet":               buildCalicoNetworkSet,
	CalicoCRDGroup + "/NetworkSet":                  buildCalicoNetworkSet,
	CalicoCRDGroup + "/GlobalNetworkSet":            buildCalicoNetworkSet,
	CalicoCRDGroup + "/NetworkPolicy":               buildCalicoPolicy,
	CalicoCRDGroup + "/GlobalNetworkPolicy":         buildCalicoPolicy,
	CalicoCRDGroup + "/Tier":                        buildCalicoTier,
	"monitoring.coreos.com/ServiceMonitor":          buildMonitor,
	"monitoring.coreos.com/PodMonitor":              buildMonitor,
	GatewayGroup + "/GatewayClass":                  buildGatewayClass,
	GatewayGroup + "/Gateway":                       buildGateway,
	GatewayGroup + "/ListenerSet":                   buildListenerSet,
	GatewayGroup + "/HTTPRoute":                     buildRoute,
	GatewayGroup + "/GRPCRoute":                     buildRoute,
	GatewayGroup + "/TLSRoute":                      buildRoute,
	GatewayGroup + "/TCPRoute":                      buildRoute,
	GatewayGroup + "/UDPRoute":                      buildRoute,
	GatewayGroup + "/ReferenceGrant":                buildReferenceGrant,
	GatewayGroup + "/BackendTLSPolicy":              buildBackendTLSPolicy,
	"/Secret":                                       buildSecretSource,
	"cert-manager.io/Certificate":                   buildSecretSource,
	"external-secrets.io/ExternalSecret":            buildSecretSource,
	"bitnami.com/SealedSecret":                      buildSecretSource,
}

// clusterScoped lists the cluster-scoped kinds kubenet may meet, by kind name whatever
// the group; every other kind is treated as namespaced. It covers opaque kinds too, so
// it is a table of its own: a cluster-scoped kind added to kinds is listed here as well.
var clusterScoped = map[string]bool{
	"Namespace": true, "IngressClass": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "PersistentVolume": true, "StorageClass": true, "Node": true,
	"PriorityClass": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true, "APIService": true,
	"ClusterIssuer": true, "RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
	"CertificateSigningRequest": true, "FlowSchema": true, "PriorityLevelConfiguration": true,
	"GatewayClass": true, "ClusterTrustBundle": true, "IPAddress": true, "ServiceCIDR": true,
	"ClusterNetworkPolicy": true, "AdminNetworkPolicy": true, "BaselineAdminNetworkPolicy": true,
	"CiliumClusterwideNetworkPolicy": true, "GlobalNetworkPolicy": true, "Tier": true, "GlobalNetworkSet": true,
}

// KnownGroup reports whether group is served by Kubernetes itself (not a custom resource).
func KnownGroup(group string) bool {
	switch group {
	case "", "apps", "batch", "extensions", "policy", "autoscaling":
		return true
	}
	return strings.HasSuffix(group, ".k8s.io")
}

package model

import (
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// builder turns a document of a known kind into its entity.
type builder func(c *docCtx, o *Object, root *yaml.Node) any

// kinds maps "group/Kind" to builders. Only these kinds are type-checked; every other
// kind is kept as an opaque object.
var kinds = map[string]builder{
	"/Pod":                                 buildPod,
	"/ReplicationController":               buildTemplated("spec", "template"),
	"apps/Deployment":                      buildTemplated("spec", "template"),
	"apps/StatefulSet":                     buildTemplated("spec", "template"),
	"apps/DaemonSet":                       buildTemplated("spec", "template"),
	"apps/ReplicaSet":                      buildTemplated("spec", "template"),
	"extensions/Deployment":                buildTemplated("spec", "template"),
	"extensions/DaemonSet":                 buildTemplated("spec", "template"),
	"extensions/ReplicaSet":                buildTemplated("spec", "template"),
	"batch/Job":                            buildTemplated("spec", "template"),
	"batch/CronJob":                        buildTemplated("spec", "jobTemplate", "spec", "template"),
	"/Service":                             buildService,
	"/Namespace":                           buildNamespace,
	"/ConfigMap":                           buildConfigMap,
	"/Endpoints":                           buildEndpoints,
	"discovery.k8s.io/EndpointSlice":       buildEndpointSlice,
	"networking.k8s.io/Ingress":            buildIngress,
	"extensions/Ingress":                   buildIngress,
	"networking.k8s.io/IngressClass":       buildIngressClass,
	"networking.k8s.io/NetworkPolicy":      buildPolicy,
	"extensions/NetworkPolicy":             buildPolicy,
	"monitoring.coreos.com/ServiceMonitor": buildMonitor,
	"monitoring.coreos.com/PodMonitor":     buildMonitor,
}

// clusterScoped lists the cluster-scoped kinds kubenet may meet; every other kind is
// treated as namespaced.
var clusterScoped = map[string]bool{
	"Namespace": true, "IngressClass": true, "ClusterRole": true, "ClusterRoleBinding": true,
	"CustomResourceDefinition": true, "PersistentVolume": true, "StorageClass": true, "Node": true,
	"PriorityClass": true, "ValidatingWebhookConfiguration": true, "MutatingWebhookConfiguration": true,
	"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true, "APIService": true,
	"ClusterIssuer": true, "RuntimeClass": true, "CSIDriver": true, "VolumeAttachment": true,
	"CertificateSigningRequest": true, "FlowSchema": true, "PriorityLevelConfiguration": true,
	"GatewayClass": true, "ClusterTrustBundle": true, "IPAddress": true, "ServiceCIDR": true,
}

// KnownGroup reports whether group is served by Kubernetes itself (not a custom resource).
func KnownGroup(group string) bool {
	switch group {
	case "", "apps", "batch", "extensions", "policy", "autoscaling":
		return true
	}
	return strings.HasSuffix(group, ".k8s.io")
}

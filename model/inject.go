package model

import "maps"

// Sidecar injectors add labels to pods when they are created, so a selector may rely
// on labels no manifest spells out. Istio's injector, for namespaces labelled
// istio-injection=enabled or istio.io/rev, and for pods labelled (or annotated)
// sidecar.istio.io/inject: "true", adds security.istio.io/tlsMode and the canonical
// service labels. kubenet adds them to the pod labels, and records which it added.

// istioInjected reports whether Istio injects a sidecar into w's pods: the pod's own
// sidecar.istio.io/inject label or annotation decides, else the namespace's labels.
func istioInjected(w *Workload, ns *Namespace) bool {
	if w.HostNetwork {
		return false
	}
	for _, m := range []map[string]string{w.PodLabels, w.PodAnnotations} {
		switch m["sidecar.istio.io/inject"] {
		case "true":
			return true
		case "false":
			return false
		}
	}
	if ns == nil {
		return false
	}
	if v, ok := ns.Labels["istio-injection"]; ok {
		return v == "enabled"
	}
	return ns.Labels["istio.io/rev"] != ""
}

// istioLabels are the labels Istio's injector adds to a pod of w.
func istioLabels(w *Workload) map[string]string {
	name := firstLabel(w.PodLabels, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app")
	if name == "" {
		name = w.Name
	}
	rev := firstLabel(w.PodLabels, "service.istio.io/canonical-revision", "app.kubernetes.io/version", "version")
	if rev == "" {
		rev = "latest"
	}
	return map[string]string{
		"security.istio.io/tlsMode":           "istio",
		"service.istio.io/canonical-name":     name,
		"service.istio.io/canonical-revision": rev,
	}
}

func firstLabel(labels map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// injectLabels adds the labels sidecar injectors give the pods of every workload.
func (g *Graph) injectLabels() {
	for _, w := range g.Workloads {
		if !istioInjected(w, g.nsIndex[w.Namespace]) {
			continue
		}
		labels := maps.Clone(w.PodLabels) // may be shared with the object's own labels
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range istioLabels(w) {
			if _, ok := labels[k]; ok {
				continue
			}
			labels[k] = v
			if w.InjectedLabels == nil {
				w.InjectedLabels = map[string]string{}
			}
			w.InjectedLabels[k] = "Istio sidecar injection"
		}
		w.PodLabels = labels
	}
}

package analyzer

import (
	"iter"

	"github.com/kubenet/kubenet/model"
)

// nsName is the namespace and name of an object.
type nsName struct{ namespace, name string }

// configMapIndex finds the graph's ConfigMaps by namespace and name. Of two ConfigMaps
// with one namespace and name, it finds the later one in input order.
type configMapIndex map[nsName]*model.ConfigMap

// newConfigMapIndex indexes the ConfigMaps of g, invalid ones included.
func newConfigMapIndex(g *model.Graph) configMapIndex {
	x := make(configMapIndex, len(g.ConfigMaps))
	for _, cm := range g.ConfigMaps {
		x[nsName{cm.Namespace, cm.Name}] = cm
	}
	return x
}

// get returns the ConfigMap named name in namespace ns, or nil when the input has none.
func (x configMapIndex) get(ns, name string) *model.ConfigMap {
	return x[nsName{ns, name}]
}

// mounted yields the ConfigMaps that w's pods mount as volumes, once for each volume,
// in the order of the volumes. A volume of a ConfigMap the input lacks yields nothing.
func (x configMapIndex) mounted(w *model.Workload) iter.Seq[*model.ConfigMap] {
	return func(yield func(*model.ConfigMap) bool) {
		for _, v := range w.Volumes {
			if v.ConfigMap == "" {
				continue
			}
			if cm := x.get(w.Namespace, v.ConfigMap); cm != nil && !yield(cm) {
				return
			}
		}
	}
}

// envSource says where a container variable's value comes from.
type envSource uint8

const (
	// envLiteral is the literal value of an env entry.
	envLiteral envSource = iota
	// envConfigMapKey is the value of the ConfigMap key that an env entry's
	// valueFrom.configMapKeyRef names.
	envConfigMapKey
	// envFromConfigMap is the value of a key of a ConfigMap that envFrom.configMapRef
	// imports.
	envFromConfigMap
	// envNamespace is the pod's namespace, from an env entry's valueFrom.fieldRef
	// metadata.namespace.
	envNamespace
)

// envValue is a value that a container variable is given, and where it comes from.
type envValue struct {
	// value is the value as written: a literal is not expanded ($(VAR) stays).
	value  string
	source envSource
	// pos is where the value is written: the env entry's value for a literal, the
	// ConfigMap's value for a ConfigMap key, and the env entry for a missing key or the
	// namespace.
	pos model.Pos
	// configMap and key name the ConfigMap value read (envConfigMapKey and
	// envFromConfigMap); configMap is nil for the other sources.
	configMap *model.ConfigMap
	key       string
	// missing is set when a configMapKeyRef names a key its ConfigMap lacks; value is
	// then "". The ConfigMap is still one the container consumes.
	missing bool
	// shadowed is set on a valueFrom source of an env entry that has an earlier one: a
	// literal value, or a configMapKeyRef before a fieldRef. The API server refuses such
	// an entry, except a valueFrom behind an empty value (which the kubelet then uses).
	// The first source is taken as the variable's value; the others are only evidence.
	shadowed bool
}

// containerEnv yields the variables of container c, of a pod in namespace ns, with
// the values they are given, in the order the kubelet sets them: the keys of each
// envFrom.configMapRef ConfigMap with the entry's prefix (one ConfigMap's keys in no
// particular order), then each env entry's sources in turn (its literal value, its
// configMapKeyRef, its metadata.namespace fieldRef). A name may come more than once; a
// later value replaces an earlier one unless it is shadowed. ConfigMaps the input lacks,
// Secrets and other fields of the pod yield nothing.
func (x configMapIndex) containerEnv(ns string, c *model.Container) iter.Seq2[string, envValue] {
	return func(yield func(string, envValue) bool) {
		for i := range c.EnvFrom {
			ef := &c.EnvFrom[i]
			if ef.ConfigMap == "" {
				continue
			}
			cm := x.get(ns, ef.ConfigMap)
			if cm == nil {
				continue
			}
			for k, v := range cm.Data {
				if !yield(ef.Prefix+k, envValue{value: v, source: envFromConfigMap, pos: cm.DataPos[k], configMap: cm, key: k}) {
					return
				}
			}
		}
		for i := range c.Env {
			if !x.envEntry(ns, &c.Env[i], yield) {
				return
			}
		}
	}
}

// envEntry yields the sources of env entry e, as containerEnv does; it returns false
// when yield asks to stop.
func (x configMapIndex) envEntry(ns string, e *model.EnvVar, yield func(string, envValue) bool) bool {
	if e.HasValue && !yield(e.Name, envValue{value: e.Value, source: envLiteral, pos: e.ValuePos}) {
		return false
	}
	if r := e.ConfigMapKeyRef; r != nil {
		if cm := x.get(ns, r.Name); cm != nil {
			v := envValue{source: envConfigMapKey, pos: e.Pos, configMap: cm, key: r.Key, shadowed: e.HasValue}
			if s, ok := cm.Data[r.Key]; ok {
				v.value, v.pos = s, cm.DataPos[r.Key]
			} else {
				v.missing = true
			}
			if !yield(e.Name, v) {
				return false
			}
		}
	}
	if e.FieldRef == "metadata.namespace" {
		return yield(e.Name, envValue{value: ns, source: envNamespace, pos: e.Pos,
			shadowed: e.HasValue || e.ConfigMapKeyRef != nil})
	}
	return true
}

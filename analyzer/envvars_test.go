package analyzer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/model"
)

const envManifest = `apiVersion: v1
kind: ConfigMap
metadata: {name: urls, namespace: shop}
data:
  DB_HOST: postgres
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      volumes:
      - {name: a, configMap: {name: urls}}
      - {name: b, configMap: {name: absent}}
      - {name: c, emptyDir: {}}
      containers:
      - name: app
        image: web
        envFrom:
        - configMapRef: {name: urls}
          prefix: U_
        - configMapRef: {name: absent}
        - secretRef: {name: creds}
        env:
        - name: API_URL
          value: http://api:8080
        - name: DB
          valueFrom: {configMapKeyRef: {name: urls, key: DB_HOST}}
        - name: NONE
          valueFrom: {configMapKeyRef: {name: urls, key: nope, optional: true}}
        - name: GONE
          valueFrom: {configMapKeyRef: {name: absent, key: x}}
        - name: NS
          valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
        - name: POD
          valueFrom: {fieldRef: {fieldPath: metadata.name}}
        - name: BOTH
          value: ""
          valueFrom: {configMapKeyRef: {name: urls, key: DB_HOST}}
`

// TestContainerEnv: a container's variables come in the kubelet's order, each with its
// value and where it is written; ConfigMaps the input lacks, Secrets and fields other
// than the namespace give nothing.
func TestContainerEnv(t *testing.T) {
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "env.yaml", Data: []byte(envManifest)})
	require.Len(t, g.Workloads, 1)
	require.Len(t, g.ConfigMaps, 1)
	w, cm := g.Workloads[0], g.ConfigMaps[0]
	cms := newConfigMapIndex(g)

	type got struct {
		name, value string
		source      envSource
		line        int
		key         string
		missing     bool
		shadowed    bool
	}
	var vars []got
	for name, v := range cms.containerEnv(w.Namespace, &w.Containers[0]) {
		key := ""
		if v.configMap != nil {
			assert.Same(t, cm, v.configMap)
			key = v.key
		}
		vars = append(vars, got{name, v.value, v.source, v.pos.Line, key, v.missing, v.shadowed})
	}
	assert.Equal(t, []got{
		{"U_DB_HOST", "postgres", envFromConfigMap, 5, "DB_HOST", false, false},
		{"API_URL", "http://api:8080", envLiteral, 29, "", false, false},
		{"DB", "postgres", envConfigMapKey, 5, "DB_HOST", false, false},
		{"NONE", "", envConfigMapKey, 32, "nope", true, false},
		{"NS", "shop", envNamespace, 36, "", false, false},
		{"BOTH", "", envLiteral, 41, "", false, false},
		{"BOTH", "postgres", envConfigMapKey, 5, "DB_HOST", false, true},
	}, vars)

	n := 0
	for range cms.containerEnv(w.Namespace, &w.Containers[0]) {
		n++
		break
	}
	assert.Equal(t, 1, n, "the iteration stops when asked")

	var mounted []*model.ConfigMap
	for m := range cms.mounted(w) {
		mounted = append(mounted, m)
	}
	assert.Equal(t, []*model.ConfigMap{cm}, mounted)
	assert.Nil(t, cms.get("default", "urls"), "a ConfigMap is found in its own namespace only")
}

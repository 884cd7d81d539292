package model

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubenet/kubenet/model/synth"
)

// benchFiles generates files of Deployment+Service pairs, objects objects in all,
// perFile objects a file, spread over a few namespaces.
func benchFiles(objects, perFile int) []NamedData {
	var files []NamedData
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			files = append(files, NamedData{Name: fmt.Sprintf("app-%04d.yaml", len(files)), Data: []byte(b.String())})
			b.Reset()
		}
	}
	inFile := 0
	for i := 0; i < objects/2; i++ {
		ns := fmt.Sprintf("team-%d", i%8)
		if inFile > 0 {
			b.WriteString("---\n")
		}
		fmt.Fprintf(&b, `# app %[1]d
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%[1]d
  namespace: %[2]s
  labels: {app: app-%[1]d, tier: backend}
spec:
  replicas: 2
  selector:
    matchLabels: {app: app-%[1]d}
  template:
    metadata:
      labels:
        app: app-%[1]d
        tier: backend
    spec:
      containers:
      - name: app
        image: registry.example.com/app:%[1]d
        ports:
        - {name: http, containerPort: 8080}
        - {name: metrics, containerPort: 9090}
        env:
        - {name: PORT, value: "8080"}
        - name: DB_HOST
          valueFrom: {configMapKeyRef: {name: db, key: host}}
---
apiVersion: v1
kind: Service
metadata:
  name: app-%[1]d
  namespace: %[2]s
spec:
  selector: {app: app-%[1]d}
  ports:
  - {name: http, port: 80, targetPort: http}
  - {name: metrics, port: 9090, targetPort: 9090}
`, i, ns)
		inFile += 2
		if inFile >= perFile {
			flush()
			inFile = 0
		}
	}
	flush()
	return files
}

// BenchmarkLoad measures LoadBytes on ~1k and ~10k objects in files of 20 objects.
func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		files := benchFiles(n, 20)
		size := 0
		for _, f := range files {
			size += len(f.Data)
		}
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				g := LoadBytes(Options{}, files...)
				if len(g.Objects) != n || len(g.Problems) != 0 {
					b.Fatalf("%d objects, %d problems", len(g.Objects), len(g.Problems))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/object")
		})
	}
}

// BenchmarkDecodeFloor decodes the generated 40k-object cluster with kyaml's YAML decoder
// alone, one file after another, building nothing: the floor a kyaml-based tool starts
// from (docs/performance.md compares kubenet's CPU with it).
func BenchmarkDecodeFloor(b *testing.B) {
	files, _, _ := synth.Generate(synth.Options{Namespaces: 200, Apps: 50, Seed: 1, Defects: true})
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			dec := yaml.NewDecoder(bytes.NewReader(f.Data))
			for {
				var n yaml.Node
				if err := dec.Decode(&n); err != nil {
					break
				}
			}
		}
	}
}

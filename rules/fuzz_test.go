package rules_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

// FuzzPipeline runs the whole pipeline on arbitrary input: load, facts, every rule.
// No input may make it panic or fail: bad manifests are findings, never errors. Every
// finding has a position in the input, and the JSON of the findings is stable.
func FuzzPipeline(f *testing.F) {
	_ = filepath.WalkDir("../testdata/rules", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".yaml") {
			if b, err := os.ReadFile(p); err == nil && len(b) < 1<<14 {
				f.Add(b)
			}
		}
		return nil
	})
	f.Add([]byte("apiVersion: v1\nkind: Service\nmetadata: {namespace: a}\n---\napiVersion: v1\nkind: Service\nmetadata: {namespace: a}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, namespace: a}\nspec: {defaultBackend: {service: {name: x, port: {number: 80}}}}\n"))
	e, err := rules.NewEngine()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<15 {
			t.Skip("large inputs only slow the fuzzer down")
		}
		run := func() string {
			g := model.LoadBytes(model.Options{}, model.NamedData{Name: "fuzz.yaml", Data: data})
			fs, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
			if err != nil {
				t.Fatalf("the pipeline failed: %v", err)
			}
			for _, x := range fs {
				if x.File == "" || x.Line < 1 {
					t.Errorf("finding without a position: %+v", x)
				}
			}
			b, err := json.Marshal(fs)
			if err != nil {
				t.Fatalf("findings do not marshal: %v", err)
			}
			return string(b)
		}
		if a, b := run(), run(); a != b {
			t.Errorf("two runs differ:\n%s\n%s", a, b)
		}
	})
}

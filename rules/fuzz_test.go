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
	for _, b := range pipelineSeeds(f) {
		f.Add(b)
	}
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

// seedsPerRule is how many of each rule's testdata cases seed FuzzPipeline. The fuzzer
// replays every seed, twice through the whole pipeline, within its time budget and
// before it mutates any: all 260 cases took most of a 15 s budget, and then more than
// all of it. The rule tests run every case anyway; the fuzzer needs a few of each rule.
const seedsPerRule = 3

// pipelineSeeds returns the first seedsPerRule cases (by name) of every rule's testdata
// directory, each smaller than 16 KiB.
func pipelineSeeds(f *testing.F) [][]byte {
	dirs, err := os.ReadDir("../testdata/rules")
	if err != nil {
		f.Fatal(err)
	}
	var out [][]byte
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n := 0
		err := filepath.WalkDir(filepath.Join("../testdata/rules", d.Name()), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() || !strings.HasSuffix(p, ".yaml") || n == seedsPerRule {
				return err
			}
			b, err := os.ReadFile(p)
			if err == nil && len(b) < 1<<14 {
				out = append(out, b)
				n++
			}
			return err
		})
		if err != nil {
			f.Fatal(err)
		}
	}
	if len(out) == 0 {
		f.Fatal("no seed files under ../testdata/rules")
	}
	return out
}

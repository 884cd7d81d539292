package analyzer_test

import (
	"fmt"
	"testing"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/model/synth"
)

func synthGraph(ns, apps int) *model.Graph {
	files, _, _ := synth.Generate(synth.Options{Namespaces: ns, Apps: apps, Seed: 1})
	in := make([]model.NamedData, len(files))
	for i, f := range files {
		in[i] = model.NamedData{Name: f.Name, Data: f.Data}
	}
	return model.LoadBytes(model.Options{}, in...)
}

// BenchmarkReach solves the NetworkPolicies and lists every allowed connection (the
// `kubenet reach` matrix) for 1k, 5k and 10k workloads (13 policies per 50 workloads:
// 2,600 policies at 10k).
func BenchmarkReach(b *testing.B) {
	for _, ns := range []int{20, 100, 200} {
		g := synthGraph(ns, 50)
		b.Run(fmt.Sprintf("workloads=%d/policies=%d", len(g.Workloads), len(g.Policies)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
				_ = r.Connections()
			}
		})
	}
}

// BenchmarkFacts computes every fact the rules read.
func BenchmarkFacts(b *testing.B) {
	for _, ns := range []int{20, 100, 200} {
		g := synthGraph(ns, 50)
		b.Run(fmt.Sprintf("objects=%d", len(g.Objects)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				analyzer.New(g, analyzer.DefaultConfig()).Compute()
			}
		})
	}
}

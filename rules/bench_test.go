package rules_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/model/synth"
	"github.com/kubenet/kubenet/rules"
)

// benchSizes are namespaces x apps: about 1k, 10k and 40k objects.
var benchSizes = []struct{ ns, apps int }{{5, 50}, {50, 50}, {200, 50}}

func synthInput(ns, apps int) []model.NamedData {
	files, _, _ := synth.Generate(synth.Options{Namespaces: ns, Apps: apps, Seed: 1, Defects: true})
	in := make([]model.NamedData, len(files))
	for i, f := range files {
		in[i] = model.NamedData{Name: f.Name, Data: f.Data}
	}
	return in
}

// BenchmarkCompile is the start-up every run pays whatever its size: reading, parsing
// and compiling the built-in Rego rules and preparing their queries.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, err := rules.NewEngine()
		require.NoError(b, err)
	}
}

// BenchmarkLint is the whole lint pipeline after reading files: decode, model, facts,
// Rego, sorting.
func BenchmarkLint(b *testing.B) {
	e, err := rules.NewEngine()
	require.NoError(b, err)
	for _, sz := range benchSizes {
		in := synthInput(sz.ns, sz.apps)
		b.Run(fmt.Sprintf("objects=%d", objectsOf(in)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				g := model.LoadBytes(model.Options{}, in...)
				_, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
				require.NoError(b, err)
			}
		})
	}
}

// BenchmarkStages measures each stage on its own at the largest size.
func BenchmarkStages(b *testing.B) {
	e, err := rules.NewEngine()
	require.NoError(b, err)
	for _, sz := range benchSizes {
		in := synthInput(sz.ns, sz.apps)
		n := objectsOf(in)
		g := model.LoadBytes(model.Options{}, in...)
		b.Run(fmt.Sprintf("load/objects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				model.LoadBytes(model.Options{}, in...)
			}
		})
		b.Run(fmt.Sprintf("facts/objects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				analyzer.New(g, analyzer.DefaultConfig()).Compute()
			}
		})
		b.Run(fmt.Sprintf("reach/objects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				analyzer.New(g, analyzer.DefaultConfig()).Reach().Connections()
			}
		})
		b.Run(fmt.Sprintf("rules/objects=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, err := e.Run(context.Background(), g, rules.Options{Cluster: analyzer.DefaultConfig()})
				require.NoError(b, err)
			}
		})
	}
}

func objectsOf(in []model.NamedData) int {
	return len(model.LoadBytes(model.Options{}, in...).Objects)
}

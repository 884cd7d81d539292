package rules

import (
	"sort"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// Input is the document every Rego rule reads as `input`. It is a public API,
// documented in docs/input.md: keys follow Kubernetes' camelCase, ids are
// "namespace/Kind/name", and every blame-able field has a *Pos sibling.
type Input struct {
	Namespaces     []*model.Namespace    `json:"namespaces"`
	Workloads      []*model.Workload     `json:"workloads"`
	Services       []*model.Service      `json:"services"`
	Ingresses      []*model.Ingress      `json:"ingresses"`
	IngressClasses []*model.IngressClass `json:"ingressClasses"`
	Policies       []*model.Policy       `json:"networkPolicies"`
	ConfigMaps     []*model.ConfigMap    `json:"configMaps"`
	// Objects is every object of the input, of any kind, duplicates included.
	Objects []*model.Object `json:"objects"`
	// Endpoints lists the ids of Services backed by Endpoints or EndpointSlices.
	Endpoints []string        `json:"endpoints"`
	Facts     *analyzer.Facts `json:"facts"`
	Config    analyzer.Config `json:"config"`
}

// NewInput builds the input document.
func NewInput(g *model.Graph, f *analyzer.Facts, cfg analyzer.Config) *Input {
	in := &Input{
		Namespaces: nonNil(g.Namespaces), Workloads: nonNil(g.Workloads), Services: nonNil(g.Services),
		Ingresses: nonNil(g.Ingresses), IngressClasses: nonNil(g.IngressClasses), Policies: nonNil(g.Policies),
		ConfigMaps: nonNil(g.ConfigMaps), Objects: nonNil(g.Objects), Endpoints: []string{},
		Facts: f, Config: cfg,
	}
	for id := range g.EndpointsFor {
		in.Endpoints = append(in.Endpoints, id)
	}
	sort.Strings(in.Endpoints)
	return in
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

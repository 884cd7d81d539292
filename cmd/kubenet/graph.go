package main

import (
	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/report"
)

func newGraphCmd(f *factory) *cobra.Command {
	var in inputFlags
	var format string
	cmd := &cobra.Command{
		Use:   "graph [PATH...]",
		Short: "Draw the network: Ingress routes, Services, workloads, DNS references, policies",
		Long: `Draw the network the manifests define, for a reviewer to see in a pull request:
Ingress routes to Services, Services to the workloads they select, the Services a
workload reaches by DNS name, and the NetworkPolicies that select each workload.
Broken edges are drawn in red and dashed, with the reason on the edge: a backend
Service or port that does not exist, a selector that matches no pod, a name that does
not resolve, traffic the policies deny.

Mermaid renders in GitHub Markdown (a job summary, a comment); dot is for Graphviz.`,
		Example: `  kubenet graph k8s/ --format mermaid
  kubenet graph k8s/ --format dot | dot -Tsvg > network.svg`,
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"."}
			}
			fm, err := report.Graph.Parse(format)
			if err != nil {
				return usageErr("--format: %v", err)
			}
			g, err := f.loadGraph(&in, args)
			if err != nil {
				return err
			}
			cluster, err := f.Cluster()
			if err != nil {
				return err
			}
			return fm.Write(f.io.out, analyzer.New(g, cluster).Picture(), report.Options{})
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "mermaid", "picture format: "+report.Graph.Help())
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.Graph.Names(), cobra.ShellCompDirectiveNoFileComp))
	in.register(cmd.Flags())
	return cmd
}

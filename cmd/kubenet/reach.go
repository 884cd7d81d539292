package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/report"
)

type reachOptions struct {
	f        *factory
	paths    []string
	format   string
	input    inputFlags
	from, to string
	port     string
}

func newReachCmd(f *factory) *cobra.Command {
	opts := &reachOptions{f: f}
	cmd := &cobra.Command{
		Use:   "reach [PATH...]",
		Short: "Show which workloads may reach which under the NetworkPolicies",
		Long: `Solve the NetworkPolicies of the manifests and print the workload-to-workload matrix:
every allowed connection with its ports. A pair that is not listed is denied on every
port. The cluster DNS and the ingress controller are included (assumed as configured
when the input does not contain them), and External stands for every address outside
the cluster's pods.

With --from, --to and --port, explain one connection instead: which policies isolate
the source and the destination, which rule admits the traffic, or that none does and
the smallest change that would. --to may name a Service (ns/Service/name) and one of
its ports; the verdict is then for each backend workload on the Service's targetPort,
as traffic arrives after DNAT. Exit status: 0 allowed, 1 denied, 2 usage error.`,
		Example: `  kubenet reach k8s/
  kubenet reach k8s/ --format json
  kubenet reach k8s/ --format mermaid
  kubenet reach k8s/ --from shop/Deployment/frontend --to shop/Deployment/cart --port 7070/TCP
  kubenet reach k8s/ --from shop/Deployment/frontend --to shop/Service/cart --port 80`,
		RunE: func(_ *cobra.Command, args []string) error {
			opts.paths = args
			if len(opts.paths) == 0 {
				opts.paths = []string{"."}
			}
			return runReach(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "matrix format: "+report.Reach.Help())
	opts.input.register(fl)
	fl.StringVar(&opts.from, "from", "", "source workload (ns/Kind/name, or External)")
	fl.StringVar(&opts.to, "to", "", "destination workload or Service (ns/Kind/name, ns/Service/name, or External)")
	fl.StringVar(&opts.port, "port", "", "destination port: NUMBER[/PROTOCOL] (TCP by default); a Service port may be given by name")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(report.Reach.Names(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func runReach(opts *reachOptions) error {
	format, err := report.Reach.Parse(opts.format)
	if err != nil {
		return usageErr("--format: %v", err)
	}
	g, err := opts.f.loadGraph(&opts.input, opts.paths)
	if err != nil {
		return err
	}
	cluster, err := opts.f.Cluster()
	if err != nil {
		return err
	}
	if opts.from != "" || opts.to != "" || opts.port != "" {
		// One connection: only the policies of its two ends' namespaces can decide it.
		scoped := analyzer.Scoped(g, analyzer.NamespaceOf(opts.from), analyzer.NamespaceOf(opts.to))
		return explainOne(opts, analyzer.New(scoped, cluster))
	}
	return format.Write(opts.f.io.out, analyzer.New(g, cluster).Reach(), report.Options{})
}

func explainOne(opts *reachOptions, facts *analyzer.Facts) error {
	if opts.from == "" || opts.to == "" || opts.port == "" {
		return usageErr("--from, --to and --port go together")
	}
	c, err := facts.Check(opts.from, opts.to, opts.port)
	if err != nil {
		return usageErr("%v", err)
	}
	fmt.Fprint(opts.f.io.out, c.Text)
	if !c.Allowed {
		return &exitError{code: exitFindings}
	}
	return nil
}

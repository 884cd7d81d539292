package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
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
	fl.StringVarP(&opts.format, "format", "f", "text", "matrix format: text, json, dot or mermaid")
	opts.input.register(fl)
	fl.StringVar(&opts.from, "from", "", "source workload (ns/Kind/name, or External)")
	fl.StringVar(&opts.to, "to", "", "destination workload or Service (ns/Kind/name, ns/Service/name, or External)")
	fl.StringVar(&opts.port, "port", "", "destination port: NUMBER[/PROTOCOL] (TCP by default); a Service port may be given by name")
	return cmd
}

func runReach(opts *reachOptions) error {
	g, err := opts.f.loadGraph(&opts.input, opts.paths)
	if err != nil {
		return err
	}
	cluster, err := opts.f.Cluster()
	if err != nil {
		return err
	}
	facts := analyzer.New(g, cluster)
	r := facts.Reach()
	if opts.from != "" || opts.to != "" || opts.port != "" {
		return explainOne(opts, facts)
	}
	switch opts.format {
	case "text":
		return writeReachText(opts.f.io.out, r)
	case "json":
		return writeReachJSON(opts.f.io.out, r)
	case "dot":
		return writeReachDot(opts.f.io.out, r)
	case "mermaid":
		return writeReachMermaid(opts.f.io.out, r)
	}
	return usageErr("--format: unknown format %q (want text, json, dot or mermaid)", opts.format)
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

func writeReachText(w io.Writer, r *analyzer.Reach) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FROM\tTO\tPORTS")
	conns := r.Connections()
	for _, c := range conns {
		fmt.Fprintf(tw, "%s\t%s\t%s%s\n", c.From.ID, c.To.ID, c.Ports, caveat(c))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\n%d allowed connections between %d nodes; pairs not listed are denied\n", len(conns), len(r.Nodes()))
	return err
}

func caveat(c analyzer.Connection) string {
	switch {
	case c.To.HostNetwork:
		return "  (destination uses hostNetwork: its policies do not apply)"
	case c.From.HostNetwork:
		return "  (source uses hostNetwork: it sends from the node's address)"
	}
	return ""
}

// writeReachJSON streams the JSON contract
// {"workloads":[...],"connections":[{"from","to","ports":"all"|[{"protocol","port","endPort"}]}]}
// one connection per line, so a matrix of a million connections costs little memory.
func writeReachJSON(w io.Writer, r *analyzer.Reach) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	// A bufio.Writer's errors are sticky: Flush reports the first one.
	ws := func(s string) { _, _ = bw.WriteString(s) }
	str := func(s string) {
		b, _ := json.Marshal(s)
		_, _ = bw.Write(b)
	}
	ws("{\n  \"workloads\": [")
	for i, n := range r.Nodes() {
		if i > 0 {
			ws(",")
		}
		ws("\n    ")
		str(n.ID)
	}
	ws("\n  ],\n  \"connections\": [")
	first := true
	r.EachConnection(func(c analyzer.Connection) {
		if !first {
			ws(",")
		}
		first = false
		ws("\n    {\"from\": ")
		str(c.From.ID)
		ws(", \"to\": ")
		str(c.To.ID)
		ws(", \"ports\": ")
		if c.Ports.IsAll() {
			ws(`"all"}`)
			return
		}
		ws("[")
		for i, p := range c.Ports.List() {
			if i > 0 {
				ws(", ")
			}
			fmt.Fprintf(bw, `{"protocol": %q, "port": %d, "endPort": %d}`, p.Protocol, p.Port, p.EndPort)
		}
		ws("]}")
	})
	if !first {
		ws("\n  ")
	}
	ws("]\n}\n")
	return bw.Flush()
}

func writeReachDot(w io.Writer, r *analyzer.Reach) error {
	var b strings.Builder
	b.WriteString("digraph reach {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n")
	for _, n := range r.Nodes() {
		style := ""
		if n.Workload == nil {
			style = ", style=dashed"
		}
		fmt.Fprintf(&b, "  %q [label=%q%s];\n", n.ID, n.ID, style)
	}
	for _, c := range r.Connections() {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", c.From.ID, c.To.ID, c.Ports.String())
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeReachMermaid(w io.Writer, r *analyzer.Reach) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	ids := map[string]string{}
	for i, n := range r.Nodes() {
		ids[n.ID] = fmt.Sprintf("n%d", i)
		shape := `["%s"]`
		if n.Workload == nil {
			shape = `(["%s"])`
		}
		fmt.Fprintf(&b, "  %s"+shape+"\n", ids[n.ID], mermaidText(n.ID))
	}
	for _, c := range r.Connections() {
		fmt.Fprintf(&b, "  %s -->|\"%s\"| %s\n", ids[c.From.ID], mermaidText(c.Ports.String()), ids[c.To.ID])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

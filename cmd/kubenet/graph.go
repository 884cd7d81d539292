package main

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
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
			if format != "mermaid" && format != "dot" {
				return usageErr("--format: unknown format %q (want mermaid or dot)", format)
			}
			g, err := f.loadGraph(&in, args)
			if err != nil {
				return err
			}
			cluster, err := f.Cluster()
			if err != nil {
				return err
			}
			p := buildPicture(analyzer.New(g, cluster).Compute(), g)
			if format == "dot" {
				return p.writeDot(f.io.out)
			}
			return p.writeMermaid(f.io.out)
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "mermaid", "picture format: mermaid or dot")
	in.register(cmd.Flags())
	return cmd
}

// picture is the network drawn as nodes grouped by namespace and labelled edges.
type picture struct {
	nodes map[string]*picNode
	edges []picEdge
}

type picNode struct {
	id, label, kind, namespace string
	missing                    bool
}

type picEdge struct {
	from, to, label string
	// kind is route, selects, dns or policy; broken edges carry why in the label.
	kind   string
	broken bool
}

func (p *picture) node(id, kind string) *picNode {
	if n, ok := p.nodes[id]; ok {
		return n
	}
	ns, name := "", id
	if parts := strings.SplitN(id, "/", 3); len(parts) == 3 {
		ns, name = parts[0], parts[2]
	}
	n := &picNode{id: id, label: kind + " " + name, kind: kind, namespace: ns}
	p.nodes[id] = n
	return n
}

func (p *picture) edge(from, to, label, kind string, broken bool) {
	p.edges = append(p.edges, picEdge{from, to, label, kind, broken})
}

// buildPicture draws what the facts say about the graph.
func buildPicture(f *analyzer.Facts, g *model.Graph) *picture {
	p := &picture{nodes: map[string]*picNode{}}
	svcByID := map[string]*model.Service{}
	for _, s := range g.Services {
		svcByID[s.ID] = s
		p.node(s.ID, "Service")
	}
	for _, w := range g.Workloads {
		p.node(w.ID, w.Kind)
	}
	for _, ing := range g.Ingresses {
		p.node(ing.ID, "Ingress")
		facts := f.Backends[ing.ID]
		reach := f.IngressBackends[ing.ID]
		for i, b := range ing.Backends {
			if b.Service == "" {
				continue
			}
			route := b.Host + b.Path
			if b.Default {
				route = "default"
			}
			label := strings.TrimSpace(route + " :" + b.Port.String())
			target := ing.Namespace + "/Service/" + b.Service
			broken := ""
			if i < len(facts) {
				switch {
				case facts[i].Service == "":
					broken = "no such Service"
					p.node(target, "Service").missing = true
				case !facts[i].PortOK:
					broken = "no port " + b.Port.String()
				}
			}
			if broken == "" && i < len(reach) && len(reach[i].Blocked) > 0 {
				broken = "blocked by " + strings.Join(shortNames(reach[i].Policies), ", ")
			}
			if broken != "" {
				label += " ✗ " + broken
			}
			p.edge(ing.ID, target, label, "route", broken != "")
		}
	}
	ids := make([]string, 0, len(f.Services))
	for id := range f.Services {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		sf := f.Services[id]
		s := svcByID[id]
		if s == nil || s.Type == "ExternalName" || len(s.Selector) == 0 {
			continue
		}
		if len(sf.Selects) == 0 {
			hole := id + "#nopods"
			n := p.node(hole, "no pods")
			n.label, n.missing, n.namespace = "no pod matches "+model.FormatLabels(s.Selector), true, s.Namespace
			p.edge(id, hole, "✗ selects nothing", "selects", true)
			continue
		}
		for _, w := range sf.Selects {
			p.edge(id, w, "", "selects", false)
		}
	}
	if f.DNSRefs != nil {
		seen := map[string]bool{}
		for _, r := range f.DNSRefs.References {
			if r.Workload == "" || (!r.InCluster && r.Resolution.Status != analyzer.DNSResolved) {
				continue
			}
			to, broken := "", ""
			switch {
			case r.Resolution.Status == analyzer.DNSResolved && r.Resolution.Answer != nil && r.Resolution.Answer.Service != "":
				to = r.Resolution.Answer.Service
				if r.Blocked != nil {
					broken = "blocked by " + strings.Join(shortNames(r.Blocked.Policies), ", ")
				} else if !r.PortOK {
					broken = fmt.Sprintf("no port %d", r.Port)
				}
			case r.Resolution.Status == analyzer.DNSResolved:
				continue // a pod record or an external name: not a Service edge
			default:
				to = "dns/" + r.Name
				n := p.node(to, "name")
				n.label, n.missing, n.namespace = r.Name+" ?", true, r.Namespace
				broken = "does not resolve"
			}
			label := "dns " + r.Name
			if broken != "" {
				label += " ✗ " + broken
			}
			key := r.Workload + "|" + to + "|" + label
			if seen[key] {
				continue
			}
			seen[key] = true
			p.edge(r.Workload, to, label, "dns", broken != "")
		}
	}
	if f.NetFacts != nil {
		pids := make([]string, 0, len(f.Policies))
		for id := range f.Policies {
			pids = append(pids, id)
		}
		sort.Strings(pids)
		for _, id := range pids {
			p.node(id, "NetworkPolicy")
			for _, w := range f.Policies[id].Selects {
				p.edge(id, w, "applies to", "policy", false)
			}
		}
	}
	return p
}

func shortNames(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id[strings.LastIndexByte(id, '/')+1:]
	}
	return out
}

// byNamespace returns the namespaces in order, each with its nodes in order.
func (p *picture) byNamespace() ([]string, map[string][]*picNode) {
	groups := map[string][]*picNode{}
	for _, n := range p.nodes {
		groups[n.namespace] = append(groups[n.namespace], n)
	}
	var order []string
	for ns, nodes := range groups {
		order = append(order, ns)
		sort.Slice(nodes, func(i, j int) bool { return nodes[i].id < nodes[j].id })
	}
	sort.Strings(order)
	return order, groups
}

// mermaidText makes a label safe inside a quoted Mermaid label.
// Text from the input cannot end the label, the line, or the fence the Action wraps
// around the picture: quotes, brackets, pipes, backticks and line breaks become entities.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;", "`", "#96;",
		"\n", " ", "\r", " ", "[", "#91;", "]", "#93;", "{", "#123;", "}", "#125;").Replace(report.Visible(s))
}

func (p *picture) writeMermaid(w io.Writer) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	b.WriteString("  classDef missing stroke:#d1242f,stroke-width:2px,stroke-dasharray:4,color:#d1242f\n")
	b.WriteString("  classDef policy fill:#f6f8fa,stroke:#8c959f\n")
	ids := map[string]string{}
	order, groups := p.byNamespace()
	n := 0
	for gi, ns := range order {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph ns%d[\"namespace %s\"]\n", gi, mermaidText(ns))
			indent = "    "
		}
		for _, node := range groups[ns] {
			n++
			id := fmt.Sprintf("n%d", n)
			ids[node.id] = id
			shape := `["%s"]`
			switch node.kind {
			case "Ingress":
				shape = `[/"%s"/]`
			case "Service":
				shape = `(["%s"])`
			case "NetworkPolicy":
				shape = `{{"%s"}}`
			}
			fmt.Fprintf(&b, "%s%s"+shape+"\n", indent, id, mermaidText(node.label))
			if node.missing {
				fmt.Fprintf(&b, "%sclass %s missing\n", indent, id)
			} else if node.kind == "NetworkPolicy" {
				fmt.Fprintf(&b, "%sclass %s policy\n", indent, id)
			}
		}
		if ns != "" {
			b.WriteString("  end\n")
		}
	}
	var broken []string
	for i, e := range p.edges {
		arrow := "-->"
		if e.kind == "policy" || e.kind == "dns" || e.broken {
			arrow = "-.->"
		}
		if e.label != "" {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", ids[e.from], arrow, mermaidText(e.label), ids[e.to])
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", ids[e.from], arrow, ids[e.to])
		}
		if e.broken {
			broken = append(broken, fmt.Sprint(i))
		}
	}
	if len(broken) > 0 {
		fmt.Fprintf(&b, "  linkStyle %s stroke:#d1242f,stroke-width:2px,color:#d1242f\n", strings.Join(broken, ","))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (p *picture) writeDot(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph network {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n")
	order, groups := p.byNamespace()
	for gi, ns := range order {
		indent := "  "
		if ns != "" {
			fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%q;\n", gi, "namespace "+ns)
			indent = "    "
		}
		for _, node := range groups[ns] {
			attrs := ""
			switch node.kind {
			case "Ingress":
				attrs = ", shape=parallelogram"
			case "Service":
				attrs = ", shape=ellipse"
			case "NetworkPolicy":
				attrs = ", shape=hexagon, style=filled, fillcolor=\"#f6f8fa\""
			}
			if node.missing {
				attrs += ", color=\"#d1242f\", fontcolor=\"#d1242f\", style=dashed"
			}
			fmt.Fprintf(&b, "%s%q [label=%q%s];\n", indent, node.id, node.label, attrs)
		}
		if ns != "" {
			b.WriteString("  }\n")
		}
	}
	for _, e := range p.edges {
		attrs := fmt.Sprintf("label=%q", e.label)
		if e.kind == "policy" || e.kind == "dns" {
			attrs += ", style=dotted"
		}
		if e.broken {
			attrs += ", color=\"#d1242f\", fontcolor=\"#d1242f\", style=dashed"
		}
		fmt.Fprintf(&b, "  %q -> %q [%s];\n", e.from, e.to, attrs)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/kubenet/kubenet/analyzer"
)

// diagram is what the picture emitters draw: boxes grouped by namespace, and labelled
// arrows. `kubenet graph` (the network) and `kubenet reach` (the matrix) are both
// turned into one, so there is one mermaid and one dot emitter.
type diagram struct {
	// name is dot's graph name.
	name   string
	groups []group
	arrows []arrow
}

// group is the boxes of one namespace ("" for none: no frame is drawn).
type group struct {
	namespace string
	boxes     []box
}

type box struct {
	id, label string
	shape     shape
	class     class
}

type arrow struct {
	from, to, label string
	// dotted draws a relation that is not a connection (a policy, a DNS name).
	dotted bool
	// broken draws it red and dashed: it does not work.
	broken bool
}

type shape int

const (
	rectangle     shape = iota
	stadium             // a Service, or what stands outside the workloads
	parallelogram       // an Ingress
	hexagon             // a NetworkPolicy
	trapezoid           // a Gateway or ListenerSet
	rounded             // a Gateway API route
)

// class styles a box: missing (what the input lacks), policy, or outside (not a
// workload of the input: External, the assumed cluster DNS).
type class string

const (
	plain   class = ""
	missing class = "missing"
	policy  class = "policy"
	outside class = "outside"
)

// mermaidClass and dotClass are each class's style.
var (
	mermaidClass = map[class]string{
		missing: "stroke:#d1242f,stroke-width:2px,stroke-dasharray:4,color:#d1242f",
		policy:  "fill:#f6f8fa,stroke:#8c959f",
		outside: "stroke-dasharray:4",
	}
	dotClass = map[class]string{
		missing: `, color="#d1242f", fontcolor="#d1242f", style=dashed`,
		policy:  `, style=filled, fillcolor="#f6f8fa"`,
		outside: `, style=dashed`,
	}
	classOrder = []class{missing, policy, outside}
)

// Graph are the formats of `kubenet graph`.
var Graph = &Registry[*analyzer.Picture]{formats: []Format[*analyzer.Picture]{
	{Name: "mermaid", Help: "GitHub Markdown renders it", write: func(w io.Writer, p *analyzer.Picture, _ Options) error {
		return writeMermaid(w, pictureDiagram(p))
	}},
	{Name: "dot", Help: "Graphviz", write: func(w io.Writer, p *analyzer.Picture, _ Options) error {
		return writeDot(w, pictureDiagram(p))
	}},
}}

// pictureDiagram draws the network picture: Ingresses as parallelograms, Services as
// stadiums, policies as hexagons, Gateways as trapezoids and their routes rounded, the
// stand-ins for what is missing in red.
func pictureDiagram(p *analyzer.Picture) *diagram {
	d := &diagram{name: "network"}
	for _, g := range p.Groups() {
		gr := group{namespace: g.Namespace}
		for _, n := range g.Nodes {
			b := box{id: n.ID, label: n.Label}
			switch n.Kind {
			case "Ingress":
				b.shape = parallelogram
			case "Service":
				b.shape = stadium
			case "NetworkPolicy":
				b.shape, b.class = hexagon, policy
			case "Gateway", "ListenerSet":
				b.shape = trapezoid
			case "HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute":
				b.shape = rounded
			}
			if n.Missing {
				b.class = missing
			}
			gr.boxes = append(gr.boxes, b)
		}
		d.groups = append(d.groups, gr)
	}
	for _, e := range p.Edges {
		d.arrows = append(d.arrows, arrow{from: e.From, to: e.To, label: e.Text(),
			dotted: e.Kind == analyzer.EdgePolicy || e.Kind == analyzer.EdgeDNS, broken: e.Broken})
	}
	return d
}

// mermaidText makes a label safe inside a quoted Mermaid label.
// Text from the input cannot end the label, the line, or the fence the Action wraps
// around the picture: quotes, brackets, pipes, backticks and line breaks become entities.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "<", "#lt;", ">", "#gt;", "|", "#124;", "`", "#96;",
		"\n", " ", "\r", " ", "[", "#91;", "]", "#93;", "{", "#123;", "}", "#125;").Replace(Visible(s))
}

// mermaidShape and dotShape are each shape's notation.
var (
	mermaidShape = map[shape]string{rectangle: `["%s"]`, stadium: `(["%s"])`, parallelogram: `[/"%s"/]`, hexagon: `{{"%s"}}`,
		trapezoid: `[/"%s"\]`, rounded: `("%s")`}
	dotShape = map[shape]string{rectangle: "", stadium: ", shape=ellipse", parallelogram: ", shape=parallelogram", hexagon: ", shape=hexagon",
		trapezoid: ", shape=trapezium", rounded: ", style=rounded"}
)

// classes are the classes the diagram's boxes use, in a fixed order.
func (d *diagram) classes() []class {
	used := map[class]bool{}
	for _, g := range d.groups {
		for _, b := range g.boxes {
			used[b.class] = true
		}
	}
	var out []class
	for _, c := range classOrder {
		if used[c] {
			out = append(out, c)
		}
	}
	return out
}

func writeMermaid(w io.Writer, d *diagram) error {
	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, c := range d.classes() {
		fmt.Fprintf(&b, "  classDef %s %s\n", c, mermaidClass[c])
	}
	ids := map[string]string{}
	n := 0
	for gi, g := range d.groups {
		indent := "  "
		if g.namespace != "" {
			fmt.Fprintf(&b, "  subgraph ns%d[\"namespace %s\"]\n", gi, mermaidText(g.namespace))
			indent = "    "
		}
		for _, bx := range g.boxes {
			n++
			id := fmt.Sprintf("n%d", n)
			ids[bx.id] = id
			fmt.Fprintf(&b, "%s%s"+mermaidShape[bx.shape]+"\n", indent, id, mermaidText(bx.label))
			if bx.class != plain {
				fmt.Fprintf(&b, "%sclass %s %s\n", indent, id, bx.class)
			}
		}
		if g.namespace != "" {
			b.WriteString("  end\n")
		}
	}
	var broken []string
	for i, a := range d.arrows {
		line := "-->"
		if a.dotted || a.broken {
			line = "-.->"
		}
		if a.label != "" {
			fmt.Fprintf(&b, "  %s %s|\"%s\"| %s\n", ids[a.from], line, mermaidText(a.label), ids[a.to])
		} else {
			fmt.Fprintf(&b, "  %s %s %s\n", ids[a.from], line, ids[a.to])
		}
		if a.broken {
			broken = append(broken, fmt.Sprint(i))
		}
	}
	if len(broken) > 0 {
		fmt.Fprintf(&b, "  linkStyle %s stroke:#d1242f,stroke-width:2px,color:#d1242f\n", strings.Join(broken, ","))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDot(w io.Writer, d *diagram) error {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n", d.name)
	for gi, g := range d.groups {
		indent := "  "
		if g.namespace != "" {
			fmt.Fprintf(&b, "  subgraph cluster_%d {\n    label=%q;\n", gi, "namespace "+g.namespace)
			indent = "    "
		}
		for _, bx := range g.boxes {
			fmt.Fprintf(&b, "%s%q [label=%q%s%s];\n", indent, bx.id, bx.label, dotShape[bx.shape], dotClass[bx.class])
		}
		if g.namespace != "" {
			b.WriteString("  }\n")
		}
	}
	for _, a := range d.arrows {
		attrs := fmt.Sprintf("label=%q", a.label)
		if a.dotted {
			attrs += ", style=dotted"
		}
		if a.broken {
			attrs += `, color="#d1242f", fontcolor="#d1242f", style=dashed`
		}
		fmt.Fprintf(&b, "  %q -> %q [%s];\n", a.from, a.to, attrs)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

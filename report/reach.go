package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/kubenet/kubenet/analyzer"
)

// Reach are the formats of `kubenet reach`'s matrix.
var Reach = &Registry[*analyzer.Reach]{formats: []Format[*analyzer.Reach]{
	{Name: "text", write: func(w io.Writer, r *analyzer.Reach, _ Options) error { return writeReachText(w, r) }},
	{Name: "json", write: func(w io.Writer, r *analyzer.Reach, _ Options) error { return writeReachJSON(w, r) }},
	{Name: "dot", write: func(w io.Writer, r *analyzer.Reach, _ Options) error { return writeDot(w, reachDiagram(r)) }},
	{Name: "mermaid", write: func(w io.Writer, r *analyzer.Reach, _ Options) error { return writeMermaid(w, reachDiagram(r)) }},
}}

// reachDiagram draws the matrix: a box per workload (a stadium, dashed, for External
// and the assumed cluster DNS and ingress controller), an arrow per allowed connection
// with its ports.
func reachDiagram(r *analyzer.Reach) *diagram {
	d := &diagram{name: "reach", groups: []group{{}}}
	for _, n := range r.Nodes() {
		b := box{id: n.ID, label: n.ID}
		if n.Workload == nil {
			b.shape, b.class = stadium, outside
		}
		d.groups[0].boxes = append(d.groups[0].boxes, b)
	}
	for _, c := range r.Connections() {
		d.arrows = append(d.arrows, arrow{from: c.From.ID, to: c.To.ID, label: c.Ports.String()})
	}
	return d
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
	bw := bufio.NewWriterSize(w, bufferSize)
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

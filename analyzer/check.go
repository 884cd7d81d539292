package analyzer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Check is the verdict on one connection a person asks about: from a workload to a
// workload or a Service, on a port.
type Check struct {
	Allowed bool
	// Explanations hold one verdict per destination pod (a Service has one per backend).
	Explanations []Explanation
	// Text is the whole verdict as a person reads it.
	Text string
}

// CheckError is a question that cannot be asked of this input (unknown workload, port).
type CheckError struct {
	Msg string
	// Unknown is the id of the source or destination the input does not have, when that
	// is why ("" for a bad port): another variant of the deployment may have it.
	Unknown string
}

func (e *CheckError) Error() string { return e.Msg }

// ParsePort parses NUMBER[/PROTOCOL] or NAME[/PROTOCOL]; TCP by default.
func ParsePort(s string) (port, proto string, err error) {
	port, proto = s, "TCP"
	if i := strings.IndexByte(s, '/'); i >= 0 {
		port, proto = s[:i], strings.ToUpper(s[i+1:])
	}
	if proto != "TCP" && proto != "UDP" && proto != "SCTP" {
		return "", "", &CheckError{Msg: fmt.Sprintf("protocol %q is not TCP, UDP or SCTP", proto)}
	}
	if port == "" {
		return "", "", &CheckError{Msg: "no port given"}
	}
	return port, proto, nil
}

// Check explains the connection from -> to on port ("8080/TCP"; a Service port may be
// given by name). A Service destination is judged after DNAT: on each backend workload's
// targetPort.
func (f *Facts) Check(from, to, port string) (Check, error) {
	r := f.Reach()
	src := r.Node(from)
	if src == nil {
		return Check{}, &CheckError{Msg: fmt.Sprintf("no workload %q in the input (ids look like ns/Kind/name; see kubenet reach)", from), Unknown: from}
	}
	portStr, proto, err := ParsePort(port)
	if err != nil {
		return Check{}, err
	}
	type target struct {
		node *Node
		port int
		note string
	}
	var targets []target
	var b strings.Builder
	if dst := r.Node(to); dst != nil {
		n, err := strconv.Atoi(portStr)
		if err != nil {
			for _, p := range dst.Ports {
				if p.Name == portStr && p.Protocol == proto {
					n, err = p.ContainerPort, nil
				}
			}
			if err != nil {
				return Check{}, &CheckError{Msg: fmt.Sprintf("%q is neither a number nor a named port of %s", portStr, dst.ID)}
			}
		}
		targets = append(targets, target{node: dst, port: n})
	} else {
		parts := strings.Split(to, "/")
		if len(parts) != 3 || parts[1] != "Service" {
			return Check{}, &CheckError{Msg: fmt.Sprintf("no workload or Service %q in the input", to), Unknown: to}
		}
		svc := f.graph.Service(parts[0], parts[2])
		if svc == nil {
			return Check{}, &CheckError{Msg: fmt.Sprintf("no Service %q in the input", to), Unknown: to}
		}
		var sp *model.ServicePort
		for i := range svc.Ports {
			p := &svc.Ports[i]
			if p.Protocol == proto && (strconv.Itoa(p.Port) == portStr || p.Name == portStr) {
				sp = p
			}
		}
		if sp == nil {
			return Check{}, &CheckError{Msg: fmt.Sprintf("%s has no port %s/%s", svc.ID, portStr, proto)}
		}
		for e := range f.endpoints(svc, *sp) {
			if !e.ok {
				fmt.Fprintf(&b, "%s does not declare the named targetPort %q: the Service port reaches no port of it\n", e.node.ID, sp.TargetPort.Str)
				continue
			}
			note := ""
			if e.port != sp.Port {
				note = fmt.Sprintf("Service port %d forwards to targetPort %d on %s; policies see %d, not %d", sp.Port, e.port, e.node.ID, e.port, sp.Port)
			}
			targets = append(targets, target{node: e.node, port: e.port, note: note})
		}
		if len(targets) == 0 {
			fmt.Fprintf(&b, "DENIED: %s selects no workload that serves port %s\n", svc.ID, port)
			return Check{Text: b.String()}, nil
		}
	}
	c := Check{Allowed: true}
	for _, t := range targets {
		e := r.Explain(src, t.node, proto, t.port)
		if t.note != "" {
			e.Notes = append([]string{t.note}, e.Notes...)
		}
		b.WriteString(e.String())
		c.Explanations = append(c.Explanations, e)
		c.Allowed = c.Allowed && e.Allowed
	}
	c.Text = b.String()
	return c, nil
}

// ExpectationFacts is an expectation and what the manifests say.
type ExpectationFacts struct {
	model.Expectation
	// Actual is the verdict of the manifests; Error is set when the question cannot be
	// asked (unknown workload or port).
	Actual bool   `json:"actual"`
	Error  string `json:"error"`
	// Unknown is the id of from or to that the input does not have, when that is the
	// error: another variant of the deployment may have it.
	Unknown string `json:"unknown"`
	// Explanation says why, with the smallest change that would allow a denied connection.
	Explanation string `json:"explanation"`
}

func (f *Facts) checkExpectations(exps []model.Expectation) []ExpectationFacts {
	out := []ExpectationFacts{}
	for _, e := range exps {
		ef := ExpectationFacts{Expectation: e}
		c, err := f.Check(e.From, e.To, e.Port)
		if err != nil {
			ef.Error = err.Error()
			var ce *CheckError
			if errors.As(err, &ce) {
				ef.Unknown = ce.Unknown
			}
		} else {
			ef.Actual, ef.Explanation = c.Allowed, strings.TrimSpace(c.Text)
		}
		out = append(out, ef)
	}
	return out
}

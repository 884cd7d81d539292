package analyzer

import (
	"fmt"
	"sort"
	"strings"
)

// Comparing two sets of manifests: who may reach whom, and which names resolve,
// before and after a change. `kubenet diff` reports it.

// ConnChange is how one connection differs between two sets of manifests, between
// workloads (and assumed components) both sets have.
type ConnChange struct {
	// Change is "opened" (denied on every port before), "closed" (denied on every
	// port after) or "changed" (allowed on other ports).
	Change string `json:"change"`
	From   string `json:"from"`
	To     string `json:"to"`
	Before PortSet
	After  PortSet
	// Because names the policy rules that make the difference: for ports opened, the
	// rules that admit them now (or that nothing isolates the pods any more); for ports
	// closed, the policies that deny them now.
	Because []string `json:"because"`
}

// Opened and Closed are the ports the change allows and denies.
func (c ConnChange) Opened() PortSet { return c.After.Minus(c.Before) }
func (c ConnChange) Closed() PortSet { return c.Before.Minus(c.After) }

// ReachComparison is the difference in reachability between two sets of manifests.
type ReachComparison struct {
	Changes []ConnChange
	// Added and Removed are the workloads only one side has: their connections are
	// not listed one by one.
	Added, Removed []string
	// Skipped says why connections were not compared ("" when they were).
	Skipped string
}

// maxCompared bounds the connections compared (each side's matrix is held in memory).
const maxCompared = 2_000_000

// CompareReach compares the reachability of old and new.
func CompareReach(old, new *Facts) ReachComparison {
	ro, rn := old.Reach(), new.Reach()
	var cmp ReachComparison
	inOld, inNew := map[string]bool{}, map[string]bool{}
	for _, n := range ro.Nodes() {
		inOld[n.ID] = true
	}
	for _, n := range rn.Nodes() {
		inNew[n.ID] = true
		if !inOld[n.ID] && n.Workload != nil {
			cmp.Added = append(cmp.Added, n.ID)
		}
	}
	for _, n := range ro.Nodes() {
		if !inNew[n.ID] && n.Workload != nil {
			cmp.Removed = append(cmp.Removed, n.ID)
		}
	}
	type pair struct{ from, to string }
	before := map[pair]PortSet{}
	count := 0
	ro.EachConnection(func(c Connection) {
		count++
		if count <= maxCompared && inNew[c.From.ID] && inNew[c.To.ID] {
			before[pair{c.From.ID, c.To.ID}] = c.Ports
		}
	})
	if count > maxCompared {
		cmp.Skipped = fmt.Sprintf("more than %d allowed connections; compare a part of the repository", maxCompared)
		return cmp
	}
	seen := map[pair]bool{}
	count = 0
	rn.EachConnection(func(c Connection) {
		count++
		if count > maxCompared || !inOld[c.From.ID] || !inOld[c.To.ID] {
			return
		}
		k := pair{c.From.ID, c.To.ID}
		seen[k] = true
		was, ok := before[k]
		switch {
		case !ok:
			cmp.Changes = append(cmp.Changes, ConnChange{Change: "opened", From: k.from, To: k.to, After: c.Ports})
		case !was.Equal(c.Ports):
			cmp.Changes = append(cmp.Changes, ConnChange{Change: "changed", From: k.from, To: k.to, Before: was, After: c.Ports})
		}
	})
	if count > maxCompared {
		return ReachComparison{Added: cmp.Added, Removed: cmp.Removed,
			Skipped: fmt.Sprintf("more than %d allowed connections; compare a part of the repository", maxCompared)}
	}
	for k, was := range before {
		if !seen[k] {
			cmp.Changes = append(cmp.Changes, ConnChange{Change: "closed", From: k.from, To: k.to, Before: was})
		}
	}
	for i := range cmp.Changes {
		cmp.Changes[i].Because = because(ro, rn, &cmp.Changes[i])
	}
	sort.Slice(cmp.Changes, func(i, j int) bool {
		a, b := cmp.Changes[i], cmp.Changes[j]
		if a.From != b.From {
			return a.From < b.From
		}
		return a.To < b.To
	})
	sort.Strings(cmp.Added)
	sort.Strings(cmp.Removed)
	return cmp
}

// because explains a change on one port of each direction: what admits an opened
// port now, or why it was denied before and is not any more; what denies a closed
// port now.
func because(ro, rn *Reach, c *ConnChange) []string {
	var out []string
	add := func(s string) {
		for _, x := range out {
			if x == s {
				return
			}
		}
		out = append(out, s)
	}
	if proto, port, ok := c.Opened().First(); ok {
		ex := rn.Explain(rn.Node(c.From), rn.Node(c.To), proto, port)
		for _, s := range []Side{ex.Egress, ex.Ingress} {
			if s.Decided != nil {
				add("accepted by " + s.Decided.String())
				continue
			}
			for _, a := range s.Admits {
				add("admitted by " + a.String())
			}
		}
		was := ro.Explain(ro.Node(c.From), ro.Node(c.To), proto, port)
		for _, d := range []struct {
			was, now Side
			node     string
			dir      string
		}{{was.Ingress, ex.Ingress, c.To, "ingress"}, {was.Egress, ex.Egress, c.From, "egress"}} {
			switch {
			case d.was.DeniedByTier() && !d.now.DeniedByTier():
				add(fmt.Sprintf("the %s of %s is no longer denied by %s", d.dir, d.node, d.was.Decided))
			case !d.was.Allowed() && d.was.Decided == nil && !d.now.Isolated:
				add(fmt.Sprintf("%s is no longer isolated for %s (was by %s)", d.node, d.dir, sidePolicies(d.was)))
			}
		}
	}
	if proto, port, ok := c.Closed().First(); ok {
		ex := rn.Explain(rn.Node(c.From), rn.Node(c.To), proto, port)
		if !ex.Egress.Allowed() {
			add(fmt.Sprintf("denied on %d/%s by the egress of %s", port, proto, sidePolicies(ex.Egress)))
		}
		if !ex.Ingress.Allowed() {
			add(fmt.Sprintf("denied on %d/%s by the ingress of %s", port, proto, sidePolicies(ex.Ingress)))
		}
	}
	return out
}

// sidePolicies names the policies of a side, with the position of each.
func sidePolicies(s Side) string {
	if s.Decided != nil {
		return s.Decided.String()
	}
	ids := make([]string, len(s.Policies))
	for i, p := range s.Policies {
		ids[i] = fmt.Sprintf("%s (%s)", p.ID, p.Pos)
	}
	return strings.Join(ids, ", ")
}

// NameChange is a hostname a workload uses whose resolution differs between two sets
// of manifests.
type NameChange struct {
	// Change is "resolves" (it did not before), "unresolved" (it did before) or
	// "retargeted" (it resolves to another record).
	Change string `json:"change"`
	// Object is the workload, ConfigMap or Service that uses the name.
	Object string `json:"object"`
	Name   string `json:"name"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// CompareNames compares the resolution of the hostnames workloads use.
func CompareNames(old, new *Facts) []NameChange {
	answers := func(f *Facts) map[[2]string]string {
		f.ComputeOnly("dns")
		out := map[[2]string]string{}
		if f.DNSRefs == nil {
			return out
		}
		for _, r := range f.DNSRefs.References {
			k := [2]string{r.Object, r.Name}
			a := ""
			if r.Resolution.Answer != nil {
				a = r.Resolution.Answer.FQDN
			}
			if prev, ok := out[k]; !ok || prev == "" {
				out[k] = a
			}
		}
		return out
	}
	before, after := answers(old), answers(new)
	var out []NameChange
	for k, a := range after {
		b, ok := before[k]
		if !ok {
			continue // a new use of a name is not a change of its resolution
		}
		switch {
		case b == "" && a != "":
			out = append(out, NameChange{Change: "resolves", Object: k[0], Name: k[1], After: a})
		case b != "" && a == "":
			out = append(out, NameChange{Change: "unresolved", Object: k[0], Name: k[1], Before: b})
		case b != a:
			out = append(out, NameChange{Change: "retargeted", Object: k[0], Name: k[1], Before: b, After: a})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Object != out[j].Object {
			return out[i].Object < out[j].Object
		}
		return out[i].Name < out[j].Name
	})
	return out
}

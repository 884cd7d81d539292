package analyzer

import (
	"sort"
	"strconv"
	"strings"
)

// protocols are the protocols NetworkPolicy knows, in output order, indexed as
// protoIndex indexes them.
var protocols = [...]string{"TCP", "UDP", "SCTP"}

// protoIndex is the index of protocol p in protocols (TCP for any other).
func protoIndex(p string) int {
	switch p {
	case "UDP":
		return 1
	case "SCTP":
		return 2
	}
	return 0
}

// Range is an inclusive port range.
type Range struct{ Lo, Hi int }

// PortSet is a set of (protocol, port) pairs as sorted, disjoint, non-adjacent ranges
// per protocol. The zero value is empty. A PortSet is immutable: operations return new
// sets and may share the slices of their operands.
type PortSet struct{ r [3][]Range }

var fullRange = []Range{{1, 65535}}

// allPorts is shared: PortSets are never modified in place.
var allPorts = PortSet{r: [3][]Range{fullRange, fullRange, fullRange}}

// AllPorts is every port of every protocol.
func AllPorts() PortSet { return allPorts }

// PortsOf is the single range lo-hi of proto.
func PortsOf(proto string, lo, hi int) PortSet {
	var s PortSet
	if lo < 1 {
		lo = 1
	}
	if hi > 65535 {
		hi = 65535
	}
	if lo <= hi {
		s.r[protoIndex(proto)] = []Range{{lo, hi}}
	}
	return s
}

// IsEmpty reports whether s holds no port.
func (s PortSet) IsEmpty() bool { return len(s.r[0])+len(s.r[1])+len(s.r[2]) == 0 }

// IsAll reports whether s holds every port of every protocol.
func (s PortSet) IsAll() bool {
	for _, rs := range s.r {
		if len(rs) != 1 || rs[0].Lo != 1 || rs[0].Hi != 65535 {
			return false
		}
	}
	return true
}

// Contains reports whether s holds port of proto.
func (s PortSet) Contains(proto string, port int) bool {
	rs := s.r[protoIndex(proto)]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Hi >= port })
	return i < len(rs) && rs[i].Lo <= port
}

// Ranges returns the ranges of one protocol.
func (s PortSet) Ranges(proto string) []Range { return s.r[protoIndex(proto)] }

// Union returns s ∪ o.
func (s PortSet) Union(o PortSet) PortSet {
	if s.IsAll() || o.IsEmpty() {
		return s
	}
	if o.IsAll() || s.IsEmpty() {
		return o
	}
	var out PortSet
	for i := range s.r {
		out.r[i] = unionRanges(s.r[i], o.r[i])
	}
	return out
}

// Intersect returns s ∩ o.
func (s PortSet) Intersect(o PortSet) PortSet {
	if s.IsAll() || o.IsEmpty() {
		return o
	}
	if o.IsAll() || s.IsEmpty() {
		return s
	}
	var out PortSet
	for i := range s.r {
		a, b := s.r[i], o.r[i]
		var rs []Range
		for x, y := 0, 0; x < len(a) && y < len(b); {
			lo, hi := max(a[x].Lo, b[y].Lo), min(a[x].Hi, b[y].Hi)
			if lo <= hi {
				rs = append(rs, Range{lo, hi})
			}
			if a[x].Hi < b[y].Hi {
				x++
			} else {
				y++
			}
		}
		out.r[i] = rs
	}
	return out
}

// Equal reports whether s and o hold the same ports.
func (s PortSet) Equal(o PortSet) bool {
	for i := range s.r {
		if len(s.r[i]) != len(o.r[i]) {
			return false
		}
		for j := range s.r[i] {
			if s.r[i][j] != o.r[i][j] {
				return false
			}
		}
	}
	return true
}

func unionRanges(a, b []Range) []Range {
	if len(a) == 0 {
		return b
	}
	if len(b) == 0 {
		return a
	}
	all := make([]Range, 0, len(a)+len(b))
	all = append(all, a...)
	all = append(all, b...)
	sort.Slice(all, func(i, j int) bool { return all[i].Lo < all[j].Lo })
	out := all[:1]
	for _, r := range all[1:] {
		last := &out[len(out)-1]
		if r.Lo <= last.Hi+1 {
			last.Hi = max(last.Hi, r.Hi)
		} else {
			out = append(out, r)
		}
	}
	return out
}

// String renders s as "all", "none", or e.g. "TCP 80,8080-8090; UDP 53".
func (s PortSet) String() string {
	if s.IsAll() {
		return "all"
	}
	if s.IsEmpty() {
		return "none"
	}
	var parts []string
	for i, rs := range s.r {
		if len(rs) == 0 {
			continue
		}
		var b strings.Builder
		b.WriteString(protocols[i])
		b.WriteByte(' ')
		for j, r := range rs {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(r.Lo))
			if r.Hi != r.Lo {
				b.WriteByte('-')
				b.WriteString(strconv.Itoa(r.Hi))
			}
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "; ")
}

// PortRange is one entry of the JSON form of a PortSet.
type PortRange struct {
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
	EndPort  int    `json:"endPort"`
}

// List returns the JSON form: one entry per range.
func (s PortSet) List() []PortRange {
	out := []PortRange{}
	for i, rs := range s.r {
		for _, r := range rs {
			out = append(out, PortRange{Protocol: protocols[i], Port: r.Lo, EndPort: r.Hi})
		}
	}
	return out
}

// Minus returns the ports of s that o does not hold.
func (s PortSet) Minus(o PortSet) PortSet {
	if o.IsEmpty() || s.IsEmpty() {
		return s
	}
	var out PortSet
	for i := range s.r {
		var rs []Range
		b := o.r[i]
		for _, a := range s.r[i] {
			lo := a.Lo
			for _, c := range b {
				if c.Hi < lo || c.Lo > a.Hi {
					continue
				}
				if c.Lo > lo {
					rs = append(rs, Range{lo, c.Lo - 1})
				}
				lo = c.Hi + 1
				if lo > a.Hi {
					break
				}
			}
			if lo <= a.Hi {
				rs = append(rs, Range{lo, a.Hi})
			}
		}
		out.r[i] = rs
	}
	return out
}

// First returns one port of s (the lowest of the first protocol that has any).
func (s PortSet) First() (string, int, bool) {
	for i, rs := range s.r {
		if len(rs) > 0 {
			return protocols[i], rs[0].Lo, true
		}
	}
	return "", 0, false
}

package analyzer

// Connection is one allowed edge of the matrix.
type Connection struct {
	From, To *Node
	Ports    PortSet
}

// Connections lists every allowed connection, grouped by source
// (in the order of the sources' classes, then of their nodes) and then by destination.
// A workload's connection to itself is the traffic between its own pods (the replicas
// of a StatefulSet or a clustered Deployment talk to each other); the other nodes
// (ingress controllers, DNS, the outside world) stand for pods kubenet cannot see and
// have none. Pairs not listed are denied on every port.
func (r *Reach) Connections() []Connection {
	buckets := r.classConnections()
	total := 0
	for src, conns := range buckets {
		for _, c := range conns {
			total += len(r.classes[src].nodes) * len(r.classes[c.to].nodes)
		}
	}
	out := make([]Connection, 0, total)
	r.expand(buckets, func(c Connection) { out = append(out, c) })
	return out
}

// EachConnection calls f for every allowed connection, in the order of Connections,
// without building the list (a large matrix is streamed to its output).
func (r *Reach) EachConnection(f func(Connection)) { r.expand(r.classConnections(), f) }

func (r *Reach) expand(buckets [][]classConn, f func(Connection)) {
	for src, conns := range buckets {
		for _, from := range r.classes[src].nodes {
			for _, c := range conns {
				for _, to := range r.classes[c.to].nodes {
					if from != to || from.Workload != nil {
						f(Connection{From: from, To: to, Ports: c.ports})
					}
				}
			}
		}
	}
}

// classConn is an allowed connection towards class to.
type classConn struct {
	to    int
	ports PortSet
}

// classConnections solves every class pair: for each source class, the destination
// classes it may reach and on which ports, in destination order. It never enumerates
// replicas, and only visits the sources a destination's ingress rules can admit.
func (r *Reach) classConnections() [][]classConn {
	n := len(r.classes)
	buckets := make([][]classConn, n)
	all := bitset{}
	for _, c := range r.classes {
		all.set(c.idx)
	}
	type resolved struct {
		a     *admit
		ports PortSet
	}
	var in []resolved
	for _, dst := range r.classes {
		sources := all
		isolated := dst.isolatedIn()
		tiered := !dst.ingress.simple()
		in = in[:0]
		if isolated && !tiered {
			sources = bitset{}
			for _, a := range dst.ingress.admits {
				in = append(in, resolved{a, a.ports.resolve(dst)})
				switch {
				case a.allPeers:
					sources = all
				case !sameBitset(sources, all):
					sources.or(a.peers)
					if a.external {
						sources.set(r.external.idx)
						for _, h := range r.hostNet {
							sources.set(h.idx)
						}
					}
				}
			}
		}
		sources.each(func(i int) {
			src := r.classes[i]
			egress := egressPorts(src, dst)
			if egress.IsEmpty() {
				return
			}
			ingress := allPorts
			switch {
			case tiered:
				ingress = ingressPorts(src, dst)
			case isolated:
				ingress = PortSet{}
				for _, ra := range in {
					if ra.a.matches(src) {
						ingress = ingress.Union(ra.ports)
					}
				}
			}
			if ps := egress.Intersect(ingress); !ps.IsEmpty() {
				buckets[i] = append(buckets[i], classConn{dst.idx, ps})
			}
		})
	}
	return buckets
}

func sameBitset(a, b bitset) bool { return len(a.w) > 0 && len(b.w) > 0 && &a.w[0] == &b.w[0] }

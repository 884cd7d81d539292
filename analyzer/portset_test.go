package analyzer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPortSetAlgebra(t *testing.T) {
	a := PortsOf("TCP", 80, 90).Union(PortsOf("TCP", 91, 100)).Union(PortsOf("UDP", 53, 53))
	assert.Equal(t, "TCP 80-100; UDP 53", a.String())
	b := PortsOf("TCP", 95, 200).Union(PortsOf("SCTP", 1, 65535))
	assert.Equal(t, "TCP 95-100", a.Intersect(b).String())
	assert.True(t, a.Contains("TCP", 85))
	assert.False(t, a.Contains("TCP", 101))
	assert.False(t, a.Contains("SCTP", 85))
	assert.True(t, AllPorts().IsAll())
	assert.True(t, PortSet{}.IsEmpty())
	assert.Equal(t, "none", a.Intersect(PortsOf("UDP", 54, 60)).String())
	assert.Equal(t, "all", PortsOf("TCP", 1, 65535).Union(PortsOf("UDP", 1, 65535)).Union(PortsOf("SCTP", 0, 70000)).String())
	assert.Equal(t, []PortRange{{"TCP", 80, 100}, {"UDP", 53, 53}}, a.List())
	assert.True(t, a.Equal(PortsOf("UDP", 53, 53).Union(PortsOf("TCP", 80, 100))))
}

// TestPortSetMinus: the ports of a set that another does not hold, per protocol.
func TestPortSetMinus(t *testing.T) {
	tcp := func(lo, hi int) PortSet { return PortsOf("TCP", lo, hi) }
	for _, c := range []struct {
		name       string
		a, b, want PortSet
	}{
		{"disjoint", tcp(80, 80), tcp(443, 443), tcp(80, 80)},
		{"all of it", tcp(80, 90), tcp(1, 100), PortSet{}},
		{"a hole", tcp(80, 90), tcp(85, 85), tcp(80, 84).Union(tcp(86, 90))},
		{"both ends", tcp(80, 90), tcp(70, 80).Union(tcp(90, 95)), tcp(81, 89)},
		{"other protocol untouched", tcp(53, 53).Union(PortsOf("UDP", 53, 53)), PortsOf("UDP", 1, 65535), tcp(53, 53)},
		{"from all", AllPorts(), tcp(1, 65535).Union(PortsOf("UDP", 1, 65535)), PortsOf("SCTP", 1, 65535)},
		{"nothing taken", tcp(80, 80), PortSet{}, tcp(80, 80)},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := c.a.Minus(c.b)
			assert.True(t, got.Equal(c.want), "got %s, want %s", got, c.want)
		})
	}
	proto, port, ok := tcp(8080, 8090).Union(PortsOf("UDP", 53, 53)).First()
	assert.True(t, ok)
	assert.Equal(t, "TCP", proto)
	assert.Equal(t, 8080, port)
	_, _, ok = PortSet{}.First()
	assert.False(t, ok)
}

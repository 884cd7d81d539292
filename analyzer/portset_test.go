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

package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReachJSON(t *testing.T) {
	code, out, errOut := kubenet(t, "", "reach", "--format", "json", "examples/shop")
	require.Equal(t, exitClean, code, errOut)
	var doc struct {
		Workloads   []string `json:"workloads"`
		Connections []struct {
			From  string `json:"from"`
			To    string `json:"to"`
			Ports any    `json:"ports"`
		} `json:"connections"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	assert.Contains(t, doc.Workloads, "shop/Deployment/cart")
	assert.Contains(t, doc.Workloads, "External")
}

func TestReachExplain(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		out  []string
	}{
		{"allowed through a Service", []string{"--from", "shop/Deployment/cart", "--to", "shop/Service/redis", "--port", "6379"},
			exitClean, []string{"ALLOWED: shop/Deployment/cart -> shop/StatefulSet/redis on 6379/TCP", "admitted by shop/NetworkPolicy/redis-from-cart ingress[0]"}},
		{"denied by egress, with a fix", []string{"--from", "shop/Deployment/cart", "--to", "shop/Deployment/catalog", "--port", "8080/TCP"},
			exitFindings, []string{"DENIED", "egress of shop/Deployment/cart: isolated by shop/NetworkPolicy/cart", "fix: add to shop/NetworkPolicy/cart"}},
		{"service port is translated to the targetPort", []string{"--from", "ingress-nginx/IngressController/ingress-nginx", "--to", "shop/Service/frontend", "--port", "http"},
			exitFindings, []string{"Service port 80 forwards to targetPort 8080", "admits this peer, but only on TCP 80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := kubenet(t, "", append([]string{"reach", "examples/shop"}, tt.args...)...)
			assert.Equal(t, tt.code, code, errOut)
			for _, s := range tt.out {
				assert.Contains(t, out, s)
			}
		})
	}
	code, _, errOut := kubenet(t, "", "reach", "examples/shop", "--from", "shop/Deployment/nope", "--to", "x", "--port", "1")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no workload")
	code, _, errOut = kubenet(t, "", "reach", "examples/shop", "--from", "shop/Deployment/cart")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "go together")
}

func TestResolve(t *testing.T) {
	code, out, errOut := kubenet(t, "", "resolve", "redis:6379", "--from", "shop/Deployment/cart", "examples/shop")
	assert.Equal(t, exitClean, code, errOut)
	assert.Contains(t, out, "search shop.svc.cluster.local svc.cluster.local cluster.local")
	assert.Contains(t, out, "1. redis.shop.svc.cluster.local.")
	assert.Contains(t, out, "=> A records of the pods behind headless shop/Service/redis")

	code, out, _ = kubenet(t, "", "resolve", "http://carts/api", "--from", "shop/Deployment/frontend", "examples/shop")
	assert.Equal(t, exitFindings, code)
	assert.Contains(t, out, "3. carts.cluster.local.")
	assert.Contains(t, out, "a single label: upstream DNS does not answer it")
	assert.Contains(t, out, `=> NXDOMAIN: no cluster record answers "carts"`)

	code, out, _ = kubenet(t, "", "resolve", "api.stripe.com", "-n", "shop", "examples/shop")
	assert.Equal(t, exitClean, code)
	assert.Contains(t, out, "resolved outside the cluster")

	code, _, errOut = kubenet(t, "", "resolve", "x", "--from", "shop/Deployment/nope", "examples/shop")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "no workload")
}

// TestReachSelfConnections: a workload's connection to itself (its replicas talking to
// each other) is listed in every format; the assumed nodes have none.
func TestReachSelfConnections(t *testing.T) {
	code, out, errOut := kubenet(t, "", "reach", "--format", "json", "testdata/rules/replica-peers-blocked/statefulset")
	require.Equal(t, exitClean, code, errOut)
	var doc struct {
		Connections []struct {
			From, To string
		} `json:"connections"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &doc))
	self := map[string]bool{}
	for _, c := range doc.Connections {
		if c.From == c.To {
			self[c.From] = true
		}
	}
	assert.True(t, self["default/StatefulSet/queue"], "the queue's policy admits its own pods")
	assert.False(t, self["default/StatefulSet/etcd"], "the etcd policy forgets its members")
	assert.False(t, self["External"])

	for format, want := range map[string]string{
		"text":    "default/StatefulSet/queue                      default/StatefulSet/queue                      all",
		"dot":     `"default/StatefulSet/queue" -> "default/StatefulSet/queue"`,
		"mermaid": `n2 -->|"all"| n2`, // the second node
	} {
		code, out, errOut := kubenet(t, "", "reach", "--format", format, "testdata/rules/replica-peers-blocked/statefulset")
		require.Equal(t, exitClean, code, errOut)
		assert.Contains(t, out, want, format)
	}
}

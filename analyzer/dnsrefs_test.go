package analyzer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExtract(t *testing.T) {
	type ref struct {
		name    string
		port    int
		context string
	}
	tests := []struct {
		value, key string
		want       []ref
	}{
		{"http://api.shop.svc.cluster.local:8080/v1", "", []ref{{"api.shop.svc.cluster.local", 8080, ContextURL}}},
		{"cart:7070", "CART_ADDR", []ref{{"cart", 7070, ContextHostPort}}},
		{"PLAINTEXT://kafka:9092,CONTROLLER://:9093", "", []ref{{"kafka", 9092, ContextURL}}},
		{"1@kafka:9093", "", []ref{{"kafka", 9093, ContextHostPort}}},
		{"Host=postgresql;Username=otel", "DB_CONNECTION_STRING", []ref{{"postgresql", 0, ContextKey}}},
		{"redis", "REDIS_HOST", []ref{{"redis", 0, ContextKey}}},
		{"redis", "CACHE_MODE", []ref{{"redis", 0, ContextBare}}},
		{`"url": "http://grafana:3000"`, "", []ref{{"grafana", 3000, ContextURL}}},
		{"host: db", "", []ref{{"db", 0, ContextKey}}},
		{"_grpc._tcp.api.shop.svc", "", []ref{{"_grpc._tcp.api.shop.svc", 0, ContextHostPort}}},
		// Never hosts: listen addresses, IPs, localhost, placeholders, versions, times.
		{"0.0.0.0:8080", "LISTEN_ADDR", nil},
		{":8080", "LISTEN_ADDR", nil},
		{"localhost:9090", "", nil},
		{"http://127.0.0.1:10053", "", nil},
		{"$service_name.$namespace.svc.cluster.local:$service_port", "", nil},
		{"http://{{ .Values.host }}:80", "", nil},
		{"%(protocol)s://%(domain)s:%(port)s", "", nil},
		{"nginx:1.27", "IMAGE", nil},
		{"12:30", "", nil},
		{"Service Method", "outbound_service", nil},
	}
	for _, tt := range tests {
		var got []ref
		for _, r := range extract(tt.value, tt.key) {
			// Bare words are candidates that count only when they name a Service of the
			// pod's namespace; only the explicit bare case checks them.
			if r.Context == ContextBare && tt.key != "CACHE_MODE" {
				continue
			}
			got = append(got, ref{r.Name, r.Port, r.Context})
		}
		assert.Equal(t, tt.want, got, "%q (key %q)", tt.value, tt.key)
	}
}

func TestDNSName(t *testing.T) {
	for _, ok := range []string{"api", "api.shop", "web-0.nginx.shop.svc.cluster.local.", "_http._tcp.api.shop.svc", "a.b_c"} {
		assert.True(t, dnsName(ok), ok)
	}
	for _, bad := range []string{"", "0api", "api..shop", "_http.api", "_x._web.api", "a_b.c", "api/v1", "-api"} {
		assert.False(t, dnsName(bad), bad)
	}
}

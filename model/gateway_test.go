package model

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGatewayAPIKinds: the Gateway API's objects are read with their fields' defaults
// and a position on each reference, and Secrets by the name of the Secret they make.
func TestGatewayAPIKinds(t *testing.T) {
	src := `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: istio
  listeners:
    - name: https
      protocol: HTTPS
      port: 443
      tls:
        certificateRefs: [{name: cert}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: shop}
spec:
  parentRefs:
    - name: gw
      namespace: infra
      sectionName: https
  rules:
    - backendRefs:
        - name: web
          port: 80
      filters:
        - type: RequestMirror
          requestMirror:
            backendRef: {name: shadow, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: search}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: shop}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: tls, namespace: shop}
spec:
  targetRefs: [{group: "", kind: Service, name: web, sectionName: https}]
  validation: {hostname: web.shop.svc, wellKnownCACertificates: System}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: c, namespace: infra}
spec: {secretName: cert}
`
	g := load(t, "gw.yaml", src)
	noProblems(t, g)
	require.Len(t, g.Gateways, 1)
	gw := g.Gateways[0]
	l := gw.Listeners[0]
	assert.Equal(t, "Same", l.AllowedRoutes.Namespaces.From, "allowedRoutes defaults to the Gateway's namespace")
	assert.Equal(t, "None", gw.AllowedListeners.From, "no ListenerSet by default")
	require.NotNil(t, l.TLS)
	assert.Equal(t, "Terminate", l.TLS.Mode)
	assert.Equal(t, ObjectRef{Group: "", Kind: "Secret", Name: "cert", Pos: l.TLS.CertificateRefs[0].Pos, PortPos: l.TLS.CertificateRefs[0].Pos}, l.TLS.CertificateRefs[0])
	assert.Equal(t, lineOf(t, src, "port: 443"), l.PortPos.Line)

	require.Len(t, g.Routes, 1)
	r := g.Routes[0]
	p := r.ParentRefs[0]
	assert.Equal(t, [4]string{GatewayGroup, "Gateway", "infra", "https"}, [4]string{p.Group, p.Kind, p.Namespace, p.SectionName})
	assert.Equal(t, lineOf(t, src, "- name: gw"), p.Pos.Line, "a reference is where its name is")
	require.Len(t, r.Rules, 1)
	assert.Equal(t, []RouteMatch{{PathType: "PathPrefix", Path: "/", Pos: r.Rules[0].Pos}}, r.Rules[0].Matches, "the API server's default match")
	refs := r.Rules[0].BackendRefs
	require.Len(t, refs, 2)
	assert.Equal(t, [4]string{"", "Service", "web", ""}, [4]string{refs[0].Group, refs[0].Kind, refs[0].Name, refs[0].Filter})
	assert.Equal(t, 1, refs[0].Weight)
	assert.Equal(t, lineOf(t, src, "port: 80"), refs[0].PortPos.Line)
	assert.Equal(t, [2]string{"shadow", "RequestMirror"}, [2]string{refs[1].Name, refs[1].Filter}, "a mirror's backend")

	require.Len(t, g.ReferenceGrants, 1)
	assert.Equal(t, []GrantTo{{Group: "", Kind: "Service", Pos: g.ReferenceGrants[0].To[0].Pos}}, g.ReferenceGrants[0].To, "no name: every Service")
	require.Len(t, g.BackendTLSPolicies, 1)
	assert.Equal(t, "System", g.BackendTLSPolicies[0].WellKnownCACertificates)
	assert.Equal(t, "https", g.BackendTLSPolicies[0].TargetRefs[0].SectionName)

	require.Len(t, g.Secrets, 1)
	assert.Equal(t, "cert", g.Secrets[0].SecretName, "the Secret a Certificate makes")
}

package analyzer_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// picNode and picEdge are the parts of a picture's nodes and edges a test states.
type picNode struct {
	id, kind, label string
	missing         bool
}

type picEdge struct {
	from, to, label, kind string
	// reason is why the edge is broken, "" when it works.
	reason string
}

// pictureCase is the picture of one input: its namespaces in order, with their nodes
// in order, and its edges in drawing order.
type pictureCase struct {
	namespaces map[string][]picNode
	order      []string
	edges      []picEdge
}

func checkPicture(t *testing.T, p *analyzer.Picture, want pictureCase) {
	t.Helper()
	var order []string
	got := map[string][]picNode{}
	n := 0
	for _, g := range p.Groups() {
		order = append(order, g.Namespace)
		for _, node := range g.Nodes {
			assert.Equal(t, g.Namespace, node.Namespace, node.ID)
			got[g.Namespace] = append(got[g.Namespace], picNode{node.ID, node.Kind, node.Label, node.Missing})
			n++
		}
	}
	assert.Equal(t, len(p.Nodes), n, "the groups hold every node once")
	assert.Equal(t, want.order, order, "namespaces")
	assert.Equal(t, want.namespaces, got, "nodes")
	var edges []picEdge
	for _, e := range p.Edges {
		assert.Equal(t, e.Reason != "", e.Broken, "%s -> %s: Broken says whether there is a Reason", e.From, e.To)
		edges = append(edges, picEdge{e.From, e.To, e.Label, e.Kind, e.Reason})
	}
	assert.Equal(t, want.edges, edges, "edges")
}

func loadPicture(t *testing.T, path string) *analyzer.Picture {
	t.Helper()
	units, err := model.LoadUnits(model.Options{Kustomize: true}, path)
	require.NoError(t, err)
	require.Len(t, units, 1)
	return analyzer.New(units[0], analyzer.DefaultConfig()).Picture()
}

// TestPictureExamples draws the inputs of `kubenet graph`'s tests: the example shop,
// the prod overlay of the kustomize example, a clean input and one with hostile names.
func TestPictureExamples(t *testing.T) {
	const (
		ing      = "shop/Ingress/shop"
		cart     = "shop/Deployment/cart"
		catalog  = "shop/Deployment/catalog"
		frontend = "shop/Deployment/frontend"
		redis    = "shop/StatefulSet/redis"
		svcCart  = "shop/Service/cart"
		svcCat   = "shop/Service/catalog"
		svcFront = "shop/Service/frontend"
		svcRedis = "shop/Service/redis"
		np       = "shop/NetworkPolicy/"
	)
	tests := []struct {
		path string
		want pictureCase
	}{
		{"../examples/shop", pictureCase{
			order: []string{"shop"},
			namespaces: map[string][]picNode{"shop": {
				{cart, "Deployment", "Deployment cart", false},
				{catalog, "Deployment", "Deployment catalog", false},
				{frontend, "Deployment", "Deployment frontend", false},
				{ing, "Ingress", "Ingress shop", false},
				{np + "backends-from-frontend", "NetworkPolicy", "NetworkPolicy backends-from-frontend", false},
				{np + "cart", "NetworkPolicy", "NetworkPolicy cart", false},
				{np + "default-deny-ingress", "NetworkPolicy", "NetworkPolicy default-deny-ingress", false},
				{np + "frontend-from-ingress", "NetworkPolicy", "NetworkPolicy frontend-from-ingress", false},
				{np + "redis-from-cart", "NetworkPolicy", "NetworkPolicy redis-from-cart", false},
				{svcCart, "Service", "Service cart", false},
				// The cart Service's selector (app=carts) is a typo of the pods' app=cart.
				{svcCart + "#nopods", analyzer.PictureNoPods, "no pod matches app=carts", true},
				{svcCat, "Service", "Service catalog", false},
				{svcFront, "Service", "Service frontend", false},
				{svcRedis, "Service", "Service redis", false},
				{redis, "StatefulSet", "StatefulSet redis", false},
			}},
			edges: []picEdge{
				// The ingress controller may not reach the frontend's pods.
				{ing, svcFront, "shop.example.com/ :http", analyzer.EdgeRoute, "blocked by default-deny-ingress, frontend-from-ingress"},
				// 8080 is the catalog's container port; the Service port is 80.
				{ing, svcCat, "shop.example.com/api :8080", analyzer.EdgeRoute, "no port 8080"},
				{svcCart, svcCart + "#nopods", "", analyzer.EdgeSelects, "selects nothing"},
				{svcCat, catalog, "", analyzer.EdgeSelects, ""},
				{svcFront, frontend, "", analyzer.EdgeSelects, ""},
				{svcRedis, redis, "", analyzer.EdgeSelects, ""},
				{cart, svcRedis, "dns redis", analyzer.EdgeDNS, ""},
				{frontend, svcCart, "dns cart", analyzer.EdgeDNS, ""},
				{frontend, svcCat, "dns catalog.shop.svc.cluster.local", analyzer.EdgeDNS, ""},
				{np + "backends-from-frontend", cart, "applies to", analyzer.EdgePolicy, ""},
				{np + "backends-from-frontend", catalog, "applies to", analyzer.EdgePolicy, ""},
				{np + "cart", cart, "applies to", analyzer.EdgePolicy, ""},
				{np + "default-deny-ingress", cart, "applies to", analyzer.EdgePolicy, ""},
				{np + "default-deny-ingress", catalog, "applies to", analyzer.EdgePolicy, ""},
				{np + "default-deny-ingress", frontend, "applies to", analyzer.EdgePolicy, ""},
				{np + "default-deny-ingress", redis, "applies to", analyzer.EdgePolicy, ""},
				{np + "frontend-from-ingress", frontend, "applies to", analyzer.EdgePolicy, ""},
				{np + "redis-from-cart", redis, "applies to", analyzer.EdgePolicy, ""},
			},
		}},
		{"../examples/kustomize/overlays/prod", pictureCase{
			order: []string{"shop-prod"},
			namespaces: map[string][]picNode{"shop-prod": {
				{"shop-prod/Deployment/cart", "Deployment", "Deployment cart", false},
				{"shop-prod/Ingress/web", "Ingress", "Ingress web", false},
				{"shop-prod/Service/cart", "Service", "Service cart", false},
				// The overlay's patch breaks the base's selector.
				{"shop-prod/Service/cart#nopods", analyzer.PictureNoPods, "no pod matches app=carts", true},
			}},
			edges: []picEdge{
				{"shop-prod/Ingress/web", "shop-prod/Service/cart", "/cart :8080", analyzer.EdgeRoute, "no port 8080"},
				{"shop-prod/Service/cart", "shop-prod/Service/cart#nopods", "", analyzer.EdgeSelects, "selects nothing"},
			},
		}},
		{"../cmd/kubenet/testdata/clean", pictureCase{
			order: []string{"default"},
			namespaces: map[string][]picNode{"default": {
				{"default/Deployment/web", "Deployment", "Deployment web", false},
				{"default/Service/web", "Service", "Service web", false},
			}},
			edges: []picEdge{{"default/Service/web", "default/Deployment/web", "", analyzer.EdgeSelects, ""}},
		}},
		{"../cmd/kubenet/testdata/hostile", pictureCase{
			// Names and labels are kept as written: escaping them is the renderer's work.
			order: []string{"shop"},
			namespaces: map[string][]picNode{"shop": {
				{"shop/Deployment/x\n::error file=pwn.yaml,line=1::INJECTED", "Deployment", "Deployment x\n::error file=pwn.yaml,line=1::INJECTED", false},
				{"shop/NetworkPolicy/deny", "NetworkPolicy", "NetworkPolicy deny", false},
				{"shop/Service/::svc", "Service", "Service ::svc", false},
				{"shop/Service/::svc#nopods", analyzer.PictureNoPods, "no pod matches app=::nothing", true},
				{"shop/Service/web", "Service", "Service web", false},
				{"shop/Service/web#nopods", analyzer.PictureNoPods, "no pod matches app=<img src=x onerror=alert(1)>[click](https://evil)```", true},
			}},
			edges: []picEdge{
				{"shop/Service/::svc", "shop/Service/::svc#nopods", "", analyzer.EdgeSelects, "selects nothing"},
				{"shop/Service/web", "shop/Service/web#nopods", "", analyzer.EdgeSelects, "selects nothing"},
				{"shop/NetworkPolicy/deny", "shop/Deployment/x\n::error file=pwn.yaml,line=1::INJECTED", "applies to", analyzer.EdgePolicy, ""},
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			checkPicture(t, loadPicture(t, tt.path), tt.want)
		})
	}
}

// pictureBroken has one edge of every broken kind the examples lack: a route to a
// Service that does not exist and one to a port the Service lacks; names that do not
// resolve, that dial a port the Service lacks, or that policies deny.
const pictureBroken = `
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: app}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
        - name: api
          image: api
          ports: [{containerPort: 8080}]
          env:
            - {name: DB_HOST, value: db}
            - {name: DB_ADDR, value: db}
            - {name: CACHE_URL, value: "http://cache:1234"}
            - {name: QUEUE_HOST, value: queue.app.svc}
            - {name: KUBE_URL, value: "https://kubernetes.default.svc"}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: db, namespace: app}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: db, ports: [{containerPort: 5432}]}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cache, namespace: app}
spec:
  selector: {matchLabels: {app: cache}}
  template:
    metadata: {labels: {app: cache}}
    spec:
      containers: [{name: cache, image: cache, ports: [{containerPort: 6379}]}]
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: app}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: db, namespace: app}
spec:
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: cache, namespace: app}
spec:
  selector: {app: cache}
  ports: [{port: 6379}]
---
apiVersion: v1
kind: Service
metadata: {name: ext, namespace: app}
spec:
  type: ExternalName
  externalName: example.com
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-ingress, namespace: app}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: app}
spec:
  defaultBackend: {service: {name: api, port: {name: http}}}
  rules:
    - host: app.example.com
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
          - {path: /old, pathType: Prefix, backend: {service: {name: legacy, port: {number: 80}}}}
`

func TestPictureBroken(t *testing.T) {
	g := model.LoadBytes(model.Options{}, model.NamedData{Name: "app.yaml", Data: []byte(pictureBroken)})
	for _, pr := range g.Problems {
		require.NotEqual(t, model.Invalid, pr.Kind, "%s: %s", pr.Pos, pr.Message)
	}
	p := analyzer.New(g, analyzer.DefaultConfig()).Picture()
	const api, ing = "app/Deployment/api", "app/Ingress/web"
	checkPicture(t, p, pictureCase{
		order: []string{"app", "default"},
		namespaces: map[string][]picNode{"default": {
			// The API server's Service, which every cluster has: drawn, not missing.
			{"default/Service/kubernetes", "Service", "Service kubernetes", false},
		}, "app": {
			{api, "Deployment", "Deployment api", false},
			{"app/Deployment/cache", "Deployment", "Deployment cache", false},
			{"app/Deployment/db", "Deployment", "Deployment db", false},
			{ing, "Ingress", "Ingress web", false},
			{"app/NetworkPolicy/db-ingress", "NetworkPolicy", "NetworkPolicy db-ingress", false},
			{"app/Service/api", "Service", "Service api", false},
			{"app/Service/cache", "Service", "Service cache", false},
			{"app/Service/db", "Service", "Service db", false},
			// An ExternalName Service is drawn, and selects nothing.
			{"app/Service/ext", "Service", "Service ext", false},
			// The Service an Ingress routes to, missing from the input.
			{"app/Service/legacy", "Service", "Service legacy", true},
			// The name that does not resolve, in the namespace of the pod that uses it.
			{"dns/queue.app.svc", analyzer.PictureName, "queue.app.svc ?", true},
		}},
		edges: []picEdge{
			// The default backend comes first; the Service's port has no name.
			{ing, "app/Service/api", "default :http", analyzer.EdgeRoute, "no port http"},
			{ing, "app/Service/api", "app.example.com/ :80", analyzer.EdgeRoute, ""},
			{ing, "app/Service/legacy", "app.example.com/old :80", analyzer.EdgeRoute, "no such Service"},
			{"app/Service/api", api, "", analyzer.EdgeSelects, ""},
			{"app/Service/cache", "app/Deployment/cache", "", analyzer.EdgeSelects, ""},
			{"app/Service/db", "app/Deployment/db", "", analyzer.EdgeSelects, ""},
			// DB_HOST and DB_ADDR make one edge.
			{api, "app/Service/db", "dns db", analyzer.EdgeDNS, "blocked by db-ingress"},
			{api, "app/Service/cache", "dns cache", analyzer.EdgeDNS, "no port 1234"},
			{api, "dns/queue.app.svc", "dns queue.app.svc", analyzer.EdgeDNS, "does not resolve"},
			// Every cluster has the API server's Service.
			{api, "default/Service/kubernetes", "dns kubernetes.default.svc", analyzer.EdgeDNS, ""},
			{"app/NetworkPolicy/db-ingress", "app/Deployment/db", "applies to", analyzer.EdgePolicy, ""},
		},
	})
}

func TestPictureEdgeText(t *testing.T) {
	for _, tt := range []struct {
		e    analyzer.PictureEdge
		want string
	}{
		{analyzer.PictureEdge{Label: "dns cart"}, "dns cart"},
		{analyzer.PictureEdge{}, ""},
		{analyzer.PictureEdge{Label: "/api :8080", Broken: true, Reason: "no port 8080"}, "/api :8080 ✗ no port 8080"},
		{analyzer.PictureEdge{Broken: true, Reason: "selects nothing"}, "✗ selects nothing"},
	} {
		assert.Equal(t, tt.want, tt.e.Text())
	}
}

func TestPictureGroups(t *testing.T) {
	p := &analyzer.Picture{Nodes: []analyzer.PictureNode{{ID: "a"}, {ID: "x/b", Namespace: "x"}, {ID: "x/c", Namespace: "x"}, {ID: "y/d", Namespace: "y"}}}
	groups := p.Groups()
	require.Len(t, groups, 3)
	assert.Equal(t, []string{"", "x", "y"}, []string{groups[0].Namespace, groups[1].Namespace, groups[2].Namespace})
	assert.Equal(t, p.Nodes[1:3], groups[1].Nodes)
	assert.Empty(t, (&analyzer.Picture{}).Groups())
}

// TestPictureGateway: the Gateway API's path, Gateway -> route -> Service, with the
// reason each broken edge does not work.
func TestPictureGateway(t *testing.T) {
	g, err := model.Load(model.Options{DefaultNamespace: "default"}, "../examples/gateway")
	require.NoError(t, err)
	p := analyzer.New(g, analyzer.DefaultConfig()).Picture()
	type edge struct{ from, to, text, kind string }
	var got []edge
	for _, e := range p.Edges {
		if e.Kind == analyzer.EdgeAttach || strings.Contains(e.From, "Route/") {
			got = append(got, edge{e.From, e.To, e.Text(), e.Kind})
		}
	}
	const gw = "infra/Gateway/public"
	assert.Equal(t, []edge{
		{gw, "search/HTTPRoute/search", "✗ NotAllowedByListeners", analyzer.EdgeAttach},
		{"search/HTTPRoute/search", "search/Service/search", ":80", analyzer.EdgeRoute},
		{"infra/Gateway/internal", "search/HTTPRoute/suggest", "✗ no such Gateway", analyzer.EdgeAttach},
		{"search/HTTPRoute/suggest", "search/Service/suggester", ":80 ✗ no such Service", analyzer.EdgeRoute},
		{gw, "store/HTTPRoute/web", "https", analyzer.EdgeAttach},
		{"store/HTTPRoute/web", "store/Service/web", ":80 ✗ blocked by web-from-store", analyzer.EdgeRoute},
		{gw, "store/HTTPRoute/api", "✗ NoMatchingParent", analyzer.EdgeAttach},
		{"store/HTTPRoute/api", "store/Service/api", ":9000 ✗ no port 9000", analyzer.EdgeRoute},
		{"store/HTTPRoute/api", "search/Service/search", ":80 ✗ no ReferenceGrant", analyzer.EdgeRoute},
	}, got)
	missing := map[string]bool{}
	for _, n := range p.Nodes {
		if n.Missing {
			missing[n.ID] = true
		}
	}
	assert.Equal(t, map[string]bool{"infra/Gateway/internal": true, "search/Service/suggester": true}, missing)
}

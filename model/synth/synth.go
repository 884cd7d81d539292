// Package synth generates synthetic clusters for benchmarks and scale tests: namespaces
// of applications wired by Services, ConfigMaps holding service URLs (short,
// name.namespace and FQDN forms), Ingresses, and NetworkPolicies (default deny, DNS
// egress, namespace allows, per-application rules). Generation is deterministic for a
// seed. Defects of every rule family can be injected; their positions are returned as
// ground truth, so a run at any size can prove the findings stay exact.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// Options size the cluster.
type Options struct {
	Namespaces int
	// Apps per namespace.
	Apps int
	Seed uint64
	// Defects injects one defect of each family into randomly chosen namespaces.
	Defects bool
	// Routes adds a shared Gateway and an HTTPRoute per application.
	Routes bool
	// Kind adds a policy per application of another kind, and a handful of cluster-wide
	// ones: "cilium" (CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy) or "calico"
	// (Calico NetworkPolicy, Tiers and GlobalNetworkPolicies). Their rules admit what the
	// NetworkPolicies admit, so the injected defects stay the findings.
	Kind string
}

// File is one generated manifest file (one per namespace).
type File struct {
	Name string
	Data []byte
}

// Truth is an injected defect: the finding kubenet must report.
type Truth struct {
	Rule     string
	Severity string
	File     string
	Line     int
}

func (t Truth) String() string { return fmt.Sprintf("%s %s %s:%d", t.Rule, t.Severity, t.File, t.Line) }

// Stats counts what was generated.
type Stats struct {
	Objects, Workloads, Services, Policies, Ingresses, ConfigMaps, Bytes int
}

// writer builds a file and records the lines marked "#@rule severity".
type writer struct {
	file  string
	b     strings.Builder
	line  int
	truth []Truth
}

func (w *writer) doc(text string) {
	if w.b.Len() > 0 {
		w.b.WriteString("---\n")
		w.line++
	}
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		w.line++
		if i := strings.Index(l, " #@"); i >= 0 {
			f := strings.Fields(l[i+3:])
			w.truth = append(w.truth, Truth{Rule: f[0], Severity: f[1], File: w.file, Line: w.line})
			l = l[:i]
		}
		w.b.WriteString(l)
		w.b.WriteByte('\n')
	}
}

// defect families, injected once each into a chosen namespace and app.
var families = []string{
	"service-selector-orphaned", "service-port-mismatch", "ingress-backend-missing", "ingress-port-mismatch",
	"dns-reference-unresolved", "dns-reference-port-mismatch", "dns-egress-missing", "service-reference-blocked",
	"networkpolicy-peer-orphaned", "nodeport-conflict",
}

// Generate makes the cluster. File names are "ns-NNN.yaml".
func Generate(o Options) ([]File, []Truth, Stats) {
	if o.Apps < 12 {
		o.Apps = 12
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	inject := map[[2]int]string{} // (namespace, app) -> family
	nsDefect := map[int]string{}  // namespace -> dns-egress-missing
	if o.Defects {
		for _, fam := range families {
			// A cluster too small to host every family leaves some out.
			for attempt := 0; attempt < 1000; attempt++ {
				ns, app := rng.IntN(o.Namespaces), 10+rng.IntN(o.Apps-10)
				if fam == "networkpolicy-peer-orphaned" {
					app = app - app%5 + 1 // an app with a metrics policy
				}
				if fam == "dns-egress-missing" {
					if _, taken := nsDefect[ns]; taken || len(nsDefect) > 0 {
						continue
					}
					nsDefect[ns] = fam
					break
				}
				if _, taken := inject[[2]int{ns, app}]; taken || app%10 == 0 {
					continue
				}
				inject[[2]int{ns, app}] = fam
				break
			}
		}
	}
	var files []File
	var truth []Truth
	var st Stats
	for i := range o.Namespaces {
		ns := fmt.Sprintf("ns-%03d", i)
		next := fmt.Sprintf("ns-%03d", (i+1)%o.Namespaces)
		prev := fmt.Sprintf("ns-%03d", (i+o.Namespaces-1)%o.Namespaces)
		w := &writer{file: ns + ".yaml"}
		w.doc(fmt.Sprintf(`apiVersion: v1
kind: Namespace
metadata:
  name: %s
  labels:
    team: team-%d
`, ns, i%17))
		w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: %s
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
`, ns))
		dnsMark := ""
		if nsDefect[i] == "dns-egress-missing" {
			// The namespace forgets the DNS allow: its workloads may talk to each other but
			// cannot resolve a name. Reported once, at the most specific egress policy.
			dnsMark = " #@dns-egress-missing error"
		} else {
			st.Policies++
			st.Objects++
			w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-dns
  namespace: %s
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
          podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
`, ns))
		}
		w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-namespace
  namespace: %[1]s
spec:
  podSelector:
    matchExpressions: [{key: isolated, operator: DoesNotExist}]
  policyTypes: [Ingress, Egress]%[4]s
  ingress:
    - from: [{podSelector: {}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %[2]s}}}]
      ports: [{port: 8080}]
  egress:
    - to: [{podSelector: {}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: %[3]s}}}]
      ports: [{port: 8080}]
`, ns, prev, next, dnsMark))
		w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-ingress-controller
  namespace: %s
spec:
  podSelector:
    matchLabels:
      tier: web
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}
      ports: [{port: 8080}]
`, ns))
		st.Policies += 3
		st.Objects += 4
		if o.Routes {
			w.doc(fmt.Sprintf(gatewayAllow, ns))
			st.Policies++
			st.Objects++
		}
		for j := range o.Apps {
			app := fmt.Sprintf("app-%02d", j)
			fam := inject[[2]int{i, j}]
			tier := "backend"
			if j%10 == 0 {
				tier = "web"
			}
			w.doc(fmt.Sprintf(`apiVersion: v1
kind: ServiceAccount
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app: %[1]s
`, app, ns))
			w.doc(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
  namespace: %[2]s
  labels:
    app: %[1]s
    app.kubernetes.io/name: %[1]s
    app.kubernetes.io/part-of: shop-%[2]s
    app.kubernetes.io/managed-by: kubenet-gen
  annotations:
    deployment.kubernetes.io/revision: "%[5]d"
spec:
  replicas: %[4]d
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxSurge: 25%%, maxUnavailable: 0}
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
        tier: %[3]s
        version: v%[5]d
      annotations:
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: %[1]s
      securityContext: {runAsNonRoot: true}
      containers:
        - name: %[1]s
          image: registry.example.com/%[2]s/%[1]s:1.%[5]d.0
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
            - name: metrics
              containerPort: 9090
          envFrom:
            - configMapRef:
                name: %[1]s-config
          env:
            - name: POD_NAMESPACE
              valueFrom:
                fieldRef:
                  fieldPath: metadata.namespace
            - name: POD_NAME
              valueFrom:
                fieldRef:
                  fieldPath: metadata.name
            - name: LOG_LEVEL
              value: info
            - name: GOMAXPROCS
              value: "2"
          readinessProbe:
            httpGet: {path: /healthz, port: http}
          resources:
            requests: {cpu: 100m, memory: 128Mi}
            limits: {cpu: "1", memory: 512Mi}
`, app, ns, tier, 1+j%3, j%7))
			st.Objects++
			selector, targetPort := "app: "+app, "http"
			switch fam {
			case "service-selector-orphaned":
				selector = "app: " + app + "x #@service-selector-orphaned error"
			case "service-port-mismatch":
				targetPort = "htpp #@service-port-mismatch error"
			}
			svcType, nodePort := "ClusterIP", ""
			if fam == "nodeport-conflict" {
				svcType, nodePort = "NodePort", "\n      nodePort: 80 #@nodeport-conflict error"
			}
			w.doc(fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  type: %[5]s
  selector:
    %[3]s
  ports:
    - name: http
      port: 80
      targetPort: %[4]s%[6]s
`, app, ns, selector, targetPort, svcType, nodePort))
			short := fmt.Sprintf("http://app-%02d:80/api", (j+1)%o.Apps)
			nsForm := fmt.Sprintf("app-%02d.%s:80", (j+2)%o.Apps, ns)
			fqdn := fmt.Sprintf("http://app-%02d.%s.svc.cluster.local/v1", (j+3)%o.Apps, next)
			extra := ""
			switch fam {
			case "dns-reference-unresolved":
				extra = "\n  AUDIT_URL: http://audit-log:80 #@dns-reference-unresolved error"
			case "dns-reference-port-mismatch":
				extra = fmt.Sprintf("\n  STATS_ADDR: app-%02d:8080 #@dns-reference-port-mismatch error", (j+4)%o.Apps)
			case "service-reference-blocked":
				extra = fmt.Sprintf("\n  VAULT_ADDR: http://vault-%s:80 #@service-reference-blocked error", app)
			}
			w.doc(fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s-config
  namespace: %[2]s
data:
  UPSTREAM_URL: %[3]s
  PEER_ADDR: %[4]s
  REMOTE_URL: %[5]s
  PAYMENTS_HOST: api.stripe.com
  LISTEN_ADDR: 0.0.0.0:8080%[6]s
  config.yaml: |
    server:
      port: 8080
    cache:
      host: %[7]s
      ttl: 30s
`, app, ns, short, nsForm, fqdn, extra, fmt.Sprintf("app-%02d", (j+5)%o.Apps)))
			st.Objects += 3
			st.Workloads++
			st.Services++
			st.ConfigMaps++
			if j%5 == 1 {
				// A per-application policy: metrics scraping from the monitoring namespace.
				from := "- namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}"
				if fam == "networkpolicy-peer-orphaned" {
					from = fmt.Sprintf("- podSelector: {matchLabels: {app: %s-scraper}} #@networkpolicy-peer-orphaned warning", app)
				}
				w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: %[1]s-metrics
  namespace: %[2]s
spec:
  podSelector:
    matchLabels:
      app: %[1]s
  ingress:
    - from:
        %[3]s
      ports:
        - port: metrics
`, app, ns, from))
				st.Objects++
				st.Policies++
			}
			if fam == "service-reference-blocked" {
				// The caller's config names a Service whose pods admit the caller on the
				// Service port (80) instead of the targetPort (8080), in a policy of their own;
				// the namespace allow leaves out pods labelled isolated. No client at all may
				// then reach the Service.
				w.doc(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: vault-%[1]s
  namespace: %[2]s
spec:
  selector:
    matchLabels: {app: vault-%[1]s}
  template:
    metadata:
      labels: {app: vault-%[1]s, isolated: "true"}
    spec:
      containers:
        - name: vault
          image: vault:1.17
          ports: [{name: http, containerPort: 8080}]
`, app, ns))
				w.doc(fmt.Sprintf(`apiVersion: v1
kind: Service
metadata:
  name: vault-%[1]s
  namespace: %[2]s
spec:
  selector: {app: vault-%[1]s}
  ports:
    - port: 80
      targetPort: http #@service-unreachable warning
`, app, ns))
				w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: vault-%[1]s
  namespace: %[2]s
spec:
  podSelector: {matchLabels: {app: vault-%[1]s}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: %[1]s}}}]
      ports: [{port: 80}]
`, app, ns))
				st.Objects += 3
				st.Workloads++
				st.Services++
				st.Policies++
			}
			if j%10 == 0 || fam == "ingress-backend-missing" || fam == "ingress-port-mismatch" {
				svc, port := app, "number: 80"
				switch fam {
				case "ingress-backend-missing":
					svc = app + "-frontend #@ingress-backend-missing error"
				case "ingress-port-mismatch":
					port = "number: 8080 #@ingress-port-mismatch error"
				}
				w.doc(fmt.Sprintf(`apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  ingressClassName: nginx
  rules:
    - host: %[1]s.%[2]s.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: %[3]s
                port:
                  %[4]s
`, app, ns, svc, port))
				st.Objects++
				st.Ingresses++
			}
			if o.Routes {
				w.doc(httpRoute(app, ns))
				st.Objects++
			}
			if p := kindPolicy(o.Kind, app, ns, fmt.Sprintf("app-%02d", (j+1)%o.Apps)); p != "" {
				w.doc(p)
				st.Objects++
				st.Policies++
			}
		}
		files = append(files, File{Name: w.file, Data: []byte(w.b.String())})
		truth = append(truth, w.truth...)
		st.Bytes += w.b.Len()
	}
	if o.Routes {
		files = append(files, File{Name: "gateway.yaml", Data: []byte(sharedGateway)})
		st.Objects += 2
	}
	if cw, n := clusterWide(o.Kind); cw != "" {
		files = append(files, File{Name: o.Kind + ".yaml", Data: []byte(cw)})
		st.Objects += n
		st.Policies += n
	}
	return files, truth, st
}

// kindPolicy is an application's policy of another kind: its clients (the previous
// application) and the ingress controller in, DNS and the next application out.
func kindPolicy(kind, app, ns, next string) string {
	switch kind {
	case "cilium":
		return fmt.Sprintf(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  endpointSelector:
    matchLabels: {app: %[1]s}
  ingress:
    - fromEndpoints:
        - matchLabels: {app: %[3]s}
      toPorts:
        - ports: [{port: "8080", protocol: TCP}]
          rules:
            http: [{method: GET}]
    - fromEndpoints:
        - matchLabels: {k8s:io.kubernetes.pod.namespace: ingress-nginx}
  egress:
    - toEndpoints:
        - matchLabels: {app: %[3]s}
      toPorts:
        - ports: [{port: "8080", protocol: TCP}]
    - toFQDNs:
        - matchPattern: "*.%[2]s.example.com"
`, app, ns, next)
	case "calico":
		return fmt.Sprintf(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  order: 500
  selector: app == '%[1]s'
  types: [Ingress]
  ingress:
    - action: Deny
      source:
        namespaceSelector: quarantine == 'true'
    - action: Allow
      protocol: TCP
      source:
        selector: app in {'%[3]s', '%[1]s-client'}
      destination:
        ports: [8080]
`, app, ns, next)
	}
	return ""
}

// clusterWide is the handful of cluster-wide policies of a kind, and how many.
func clusterWide(kind string) (string, int) {
	switch kind {
	case "cilium":
		return `apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: dns
spec:
  endpointSelector: {}
  enableDefaultDeny: {egress: false}
  egress:
    - toEndpoints:
        - matchLabels: {k8s:io.kubernetes.pod.namespace: kube-system, k8s:k8s-app: kube-dns}
      toPorts:
        - ports: [{port: "53", protocol: ANY}]
          rules:
            dns: [{matchPattern: "*"}]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: no-metadata-api
spec:
  endpointSelector: {}
  enableDefaultDeny: {egress: false}
  egressDeny:
    - toCIDR: [169.254.169.254/32]
---
apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: quarantine
spec:
  endpointSelector:
    matchLabels: {quarantine: "true"}
  ingressDeny:
    - fromEntities: [cluster]
`, 3
	case "calico":
		return `apiVersion: projectcalico.org/v3
kind: Tier
metadata:
  name: security
spec:
  order: 100
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.quarantine
spec:
  tier: security
  order: 10
  selector: all()
  types: [Ingress, Egress]
  ingress:
    - action: Deny
      source:
        selector: quarantine == 'true'
        namespaceSelector: all()
    - action: Pass
  egress:
    - action: Allow
      protocol: UDP
      destination:
        selector: k8s-app == 'kube-dns'
        namespaceSelector: projectcalico.org/name == 'kube-system'
        ports: [53]
    - action: Deny
      destination:
        nets: [169.254.169.254/32]
    - action: Pass
`, 2
	}
	return "", 0
}

// gatewayAllow admits the shared Gateway's data plane to a namespace's pods.
const gatewayAllow = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-gateway
  namespace: %s
spec:
  podSelector: {}
  ingress:
    - from:
        - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: gateway}}
          podSelector: {matchLabels: {gateway.networking.k8s.io/gateway-name: shared}}
      ports: [{port: 8080}]
`

// sharedGateway is the Gateway every generated HTTPRoute attaches to.
const sharedGateway = `apiVersion: v1
kind: Namespace
metadata:
  name: gateway
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: shared
  namespace: gateway
spec:
  gatewayClassName: istio
  listeners:
    - name: http
      protocol: HTTP
      port: 80
      hostname: "*.example.com"
      allowedRoutes:
        namespaces:
          from: All
`

// httpRoute routes app.ns.example.com to the application's Service through the shared
// Gateway.
func httpRoute(app, ns string) string {
	return fmt.Sprintf(`apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: %[1]s
  namespace: %[2]s
spec:
  parentRefs:
    - name: shared
      namespace: gateway
      sectionName: http
  hostnames: [%[1]s.%[2]s.example.com]
  rules:
    - matches: [{path: {type: PathPrefix, value: /}}]
      backendRefs:
        - name: %[1]s
          port: 80
`, app, ns)
}

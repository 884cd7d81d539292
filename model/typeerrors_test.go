package model

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const deploymentTmpl = `apiVersion: v1
kind: ConfigMap
metadata:
  name: pad              # a first document, so lines are file lines
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: %s
spec:
  replicas: %s
  template:
    metadata:
      labels: {app: web}
    spec:
      hostNetwork: %s
      containers:
      - name: web
        ports:
        - containerPort: %s
          protocol: %s
        env:
        - name: PORT
          value: %s
`

// TestTypeErrors: a field of the wrong type in a known kind is one Invalid problem at
// the offending value, naming the object, which is kept and marked invalid.
func TestTypeErrors(t *testing.T) {
	ok := []any{"{app: web}", "2", "false", "8080", "TCP", `"8080"`}
	deploy := func(i int, v string) string {
		args := append([]any(nil), ok...)
		args[i] = v
		return fmt.Sprintf(deploymentTmpl, args...)
	}
	svc := func(spec string) string {
		return "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n" + spec
	}
	pol := func(spec string) string {
		return "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: pol\nspec:\n" + spec
	}
	cases := []struct {
		name, src string
		id        string
		// needle finds the offending line; col, when set, finds the column on it.
		needle, col string
		msg         string
	}{
		{"quoted containerPort", deploy(3, `"8080"`), "default/Deployment/web", `containerPort: "8080"`, `"8080"`, "must be an integer, not \"8080\" (remove the quotes)"},
		{"containerPort out of range", deploy(3, "70000"), "default/Deployment/web", "containerPort: 70000", "70000", "between 1 and 65535"},
		{"containerPort float", deploy(3, "80.5"), "default/Deployment/web", "containerPort: 80.5", "80.5", "must be an integer, not the number 80.5"},
		{"numeric label value", deploy(0, "{app: web, version: 2}"), "default/Deployment/web", "version: 2", "2}", "metadata.labels.version must be a string, not the integer 2"},
		{"boolean label value", deploy(0, "{app: web, canary: true}"), "default/Deployment/web", "canary: true", "true}", "must be a string, not the boolean true"},
		{"labels as a list", deploy(0, "[app, web]"), "default/Deployment/web", "labels: [app, web]", "[app", "metadata.labels must be a mapping, not a list"},
		{"invalid label key", deploy(0, "{'bad key': web}"), "default/Deployment/web", "bad key", "'bad key'", "invalid label key"},
		{"invalid label value", deploy(0, "{app: 'has space'}"), "default/Deployment/web", "has space", "'has space'", "invalid value"},
		{"quoted replicas", deploy(1, `"2"`), "default/Deployment/web", `replicas: "2"`, `"2"`, "spec.replicas must be an integer"},
		{"quoted hostNetwork", deploy(2, `"true"`), "default/Deployment/web", `hostNetwork: "true"`, `"true"`, "hostNetwork must be a boolean"},
		{"lowercase protocol", deploy(4, "tcp"), "default/Deployment/web", "protocol: tcp", "tcp", `"tcp" is not one of TCP, UDP, SCTP`},
		{"numeric env value", deploy(5, "8080"), "default/Deployment/web", "value: 8080", "8080", "must be a string, not the integer 8080 (quote it)"},
		{"containers as a mapping", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    web: {image: x}\n", "default/Pod/p", "web: {image: x}", "web", "spec.containers must be a list, not a mapping"},
		{"dnsPolicy", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  dnsPolicy: ClusterFirstt\n", "default/Pod/p", "dnsPolicy", "ClusterFirstt", "is not one of ClusterFirst"},
		{"numeric name", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: 42\n", "default/ConfigMap/", "name: 42", "42", "metadata.name must be a string"},
		{"quoted targetPort", svc("  ports:\n  - port: 80\n    targetPort: \"8080\"\n"), "default/Service/svc", "targetPort", `"8080"`, "(a quoted number is a port name; remove the quotes)"},
		{"targetPort out of range", svc("  ports:\n  - port: 80\n    targetPort: 0x10000\n"), "default/Service/svc", "targetPort", "0x10000", "between 1 and 65535"},
		{"service port missing", svc("  ports:\n  - name: http\n    targetPort: 80\n"), "default/Service/svc", "- name: http", "name", "spec.ports[0].port is required"},
		{"service selector as a list", svc("  selector: [app]\n  ports: [{port: 80}]\n"), "default/Service/svc", "selector: [app]", "[app]", "spec.selector must be a mapping, not a list"},
		{"service type", svc("  type: Loadbalancer\n"), "default/Service/svc", "type: Loadbalancer", "Loadbalancer", "spec.type"},
		{"spec as a list", svc("  - port: 80\n"), "default/Service/svc", "- port: 80", "-", "spec must be a mapping, not a list"},
		{"policy port float", pol("  podSelector: {}\n  ingress:\n  - ports:\n    - port: 80.0\n"), "default/NetworkPolicy/pol", "port: 80.0", "80.0", "must be a number or a port name, not the number 80.0"},
		{"policy endPort below port", pol("  podSelector: {}\n  egress:\n  - ports:\n    - port: 90\n      endPort: 80\n"), "default/NetworkPolicy/pol", "endPort: 80", "80", "endPort needs a numeric port"},
		{"policy peer without selector", pol("  podSelector: {}\n  ingress:\n  - from:\n    - ports: 80\n"), "default/NetworkPolicy/pol", "- ports: 80", "ports", "must set podSelector, namespaceSelector or ipBlock"},
		{"policy ipBlock with podSelector", pol("  podSelector: {}\n  ingress:\n  - from:\n    - ipBlock: {cidr: 10.0.0.0/8}\n      podSelector: {}\n"), "default/NetworkPolicy/pol", "- ipBlock", "ipBlock", "ipBlock cannot be combined"},
		{"policy rules as a mapping", pol("  podSelector: {}\n  ingress:\n    from: []\n"), "default/NetworkPolicy/pol", "from: []", "from", "spec.ingress must be a list, not a mapping"},
		{"ingress backend without service", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend: {}\n", "default/Ingress/ing", "backend:", "{}", "names neither a service nor a resource"},
		{"ingress port number quoted", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: ing}\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port: {number: \"80\"}\n", "default/Ingress/ing", "number:", `"80"`, "service.port.number must be an integer"},
		{"configmap data number", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  port: 8080\n", "default/ConfigMap/cm", "port: 8080", "8080", "data.port must be a string, not the integer 8080"},
		{"configmap data null", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata:\n  empty:\n  next: x\n", "default/ConfigMap/cm", "empty:", "", "data.empty must be a string, not null"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := load(t, "t.yaml", tc.src)
			p := oneProblem(t, g, Invalid)
			assert.Equal(t, "t.yaml", p.Pos.File)
			assert.Equal(t, lineOf(t, tc.src, tc.needle), p.Pos.Line, "%s\n%s", p.Message, tc.src)
			if tc.col != "" {
				line := strings.Split(tc.src, "\n")[lineOf(t, tc.src, tc.needle)-1]
				require.Contains(t, line, tc.col)
				assert.Equal(t, strings.Index(line, tc.col)+1, p.Pos.Column, p.Message)
			}
			assert.Contains(t, p.Message, tc.msg)
			o := object(t, g, tc.id)
			require.NotNil(t, p.Object, "the problem names its object")
			assert.Equal(t, o.Kind, p.Object.Kind)
			assert.Equal(t, o.Name, p.Object.Name)
			assert.True(t, o.Invalid, "the object is marked invalid")
			if strings.Contains(tc.src, "name: pad") {
				assert.False(t, object(t, g, "default/ConfigMap/pad").Invalid)
			}
		})
	}
}

// TestProblemObjectIsTheObjectsRef: an Invalid problem names its object by the same
// Ref the object ends up with. Fails today for objects without metadata.namespace: the
// Ref is copied when the problem is recorded, before assemble applies the default
// namespace, so the problem (and the manifest-invalid finding) names "Deployment/web",
// a cluster-scoped id, while the object is "default/Deployment/web". The reverse holds
// for cluster-scoped kinds that carry a namespace.
func TestProblemObjectIsTheObjectsRef(t *testing.T) {
	for _, tc := range []struct{ src, id string }{
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {port: 80}\n", "default/ConfigMap/cm"},
		{"apiVersion: v1\nkind: Namespace\nmetadata: {name: ns, namespace: x, labels: {a: 1}}\n", "Namespace/ns"},
	} {
		g := load(t, "p.yaml", tc.src)
		p := oneProblem(t, g, Invalid)
		require.NotNil(t, p.Object)
		assert.Equal(t, tc.id, p.Object.String())
		assert.Equal(t, object(t, g, tc.id).Ref, *p.Object)
	}
	g := loadNS(t, "team", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {port: 80}\n")
	p := oneProblem(t, g, Invalid)
	require.NotNil(t, p.Object)
	assert.Equal(t, "team/ConfigMap/cm", p.Object.String())
}

// TestValidKnownKindsHaveNoProblems is the other side of TestTypeErrors: values that
// look odd but are what the API server accepts.
func TestValidKnownKindsHaveNoProblems(t *testing.T) {
	src := `apiVersion: v1
kind: Service
metadata:
  name: svc
  labels: {"app.kubernetes.io/name": web, empty: ""}
  annotations: {note: "multi\nline"}
spec:
  type: NodePort
  selector: {app: web}
  ports:
  - {port: 80, targetPort: http, nodePort: 30080}
  - {port: 443, targetPort: 0, protocol: UDP}
  - {port: 8080, targetPort: 9_090}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec:
  clusterIP: None
  selector: {}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: pol}
spec:
  podSelector: {matchLabels: {app: web}}
  egress:
  - ports:
    - {port: 32000, endPort: 32768}
    - {protocol: UDP}
    - port: dns
`
	g := load(t, "v.yaml", src)
	noProblems(t, g)
	s := service(t, g, "default/Service/svc")
	assert.Equal(t, "NodePort", s.Type)
	assert.Equal(t, IntOrString{Str: "http", IsStr: true}, s.Ports[0].TargetPort)
	assert.True(t, s.Ports[0].TargetPortSet)
	assert.Equal(t, 30080, s.Ports[0].NodePort)
	assert.Equal(t, IntOrString{Int: 443}, s.Ports[1].TargetPort, "targetPort 0 defaults to the port")
	assert.False(t, s.Ports[1].TargetPortSet)
	assert.Equal(t, "UDP", s.Ports[1].Protocol)
	assert.Equal(t, IntOrString{Int: 9090}, s.Ports[2].TargetPort)
	h := service(t, g, "default/Service/headless")
	assert.True(t, h.Headless)
	assert.Nil(t, h.Selector, "an empty selector is no selector")
	pol := policy(t, g, "default/NetworkPolicy/pol")
	require.Len(t, pol.Egress, 1)
	ports := pol.Egress[0].Ports
	require.Len(t, ports, 3)
	assert.Equal(t, 32768, ports[0].EndPort)
	assert.Nil(t, ports[1].Port)
	assert.Equal(t, "UDP", ports[1].Protocol)
	assert.Equal(t, &IntOrString{Str: "dns", IsStr: true}, ports[2].Port)
	assert.Equal(t, "TCP", ports[2].Protocol)
}

// TestYAML11Scalars: kubectl converts YAML to JSON with yaml.v2, i.e. YAML 1.1
// scalars, while the loader reads YAML 1.2 through yaml.v3. Where the two disagree the
// loader should judge what the API server receives. "yes is a boolean" fails today:
// boolean() accepts only !!bool, so hostNetwork: yes (true to kubectl) is reported as
// "must be a boolean, not "yes"" and read as false.
func TestYAML11Scalars(t *testing.T) {
	t.Run("a date-like label value is a string", func(t *testing.T) {
		// yaml.v2 keeps an untagged timestamp as its string when decoding into
		// interface{}.
		g := load(t, "d.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels: {release: 2024-01-01}\n  annotations: {built: 2024-01-01T10:00:00Z}\ndata:\n  date: 2024-01-01\n")
		noProblems(t, g)
		cm := g.ConfigMaps[0]
		assert.Equal(t, "2024-01-01", cm.Labels["release"])
		assert.Equal(t, "2024-01-01T10:00:00Z", cm.Annotations["built"])
		assert.Equal(t, "2024-01-01", cm.Data["date"])
	})
	t.Run("yes is a boolean", func(t *testing.T) {
		// kubectl sends hostNetwork: true.
		g := load(t, "y.yaml", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: yes\n")
		noProblems(t, g)
		assert.True(t, g.Workloads[0].HostNetwork)
	})
	t.Run("an unquoted yes label value is rejected", func(t *testing.T) {
		// kubectl fails with "cannot unmarshal bool into ... labels of type string".
		src := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    enabled: yes\n"
		g := load(t, "y.yaml", src)
		p := oneProblem(t, g, Invalid)
		assert.Equal(t, lineOf(t, src, "enabled: yes"), p.Pos.Line)
	})
}

func TestServiceSelectorKeyPos(t *testing.T) {
	src := "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  selector:\n    app: web\n    tier: front\n  ports: [{port: 80}]\n"
	g := load(t, "s.yaml", src)
	noProblems(t, g)
	s := service(t, g, "default/Service/s")
	assert.Equal(t, map[string]Pos{
		"app":  {File: "s.yaml", Line: 6, Column: 5},
		"tier": {File: "s.yaml", Line: 7, Column: 5},
	}, s.SelectorKeyPos)
}

// TestFieldHints: the messages say what to do.
func TestFieldHints(t *testing.T) {
	for _, tc := range []struct{ name, src, needle, msg string }{
		{"YAML 1.1 boolean as a label value", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    enabled: yes\n", "enabled: yes", `the boolean true to kubectl and Helm (YAML 1.1); quote it: "yes"`},
		{"YAML 1.1 off as an env value", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    env:\n    - name: DEBUG\n      value: off\n", "value: off", "the boolean false"},
		{"misspelt containerPort", "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    ports:\n    - containerport: 80\n", "- containerport: 80", `(found "containerport": field names are case-sensitive)`},
		{"misspelt port", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - Port: 80\n", "- Port: 80", `found "Port"`},
		{"nodePort on a ClusterIP Service", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  ports:\n  - port: 80\n    nodePort: 30080\n", "nodePort: 30080", "nodePort may not be used when type is ClusterIP"},
		{"pathType missing in v1", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        backend: {service: {name: web, port: {number: 80}}}\n", "- path: /", "pathType is required in networking.k8s.io/v1"},
		{"pathType lowercase", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: prefix\n        backend: {service: {name: web, port: {number: 80}}}\n", "pathType: prefix", "values are case-sensitive"},
		{"backend port missing", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  defaultBackend:\n    service: {name: web}\n", "service: {name: web}", "service.port is required"},
		{"backend port both", "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  defaultBackend:\n    service:\n      name: web\n      port: {number: 80, name: http}\n", "port: {number: 80", "sets both number and name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := load(t, "h.yaml", tc.src)
			p := oneProblem(t, g, Invalid)
			assert.Equal(t, lineOf(t, tc.src, tc.needle), p.Pos.Line, p.Message)
			assert.Contains(t, p.Message, tc.msg)
		})
	}
	t.Run("quoted YAML 1.1 words and empty values are fine", func(t *testing.T) {
		src := "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  labels: {enabled: \"yes\", off: 'no'}\nspec:\n  type: \"\"\n  ports:\n  - {port: 80, targetPort: \"\", protocol: \"\", name: \"\"}\n"
		g := load(t, "h.yaml", src)
		noProblems(t, g)
		s := service(t, g, "default/Service/s")
		assert.Equal(t, "ClusterIP", s.Type)
		assert.Equal(t, IntOrString{Int: 80}, s.Ports[0].TargetPort)
		assert.False(t, s.Ports[0].TargetPortSet)
		assert.Equal(t, "TCP", s.Ports[0].Protocol)
	})
}

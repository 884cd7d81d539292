package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// corpusDir is ../shared/corpus next to the repository: real manifests from public
// projects, with their real defects listed in its SOURCES.md. Tests that need it skip
// when it is absent.
const corpusDir = "../shared/corpus"

// corpusSets are the corpus folders linted as one cluster each, with the namespace
// SOURCES.md says they are applied to, and every finding expected: each is a defect
// SOURCES.md documents (or a duplicate the folder really contains). Anything else is a
// false alarm and fails the test. Entries read "rule severity file:line".
var corpusSets = []struct {
	paths     []string
	namespace string
	want      []string
}{
	{[]string{"online-boutique/release"}, "default", nil},
	{[]string{"online-boutique/kubernetes-manifests"}, "default", nil},
	{[]string{"online-boutique/release", "online-boutique/kustomize/components/network-policies"}, "default", nil},
	{[]string{"istio-bookinfo"}, "default", nil},
	{[]string{"kube-prometheus/manifests"}, "default", nil},
	{[]string{"ingress-nginx"}, "default", nil},
	{[]string{"np-recipes"}, "default", []string{
		// 11a and 11b are two versions of one recipe, with one name.
		"object-duplicate warning np-recipes/11b-foo-deny-egress.yaml:4",
	}},
	{[]string{"sock-shop"}, "default", []string{
		// jaeger-collector targets 14267 and 14268, which the jaeger container does not declare.
		"service-port-mismatch warning sock-shop/deploy/kubernetes/manifests-jaeger/jaeger.yaml:96",
		"service-port-mismatch warning sock-shop/deploy/kubernetes/manifests-jaeger/jaeger.yaml:100",
		// netpol-default-deny.yaml is a second Namespace sock-shop, not a NetworkPolicy.
		"object-duplicate warning sock-shop/deploy/kubernetes/manifests-policy/netpol-default-deny.yaml:5",
	}},
	{[]string{"argo-cd"}, "argocd", []string{
		// argocd-notifications-controller-metrics targets 9001, which the container does not declare.
		"service-port-mismatch warning argo-cd/manifests/install.yaml:32032",
	}},
	{[]string{"k8s-docs"}, "default", []string{
		// Eight Ingress backends name Services the examples do not define.
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/example-ingress.yaml:15",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/minimal-ingress.yaml:14",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/name-virtual-host-ingress.yaml:17",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/name-virtual-host-ingress.yaml:33",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/simple-fanout-example.yaml:17",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/simple-fanout-example.yaml:28",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/test-ingress.yaml:11",
		"ingress-backend-missing error k8s-docs/content/en/examples/service/networking/tls-example-ingress.yaml:23",
		// Service and Deployment my-nginx are defined twice (alternative tutorial steps).
		"object-duplicate warning k8s-docs/content/en/examples/service/networking/nginx-svc.yaml:6",
		"object-duplicate warning k8s-docs/content/en/examples/service/networking/run-my-nginx.yaml:6",
		// The older example-ingress revision: networking.k8s.io/v1beta1, and a second copy.
		"api-removed error k8s-docs/history-3e76786/content/en/examples/service/networking/example-ingress.yaml:1",
		"object-duplicate warning k8s-docs/history-3e76786/content/en/examples/service/networking/example-ingress.yaml:4",
	}},
	{[]string{"emojivoto"}, "default", []string{
		// Two alternative TrafficSplits with one name, and a redefined vote-bot.
		"object-duplicate warning emojivoto/training/traffic-split/75-25.yml:4",
		"object-duplicate warning emojivoto/training/traffic-split/vote-bot-update.yml:8",
		// extensions/v1beta1 Ingress.
		"api-removed error emojivoto/training/traffic-split/nginx-ing.yml:1",
		// The SMI TrafficSplit apex selects no pods; the TrafficSplit in the namespace is named.
		"service-selector-orphaned warning emojivoto/training/traffic-split/web-apex.yml:16",
	}},
	{[]string{"otel-demo"}, "otel-demo", []string{
		// jaeger-collector: targetPort 0 means port; 14250, 14267, 14268 are not declared.
		"service-port-mismatch warning otel-demo/kubernetes/opentelemetry-demo.yaml:17335",
		"service-port-mismatch warning otel-demo/kubernetes/opentelemetry-demo.yaml:17339",
		"service-port-mismatch warning otel-demo/kubernetes/opentelemetry-demo.yaml:17342",
	}},
}

// netpolScenarioWant lists the findings expected in the netpol-analyzer scenarios, each
// of which is linted as its own cluster; the others must be clean.
var netpolScenarioWant = map[string][]string{
	// The ingress-nginx controller Service's pods are not part of the scenario.
	"k8s_ingress_test": {"service-selector-orphaned warning netpol-analyzer/k8s_ingress_test/services.yaml:94"},
	// Two Ingresses route the same host and path to different ports of one Service.
	"multiple_ingress_objects_with_different_ports": {
		"ingress-route-conflict warning netpol-analyzer/multiple_ingress_objects_with_different_ports/ingress-2.yaml:11",
	},
	// `containerport:` (lower case) leaves the required containerPort unset.
	"netpol_named_port_test":   {"manifest-invalid error netpol-analyzer/netpol_named_port_test/pods.yaml:31"},
	"netpol_named_port_test_2": {"manifest-invalid error netpol-analyzer/netpol_named_port_test_2/pods.yaml:31"},
}

func requireCorpus(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join("../..", corpusDir, "SOURCES.md")); err != nil {
		t.Skip("../shared/corpus is not present next to the repository")
	}
}

// lintCorpus lints paths (relative to the corpus) and returns its findings as
// "rule severity file:line", sorted, with file relative to the corpus.
func lintCorpus(t *testing.T, namespace string, paths ...string) []string {
	t.Helper()
	args := []string{"lint", "--format", "json", "--fail-on", "none", "-n", namespace}
	for _, p := range paths {
		args = append(args, filepath.Join(corpusDir, p))
	}
	code, out, errOut := kubenet(t, "", args...)
	require.Equal(t, exitClean, code, errOut)
	var rep struct {
		Findings []struct {
			Rule, Severity, File string
			Line                 int
		}
	}
	require.NoError(t, json.Unmarshal([]byte(out), &rep))
	got := []string{}
	for _, f := range rep.Findings {
		got = append(got, fmt.Sprintf("%s %s %s:%d", f.Rule, f.Severity, strings.TrimPrefix(f.File, corpusDir+"/"), f.Line))
	}
	sort.Strings(got)
	return got
}

func sorted(xs []string) []string {
	out := append([]string{}, xs...)
	sort.Strings(out)
	return out
}

func TestCorpus(t *testing.T) {
	requireCorpus(t)
	for _, set := range corpusSets {
		t.Run(strings.Join(set.paths, "+"), func(t *testing.T) {
			got := lintCorpus(t, set.namespace, set.paths...)
			assert.Equal(t, sorted(set.want), got)
		})
	}
}

func TestCorpusNetpolScenarios(t *testing.T) {
	requireCorpus(t)
	dirs, err := os.ReadDir(filepath.Join("../..", corpusDir, "netpol-analyzer"))
	require.NoError(t, err)
	n := 0
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		n++
		t.Run(d.Name(), func(t *testing.T) {
			got := lintCorpus(t, "default", filepath.Join("netpol-analyzer", d.Name()))
			assert.Equal(t, sorted(netpolScenarioWant[d.Name()]), got)
		})
	}
	assert.Equal(t, 26, n, "the corpus has 26 scenarios")
}

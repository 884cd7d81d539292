package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/rules"
)

// loadConfig reads --config, or the first .kubenet.yaml from the working directory
// upwards; nil when there is none.
func loadConfig(path string) (*model.Config, error) {
	if path == "" {
		path = model.FindConfig(".")
		if path == "" {
			return nil, nil
		}
	}
	cfg, err := model.LoadConfig(path)
	if err != nil {
		var pe *model.PathError
		if errors.As(err, &pe) {
			return nil, usageErr("--config: %v", pe)
		}
		return nil, usageErr("config %v", err)
	}
	return cfg, nil
}

// clusterConfig is the default cluster with the file's settings applied.
func clusterConfig(cfg *model.Config) analyzer.Config {
	c := analyzer.DefaultConfig()
	if cfg == nil {
		return c
	}
	cl := cfg.Cluster
	if cl.Domain != "" {
		c.ClusterDomain = cl.Domain
	}
	if cl.NodePortMax != 0 {
		c.NodePortMin, c.NodePortMax = cl.NodePortMin, cl.NodePortMax
	}
	if d := cl.DNS; d != nil {
		if d.Namespace != "" {
			c.DNS.Namespace = d.Namespace
		}
		if len(d.Labels) > 0 {
			c.DNS.Labels = d.Labels
		}
		if d.Port != 0 {
			c.DNS.Ports = []model.ContainerPort{{Name: "dns", ContainerPort: d.Port, Protocol: "UDP"}, {Name: "dns-tcp", ContainerPort: d.Port, Protocol: "TCP"}}
		}
	}
	if len(cl.IngressControllers) > 0 {
		c.IngressControllers = nil
		for _, e := range cl.IngressControllers {
			c.IngressControllers = append(c.IngressControllers, analyzer.IngressController{
				Name: e.Name, Namespace: e.Namespace, Labels: e.Labels, Controller: e.Controller, Default: e.Default})
		}
	}
	c.Namespaces = cl.Namespaces
	if cl.GatewayAPIVersion != "" {
		c.GatewayAPI.Version = "v" + strings.TrimPrefix(cl.GatewayAPIVersion, "v")
	}
	if cl.GatewayAPIChannel != "" {
		c.GatewayAPI.Channel = cl.GatewayAPIChannel
	}
	if len(cl.GatewayClasses) > 0 {
		c.GatewayClasses = cl.GatewayClasses
	}
	c.CNI = cl.CNI
	return c
}

// applyRuleConfig applies rules.enable, rules.disable (which wins) and rules.severity.
func applyRuleConfig(cfg *model.Config, e *rules.Engine, o *rules.Options) error {
	if cfg == nil {
		return nil
	}
	check := func(ids ...string) error {
		for _, id := range ids {
			if e.Rule(id) == nil {
				return usageErr("config %s: unknown rule %q (see kubenet rules)", cfg.Path, id)
			}
		}
		return nil
	}
	if err := check(append(append([]string{}, cfg.Rules.Enable...), cfg.Rules.Disable...)...); err != nil {
		return err
	}
	if len(cfg.Rules.Enable) > 0 || len(cfg.Rules.Disable) > 0 {
		o.Enabled = map[string]bool{}
		for _, r := range e.Rules() {
			o.Enabled[r.ID] = len(cfg.Rules.Enable) == 0
		}
		for _, id := range cfg.Rules.Enable {
			o.Enabled[id] = true
		}
		for _, id := range cfg.Rules.Disable {
			o.Enabled[id] = false
		}
	}
	for id, s := range cfg.Rules.Severity {
		if err := check(id); err != nil {
			return err
		}
		sev, err := rules.ParseSeverity(s)
		if err != nil {
			return usageErr("config %s: rules.severity.%s: %v", cfg.Path, id, err)
		}
		if o.Severity == nil {
			o.Severity = map[string]rules.Severity{}
		}
		o.Severity[id] = sev
	}
	return nil
}

const starterConfig = `# kubenet configuration. Flags given on the command line win over this file.
# See https://github.com/kubenet/kubenet/blob/main/README.md#configuration

# Namespace for objects that carry none (kubectl apply -n).
namespace: default

# Exit 1 when a finding is at or above: error, warning, info or none.
failOn: warning

rules:
  # enable: [service-selector-orphaned]      # run only these
  disable: []                                # never run these (disable wins)
  severity: {}                               # e.g. {networkpolicy-peer-orphaned: error}

# Files and folders not to lint (globs; ** crosses folders).
ignorePaths: []

# Folders of your own Rego rules (like --policy).
policies: []

# The parts of the cluster manifests rarely contain.
cluster:
  domain: cluster.local
  nodePortRange: {min: 30000, max: 32767}
  dns: {namespace: kube-system, labels: {k8s-app: kube-dns}, port: 53}
  # ingressControllers:
  #   - {name: traefik, namespace: traefik, labels: {app.kubernetes.io/name: traefik}, controller: traefik.io/ingress-controller, default: true}
  # namespaces:                             # namespaces deployed from other repositories
  #   - {name: monitoring, labels: {team: observability}}
  # What exists outside these manifests (other repositories, Helm releases, the platform):
  # references to it resolve, and nothing missing there is reported.
  external:
    services: []
    #  - monitoring/prometheus-operated        # namespace/name
    #  - {name: data/orders-db, ports: [5432]} # with its ports, which are then checked
    #  - argocd/argocd-*                        # a pattern
    namespaces: []
    #  - kube-system                            # whole namespaces (patterns too: team-*)
  # The Gateway API the cluster runs, for api-removed (default: the newest release, standard channel).
  # gatewayAPI: {version: v1.6, channel: standard}
  # Where the data plane of a GatewayClass runs, when not as docs/gateway.md says:
  # gatewayClasses: [{name: eg, namespace: envoy-gateway-system, labels: {gateway.envoyproxy.io/owning-gateway-name: "{gateway}"}}]
  # What an operator kubenet does not know creates from its custom resources (see
  # docs/operators.md for the built-in catalogue); {name} is the resource's name.
  operators: []
  #  - group: cache.example.com
  #    kind: RedisCluster
  #    podLabels: {app.kubernetes.io/instance: "{name}"}
  #    services: [{name: "{name}-master", ports: [6379]}, {name: "{name}-headless", headless: true}]

# Network intent, checked against the NetworkPolicies (connectivity-expectation).
expectations: []
#  - name: the storefront reaches the cart
#    from: shop/Deployment/frontend
#    to: shop/Service/cart
#    port: 80
#    allowed: true
`

func newInitCmd(io *iostreams) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a commented starter .kubenet.yaml in the working directory",
		Long: `Write .kubenet.yaml with every setting commented out at its default: rules to enable,
disable or re-rate, paths to ignore, cluster settings (domain, DNS, ingress controllers,
namespaces deployed from elsewhere, Services and namespaces that exist outside the input,
operators), extra policy folders and connectivity expectations.`,
		Example: `  kubenet init && $EDITOR .kubenet.yaml
  kubenet init --force   # overwrite an existing one`,
		RunE: func(*cobra.Command, []string) error {
			if _, err := os.Stat(model.ConfigFile); err == nil && !force {
				return usageErr("%s exists; use --force to overwrite it", model.ConfigFile)
			}
			if err := os.WriteFile(model.ConfigFile, []byte(starterConfig), 0o644); err != nil {
				return err
			}
			_, err := fmt.Fprintf(io.out, "wrote %s\n", model.ConfigFile)
			return err
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "overwrite an existing file")
	return cmd
}

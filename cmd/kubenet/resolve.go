package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kubenet/kubenet/analyzer"
)

func newResolveCmd(f *factory) *cobra.Command {
	var from string
	var in inputFlags
	cmd := &cobra.Command{
		Use:   "resolve NAME --from ns/Kind/name [PATH...]",
		Short: "Show how a pod would resolve a name, query by query",
		Long: `Resolve NAME as a pod of the --from workload would at run time: the resolv.conf the
kubelet writes for it (search path and ndots from dnsPolicy, hostNetwork and dnsConfig),
every query its resolver sends in order, and which cluster record answers (a Service, a
headless Service's pods, a StatefulSet or hostname/subdomain pod, an ExternalName CNAME,
an SRV record). Names outside the cluster domain are answered by upstream DNS, which
kubenet cannot see. Without --from, NAME is resolved from a pod with default settings in
the namespace given by --namespace.

Exit status: 0 when a cluster record answers (or the name leaves the cluster), 1 when
nothing answers, 2 for usage errors.`,
		Example: `  kubenet resolve cart --from shop/Deployment/frontend k8s/
  kubenet resolve api.payments:8080 --from shop/Deployment/frontend k8s/
  kubenet resolve example.com --namespace shop k8s/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			name, paths := args[0], args[1:]
			if len(paths) == 0 {
				paths = []string{"."}
			}
			// Accept a URL or host:port as people paste them.
			if i := strings.Index(name, "://"); i >= 0 {
				name = name[i+3:]
			}
			if i := strings.IndexAny(name, "/?#"); i >= 0 {
				name = name[:i]
			}
			if i := strings.LastIndexByte(name, ':'); i >= 0 {
				name = name[:i]
			}
			g, err := f.loadGraph(&in, paths)
			if err != nil {
				return err
			}
			cfg, err := f.Cluster()
			if err != nil {
				return err
			}
			lo, err := f.loadOptions(&in)
			if err != nil {
				return err
			}
			facts := analyzer.New(g, cfg)
			ns := lo.DefaultNamespace
			rc := analyzer.PodResolvConf(nil, ns, cfg.ClusterDomain)
			if from != "" {
				n := facts.Reach().Node(from)
				if n == nil || n.Workload == nil {
					return usageErr("--from: no workload %q in the input (ids look like ns/Kind/name)", from)
				}
				ns = n.Namespace
				rc = analyzer.PodResolvConf(n.Workload, ns, cfg.ClusterDomain)
				fmt.Fprintf(f.io.out, "from %s (namespace %s)\n", from, ns)
			} else {
				fmt.Fprintf(f.io.out, "from a pod in namespace %s with default DNS settings\n", ns)
			}
			res := facts.DNS().Resolve(name, rc)
			fmt.Fprint(f.io.out, res.String())
			if res.Status == analyzer.DNSNXDomain || res.Status == analyzer.DNSNoCluster {
				return &exitError{code: exitFindings}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the workload whose pods resolve the name (ns/Kind/name)")
	in.register(cmd.Flags())
	return cmd
}

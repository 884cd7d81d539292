// Command kubenet is a static analyzer for Kubernetes networking manifests.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/spf13/cobra"
)

// Exit codes are a public contract.
const (
	exitClean    = 0 // no finding at or above --fail-on
	exitFindings = 1 // findings at or above --fail-on
	exitUsage    = 2 // usage error, unreadable input, broken policy
)

// version and commit are set at build time with -ldflags "-X main.version=... -X
// main.commit=..." (the release build sets both).
var (
	version = "0.0.0-dev"
	commit  = ""
)

// versionText is what --version prints after "kubenet version ".
func versionText() string {
	if commit == "" {
		return version
	}
	return version + " (commit " + commit + ")"
}

func main() {
	stop := startProfiles(os.Getenv("KUBENET_CPUPROFILE"), os.Getenv("KUBENET_MEMPROFILE"), os.Stderr)
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// startProfiles writes a CPU profile and, when the run ends, a heap profile (allocations
// included) to the files named, for docs/performance.md's way of profiling a real run.
func startProfiles(cpu, mem string, stderr io.Writer) (stop func()) {
	var cpuFile *os.File
	if cpu != "" {
		f, err := os.Create(cpu)
		if err == nil {
			if err = pprof.StartCPUProfile(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, "kubenet: KUBENET_CPUPROFILE:", err)
		} else {
			cpuFile = f
		}
	}
	return func() {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			cpuFile.Close()
		}
		if mem != "" {
			f, err := os.Create(mem)
			if err == nil {
				err = pprof.Lookup("allocs").WriteTo(f, 0)
				f.Close()
			}
			if err != nil {
				fmt.Fprintln(stderr, "kubenet: KUBENET_MEMPROFILE:", err)
			}
		}
	}
}

// exitError carries an exit code; a message, if any, was already printed.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	io := newIOStreams(stdin, stdout, stderr, os.Getenv)
	root := newRootCmd(io)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	var ee *exitError
	switch {
	case err == nil:
		return exitClean
	case errors.As(err, &ee):
		return ee.code
	default:
		fmt.Fprintln(stderr, "kubenet: "+err.Error())
		return exitUsage
	}
}

func newRootCmd(io *iostreams) *cobra.Command {
	root := &cobra.Command{
		Use:   "kubenet",
		Short: "Static analysis for Kubernetes networking manifests",
		Long: `kubenet reads Kubernetes manifests and reports networking mistakes before they are
deployed: Services that select nothing, ports that do not exist, Ingress routes to
missing backends, NetworkPolicies that break DNS or block the ingress controller, names a
pod cannot resolve, and more. Every finding names the file and line at fault and a
concrete fix.

Shell completion: kubenet completion bash|zsh|fish|powershell --help`,
		Example: `  kubenet lint deploy/
  kubenet lint -n shop k8s/ --format json
  helm template ./chart | kubenet lint -
  kubenet reach k8s/ --from shop/Deployment/frontend --to shop/Service/cart --port 80
  kubenet graph k8s/ --format mermaid
  kubenet rules service-port-mismatch`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       versionText(),
	}
	f := newFactory(io)
	root.PersistentFlags().StringVar(&f.configPath, "config", "", "config file (default: the first .kubenet.yaml from the working directory up to the repository root)")
	root.AddCommand(newLintCmd(f, nil), newDiffCmd(f), newReachCmd(f), newResolveCmd(f), newRulesCmd(io), newInitCmd(io), newGraphCmd(f), newDebugCmd(f))
	return root
}

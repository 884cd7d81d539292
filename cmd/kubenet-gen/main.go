// Command kubenet-gen writes a synthetic cluster (one file per namespace) for benchmarks
// and scale tests, and prints the injected defects as "rule severity file:line".
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubenet/kubenet/model/synth"
)

func main() {
	out := flag.String("out", "synth", "folder to write the manifests to")
	ns := flag.Int("namespaces", 200, "namespaces")
	apps := flag.Int("apps", 50, "applications per namespace")
	seed := flag.Uint64("seed", 1, "random seed (generation is deterministic)")
	defects := flag.Bool("defects", true, "inject one defect of each rule family")
	flag.Parse()
	files, truth, st := synth.Generate(synth.Options{Namespaces: *ns, Apps: *apps, Seed: *seed, Defects: *defects})
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(*out, f.Name), f.Data, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	for _, t := range truth {
		fmt.Println(t)
	}
	fmt.Fprintf(os.Stderr, "%d files, %d objects (%d workloads, %d Services, %d NetworkPolicies, %d Ingresses, %d ConfigMaps), %.1f MB\n",
		len(files), st.Objects, st.Workloads, st.Services, st.Policies, st.Ingresses, st.ConfigMaps, float64(st.Bytes)/1e6)
}

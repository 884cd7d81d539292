// Command kubenet-gen writes a synthetic cluster (one file per namespace) for benchmarks
// and scale tests, and prints the injected defects as "rule severity file:line".
//
// With -decode DIR it instead decodes every file under DIR with kyaml's YAML decoder, one
// file after another, building nothing: run under /usr/bin/time, it measures the decode
// floor that docs/performance.md compares kubenet's whole-process CPU with.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"sigs.k8s.io/kustomize/kyaml/yaml"

	"github.com/kubenet/kubenet/model/synth"
)

func main() {
	out := flag.String("out", "synth", "folder to write the manifests to")
	ns := flag.Int("namespaces", 200, "namespaces")
	apps := flag.Int("apps", 50, "applications per namespace")
	seed := flag.Uint64("seed", 1, "random seed (generation is deterministic)")
	defects := flag.Bool("defects", true, "inject one defect of each rule family")
	routes := flag.Bool("routes", false, "add a shared Gateway and an HTTPRoute per application")
	kind := flag.String("kind", "", "add a policy per application of another kind, and a few cluster-wide ones: cilium or calico")
	decode := flag.String("decode", "", "decode the YAML files under this folder (the decode floor) instead of generating")
	flag.Parse()
	if *decode != "" {
		docs, err := decodeAll(*decode)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "%d documents decoded\n", docs)
		return
	}
	files, truth, st := synth.Generate(synth.Options{Namespaces: *ns, Apps: *apps, Seed: *seed, Defects: *defects, Routes: *routes, Kind: *kind})
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

// decodeAll decodes each .yaml/.yml file under dir into YAML nodes, sequentially.
func decodeAll(dir string) (int, error) {
	docs := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if ext := filepath.Ext(path); err != nil || d.IsDir() || ext != ".yaml" && ext != ".yml" {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var n yaml.Node
			err := dec.Decode(&n)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
			docs++
		}
	})
	return docs, err
}

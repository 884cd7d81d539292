package main

import (
	"errors"
	"fmt"
	"sync"

	"github.com/spf13/pflag"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/report"
	"github.com/kubenet/kubenet/rules"
)

// factory is what every command is built from, in the manner of gh's Factory: the
// streams, and the settings of .kubenet.yaml, read once when a command first asks for
// them. So every command that reads manifests loads them, and assumes the cluster, the
// same way lint does.
type factory struct {
	io *iostreams
	// configPath is --config: "" searches for .kubenet.yaml (see loadConfig).
	configPath string
	config     func() (*model.Config, error)
	// announced is set once the config in use was named on standard error.
	announced bool
}

func newFactory(io *iostreams) *factory {
	f := &factory{io: io}
	f.config = sync.OnceValues(func() (*model.Config, error) { return loadConfig(f.configPath) })
	return f
}

// Config is the configuration in use, nil when there is none.
func (f *factory) Config() (*model.Config, error) { return f.config() }

// announceConfig names the config in use on standard error: a config changes what is
// reported, and it may come from a folder above the one linted.
func (f *factory) announceConfig() error {
	cfg, err := f.Config()
	if err != nil || cfg == nil || f.announced {
		return err
	}
	f.announced = true
	_, err = fmt.Fprintln(f.io.err, configNote(cfg))
	return err
}

// configNote is the line that names the config in use.
func configNote(cfg *model.Config) string { return report.Visible("kubenet: config: " + cfg.Path) }

// Cluster is the cluster the analysis assumes: the defaults, with the config's cluster
// settings and connectivity expectations.
func (f *factory) Cluster() (analyzer.Config, error) {
	cfg, err := f.Config()
	if err != nil {
		return analyzer.Config{}, err
	}
	c := clusterConfig(cfg)
	if cfg != nil {
		c.Expectations = append(c.Expectations, cfg.Expectations...)
	}
	return c, nil
}

// inputFlags are the flags of every command that reads manifests.
type inputFlags struct {
	namespace string
	kustomize bool
	helm      helmFlags
	flags     *pflag.FlagSet
}

// helmFlags are the flags of `helm template` that charts are rendered with.
type helmFlags struct {
	render                 bool
	release, kubeVersion   string
	values, set, setString []string
	apiVersions            []string
}

func (in *inputFlags) register(f *pflag.FlagSet) {
	in.flags = f
	f.StringVarP(&in.namespace, "namespace", "n", "default", "namespace for objects that carry none, as kubectl apply -n")
	f.BoolVar(&in.kustomize, "kustomize", true, "build folders holding a kustomization.yaml in memory and lint the output (false: read the files as they are)")
	f.BoolVar(&in.helm.render, "helm", true, "render folders holding a Chart.yaml (and .tgz charts given as paths) in memory, as helm template does (false: skip them)")
	f.StringArrayVar(&in.helm.values, "values", nil, "Helm values file for every chart, as helm -f (repeatable; turns off the discovery of values variants)")
	f.StringArrayVar(&in.helm.set, "set", nil, "Helm value, as helm --set key=value (repeatable)")
	f.StringArrayVar(&in.helm.setString, "set-string", nil, "Helm string value, as helm --set-string key=value (repeatable)")
	f.StringVar(&in.helm.release, "release-name", "", "Helm release name (default: the chart's name)")
	f.StringVar(&in.helm.kubeVersion, "kube-version", "", "Kubernetes version for a chart's .Capabilities (default "+model.DefaultKubeVersion+")")
	f.StringArrayVar(&in.helm.apiVersions, "api-versions", nil, "API version for a chart's .Capabilities.APIVersions, e.g. monitoring.coreos.com/v1 (repeatable)")
}

// helmOptions are the flags' Helm settings over the config's helm section.
func (in *inputFlags) helmOptions(cfg *model.Config) model.HelmOptions {
	h := model.HelmOptions{}
	if cfg != nil {
		h = cfg.Helm
	}
	h.Skip = !in.helm.render
	if in.changed("release-name") {
		h.Release = in.helm.release
	}
	if in.changed("kube-version") {
		h.KubeVersion = in.helm.kubeVersion
	}
	h.Values = append(h.Values, in.helm.values...)
	h.Set = append(h.Set, in.helm.set...)
	h.SetString = append(h.SetString, in.helm.setString...)
	h.APIVersions = append(h.APIVersions, in.helm.apiVersions...)
	return h
}

// changed reports whether a flag was given on the command line: flags beat the file.
func (in *inputFlags) changed(name string) bool { return in.flags == nil || in.flags.Changed(name) }

// loadOptions are the loader's settings: the flags, then the config's namespace, ignored
// paths, operators and what exists outside the input. The files' contents are read
// again when a line of them is printed, rather than held through the run, but for the
// files the rules read whole (rules.KeepSource).
func (f *factory) loadOptions(in *inputFlags) (model.Options, error) {
	cfg, err := f.Config()
	if err != nil {
		return model.Options{}, err
	}
	o := model.Options{DefaultNamespace: in.namespace, Stdin: f.io.in, Kustomize: in.kustomize, Sized: heapReadier(nil, paceLint), Helm: in.helmOptions(cfg),
		KeepSource: rules.KeepSource}
	if v := o.Helm.KubeVersion; v != "" {
		if err := model.CheckKubeVersion(v); err != nil {
			return model.Options{}, usageErr("--kube-version %q: %v", v, err)
		}
	}
	if in.changed("namespace") {
		// -n is the release namespace too, as for helm template.
		o.Helm.Namespace = in.namespace
	}
	if cfg == nil {
		return o, nil
	}
	if cfg.Namespace != "" && !in.changed("namespace") {
		o.DefaultNamespace = cfg.Namespace
	}
	o.Ignore = model.IgnoreMatcher(cfg.IgnorePaths)
	o.External = cfg.Cluster.External
	if len(cfg.Cluster.Operators) > 0 {
		// The file's entries extend the catalogue; one for a kind it has replaces it.
		o.Operators = append(append([]model.OperatorKind{}, model.DefaultOperators...), cfg.Cluster.Operators...)
	}
	return o, nil
}

// loadGraph reads the manifests of one deployment: a folder of several kustomization
// overlays is a usage error that names them.
func (f *factory) loadGraph(in *inputFlags, paths []string) (*model.Graph, error) {
	o, err := f.loadOptions(in)
	if err != nil {
		return nil, err
	}
	// One question of the graph: loading is most of the run (see loadPace).
	o.Sized = heapReadier(nil, paceQuery)
	if err := f.announceConfig(); err != nil {
		return nil, err
	}
	g, err := model.Load(o, paths...)
	return g, pathErr(err)
}

// pathErr makes a path the loader cannot read a usage error.
func pathErr(err error) error {
	var pe *model.PathError
	if errors.As(err, &pe) {
		return usageErr("%v", pe)
	}
	return err
}

package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// ConfigFile is the name kubenet looks for, from the working directory upwards.
const ConfigFile = ".kubenet.yaml"

// Config is .kubenet.yaml. Zero values mean "not set": flags and defaults apply.
type Config struct {
	Path      string
	Namespace string
	FailOn    string
	Rules     struct {
		Enable, Disable []string
		Severity        map[string]string
	}
	IgnorePaths  []string
	Policies     []string
	Expectations []Expectation
	Cluster      ClusterConfig
	// Source is the file's content (for printing the line of a finding).
	Source []byte
}

// ClusterConfig describes the parts of the cluster manifests rarely contain.
type ClusterConfig struct {
	Domain             string
	NodePortMin        int
	NodePortMax        int
	DNS                *DNSConfigEntry
	IngressControllers []IngressControllerEntry
	// Namespaces exist outside the input, with these labels.
	Namespaces map[string]map[string]string
}

// DNSConfigEntry locates the cluster DNS pods.
type DNSConfigEntry struct {
	Namespace string
	Labels    map[string]string
	Port      int
}

// IngressControllerEntry locates an ingress controller.
type IngressControllerEntry struct {
	Name, Namespace, Controller string
	Labels                      map[string]string
	Default                     bool
}

// FindConfig returns the first .kubenet.yaml from dir upwards, or "".
func FindConfig(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ConfigFile)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// LoadConfig reads a config file strictly: unknown keys and bad values are errors with
// their file:line.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	cfg := &Config{Path: path, Source: data}
	res := &fileResult{name: path}
	c := &docCtx{file: path, res: res}
	var root yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(&root); err != nil && !errors.Is(err, io.EOF) {
		return nil, &ExpectationsError{[]Problem{{Kind: Invalid, Pos: Pos{File: path, Line: 1, Column: 1}, Message: "does not parse as YAML: " + err.Error()}}}
	}
	if len(root.Content) > 0 {
		m := deref(root.Content[0])
		if c.mapping(m, "config") {
			c.config(cfg, m)
		}
	}
	if len(res.problems) > 0 {
		return nil, &ExpectationsError{res.problems}
	}
	return cfg, nil
}

func (c *docCtx) strictKeys(m *yaml.Node, where string, allowed ...string) {
	for _, p := range pairs(m) {
		if !contains(allowed, p[0].Value) {
			c.fail(p[0], "%s: unknown key %q (want one of %s)", where, p[0].Value, strings.Join(allowed, ", "))
		}
	}
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func (c *docCtx) strings(n *yaml.Node, where string) []string {
	var out []string
	for _, s := range c.stringList(n, where) {
		out = append(out, s.Value)
	}
	return out
}

func (c *docCtx) config(cfg *Config, m *yaml.Node) {
	c.strictKeys(m, "config", "namespace", "failOn", "rules", "ignorePaths", "policies", "expectations", "cluster")
	cfg.Namespace, _ = c.str(val(m, "namespace"), "namespace")
	if v := val(m, "failOn"); v != nil {
		cfg.FailOn, _ = c.str(v, "failOn")
		switch cfg.FailOn {
		case "error", "warning", "info", "none":
		default:
			c.fail(v, "failOn %q is not error, warning, info or none", cfg.FailOn)
		}
	}
	if r := val(m, "rules"); c.mapping(r, "rules") {
		c.strictKeys(r, "rules", "enable", "disable", "severity")
		cfg.Rules.Enable = c.strings(val(r, "enable"), "rules.enable")
		cfg.Rules.Disable = c.strings(val(r, "disable"), "rules.disable")
		sev := val(r, "severity")
		cfg.Rules.Severity = c.stringMap(sev, "rules.severity")
		for _, p := range pairs(sev) {
			switch v := cfg.Rules.Severity[p[0].Value]; v {
			case "error", "warning", "info":
			default:
				c.fail(p[1], "rules.severity.%s: %q is not error, warning or info", p[0].Value, v)
			}
		}
	}
	for _, g := range c.stringList(val(m, "ignorePaths"), "ignorePaths") {
		if _, err := globRegexp(g.Value); err != nil {
			c.failAt(g.Pos, "ignorePaths: %q is not a valid glob: %v", g.Value, err)
			continue
		}
		cfg.IgnorePaths = append(cfg.IgnorePaths, g.Value)
	}
	cfg.Policies = c.strings(val(m, "policies"), "policies")
	cfg.Expectations = parseExpectationList(c, val(m, "expectations"), "expectations")
	if cl := val(m, "cluster"); c.mapping(cl, "cluster") {
		c.cluster(&cfg.Cluster, cl)
	}
}

func (c *docCtx) cluster(cc *ClusterConfig, m *yaml.Node) {
	c.strictKeys(m, "cluster", "domain", "nodePortRange", "dns", "ingressControllers", "namespaces")
	cc.Domain, _ = c.str(val(m, "domain"), "cluster.domain")
	if r := val(m, "nodePortRange"); c.mapping(r, "cluster.nodePortRange") {
		c.strictKeys(r, "cluster.nodePortRange", "min", "max")
		cc.NodePortMin, _ = c.integer(val(r, "min"), "cluster.nodePortRange.min")
		cc.NodePortMax, _ = c.integer(val(r, "max"), "cluster.nodePortRange.max")
		if cc.NodePortMin < 1 || cc.NodePortMax > 65535 || cc.NodePortMin > cc.NodePortMax {
			c.fail(r, "cluster.nodePortRange must satisfy 1 <= min <= max <= 65535")
		}
	}
	if d := val(m, "dns"); c.mapping(d, "cluster.dns") {
		c.strictKeys(d, "cluster.dns", "namespace", "labels", "port")
		e := &DNSConfigEntry{}
		e.Namespace, _ = c.str(val(d, "namespace"), "cluster.dns.namespace")
		e.Labels = c.stringMap(val(d, "labels"), "cluster.dns.labels")
		if p, ok := c.integer(val(d, "port"), "cluster.dns.port"); ok {
			e.Port = p
		}
		cc.DNS = e
	}
	for i, n := range c.seq(val(m, "ingressControllers"), "cluster.ingressControllers") {
		w := fmt.Sprintf("cluster.ingressControllers[%d]", i)
		if !c.mapping(n, w) {
			continue
		}
		c.strictKeys(n, w, "name", "namespace", "labels", "controller", "default")
		e := IngressControllerEntry{}
		e.Name, _ = c.str(val(n, "name"), w+".name")
		e.Namespace, _ = c.str(val(n, "namespace"), w+".namespace")
		e.Controller, _ = c.str(val(n, "controller"), w+".controller")
		e.Labels = c.stringMap(val(n, "labels"), w+".labels")
		e.Default = c.boolean(val(n, "default"), w+".default")
		if len(e.Labels) == 0 {
			c.fail(n, "%s.labels is required: they find the controller's pods", w)
		}
		cc.IngressControllers = append(cc.IngressControllers, e)
	}
	for i, n := range c.seq(val(m, "namespaces"), "cluster.namespaces") {
		w := fmt.Sprintf("cluster.namespaces[%d]", i)
		if !c.mapping(n, w) {
			continue
		}
		c.strictKeys(n, w, "name", "labels")
		name, ok := c.str(val(n, "name"), w+".name")
		if !ok {
			c.fail(n, "%s.name is required", w)
			continue
		}
		if cc.Namespaces == nil {
			cc.Namespaces = map[string]map[string]string{}
		}
		labels := c.stringMap(val(n, "labels"), w+".labels")
		if labels == nil {
			labels = map[string]string{}
		}
		labels[MetadataNameLabel] = name
		cc.Namespaces[name] = labels
	}
}

// globRegexp compiles a path glob: ** matches across folders, * and ? within one.
func globRegexp(glob string) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(glob); i++ {
		switch ch := glob[i]; ch {
		case '*':
			if i+1 < len(glob) && glob[i+1] == '*' {
				b.WriteString(".*")
				i++
				if i+1 < len(glob) && glob[i+1] == '/' {
					i++
					b.WriteString("/?")
				}
			} else {
				b.WriteString("[^/]*")
			}
		case '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(ch)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// IgnoreMatcher returns a function that tells whether a path (as walked, relative or
// not) matches one of the globs, or nil when there are none.
func IgnoreMatcher(globs []string) func(string) bool {
	if len(globs) == 0 {
		return nil
	}
	var res []*regexp.Regexp
	for _, g := range globs {
		if re, err := globRegexp(strings.TrimPrefix(filepath.ToSlash(g), "./")); err == nil {
			res = append(res, re)
		}
	}
	return func(p string) bool {
		p = strings.TrimPrefix(filepath.ToSlash(filepath.Clean(p)), "./")
		for _, re := range res {
			if re.MatchString(p) {
				return true
			}
		}
		return false
	}
}

package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

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
	// RuleTimeout bounds each Rego rule's evaluation (like --rule-timeout).
	RuleTimeout time.Duration
	// Helm is how charts are rendered (helm); paths are resolved against the
	// config file's folder.
	Helm HelmOptions
	// Baseline is the baseline file lint reads (baseline), relative to the config's
	// folder.
	Baseline string
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
	// External declares what exists outside the input.
	External External
	// Operators extend the catalogue of what operators create (DefaultOperators).
	Operators []OperatorKind
	// GatewayAPI is the Gateway API release and channel the cluster runs
	// (cluster.gatewayAPI): "" for the newest.
	GatewayAPIVersion string
	GatewayAPIChannel string
	// GatewayClasses say where the data plane of each GatewayClass's Gateways runs.
	GatewayClasses []GatewayClassEntry
	// CNI is the cluster's network plugin (cluster.cni), one of CNIs, or "".
	CNI string
}

// CNIs are the network plugins cluster.cni may name; policy-not-enforced knows which
// policy kinds each enforces.
var CNIs = []string{"antrea", "aws-vpc-cni", "calico", "canal", "cilium", "flannel", "kindnet", "kube-router", "ovn-kubernetes", "weave"}

// GatewayClassEntry locates the pods that carry the traffic of a GatewayClass's
// Gateways (cluster.gatewayClasses).
type GatewayClassEntry struct {
	// Name is the GatewayClass's name.
	Name string `json:"name"`
	// Namespace is where the pods run: "" for each Gateway's own namespace.
	Namespace string `json:"namespace"`
	// Labels select the pods; {gateway} and {namespace} stand for the Gateway's name
	// and namespace.
	Labels map[string]string `json:"labels"`
	// None says the class has no per-Gateway pods (a node-level proxy): not judged.
	None bool `json:"none"`
}

// External declares Services and namespaces that exist in the cluster but not in the
// input (another repository, a Helm release, the platform team's components).
type External struct {
	// Services are "namespace/name" (the name may be a glob: "argocd/argocd-*"), with
	// the Service's ports when known.
	Services []ExternalService `json:"services"`
	// Namespaces are globs of namespaces whose contents live outside the input: no
	// missing Service or pod there is reported.
	Namespaces []string `json:"namespaces"`
}

// ExternalService is a Service declared to exist outside the input.
type ExternalService struct {
	Namespace string `json:"namespace"`
	// Name may hold glob characters (* and ?).
	Name  string `json:"name"`
	Ports []int  `json:"ports"`
}

// Matches tells whether the declaration covers Service name in namespace ns.
func (e ExternalService) Matches(ns, name string) bool {
	return globMatch(e.Namespace, ns) && globMatch(e.Name, name)
}

// Glob tells whether the declared name is a pattern rather than one Service.
func (e ExternalService) Glob() bool { return strings.ContainsAny(e.Namespace+e.Name, "*?[") }

// globMatch matches a name against a glob (*, ?); a bad pattern matches nothing.
func globMatch(pattern, name string) bool {
	ok, err := filepath.Match(pattern, name)
	return err == nil && ok
}

// NamespaceExternal tells whether the external declarations cover namespace ns.
func (e External) NamespaceExternal(ns string) bool {
	for _, g := range e.Namespaces {
		if globMatch(g, ns) {
			return true
		}
	}
	return false
}

// ServiceExternal tells whether the external declarations cover Service ns/name.
func (e External) ServiceExternal(ns, name string) bool {
	if e.NamespaceExternal(ns) {
		return true
	}
	for _, s := range e.Services {
		if s.Matches(ns, name) {
			return true
		}
	}
	return false
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

// FindConfig returns the first .kubenet.yaml from dir upwards, or "". The search stops
// at the repository root (the folder holding .git): a file above it, which a stranger's
// pull request cannot see but may well not be the repository's, is not read. Only a
// regular file counts.
func FindConfig(dir string) string {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, ConfigFile)
		if fi, err := os.Lstat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return "" // the repository root
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// maxConfigSize bounds a config file (a larger one is refused, not read).
const maxConfigSize = 1 << 20

// LoadConfig reads a config file strictly: unknown keys and bad values are errors with
// their file:line.
func LoadConfig(path string) (*Config, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &PathError{Path: path, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, &PathError{Path: path, Err: errors.New("not a regular file")}
	}
	if fi.Size() > maxConfigSize {
		return nil, &PathError{Path: path, Err: fmt.Errorf("%d bytes, over the %d a config file may have", fi.Size(), maxConfigSize)}
	}
	data, err := readAtMost(path, maxConfigSize)
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
	// Relative policy folders are the config file's, wherever kubenet runs from.
	for i, p := range cfg.Policies {
		if !filepath.IsAbs(p) {
			cfg.Policies[i] = filepath.Join(filepath.Dir(path), p)
		}
	}
	return cfg, nil
}

// readAtMost reads a regular file, failing when it holds more than limit bytes (it may
// have grown since it was measured).
func readAtMost(path string, limit int64) ([]byte, error) {
	// Only a regular file: opening a FIFO would wait for a writer forever.
	if fi, err := os.Stat(path); err != nil {
		return nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("holds more than the %d bytes kubenet reads from it", limit)
	}
	return data, nil
}

func (c *docCtx) strictKeys(m *yaml.Node, where string, allowed ...string) {
	for _, p := range pairs(m) {
		if !slices.Contains(allowed, p[0].Value) {
			c.fail(p[0], "%s: unknown key %q (want one of %s)", where, p[0].Value, strings.Join(allowed, ", "))
		}
	}
}

func (c *docCtx) strings(n *yaml.Node, where string) []string {
	var out []string
	for _, s := range c.stringList(n, where) {
		out = append(out, s.Value)
	}
	return out
}

func (c *docCtx) config(cfg *Config, m *yaml.Node) {
	c.strictKeys(m, "config", "namespace", "failOn", "rules", "ignorePaths", "policies", "expectations", "cluster", "ruleTimeout", "helm", "baseline")
	if b, ok := c.str(val(m, "baseline"), "baseline"); ok && b != "" {
		cfg.Baseline = filepath.Join(filepath.Dir(c.file), b)
	}
	if h := val(m, "helm"); c.mapping(h, "helm") {
		c.helm(&cfg.Helm, h, filepath.Dir(c.file))
	}
	if v := val(m, "ruleTimeout"); v != nil {
		if t, ok := c.str(v, "ruleTimeout"); ok {
			d, err := time.ParseDuration(t)
			if err != nil || d <= 0 {
				c.fail(v, "ruleTimeout %q is not a positive duration such as 30s or 2m", t)
			} else {
				cfg.RuleTimeout = d
			}
		}
	}
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

// helm reads the helm section: the flags of helm template, and the charts to render.
func (c *docCtx) helm(h *HelmOptions, m *yaml.Node, dir string) {
	c.strictKeys(m, "helm", "releaseName", "values", "set", "setString", "kubeVersion", "apiVersions", "timeout", "charts")
	h.Release, _ = c.str(val(m, "releaseName"), "helm.releaseName")
	h.KubeVersion, _ = c.str(val(m, "kubeVersion"), "helm.kubeVersion")
	h.Root = dir
	for _, v := range c.strings(val(m, "values"), "helm.values") {
		h.ConfigValues = append(h.ConfigValues, filepath.Join(dir, v))
	}
	h.Set = c.strings(val(m, "set"), "helm.set")
	h.SetString = c.strings(val(m, "setString"), "helm.setString")
	h.APIVersions = c.strings(val(m, "apiVersions"), "helm.apiVersions")
	if v := val(m, "timeout"); v != nil {
		if t, ok := c.str(v, "helm.timeout"); ok {
			d, err := time.ParseDuration(t)
			if err != nil || d <= 0 {
				c.fail(v, "helm.timeout %q is not a positive duration such as 30s or 2m", t)
			}
			h.Timeout = d
		}
	}
	for i, n := range c.seq(val(m, "charts"), "helm.charts") {
		w := fmt.Sprintf("helm.charts[%d]", i)
		if !c.mapping(n, w) {
			continue
		}
		c.strictKeys(n, w, "path", "releaseName", "namespace", "values", "variants", "set")
		cc := ChartConfig{}
		p, _ := c.str(val(n, "path"), w+".path")
		if p == "" {
			c.fail(n, "%s: path is required: the chart folder", w)
			continue
		}
		cc.Path = filepath.Join(dir, p)
		cc.Release, _ = c.str(val(n, "releaseName"), w+".releaseName")
		cc.Namespace, _ = c.str(val(n, "namespace"), w+".namespace")
		cc.Values = c.strings(val(n, "values"), w+".values")
		cc.Set = c.strings(val(n, "set"), w+".set")
		if vs := val(n, "variants"); c.mapping(vs, w+".variants") {
			cc.Variants = map[string][]string{}
			for _, kv := range pairs(vs) {
				cc.Variants[kv[0].Value] = c.strings(kv[1], w+".variants."+kv[0].Value)
			}
		}
		h.Charts = append(h.Charts, cc)
	}
}

func (c *docCtx) cluster(cc *ClusterConfig, m *yaml.Node) {
	c.strictKeys(m, "cluster", "domain", "nodePortRange", "dns", "ingressControllers", "namespaces", "external", "operators", "gatewayAPI", "gatewayClasses", "cni")
	c.gatewayConfig(cc, m)
	if cn := val(m, "cni"); cn != nil {
		cc.CNI, _ = c.str(cn, "cluster.cni")
		if cc.CNI != "" && !slices.Contains(CNIs, cc.CNI) {
			c.fail(cn, "cluster.cni: %q is not one of %s", cc.CNI, strings.Join(CNIs, ", "))
			cc.CNI = ""
		}
	}
	if e := val(m, "external"); c.mapping(e, "cluster.external") {
		c.external(&cc.External, e)
	}
	for i, n := range c.seq(val(m, "operators"), "cluster.operators") {
		if op, ok := c.operator(n, fmt.Sprintf("cluster.operators[%d]", i)); ok {
			cc.Operators = append(cc.Operators, op)
		}
	}
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

// gatewayConfig reads cluster.gatewayAPI and cluster.gatewayClasses.
func (c *docCtx) gatewayConfig(cc *ClusterConfig, m *yaml.Node) {
	if g := val(m, "gatewayAPI"); c.mapping(g, "cluster.gatewayAPI") {
		c.strictKeys(g, "cluster.gatewayAPI", "version", "channel")
		vk, vv := field(g, "version")
		cc.GatewayAPIVersion, _ = c.str(vv, "cluster.gatewayAPI.version")
		if v := cc.GatewayAPIVersion; v != "" && !gatewayVersionRe.MatchString(v) {
			c.fail(orNode(vv, vk), "cluster.gatewayAPI.version %q is not a release like v1.6", v)
		}
		ck, cv := field(g, "channel")
		cc.GatewayAPIChannel, _ = c.str(cv, "cluster.gatewayAPI.channel")
		if ch := cc.GatewayAPIChannel; ch != "" && ch != "standard" && ch != "experimental" {
			c.fail(orNode(cv, ck), "cluster.gatewayAPI.channel must be standard or experimental, not %q", ch)
		}
	}
	for i, n := range c.seq(val(m, "gatewayClasses"), "cluster.gatewayClasses") {
		w := fmt.Sprintf("cluster.gatewayClasses[%d]", i)
		if !c.mapping(n, w) {
			continue
		}
		c.strictKeys(n, w, "name", "namespace", "labels", "none")
		e := GatewayClassEntry{}
		e.Name, _ = c.str(val(n, "name"), w+".name")
		e.Namespace, _ = c.str(val(n, "namespace"), w+".namespace")
		e.Labels = c.stringMap(val(n, "labels"), w+".labels")
		e.None = c.boolean(val(n, "none"), w+".none")
		if e.Name == "" {
			c.fail(n, "%s.name is required: the GatewayClass it describes", w)
		}
		if len(e.Labels) == 0 && !e.None {
			c.fail(n, "%s.labels is required (they find the data plane's pods), unless none: true", w)
		}
		cc.GatewayClasses = append(cc.GatewayClasses, e)
	}
}

// gatewayVersionRe is a Gateway API release: v1.6 (a patch is allowed and ignored).
var gatewayVersionRe = regexp.MustCompile(`^v?1\.\d+(\.\d+)?$`)

func (c *docCtx) external(e *External, m *yaml.Node) {
	c.strictKeys(m, "cluster.external", "services", "namespaces")
	for i, n := range c.seq(val(m, "services"), "cluster.external.services") {
		w := fmt.Sprintf("cluster.external.services[%d]", i)
		var ref string
		var ports []int
		switch {
		case n.Kind == yaml.ScalarNode:
			ref, _ = c.str(n, w)
		case c.mapping(n, w):
			c.strictKeys(n, w, "name", "ports")
			ref, _ = c.str(val(n, "name"), w+".name")
			for j, pn := range c.seq(val(n, "ports"), w+".ports") {
				if p, ok := c.integer(pn, fmt.Sprintf("%s.ports[%d]", w, j)); ok {
					if p < 1 || p > 65535 {
						c.fail(pn, "%s.ports[%d]: %d is not a port (1-65535)", w, j, p)
						continue
					}
					ports = append(ports, p)
				}
			}
		default:
			continue
		}
		ns, name, ok := strings.Cut(ref, "/")
		if !ok || ns == "" || name == "" {
			c.fail(n, "%s: %q is not namespace/name (a name may be a glob, as argocd/argocd-*)", w, ref)
			continue
		}
		if _, err := filepath.Match(ns+"/"+name, ""); err != nil {
			c.fail(n, "%s: %q is not a valid glob: %v", w, ref, err)
			continue
		}
		e.Services = append(e.Services, ExternalService{Namespace: ns, Name: name, Ports: ports})
	}
	for _, g := range c.stringList(val(m, "namespaces"), "cluster.external.namespaces") {
		if _, err := filepath.Match(g.Value, ""); err != nil {
			c.failAt(g.Pos, "cluster.external.namespaces: %q is not a valid glob: %v", g.Value, err)
			continue
		}
		e.Namespaces = append(e.Namespaces, g.Value)
	}
}

// operator reads a catalogue entry: what an operator creates from a custom resource.
func (c *docCtx) operator(n *yaml.Node, w string) (OperatorKind, bool) {
	var op OperatorKind
	if !c.mapping(n, w) {
		return op, false
	}
	c.strictKeys(n, w, "group", "kind", "operator", "podLabels", "services")
	op.Group, _ = c.str(val(n, "group"), w+".group")
	op.Kind, _ = c.str(val(n, "kind"), w+".kind")
	op.Operator, _ = c.str(val(n, "operator"), w+".operator")
	if op.Group == "" || op.Kind == "" {
		c.fail(n, "%s: group and kind are required", w)
		return op, false
	}
	op.PodLabels = c.stringMap(val(n, "podLabels"), w+".podLabels")
	for i, sn := range c.seq(val(n, "services"), w+".services") {
		sw := fmt.Sprintf("%s.services[%d]", w, i)
		if !c.mapping(sn, sw) {
			continue
		}
		c.strictKeys(sn, sw, "name", "headless", "ports", "selector")
		var s OperatorService
		s.Name, _ = c.str(val(sn, "name"), sw+".name")
		if s.Name == "" {
			c.fail(sn, "%s.name is required ({name} stands for the resource's name)", sw)
			continue
		}
		s.Headless = c.boolean(val(sn, "headless"), sw+".headless")
		for j, pn := range c.seq(val(sn, "ports"), sw+".ports") {
			if p, ok := c.integer(pn, fmt.Sprintf("%s.ports[%d]", sw, j)); ok {
				s.Ports = append(s.Ports, p)
			}
		}
		s.Selector = c.stringMap(val(sn, "selector"), sw+".selector")
		op.Services = append(op.Services, s)
	}
	return op, true
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

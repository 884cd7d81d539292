package model

import (
	"fmt"
	"strconv"

	"k8s.io/apimachinery/pkg/util/validation"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Container is a container of a pod template, regular or init.
type Container struct {
	Name string `json:"name"`
	Pos  Pos    `json:"pos"`
	// Init is true for init containers; Sidecar for init containers with restartPolicy
	// Always, which keep running and serve their ports like regular containers.
	Init    bool            `json:"init"`
	Sidecar bool            `json:"sidecar"`
	Ports   []ContainerPort `json:"ports"`
	Env     []EnvVar        `json:"env"`
	EnvFrom []EnvFrom       `json:"envFrom"`
	Args    []StringAt      `json:"args"`
	Command []StringAt      `json:"command"`
	// ProbePorts are the ports of the liveness, readiness and startup probes (httpGet,
	// tcpSocket, grpc): evidence of what the container listens on.
	ProbePorts []ProbePort `json:"probePorts"`
}

// ProbePort is the port a probe connects to: a number, or the name of a declared port.
type ProbePort struct {
	// Probe is livenessProbe, readinessProbe or startupProbe.
	Probe string      `json:"probe"`
	Port  IntOrString `json:"port"`
	Pos   Pos         `json:"pos"`
}

// Serves reports whether the container runs alongside the pod's main containers.
func (c *Container) Serves() bool { return !c.Init || c.Sidecar }

// ContainerPort is one entry of a container's ports list.
type ContainerPort struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	HostPort      int    `json:"hostPort"`
	Pos           Pos    `json:"pos"`
}

// EnvVar is one env entry. Value is set for literal values; the refs for valueFrom.
type EnvVar struct {
	Name            string  `json:"name"`
	Value           string  `json:"value"`
	HasValue        bool    `json:"hasValue"`
	Pos             Pos     `json:"pos"`
	ValuePos        Pos     `json:"valuePos"`
	ConfigMapKeyRef *KeyRef `json:"configMapKeyRef"`
	SecretKeyRef    *KeyRef `json:"secretKeyRef"`
	FieldRef        string  `json:"fieldRef"`
}

// KeyRef names a key of a ConfigMap or Secret.
type KeyRef struct {
	Name     string `json:"name"`
	Key      string `json:"key"`
	Optional bool   `json:"optional"`
}

// EnvFrom imports every key of a ConfigMap or Secret.
type EnvFrom struct {
	ConfigMap string `json:"configMap"`
	Secret    string `json:"secret"`
	Prefix    string `json:"prefix"`
	Pos       Pos    `json:"pos"`
}

// Volume is a pod volume backed by a ConfigMap (the only kind kubenet reads).
type Volume struct {
	Name      string `json:"name"`
	ConfigMap string `json:"configMap"`
	Pos       Pos    `json:"pos"`
}

// DNSConfig is a pod's spec.dnsConfig.
type DNSConfig struct {
	Nameservers []string    `json:"nameservers"`
	Searches    []string    `json:"searches"`
	Options     []DNSOption `json:"options"`
	Pos         Pos         `json:"pos"`
}

// DNSOption is one resolver option, e.g. ndots:2.
type DNSOption struct {
	Name  string  `json:"name"`
	Value *string `json:"value"`
}

// podSpec reads a pod spec (a Pod's spec, or a pod template's) into w.
func (c *docCtx) podSpec(w *Workload, spec *yaml.Node, where string) {
	hk, hv := field(spec, "hostNetwork")
	w.HostNetwork = c.boolean(hv, where+".hostNetwork")
	w.HostNetworkPos = c.pos(hk)
	dk, dv := field(spec, "dnsPolicy")
	if s, ok := c.str(dv, where+".dnsPolicy"); ok {
		switch s {
		case "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None":
		default:
			c.fail(dv, "%s.dnsPolicy %q is not one of ClusterFirst, ClusterFirstWithHostNet, Default, None", where, s)
		}
		w.DNSPolicy, w.DNSPolicyPos = s, c.pos(dk)
	}
	if dc := val(spec, "dnsConfig"); c.mapping(dc, where+".dnsConfig") {
		w.DNSConfig = c.dnsConfig(dc, where+".dnsConfig")
	}
	w.Hostname, _ = c.str(val(spec, "hostname"), where+".hostname")
	w.Subdomain, _ = c.str(val(spec, "subdomain"), where+".subdomain")
	for i, cn := range c.seq(val(spec, "initContainers"), where+".initContainers") {
		c.container(w, cn, fmt.Sprintf("%s.initContainers[%d]", where, i), true)
	}
	for i, cn := range c.seq(val(spec, "containers"), where+".containers") {
		c.container(w, cn, fmt.Sprintf("%s.containers[%d]", where, i), false)
	}
	for i, vn := range c.seq(val(spec, "volumes"), where+".volumes") {
		vw := fmt.Sprintf("%s.volumes[%d]", where, i)
		if !c.mapping(vn, vw) {
			continue
		}
		name, _ := c.str(val(vn, "name"), vw+".name")
		if cm := val(vn, "configMap"); c.mapping(cm, vw+".configMap") {
			cmName, _ := c.str(val(cm, "name"), vw+".configMap.name")
			w.Volumes = append(w.Volumes, Volume{Name: name, ConfigMap: cmName, Pos: c.pos(vn)})
		}
	}
}

// dnsConfig reads a pod's dnsConfig mapping.
func (c *docCtx) dnsConfig(dc *yaml.Node, where string) *DNSConfig {
	cfg := &DNSConfig{Pos: c.pos(dc)}
	for _, s := range c.stringList(val(dc, "nameservers"), where+".nameservers") {
		cfg.Nameservers = append(cfg.Nameservers, s.Value)
	}
	for _, s := range c.stringList(val(dc, "searches"), where+".searches") {
		cfg.Searches = append(cfg.Searches, s.Value)
	}
	for i, on := range c.seq(val(dc, "options"), where+".options") {
		ow := fmt.Sprintf("%s.options[%d]", where, i)
		if !c.mapping(on, ow) {
			continue
		}
		name, _ := c.str(val(on, "name"), ow+".name")
		opt := DNSOption{Name: name}
		if v, ok := c.str(val(on, "value"), ow+".value"); ok {
			opt.Value = &v
		}
		cfg.Options = append(cfg.Options, opt)
	}
	return cfg
}

// container reads a container (an init container when init is set) and adds it to w.
func (c *docCtx) container(w *Workload, n *yaml.Node, where string, init bool) {
	if !c.mapping(n, where) {
		return
	}
	ct := Container{Init: init, Pos: c.pos(n), Ports: []ContainerPort{}}
	ct.Name, _ = c.str(val(n, "name"), where+".name")
	if init {
		if rp, ok := c.str(val(n, "restartPolicy"), where+".restartPolicy"); ok && rp == "Always" {
			ct.Sidecar = true
		}
	}
	for i, pn := range c.seq(val(n, "ports"), where+".ports") {
		if p, ok := c.containerPort(pn, fmt.Sprintf("%s.ports[%d]", where, i)); ok {
			ct.Ports = append(ct.Ports, p)
		}
	}
	ct.Env = c.env(val(n, "env"), where+".env")
	ct.EnvFrom = c.envFrom(val(n, "envFrom"), where+".envFrom")
	ct.Args = c.stringList(val(n, "args"), where+".args")
	ct.Command = c.stringList(val(n, "command"), where+".command")
	ct.ProbePorts = c.probePorts(n)
	w.Containers = append(w.Containers, ct)
}

// containerPort reads one entry of a container's ports; ok is false when it is not a
// mapping.
func (c *docCtx) containerPort(pn *yaml.Node, where string) (ContainerPort, bool) {
	if isNull(pn) {
		c.fail(pn, "%s is null: an empty port has no containerPort, which the API server refuses", where)
		return ContainerPort{}, false
	}
	if !c.mapping(pn, where) {
		return ContainerPort{}, false
	}
	p := ContainerPort{Protocol: "TCP", Pos: c.pos(pn)}
	nv := val(pn, "name")
	if name, ok := c.str(nv, where+".name"); ok && name != "" {
		if errs := validation.IsValidPortName(name); len(errs) > 0 {
			c.fail(nv, "%s.name %q is not a valid port name: %s", where, name, errs[0])
		}
		p.Name = name
	}
	cpv := val(pn, "containerPort")
	if isNull(cpv) && cpv != nil {
		c.fail(cpv, "%s.containerPort is required, and null is no port", where)
	} else if cpv == nil {
		c.fail(pn, "%s.containerPort is required%s", where, misspelt(pn, "containerPort"))
	} else if v, ok := c.integer(cpv, where+".containerPort"); ok {
		if v < 1 || v > 65535 {
			c.fail(cpv, "%s.containerPort %d must be between 1 and 65535", where, v)
		}
		p.ContainerPort = v
	}
	p.Protocol = c.protocol(val(pn, "protocol"), where+".protocol")
	if hp, ok := c.integer(val(pn, "hostPort"), where+".hostPort"); ok {
		p.HostPort = hp
	}
	return p, true
}

// env reads a container's env list: literal values, and values from a ConfigMap or
// Secret key or a field of the pod.
func (c *docCtx) env(n *yaml.Node, where string) []EnvVar {
	var out []EnvVar
	for i, en := range c.seq(n, where) {
		ew := fmt.Sprintf("%s[%d]", where, i)
		if !c.mapping(en, ew) {
			continue
		}
		e := EnvVar{Pos: c.pos(en)}
		e.Name, _ = c.str(val(en, "name"), ew+".name")
		if vv := val(en, "value"); vv != nil {
			if vv.Kind == yaml.ScalarNode && vv.ShortTag() != "!!str" && !isNull(vv) {
				c.fail(vv, "%s.value must be a string, not %s (quote it)", ew, describe(vv))
			} else if s, ok := c.str(vv, ew+".value"); ok {
				e.Value, e.HasValue, e.ValuePos = s, true, c.pos(vv)
			}
		}
		if vf := val(en, "valueFrom"); c.mapping(vf, ew+".valueFrom") {
			if r := val(vf, "configMapKeyRef"); c.mapping(r, ew+".valueFrom.configMapKeyRef") {
				e.ConfigMapKeyRef = c.keyRef(r, ew+".valueFrom.configMapKeyRef")
			}
			if r := val(vf, "secretKeyRef"); c.mapping(r, ew+".valueFrom.secretKeyRef") {
				e.SecretKeyRef = c.keyRef(r, ew+".valueFrom.secretKeyRef")
			}
			if r := val(vf, "fieldRef"); c.mapping(r, ew+".valueFrom.fieldRef") {
				e.FieldRef, _ = c.str(val(r, "fieldPath"), ew+".valueFrom.fieldRef.fieldPath")
			}
		}
		out = append(out, e)
	}
	return out
}

// envFrom reads a container's envFrom list: ConfigMaps and Secrets whose every key
// becomes a variable.
func (c *docCtx) envFrom(n *yaml.Node, where string) []EnvFrom {
	var out []EnvFrom
	for i, en := range c.seq(n, where) {
		ew := fmt.Sprintf("%s[%d]", where, i)
		if !c.mapping(en, ew) {
			continue
		}
		e := EnvFrom{Pos: c.pos(en)}
		e.Prefix, _ = c.str(val(en, "prefix"), ew+".prefix")
		if r := val(en, "configMapRef"); c.mapping(r, ew+".configMapRef") {
			e.ConfigMap, _ = c.str(val(r, "name"), ew+".configMapRef.name")
		}
		if r := val(en, "secretRef"); c.mapping(r, ew+".secretRef") {
			e.Secret, _ = c.str(val(r, "name"), ew+".secretRef.name")
		}
		out = append(out, e)
	}
	return out
}

// probePorts reads the ports of a container's probes. They are evidence only, so a
// value of the wrong shape is passed over here (the API server's validation, not a
// port check, is the place to report it).
func (c *docCtx) probePorts(n *yaml.Node) []ProbePort {
	out := []ProbePort{}
	for _, probe := range []string{"livenessProbe", "readinessProbe", "startupProbe"} {
		pn := val(n, probe)
		for _, handler := range []string{"httpGet", "tcpSocket", "grpc"} {
			pv := val(val(pn, handler), "port")
			if pv == nil || pv.Kind != yaml.ScalarNode {
				continue
			}
			pp := ProbePort{Probe: probe, Pos: c.pos(pv)}
			switch pv.ShortTag() {
			case "!!int":
				v, err := strconv.Atoi(pv.Value)
				if err != nil || v < 1 || v > 65535 {
					continue
				}
				pp.Port = IntOrString{Int: v}
			case "!!str":
				pp.Port = IntOrString{Str: pv.Value, IsStr: true}
			default:
				continue
			}
			out = append(out, pp)
		}
	}
	return out
}

// keyRef reads a reference to a key of a ConfigMap or Secret.
func (c *docCtx) keyRef(n *yaml.Node, where string) *KeyRef {
	r := &KeyRef{}
	r.Name, _ = c.str(val(n, "name"), where+".name")
	r.Key, _ = c.str(val(n, "key"), where+".key")
	r.Optional = c.boolean(val(n, "optional"), where+".optional")
	return r
}

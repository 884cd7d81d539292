package analyzer

import (
	"net"
	"strconv"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// A container's ports list is informational: a process listens wherever it binds,
// declared or not. So what a container listens on is collected from every place a
// manifest says it: declared ports, probe ports, and the port a process is told to use
// in env and args. Declared and probed ports can be held against a Service's numeric
// targetPort; ports read from env and args only ever vouch for one.

// listenEvidence is what one workload's serving containers say they listen on.
type listenEvidence struct {
	// probed are the numeric ports of probes (always TCP), with the probe's name.
	probed map[int]string
	// configured are ports read from env values and args, with where each was read.
	configured map[int]string
}

func (e *listenEvidence) addConfigured(port int, where string) {
	if port < 1 || port > 65535 {
		return
	}
	if _, ok := e.configured[port]; !ok {
		e.configured[port] = where
	}
}

// listenIndex memoises the listen evidence of workloads and of the ConfigMaps they
// consume, for one computation of the Service facts.
type listenIndex struct {
	configMaps configMapIndex
	files      map[string]map[int]bool // ConfigMap id -> ports its files mention
	workloads  map[string]*listenEvidence
}

func newListenIndex(cms configMapIndex) *listenIndex {
	return &listenIndex{configMaps: cms, files: map[string]map[int]bool{}, workloads: map[string]*listenEvidence{}}
}

// of returns the evidence of a workload's serving containers and the ConfigMaps they
// consume: env values, mounted config files.
func (x *listenIndex) of(w *model.Workload) *listenEvidence {
	if e, ok := x.workloads[w.ID]; ok {
		return e
	}
	e := &listenEvidence{probed: map[int]string{}, configured: map[int]string{}}
	x.workloads[w.ID] = e
	for ci := range w.Containers {
		c := &w.Containers[ci]
		if !c.Serves() {
			continue
		}
		containerListenEvidence(c, e)
		// Every value a variable is given is evidence, shadowed ones too.
		for name, v := range x.configMaps.containerEnv(w.Namespace, c) {
			if v.source == envNamespace {
				continue // the downward API tells no port
			}
			if port, ok := envListenPort(name, v.value); ok {
				e.addConfigured(port, "env "+name)
			}
		}
	}
	for cm := range x.configMaps.mounted(w) {
		ports, ok := x.files[cm.ID]
		if !ok {
			ports = map[int]bool{}
			for _, text := range cm.Data {
				configFilePorts(text, ports)
			}
			x.files[cm.ID] = ports
		}
		for port := range ports {
			e.addConfigured(port, "ConfigMap "+cm.Name)
		}
	}
	return e
}

// configFilePorts adds the ports a config file (or a script) mentions as listening
// ports: a number on a line that speaks of a port, of listening or of binding
// ("port: 53", "listen 8080;", "http_port 3128", `flag.Int("port", 9002, ...)`), and
// a local listen address (":8080", "0.0.0.0:8080", "localhost:9002").
func configFilePorts(text string, ports map[int]bool) {
	for line := range strings.SplitSeq(text, "\n") {
		l := strings.ToLower(line)
		portLine := strings.Contains(l, "port") || strings.Contains(l, "listen") || strings.Contains(l, "bind")
		for tok := range strings.FieldsFuncSeq(l, func(r rune) bool {
			return r != ':' && r != '.' && r != '[' && r != ']' && r != '*' && (r < '0' || r > '9') && (r < 'a' || r > 'z')
		}) {
			if portLine {
				if p, ok := portNumber(tok); ok {
					ports[p] = true
					continue
				}
			}
			if i := strings.LastIndexByte(tok, ':'); i >= 0 {
				switch tok[:i] {
				case "", "0.0.0.0", "localhost", "127.0.0.1", "[::]", "::", "*":
					if p, ok := portNumber(tok[i+1:]); ok {
						ports[p] = true
					}
				}
			}
		}
	}
}

// containerListenEvidence collects the probe and args evidence of a container.
func containerListenEvidence(c *model.Container, e *listenEvidence) {
	for _, p := range c.ProbePorts {
		if !p.Port.IsStr {
			if _, ok := e.probed[p.Port.Int]; !ok {
				e.probed[p.Port.Int] = p.Probe
			}
		}
	}
	for _, list := range [][]model.StringAt{c.Command, c.Args} {
		for i, a := range list {
			next := ""
			if i+1 < len(list) {
				next = list[i+1].Value
			}
			if port, flag, ok := argListenPort(a.Value, next); ok {
				e.addConfigured(port, "arg "+flag)
			}
		}
	}
}

// envListenPort reads a listening port from an env var: PORT or *_PORT with a number
// (HTTP_PORT=8080), or a listen address in a variable named for one (LISTEN_ADDR=:8080,
// SERVER_ADDRESS=0.0.0.0:8080, BIND=[::]:8080).
func envListenPort(name, value string) (int, bool) {
	n := strings.ToUpper(name)
	if n == "PORT" || strings.HasSuffix(n, "_PORT") {
		return portNumber(value)
	}
	if listenWord(n) {
		return listenAddrPort(value)
	}
	return 0, false
}

// argListenPort reads a listening port from a command-line flag: --port=8080,
// -port 8080, --http-port 8080, --listen :8080, --bind=0.0.0.0:8080,
// --web.listen-address=:9090. next is the following argument, the value of a flag
// written without "=".
func argListenPort(arg, next string) (port int, flag string, ok bool) {
	if !strings.HasPrefix(arg, "-") {
		return 0, "", false
	}
	flag, value, hasValue := strings.Cut(arg, "=")
	if !hasValue {
		value = next
	}
	name := strings.ToUpper(strings.TrimLeft(flag, "-"))
	if name == "" {
		return 0, "", false
	}
	if name == "P" || name == "PORT" || strings.HasSuffix(name, "PORT") {
		if p, ok := portNumber(value); ok {
			return p, flag, true
		}
	}
	if listenWord(name) {
		if p, ok := listenAddrPort(value); ok {
			return p, flag, true
		}
	}
	return 0, "", false
}

// listenWord: the name of a setting that holds a listen address.
func listenWord(name string) bool {
	for _, w := range []string{"LISTEN", "BIND", "ADDR"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// listenAddrPort reads the port of a listen address: ":8080", "0.0.0.0:8080",
// "[::]:8080", "localhost:8080", or a URL such as "http://0.0.0.0:8080".
func listenAddrPort(v string) (int, bool) {
	if _, rest, ok := strings.Cut(v, "://"); ok {
		v = rest
	}
	v, _, _ = strings.Cut(v, "/")
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		return 0, false
	}
	return portNumber(port)
}

func portNumber(s string) (int, bool) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 1 || p > 65535 {
		return 0, false
	}
	return p, true
}

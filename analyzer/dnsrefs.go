package analyzer

import (
	"bytes"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/kubenet/kubenet/model"
)

// Where a reference was found.
const (
	SourceEnv          = "env"
	SourceArg          = "args"
	SourceCommand      = "command"
	SourceConfigMap    = "configMap"
	SourceExternalName = "externalName"
)

// Reference contexts: how the text says it is a host.
const (
	ContextURL      = "url"
	ContextHostPort = "host:port"
	ContextKey      = "key"
	ContextBare     = "bare"
)

// DNSRef is a hostname a workload depends on, found in its env, args, command, the
// ConfigMaps it consumes, or a ConfigMap no workload of the input consumes.
type DNSRef struct {
	// Workload is the workload that uses the name ("" for an unconsumed ConfigMap or an
	// ExternalName target).
	Workload string `json:"workload"`
	// Object is the object the finding is about: the workload, the ConfigMap or the Service.
	Object    string `json:"object"`
	Namespace string `json:"namespace"`
	// Name is the hostname as written (after $(VAR) expansion); Port is 0 when none is given.
	Name string `json:"name"`
	Port int    `json:"port"`
	// Scheme is the URL scheme, if any.
	Scheme  string    `json:"scheme"`
	Raw     string    `json:"raw"`
	Source  string    `json:"source"`
	Key     string    `json:"key"`
	Context string    `json:"context"`
	Pos     model.Pos `json:"pos"`
	// ConsumedBy lists the workloads that consume the ConfigMap (for ConfigMap references).
	ConsumedBy []string `json:"consumedBy"`
	// Discovery names the service-discovery section of a config file the name was read
	// in (Prometheus's dns_sd_configs, ...): a candidate probed, not a dependency.
	Discovery string `json:"discovery"`

	workload *model.Workload
	// consumers are the workloads that use the name (all consumers of a ConfigMap).
	consumers []*model.Workload
}

// references collects every reference of the graph: in the workloads' containers, in
// ConfigMaps (with the workloads that consume them), and ExternalName targets.
func (f *Facts) references() []DNSRef {
	g := f.graph
	cms := f.configMaps()
	consumers := map[string][]*model.Workload{}
	var out []DNSRef
	for _, w := range g.Workloads {
		if w.Invalid {
			continue
		}
		used := map[string]bool{}
		for cm := range cms.mounted(w) {
			used[cm.Name] = true
		}
		for ci := range w.Containers {
			out = f.containerRefs(out, w, &w.Containers[ci], cms, used)
		}
		for name := range used {
			consumers[w.Namespace+"/"+name] = append(consumers[w.Namespace+"/"+name], w)
		}
	}
	lines := lineIndex{g: g, starts: map[string][]int32{}}
	for _, cm := range g.ConfigMaps {
		if !cm.Invalid {
			out = configMapRefs(out, cm, consumers[cm.Namespace+"/"+cm.Name], &lines)
		}
	}
	for _, s := range g.Services {
		if s.Type == "ExternalName" && s.ExternalName != "" && !s.Invalid {
			out = append(out, DNSRef{Object: s.ID, Namespace: s.Namespace, Name: s.ExternalName, Raw: s.ExternalName,
				Source: SourceExternalName, Context: ContextHostPort, Pos: s.ExternalNamePos, ConsumedBy: []string{}})
		}
	}
	return out
}

// containerRefs appends the references in c's env values, args and command, with
// $(VAR) expanded as the kubelet does, and marks in used the ConfigMaps c consumes.
func (f *Facts) containerRefs(out []DNSRef, w *model.Workload, c *model.Container, cms configMapIndex, used map[string]bool) []DNSRef {
	first := len(out) // this container's references start here
	vars := map[string]string{}
	env := map[string]string{}
	for name, v := range cms.containerEnv(w.Namespace, c) {
		if v.shadowed {
			continue // the entry's first source is its value
		}
		switch v.source {
		case envLiteral:
			s := expand(v.value, vars)
			vars[name], env[name] = s, s
			for _, r := range extract(s, name) {
				r.Source, r.Key, r.Pos = SourceEnv, name, v.pos
				out = append(out, f.withWorkload(r, w))
			}
		case envConfigMapKey, envFromConfigMap:
			// The value's references are read in the ConfigMap itself (configMapRefs),
			// with w among its consumers.
			used[v.configMap.Name] = true
			if !v.missing {
				vars[name] = v.value
			}
		case envNamespace:
			vars[name] = v.value
		}
	}
	pairPorts(out[first:], w, env)
	for _, list := range []struct {
		src   string
		items []model.StringAt
	}{{SourceArg, c.Args}, {SourceCommand, c.Command}} {
		for _, a := range list.items {
			v := expand(a.Value, vars)
			for _, r := range extract(v, "") {
				r.Source, r.Pos = list.src, a.Pos
				if r.Context == ContextBare {
					continue // a bare word in args is a name only through its flag
				}
				out = append(out, f.withWorkload(r, w))
			}
		}
	}
	return out
}

// configMapRefs appends the references in cm's values, line by line; ws are the
// workloads that consume cm (the first one stands for them all).
func configMapRefs(out []DNSRef, cm *model.ConfigMap, ws []*model.Workload, lines *lineIndex) []DNSRef {
	var from *model.Workload
	var ids []string
	for _, w := range ws {
		ids = append(ids, w.ID)
	}
	sort.Strings(ids)
	if len(ws) > 0 {
		from = ws[0]
	}
	for _, key := range slices.Sorted(maps.Keys(cm.Data)) {
		value := cm.Data[key]
		// A one-line value is used like an env var of that name (envFrom,
		// configMapKeyRef): the data key says whether it is a host. A file's keys come
		// from its own lines.
		lineKeyOf := ""
		if !strings.Contains(strings.TrimRight(value, "\n"), "\n") {
			lineKeyOf = key
		}
		i := -1 // the line's index in the value
		var sections sectionStack
		for line := range strings.SplitSeq(value, "\n") {
			i++
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			discovery := sections.enter(line)
			for _, r := range extract(line, lineKeyOf) {
				if r.Context == ContextBare {
					continue
				}
				r.Discovery = discovery
				r.Source, r.Key, r.Namespace, r.Object = SourceConfigMap, key, cm.Namespace, cm.ID
				r.Pos = lines.pos(cm, key, i, r.Raw)
				r.ConsumedBy = ids
				if from != nil {
					r.Workload, r.workload, r.consumers = from.ID, from, ws
				}
				if r.ConsumedBy == nil {
					r.ConsumedBy = []string{}
				}
				out = append(out, r)
			}
		}
	}
	return out
}

func (f *Facts) withWorkload(r DNSRef, w *model.Workload) DNSRef {
	r.Workload, r.Object, r.Namespace, r.workload, r.consumers = w.ID, w.ID, w.Namespace, w, []*model.Workload{w}
	r.ConsumedBy = []string{}
	return r
}

// pairPorts gives a <P>_HOST reference the port of a sibling <P>_PORT variable.
func pairPorts(refs []DNSRef, w *model.Workload, env map[string]string) {
	for i := range refs {
		r := &refs[i]
		if r.Workload != w.ID || r.Source != SourceEnv || r.Port != 0 || r.Context != ContextKey {
			continue
		}
		for _, suffix := range []string{"_HOST", "_HOSTNAME", "_ADDR", "_SERVICE_HOST", "_SERVER"} {
			if p, ok := strings.CutSuffix(r.Key, suffix); ok {
				if v, ok := env[p+"_PORT"]; ok {
					if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 65536 {
						r.Port = n
					}
				}
				break
			}
		}
	}
}

// lineIndex locates text inside ConfigMap values in their source files. It indexes a
// file's line starts on first use, and holds the contents of the file it was last asked
// about: ConfigMaps come file by file, so a file the graph let go of is read again once,
// into one buffer for all. It lives only while references are collected.
type lineIndex struct {
	g      *model.Graph
	starts map[string][]int32
	file   string
	src    []byte
	buf    []byte
	// missing is set when file cannot be read.
	missing bool
}

// pos locates text on line i of a ConfigMap value.
func (x *lineIndex) pos(cm *model.ConfigMap, key string, i int, text string) model.Pos {
	p := cm.DataPos[key]
	if cm.DataLine[key] == 0 {
		return p // the value's lines do not map to file lines: point at the value
	}
	line := cm.DataLine[key] + i
	p.Line, p.Column = line, 1
	if l, ok := x.line(p.File, line); ok {
		if j := bytes.Index(l, []byte(text)); j >= 0 {
			p.Column = j + 1
		} else if j := len(l) - len(bytes.TrimLeft(l, " \t")); j >= 0 {
			p.Column = j + 1
		}
	}
	return p
}

// line returns line n (1-based) of a source file.
func (x *lineIndex) line(file string, n int) ([]byte, bool) {
	if x.file != file || x.src == nil && !x.missing {
		src, ok := x.g.SourceInto(file, x.buf)
		x.file, x.src, x.missing = file, nil, !ok || len(src) > math.MaxInt32
		if x.missing {
			return nil, false // and not read again for its next line
		}
		if _, kept := x.g.Sources[file]; !kept {
			x.buf = src[:0] // read into the buffer: keep it for the next file
		}
		x.src = src
	}
	if x.missing {
		return nil, false
	}
	src := x.src
	starts, ok := x.starts[file]
	if !ok {
		starts = make([]int32, 1, bytes.Count(src, []byte{'\n'})+1)
		for i, b := range src {
			if b == '\n' {
				starts = append(starts, int32(i+1))
			}
		}
		x.starts[file] = starts
	}
	if n < 1 || n > len(starts) {
		return nil, false
	}
	end := len(src)
	if n < len(starts) {
		end = int(starts[n]) - 1
	}
	return src[starts[n-1]:end], true
}

// sectionStack follows the YAML sections of a config file by indentation, to tell
// the names of a service-discovery section (a key ending in _sd_configs, as
// Prometheus's dns_sd_configs) from hard references (static_configs targets).
type sectionStack []struct {
	indent int
	key    string
}

// enter moves to line and returns the discovery section it is in, or "".
func (st *sectionStack) enter(line string) string {
	trimmed := strings.TrimLeft(line, " ")
	if trimmed == "" {
		return st.discovery()
	}
	indent := len(line) - len(trimmed)
	for strings.HasPrefix(trimmed, "- ") { // a list item's key sits after the dash
		trimmed = strings.TrimLeft(trimmed[2:], " ")
		indent = len(line) - len(trimmed)
	}
	for len(*st) > 0 && (*st)[len(*st)-1].indent >= indent {
		*st = (*st)[:len(*st)-1]
	}
	d := st.discovery()
	if k, _, ok := strings.Cut(trimmed, ":"); ok && !strings.ContainsAny(k, " \t\"'{[") {
		*st = append(*st, struct {
			indent int
			key    string
		}{indent, k})
		if d == "" && strings.HasSuffix(k, "_sd_configs") {
			d = k
		}
	}
	return d
}

func (st sectionStack) discovery() string {
	for _, s := range st {
		if strings.HasSuffix(s.key, "_sd_configs") {
			return s.key
		}
	}
	return ""
}

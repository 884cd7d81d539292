package analyzer

import (
	"bytes"
	"maps"
	"math"
	"net"
	"regexp"
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

// envHostKeys are the suffixes of env var names and flags whose value is a host.
var envHostKeys = []string{"HOST", "HOSTNAME", "ADDR", "ADDRESS", "URL", "URI", "ENDPOINT", "ENDPOINTS", "SERVER", "SERVERS", "SERVICE", "UPSTREAM", "BROKER", "BROKERS"}

// configHostKeys are the same for keys inside config files, without the words that
// dashboards and other configs use for labels rather than hosts (service).
var configHostKeys = []string{"HOST", "HOSTNAME", "ADDR", "ADDRESS", "URL", "URI", "ENDPOINT", "SERVER", "UPSTREAM"}

var keySeparators = strings.NewReplacer("-", "_", ".", "_")

func keyIn(k string, suffixes []string) bool {
	k = strings.ToUpper(strings.TrimLeft(strings.TrimSpace(k), "-\"'"))
	k = strings.TrimRight(k, ":=\"' ")
	k = keySeparators.Replace(k)
	for _, s := range suffixes {
		if k == s || strings.HasSuffix(k, "_"+s) {
			return true
		}
	}
	return false
}

var (
	varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)`)
	// serviceName is a DNS-1035 label, the form of a Service name.
	serviceName = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// expand replaces $(VAR) as the kubelet does: known variables are substituted, unknown
// ones stay as written, $$ escapes.
func expand(s string, vars map[string]string) string {
	if !strings.Contains(s, "$(") {
		return s
	}
	out := varRef.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[2:len(m)-1]]; ok {
			return v
		}
		return m
	})
	return strings.ReplaceAll(out, "$$", "$")
}

// extract finds host references in one value. key is the env var or flag that holds it
// ("" for a line of a config file, whose keys come from its "key: value" structure).
func extract(value, key string) []DNSRef {
	keys := envHostKeys
	if key == "" {
		keys = configHostKeys
	}
	return extractWith(value, key, keys)
}

func extractWith(value, key string, keys []string) []DNSRef {
	var out []DNSRef
	last, pending := "", ""
	toks := strings.FieldsFunc(value, isTokenSep)
	for i, tok := range toks {
		if tok == "" || tok == "{" || tok == "}" {
			continue
		}
		if tok == ":" || tok == "=" { // "key": "value" and key = value
			pending = last
			continue
		}
		if strings.HasSuffix(tok, ":") || strings.HasSuffix(tok, "=") { // key: value
			pending = strings.TrimRight(tok, ":=")
			last = pending
			continue
		}
		k := key
		if pending != "" {
			k = pending
		}
		for _, r := range extractToken(tok, k, keys) {
			if key == "" && !configRef(r, k, keys, toks[i+1:]) {
				continue
			}
			out = append(out, r)
		}
		last, pending = tok, ""
	}
	return out
}

// configRef tells whether a reference read from a line of a config file (a ConfigMap
// value of several lines) is a host, not a word of code or of a data file. A name
// read by its key must be the whole value of `key: value` or `key = value`, not the
// start of an expression (`server = new Http.Server(...)`), and not a setting's word
// (`forward-tls-upstream: yes`). A single label with a port must sit under a host key,
// or stand alone, as in a list of targets: `"$$hashKey": "object:136"` in a dashboard
// is no host.
func configRef(r DNSRef, key string, keys []string, rest []string) bool {
	single := !strings.Contains(r.Name, ".")
	switch r.Context {
	case ContextKey:
		if single && settingWords[strings.ToLower(r.Name)] {
			return false
		}
		for _, t := range rest {
			if strings.HasPrefix(t, "#") || strings.HasPrefix(t, "//") {
				break // a trailing comment
			}
			if strings.Trim(t, "{}()") != "" {
				return false
			}
		}
	case ContextHostPort:
		if single && key != "" && !keyIn(key, keys) && !keyIn(key, listHostKeys) {
			return false
		}
	}
	return true
}

// settingWords are the values of on/off settings, never hosts.
var settingWords = map[string]bool{
	"yes": true, "no": true, "true": true, "false": true, "on": true, "off": true, "none": true,
	"null": true, "nil": true, "enabled": true, "disabled": true, "auto": true, "default": true,
}

// listHostKeys are keys of config files that hold lists of host:port (Prometheus
// static_configs targets, Kafka bootstrap servers, Redis and memcached nodes).
var listHostKeys = []string{"TARGETS", "TARGET", "SERVERS", "BROKERS", "NODES", "HOSTS", "ENDPOINTS", "PEERS", "SEEDS"}

func extractToken(tok, key string, keys []string) []DNSRef {
	if hasPlaceholder(tok) {
		return nil
	}
	// URL: scheme://[userinfo@]host[:port][/...]
	if start, end, ok := schemeAt(tok); ok {
		scheme := strings.ToLower(tok[start:end])
		rest := tok[end+3:]
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			rest = rest[:i]
		}
		if i := strings.LastIndexByte(rest, '@'); i >= 0 {
			rest = rest[i+1:]
		}
		if r, ok := hostPort(rest, true); ok {
			r.Scheme, r.Context, r.Raw = scheme, ContextURL, tok[start:]
			return []DNSRef{r}
		}
		return nil
	}
	// key=value inside a token (DB_CONNECTION_STRING=Host=postgresql, --flag=value).
	if i := strings.LastIndexByte(tok, '='); i >= 0 {
		k, v := tok[:i], tok[i+1:]
		if j := strings.LastIndexByte(k, '='); j >= 0 {
			k = k[j+1:]
		}
		return extractToken(v, k, keys)
	}
	if i := strings.LastIndexByte(tok, '@'); i >= 0 {
		tok = tok[i+1:] // 1@kafka:9093
	}
	if strings.Contains(tok, ":") {
		if r, ok := hostPort(tok, false); ok && r.Port > 0 {
			r.Context, r.Raw = ContextHostPort, tok
			return []DNSRef{r}
		}
		return nil
	}
	if !hostLike(tok) {
		return nil
	}
	name := strings.TrimSuffix(tok, ".")
	svcForm := strings.HasSuffix(strings.ToLower(name), ".svc") || strings.Contains(strings.ToLower(name), ".svc.")
	switch {
	case svcForm:
		return []DNSRef{{Name: tok, Context: ContextHostPort, Raw: tok}}
	case strings.Contains(name, "."):
		if keyIn(key, keys) {
			return []DNSRef{{Name: tok, Context: ContextKey, Raw: tok}}
		}
		return nil
	case !serviceName.MatchString(name):
		return nil // a single label must look like a Service name to be one
	case keyIn(key, keys):
		return []DNSRef{{Name: tok, Context: ContextKey, Raw: tok}}
	default:
		return []DNSRef{{Name: tok, Context: ContextBare, Raw: tok}}
	}
}

// hostPort splits host[:port]; the port must be a number from 1 to 65535.
func hostPort(s string, portOptional bool) (DNSRef, bool) {
	host, port := s, ""
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		host, port = s[:i], s[i+1:]
	}
	if !hostLike(host) {
		return DNSRef{}, false
	}
	r := DNSRef{Name: host}
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return DNSRef{}, false
		}
		r.Port = n
	} else if !portOptional {
		return DNSRef{}, false
	}
	return r, true
}

// hostLike rejects what is not a hostname kubenet should judge: IP literals, localhost,
// wildcards, words that do not start with a letter.
func hostLike(h string) bool {
	if h == "" || len(h) > 253 || !dnsName(h) {
		return false
	}
	if net.ParseIP(h) != nil {
		return false
	}
	l := strings.ToLower(strings.TrimSuffix(h, "."))
	return l != "localhost" && !strings.HasSuffix(l, ".localhost") && l != "localhost.localdomain"
}

// references collects every reference of the graph: in the workloads' containers, in
// ConfigMaps (with the workloads that consume them), and ExternalName targets.
func (f *Facts) references() []DNSRef {
	g := f.graph
	cms := map[string]*model.ConfigMap{}
	for _, cm := range g.ConfigMaps {
		cms[cm.Namespace+"/"+cm.Name] = cm
	}
	consumers := map[string][]*model.Workload{}
	var out []DNSRef
	for _, w := range g.Workloads {
		if w.Invalid {
			continue
		}
		used := map[string]bool{}
		for _, v := range w.Volumes {
			if v.ConfigMap != "" {
				used[v.ConfigMap] = true
			}
		}
		for ci := range w.Containers {
			out = f.containerRefs(out, w, &w.Containers[ci], cms, used)
		}
		for name := range used {
			consumers[w.Namespace+"/"+name] = append(consumers[w.Namespace+"/"+name], w)
		}
	}
	lines := lineIndex{sources: g.Sources, starts: map[string][]int32{}}
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
func (f *Facts) containerRefs(out []DNSRef, w *model.Workload, c *model.Container, cms map[string]*model.ConfigMap, used map[string]bool) []DNSRef {
	first := len(out) // this container's references start here
	vars := map[string]string{}
	for _, ef := range c.EnvFrom {
		if ef.ConfigMap == "" {
			continue
		}
		used[ef.ConfigMap] = true
		if cm := cms[w.Namespace+"/"+ef.ConfigMap]; cm != nil {
			for k, v := range cm.Data {
				vars[ef.Prefix+k] = v
			}
		}
	}
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.HasValue:
			v := expand(e.Value, vars)
			vars[e.Name], env[e.Name] = v, v
			for _, r := range extract(v, e.Name) {
				r.Source, r.Key, r.Pos = SourceEnv, e.Name, e.ValuePos
				out = append(out, f.withWorkload(r, w))
			}
		case e.ConfigMapKeyRef != nil:
			used[e.ConfigMapKeyRef.Name] = true
			if cm := cms[w.Namespace+"/"+e.ConfigMapKeyRef.Name]; cm != nil {
				if v, ok := cm.Data[e.ConfigMapKeyRef.Key]; ok {
					vars[e.Name] = v
				}
			}
		case e.FieldRef == "metadata.namespace":
			vars[e.Name] = w.Namespace
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

// lineIndex locates text inside ConfigMap values in their source files; it indexes a
// file's line starts on first use and lives only while references are collected.
type lineIndex struct {
	sources map[string][]byte
	starts  map[string][]int32
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
	src, ok := x.sources[file]
	if !ok || len(src) > math.MaxInt32 {
		return nil, false
	}
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

// isTokenSep separates the words of a value: white space, quotes and punctuation that
// never belongs to a host, a URL or a host:port.
func isTokenSep(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', ',', ';', '"', '\'', '`', '[', ']', '|', '<', '>', '^', '\\':
		return true
	}
	return false
}

// hasPlaceholder reports a template placeholder: $x, ${x}, $(x), {{ }}, %(x)s, %s, %d.
func hasPlaceholder(s string) bool {
	if strings.ContainsAny(s, "$") || strings.Contains(s, "{{") || strings.Contains(s, "}}") || strings.Contains(s, "%(") {
		return true
	}
	return strings.Contains(s, "%s") || strings.Contains(s, "%d")
}

// schemeAt finds "scheme://" in s: the scheme's start and end.
func schemeAt(s string) (start, end int, ok bool) {
	end = strings.Index(s, "://")
	if end <= 0 {
		return 0, 0, false
	}
	start = end
	for start > 0 && isSchemeChar(s[start-1]) {
		start--
	}
	for start < end && !isAlpha(s[start]) { // a scheme starts with a letter
		start++
	}
	return start, end, start < end
}

func isAlpha(c byte) bool      { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isSchemeChar(c byte) bool { return isAlpha(c) || isDigit(c) || c == '+' || c == '.' || c == '-' }

// dnsName reports whether h is a hostname kubenet judges: labels of letters, digits,
// hyphens (and underscores after the first label), the first starting with a letter, or
// an SRV name _port._proto.<name>; a trailing dot is allowed.
func dnsName(h string) bool {
	h = strings.TrimSuffix(h, ".")
	labels := strings.Split(h, ".")
	first := 0
	if strings.HasPrefix(h, "_") { // SRV: _port._proto.name
		if len(labels) < 3 || !strings.HasPrefix(labels[1], "_") || len(labels[0]) < 2 {
			return false
		}
		switch strings.ToLower(labels[1]) {
		case "_tcp", "_udp", "_sctp":
		default:
			return false
		}
		first = 2
	}
	for i, l := range labels[first:] {
		if l == "" {
			return false
		}
		if i == 0 && !isAlpha(l[0]) {
			return false
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !isAlpha(c) && !isDigit(c) && c != '-' && (c != '_' || i == 0) {
				return false
			}
		}
	}
	return true
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

package analyzer

import (
	"net"
	"regexp"
	"strconv"
	"strings"
)

// Finding hostnames in text: env values, args and the lines of config files, as URLs,
// host:port, or the value of a key named for a host.

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

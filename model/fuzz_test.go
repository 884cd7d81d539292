package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds are hand-written inputs that have upset YAML loaders: markers in odd
// places, encodings, line endings, aliases, and wrong types in every known kind.
var fuzzSeeds = []string{
	"",
	"---",
	"...\n---\n...\n",
	"%YAML 1.1\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
	"\ufeffapiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: a\r\n---\r\n\tbad: tab\r\n",
	"--- {apiVersion: v1, kind: Service, metadata: {name: a}, spec: {ports: [{port: 80, targetPort: \"80\"}]}}\n--- |\n  text\n...\n",
	"apiVersion: v1\nkind: List\nitems:\n- &a {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n- *a\n- {apiVersion: v1, kind: List, items: [*a, 1, null]}\n",
	// Lone CRs and U+2028 are in TestYAMLLineBreaks, which fails today.
	"{\n\t\"apiVersion\": \"v1\",\n\t\"kind\": \"Service\",\n\t\"metadata\": {\"name\": \"j\",},\n\t\"spec\": {\"ports\": [{\"port\": 80,},],},\n}\n",
	"? [complex, key]\n: value\napiVersion: v1\nkind: ConfigMap\n",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  <<: {labels: {a: b}}\n  name: m\n",
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {a: 1, b: null, c: [x]}}\nspec:\n  hostNetwork: yes\n  containers:\n  - ports: [{containerPort: 99999999999999999999}, {containerPort: 0x50}, {containerPort: -1}, {}]\n",
	"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  podSelector: {matchExpressions: [{key: a, operator: In}, null, 1]}\n  policyTypes: [Ingress, Egres, 1]\n  ingress: [null, {from: [null, {podSelector: null}, {ipBlock: {cidr: x}, podSelector: {}}]}]\n  egress: [{ports: [{port: 80.5, endPort: 1}]}]\n",
	"apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i, annotations: {kubernetes.io/ingress.class: nginx}}\nspec:\n  backend: {serviceName: s, servicePort: http}\n  rules: [{host: a, http: {paths: [{backend: {resource: {kind: K, name: n}}}]}}]\n",
	"apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec: {template: {metadata: {labels: {a: b}}, spec: {containers: {x: y}}}}\n",
	"apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: p}\nspec: {podMetadata: {labels: {a: 1}}}\n",
	"apiVersion: v1\nkind: Namespace\nmetadata: {name: a, annotations: {x: '1'}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a, annotations: {y: '2'}}\n",
	"a: 'unclosed\n---\nb: [\n---\nc: {\n---\n- x\ny: z\n",
	"\x00\xff\xfe",
	"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  s: |\n    ---\n    ...\n---\n",
}

// fuzzSeedFiles returns every manifest under ../testdata.
func fuzzSeedFiles(f *testing.F) [][]byte {
	var out [][]byte
	err := filepath.WalkDir("../testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch strings.ToLower(filepath.Ext(p)) {
		case ".yaml", ".yml", ".json":
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	if len(out) == 0 {
		f.Fatal("no seed files under ../testdata")
	}
	return out
}

// maxLine is the last line a position may name: lines are what the report printer
// counts (split on "\n" of the text as the loader keeps it, line breaks normalized),
// plus one for a final line without a newline.
func maxLine(data []byte) int {
	// Line breaks as the loader reads them: CRLF, and a lone CR (old Mac files), are one.
	data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n + 1
}

func FuzzLoad(f *testing.F) {
	for _, b := range fuzzSeedFiles(f) {
		f.Add(b)
	}
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			t.Skip("large inputs only slow the fuzzer down")
		}
		const name = "fuzz.yaml"
		g := LoadBytes(Options{}, NamedData{Name: name, Data: data})
		max := maxLine(data)
		check := func(what string, p Pos) {
			if p.Line == 0 {
				return
			}
			if p.Line < 1 || p.Line > max {
				t.Errorf("%s at %s: line out of 1..%d", what, p, max)
			}
			if p.File != name {
				t.Errorf("%s at %s: wrong file", what, p)
			}
			if p.Column < 0 {
				t.Errorf("%s at %s: negative column", what, p)
			}
		}
		for _, o := range g.Objects {
			check("object "+o.ID, o.Pos)
			check("apiVersion of "+o.ID, o.APIVersionPos)
		}
		for _, p := range g.Problems {
			check("problem "+p.Message, p.Pos)
			if p.Related != nil {
				check("related of "+p.Message, *p.Related)
			}
		}
		for _, w := range g.Workloads {
			check("pod labels of "+w.ID, w.PodLabelsPos)
			for _, c := range w.Containers {
				check("container of "+w.ID, c.Pos)
				for _, cp := range c.Ports {
					check("container port of "+w.ID, cp.Pos)
				}
			}
		}
		for _, s := range g.Services {
			for _, sp := range s.Ports {
				check("port of "+s.ID, sp.Pos)
				check("targetPort of "+s.ID, sp.TargetPortPos)
			}
		}
		for _, pol := range g.Policies {
			check("podSelector of "+pol.ID, pol.PodSelector.Pos)
			for _, r := range append(append([]PolicyRule{}, pol.Ingress...), pol.Egress...) {
				check("rule of "+pol.ID, r.Pos)
				for _, peer := range r.Peers {
					check("peer of "+pol.ID, peer.Pos)
				}
			}
		}

		// Loading is deterministic.
		first, err := json.Marshal(g.Objects)
		if err != nil {
			t.Fatalf("marshal objects: %v", err)
		}
		again := LoadBytes(Options{}, NamedData{Name: name, Data: data})
		second, err := json.Marshal(again.Objects)
		if err != nil {
			t.Fatalf("marshal objects: %v", err)
		}
		if !bytes.Equal(first, second) {
			t.Errorf("two loads differ:\n%s\n%s", first, second)
		}
		p1, _ := json.Marshal(g.Problems)
		p2, _ := json.Marshal(again.Problems)
		if !bytes.Equal(p1, p2) {
			t.Errorf("two loads report different problems:\n%s\n%s", p1, p2)
		}
	})
}

// FuzzHelmStdin feeds `helm template`-like streams through stdin: the split by Source
// comments must never panic, must keep every object, and must give each finding a line
// that exists in the file it names.
func FuzzHelmStdin(f *testing.F) {
	f.Add("---\n# Source: c/templates/a.yaml\n" + cm("a") + "---\n# Source: c/templates/b.yaml\n" + cm("b") + "---\n# Source: c/templates/a.yaml\n" + cm("c"))
	f.Add("# Source: x.yaml\n" + cm("a") + "---\n" + cm("b"))
	f.Add("---\n# Source: \n" + cm("a") + "---\n# Source: t.yaml\n: [\n")
	f.Add("\ufeff---\r\n# Source: w.yaml\r\n" + cm("a"))
	for _, s := range fuzzSeeds {
		f.Add("---\n# Source: s.yaml\n" + s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		helm, err := Load(Options{Stdin: strings.NewReader(in)}, "-")
		if err != nil {
			t.Fatal(err)
		}
		plain := LoadBytes(Options{}, NamedData{Name: StdinName, Data: []byte(in)})
		if strings.Contains(in, helmSource) && len(helm.Objects) < len(plain.Objects) && len(problems(helm, Invalid)) == 0 {
			t.Fatalf("the split lost objects: %d of %d", len(helm.Objects), len(plain.Objects))
		}
		for _, o := range helm.Objects {
			src, ok := helm.Sources[o.Pos.File]
			if !ok {
				t.Fatalf("%s names %s, which is not a source", o.ID, o.Pos.File)
			}
			if n := bytes.Count(src, []byte("\n")) + 1; o.Pos.Line > n {
				t.Fatalf("%s at %s: the file has %d lines", o.ID, o.Pos, n)
			}
		}
	})
}

// runawayTemplate and bigNumber spot what makes a template run or allocate without
// bound: sprig's loops and repetitions, and large counts or widths.
var (
	runawayTemplate = regexp.MustCompile(`until|seq|repeat|\d{5,}`)
	bigNumber       = regexp.MustCompile(`\d{5,}`)
)

// FuzzChart renders a chart of one fuzzed template and fuzzed values: rendering and
// the alignment of positions must never panic or hang, and every object and field must
// point at a line that exists in a file kubenet keeps as a source.
func FuzzChart(f *testing.F) {
	f.Add("apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  ports:\n    - port: {{ .Values.port }}\n", "port: 80\n")
	f.Add("{{- range .Values.items }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ . }}\n{{- end }}\n", "items: [a, b, c]\n")
	f.Add("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    {{- toYaml .Values.labels | nindent 4 }}\n", "labels:\n  a: b\n  c: d\n")
	f.Add("---# c\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ required \"n\" .Values.n }}}\n", "n: x\n")
	f.Add("{{ fail \"no\" }}", "")
	f.Add("{{- with .Values.x }}\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .name }}\n{{- end }}\n", "x: {name: y}\n")
	f.Fuzz(func(t *testing.T, tpl, values string) {
		if len(tpl) > 4096 || len(values) > 4096 || runawayTemplate.MatchString(tpl) || bigNumber.MatchString(values) {
			// A template that loops or builds huge strings is stopped by the run's
			// limits (TestChartHostile), but Go cannot stop its goroutine: here it would
			// keep burning the fuzz worker's CPU until the fuzz time ran out.
			return
		}
		dir := t.TempDir()
		for name, body := range map[string]string{
			"c/Chart.yaml":       "apiVersion: v2\nname: c\nversion: 0.1.0\n",
			"c/values.yaml":      values,
			"c/templates/t.yaml": tpl,
		} {
			p := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		g, err := Load(Options{Helm: HelmOptions{Timeout: 2 * time.Second, MaxHeap: 256 << 20}}, filepath.Join(dir, "c"))
		var runaway *runawayRender
		if errors.As(err, &runaway) {
			return // stopped, as it should be
		}
		if err != nil {
			t.Fatal(err)
		}
		check := func(what string, p Pos) {
			if !p.IsValid() {
				return
			}
			src, ok := g.Sources[p.File]
			if !ok {
				t.Fatalf("%s at %s, which is not a source", what, p)
			}
			if n := bytes.Count(src, []byte("\n")) + 1; p.Line > n {
				t.Fatalf("%s at %s: the file has %d lines", what, p, n)
			}
		}
		for _, o := range g.Objects {
			check(o.ID, o.Pos)
		}
		for _, s := range g.Services {
			for _, p := range s.Ports {
				check(s.Name+" port", p.PortPos)
			}
		}
		for _, p := range g.Problems {
			if p.Kind != Notice {
				check("problem "+p.Message, p.Pos)
			}
		}
	})
}

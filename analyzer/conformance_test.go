package analyzer_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
)

// TestConformance checks the solver against truth tables written by hand from the
// NetworkPolicy v1 semantics, in the style of the upstream Kubernetes network-policy
// e2e tests. Each testdata/reach/<case>/ holds manifests and an expect.txt:
//
//	port 80/TCP
//	from\to  x/a  x/b  y/a
//	x/a      1    1    0
//	x/b      1    1    0
//
// Names are "namespace/workload-name" (or External); 1 means allowed, 0 denied. Several
// "port" blocks may follow one another.
func TestConformance(t *testing.T) {
	cases, err := os.ReadDir("../testdata/reach")
	require.NoError(t, err)
	n := 0
	for _, c := range cases {
		dir := filepath.Join("../testdata/reach", c.Name())
		if _, err := os.Stat(filepath.Join(dir, "expect.txt")); err != nil {
			continue
		}
		n++
		t.Run(c.Name(), func(t *testing.T) {
			g, err := model.Load(model.Options{}, dir)
			require.NoError(t, err)
			for _, p := range g.Problems {
				require.NotEqual(t, model.Invalid, p.Kind, "%s: %s", p.Pos, p.Message)
			}
			r := analyzer.New(g, analyzer.DefaultConfig()).Reach()
			byName := map[string]*analyzer.Node{}
			for _, node := range r.Nodes() {
				byName[node.ID] = node
				if node.Workload != nil {
					byName[node.Namespace+"/"+node.Workload.Name] = node
				}
			}
			checkTables(t, r, byName, filepath.Join(dir, "expect.txt"))
		})
	}
	assert.Positive(t, n, "no conformance case found")
}

func checkTables(t *testing.T, r *analyzer.Reach, byName map[string]*analyzer.Node, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	var proto string
	var port int
	var cols []string
	cells := 0
	for ln := 1; sc.Scan(); ln++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch fields[0] {
		case "port":
			require.Len(t, fields, 2, "%s:%d", path, ln)
			pp := strings.SplitN(fields[1], "/", 2)
			port, err = strconv.Atoi(pp[0])
			require.NoError(t, err, "%s:%d", path, ln)
			proto = "TCP"
			if len(pp) == 2 {
				proto = pp[1]
			}
			cols = nil
		case `from\to`:
			cols = fields[1:]
		default:
			require.NotEmpty(t, cols, "%s:%d: row before the from\\to header", path, ln)
			require.Len(t, fields, len(cols)+1, "%s:%d", path, ln)
			from := byName[fields[0]]
			require.NotNil(t, from, "%s:%d: unknown node %q", path, ln, fields[0])
			for i, cell := range fields[1:] {
				to := byName[cols[i]]
				require.NotNil(t, to, "%s:%d: unknown node %q", path, ln, cols[i])
				want := cell == "1"
				got := r.Allowed(from, to).Contains(proto, port)
				if want != got {
					e := r.Explain(from, to, proto, port)
					t.Errorf("%s:%d: %s -> %s on %d/%s: want %v, got %v\n%s", path, ln, fields[0], cols[i], port, proto, want, got, e)
				}
				cells++
			}
		}
	}
	require.NoError(t, sc.Err())
	assert.Positive(t, cells, "%s has no table", path)
}

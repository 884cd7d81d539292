package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubenet/kubenet/analyzer"
	"github.com/kubenet/kubenet/model"
	"github.com/kubenet/kubenet/model/synth"
	"github.com/kubenet/kubenet/rules"
)

// countingWriter counts the writes that reach it, as system calls would be on a file.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) {
	c.writes++
	return c.Buffer.Write(p)
}

// failingWriter refuses every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// manyFindings is a report large enough to be printed in thousands of pieces.
func manyFindings(n int) Report {
	fs := make([]rules.Finding, n)
	for i := range fs {
		fs[i] = rules.Finding{Rule: "a-rule", Severity: rules.Warning, Message: fmt.Sprintf("finding %d", i),
			File: "x.yaml", Line: i + 1}
	}
	return Report{Findings: fs, Files: 1, Objects: n}
}

// TestFormatWriteBuffers: every format of every registry reaches the writer in
// buffer-sized writes, not a write per piece, and prints what it prints unbuffered.
func TestFormatWriteBuffers(t *testing.T) {
	files, _, _ := synth.Generate(synth.Options{Namespaces: 4, Apps: 10, Seed: 1})
	in := make([]model.NamedData, len(files))
	for i, f := range files {
		in[i] = model.NamedData{Name: f.Name, Data: f.Data}
	}
	facts := analyzer.New(model.LoadBytes(model.Options{}, in...), analyzer.DefaultConfig())
	reach, picture := facts.Reach(), facts.Picture()
	require.NotEmpty(t, reach.Connections())

	checkBuffered(t, Findings, manyFindings(2000))
	checkBuffered(t, Reach, reach)
	checkBuffered(t, Graph, picture)
	checkBuffered(t, Diffs, Diff{Introduced: manyFindings(2000).Findings})
}

func checkBuffered[T any](t *testing.T, reg *Registry[T], v T) {
	t.Helper()
	for _, name := range reg.Names() {
		f, ok := reg.Lookup(name)
		require.True(t, ok)
		var w countingWriter
		require.NoError(t, f.Write(&w, v, Options{}))
		var direct bytes.Buffer
		require.NoError(t, f.write(&direct, v, Options{}))
		assert.Equal(t, direct.String(), w.String(), name)
		require.NotZero(t, w.Len(), name)
		// A piece larger than the buffer goes straight through, after what was buffered.
		assert.LessOrEqual(t, w.writes, 2*(w.Len()/bufferSize+1), "%s: %d bytes in %d writes", name, w.Len(), w.writes)
	}
}

// TestFormatWriteError: the writer's error is the format's, whether it comes while the
// format prints or when the buffer is flushed at the end.
func TestFormatWriteError(t *testing.T) {
	for _, n := range []int{1, 2000} {
		f, ok := Findings.Lookup("text")
		require.True(t, ok)
		err := f.Write(failingWriter{}, manyFindings(n), Options{})
		assert.EqualError(t, err, "disk full", "%d findings", n)
	}
}

package report

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// TestFormatWriteBuffers: every format reaches the writer in buffer-sized writes, not a
// write per piece, and prints what it printed unbuffered.
func TestFormatWriteBuffers(t *testing.T) {
	r := manyFindings(2000)
	for _, name := range Findings.Names() {
		t.Run(name, func(t *testing.T) {
			f, ok := Findings.Lookup(name)
			require.True(t, ok)
			var w countingWriter
			require.NoError(t, f.Write(&w, r, Options{}))
			var direct bytes.Buffer
			require.NoError(t, f.write(&direct, r, Options{}))
			assert.Equal(t, direct.String(), w.String())
			// A piece larger than the buffer goes straight through, after what was buffered.
			assert.LessOrEqual(t, w.writes, 2*(w.Len()/bufferSize+1), "%d bytes in %d writes", w.Len(), w.writes)
		})
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

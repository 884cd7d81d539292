package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProgressOnlyOnATerminal(t *testing.T) {
	var buf bytes.Buffer
	env := func(string) string { return "" }
	assert.Nil(t, startProgress(newIOStreams(nil, &buf, &buf, env), false), "a pipe or file gets no progress line")
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	require.NoError(t, err)
	defer f.Close()
	assert.Nil(t, startProgress(newIOStreams(nil, f, f, env), false), "a regular file is not a terminal")

	tty := newIOStreams(nil, &buf, &buf, env)
	tty.setStderrTTY(true)
	p := startProgress(tty, false)
	require.NotNil(t, p, "a terminal gets the line")
	p.Stop()
	assert.Nil(t, startProgress(tty, true), "unless quiet")
	dumb := newIOStreams(nil, &buf, &buf, func(k string) string { return map[string]string{"TERM": "dumb"}[k] })
	dumb.setStderrTTY(true)
	assert.Nil(t, startProgress(dumb, false), "or a dumb terminal")
	p = nil
	p.Stage("x") // nil progress: no-ops
	p.Stop()
}

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	p.Stage("evaluating rules")
	p.draw(0)
	p.draw(1)
	close(p.done) // no goroutine in this test
	p.Stop()
	out := buf.String()
	assert.True(t, strings.HasPrefix(out, "\r\033[K⠋ kubenet: evaluating rules ("), out)
	assert.Contains(t, out, "\r\033[K⠙ kubenet: evaluating rules (", "each frame overwrites the last")
	assert.True(t, strings.HasSuffix(out, "\r\033[K"), "the line is erased before output")
}

func TestProgressNotDrawnForShortRuns(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	go p.run(time.Hour, time.Millisecond)
	p.Stop()
	assert.Empty(t, buf.String(), "a run that ends before the delay prints nothing")
}

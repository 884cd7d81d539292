package main

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// progress is the line a long run shows on a terminal's stderr: a spinner, the stage and
// the time so far. It appears only after a delay, so short runs print nothing, and is
// erased before any output.
type progress struct {
	w     io.Writer
	start time.Time
	mu    sync.Mutex
	stage string
	drawn bool
	stop  chan struct{}
	done  chan struct{}
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// startProgress starts the line when standard error is a terminal (and not quiet); it
// returns nil, whose methods do nothing, otherwise.
func startProgress(io *iostreams, quiet bool) *progress {
	if quiet || !io.progressEnabled() {
		return nil
	}
	p := newProgress(io.err)
	go p.run(500*time.Millisecond, 100*time.Millisecond)
	return p
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, start: time.Now(), stage: "loading manifests", stop: make(chan struct{}), done: make(chan struct{})}
}

func (p *progress) run(delay, tick time.Duration) {
	defer close(p.done)
	select {
	case <-p.stop:
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	for i := 0; ; i++ {
		p.draw(i)
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
	}
}

// draw writes frame i of the line over the previous one.
func (p *progress) draw(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "\r\033[K%s kubenet: %s (%.1fs)", spinner[i%len(spinner)], p.stage, time.Since(p.start).Seconds())
	p.drawn = true
}

// Stage names what the run is doing now.
func (p *progress) Stage(s string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.stage = s
	p.mu.Unlock()
}

// Stop erases the line; output may follow.
func (p *progress) Stop() {
	if p == nil {
		return
	}
	select {
	case <-p.stop:
		return
	default:
		close(p.stop)
	}
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

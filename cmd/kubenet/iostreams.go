package main

import (
	"io"
	"os"
	"strings"

	"github.com/mattn/go-isatty"
)

// iostreams are a command's input and outputs, and the one place that decides what a
// terminal gets: colour on standard output, a progress line on standard error. The
// decision is made once, from the files and the environment, and tests set it
// (setStdoutTTY, setStderrTTY) to fake a terminal.
type iostreams struct {
	in       io.Reader
	out, err io.Writer

	stdoutTTY, stderrTTY bool
	// noColor is NO_COLOR (any value) or TERM=dumb; dumb also means no progress line.
	noColor, dumb bool
}

// newIOStreams wraps the process's streams (or buffers), reading the environment
// through getenv.
func newIOStreams(in io.Reader, out, err io.Writer, getenv func(string) string) *iostreams {
	dumb := strings.EqualFold(getenv("TERM"), "dumb")
	return &iostreams{
		in: in, out: out, err: err,
		stdoutTTY: isTerminal(out), stderrTTY: isTerminal(err),
		noColor: getenv("NO_COLOR") != "" || dumb, dumb: dumb,
	}
}

// isTerminal reports whether w is a file that is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func (s *iostreams) setStdoutTTY(tty bool) { s.stdoutTTY = tty }
func (s *iostreams) setStderrTTY(tty bool) { s.stderrTTY = tty }

// colorEnabled: colour only on a terminal, never with NO_COLOR or TERM=dumb (and the
// caller's --no-color).
func (s *iostreams) colorEnabled() bool { return s.stdoutTTY && !s.noColor }

// progressEnabled: the progress line only on a terminal's standard error.
func (s *iostreams) progressEnabled() bool { return s.stderrTTY && !s.dumb }

// Package report writes what kubenet finds: lint findings in every output format,
// the reachability matrix and the network picture. Each kind of output has one
// registry of formats (name, help, writer) that drives the commands' flag help,
// validation, completion and dispatch. Everything printed may come from a stranger's
// manifest, so every format escapes it for its consumer (see escape.go).
package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/kubenet/kubenet/rules"
)

// Report is what a lint run hands to a format.
type Report struct {
	Findings []rules.Finding
	Files    int
	Objects  int
	// Source returns a file's contents by name, for printing the offending line; nil
	// prints none.
	Source func(file string) ([]byte, bool)
	// Config is the config file the run used, or "".
	Config string
	// Rules is the catalogue of the rules that ran (SARIF describes each).
	Rules []*rules.Rule
	// Version is kubenet's version, for the formats that name the tool.
	Version string
	// Baselined counts the findings a baseline held (left out of Findings), and
	// BaselineFixed its entries no finding matches any more.
	Baselined, BaselineFixed int
}

// Options say how the caller wants the output.
type Options struct {
	// Color paints text output (the caller decides: a terminal, no NO_COLOR).
	Color bool
	// Quiet leaves out everything but findings.
	Quiet bool
}

// Format is one output format: its name, a few words of help for the flag, and its
// writer.
type Format[T any] struct {
	Name string
	Help string
	// write writes v piece by piece; the error is only the writer's.
	write func(w io.Writer, v T, o Options) error
}

// bufferSize is the output buffer's. A writer that wraps its own bufio.Writer of this
// size in it gets the same one back.
const bufferSize = 64 << 10

// Write writes v to w in the format, through one buffer: a format prints piece by
// piece, and a matrix of 100,000 connections written straight to a file or pipe cost
// 290,000 system calls. The error is the first of w's.
func (f Format[T]) Write(w io.Writer, v T, o Options) error {
	bw := bufio.NewWriterSize(w, bufferSize)
	err := f.write(bw, v, o)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return err
}

// Registry is the ordered formats of one kind of output.
type Registry[T any] struct{ formats []Format[T] }

// Names are the formats' names, in order.
func (r *Registry[T]) Names() []string {
	names := make([]string, len(r.formats))
	for i, f := range r.formats {
		names[i] = f.Name
	}
	return names
}

// Lookup finds a format by name.
func (r *Registry[T]) Lookup(name string) (Format[T], bool) {
	for _, f := range r.formats {
		if f.Name == name {
			return f, true
		}
	}
	return Format[T]{}, false
}

// Parse is Lookup with the error a user sees for an unknown name.
func (r *Registry[T]) Parse(name string) (Format[T], error) {
	if f, ok := r.Lookup(name); ok {
		return f, nil
	}
	return Format[T]{}, fmt.Errorf("unknown format %q (want %s)", name, strings.Join(r.Names(), ", "))
}

// Help lists the formats for a flag's help: "text, json, github (workflow
// annotations) or markdown".
func (r *Registry[T]) Help() string {
	parts := make([]string, len(r.formats))
	for i, f := range r.formats {
		parts[i] = f.Name
		if f.Help != "" {
			parts[i] += " (" + f.Help + ")"
		}
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// Findings are the formats of `kubenet lint`.
var Findings = &Registry[Report]{formats: []Format[Report]{
	{Name: "text", write: writeText},
	{Name: "json", write: func(w io.Writer, r Report, _ Options) error { return writeJSON(w, r) }},
	{Name: "github", Help: "workflow annotations", write: func(w io.Writer, r Report, _ Options) error { return writeGitHub(w, r) }},
	{Name: "sarif", Help: "2.1.0, for code scanning", write: func(w io.Writer, r Report, _ Options) error { return writeSARIF(w, r) }},
	{Name: "junit", write: func(w io.Writer, r Report, _ Options) error { return writeJUnit(w, r) }},
	{Name: "markdown", write: func(w io.Writer, r Report, _ Options) error { return writeMarkdown(w, r) }},
}}

package report

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kubenet/kubenet/rules"
)

// writeGitHub writes GitHub Actions workflow commands, one per finding, which the runner
// turns into annotations on the pull request.
func writeGitHub(w io.Writer, r Report) error {
	for _, f := range r.Findings {
		level := map[rules.Severity]string{rules.Error: "error", rules.Warning: "warning", rules.Info: "notice"}[f.Severity]
		msg := f.Message
		if len(f.Variants) > 0 {
			msg += "\nonly in: " + strings.Join(f.Variants, "; ")
		}
		if f.Hint != "" {
			msg += "\nhint: " + f.Hint
		}
		// The log shows what the input holds escaped, as the text output does: a
		// file name or message cannot send a terminal escape through the runner.
		lines := strings.Split(msg, "\n")
		for i, l := range lines {
			lines[i] = Visible(l)
		}
		if _, err := fmt.Fprintf(w, "::%s file=%s,line=%d,col=%d,title=%s::%s\n", level,
			ghProperty(Visible(filepath.ToSlash(f.File))), f.Line, f.Column, ghProperty("kubenet "+f.Rule), ghData(strings.Join(lines, "\n"))); err != nil {
			return err
		}
	}
	return nil
}

// ghData escapes a workflow command's message as the runner requires.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command property (file, title).
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0, as GitHub code scanning ingests it.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
	// Properties name the config file the run used.
	Properties map[string]string `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string       `json:"id"`
	Name                 string       `json:"name"`
	ShortDescription     sarifText    `json:"shortDescription"`
	FullDescription      sarifText    `json:"fullDescription"`
	Help                 sarifText    `json:"help"`
	HelpURI              string       `json:"helpUri"`
	DefaultConfiguration sarifDefault `json:"defaultConfiguration"`
}

type sarifDefault struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

// rulesDocURL is where each rule is documented (docs/rules.md, an anchor per rule id).
const rulesDocURL = "https://github.com/kubenet/kubenet/blob/main/docs/rules.md"

func sarifLevel(s rules.Severity) string {
	switch s {
	case rules.Error:
		return "error"
	case rules.Warning:
		return "warning"
	}
	return "note"
}

// writeSARIF writes a SARIF 2.1.0 log with the full rule catalog.
func writeSARIF(w io.Writer, r Report) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "kubenet", Version: r.Version, InformationURI: "https://github.com/kubenet/kubenet"}}, Results: []sarifResult{}}
	if r.Config != "" {
		run.Properties = map[string]string{"kubenet.config": r.Config}
	}
	index := map[string]int{}
	for _, rule := range r.Rules {
		index[rule.ID] = len(run.Tool.Driver.Rules)
		help := strings.Join(strings.Fields(rule.Doc.Remediation), " ")
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: rule.ID, Name: ruleName(rule.ID),
			ShortDescription:     sarifText{Text: rule.Doc.Title},
			FullDescription:      sarifText{Text: strings.Join(strings.Fields(rule.Doc.Description), " ")},
			Help:                 sarifText{Text: help, Markdown: "**How to fix:** " + help + "\n\n[Documentation](" + rulesDocURL + "#" + rule.ID + ")"},
			HelpURI:              rulesDocURL + "#" + rule.ID,
			DefaultConfiguration: sarifDefault{Level: sarifLevel(rule.Doc.Severity)},
		})
	}
	for _, f := range r.Findings {
		text := f.Message
		if f.Hint != "" {
			text += "\nHint: " + f.Hint
		}
		run.Results = append(run.Results, sarifResult{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarifLevel(f.Severity), Message: sarifText{Text: text},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifact{URI: sarifURI(f.File), URIBaseID: "%SRCROOT%"},
				Region:           sarifRegion{StartLine: f.Line, StartColumn: f.Column},
			}}},
			PartialFingerprints: map[string]string{"kubenetFinding/v2": rules.Fingerprint(f)},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifURI is a file as a relative URI with forward slashes.
func sarifURI(file string) string {
	return strings.TrimPrefix(filepath.ToSlash(filepath.Clean(file)), "./")
}

// ruleName turns a rule id into the PascalCase name SARIF viewers show.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

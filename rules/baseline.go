package rules

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// positionInText matches the file:line positions a message may quote.
var positionInText = regexp.MustCompile(`:\d+(:\d+)?\b`)

// Fingerprint identifies a finding across edits that do not change it: the rule, the
// object it is about and what the message says of it, without the positions the
// message may quote. The file and line are not part of it, so moving lines, reordering
// documents and renaming or moving a file keep a finding's fingerprint; a finding
// without an object (a document that does not parse) is keyed by its file instead.
// SARIF's partialFingerprints and the baseline carry it.
func Fingerprint(f Finding) string {
	key := "file:" + filepath.ToSlash(f.File)
	if f.Object != nil {
		key = "object:" + f.Object.String()
	}
	h := sha256.Sum256([]byte(f.Rule + "\x00" + key + "\x00" + positionInText.ReplaceAllString(f.Message, "")))
	return hex.EncodeToString(h[:16])
}

// BaselineVersion is the version of the baseline file format.
const BaselineVersion = 1

// maxBaselineSize bounds a baseline file.
const maxBaselineSize = 64 << 20

// Baseline is the findings a repository had when it adopted kubenet (or last
// refreshed the file): lint reports only the findings that are not in it.
type Baseline struct {
	Version  int             `json:"version"`
	Findings []BaselineEntry `json:"findings"`
}

// BaselineEntry is one baselined finding: its fingerprint, and enough to read the file.
type BaselineEntry struct {
	Fingerprint string `json:"fingerprint"`
	Rule        string `json:"rule"`
	Severity    string `json:"severity"`
	Object      string `json:"object,omitempty"`
	File        string `json:"file"`
	Message     string `json:"message"`
}

// NewBaseline makes the baseline of findings, sorted so that the file diffs well.
func NewBaseline(findings []Finding) Baseline {
	b := Baseline{Version: BaselineVersion, Findings: make([]BaselineEntry, 0, len(findings))}
	for _, f := range findings {
		e := BaselineEntry{Fingerprint: Fingerprint(f), Rule: f.Rule, Severity: f.Severity.String(),
			File: filepath.ToSlash(f.File), Message: f.Message}
		if f.Object != nil {
			e.Object = f.Object.String()
		}
		b.Findings = append(b.Findings, e)
	}
	sort.SliceStable(b.Findings, func(i, j int) bool {
		x, y := b.Findings[i], b.Findings[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Rule != y.Rule {
			return x.Rule < y.Rule
		}
		return x.Fingerprint < y.Fingerprint
	})
	return b
}

// Write writes the baseline as indented JSON.
func (b Baseline) Write(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(b)
}

// ReadBaseline reads a baseline file strictly: unknown keys, another version, or an
// entry without a fingerprint are errors.
func ReadBaseline(path string) (Baseline, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return Baseline{}, err
	}
	if !fi.Mode().IsRegular() {
		return Baseline{}, errors.New("not a regular file")
	}
	if fi.Size() > maxBaselineSize {
		return Baseline{}, fmt.Errorf("%d bytes, over the %d MiB a baseline may have", fi.Size(), maxBaselineSize>>20)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Baseline{}, err
	}
	var b Baseline
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		return Baseline{}, fmt.Errorf("not a kubenet baseline: %w", err)
	}
	if b.Version != BaselineVersion {
		return Baseline{}, fmt.Errorf("baseline version %d; this kubenet reads version %d (refresh it with --write-baseline)", b.Version, BaselineVersion)
	}
	for i, e := range b.Findings {
		if e.Fingerprint == "" {
			return Baseline{}, fmt.Errorf("findings[%d] has no fingerprint", i)
		}
	}
	return b, nil
}

// Filter returns the findings the baseline does not hold, how many it held, and the
// baseline's entries no finding matched any more (fixed since). Each entry matches
// one finding: a second finding with the same fingerprint is new.
func (b Baseline) Filter(findings []Finding) (kept []Finding, baselined int, fixed []BaselineEntry) {
	left := map[string][]BaselineEntry{}
	for _, e := range b.Findings {
		left[e.Fingerprint] = append(left[e.Fingerprint], e)
	}
	kept = []Finding{}
	for _, f := range findings {
		fp := Fingerprint(f)
		if es := left[fp]; len(es) > 0 {
			left[fp] = es[1:]
			baselined++
			continue
		}
		kept = append(kept, f)
	}
	for _, e := range b.Findings {
		if es := left[e.Fingerprint]; len(es) > 0 {
			fixed = append(fixed, es[0])
			left[e.Fingerprint] = es[1:]
		}
	}
	return kept, baselined, fixed
}

// CompareFindings splits two runs' findings by fingerprint: those only new has
// (introduced), those only old has (fixed), and how many both have. oldKey and newKey,
// when set, normalise a side's findings before they are fingerprinted (the two sides'
// files may live under different folders).
func CompareFindings(old, new []Finding, oldKey, newKey func(Finding) Finding) (introduced, fixed []Finding, unchanged int) {
	fp := func(f Finding, key func(Finding) Finding) string {
		if key != nil {
			f = key(f)
		}
		return Fingerprint(f)
	}
	left := map[string]int{}
	for _, f := range old {
		left[fp(f, oldKey)]++
	}
	for _, f := range new {
		k := fp(f, newKey)
		if left[k] > 0 {
			left[k]--
			unchanged++
			continue
		}
		introduced = append(introduced, f)
	}
	for _, f := range old {
		k := fp(f, oldKey)
		if left[k] > 0 {
			left[k]--
			fixed = append(fixed, f)
		}
	}
	return introduced, fixed, unchanged
}

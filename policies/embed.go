// Package policies holds kubenet's built-in Rego rules. Each rule is one file,
// package kubenet.rules["<rule-id>"], with METADATA annotations that carry its title,
// description, severity and remediation. lib.rego holds shared helpers.
package policies

import "embed"

// FS holds every built-in policy and its tests.
//
//go:embed *.rego
var FS embed.FS

package rules

// MergeVariants joins the findings of the variants of one deployment linted one by one
// (kustomize overlays that share a base): perUnit holds each variant's findings. A
// finding several variants report at the same place (same rule, file, line, column and
// message) is reported once, as the first variant has it. Each finding merges as its
// Merge says: MergeAny keeps it when any variant reports it, MergeAll only when every
// variant does (an expectation that names an object only some variants have is judged
// where the object is, and is unknown only when no variant has it). The result is
// sorted as Sort does; one variant's findings are returned as they are. With names
// (one per variant), a finding that holds in some variants only names them.
func MergeVariants(perUnit [][]Finding, names []string) []Finding {
	if len(perUnit) == 1 {
		return perUnit[0]
	}
	type key struct {
		rule, file, msg string
		line, col       int
	}
	type seen struct {
		variants map[int]bool
		// anyVariant is set when a variant reported it with MergeAny.
		anyVariant bool
	}
	byKey := map[key]*seen{}
	var out []Finding
	for v, fs := range perUnit {
		for _, f := range fs {
			k := key{f.Rule, f.File, f.Message, f.Line, f.Column}
			s := byKey[k]
			if s == nil {
				s = &seen{variants: map[int]bool{}}
				byKey[k] = s
				out = append(out, f)
			}
			s.variants[v] = true
			s.anyVariant = s.anyVariant || f.Merge == MergeAny
		}
	}
	kept := out[:0]
	for _, f := range out {
		s := byKey[key{f.Rule, f.File, f.Message, f.Line, f.Column}]
		if !s.anyVariant && len(s.variants) != len(perUnit) {
			continue
		}
		if len(s.variants) < len(perUnit) && len(names) == len(perUnit) {
			f.Variants = nil
			for v := range perUnit {
				if s.variants[v] && names[v] != "" {
					f.Variants = append(f.Variants, names[v])
				}
			}
		}
		kept = append(kept, f)
	}
	Sort(kept)
	return kept
}

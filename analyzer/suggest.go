package analyzer

import "strings"

// distance is the optimal-string-alignment distance between a and b: insertions,
// deletions, substitutions and transpositions of adjacent bytes (gprc -> grpc) each
// cost one edit. Names are ASCII.
func distance(a, b string) int {
	if a == b {
		return 0
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// maxTypos is how many edits still count as "the same name, misspelt".
func maxTypos(s string) int {
	return max(1, min(3, len(s)/3))
}

// closest returns the candidate nearest to name within maxTypos, preferring the first
// on ties; "" when none is close. A candidate that contains name, or is contained in
// it, also counts (cart -> carts, productcatalog -> productcatalogservice).
func closest(name string, candidates []string) string {
	best, bestD := "", 1<<30
	for _, c := range candidates {
		if c == name {
			continue
		}
		d := distance(name, c)
		// An empty candidate is in every name, and relates to none.
		related := len(name) >= 3 && (strings.Contains(c, name) || c != "" && strings.Contains(name, c))
		if d > maxTypos(name) && !related {
			continue
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

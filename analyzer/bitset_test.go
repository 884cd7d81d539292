package analyzer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func members(b bitset) []int {
	out := []int{}
	b.each(func(i int) { out = append(out, i) })
	return out
}

// TestBitset: a bitset holds only the words between its lowest and highest member, and
// widens either way as members arrive.
func TestBitset(t *testing.T) {
	var b bitset
	assert.True(t, b.empty())
	assert.False(t, b.has(0))
	b.set(700)
	b.set(130) // below the window: it widens downwards
	b.set(5000)
	assert.Equal(t, []int{130, 700, 5000}, members(b))
	assert.Equal(t, 2, b.lo)
	assert.Len(t, b.w, 5000/64-2+1)
	assert.True(t, b.has(130) && b.has(5000))
	assert.False(t, b.has(131) || b.has(0) || b.has(1<<20))

	var o bitset
	o.set(64)
	o.set(700)
	assert.True(t, b.intersects(o))
	var far bitset
	far.set(9000)
	assert.False(t, b.intersects(far))

	u := bitset{}
	u.or(o)
	u.or(far)
	u.or(bitset{lo: 3, w: []uint64{0, 0}}) // an empty window adds nothing, nor widens
	assert.Equal(t, []int{64, 700, 9000}, members(u))

	u.and(b)
	assert.Equal(t, []int{700}, members(u))
	assert.False(t, u.empty())
	u.and(far)
	assert.True(t, u.empty())

	assert.True(t, b.any(func(i int) bool { return i > 4000 }))
	assert.False(t, b.any(func(i int) bool { return i < 100 }))
}

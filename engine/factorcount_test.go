package engine

import (
	"math/rand"
	"testing"
)

// TestFactorCountNonBindingAtZero: a party with reservation 0 whose parts
// are never negative accepts every outcome, which the count must see
// without a search (a lower bound exactly at the reservation decides
// nothing, and other-S-1NAGUNL-128's count of 10^30 searched to its whole
// budget): one node is enough.
func TestFactorCountNonBindingAtZero(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	d := &Domain{Name: "big"}
	for i := range 30 {
		d.Issues = append(d.Issues, Issue{Name: string(rune('a' + i)), Kind: Integer, Lower: 0, Upper: 9})
	}
	ps := []Profile{randomHRFull(rng, d, "a", false, false), randomHRFull(rng, d, "b", false, true)}
	got, ok, err := factorCount(t.Context(), ps, []float64{0, 0}, 1)
	if !ok || err != nil {
		t.Fatalf("no count (%v)", err)
	}
	if got.Cmp(d.Size()) != 0 {
		t.Fatalf("%v acceptable; want all %v", got, d.Size())
	}
}

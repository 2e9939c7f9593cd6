package app_test

import (
	"testing"

	"parley/app"
)

// TestHubWakeAll: after lost announcements every stream of every talk is
// woken to read for itself.
func TestHubWakeAll(t *testing.T) {
	h := app.NewHub()
	a, stopA := h.Subscribe(1, 0)
	defer stopA()
	b, stopB := h.Subscribe(2, 7)
	defer stopB()
	h.WakeAll()
	<-a
	<-b
}

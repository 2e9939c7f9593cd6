package api

import "time"

// HoldHashSlotForTest takes one password-hashing slot, as a sign-in being
// checked would, and returns the function that gives it back.
func (s *Server) HoldHashSlotForTest() func() {
	s.gate().slots <- struct{}{}
	return s.gate().release
}

// SetHashGateForTest replaces the hash gate made from the settings at first
// use (the fixture hashes passwords before a test can change them).
func (s *Server) SetHashGateForTest(slots, queue int, wait time.Duration) {
	s.gate()
	s.hashes = newHashGate(slots, queue, wait)
}

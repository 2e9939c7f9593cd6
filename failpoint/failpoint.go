//go:build !failpoints

// Package failpoint kills the process at named points so that crash tests
// can stop it between two steps that must not be separated. Built without
// the "failpoints" tag, as every release is, Hit does nothing.
package failpoint

// Hit does nothing in builds without the "failpoints" tag.
func Hit(name string) {}

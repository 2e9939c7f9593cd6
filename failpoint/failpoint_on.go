//go:build failpoints

package failpoint

import (
	"os"
	"syscall"
)

// Hit kills the process with SIGKILL when PARLEY_FAILPOINT is name, as a
// crash or a power cut would: no deferred function, no flush, no goodbye.
func Hit(name string) {
	if os.Getenv("PARLEY_FAILPOINT") == name {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}

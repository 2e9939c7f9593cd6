package main

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// stopped returns nil while ctx is live; once it is done, an error that
// says what stopped (what) and why: past --timeout (exit status 1), or
// interrupted by Ctrl-C or SIGTERM, which wraps context.Canceled so that
// main exits with status 130.
func stopped(ctx context.Context, timeout time.Duration, what string) error {
	switch err := ctx.Err(); {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) && timeout > 0:
		return fmt.Errorf("%s: --timeout %v reached", what, timeout)
	default:
		return fmt.Errorf("%s: interrupted: %w", what, context.Canceled)
	}
}

// withTimeout bounds ctx by timeout when it is positive.
func withTimeout(ctx context.Context, timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeout(ctx, timeout)
	}
	return context.WithCancel(ctx)
}

package engine

import "context"

// checkEvery is how many search nodes (outcomes, points) pass between two
// looks at a context: a few milliseconds of work at most, so a cancelled
// computation stops well within a second, and the look costs nothing
// measurable in an inner loop.
const checkEvery = 1 << 12

// cancelled reports whether ctx (nil: never cancelled) is done, looking
// only when step n is a multiple of checkEvery.
func cancelled(ctx context.Context, n int) bool {
	return n&(checkEvery-1) == 0 && ctx != nil && ctx.Err() != nil
}

// ctxErr is ctx's error, nil for a nil ctx.
func ctxErr(ctx context.Context) error {
	if ctx == nil {
		return nil
	}
	return ctx.Err()
}

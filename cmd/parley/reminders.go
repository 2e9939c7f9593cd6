package main

import (
	"context"
	"log/slog"
	"time"

	"parley"
)

// runReminders sends due-date reminders at once and then every interval
// until ctx is done. Several nodes may run it: each reminder is recorded
// once, in the transaction that sends it.
func runReminders(ctx context.Context, r parley.Reminders, now func() time.Time, every time.Duration, logger *slog.Logger) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		n, err := r.SendReminders(ctx, now())
		if err != nil && ctx.Err() == nil {
			logger.Warn("due-date reminders", "err", err)
		} else if n > 0 {
			logger.Info("due-date reminders sent", "notifications", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

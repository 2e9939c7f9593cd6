// Command parley is the one binary of parley: the server, and the engine's
// command-line tools (analyze, …).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.As(err, new(*exitError)) {
			fmt.Fprintln(os.Stderr, "parley:", err)
		}
		os.Exit(exitCode(ctx, err))
	}
}

// exitCode is the exit status for err, returned by run with ctx: an
// exitError's own code; 130, as a shell reports SIGINT, for a command that
// Ctrl-C or SIGTERM stopped (ctx is done and err wraps context.Canceled);
// 1 otherwise.
func exitCode(ctx context.Context, err error) int {
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.Is(err, context.Canceled) && ctx.Err() != nil:
		return 130
	}
	return 1
}

// exitError carries an exit code for an error that has already been reported.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// env gives commands what the process would otherwise read from globals.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// run executes the parley command line in args. It is main without the
// process globals, so tests can drive every command.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	e := &env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "parley",
		Short:         "parley — software for structured talks between parties",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(
		// One line per subcommand; each lives in its own file.
		newVersionCmd(e),
		newAnalyzeCmd(e),
		newNegotiateCmd(e),
		newTournamentCmd(e),
		newVerifyCmd(e),
		newServeCmd(e),
		newAdminCmd(e),
		newBackupCmd(e),
	)
	return root.ExecuteContext(ctx)
}

func newVersionCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print parley's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(e.stdout, "parley", version)
			return err
		},
	}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// usageError is a problem with what the user typed: a flag or argument.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

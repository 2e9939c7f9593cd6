package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"parley/sqlite"
)

func newBackupCmd(e *env) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the SQLite database while the server runs",
		Long: `backup copies the SQLite database in --data to FILE in one read
transaction, so the copy is consistent even while parley serve is writing.
It does not copy the server secret; keep the "secret" file in the data folder
with the backup, or party keys cannot sign again. For PostgreSQL use pg_dump.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := os.Stat(args[0]); err == nil {
				return fmt.Errorf("%s exists; choose a new file", args[0])
			}
			db := sqlite.NewDB(filepath.Join(data, "parley.db"))
			if _, err := os.Stat(db.Path); err != nil {
				return fmt.Errorf("no database: %w", err)
			}
			if err := db.Open(cmd.Context()); err != nil {
				return err
			}
			defer db.Close()
			if err := db.Backup(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "backed up %s to %s\n", db.Path, args[0])
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", envOr(e, "PARLEY_DATA", "parley-data"), "data folder (PARLEY_DATA)")
	return cmd
}

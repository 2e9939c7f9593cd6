package main

import (
	"bufio"
	"context"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"parley"
	"parley/app"
	"parley/argon2id"
	"parley/sqlite"
	"parley/sqlstore"
)

func newAdminCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Administer a parley installation from the command line"}
	cmd.AddCommand(newCreateUserCmd(e), newSetPasswordCmd(e))
	return cmd
}

func newSetPasswordCmd(e *env) *cobra.Command {
	var data, db string
	cmd := &cobra.Command{
		Use:   "set-password NAME",
		Short: "Set a user's password, read from standard input, and end their sessions",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, closeStore, err := openStore(ctx, db, data)
			if err != nil {
				return err
			}
			defer closeStore()
			u, err := st.FindUserByName(ctx, args[0])
			if err != nil {
				return err
			}
			pw, err := readPassword(e)
			if err != nil {
				return err
			}
			if len(pw) < 10 || len(pw) > 256 {
				return fmt.Errorf("a password must be 10 to 256 characters")
			}
			h, err := argon2id.Hash(pw)
			if err != nil {
				return err
			}
			if err := st.SetPasswordHash(ctx, u.ID, h); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "password of %s set; their sessions have ended\n", u.Name)
			return nil
		},
	}
	cmd.Flags().StringVar(&data, "data", envOr(e, "PARLEY_DATA", "parley-data"), "data folder (PARLEY_DATA)")
	cmd.Flags().StringVar(&db, "db", e.getenv("PARLEY_DATABASE_URL"), "PostgreSQL URL (PARLEY_DATABASE_URL)")
	return cmd
}

// readPassword reads one line from standard input.
func readPassword(e *env) (string, error) {
	fmt.Fprint(e.stderr, "Password (at least 10 characters): ")
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprintln(e.stderr)
	return strings.TrimRight(line, "\r\n"), nil
}

type createUserOptions struct {
	data, db, party, role, display string
	admin, mediator                bool
}

func newCreateUserCmd(e *env) *cobra.Command {
	o := &createUserOptions{}
	cmd := &cobra.Command{
		Use:   "create-user NAME",
		Short: "Create a user; the password is read from standard input",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return o.run(cmd.Context(), e, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.data, "data", envOr(e, "PARLEY_DATA", "parley-data"), "data folder (PARLEY_DATA)")
	f.StringVar(&o.db, "db", e.getenv("PARLEY_DATABASE_URL"), "PostgreSQL URL (PARLEY_DATABASE_URL)")
	f.BoolVar(&o.admin, "admin", false, "make the user an administrator")
	f.BoolVar(&o.mediator, "mediator", false, "make the user a mediator")
	f.StringVar(&o.party, "party", "", "name of the user's party")
	f.StringVar(&o.role, "role", "", "role in the party's delegation: head, negotiator or observer")
	f.StringVar(&o.display, "display-name", "", "name shown to others")
	return cmd
}

func (o *createUserOptions) run(ctx context.Context, e *env, name string) error {
	st, closeStore, err := openStore(ctx, o.db, o.data)
	if err != nil {
		return err
	}
	defer closeStore()
	u := &parley.User{Name: name, DisplayName: o.display, Admin: o.admin, Mediator: o.mediator, Role: parley.Role(o.role)}
	if o.party != "" {
		ps, err := st.ListParties(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if strings.EqualFold(p.Name, o.party) {
				u.PartyID = p.ID
			}
		}
		if u.PartyID == 0 {
			return fmt.Errorf("no party named %q", o.party)
		}
	}
	pw, err := readPassword(e)
	if err != nil {
		return err
	}
	s := app.New()
	s.Users = st
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.CreateUserWithPassword(ctx, u, pw); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "created user %s (id %d)\n", u.Name, u.ID)
	return nil
}

// openStore opens the configured store for a one-off command.
func openStore(ctx context.Context, dbURL, data string) (store, func(), error) {
	if dbURL != "" {
		pg, err := openPostgres(ctx, dbURL, sqlstore.Config{})
		if err != nil {
			return nil, nil, err
		}
		return pg, func() { pg.Close() }, nil
	}
	sq := sqlite.NewDB(filepath.Join(data, "parley.db"))
	if err := sq.Open(ctx); err != nil {
		return nil, nil, err
	}
	return sq, func() { sq.Close() }, nil
}

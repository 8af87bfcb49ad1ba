package main

import (
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/migrate"
)

const defaultMigrationsDir = "migrations"

func addDirFlag(cmd *cobra.Command) {
	cmd.Flags().String("dir", defaultMigrationsDir, "migration directory")
}

func migrationDir(cmd *cobra.Command) migrate.Dir {
	dir, _ := cmd.Flags().GetString("dir")
	return migrate.Dir{Path: dir}
}

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Create, apply and revert migration files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("migrate needs a subcommand: create, up, down or status (see dorm migrate --help)")
		},
	}
	cmd.AddCommand(newMigrateCreateCmd(), newMigrateUpCmd(), newMigrateDownCmd(), newMigrateStatusCmd())
	return cmd
}

func newMigrateCreateCmd() *cobra.Command {
	var (
		name           string
		offline, allow bool
	)
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Write the next migration: the difference between the database (or, --offline, the last snapshot) and the entity files",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			reg, err := loadSchemas(cmd)
			if err != nil {
				return err
			}
			dir := migrationDir(cmd)
			var (
				from  *migrate.Schema
				d     migrate.Dialect
				lintO migrate.LintOptions
			)
			if offline {
				snap, ok, err := dir.Snapshot()
				if err != nil {
					return err
				}
				if !ok {
					snap = &migrate.Schema{}
				}
				from = snap
				url, err := databaseURL(cmd)
				if err != nil {
					return err
				}
				var found bool
				if d, found = migrate.DialectFor(url); !found {
					return fmt.Errorf("migrate create --offline is not supported for %q yet (no migration dialect for its scheme)", url)
				}
				lintO = migrate.LintOptions{Dialect: d}
			} else {
				t, closeFn, err := openTarget(cmd, "migrate create")
				if err != nil {
					return err
				}
				defer closeFn()
				st, err := (&migrate.Executor{Target: t, Dir: dir}).Status(ctx)
				if err != nil {
					return err
				}
				for _, s := range st {
					if s.State != migrate.StateApplied {
						return fmt.Errorf("migration %s_%s is %s: apply it first (dorm migrate up) or use --offline", s.Version, s.Name, s.State)
					}
				}
				if from, err = t.Inspect(ctx); err != nil {
					return err
				}
				d = t.MigrateDialect()
				lintO = migrate.LintOptions{Rows: t, Dialect: d}
			}
			to, err := migrate.FromRegistry(reg, d)
			if err != nil {
				return err
			}
			changes, up, down, err := migrate.Scripts(from, to, d)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if len(changes) == 0 {
				fmt.Fprintln(out, "no changes: no migration written")
				return nil
			}
			diags, err := migrate.Lint(ctx, changes, lintO)
			if err != nil {
				return err
			}
			if err := migrate.Refuse(diags, allow); err != nil {
				return err
			}
			header := ""
			for _, dg := range diags {
				header += "-- destructive: " + dg.String() + "\n"
			}
			m, err := dir.Create(name, header+up, down, to, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "created %s (%d changes)\n", filepath.Join(dir.Path, m.FileBase()+".up.sql"), len(migrate.Describe(changes)))
			fmt.Fprintf(out, "created %s\n", filepath.Join(dir.Path, m.FileBase()+".down.sql"))
			for _, n := range migrate.Irreversible(changes) {
				fmt.Fprintln(out, "irreversible: "+n)
			}
			return nil
		},
	}
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	addDirFlag(cmd)
	cmd.Flags().StringVar(&name, "name", "migration", "name of the migration (letters, digits, _ and -)")
	cmd.Flags().BoolVar(&offline, "offline", false, "diff against the snapshot of the last migration instead of the database")
	cmd.Flags().BoolVar(&allow, "allow-destructive", false, "write a migration with changes that can lose data")
	return cmd
}

func newMigrateUpCmd() *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Apply the pending migrations (up to --to VERSION), each in its own transaction",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, closeFn, err := openTarget(cmd, "migrate up")
			if err != nil {
				return err
			}
			defer closeFn()
			done, err := (&migrate.Executor{Target: t, Dir: migrationDir(cmd)}).Up(cmd.Context(), to)
			for _, m := range done {
				fmt.Fprintf(cmd.OutOrStdout(), "applied %s_%s\n", m.Version, m.Name)
			}
			if err != nil {
				return err
			}
			if len(done) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to apply")
			}
			return nil
		},
	}
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	addDirFlag(cmd)
	cmd.Flags().StringVar(&to, "to", "", "apply up to and including this version")
	return cmd
}

func newMigrateDownCmd() *cobra.Command {
	var steps int
	cmd := &cobra.Command{
		Use:   "down",
		Short: "Revert the last --steps applied migrations (default 1), newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, closeFn, err := openTarget(cmd, "migrate down")
			if err != nil {
				return err
			}
			defer closeFn()
			done, err := (&migrate.Executor{Target: t, Dir: migrationDir(cmd)}).Down(cmd.Context(), steps)
			for _, m := range done {
				fmt.Fprintf(cmd.OutOrStdout(), "reverted %s_%s\n", m.Version, m.Name)
			}
			if err != nil {
				return err
			}
			if len(done) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "nothing to revert")
			}
			return nil
		},
	}
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	addDirFlag(cmd)
	cmd.Flags().IntVar(&steps, "steps", 1, "number of migrations to revert")
	return cmd
}

func newMigrateStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status",
		Short: "List every migration as applied, pending, edited, failed or missing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, closeFn, err := openTarget(cmd, "migrate status")
			if err != nil {
				return err
			}
			defer closeFn()
			st, err := (&migrate.Executor{Target: t, Dir: migrationDir(cmd)}).Status(cmd.Context())
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "VERSION\tNAME\tSTATE\tAPPLIED AT")
			for _, s := range st {
				at := ""
				if s.Applied != nil {
					at = s.Applied.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", s.Version, s.Name, s.State, at)
			}
			return w.Flush()
		},
	}
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	addDirFlag(cmd)
	return cmd
}

package main

import (
	"fmt"
	"path/filepath"
	"sort"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
)

func newGenerateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Generate entity files from a database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("generate needs a subcommand: entities (see dorm generate --help)")
		},
	}
	cmd.AddCommand(newGenerateEntitiesCmd())
	return cmd
}

// inspectable is what generate entities needs of a driver.
type inspectable interface {
	migrate.Inspector
	MigrateDialect() migrate.Dialect
}

func newGenerateEntitiesCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "entities",
		Short: "Write one entity file per table of the database (relations from foreign keys, m:n from pivot tables) into --out",
		Long: `Reads the database and writes one entity YAML file per table into --out: foreign keys
become m:1 relations with their inverse 1:m, pure pivot tables (two columns, both the primary key
and each a foreign key) a m:n. dorm's history table is left out. What the entity files cannot
say (a CHECK other than an enum, a composite foreign key, a default such as CURRENT_TIMESTAMP)
is printed as a warning on stderr: schema diff of the files would show it.

Files that exist with other content are never overwritten: the command refuses and writes
nothing. Generating again from the same database gives identical files.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			url, err := databaseURL(cmd)
			if err != nil {
				return err
			}
			d, err := drivers.Open(ctx, url, drivers.Config{})
			if err != nil {
				return err
			}
			defer d.Close()
			ins, ok := d.(inspectable)
			if !ok {
				return fmt.Errorf("generate entities is not supported for driver %s yet", d.Name())
			}
			s, err := ins.Inspect(ctx)
			if err != nil {
				return err
			}
			g, err := migrate.GenerateEntities(s, migrate.GenerateOptions{Dialect: ins.MigrateDialect()})
			if err != nil {
				return err
			}
			if len(g.Files) == 0 {
				return fmt.Errorf("generate entities: the database has no tables to generate entities from")
			}
			if err := g.WriteDir(out); err != nil {
				return err
			}
			names := make([]string, 0, len(g.Files))
			for n := range g.Files {
				names = append(names, filepath.Join(out, n))
			}
			sort.Strings(names)
			if _, err := loader.LoadFiles(names...); err != nil {
				return fmt.Errorf("generate entities: the generated files do not load (a bug in dorm; please report it):\n%w", err)
			}
			for _, w := range g.Warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w.String())
			}
			fmt.Fprintf(cmd.OutOrStdout(), "generated %d entity files in %s\n", len(names), out)
			return nil
		},
	}
	addDBFlag(cmd)
	cmd.Flags().StringVar(&out, "out", "", "directory to write the entity files to (created if missing)")
	_ = cmd.MarkFlagRequired("out")
	return cmd
}

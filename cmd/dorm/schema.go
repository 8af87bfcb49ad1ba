package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/migrate"
)

func newSchemaCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schema",
		Short: "Create, drop, update or diff the tables of the entity files",
		Args:  cobra.NoArgs, // an unknown subcommand is an error, not the help
		RunE: func(cmd *cobra.Command, _ []string) error {
			return fmt.Errorf("schema needs a subcommand: create, drop, update or diff (see dorm schema --help)")
		},
	}
	cmd.AddCommand(
		newSchemaActionCmd("create", "Create the tables, indexes, foreign keys and pivot tables of every entity",
			func(ctx context.Context, s *em.SchemaTool) error { return s.Create(ctx) }, "created"),
		newSchemaActionCmd("drop", "Drop the tables of every entity (what does not exist is ignored)",
			func(ctx context.Context, s *em.SchemaTool) error { return s.Drop(ctx) }, "dropped"),
		newSchemaUpdateCmd(),
		newSchemaDiffCmd(),
	)
	return cmd
}

func newSchemaActionCmd(name, short string, action func(context.Context, *em.SchemaTool) error, done string) *cobra.Command {
	var dump bool
	cmd := &cobra.Command{
		Use:   name,
		Short: short,
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dump {
				return dumpSchema(cmd, name)
			}
			reg, err := loadSchemas(cmd)
			if err != nil {
				return err
			}
			dir, _ := schemasDir(cmd) // resolved by loadSchemas already
			url, err := databaseURL(cmd)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			orm, err := em.Open(ctx, em.Config{Registry: reg, URL: url})
			if err != nil {
				return err
			}
			if err := action(ctx, orm.Schema()); err != nil {
				orm.Close()
				return fmt.Errorf("schema %s: %w", name, err)
			}
			if err := orm.Close(); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: schema of %d entities (%s) in %s\n", done, len(reg.Entities()), dir, url)
			return nil
		},
	}
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	cmd.Flags().BoolVar(&dump, "dump", false, "print the DDL for the dialect of --db instead of running it (no connection)")
	return cmd
}

// dumpSchema prints the statements that create (or drop) the schema of the entity files in
// an empty database (or one holding exactly that schema), in the SQL of --db's scheme,
// without connecting to it: the plan of the migration differ from nothing to the entity
// files, or back.
func dumpSchema(cmd *cobra.Command, action string) error {
	reg, err := loadSchemas(cmd)
	if err != nil {
		return err
	}
	url, err := databaseURL(cmd)
	if err != nil {
		return err
	}
	d, ok := migrate.DialectFor(url)
	if !ok {
		return fmt.Errorf("schema %s --dump: no SQL dialect for %q (sqlite:, postgres://, mysql://, mariadb://)", action, url)
	}
	want, err := migrate.FromRegistry(reg, d)
	if err != nil {
		return err
	}
	from, to := &migrate.Schema{}, want
	if action == "drop" {
		from, to = want, &migrate.Schema{}
	}
	changes, err := migrate.Diff(from, to, migrate.DiffOptions{Dialect: d})
	if err != nil {
		return err
	}
	plan, err := d.Plan(changes)
	if err != nil {
		return err
	}
	scheme, _, _ := strings.Cut(url, ":")
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "-- dorm schema %s --dump: %d entities, %s SQL; nothing was run\n", action, len(reg.Entities()), scheme)
	fmt.Fprint(out, plan.SQL())
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/loader"
)

// errDumpUnsupported is the error of --dump: the drivers cannot yet render their DDL without
// running it (that comes with the migrate package).
var errDumpUnsupported = errors.New("--dump is not supported yet")

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
				return errDumpUnsupported
			}
			dir, err := schemasDir(cmd)
			if err != nil {
				return err
			}
			url, err := databaseURL(cmd)
			if err != nil {
				return err
			}
			reg, err := loader.LoadDir(dir)
			if err != nil {
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return &exitError{code: 1}
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
	cmd.Flags().BoolVar(&dump, "dump", false, "print the DDL instead of running it (not supported yet)")
	return cmd
}

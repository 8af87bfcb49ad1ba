package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/schema"
)

// loadSchemas loads the entity files of --schemas; invalid files print every error and end
// the command with exit status 1.
func loadSchemas(cmd *cobra.Command) (*schema.Registry, error) {
	dir, err := schemasDir(cmd)
	if err != nil {
		return nil, err
	}
	reg, err := loader.LoadDir(dir)
	if err != nil {
		fmt.Fprintln(cmd.ErrOrStderr(), err)
		return nil, &exitError{code: 1}
	}
	return reg, nil
}

// openTarget opens --db as a migration target; drivers without an inspector fail clearly.
func openTarget(cmd *cobra.Command, what string) (migrate.Target, func(), error) {
	url, err := databaseURL(cmd)
	if err != nil {
		return nil, nil, err
	}
	d, err := drivers.Open(cmd.Context(), url, drivers.Config{})
	if err != nil {
		return nil, nil, err
	}
	t, ok := d.(migrate.Target)
	if !ok {
		d.Close()
		return nil, nil, fmt.Errorf("%s is not supported for driver %s yet", what, d.Name())
	}
	return t, func() { d.Close() }, nil
}

// schemaPlan is the result of comparing the entity files with the database.
type schemaPlan struct {
	changes []migrate.Change
	diags   []migrate.Diagnostic
	plan    *migrate.Plan
}

func planSchema(ctx context.Context, reg *schema.Registry, t migrate.Target) (*schemaPlan, error) {
	d := t.MigrateDialect()
	want, err := migrate.FromRegistry(reg, d)
	if err != nil {
		return nil, err
	}
	have, err := t.Inspect(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := migrate.Diff(have, want, migrate.DiffOptions{Dialect: d})
	if err != nil {
		return nil, err
	}
	diags, err := migrate.Lint(ctx, changes, migrate.LintOptions{Rows: t, Dialect: d})
	if err != nil {
		return nil, err
	}
	plan, err := d.Plan(changes)
	if err != nil {
		return nil, err
	}
	return &schemaPlan{changes: changes, diags: diags, plan: plan}, nil
}

// jsonPlan is the --json output of schema diff and update.
type jsonPlan struct {
	Changes     []migrate.Op         `json:"changes"`
	Diagnostics []migrate.Diagnostic `json:"diagnostics"`
	Statements  []string             `json:"statements"`
}

func (p *schemaPlan) print(cmd *cobra.Command, asJSON bool) error {
	out := cmd.OutOrStdout()
	if asJSON {
		j := jsonPlan{Changes: migrate.Describe(p.changes), Diagnostics: p.diags, Statements: []string{}}
		if j.Changes == nil {
			j.Changes = []migrate.Op{}
		}
		if j.Diagnostics == nil {
			j.Diagnostics = []migrate.Diagnostic{}
		}
		for _, s := range p.plan.Statements {
			j.Statements = append(j.Statements, s.SQL)
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	if len(p.changes) == 0 {
		fmt.Fprintln(out, "-- the database matches the entity files: nothing to do")
		return nil
	}
	for _, d := range p.diags {
		fmt.Fprintln(out, "-- destructive: "+d.String())
	}
	fmt.Fprint(out, p.plan.SQL())
	return nil
}

func addSchemaFlags(cmd *cobra.Command, dump, allow, asJSON *bool) {
	addSchemasFlag(cmd)
	addDBFlag(cmd)
	cmd.Flags().BoolVar(dump, "dump", false, "print the SQL instead of running it")
	cmd.Flags().BoolVar(allow, "allow-destructive", false, "allow changes that can lose data (drop table/column, narrowing, NOT NULL on rows)")
	cmd.Flags().BoolVar(asJSON, "json", false, "print the operations, diagnostics and statements as JSON")
}

func newSchemaDiffCmd() *cobra.Command {
	var dump, allow, asJSON bool
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Print what schema update would do; exit 0 when nothing, 2 when there are changes, 1 on error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := loadSchemas(cmd)
			if err != nil {
				return err
			}
			t, closeFn, err := openTarget(cmd, "schema diff")
			if err != nil {
				return err
			}
			defer closeFn()
			p, err := planSchema(cmd.Context(), reg, t)
			if err != nil {
				return err
			}
			if err := p.print(cmd, asJSON); err != nil {
				return err
			}
			if len(p.changes) > 0 {
				return &exitError{code: 2}
			}
			return nil
		},
	}
	addSchemaFlags(cmd, &dump, &allow, &asJSON)
	return cmd
}

func newSchemaUpdateCmd() *cobra.Command {
	var dump, allow, asJSON bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Change the database to match the entity files (development); destructive changes need --allow-destructive",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg, err := loadSchemas(cmd)
			if err != nil {
				return err
			}
			t, closeFn, err := openTarget(cmd, "schema update")
			if err != nil {
				return err
			}
			defer closeFn()
			ctx := cmd.Context()
			p, err := planSchema(ctx, reg, t)
			if err != nil {
				return err
			}
			if dump || asJSON {
				return p.print(cmd, asJSON)
			}
			if len(p.changes) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "the database matches the entity files: nothing to do")
				return nil
			}
			if err := migrate.Refuse(p.diags, allow); err != nil {
				return err
			}
			if err := migrate.Apply(ctx, t, p.plan); err != nil {
				return fmt.Errorf("schema update: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "updated: %d changes, %d statements\n", len(migrate.Describe(p.changes)), len(p.plan.Statements))
			return nil
		},
	}
	addSchemaFlags(cmd, &dump, &allow, &asJSON)
	return cmd
}

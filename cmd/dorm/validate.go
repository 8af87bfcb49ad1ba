package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/dorm-go/dorm/loader"
)

func newValidateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the entity files; print every error and exit 1 when invalid",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			dir, err := schemasDir(cmd)
			if err != nil {
				return err
			}
			reg, err := loader.LoadDir(dir)
			if err != nil {
				// One error a line, each naming file:line:col.
				fmt.Fprintln(cmd.ErrOrStderr(), err)
				return &exitError{code: 1}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "ok: %d entities in %s\n", len(reg.Entities()), dir)
			return nil
		},
	}
	addSchemasFlag(cmd)
	return cmd
}

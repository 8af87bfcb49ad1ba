// Command dorm is the command line of dorm: it validates entity files, creates and drops the
// schema they describe, and replays the MikroORM walkthrough as a demo.
//
//	dorm validate      [--schemas DIR]
//	dorm schema create [--schemas DIR] [--db URL] [--dump]
//	dorm schema drop   [--schemas DIR] [--db URL] [--dump]
//	dorm schema update|diff [--schemas DIR] [--db URL] [--dump] [--allow-destructive] [--json]
//	dorm migrate create [--name NAME] [--offline] | up [--to V] | down [--steps N] | status
//	dorm generate entities [--db URL] --out DIR
//	dorm demo          [--db URL]
//
// It exits 0 on success and 1 on any error (schema diff: 2 when there are changes). See
// docs/cli.md and docs/migrations.md.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/dorm-go/dorm/drivers/mysql"    // registers "mysql:" and "mariadb:"
	_ "github.com/dorm-go/dorm/drivers/postgres" // registers "postgres:" and "postgresql:"
	_ "github.com/dorm-go/dorm/drivers/sqlite"   // registers "sqlite:"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := newRootCmd(stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code, err = ee.code, ee.err
	}
	if err != nil {
		msg := err.Error()
		if !strings.HasPrefix(msg, "dorm: ") { // errors of package em say it already
			msg = "dorm: " + msg
		}
		fmt.Fprintln(stderr, msg)
	}
	return code
}

// exitError ends the command with an exit code; err, when not nil, is printed first. A
// command that has already printed its errors returns one with a nil err.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// newRootCmd builds the command tree; stdout and stderr receive all output.
func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "dorm",
		Short: "dorm: a schema-first ORM for Go (unit of work, identity map)",
		Long: `dorm is a schema-first ORM for Go in the line of MikroORM: entities are written in
YAML files, and one EntityManager tracks them with a unit of work and an identity map.

Configuration: --schemas defaults to "schemas:" in ./dorm.yaml, else ./schemas.
--db is read from the flag, then $DORM_DATABASE_URL, then "database:" in ./dorm.yaml,
else sqlite:file:dorm.db.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.CompletionOptions.DisableDefaultCmd = true
	root.AddCommand(newValidateCmd(), newSchemaCmd(), newMigrateCmd(), newGenerateCmd(), newDemoCmd())
	return root
}

package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
)

// The example schema and the composite-key entity of package sqltest.
var (
	exampleRegistry = sqltest.Registry
	ent             = sqltest.Entity
	prop            = sqltest.Prop
)

// TestStatements pins the SQL text and arguments of every kind of operation.
func TestStatements(t *testing.T) {
	sqltest.RunStatements(t, sqltest.StatementsHarness{
		Dialect: Dialect{},
		Reasons: map[string]string{
			"find/gte-datetime": "datetimes are bound as fixed-width UTC text",
			"find/lt-decimal":   "decimals are bound as text (the column collation compares them as numbers)",
			"find/like":         "$like is a case-sensitive GLOB with the pattern translated",
			"find/ilike":        "$ilike is LIKE with backslash escapes",
			"find/re":           "$re is REGEXP",
			"find/offset-only":  "SQLite needs LIMIT -1 before OFFSET",
		},
		Cases: func(e *sqltest.Env) []sqltest.Case {
			return append([]sqltest.Case{
				{Name: "find/lock", Reason: "SQLite has no row locks", After: "find/offset-only",
					Build: e.Find(&drivers.FindOp{Entity: e.Book, Fields: e.BookFields, Lock: drivers.LockForUpdate})},
				{Name: "insert", Reason: "one statement, executed per row; every type converted", After: "count", Build: func() ([]sqlbase.Stmt, error) {
					fields, rows := e.AuthorInsert()
					q := sqlbase.InsertSQL(e.Dialect, e.Author, fields)
					var out []sqlbase.Stmt
					for _, row := range rows {
						args, err := sqlbase.Args(e.Dialect, fields, row)
						if err != nil {
							return nil, err
						}
						out = append(out, sqlbase.Stmt{SQL: q, Args: args})
					}
					return out, nil
				}},
				{Name: "insert/multi-row", Reason: "what a transaction's multi-row insert executes (here two rows per statement): the values every row of a statement shares are bound once, as ?1…?k; a statement that shares other fields has SQL of its own", After: "count", Build: func() ([]sqlbase.Stmt, error) {
					return multiRowStatements(e)
				}},
			}, sqltest.PivotPerPairCases(e)...)
		},
	})
}

// TestSchemaDDL pins the CREATE and DROP statements of the example schemas.
func TestSchemaDDL(t *testing.T) {
	reg := exampleRegistry(t)
	create, err := sqlbase.CreateSchema(Dialect{}, reg)
	if err != nil {
		t.Fatal(err)
	}
	sqltest.SchemaGolden(t, create, "tables with inline foreign keys, pivot tables, then indexes",
		sqlbase.DropSchema(Dialect{}, reg), "pivot tables first, tolerating missing tables")
}

// multiRowStatements runs a five-row insert of authors through a transaction's Runner whose
// statements take two rows, on a fresh database, and returns what it executed.
func multiRowStatements(e *sqltest.Env) ([]sqlbase.Stmt, error) {
	ctx := context.Background()
	drv, err := drivers.Open(ctx, "sqlite:file:"+filepath.Join(e.T.TempDir(), "golden.db"), drivers.Config{})
	if err != nil {
		return nil, err
	}
	defer drv.Close()
	if err := drv.CreateSchema(ctx, e.Reg); err != nil {
		return nil, err
	}
	conn, err := drv.(*Driver).DB().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var out []sqlbase.Stmt
	r := &sqlbase.Runner{Dialect: Dialect{}, Conn: conn,
		Config: drivers.Config{OnQuery: func(_ context.Context, ev drivers.QueryEvent) {
			out = append(out, sqlbase.Stmt{SQL: ev.Query, Args: ev.Args})
		}},
		Multi: sqlbase.MultiInsert{Rows: 2, MaxParams: multiInsert.MaxParams, Raw: true, Share: multiInsert.Share}}
	fields := e.Props("Author", "createdAt", "updatedAt", "name", "email", "age", "rating", "version")
	row := func(name string, age any) []any {
		return []any{e.When, e.When, name, strings.ToLower(name) + "@example.com", age, 4.5, int64(1)}
	}
	// Rows 0-1 share all but name and email, rows 2-3 also differ in age, row 4 is alone.
	op := &drivers.InsertOp{Entity: e.Author, Fields: fields, Rows: [][]any{
		row("Jon", nil), row("Arya", nil), row("Sansa", int64(13)), row("Bran", int64(10)), row("Rickon", nil)}}
	if err := r.Insert(ctx, op); err != nil {
		return nil, err
	}
	if fmt.Sprint(op.Generated) != "[1 2 3 4 5]" {
		return nil, fmt.Errorf("generated keys %v, want [1 2 3 4 5]", op.Generated)
	}
	r.ReleaseRaw()
	return out, nil
}

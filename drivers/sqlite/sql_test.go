package sqlite

import (
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

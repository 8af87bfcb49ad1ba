package postgres

import (
	"fmt"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
	"github.com/dorm-go/dorm/schema"
)

// The example schema of package sqltest.
var exampleRegistry = sqltest.Registry

// TestStatements pins the SQL text and arguments of every kind of operation.
func TestStatements(t *testing.T) {
	sqltest.RunStatements(t, sqltest.StatementsHarness{
		Dialect: Dialect{},
		Reasons: map[string]string{
			"find/gte-datetime": "datetimes are bound as UTC time.Time (timestamptz)",
			"find/lt-decimal":   "decimals are bound as strings, sent in text format and parsed exactly by the server",
			"find/like":         "$like is LIKE: case-sensitive, backslash escapes",
			"find/ilike":        "$ilike is ILIKE",
			"find/re":           "$re is ~ (POSIX regular expression)",
			"find/offset-only":  "OFFSET without LIMIT",
		},
		Cases: pgCases,
	})
}

func pgCases(e *sqltest.Env) []sqltest.Case {
	lock := func(l drivers.Lock, limit int) func() ([]sqlbase.Stmt, error) {
		return e.Find(&drivers.FindOp{Entity: e.Book, Fields: e.BookFields, Limit: limit, Lock: l})
	}
	return []sqltest.Case{
		{Name: "find/lock-update", Reason: "FOR UPDATE", After: "find/offset-only", Build: lock(drivers.LockForUpdate, 1)},
		{Name: "find/lock-share", Reason: "FOR SHARE", After: "find/offset-only", Build: lock(drivers.LockForShare, 1)},
		{Name: "find/lock-nowait", Reason: "FOR UPDATE NOWAIT fails at once on a locked row", After: "find/offset-only", Build: lock(drivers.LockForUpdateNoWait, 1)},
		{Name: "find/lock-skip-locked", Reason: "FOR UPDATE SKIP LOCKED leaves locked rows out", After: "find/offset-only", Build: lock(drivers.LockForUpdateSkipLocked, 1)},
		{Name: "find/lock-unknown", Reason: "an unknown lock mode is not supported", After: "find/offset-only", Build: lock(drivers.Lock(99), 0)},
		{Name: "insert", Reason: "one multi-row INSERT ... RETURNING the autoincrement key; every type converted", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			fields, rows := e.AuthorInsert()
			return InsertStatements(&drivers.InsertOp{Entity: e.Author, Fields: fields, Rows: rows})
		}},
		{Name: "insert/client-key", Reason: "a client-side key: no RETURNING", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			fields, rows := e.BookInsert()
			return InsertStatements(&drivers.InsertOp{Entity: e.Book, Fields: fields, Rows: rows})
		}},
		{Name: "insert/no-fields", Reason: "only the generated key: VALUES (DEFAULT) per row", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			return InsertStatements(&drivers.InsertOp{Entity: e.Tag, Rows: [][]any{{}, {}}})
		}},
		{Name: "insert/chunked", Reason: "at most InsertRows (1,000) rows per statement, and never more than 65535 parameters", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			rows := make([][]any, 2001)
			for i := range rows {
				rows[i] = []any{e.UUID1, "t", "draft"}
			}
			stmts, err := InsertStatements(&drivers.InsertOp{Entity: e.Book, Fields: e.BookFields, Rows: rows})
			// Print the shape only.
			for i := range stmts {
				stmts[i] = sqlbase.Stmt{SQL: fmt.Sprintf("%d bytes, ends %q", len(stmts[i].SQL), stmts[i].SQL[len(stmts[i].SQL)-30:]),
					Args: []any{len(stmts[i].Args)}}
			}
			return stmts, err
		}},
		{Name: "update/batch", Reason: "one UPDATE per row, the same text for the same field set, pipelined", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			return UpdateStatements(&drivers.UpdateOp{Entity: e.Author, Rows: []drivers.UpdateRow{
				{Key: int64(1), Fields: []*schema.Property{e.P("Author", "age")}, Values: []any{int64(30)}},
				{Key: int64(2), Fields: e.Props("Author", "name", "version"), Values: []any{"A", int64(3)}, Version: int64(2)},
				{Key: int64(3), Fields: []*schema.Property{e.P("Author", "age")}, Values: []any{int64(31)}},
			}})
		}},
		{Name: "pivot/insert", Reason: "all pairs in one multi-row INSERT", After: "delete/versioned", Build: func() ([]sqlbase.Stmt, error) {
			return PivotInsertStatements(&drivers.PivotOp{Prop: e.P("Book", "tags"), Pairs: [][2]any{{e.UUID1, int64(5)}, {e.UUID2, int64(6)}}})
		}},
		{Name: "pivot/inverse-side", Reason: "pivot writes go through the owning side only", After: "pivot/delete", Build: func() ([]sqlbase.Stmt, error) {
			return PivotInsertStatements(&drivers.PivotOp{Prop: e.P("BookTag", "books"), Pairs: [][2]any{{int64(1), e.UUID1}}})
		}},
	}
}

// TestSchemaDDL pins the CREATE and DROP statements of the example schemas.
func TestSchemaDDL(t *testing.T) {
	reg := exampleRegistry(t)
	create, err := SchemaStatements(reg)
	if err != nil {
		t.Fatal(err)
	}
	sqltest.SchemaGolden(t, create, "tables, pivot tables, foreign keys (ALTER TABLE, tolerating existing ones), then indexes",
		sqlbase.DropSchema(Dialect{}, reg), "pivot tables first, tolerating missing tables, CASCADE")
}

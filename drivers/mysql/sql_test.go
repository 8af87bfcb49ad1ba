package mysql

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
)

// The example schema of package sqltest.
var exampleRegistry = sqltest.Registry

// TestStatements pins the SQL text and arguments of every kind of operation, in MariaDB's
// dialect (and MySQL 8's where they differ).
func TestStatements(t *testing.T) {
	sqltest.RunStatements(t, sqltest.StatementsHarness{
		Dialect: Dialect{MariaDB: true},
		Reasons: map[string]string{
			"find/gte-datetime": "datetimes are bound as UTC text with microseconds",
			"find/lt-decimal":   "decimals are bound as text; the DECIMAL column compares numbers",
			"find/like":         "$like is LIKE, case-sensitive through the binary column collation; backslash escapes",
			"find/ilike":        "$ilike lowers both sides",
			"find/re":           "$re is REGEXP, case-sensitive through the binary collation",
			"find/offset-only":  "MySQL needs a LIMIT before OFFSET: the largest unsigned bigint",
		},
		Cases: func(e *sqltest.Env) []sqltest.Case {
			return append(mysqlCases(e), sqltest.PivotPerPairCases(e)...)
		},
	})
}

func mysqlCases(e *sqltest.Env) []sqltest.Case {
	d := e.Dialect.(Dialect)
	lock := func(l drivers.Lock, limit int) *drivers.FindOp {
		return &drivers.FindOp{Entity: e.Book, Fields: e.BookFields, Lock: l, Limit: limit}
	}
	return []sqltest.Case{
		{Name: "find/lock-update", Reason: "FOR UPDATE after LIMIT", After: "find/offset-only", Build: e.Find(lock(drivers.LockForUpdate, 1))},
		{Name: "find/lock-share-mariadb", Reason: "MariaDB spells a shared lock LOCK IN SHARE MODE", After: "find/offset-only", Build: e.Find(lock(drivers.LockForShare, 0))},
		{Name: "find/lock-share-mysql", Reason: "MySQL 8 spells it FOR SHARE", After: "find/offset-only", Build: func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(Dialect{}, lock(drivers.LockForShare, 0))
			return []sqlbase.Stmt{st}, err
		}},
		{Name: "find/lock-nowait", Reason: "NOWAIT fails at once on a locked row", After: "find/offset-only", Build: e.Find(lock(drivers.LockForUpdateNoWait, 0))},
		{Name: "find/lock-skip-locked", Reason: "SKIP LOCKED leaves locked rows out", After: "find/offset-only", Build: e.Find(lock(drivers.LockForUpdateSkipLocked, 0))},
		{Name: "insert/returning", Reason: "MariaDB 10.5+: one multi-row INSERT … RETURNING the keys; every type converted", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			fields, rows := e.AuthorInsert()
			args, err := e.RowArgs(fields, rows)
			if err != nil {
				return nil, err
			}
			return sqltest.One(InsertSQL(d, e.Author, fields, 2, true), args, nil)
		}},
		{Name: "insert/uuid", Reason: "client-side keys: a multi-row INSERT without RETURNING", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			fields, rows := e.BookInsert()
			args, err := e.RowArgs(fields, rows)
			if err != nil {
				return nil, err
			}
			return sqltest.One(InsertSQL(d, e.Book, fields, 2, false), args, nil)
		}},
		{Name: "insert/no-fields", Reason: "only an autoincrement key: () VALUES ()", After: "count", Build: func() ([]sqlbase.Stmt, error) {
			return sqltest.One(InsertSQL(d, e.Tag, nil, 2, true), nil, nil)
		}},
		{Name: "update/batch", Reason: "unversioned rows setting the same fields: one UPDATE with a CASE per field", After: "update/versioned", Build: func() ([]sqlbase.Stmt, error) {
			fields := e.Props("Book", "title", "price", "updatedAt")
			rows := []drivers.UpdateRow{{Key: e.UUID1, Fields: fields, Values: []any{"A", "1.50", e.When}}, {Key: e.UUID2, Fields: fields, Values: []any{"B", nil, e.When}}}
			st, err := UpdateCaseSQL(d, e.Book, fields, rows, []int{0, 1})
			return []sqlbase.Stmt{st}, err
		}},
	}
}

// TestSchemaDDL pins the CREATE and DROP statements of the example schemas.
func TestSchemaDDL(t *testing.T) {
	reg := exampleRegistry(t)
	create, err := sqlbase.CreateSchema(Dialect{MariaDB: true}, reg)
	if err != nil {
		t.Fatal(err)
	}
	mysql8, err := sqlbase.CreateSchema(Dialect{}, reg)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(create, mysql8); diff != "" {
		t.Errorf("MariaDB and MySQL 8 DDL differ (-mariadb +mysql):\n%s", diff)
	}
	sqltest.SchemaGolden(t, create, "tables, pivot tables, foreign keys with ALTER TABLE (the author <-> book cycle), then indexes",
		sqlbase.DropSchema(Dialect{MariaDB: true}, reg), "pivot tables first, tolerating missing tables")
}

// TestShortName: generated names longer than 64 characters are cut and hashed, the same way
// every time; shorter ones are left alone.
func TestShortName(t *testing.T) {
	short := "book_tags_book_tag_id_foreign"
	if got := ShortName(short); got != short {
		t.Errorf("ShortName(%q) = %q", short, got)
	}
	long := strings.Repeat("very_long_table_name_", 4) + "some_column_foreign"
	got := ShortName(long)
	if len(got) != MaxIdentLen || got != ShortName(long) || !strings.HasPrefix(got, long[:55]) {
		t.Errorf("ShortName(%q) = %q (%d bytes)", long, got, len(got))
	}
	if other := ShortName(long + "x"); other == got {
		t.Errorf("two long names share %q", got)
	}
}

package postgres

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// exampleRegistry loads examples/schemas.
func exampleRegistry(t testing.TB) *schema.Registry {
	t.Helper()
	reg, err := loader.LoadDir("../../examples/schemas")
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func ent(t testing.TB, reg *schema.Registry, name string) *schema.Entity {
	t.Helper()
	e, ok := reg.Entity(name)
	if !ok {
		t.Fatalf("no entity %s", name)
	}
	return e
}

func prop(t testing.TB, reg *schema.Registry, entity, name string) *schema.Property {
	t.Helper()
	p, ok := ent(t, reg, entity).Property(name)
	if !ok {
		t.Fatalf("no property %s.%s", entity, name)
	}
	return p
}

// composite is an entity with a composite primary key and a version, built by hand.
func composite() *schema.Entity {
	e := &schema.Entity{Name: "Edition", Table: "edition"}
	for _, p := range []*schema.Property{
		{Name: "isbn", Type: schema.String, Column: "isbn", Primary: true},
		{Name: "lang", Type: schema.String, Column: "lang", Primary: true},
		{Name: "title", Type: schema.String, Column: "title"},
		{Name: "version", Type: schema.Int, Column: "version", IsVersion: true},
	} {
		e.AddProperty(p)
		if p.Primary {
			e.Primary = append(e.Primary, p)
		}
		if p.IsVersion {
			e.Version = p
		}
	}
	return e
}

// checkGolden compares got with testdata/name, or writes it with UPDATE_GOLDEN=1.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; UPDATE_GOLDEN=1 to accept):\n%s", path, diff)
	}
}

func formatArgs(args []any) string {
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Sprint(args)
	}
	return string(b)
}

// TestStatements pins the SQL text and arguments of every kind of operation.
func TestStatements(t *testing.T) {
	reg := exampleRegistry(t)
	d := Dialect{}
	book, author, tag := ent(t, reg, "Book"), ent(t, reg, "Author"), ent(t, reg, "BookTag")
	P := func(e, n string) *schema.Property { return prop(t, reg, e, n) }
	title := P("Book", "title")
	bookFields := []*schema.Property{P("Book", "id"), title, P("Book", "status")}
	find := func(where query.Expr) func() ([]sqlbase.Stmt, error) {
		return func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Where: where})
			return []sqlbase.Stmt{st}, err
		}
	}
	cmpOp := func(p *schema.Property, op query.Op, v any) query.Expr { return &query.Cmp{Prop: p, Op: op, Value: v} }
	one := func(sql string, args []any, err error) ([]sqlbase.Stmt, error) {
		return []sqlbase.Stmt{{SQL: sql, Args: args}}, err
	}
	ed := composite()
	uuid1, uuid2 := "6f1c3a52-5d6b-4f7e-9a43-1b2c3d4e5f60", "0b7e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

	cases := []struct {
		name, reason string
		build        func() ([]sqlbase.Stmt, error)
	}{
		{"find/all", "no filter: no WHERE", find(nil)},
		{"find/eq", "equality binds the value", find(cmpOp(title, query.Eq, "Dune"))},
		{"find/eq-nil", "Eq nil is IS NULL", find(cmpOp(P("Book", "price"), query.Eq, nil))},
		{"find/ne", "Ne is <>", find(cmpOp(title, query.Ne, "Dune"))},
		{"find/ne-nil", "Ne nil is IS NOT NULL", find(cmpOp(P("Book", "price"), query.Ne, nil))},
		{"find/in", "In binds each value", find(cmpOp(P("Book", "pages"), query.In, []any{int64(1), int64(2)}))},
		{"find/in-empty", "empty In is false", find(cmpOp(P("Book", "pages"), query.In, []any{}))},
		{"find/nin", "Nin is NOT IN", find(cmpOp(P("Book", "pages"), query.Nin, []any{int64(3)}))},
		{"find/nin-empty", "empty Nin is true", find(cmpOp(P("Book", "pages"), query.Nin, nil))},
		{"find/gt", "Gt", find(cmpOp(P("Book", "pages"), query.Gt, int64(100)))},
		{"find/gte-datetime", "datetimes are bound as UTC time.Time (timestamptz)", find(cmpOp(P("Book", "createdAt"), query.Gte, when))},
		{"find/lt-decimal", "decimals are bound as strings, sent in text format and parsed exactly by the server", find(cmpOp(P("Book", "price"), query.Lt, "10.50"))},
		{"find/lte", "Lte", find(cmpOp(P("Book", "weight"), query.Lte, 1.5))},
		{"find/like", "$like is LIKE: case-sensitive, backslash escapes", find(cmpOp(title, query.Like, `D%n_\%*`))},
		{"find/ilike", "$ilike is ILIKE", find(cmpOp(title, query.ILike, "d%"))},
		{"find/re", "$re is ~ (POSIX regular expression)", find(cmpOp(title, query.Re, "^D"))},
		{"find/exists", "Exists true is IS NOT NULL", find(cmpOp(P("Book", "meta"), query.Exists, true))},
		{"find/not-exists", "Exists false is IS NULL", find(cmpOp(P("Book", "meta"), query.Exists, false))},
		{"find/fk-eq", "a m:1 compares its foreign key column", find(cmpOp(P("Book", "author"), query.Eq, int64(7)))},
		{"find/and-or-not", "nested junctions are parenthesised, the top level is not", find(query.And{
			cmpOp(title, query.Eq, "a"),
			query.Or{cmpOp(P("Book", "pages"), query.Gt, int64(1)), query.Not{X: cmpOp(P("Book", "pages"), query.Lt, int64(0))}},
		})},
		{"find/empty-and-or", "empty And is true, empty Or is false", find(query.And{query.And{}, query.Or{}})},
		{"find/related-m1", "m:1: the foreign key IN a subquery on the target", find(&query.Related{Prop: P("Book", "author"),
			Where: cmpOp(P("Author", "name"), query.Re, "^Jon")})},
		{"find/related-nested", "nested subqueries get unique aliases", find(query.And{
			&query.Related{Prop: P("Book", "author"), Where: &query.Related{Prop: P("Author", "mentor"),
				Where: cmpOp(P("Author", "name"), query.Eq, "Ned")}},
			&query.Related{Prop: P("Book", "publisher"), Where: cmpOp(P("Publisher", "type"), query.Eq, "global")},
		})},
		{"find/related-1m", "1:m: the key IN the foreign keys of matching targets", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: author, Fields: []*schema.Property{P("Author", "id")},
				Where: &query.Related{Prop: P("Author", "books"), Where: query.Or{cmpOp(title, query.Eq, "a"), cmpOp(title, query.Eq, "b")}}})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/related-mn-owner", "m:n owner: the key IN the pivot joined to matching targets", find(&query.Related{Prop: P("Book", "tags"),
			Where: cmpOp(P("BookTag", "name"), query.Eq, "sf")})},
		{"find/related-mn-inverse", "m:n inverse: the pivot seen from the other side", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: tag, Fields: []*schema.Property{P("BookTag", "id")},
				Where: &query.Related{Prop: P("BookTag", "books"), Where: cmpOp(title, query.Eq, "Dune")}})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/related-mn-any", "m:n without a nested filter: any pivot row", find(&query.Related{Prop: P("Book", "tags")})},
		{"find/order-limit-offset", "order, limit and offset are bound", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields,
				OrderBy: []drivers.Order{{Prop: title, Dir: drivers.Desc}, {Prop: P("Book", "id")}}, Limit: 10, Offset: 20})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/offset-only", "OFFSET without LIMIT", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Offset: 5})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/lock-update", "FOR UPDATE", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Limit: 1, Lock: drivers.LockForUpdate})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/lock-share", "FOR SHARE", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Limit: 1, Lock: drivers.LockForShare})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/lock-nowait", "FOR UPDATE NOWAIT fails at once on a locked row", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Limit: 1, Lock: drivers.LockForUpdateNoWait})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/lock-skip-locked", "FOR UPDATE SKIP LOCKED leaves locked rows out", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Limit: 1, Lock: drivers.LockForUpdateSkipLocked})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/lock-unknown", "an unknown lock mode is not supported", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: bookFields, Lock: drivers.Lock(99)})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/pivot-owner", "populate Book.tags: owner key first, through the pivot", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: tag, Fields: []*schema.Property{P("BookTag", "id"), P("BookTag", "name")},
				Pivot: &drivers.PivotFilter{Prop: P("Book", "tags"), Keys: []any{uuid1, uuid2}},
				Where: cmpOp(P("BookTag", "name"), query.Ne, "x"), OrderBy: []drivers.Order{{Prop: P("BookTag", "name")}}})
			return []sqlbase.Stmt{st}, err
		}},
		{"find/pivot-inverse", "populate BookTag.books from the inverse side", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Find(d, &drivers.FindOp{Entity: book, Fields: []*schema.Property{P("Book", "id")},
				Pivot: &drivers.PivotFilter{Prop: P("BookTag", "books"), Keys: []any{int64(1), int64(2)}}})
			return []sqlbase.Stmt{st}, err
		}},
		{"count", "COUNT(*) with a filter", func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Count(d, &drivers.CountOp{Entity: book, Where: cmpOp(title, query.Eq, "x")})
			return []sqlbase.Stmt{st}, err
		}},
		{"insert", "one multi-row INSERT ... RETURNING the autoincrement key; every type converted", func() ([]sqlbase.Stmt, error) {
			fields := []*schema.Property{P("Author", "createdAt"), P("Author", "name"), P("Author", "termsAccepted"),
				P("Author", "born"), P("Author", "identities"), P("Author", "rating"), P("Author", "version")}
			return InsertStatements(&drivers.InsertOp{Entity: author, Fields: fields, Rows: [][]any{
				{when, "Jon", true, time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), map[string]any{"a": 1.0}, 4.5, int64(1)},
				{when, "Arya", false, nil, nil, nil, int64(1)},
			}})
		}},
		{"insert/client-key", "a client-side key: no RETURNING", func() ([]sqlbase.Stmt, error) {
			return InsertStatements(&drivers.InsertOp{Entity: book, Fields: []*schema.Property{P("Book", "id"), title, P("Book", "price"), P("Book", "cover")},
				Rows: [][]any{{uuid1, "A", "12345678.90", []byte{0, 255}}, {uuid2, "B", nil, nil}}})
		}},
		{"insert/no-fields", "only the generated key: VALUES (DEFAULT) per row", func() ([]sqlbase.Stmt, error) {
			return InsertStatements(&drivers.InsertOp{Entity: tag, Rows: [][]any{{}, {}}})
		}},
		{"insert/chunked", "at most 65535 parameters per statement: 3 fields, 21845 rows each", func() ([]sqlbase.Stmt, error) {
			rows := make([][]any, 21846)
			for i := range rows {
				rows[i] = []any{uuid1, "t", "draft"}
			}
			stmts, err := InsertStatements(&drivers.InsertOp{Entity: book, Fields: bookFields, Rows: rows})
			// Print the shape only.
			for i := range stmts {
				stmts[i] = sqlbase.Stmt{SQL: fmt.Sprintf("%d bytes, ends %q", len(stmts[i].SQL), stmts[i].SQL[len(stmts[i].SQL)-30:]),
					Args: []any{len(stmts[i].Args)}}
			}
			return stmts, err
		}},
		{"update/batch", "one UPDATE per row, the same text for the same field set, pipelined", func() ([]sqlbase.Stmt, error) {
			return UpdateStatements(&drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
				{Key: int64(1), Fields: []*schema.Property{P("Author", "age")}, Values: []any{int64(30)}},
				{Key: int64(2), Fields: []*schema.Property{P("Author", "name"), P("Author", "version")}, Values: []any{"A", int64(3)}, Version: int64(2)},
				{Key: int64(3), Fields: []*schema.Property{P("Author", "age")}, Values: []any{int64(31)}},
			}})
		}},
		{"update", "SET the given fields by key", func() ([]sqlbase.Stmt, error) {
			row := drivers.UpdateRow{Key: uuid1, Fields: []*schema.Property{title, P("Book", "cover")}, Values: []any{"New", []byte{1, 2}}}
			q, err := sqlbase.UpdateSQL(d, book, row.Fields, false)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, book, &row)
			return one(q, args, err)
		}},
		{"update/versioned", "a version adds AND version = ?", func() ([]sqlbase.Stmt, error) {
			row := drivers.UpdateRow{Key: int64(3), Fields: []*schema.Property{P("Author", "name"), P("Author", "version")},
				Values: []any{"Jon", int64(2)}, Version: int64(1)}
			q, err := sqlbase.UpdateSQL(d, author, row.Fields, true)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, author, &row)
			return one(q, args, err)
		}},
		{"update/composite", "a composite key is one equality per column", func() ([]sqlbase.Stmt, error) {
			p, _ := ed.Property("title")
			row := drivers.UpdateRow{Key: []any{"978", "en"}, Fields: []*schema.Property{p}, Values: []any{"T"}, Version: int64(4)}
			q, err := sqlbase.UpdateSQL(d, ed, row.Fields, true)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, ed, &row)
			return one(q, args, err)
		}},
		{"delete", "unversioned keys in one IN list", func() ([]sqlbase.Stmt, error) {
			return sqlbase.DeleteByKeys(d, book, []any{uuid1, uuid2})
		}},
		{"delete/composite", "composite keys are OR-ed equalities", func() ([]sqlbase.Stmt, error) {
			return sqlbase.DeleteByKeys(d, ed, []any{[]any{"1", "en"}, []any{"2", "de"}})
		}},
		{"delete/versioned", "a versioned key is deleted on its own with the version", func() ([]sqlbase.Stmt, error) {
			q, err := sqlbase.DeleteVersionedSQL(d, author)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.DeleteVersionedArgs(d, author, int64(3), int64(7))
			return one(q, args, err)
		}},
		{"pivot/insert", "all pairs in one multi-row INSERT", func() ([]sqlbase.Stmt, error) {
			return PivotInsertStatements(&drivers.PivotOp{Prop: P("Book", "tags"), Pairs: [][2]any{{uuid1, int64(5)}, {uuid2, int64(6)}}})
		}},
		{"pivot/delete", "pairs are OR-ed equalities", func() ([]sqlbase.Stmt, error) {
			return sqlbase.PivotDelete(d, P("Book", "tags"), [][2]any{{uuid1, int64(5)}, {uuid2, int64(6)}})
		}},
		{"pivot/inverse-side", "pivot writes go through the owning side only", func() ([]sqlbase.Stmt, error) {
			return PivotInsertStatements(&drivers.PivotOp{Prop: P("BookTag", "books"), Pairs: [][2]any{{int64(1), uuid1}}})
		}},
	}
	var b strings.Builder
	seen := map[string]bool{}
	for _, c := range cases {
		if c.name == "" || c.reason == "" || seen[c.name] {
			t.Fatalf("case %q needs a unique name and a reason", c.name)
		}
		seen[c.name] = true
		fmt.Fprintf(&b, "== %s: %s\n", c.name, c.reason)
		stmts, err := c.build()
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n\n", err)
			continue
		}
		for _, st := range stmts {
			fmt.Fprintf(&b, "%s\nargs: %s\n", st.SQL, formatArgs(st.Args))
		}
		b.WriteString("\n")
	}
	checkGolden(t, "statements.golden", b.String())
}

// TestSchemaDDL pins the CREATE and DROP statements of the example schemas.
func TestSchemaDDL(t *testing.T) {
	reg := exampleRegistry(t)
	create, err := SchemaStatements(reg)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("== create: tables, pivot tables, foreign keys (ALTER TABLE, tolerating existing ones), then indexes\n")
	for _, s := range create {
		b.WriteString(s + ";\n")
	}
	b.WriteString("\n== drop: pivot tables first, tolerating missing tables, CASCADE\n")
	for _, s := range sqlbase.DropSchema(Dialect{}, reg) {
		b.WriteString(s + ";\n")
	}
	checkGolden(t, "schema.golden", b.String())
}

package sqltest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Case is one entry of statements.golden: a unique name, the reason the statements look the
// way they do, and the builder. After names the case it follows in the file; it is set on
// a dialect's own cases only.
type Case struct {
	Name, Reason string
	After        string
	Build        func() ([]sqlbase.Stmt, error)
}

// Env is what the cases build statements from: the dialect, the example entities and a few
// fixed values.
type Env struct {
	T       *testing.T
	Reg     *schema.Registry
	Dialect sqlbase.Dialect

	Book, Author, Tag *schema.Entity
	Edition           *schema.Entity // see [Edition]
	Title             *schema.Property
	BookFields        []*schema.Property // Book.id, Book.title, Book.status
	UUID1, UUID2      string
	When              time.Time
}

// P returns the property entity.name.
func (e *Env) P(entity, name string) *schema.Property { return Prop(e.T, e.Reg, entity, name) }

// Find builds op in the dialect.
func (e *Env) Find(op *drivers.FindOp) func() ([]sqlbase.Stmt, error) {
	return func() ([]sqlbase.Stmt, error) {
		st, err := sqlbase.Find(e.Dialect, op)
		return []sqlbase.Stmt{st}, err
	}
}

// FindBooks builds a find of Book.BookFields filtered by where.
func (e *Env) FindBooks(where query.Expr) func() ([]sqlbase.Stmt, error) {
	return e.Find(&drivers.FindOp{Entity: e.Book, Fields: e.BookFields, Where: where})
}

// One is the result of a builder of one statement.
func One(sql string, args []any, err error) ([]sqlbase.Stmt, error) {
	return []sqlbase.Stmt{{SQL: sql, Args: args}}, err
}

// StatementsHarness describes a dialect to [RunStatements].
type StatementsHarness struct {
	Dialect sqlbase.Dialect
	// Reasons gives the reason of each shared case whose statement is the dialect's own
	// (see [DialectReasons]); every one of them is required.
	Reasons map[string]string
	// Cases returns the dialect's own cases, each with After set to the name of the case it
	// follows.
	Cases func(e *Env) []Case
}

// DialectReasons are the shared cases whose reason a dialect gives.
var DialectReasons = []string{"find/gte-datetime", "find/lt-decimal", "find/like", "find/ilike", "find/re", "find/offset-only"}

// RunStatements builds the shared cases and the dialect's own, in file order, and compares
// their statements with testdata/statements.golden.
func RunStatements(t *testing.T, h StatementsHarness) {
	reg := Registry(t)
	e := &Env{T: t, Reg: reg, Dialect: h.Dialect,
		Book: Entity(t, reg, "Book"), Author: Entity(t, reg, "Author"), Tag: Entity(t, reg, "BookTag"), Edition: Edition(),
		UUID1: "6f1c3a52-5d6b-4f7e-9a43-1b2c3d4e5f60", UUID2: "0b7e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d",
		When: time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)}
	e.Title = e.P("Book", "title")
	e.BookFields = []*schema.Property{e.P("Book", "id"), e.Title, e.P("Book", "status")}
	for _, name := range DialectReasons {
		if h.Reasons[name] == "" {
			t.Fatalf("the harness gives no reason for %q", name)
		}
	}
	shared := sharedCases(e, h.Reasons)
	var own []Case
	if h.Cases != nil {
		own = h.Cases(e)
	}
	known := map[string]bool{}
	for _, c := range shared {
		known[c.Name] = true
	}
	for _, c := range own {
		if !known[c.After] {
			t.Fatalf("case %q follows %q, which is not a shared case", c.Name, c.After)
		}
	}
	var cases []Case
	for _, c := range shared {
		cases = append(cases, c)
		for _, o := range own {
			if o.After == c.Name {
				cases = append(cases, o)
			}
		}
	}

	var b strings.Builder
	seen := map[string]bool{}
	for _, c := range cases {
		if c.Name == "" || c.Reason == "" || seen[c.Name] {
			t.Fatalf("case %q needs a unique name and a reason", c.Name)
		}
		seen[c.Name] = true
		fmt.Fprintf(&b, "== %s: %s\n", c.Name, c.Reason)
		stmts, err := c.Build()
		if err != nil {
			fmt.Fprintf(&b, "error: %v\n\n", err)
			continue
		}
		for _, st := range stmts {
			fmt.Fprintf(&b, "%s\nargs: %s\n", st.SQL, FormatArgs(st.Args))
		}
		b.WriteString("\n")
	}
	CheckGolden(t, "statements.golden", b.String())
}

// sharedCases are the cases every dialect builds through sqlbase alone, in file order.
func sharedCases(e *Env, reasons map[string]string) []Case {
	d, book, author, tag, ed, title := e.Dialect, e.Book, e.Author, e.Tag, e.Edition, e.Title
	P, find := e.P, e.FindBooks
	cmpOp := func(p *schema.Property, op query.Op, v any) query.Expr { return &query.Cmp{Prop: p, Op: op, Value: v} }
	uuid1, uuid2 := e.UUID1, e.UUID2
	return []Case{
		{Name: "find/all", Reason: "no filter: no WHERE", Build: find(nil)},
		{Name: "find/eq", Reason: "equality binds the value", Build: find(cmpOp(title, query.Eq, "Dune"))},
		{Name: "find/eq-nil", Reason: "Eq nil is IS NULL", Build: find(cmpOp(P("Book", "price"), query.Eq, nil))},
		{Name: "find/ne", Reason: "Ne is <>", Build: find(cmpOp(title, query.Ne, "Dune"))},
		{Name: "find/ne-nil", Reason: "Ne nil is IS NOT NULL", Build: find(cmpOp(P("Book", "price"), query.Ne, nil))},
		{Name: "find/in", Reason: "In binds each value", Build: find(cmpOp(P("Book", "pages"), query.In, []any{int64(1), int64(2)}))},
		{Name: "find/in-empty", Reason: "empty In is false", Build: find(cmpOp(P("Book", "pages"), query.In, []any{}))},
		{Name: "find/nin", Reason: "Nin is NOT IN", Build: find(cmpOp(P("Book", "pages"), query.Nin, []any{int64(3)}))},
		{Name: "find/nin-empty", Reason: "empty Nin is true", Build: find(cmpOp(P("Book", "pages"), query.Nin, nil))},
		{Name: "find/gt", Reason: "Gt", Build: find(cmpOp(P("Book", "pages"), query.Gt, int64(100)))},
		{Name: "find/gte-datetime", Reason: reasons["find/gte-datetime"], Build: find(cmpOp(P("Book", "createdAt"), query.Gte, e.When))},
		{Name: "find/lt-decimal", Reason: reasons["find/lt-decimal"], Build: find(cmpOp(P("Book", "price"), query.Lt, "10.50"))},
		{Name: "find/lte", Reason: "Lte", Build: find(cmpOp(P("Book", "weight"), query.Lte, 1.5))},
		{Name: "find/like", Reason: reasons["find/like"], Build: find(cmpOp(title, query.Like, `D%n_\%*`))},
		{Name: "find/ilike", Reason: reasons["find/ilike"], Build: find(cmpOp(title, query.ILike, "d%"))},
		{Name: "find/re", Reason: reasons["find/re"], Build: find(cmpOp(title, query.Re, "^D"))},
		{Name: "find/exists", Reason: "Exists true is IS NOT NULL", Build: find(cmpOp(P("Book", "meta"), query.Exists, true))},
		{Name: "find/not-exists", Reason: "Exists false is IS NULL", Build: find(cmpOp(P("Book", "meta"), query.Exists, false))},
		{Name: "find/fk-eq", Reason: "a m:1 compares its foreign key column", Build: find(cmpOp(P("Book", "author"), query.Eq, int64(7)))},
		{Name: "find/and-or-not", Reason: "nested junctions are parenthesised, the top level is not", Build: find(query.And{
			cmpOp(title, query.Eq, "a"),
			query.Or{cmpOp(P("Book", "pages"), query.Gt, int64(1)), query.Not{X: cmpOp(P("Book", "pages"), query.Lt, int64(0))}},
		})},
		{Name: "find/empty-and-or", Reason: "empty And is true, empty Or is false", Build: find(query.And{query.And{}, query.Or{}})},
		{Name: "find/related-m1", Reason: "m:1: the foreign key IN a subquery on the target", Build: find(&query.Related{Prop: P("Book", "author"),
			Where: cmpOp(P("Author", "name"), query.Re, "^Jon")})},
		{Name: "find/related-nested", Reason: "nested subqueries get unique aliases", Build: find(query.And{
			&query.Related{Prop: P("Book", "author"), Where: &query.Related{Prop: P("Author", "mentor"),
				Where: cmpOp(P("Author", "name"), query.Eq, "Ned")}},
			&query.Related{Prop: P("Book", "publisher"), Where: cmpOp(P("Publisher", "type"), query.Eq, "global")},
		})},
		{Name: "find/related-1m", Reason: "1:m: the key IN the foreign keys of matching targets", Build: e.Find(&drivers.FindOp{
			Entity: author, Fields: []*schema.Property{P("Author", "id")},
			Where: &query.Related{Prop: P("Author", "books"), Where: query.Or{cmpOp(title, query.Eq, "a"), cmpOp(title, query.Eq, "b")}}})},
		{Name: "find/related-mn-owner", Reason: "m:n owner: the key IN the pivot joined to matching targets", Build: find(&query.Related{Prop: P("Book", "tags"),
			Where: cmpOp(P("BookTag", "name"), query.Eq, "sf")})},
		{Name: "find/related-mn-inverse", Reason: "m:n inverse: the pivot seen from the other side", Build: e.Find(&drivers.FindOp{
			Entity: tag, Fields: []*schema.Property{P("BookTag", "id")},
			Where: &query.Related{Prop: P("BookTag", "books"), Where: cmpOp(title, query.Eq, "Dune")}})},
		{Name: "find/related-mn-any", Reason: "m:n without a nested filter: any pivot row", Build: find(&query.Related{Prop: P("Book", "tags")})},
		{Name: "find/order-limit-offset", Reason: "order, limit and offset are bound", Build: e.Find(&drivers.FindOp{Entity: book, Fields: e.BookFields,
			OrderBy: []drivers.Order{{Prop: title, Dir: drivers.Desc}, {Prop: P("Book", "id")}}, Limit: 10, Offset: 20})},
		{Name: "find/order-related", Reason: "order by properties of related entities: a scalar subquery per to-one relation, by key", Build: e.Find(&drivers.FindOp{Entity: book, Fields: e.BookFields,
			OrderBy: []drivers.Order{{Prop: P("Author", "name"), Dir: drivers.Desc, Path: []*schema.Property{P("Book", "author")}},
				{Prop: P("Author", "name"), Path: []*schema.Property{P("Book", "author"), P("Author", "mentor")}}, {Prop: title}}})},
		{Name: "find/offset-only", Reason: reasons["find/offset-only"], Build: e.Find(&drivers.FindOp{Entity: book, Fields: e.BookFields, Offset: 5})},
		{Name: "find/pivot-owner", Reason: "populate Book.tags: owner key first, through the pivot", Build: e.Find(&drivers.FindOp{
			Entity: tag, Fields: []*schema.Property{P("BookTag", "id"), P("BookTag", "name")},
			Pivot: &drivers.PivotFilter{Prop: P("Book", "tags"), Keys: []any{uuid1, uuid2}},
			Where: cmpOp(P("BookTag", "name"), query.Ne, "x"), OrderBy: []drivers.Order{{Prop: P("BookTag", "name")}}})},
		{Name: "find/pivot-inverse", Reason: "populate BookTag.books from the inverse side", Build: e.Find(&drivers.FindOp{
			Entity: book, Fields: []*schema.Property{P("Book", "id")},
			Pivot: &drivers.PivotFilter{Prop: P("BookTag", "books"), Keys: []any{int64(1), int64(2)}}})},
		{Name: "count", Reason: "COUNT(*) with a filter", Build: func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.Count(d, &drivers.CountOp{Entity: book, Where: cmpOp(title, query.Eq, "x")})
			return []sqlbase.Stmt{st}, err
		}},
		{Name: "update", Reason: "SET the given fields by key", Build: func() ([]sqlbase.Stmt, error) {
			row := drivers.UpdateRow{Key: uuid1, Fields: []*schema.Property{title, P("Book", "cover")}, Values: []any{"New", []byte{1, 2}}}
			q, err := sqlbase.UpdateSQL(d, book, row.Fields, false)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, book, &row)
			return One(q, args, err)
		}},
		{Name: "update/versioned", Reason: "a version adds AND version = ?", Build: func() ([]sqlbase.Stmt, error) {
			row := drivers.UpdateRow{Key: int64(3), Fields: []*schema.Property{P("Author", "name"), P("Author", "version")},
				Values: []any{"Jon", int64(2)}, Version: int64(1)}
			q, err := sqlbase.UpdateSQL(d, author, row.Fields, true)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, author, &row)
			return One(q, args, err)
		}},
		{Name: "update/composite", Reason: "a composite key is one equality per column", Build: func() ([]sqlbase.Stmt, error) {
			p, _ := ed.Property("title")
			row := drivers.UpdateRow{Key: []any{"978", "en"}, Fields: []*schema.Property{p}, Values: []any{"T"}, Version: int64(4)}
			q, err := sqlbase.UpdateSQL(d, ed, row.Fields, true)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.UpdateArgs(d, ed, &row)
			return One(q, args, err)
		}},
		{Name: "delete", Reason: "unversioned keys in one IN list", Build: func() ([]sqlbase.Stmt, error) {
			return sqlbase.DeleteByKeys(d, book, []any{uuid1, uuid2})
		}},
		{Name: "delete/composite", Reason: "composite keys are OR-ed equalities", Build: func() ([]sqlbase.Stmt, error) {
			return sqlbase.DeleteByKeys(d, ed, []any{[]any{"1", "en"}, []any{"2", "de"}})
		}},
		{Name: "delete/versioned", Reason: "a versioned key is deleted on its own with the version", Build: func() ([]sqlbase.Stmt, error) {
			q, err := sqlbase.DeleteVersionedSQL(d, author)
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.DeleteVersionedArgs(d, author, int64(3), int64(7))
			return One(q, args, err)
		}},
		{Name: "update/where", Reason: "a native update: SET the fields, the version + 1, on the rows of a filter whose own columns are unqualified; related filters are subqueries", Build: func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.UpdateWhere(d, &drivers.UpdateWhereOp{Entity: author, Fields: []*schema.Property{P("Author", "age"), P("Author", "updatedAt")},
				Values: []any{int64(21), e.When}, Bump: P("Author", "version"), Where: query.And{
					cmpOp(P("Author", "age"), query.Lt, int64(20)),
					&query.Related{Prop: P("Author", "mentor"), Where: cmpOp(P("Author", "name"), query.Eq, "Jon")},
				}})
			return []sqlbase.Stmt{st}, err
		}},
		{Name: "delete/where", Reason: "a native delete through m:1 and m:n filters", Build: func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.DeleteWhere(d, &drivers.DeleteWhereOp{Entity: book, Where: query.Or{
				&query.Related{Prop: P("Book", "author"), Where: cmpOp(P("Author", "name"), query.Eq, "Jon")},
				&query.Related{Prop: P("Book", "tags"), Where: cmpOp(P("BookTag", "name"), query.Eq, "sf")},
			}})
			return []sqlbase.Stmt{st}, err
		}},
		{Name: "delete/all", Reason: "a native delete without a filter", Build: func() ([]sqlbase.Stmt, error) {
			st, err := sqlbase.DeleteWhere(d, &drivers.DeleteWhereOp{Entity: tag})
			return []sqlbase.Stmt{st}, err
		}},
		{Name: "pivot/delete", Reason: "pairs are OR-ed equalities", Build: func() ([]sqlbase.Stmt, error) {
			return sqlbase.PivotDelete(d, P("Book", "tags"), [][2]any{{uuid1, int64(5)}, {uuid2, int64(6)}})
		}},
	}
}

// PivotPerPairCases are the pivot insert cases of a dialect that inserts pivot rows with
// sqlbase's one-pair statement: pivot/insert and pivot/inverse-side.
func PivotPerPairCases(e *Env) []Case {
	return []Case{
		{Name: "pivot/insert", Reason: "one pair per execution", After: "delete/versioned", Build: func() ([]sqlbase.Stmt, error) {
			q, err := sqlbase.PivotInsertSQL(e.Dialect, e.P("Book", "tags"))
			if err != nil {
				return nil, err
			}
			args, err := sqlbase.PivotArgs(e.Dialect, e.P("Book", "tags"), [2]any{e.UUID1, int64(5)})
			return One(q, args, err)
		}},
		{Name: "pivot/inverse-side", Reason: "pivot writes go through the owning side only", After: "pivot/delete", Build: func() ([]sqlbase.Stmt, error) {
			_, err := sqlbase.PivotInsertSQL(e.Dialect, e.P("BookTag", "books"))
			return nil, err
		}},
	}
}

// SchemaGolden compares the DDL of the example schema with testdata/schema.golden: the
// create statements under createReason, then the drop statements under dropReason.
func SchemaGolden(t *testing.T, create []string, createReason string, drop []string, dropReason string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("== create: " + createReason + "\n")
	for _, s := range create {
		b.WriteString(s + ";\n")
	}
	b.WriteString("\n== drop: " + dropReason + "\n")
	for _, s := range drop {
		b.WriteString(s + ";\n")
	}
	CheckGolden(t, "schema.golden", b.String())
}

// Props returns the named properties of entity.
func (e *Env) Props(entity string, names ...string) []*schema.Property {
	out := make([]*schema.Property, len(names))
	for i, n := range names {
		out[i] = e.P(entity, n)
	}
	return out
}

// AuthorInsert is what the insert cases write for an entity with a generated key: fields of
// every type and two rows, the second with NULLs.
func (e *Env) AuthorInsert() ([]*schema.Property, [][]any) {
	return e.Props("Author", "createdAt", "name", "termsAccepted", "born", "identities", "rating", "version"), [][]any{
		{e.When, "Jon", true, time.Date(1990, 1, 2, 0, 0, 0, 0, time.UTC), map[string]any{"a": 1.0}, 4.5, int64(1)},
		{e.When, "Arya", false, nil, nil, nil, int64(1)},
	}
}

// BookInsert is what the insert cases write for an entity with a client-side key.
func (e *Env) BookInsert() ([]*schema.Property, [][]any) {
	return []*schema.Property{e.P("Book", "id"), e.Title, e.P("Book", "price"), e.P("Book", "cover")},
		[][]any{{e.UUID1, "A", "12345678.90", []byte{0, 255}}, {e.UUID2, "B", nil, nil}}
}

// RowArgs converts rows to arguments, row after row, as one multi-row statement binds them.
func (e *Env) RowArgs(fields []*schema.Property, rows [][]any) ([]any, error) {
	var args []any
	for _, row := range rows {
		a, err := sqlbase.Args(e.Dialect, fields, row)
		if err != nil {
			return nil, err
		}
		args = append(args, a...)
	}
	return args, nil
}

package driverstest

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// OpsHarness describes a SQL driver to [RunOps]: how to open it, and what differs between
// dialects, stated as the expected value.
type OpsHarness struct {
	// Open returns a driver on a new, empty database that reports round trips to
	// cfg.OnQuery.
	Open func(t testing.TB, cfg drivers.Config) drivers.Driver
	// Exec runs one DDL statement on the database of d; Tables lists its tables by name.
	Exec   func(ctx context.Context, d drivers.Driver, sql string) error
	Tables func(ctx context.Context, d drivers.Driver) ([]string, error)
	// CreateEdition creates the table of [sqltest.Edition]: "edition" with columns isbn,
	// lang, title (text), version (integer) and PRIMARY KEY (isbn, lang).
	CreateEdition string

	// Locking is the driver's Capabilities().Locking: with it FOR SHARE works outside a
	// transaction, without it a locking find is ErrNotSupported.
	Locking bool
	// NullsFirstInDesc: NULL sorts above every value (first in DESC), as in PostgreSQL.
	NullsFirstInDesc bool
	// InsertEvents are the statements of a 3-row insert into BookTag.
	InsertEvents []string
	// TxEvents are the statements of a 1-row insert into BookTag, a count of BookTag, and a
	// transaction with a savepoint deleting BookTag 1 and 2, rolled back, then committed.
	TxEvents []string
	// GroupedUpdateEvents are the statements of an unversioned update of Author: age of
	// row 1, name of row 2, age of row 2.
	GroupedUpdateEvents []string
	// ForeignKeyColumn is the Column of the ConstraintError of a book with an unknown author
	// ("" when the database does not name it).
	ForeignKeyColumn string
	// AfterDrop, when set, checks the database after DropSchema.
	AfterDrop func(t *testing.T, f *OpsEnv)
}

// OpsCase is one behaviour of the operations of a SQL driver.
type OpsCase struct {
	Name string
	Run  func(t *testing.T, h OpsHarness, f *OpsEnv)
}

// OpsCases are the cases of [RunOps].
var OpsCases = []OpsCase{
	{"RoundTripEveryType", opsRoundTripEveryType},
	{"Filters", opsFilters},
	{"PivotPopulate", opsPivotPopulate},
	{"GeneratedKeysAndEvents", opsGeneratedKeysAndEvents},
	{"Savepoints", opsSavepoints},
	{"VersionedWrites", opsVersionedWrites},
	{"CompositeKeys", opsCompositeKeys},
	{"ConstraintErrors", opsConstraintErrors},
	{"CreateDropSchema", opsCreateDropSchema},
}

// RunOps runs the typed operations of package drivers (no em in between) on a SQL driver,
// each case on a fresh database with the example schema: values of every type, filters,
// populate through pivots, generated keys and the statements logged, savepoints, versioned
// writes, composite keys, constraint errors and the schema's create and drop.
func RunOps(t *testing.T, h OpsHarness) {
	for _, c := range OpsCases {
		t.Run(c.Name, func(t *testing.T) {
			c.Run(t, h, NewOpsEnv(t, h.Open))
		})
	}
}

func opsRoundTripEveryType(t *testing.T, h OpsHarness, f *OpsEnv) {
	authorFields := []string{"createdAt", "updatedAt", "name", "email", "age", "termsAccepted", "born", "identities", "rating", "password", "version"}
	authorRow := []any{T0, T0.Add(time.Hour), "Jon", "jon@x", int64(-32768), true, time.Date(1990, 12, 31, 0, 0, 0, 0, time.UTC),
		map[string]any{"github": "jon", "n": 1.5, "list": []any{true, nil, "x"}}, 4.25, "secret", int64(2147483647)}
	gen := f.Insert("Author", authorFields, authorRow)
	if len(gen) != 1 || gen[0] != int64(1) {
		t.Fatalf("generated = %#v, want [1]", gen)
	}
	got := f.Find(f.Driver, &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", append([]string{"id"}, authorFields...)...)})
	want := [][]any{append([]any{int64(1)}, authorRow...)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("author (-want +got):\n%s", diff)
	}

	bookFields := []string{"id", "createdAt", "updatedAt", "title", "description", "price", "pages", "weight", "meta", "cover", "status", "author"}
	bookRow := []any{UUIDA, T0, T0, "T", "long ' text", "12345678.90", int64(-5), 0.1, []any{1.0, "a"}, []byte{0, 1, 255}, "published", int64(1)}
	f.Insert("Book", bookFields, bookRow)
	got = f.Find(f.Driver, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", bookFields...)})
	if diff := cmp.Diff([][]any{bookRow}, got); diff != "" {
		t.Errorf("book (-want +got):\n%s", diff)
	}

	f.Insert("Publisher", []string{"name", "opensAt"}, []any{"P", "09:30:00"})
	got = f.Find(f.Driver, &drivers.FindOp{Entity: f.E("Publisher"), Fields: f.Props("Publisher", "id", "name", "type", "opensAt")})
	if diff := cmp.Diff([][]any{{int64(1), "P", "local", "09:30:00"}}, got); diff != "" {
		t.Errorf("publisher, with defaults (-want +got):\n%s", diff)
	}

	// NULLs read back as nil; the scalar JSON string stays a string.
	f.Insert("Book", []string{"id", "createdAt", "updatedAt", "title", "author", "meta"}, []any{UUIDB, T0, T0, "N", int64(1), "just a string"})
	got = f.Find(f.Driver, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", "description", "price", "pages", "weight", "meta", "cover", "publisher"),
		Where: &query.Cmp{Prop: f.P("Book", "id"), Op: query.Eq, Value: UUIDB}})
	if diff := cmp.Diff([][]any{{nil, nil, nil, nil, "just a string", nil, nil}}, got); diff != "" {
		t.Errorf("nulls (-want +got):\n%s", diff)
	}
}

func opsFilters(t *testing.T, h OpsHarness, f *OpsEnv) {
	authors, tags := f.Seed()
	book := f.E("Book")
	ids := func(where query.Expr) []string {
		t.Helper()
		var out []string
		for _, r := range f.Find(f.Driver, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"), Where: where}) {
			out = append(out, r[0].(string))
		}
		sort.Strings(out)
		return out
	}
	c := func(e, p string, op query.Op, v any) *query.Cmp { return &query.Cmp{Prop: f.P(e, p), Op: op, Value: v} }
	cases := []struct {
		name  string
		where query.Expr
		want  []string
	}{
		{"eq", c("Book", "title", query.Eq, "Dune"), []string{"Dune"}},
		{"ne", c("Book", "title", query.Ne, "Dune"), []string{"Emma", "dune messiah"}},
		{"eq-nil", c("Book", "price", query.Eq, nil), []string{"Emma"}},
		{"ne-nil", c("Book", "price", query.Ne, nil), []string{"Dune", "dune messiah"}},
		{"in", c("Book", "pages", query.In, []any{int64(100), int64(7)}), []string{"Dune"}},
		{"in-empty", c("Book", "pages", query.In, []any{}), nil},
		{"nin", c("Book", "pages", query.Nin, []any{int64(100)}), []string{"dune messiah"}},
		{"nin-empty", c("Book", "pages", query.Nin, []any{}), []string{"Dune", "Emma", "dune messiah"}},
		{"gt", c("Book", "pages", query.Gt, int64(100)), []string{"dune messiah"}},
		{"gte", c("Book", "pages", query.Gte, int64(100)), []string{"Dune", "dune messiah"}},
		{"lt", c("Book", "pages", query.Lt, int64(200)), []string{"Dune"}},
		{"lte", c("Book", "pages", query.Lte, int64(200)), []string{"Dune", "dune messiah"}},
		{"decimal-gt-exact", c("Book", "price", query.Gt, "9.990"), []string{"dune messiah"}},
		{"decimal-eq-scale", c("Book", "price", query.Eq, "10.5"), []string{"dune messiah"}},
		{"decimal-lt", c("Book", "price", query.Lt, "10"), []string{"Dune"}},
		{"datetime-gte", c("Book", "createdAt", query.Gte, T0), []string{"Dune", "Emma", "dune messiah"}},
		{"datetime-gt", c("Book", "createdAt", query.Gt, T0), nil},
		{"like-case-sensitive", c("Book", "title", query.Like, "D%"), []string{"Dune"}},
		{"like-underscore", c("Book", "title", query.Like, "_une"), []string{"Dune"}},
		{"like-escape", c("Book", "title", query.Like, `Dune\%`), nil},
		{"ilike", c("Book", "title", query.ILike, "d%"), []string{"Dune", "dune messiah"}},
		{"re", c("Book", "title", query.Re, "^[Dd]une( |$)"), []string{"Dune", "dune messiah"}},
		{"re-case", c("Book", "title", query.Re, "(?i)^EMMA$"), []string{"Emma"}},
		{"exists", c("Book", "publisher", query.Exists, true), []string{"Dune"}},
		{"not-exists", c("Book", "publisher", query.Exists, false), []string{"Emma", "dune messiah"}},
		{"enum", c("Book", "status", query.Eq, "published"), []string{"dune messiah"}},
		{"fk", c("Book", "author", query.Eq, authors[1]), []string{"Emma"}},
		{"and-or-not", query.And{c("Book", "status", query.Eq, "draft"),
			query.Or{c("Book", "title", query.Eq, "Emma"), query.Not{X: c("Book", "pages", query.Gt, int64(50))}}}, []string{"Emma"}},
		{"related-m1", &query.Related{Prop: f.P("Book", "author"), Where: c("Author", "name", query.Re, "^Jon")}, []string{"Dune", "dune messiah"}},
		{"related-m1-bool", &query.Related{Prop: f.P("Book", "author"), Where: c("Author", "termsAccepted", query.Eq, false)}, []string{"Emma"}},
		{"related-m1-nested", &query.Related{Prop: f.P("Book", "publisher"), Where: c("Publisher", "type", query.Eq, "global")}, []string{"Dune"}},
		{"related-mn", &query.Related{Prop: f.P("Book", "tags"), Where: c("BookTag", "name", query.Eq, "classic")}, []string{"Dune", "Emma"}},
		{"related-mn-id", &query.Related{Prop: f.P("Book", "tags"), Where: c("BookTag", "id", query.Eq, tags[0])}, []string{"Dune", "dune messiah"}},
		{"not-related-mn", query.Not{X: &query.Related{Prop: f.P("Book", "tags"), Where: c("BookTag", "name", query.Eq, "sf")}}, []string{"Emma"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ids(tc.where)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// 1:m and inverse m:n.
	names := func(entity, field string, where query.Expr) []string {
		var out []string
		for _, r := range f.Find(f.Driver, &drivers.FindOp{Entity: f.E(entity), Fields: f.Props(entity, field), Where: where}) {
			out = append(out, r[0].(string))
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff([]string{"Jon Snow"}, names("Author", "name", &query.Related{Prop: f.P("Author", "books"),
		Where: c("Book", "status", query.Eq, "published")})); diff != "" {
		t.Errorf("related 1:m (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"classic"}, names("BookTag", "name", &query.Related{Prop: f.P("BookTag", "books"),
		Where: c("Book", "title", query.Eq, "Emma")})); diff != "" {
		t.Errorf("related m:n inverse (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Pub"}, names("Publisher", "name", &query.Related{Prop: f.P("Publisher", "books")})); diff != "" {
		t.Errorf("related 1:m any (-want +got):\n%s", diff)
	}

	// Order, limit, offset, count. Where NULL sorts (h.NullsFirstInDesc) is the dialect's;
	// without NULLs the order is the same everywhere.
	got := f.Find(f.Driver, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"), Where: c("Book", "price", query.Ne, nil),
		OrderBy: []drivers.Order{{Prop: f.P("Book", "price"), Dir: drivers.Desc}}, Limit: 2, Offset: 0})
	if diff := cmp.Diff([][]any{{"dune messiah"}, {"Dune"}}, got); diff != "" {
		t.Errorf("order by decimal desc (-want +got):\n%s", diff)
	}
	want := [][]any{{"dune messiah"}, {"Dune"}}
	if h.NullsFirstInDesc {
		want = [][]any{{"Emma"}, {"dune messiah"}}
	}
	got = f.Find(f.Driver, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"),
		OrderBy: []drivers.Order{{Prop: f.P("Book", "price"), Dir: drivers.Desc}}, Limit: 2, Offset: 0})
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order by decimal desc, with a NULL (-want +got):\n%s", diff)
	}
	got = f.Find(f.Driver, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"),
		OrderBy: []drivers.Order{{Prop: f.P("Book", "title")}}, Offset: 1})
	if diff := cmp.Diff([][]any{{"Emma"}, {"dune messiah"}}, got); diff != "" {
		t.Errorf("offset only (-want +got):\n%s", diff)
	}
	n, err := f.Driver.Count(f.Ctx, &drivers.CountOp{Entity: book, Where: c("Book", "status", query.Eq, "draft")})
	if err != nil || n != 2 {
		t.Errorf("count = %d, %v; want 2", n, err)
	}
	if got := f.Driver.Capabilities().Locking; got != h.Locking {
		t.Errorf("Capabilities().Locking = %v, want %v", got, h.Locking)
	}
	err = f.Driver.Find(f.Ctx, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"), Lock: drivers.LockForShare}, func([]any) error { return nil })
	if h.Locking && err != nil {
		t.Errorf("FOR SHARE outside a transaction: %v", err)
	} else if !h.Locking && !errors.Is(err, drivers.ErrNotSupported) {
		t.Errorf("lock: err = %v, want ErrNotSupported", err)
	}
}

func opsPivotPopulate(t *testing.T, h OpsHarness, f *OpsEnv) {
	_, tags := f.Seed()
	got := f.Find(f.Driver, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id", "name"),
		Pivot:   &drivers.PivotFilter{Prop: f.P("Book", "tags"), Keys: []any{UUIDA, UUIDC}},
		OrderBy: []drivers.Order{{Prop: f.P("BookTag", "name")}}})
	sort.SliceStable(got, func(i, j int) bool { return got[i][0].(string) < got[j][0].(string) })
	want := [][]any{{UUIDA, tags[1], "classic"}, {UUIDA, tags[0], "sf"}, {UUIDC, tags[1], "classic"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("populate Book.tags (-want +got):\n%s", diff)
	}
	got = f.Find(f.Driver, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", "id"),
		Pivot:   &drivers.PivotFilter{Prop: f.P("BookTag", "books"), Keys: []any{tags[0]}},
		OrderBy: []drivers.Order{{Prop: f.P("Book", "id")}}})
	if diff := cmp.Diff([][]any{{tags[0], UUIDA}, {tags[0], UUIDB}}, got); diff != "" {
		t.Errorf("populate BookTag.books (-want +got):\n%s", diff)
	}
	// Removing pairs.
	if err := f.Driver.DeletePivot(f.Ctx, &drivers.PivotOp{Prop: f.P("Book", "tags"), Pairs: [][2]any{{UUIDA, tags[0]}, {UUIDA, tags[1]}}}); err != nil {
		t.Fatal(err)
	}
	got = f.Find(f.Driver, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id"),
		Pivot: &drivers.PivotFilter{Prop: f.P("Book", "tags"), Keys: []any{UUIDA}}})
	if len(got) != 0 {
		t.Errorf("after DeletePivot: %v", got)
	}
}

func opsGeneratedKeysAndEvents(t *testing.T, h OpsHarness, f *OpsEnv) {
	gen := f.Insert("BookTag", []string{"name"}, []any{"a"}, []any{"b"}, []any{"c"})
	if diff := cmp.Diff([]any{int64(1), int64(2), int64(3)}, gen); diff != "" {
		t.Errorf("generated (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(h.InsertEvents, f.Rec.Queries()); diff != "" {
		t.Errorf("events of a 3-row insert (-want +got):\n%s", diff)
	}

	f.Rec.Reset()
	f.Insert("BookTag", []string{"name"}, []any{"d"})
	if n, _ := f.Driver.Count(f.Ctx, &drivers.CountOp{Entity: f.E("BookTag")}); n != 4 {
		t.Errorf("count = %d", n)
	}
	tx, err := f.Driver.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sp, err := tx.Begin(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.Delete(f.Ctx, &drivers.DeleteOp{Entity: f.E("BookTag"), Keys: []any{int64(1), int64(2)}}); err != nil {
		t.Fatal(err)
	}
	if err := sp.Rollback(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h.TxEvents, f.Rec.Queries()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, e := range f.Rec.Events() {
		if e.Err != nil {
			t.Errorf("%s: %v", e.Query, e.Err)
		}
	}
}

func opsSavepoints(t *testing.T, h OpsHarness, f *OpsEnv) {
	tags := f.E("BookTag")
	f.NestedSavepoints(t)
	got := f.Find(f.Driver, &drivers.FindOp{Entity: tags, Fields: f.Props("BookTag", "name"), OrderBy: []drivers.Order{{Prop: f.P("BookTag", "id")}}})
	if diff := cmp.Diff([][]any{{"outer"}, {"kept"}}, got); diff != "" {
		t.Errorf("after commit (-want +got):\n%s", diff)
	}

	// A rolled back transaction leaves nothing.
	tx, _ := f.Driver.Begin(f.Ctx, drivers.TxOptions{})
	f.InsertTag(t, tx, "gone")
	if err := tx.Rollback(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.CountTags(t, f.Driver); n != 2 {
		t.Errorf("after rollback: %d rows", n)
	}
	ro, err := f.Driver.Begin(f.Ctx, drivers.TxOptions{Isolation: drivers.Serializable, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n := f.CountTags(t, ro); n != 2 {
		t.Errorf("read-only tx: %d rows", n)
	}
	ro.Rollback(f.Ctx)
}

func opsVersionedWrites(t *testing.T, h OpsHarness, f *OpsEnv) {
	authors, _ := f.Seed()
	author := f.E("Author")
	name, version := f.P("Author", "name"), f.P("Author", "version")
	upd := func(v int64, key any) error {
		return f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
			{Key: key, Fields: []*schema.Property{name, version}, Values: []any{"renamed", v + 1}, Version: v},
		}})
	}
	if err := upd(1, authors[0]); err != nil {
		t.Fatal(err)
	}
	err := upd(1, authors[0]) // stale
	var na *drivers.NotAffectedError
	if !errors.As(err, &na) || na.Entity != "Author" || na.Key != authors[0] {
		t.Fatalf("stale update: err = %#v", err)
	}
	// Several rows with different field sets, unversioned: one transaction.
	f.Rec.Reset()
	err = f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
		{Key: authors[0], Fields: []*schema.Property{f.P("Author", "age")}, Values: []any{int64(30)}},
		{Key: authors[1], Fields: []*schema.Property{name}, Values: []any{"Arya"}},
		{Key: authors[1], Fields: []*schema.Property{f.P("Author", "age")}, Values: []any{int64(11)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h.GroupedUpdateEvents, f.Rec.Queries()); diff != "" {
		t.Errorf("grouped update events (-want +got):\n%s", diff)
	}
	got := f.Find(f.Driver, &drivers.FindOp{Entity: author, Fields: f.Props("Author", "name", "age", "version"), OrderBy: []drivers.Order{{Prop: f.P("Author", "id")}}})
	if diff := cmp.Diff([][]any{{"renamed", int64(30), int64(2)}, {"Arya", int64(11), int64(1)}}, got); diff != "" {
		t.Errorf("after updates (-want +got):\n%s", diff)
	}

	// A stale versioned delete fails and, being atomic, deletes nothing.
	f.Insert("Book", []string{"id", "createdAt", "updatedAt", "title", "author"}, []any{"dddddddd-0000-4000-8000-000000000004", T0, T0, "x", authors[1]})
	err = f.Driver.Delete(f.Ctx, &drivers.DeleteOp{Entity: f.E("Book"), Keys: []any{UUIDA, UUIDB, UUIDC, "dddddddd-0000-4000-8000-000000000004"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{{Key: authors[0], Fields: []*schema.Property{f.P("Author", "favouriteBook")}, Values: []any{nil}}}}); err != nil {
		t.Fatal(err)
	}
	err = f.Driver.Delete(f.Ctx, &drivers.DeleteOp{Entity: author, Keys: []any{authors[0], authors[1]}, Versions: []any{int64(2), int64(5)}})
	if !errors.As(err, &na) || na.Key != authors[1] {
		t.Fatalf("stale delete: err = %v", err)
	}
	if n, _ := f.Driver.Count(f.Ctx, &drivers.CountOp{Entity: author}); n != 2 {
		t.Errorf("after failed delete: %d authors, want 2", n)
	}
	if err := f.Driver.Delete(f.Ctx, &drivers.DeleteOp{Entity: author, Keys: []any{authors[0], authors[1]}, Versions: []any{int64(2), nil}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.Driver.Count(f.Ctx, &drivers.CountOp{Entity: author}); n != 0 {
		t.Errorf("after delete: %d authors", n)
	}
}

func opsCompositeKeys(t *testing.T, h OpsHarness, f *OpsEnv) {
	ed := sqltest.Edition()
	if err := h.Exec(f.Ctx, f.Driver, h.CreateEdition); err != nil {
		t.Fatal(err)
	}
	fields := ed.Properties
	if err := f.Driver.Insert(f.Ctx, &drivers.InsertOp{Entity: ed, Fields: fields, Rows: [][]any{
		{"1", "en", "One", int64(1)}, {"1", "de", "Eins", int64(1)}, {"2", "en", "Two", int64(1)}}}); err != nil {
		t.Fatal(err)
	}
	title, version := fields[2], fields[3]
	err := f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: ed, Rows: []drivers.UpdateRow{
		{Key: []any{"1", "de"}, Fields: []*schema.Property{title, version}, Values: []any{"Ein", int64(2)}, Version: int64(1)}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Driver.Delete(f.Ctx, &drivers.DeleteOp{Entity: ed, Keys: []any{[]any{"1", "en"}, []any{"2", "en"}}}); err != nil {
		t.Fatal(err)
	}
	got := f.Find(f.Driver, &drivers.FindOp{Entity: ed, Fields: fields})
	if diff := cmp.Diff([][]any{{"1", "de", "Ein", int64(2)}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func opsConstraintErrors(t *testing.T, h OpsHarness, f *OpsEnv) {
	authors, _ := f.Seed()
	check := func(name string, err error, kind drivers.ConstraintKind, entity, column string) {
		t.Helper()
		var ce *drivers.ConstraintError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want a ConstraintError", name, err)
			return
		}
		if ce.Kind != kind || ce.Entity != entity || ce.Column != column {
			t.Errorf("%s: got kind %v entity %q column %q, want %v %q %q (%v)", name, ce.Kind, ce.Entity, ce.Column, kind, entity, column, err)
		}
	}
	ins := func(entity string, fields []string, row ...any) error {
		return f.Driver.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E(entity), Fields: f.Props(entity, fields...), Rows: [][]any{row}})
	}
	authorFields := []string{"createdAt", "updatedAt", "name", "email", "version"}
	check("unique", ins("Author", authorFields, T0, T0, "x", "jon@wall.st", int64(1)), drivers.Unique, "Author", "email")
	check("primary key", ins("Book", []string{"id", "createdAt", "updatedAt", "title", "author"}, UUIDA, T0, T0, "x", authors[0]), drivers.Unique, "Book", "id")
	check("not null", ins("Author", authorFields, T0, T0, nil, "new@x", int64(1)), drivers.NotNull, "Author", "name")
	check("foreign key", ins("Book", []string{"id", "createdAt", "updatedAt", "title", "author"}, "eeeeeeee-0000-4000-8000-000000000005", T0, T0, "x", int64(99)), drivers.ForeignKey, "Book", h.ForeignKeyColumn)
	// The enum CHECK: write around Arg's validation with a raw value the schema would refuse.
	err := f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: f.E("Book"), Rows: []drivers.UpdateRow{{Key: UUIDA,
		Fields: []*schema.Property{{Name: "status", Type: schema.String, Column: "status", Entity: f.E("Book")}}, Values: []any{"lost"}}}})
	check("check", err, drivers.Check, "Book", "")
	var ce *drivers.ConstraintError
	if errors.As(err, &ce) && ce.Constraint != "book_status_check" {
		t.Errorf("check constraint name = %q", ce.Constraint)
	}
	check("pivot duplicate", f.Driver.InsertPivot(f.Ctx, &drivers.PivotOp{Prop: f.P("Book", "tags"), Pairs: [][2]any{{UUIDA, int64(1)}}}), drivers.Unique, "Book", "book_id, book_tag_id")
}

func opsCreateDropSchema(t *testing.T, h OpsHarness, f *OpsEnv) {
	f.Seed()
	tables := func() []string {
		t.Helper()
		out, err := h.Tables(f.Ctx, f.Driver)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if diff := cmp.Diff([]string{"author", "book", "book_tag", "book_tags", "publisher"}, tables()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	// Create again is a no-op; drop works with rows and the author <-> book cycle in place.
	if err := f.Driver.CreateSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if err := f.Driver.Update(f.Ctx, &drivers.UpdateOp{Entity: f.E("Author"), Rows: []drivers.UpdateRow{{Key: int64(1),
		Fields: []*schema.Property{f.P("Author", "favouriteBook")}, Values: []any{UUIDA}}}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Driver.DropSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if got := tables(); len(got) != 0 {
		t.Errorf("after drop: %v", got)
	}
	if err := f.Driver.DropSchema(f.Ctx, f.Reg); err != nil {
		t.Errorf("second drop: %v", err)
	}
	if h.AfterDrop != nil {
		h.AfterDrop(t, f)
	}
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// TestRoundTripEdgeValues writes values at the edges of each PostgreSQL type and reads them
// back unchanged (datetimes truncated to microseconds, in UTC).
func TestRoundTripEdgeValues(t *testing.T) {
	f := open(t)
	loc := time.FixedZone("X", -7*3600)
	nano := time.Date(2024, 2, 29, 23, 59, 59, 123456789, loc)
	fields := []string{"createdAt", "updatedAt", "name", "email", "age", "termsAccepted", "born", "identities", "rating", "version"}
	gen := f.Insert("Author", fields,
		[]any{nano, nano, "Ünïcödé ✓ 'q' \"d\"", "a@x", int64(-32768), false, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "just a string", 0.1, int64(-2147483648)},
		[]any{nano, nano, "b", "b@x", int64(32767), true, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), []any{1.0, true, nil, map[string]any{"k": "v"}}, -1e300, int64(2147483647)},
	)
	got := f.Find(f.d, &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", append([]string{"id"}, fields...)...),
		OrderBy: []drivers.Order{{Prop: f.P("Author", "id")}}})
	micro := nano.Truncate(time.Microsecond).UTC()
	want := [][]any{
		{gen[0], micro, micro, "Ünïcödé ✓ 'q' \"d\"", "a@x", int64(-32768), false, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), "just a string", 0.1, int64(-2147483648)},
		{gen[1], micro, micro, "b", "b@x", int64(32767), true, time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC), []any{1.0, true, nil, map[string]any{"k": "v"}}, -1e300, int64(2147483647)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("authors (-want +got):\n%s", diff)
	}
	if loc := got[0][1].(time.Time).Location(); loc != time.UTC {
		t.Errorf("datetime location %v, want UTC", loc)
	}

	bookFields := []string{"id", "createdAt", "updatedAt", "title", "price", "weight", "cover", "status", "author"}
	books := [][]any{
		{"00000000-0000-0000-0000-000000000000", micro, micro, "a", "99999999.99", float64(float32(3.4e38)), []byte{}, "draft", gen[0]},
		{"ffffffff-ffff-4fff-bfff-ffffffffffff", micro, micro, "b", "-0.01", 1.1, []byte{0, 0, 255}, "published", gen[1]},
		{"0a0b0c0d-0e0f-4000-8000-000000000001", micro, micro, "c", "0.00", -0.5, nil, "draft", gen[1]},
	}
	f.Insert("Book", bookFields, books...)
	got = f.Find(f.d, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", bookFields...), OrderBy: []drivers.Order{{Prop: f.P("Book", "title")}}})
	books[0][5] = 3.4e38 // the shortest decimal of the float32
	if diff := cmp.Diff(books, got); diff != "" {
		t.Errorf("books (-want +got):\n%s", diff)
	}
	// Decimals compare as numbers on the server.
	n, err := f.d.Count(f.Ctx, &drivers.CountOp{Entity: f.E("Book"), Where: &query.Cmp{Prop: f.P("Book", "price"), Op: query.Gt, Value: "-0.001"}})
	if err != nil || n != 2 {
		t.Errorf("price > -0.001: %d, %v", n, err)
	}

	f.Insert("Publisher", []string{"name", "opensAt"}, []any{"P", "23:59:59.123456"}, []any{"Q", "00:00:00"})
	got = f.Find(f.d, &drivers.FindOp{Entity: f.E("Publisher"), Fields: f.Props("Publisher", "name", "opensAt"), OrderBy: []drivers.Order{{Prop: f.P("Publisher", "name")}}})
	if diff := cmp.Diff([][]any{{"P", "23:59:59.123456"}, {"Q", "00:00:00"}}, got); diff != "" {
		t.Errorf("times (-want +got):\n%s", diff)
	}
}

// TestInsertChunks inserts more rows than one statement takes (InsertRows): two INSERT round
// trips in one transaction, keys in row order.
func TestInsertChunks(t *testing.T) {
	f := open(t)
	const rows = InsertRows + 10
	in := make([][]any, rows)
	for i := range in {
		in[i] = []any{fmt.Sprintf("t%06d", i)}
	}
	gen := f.Insert("BookTag", []string{"name"}, in...)
	q := f.Rec.Queries()
	if len(q) != 4 || q[0] != "BEGIN" || !strings.HasPrefix(q[1], "INSERT") || !strings.HasPrefix(q[2], "INSERT") || q[3] != "COMMIT" {
		t.Errorf("events: %d, first %.40q", len(q), q)
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id", "name")})
	byName := map[string]any{}
	for _, r := range got {
		byName[r[1].(string)] = r[0]
	}
	for i, r := range in {
		if byName[r[0].(string)] != gen[i] {
			t.Fatalf("row %d: generated %v, stored %v", i, gen[i], byName[r[0].(string)])
		}
	}
}

// TestBatchedUpdateStaleRow: a stale row in the middle of a pipelined batch fails the whole
// update with NotAffectedError naming it, and nothing is written.
func TestBatchedUpdateStaleRow(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	name, version := f.P("Author", "name"), f.P("Author", "version")
	f.Rec.Reset()
	err := f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: f.E("Author"), Rows: []drivers.UpdateRow{
		{Key: authors[0], Fields: []*schema.Property{name, version}, Values: []any{"x", int64(2)}, Version: int64(1)},
		{Key: authors[1], Fields: []*schema.Property{name, version}, Values: []any{"y", int64(8)}, Version: int64(7)},
	}})
	var na *drivers.NotAffectedError
	if !errors.As(err, &na) || na.Entity != "Author" || na.Key != authors[1] {
		t.Fatalf("err = %v, want NotAffectedError for %v", err, authors[1])
	}
	if diff := cmp.Diff([]string{"BEGIN", "UPDATE", "ROLLBACK"}, kinds(f.Rec.Queries())); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", "name"), OrderBy: []drivers.Order{{Prop: f.P("Author", "id")}}})
	if diff := cmp.Diff([][]any{{"Jon Snow"}, {"arya stark"}}, got); diff != "" {
		t.Errorf("rows after failed update (-want +got):\n%s", diff)
	}
}

func kinds(qs []string) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i], _, _ = strings.Cut(q, " ")
	}
	return out
}

// TestLocking: a row locked FOR UPDATE by tx1 blocks tx2's FOR UPDATE until tx1 commits;
// NOWAIT fails at once, SKIP LOCKED leaves the row out.
func TestLocking(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	author := f.E("Author")
	byKey := func(lock drivers.Lock) *drivers.FindOp {
		return &drivers.FindOp{Entity: author, Fields: f.Props("Author", "id", "age"), Lock: lock,
			Where: &query.Cmp{Prop: f.P("Author", "id"), Op: query.Eq, Value: authors[0]}}
	}
	ctx, cancel := context.WithTimeout(f.Ctx, 10*time.Second)
	defer cancel()
	tx1, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx)
	if rows := f.Find(tx1, byKey(drivers.LockForUpdate)); len(rows) != 1 {
		t.Fatalf("tx1 found %d rows", len(rows))
	}

	// NOWAIT and SKIP LOCKED, each in its own transaction.
	tx3, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = tx3.Find(ctx, byKey(drivers.LockForUpdateNoWait), func([]any) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "55P03") {
		t.Errorf("NOWAIT on a locked row: err = %v, want SQLSTATE 55P03 (lock_not_available)", err)
	}
	tx3.Rollback(ctx)
	tx4, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := f.Find(tx4, &drivers.FindOp{Entity: author, Fields: f.Props("Author", "id"), Lock: drivers.LockForUpdateSkipLocked}); len(rows) != 1 || rows[0][0] != authors[1] {
		t.Errorf("SKIP LOCKED: %v, want only %v", rows, authors[1])
	}
	tx4.Rollback(ctx)

	tx2, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx)
	got := make(chan []any, 1)
	errc := make(chan error, 1)
	go func() {
		var row []any
		err := tx2.Find(ctx, byKey(drivers.LockForUpdate), func(r []any) error { row = append([]any(nil), r...); return nil })
		errc <- err
		got <- row
	}()
	select {
	case err := <-errc:
		t.Fatalf("tx2's FOR UPDATE did not wait for tx1 (err %v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := tx1.Update(ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{{Key: authors[0],
		Fields: []*schema.Property{f.P("Author", "age")}, Values: []any{int64(77)}}}}); err != nil {
		t.Fatal(err)
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if err != nil {
			t.Fatal(err)
		}
		if row := <-got; len(row) != 2 || row[1] != int64(77) {
			t.Errorf("tx2 read %v after tx1's commit, want age 77", row)
		}
	case <-ctx.Done():
		t.Fatal("tx2 still blocked after tx1 committed")
	}
	if err := tx2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestConnErrors: an unreachable server and a killed backend are *drivers.ConnError.
func TestConnErrors(t *testing.T) {
	u, err := url.Parse(newDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	bad := *u
	bad.Host = "127.0.0.1:1" // nothing listens on port 1
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = drivers.Open(ctx, bad.String()+"&connect_timeout=2", drivers.Config{})
	var ce *drivers.ConnError
	if !errors.As(err, &ce) {
		t.Errorf("open of an unreachable server: err = %T %v, want *drivers.ConnError", err, err)
	}

	f := open(t)
	tx, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if err := tx.(*Tx).tx.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := adminPool(t).Exec(ctx, "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	_, err = tx.Count(ctx, &drivers.CountOp{Entity: f.E("Author")})
	if !errors.As(err, &ce) {
		t.Errorf("query on a killed connection: err = %T %v, want *drivers.ConnError", err, err)
	} else if ce.SafeToRetry() {
		t.Errorf("a statement sent on a killed connection is not known to be unsent: Retry = true")
	}
	_ = tx.Rollback(ctx)
	// The pool replaces the dead connection.
	if _, err := f.d.Count(ctx, &drivers.CountOp{Entity: f.E("Author")}); err != nil {
		t.Errorf("after the killed backend: %v", err)
	}
}

// TestURLSchemes: both schemes are registered and reach the same driver.
func TestURLSchemes(t *testing.T) {
	raw := newDatabase(t)
	for _, scheme := range []string{"postgres", "postgresql"} {
		u, _ := url.Parse(raw)
		u.Scheme = scheme
		d, err := drivers.Open(context.Background(), u.String(), drivers.Config{})
		if err != nil {
			t.Fatalf("%s: %v", scheme, err)
		}
		if d.Name() != "postgres" || !d.Capabilities().Locking || !d.Capabilities().Savepoints {
			t.Errorf("%s: %s %+v", scheme, d.Name(), d.Capabilities())
		}
		d.Close()
	}
}

// TestCopy: an insert of CopyRows or more rows without generated keys goes through COPY, one
// round trip, and every type reads back as written; a duplicate key in it is a unique
// ConstraintError naming the entity, and nothing is written.
func TestCopy(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	fields := []string{"id", "createdAt", "updatedAt", "title", "description", "price", "pages", "weight", "meta", "cover", "status", "author"}
	stamp := time.Date(2026, 11, 25, 10, 11, 12, 123456000, time.UTC)
	rows := make([][]any, CopyRows+20)
	for i := range rows {
		var price, meta, cover any
		if i%2 == 0 {
			price, meta, cover = fmt.Sprintf("%d.%02d", i, i%100), map[string]any{"n": float64(i)}, []byte{byte(i), 0, 255}
		}
		rows[i] = []any{fmt.Sprintf("00000000-0000-4000-8000-%012d", i), stamp, stamp, fmt.Sprintf("book %03d", i), nil, price,
			int64(i), 1.5, meta, cover, "published", authors[i%len(authors)]}
	}
	f.Rec.Reset()
	f.Insert("Book", fields, rows...)
	q := f.Rec.Queries()
	if len(q) != 1 || !strings.HasPrefix(q[0], `COPY "book"`) {
		t.Fatalf("round trips: %q", q)
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", fields...),
		Where: &query.Cmp{Prop: f.P("Book", "title"), Op: query.Like, Value: "book %"}, OrderBy: []drivers.Order{{Prop: f.P("Book", "title")}}})
	if diff := cmp.Diff(rows, got); diff != "" {
		t.Errorf("rows written by COPY (-want +got):\n%s", diff)
	}
	dup := make([][]any, CopyRows)
	for i := range dup {
		dup[i] = []any{fmt.Sprintf("10000000-0000-4000-8000-%012d", i%(CopyRows-1)), stamp, stamp, "dup", nil, nil, nil, nil, nil, nil, "draft", authors[0]}
	}
	err := f.d.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("Book"), Fields: f.Props("Book", fields...), Rows: dup})
	var ce *drivers.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != drivers.Unique || ce.Entity != "Book" {
		t.Fatalf("duplicate key in a COPY: %v", err)
	}
	if n, _ := f.d.Count(f.Ctx, &drivers.CountOp{Entity: f.E("Book"), Where: &query.Cmp{Prop: f.P("Book", "title"), Op: query.Eq, Value: "dup"}}); n != 0 {
		t.Errorf("%d rows of the failed COPY were written", n)
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
	"github.com/google/go-cmp/cmp"
)

// tagRows returns n BookTag rows named prefix 0000, prefix 0001, …
func tagRows(prefix string, n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("%s %04d", prefix, i)}
	}
	return rows
}

func insertTags(ctx context.Context, ex drivers.Executor, f *fixture, rows [][]any) (*drivers.InsertOp, error) {
	op := &drivers.InsertOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"), Rows: rows}
	return op, ex.Insert(ctx, op)
}

// TestTxReturnsItsConnection: a transaction runs on a connection of its own (BEGIN IMMEDIATE
// as a statement); committing or rolling back, with or without inserts large enough for the
// driver's raw path, gives the connection back to the pool.
func TestTxReturnsItsConnection(t *testing.T) {
	f := open(t)
	for i := range 20 {
		tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := insertTags(f.Ctx, tx, f, tagRows(fmt.Sprintf("t%02d", i), 1201)); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			err = tx.Commit(f.Ctx)
		} else {
			err = tx.Rollback(f.Ctx)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if st := f.d.DB().Stats(); st.InUse != 0 {
		t.Errorf("%d connections still in use after 20 transactions (open %d)", st.InUse, st.OpenConnections)
	}
	if n := f.CountTags(t, f.d); n != 10*1201 {
		t.Errorf("%d tags, want the 10 committed transactions' %d", n, 10*1201)
	}
}

// TestTxRollbackAfterCancel: a transaction whose context is cancelled still rolls back (the
// ROLLBACK does not run under that context), and its connection is usable afterwards.
func TestTxRollbackAfterCancel(t *testing.T) {
	f := open(t)
	ctx, cancel := context.WithCancel(f.Ctx)
	tx, err := f.d.Begin(ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := insertTags(ctx, tx, f, tagRows("gone", 600)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := tx.Rollback(ctx); err != nil {
		t.Fatalf("rollback after cancel: %v", err)
	}
	if err := tx.Commit(f.Ctx); !errors.Is(err, sql.ErrTxDone) {
		t.Errorf("commit after rollback: %v, want sql.ErrTxDone", err)
	}
	if n := f.CountTags(t, f.d); n != 0 {
		t.Errorf("%d tags after the rollback, want 0", n)
	}
	// Every pooled connection is outside a transaction: a write from another one succeeds.
	if _, err := insertTags(f.Ctx, f.d, f, tagRows("after", 3)); err != nil {
		t.Fatal(err)
	}
	if st := f.d.DB().Stats(); st.InUse != 0 {
		t.Errorf("%d connections in use", st.InUse)
	}
}

// TestRawInsertConstraintError: a unique violation in the middle of a multi-statement raw
// insert is a ConstraintError naming the entity; the rows before it go with the rollback, and
// the next transaction prepares its statements afresh.
func TestRawInsertConstraintError(t *testing.T) {
	f := open(t)
	f.Insert("BookTag", []string{"name"}, []any{"dup 0700"})
	tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = insertTags(f.Ctx, tx, f, tagRows("dup", 1500))
	var ce *drivers.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != drivers.Unique || ce.Entity != "BookTag" {
		t.Fatalf("duplicate in row 700: %v, want a unique ConstraintError on BookTag", err)
	}
	if err := tx.Rollback(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.CountTags(t, f.d); n != 1 {
		t.Errorf("%d tags after the rollback, want 1", n)
	}
	tx, err = f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Two operations of the same statement, then one of another table: every key is right.
	a, err := insertTags(f.Ctx, tx, f, tagRows("a", 1000))
	if err != nil {
		t.Fatal(err)
	}
	b, err := insertTags(f.Ctx, tx, f, tagRows("b", 1000))
	if err != nil {
		t.Fatal(err)
	}
	pub := &drivers.InsertOp{Entity: f.E("Publisher"), Fields: f.Props("Publisher", "name", "type"), Rows: [][]any{}}
	for i := range 1000 {
		pub.Rows = append(pub.Rows, []any{fmt.Sprintf("p%d", i), "local"})
	}
	if err := tx.Insert(f.Ctx, pub); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(f.Ctx); err != nil {
		t.Fatal(err)
	}
	for _, op := range []*drivers.InsertOp{a, b} {
		for _, k := range []int{0, 499, 500, 999} {
			got := f.Find(f.d, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"),
				Where: keyIs(f.P("BookTag", "id"), op.Generated[k])})
			if len(got) != 1 || got[0][0] != op.Rows[k][0] {
				t.Errorf("key %v holds %v, want %v", op.Generated[k], got, op.Rows[k][0])
			}
		}
	}
	if n, err := f.d.Count(f.Ctx, &drivers.CountOp{Entity: f.E("Publisher")}); err != nil || n != 1000 {
		t.Errorf("%d publishers, %v", n, err)
	}
}

func keyIs(p *schema.Property, v any) *query.Cmp { return &query.Cmp{Prop: p, Op: query.Eq, Value: v} }

// TestPipelinedInsertBadValue: the arguments of a large insert are converted one statement
// ahead, on another goroutine. A value that cannot be converted in a later statement fails
// the insert with an error naming the property, the statements before it go with the
// rollback, and the next inserts on the same connection get every key right.
func TestPipelinedInsertBadValue(t *testing.T) {
	forEachArgMode(t, testPipelinedInsertBadValue)
}

// forEachArgMode runs test on a driver with an OnQuery hook (each statement converts into
// arguments of its own, which the event keeps) and on one without (two argument buffers
// reused from statement to statement and from one insert to the next).
func forEachArgMode(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("OnQuery", func(t *testing.T) { test(t, open(t)) })
	t.Run("reused buffers", func(t *testing.T) {
		env := driverstest.NewOpsEnv(t, func(t testing.TB, _ drivers.Config) drivers.Driver { return openDriver(t, drivers.Config{}) })
		test(t, &fixture{OpsEnv: env, d: env.Driver.(*Driver)})
	})
}

func testPipelinedInsertBadValue(t *testing.T, f *fixture) {
	rows := tagRows("bad", 2000)
	rows[1600][0] = struct{}{}
	tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := insertTags(f.Ctx, tx, f, rows); err == nil || !strings.Contains(err.Error(), "BookTag.name") {
		t.Fatalf("row 1600 holds a struct{}: %v, want an error naming BookTag.name", err)
	}
	// The same transaction goes on: its next inserts reuse the argument buffers.
	ok, err := insertTags(f.Ctx, tx, f, tagRows("ok", 1200))
	if err != nil {
		t.Fatal(err)
	}
	more, err := insertTags(f.Ctx, tx, f, tagRows("more", 1001))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(f.Ctx); err != nil {
		t.Fatal(err)
	}
	// database/sql rolls nothing back by itself: the 1,500 rows of the three statements
	// before the bad one were written inside the transaction, which the caller (a flush)
	// rolls back on an error. Here it committed, so they are there; the fourth was never sent.
	if n := f.CountTags(t, f.d); n != 1500+1200+1001 {
		t.Errorf("%d tags, want the 1,500 sent before the bad statement and 2,201 after", n)
	}
	byKey := map[any]any{}
	for _, r := range f.Find(f.d, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id", "name")}) {
		byKey[r[0]] = r[1]
	}
	for _, op := range []*drivers.InsertOp{ok, more} {
		for k, id := range op.Generated {
			if want := fmt.Sprintf("%s %04d", map[bool]string{true: "ok", false: "more"}[op == ok], k); byKey[id] != want {
				t.Fatalf("key %v holds %v, want %v", id, byKey[id], want)
			}
		}
	}
}

// panicky is a JSON value whose encoding panics.
type panicky struct{}

func (panicky) MarshalJSON() ([]byte, error) { panic("panicky: MarshalJSON") }

// TestPipelinedInsertPanic: a panic while converting a value of a later statement (a JSON
// value whose MarshalJSON panics) reaches the caller's goroutine, as it would without the
// pipeline, and leaves the driver usable.
func TestPipelinedInsertPanic(t *testing.T) {
	forEachArgMode(t, testPipelinedInsertPanic)
}

func testPipelinedInsertPanic(t *testing.T, f *fixture) {
	fields := f.Props("Author", "createdAt", "updatedAt", "name", "email", "version", "identities")
	rows := make([][]any, 1500)
	for i := range rows {
		rows[i] = []any{t0, t0, "A", fmt.Sprintf("a%d@x", i), int64(1), map[string]any{"n": i}}
	}
	rows[1200][5] = panicky{}
	tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	func() {
		defer func() {
			if r := recover(); r != "panicky: MarshalJSON" {
				t.Errorf("recovered %v, want the panic of MarshalJSON", r)
			}
		}()
		err = tx.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("Author"), Fields: fields, Rows: rows})
		t.Errorf("Insert returned %v instead of panicking", err)
	}()
	// database/sql closes a connection whose Raw callback panicked; SQLite then rolls back
	// what the transaction wrote, and Rollback has nothing left to do.
	if err := tx.Rollback(f.Ctx); err != nil && !errors.Is(err, sql.ErrConnDone) && !strings.Contains(err.Error(), "connection is already closed") {
		t.Fatal(err)
	}
	if st := f.d.DB().Stats(); st.InUse != 0 {
		t.Errorf("%d connections in use after the panic", st.InUse)
	}
	n, err := f.d.Count(f.Ctx, &drivers.CountOp{Entity: f.E("Author")})
	if err != nil || n != 0 {
		t.Errorf("%d authors after the rollback (%v), want 0", n, err)
	}
	rows[1200][5] = nil
	if err := f.d.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("Author"), Fields: fields, Rows: rows}); err != nil {
		t.Fatal(err)
	}
}

// TestSharedValuesRoundTrip: 1,250 authors in three statements (500, 500, 250) whose shared
// fields differ from one statement to the next (the second varies in age, the third in
// terms): every row reads back with its own values under its generated key, and with an
// OnQuery hook each event holds what its statement bound.
func TestSharedValuesRoundTrip(t *testing.T) {
	forEachArgMode(t, func(t *testing.T, f *fixture) {
		names := []string{"createdAt", "updatedAt", "name", "email", "age", "termsAccepted", "born", "rating", "version"}
		rows := make([][]any, 1250)
		for i := range rows {
			var age any
			if i >= 500 && i < 1000 {
				age = int64(i % 90)
			}
			rows[i] = []any{t0, t0, fmt.Sprintf("author %04d", i), fmt.Sprintf("a%04d@example.com", i), age, i == 1100, nil, 4.5, int64(1)}
		}
		tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f.Rec.Reset()
		op := &drivers.InsertOp{Entity: f.E("Author"), Fields: f.Props("Author", names...), Rows: rows}
		if err := tx.Insert(f.Ctx, op); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(f.Ctx); err != nil {
			t.Fatal(err)
		}
		if ev := f.Rec.Events(); len(ev) > 0 {
			if len(ev) != 4 {
				t.Fatalf("%d events, want 3 INSERTs and COMMIT: %q", len(ev), f.Rec.Queries())
			}
			// Shared: createdAt, updatedAt, age (NULL), termsAccepted, born, rating, version.
			if got, want := len(ev[0].Args), 7+500*2; got != want {
				t.Errorf("first statement bound %d values, want %d", got, want)
			}
			if got, want := len(ev[1].Args), 6+500*3; got != want {
				t.Errorf("second statement bound %d values, want %d", got, want)
			}
			if ev[0].Query == ev[1].Query || !strings.Contains(ev[0].Query, "?7, ?, ?)") {
				t.Errorf("the first two statements share different fields, want SQL of their own:\n%.200s\n%.200s", ev[0].Query, ev[1].Query)
			}
		}
		got := map[any][]any{}
		for _, r := range f.Find(f.d, &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", append([]string{"id"}, names...)...)}) {
			got[r[0]] = r[1:]
		}
		if len(got) != len(rows) {
			t.Fatalf("%d rows stored, want %d", len(got), len(rows))
		}
		for i, id := range op.Generated {
			if diff := cmp.Diff(rows[i], got[id]); diff != "" {
				t.Fatalf("row %d (key %v) reads back otherwise (-written +read):\n%s", i, id, diff)
			}
		}
	})
}

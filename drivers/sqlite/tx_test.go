package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
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

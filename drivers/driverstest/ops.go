package driverstest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
	"github.com/dorm-go/dorm/schema"
)

// Recorder keeps the QueryEvents a driver reports to its Config.OnQuery.
type Recorder struct {
	mu     sync.Mutex
	events []drivers.QueryEvent
}

// On is the Config.OnQuery hook.
func (r *Recorder) On(_ context.Context, e drivers.QueryEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// Reset forgets the events.
func (r *Recorder) Reset() { r.mu.Lock(); r.events = nil; r.mu.Unlock() }

// Events returns the events since the last Reset.
func (r *Recorder) Events() []drivers.QueryEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]drivers.QueryEvent(nil), r.events...)
}

// Queries returns the statements of the events since the last Reset.
func (r *Recorder) Queries() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]string, len(r.events))
	for i, e := range r.events {
		out[i] = e.Query
	}
	return out
}

// OpsEnv is a driver on a fresh database with the example schema created, for tests of the
// operations themselves (no em in between), and a log of its round trips.
type OpsEnv struct {
	T      testing.TB
	Ctx    context.Context
	Reg    *schema.Registry
	Driver drivers.Driver
	Rec    *Recorder
}

// NewOpsEnv opens a driver with open, which must pass cfg on and give it a new, empty
// database; creates the example schema; and closes the driver when t ends.
func NewOpsEnv(t testing.TB, open func(t testing.TB, cfg drivers.Config) drivers.Driver) *OpsEnv {
	t.Helper()
	ctx := context.Background()
	rec := &Recorder{}
	drv := open(t, drivers.Config{OnQuery: rec.On})
	t.Cleanup(func() { drv.Close() })
	env := &OpsEnv{T: t, Ctx: ctx, Reg: sqltest.Registry(t), Driver: drv, Rec: rec}
	if err := drv.CreateSchema(ctx, env.Reg); err != nil {
		t.Fatal(err)
	}
	rec.Reset()
	return env
}

// E returns the entity name.
func (f *OpsEnv) E(name string) *schema.Entity { return sqltest.Entity(f.T, f.Reg, name) }

// P returns the property entity.name.
func (f *OpsEnv) P(entity, name string) *schema.Property {
	return sqltest.Prop(f.T, f.Reg, entity, name)
}

// Props returns the named properties of entity.
func (f *OpsEnv) Props(entity string, names ...string) []*schema.Property {
	out := make([]*schema.Property, len(names))
	for i, n := range names {
		out[i] = f.P(entity, n)
	}
	return out
}

// Insert inserts rows of fields into entity and returns the generated keys.
func (f *OpsEnv) Insert(entity string, fields []string, rows ...[]any) []any {
	f.T.Helper()
	op := &drivers.InsertOp{Entity: f.E(entity), Fields: f.Props(entity, fields...), Rows: rows}
	if err := f.Driver.Insert(f.Ctx, op); err != nil {
		f.T.Fatalf("insert %s: %v", entity, err)
	}
	return op.Generated
}

// Find runs op on ex and returns copies of the rows.
func (f *OpsEnv) Find(ex drivers.Executor, op *drivers.FindOp) [][]any {
	f.T.Helper()
	var out [][]any
	err := ex.Find(f.Ctx, op, func(row []any) error {
		out = append(out, append([]any(nil), row...))
		return nil
	})
	if err != nil {
		f.T.Fatalf("find: %v", err)
	}
	return out
}

// T0 is the datetime the seeded rows are created at.
var T0 = time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)

// The keys of the seeded books.
const (
	UUIDA = "aaaaaaaa-0000-4000-8000-000000000001"
	UUIDB = "bbbbbbbb-0000-4000-8000-000000000002"
	UUIDC = "cccccccc-0000-4000-8000-000000000003"
)

// Seed inserts 2 authors, 1 publisher, 3 books (UUIDA, UUIDB, UUIDC), 2 tags and pivot rows.
func (f *OpsEnv) Seed() (authors, tags []any) {
	authors = f.Insert("Author", []string{"createdAt", "updatedAt", "name", "email", "age", "termsAccepted", "version"},
		[]any{T0, T0, "Jon Snow", "jon@wall.st", int64(20), true, int64(1)},
		[]any{T0, T0, "arya stark", "arya@wf.st", nil, false, int64(1)},
	)
	pubs := f.Insert("Publisher", []string{"name", "type"}, []any{"Pub", "global"})
	f.Insert("Book", []string{"id", "createdAt", "updatedAt", "title", "price", "pages", "status", "author", "publisher"},
		[]any{UUIDA, T0, T0, "Dune", "9.99", int64(100), "draft", authors[0], pubs[0]},
		[]any{UUIDB, T0, T0, "dune messiah", "10.50", int64(200), "published", authors[0], nil},
		[]any{UUIDC, T0, T0, "Emma", nil, nil, "draft", authors[1], nil},
	)
	tags = f.Insert("BookTag", []string{"name"}, []any{"sf"}, []any{"classic"})
	if err := f.Driver.InsertPivot(f.Ctx, &drivers.PivotOp{Prop: f.P("Book", "tags"),
		Pairs: [][2]any{{UUIDA, tags[0]}, {UUIDA, tags[1]}, {UUIDB, tags[0]}, {UUIDC, tags[1]}}}); err != nil {
		f.T.Fatal(err)
	}
	return authors, tags
}

// CountTags counts the rows of BookTag through ex.
func (f *OpsEnv) CountTags(t testing.TB, ex drivers.Executor) int64 {
	t.Helper()
	n, err := ex.Count(f.Ctx, &drivers.CountOp{Entity: f.E("BookTag")})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// InsertTag inserts the BookTag name through ex.
func (f *OpsEnv) InsertTag(t testing.TB, ex drivers.Executor, name string) {
	t.Helper()
	if err := ex.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"), Rows: [][]any{{name}}}); err != nil {
		t.Fatal(err)
	}
}

// NestedSavepoints inserts the tag "outer" in a transaction, "kept" in a savepoint of it and
// "dropped" in a savepoint of that, which it rolls back; then it commits the first savepoint
// (twice: the second fails) and the transaction. BookTag holds "outer" and "kept" after it.
func (f *OpsEnv) NestedSavepoints(t testing.TB) {
	t.Helper()
	tx, err := f.Driver.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.InsertTag(t, tx, "outer")
	sp1, err := tx.Begin(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.InsertTag(t, sp1, "kept")
	sp2, err := sp1.Begin(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	f.InsertTag(t, sp2, "dropped")
	if n := f.CountTags(t, sp2); n != 3 {
		t.Errorf("inside sp2: %d rows", n)
	}
	if err := sp2.Rollback(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := sp1.Commit(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if err := sp1.Commit(f.Ctx); err == nil {
		t.Error("second commit of a savepoint succeeded")
	}
	if err := tx.Commit(f.Ctx); err != nil {
		t.Fatal(err)
	}
}

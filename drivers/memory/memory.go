// Package memory is an in-memory dorm driver that evaluates the filter AST in Go, in the
// spirit of database/sql's fakedb. It proves that the driver contract needs nothing of SQL,
// and runs the unit-of-work tests without a database. It enforces primary keys, not-null
// columns, unique columns, foreign keys with their ON DELETE rules, and enum values, and
// reports violations as *drivers.ConstraintError, like a database would. Transactions work on a
// copy of the data and are serialised (one writer at a time, as in SQLite).
//
// Every operation is reported to OnQuery as one event (e.g. "INSERT Book", "BEGIN"), so that
// tests can count round trips as they would on a real database.
//
// Registered as the URL scheme "memory" (memory:, memory:name shares one store by name).
package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

func init() { drivers.Register("memory", Open) }

var (
	namedMu sync.Mutex
	named   = map[string]*store{}
)

// Open opens an in-memory database. "memory:" is private; "memory:NAME" is shared by every
// Open of the same name in the process.
func Open(_ context.Context, url string, cfg drivers.Config) (drivers.Driver, error) {
	name := strings.TrimPrefix(url, "memory:")
	if name == "" {
		return newDriver(newStore(), cfg), nil
	}
	namedMu.Lock()
	defer namedMu.Unlock()
	st := named[name]
	if st == nil {
		st = newStore()
		named[name] = st
	}
	return newDriver(st, cfg), nil
}

type store struct {
	writer sync.Mutex // held by a transaction from Begin to Commit or Rollback: writers are serialised, as in SQLite
	mu     sync.Mutex // guards data
	data   *data
}

func newStore() *store {
	return &store{data: &data{tables: map[*schema.Entity]*table{}, pivots: map[string]*pivot{}}}
}

type data struct {
	tables map[*schema.Entity]*table
	pivots map[string]*pivot
}

type table struct {
	cols   []*schema.Property
	pos    map[*schema.Property]int
	rows   map[string][]any
	order  []string // insertion order of keys
	nextID int64
}

type pivot struct {
	prop  *schema.Property // owning side
	pairs map[[2]string][2]any
	order [][2]string
}

func (d *data) clone() *data {
	c := &data{tables: make(map[*schema.Entity]*table, len(d.tables)), pivots: make(map[string]*pivot, len(d.pivots))}
	for k, t := range d.tables {
		nt := &table{cols: t.cols, pos: t.pos, rows: make(map[string][]any, len(t.rows)), order: append([]string(nil), t.order...), nextID: t.nextID}
		for rk, r := range t.rows {
			nt.rows[rk] = append([]any(nil), r...)
		}
		c.tables[k] = nt
	}
	for k, p := range d.pivots {
		np := &pivot{prop: p.prop, pairs: make(map[[2]string][2]any, len(p.pairs)), order: append([][2]string(nil), p.order...)}
		for pk, v := range p.pairs {
			np.pairs[pk] = v
		}
		c.pivots[k] = np
	}
	return c
}

func newDriver(st *store, cfg drivers.Config) *Driver {
	d := &Driver{st: st, cfg: cfg}
	d.ops.run = d.run
	return d
}

func newTx(t *Tx) *Tx {
	t.ops.run = t.run
	return t
}

// Driver is an opened in-memory database.
type Driver struct {
	ops
	st  *store
	cfg drivers.Config
}

var _ drivers.Driver = (*Driver)(nil)

func (d *Driver) Name() string { return "memory" }

func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Transactions: true, Savepoints: true, Returning: true}
}

func (d *Driver) Close() error { return nil }

func (d *Driver) emit(ctx context.Context, q string, start time.Time, err error) {
	d.cfg.Emit(ctx, q, nil, start, err)
}

// CreateSchema makes empty tables for every entity and pivot.
func (d *Driver) CreateSchema(ctx context.Context, reg *schema.Registry) error {
	start := time.Now()
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	for _, e := range reg.Entities() {
		if _, ok := d.st.data.tables[e]; !ok {
			t := &table{cols: e.Columns(), pos: map[*schema.Property]int{}, rows: map[string][]any{}}
			for i, p := range t.cols {
				t.pos[p] = i
			}
			d.st.data.tables[e] = t
		}
	}
	for _, p := range reg.Pivots() {
		if _, ok := d.st.data.pivots[p.PivotTable]; !ok {
			d.st.data.pivots[p.PivotTable] = &pivot{prop: p, pairs: map[[2]string][2]any{}}
		}
	}
	d.emit(ctx, "CREATE SCHEMA", start, nil)
	return nil
}

// DropSchema forgets every table.
func (d *Driver) DropSchema(ctx context.Context, reg *schema.Registry) error {
	start := time.Now()
	d.st.mu.Lock()
	defer d.st.mu.Unlock()
	for _, e := range reg.Entities() {
		delete(d.st.data.tables, e)
	}
	for _, p := range reg.Pivots() {
		delete(d.st.data.pivots, p.PivotTable)
	}
	d.emit(ctx, "DROP SCHEMA", start, nil)
	return nil
}

// Begin starts a transaction on a private copy of the data; Commit publishes it.
func (d *Driver) Begin(ctx context.Context, opts drivers.TxOptions) (drivers.Tx, error) {
	start := time.Now()
	d.st.writer.Lock()
	d.st.mu.Lock()
	snap := d.st.data.clone()
	d.st.mu.Unlock()
	d.emit(ctx, "BEGIN", start, nil)
	return newTx(&Tx{d: d, data: snap, readOnly: opts.ReadOnly}), nil
}

// run runs fn on the store's data under the lock, atomically: on error nothing changes.
func (d *Driver) run(ctx context.Context, q string, write bool, fn func(*data) error) error {
	start := time.Now()
	if err := ctx.Err(); err != nil { // as a database connection does with a done context
		d.emit(ctx, q, start, err)
		return err
	}
	if write {
		d.st.writer.Lock()
		defer d.st.writer.Unlock()
	}
	d.st.mu.Lock()
	var err error
	if write {
		c := d.st.data.clone()
		if err = fn(c); err == nil {
			d.st.data = c
		}
	} else {
		err = fn(d.st.data)
	}
	d.st.mu.Unlock()
	d.emit(ctx, q, start, err)
	return err
}

// ops implements the operations of drivers.Executor on top of a run function: the
// Driver's (each operation atomic on the shared data) or a Tx's (on its own copy).
type ops struct {
	run func(ctx context.Context, q string, write bool, fn func(*data) error) error
}

func (o ops) Find(ctx context.Context, op *drivers.FindOp, fn func([]any) error) error {
	var rows [][]any
	err := o.run(ctx, "SELECT "+op.Entity.Name, false, func(x *data) (err error) { rows, err = x.find(op); return })
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (o ops) Count(ctx context.Context, op *drivers.CountOp) (n int64, err error) {
	err = o.run(ctx, "COUNT "+op.Entity.Name, false, func(x *data) error {
		rows, err := x.find(&drivers.FindOp{Entity: op.Entity, Where: op.Where})
		n = int64(len(rows))
		return err
	})
	return n, err
}

func (o ops) Insert(ctx context.Context, op *drivers.InsertOp) error {
	return o.run(ctx, "INSERT "+op.Entity.Name, true, func(x *data) error { return x.insert(op) })
}

func (o ops) Update(ctx context.Context, op *drivers.UpdateOp) error {
	return o.run(ctx, "UPDATE "+op.Entity.Name, true, func(x *data) error { return x.update(op) })
}

func (o ops) Delete(ctx context.Context, op *drivers.DeleteOp) error {
	return o.run(ctx, "DELETE "+op.Entity.Name, true, func(x *data) error { return x.delete(op) })
}

func (o ops) InsertPivot(ctx context.Context, op *drivers.PivotOp) error {
	return o.run(ctx, "INSERT "+op.Prop.PivotTable, true, func(x *data) error { return x.insertPivot(op) })
}

func (o ops) DeletePivot(ctx context.Context, op *drivers.PivotOp) error {
	return o.run(ctx, "DELETE "+op.Prop.PivotTable, true, func(x *data) error { return x.deletePivot(op) })
}

func (o ops) UpdateWhere(ctx context.Context, op *drivers.UpdateWhereOp) (n int64, err error) {
	err = o.run(ctx, "UPDATE "+op.Entity.Name+" WHERE", true, func(x *data) (err error) { n, err = x.updateWhere(op); return })
	return n, err
}

func (o ops) DeleteWhere(ctx context.Context, op *drivers.DeleteWhereOp) (n int64, err error) {
	err = o.run(ctx, "DELETE "+op.Entity.Name+" WHERE", true, func(x *data) (err error) { n, err = x.deleteWhere(op); return })
	return n, err
}

// Tx is a transaction: it works on its own copy of the data.
type Tx struct {
	ops
	d        *Driver
	parent   *Tx
	data     *data
	depth    int
	done     bool
	readOnly bool
}

var errDone = errors.New("memory: transaction already committed or rolled back")

func (t *Tx) run(ctx context.Context, q string, write bool, fn func(*data) error) error {
	start := time.Now()
	var err error
	switch {
	case t.done:
		err = errDone
	case ctx.Err() != nil:
		err = ctx.Err()
	case write && t.readOnly:
		err = errors.New("memory: write in a read-only transaction")
	case write:
		c := t.data.clone()
		if err = fn(c); err == nil {
			t.data = c
		}
	default:
		err = fn(t.data)
	}
	t.d.emit(ctx, q, start, err)
	return err
}

func (t *Tx) Begin(ctx context.Context) (drivers.Tx, error) {
	start := time.Now()
	if t.done {
		return nil, errDone
	}
	n := newTx(&Tx{d: t.d, parent: t, data: t.data.clone(), depth: t.depth + 1, readOnly: t.readOnly})
	t.d.emit(ctx, fmt.Sprintf("SAVEPOINT sp%d", n.depth), start, nil)
	return n, nil
}

func (t *Tx) Commit(ctx context.Context) error {
	start := time.Now()
	if t.done {
		return errDone
	}
	if err := ctx.Err(); err != nil {
		// A done context rolls the transaction back, as database/sql does.
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	t.done = true
	if t.parent != nil {
		t.parent.data = t.data
		t.d.emit(ctx, fmt.Sprintf("RELEASE SAVEPOINT sp%d", t.depth), start, nil)
		return nil
	}
	t.d.st.mu.Lock()
	t.d.st.data = t.data
	t.d.st.mu.Unlock()
	t.d.st.writer.Unlock()
	t.d.emit(ctx, "COMMIT", start, nil)
	return nil
}

func (t *Tx) Rollback(ctx context.Context) error {
	start := time.Now()
	if t.done {
		return errDone
	}
	t.done = true
	if t.parent != nil {
		t.d.emit(ctx, fmt.Sprintf("ROLLBACK TO SAVEPOINT sp%d", t.depth), start, nil)
		return nil
	}
	t.d.st.writer.Unlock()
	t.d.emit(ctx, "ROLLBACK", start, nil)
	return nil
}

func (x *data) table(e *schema.Entity) (*table, error) {
	t, ok := x.tables[e]
	if !ok {
		return nil, fmt.Errorf("memory: no table for %s: create the schema first", e.Name)
	}
	return t, nil
}

func keyOf(t *table, e *schema.Entity, row []any) any {
	if len(e.Primary) == 1 {
		return row[t.pos[e.Primary[0]]]
	}
	out := make([]any, len(e.Primary))
	for i, p := range e.Primary {
		out[i] = row[t.pos[p]]
	}
	return out
}

func (x *data) insert(op *drivers.InsertOp) error {
	t, err := x.table(op.Entity)
	if err != nil {
		return err
	}
	e := op.Entity
	auto := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	for _, f := range op.Fields {
		if f.Primary {
			auto = false // keys given: like a database, take them and move the counter past them
		}
	}
	if auto {
		op.Generated = make([]any, len(op.Rows))
	}
	for i, in := range op.Rows {
		row := make([]any, len(t.cols))
		for j, p := range op.Fields {
			row[t.pos[p]] = in[j]
		}
		if auto {
			t.nextID++
			row[t.pos[e.Primary[0]]] = t.nextID
			op.Generated[i] = t.nextID
		}
		if id, ok := row[t.pos[e.Primary[0]]].(int64); ok && id > t.nextID {
			t.nextID = id
		}
		if err := x.check(e, t, row, ""); err != nil {
			return err
		}
		k := schema.KeyString(keyOf(t, e, row))
		if _, dup := t.rows[k]; dup {
			return &drivers.ConstraintError{Kind: drivers.Unique, Entity: e.Name, Table: e.Table, Constraint: e.Table + "_pkey", Err: fmt.Errorf("duplicate key %s", k)}
		}
		t.rows[k] = row
		t.order = append(t.order, k)
	}
	return nil
}

// check enforces not null, enum values, unique columns and foreign keys on row (self is the
// key of the row being updated, so it does not collide with itself).
func (x *data) check(e *schema.Entity, t *table, row []any, self string) error {
	for _, p := range t.cols {
		v := row[t.pos[p]]
		if v == nil {
			if !p.Nullable {
				return &drivers.ConstraintError{Kind: drivers.NotNull, Entity: e.Name, Table: e.Table, Column: p.Column, Err: fmt.Errorf("%s.%s is null", e.Table, p.Column)}
			}
			continue
		}
		if p.Type == schema.Enum {
			if _, err := schema.Convert(schema.Enum, p.Values, v); err != nil {
				return &drivers.ConstraintError{Kind: drivers.Check, Entity: e.Name, Table: e.Table, Column: p.Column, Err: err}
			}
		}
		if p.IsToOne() {
			tt, err := x.table(p.Target)
			if err != nil {
				return err
			}
			if _, ok := tt.rows[schema.KeyString(v)]; !ok {
				return &drivers.ConstraintError{Kind: drivers.ForeignKey, Entity: e.Name, Table: e.Table, Column: p.Column, Err: fmt.Errorf("%s.%s = %v has no %s", e.Table, p.Column, v, p.Target.Table)}
			}
		}
	}
	uniques := [][]*schema.Property{}
	for _, p := range t.cols {
		if p.Unique {
			uniques = append(uniques, []*schema.Property{p})
		}
	}
	for _, u := range e.Uniques {
		uniques = append(uniques, u.Properties)
	}
	for _, u := range uniques {
		for k, other := range t.rows {
			if k == self {
				continue
			}
			same := true
			for _, p := range u {
				a, b := row[t.pos[p]], other[t.pos[p]]
				if a == nil || b == nil || compare(a, b) != 0 {
					same = false
					break
				}
			}
			if same {
				return &drivers.ConstraintError{Kind: drivers.Unique, Entity: e.Name, Table: e.Table, Column: u[0].Column, Err: fmt.Errorf("duplicate value in %s.%s", e.Table, u[0].Column)}
			}
		}
	}
	return nil
}

func (x *data) update(op *drivers.UpdateOp) error {
	t, err := x.table(op.Entity)
	if err != nil {
		return err
	}
	e := op.Entity
	for _, r := range op.Rows {
		k := schema.KeyString(r.Key)
		row, ok := t.rows[k]
		if !ok || (r.Version != nil && compare(row[t.pos[e.Version]], r.Version) != 0) {
			if r.Version != nil {
				return &drivers.NotAffectedError{Entity: e.Name, Key: r.Key}
			}
			continue
		}
		nr := append([]any(nil), row...)
		for i, p := range r.Fields {
			nr[t.pos[p]] = r.Values[i]
		}
		if err := x.check(e, t, nr, k); err != nil {
			return err
		}
		nk := schema.KeyString(keyOf(t, e, nr))
		if nk != k {
			return fmt.Errorf("memory: changing primary keys is not supported")
		}
		t.rows[k] = nr
	}
	return nil
}

func (x *data) delete(op *drivers.DeleteOp) error {
	t, err := x.table(op.Entity)
	if err != nil {
		return err
	}
	e := op.Entity
	for i, key := range op.Keys {
		k := schema.KeyString(key)
		row, ok := t.rows[k]
		if op.Versions != nil && op.Versions[i] != nil && (!ok || compare(row[t.pos[e.Version]], op.Versions[i]) != 0) {
			return &drivers.NotAffectedError{Entity: e.Name, Key: key}
		}
		if !ok {
			continue
		}
		if err := x.deleteRow(e, t, k, key); err != nil {
			return err
		}
	}
	return nil
}

// matching returns the keys of the rows of e that match where, in insertion order.
func (x *data) matching(e *schema.Entity, where query.Expr) ([]string, error) {
	t, err := x.table(e)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, k := range t.order {
		ok, err := x.match(e, t, t.rows[k], where)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, k)
		}
	}
	return out, nil
}

func (x *data) updateWhere(op *drivers.UpdateWhereOp) (int64, error) {
	if len(op.Fields) != len(op.Values) {
		return 0, fmt.Errorf("memory: %d values for %d fields of %s", len(op.Values), len(op.Fields), op.Entity.Name)
	}
	e := op.Entity
	keys, err := x.matching(e, op.Where)
	if err != nil {
		return 0, err
	}
	t := x.tables[e]
	for _, k := range keys {
		nr := append([]any(nil), t.rows[k]...)
		for i, p := range op.Fields {
			if p.Primary {
				return 0, fmt.Errorf("memory: changing primary keys is not supported")
			}
			nr[t.pos[p]] = op.Values[i]
		}
		if op.Bump != nil {
			v, _ := nr[t.pos[op.Bump]].(int64)
			nr[t.pos[op.Bump]] = v + 1
		}
		if err := x.check(e, t, nr, k); err != nil {
			return 0, err
		}
		t.rows[k] = nr
	}
	return int64(len(keys)), nil
}

func (x *data) deleteWhere(op *drivers.DeleteWhereOp) (int64, error) {
	e := op.Entity
	keys, err := x.matching(e, op.Where)
	if err != nil {
		return 0, err
	}
	t := x.tables[e]
	var n int64
	for _, k := range keys {
		row, ok := t.rows[k]
		if !ok { // gone with an earlier row of this delete (ON DELETE CASCADE of a self-reference)
			continue
		}
		if err := x.deleteRow(e, t, k, keyOf(t, e, row)); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// deleteRow deletes one row and applies the ON DELETE rules of the foreign keys to it.
func (x *data) deleteRow(e *schema.Entity, t *table, k string, key any) error {
	delete(t.rows, k)
	for i, o := range t.order {
		if o == k {
			t.order = append(t.order[:i], t.order[i+1:]...)
			break
		}
	}
	for _, pv := range x.pivots {
		for pk := range pv.pairs {
			if (pv.prop.Entity == e && pk[0] == k) || (pv.prop.Target == e && pk[1] == k) {
				delete(pv.pairs, pk)
			}
		}
		pv.order = pv.order[:0]
		for pk := range pv.pairs {
			pv.order = append(pv.order, pk)
		}
		sort.Slice(pv.order, func(i, j int) bool {
			return pv.order[i][0]+"\x00"+pv.order[i][1] < pv.order[j][0]+"\x00"+pv.order[j][1]
		})
	}
	for child, ct := range x.tables {
		for _, p := range ct.cols {
			if !p.IsToOne() || p.Target != e {
				continue
			}
			for _, ck := range append([]string(nil), ct.order...) {
				row, ok := ct.rows[ck]
				if !ok || row[ct.pos[p]] == nil || schema.KeyString(row[ct.pos[p]]) != k {
					continue
				}
				switch p.DeleteRule {
				case schema.SetNull:
					row[ct.pos[p]] = nil
				case schema.Cascaded:
					if err := x.deleteRow(child, ct, ck, keyOf(ct, child, row)); err != nil {
						return err
					}
				default:
					return &drivers.ConstraintError{Kind: drivers.ForeignKey, Entity: e.Name, Table: child.Table, Column: p.Column,
						Err: fmt.Errorf("%s %v is still referenced by %s.%s", e.Table, key, child.Table, p.Column)}
				}
			}
		}
	}
	return nil
}

func (x *data) insertPivot(op *drivers.PivotOp) error {
	pv, ok := x.pivots[op.Prop.PivotTable]
	if !ok {
		return fmt.Errorf("memory: no pivot table %s: create the schema first", op.Prop.PivotTable)
	}
	for _, pair := range op.Pairs {
		k := [2]string{schema.KeyString(pair[0]), schema.KeyString(pair[1])}
		if _, dup := pv.pairs[k]; dup {
			return &drivers.ConstraintError{Kind: drivers.Unique, Entity: op.Prop.Entity.Name, Table: op.Prop.PivotTable, Err: fmt.Errorf("duplicate pivot row %v", pair)}
		}
		for i, side := range []*schema.Entity{op.Prop.Entity, op.Prop.Target} {
			if _, ok := x.tables[side].rows[k[i]]; !ok {
				return &drivers.ConstraintError{Kind: drivers.ForeignKey, Entity: op.Prop.Entity.Name, Table: op.Prop.PivotTable, Err: fmt.Errorf("%s %v does not exist", side.Name, pair[i])}
			}
		}
		pv.pairs[k] = pair
		pv.order = append(pv.order, k)
	}
	return nil
}

func (x *data) deletePivot(op *drivers.PivotOp) error {
	pv, ok := x.pivots[op.Prop.PivotTable]
	if !ok {
		return fmt.Errorf("memory: no pivot table %s", op.Prop.PivotTable)
	}
	for _, pair := range op.Pairs {
		k := [2]string{schema.KeyString(pair[0]), schema.KeyString(pair[1])}
		delete(pv.pairs, k)
		for i, o := range pv.order {
			if o == k {
				pv.order = append(pv.order[:i], pv.order[i+1:]...)
				break
			}
		}
	}
	return nil
}

func (x *data) find(op *drivers.FindOp) ([][]any, error) {
	t, err := x.table(op.Entity)
	if err != nil {
		return nil, err
	}
	type hit struct {
		owner any
		row   []any
	}
	var hits []hit
	if op.Pivot != nil {
		owning := op.Pivot.Prop
		if !owning.Owner {
			owning = owning.Inverse
		}
		pv := x.pivots[owning.PivotTable]
		keys := map[string]bool{}
		for _, k := range op.Pivot.Keys {
			keys[schema.KeyString(k)] = true
		}
		for _, pk := range pv.order {
			pair := pv.pairs[pk]
			ownerSide, targetSide := 0, 1
			if !op.Pivot.Prop.Owner {
				ownerSide, targetSide = 1, 0
			}
			if !keys[pk[ownerSide]] {
				continue
			}
			if row, ok := t.rows[pk[targetSide]]; ok {
				hits = append(hits, hit{owner: pair[ownerSide], row: row})
			}
		}
	} else {
		for _, k := range t.order {
			hits = append(hits, hit{row: t.rows[k]})
		}
	}
	var out []hit
	for _, h := range hits {
		ok, err := x.match(op.Entity, t, h.row, op.Where)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, h)
		}
	}
	if len(op.OrderBy) > 0 {
		// The value of each term, for each row: its column, or the column of the related row
		// its path leads to (nil when a key on the way is NULL).
		keys := make([][]any, len(out))
		for i, h := range out {
			keys[i] = make([]any, len(op.OrderBy))
			for k, o := range op.OrderBy {
				v, err := x.orderValue(op.Entity, t, h.row, o)
				if err != nil {
					return nil, err
				}
				keys[i][k] = v
			}
		}
		idx := make([]int, len(out))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool {
			for k, o := range op.OrderBy {
				c := compareAs(o.Prop, keys[idx[a]][k], keys[idx[b]][k])
				if c != 0 {
					return (c < 0) == (o.Dir == drivers.Asc)
				}
			}
			return false
		})
		sorted := make([]hit, len(out))
		for i, k := range idx {
			sorted[i] = out[k]
		}
		out = sorted
	}
	if op.Offset > 0 {
		if op.Offset >= len(out) {
			out = nil
		} else {
			out = out[op.Offset:]
		}
	}
	if op.Limit > 0 && len(out) > op.Limit {
		out = out[:op.Limit]
	}
	res := make([][]any, len(out))
	for i, h := range out {
		var r []any
		if op.Pivot != nil {
			r = append(r, h.owner)
		}
		for _, p := range op.Fields {
			r = append(r, h.row[t.pos[p]])
		}
		res[i] = r
	}
	return res, nil
}

func (x *data) match(e *schema.Entity, t *table, row []any, ex query.Expr) (bool, error) {
	switch n := ex.(type) {
	case nil:
		return true, nil
	case query.And:
		for _, s := range n {
			if ok, err := x.match(e, t, row, s); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case query.Or:
		for _, s := range n {
			if ok, err := x.match(e, t, row, s); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case query.Not:
		ok, err := x.match(e, t, row, n.X)
		return !ok, err
	case *query.Cmp:
		i, ok := t.pos[n.Prop]
		if !ok {
			return false, fmt.Errorf("memory: %s has no column for %s", e.Name, n.Prop)
		}
		return cmp(row[i], n)
	case *query.Related:
		return x.related(e, t, row, n)
	}
	return false, fmt.Errorf("memory: unknown filter node %T", ex)
}

// orderValue is the value row (of e, in t) orders by for o: its own column, or the column of
// the row that o.Path leads to through the relations' keys; nil when a key on the way is NULL.
func (x *data) orderValue(e *schema.Entity, t *table, row []any, o drivers.Order) (any, error) {
	for _, r := range o.Path {
		if r.Entity != e || !r.IsToOne() || !r.HasColumn() {
			return nil, fmt.Errorf("memory: cannot order %s through %s", e.Name, r)
		}
		k := row[t.pos[r]]
		if k == nil {
			return nil, nil
		}
		tt, err := x.table(r.Target)
		if err != nil {
			return nil, err
		}
		row = tt.rows[schema.KeyString(k)]
		if row == nil {
			return nil, nil
		}
		e, t = r.Target, tt
	}
	if o.Prop.Entity != e {
		return nil, fmt.Errorf("memory: cannot order %s by %s", e.Name, o.Prop)
	}
	return row[t.pos[o.Prop]], nil
}

func (x *data) related(e *schema.Entity, t *table, row []any, r *query.Related) (bool, error) {
	p := r.Prop
	tt, err := x.table(p.Target)
	if err != nil {
		return false, err
	}
	matches := func(k string) (bool, error) {
		trow, ok := tt.rows[k]
		if !ok {
			return false, nil
		}
		return x.match(p.Target, tt, trow, r.Where)
	}
	self := schema.KeyString(keyOf(t, e, row))
	switch {
	case p.IsToOne() && p.Owner:
		v := row[t.pos[p]]
		if v == nil {
			return false, nil
		}
		return matches(schema.KeyString(v))
	case p.Kind == schema.OneToOne || p.Kind == schema.OneToMany:
		for _, k := range tt.order {
			fk := tt.rows[k][tt.pos[p.Inverse]]
			if fk != nil && schema.KeyString(fk) == self {
				if ok, err := matches(k); err != nil || ok {
					return ok, err
				}
			}
		}
		return false, nil
	case p.Kind == schema.ManyToMany:
		owning, side := p, 0
		if !p.Owner {
			owning, side = p.Inverse, 1
		}
		for _, pk := range x.pivots[owning.PivotTable].order {
			if pk[side] == self {
				if ok, err := matches(pk[1-side]); err != nil || ok {
					return ok, err
				}
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("memory: cannot filter through %s", p)
}

func cmp(v any, c *query.Cmp) (bool, error) {
	switch c.Op {
	case query.Eq:
		if c.Value == nil {
			return v == nil, nil
		}
		return v != nil && compareAs(c.Prop, v, c.Value) == 0, nil
	case query.Ne:
		if c.Value == nil {
			return v != nil, nil
		}
		return v != nil && compareAs(c.Prop, v, c.Value) != 0, nil // SQL: NULL <> x is not true
	case query.In, query.Nin:
		list, _ := c.Value.([]any)
		found := false
		for _, x := range list {
			if v != nil && compareAs(c.Prop, v, x) == 0 {
				found = true
				break
			}
		}
		if c.Op == query.Nin {
			// An empty list matches every row, NULLs included (SQL drivers write 1=1).
			return len(list) == 0 || v != nil && !found, nil
		}
		return found, nil
	case query.Gt, query.Gte, query.Lt, query.Lte:
		if v == nil || c.Value == nil {
			return false, nil
		}
		r := compareAs(c.Prop, v, c.Value)
		switch c.Op {
		case query.Gt:
			return r > 0, nil
		case query.Gte:
			return r >= 0, nil
		case query.Lt:
			return r < 0, nil
		}
		return r <= 0, nil
	case query.Like, query.ILike:
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		re, err := likeRegexp(c.Value.(string), c.Op == query.ILike)
		if err != nil {
			return false, err
		}
		return re.MatchString(s), nil
	case query.Re:
		s, ok := v.(string)
		if !ok {
			return false, nil
		}
		re, err := regexp.Compile(c.Value.(string))
		if err != nil {
			return false, err
		}
		return re.MatchString(s), nil
	case query.Exists:
		want, _ := c.Value.(bool)
		return (v != nil) == want, nil
	}
	return false, fmt.Errorf("memory: unknown operator %v", c.Op)
}

func likeRegexp(pattern string, fold bool) (*regexp.Regexp, error) {
	var b strings.Builder
	if fold {
		b.WriteString("(?is)")
	} else {
		b.WriteString("(?s)")
	}
	b.WriteString("^")
	runes := []rune(pattern) // characters, not bytes: "ü%" and "%😀%" are patterns of runes
	for i := 0; i < len(runes); i++ {
		switch c := runes[i]; c {
		case '%':
			b.WriteString(".*")
		case '_':
			b.WriteString(".")
		case '\\':
			if i+1 < len(runes) {
				i++
				b.WriteString(regexp.QuoteMeta(string(runes[i])))
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.Compile(b.String())
}

// compareAs is compare for values of p: decimals (strings) compare as numbers, as the SQL
// drivers compare them.
func compareAs(p *schema.Property, a, b any) int {
	if p != nil && p.Type == schema.Decimal {
		x, xok := a.(string)
		y, yok := b.(string)
		if xok && yok {
			rx, ok1 := new(big.Rat).SetString(x)
			ry, ok2 := new(big.Rat).SetString(y)
			if ok1 && ok2 {
				return rx.Cmp(ry)
			}
		}
	}
	return compare(a, b)
}

// compare orders two values of one schema Go type; nil sorts first.
func compare(a, b any) int {
	if a == nil || b == nil {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return -1
		}
		return 1
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y)
		}
		if y, ok := b.(float64); ok {
			return cmpOrdered(float64(x), y)
		}
	case float64:
		if y, ok := b.(float64); ok {
			return cmpOrdered(x, y)
		}
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, float64(y))
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y)
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	case time.Time:
		if y, ok := b.(time.Time); ok {
			return x.Compare(y)
		}
	case []byte:
		if y, ok := b.([]byte); ok {
			return bytes.Compare(x, y)
		}
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

package uow

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
)

// OptimisticLockError is returned when a versioned entity was changed or deleted in the
// database since it was loaded.
type OptimisticLockError struct {
	Entity string
	Key    any
	Err    error
}

func (e *OptimisticLockError) Error() string {
	return fmt.Sprintf("dorm: optimistic lock failed: %s %v was changed or deleted since it was loaded", e.Entity, e.Key)
}

func (e *OptimisticLockError) Unwrap() error { return e.Err }

// Begin starts the transaction of a flush; it is the driver's Begin, or a function that
// returns the caller's transaction when the flush runs inside one (then commit is the caller's).
// single is true when the flush is one operation (one InsertOp, UpdateOp or DeleteOp), which
// a driver runs atomically by itself (drivers.Executor): outside a transaction Begin may then
// return the driver with no-op commit and rollback, saving the BEGIN and COMMIT round trips.
type Begin func(ctx context.Context, single bool) (tx drivers.Executor, commit, rollback func(context.Context) error, err error)

// Flush writes every pending change in one transaction: inserts in foreign-key order (cycles
// broken with a later UPDATE), updates of changed columns, pivot rows, deletes. With nothing
// to do it runs no query. If anything fails the database is rolled back and the unit of work
// is as it was before, so the caller can fix the cause and flush again.
func (u *UnitOfWork) Flush(ctx context.Context, begin Begin) (err error) {
	if !u.HasChanges() {
		return nil
	}
	if err := u.loadReplaced(ctx); err != nil {
		return err
	}
	u.flushes++
	f := &flush{u: u, id: u.flushes, snaps: map[*dynamic.Entity]*dynamic.Snapshot{}}
	saved := [3][]*dynamic.Entity{append([]*dynamic.Entity(nil), u.news...), append([]*dynamic.Entity(nil), u.changed...), append([]*dynamic.Entity(nil), u.removed...)}
	var rollback func(context.Context) error // set once the transaction has begun
	done := false
	defer func() {
		if err == nil && done {
			return
		}
		// An error, or a panic (from an OnQuery hook, a driver): the transaction is rolled
		// back, so that it does not keep its connection and locks, and the unit of work is
		// restored, as for an error.
		r := recover()
		if r != nil && rollback != nil {
			_ = rollback(context.WithoutCancel(ctx))
		}
		f.undo()
		u.news, u.changed, u.removed = saved[0], saved[1], saved[2]
		if r != nil {
			panic(r)
		}
	}()
	if err := f.plan(); err != nil {
		return err
	}
	if f.empty() {
		f.finish()
		done = true
		return nil
	}
	tx, commit, rb, err := begin(ctx, f.single())
	if err != nil {
		return err
	}
	rollback = rb
	if err := f.run(ctx, tx); err != nil {
		rollback = nil
		if rerr := rb(context.WithoutCancel(ctx)); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := commit(ctx); err != nil {
		return err
	}
	rollback = nil
	done = true
	f.finish()
	if n := len(u.frames); n > 0 {
		u.frames[n-1].flushes = append(u.frames[n-1].flushes, f)
	}
	return nil
}

// loadReplaced loads the collections that Set or RemoveAll replaced before they were
// loaded (one query each), so that the stored items they drop are removed: their m:1
// written as NULL or, with orphanRemoval, deleted; their pivot rows deleted.
func (u *UnitOfWork) loadReplaced(ctx context.Context) error {
	for i := 0; i < len(u.changed); i++ { // loading may report more changed entities
		e := u.changed[i]
		if e.Internal().State != dynamic.StateManaged {
			continue
		}
		for _, p := range u.info(e.Meta()).toMany {
			if c := e.LoadedCollection(p); c != nil && c.Replaced() {
				if err := u.loader.LoadCollection(ctx, c); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// revert undoes a committed flush in memory after its transaction rolled back.
func (f *flush) revert() {
	u := f.u
	for _, e := range f.inserts {
		if id := e.ID(); id != nil {
			delete(u.identity[e.Meta()], schema.KeyString(id))
		}
	}
	f.undo() // values, states, changes and collections as they were before the flush
	for _, e := range f.inserts {
		if k := e.Internal().Key; k != "" && e.Internal().State == dynamic.StateNew {
			u.mapOf(e.Meta())[k] = e // new again, with the key it was persisted with
		}
	}
	u.news = append(u.news, f.inserts...)
	for _, e := range f.deletes {
		u.mapOf(e.Meta())[schema.KeyString(keyOf(e))] = e
		u.removed = append(u.removed, e)
	}
	u.changed = append(u.changed, f.updates...)
	for _, pc := range f.pivots {
		if pc.owner.Internal().State == dynamic.StateManaged {
			u.changed = append(u.changed, pc.owner)
		}
	}
}

type flush struct {
	u         *UnitOfWork
	snaps     map[*dynamic.Entity]*dynamic.Snapshot
	generated []*dynamic.Entity // entities whose key the database generated in this flush
	inserts   []*dynamic.Entity // in commit order
	updates   []*dynamic.Entity
	deletes   []*dynamic.Entity
	pivots    []pivotChange
	id        uint64 // the flush number (UnitOfWork.flushes), for the marks in dynamic.Internal
	later     []laterUpdate
	versions  map[*dynamic.Entity]any
	stamps    stamps
	stamped   []*dynamic.Entity // new entities given onCreate times by this flush
}

type pivotChange struct {
	owner *dynamic.Entity
	prop  *schema.Property
	add   bool
	items []*dynamic.Entity
}

type laterUpdate struct {
	e *dynamic.Entity
	p *schema.Property
}

func (f *flush) snap(e *dynamic.Entity) {
	if _, ok := f.snaps[e]; !ok {
		f.snaps[e] = e.Snapshot()
	}
}

func (f *flush) undo() {
	for _, s := range f.snaps {
		s.Restore()
	}
	// An entity that this flush persisted by cascade is detached again: out of the map.
	for e := range f.snaps {
		if e.Internal().State == dynamic.StateDetached {
			f.u.unregister(e)
		}
	}
	for _, e := range f.generated {
		e.SetRaw(e.Meta().Primary[0], nil)
	}
	for _, e := range f.stamped {
		f.stamps.unstamp(e, f.u.info(e.Meta()).onCreateNow)
	}
}

// single reports whether the plan is one driver operation: entities of one type to insert
// (referring to no other new entity), to update, or to delete, and no pivot rows.
func (f *flush) single() bool {
	var list []*dynamic.Entity
	for _, l := range [][]*dynamic.Entity{f.inserts, f.updates, f.deletes} {
		if len(l) > 0 {
			if list != nil {
				return false
			}
			list = l
		}
	}
	if list == nil || len(f.pivots) > 0 {
		return false
	}
	meta, preset := list[0].Meta(), presetKey(list[0])
	cols := meta.Columns()
	for _, e := range list {
		if e.Meta() != meta {
			return false
		}
		if len(f.inserts) == 0 {
			continue
		}
		if presetKey(e) != preset {
			return false
		}
		for _, p := range cols {
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil && p.IsToOne() && r.Internal().State == dynamic.StateNew {
				return false
			}
		}
	}
	return true
}

func (f *flush) empty() bool {
	return len(f.inserts) == 0 && len(f.updates) == 0 && len(f.deletes) == 0 && len(f.pivots) == 0
}

// plan computes what to write. It visits only new, changed and removed entities and what
// they cascade to, never the whole identity map.
func (f *flush) plan() error {
	u := f.u
	// Cascade persist from new and changed entities; orphan removal from changed collections.
	var queue []*dynamic.Entity
	queue = append(queue, u.news...)
	queue = append(queue, u.changed...)
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if e.Internal().Visit == f.id {
			continue
		}
		e.Internal().Visit = f.id
		st := e.Internal().State
		if st != dynamic.StateNew && st != dynamic.StateManaged {
			continue
		}
		for _, p := range u.info(e.Meta()).relations {
			if p.IsToOne() {
				if r, _ := e.Value(p).(*dynamic.Entity); r != nil {
					if err := f.cascade(e, p, r, &queue); err != nil {
						return err
					}
				}
				continue
			}
			c := e.LoadedCollection(p)
			if c == nil {
				continue
			}
			if p.OrphanRemoval && st == dynamic.StateManaged {
				_, removed := c.Changes()
				for _, o := range removed {
					if o.Internal().State == dynamic.StateManaged && (p.Inverse == nil || o.Value(p.Inverse) == nil) {
						f.snap(o)
						u.Remove(o)
					}
				}
			}
			for r := range c.All() {
				if err := f.cascade(e, p, r, &queue); err != nil {
					return err
				}
			}
		}
	}

	order, err := u.commitOrder()
	if err != nil {
		return err
	}
	// Inserts grouped by entity in commit order, persist order within an entity: counted
	// first, so that the groups are slices of one array (a flush of many new entities makes
	// no garbage growing them).
	count := map[*schema.Entity]int{}
	for _, e := range u.news {
		if e.Internal().State == dynamic.StateNew {
			count[e.Meta()]++
		}
	}
	all := make([]*dynamic.Entity, 0, len(u.news))
	byMeta := make(map[*schema.Entity][]*dynamic.Entity, len(count))
	for meta, n := range count {
		byMeta[meta] = all[len(all) : len(all) : len(all)+n]
		all = all[:len(all)+n]
	}
	for _, e := range u.news {
		if e.Internal().State == dynamic.StateNew {
			byMeta[e.Meta()] = append(byMeta[e.Meta()], e)
		}
	}
	f.inserts = make([]*dynamic.Entity, 0, len(all))
	for _, meta := range order.entities {
		f.inserts = append(f.inserts, parentsFirst(meta, byMeta[meta])...)
	}
	for _, e := range f.inserts {
		// Outside a transaction a new entity needs no snapshot (values were filled in by
		// Persist): a failed flush only takes back the key the database generated. Inside
		// one, a rollback after the flush must be able to restore it completely.
		if len(u.frames) > 0 {
			f.snap(e)
		}
		mi := u.info(e.Meta())
		if f.stamps.stampCreated(e, mi.onCreateNow) {
			if f.stamped == nil {
				f.stamped = make([]*dynamic.Entity, 0, len(f.inserts))
			}
			f.stamped = append(f.stamped, e)
		}
		if err := checkRequired(e, mi.required); err != nil {
			return err
		}
		f.planPivots(e, true)
	}
	// Updates: changed managed entities, each once.
	dup := map[*dynamic.Entity]bool{}
	for _, e := range u.changed {
		if dup[e] || e.Internal().State != dynamic.StateManaged {
			continue
		}
		dup[e] = true
		f.snap(e)
		if ch := e.Changes(); len(ch) > 0 {
			if v := e.Meta().Version; v != nil && expectedVersion(e, v, ch) == nil {
				return fmt.Errorf("dorm: %v is a reference (not loaded): its version is unknown, so an update of it cannot be checked; Init or find it before changing it, or set the version you expect", e)
			}
			for _, p := range ch {
				if !p.Nullable && p.HasColumn() && e.Value(p) == nil {
					return fmt.Errorf("dorm: %v: %s is required (not nullable): it cannot be set to nil", e, p)
				}
			}
			f.updates = append(f.updates, e)
		}
		f.planPivots(e, false)
	}
	// Deletes in reverse commit order.
	byMeta = map[*schema.Entity][]*dynamic.Entity{}
	for _, e := range u.removed {
		if e.Internal().State == dynamic.StateRemoved {
			byMeta[e.Meta()] = append(byMeta[e.Meta()], e)
		}
	}
	for i := len(order.entities) - 1; i >= 0; i-- {
		for _, e := range byMeta[order.entities[i]] {
			f.snap(e)
			f.deletes = append(f.deletes, e)
		}
	}
	return nil
}

// cascade persists r, reached from e through p, when it is new and p cascades persist.
func (f *flush) cascade(e *dynamic.Entity, p *schema.Property, r *dynamic.Entity, queue *[]*dynamic.Entity) error {
	switch r.Internal().State {
	case dynamic.StateDetached:
		if !p.Cascade.Has(schema.CascadePersist) {
			return fmt.Errorf("dorm: %v.%s refers to %v, which is not persisted and the relation does not cascade persist", e, p.Name, r)
		}
		f.snap(r)
		if err := f.u.persistNew(r); err != nil {
			return err
		}
		*queue = append(*queue, r)
	case dynamic.StateRemoved:
		if p.IsToOne() && p.Owner {
			return fmt.Errorf("dorm: %v.%s refers to %v, which is removed in this flush", e, p.Name, r)
		}
	}
	return nil
}

// checkRequired reports a non-nullable column (of required, see metaInfo) without a value
// before anything is written.
func checkRequired(e *dynamic.Entity, required []*schema.Property) error {
	for _, p := range required {
		if e.Value(p) != nil {
			continue
		}
		if p.IsToOne() {
			return fmt.Errorf("dorm: %s.%s is required: set it to a %s before flushing", e.Entity(), p.Name, p.Target.Name)
		}
		return fmt.Errorf("dorm: %s.%s is required (not nullable, no default): set it before flushing", e.Entity(), p.Name)
	}
	return nil
}

// planPivots records pivot rows to write for the owning m:n collections of e.
func (f *flush) planPivots(e *dynamic.Entity, isNew bool) {
	for _, p := range f.u.info(e.Meta()).pivotOwners {
		c := e.LoadedCollection(p)
		if c == nil {
			continue
		}
		added, removed := c.Changes()
		if isNew {
			added, removed = c.Items(), nil
		}
		if len(removed) > 0 {
			f.pivots = append(f.pivots, pivotChange{owner: e, prop: p, add: false, items: append([]*dynamic.Entity(nil), removed...)})
		}
		var keep []*dynamic.Entity
		for _, it := range added {
			if it.Internal().State != dynamic.StateRemoved {
				keep = append(keep, it)
			}
		}
		if len(keep) > 0 {
			f.pivots = append(f.pivots, pivotChange{owner: e, prop: p, add: true, items: keep})
		}
	}
}

// run executes the plan inside tx.
func (f *flush) run(ctx context.Context, tx drivers.Executor) error {
	// Deletes go last, except those of rows whose key or unique values an insert of this
	// flush takes over (remove a tag and create one of the same name): they go first, as
	// MikroORM's early deletes.
	early := f.earlyDeletes()
	if err := f.runDeletes(ctx, tx, early, true); err != nil {
		return err
	}
	if err := f.runInserts(ctx, tx); err != nil {
		return err
	}
	if err := f.runUpdates(ctx, tx); err != nil {
		return err
	}
	if err := f.runPivots(ctx, tx); err != nil {
		return err
	}
	return f.runDeletes(ctx, tx, early, false)
}

// earlyDeletes returns the entities to delete whose primary key or unique values (single
// or multi-column uniques, NULLs left out) an entity to insert has too.
func (f *flush) earlyDeletes() map[*dynamic.Entity]bool {
	if len(f.deletes) == 0 || len(f.inserts) == 0 {
		return nil
	}
	metas := map[*schema.Entity]bool{}
	for _, e := range f.deletes {
		metas[e.Meta()] = true
	}
	taken := map[string]bool{}
	for _, e := range f.inserts {
		if metas[e.Meta()] {
			for _, k := range uniqueValues(e, e.Value) {
				taken[k] = true
			}
		}
	}
	var early map[*dynamic.Entity]bool
	for _, e := range f.deletes {
		for _, k := range uniqueValues(e, e.Original) {
			if taken[k] {
				if early == nil {
					early = map[*dynamic.Entity]bool{}
				}
				early[e] = true
				break
			}
		}
	}
	return early
}

// uniqueValues describes the values of e's primary key and unique constraints, read with
// value, one string per constraint: "Entity\x00constraint\x00values".
func uniqueValues(e *dynamic.Entity, value func(*schema.Property) any) []string {
	meta := e.Meta()
	var out []string
	add := func(name string, ps []*schema.Property) {
		var b strings.Builder
		b.WriteString(meta.Name + "\x00" + name)
		for _, p := range ps {
			v := dynamic.KeyValue(value(p))
			if v == nil {
				return // NULLs never collide
			}
			b.WriteString("\x00" + schema.KeyString(v))
		}
		out = append(out, b.String())
	}
	add("primary", meta.Primary)
	for _, p := range meta.Columns() {
		if p.Unique && !p.Primary {
			add(p.Name, []*schema.Property{p})
		}
	}
	for _, u := range meta.Uniques {
		add(u.Name, u.Properties)
	}
	return out
}

func (f *flush) runInserts(ctx context.Context, tx drivers.Executor) error {
	for i := 0; i < len(f.inserts); {
		meta := f.inserts[i].Meta()
		preset := presetKey(f.inserts[i])
		j := i
		self := selfRefs(meta)
		inBatch := map[*dynamic.Entity]bool{}
		for j < len(f.inserts) && f.inserts[j].Meta() == meta && presetKey(f.inserts[j]) == preset {
			if len(self) > 0 {
				// A row that refers to a row of this batch starts the next batch, so that its
				// parent's key is known (a tree of one entity needs no nullable key).
				if refersTo(f.inserts[j], self, inBatch) {
					break
				}
				inBatch[f.inserts[j]] = true
			}
			j++
		}
		batch := f.inserts[i:j]
		i = j
		fields := insertFields(meta)
		if preset { // the user chose the keys of an autoincrement column
			fields = append([]*schema.Property{meta.Primary[0]}, fields...)
		}
		// Up to insertChunk rows per InsertOp, in buffers reused from one chunk to the next
		// (the driver splits each into statements, or one COPY).
		n := min(len(batch), insertChunk)
		values, rows := make([]any, n*len(fields)), make([][]any, n)
		for start := 0; start < len(batch); start += insertChunk {
			if err := f.insertChunk(ctx, tx, meta, fields, preset, batch[start:min(start+insertChunk, len(batch))], values, rows); err != nil {
				return err
			}
		}
	}
	return f.runLater(ctx, tx)
}

// insertChunk is the number of rows of one InsertOp: large enough for a driver to batch
// well, small enough that the rows of a big flush are not all copied at once.
const insertChunk = 5000

// insertChunk inserts part, new entities of meta, in one InsertOp built in values and rows.
func (f *flush) insertChunk(ctx context.Context, tx drivers.Executor, meta *schema.Entity, fields []*schema.Property, preset bool,
	part []*dynamic.Entity, values []any, rows [][]any) error {
	op := &drivers.InsertOp{Entity: meta, Fields: fields, Rows: rows[:len(part)]}
	for k, e := range part {
		row := values[k*len(fields) : (k+1)*len(fields) : (k+1)*len(fields)]
		clear(row)
		for n, p := range fields {
			if p.IsToOne() {
				if r, _ := e.Value(p).(*dynamic.Entity); r != nil && r.Internal().State == dynamic.StateNew && r.Internal().Inserted != f.id {
					// The target is inserted later (a cycle, or a self-reference): write
					// NULL now and the key with an UPDATE once both rows exist.
					if !p.Nullable {
						return fmt.Errorf("dorm: cannot order the inserts of %v and %v: %s is not nullable and the relations form a cycle", e, r, p)
					}
					f.later = append(f.later, laterUpdate{e: e, p: p})
					continue
				}
			}
			row[n] = columnValue(e, p)
		}
		op.Rows[k] = row
	}
	if err := tx.Insert(ctx, op); err != nil {
		return wrapErr(err, meta)
	}
	for k, e := range part {
		if !preset && len(op.Generated) == len(part) && len(meta.Primary) == 1 && meta.Primary[0].Autoincrement {
			e.SetRaw(meta.Primary[0], op.Generated[k])
			f.generated = append(f.generated, e)
		}
		e.Internal().Inserted = f.id
	}
	return nil
}

// runLater writes the foreign keys that had to wait until their target rows existed.
func (f *flush) runLater(ctx context.Context, tx drivers.Executor) error {
	if len(f.later) == 0 {
		return nil
	}
	byMeta := map[*schema.Entity]*drivers.UpdateOp{}
	var metas []*schema.Entity
	for _, l := range f.later {
		op := byMeta[l.e.Meta()]
		if op == nil {
			op = &drivers.UpdateOp{Entity: l.e.Meta()}
			byMeta[l.e.Meta()] = op
			metas = append(metas, l.e.Meta())
		}
		op.Rows = append(op.Rows, drivers.UpdateRow{Key: l.e.ID(), Fields: []*schema.Property{l.p}, Values: []any{columnValue(l.e, l.p)}})
	}
	for _, meta := range metas {
		if err := tx.Update(ctx, byMeta[meta]); err != nil {
			return wrapErr(err, meta)
		}
	}
	return nil
}

// selfRefs returns the foreign keys of meta that point at meta itself.
func selfRefs(meta *schema.Entity) []*schema.Property {
	var out []*schema.Property
	for _, p := range meta.Columns() {
		if p.IsToOne() && p.Target == meta {
			out = append(out, p)
		}
	}
	return out
}

func refersTo(e *dynamic.Entity, props []*schema.Property, set map[*dynamic.Entity]bool) bool {
	for _, p := range props {
		if r, _ := e.Value(p).(*dynamic.Entity); r != nil && r != e && set[r] {
			return true
		}
	}
	return false
}

// parentsFirst orders new entities of one type so that an entity comes after the entities
// of the same type it refers to (a cycle keeps the order it has; its nullable key is then
// written by a later UPDATE).
func parentsFirst(meta *schema.Entity, es []*dynamic.Entity) []*dynamic.Entity {
	self := selfRefs(meta)
	if len(self) == 0 || len(es) < 2 {
		return es
	}
	member := make(map[*dynamic.Entity]bool, len(es))
	for _, e := range es {
		member[e] = true
	}
	out := make([]*dynamic.Entity, 0, len(es))
	state := map[*dynamic.Entity]int{} // 1 visiting, 2 done
	var visit func(e *dynamic.Entity)
	visit = func(e *dynamic.Entity) {
		if state[e] != 0 {
			return
		}
		state[e] = 1
		for _, p := range self {
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil && member[r] {
				visit(r)
			}
		}
		state[e] = 2
		out = append(out, e)
	}
	for _, e := range es {
		visit(e)
	}
	return out
}

// presetKey reports whether e has an autoincrement key that the user set.
func presetKey(e *dynamic.Entity) bool {
	pk := e.Meta().Primary
	return len(pk) == 1 && pk[0].Autoincrement && e.Value(pk[0]) != nil
}

// insertFields are the columns written by an insert: all but an autoincrement key.
func insertFields(meta *schema.Entity) []*schema.Property {
	var out []*schema.Property
	for _, p := range meta.Columns() {
		if !p.Autoincrement {
			out = append(out, p)
		}
	}
	return out
}

func (f *flush) runUpdates(ctx context.Context, tx drivers.Executor) error {
	if len(f.updates) == 0 {
		return nil
	}
	t := now()
	f.versions = map[*dynamic.Entity]any{}
	ops := map[*schema.Entity]*drivers.UpdateOp{}
	var metas []*schema.Entity
	for _, e := range f.updates {
		meta := e.Meta()
		changes := e.Changes()
		for _, p := range meta.Properties {
			if p.OnUpdate == "now" && !contains(changes, p) {
				e.Touch(p, timeValue(p, t))
				changes = append(changes, p)
			}
		}
		row := drivers.UpdateRow{Key: keyOf(e)}
		if v := meta.Version; v != nil {
			row.Version = expectedVersion(e, v, changes)
			next := nextVersion(v, row.Version, t)
			f.versions[e] = next
			if !contains(changes, v) {
				changes = append(changes, v)
			}
			e.SetRaw(v, next)
		}
		row.Fields = changes
		row.Values = make([]any, len(changes))
		for i, p := range changes {
			row.Values[i] = columnValue(e, p)
		}
		op := ops[meta]
		if op == nil {
			op = &drivers.UpdateOp{Entity: meta}
			ops[meta] = op
			metas = append(metas, meta)
		}
		op.Rows = append(op.Rows, row)
	}
	for _, meta := range metas {
		if err := tx.Update(ctx, ops[meta]); err != nil {
			return wrapErr(err, meta)
		}
	}
	return nil
}

// expectedVersion is the version that the row of e must still have for a write to go
// through: the one loaded, or the one the program set on the version property (changes),
// as Hibernate and Doctrine do with the version a client saw. A web form that sends back
// the version it was rendered with then fails with ErrOptimisticLock when the row has moved
// on since, although this EntityManager loaded it later.
func expectedVersion(e *dynamic.Entity, v *schema.Property, changes []*schema.Property) any {
	if contains(changes, v) {
		if set := e.Value(v); set != nil {
			return set
		}
	}
	return e.Original(v)
}

func contains(ps []*schema.Property, p *schema.Property) bool {
	for _, x := range ps {
		if x == p {
			return true
		}
	}
	return false
}

// keyOf is the key an entity is stored under: its original key if the key changed.
func keyOf(e *dynamic.Entity) any {
	pk := e.Meta().Primary
	if len(pk) == 1 {
		return dynamic.KeyValue(e.Original(pk[0]))
	}
	out := make([]any, len(pk))
	for i, p := range pk {
		out[i] = dynamic.KeyValue(e.Original(p))
	}
	return out
}

func (f *flush) runPivots(ctx context.Context, tx drivers.Executor) error {
	// Removals first, so that removing and re-adding a pair in one flush ends with the pair.
	for _, add := range []bool{false, true} {
		ops := map[*schema.Property]*drivers.PivotOp{}
		var props []*schema.Property
		for _, pc := range f.pivots {
			if pc.add != add {
				continue
			}
			op := ops[pc.prop]
			if op == nil {
				op = &drivers.PivotOp{Prop: pc.prop}
				ops[pc.prop] = op
				props = append(props, pc.prop)
			}
			for _, it := range pc.items {
				op.Pairs = append(op.Pairs, [2]any{pc.owner.ID(), it.ID()})
			}
		}
		for _, p := range props {
			var err error
			if add {
				err = tx.InsertPivot(ctx, ops[p])
			} else {
				err = tx.DeletePivot(ctx, ops[p])
			}
			if err != nil {
				return wrapErr(err, p.Entity)
			}
		}
	}
	return nil
}

// runDeletes deletes the entities of f.deletes that are (first) or are not (!first) in
// early.
func (f *flush) runDeletes(ctx context.Context, tx drivers.Executor, early map[*dynamic.Entity]bool, first bool) error {
	if first && len(early) == 0 {
		return nil
	}
	for i := 0; i < len(f.deletes); {
		meta := f.deletes[i].Meta()
		op := &drivers.DeleteOp{Entity: meta}
		for ; i < len(f.deletes) && f.deletes[i].Meta() == meta; i++ {
			e := f.deletes[i]
			if early[e] != first {
				continue
			}
			op.Keys = append(op.Keys, keyOf(e))
			if meta.Version != nil {
				op.Versions = append(op.Versions, expectedVersion(e, meta.Version, e.Changes()))
			}
		}
		if len(op.Keys) == 0 {
			continue
		}
		if err := tx.Delete(ctx, op); err != nil {
			return wrapErr(err, meta)
		}
	}
	return nil
}

// finish marks what was written as stored.
func (f *flush) finish() {
	u := f.u
	// A map that is still empty is made at the size it is about to reach: growing one to
	// 10,000 keys a key at a time rehashes it a dozen times. The inserts come in runs of one
	// entity.
	for i := 0; i < len(f.inserts); {
		meta, j := f.inserts[i].Meta(), i
		for j < len(f.inserts) && f.inserts[j].Meta() == meta {
			j++
		}
		if len(u.identity[meta]) == 0 && j-i > 8 {
			u.identity[meta] = make(map[string]*dynamic.Entity, j-i)
		}
		i = j
	}
	for _, e := range f.inserts {
		in := e.Internal()
		in.State = dynamic.StateManaged
		// Most new entities were registered by Persist; the others (generated keys, keys set
		// or changed since) are registered now.
		if ks := schema.KeyString(e.ID()); ks != in.Key {
			m := u.mapOf(e.Meta())
			if in.Key != "" && m[in.Key] == e {
				delete(m, in.Key)
			}
			m[ks] = e
		}
		in.Key = ""
	}
	synced := func(e *dynamic.Entity) {
		e.Synced()
		for _, p := range u.info(e.Meta()).toMany {
			if c := e.LoadedCollection(p); c != nil {
				c.Synced()
			}
		}
	}
	for _, e := range f.deletes {
		synced(e)
		u.Forget(e)
	}
	for _, e := range f.inserts {
		synced(e)
	}
	for _, e := range u.changed {
		synced(e)
	}
	u.news, u.changed, u.removed = nil, nil, nil
}

// wrapErr turns a stale-row error into an OptimisticLockError and names the entity in
// constraint errors.
func wrapErr(err error, meta *schema.Entity) error {
	var na *drivers.NotAffectedError
	if errors.As(err, &na) {
		return &OptimisticLockError{Entity: na.Entity, Key: na.Key, Err: err}
	}
	var ce *drivers.ConstraintError
	if errors.As(err, &ce) && ce.Entity == "" {
		ce.Entity = meta.Name
	}
	return err
}

// commitOrder is the order in which entities are inserted (and, reversed, deleted).
type commitOrder struct {
	entities []*schema.Entity
}

// commitOrder sorts the entities so that the target of every foreign key comes first. Where
// foreign keys form a cycle, a nullable one is given up (its value is written by a later
// UPDATE); in a cycle of non-nullable foreign keys one is given up too, and inserting rows
// that need it is an error at insert time.
func (u *UnitOfWork) commitOrder() (*commitOrder, error) {
	if u.order != nil {
		return u.order, nil
	}
	all := u.reg.Entities()
	type edge struct {
		from *schema.Entity
		soft bool
	}
	in := map[*schema.Entity][]edge{} // incoming: target <- dependent means dependent waits for target
	for _, e := range all {
		for _, p := range e.Columns() {
			if p.IsToOne() && p.Target != e {
				in[e] = append(in[e], edge{from: p.Target, soft: p.Nullable})
			}
		}
	}
	done := map[*schema.Entity]bool{}
	var out []*schema.Entity
	for len(out) < len(all) {
		var pick *schema.Entity
		for _, soft := range []bool{false, true} {
			for _, e := range all {
				if done[e] {
					continue
				}
				ok := true
				for _, ed := range in[e] {
					if !done[ed.from] && (!soft || !ed.soft) {
						ok = false
						break
					}
				}
				if ok {
					pick = e
					break
				}
			}
			if pick != nil {
				break
			}
		}
		if pick == nil {
			// A cycle of non-nullable foreign keys (Sakila's staff and store): no order
			// inserts both in one flush, but a flush that inserts only one of them, or
			// neither, is fine. Take the first entity of the cycle; an insert that needs the
			// impossible order fails with an error naming both rows (insertChunk).
			for _, e := range all {
				if !done[e] {
					pick = e
					break
				}
			}
		}
		done[pick] = true
		out = append(out, pick)
	}
	u.order = &commitOrder{entities: out}
	return u.order, nil
}

// ErrOptimisticLock is matched (errors.Is) by every *OptimisticLockError.
var ErrOptimisticLock = errors.New("dorm: optimistic lock failed")

// Is makes errors.Is(err, ErrOptimisticLock) true.
func (e *OptimisticLockError) Is(target error) bool { return target == ErrOptimisticLock }

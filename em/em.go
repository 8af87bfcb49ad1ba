package em

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
	"github.com/dorm-go/dorm/uow"
)

// EntityManager is a unit of work with its identity map: within one EntityManager, one row
// is one *dynamic.Entity. It is not safe for concurrent use; Fork one per request or job.
type EntityManager struct {
	orm *ORM
	uow *uow.UnitOfWork
	tx  drivers.Tx // the transaction of Transactional, or nil
}

var _ uow.Loader = (*EntityManager)(nil)

// ORM returns the ORM the EntityManager belongs to.
func (m *EntityManager) ORM() *ORM { return m.orm }

// UnitOfWork gives access to the identity map (for tests and tools).
func (m *EntityManager) UnitOfWork() *uow.UnitOfWork { return m.uow }

// Fork returns a new EntityManager with an empty identity map, outside any transaction.
func (m *EntityManager) Fork() *EntityManager { return m.orm.Fork() }

func (m *EntityManager) exec() drivers.Executor {
	if m.tx != nil {
		return m.tx
	}
	return m.orm.drv
}

// Create makes a new entity from data, as Set would for each key, and persists it (it is
// inserted by the next Flush). A to-one relation may be given as an entity, a key, or a map
// of the related entity's properties (a new entity); a to-many one as a list of those.
func (m *EntityManager) Create(entity string, data map[string]any) (*dynamic.Entity, error) {
	meta, err := m.orm.entity(entity)
	if err != nil {
		return nil, err
	}
	e, err := m.build(meta, data)
	if err != nil {
		return nil, err
	}
	if err := m.uow.Persist(e); err != nil {
		return nil, err
	}
	return e, nil
}

// build makes a detached entity from data; nested maps become detached entities too, which
// the flush then cascades to. Every value is checked first: when any is wrong nothing is
// built and no other entity is touched (a relation would otherwise have added the entity to
// the collection of its target, where the next flush would find it).
func (m *EntityManager) build(meta *schema.Entity, data map[string]any) (*dynamic.Entity, error) {
	e := dynamic.New(meta)
	e.Internal().Tracker = m.uow
	// Scalars and embedded values first: setting them touches no other entity.
	var errs []error
	type rel struct {
		p *schema.Property
		v any
	}
	var buf [4]rel
	rels := buf[:0]
	for k, v := range data {
		p, ok := meta.Property(k)
		switch {
		case !ok:
			errs = append(errs, &dynamic.UnknownPropertyError{Entity: meta.Name, Property: k})
		case p.IsRelation():
			rels = append(rels, rel{p, v})
			errs = append(errs, m.checkRelation(e, p, v)...)
		default:
			if err := e.SetProperty(p, v); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if len(errs) > 0 {
		e.Internal().Tracker = nil
		sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
		return nil, errors.Join(errs...)
	}
	// Then the relations, all of them checked above (nested maps included).
	for _, r := range rels {
		v, err := m.nested(r.p, r.v)
		if err != nil {
			return nil, err
		}
		if err := e.SetProperty(r.p, v); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// check reports everything wrong in data for an entity of meta, changing nothing: scalars and
// embedded values are set on a throwaway entity, relations are converted but not set, and
// nested maps are checked the same way.
func (m *EntityManager) check(meta *schema.Entity, data map[string]any) []error {
	probe := dynamic.New(meta)
	probe.Internal().Tracker = m.uow // to look up references by key; never persisted
	var errs []error
	for k, v := range data {
		p, ok := meta.Property(k)
		if !ok {
			errs = append(errs, &dynamic.UnknownPropertyError{Entity: meta.Name, Property: k})
			continue
		}
		if !p.IsRelation() {
			if err := probe.SetProperty(p, v); err != nil {
				errs = append(errs, err)
			}
			continue
		}
		errs = append(errs, m.checkRelation(probe, p, v)...)
	}
	return errs
}

func (m *EntityManager) checkRelation(probe *dynamic.Entity, p *schema.Property, v any) []error {
	switch x := v.(type) {
	case map[string]any:
		if p.IsToMany() {
			return []error{fmt.Errorf("dorm: %s is a collection: give a list", p)}
		}
		return m.check(p.Target, x)
	case []map[string]any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = it
		}
		return m.checkRelation(probe, p, out)
	case []any:
		if !p.IsToMany() {
			break
		}
		var errs []error
		for _, it := range x {
			if mm, ok := it.(map[string]any); ok {
				errs = append(errs, m.check(p.Target, mm)...)
			} else if err := probe.CheckRelation(p, []any{it}); err != nil {
				errs = append(errs, err)
			}
		}
		return errs
	}
	if err := probe.CheckRelation(p, v); err != nil {
		return []error{err}
	}
	return nil
}

func (m *EntityManager) nested(p *schema.Property, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		if p.IsToMany() {
			return nil, fmt.Errorf("dorm: %s is a collection: give a list", p)
		}
		return m.build(p.Target, x)
	case []map[string]any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = it
		}
		return m.nested(p, out)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			if mm, ok := it.(map[string]any); ok {
				e, err := m.build(p.Target, mm)
				if err != nil {
					return nil, err
				}
				out[i] = e
			} else {
				out[i] = it
			}
		}
		return out, nil
	}
	return v, nil
}

// Persist schedules entities for insertion by the next Flush (cascading along relations).
func (m *EntityManager) Persist(es ...*dynamic.Entity) error {
	for _, e := range es {
		if err := m.uow.Persist(e); err != nil {
			return err
		}
	}
	return nil
}

// Remove schedules entities for deletion by the next Flush.
func (m *EntityManager) Remove(es ...*dynamic.Entity) {
	for _, e := range es {
		m.uow.Remove(e)
	}
}

// Clear detaches every managed entity and forgets pending changes.
func (m *EntityManager) Clear() { m.uow.Clear() }

// Flush writes every pending change in one transaction (a savepoint inside Transactional).
// With nothing to write it runs no query. On error nothing is written and the
// EntityManager is as it was before, so the cause can be fixed and Flush called again.
func (m *EntityManager) Flush(ctx context.Context) error {
	return m.uow.Flush(ctx, m.begin)
}

func (m *EntityManager) begin(ctx context.Context, single bool) (drivers.Executor, func(context.Context) error, func(context.Context) error, error) {
	var tx drivers.Tx
	var err error
	if single && m.tx == nil {
		// One operation: the driver runs it atomically (one statement, or its own transaction).
		noop := func(context.Context) error { return nil }
		return m.orm.drv, noop, noop, nil
	}
	if m.tx != nil {
		if !m.orm.drv.Capabilities().Savepoints {
			noop := func(context.Context) error { return nil }
			return m.tx, noop, noop, nil
		}
		tx, err = m.tx.Begin(ctx)
	} else {
		tx, err = m.orm.drv.Begin(ctx, drivers.TxOptions{})
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return tx, tx.Commit, tx.Rollback, nil
}

// GetReference returns the managed entity with that key, or a reference holding only the
// key, without a query; a later find of the same row returns the same pointer. It returns
// nil for an unknown entity or a key of the wrong type (Reference returns the error).
func (m *EntityManager) GetReference(entity string, id any) *dynamic.Entity {
	e, _ := m.Reference(entity, id)
	return e
}

// Reference is GetReference with an error.
func (m *EntityManager) Reference(entity string, id any) (*dynamic.Entity, error) {
	meta, err := m.orm.entity(entity)
	if err != nil {
		return nil, err
	}
	key, err := convertKey(meta, id)
	if err != nil {
		return nil, err
	}
	if e, ok := m.uow.Lookup(meta, key); ok {
		return e, nil
	}
	return m.uow.Reference(meta, key)
}

// convertKey converts a primary key value (a scalar, or []any for a composite key).
func convertKey(meta *schema.Entity, id any) (any, error) {
	if len(meta.Primary) == 1 {
		k, err := dynamic.ConvertKeyPart(meta.Primary[0], id)
		if err == nil && k == nil {
			err = fmt.Errorf("dorm: %s: the key is nil", meta.Name)
		}
		return k, err
	}
	parts, ok := id.([]any)
	if !ok || len(parts) != len(meta.Primary) {
		return nil, fmt.Errorf("dorm: %s has a composite key of %d properties: pass []any with one value each, got %T", meta.Name, len(meta.Primary), id)
	}
	out := make([]any, len(parts))
	for i, p := range meta.Primary {
		v, err := dynamic.ConvertKeyPart(p, parts[i])
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// keyList reports whether filter is a list of primary keys, and returns them: any slice
// (but []byte, a blob key) for an entity with a single key; for a composite key a []any
// whose items are all []any (one composite key alone is a []any of its parts).
func keyList(meta *schema.Entity, filter any) ([]any, bool) {
	if _, blob := filter.([]byte); blob {
		return nil, false
	}
	v := reflect.ValueOf(filter)
	if v.Kind() != reflect.Slice {
		return nil, false
	}
	keys := make([]any, v.Len())
	for i := range keys {
		keys[i] = v.Index(i).Interface()
		if _, part := keys[i].([]any); len(meta.Primary) > 1 && !part {
			return nil, false
		}
	}
	return keys, true
}

// keyFilter returns the filter matching the primary key key.
func keyFilter(meta *schema.Entity, key any) query.Expr {
	if len(meta.Primary) == 1 {
		return &query.Cmp{Prop: meta.Primary[0], Op: query.Eq, Value: key}
	}
	parts := key.([]any)
	and := make(query.And, len(parts))
	for i, p := range meta.Primary {
		and[i] = &query.Cmp{Prop: p, Op: query.Eq, Value: parts[i]}
	}
	return and
}

// Find returns the entities that match filter (a filter map as in MikroORM, or nil for all),
// merged into the identity map.
func (m *EntityManager) Find(ctx context.Context, entity string, filter any, opts ...FindOption) ([]*dynamic.Entity, error) {
	meta, err := m.orm.entity(entity)
	if err != nil {
		return nil, err
	}
	o, err := m.options(meta, opts)
	if err != nil {
		return nil, err
	}
	where, err := m.where(meta, filter)
	if err != nil {
		return nil, err
	}
	out, err := m.find(ctx, meta, where, o)
	if err != nil {
		return nil, err
	}
	if len(o.populate) > 0 {
		if err := m.Populate(ctx, out, o.populate...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// filterOn returns the entity named entity and filter parsed on it.
func (m *EntityManager) filterOn(entity string, filter any) (*schema.Entity, query.Expr, error) {
	meta, err := m.orm.entity(entity)
	if err != nil {
		return nil, nil, err
	}
	where, err := m.where(meta, filter)
	return meta, where, err
}

// where turns a filter (map, JSON-decoded map, a primary key, a list of primary keys, or a
// query.Expr) into an Expr.
func (m *EntityManager) where(meta *schema.Entity, filter any) (query.Expr, error) {
	switch f := filter.(type) {
	case nil:
		return nil, nil
	case map[string]any:
		if len(f) == 0 {
			return nil, nil
		}
		return query.Parse(meta, f)
	case query.Expr:
		return f, nil
	}
	if keys, ok := keyList(meta, filter); ok {
		// A list of primary keys, as MikroORM's em.find(Author, [1, 2, 3]): $in on a single
		// key, one condition per key (OR) on a composite one. An empty list matches nothing.
		in := make([]any, len(keys))
		or := query.Or{}
		for i, k := range keys {
			key, err := convertKey(meta, k)
			if err != nil {
				return nil, fmt.Errorf("dorm: %s filter: key %d of the list: %w", meta.Name, i, err)
			}
			in[i] = key
			if len(meta.Primary) > 1 {
				or = append(or, keyFilter(meta, key))
			}
		}
		if len(or) == 0 {
			return &query.Cmp{Prop: meta.Primary[0], Op: query.In, Value: in}, nil
		}
		return or, nil
	}
	key, err := convertKey(meta, filter)
	if err != nil {
		return nil, fmt.Errorf("dorm: %s filter: expected a filter map or a primary key: %w", meta.Name, err)
	}
	return keyFilter(meta, key), nil
}

func (m *EntityManager) find(ctx context.Context, meta *schema.Entity, where query.Expr, o *findOptions) ([]*dynamic.Entity, error) {
	fields := meta.Columns()
	op := &drivers.FindOp{Entity: meta, Fields: fields, Where: where, OrderBy: o.order, Limit: o.limit, Offset: o.offset, Lock: o.lock}
	if o.lock != drivers.LockNone && m.tx == nil {
		return nil, fmt.Errorf("dorm: find %s with a lock needs a transaction: call it inside Transactional", meta.Name)
	}
	h := m.uow.Hydrator(meta, fields)
	var out []*dynamic.Entity
	err := m.exec().Find(ctx, op, func(row []any) error {
		out = append(out, h.Row(row))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindOne returns one entity by primary key or by filter map; errors.Is(err, ErrNotFound)
// when none matches. An entity already loaded in this EntityManager is returned by key
// without a query.
func (m *EntityManager) FindOne(ctx context.Context, entity string, filter any, opts ...FindOption) (*dynamic.Entity, error) {
	meta, err := m.orm.entity(entity)
	if err != nil {
		return nil, err
	}
	o, err := m.options(meta, opts)
	if err != nil {
		return nil, err
	}
	if key, ok := m.keyOf(meta, filter); ok && o.lock == drivers.LockNone {
		if e, ok := m.uow.Lookup(meta, key); ok && e.IsInitialized() && (e.Internal().State == dynamic.StateManaged || e.Internal().State == dynamic.StateNew) {
			if len(o.populate) > 0 {
				if err := m.Populate(ctx, []*dynamic.Entity{e}, o.populate...); err != nil {
					return nil, err
				}
			}
			return e, nil
		}
	}
	where, err := m.where(meta, filter)
	if err != nil {
		return nil, err
	}
	o.limit = 1
	out, err := m.find(ctx, meta, where, o)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, &NotFoundError{Entity: meta.Name, Filter: filter}
	}
	if len(o.populate) > 0 {
		if err := m.Populate(ctx, out, o.populate...); err != nil {
			return nil, err
		}
	}
	return out[0], nil
}

// keyOf returns the primary key a filter asks for, when it asks for exactly one key.
func (m *EntityManager) keyOf(meta *schema.Entity, filter any) (any, bool) {
	switch f := filter.(type) {
	case nil, query.Expr:
		return nil, false
	case map[string]any:
		if len(f) != 1 || len(meta.Primary) != 1 {
			return nil, false
		}
		v, ok := f[meta.Primary[0].Name]
		if !ok {
			return nil, false
		}
		if _, isMap := v.(map[string]any); isMap {
			return nil, false
		}
		return m.keyOf(meta, v)
	}
	key, err := convertKey(meta, filter)
	return key, err == nil
}

// NotFoundError is the error of FindOne when no row matches; it matches ErrNotFound.
type NotFoundError struct {
	Entity string
	Filter any
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("dorm: %s not found (filter %v)", e.Entity, e.Filter)
}

func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// Count returns the number of entities that match filter.
func (m *EntityManager) Count(ctx context.Context, entity string, filter any) (int64, error) {
	meta, where, err := m.filterOn(entity, filter)
	if err != nil {
		return 0, err
	}
	return m.exec().Count(ctx, &drivers.CountOp{Entity: meta, Where: where})
}

// FindAndCount returns a page of entities and the number of all that match the filter
// (ignoring Limit and Offset), for pagination.
func (m *EntityManager) FindAndCount(ctx context.Context, entity string, filter any, opts ...FindOption) ([]*dynamic.Entity, int64, error) {
	out, err := m.Find(ctx, entity, filter, opts...)
	if err != nil {
		return nil, 0, err
	}
	n, err := m.Count(ctx, entity, filter)
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// Refresh reloads e's columns from the database, discarding its unflushed changes.
func (m *EntityManager) Refresh(ctx context.Context, e *dynamic.Entity) error {
	if e.Internal().Tracker != m.uow {
		return fmt.Errorf("dorm: refresh %v: not managed by this EntityManager", e)
	}
	if e.Internal().State == dynamic.StateNew {
		// Not in the database yet: there is nothing to refresh from, and the entity stays
		// scheduled for insertion.
		return fmt.Errorf("dorm: refresh %v: the entity is new and not flushed yet, so it has no row to refresh from", e)
	}
	meta := e.Meta()
	fields := meta.Columns()
	h := m.uow.Hydrator(meta, fields)
	found := false
	err := m.exec().Find(ctx, &drivers.FindOp{Entity: meta, Fields: fields, Where: keyFilter(meta, e.ID()), Limit: 1}, func(row []any) error {
		found = true
		h.Refresh(e, row)
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		// The row is gone: the entity leaves the identity map, so that a later find does not
		// return it (MikroORM's refresh unsets its identity too).
		m.uow.Forget(e)
		return &NotFoundError{Entity: meta.Name, Filter: e.ID()}
	}
	return nil
}

// Load implements uow.Loader: it initialises a reference (Entity.Init).
func (m *EntityManager) Load(ctx context.Context, e *dynamic.Entity) error {
	if e.IsInitialized() {
		return nil
	}
	meta := e.Meta()
	fields := meta.Columns()
	h := m.uow.Hydrator(meta, fields)
	found := false
	err := m.exec().Find(ctx, &drivers.FindOp{Entity: meta, Fields: fields, Where: keyFilter(meta, e.ID())}, func(row []any) error {
		found = true
		h.Row(row)
		return nil
	})
	if err != nil {
		return err
	}
	if !found {
		return &NotFoundError{Entity: meta.Name, Filter: e.ID()}
	}
	return nil
}

// LoadCollection implements uow.Loader: it initialises a collection (Collection.Init).
func (m *EntityManager) LoadCollection(ctx context.Context, c *dynamic.Collection) error {
	return m.populateProp(ctx, []*dynamic.Entity{c.Owner()}, c.Property(), nil)
}

// CountCollection implements uow.Loader: the number of stored items of a collection
// (Collection.LoadCount), in one query that loads none of them.
func (m *EntityManager) CountCollection(ctx context.Context, c *dynamic.Collection) (int, error) {
	owner, p := c.Owner(), c.Property()
	key := owner.ID()
	if key == nil {
		return 0, nil // not stored yet: nothing in the database refers to it
	}
	switch p.Kind {
	case schema.OneToMany:
		if p.Inverse == nil {
			return 0, fmt.Errorf("dorm: %s has no owning side to count by", p)
		}
		n, err := m.exec().Count(ctx, &drivers.CountOp{Entity: p.Target, Where: &query.Cmp{Prop: p.Inverse, Op: query.Eq, Value: key}})
		return int(n), err
	case schema.ManyToMany:
		// The targets' keys through the pivot table, as a populate finds them, counted.
		n := 0
		err := m.exec().Find(ctx, &drivers.FindOp{Entity: p.Target, Fields: p.Target.Primary[:1],
			Pivot: &drivers.PivotFilter{Prop: p, Keys: []any{key}}}, func([]any) error {
			n++
			return nil
		})
		return n, err
	}
	return 0, fmt.Errorf("dorm: %s is not a collection", p)
}

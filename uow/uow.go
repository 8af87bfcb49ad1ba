package uow

import (
	"context"
	"fmt"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
)

// Loader loads references and collections for the unit of work; package em implements it
// with the driver and the current transaction.
type Loader interface {
	Load(ctx context.Context, e *dynamic.Entity) error
	LoadCollection(ctx context.Context, c *dynamic.Collection) error
	CountCollection(ctx context.Context, c *dynamic.Collection) (int, error)
}

// UnitOfWork is an identity map and the changes waiting for the next flush. It is not safe
// for concurrent use: one belongs to one EntityManager, which belongs to one goroutine.
type UnitOfWork struct {
	reg      *schema.Registry
	loader   Loader
	identity map[*schema.Entity]map[string]*dynamic.Entity
	infos    map[*schema.Entity]*metaInfo // see info
	lastMeta *schema.Entity
	last     *metaInfo
	news     []*dynamic.Entity // persisted, not yet inserted, in persist order
	changed  []*dynamic.Entity // reported a change since the last flush
	removed  []*dynamic.Entity // to delete
	order    *commitOrder
	frames   []*txFrame // open transactions (Transactional), innermost last
	flushes  uint64     // numbers the flushes, for the marks in dynamic.Internal
}

// txFrame remembers the flushes made inside one transaction, to undo them in memory when
// the transaction rolls back.
type txFrame struct {
	flushes []*flush
	pending map[*dynamic.Entity]bool // entities waiting for insertion when the frame began
}

// BeginTx marks the start of a transaction (or savepoint): flushes from now on can be undone
// by RollbackTx.
func (u *UnitOfWork) BeginTx() {
	f := &txFrame{pending: make(map[*dynamic.Entity]bool, len(u.news))}
	for _, e := range u.news {
		f.pending[e] = true
	}
	u.frames = append(u.frames, f)
}

// CommitTx ends the innermost transaction; its flushes become part of the enclosing one, if any.
func (u *UnitOfWork) CommitTx() {
	n := len(u.frames)
	if n == 0 {
		return
	}
	top := u.frames[n-1]
	u.frames = u.frames[:n-1]
	if n > 1 {
		parent := u.frames[n-2]
		parent.flushes = append(parent.flushes, top.flushes...)
	}
}

// RollbackTx ends the innermost transaction after the database rolled it back: every flush made
// in it is undone in memory, newest first, so inserted entities are new again, updated ones
// have their changes pending again, and deleted ones are scheduled for deletion again.
func (u *UnitOfWork) RollbackTx() {
	n := len(u.frames)
	if n == 0 {
		return
	}
	top := u.frames[n-1]
	u.frames = u.frames[:n-1]
	for i := len(top.flushes) - 1; i >= 0; i-- {
		top.flushes[i].revert()
	}
	// Entities created inside the transaction go with it.
	kept := u.news[:0]
	for _, e := range u.news {
		if top.pending[e] {
			kept = append(kept, e)
		} else {
			unlink(e)
			u.unregister(e)
			detach(e)
		}
	}
	u.news = kept
}

// SetLoader makes l load references and collections (Entity.Init, Collection.Init) and
// returns the loader it replaces: a transaction that shares the unit of work loads through
// its own connection while it runs.
func (u *UnitOfWork) SetLoader(l Loader) Loader {
	prev := u.loader
	u.loader = l
	return prev
}

// New returns an empty unit of work for the entities of reg.
func New(reg *schema.Registry, loader Loader) *UnitOfWork {
	return &UnitOfWork{reg: reg, loader: loader, identity: map[*schema.Entity]map[string]*dynamic.Entity{}}
}

var _ dynamic.Tracker = (*UnitOfWork)(nil)

// Registry returns the registry of the unit of work.
func (u *UnitOfWork) Registry() *schema.Registry { return u.reg }

// Changed implements dynamic.Tracker.
func (u *UnitOfWork) Changed(e *dynamic.Entity) {
	if e.Internal().State == dynamic.StateManaged {
		u.changed = append(u.changed, e)
	}
}

// Reference implements dynamic.Tracker: the managed entity with that key, or a new reference.
// A composite key is a []any with a value for each key property.
func (u *UnitOfWork) Reference(meta *schema.Entity, id any) (*dynamic.Entity, error) {
	if len(meta.Primary) != 1 {
		parts, ok := id.([]any)
		if !ok || len(parts) != len(meta.Primary) {
			return nil, fmt.Errorf("dorm: %s has a composite key of %d properties: pass []any with one value each, got %T", meta.Name, len(meta.Primary), id)
		}
		key := make([]any, len(parts))
		for i, p := range meta.Primary {
			v, err := dynamic.ConvertKeyPart(p, parts[i])
			if err != nil {
				return nil, err
			}
			if v == nil {
				return nil, fmt.Errorf("dorm: a reference to %s needs a key, got nil for %s", meta.Name, p.Name)
			}
			key[i] = v
		}
		return u.ref(meta, key), nil
	}
	key, err := dynamic.ConvertKeyPart(meta.Primary[0], id)
	if err != nil {
		return nil, err
	}
	if key == nil {
		return nil, fmt.Errorf("dorm: a reference to %s needs a key, got nil", meta.Name)
	}
	return u.ref(meta, key), nil
}

// ref returns the managed entity with key, or registers a new reference; key is converted.
func (u *UnitOfWork) ref(meta *schema.Entity, key any) *dynamic.Entity {
	m := u.mapOf(meta)
	ks := schema.KeyString(key)
	if e, ok := m[ks]; ok {
		return e
	}
	e := dynamic.NewReference(meta, key, u)
	m[ks] = e
	return e
}

// Load implements dynamic.Tracker.
func (u *UnitOfWork) Load(ctx context.Context, e *dynamic.Entity) error {
	if u.loader == nil {
		return fmt.Errorf("dorm: %v: no loader", e)
	}
	return u.loader.Load(ctx, e)
}

// LoadCollection implements dynamic.Tracker.
func (u *UnitOfWork) LoadCollection(ctx context.Context, c *dynamic.Collection) error {
	if u.loader == nil {
		return fmt.Errorf("dorm: %v.%s: no loader", c.Owner(), c.Property().Name)
	}
	return u.loader.LoadCollection(ctx, c)
}

// CountCollection implements dynamic.Tracker.
func (u *UnitOfWork) CountCollection(ctx context.Context, c *dynamic.Collection) (int, error) {
	if u.loader == nil {
		return 0, fmt.Errorf("dorm: %v.%s: no loader", c.Owner(), c.Property().Name)
	}
	return u.loader.CountCollection(ctx, c)
}

func (u *UnitOfWork) mapOf(meta *schema.Entity) map[string]*dynamic.Entity {
	m := u.identity[meta]
	if m == nil {
		m = map[string]*dynamic.Entity{}
		u.identity[meta] = m
	}
	return m
}

// Lookup returns the managed entity of meta with key (already converted), if any.
func (u *UnitOfWork) Lookup(meta *schema.Entity, key any) (*dynamic.Entity, bool) {
	e, ok := u.identity[meta][schema.KeyString(key)]
	return e, ok
}

// Managed returns the number of entities in the identity map.
func (u *UnitOfWork) Managed() int {
	n := 0
	for _, m := range u.identity {
		n += len(m)
	}
	return n
}

// Hydrator turns rows of one entity into managed entities. Make one per query.
type Hydrator struct {
	u      *UnitOfWork
	meta   *schema.Entity
	fields []*schema.Property
	pk     []int // positions of the primary key in fields
	m      map[string]*dynamic.Entity
	buf    []any
}

// Hydrator returns a hydrator for rows of fields of meta. fields must include the primary key.
func (u *UnitOfWork) Hydrator(meta *schema.Entity, fields []*schema.Property) *Hydrator {
	h := &Hydrator{u: u, meta: meta, fields: fields, m: u.mapOf(meta), buf: make([]any, len(fields))}
	for _, p := range meta.Primary {
		for i, f := range fields {
			if f == p {
				h.pk = append(h.pk, i)
			}
		}
	}
	return h
}

// Row returns the managed entity for a row: the one already in the identity map (filled in
// if it was a reference; left as it is if it was loaded, as MikroORM does), or a new one.
func (h *Hydrator) Row(row []any) *dynamic.Entity {
	var key any
	if len(h.pk) == 1 {
		key = row[h.pk[0]]
	} else {
		parts := make([]any, len(h.pk))
		for i, j := range h.pk {
			parts[i] = row[j]
		}
		key = parts
	}
	ks := schema.KeyString(key)
	e, ok := h.m[ks]
	if ok && e.IsInitialized() {
		return e
	}
	if !ok {
		e = dynamic.NewReference(h.meta, key, h.u)
		h.m[ks] = e
	}
	h.fill(e, row)
	return e
}

// Refresh overwrites e's columns with row and forgets its unflushed changes.
func (h *Hydrator) Refresh(e *dynamic.Entity, row []any) {
	e.Synced() // first, so that nothing set before is kept
	h.fill(e, row)
}

func (h *Hydrator) fill(e *dynamic.Entity, row []any) {
	for i, p := range h.fields {
		v := row[i]
		if v != nil && p.IsToOne() {
			v = h.u.ref(p.Target, v)
		}
		h.buf[i] = v
	}
	e.Hydrate(h.fields, h.buf)
}

// Persist schedules a new entity for insertion (and, through cascades, what it refers to).
// Persisting a managed entity does nothing; a removed one is kept after all.
func (u *UnitOfWork) Persist(e *dynamic.Entity) error {
	in := e.Internal()
	switch in.State {
	case dynamic.StateManaged, dynamic.StateNew:
		if in.Tracker != u {
			return fmt.Errorf("dorm: %v is managed by another EntityManager (fork); load it in this one", e)
		}
		return nil
	case dynamic.StateRemoved:
		if in.Tracker != u {
			return fmt.Errorf("dorm: %v is managed by another EntityManager (fork)", e)
		}
		in.State = dynamic.StateManaged
		for i, r := range u.removed {
			if r == e {
				u.removed = append(u.removed[:i], u.removed[i+1:]...)
				break
			}
		}
		return nil
	}
	return u.persistNew(e)
}

func (u *UnitOfWork) persistNew(e *dynamic.Entity) error {
	in := e.Internal()
	if in.Tracker != nil && in.Tracker != u {
		return fmt.Errorf("dorm: %v belongs to another EntityManager", e)
	}
	generated := applyCreateValues(e, u.info(e.Meta()).onPersist)
	in.Key = ""
	if id := e.ID(); id != nil {
		// A key known now (client-generated, or set by the user) puts the entity in the
		// identity map at once, as MikroORM does: GetReference and FindOne by that key
		// return it, without a query. A random uuid made just now (with a single key)
		// cannot be there already.
		m := u.mapOf(e.Meta())
		ks := schema.KeyString(id)
		if !generated || len(e.Meta().Primary) != 1 {
			if prev, ok := m[ks]; ok && prev != e {
				return fmt.Errorf("dorm: %s with key %v is already managed by this EntityManager", e.Entity(), id)
			}
		}
		m[ks] = e
		in.Key = ks
	}
	in.State = dynamic.StateNew
	in.Tracker = u
	u.news = append(u.news, e)
	return nil
}

// unregister takes a new entity out of the identity map (it is removed or its persist is
// undone).
func (u *UnitOfWork) unregister(e *dynamic.Entity) {
	in, m := e.Internal(), u.identity[e.Meta()]
	if in.Key != "" && m[in.Key] == e {
		delete(m, in.Key)
	}
	if id := e.ID(); id != nil {
		if ks := schema.KeyString(id); m[ks] == e {
			delete(m, ks)
		}
	}
	in.Key = ""
}

// Remove schedules e for deletion, cascading along relations marked cascade remove (through
// loaded references and initialised collections; the database's ON DELETE rules do the rest).
// Removing a new entity only forgets it.
func (u *UnitOfWork) Remove(e *dynamic.Entity) {
	u.remove(e, map[*dynamic.Entity]bool{})
}

func (u *UnitOfWork) remove(e *dynamic.Entity, seen map[*dynamic.Entity]bool) {
	if seen[e] {
		return
	}
	seen[e] = true
	in := e.Internal()
	switch in.State {
	case dynamic.StateNew:
		// A new entity is forgotten: out of the identity map and out of the loaded
		// collections it was added to, so that no cascade persists it again.
		in.State = dynamic.StateDetached
		for i, n := range u.news {
			if n == e {
				u.news = append(u.news[:i], u.news[i+1:]...)
				break
			}
		}
		u.unregister(e)
		unlink(e)
	case dynamic.StateManaged:
		if in.Tracker != u {
			return
		}
		in.State = dynamic.StateRemoved
		u.removed = append(u.removed, e)
		u.leaveRelations(e)
	default:
		return
	}
	for _, p := range e.Meta().Properties {
		if !p.IsRelation() || !p.Cascade.Has(schema.CascadeRemove) {
			continue
		}
		if p.IsToOne() {
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil {
				u.remove(r, seen)
			}
			continue
		}
		for _, it := range e.CollectionOf(p).Items() {
			u.remove(it, seen)
		}
	}
}

// leaveRelations takes a removed entity out of the loaded relations that point at it, as
// MikroORM's remove does: out of the loaded 1:m of the entity its m:1 refers to, and off
// the nullable m:1 (or owning 1:1) of the loaded entities that refer to it, which are then
// written as NULL before the delete.
func (u *UnitOfWork) leaveRelations(e *dynamic.Entity) {
	for _, p := range u.info(e.Meta()).relations {
		inv := p.Inverse
		if inv == nil {
			continue
		}
		switch {
		case p.IsToOne() && p.Owner && inv.IsToMany():
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil {
				if c := r.LoadedCollection(inv); c != nil {
					c.Forget(e)
				}
			}
		case p.Kind == schema.OneToMany && inv.Nullable:
			if c := e.LoadedCollection(p); c != nil {
				for _, it := range c.Items() {
					if st := it.Internal().State; st == dynamic.StateManaged || st == dynamic.StateNew {
						_ = it.SetProperty(inv, nil) // nil fits: inv is nullable
					}
				}
			}
		case p.Kind == schema.OneToOne && !p.Owner && inv.Nullable:
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil && r.IsInitialized() {
				if st := r.Internal().State; st == dynamic.StateManaged || st == dynamic.StateNew {
					_ = r.SetProperty(inv, nil)
				}
			}
		}
	}
}

// Clear detaches every entity and forgets every pending change.
func (u *UnitOfWork) Clear() {
	for _, m := range u.identity {
		for _, e := range m {
			detach(e)
		}
	}
	for _, e := range u.news {
		detach(e)
	}
	u.identity = map[*schema.Entity]map[string]*dynamic.Entity{}
	u.news, u.changed, u.removed = nil, nil, nil
}

// unlink takes e out of the loaded collections of the entities it is related to, without
// recording changes there (its creation is being undone).
func unlink(e *dynamic.Entity) {
	for _, p := range e.Meta().Properties {
		if p.Inverse == nil {
			continue
		}
		switch {
		case p.IsToOne():
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil && p.Inverse.IsToMany() {
				if c := r.LoadedCollection(p.Inverse); c != nil {
					c.Forget(e)
				}
			}
		case p.Kind == schema.ManyToMany:
			if c := e.LoadedCollection(p); c != nil {
				for it := range c.All() {
					if ic := it.LoadedCollection(p.Inverse); ic != nil {
						ic.Forget(e)
					}
				}
			}
		}
	}
}

func detach(e *dynamic.Entity) {
	in := e.Internal()
	in.State = dynamic.StateDetached
	in.Tracker = nil
}

// Forget removes e from the identity map (after a delete, or for a Refresh that found no row).
func (u *UnitOfWork) Forget(e *dynamic.Entity) {
	if id := e.ID(); id != nil {
		delete(u.identity[e.Meta()], schema.KeyString(id))
	}
	detach(e)
}

// HasChanges reports whether a flush would have anything to do, without computing it fully.
func (u *UnitOfWork) HasChanges() bool {
	return len(u.news) > 0 || len(u.removed) > 0 || len(u.changed) > 0
}

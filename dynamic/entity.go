package dynamic

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"time"

	"github.com/dorm-go/dorm/schema"
)

// State is where an entity stands in a unit of work.
type State uint8

const (
	StateDetached State = iota // not known to any unit of work (made by New, or after Clear)
	StateNew                   // persisted: to be inserted by the next flush
	StateManaged               // in the database and in an identity map
	StateRemoved               // to be deleted by the next flush
)

func (s State) String() string {
	switch s {
	case StateDetached:
		return "detached"
	case StateNew:
		return "new"
	case StateManaged:
		return "managed"
	case StateRemoved:
		return "removed"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Tracker is the unit of work that owns an entity: it is told when the entity changes and it
// loads references and collections on request. Package uow implements it.
type Tracker interface {
	// Changed is called the first time an entity changes after a flush or load.
	Changed(e *Entity)
	// Reference returns the managed entity, or a reference, of entity meta with key id.
	Reference(meta *schema.Entity, id any) (*Entity, error)
	// Load loads a reference's columns; LoadCollection a collection's items.
	Load(ctx context.Context, e *Entity) error
	LoadCollection(ctx context.Context, c *Collection) error
	// CountCollection counts the stored items of an uninitialised collection.
	CountCollection(ctx context.Context, c *Collection) (int, error)
}

// Entity is one entity value: a map-like set of properties described by a *schema.Entity.
//
// Scalars hold the Go types of schema.Type.GoType; a to-one relation holds a *Entity (possibly
// an uninitialised reference); a to-many relation holds a *Collection. Every write goes
// through Set or the collection methods, so the entity knows what changed.
type Entity struct {
	meta   *schema.Entity
	values []any
	x      *extra // made on first use: most entities of a large insert or load never need it
	in     Internal
}

// extra is what an entity needs only once it has collections or changes: an identity map
// holds many entities, and every word of Entity is paid for by each of them.
type extra struct {
	cols    []*Collection // by property index
	orig    []any         // the stored values of the changed properties
	changed []bool
}

// more returns e's extra, making it.
func (e *Entity) more() *extra {
	if e.x == nil {
		e.x = &extra{}
	}
	return e.x
}

// Internal is the bookkeeping that the unit of work keeps on an entity. Application code has
// no reason to touch it.
type Internal struct {
	State       State
	Initialized bool // columns loaded (false for a reference)
	Reported    bool // Changed was called since the last flush
	// Visit and Inserted are scratch marks of the unit of work: the number of the flush
	// that last visited (cascaded from) or inserted the entity.
	Visit, Inserted uint64
	Tracker         Tracker
	// Key is the identity-map key a new entity was registered under when it was persisted
	// with a known key ("" when its key was not known then).
	Key string
}

// New returns a detached entity of meta with no values, initialised. Persist it with an
// EntityManager to save it.
func New(meta *schema.Entity) *Entity {
	e := alloc(len(meta.Properties))
	e.meta, e.in.Initialized = meta, true
	return e
}

// alloc returns an entity with n values, made in one allocation with its values for the
// common sizes: an entity is mostly its values, and a flush of thousands of new entities
// pays for every allocation twice, once to make it and once to collect it.
//
// The sizes step by two values (32 bytes), so that an entity wastes at most one value's
// room besides the allocator's own rounding.
func alloc(n int) *Entity {
	switch {
	case n <= 4:
		return allocWith(n, func(v *[4]any) []any { return v[:] })
	case n <= 6:
		return allocWith(n, func(v *[6]any) []any { return v[:] })
	case n <= 8:
		return allocWith(n, func(v *[8]any) []any { return v[:] })
	case n <= 10:
		return allocWith(n, func(v *[10]any) []any { return v[:] })
	case n <= 12:
		return allocWith(n, func(v *[12]any) []any { return v[:] })
	case n <= 14:
		return allocWith(n, func(v *[14]any) []any { return v[:] })
	case n <= 16:
		return allocWith(n, func(v *[16]any) []any { return v[:] })
	case n <= 18:
		return allocWith(n, func(v *[18]any) []any { return v[:] })
	case n <= 20:
		return allocWith(n, func(v *[20]any) []any { return v[:] })
	case n <= 24:
		return allocWith(n, func(v *[24]any) []any { return v[:] })
	case n <= 28:
		return allocWith(n, func(v *[28]any) []any { return v[:] })
	case n <= 32:
		return allocWith(n, func(v *[32]any) []any { return v[:] })
	}
	return &Entity{values: make([]any, n)}
}

// allocWith allocates an entity with an array V of values behind it and takes its first n.
func allocWith[V any](n int, slice func(*V) []any) *Entity {
	x := &struct {
		e Entity
		v V
	}{}
	x.e.values = slice(&x.v)[:n:n]
	return &x.e
}

// NewReference returns an uninitialised, managed entity that holds only its primary key.
func NewReference(meta *schema.Entity, id any, t Tracker) *Entity {
	e := alloc(len(meta.Properties))
	e.meta, e.in.State, e.in.Tracker = meta, StateManaged, t
	e.setID(id)
	return e
}

// Internal returns the unit of work's bookkeeping of e.
func (e *Entity) Internal() *Internal { return &e.in }

// Entity returns the entity's name.
func (e *Entity) Entity() string { return e.meta.Name }

// Meta returns the entity's metadata.
func (e *Entity) Meta() *schema.Entity { return e.meta }

// IsInitialized reports whether the entity's columns are loaded; a reference holds only its key.
func (e *Entity) IsInitialized() bool { return e.in.Initialized }

// Init loads a reference from the database. It does nothing when the entity is initialised.
func (e *Entity) Init(ctx context.Context) error {
	if e.in.Initialized {
		return nil
	}
	if e.in.Tracker == nil {
		return fmt.Errorf("dorm: %s %v is not managed by an EntityManager and cannot be loaded", e.meta.Name, e.ID())
	}
	return e.in.Tracker.Load(ctx, e)
}

// ID returns the primary key: the value of the key property, or []any for a composite key.
// It is nil until the key is known (an autoincrement key before the insert).
func (e *Entity) ID() any {
	pk := e.meta.Primary
	if len(pk) == 1 {
		return KeyValue(e.values[pk[0].Index])
	}
	out := make([]any, len(pk))
	for i, p := range pk {
		v := KeyValue(e.values[p.Index])
		if v == nil {
			return nil
		}
		out[i] = v
	}
	return out
}

// KeyValue is the key value of what a primary key property holds: the value itself, or for
// a relation in the key the key of the referenced entity (nil while that is not known).
func KeyValue(v any) any {
	if r, ok := v.(*Entity); ok {
		if r == nil {
			return nil
		}
		return r.ID()
	}
	return v
}

// ConvertKeyPart converts a value given for the primary key property p (from a key or a
// filter): a relation in the key takes the referenced entity, or its key.
func ConvertKeyPart(p *schema.Property, v any) (any, error) {
	if r, ok := v.(*Entity); ok && p.IsRelation() {
		if r == nil || r.meta != p.Target {
			return nil, &schema.TypeError{Entity: p.Entity.Name, Property: p.Name, Expected: p.Target.Name + " or its key", Got: fmt.Sprintf("%v", v)}
		}
		id := r.ID()
		if id == nil {
			return nil, fmt.Errorf("dorm: %s.%s: %v has no key yet (flush it first)", p.Entity.Name, p.Name, r)
		}
		return id, nil
	}
	return schema.ConvertProperty(p, v)
}

// setID sets the primary key; a relation in the key gets a reference to the entity with
// that key, from the tracker.
func (e *Entity) setID(id any) {
	pk := e.meta.Primary
	if len(pk) == 1 {
		e.values[pk[0].Index] = e.keyPartValue(pk[0], id)
		return
	}
	if parts, ok := id.([]any); ok && len(parts) == len(pk) {
		for i, p := range pk {
			e.values[p.Index] = e.keyPartValue(p, parts[i])
		}
	}
}

func (e *Entity) keyPartValue(p *schema.Property, v any) any {
	if !p.IsRelation() || v == nil {
		return v
	}
	if r, ok := v.(*Entity); ok {
		return r
	}
	if e.in.Tracker == nil {
		return nil
	}
	r, err := e.in.Tracker.Reference(p.Target, v)
	if err != nil {
		return nil
	}
	return r
}

// Get returns the value of a property: a scalar, a *Entity for a to-one relation (nil when
// empty), a *Collection for a to-many relation. It returns nil for an unknown name; use
// Lookup to tell the two apart.
func (e *Entity) Get(name string) any {
	v, _ := e.Lookup(name)
	return v
}

// Lookup is Get that also reports whether the property exists.
func (e *Entity) Lookup(name string) (any, bool) {
	p, ok := e.meta.Property(name)
	if !ok {
		return nil, false
	}
	if p.IsToMany() {
		return e.collection(p), true
	}
	if p.Kind == schema.Embedded {
		return e.embeddedValue(p, false), true
	}
	v := e.values[p.Index]
	if p.IsToOne() {
		if v == nil {
			return (*Entity)(nil), true
		}
	}
	return v, true
}

// embeddedValue returns the value of the embedded property p: a new map of its fields by
// their names in the embeddable (hidden ones left out when serialising), or nil when p is
// nullable and every field is nil.
func (e *Entity) embeddedValue(p *schema.Property, serialising bool) any {
	out := make(map[string]any, len(p.Fields))
	set := false
	for _, f := range p.Fields {
		v := e.values[f.Index]
		set = set || v != nil
		if serialising && f.Hidden {
			continue
		}
		out[f.FieldName()] = v
	}
	if !set && p.Nullable {
		return nil
	}
	return out
}

// setEmbedded sets every field of the embedded property p from v: a map by field name
// (a field it leaves out becomes nil), or nil for none (p must be nullable). Nothing is set
// when any value is wrong.
func (e *Entity) setEmbedded(p *schema.Property, v any) error {
	var m map[string]any
	switch x := v.(type) {
	case nil:
		if !p.Nullable {
			return &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: "a map of " + p.Target.Name + "'s properties", Got: "nil", Reason: "the property is not nullable"}
		}
	case map[string]any:
		m = x
	default:
		return &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: "a map of " + p.Target.Name + "'s properties (map[string]any)", Got: fmt.Sprintf("%T", v)}
	}
	for k := range m {
		if _, ok := e.meta.Property(p.Name + "." + k); !ok {
			return &UnknownPropertyError{Entity: e.meta.Name, Property: p.Name + "." + k}
		}
	}
	vals := make([]any, len(p.Fields))
	for i, f := range p.Fields {
		fv := m[f.FieldName()]
		if m == nil {
			fv = nil
		}
		cv, err := schema.ConvertProperty(f, fv)
		if err != nil {
			return err
		}
		if cv == nil && m != nil && !f.Nullable && !f.HasDefault {
			return &schema.TypeError{Entity: e.meta.Name, Property: f.Name, Expected: f.Type.String() + " (" + f.Type.GoType() + ")", Got: "nil", Reason: "the property is not nullable"}
		}
		if cv == nil && f.HasDefault && m != nil {
			cv = f.Default
		}
		vals[i] = cv
	}
	for i, f := range p.Fields {
		if !Equal(e.values[f.Index], vals[i]) {
			e.write(f.Index, vals[i])
		}
	}
	return nil
}

// Value returns the value of p without any conversion (a *Entity or nil for to-one
// properties, nil for to-many ones).
func (e *Entity) Value(p *schema.Property) any { return e.values[p.Index] }

// Ref returns the entity a m:1 or 1:1 property refers to, or nil.
func (e *Entity) Ref(name string) *Entity {
	p, ok := e.meta.Property(name)
	if !ok || !p.IsToOne() {
		return nil
	}
	r, _ := e.values[p.Index].(*Entity)
	return r
}

// Collection returns the collection of a 1:m or m:n property, or nil for any other name.
func (e *Entity) Collection(name string) *Collection {
	p, ok := e.meta.Property(name)
	if !ok || !p.IsToMany() {
		return nil
	}
	return e.collection(p)
}

func (e *Entity) collection(p *schema.Property) *Collection {
	x := e.more()
	if x.cols == nil {
		x.cols = make([]*Collection, len(e.meta.Properties))
	}
	c := x.cols[p.Index]
	if c == nil {
		// A new entity's collections are empty and known; a loaded one's wait for Init.
		c = &Collection{owner: e, prop: p, initialized: e.in.State == StateNew || e.in.State == StateDetached}
		x.cols[p.Index] = c
	}
	return c
}

// LoadedCollection returns the collection of p if it was ever made (read, changed or
// loaded), else nil; it never allocates. An entity without one has no items for p that
// need writing.
func (e *Entity) LoadedCollection(p *schema.Property) *Collection {
	if e.x == nil || e.x.cols == nil {
		return nil
	}
	return e.x.cols[p.Index]
}

// CollectionOf returns the collection of the to-many property p.
func (e *Entity) CollectionOf(p *schema.Property) *Collection { return e.collection(p) }

// Set sets a property. It checks the name and converts the value to the property's type (see
// schema.Convert), and fails with an error naming the entity, property, expected and given
// types. A to-one relation takes a *Entity of the target entity, its key, or nil; a to-many
// relation takes []*Entity and replaces the collection's items. Setting one side of a
// bidirectional relation updates the other side.
func (e *Entity) Set(name string, v any) error {
	p, ok := e.meta.Property(name)
	if !ok {
		return &UnknownPropertyError{Entity: e.meta.Name, Property: name}
	}
	return e.SetProperty(p, v)
}

// SetProperty is Set with the property already looked up.
func (e *Entity) SetProperty(p *schema.Property, v any) error {
	switch {
	case p.IsToMany():
		items, err := e.entities(p, v)
		if err != nil {
			return err
		}
		e.collection(p).Set(items...)
		return nil
	case p.Kind == schema.Embedded:
		return e.setEmbedded(p, v)
	case p.IsToOne():
		ref, err := e.refValue(p, v)
		if err != nil {
			return err
		}
		if p.Primary && e.in.State == StateManaged && e.values[p.Index] != entityOrNil(ref) {
			return fmt.Errorf("dorm: %s.%s: the primary key of a managed entity cannot change", e.meta.Name, p.Name)
		}
		e.setRef(p, ref, true)
		return nil
	}
	cv, err := schema.ConvertProperty(p, v)
	if err != nil {
		return err
	}
	if cv == nil && !p.Nullable && !p.Primary {
		return &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: p.Type.String() + " (" + p.Type.GoType() + ")", Got: "nil", Reason: "the property is not nullable"}
	}
	if p.Primary && e.in.State == StateManaged && !Equal(e.values[p.Index], cv) {
		return fmt.Errorf("dorm: %s.%s: the primary key of a managed entity cannot change", e.meta.Name, p.Name)
	}
	e.write(p.Index, cv)
	return nil
}

// CheckRelation reports whether v is a value SetProperty accepts for the relation p,
// without setting it: an entity of the target, its key, or nil for a to-one; a list of
// them for a to-many.
func (e *Entity) CheckRelation(p *schema.Property, v any) error {
	if p.IsToMany() {
		_, err := e.entities(p, v)
		return err
	}
	_, err := e.refValue(p, v)
	return err
}

func (e *Entity) refValue(p *schema.Property, v any) (*Entity, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case *Entity:
		if x == nil {
			return nil, nil
		}
		if x.meta != p.Target {
			return nil, &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: p.Target.Name, Got: x.meta.Name}
		}
		return x, nil
	}
	id, err := schema.ConvertProperty(p.Target.Primary[0], v)
	if err != nil {
		return nil, &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: p.Target.Name + " or its key (" + p.Target.Primary[0].Type.GoType() + ")", Got: fmt.Sprintf("%T", v)}
	}
	if e.in.Tracker == nil {
		return nil, fmt.Errorf("dorm: %s.%s: setting a relation by key needs a managed entity (persist %s first, or pass the %s entity)", e.meta.Name, p.Name, e.meta.Name, p.Target.Name)
	}
	return e.in.Tracker.Reference(p.Target, id)
}

func (e *Entity) entities(p *schema.Property, v any) ([]*Entity, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case []*Entity:
		for _, it := range x {
			if it == nil || it.meta != p.Target {
				return nil, &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: "[]*dynamic.Entity of " + p.Target.Name, Got: describe(it)}
			}
		}
		return x, nil
	case []any:
		out := make([]*Entity, 0, len(x))
		for _, it := range x {
			r, err := e.refValue(p, it)
			if err != nil {
				return nil, err
			}
			if r == nil {
				return nil, &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: p.Target.Name, Got: "nil"}
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, &schema.TypeError{Entity: e.meta.Name, Property: p.Name, Expected: "[]*dynamic.Entity of " + p.Target.Name, Got: fmt.Sprintf("%T", v)}
}

func describe(e *Entity) string {
	if e == nil {
		return "nil"
	}
	return e.meta.Name
}

// setRef sets a to-one relation and, when sync is true, keeps the inverse side in step.
func (e *Entity) setRef(p *schema.Property, ref *Entity, sync bool) {
	old, _ := e.values[p.Index].(*Entity)
	if old == ref {
		if p.Owner && !e.in.Initialized && e.in.State == StateManaged {
			e.write(p.Index, entityOrNil(ref)) // a reference's value was unknown, not nil
		}
		return
	}
	if p.Owner {
		e.write(p.Index, entityOrNil(ref))
	} else {
		e.values[p.Index] = entityOrNil(ref) // inverse 1:1 has no column
	}
	if !sync || p.Inverse == nil {
		return
	}
	inv := p.Inverse
	switch inv.Kind {
	case schema.OneToMany:
		// Out of the old target's collection when it is loaded. An unloaded one keeps no
		// record of it: the m:1 is what is written, and recording a removal there would make
		// an orphanRemoval relation delete the entity (MikroORM propagates to loaded
		// collections only).
		if old != nil {
			if c := old.LoadedCollection(inv); c != nil && c.initialized {
				c.removeLocal(e)
			} else if c != nil {
				c.Forget(e)
			}
		}
		if ref != nil {
			ref.collection(inv).addLocal(e)
		}
	case schema.OneToOne:
		if old != nil && old.values[inv.Index] == e {
			old.setRef(inv, nil, false)
		}
		if ref != nil {
			if prev, _ := ref.values[inv.Index].(*Entity); prev != nil && prev != e {
				prev.setRef(p, nil, false)
			}
			ref.setRef(inv, e, false)
		}
	}
}

func entityOrNil(e *Entity) any {
	if e == nil {
		return nil
	}
	return e
}

// write stores v at index i, remembering the original value for change detection.
func (e *Entity) write(i int, v any) {
	if e.in.State == StateManaged || e.in.State == StateRemoved {
		x := e.more()
		if x.changed == nil {
			x.changed = make([]bool, len(e.values))
			x.orig = make([]any, len(e.values))
		}
		if !x.changed[i] {
			x.changed[i] = true
			x.orig[i] = e.values[i]
		}
	}
	e.values[i] = v
	e.report()
}

func (e *Entity) report() {
	if !e.in.Reported && e.in.Tracker != nil {
		e.in.Reported = true
		e.in.Tracker.Changed(e)
	}
}

// Changes returns the properties with a column whose value differs from the one last loaded
// or flushed. It is O(number of properties) and allocates only when something changed.
func (e *Entity) Changes() []*schema.Property {
	if e.x == nil || e.x.changed == nil {
		return nil
	}
	var out []*schema.Property
	for i, ch := range e.x.changed {
		// A reference's original values are unknown: whatever was set is a change.
		if ch && (!e.in.Initialized || !Equal(e.x.orig[i], e.values[i])) {
			out = append(out, e.meta.Properties[i])
		}
	}
	return out
}

// Original returns the value p had when last loaded or flushed.
func (e *Entity) Original(p *schema.Property) any {
	if e.x != nil && e.x.changed != nil && e.x.changed[p.Index] {
		return e.x.orig[p.Index]
	}
	return e.values[p.Index]
}

// Synced marks the current values as the stored ones (after a flush or a load).
func (e *Entity) Synced() {
	if e.x != nil {
		e.x.changed, e.x.orig = nil, nil
	}
	e.in.Reported = false
}

// Snapshot is a copy of an entity's values and bookkeeping, to undo a failed flush.
type Snapshot struct {
	e       *Entity
	values  []any
	in      Internal
	changed []bool
	orig    []any
	cols    []collectionSnapshot
}

// Snapshot copies e's state; Restore puts it back.
func (e *Entity) Snapshot() *Snapshot {
	s := &Snapshot{e: e, values: append([]any(nil), e.values...), in: e.in}
	if e.x != nil {
		s.changed, s.orig = append([]bool(nil), e.x.changed...), append([]any(nil), e.x.orig...)
	}
	for _, p := range e.meta.Properties {
		if p.IsToMany() {
			s.cols = append(s.cols, e.collection(p).snapshot())
		}
	}
	return s
}

// Restore puts back the state saved by Snapshot.
func (s *Snapshot) Restore() {
	e := s.e
	copy(e.values, s.values)
	e.in = s.in
	if e.x != nil || s.changed != nil {
		x := e.more()
		x.changed, x.orig = s.changed, s.orig
	}
	for _, c := range s.cols {
		c.restore()
	}
}

// Hydrate sets the column values of fields from row without recording changes, and marks
// the entity initialised. To-one fields hold the referenced *Entity, which the caller
// resolves (see uow); nil stays nil.
//
// A reference (not initialised yet) keeps what was set on it before the load: the loaded
// value becomes the original, so the change stays pending.
func (e *Entity) Hydrate(fields []*schema.Property, row []any) {
	pending := !e.in.Initialized && e.x != nil && e.x.changed != nil
	for i, p := range fields {
		if pending && e.x.changed[p.Index] {
			e.x.orig[p.Index] = row[i]
			continue
		}
		e.values[p.Index] = row[i]
	}
	e.in.Initialized = true
}

// SetRaw stores v for p without conversion, change tracking or inverse sync. It is for the unit
// of work (generated keys, references while hydrating, version numbers).
func (e *Entity) SetRaw(p *schema.Property, v any) { e.values[p.Index] = v }

// Touch records p as changed to v (for onUpdate values and versions set by the unit of work).
func (e *Entity) Touch(p *schema.Property, v any) { e.write(p.Index, v) }

// Equal reports whether two property values are equal: times by instant, bytes by content,
// JSON by deep equality, entities by identity.
func Equal(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case string:
		y, ok := b.(string)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case *Entity:
		y, ok := b.(*Entity)
		return ok && x == y
	}
	return reflect.DeepEqual(a, b)
}

// ToMap returns the entity as a map for serialisation: scalars by name (hidden ones left out),
// to-one relations as a nested map when initialised or as the key when a reference, and
// initialised collections as lists. An entity met again deeper down appears as its key.
func (e *Entity) ToMap() map[string]any {
	return e.toMap(map[*Entity]bool{})
}

func (e *Entity) toMap(seen map[*Entity]bool) map[string]any {
	seen[e] = true
	defer delete(seen, e)
	out := make(map[string]any, len(e.values))
	for _, p := range e.meta.Properties {
		if p.Hidden || p.EmbeddedIn != nil {
			continue
		}
		switch {
		case p.Kind == schema.Embedded:
			if e.in.Initialized {
				out[p.Name] = e.embeddedValue(p, true)
			}
		case p.IsToMany():
			c := e.collection(p)
			if !c.initialized {
				continue
			}
			list := make([]any, 0, len(c.items))
			for _, it := range c.items {
				list = append(list, it.nested(seen))
			}
			out[p.Name] = list
		case p.IsToOne():
			r, _ := e.values[p.Index].(*Entity)
			if r == nil {
				if p.Owner && e.in.Initialized { // of a reference it is unknown, not nil
					out[p.Name] = nil
				}
				continue
			}
			out[p.Name] = r.nested(seen)
		default:
			if !e.in.Initialized && !p.Primary {
				continue
			}
			out[p.Name] = e.values[p.Index]
		}
	}
	return out
}

func (e *Entity) nested(seen map[*Entity]bool) any {
	if !e.in.Initialized || seen[e] {
		return e.ID()
	}
	return e.toMap(seen)
}

// String returns "Entity(id)".
func (e *Entity) String() string { return fmt.Sprintf("%s(%v)", e.meta.Name, e.ID()) }

// UnknownPropertyError is returned by Set for a name the entity does not have.
type UnknownPropertyError struct {
	Entity   string
	Property string
}

func (err *UnknownPropertyError) Error() string {
	return fmt.Sprintf("dorm: %s has no property %q", err.Entity, err.Property)
}

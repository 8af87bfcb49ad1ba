package dynamic

import (
	"context"
	"fmt"
	"iter"

	"github.com/dorm-go/dorm/schema"
)

// Collection is the to-many side of a relation (1:m or m:n) of one entity.
//
// A collection of a loaded entity starts uninitialised: its items are unknown until Init (or
// populate) loads them. It can still be changed: Add and Remove are remembered and applied to
// the items when they are loaded. Changing a collection updates the other side of the
// relation (the m:1 of a 1:m; the other collection of a m:n when that one is loaded).
type Collection struct {
	owner       *Entity
	prop        *schema.Property
	items       []*Entity
	initialized bool
	// Changes since the last flush. On the owning side of a m:n they become pivot rows; on a
	// 1:m they are the candidates for orphan removal.
	added, removed []*Entity
	// has indexes items once there are many, so that Contains and Add stay O(1); it is
	// dropped (nil) whenever items change other than by an append.
	has map[*Entity]struct{}
	// replaced: Set or RemoveAll ran before the items were loaded, so the stored items that
	// are not among the current ones are to be removed once they are known (the unit of
	// work loads the collection at the next flush; see Hydrate).
	replaced bool
}

// setFrom is the size from which a collection indexes its items.
const setFrom = 32

// Owner returns the entity that holds the collection; Property the relation.
func (c *Collection) Owner() *Entity             { return c.owner }
func (c *Collection) Property() *schema.Property { return c.prop }

// IsInitialized reports whether the items are loaded.
func (c *Collection) IsInitialized() bool { return c.initialized }

// LoadCount returns the number of items, as MikroORM's loadCount: of an initialised
// collection its length, without a query; of an uninitialised one the number of items
// stored in the database (one COUNT query, the items are not loaded), without the items
// added to it since, which the next flush writes.
func (c *Collection) LoadCount(ctx context.Context) (int, error) {
	if c.initialized {
		return len(c.items), nil
	}
	t := c.owner.in.Tracker
	if t == nil {
		return 0, fmt.Errorf("dorm: %s.%s of %v: the entity is not managed by an EntityManager", c.owner.meta.Name, c.prop.Name, c.owner.ID())
	}
	return t.CountCollection(ctx, c)
}

// Init loads the items (one query). It does nothing when the collection is initialised.
func (c *Collection) Init(ctx context.Context) error {
	if c.initialized {
		return nil
	}
	t := c.owner.in.Tracker
	if t == nil {
		return fmt.Errorf("dorm: %s.%s of %v: the entity is not managed by an EntityManager", c.owner.meta.Name, c.prop.Name, c.owner.ID())
	}
	return t.LoadCollection(ctx, c)
}

// Len returns the number of items. Of an uninitialised collection it counts only the items
// added since it was loaded.
func (c *Collection) Len() int { return len(c.items) }

// Items returns a copy of the items.
func (c *Collection) Items() []*Entity { return append([]*Entity(nil), c.items...) }

// All iterates over the items.
func (c *Collection) All() iter.Seq[*Entity] {
	return func(yield func(*Entity) bool) {
		for _, e := range c.items {
			if !yield(e) {
				return
			}
		}
	}
}

// Contains reports whether e is one of the items.
func (c *Collection) Contains(e *Entity) bool {
	if len(c.items) < setFrom {
		return c.index(e) >= 0
	}
	if c.has == nil {
		c.has = make(map[*Entity]struct{}, len(c.items))
		for _, it := range c.items {
			c.has[it] = struct{}{}
		}
	}
	_, ok := c.has[e]
	return ok
}

// appendItem appends e to the items, keeping the index.
func (c *Collection) appendItem(e *Entity) {
	c.items = append(c.items, e)
	if c.has != nil {
		c.has[e] = struct{}{}
	}
}

func (c *Collection) index(e *Entity) int {
	for i, it := range c.items {
		if it == e {
			return i
		}
	}
	return -1
}

// IDs returns the primary keys of the items.
func (c *Collection) IDs() []any {
	out := make([]any, len(c.items))
	for i, e := range c.items {
		out[i] = e.ID()
	}
	return out
}

// Add adds entities that are not yet items. Entities of another type are ignored; use Set on
// the owner to have them reported as an error.
func (c *Collection) Add(es ...*Entity) {
	for _, e := range es {
		if e == nil || e.meta != c.prop.Target || c.Contains(e) {
			continue
		}
		c.link(e)
	}
}

// Remove removes entities from the items.
func (c *Collection) Remove(es ...*Entity) {
	for _, e := range es {
		if e == nil || !c.Contains(e) {
			continue
		}
		c.unlink(e)
	}
}

// RemoveAll removes every item, the stored ones of an uninitialised collection included:
// the next flush loads them to remove them (as if Init had been called first).
func (c *Collection) RemoveAll() {
	c.markReplaced()
	c.Remove(c.Items()...)
}

// markReplaced records that an uninitialised collection is being replaced as a whole.
func (c *Collection) markReplaced() {
	if !c.initialized && !c.replaced {
		c.replaced = true
		c.owner.report()
	}
}

// Replaced reports whether the collection was replaced (Set, RemoveAll) before its items
// were loaded; the unit of work loads such a collection before it flushes.
func (c *Collection) Replaced() bool { return c.replaced && !c.initialized }

// Set replaces the items, the stored ones of an uninitialised collection included (see
// RemoveAll).
func (c *Collection) Set(es ...*Entity) {
	c.markReplaced()
	keep := make(map[*Entity]bool, len(es))
	for _, e := range es {
		keep[e] = true
	}
	for _, e := range c.Items() {
		if !keep[e] {
			c.unlink(e)
		}
	}
	c.Add(es...)
}

// link adds e and updates the other side.
func (c *Collection) link(e *Entity) {
	switch c.prop.Kind {
	case schema.OneToMany:
		// The m:1 side holds the key: setting it moves e here and out of its old collection.
		e.setRef(c.prop.Inverse, c.owner, true)
		if !c.Contains(e) { // an inverse that is not bidirectional in metadata
			c.addLocal(e)
		}
	case schema.ManyToMany:
		c.addLocal(e)
		if inv := c.prop.Inverse; inv != nil {
			if ic := e.collection(inv); !ic.Contains(c.owner) {
				ic.addLocal(c.owner)
			}
		}
	}
}

func (c *Collection) unlink(e *Entity) {
	switch c.prop.Kind {
	case schema.OneToMany:
		if e.values[c.prop.Inverse.Index] == c.owner {
			e.setRef(c.prop.Inverse, nil, true)
		}
		c.removeLocal(e)
	case schema.ManyToMany:
		c.removeLocal(e)
		if inv := c.prop.Inverse; inv != nil {
			e.collection(inv).removeLocal(c.owner)
		}
	}
}

// addLocal adds e here only, recording the change on the side that writes it.
func (c *Collection) addLocal(e *Entity) {
	if c.Contains(e) {
		return
	}
	c.appendItem(e)
	if i := indexOf(c.removed, e); i >= 0 {
		c.removed = append(c.removed[:i], c.removed[i+1:]...)
	} else if c.prop.Kind == schema.ManyToMany {
		// Only a m:n writes its additions (pivot rows); a 1:m's key is on the item.
		c.added = append(c.added, e)
	}
	c.owner.report()
}

func (c *Collection) removeLocal(e *Entity) {
	c.has = nil
	i := c.index(e)
	if i < 0 {
		if !c.initialized && indexOf(c.removed, e) < 0 {
			// Not loaded yet: remember the removal for the pivot and for Init.
			c.removed = append(c.removed, e)
			c.owner.report()
		}
		return
	}
	c.items = append(c.items[:i], c.items[i+1:]...)
	if j := indexOf(c.added, e); j >= 0 {
		c.added = append(c.added[:j], c.added[j+1:]...)
	} else {
		c.removed = append(c.removed, e)
	}
	c.owner.report()
}

func indexOf(list []*Entity, e *Entity) int {
	for i, it := range list {
		if it == e {
			return i
		}
	}
	return -1
}

// Forget drops e from the items and from the changes without recording a removal (for an
// entity whose creation was rolled back).
func (c *Collection) Forget(e *Entity) {
	c.has = nil
	if i := c.index(e); i >= 0 {
		c.items = append(c.items[:i], c.items[i+1:]...)
	}
	if i := indexOf(c.added, e); i >= 0 {
		c.added = append(c.added[:i], c.added[i+1:]...)
	}
	if i := indexOf(c.removed, e); i >= 0 {
		c.removed = append(c.removed[:i], c.removed[i+1:]...)
	}
}

// Changes returns the items added and removed since the last flush.
func (c *Collection) Changes() (added, removed []*Entity) { return c.added, c.removed }

// Synced forgets the changes (after a flush).
func (c *Collection) Synced() { c.added, c.removed = nil, nil }

// Hydrate sets the loaded items and marks the collection initialised; changes made before the
// load are applied on top. It is for the unit of work.
func (c *Collection) Hydrate(items []*Entity) {
	if c.initialized {
		return
	}
	merged := make([]*Entity, 0, len(items)+len(c.added))
	for _, e := range items {
		if indexOf(c.removed, e) < 0 {
			merged = append(merged, e)
		}
	}
	kept := c.items // added before the load
	for _, e := range kept {
		if indexOf(merged, e) < 0 {
			merged = append(merged, e)
		}
	}
	c.items, c.has = merged, nil
	c.initialized = true
	// An item added before the load that is stored already is no addition: its pivot row
	// exists (Set of a list that keeps some stored items, or Add of one).
	added := c.added[:0]
	for _, e := range c.added {
		if indexOf(items, e) < 0 {
			added = append(added, e)
		}
	}
	clear(c.added[len(added):])
	c.added = added
	if c.replaced {
		// Set or RemoveAll ran before the load: the stored items not kept leave now, as
		// Collection.Remove would have taken them out (recorded for the flush).
		c.replaced = false
		for _, e := range items {
			if indexOf(kept, e) < 0 && c.Contains(e) {
				c.unlink(e)
			}
		}
	}
}

// AppendLoaded appends an item while the unit of work builds a collection from rows.
func (c *Collection) AppendLoaded(e *Entity) { c.appendItem(e) }

// MarkInitialized marks a collection initialised after AppendLoaded calls.
func (c *Collection) MarkInitialized() { c.initialized = true }

// Reset empties the collection and marks it uninitialised (for Refresh).
func (c *Collection) Reset() {
	c.items, c.added, c.removed, c.initialized, c.replaced, c.has = nil, nil, nil, false, false, nil
}

type collectionSnapshot struct {
	c                     *Collection
	items, added, removed []*Entity
	initialized, replaced bool
}

func (c *Collection) snapshot() collectionSnapshot {
	return collectionSnapshot{c: c, items: append([]*Entity(nil), c.items...), added: append([]*Entity(nil), c.added...),
		removed: append([]*Entity(nil), c.removed...), initialized: c.initialized, replaced: c.replaced}
}

func (s collectionSnapshot) restore() {
	s.c.items, s.c.added, s.c.removed, s.c.initialized, s.c.replaced, s.c.has = s.items, s.added, s.removed, s.initialized, s.replaced, nil
}

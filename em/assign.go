package em

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
)

// Assign sets data on e, as Set would for each key: MikroORM's em.assign (wrap(e).assign).
// Scalars are converted as Set converts them (a datetime from RFC 3339 text, say). Relations
// take what Create takes, and nested maps update entities that exist:
//
//   - a to-one relation given a map with the related entity's key is that entity (from the
//     identity map, or a reference) with the rest of the map assigned to it; a map without
//     the key is assigned to the entity e already refers to, or, when it refers to none, is a
//     new entity (persisted by cascade at the next Flush);
//   - a to-many relation given a list replaces the collection's items, each an entity, a key,
//     or a map as above (with the key: that entity, updated; without: a new one).
//
// Every value, nested maps included, is checked before anything changes: when any is wrong,
// Assign returns all the errors and e and every other entity are as they were. The primary
// key of a managed entity cannot change. The changes are written by the next Flush.
func (m *EntityManager) Assign(e *dynamic.Entity, data map[string]any) error {
	if e == nil {
		return errors.New("dorm: Assign to a nil entity")
	}
	if t := e.Internal().Tracker; t != nil && t != dynamic.Tracker(m.uow) {
		return fmt.Errorf("dorm: Assign: %v belongs to another EntityManager", e)
	}
	if errs := m.checkAssign(e, data); len(errs) > 0 {
		return errors.Join(errs...)
	}
	return m.assign(e, data)
}

// checkAssign reports everything wrong in data for e, changing nothing.
func (m *EntityManager) checkAssign(e *dynamic.Entity, data map[string]any) []error {
	meta := e.Meta()
	errs := m.check(meta, data)
	for _, p := range meta.Primary {
		v, ok := data[p.Name]
		if !ok || e.Internal().State != dynamic.StateManaged {
			continue
		}
		key, err := dynamic.ConvertKeyPart(p, v)
		if err == nil && !dynamic.Equal(key, dynamic.KeyValue(e.Value(p))) {
			errs = append(errs, fmt.Errorf("dorm: %s: the primary key of a managed entity cannot change (%v to %v)", p, dynamic.KeyValue(e.Value(p)), v))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errs
}

// assign sets data on e, checked already, in property order.
func (m *EntityManager) assign(e *dynamic.Entity, data map[string]any) error {
	meta := e.Meta()
	for _, name := range slices.Sorted(maps.Keys(data)) {
		p, _ := meta.Property(name)
		v := data[name]
		if p.IsRelation() {
			var err error
			if v, err = m.assignRelation(e, p, v); err != nil {
				return err
			}
		}
		if err := e.SetProperty(p, v); err != nil {
			return err
		}
	}
	return nil
}

// assignRelation returns what p of e is set to for v: nested maps resolved to entities that
// exist (updated) or new ones.
func (m *EntityManager) assignRelation(e *dynamic.Entity, p *schema.Property, v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		var current *dynamic.Entity
		if p.IsToOne() {
			current, _ = e.Value(p).(*dynamic.Entity)
		}
		return m.assignNested(p.Target, current, x)
	case []map[string]any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = it
		}
		return m.assignRelation(e, p, out)
	case []any:
		out := make([]any, len(x))
		for i, it := range x {
			out[i] = it
			if mm, ok := it.(map[string]any); ok {
				r, err := m.assignNested(p.Target, nil, mm)
				if err != nil {
					return nil, err
				}
				out[i] = r
			}
		}
		return out, nil
	}
	return v, nil
}

// assignNested resolves a nested map for an entity of meta: the entity with the key it holds,
// else current, else a new entity; the map is assigned to the first two.
func (m *EntityManager) assignNested(meta *schema.Entity, current *dynamic.Entity, data map[string]any) (*dynamic.Entity, error) {
	if key, ok := keyIn(meta, data); ok {
		target, err := m.Reference(meta.Name, key)
		if err != nil {
			return nil, err
		}
		rest := maps.Clone(data)
		for _, p := range meta.Primary {
			delete(rest, p.Name)
		}
		return target, m.assign(target, rest)
	}
	if current != nil {
		return current, m.assign(current, data)
	}
	return m.build(meta, data)
}

// keyIn returns the primary key that data holds for an entity of meta, if it holds all of it.
func keyIn(meta *schema.Entity, data map[string]any) (any, bool) {
	parts := make([]any, len(meta.Primary))
	for i, p := range meta.Primary {
		v, ok := data[p.Name]
		if !ok || v == nil {
			return nil, false
		}
		parts[i] = dynamic.KeyValue(v)
	}
	if len(parts) == 1 {
		return parts[0], true
	}
	return parts, true
}

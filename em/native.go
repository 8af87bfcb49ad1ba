package em

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
	"github.com/dorm-go/dorm/uow"
)

// NativeUpdate sets data on every stored entity that matches filter, in one statement,
// without loading them, and returns how many matched (MikroORM's nativeUpdate). The filter
// is what Find takes; data maps property names to values as Set takes them (a to-one
// relation: an entity or its key). onUpdate times are set, and an integer version goes up by
// one (a datetime version gets the time), so that an entity loaded before the update fails
// its next flush with ErrOptimisticLock instead of overwriting the update.
//
// Like MikroORM's, it bypasses the unit of work: entities this EntityManager manages keep
// the values they hold. Refresh them, or Clear, to see the update. Inside Transactional it
// runs in the transaction.
func (m *EntityManager) NativeUpdate(ctx context.Context, entity string, filter any, data map[string]any) (int64, error) {
	meta, where, err := m.filterOn(entity, filter)
	if err != nil {
		return 0, err
	}
	if len(data) == 0 {
		return 0, fmt.Errorf("dorm: NativeUpdate of %s: no values to set", meta.Name)
	}
	// The user's fields in name order (map order is random: the statement is the same for
	// the same keys), then the stamps.
	op := &drivers.UpdateWhereOp{Entity: meta, Where: where}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(data)) {
		p, ok := meta.Property(name)
		if !ok {
			errs = append(errs, &dynamic.UnknownPropertyError{Entity: meta.Name, Property: name})
			continue
		}
		cv, err := nativeValue(p, data[name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		op.Fields, op.Values = append(op.Fields, p), append(op.Values, cv)
	}
	if len(errs) > 0 {
		return 0, errors.Join(errs...)
	}
	sf, sv, bump := uow.UpdateStamps(meta, func(p *schema.Property) bool { return slices.Contains(op.Fields, p) })
	op.Fields, op.Values, op.Bump = append(op.Fields, sf...), append(op.Values, sv...), bump
	return m.exec().UpdateWhere(ctx, op)
}

// nativeValue converts v for p's column in a native update: a scalar as Set converts it, a
// to-one relation's entity or key to the key.
func nativeValue(p *schema.Property, v any) (any, error) {
	switch {
	case p.IsToMany():
		return nil, fmt.Errorf("dorm: NativeUpdate cannot set %s: a collection has no column (change its items and Flush)", p)
	case p.Primary:
		return nil, fmt.Errorf("dorm: NativeUpdate cannot set %s: it is the primary key", p)
	case p == p.Entity.Version:
		return nil, fmt.Errorf("dorm: NativeUpdate cannot set %s: the version is dorm's to set", p)
	case !p.HasColumn():
		return nil, fmt.Errorf("dorm: NativeUpdate cannot set %s: it has no column (the owning side holds the key)", p)
	}
	if v == nil {
		if !p.Nullable {
			return nil, &schema.TypeError{Entity: p.Entity.Name, Property: p.Name, Expected: "a value (it is not nullable)", Got: "nil"}
		}
		return nil, nil
	}
	if p.IsToOne() {
		if e, ok := v.(*dynamic.Entity); ok {
			if e.Meta() != p.Target {
				return nil, &schema.TypeError{Entity: p.Entity.Name, Property: p.Name, Expected: p.Target.Name + " or its key", Got: e.Entity()}
			}
			if e.ID() == nil {
				return nil, fmt.Errorf("dorm: NativeUpdate of %s: %v has no key yet (flush it first)", p, e)
			}
			return e.ID(), nil
		}
		k, err := convertKey(p.Target, v)
		if err != nil {
			return nil, fmt.Errorf("dorm: NativeUpdate of %s: %w", p, err)
		}
		return k, nil
	}
	return schema.ConvertProperty(p, v)
}

// NativeDelete deletes every stored entity that matches filter, in one statement, without
// loading them, and returns how many matched (MikroORM's nativeDelete). The database's ON
// DELETE rules (deleteRule) apply to the rows that refer to them; cascade: [remove] and
// orphanRemoval, which the unit of work carries out, do not. An empty filter (nil or {})
// deletes every row.
//
// Like MikroORM's, it bypasses the unit of work: entities this EntityManager manages stay
// managed. Clear, or Remove them too. Inside Transactional it runs in the transaction.
func (m *EntityManager) NativeDelete(ctx context.Context, entity string, filter any) (int64, error) {
	meta, where, err := m.filterOn(entity, filter)
	if err != nil {
		return 0, err
	}
	return m.exec().DeleteWhere(ctx, &drivers.DeleteWhereOp{Entity: meta, Where: where})
}

package em

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Populate loads relations of entities (all of one entity type) along paths such as
// "author", "tags", "books.tags": one query per relation and level (select-in), whatever the
// number of entities. Relations already loaded are not queried again; results are merged into
// the identity map.
func (m *EntityManager) Populate(ctx context.Context, entities []*dynamic.Entity, paths ...string) error {
	if len(entities) == 0 || len(paths) == 0 {
		return nil
	}
	meta := entities[0].Meta()
	for _, e := range entities {
		if e.Meta() != meta {
			return fmt.Errorf("dorm: populate: entities of %s and %s given together: populate each type on its own", meta.Name, e.Meta().Name)
		}
	}
	tree, err := pathTree(meta, paths)
	if err != nil {
		return err
	}
	return m.populateTree(ctx, entities, tree)
}

type pathNode struct {
	prop     *schema.Property
	children []*pathNode
}

// pathTree parses dotted paths into a tree, checking every name.
func pathTree(meta *schema.Entity, paths []string) ([]*pathNode, error) {
	var roots []*pathNode
	for _, path := range paths {
		cur := meta
		level := &roots
		for _, name := range strings.Split(path, ".") {
			p, ok := cur.Property(name)
			if !ok {
				return nil, fmt.Errorf("dorm: populate %q: %s has no property %q", path, cur.Name, name)
			}
			if !p.IsRelation() {
				return nil, fmt.Errorf("dorm: populate %q: %s.%s is not a relation", path, cur.Name, name)
			}
			var node *pathNode
			for _, n := range *level {
				if n.prop == p {
					node = n
				}
			}
			if node == nil {
				node = &pathNode{prop: p}
				*level = append(*level, node)
			}
			level = &node.children
			cur = p.Target
		}
	}
	return roots, nil
}

func (m *EntityManager) populateTree(ctx context.Context, entities []*dynamic.Entity, nodes []*pathNode) error {
	for _, n := range nodes {
		var next []*dynamic.Entity
		if err := m.populateProp(ctx, entities, n.prop, &next); err != nil {
			return err
		}
		if len(n.children) > 0 && len(next) > 0 {
			if err := m.populateTree(ctx, next, n.children); err != nil {
				return err
			}
		}
	}
	return nil
}

// populateProp loads relation p of entities with one query, and collects the related
// entities (loaded now or before) into next when it is not nil.
func (m *EntityManager) populateProp(ctx context.Context, entities []*dynamic.Entity, p *schema.Property, next *[]*dynamic.Entity) error {
	target := p.Target
	fields := target.Columns()
	h := m.uow.Hydrator(target, fields)
	collect := func(es ...*dynamic.Entity) {
		if next != nil {
			*next = append(*next, es...)
		}
	}
	switch {
	case p.IsToOne() && p.Owner:
		var keys []any
		seen := map[*dynamic.Entity]bool{}
		for _, e := range entities {
			r, _ := e.Value(p).(*dynamic.Entity)
			if r == nil || seen[r] {
				continue
			}
			seen[r] = true
			collect(r)
			if !r.IsInitialized() {
				keys = append(keys, r.ID())
			}
		}
		if len(keys) == 0 {
			return nil
		}
		return m.exec().Find(ctx, &drivers.FindOp{Entity: target, Fields: fields,
			Where: &query.Cmp{Prop: target.Primary[0], Op: query.In, Value: keys}}, func(row []any) error {
			h.Row(row)
			return nil
		})

	case p.Kind == schema.OneToOne: // inverse side: the target holds the key
		owners := map[string]*dynamic.Entity{}
		var keys []any
		for _, e := range entities {
			if e.ID() == nil {
				continue
			}
			if r, _ := e.Value(p).(*dynamic.Entity); r != nil {
				collect(r)
				continue
			}
			owners[schema.KeyString(e.ID())] = e
			keys = append(keys, e.ID())
		}
		if len(keys) == 0 {
			return nil
		}
		fk := indexOf(fields, p.Inverse)
		return m.exec().Find(ctx, &drivers.FindOp{Entity: target, Fields: fields,
			Where: &query.Cmp{Prop: p.Inverse, Op: query.In, Value: keys}}, func(row []any) error {
			t := h.Row(row)
			if o := owners[schema.KeyString(row[fk])]; o != nil {
				o.SetRaw(p, t)
				collect(t)
			}
			return nil
		})

	case p.Kind == schema.OneToMany:
		owners, keys := pending(entities, p, collect)
		if len(keys) == 0 {
			return nil
		}
		fk := indexOf(fields, p.Inverse)
		items := map[*dynamic.Entity][]*dynamic.Entity{}
		err := m.exec().Find(ctx, &drivers.FindOp{Entity: target, Fields: fields,
			Where:   &query.Cmp{Prop: p.Inverse, Op: query.In, Value: keys},
			OrderBy: keyOrder(target)}, func(row []any) error {
			t := h.Row(row)
			if o := owners[schema.KeyString(row[fk])]; o != nil {
				items[o] = append(items[o], t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return finishCollections(owners, p, items, collect)

	case p.Kind == schema.ManyToMany:
		owners, keys := pending(entities, p, collect)
		if len(keys) == 0 {
			return nil
		}
		items := map[*dynamic.Entity][]*dynamic.Entity{}
		err := m.exec().Find(ctx, &drivers.FindOp{Entity: target, Fields: fields,
			Pivot:   &drivers.PivotFilter{Prop: p, Keys: keys},
			OrderBy: keyOrder(target)}, func(row []any) error {
			t := h.Row(row[1:])
			if o := owners[schema.KeyString(row[0])]; o != nil {
				items[o] = append(items[o], t)
			}
			return nil
		})
		if err != nil {
			return err
		}
		return finishCollections(owners, p, items, collect)
	}
	return fmt.Errorf("dorm: populate %s: unsupported relation kind %s", p, p.Kind)
}

// pending returns the entities whose collection p is not loaded, by key, and collects the
// items of the loaded ones.
func pending(entities []*dynamic.Entity, p *schema.Property, collect func(...*dynamic.Entity)) (map[string]*dynamic.Entity, []any) {
	owners := map[string]*dynamic.Entity{}
	var keys []any
	for _, e := range entities {
		c := e.CollectionOf(p)
		if c.IsInitialized() || e.ID() == nil {
			collect(c.Items()...)
			continue
		}
		ks := schema.KeyString(e.ID())
		if _, dup := owners[ks]; !dup {
			owners[ks] = e
			keys = append(keys, e.ID())
		}
	}
	return owners, keys
}

func finishCollections(owners map[string]*dynamic.Entity, p *schema.Property, items map[*dynamic.Entity][]*dynamic.Entity, collect func(...*dynamic.Entity)) error {
	ks := make([]string, 0, len(owners))
	for k := range owners {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		o := owners[k]
		c := o.CollectionOf(p)
		c.Hydrate(items[o])
		collect(c.Items()...)
	}
	return nil
}

func keyOrder(meta *schema.Entity) []drivers.Order {
	out := make([]drivers.Order, len(meta.Primary))
	for i, p := range meta.Primary {
		out[i] = drivers.Order{Prop: p, Dir: drivers.Asc}
	}
	return out
}

func indexOf(fields []*schema.Property, p *schema.Property) int {
	for i, f := range fields {
		if f == p {
			return i
		}
	}
	return -1
}

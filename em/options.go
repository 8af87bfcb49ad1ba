package em

import (
	"fmt"
	"strings"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/schema"
)

// Direction is the direction of OrderBy.
type Direction = drivers.Direction

const (
	Asc  = drivers.Asc
	Desc = drivers.Desc
)

// LockMode is a pessimistic lock of Find (see Lock).
type LockMode = drivers.Lock

const (
	LockForUpdate           = drivers.LockForUpdate
	LockForShare            = drivers.LockForShare
	LockForUpdateNoWait     = drivers.LockForUpdateNoWait     // fail at once on a locked row
	LockForUpdateSkipLocked = drivers.LockForUpdateSkipLocked // leave locked rows out
)

// FindOption is an option of Find, FindOne and FindAndCount.
type FindOption func(*findSpec)

type findSpec struct {
	populate []string
	order    []orderSpec
	limit    int
	offset   int
	lock     drivers.Lock
	errs     []string
}

type orderSpec struct {
	prop string
	dir  Direction
}

type findOptions struct {
	populate []string
	order    []drivers.Order
	limit    int
	offset   int
	lock     drivers.Lock
}

// Populate loads the named relations of the results, with nested paths such as "books.tags":
// one query per path level, never one per entity.
func Populate(paths ...string) FindOption {
	return func(s *findSpec) { s.populate = append(s.populate, paths...) }
}

// OrderBy sorts by a property with a column, or by a property of a related entity reached
// through to-one relations ("author.name", "author.mentor.name"); repeat it for more terms.
func OrderBy(prop string, dir Direction) FindOption {
	return func(s *findSpec) { s.order = append(s.order, orderSpec{prop, dir}) }
}

// Limit returns at most n entities.
func Limit(n int) FindOption {
	return func(s *findSpec) {
		if n < 0 {
			s.errs = append(s.errs, fmt.Sprintf("Limit(%d) is negative", n))
		}
		s.limit = n
	}
}

// Offset skips the first n entities.
func Offset(n int) FindOption {
	return func(s *findSpec) {
		if n < 0 {
			s.errs = append(s.errs, fmt.Sprintf("Offset(%d) is negative", n))
		}
		s.offset = n
	}
}

// Lock takes a pessimistic lock on the rows found (FOR UPDATE / FOR SHARE). It needs a
// transaction (Transactional) and a driver that supports it.
func Lock(mode LockMode) FindOption {
	return func(s *findSpec) { s.lock = mode }
}

// options checks the options against meta, all at once.
func (m *EntityManager) options(meta *schema.Entity, opts []FindOption) (*findOptions, error) {
	var s findSpec
	for _, o := range opts {
		o(&s)
	}
	out := &findOptions{populate: s.populate, limit: s.limit, offset: s.offset, lock: s.lock}
	errs := s.errs
	if len(s.populate) > 0 {
		// Checked before the query, so that a wrong path runs none.
		if _, err := pathTree(meta, s.populate); err != nil {
			errs = append(errs, strings.TrimPrefix(err.Error(), "dorm: "))
		}
	}
	for _, o := range s.order {
		owner, path, name, err := orderPath(meta, o.prop)
		if err != "" {
			errs = append(errs, err)
			continue
		}
		p, ok := owner.Property(name)
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("OrderBy: %s has no property %q", owner.Name, name))
		case !p.HasColumn():
			if p.Kind == schema.Embedded {
				var fields []string
				for _, f := range p.Fields {
					fields = append(fields, f.Name)
				}
				errs = append(errs, fmt.Sprintf("OrderBy: %s.%s is an embedded value: order by its fields (%s)", owner.Name, name, strings.Join(fields, ", ")))
			} else {
				errs = append(errs, fmt.Sprintf("OrderBy: %s.%s is a %s relation without a column", owner.Name, name, p.Kind))
			}
		default:
			out.order = append(out.order, drivers.Order{Prop: p, Dir: o.dir, Path: path})
		}
	}
	if s.lock != drivers.LockNone && !m.orm.drv.Capabilities().Locking {
		return nil, &drivers.NotSupportedError{Driver: m.orm.drv.Name(), Feature: "pessimistic locking"}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("dorm: find %s: %s", meta.Name, strings.Join(errs, "; "))
	}
	return out, nil
}

// orderPath splits an OrderBy name into the to-one relations it goes through and the name of
// the property at its end: "author.mentor.name" on Book is [Book.author, Author.mentor] and
// "name" of Author. A name the entity has itself (an embedded field, "address.city") has no
// path. It returns an error text when a step is not a to-one relation with a column.
func orderPath(meta *schema.Entity, name string) (*schema.Entity, []*schema.Property, string, string) {
	owner := meta
	var path []*schema.Property
	steps := strings.Split(name, ".")
	for i, step := range steps[:len(steps)-1] {
		if rest := strings.Join(steps[i:], "."); hasProperty(owner, rest) {
			return owner, path, rest, "" // an embedded field: "address.city"
		}
		r, ok := owner.Property(step)
		switch {
		case !ok:
			return nil, nil, "", fmt.Sprintf("OrderBy %q: %s has no property %q", name, owner.Name, step)
		case r.IsToMany():
			return nil, nil, "", fmt.Sprintf("OrderBy %q: %s.%s is a %s relation: only to-one relations (m:1, owning 1:1) lead to a property to order by", name, owner.Name, step, r.Kind)
		case r.Kind == schema.Embedded:
			return nil, nil, "", fmt.Sprintf("OrderBy %q: %s has no property %q", name, owner.Name, strings.Join(steps[i:], "."))
		case !r.IsToOne():
			return nil, nil, "", fmt.Sprintf("OrderBy %q: %s.%s is not a relation", name, owner.Name, step)
		case !r.HasColumn():
			return nil, nil, "", fmt.Sprintf("OrderBy %q: %s.%s is the inverse side of a %s relation: order from the side that has the column", name, owner.Name, step, r.Kind)
		}
		path = append(path, r)
		owner = r.Target
	}
	return owner, path, steps[len(steps)-1], ""
}

func hasProperty(e *schema.Entity, name string) bool {
	_, ok := e.Property(name)
	return ok
}

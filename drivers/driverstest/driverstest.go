// Package driverstest is the conformance suite of dorm drivers: the behaviour of the unit of
// work and the EntityManager (identity map, change sets, commit order, cascades, populate,
// references, collections, optimistic locking, transactions, filters, types), run through
// package em on a real driver, with the round trips of each case counted.
//
// A driver's test calls [Run] with a [Harness] that opens a fresh, empty database per case:
//
//	func TestConformance(t *testing.T) {
//		driverstest.Run(t, driverstest.Harness{Open: func(t *testing.T, cfg drivers.Config) drivers.Driver { ... }})
//	}
//
// A driver is done when it passes all of it.
package driverstest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase/sqltest"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

// Harness describes the driver under test.
type Harness struct {
	// Open returns a driver on a new, empty database (its own file, database or schema) that
	// is dropped when t ends. The driver must report round trips to cfg.OnQuery.
	Open func(t *testing.T, cfg drivers.Config) drivers.Driver
	// InsertPerRow is true when the driver sends one INSERT per row (a prepared statement),
	// false when it sends one multi-row INSERT per entity.
	InsertPerRow bool
}

// Env is one case's database: an ORM on the example schema, created, and a query log.
type Env struct {
	T   *testing.T
	ORM *em.ORM
	Ctx context.Context
	h   Harness

	mu  sync.Mutex
	log []drivers.QueryEvent
}

// Queries returns the round trips since the last Reset.
func (e *Env) Queries() []drivers.QueryEvent {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]drivers.QueryEvent(nil), e.log...)
}

// Reset forgets the logged round trips.
func (e *Env) Reset() {
	e.mu.Lock()
	e.log = nil
	e.mu.Unlock()
}

// Count returns the number of round trips since the last Reset.
func (e *Env) Count() int { return len(e.Queries()) }

// CountKind counts the round trips whose statement starts with word (SELECT, INSERT,
// UPDATE, DELETE, BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE), case-insensitively.
func (e *Env) CountKind(word string) int {
	n := 0
	for _, q := range e.Queries() {
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q.Query)), word) {
			n++
		}
	}
	return n
}

// Inserts is the number of INSERT round trips expected for rows rows in batches batches.
func (e *Env) Inserts(rows, batches int) int {
	if e.h.InsertPerRow {
		return rows
	}
	return batches
}

// Registry loads the example entity files.
func Registry(t testing.TB) *schema.Registry {
	t.Helper()
	return sqltest.Registry(t)
}

// NewEnv opens the harness's driver, creates the example schema, and logs queries.
func NewEnv(t *testing.T, h Harness) *Env {
	t.Helper()
	env := &Env{T: t, Ctx: context.Background(), h: h}
	drv := h.Open(t, drivers.Config{OnQuery: func(_ context.Context, q drivers.QueryEvent) {
		env.mu.Lock()
		env.log = append(env.log, q)
		env.mu.Unlock()
	}})
	orm, err := em.Open(env.Ctx, em.Config{Registry: Registry(t), Driver: drv})
	if err != nil {
		t.Fatalf("em.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := orm.Schema().Drop(context.Background()); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		drv.Close()
	})
	if err := orm.Schema().Create(env.Ctx); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	env.ORM = orm
	env.Reset()
	return env
}

// Case is one named behaviour of the suite.
type Case struct {
	Name string
	Run  func(t *testing.T, env *Env)
}

// Run runs every case, each on a fresh database.
func Run(t *testing.T, h Harness) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			c.Run(t, NewEnv(t, h))
		})
	}
}

// Cases returns the suite's cases.
func Cases() []Case {
	var out []Case
	out = append(out, uowCases...)
	out = append(out, relationCases...)
	out = append(out, queryCases...)
	out = append(out, keyCases...)
	out = append(out, cycleCases...)
	out = append(out, createCases...)
	out = append(out, embeddedCases...)
	out = append(out, mikroCases...)
	out = append(out, mikro2Cases...)
	out = append(out, findCases...)
	out = append(out, valuesCases...)
	out = append(out, failureCases...)
	out = append(out, nativeCases...)
	out = append(out, assignCases...)
	return out
}

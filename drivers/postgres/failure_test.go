package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// The failures of a PostgreSQL server in production: the backend of a transaction killed
// (pg_terminate_backend: a failover, an administrator, idle_in_transaction_session_timeout),
// idle pooled connections killed, more transactions than the pool has connections, and
// cancellations that must not leave a transaction open on a pooled connection. The
// driver-independent behaviours are in drivers/driverstest/failure_cases.go.

// failDB is an ORM on a database of its own with the example schema, whose round trips also
// go to a hook that a test sets.
type failDB struct {
	ORM  *em.ORM
	Name string // the database's name
	hook atomic.Pointer[func(context.Context, em.QueryEvent)]
}

// openFailDB creates a database (newDatabase) and opens an ORM on it; params are added to
// the URL's query (pool_max_conns=2).
func openFailDB(t *testing.T, params string) *failDB {
	t.Helper()
	raw := newDatabase(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if params != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&"
		}
		u.RawQuery += params
	}
	db := &failDB{Name: strings.TrimPrefix(u.Path, "/")}
	orm, err := em.Open(context.Background(), em.Config{Registry: driverstest.Registry(t), URL: u.String(),
		OnQuery: func(ctx context.Context, q em.QueryEvent) {
			if f := db.hook.Load(); f != nil {
				(*f)(ctx, q)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { orm.Close(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			t.Errorf("Close still blocked after 3s: a connection was never given back to the pool")
		}
	})
	if err := orm.Schema().Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.ORM = orm
	return db
}

func (db *failDB) set(f func(context.Context, em.QueryEvent)) {
	if f == nil {
		db.hook.Store(nil)
		return
	}
	db.hook.Store(&f)
}

func (db *failDB) pool() *Driver { return db.ORM.Driver().(*Driver) }

// openTransactions returns the pids of the sessions on the database that are inside a
// transaction and idle (waiting for the client).
func (db *failDB) openTransactions(t *testing.T) []int32 {
	t.Helper()
	rows, err := adminPool(t).Query(context.Background(),
		"SELECT pid FROM pg_stat_activity WHERE datname = $1 AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()", db.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int32
	for rows.Next() {
		var pid int32
		if err := rows.Scan(&pid); err != nil {
			t.Fatal(err)
		}
		out = append(out, pid)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// terminate kills a backend and waits (up to 5s) until it is gone.
func terminate(t *testing.T, pid int32) {
	t.Helper()
	var ok bool
	if err := adminPool(t).QueryRow(context.Background(), "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d): %v %v", pid, ok, err)
	}
}

// noOpenTransaction fails t when a session of the database is left inside a transaction or
// a connection is still acquired from the pool.
func (db *failDB) noOpenTransaction(t *testing.T, what string) {
	t.Helper()
	// A connection that pgx closed (a ROLLBACK that failed under a cancelled context) is
	// destroyed by the pool in a goroutine, and its backend ends when the server reads the
	// end of the stream: both take a moment.
	var pids []int32
	var acquired int32
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		pids, acquired = db.openTransactions(t), db.pool().Pool().Stat().AcquiredConns()
		if len(pids) == 0 && acquired == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(pids) > 0 {
		t.Errorf("%s: sessions %v are left idle in a transaction", what, pids)
	}
	if acquired != 0 {
		t.Errorf("%s: %d connections are still acquired from the pool", what, acquired)
	}
}

func failMust(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func failCreate(t *testing.T, m *em.EntityManager, entity string, data map[string]any) *dynamic.Entity {
	t.Helper()
	e, err := m.Create(entity, data)
	if err != nil {
		t.Fatalf("create %s: %v", entity, err)
	}
	return e
}

// snapshotOf describes what a program sees of entities in its unit of work.
func snapshotOf(m *em.EntityManager, es ...*dynamic.Entity) string {
	var b strings.Builder
	fmt.Fprintf(&b, "pending: %v\n", m.UnitOfWork().HasChanges())
	for _, e := range es {
		var ch []string
		for _, p := range e.Changes() {
			ch = append(ch, p.Name)
		}
		fmt.Fprintf(&b, "%s %v key %v changed %v %v\n", e.Entity(), e.Internal().State, e.ID(), ch, e.ToMap())
	}
	return b.String()
}

// killState is what the database holds of the writes of the kill tests.
type killState struct {
	JonAge      any
	Pre, Killed int64
}

func readKill(t *testing.T, ctx context.Context, orm *em.ORM, jon any) killState {
	t.Helper()
	m := orm.Fork()
	a, err := m.FindOne(ctx, "Author", jon)
	failMust(t, err)
	pre, err := m.Count(ctx, "Author", map[string]any{"email": "pre@kill.test"})
	failMust(t, err)
	killed, err := m.Count(ctx, "Book", map[string]any{"title": map[string]any{"$like": "killed %"}})
	failMust(t, err)
	return killState{JonAge: a.Get("age"), Pre: pre, Killed: killed}
}

// TestFailureBackendKilledInTransactional: the backend of a Transactional is terminated
// after fn's first flush. The next flush fails with a *drivers.ConnError, Transactional
// returns it, nothing is written, the unit of work is as before (the change and the new
// author pending before are pending again), the pool replaces the connection, and the next
// Flush writes what was pending.
func TestFailureBackendKilledInTransactional(t *testing.T) {
	db := openFailDB(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sm := db.ORM.Fork()
	jonE := failCreate(t, sm, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st", "age": 30})
	failMust(t, sm.Flush(ctx))

	m := db.ORM.Fork()
	jon, err := m.FindOne(ctx, "Author", jonE.ID())
	failMust(t, err)
	failMust(t, jon.Set("age", 50))
	pre := failCreate(t, m, "Author", map[string]any{"name": "Pre", "email": "pre@kill.test"})
	before := snapshotOf(m, jon, pre)
	var killed int32
	err = m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 1", "author": jon})
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		pids := db.openTransactions(t)
		if len(pids) != 1 {
			return fmt.Errorf("want the one session of the transaction, found %v", pids)
		}
		killed = pids[0]
		terminate(t, killed)
		failCreate(t, tx, "Book", map[string]any{"title": "killed 2", "author": pre})
		return tx.Flush(ctx)
	})
	t.Logf("Transactional after its backend %d was terminated: %v", killed, err)
	var ce *drivers.ConnError
	if !errors.As(err, &ce) {
		t.Fatalf("Transactional on a killed backend: %v (%T), want a *drivers.ConnError", err, err)
	}
	if diff := cmp.Diff(killState{JonAge: int64(30)}, readKill(t, ctx, db.ORM, jonE.ID())); diff != "" {
		t.Errorf("the database changed (-want +got):\n%s", diff)
	}
	if got := snapshotOf(m, jon, pre); got != before {
		t.Errorf("the unit of work is not as before Transactional (-before +after):\n%s", cmp.Diff(before, got))
	}
	db.noOpenTransaction(t, "after the killed transaction")
	if err := m.Flush(ctx); err != nil {
		t.Fatalf("Flush of what was pending, on a new connection: %v", err)
	}
	if diff := cmp.Diff(killState{JonAge: int64(50), Pre: 1}, readKill(t, ctx, db.ORM, jonE.ID())); diff != "" {
		t.Errorf("after the second flush (-want +got):\n%s", diff)
	}
}

// TestFailureBackendKilledBeforeCommit: the backend dies between the last statement of a
// Transactional's final flush and its COMMIT. Transactional fails with a *drivers.ConnError,
// nothing is written, the unit of work is restored, and running the same program again
// (the same EntityManager, a new connection) commits.
func TestFailureBackendKilledBeforeCommit(t *testing.T) {
	db := openFailDB(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sm := db.ORM.Fork()
	jonE := failCreate(t, sm, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st", "age": 30})
	failMust(t, sm.Flush(ctx))

	m := db.ORM.Fork()
	jon, err := m.FindOne(ctx, "Author", jonE.ID())
	failMust(t, err)
	failMust(t, jon.Set("age", 51))
	pre := failCreate(t, m, "Author", map[string]any{"name": "Pre", "email": "pre@kill.test"})
	before := snapshotOf(m, jon, pre)
	var once sync.Once
	db.set(func(_ context.Context, q em.QueryEvent) {
		if strings.HasPrefix(q.Query, "RELEASE SAVEPOINT") {
			once.Do(func() {
				pids := db.openTransactions(t)
				if len(pids) != 1 {
					t.Errorf("want the one session of the transaction, found %v", pids)
					return
				}
				terminate(t, pids[0])
			})
		}
	})
	err = m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 1", "author": pre})
		return nil
	})
	db.set(nil)
	t.Logf("Transactional whose COMMIT met a killed backend: %v", err)
	var ce *drivers.ConnError
	if !errors.As(err, &ce) {
		t.Fatalf("COMMIT on a killed backend: %v (%T), want a *drivers.ConnError", err, err)
	}
	if ce.SafeToRetry() {
		t.Errorf("a COMMIT sent on a killed connection is reported safe to retry")
	}
	if diff := cmp.Diff(killState{JonAge: int64(30)}, readKill(t, ctx, db.ORM, jonE.ID())); diff != "" {
		t.Errorf("the database changed (-want +got):\n%s", diff)
	}
	if got := snapshotOf(m, jon, pre); got != before {
		t.Errorf("the unit of work is not as before Transactional (-before +after):\n%s", cmp.Diff(before, got))
	}
	db.noOpenTransaction(t, "after the failed COMMIT")
	err = m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 2", "author": pre})
		return nil
	})
	if err != nil {
		t.Fatalf("the same Transactional again: %v", err)
	}
	if diff := cmp.Diff(killState{JonAge: int64(51), Pre: 1, Killed: 1}, readKill(t, ctx, db.ORM, jonE.ID())); diff != "" {
		t.Errorf("after the second Transactional (-want +got):\n%s", diff)
	}
}

// TestFailureIdleConnectionsKilled: every idle connection of the pool is terminated (a
// server restart, a failover). After a second (pgxpool pings connections idle for longer),
// a flush, a Transactional and a find work without an error.
func TestFailureIdleConnectionsKilled(t *testing.T) {
	db := openFailDB(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Fill the pool with a few connections.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m := db.ORM.Fork()
			if _, err := m.Create("Author", map[string]any{"name": "warm", "email": fmt.Sprintf("warm%d@x.test", i)}); err != nil {
				t.Error(err)
				return
			}
			if err := m.Flush(ctx); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	rows, err := adminPool(t).Query(ctx, "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", db.Name)
	failMust(t, err)
	rows.Close()
	time.Sleep(1100 * time.Millisecond)
	m := db.ORM.Fork()
	a := failCreate(t, m, "Author", map[string]any{"name": "after", "email": "after@x.test"})
	if err := m.Flush(ctx); err != nil {
		t.Errorf("flush after the idle connections were killed: %v", err)
	}
	err = db.ORM.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		_, err := tx.Create("Book", map[string]any{"title": "after", "author": a})
		return err
	})
	if err != nil {
		t.Errorf("Transactional after the idle connections were killed: %v", err)
	}
	if n, err := db.ORM.Fork().Count(ctx, "Author", nil); err != nil || n != 4 {
		t.Errorf("count after the idle connections were killed: %d, %v", n, err)
	}
}

// TestFailurePoolExhaustion: with pool_max_conns=2, twenty goroutines each hold a
// Transactional open for 50 ms at the same time: they wait for a connection and all commit,
// never more than two connections in use. Goroutines whose context ends while they wait
// fail with context.DeadlineExceeded (not a ConnError, not a hang), write nothing, and the
// pool is whole afterwards.
func TestFailurePoolExhaustion(t *testing.T) {
	db := openFailDB(t, "pool_max_conns=2")
	if n := db.pool().Pool().Config().MaxConns; n != 2 {
		t.Fatalf("pool_max_conns: MaxConns = %d", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const workers = 20
	var peak atomic.Int32
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for i := 0; i < workers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- db.ORM.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
				a, err := tx.Create("Author", map[string]any{"name": "worker", "email": fmt.Sprintf("w%d@pool.test", i)})
				if err != nil {
					return err
				}
				if err := tx.Flush(ctx); err != nil {
					return err
				}
				n := db.pool().Pool().Stat().AcquiredConns()
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(50 * time.Millisecond)
				_, err = tx.Create("Book", map[string]any{"title": fmt.Sprintf("pool %d", i), "author": a})
				return err
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a Transactional waiting for a connection: %v", err)
		}
	}
	if p := peak.Load(); p > 2 {
		t.Errorf("%d connections in use at once, pool_max_conns is 2", p)
	}
	if n, err := db.ORM.Fork().Count(ctx, "Book", map[string]any{"title": map[string]any{"$like": "pool %"}}); err != nil || n != workers {
		t.Errorf("books: %d, %v; want %d", n, err, workers)
	}

	// Two long transactions hold both connections; others give up when their context ends.
	hold := make(chan struct{})
	holding := make(chan struct{}, 2)
	var holders sync.WaitGroup
	for i := 0; i < 2; i++ {
		holders.Add(1)
		go func(i int) {
			defer holders.Done()
			err := db.ORM.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
				if _, err := tx.Count(ctx, "Author", nil); err != nil {
					return err
				}
				holding <- struct{}{}
				<-hold
				_, err := tx.Create("Publisher", map[string]any{"name": fmt.Sprintf("holder %d", i)})
				return err
			})
			if err != nil {
				t.Errorf("holder %d: %v", i, err)
			}
		}(i)
	}
	<-holding
	<-holding
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	waiter := db.ORM.Fork()
	failCreate(t, waiter, "Publisher", map[string]any{"name": "waiter"})
	start := time.Now()
	err := waiter.Transactional(short, func(ctx context.Context, tx *em.EntityManager) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Transactional waiting for a connection past its deadline: %v (after %v), want context.DeadlineExceeded", err, time.Since(start))
	}
	if errors.As(err, new(*drivers.ConnError)) {
		t.Errorf("an exhausted pool is reported as a connection error: %v", err)
	}
	err = within(5*time.Second, func(ctx context.Context) error {
		m := db.ORM.Fork()
		if _, err := m.Create("Publisher", map[string]any{"name": "single"}); err != nil {
			return err
		}
		return m.Flush(ctx)
	}, 300*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a flush waiting for a connection past its deadline: %v, want context.DeadlineExceeded", err)
	}
	close(hold)
	holders.Wait()
	if err := waiter.Flush(ctx); err != nil {
		t.Errorf("the waiter's flush once connections are free: %v", err)
	}
	if n, err := db.ORM.Fork().Count(ctx, "Publisher", nil); err != nil || n != 3 {
		t.Errorf("publishers: %d, %v; want the holders' 2 and the waiter's", n, err)
	}
	db.noOpenTransaction(t, "after the exhausted pool")
}

// within runs fn with a context that ends after d, failing if fn is still running long after.
func within(limit time.Duration, fn func(ctx context.Context) error, d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(limit):
		return fmt.Errorf("still running after %v although its context ended after %v", limit, d)
	}
}

// TestFailureCancelLeavesNoOpenTransaction: flushes and Transactionals cancelled at every
// round trip leave no session idle in a transaction and no connection acquired, and a pool
// of one connection still serves the next request.
func TestFailureCancelLeavesNoOpenTransaction(t *testing.T) {
	db := openFailDB(t, "pool_max_conns=1")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sm := db.ORM.Fork()
	jonE := failCreate(t, sm, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st", "age": 30})
	failMust(t, sm.Flush(ctx))
	program := func(ctx context.Context, it int) error {
		m := db.ORM.Fork()
		jon, err := m.FindOne(ctx, "Author", jonE.ID())
		if err != nil {
			return err
		}
		if err := jon.Set("age", it); err != nil {
			return err
		}
		for i := 0; i < 150; i++ { // COPY
			if _, err := m.Create("Book", map[string]any{"title": fmt.Sprintf("c %d/%d", it, i), "author": jon}); err != nil {
				return err
			}
		}
		if err := m.Flush(ctx); err != nil {
			return err
		}
		return m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
			if _, err := tx.FindOne(ctx, "Author", jonE.ID(), em.Lock(em.LockForUpdate)); err != nil {
				return err
			}
			a, err := tx.Create("Author", map[string]any{"name": "in", "email": fmt.Sprintf("in%d@x.test", it)})
			if err != nil {
				return err
			}
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			_, err = tx.Create("Book", map[string]any{"title": fmt.Sprintf("c %d/tx", it), "author": a})
			return err
		})
	}
	var trips atomic.Int64
	db.set(func(context.Context, em.QueryEvent) { trips.Add(1) })
	failMust(t, program(ctx, 0))
	n := int(trips.Load())
	t.Logf("the program is %d round trips", n)
	for k := 1; k < n; k++ {
		cctx, ccancel := context.WithCancel(ctx)
		var seen atomic.Int64
		db.set(func(context.Context, em.QueryEvent) {
			if seen.Add(1) == int64(k) {
				ccancel()
			}
		})
		err := program(cctx, k)
		db.set(nil)
		ccancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after %d of %d round trips: %v, want context.Canceled", k, n, err)
		}
		db.noOpenTransaction(t, fmt.Sprintf("cancelled after %d round trips", k))
		if err := within(10*time.Second, func(ctx context.Context) error { return program(ctx, 1000+k) }, 10*time.Second); err != nil {
			t.Errorf("the next request after a cancel at round trip %d: %v", k, err)
		}
	}
}

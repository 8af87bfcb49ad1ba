package mysql

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

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// The failures of a MySQL/MariaDB server in production: the connection of a transaction
// killed (KILL CONNECTION: an administrator, wait_timeout, a failover), idle pooled
// connections killed, and cancellations that must not leave a transaction open. The
// driver-independent behaviours are in drivers/driverstest/failure_cases.go.

// failDB is an ORM on a database of its own with the example schema, whose round trips also
// go to a hook that a test sets.
type failDB struct {
	ORM  *em.ORM
	Name string
	hook atomic.Pointer[func(context.Context, em.QueryEvent)]
}

func openFailDB(t *testing.T) *failDB {
	t.Helper()
	raw := NewTestDatabase(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	db := &failDB{Name: strings.TrimPrefix(u.Path, "/")}
	orm, err := em.Open(context.Background(), em.Config{Registry: driverstest.Registry(t), URL: raw,
		OnQuery: func(ctx context.Context, q em.QueryEvent) {
			if f := db.hook.Load(); f != nil {
				(*f)(ctx, q)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { orm.Close() })
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

func (db *failDB) driver() *Driver { return db.ORM.Driver().(*Driver) }

// ids returns the connection ids of the sessions on the database: all of them, or (inTx)
// those with an open InnoDB transaction.
func (db *failDB) ids(t *testing.T, inTx bool) []int64 {
	t.Helper()
	return db.query(t, inTx)
}

// txIDs waits until exactly one session of the database has an open transaction and
// returns it; nil after 2s. InnoDB serves INNODB_TRX from a cache that it refreshes only
// when it was not read for 100 ms, so the polls are further apart.
func (db *failDB) txIDs(t *testing.T) []int64 {
	t.Helper()
	var ids []int64
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(150 * time.Millisecond) {
		if ids = db.query(t, true); len(ids) == 1 {
			return ids
		}
	}
	return ids
}

func (db *failDB) query(t *testing.T, inTx bool) []int64 {
	t.Helper()
	adm, _, err := admin()
	if err != nil {
		t.Fatal(err)
	}
	q := "SELECT p.ID FROM information_schema.PROCESSLIST p WHERE p.DB = ? AND p.ID <> CONNECTION_ID()"
	if inTx {
		q = "SELECT t.trx_mysql_thread_id FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = ?"
	}
	rows, err := adm.QueryContext(context.Background(), q, db.Name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// kill kills a connection and waits (up to 5s) until the server has let it go.
func (db *failDB) kill(t *testing.T, id int64) {
	t.Helper()
	adm, _, _ := admin()
	if _, err := adm.ExecContext(context.Background(), fmt.Sprintf("KILL CONNECTION %d", id)); err != nil {
		t.Fatalf("KILL CONNECTION %d: %v", id, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		if err := adm.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("connection %d still there 5s after KILL", id)
}

// noOpenTransaction fails t when a session of the database is left inside a transaction or a
// connection of the pool is still in use.
func (db *failDB) noOpenTransaction(t *testing.T, what string) {
	t.Helper()
	time.Sleep(150 * time.Millisecond) // INNODB_TRX is a cache, refreshed after 100 ms without a read
	if ids := db.ids(t, true); len(ids) > 0 {
		t.Errorf("%s: sessions %v are left inside a transaction", what, ids)
	}
	if n := db.driver().DB().Stats().InUse; n != 0 {
		t.Errorf("%s: %d connections of the pool are still in use", what, n)
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

// TestFailureConnectionKilledInTransactional: the connection of a Transactional is killed
// after fn's first flush. The next flush fails with a *drivers.ConnError, nothing is
// written, the unit of work is as before, the pool drops the connection, and the next Flush
// writes what was pending.
func TestFailureConnectionKilledInTransactional(t *testing.T) {
	db := openFailDB(t)
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
	err = m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 1", "author": jon})
		if err := tx.Flush(ctx); err != nil {
			return err
		}
		ids := db.txIDs(t)
		if len(ids) != 1 {
			return fmt.Errorf("want the one session of the transaction, found %v", ids)
		}
		db.kill(t, ids[0])
		failCreate(t, tx, "Book", map[string]any{"title": "killed 2", "author": pre})
		return tx.Flush(ctx)
	})
	t.Logf("Transactional after its connection was killed: %v", err)
	var ce *drivers.ConnError
	if !errors.As(err, &ce) {
		t.Fatalf("Transactional on a killed connection: %v (%T), want a *drivers.ConnError", err, err)
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

// TestFailureConnectionKilledBeforeCommit: the connection dies between the last statement of
// a Transactional's final flush and its COMMIT. Transactional fails with a
// *drivers.ConnError that is not safe to retry blindly, nothing is written, the unit of work
// is restored, and the same program commits on a new connection.
func TestFailureConnectionKilledBeforeCommit(t *testing.T) {
	db := openFailDB(t)
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
				ids := db.txIDs(t)
				if len(ids) != 1 {
					t.Errorf("want the one session of the transaction, found %v", ids)
					return
				}
				db.kill(t, ids[0])
			})
		}
	})
	err = m.Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 1", "author": pre})
		return nil
	})
	db.set(nil)
	t.Logf("Transactional whose COMMIT met a killed connection: %v", err)
	var ce *drivers.ConnError
	if !errors.As(err, &ce) {
		t.Fatalf("COMMIT on a killed connection: %v (%T), want a *drivers.ConnError", err, err)
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

// TestFailureIdleConnectionsKilled: every idle connection of the pool is killed (a server
// restart, wait_timeout). The next flush, Transactional and find work at once: a connection
// found dead before anything was sent on it is replaced by database/sql.
func TestFailureIdleConnectionsKilled(t *testing.T) {
	db := openFailDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
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
	ids := db.ids(t, false)
	if len(ids) == 0 {
		t.Fatal("no pooled connection to kill")
	}
	for _, id := range ids {
		db.kill(t, id)
	}
	m := db.ORM.Fork()
	a := failCreate(t, m, "Author", map[string]any{"name": "after", "email": "after@x.test"})
	if err := m.Flush(ctx); err != nil {
		t.Errorf("flush after the idle connections were killed: %v", err)
	}
	err := db.ORM.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
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

// TestFailureCancelLeavesNoOpenTransaction: a program (a flush of 600 books, then a
// Transactional with a lock, a flush and a final flush) cancelled after each of its round
// trips fails with context.Canceled, leaves no session inside a transaction and no
// connection in use, and the next run of the program is not blocked by a lock left behind.
func TestFailureCancelLeavesNoOpenTransaction(t *testing.T) {
	db := openFailDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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
		for i := 0; i < 600; i++ { // two INSERT statements
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
		// Only the failure is checked here: which error a cancel right before COMMIT gives
		// is TestFailureCancelBeforeCommit's business.
		if err == nil {
			t.Errorf("cancelled after %d of %d round trips: no error", k, n)
		}
		// database/sql rolls back a cancelled transaction in a goroutine of its own.
		time.Sleep(50 * time.Millisecond)
		db.noOpenTransaction(t, fmt.Sprintf("cancelled after %d round trips", k))
		nctx, ncancel := context.WithTimeout(ctx, 10*time.Second)
		if err := program(nctx, 1000+k); err != nil {
			t.Errorf("the next request after a cancel at round trip %d: %v", k, err)
		}
		ncancel()
	}
}

// TestFailureCancelBeforeCommit: the context of a Transactional is cancelled after the last
// statement of its final flush, and database/sql, which watches the context of a
// transaction, rolls the transaction back before dorm sends COMMIT. Nothing is written and
// the unit of work is restored; the error must say why: it wraps context.Canceled, as the
// same cancel a statement earlier does.
func TestFailureCancelBeforeCommit(t *testing.T) {
	db := openFailDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sm := db.ORM.Fork()
	jonE := failCreate(t, sm, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st", "age": 30})
	failMust(t, sm.Flush(ctx))
	m := db.ORM.Fork()
	jon, err := m.FindOne(ctx, "Author", jonE.ID())
	failMust(t, err)
	failMust(t, jon.Set("age", 52))
	pre := failCreate(t, m, "Author", map[string]any{"name": "Pre", "email": "pre@kill.test"})
	before := snapshotOf(m, jon, pre)
	cctx, ccancel := context.WithCancel(ctx)
	defer ccancel()
	db.set(func(_ context.Context, q em.QueryEvent) {
		if strings.HasPrefix(q.Query, "RELEASE SAVEPOINT") {
			ccancel()
			time.Sleep(100 * time.Millisecond) // database/sql's rollback of the cancelled transaction
		}
	})
	err = m.Transactional(cctx, func(ctx context.Context, tx *em.EntityManager) error {
		failCreate(t, tx, "Book", map[string]any{"title": "killed 1", "author": pre})
		return nil
	})
	db.set(nil)
	t.Logf("Transactional cancelled before its COMMIT: %v", err)
	if err == nil {
		t.Fatal("Transactional cancelled before its COMMIT succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Transactional cancelled before its COMMIT: %v, want an error wrapping context.Canceled", err)
	}
	if diff := cmp.Diff(killState{JonAge: int64(30)}, readKill(t, ctx, db.ORM, jonE.ID())); diff != "" {
		t.Errorf("the database changed (-want +got):\n%s", diff)
	}
	if got := snapshotOf(m, jon, pre); got != before {
		t.Errorf("the unit of work is not as before Transactional (-before +after):\n%s", cmp.Diff(before, got))
	}
	db.noOpenTransaction(t, "after the cancelled COMMIT")
}

// TestFailureDeadlockNativeError: the error of a deadlock victim keeps the server's error
// (1213, SQLSTATE 40001) reachable with errors.As, so that a program can at least retry by
// the native code (the conformance case DeadlockOneVictimAndRetry checks for a dorm
// classification).
func TestFailureDeadlockNativeError(t *testing.T) {
	db := openFailDB(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	sm := db.ORM.Fork()
	a := failCreate(t, sm, "Author", map[string]any{"name": "A", "email": "a@x.test"})
	b := failCreate(t, sm, "Author", map[string]any{"name": "B", "email": "b@x.test"})
	failMust(t, sm.Flush(ctx))
	locked := [2]chan struct{}{make(chan struct{}), make(chan struct{})}
	run := func(i int, first, second any) error {
		return db.ORM.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
			if _, err := tx.FindOne(ctx, "Author", first, em.Lock(em.LockForUpdate)); err != nil {
				return err
			}
			close(locked[i])
			<-locked[1-i]
			_, err := tx.FindOne(ctx, "Author", second, em.Lock(em.LockForUpdate))
			return err
		})
	}
	var errs [2]error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); errs[0] = run(0, a.ID(), b.ID()) }()
	go func() { defer wg.Done(); errs[1] = run(1, b.ID(), a.ID()) }()
	wg.Wait()
	err := errors.Join(errs[0], errs[1])
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1213 {
		t.Fatalf("deadlock: %v, want MySQL error 1213", err)
	}
	if errors.As(err, new(*drivers.ConnError)) {
		t.Errorf("a deadlock is reported as a connection error: %v", err)
	}
	db.noOpenTransaction(t, "after the deadlock")
}

package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/em"
)

// Two processes (here: two ORMs, each with its own pool) on one SQLite file: writers queue
// on the busy timeout instead of failing with "database is locked", and WAL lets a long
// read run while the other writes. The driver-independent behaviours are in
// drivers/driverstest/failure_cases.go.

// twoORMs opens two ORMs on one new database file, the schema created by the first.
func twoORMs(t *testing.T) (*em.ORM, *em.ORM) {
	t.Helper()
	url := "sqlite:file:" + filepath.Join(t.TempDir(), "shared.db")
	open := func() *em.ORM {
		orm, err := em.Open(context.Background(), em.Config{Registry: driverstest.Registry(t), URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { orm.Close() })
		return orm
	}
	a := open()
	if err := a.Schema().Create(context.Background()); err != nil {
		t.Fatal(err)
	}
	return a, open()
}

// isBusy reports whether err is SQLite's "database is locked" (SQLITE_BUSY) or
// "database table is locked" (SQLITE_LOCKED).
func isBusy(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "SQLITE_BUSY") || strings.Contains(err.Error(), "SQLITE_LOCKED") ||
		strings.Contains(err.Error(), "database is locked"))
}

// TestFailureTwoORMsConcurrentWriters: two ORMs on one file, eight goroutines each, write at
// the same time for about two seconds: flushes of one statement, flushes in a transaction,
// Transactionals with a read before the write, updates of rows the other ORM wrote. No
// write fails; they queue on the busy timeout.
func TestFailureTwoORMsConcurrentWriters(t *testing.T) {
	a, b := twoORMs(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seed := a.Fork()
	shared, err := seed.Create("Author", map[string]any{"name": "Shared", "email": "shared@x.test", "age": 0})
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	const perORM, iterations = 8, 15
	var busy, other atomic.Int64
	var firstErr sync.Once
	errs := make(chan error, 2*perORM*iterations*4)
	var wg sync.WaitGroup
	start := time.Now()
	for o, orm := range []*em.ORM{a, b} {
		for g := 0; g < perORM; g++ {
			wg.Add(1)
			go func(o, g int, orm *em.ORM) {
				defer wg.Done()
				fail := func(what string, err error) {
					if isBusy(err) {
						busy.Add(1)
					} else {
						other.Add(1)
					}
					firstErr.Do(func() { t.Logf("first error: %s: %v", what, err) })
					errs <- fmt.Errorf("orm %d goroutine %d: %s: %w", o, g, what, err)
				}
				for i := 0; i < iterations; i++ {
					m := orm.Fork()
					author, err := m.Create("Author", map[string]any{"name": "w", "email": fmt.Sprintf("o%dg%di%d@x.test", o, g, i)})
					if err != nil {
						fail("create", err)
						return
					}
					for j := 0; j < 2; j++ {
						if _, err := m.Create("Book", map[string]any{"title": fmt.Sprintf("o%d g%d i%d b%d", o, g, i, j), "author": author}); err != nil {
							fail("create", err)
							return
						}
					}
					if err := m.Flush(ctx); err != nil { // a transaction
						fail("flush of an author and books", err)
						continue
					}
					if err := author.Set("age", i); err != nil {
						fail("set", err)
						return
					}
					if err := m.Flush(ctx); err != nil { // one statement
						fail("flush of one update", err)
					}
					err = orm.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
						s, err := tx.FindOne(ctx, "Author", shared.ID())
						if err != nil {
							return err
						}
						age, _ := s.Get("age").(int64)
						return s.Set("age", age+1)
					})
					if err != nil {
						fail("Transactional incrementing the shared author", err)
					}
				}
			}(o, g, orm)
		}
	}
	wg.Wait()
	close(errs)
	t.Logf("%d goroutines × %d iterations in %v", 2*perORM, iterations, time.Since(start))
	n := 0
	for err := range errs {
		if n < 5 {
			t.Error(err)
		}
		n++
	}
	if n > 0 {
		t.Errorf("%d writes failed (%d database is locked, %d other)", n, busy.Load(), other.Load())
	}
	r := b.Fork()
	if got, err := r.Count(ctx, "Book", nil); err != nil || got != 2*perORM*iterations*2 {
		t.Errorf("books: %d, %v; want %d", got, err, 2*perORM*iterations*2)
	}
	s, err := r.FindOne(ctx, "Author", shared.ID())
	if err != nil {
		t.Fatal(err)
	}
	// The increments run in transactions that begin IMMEDIATE: none is lost.
	if s.Get("age") != int64(2*perORM*iterations) && n == 0 {
		t.Errorf("shared counter: %v, want %d (an increment was lost)", s.Get("age"), 2*perORM*iterations)
	}
}

// TestFailureTwoORMsWriterWaitsForTransaction: one ORM holds a write transaction open for a
// second; the other ORM's writes (one statement, and a Transactional) wait for it, within
// the busy timeout, and then succeed.
func TestFailureTwoORMsWriterWaitsForTransaction(t *testing.T) {
	a, b := twoORMs(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const hold = time.Second
	holding := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
			if _, err := tx.Create("Publisher", map[string]any{"name": "holder"}); err != nil {
				return err
			}
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			close(holding)
			time.Sleep(hold)
			return nil
		})
	}()
	<-holding
	began := time.Now()
	m := b.Fork()
	if _, err := m.Create("Publisher", map[string]any{"name": "waiter"}); err != nil {
		t.Fatal(err)
	}
	if err := m.Flush(ctx); err != nil {
		t.Errorf("a write of the other ORM while a transaction holds the lock: %v (after %v)", err, time.Since(began))
	}
	waited := time.Since(began)
	err := b.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
		_, err := tx.Create("Publisher", map[string]any{"name": "waiter 2"})
		return err
	})
	if err != nil {
		t.Errorf("a Transactional of the other ORM: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("the holding transaction: %v", err)
	}
	if waited < hold/2 {
		t.Errorf("the write returned after %v, before the holder's commit: it did not wait", waited)
	}
	if n, err := a.Fork().Count(ctx, "Publisher", nil); err != nil || n != 3 {
		t.Errorf("publishers: %d, %v; want 3", n, err)
	}
}

// TestFailureLongReadDuringWrites: one ORM reads in a read-only transaction for about a
// second while the other writes. With WAL the writes do not wait for the reader, the reader
// sees the same snapshot throughout, and sees the writes once its transaction is over.
func TestFailureLongReadDuringWrites(t *testing.T) {
	a, b := twoORMs(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	seed := a.Fork()
	author, err := seed.Create("Author", map[string]any{"name": "Jon", "email": "jon@x.test"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		if _, err := seed.Create("Book", map[string]any{"title": fmt.Sprintf("seed %04d", i), "author": author}); err != nil {
			t.Fatal(err)
		}
	}
	if err := seed.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	reading := make(chan struct{})
	writesDone := make(chan struct{})
	var counts []int64
	var found int
	readErr := make(chan error, 1)
	go func() {
		readErr <- a.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
			for i := 0; ; i++ {
				n, err := tx.Count(ctx, "Book", nil)
				if err != nil {
					return err
				}
				counts = append(counts, n)
				books, err := tx.Find(ctx, "Book", nil, em.OrderBy("title", em.Asc))
				if err != nil {
					return err
				}
				found = len(books)
				if i == 0 {
					close(reading)
				}
				select {
				case <-writesDone:
					return nil
				case <-time.After(100 * time.Millisecond):
				}
			}
		}, em.ReadOnly())
	}()
	<-reading
	const writes = 20
	var slowest time.Duration
	for i := 0; i < writes; i++ {
		began := time.Now()
		m := b.Fork()
		if _, err := m.Create("Book", map[string]any{"title": fmt.Sprintf("new %02d", i), "author": author.ID()}); err != nil {
			t.Fatal(err)
		}
		if err := m.Flush(ctx); err != nil {
			t.Errorf("write %d during the long read: %v", i, err)
		}
		slowest = max(slowest, time.Since(began))
		time.Sleep(30 * time.Millisecond)
	}
	close(writesDone)
	if err := <-readErr; err != nil {
		t.Fatalf("the long read: %v", err)
	}
	if slowest > 500*time.Millisecond {
		t.Errorf("a write took %v during the read: it waited for the reader", slowest)
	}
	for _, n := range counts {
		if n != 2000 {
			t.Errorf("the reader's counts %v: its snapshot changed during its transaction", counts)
			break
		}
	}
	if found != 2000 {
		t.Errorf("the reader's last find: %d books, want its snapshot's 2000", found)
	}
	if n, err := a.Fork().Count(ctx, "Book", nil); err != nil || n != 2000+writes {
		t.Errorf("after the read: %d, %v; want %d", n, err, 2000+writes)
	}
}

// TestFailureBusyTimeoutError: a writer that waits longer than the busy timeout fails. The
// error says so (SQLITE_BUSY), nothing of the failed flush is written, its unit of work is as
// before, and the same flush succeeds once the lock is free.
func TestFailureBusyTimeoutError(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the busy timeout")
	}
	a, b := twoORMs(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	release := make(chan struct{})
	holding := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Fork().Transactional(ctx, func(ctx context.Context, tx *em.EntityManager) error {
			if _, err := tx.Create("Publisher", map[string]any{"name": "holder"}); err != nil {
				return err
			}
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	m := b.Fork()
	jon, err := m.Create("Author", map[string]any{"name": "Jon", "email": "jon@x.test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create("Book", map[string]any{"title": "late", "author": jon}); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	err = m.Flush(ctx)
	waited := time.Since(began)
	t.Logf("flush blocked by a transaction held longer than the busy timeout: after %v: %v", waited, err)
	if err == nil {
		t.Fatal("the flush succeeded while another connection held the write lock")
	}
	if !isBusy(err) {
		t.Errorf("error %v does not say the database is locked", err)
	}
	if waited < BusyTimeout-500*time.Millisecond {
		t.Errorf("the flush gave up after %v, before the busy timeout %v", waited, BusyTimeout)
	}
	if jon.ID() != nil {
		t.Errorf("the failed flush left the generated key %v", jon.ID())
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := m.Flush(ctx); err != nil {
		t.Errorf("the same flush once the lock is free: %v", err)
	}
	if n, err := a.Fork().Count(ctx, "Book", map[string]any{"title": "late"}); err != nil || n != 1 {
		t.Errorf("books: %d, %v; want 1", n, err)
	}
}

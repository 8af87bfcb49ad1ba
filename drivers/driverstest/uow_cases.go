package driverstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/uow"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, m *em.EntityManager, entity string, data map[string]any) *dynamic.Entity {
	t.Helper()
	e, err := m.Create(entity, data)
	if err != nil {
		t.Fatalf("create %s: %v", entity, err)
	}
	return e
}

// Seed is the data most cases start from.
type Seed struct {
	Jon, Sansa              any // author keys
	Wall1, Wall2, Wall3, WC any // book keys
	Publisher               any
	Silly, Sick, Strange    any // tag keys
}

// seed writes three authors' books with tags and a publisher, in one flush.
func seed(t *testing.T, env *Env) Seed {
	t.Helper()
	m := env.ORM.Fork()
	pub := create(t, m, "Publisher", map[string]any{"name": "Daniel Publishing", "type": "global"})
	jon := create(t, m, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st", "age": 30})
	sansa := create(t, m, "Author", map[string]any{"name": "Sansa Stark", "email": "sansa@winterfell.north", "age": 20, "termsAccepted": true})
	silly := create(t, m, "BookTag", map[string]any{"name": "silly"})
	sick := create(t, m, "BookTag", map[string]any{"name": "sick"})
	strange := create(t, m, "BookTag", map[string]any{"name": "strange"})
	b1 := create(t, m, "Book", map[string]any{"title": "My Life on The Wall, part 1", "author": jon, "publisher": pub, "price": "9.99", "pages": 100, "status": "published", "tags": []*dynamic.Entity{silly, sick}})
	b2 := create(t, m, "Book", map[string]any{"title": "My Life on The Wall, part 2", "author": jon, "publisher": pub, "price": "19.50", "pages": 200, "tags": []*dynamic.Entity{sick, strange}})
	b3 := create(t, m, "Book", map[string]any{"title": "My Life on The Wall, part 3", "author": jon, "pages": 300})
	wc := create(t, m, "Book", map[string]any{"title": "Winter is Coming", "author": sansa})
	must(t, m.Flush(env.Ctx))
	env.Reset()
	return Seed{Jon: jon.ID(), Sansa: sansa.ID(), Wall1: b1.ID(), Wall2: b2.ID(), Wall3: b3.ID(), WC: wc.ID(), Publisher: pub.ID(),
		Silly: silly.ID(), Sick: sick.ID(), Strange: strange.ID()}
}

func count(t *testing.T, env *Env, entity string, filter any) int64 {
	t.Helper()
	n, err := env.ORM.Fork().Count(env.Ctx, entity, filter)
	if err != nil {
		t.Fatalf("count %s: %v", entity, err)
	}
	return n
}

func expectQueries(t *testing.T, env *Env, want int, what string) {
	t.Helper()
	if got := env.Count(); got != want {
		var qs []string
		for _, q := range env.Queries() {
			qs = append(qs, q.Query)
		}
		t.Errorf("%s: %d round trips, want %d:\n%q", what, got, want, qs)
	}
}

var uowCases = []Case{
	{"ConcurrentForksFlush", func(t *testing.T, env *Env) {
		const workers = 32
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for i := 0; i < workers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				m := env.ORM.Fork()
				a, err := m.Create("Author", map[string]any{"name": fmt.Sprintf("worker %d", i), "email": fmt.Sprintf("w%d@x.y", i)})
				if err != nil {
					errs <- err
					return
				}
				for j := 0; j < 3; j++ {
					if _, err := m.Create("Book", map[string]any{"title": fmt.Sprintf("book %d/%d", i, j), "author": a}); err != nil {
						errs <- err
						return
					}
				}
				if err := m.Flush(env.Ctx); err != nil {
					errs <- err
					return
				}
				if err := a.Set("age", i); err != nil {
					errs <- err
					return
				}
				errs <- m.Flush(env.Ctx)
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if n := count(t, env, "Book", nil); n != workers*3 {
			t.Errorf("%d books, want %d", n, workers*3)
		}
		if n := count(t, env, "Author", map[string]any{"age": map[string]any{"$exists": true}}); n != workers {
			t.Errorf("%d authors updated, want %d", n, workers)
		}
	}},
	{"FlushInsertsInOneTransaction", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		author := create(t, m, "Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st"})
		create(t, m, "Book", map[string]any{"title": "My Life on The Wall", "author": author})
		create(t, m, "Book", map[string]any{"title": "The Wall, again", "author": author})
		if env.Count() != 0 {
			t.Fatalf("Create ran %d queries before Flush", env.Count())
		}
		must(t, m.Flush(env.Ctx))
		// BEGIN, the author, the books (batched), COMMIT.
		expectQueries(t, env, 2+env.Inserts(1, 1)+env.Inserts(2, 1), "flush of 1 author and 2 books")
		if env.CountKind("BEGIN") != 1 || env.CountKind("COMMIT") != 1 {
			t.Errorf("want one transaction, got %q", env.Queries())
		}
		if author.ID() == nil {
			t.Fatal("the author's generated key was not set")
		}
		if n := count(t, env, "Book", map[string]any{"author": author.ID()}); n != 2 {
			t.Errorf("books of the author in the database: %d, want 2", n)
		}
	}},
	{"FlushWithoutChangesRunsNoQuery", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		must(t, m.Flush(env.Ctx))
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, b.Set("title", b.Get("title"))) // same value: no change
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush without changes")
	}},
	{"IdentityMap", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		books, err := m.Find(env.Ctx, "Book", map[string]any{"author": s.Jon}, em.OrderBy("title", em.Asc))
		must(t, err)
		env.Reset()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		expectQueries(t, env, 0, "FindOne of a loaded key")
		if b != books[0] {
			t.Error("FindOne returned another pointer than Find for the same row")
		}
		again, err := m.Find(env.Ctx, "Book", map[string]any{"title": map[string]any{"$like": "%part 1"}})
		must(t, err)
		if len(again) != 1 || again[0] != b {
			t.Errorf("a second query returned %v, want the same pointer", again)
		}
		other, err := env.ORM.Fork().FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if other == b {
			t.Error("two forks share an entity")
		}
	}},
	{"UpdateWritesOnlyChangedColumns", func(t *testing.T, env *Env) {
		s := seed(t, env)
		a, b := env.ORM.Fork(), env.ORM.Fork()
		ba, err := a.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		bb, err := b.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, bb.Set("description", "written in the cold"))
		must(t, b.Flush(env.Ctx))
		must(t, ba.Set("title", "My Life on The Wall, part one"))
		env.Reset()
		must(t, a.Flush(env.Ctx))
		expectQueries(t, env, 1, "flush of one changed book (one UPDATE, atomic by itself)")
		got, err := env.ORM.Fork().FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if got.Get("title") != "My Life on The Wall, part one" || got.Get("description") != "written in the cold" {
			t.Errorf("row after two partial updates: title %v, description %v", got.Get("title"), got.Get("description"))
		}
	}},
	{"UpdatesAreBatchedPerEntity", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		books, err := m.Find(env.Ctx, "Book", map[string]any{"author": s.Jon})
		must(t, err)
		for i, b := range books {
			must(t, b.Set("pages", 1000+i))
		}
		env.Reset()
		must(t, m.Flush(env.Ctx))
		if n := env.CountKind("UPDATE"); n < 1 || n > len(books) {
			t.Errorf("%d UPDATE round trips for %d books", n, len(books))
		}
		if n := count(t, env, "Book", map[string]any{"pages": map[string]any{"$gte": 1000}}); n != int64(len(books)) {
			t.Errorf("%d books updated in the database, want %d", n, len(books))
		}
	}},
	{"OnCreateOnUpdateAndDefaults", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a := create(t, m, "Author", map[string]any{"name": "Jon", "email": "jon@x.y"})
		b := create(t, m, "Author", map[string]any{"name": "Ann", "email": "ann@x.y"})
		// Defaults and the first version at Create; onCreate times at the flush (as MikroORM
		// runs onCreate hooks), one time for every row of the flush.
		if a.Get("createdAt") != nil || a.Get("termsAccepted") != false || a.Get("version") != int64(1) {
			t.Errorf("after Create: createdAt %v, termsAccepted %v, version %v; want <nil>, false, 1", a.Get("createdAt"), a.Get("termsAccepted"), a.Get("version"))
		}
		before := time.Now().Add(-time.Second)
		must(t, m.Flush(env.Ctx))
		at, _ := a.Get("createdAt").(time.Time)
		if at.Before(before) || !dynamic.Equal(a.Get("createdAt"), b.Get("createdAt")) || !dynamic.Equal(a.Get("createdAt"), a.Get("updatedAt")) {
			t.Errorf("after the flush: createdAt %v and %v, updatedAt %v; want one time of the flush", a.Get("createdAt"), b.Get("createdAt"), a.Get("updatedAt"))
		}
		stored, err := env.ORM.Fork().FindOne(env.Ctx, "Author", b.ID())
		must(t, err)
		if !dynamic.Equal(stored.Get("createdAt"), b.Get("createdAt")) {
			t.Errorf("stored createdAt %v, in memory %v", stored.Get("createdAt"), b.Get("createdAt"))
		}
		created := a.Get("updatedAt")
		must(t, a.Set("age", 41))
		must(t, m.Flush(env.Ctx))
		if a.Get("updatedAt") == created {
			t.Error("onUpdate did not change updatedAt")
		}
		if a.Get("version") != int64(2) {
			t.Errorf("version after one update: %v, want 2", a.Get("version"))
		}
		fresh, err := env.ORM.Fork().FindOne(env.Ctx, "Author", a.ID())
		must(t, err)
		if !dynamic.Equal(fresh.Get("updatedAt"), a.Get("updatedAt")) || fresh.Get("version") != int64(2) {
			t.Errorf("stored updatedAt %v version %v, in memory %v %v", fresh.Get("updatedAt"), fresh.Get("version"), a.Get("updatedAt"), a.Get("version"))
		}
	}},
	{"OptimisticLock", func(t *testing.T, env *Env) {
		s := seed(t, env)
		a, b := env.ORM.Fork(), env.ORM.Fork()
		ja, err := a.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		jb, err := b.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		must(t, ja.Set("age", 31))
		must(t, a.Flush(env.Ctx))
		must(t, jb.Set("age", 32))
		err = b.Flush(env.Ctx)
		if !errors.Is(err, em.ErrOptimisticLock) {
			t.Fatalf("stale write: got %v, want ErrOptimisticLock", err)
		}
		var ol *uow.OptimisticLockError
		if !errors.As(err, &ol) || ol.Entity != "Author" {
			t.Errorf("error %v does not name the entity", err)
		}
		if jb.Get("age") != int64(32) || jb.Get("version") != int64(1) {
			t.Errorf("after the failed flush: age %v version %v, want 32 and 1 (unchanged)", jb.Get("age"), jb.Get("version"))
		}
		must(t, b.Refresh(env.Ctx, jb))
		if jb.Get("age") != int64(31) || jb.Get("version") != int64(2) {
			t.Errorf("after refresh: age %v version %v", jb.Get("age"), jb.Get("version"))
		}
		must(t, jb.Set("age", 33))
		must(t, b.Flush(env.Ctx))
	}},
	// Hibernate's and Doctrine's detached versioning: the version a client saw (a web form
	// sends it back) is set on the entity loaded later, and the flush checks that one.
	{"VersionSetByTheProgramIsTheOneChecked", func(t *testing.T, env *Env) {
		s := seed(t, env)
		other := env.ORM.Fork()
		jo, err := other.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		must(t, jo.Set("age", 40))
		must(t, other.Flush(env.Ctx)) // version 1 -> 2
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		if jon.Get("version") != int64(2) {
			t.Fatalf("version %v, want 2", jon.Get("version"))
		}
		// The form was rendered at version 1.
		must(t, jon.Set("version", 1))
		must(t, jon.Set("age", 41))
		env.Reset()
		if err := m.Flush(env.Ctx); !errors.Is(err, em.ErrOptimisticLock) {
			t.Fatalf("write with the version the client saw (1, the row has 2): %v, want ErrOptimisticLock", err)
		}
		if jon.Get("version") != int64(1) || jon.Get("age") != int64(41) {
			t.Errorf("after the failed flush: version %v age %v, want 1 and 41 still pending", jon.Get("version"), jon.Get("age"))
		}
		fresh, err := env.ORM.Fork().FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		if fresh.Get("age") != int64(40) || fresh.Get("version") != int64(2) {
			t.Errorf("row after the stale write: age %v version %v, want 40 and 2", fresh.Get("age"), fresh.Get("version"))
		}
		// The current version goes through, and the next one follows it.
		must(t, jon.Set("version", 2))
		must(t, m.Flush(env.Ctx))
		if jon.Get("version") != int64(3) {
			t.Errorf("version after the write: %v, want 3", jon.Get("version"))
		}
		// A delete checks the version set too.
		book := create(t, m, "Book", map[string]any{"title": "Versioned", "author": jon})
		must(t, m.Flush(env.Ctx))
		m.Remove(book)
		must(t, jon.Set("version", 2))
		m.Remove(jon)
		if err := m.Flush(env.Ctx); !errors.Is(err, em.ErrOptimisticLock) {
			t.Errorf("delete with a stale version set: %v, want ErrOptimisticLock", err)
		}
	}},
	// MikroORM's refresh of an entity that is not in the database yet has nothing to read:
	// dorm says so before any query, and the entity stays scheduled for insertion (before,
	// the not-found row detached it and the next flush inserted it twice).
	{"RefreshOfANewEntityIsRefused", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon := m.GetReference("Author", s.Jon)
		book := create(t, m, "Book", map[string]any{"title": "Not yet", "author": jon})
		env.Reset()
		if err := m.Refresh(env.Ctx, book); err == nil || !strings.Contains(err.Error(), "new") {
			t.Errorf("refresh of a new entity: %v, want an error saying it is new", err)
		}
		expectQueries(t, env, 0, "refresh of a new entity")
		must(t, m.Flush(env.Ctx))
		if n, err := env.ORM.Fork().Count(env.Ctx, "Book", map[string]any{"title": "Not yet"}); err != nil || n != 1 {
			t.Errorf("books after the flush: %d, %v; want 1", n, err)
		}
	}},
	{"FailedFlushChangesNothingAndCanBeRetried", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		must(t, jon.Set("name", "Lord Snow"))
		chosen := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
		dup := create(t, m, "Author", map[string]any{"name": "Impostor", "email": "sansa@winterfell.north", "createdAt": chosen})
		book := create(t, m, "Book", map[string]any{"title": "Impostor's Memoirs", "author": dup})
		err = m.Flush(env.Ctx)
		var ce *drivers.ConstraintError
		if !errors.As(err, &ce) || ce.Kind != drivers.Unique {
			t.Fatalf("duplicate email: got %v, want a unique ConstraintError", err)
		}
		if ce.Entity != "Author" {
			t.Errorf("constraint error names %q, want Author", ce.Entity)
		}
		if n := count(t, env, "Author", nil); n != 2 {
			t.Errorf("%d authors after the failed flush, want 2", n)
		}
		if n := count(t, env, "Author", map[string]any{"name": "Lord Snow"}); n != 0 {
			t.Error("the update of the failed flush was committed")
		}
		if dup.ID() != nil || dup.Internal().State != dynamic.StateNew || book.Internal().State != dynamic.StateNew {
			t.Errorf("after the failed flush: key %v, states %v %v; want no key, new, new", dup.ID(), dup.Internal().State, book.Internal().State)
		}
		if !dynamic.Equal(dup.Get("createdAt"), chosen) || dup.Get("updatedAt") != nil || book.Get("createdAt") != nil {
			t.Errorf("after the failed flush: createdAt %v (chosen), updatedAt %v, book createdAt %v; want %v, <nil>, <nil>",
				dup.Get("createdAt"), dup.Get("updatedAt"), book.Get("createdAt"), chosen)
		}
		must(t, dup.Set("email", "impostor@wall.st"))
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Author", nil); n != 3 {
			t.Errorf("%d authors after the retry, want 3", n)
		}
		if n := count(t, env, "Author", map[string]any{"name": "Lord Snow"}); n != 1 {
			t.Error("the retried flush lost the update")
		}
		if n := count(t, env, "Book", map[string]any{"author": dup.ID()}); n != 1 {
			t.Error("the retried flush lost the book")
		}
	}},
	{"RequiredValueMissingIsAnErrorBeforeAnyQuery", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		create(t, m, "Book", map[string]any{"title": "Orphan"})
		err := m.Flush(env.Ctx)
		if err == nil {
			t.Fatal("flush of a book without its required author succeeded")
		}
		expectQueries(t, env, 0, "flush refused before writing")
	}},
	{"RemoveDeletes", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.WC)
		must(t, err)
		m.Remove(b)
		must(t, m.Flush(env.Ctx))
		if _, err := env.ORM.Fork().FindOne(env.Ctx, "Book", s.WC); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("FindOne of a deleted book: %v, want ErrNotFound", err)
		}
		if b.Internal().State != dynamic.StateDetached {
			t.Errorf("a deleted entity is %v, want detached", b.Internal().State)
		}
		if _, err := m.FindOne(env.Ctx, "Book", s.WC); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("the same fork still finds the deleted book: %v", err)
		}
	}},
	{"RemoveNewEntityForgetsIt", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a := create(t, m, "Author", map[string]any{"name": "Ghost", "email": "g@h.st"})
		m.Remove(a)
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after removing the only new entity")
	}},
	{"Transactional", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		err := m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			a, err := tx.FindOne(ctx, "Author", s.Jon)
			if err != nil {
				return err
			}
			return a.Set("name", "Lord Commander Snow")
		})
		must(t, err)
		if n := count(t, env, "Author", map[string]any{"name": "Lord Commander Snow"}); n != 1 {
			t.Error("Transactional did not flush and commit")
		}
		sentinel := errors.New("changed my mind")
		err = m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			create(t, tx, "Author", map[string]any{"name": "Bran", "email": "bran@tree.north"})
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			return sentinel
		})
		if !errors.Is(err, sentinel) {
			t.Fatalf("Transactional returned %v, want the callback's error", err)
		}
		if n := count(t, env, "Author", map[string]any{"name": "Bran"}); n != 0 {
			t.Error("a rolled back transaction left its insert")
		}
	}},
	{"NestedTransactionalUsesSavepoint", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		inner := errors.New("inner fails")
		err := m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			create(t, tx, "Author", map[string]any{"name": "Outer", "email": "outer@x.y"})
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			err := tx.Transactional(ctx, func(ctx context.Context, tx2 *em.EntityManager) error {
				create(t, tx2, "Author", map[string]any{"name": "Inner", "email": "inner@x.y"})
				if err := tx2.Flush(ctx); err != nil {
					return err
				}
				return inner
			})
			if !errors.Is(err, inner) {
				t.Errorf("nested Transactional returned %v", err)
			}
			return nil
		})
		must(t, err)
		if count(t, env, "Author", map[string]any{"name": "Outer"}) != 1 || count(t, env, "Author", map[string]any{"name": "Inner"}) != 0 {
			t.Error("want the outer insert committed and the inner one rolled back")
		}
		if env.CountKind("SAVEPOINT") == 0 {
			t.Errorf("no savepoint in %q", env.Queries())
		}
	}},
	{"TransactionalPanicRollsBack", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic was swallowed")
				}
			}()
			_ = m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
				create(t, tx, "Author", map[string]any{"name": "P", "email": "p@x.y"})
				if err := tx.Flush(ctx); err != nil {
					return err
				}
				panic("boom")
			})
		}()
		if count(t, env, "Author", nil) != 0 {
			t.Error("a panicking transaction was committed")
		}
	}},
	{"RefreshDiscardsChanges", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, b.Set("title", "scribbled"))
		must(t, m.Refresh(env.Ctx, b))
		if b.Get("title") != "My Life on The Wall, part 1" {
			t.Errorf("title after refresh: %v", b.Get("title"))
		}
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after refresh")
	}},
	{"ClearEmptiesTheIdentityMap", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		m.Clear()
		env.Reset()
		b2, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if b2 == b || env.CountKind("SELECT") != 1 {
			t.Error("after Clear, FindOne must query and return a new entity")
		}
	}},
	{"CompositeFilterKeyFindOne", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", map[string]any{"id": s.Wall2})
		must(t, err)
		env.Reset()
		b2, err := m.FindOne(env.Ctx, "Book", map[string]any{"id": s.Wall2})
		must(t, err)
		expectQueries(t, env, 0, "FindOne by a key filter of a loaded entity")
		if b != b2 {
			t.Error("different pointers")
		}
		if _, err := m.FindOne(env.Ctx, "Author", 999999); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("missing author: %v, want ErrNotFound", err)
		}
	}},
	{"ExplicitKeyOfAutoincrementEntity", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		tag := create(t, m, "BookTag", map[string]any{"id": 1000, "name": "chosen"})
		auto := create(t, m, "BookTag", map[string]any{"name": "generated"})
		must(t, m.Flush(env.Ctx))
		if tag.ID() != int64(1000) {
			t.Errorf("explicit key became %v", tag.ID())
		}
		got, err := env.ORM.Fork().FindOne(env.Ctx, "BookTag", 1000)
		must(t, err)
		if got.Get("name") != "chosen" {
			t.Errorf("row 1000 holds %v", got.Get("name"))
		}
		if auto.ID() == nil || auto.ID() == int64(1000) {
			t.Errorf("generated key %v", auto.ID())
		}
	}},
	{"RemoveByReferenceRunsNoSelect", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		m.Remove(m.GetReference("Book", s.Wall3))
		must(t, m.Flush(env.Ctx))
		if env.CountKind("SELECT") != 0 || env.CountKind("DELETE") != 1 {
			t.Errorf("delete by reference: %q", env.Queries())
		}
		if count(t, env, "Book", map[string]any{"id": s.Wall3}) != 0 {
			t.Error("the book is still there")
		}
	}},
	{"PersistTwiceFlushTwiceInsertsOnce", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a := create(t, m, "Author", map[string]any{"name": "Once", "email": "once@x.y"})
		must(t, m.Persist(a))
		must(t, m.Flush(env.Ctx))
		must(t, m.Persist(a))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "second flush")
		if count(t, env, "Author", nil) != 1 {
			t.Error("the author was inserted twice")
		}
		must(t, a.Set("name", "Twice"))
		must(t, m.Flush(env.Ctx))
		must(t, a.Set("name", "Thrice"))
		must(t, m.Flush(env.Ctx))
		got, err := env.ORM.Fork().FindOne(env.Ctx, "Author", a.ID())
		must(t, err)
		if got.Get("name") != "Thrice" || got.Get("version") != int64(3) {
			t.Errorf("after two updates: %v version %v", got.Get("name"), got.Get("version"))
		}
	}},
	{"TransactionalSharesTheIdentityMap", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		env.Reset()
		err = m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			same, err := tx.FindOne(ctx, "Author", s.Jon)
			if err != nil {
				return err
			}
			if same != jon {
				t.Error("inside Transactional the entity already loaded is another pointer")
			}
			return jon.Set("age", 50) // a change made on m's entity is flushed by the transaction
		})
		must(t, err)
		if env.CountKind("SELECT") != 0 || env.CountKind("UPDATE") != 1 || env.CountKind("BEGIN") != 1 {
			t.Errorf("round trips: %q", env.Queries())
		}
		if count(t, env, "Author", map[string]any{"age": 50}) != 1 {
			t.Error("the change was not committed")
		}
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after the transaction committed the change")
	}},
	{"TransactionalRollbackRestoresTheUnitOfWork", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		wc, err := m.FindOne(env.Ctx, "Book", s.WC)
		must(t, err)
		var created *dynamic.Entity
		boom := errors.New("boom")
		err = m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			must(t, jon.Set("name", "Lord Snow"))
			created = create(t, tx, "Book", map[string]any{"title": "Unwritten", "author": jon})
			tx.Remove(wc)
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
		if count(t, env, "Author", map[string]any{"name": "Lord Snow"}) != 0 || count(t, env, "Book", map[string]any{"title": "Unwritten"}) != 0 ||
			count(t, env, "Book", map[string]any{"id": s.WC}) != 1 {
			t.Fatal("the rolled back transaction left writes behind")
		}
		if created.Internal().State != dynamic.StateDetached {
			t.Errorf("an entity created in the rolled back transaction is %v, want detached", created.Internal().State)
		}
		if wc.Internal().State != dynamic.StateRemoved || jon.Internal().State != dynamic.StateManaged {
			t.Errorf("states after rollback: book %v, author %v", wc.Internal().State, jon.Internal().State)
		}
		// The changes made on m's entities are pending again: the next flush writes them.
		must(t, m.Flush(env.Ctx))
		if count(t, env, "Author", map[string]any{"name": "Lord Snow"}) != 1 || count(t, env, "Book", map[string]any{"id": s.WC}) != 0 {
			t.Error("the pending changes were lost by the rollback")
		}
		if count(t, env, "Book", map[string]any{"title": "Unwritten"}) != 0 {
			t.Error("an entity of the rolled back transaction was inserted later")
		}
	}},
	{"OneOperationFlushRunsWithoutBeginCommit", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		create(t, m, "BookTag", map[string]any{"name": "alone"})
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, env.Inserts(1, 1), "flush of one new tag")
		// A batch that fails on its last row writes none of them: the driver keeps the one
		// operation atomic.
		for _, n := range []string{"a", "b", "alone"} {
			create(t, m, "BookTag", map[string]any{"name": n})
		}
		err := m.Flush(env.Ctx)
		var ce *drivers.ConstraintError
		if !errors.As(err, &ce) || ce.Kind != drivers.Unique {
			t.Fatalf("duplicate tag name: %v", err)
		}
		if n := count(t, env, "BookTag", nil); n != 1 {
			t.Errorf("%d tags after the failed batch, want 1", n)
		}
	}},
	{"StaleRowInABatchWritesNothing", func(t *testing.T, env *Env) {
		s := seed(t, env)
		a, b := env.ORM.Fork(), env.ORM.Fork()
		authors, err := a.Find(env.Ctx, "Author", nil, em.OrderBy("id", em.Asc))
		must(t, err)
		sansa, err := b.FindOne(env.Ctx, "Author", s.Sansa)
		must(t, err)
		must(t, sansa.Set("age", 21))
		must(t, b.Flush(env.Ctx))
		for _, au := range authors { // one UpdateOp of two rows, the second stale
			must(t, au.Set("age", 99))
		}
		if err := a.Flush(env.Ctx); !errors.Is(err, em.ErrOptimisticLock) {
			t.Fatalf("got %v, want ErrOptimisticLock", err)
		}
		if n := count(t, env, "Author", map[string]any{"age": 99}); n != 0 {
			t.Errorf("%d authors were updated by the failed flush, want 0", n)
		}
	}},
}

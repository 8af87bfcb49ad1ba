package driverstest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// queryTexts returns the statements of the round trips since the last Reset.
func queryTexts(env *Env) []string {
	var out []string
	for _, q := range env.Queries() {
		out = append(out, q.Query)
	}
	return out
}

// mikroCases are behaviours that MikroORM's own test suite checks for its EntityManager,
// UnitOfWork and Collection, written against the example schema. Each case names the
// MikroORM test it comes from (repository mikro-orm/mikro-orm). MikroORM flushes
// automatically before a query (FlushMode.AUTO); dorm never does, so the cases flush
// explicitly and compare with what MikroORM gives with FlushMode.COMMIT.
var mikroCases = []Case{
	// tests/features/unit-of-work/UnitOfWork.test.ts, "persist and remove will add entity to
	// given stack only once" (UnitOfWork.persist takes the entity off the remove stack):
	// persisting a removed entity before the flush keeps its row.
	{"RemoveThenPersistKeepsTheRow", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.WC)
		must(t, err)
		m.Remove(b)
		must(t, m.Persist(b))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after Remove then Persist")
		if st := b.Internal().State; st != dynamic.StateManaged {
			t.Errorf("state after Remove then Persist and a flush: %v, want managed", st)
		}
		if n := count(t, env, "Book", map[string]any{"id": s.WC}); n != 1 {
			t.Fatalf("%d rows of the book, want 1", n)
		}
		must(t, b.Set("title", "Winter is Here"))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		if n := env.CountKind("UPDATE"); n != 1 {
			t.Errorf("a change after Remove then Persist: %d UPDATEs, want 1: %q", n, queryTexts(env))
		}
		if n := count(t, env, "Book", map[string]any{"title": "Winter is Here"}); n != 1 {
			t.Error("the change after Remove then Persist was not written")
		}
	}},

	// tests/issues/GH2395.test.ts, "should not persist child if marked for removal 3/3" (a
	// 1:m with orphanRemoval, like Author.books): a new entity removed before the flush is
	// not inserted through the collection of its parent, and leaves that collection.
	{"RemovedNewChildIsNotInsertedByCascade", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a := create(t, m, "Author", map[string]any{"name": "Parent", "email": "parent@x.y"})
		b := create(t, m, "Book", map[string]any{"title": "Never written", "author": a})
		m.Remove(b)
		if a.Collection("books").Contains(b) {
			t.Error("a removed new book is still in its author's books")
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", nil); n != 0 {
			t.Errorf("%d books in the database, want 0: the removed book was inserted by cascade", n)
		}
		if n := count(t, env, "Author", nil); n != 1 {
			t.Errorf("%d authors, want 1", n)
		}
		if st := b.Internal().State; st != dynamic.StateDetached {
			t.Errorf("the removed new book is %v, want detached", st)
		}
	}},

	// tests/issues/GH2395.test.ts (expect(parent.children).toHaveLength(0) after em.remove)
	// and UnitOfWork.remove, which at once takes the entity out of the loaded collection of
	// the entity its m:1 points at, and clears the nullable m:1 of the loaded items of its 1:m
	// ("remove from referencing relations that are nullable"). (MikroORM does not touch the
	// other side of a m:n there, so neither does this case.)
	{"RemovedEntityLeavesLoadedCollections", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if !jon.Collection("books").Contains(b) {
			t.Fatal("setup: part 1 is not in Jon's loaded books")
		}
		m.Remove(b)
		if jon.Collection("books").Contains(b) {
			t.Error("after Remove the book is still in its author's loaded books")
		}
		must(t, m.Flush(env.Ctx))
		if n := jon.Collection("books").Len(); n != 2 {
			t.Errorf("Jon's loaded books after the flush: %d, want 2", n)
		}
		if n := count(t, env, "Book", map[string]any{"author": s.Jon}); n != 2 {
			t.Errorf("Jon has %d books in the database, want 2", n)
		}

		pub, err := m.FindOne(env.Ctx, "Publisher", s.Publisher, em.Populate("books"))
		must(t, err)
		b2, err := m.FindOne(env.Ctx, "Book", s.Wall2)
		must(t, err)
		if !pub.Collection("books").Contains(b2) {
			t.Fatal("setup: part 2 is not in the publisher's loaded books")
		}
		m.Remove(pub)
		if r := b2.Ref("publisher"); r != nil {
			t.Errorf("after Remove of its publisher, part 2 still refers to %v (state %v)", r, r.Internal().State)
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"id": s.Wall2, "publisher": nil}); n != 1 {
			t.Error("part 2 still has a publisher in the database")
		}
	}},

	// tests/features/unit-of-work/GH4905.test.ts, "entity with known primary key is added to
	// the identity map as early as on persist call (1/2)": GetReference of a new entity whose
	// key is known returns that entity, and removing it before the flush writes nothing.
	{"GetReferenceOfNewEntityReturnsIt", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		tag := create(t, m, "BookTag", map[string]any{"id": 5000, "name": "abc"})
		ref := m.GetReference("BookTag", 5000)
		if ref != tag {
			t.Errorf("GetReference of a new entity with key 5000 returned another pointer (%v, %v)", ref, ref.Internal().State)
		}
		m.Remove(ref)
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after removing the only new entity through GetReference")
		if n := count(t, env, "BookTag", nil); n != 0 {
			t.Errorf("%d tags in the database, want 0", n)
		}
	}},

	// tests/features/unit-of-work/GH4905.test.ts, "entity with known primary key is added to
	// the identity map as early as on persist call (2/2)": FindOne by the key of a new entity
	// returns it without a query.
	{"FindOneOfNewEntityRunsNoQuery", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		tag := create(t, m, "BookTag", map[string]any{"id": 5000, "name": "abc"})
		got, err := m.FindOne(env.Ctx, "BookTag", 5000)
		if err != nil {
			t.Fatalf("FindOne of a new entity by its known key: %v, want the entity", err)
		}
		if got != tag {
			t.Error("FindOne of a new entity returned another pointer")
		}
		expectQueries(t, env, 0, "FindOne of a new entity by key")
		m.Remove(got)
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after removing the new entity")
	}},

	// tests/features/unit-of-work/GH4412.test.ts "update triggered after findOne with
	// forceUndefined true", GH4426.test.ts "4426", and tests/EntityManager.postgre.test.ts
	// "populate OneToOne relation" (a flush after a populated find runs no query): loading,
	// populating, initialising and refreshing never leave changes behind.
	{"FlushAfterLoadingRunsNoQuery", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		_, err := m.Find(env.Ctx, "Book", nil, em.Populate("author", "tags", "publisher"))
		must(t, err)
		authors, err := m.Find(env.Ctx, "Author", nil, em.Populate("books.tags", "favouriteBook", "mentor"))
		must(t, err)
		_, err = m.FindOne(env.Ctx, "Publisher", s.Publisher, em.Populate("books"))
		must(t, err)
		tag, err := m.FindOne(env.Ctx, "BookTag", s.Strange)
		must(t, err)
		must(t, tag.Collection("books").Init(env.Ctx))
		must(t, m.Refresh(env.Ctx, authors[0]))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after only loading")
	}},

	// tests/features/unit-of-work/UnitOfWork.test.ts, "changeSet is null for empty payload":
	// MikroORM compares with the loaded values, so setting a property back to its original
	// value, or to an equal value (the same instant in another zone, an equal JSON document,
	// the same relation by key), writes nothing.
	{"ChangeBackToOriginalValueRunsNoUpdate", func(t *testing.T, env *Env) {
		s := seed(t, env)
		meta := map[string]any{"isbn": "978-0", "editions": []any{"first", "second"}}
		{
			f := env.ORM.Fork()
			b, err := f.FindOne(env.Ctx, "Book", s.Wall2)
			must(t, err)
			must(t, b.Set("meta", meta))
			must(t, f.Flush(env.Ctx))
		}
		m := env.ORM.Fork()
		a, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		must(t, a.Set("name", "Lord Snow"))
		must(t, a.Set("name", "Jon Snow"))
		must(t, a.Set("age", 30))
		created, ok := a.Get("createdAt").(time.Time)
		if !ok {
			t.Fatalf("createdAt is %T", a.Get("createdAt"))
		}
		must(t, a.Set("createdAt", created.In(time.FixedZone("UTC+2", 2*3600))))
		b, err := m.FindOne(env.Ctx, "Book", s.Wall2)
		must(t, err)
		must(t, b.Set("meta", map[string]any{"isbn": "978-0", "editions": []any{"first", "second"}}))
		must(t, b.Set("price", b.Get("price")))
		must(t, b.Set("author", s.Jon))
		must(t, b.Set("publisher", m.GetReference("Publisher", s.Publisher)))
		must(t, b.Set("status", "draft"))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush of values set back to what was loaded")
	}},

	// tests/EntityManager.mysql.test.ts, "many to many relation" (add, contains, count): adding
	// an item that is already there, or the same item twice, writes one pivot row.
	{"AddSameItemTwiceWritesOnePivotRow", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("tags"))
		must(t, err)
		tags := b.Collection("tags")
		strange := m.GetReference("BookTag", s.Strange)
		tags.Add(strange, strange)
		tags.Add(tags.Items()[0])
		fresh := dynamic.New(mustMeta(t, env, "BookTag"))
		must(t, fresh.Set("name", "fresh"))
		tags.Add(fresh)
		tags.Add(fresh)
		if tags.Len() != 4 {
			t.Errorf("%d tags in the collection, want 4", tags.Len())
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "BookTag", map[string]any{"books": s.Wall1}); n != 4 {
			t.Errorf("part 1 has %d tags in the database, want 4", n)
		}
		if n := count(t, env, "BookTag", map[string]any{"name": "fresh"}); n != 1 {
			t.Errorf("%d tags named fresh, want 1", n)
		}
		f := env.ORM.Fork()
		fb, err := f.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("tags"))
		must(t, err)
		if n := fb.Collection("tags").Len(); n != 4 {
			t.Errorf("part 1 loads with %d tags, want 4", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "many to many relation" (removeAll): RemoveAll on a
	// loaded owning m:n deletes the pivot rows of that owner only; the tags stay.
	{"RemoveAllOnManyToManyDeletesPivotRowsOnly", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall2, em.Populate("tags"))
		must(t, err)
		b.Collection("tags").RemoveAll()
		if b.Collection("tags").Len() != 0 {
			t.Errorf("%d tags after RemoveAll", b.Collection("tags").Len())
		}
		env.Reset()
		must(t, m.Flush(env.Ctx))
		if env.CountKind("DELETE") != 1 {
			t.Errorf("RemoveAll of 2 pivot rows: want 1 DELETE, got %q", queryTexts(env))
		}
		if n := count(t, env, "BookTag", map[string]any{"books": s.Wall2}); n != 0 {
			t.Errorf("part 2 still has %d tags", n)
		}
		if n := count(t, env, "BookTag", nil); n != 3 {
			t.Errorf("%d tags left, want 3 (RemoveAll must not delete the items)", n)
		}
		if n := count(t, env, "Book", map[string]any{"tags": s.Sick}); n != 1 {
			t.Errorf("%d books tagged sick, want 1 (part 1 keeps its pivot row)", n)
		}
	}},

	// tests/EntityManager.mongo2.test.ts, "loadCount with m:n relationships" (removeAll on a
	// collection that was never loaded counts 0 afterwards), and tests/EntityManager.mysql.test.ts,
	// "many to many working with inverse side persistence" (tag.books.removeAll() on an
	// uninitialised inverse collection, flush, then the tag has no books).
	{"RemoveAllOnUninitialisedCollectionDeletesPivotRows", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		b.Collection("tags").RemoveAll()
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "BookTag", map[string]any{"books": s.Wall1}); n != 0 {
			t.Errorf("owning side: RemoveAll on the uninitialised tags of part 1 left %d pivot rows, want 0", n)
		}
		tag, err := m.FindOne(env.Ctx, "BookTag", s.Strange)
		must(t, err)
		tag.Collection("books").RemoveAll()
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"tags": s.Strange}); n != 0 {
			t.Errorf("inverse side: RemoveAll on the uninitialised books of a tag left %d pivot rows, want 0", n)
		}
		if n := count(t, env, "Book", nil); n != 4 {
			t.Errorf("%d books, want 4 (RemoveAll must not delete the items)", n)
		}
	}},

	// tests/issues/GHx4.test.ts, "unsetting the FK" and "orphan removal": Set on a collection
	// that was never loaded replaces all its items: on Publisher.books the old books lose
	// their publisher; on Author.books (orphanRemoval) they are deleted.
	{"SetOnUninitialisedCollectionReplacesItems", func(t *testing.T, env *Env) {
		s := seed(t, env)
		{
			m := env.ORM.Fork()
			pub, err := m.FindOne(env.Ctx, "Publisher", s.Publisher)
			must(t, err)
			nb := create(t, m, "Book", map[string]any{"title": "Published alone", "author": s.Sansa, "publisher": pub})
			pub.Collection("books").Set(nb)
			must(t, m.Flush(env.Ctx))
			if n := count(t, env, "Book", map[string]any{"publisher": s.Publisher}); n != 1 {
				t.Errorf("Publisher.books.Set(one book): the publisher has %d books in the database, want 1", n)
			}
			if n := count(t, env, "Book", nil); n != 5 {
				t.Errorf("%d books, want 5 (no orphan removal on Publisher.books)", n)
			}
		}
		{
			m := env.ORM.Fork()
			jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
			must(t, err)
			nb := create(t, m, "Book", map[string]any{"title": "The only one", "author": jon})
			jon.Collection("books").Set(nb)
			must(t, m.Flush(env.Ctx))
			if n := count(t, env, "Book", map[string]any{"author": s.Jon}); n != 1 {
				t.Errorf("Author.books.Set(one book): Jon has %d books in the database, want 1 (orphans removed)", n)
			}
		}
	}},

	// tests/EntityManager.mysql.test.ts, "adding items to not initialized collection": items
	// added to collections that were never loaded (1:m, owning m:n, inverse m:n) are written,
	// and loading the collection afterwards gives each item once.
	{"AddToUninitialisedCollections", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		create(t, m, "Book", map[string]any{"title": "Bible 2", "author": jon})
		b3 := create(t, m, "Book", map[string]any{"title": "Bible 3", "author": s.Sansa})
		jon.Collection("books").Add(b3)
		if jon.Collection("books").IsInitialized() {
			t.Error("Add initialised Jon's books")
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"author": s.Jon}); n != 5 {
			t.Errorf("Jon has %d books, want 5", n)
		}

		m2 := env.ORM.Fork()
		part3, err := m2.FindOne(env.Ctx, "Book", s.Wall3)
		must(t, err)
		part3.Collection("tags").Add(m2.GetReference("BookTag", s.Silly))
		part3.Collection("tags").Add(create(t, m2, "BookTag", map[string]any{"name": "fresh"}))
		strange, err := m2.FindOne(env.Ctx, "BookTag", s.Strange)
		must(t, err)
		winter, err := m2.FindOne(env.Ctx, "Book", s.WC)
		must(t, err)
		strange.Collection("books").Add(winter) // both sides uninitialised, inverse side
		must(t, m2.Flush(env.Ctx))
		if n := count(t, env, "BookTag", map[string]any{"books": s.Wall3}); n != 2 {
			t.Errorf("part 3 has %d tags, want 2", n)
		}
		if n := count(t, env, "Book", map[string]any{"tags": s.Strange}); n != 2 {
			t.Errorf("%d books tagged strange, want 2", n)
		}
		must(t, part3.Collection("tags").Init(env.Ctx))
		if n := part3.Collection("tags").Len(); n != 2 {
			t.Errorf("part 3's tags loaded after the flush: %d items, want 2", n)
		}
		must(t, jon.Collection("books").Init(env.Ctx))
		if n := jon.Collection("books").Len(); n != 5 {
			t.Errorf("Jon's books loaded after the flush: %d items, want 5", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "collection allows populate, custom where and orderBy"
	// (author.books.add(book) of a book that has another author): moving a book to another
	// author, through either collection or the m:1, with or without loaded collections, is
	// not an orphan removal.
	{"MoveBookBetweenAuthorsKeepsIt", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		sansa, err := m.FindOne(env.Ctx, "Author", s.Sansa, em.Populate("books"))
		must(t, err)
		b1, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		b2, err := m.FindOne(env.Ctx, "Book", s.Wall2)
		must(t, err)
		jon.Collection("books").Remove(b1) // out of one collection, then into the other
		sansa.Collection("books").Add(b1)
		sansa.Collection("books").Add(b2) // straight into the other
		if jon.Collection("books").Len() != 1 || sansa.Collection("books").Len() != 3 {
			t.Errorf("in memory: Jon %d books, Sansa %d, want 1 and 3", jon.Collection("books").Len(), sansa.Collection("books").Len())
		}
		must(t, m.Flush(env.Ctx))

		m2 := env.ORM.Fork()
		b3, err := m2.FindOne(env.Ctx, "Book", s.Wall3)
		must(t, err)
		must(t, b3.Set("author", s.Sansa)) // no collection loaded
		must(t, m2.Flush(env.Ctx))
		if n := count(t, env, "Book", nil); n != 4 {
			t.Errorf("%d books, want 4: a moved book was deleted as an orphan", n)
		}
		if n := count(t, env, "Book", map[string]any{"author": s.Sansa}); n != 4 {
			t.Errorf("Sansa has %d books, want 4", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "allow undefined value in nullable properties", and
	// tests/EntityManager.mongo2.test.ts, "required fields validation": a nullable m:1 (and
	// scalar) set to nil is written as NULL; the required Book.author set to nil fails the
	// flush (MikroORM: a validation or NOT NULL error) and is not an orphan removal, as no
	// collection was touched (docs/entity-manager.md: orphanRemoval deletes entities taken
	// out of a collection); the failed flush leaves the change pending, to be fixed.
	{"SettingManyToOneToNil", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b1, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, b1.Set("publisher", nil))
		must(t, b1.Set("pages", nil))
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"id": s.Wall1, "publisher": nil, "pages": nil}); n != 1 {
			t.Error("publisher and pages set to nil were not written as NULL")
		}
		b2, err := m.FindOne(env.Ctx, "Book", s.Wall2)
		must(t, err)
		must(t, b2.Set("author", nil))
		env.Reset()
		if err := m.Flush(env.Ctx); err == nil {
			t.Errorf("flush of a book without its required author succeeded: %q", queryTexts(env))
		}
		if n := count(t, env, "Book", map[string]any{"id": s.Wall2}); n != 1 {
			t.Fatal("the book whose author was set to nil was deleted")
		}
		must(t, b2.Set("author", s.Sansa))
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"author": s.Sansa}); n != 2 {
			t.Errorf("Sansa has %d books after the fix, want 2", n)
		}
	}},

	// tests/issues/GH4305.test.ts, "#4305" (UnitOfWork's DELETE_EARLY change sets): when a
	// removed entity and a new one share a unique value, MikroORM deletes first, so one flush
	// both removes and re-creates the value.
	{"RemoveAndInsertSameUniqueValueInOneFlush", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		silly, err := m.FindOne(env.Ctx, "BookTag", s.Silly)
		must(t, err)
		m.Remove(silly)
		create(t, m, "BookTag", map[string]any{"name": "silly"})
		if err := m.Flush(env.Ctx); err != nil {
			t.Fatalf("remove and re-create the unique tag name in one flush: %v", err)
		}
		if n := count(t, env, "BookTag", map[string]any{"name": "silly"}); n != 1 {
			t.Errorf("%d tags named silly, want 1", n)
		}
		if n := count(t, env, "BookTag", map[string]any{"id": s.Silly}); n != 0 {
			t.Error("the removed tag is still there")
		}
	}},

	// tests/issues/GH2973.test.ts, "GH issue 2973": in a transaction, find, remove and flush,
	// then create a row with the same unique value and flush, repeatedly, on one
	// EntityManager.
	{"RemoveThenCreateSameUniqueInTransaction", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		for i := 0; i < 3; i++ {
			for _, name := range []string{"john", "bob"} {
				err := m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
					found, err := tx.FindOne(ctx, "Author", map[string]any{"email": name + "@x.y"})
					switch {
					case err == nil:
						tx.Remove(found)
						if err := tx.Flush(ctx); err != nil {
							return err
						}
					case !errors.Is(err, em.ErrNotFound):
						return err
					}
					if _, err := tx.Create("Author", map[string]any{"name": fmt.Sprintf("%s %d", name, i), "email": name + "@x.y"}); err != nil {
						return err
					}
					return tx.Flush(ctx)
				})
				if err != nil {
					t.Fatalf("round %d, %s: %v", i, name, err)
				}
			}
		}
		if n := count(t, env, "Author", nil); n != 2 {
			t.Errorf("%d authors, want 2", n)
		}
		if n := count(t, env, "Author", map[string]any{"name": "bob 2"}); n != 1 {
			t.Error("the last round's author is missing")
		}
	}},

	// tests/issues/GH5753.test.ts, "refresh breaks UnitOfWork": inside a transaction, create,
	// flush, refresh, then FindOne by key returns the same pointer.
	{"RefreshInsideTransactionKeepsIdentity", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		rollback := errors.New("roll back, as the test does")
		var created *dynamic.Entity
		err := m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			created = create(t, tx, "Author", map[string]any{"name": "D", "email": "d@a.ch"})
			if err := tx.Flush(ctx); err != nil {
				return err
			}
			if err := tx.Refresh(ctx, created); err != nil {
				return err
			}
			again, err := tx.FindOne(ctx, "Author", created.ID())
			if err != nil {
				return err
			}
			if again != created {
				t.Error("FindOne after Refresh returned another pointer")
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("Transactional: %v", err)
		}
		if n := count(t, env, "Author", nil); n != 0 {
			t.Errorf("%d authors after the rollback, want 0", n)
		}
	}},

	// tests/issues/GH5753.test.ts (refresh and the identity map) and EntityManager.refresh,
	// which unsets the identity of an entity whose row is gone: Refresh of an entity deleted
	// by someone else fails with ErrNotFound, and the entity is no longer served from the
	// identity map (uow.Forget documents this case).
	{"RefreshOfDeletedRowForgetsTheEntity", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall3)
		must(t, err)
		other := env.ORM.Fork()
		ob, err := other.FindOne(env.Ctx, "Book", s.Wall3)
		must(t, err)
		other.Remove(ob)
		must(t, other.Flush(env.Ctx))
		if err := m.Refresh(env.Ctx, b); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("Refresh of a deleted row: %v, want ErrNotFound", err)
		}
		if _, err := m.FindOne(env.Ctx, "Book", s.Wall3); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("FindOne after Refresh found no row: %v, want ErrNotFound", err)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "should load entities" ("shift the god away, as that
	// entity is detached from IM" after em.clear()): after Clear, old entities are detached,
	// their changes are never flushed, and a find returns new entities.
	{"ClearDetachesLoadedEntities", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		must(t, jon.Set("name", "Changed before Clear"))
		nb := create(t, m, "Book", map[string]any{"title": "Created before Clear", "author": jon})
		m.Clear()
		if jon.Internal().State != dynamic.StateDetached || nb.Internal().State != dynamic.StateDetached {
			t.Errorf("after Clear: %v and %v, want detached", jon.Internal().State, nb.Internal().State)
		}
		must(t, jon.Set("age", 99))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after Clear")
		if err := m.Refresh(env.Ctx, jon); err == nil {
			t.Error("Refresh of a detached entity succeeded")
		}
		again, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		if again == jon || again.Get("name") != "Jon Snow" {
			t.Errorf("FindOne after Clear: same pointer %v, name %v", again == jon, again.Get("name"))
		}
		if n := count(t, env, "Book", nil); n != 4 {
			t.Errorf("%d books, want 4", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "findOne should initialize entity that is already in
	// IM": FindOne of a key held as a reference loads it into that same pointer.
	{"GetReferenceThenFindOneInitialisesIt", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		ref := m.GetReference("Author", s.Jon)
		env.Reset()
		a, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		expectQueries(t, env, 1, "FindOne of a reference")
		if a != ref || !ref.IsInitialized() || ref.Get("name") != "Jon Snow" {
			t.Errorf("FindOne of a reference: same %v, initialised %v, name %v", a == ref, ref.IsInitialized(), ref.Get("name"))
		}
		ref2 := m.GetReference("Author", s.Sansa)
		a2, err := m.FindOne(env.Ctx, "Author", map[string]any{"email": "sansa@winterfell.north"})
		must(t, err)
		if a2 != ref2 || !ref2.IsInitialized() {
			t.Error("FindOne by a filter did not fill the reference already in the identity map")
		}
	}},

	// tests/features/unit-of-work/GH4266.test.ts, "update triggered after insert (GH #4266)":
	// creating an entity that refers to a loaded one by key runs the INSERT and nothing else.
	{"CreateWithLoadedReferenceRunsOnlyTheInsert", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		a, err := m.FindOne(env.Ctx, "Author", map[string]any{"name": "Jon Snow"})
		must(t, err)
		env.Reset()
		create(t, m, "Book", map[string]any{"title": "b", "author": a.ID()})
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, env.Inserts(1, 1), "flush of one book of a loaded author")
		if n := env.CountKind("UPDATE"); n != 0 {
			t.Errorf("%d UPDATEs after an insert: %q", n, queryTexts(env))
		}
		if n := count(t, env, "Book", map[string]any{"author": s.Jon}); n != 4 {
			t.Errorf("Jon has %d books, want 4", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts and tests/EntityManager.postgre.test.ts, "self
	// referencing (1 step)": an author referring to itself, with three books, in one flush:
	// BEGIN, the author, the books, one UPDATE of the self-reference, COMMIT.
	{"SelfReferenceInOneFlushRunsOneUpdate", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a := create(t, m, "Author", map[string]any{"name": "name", "email": "email@x.y"})
		must(t, a.Set("mentor", a))
		for _, title := range []string{"b1", "b2", "b3"} {
			create(t, m, "Book", map[string]any{"title": title, "author": a})
		}
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 2+env.Inserts(1, 1)+env.Inserts(3, 1)+1, "self-reference and three books")
		if n := env.CountKind("UPDATE"); n != 1 {
			t.Errorf("%d UPDATEs, want 1", n)
		}
		f := env.ORM.Fork()
		fa, err := f.FindOne(env.Ctx, "Author", a.ID())
		must(t, err)
		if fa.Ref("mentor") != fa {
			t.Errorf("mentor %v, want the author itself", fa.Ref("mentor"))
		}
		if n := count(t, env, "Book", map[string]any{"author": a.ID()}); n != 3 {
			t.Errorf("%d books, want 3", n)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "batch update with changing OneToOne relation (GH
	// issue #1025)": one flush that clears a self-referencing relation on one row and sets it
	// on another writes both.
	{"BatchUpdateSettingAndClearingARelation", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		a1 := create(t, m, "Author", map[string]any{"name": "bar 1", "email": "bar1@x.y"})
		a2 := create(t, m, "Author", map[string]any{"name": "bar 2", "email": "bar2@x.y"})
		a3 := create(t, m, "Author", map[string]any{"name": "bar 3", "email": "bar3@x.y"})
		must(t, a1.Set("mentor", a2))
		must(t, m.Flush(env.Ctx))
		must(t, a1.Set("mentor", nil))
		must(t, a3.Set("mentor", a2))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		if env.CountKind("UPDATE") == 0 {
			t.Fatalf("no UPDATE: %q", queryTexts(env))
		}
		if n := count(t, env, "Author", map[string]any{"id": a1.ID(), "mentor": nil}); n != 1 {
			t.Error("a1's mentor was not cleared")
		}
		if n := count(t, env, "Author", map[string]any{"id": a3.ID(), "mentor": a2.ID()}); n != 1 {
			t.Error("a3's mentor was not set")
		}
		if a1.Get("version") != int64(2) || a3.Get("version") != int64(2) || a2.Get("version") != int64(1) {
			t.Errorf("versions %v %v %v, want 2 1 2", a1.Get("version"), a2.Get("version"), a3.Get("version"))
		}
	}},

	// tests/EntityManager.postgre.test.ts, "populate queries respect the root condition" (one
	// author for a condition matched by two of its books), and tests/EntityManager.mysql.test.ts,
	// "pagination": a condition on a collection selects and counts each entity once.
	{"CountWithCollectionFilterCountsDistinct", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		n, err := m.Count(env.Ctx, "Author", map[string]any{"books": map[string]any{"title": map[string]any{"$like": "My Life%"}}})
		must(t, err)
		if n != 1 {
			t.Errorf("Count of authors with a matching book: %d, want 1", n)
		}
		n, err = m.Count(env.Ctx, "BookTag", map[string]any{"books": map[string]any{"author": s.Jon}})
		must(t, err)
		if n != 3 {
			t.Errorf("Count of tags of Jon's books: %d, want 3 (sick is on two books)", n)
		}
		authors, err := m.Find(env.Ctx, "Author", map[string]any{"books": map[string]any{"pages": map[string]any{"$gt": 0}}})
		must(t, err)
		if len(authors) != 1 {
			t.Errorf("Find of authors with a book with pages: %d results, want 1", len(authors))
		}
		books, err := m.Find(env.Ctx, "Book", map[string]any{"tags": map[string]any{"$in": []any{s.Silly, s.Sick, s.Strange}}}, em.OrderBy("title", em.Asc))
		must(t, err)
		if diff := cmp.Diff([]string{p1, p2}, titles(books)); diff != "" {
			t.Errorf("books with one of three tags (-want +got):\n%s", diff)
		}
		page, total, err := m.FindAndCount(env.Ctx, "Author", map[string]any{"books": map[string]any{}}, em.Limit(1), em.OrderBy("name", em.Asc))
		must(t, err)
		if total != 2 || len(page) != 1 || page[0].Get("name") != "Jon Snow" {
			t.Errorf("FindAndCount of authors with books: %d of %d", len(page), total)
		}
	}},

	// tests/EntityManager.postgre.test.ts and tests/EntityManager.sqlite2.test.ts, "EM supports
	// smart search conditions" (id:in [] finds nothing, id:nin [] finds everything): an empty
	// $in matches nothing and an empty $nin everything, also inside $or and $not, on relations
	// and collections (docs/filters.md says the same).
	{"InWithEmptyList", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		cases := []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"$in []", map[string]any{"pages": map[string]any{"$in": []any{}}}, nil},
			{"empty slice", map[string]any{"pages": []int{}}, nil},
			{"$in [] on a m:1", map[string]any{"author": map[string]any{"$in": []any{}}}, nil},
			{"$in [] on a m:n", map[string]any{"tags": map[string]any{"$in": []any{}}}, nil},
			{"$nin [] on a nullable column", map[string]any{"pages": map[string]any{"$nin": []any{}}}, []string{p1, p2, p3, wc}},
			{"$in [] in $or", map[string]any{"$or": []any{map[string]any{"pages": map[string]any{"$in": []any{}}}, map[string]any{"title": wc}}}, []string{wc}},
			{"$not of $in []", map[string]any{"$not": map[string]any{"pages": map[string]any{"$in": []any{}}}}, []string{p1, p2, p3, wc}},
			{"$in [] in $and", map[string]any{"$and": []any{map[string]any{"pages": map[string]any{"$in": []any{}}}, map[string]any{"title": wc}}}, nil},
		}
		for _, c := range cases {
			got, err := m.Find(env.Ctx, "Book", c.filter)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if diff := cmp.Diff(c.want, titles(got), cmpEmpty); diff != "" {
				t.Errorf("%s: %v (-want +got):\n%s", c.name, c.filter, diff)
			}
		}
		if _, err := m.FindOne(env.Ctx, "Author", map[string]any{"id": map[string]any{"$in": []any{}}}); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("FindOne with id $in []: %v, want ErrNotFound", err)
		}
		if n, err := m.Count(env.Ctx, "Author", map[string]any{"id": map[string]any{"$nin": []any{}}}); err != nil || n != 2 {
			t.Errorf("Count with id $nin []: %d, %v, want 2", n, err)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "find where property is not null ($ne operator)":
	// {publisher: {$ne: null}} finds the books that have a publisher, as do $exists and $not.
	{"NeNullOnRelation", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		for _, f := range []map[string]any{
			{"publisher": map[string]any{"$ne": nil}},
			{"publisher": map[string]any{"$exists": true}},
			{"$not": map[string]any{"publisher": nil}},
		} {
			got, err := m.Find(env.Ctx, "Book", f)
			if err != nil {
				t.Errorf("%v: %v", f, err)
				continue
			}
			if diff := cmp.Diff([]string{p1, p2}, titles(got)); diff != "" {
				t.Errorf("%v (-want +got):\n%s", f, diff)
			}
			for _, b := range got {
				if p := b.Ref("publisher"); p == nil || p.IsInitialized() {
					t.Errorf("%v: publisher %v, want an uninitialised reference", f, p)
				}
			}
		}
	}},

	// tests/EntityManager.mysql.test.ts and tests/EntityManager.postgre.test.ts, "find by joined
	// property" ({author: {favouriteBook: {author: {name}}}}, {author: {favouriteBook: book3}},
	// $or inside a relation): nested relation filters with $and, $or and $not.
	{"NestedRelationFilters", func(t *testing.T, env *Env) {
		s := seed(t, env)
		{
			f := env.ORM.Fork()
			jon, err := f.FindOne(env.Ctx, "Author", s.Jon)
			must(t, err)
			must(t, jon.Set("favouriteBook", s.Wall3))
			sansa, err := f.FindOne(env.Ctx, "Author", s.Sansa)
			must(t, err)
			must(t, sansa.Set("mentor", jon))
			must(t, f.Flush(env.Ctx))
		}
		m := env.ORM.Fork()
		books := []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"two levels", map[string]any{"author": map[string]any{"favouriteBook": map[string]any{"author": map[string]any{"name": "Jon Snow"}}}}, []string{p1, p2, p3}},
			{"entity key one level down", map[string]any{"author": map[string]any{"favouriteBook": s.Wall3}}, []string{p1, p2, p3}},
			{"$or inside a relation", map[string]any{"author": map[string]any{"favouriteBook": map[string]any{"$or": []any{map[string]any{"author": map[string]any{"name": "Jon Snow"}}}}}}, []string{p1, p2, p3}},
			{"$and of $or", map[string]any{"$and": []any{
				map[string]any{"$or": []any{map[string]any{"pages": 100}, map[string]any{"pages": 300}}},
				map[string]any{"$or": []any{map[string]any{"status": "published"}, map[string]any{"price": nil}}},
			}}, []string{p1, p3}},
			{"$or of relation and $and with $not", map[string]any{"$or": []any{
				map[string]any{"author": map[string]any{"mentor": map[string]any{"name": "Jon Snow"}}},
				map[string]any{"$and": []any{map[string]any{"pages": map[string]any{"$gte": 200}}, map[string]any{"$not": map[string]any{"pages": 300}}}},
			}}, []string{p2, wc}},
			{"$or on the target's properties", map[string]any{"author": map[string]any{"$or": []any{map[string]any{"name": "Sansa Stark"}, map[string]any{"age": map[string]any{"$gt": 25}}}}}, []string{p1, p2, p3, wc}},
			{"$not of a nested relation", map[string]any{"$not": map[string]any{"author": map[string]any{"mentor": map[string]any{"name": "Jon Snow"}}}}, []string{p1, p2, p3}},
		}
		for _, c := range books {
			got, err := m.Find(env.Ctx, "Book", c.filter)
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if diff := cmp.Diff(c.want, titles(got), cmpEmpty); diff != "" {
				t.Errorf("%s: %v (-want +got):\n%s", c.name, c.filter, diff)
			}
		}
		names := func(es []*dynamic.Entity) []string {
			out := make([]string, len(es))
			for i, e := range es {
				out[i], _ = e.Get("name").(string)
			}
			return out
		}
		authors, err := m.Find(env.Ctx, "Author", map[string]any{"books": map[string]any{"$or": []any{map[string]any{"pages": 300}, map[string]any{"title": wc}}}}, em.OrderBy("name", em.Asc))
		must(t, err)
		if diff := cmp.Diff([]string{"Jon Snow", "Sansa Stark"}, names(authors)); diff != "" {
			t.Errorf("$or inside a collection (-want +got):\n%s", diff)
		}
		authors, err = m.Find(env.Ctx, "Author", map[string]any{"$not": map[string]any{"books": map[string]any{"tags": map[string]any{"name": "silly"}}}})
		must(t, err)
		if diff := cmp.Diff([]string{"Sansa Stark"}, names(authors)); diff != "" {
			t.Errorf("$not of a collection two levels deep (-want +got):\n%s", diff)
		}
	}},

	// tests/EntityManager.mysql.test.ts, "populate passes nested where and orderBy" (ordering
	// by a relation): dorm orders by a relation's key column; a path into the related entity
	// is not an OrderBy property in dorm (docs/entity-manager.md: an unknown OrderBy property
	// is an error naming it), so it fails before any query.
	{"OrderByRelationKey", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		books, err := m.Find(env.Ctx, "Book", nil, em.OrderBy("author", em.Asc), em.OrderBy("title", em.Desc))
		must(t, err)
		got := make([]string, len(books))
		for i, b := range books {
			got[i], _ = b.Get("title").(string)
		}
		if diff := cmp.Diff([]string{p3, p2, p1, wc}, got); diff != "" {
			t.Errorf("order by author then title desc (-want +got):\n%s", diff)
		}
		env.Reset()
		for _, prop := range []string{"author.name", "books"} {
			if _, err := m.Find(env.Ctx, "Author", nil, em.OrderBy(prop, em.Asc)); err == nil {
				t.Errorf("OrderBy(%q) was accepted", prop)
			}
		}
		expectQueries(t, env, 0, "refused OrderBy")
	}},

	// tests/EntityManager.mysql.test.ts, "many to many relation" (findAll with populate of an
	// already loaded collection returns the same collection), and docs/entity-manager.md
	// (already initialised relations are skipped): populate of loaded paths runs no query,
	// and a populate of a partly loaded level queries only the rest, once.
	{"PopulateOfLoadedPathRunsNoQuery", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("author", "tags", "publisher"))
		must(t, err)
		tags := b.Collection("tags")
		env.Reset()
		again, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("author", "tags", "publisher"))
		must(t, err)
		expectQueries(t, env, 0, "FindOne with populate of loaded paths")
		if again != b || again.Collection("tags") != tags {
			t.Error("the loaded book or its collection changed")
		}
		env.Reset()
		books, err := m.Find(env.Ctx, "Book", map[string]any{"author": s.Jon}, em.Populate("author", "tags"))
		must(t, err)
		// The find, then the tags of parts 2 and 3 only; the author is loaded.
		expectQueries(t, env, 2, "Find with populate of partly loaded paths")
		env.Reset()
		must(t, m.Populate(env.Ctx, books, "author.books"))
		expectQueries(t, env, 1, "populate of author.books")
		env.Reset()
		must(t, m.Populate(env.Ctx, books, "author.books", "tags", "publisher"))
		expectQueries(t, env, 0, "populate again of loaded paths (part 3 has no publisher)")
	}},

	// tests/EntityManager.mysql.test.ts, "GH 625": FindOne by key and another condition is not
	// answered from the identity map; it queries and respects the condition.
	{"FindOneByKeyAndConditionQueries", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		a, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		env.Reset()
		if _, err := m.FindOne(env.Ctx, "Author", map[string]any{"id": s.Jon, "termsAccepted": true}); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("FindOne by key and a false condition: %v, want ErrNotFound", err)
		}
		if env.CountKind("SELECT") != 1 {
			t.Errorf("FindOne by key and a condition must query: %q", queryTexts(env))
		}
		a2, err := m.FindOne(env.Ctx, "Author", map[string]any{"id": s.Jon, "termsAccepted": false})
		must(t, err)
		if a2 != a {
			t.Error("FindOne by key and a true condition returned another pointer")
		}
	}},
}

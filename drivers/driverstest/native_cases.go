package driverstest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

// bookValues reads prop of every book from a fresh fork, by title.
func bookValues(t *testing.T, env *Env, prop string) map[string]any {
	t.Helper()
	books, err := env.ORM.Fork().Find(env.Ctx, "Book", nil)
	must(t, err)
	out := map[string]any{}
	for _, b := range books {
		v := b.Get(prop)
		if r, ok := v.(*dynamic.Entity); ok {
			v = nil // Get gives a to-one as *Entity, nil included
			if r != nil {
				v = r.ID()
			}
		}
		out[b.Get("title").(string)] = v
	}
	return out
}

// nativeCases are MikroORM's em.nativeUpdate and em.nativeDelete (tests/EntityManager.*.test.ts
// use them throughout, nativeDelete to clean up between tests): one statement for every
// matching row, nothing loaded, the identity map left alone.
var nativeCases = []Case{
	{"NativeUpdateByFilter", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		part2, err := m.FindOne(env.Ctx, "Book", s.Wall2)
		must(t, err)
		before := bookValues(t, env, "updatedAt")
		env.Reset()
		n, err := m.NativeUpdate(env.Ctx, "Book", map[string]any{"author": s.Jon, "pages": map[string]any{"$gte": 200}},
			map[string]any{"price": "5.00", "status": "published"})
		must(t, err)
		if n != 2 {
			t.Errorf("NativeUpdate matched %d books, want 2 (parts 2 and 3)", n)
		}
		expectQueries(t, env, 1, "a native update")
		if diff := cmp.Diff(map[string]any{p1: "9.99", p2: "5.00", p3: "5.00", wc: nil}, bookValues(t, env, "price")); diff != "" {
			t.Errorf("prices after the update (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(map[string]any{p1: "published", p2: "published", p3: "published", wc: "draft"}, bookValues(t, env, "status")); diff != "" {
			t.Errorf("statuses after the update (-want +got):\n%s", diff)
		}
		after := bookValues(t, env, "updatedAt")
		for _, title := range []string{p2, p3} {
			if !after[title].(time.Time).After(before[title].(time.Time)) {
				t.Errorf("%s: updatedAt %v, want later than %v (onUpdate: now)", title, after[title], before[title])
			}
		}
		if !after[p1].(time.Time).Equal(before[p1].(time.Time)) {
			t.Errorf("%s was not matched, yet its updatedAt moved: %v → %v", p1, before[p1], after[p1])
		}
		// The unit of work is bypassed: the managed entity keeps what it held, until Refresh.
		if got := part2.Get("price"); got != "19.50" {
			t.Errorf("the managed part 2 holds price %v after a native update, want the loaded 19.50", got)
		}
		must(t, m.Refresh(env.Ctx, part2))
		if got := part2.Get("price"); got != "5.00" {
			t.Errorf("after Refresh part 2 holds price %v, want 5.00", got)
		}
	}},
	{"NativeUpdateBumpsTheVersion", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		n, err := env.ORM.Fork().NativeUpdate(env.Ctx, "Author", map[string]any{"email": "snow@wall.st"}, map[string]any{"age": 31})
		must(t, err)
		if n != 1 {
			t.Fatalf("NativeUpdate matched %d authors, want 1", n)
		}
		// Jon was loaded at version 1; the native update made it 2, so this write is stale.
		must(t, jon.Set("name", "Jon the Stale"))
		if err := m.Flush(env.Ctx); !errors.Is(err, em.ErrOptimisticLock) {
			t.Fatalf("flush of an author loaded before a native update: %v, want ErrOptimisticLock", err)
		}
		got, err := env.ORM.Fork().FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		if got.Get("version") != int64(2) || got.Get("age") != int64(31) || got.Get("name") != "Jon Snow" {
			t.Errorf("stored author: version %v age %v name %v, want 2, 31, Jon Snow", got.Get("version"), got.Get("age"), got.Get("name"))
		}
	}},
	{"NativeUpdateThroughRelations", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		// A to-one set by key and by entity; filters through m:1, m:n and the table itself.
		n, err := m.NativeUpdate(env.Ctx, "Book", map[string]any{"author": map[string]any{"name": "Sansa Stark"}},
			map[string]any{"publisher": s.Publisher})
		must(t, err)
		if n != 1 {
			t.Errorf("books of Sansa: matched %d, want 1", n)
		}
		pub, err := m.FindOne(env.Ctx, "Publisher", s.Publisher)
		must(t, err)
		n, err = m.NativeUpdate(env.Ctx, "Book", map[string]any{"tags": map[string]any{"name": "sick"}},
			map[string]any{"description": "sick", "publisher": nil})
		must(t, err)
		if n != 2 {
			t.Errorf("books tagged sick: matched %d, want 2", n)
		}
		if diff := cmp.Diff(map[string]any{p1: nil, p2: nil, p3: nil, wc: s.Publisher}, bookValues(t, env, "publisher")); diff != "" {
			t.Errorf("publishers (-want +got):\n%s", diff)
		}
		if _, err := m.NativeUpdate(env.Ctx, "Book", []any{s.Wall3}, map[string]any{"publisher": pub}); err != nil {
			t.Fatal(err)
		}
		if got := bookValues(t, env, "publisher")[p3]; got != s.Publisher {
			t.Errorf("part 3's publisher set by entity: %v, want %v", got, s.Publisher)
		}
		// The written table read again in the filter (MySQL reads it through a derived table).
		_, err = m.NativeUpdate(env.Ctx, "Author", s.Sansa, map[string]any{"mentor": s.Jon})
		must(t, err)
		n, err = m.NativeUpdate(env.Ctx, "Author", map[string]any{"mentor": map[string]any{"name": "Jon Snow"}}, map[string]any{"age": 21})
		must(t, err)
		if n != 1 || count(t, env, "Author", map[string]any{"age": 21}) != 1 {
			t.Errorf("authors mentored by Jon: matched %d, want 1 (Sansa, now 21)", n)
		}
	}},
	{"NativeUpdateBadInput", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		for _, c := range []struct {
			filter any
			data   map[string]any
			want   string
		}{
			{nil, map[string]any{"nope": 1}, `no property "nope"`},
			{nil, map[string]any{"tags": nil}, "Book.tags"},
			{nil, map[string]any{"id": "x"}, "primary key"},
			{nil, map[string]any{"title": nil}, "Book.title"},
			{nil, map[string]any{"pages": "many"}, "Book.pages"},
			{nil, map[string]any{"status": "lost"}, "Book.status"},
			{nil, map[string]any{"author": "not a key"}, "Book.author"},
			{nil, map[string]any{}, "no values"},
			{map[string]any{"nope": 1}, map[string]any{"title": "x"}, "nope"},
		} {
			env.Reset()
			_, err := m.NativeUpdate(env.Ctx, "Book", c.filter, c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("NativeUpdate(%v, %v): %v, want an error naming %q", c.filter, c.data, err, c.want)
			}
			expectQueries(t, env, 0, "a refused native update")
		}
		var te *schema.TypeError
		if _, err := m.NativeUpdate(env.Ctx, "Book", nil, map[string]any{"pages": "many"}); !errors.As(err, &te) {
			t.Errorf("a value of the wrong type: %T %v, want a *schema.TypeError", err, err)
		}
		if diff := cmp.Diff(map[string]any{p1: "published", p2: "draft", p3: "draft", wc: "draft"}, bookValues(t, env, "status")); diff != "" {
			t.Errorf("statuses after refused updates (-want +got):\n%s", diff)
		}
		if n := count(t, env, "Book", map[string]any{"title": "x"}); n != 0 {
			t.Errorf("%d books titled x after refused updates", n)
		}
	}},
	{"NativeDeleteByFilter", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		n, err := m.NativeDelete(env.Ctx, "Book", map[string]any{"title": map[string]any{"$like": "My Life%"}, "pages": map[string]any{"$lt": 300}})
		must(t, err)
		if n != 2 {
			t.Errorf("NativeDelete matched %d books, want 2", n)
		}
		expectQueries(t, env, 1, "a native delete")
		if diff := cmp.Diff(map[string]any{p3: s.Jon, wc: s.Sansa}, bookValues(t, env, "author")); diff != "" {
			t.Errorf("books left (-want +got):\n%s", diff)
		}
		// The pivot rows of the deleted books went with them (ON DELETE CASCADE).
		if n := count(t, env, "BookTag", map[string]any{"books": map[string]any{"title": map[string]any{"$ne": nil}}}); n != 0 {
			t.Errorf("%d tags still tagged after their books were deleted", n)
		}
		// ON DELETE SET NULL: the books of a deleted publisher keep no key.
		if _, err := m.NativeUpdate(env.Ctx, "Book", s.WC, map[string]any{"publisher": s.Publisher}); err != nil {
			t.Fatal(err)
		}
		if n, err := m.NativeDelete(env.Ctx, "Publisher", s.Publisher); err != nil || n != 1 {
			t.Fatalf("delete of the publisher: %d, %v", n, err)
		}
		if got := bookValues(t, env, "publisher")[wc]; got != nil {
			t.Errorf("Winter is Coming's publisher after the publisher was deleted: %v, want nil", got)
		}
		// Every row.
		if n, err := m.NativeDelete(env.Ctx, "BookTag", nil); err != nil || n != 3 {
			t.Errorf("delete of every tag: %d, %v, want 3", n, err)
		}
	}},
	{"NativeDeleteRestrictedFailsWhole", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		// Sansa's book refers to her with no ON DELETE rule: the delete fails, and deletes
		// nobody, Jon included.
		_, err := m.NativeDelete(env.Ctx, "Author", map[string]any{"name": map[string]any{"$in": []any{"Jon Snow", "Sansa Stark"}}})
		var ce *drivers.ConstraintError
		if !errors.As(err, &ce) || ce.Kind != drivers.ForeignKey {
			t.Fatalf("delete of authors with books: %v, want a foreign key ConstraintError", err)
		}
		if n := count(t, env, "Author", nil); n != 2 {
			t.Errorf("%d authors after the failed delete, want 2", n)
		}
	}},
	{"NativeDeleteInTransactionRollsBack", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		boom := errors.New("boom")
		err := m.Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
			n, err := tx.NativeDelete(ctx, "Book", map[string]any{"author": map[string]any{"name": "Jon Snow"}})
			if err != nil {
				return err
			}
			if n != 3 {
				t.Errorf("Jon's books: matched %d, want 3", n)
			}
			if n, err := tx.Count(ctx, "Book", nil); err != nil || n != 1 {
				t.Errorf("inside the transaction %d books (%v), want 1", n, err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Transactional: %v, want boom", err)
		}
		if n := count(t, env, "Book", nil); n != 4 {
			t.Errorf("%d books after the rollback, want 4", n)
		}
	}},
}

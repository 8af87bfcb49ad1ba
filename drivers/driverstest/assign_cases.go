package driverstest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

// tagNames returns the sorted names of the loaded tags of book.
func tagNames(book *dynamic.Entity) []string {
	var names []string
	for tag := range book.Collection("tags").All() {
		names = append(names, tag.Get("name").(string))
	}
	return slices.Sorted(slices.Values(names))
}

// assignCases are MikroORM's em.assign (tests/EntityAssigner.mysql.test.ts and
// tests/features/entity-assigner/): values converted as Set converts them, collections
// replaced, nested maps updating the entities that exist, nothing changed on bad input.
var assignCases = []Case{
	// "assign() should update entity values" and "assign() should fix property types".
	{"AssignScalarsAndReference", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		book, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		sansa, err := m.FindOne(env.Ctx, "Author", s.Sansa)
		must(t, err)
		env.Reset()
		must(t, m.Assign(book, map[string]any{"title": "Better Book", "author": sansa, "pages": 150, "createdAt": "2017-03-04T05:06:07Z"}))
		expectQueries(t, env, 0, "Assign")
		if got := book.Get("createdAt"); !got.(time.Time).Equal(time.Date(2017, 3, 4, 5, 6, 7, 0, time.UTC)) {
			t.Errorf("createdAt from RFC 3339 text: %v", got)
		}
		must(t, m.Flush(env.Ctx))
		got, err := env.ORM.Fork().FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if got.Get("title") != "Better Book" || got.Get("pages") != int64(150) || got.Get("author").(*dynamic.Entity).ID() != s.Sansa {
			t.Errorf("stored book: %v, %v pages, author %v", got.Get("title"), got.Get("pages"), got.Get("author").(*dynamic.Entity).ID())
		}
		// The inverse side follows: the book moved from Jon's books to Sansa's.
		if !sansa.Collection("books").Contains(book) {
			t.Errorf("Sansa's loaded books do not contain the book assigned to her")
		}
	}},
	// "assign() should update entity collection".
	{"AssignReplacesCollection", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		book, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, m.Populate(env.Ctx, []*dynamic.Entity{book}, "tags"))
		strange, err := m.FindOne(env.Ctx, "BookTag", s.Strange)
		must(t, err)
		must(t, m.Assign(book, map[string]any{"tags": []any{strange, s.Silly, map[string]any{"name": "new tag"}}}))
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		got, err := f.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		must(t, f.Populate(env.Ctx, []*dynamic.Entity{got}, "tags"))
		if diff := cmp.Diff([]string{"new tag", "silly", "strange"}, tagNames(got)); diff != "" {
			t.Errorf("tags after Assign (-want +got):\n%s", diff)
		}
	}},
	// "assign() should update m:1 and m:n nested entities" (updateNestedEntities): a map
	// without a key goes to the entity referred to; one with a key to that entity.
	{"AssignNestedUpdatesExisting", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		book, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("author"))
		must(t, err)
		jon := book.Get("author").(*dynamic.Entity)
		must(t, m.Assign(book, map[string]any{"author": map[string]any{"name": "Jon Snow II"}}))
		if book.Get("author") != jon || jon.Get("name") != "Jon Snow II" {
			t.Errorf("a map without a key: author %v named %v, want Jon renamed", book.Get("author"), jon.Get("name"))
		}
		must(t, m.Assign(book, map[string]any{"publisher": map[string]any{"id": s.Publisher, "name": "Renamed Publishing"}}))
		must(t, m.Assign(book, map[string]any{"tags": []any{map[string]any{"id": s.Sick, "name": "very sick"}}}))
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Author", map[string]any{"name": "Jon Snow II"}); n != 1 {
			t.Errorf("%d authors named Jon Snow II, want 1", n)
		}
		if n := count(t, env, "Author", nil); n != 2 {
			t.Errorf("%d authors, want 2: the nested map updated Jon, it made no one new", n)
		}
		if n := count(t, env, "Publisher", map[string]any{"name": "Renamed Publishing"}); n != 1 {
			t.Errorf("%d publishers renamed through the book, want 1", n)
		}
		if n := count(t, env, "BookTag", map[string]any{"name": "very sick"}); n != 1 {
			t.Errorf("%d tags renamed through the book, want 1", n)
		}
		if n := count(t, env, "BookTag", nil); n != 3 {
			t.Errorf("%d tags, want 3", n)
		}
	}},
	// An item that a Set before the load keeps, or an Add before Init, is stored already: the
	// flush writes no pivot row for it (it used to insert a duplicate).
	{"SetUninitialisedCollectionKeepsStoredItems", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		book, err := m.FindOne(env.Ctx, "Book", s.Wall1) // tags silly and sick, not loaded
		must(t, err)
		book.Collection("tags").Set(m.GetReference("BookTag", s.Sick), m.GetReference("BookTag", s.Strange))
		env.Reset()
		must(t, m.Flush(env.Ctx))
		if n := env.CountKind("INSERT"); n != 1 {
			t.Errorf("%d INSERTs, want 1 (the pivot row of strange)", n)
		}
		other, err := m.FindOne(env.Ctx, "Book", s.Wall2) // sick and strange
		must(t, err)
		tags := other.Collection("tags")
		tags.Add(m.GetReference("BookTag", s.Sick))
		must(t, tags.Init(env.Ctx))
		if added, _ := tags.Changes(); len(added) != 0 {
			t.Errorf("after Init, %d additions pending for an item that was stored, want 0", len(added))
		}
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		for key, want := range map[any][]string{s.Wall1: {"sick", "strange"}, s.Wall2: {"sick", "strange"}} {
			b, err := f.FindOne(env.Ctx, "Book", key, em.Populate("tags"))
			must(t, err)
			if diff := cmp.Diff(want, tagNames(b)); diff != "" {
				t.Errorf("%v tags (-want +got):\n%s", b.Get("title"), diff)
			}
		}
	}},
	{"AssignBadInputChangesNothing", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		book, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("author"))
		must(t, err)
		jon := book.Get("author").(*dynamic.Entity)
		err = m.Assign(book, map[string]any{"title": "Changed", "pages": "many", "nope": 1,
			"author": map[string]any{"name": "Changed", "age": "old"}, "id": "00000000-0000-4000-8000-000000000000"})
		for _, want := range []string{"Book.pages", `"nope"`, "Author.age", "primary key"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("Assign with bad values: %v, want an error naming %s", err, want)
			}
		}
		var te *schema.TypeError
		if !errors.As(err, &te) {
			t.Errorf("Assign with a bad value: %T, want a *schema.TypeError among the errors", err)
		}
		if book.Get("title") != p1 || jon.Get("name") != "Jon Snow" || m.UnitOfWork().HasChanges() {
			t.Errorf("after a refused Assign: title %v, author %v, changes pending %v; want nothing changed",
				book.Get("title"), jon.Get("name"), m.UnitOfWork().HasChanges())
		}
	}},
}

package driverstest

import (
	"testing"

	"github.com/dorm-go/dorm/em"
)

var createCases = []Case{
	// A Create that fails leaves nothing behind: not in the collection of the author it
	// names, not inserted by the next flush (found by trying dorm on hand-written schemas).
	{"FailedCreateLeavesNoTrace", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		sansa := m.GetReference("Author", s.Sansa) // its books are not loaded
		before := jon.Collection("books").Len()
		if _, err := m.Create("Book", map[string]any{"title": 42, "author": jon}); err == nil {
			t.Fatal("a book with a numeric title was created")
		}
		if _, err := m.Create("Book", map[string]any{"title": "Fine", "author": sansa, "pages": "many"}); err == nil {
			t.Fatal("a book with pages \"many\" was created")
		}
		// A nested entity that is wrong fails the whole Create, before any relation is set.
		if _, err := m.Create("Author", map[string]any{"name": "Ned", "email": "ned@winterfell.north",
			"books": []map[string]any{{"title": "Fine", "author": jon}, {"title": 7}}}); err == nil {
			t.Fatal("an author with a wrong nested book was created")
		}
		if n := jon.Collection("books").Len(); n != before {
			t.Errorf("Jon's loaded books: %d after the failed creates, want %d", n, before)
		}
		env.Reset()
		must(t, m.Flush(env.Ctx))
		expectQueries(t, env, 0, "flush after failed creates only")
		if n := count(t, env, "Book", nil); n != 4 {
			t.Errorf("%d books, want the 4 of the seed", n)
		}
	}},
}

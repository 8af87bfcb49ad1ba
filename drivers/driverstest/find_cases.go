package driverstest

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// findCases are ways of finding that MikroORM's EntityManager offers: ordering by properties
// of related entities, as orderBy: { author: { name: 'asc' } } (tests/EntityManager.mysql.test.ts,
// "findAll with populate and ordering by a relation's property"), which dorm names with a
// path of to-one relations, "author.name"; and a list of primary keys as the filter, as
// em.find(Author, [1, 2, 3]) (tests/EntityManager.sqlite2.test.ts, "find by array of PKs").
var findCases = []Case{
	{"OrderByPropertiesOfRelatedEntities", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		// Three authors, each the mentor of another: Anna <- Bob <- Cid <- Anna.
		anna := create(t, m, "Author", map[string]any{"name": "Anna", "email": "anna@x"})
		bob := create(t, m, "Author", map[string]any{"name": "Bob", "email": "bob@x", "mentor": anna})
		cid := create(t, m, "Author", map[string]any{"name": "Cid", "email": "cid@x", "mentor": bob})
		must(t, anna.Set("mentor", cid))
		for _, b := range []struct {
			title  string
			author *dynamic.Entity
		}{{"a1", anna}, {"b1", bob}, {"c1", cid}, {"a2", anna}} {
			create(t, m, "Book", map[string]any{"title": b.title, "author": b.author})
		}
		must(t, m.Flush(env.Ctx))
		titles := func(opts ...em.FindOption) []string {
			t.Helper()
			books, err := env.ORM.Fork().Find(env.Ctx, "Book", nil, opts...)
			must(t, err)
			out := make([]string, len(books))
			for i, b := range books {
				out[i], _ = b.Get("title").(string)
			}
			return out
		}
		check := func(what string, want []string, opts ...em.FindOption) {
			t.Helper()
			env.Reset()
			if diff := cmp.Diff(want, titles(opts...)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", what, diff)
			}
			expectQueries(t, env, 1, what)
		}
		check("author.name desc, title", []string{"c1", "b1", "a1", "a2"},
			em.OrderBy("author.name", em.Desc), em.OrderBy("title", em.Asc))
		// Mentors: Anna's is Cid, Bob's is Anna, Cid's is Bob.
		check("author.mentor.name, title desc", []string{"b1", "c1", "a2", "a1"},
			em.OrderBy("author.mentor.name", em.Asc), em.OrderBy("title", em.Desc))
		check("two levels, with limit and offset", []string{"c1", "a2"},
			em.OrderBy("author.mentor.name", em.Asc), em.OrderBy("title", em.Desc), em.Limit(2), em.Offset(1))

		// FindOne and FindAndCount take the same orders; a filter on the relation too.
		env.Reset()
		first, err := env.ORM.Fork().FindOne(env.Ctx, "Book", map[string]any{"author": map[string]any{"name": map[string]any{"$ne": "Cid"}}},
			em.OrderBy("author.name", em.Desc))
		must(t, err)
		if first.Get("title") != "b1" {
			t.Errorf("FindOne ordered by author.name desc: %v, want b1", first.Get("title"))
		}
		expectQueries(t, env, 1, "FindOne ordered by author.name")
		books, n, err := env.ORM.Fork().FindAndCount(env.Ctx, "Book", nil, em.OrderBy("author.email", em.Asc), em.OrderBy("title", em.Asc), em.Limit(3))
		must(t, err)
		if n != 4 || len(books) != 3 || books[0].Get("title") != "a1" || books[2].Get("title") != "b1" {
			t.Errorf("FindAndCount ordered by author.email: %d, %v", n, books)
		}

		// A lock takes the rows of the entity found, ordered through their relations.
		if env.ORM.Driver().Capabilities().Locking {
			must(t, env.ORM.Fork().Transactional(env.Ctx, func(ctx context.Context, tx *em.EntityManager) error {
				b, err := tx.FindOne(ctx, "Book", nil, em.OrderBy("author.mentor.name", em.Desc), em.OrderBy("title", em.Asc), em.Lock(em.LockForUpdate))
				if err == nil && b.Get("title") != "a1" {
					t.Errorf("locked FindOne ordered by author.mentor.name desc: %v, want a1", b.Get("title"))
				}
				return err
			}))
		}

		// Every wrong path is refused before any query, naming the step that is wrong.
		env.Reset()
		for prop, want := range map[string]string{
			"author.nope":        `Author has no property "nope"`,
			"writer.name":        `Book has no property "writer"`,
			"tags.name":          "Book.tags is a m:n relation",
			"author.books.title": "Author.books is a 1:m relation",
			"title.length":       "Book.title is not a relation",
		} {
			_, err := env.ORM.Fork().Find(env.Ctx, "Book", nil, em.OrderBy(prop, em.Asc))
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("OrderBy(%q): %v, want an error containing %q", prop, err, want)
			}
		}
		expectQueries(t, env, 0, "refused orders")
	}},

	{"FindByListOfPrimaryKeys", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		names := func(es []*dynamic.Entity) []string {
			out := make([]string, len(es))
			for i, e := range es {
				out[i], _ = e.Get("name").(string)
			}
			return out
		}
		env.Reset()
		authors, err := m.Find(env.Ctx, "Author", []any{s.Jon, s.Sansa}, em.OrderBy("name", em.Asc))
		must(t, err)
		expectQueries(t, env, 1, "Find by a list of keys")
		if diff := cmp.Diff([]string{"Jon Snow", "Sansa Stark"}, names(authors)); diff != "" {
			t.Errorf("Find by [jon, sansa] (-want +got):\n%s", diff)
		}
		// A typed slice, keys of another Go type (converted as a single key is), entities.
		jonKey, _ := s.Jon.(int64)
		authors, err = m.Find(env.Ctx, "Author", []int{int(jonKey)})
		must(t, err)
		if len(authors) != 1 || authors[0].ID() != s.Jon {
			t.Errorf("Find by []int{jon}: %v", names(authors))
		}
		if n, err := m.Count(env.Ctx, "Book", []any{s.Wall1, s.WC, s.Wall1}); err != nil || n != 2 {
			t.Errorf("Count of books by [wall1, wc, wall1]: %d, %v; want 2", n, err)
		}
		if authors, err := m.Find(env.Ctx, "Author", []any{}); err != nil || len(authors) != 0 {
			t.Errorf("Find by an empty list: %v, %v; want none", names(authors), err)
		}
		env.Reset()
		if _, err := m.Find(env.Ctx, "Author", []any{s.Jon, "not a key"}); err == nil || !strings.Contains(err.Error(), "key 1 of the list") {
			t.Errorf("a list with a bad key: %v, want an error naming key 1", err)
		}
		expectQueries(t, env, 0, "a list with a bad key")

		// Composite keys: a list of []any, one per key; one []any alone is one key.
		orm := modelORM(t, env, keyModel)
		km := orm.Fork()
		shopper := create(t, km, "Shopper", map[string]any{"name": "Arya"})
		needle := create(t, km, "Product", map[string]any{"name": "Needle"})
		coin := create(t, km, "Product", map[string]any{"name": "Coin"})
		order := create(t, km, "Purchase", map[string]any{"shopper": shopper, "lines": []map[string]any{
			{"product": needle, "amount": 1}, {"product": coin, "amount": 5}}})
		must(t, km.Flush(env.Ctx))
		lines, err := orm.Fork().Find(env.Ctx, "PurchaseLine", []any{[]any{order.ID(), coin.ID()}, []any{order.ID(), needle.ID()}}, em.OrderBy("amount", em.Asc))
		must(t, err)
		if len(lines) != 2 || lines[0].Get("amount") != int64(1) || lines[1].Get("amount") != int64(5) {
			t.Errorf("lines by a list of composite keys: %v", lines)
		}
		one, err := orm.Fork().Find(env.Ctx, "PurchaseLine", []any{order.ID(), coin.ID()})
		must(t, err)
		if len(one) != 1 || one[0].Get("amount") != int64(5) {
			t.Errorf("lines by one composite key: %v", one)
		}
	}},

	// tests/features/collection/Collection.test.ts (loadCount): the number of items of a
	// collection without loading them; of an initialised one, its length without a query.
	{"CollectionLoadCount", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		books := jon.Collection("books")
		loadCount := func(c *dynamic.Collection, want, queries int, what string) {
			t.Helper()
			env.Reset()
			n, err := c.LoadCount(env.Ctx)
			must(t, err)
			if n != want {
				t.Errorf("%s: LoadCount %d, want %d", what, n, want)
			}
			expectQueries(t, env, queries, what)
		}
		loadCount(books, 3, 1, "1:m, uninitialised")
		if books.IsInitialized() || books.Len() != 0 {
			t.Errorf("LoadCount loaded the collection: initialised %v, %d items", books.IsInitialized(), books.Len())
		}
		// Items added to an uninitialised collection are not stored yet: not counted.
		create(t, m, "Book", map[string]any{"title": "Unsaved", "author": jon})
		loadCount(books, 3, 1, "1:m with an unsaved addition")
		must(t, books.Init(env.Ctx))
		loadCount(books, 4, 0, "1:m, initialised (the unsaved book included)")

		wall1, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		loadCount(wall1.Collection("tags"), 2, 1, "owning m:n")
		sick, err := m.FindOne(env.Ctx, "BookTag", s.Sick)
		must(t, err)
		loadCount(sick.Collection("books"), 2, 1, "inverse m:n")
		// Of a reference, without loading it.
		ref := env.ORM.Fork().GetReference("Author", s.Sansa)
		loadCount(ref.Collection("books"), 1, 1, "1:m of a reference")
		if ref.IsInitialized() {
			t.Error("LoadCount initialised the reference")
		}
		// Of a new entity: its collection is initialised, nothing is stored.
		fresh := create(t, m, "Author", map[string]any{"name": "New", "email": "new@x"})
		loadCount(fresh.Collection("books"), 0, 0, "new author")
	}},
}

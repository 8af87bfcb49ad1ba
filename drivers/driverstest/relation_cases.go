package driverstest

import (
	"errors"
	"testing"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

var relationCases = []Case{
	{"CascadePersistAlongRelations", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		// Only the book is created through the EntityManager; its author, publisher and tags are
		// nested maps and reach the database by cascade.
		b := create(t, m, "Book", map[string]any{
			"title":     "A Dance with Dragons",
			"author":    map[string]any{"name": "George", "email": "grrm@ice.fire"},
			"publisher": map[string]any{"name": "Voyager"},
			"tags":      []any{map[string]any{"name": "epic"}, map[string]any{"name": "long"}},
		})
		must(t, m.Flush(env.Ctx))
		if b.Ref("author").ID() == nil || b.Ref("publisher").ID() == nil {
			t.Fatal("cascaded entities have no keys")
		}
		if count(t, env, "Author", nil) != 1 || count(t, env, "Publisher", nil) != 1 || count(t, env, "BookTag", nil) != 2 {
			t.Error("cascade persist did not insert author, publisher and both tags")
		}
		if count(t, env, "Book", map[string]any{"tags": map[string]any{"name": "epic"}}) != 1 {
			t.Error("the pivot rows were not written")
		}
	}},
	{"CycleAndSelfReferenceInOneFlush", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		mentor := create(t, m, "Author", map[string]any{"name": "Aemon", "email": "aemon@wall.st"})
		jon := create(t, m, "Author", map[string]any{"name": "Jon", "email": "jon@wall.st", "mentor": mentor})
		book := create(t, m, "Book", map[string]any{"title": "Night's Watch", "author": jon})
		must(t, jon.Set("favouriteBook", book)) // Author -> Book -> Author
		must(t, mentor.Set("mentor", mentor))   // self-reference of a new row
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		j, err := f.FindOne(env.Ctx, "Author", jon.ID(), em.Populate("favouriteBook", "mentor"))
		must(t, err)
		if j.Ref("favouriteBook") == nil || j.Ref("favouriteBook").ID() != book.ID() {
			t.Errorf("favouriteBook: %v, want %v", j.Ref("favouriteBook"), book.ID())
		}
		if j.Ref("mentor") == nil || j.Ref("mentor").Get("name") != "Aemon" {
			t.Errorf("mentor: %v", j.Ref("mentor"))
		}
		a, err := f.FindOne(env.Ctx, "Author", mentor.ID())
		must(t, err)
		if a.Ref("mentor") != a {
			t.Errorf("self reference: %v, want the same entity", a.Ref("mentor"))
		}
	}},
	{"ReferencesRunNoQueryUntilInit", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		ref := m.GetReference("Author", s.Jon)
		if ref == nil || ref.IsInitialized() || ref.Get("name") != nil {
			t.Fatalf("reference: %v initialised %v", ref, ref.IsInitialized())
		}
		expectQueries(t, env, 0, "GetReference")
		if m.GetReference("Author", s.Jon) != ref {
			t.Error("two references to one row are different pointers")
		}
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1)
		must(t, err)
		if b.Ref("author") != ref {
			t.Error("the book's author is not the reference already in the identity map")
		}
		env.Reset()
		must(t, ref.Init(env.Ctx))
		expectQueries(t, env, 1, "Init of a reference")
		if !ref.IsInitialized() || ref.Get("name") != "Jon Snow" {
			t.Errorf("after Init: %v", ref.ToMap())
		}
		env.Reset()
		must(t, ref.Init(env.Ctx))
		a, err := m.FindOne(env.Ctx, "Author", s.Jon)
		must(t, err)
		expectQueries(t, env, 0, "Init and FindOne of an initialised entity")
		if a != ref {
			t.Error("FindOne returned another pointer than the reference")
		}
		missing := m.GetReference("Author", 424242)
		if err := missing.Init(env.Ctx); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("Init of a reference to no row: %v, want ErrNotFound", err)
		}
	}},
	{"PopulateOneQueryPerLevel", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		authors, err := m.Find(env.Ctx, "Author", nil, em.OrderBy("name", em.Asc))
		must(t, err)
		env.Reset()
		must(t, m.Populate(env.Ctx, authors, "books.tags", "books.publisher"))
		expectQueries(t, env, 3, "populate books.tags and books.publisher of 2 authors")
		jon := authors[0]
		books := jon.Collection("books")
		if !books.IsInitialized() || books.Len() != 3 {
			t.Fatalf("Jon's books: initialised %v, %d items", books.IsInitialized(), books.Len())
		}
		first := books.Items()[0]
		if !first.Collection("tags").IsInitialized() {
			t.Error("books.tags not initialised")
		}
		tagCount := 0
		for b := range books.All() {
			tagCount += b.Collection("tags").Len()
		}
		if tagCount != 4 {
			t.Errorf("Jon's books carry %d tags, want 4", tagCount)
		}
		env.Reset()
		must(t, m.Populate(env.Ctx, authors, "books.tags"))
		expectQueries(t, env, 0, "populate of initialised relations")
	}},
	{"FindWithPopulate", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		books, err := m.Find(env.Ctx, "Book",
			map[string]any{"author": map[string]any{"name": map[string]any{"$re": "^Jon"}}},
			em.Populate("author", "tags"), em.OrderBy("title", em.Desc), em.Limit(2))
		must(t, err)
		expectQueries(t, env, 3, "find with populate of author and tags")
		if len(books) != 2 || books[0].Get("title") != "My Life on The Wall, part 3" {
			t.Fatalf("books: %v", books)
		}
		if !books[0].Ref("author").IsInitialized() || books[0].Ref("author").ID() != s.Jon {
			t.Error("author not populated")
		}
		if books[1].Collection("tags").Len() != 2 {
			t.Errorf("part 2 has %d tags, want 2", books[1].Collection("tags").Len())
		}
	}},
	{"CollectionOperations", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("tags"))
		must(t, err)
		tags := b.Collection("tags")
		sick := m.GetReference("BookTag", s.Sick)
		strange := m.GetReference("BookTag", s.Strange)
		if !tags.Contains(sick) || tags.Contains(strange) || tags.Len() != 2 {
			t.Fatalf("tags of part 1: %v", tags.IDs())
		}
		tags.Remove(sick)
		tags.Add(strange)
		tagMeta, _ := env.ORM.Registry().Entity("BookTag")
		newTag := dynamic.New(tagMeta)
		must(t, newTag.Set("name", "fresh"))
		tags.Add(newTag)
		env.Reset()
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		fb, err := f.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("tags"))
		must(t, err)
		names := map[any]bool{}
		for tg := range fb.Collection("tags").All() {
			names[tg.Get("name")] = true
		}
		if len(names) != 3 || !names["silly"] || !names["strange"] || !names["fresh"] {
			t.Errorf("tags in the database: %v, want silly, strange, fresh", names)
		}
		tags.RemoveAll()
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"id": s.Wall1, "tags": map[string]any{"$in": []any{s.Silly, s.Strange}}}); n != 0 {
			t.Error("RemoveAll left pivot rows")
		}
	}},
	{"InverseSideStaysInSync", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		sansa, err := m.FindOne(env.Ctx, "Author", s.Sansa, em.Populate("books"))
		must(t, err)
		b := jon.Collection("books").Items()[0]
		must(t, b.Set("author", sansa))
		if jon.Collection("books").Contains(b) || !sansa.Collection("books").Contains(b) {
			t.Error("setting the m:1 did not move the book between the authors' collections")
		}
		sansa.Collection("books").Add(jon.Collection("books").Items()[0])
		if jon.Collection("books").Len() != 1 || sansa.Collection("books").Len() != 3 {
			t.Errorf("after Add on the 1:m: jon %d, sansa %d", jon.Collection("books").Len(), sansa.Collection("books").Len())
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"author": s.Sansa}); n != 3 {
			t.Errorf("Sansa has %d books in the database, want 3", n)
		}
		tag, err := m.FindOne(env.Ctx, "BookTag", s.Silly, em.Populate("books"))
		must(t, err)
		wc, err := m.FindOne(env.Ctx, "Book", s.WC, em.Populate("tags"))
		must(t, err)
		tag.Collection("books").Add(wc) // the inverse side of the m:n
		if !wc.Collection("tags").Contains(tag) {
			t.Error("adding to the inverse m:n did not add to the owner")
		}
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"tags": s.Silly}); n != 2 {
			t.Errorf("%d books tagged silly, want 2", n)
		}
	}},
	{"OrphanRemoval", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		jon, err := m.FindOne(env.Ctx, "Author", s.Jon, em.Populate("books"))
		must(t, err)
		victim := jon.Collection("books").Items()[2]
		jon.Collection("books").Remove(victim)
		must(t, m.Flush(env.Ctx))
		if _, err := env.ORM.Fork().FindOne(env.Ctx, "Book", victim.ID()); !errors.Is(err, em.ErrNotFound) {
			t.Errorf("orphan still in the database: %v", err)
		}
		if n := count(t, env, "Book", map[string]any{"author": s.Jon}); n != 2 {
			t.Errorf("Jon has %d books, want 2", n)
		}
	}},
	{"CascadeRemove", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		sansa, err := m.FindOne(env.Ctx, "Author", s.Sansa, em.Populate("books"))
		must(t, err)
		m.Remove(sansa)
		must(t, m.Flush(env.Ctx))
		if count(t, env, "Author", map[string]any{"id": s.Sansa}) != 0 || count(t, env, "Book", map[string]any{"id": s.WC}) != 0 {
			t.Error("removing an author did not remove her books")
		}
		if count(t, env, "Book", nil) != 3 {
			t.Error("cascade remove deleted other books")
		}
	}},
	{"DeleteRuleSetNull", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		pub, err := m.FindOne(env.Ctx, "Publisher", s.Publisher)
		must(t, err)
		m.Remove(pub)
		must(t, m.Flush(env.Ctx))
		if n := count(t, env, "Book", map[string]any{"publisher": nil}); n != 4 {
			t.Errorf("%d books without publisher, want 4 (ON DELETE SET NULL)", n)
		}
	}},
	{"ToMapSerialises", func(t *testing.T, env *Env) {
		s := seed(t, env)
		m := env.ORM.Fork()
		b, err := m.FindOne(env.Ctx, "Book", s.Wall1, em.Populate("author"))
		must(t, err)
		mp := b.ToMap()
		if mp["title"] != "My Life on The Wall, part 1" {
			t.Errorf("title: %v", mp["title"])
		}
		if _, ok := mp["cover"]; ok {
			t.Error("hidden property cover serialised")
		}
		am, ok := mp["author"].(map[string]any)
		if !ok || am["name"] != "Jon Snow" {
			t.Errorf("populated author: %#v", mp["author"])
		}
		if _, ok := am["password"]; ok {
			t.Error("hidden password serialised")
		}
		if mp["publisher"] != s.Publisher {
			t.Errorf("unpopulated publisher: %#v, want its key", mp["publisher"])
		}
	}},
	{"SelfReferencingTreeInsertsParentsFirst", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		// Created children first: the flush still inserts the mentor before them, in a batch
		// of its own, and needs no UPDATE.
		root := dynamic.New(mustMeta(t, env, "Author"))
		must(t, root.Set("name", "Maester Aemon"))
		must(t, root.Set("email", "aemon@citadel.old"))
		create(t, m, "Author", map[string]any{"name": "Sam", "email": "sam@wall.st", "mentor": root})
		create(t, m, "Author", map[string]any{"name": "Jon", "email": "jon@wall.st", "mentor": root})
		must(t, m.Flush(env.Ctx))
		if n := env.CountKind("UPDATE"); n != 0 {
			t.Errorf("%d UPDATEs for a tree, want 0: %q", n, env.Queries())
		}
		if n := count(t, env, "Author", map[string]any{"mentor": map[string]any{"name": "Maester Aemon"}}); n != 2 {
			t.Errorf("%d authors mentored by Aemon, want 2", n)
		}
	}},
}

func mustMeta(t *testing.T, env *Env, name string) *schema.Entity {
	t.Helper()
	meta, ok := env.ORM.Registry().Entity(name)
	if !ok {
		t.Fatalf("no entity %s", name)
	}
	return meta
}

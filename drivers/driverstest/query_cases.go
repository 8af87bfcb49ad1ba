package driverstest

import (
	"bytes"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/google/go-cmp/cmp"
)

func titles(es []*dynamic.Entity) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i], _ = e.Get("title").(string)
	}
	sort.Strings(out)
	return out
}

const (
	p1 = "My Life on The Wall, part 1"
	p2 = "My Life on The Wall, part 2"
	p3 = "My Life on The Wall, part 3"
	wc = "Winter is Coming"
)

var queryCases = []Case{
	{"LargeFlushGetsEveryKey", func(t *testing.T, env *Env) {
		// More rows than one InsertOp takes: the unit of work sends several, and every
		// generated key lands on its own entity.
		m := env.ORM.Fork()
		pubs := make([]*dynamic.Entity, 6001)
		for i := range pubs {
			pubs[i] = create(t, m, "Publisher", map[string]any{"name": fmt.Sprintf("publisher %05d", i)})
		}
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		all, err := f.Find(env.Ctx, "Publisher", nil)
		must(t, err)
		byID := map[any]any{}
		for _, p := range all {
			byID[p.ID()] = p.Get("name")
		}
		if len(all) != len(pubs) {
			t.Fatalf("%d rows, want %d", len(all), len(pubs))
		}
		for _, p := range pubs {
			if byID[p.ID()] != p.Get("name") {
				t.Fatalf("key %v holds %v, want %v", p.ID(), byID[p.ID()], p.Get("name"))
			}
		}
	}},
	{"FilterOperators", func(t *testing.T, env *Env) {
		s := seed(t, env)
		cases := []struct {
			name   string
			filter map[string]any
			want   []string
		}{
			{"eq", map[string]any{"title": wc}, []string{wc}},
			{"ne", map[string]any{"title": map[string]any{"$ne": wc}}, []string{p1, p2, p3}},
			{"in", map[string]any{"pages": []any{100, 300}}, []string{p1, p3}},
			{"nin", map[string]any{"pages": map[string]any{"$nin": []any{100}}}, []string{p2, p3}},
			{"gt lte", map[string]any{"pages": map[string]any{"$gt": 100, "$lte": 300}}, []string{p2, p3}},
			{"is null", map[string]any{"pages": nil}, []string{wc}},
			{"exists", map[string]any{"price": map[string]any{"$exists": true}}, []string{p1, p2}},
			{"like is case sensitive", map[string]any{"title": map[string]any{"$like": "%wall%"}}, nil},
			{"like", map[string]any{"title": map[string]any{"$like": "%Wall, part _"}}, []string{p1, p2, p3}},
			{"ilike", map[string]any{"title": map[string]any{"$ilike": "%WINTER%"}}, []string{wc}},
			{"re", map[string]any{"title": map[string]any{"$re": "part [12]$"}}, []string{p1, p2}},
			{"or", map[string]any{"$or": []any{map[string]any{"pages": 100}, map[string]any{"title": wc}}}, []string{p1, wc}},
			{"not", map[string]any{"$not": map[string]any{"author": s.Jon}}, []string{wc}},
			{"enum", map[string]any{"status": "published"}, []string{p1}},
			{"relation key", map[string]any{"author": s.Sansa}, []string{wc}},
			{"relation null", map[string]any{"publisher": nil}, []string{p3, wc}},
			{"nested m:1", map[string]any{"author": map[string]any{"email": map[string]any{"$like": "sansa@%"}}}, []string{wc}},
			{"nested m:1 twice", map[string]any{"author": map[string]any{"name": "Jon Snow"}, "publisher": map[string]any{"type": "global"}}, []string{p1, p2}},
			{"m:n key", map[string]any{"tags": s.Sick}, []string{p1, p2}},
			{"m:n nested", map[string]any{"tags": map[string]any{"name": map[string]any{"$in": []any{"silly", "strange"}}}}, []string{p1, p2}},
			{"boolean through relation", map[string]any{"author": map[string]any{"termsAccepted": true}}, []string{wc}},
		}
		m := env.ORM.Fork()
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
		// From the other side: authors with a book in a filter (1:m), tags of a book (m:n inverse).
		authors, err := m.Find(env.Ctx, "Author", map[string]any{"books": map[string]any{"title": map[string]any{"$re": "^Winter"}}})
		must(t, err)
		if len(authors) != 1 || authors[0].Get("name") != "Sansa Stark" {
			t.Errorf("1:m filter: %v", authors)
		}
		tags, err := m.Find(env.Ctx, "BookTag", map[string]any{"books": map[string]any{"title": p1}}, em.OrderBy("name", em.Asc))
		must(t, err)
		if len(tags) != 2 || tags[0].Get("name") != "sick" || tags[1].Get("name") != "silly" {
			t.Errorf("inverse m:n filter: %v", tags)
		}
	}},
	{"BadFiltersAreErrors", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		for _, f := range []map[string]any{
			{"titel": "x"},
			{"title": map[string]any{"$regex": "x"}},
			{"pages": "many"},
			{"author": map[string]any{"nmae": "x"}},
		} {
			if _, err := m.Find(env.Ctx, "Book", f); err == nil {
				t.Errorf("filter %v: no error", f)
			}
		}
		expectQueries(t, env, 0, "bad filters")
	}},
	{"OrderLimitOffsetAndCount", func(t *testing.T, env *Env) {
		seed(t, env)
		m := env.ORM.Fork()
		page, total, err := m.FindAndCount(env.Ctx, "Book", map[string]any{"title": map[string]any{"$like": "My Life%"}},
			em.OrderBy("pages", em.Desc), em.Limit(2), em.Offset(1))
		must(t, err)
		if total != 3 || len(page) != 2 || page[0].Get("title") != p2 || page[1].Get("title") != p1 {
			t.Errorf("page %v of %d", page, total)
		}
		n, err := m.Count(env.Ctx, "Author", nil)
		must(t, err)
		if n != 2 {
			t.Errorf("Count(Author) = %d", n)
		}
		repo := m.Repository("Book")
		all, err := repo.Find(env.Ctx, nil, em.OrderBy("title", em.Asc))
		must(t, err)
		if len(all) != 4 || all[3].Get("title") != wc {
			t.Errorf("repository find: %v", all)
		}
	}},
	{"EveryTypeRoundTrips", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		born := time.Date(1990, 12, 24, 0, 0, 0, 0, time.UTC)
		stamp := time.Date(2026, 11, 25, 10, 11, 12, 123456000, time.UTC)
		meta := map[string]any{"isbn": "978-0", "editions": []any{1.0, 2.0}, "nested": map[string]any{"ok": true}}
		a := create(t, m, "Author", map[string]any{"name": "Types", "email": "t@y.pe", "age": 42, "born": born,
			"identities": []any{"a", "b"}, "rating": 4.25, "termsAccepted": true, "createdAt": stamp, "password": "secret"})
		b := create(t, m, "Book", map[string]any{"title": "Ünïcödé ✓ 'quoted' \"double\"", "author": a, "price": "12345678.90",
			"weight": 1.5, "meta": meta, "cover": []byte{0, 1, 2, 255}, "status": "published", "description": "long text"})
		p := create(t, m, "Publisher", map[string]any{"name": "P", "opensAt": "08:30:00"})
		must(t, m.Flush(env.Ctx))
		f := env.ORM.Fork()
		fa, err := f.FindOne(env.Ctx, "Author", a.ID())
		must(t, err)
		fb, err := f.FindOne(env.Ctx, "Book", b.ID())
		must(t, err)
		fp, err := f.FindOne(env.Ctx, "Publisher", p.ID())
		must(t, err)
		check := func(e *dynamic.Entity, prop string, want any) {
			t.Helper()
			got := e.Get(prop)
			if !dynamic.Equal(got, want) {
				t.Errorf("%s.%s: got %#v (%T), want %#v (%T)", e.Entity(), prop, got, got, want, want)
			}
		}
		check(fa, "age", int64(42))
		check(fa, "born", born)
		check(fa, "createdAt", stamp)
		check(fa, "identities", []any{"a", "b"})
		check(fa, "rating", 4.25)
		check(fa, "termsAccepted", true)
		check(fa, "password", "secret")
		check(fb, "title", "Ünïcödé ✓ 'quoted' \"double\"")
		check(fb, "price", "12345678.90")
		check(fb, "weight", 1.5)
		check(fb, "meta", meta)
		check(fb, "status", "published")
		check(fb, "description", "long text")
		check(fb, "id", b.ID())
		if c, _ := fb.Get("cover").([]byte); !bytes.Equal(c, []byte{0, 1, 2, 255}) {
			t.Errorf("cover: %v", fb.Get("cover"))
		}
		check(fp, "opensAt", "08:30:00")
		check(fp, "type", "local")
		// Filters on typed values.
		n, err := f.Count(env.Ctx, "Author", map[string]any{"born": map[string]any{"$lt": "2000-01-01"}, "createdAt": stamp})
		must(t, err)
		if n != 1 {
			t.Errorf("filter on date and datetime matched %d", n)
		}
	}},
	{"GeneratedKeysOfABatch", func(t *testing.T, env *Env) {
		m := env.ORM.Fork()
		var tags []*dynamic.Entity
		for i := 0; i < 25; i++ {
			tags = append(tags, create(t, m, "BookTag", map[string]any{"name": string(rune('a'+i)) + "-tag"}))
		}
		must(t, m.Flush(env.Ctx))
		seen := map[any]bool{}
		f := env.ORM.Fork()
		for _, tg := range tags {
			if tg.ID() == nil || seen[tg.ID()] {
				t.Fatalf("tag %v has a missing or repeated key", tg.Get("name"))
			}
			seen[tg.ID()] = true
			got, err := f.FindOne(env.Ctx, "BookTag", tg.ID())
			must(t, err)
			if got.Get("name") != tg.Get("name") {
				t.Errorf("key %v holds %v, want %v", tg.ID(), got.Get("name"), tg.Get("name"))
			}
		}
	}},
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal([]string(a), []string(b))
})

package em_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"testing/fstest"

	_ "github.com/dorm-go/dorm/drivers/sqlite" // registers "sqlite:" URLs
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/loader"
)

// library is the entity file of the README's taste.
const library = `
entity: Author
properties:
  id:    { type: int, primary: true }
  name:  { type: string, length: 255 }
  email: { type: string, unique: true }
  books: { kind: 1:m, entity: Book, mappedBy: author }
---
entity: Book
properties:
  id:     { type: uuid, primary: true }
  title:  { type: string, index: true }
  author: { kind: m:1, entity: Author, inversedBy: books }
`

// The README's taste of the API, on an in-memory SQLite database: create, flush, and find
// with a filter on a relation, populate, order and limit.
func Example() {
	ctx := context.Background()
	reg, err := loader.LoadFS(fstest.MapFS{"schemas/library.yaml": {Data: []byte(library)}}, "schemas/*.yaml")
	if err != nil {
		log.Fatal(err)
	}
	orm, err := em.Open(ctx, em.Config{Registry: reg, URL: "sqlite::memory:"})
	if err != nil {
		log.Fatal(err)
	}
	defer orm.Close()
	if err := orm.Schema().Create(ctx); err != nil {
		log.Fatal(err)
	}

	m := orm.Fork() // one EntityManager (identity map + unit of work) per request
	jon, err := m.Create("Author", map[string]any{"name": "Jon Snow", "email": "snow@wall.st"})
	if err != nil {
		log.Fatal(err)
	}
	for _, title := range []string{"My Life on The Wall", "Ghost"} {
		if _, err := m.Create("Book", map[string]any{"title": title, "author": jon}); err != nil {
			log.Fatal(err)
		}
	}
	if err := m.Flush(ctx); err != nil { // one transaction: the author first, then the books
		log.Fatal(err)
	}

	books, err := orm.Fork().Find(ctx, "Book",
		map[string]any{"author": map[string]any{"name": map[string]any{"$re": "^Jon"}}},
		em.Populate("author"), em.OrderBy("title", em.Desc), em.Limit(10))
	if err != nil {
		log.Fatal(err)
	}
	for _, b := range books {
		fmt.Println(b.Get("title"), "by", b.Ref("author").Get("name"))
	}
	// Output:
	// My Life on The Wall by Jon Snow
	// Ghost by Jon Snow
}

// A filter can come straight from JSON, as MikroORM's FilterQuery does.
func ExampleEntityManager_Count() {
	ctx := context.Background()
	reg, err := loader.LoadFS(fstest.MapFS{"library.yaml": {Data: []byte(library)}}, "*.yaml")
	if err != nil {
		log.Fatal(err)
	}
	orm, err := em.Open(ctx, em.Config{Registry: reg, URL: "sqlite::memory:"})
	if err != nil {
		log.Fatal(err)
	}
	defer orm.Close()
	if err := orm.Schema().Create(ctx); err != nil {
		log.Fatal(err)
	}
	m := orm.Fork()
	for i, name := range []string{"Jon", "Arya", "Sansa"} {
		if _, err := m.Create("Author", map[string]any{"name": name, "email": fmt.Sprintf("%d@x.y", i)}); err != nil {
			log.Fatal(err)
		}
	}
	if err := m.Flush(ctx); err != nil {
		log.Fatal(err)
	}
	var filter map[string]any // e.g. from a request body
	if err := json.Unmarshal([]byte(`{"$or": [{"name": "Jon"}, {"name": {"$like": "S%"}}]}`), &filter); err != nil {
		log.Fatal(err)
	}
	n, err := m.Count(ctx, "Author", filter)
	fmt.Println(n, err)
	// Output: 2 <nil>
}

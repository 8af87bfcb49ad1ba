package query

import (
	"errors"
	"fmt"
	"testing"

	"github.com/dorm-go/dorm/schema"
)

// exampleRegistry is the example domain; a program gets it from loader.LoadDir.
var exampleRegistry = testRegistry(&testing.T{})

func ExampleParse() {
	book, _ := exampleRegistry.Entity("Book")
	x, err := Parse(book, map[string]any{
		"title":  map[string]any{"$re": "^My"},
		"author": map[string]any{"name": "Jon"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(String(x))
	// Output: (Book.author IN Related(Author.name $eq "Jon") AND Book.title $re "^My")
}

func ExampleParseJSON() {
	book, _ := exampleRegistry.Entity("Book")
	x, err := ParseJSON(book, []byte(`{"$or": [{"pages": {"$gte": 500}}, {"tags": {"name": "classic"}}]}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(String(x))
	// Output: (Book.pages $gte 500 OR Book.tags IN Related(BookTag.name $eq "classic"))
}

func ExampleError() {
	book, _ := exampleRegistry.Entity("Book")
	_, err := ParseJSON(book, []byte(`{"pages": {"$gt": "many"}}`))
	fmt.Println(err)
	var te *schema.TypeError
	fmt.Println(errors.As(err, &te), te.Property)
	// Output:
	// dorm: filter on Book: pages.$gt: Book.pages: expected int (int64), got string
	// true pages
}

package query

import (
	"errors"
	"strings"
	"testing"
)

func TestDepthLimit(t *testing.T) {
	book := entity(t, testRegistry(t), "Book")
	// 32 nested objects are allowed, 33 are not.
	ok := strings.Repeat(`{"$not":`, MaxDepth-1) + `{"title":"x"}` + strings.Repeat(`}`, MaxDepth-1)
	if _, err := ParseJSON(book, []byte(ok)); err != nil {
		t.Errorf("%d levels: %v", MaxDepth, err)
	}
	tooDeep := `{"$not":` + ok + `}`
	if _, err := ParseJSON(book, []byte(tooDeep)); err == nil || !strings.Contains(err.Error(), "nested deeper than 32 levels") {
		t.Errorf("%d levels: %v", MaxDepth+1, err)
	}
	// Relations and operator objects count too.
	rel := strings.Repeat(`{"author":{"favouriteBook":`, 16) + `{"title":"x"}` + strings.Repeat(`}}`, 16)
	if _, err := ParseJSON(book, []byte(rel)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("33 levels of relations: %v", err)
	}
	ops := strings.Repeat(`{"$not":`, MaxDepth-2) + `{"title":{"$not":{"$eq":"x"}}}` + strings.Repeat(`}`, MaxDepth-2)
	if _, err := ParseJSON(book, []byte(ops)); err == nil || !strings.Contains(err.Error(), "nested deeper") {
		t.Errorf("33 levels ending in operators: %v", err)
	}
}

var fuzzSeeds = []string{
	`{}`,
	`{"title":"Dune"}`,
	`{"pages":[1,2,3]}`,
	`{"pages":{"$gt":1,"$lt":9,"$nin":[3]}}`,
	`{"title":{"$not":{"$like":"x%"}},"status":{"$re":"^pub"}}`,
	`{"$or":[{"title":"a"},{"$and":[{"pages":null},{"price":{"$gte":"9.99"}}]}]}`,
	`{"$not":{"createdAt":{"$gte":"2024-01-02T03:04:05Z"}}}`,
	`{"author":3}`,
	`{"author":{"name":{"$re":"^Jon"},"books":{"title":"x"}}}`,
	`{"author":{"id":5}}`,
	`{"author":{"$in":[1,2]},"publisher":{"$exists":false}}`,
	`{"tags":{"name":["a","b"]}}`,
	`{"tags":[1,2]}`,
	`{"meta":{"$exists":true}}`,
	// invalid
	`{"titel":"x"}`,
	`{"author":{"nmae":"x"}}`,
	`{"$or":[]}`,
	`{"$or":["x"]}`,
	`{"title":{"$regex":"x"}}`,
	`{"title":{"$re":"("}}`,
	`{"pages":{"$in":[null]}}`,
	`{"pages":{"$in":[[[[1]]]]}}`,
	`{"meta":{"a":1}}`,
	`{"author":{"$in":[1],"name":"x"}}`,
	`{"tags":null}`,
	`{"tags":{"$exists":true}}`,
	`{"author":{"$not":{"$not":{"$in":[1]}}}}`,
	`{"author":{"$not":{"$not":{"name":"x"}}}}`,
	`[1]`,
	`null`,
	`{"pages":1e400}`,
	`{"pages":12345678901234567890}`,
	`{"price":1e3}`,
	`{"title":"a"}{}`,
	`{"title":`,
	"{\"title\":\"\xff\"}",
}

func FuzzParseJSON(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	reg := testRegistry(f)
	entities := reg.Entities()
	f.Fuzz(func(t *testing.T, data string) {
		for _, e := range entities {
			x, err := ParseJSON(e, []byte(data))
			if (x == nil) == (err == nil) {
				t.Fatalf("ParseJSON(%s, %q) = %v, %v: want exactly one of an expression and an error", e.Name, data, x, err)
			}
			if err != nil {
				var qe *Error
				if !errors.As(err, &qe) || qe.Entity != e.Name {
					t.Fatalf("ParseJSON(%s, %q): error %T %v is not a *query.Error on %s", e.Name, data, err, err, e.Name)
				}
				continue
			}
			s := String(x)
			checkInvariants(t, x)
			// Parsing is deterministic.
			y, err := ParseJSON(e, []byte(data))
			if err != nil || String(y) != s {
				t.Fatalf("ParseJSON(%s, %q) not deterministic: %s then %v, %v", e.Name, data, s, y, err)
			}
		}
	})
}

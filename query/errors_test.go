package query

import (
	"errors"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	reg := testRegistry(t)
	one := testOneToOne(t)
	deep := M{"title": "x"}
	for range MaxDepth {
		deep = M{"$not": deep}
	}
	cyclic := M{}
	cyclic["$not"] = cyclic
	cases := []struct {
		name   string
		entity string
		filter M
		json   string // parsed with ParseJSON instead of filter when set
		want   string
	}{
		{name: "unknown property", entity: "Book", filter: M{"titel": "x"},
			want: `dorm: filter on Book: titel: unknown property "titel" of Book (known: id, createdAt, updatedAt, title, description, price, pages, weight, meta, cover, status, author, publisher, tags)`},
		{name: "unknown nested property", entity: "Book", json: `{"author":{"nmae":"Jon"}}`,
			want: `dorm: filter on Book: author.nmae: unknown property "nmae" of Author (known: id, createdAt, updatedAt, name, email, age, termsAccepted, born, identities, rating, password, version, books, favouriteBook, mentor)`},
		{name: "unknown property in $or", entity: "Book", json: `{"$or":[{"title":"a"},{"tilte":"b"}]}`,
			want: `dorm: filter on Book: $or[1].tilte: unknown property "tilte" of Book (known: id, createdAt, updatedAt, title, description, price, pages, weight, meta, cover, status, author, publisher, tags)`},
		{name: "unknown operator at object level", entity: "Book", filter: M{"$nor": []any{}},
			want: `dorm: filter on Book: $nor: unknown operator "$nor" (known here: $and, $or, $not)`},
		{name: "unknown operator on a property", entity: "Book", filter: M{"title": M{"$regex": "^a"}},
			want: `dorm: filter on Book: title.$regex: unknown operator "$regex" (known: $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $like, $ilike, $re, $exists, $not)`},
		{name: "unknown operator on a relation", entity: "Book", filter: M{"author": M{"$has": 1}},
			want: `dorm: filter on Book: author.$has: unknown operator "$has" (known: $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $like, $ilike, $re, $exists, $not, $and, $or)`},
		{name: "comparison without a property", entity: "Book", filter: M{"$gt": 1},
			want: `dorm: filter on Book: $gt: operator $gt needs a property: write {"<property>": {"$gt": ...}}`},
		{name: "property name in an operator object", entity: "Book", filter: M{"title": M{"eq": "x"}},
			want: `dorm: filter on Book: title.eq: expected an operator such as $eq for string property Book.title, got "eq"`},
		{name: "$and inside a property", entity: "Book", filter: M{"pages": M{"$or": []any{M{"$eq": 1}}}},
			want: `dorm: filter on Book: pages.$or: $or is not allowed among the operators of Book.pages; use it at the level of the object`},
		{name: "empty operator object", entity: "Book", filter: M{"title": M{}},
			want: `dorm: filter on Book: title: empty operator object for Book.title; give an operator such as $eq`},
		{name: "$and not an array", entity: "Book", filter: M{"$and": M{"title": "x"}},
			want: `dorm: filter on Book: $and: $and needs a non-empty array of objects, got an object`},
		{name: "$or empty", entity: "Book", json: `{"$or":[]}`,
			want: `dorm: filter on Book: $or: $or needs a non-empty array of objects, got an empty array`},
		{name: "$or element not an object", entity: "Book", json: `{"$or":[{"title":"a"},"b"]}`,
			want: `dorm: filter on Book: $or[1]: $or needs a non-empty array of objects, got string in it`},
		{name: "$not not an object", entity: "Book", json: `{"$not":[{"title":"a"}]}`,
			want: `dorm: filter on Book: $not: $not needs an object, got an array`},
		{name: "$not in a property not an object", entity: "Book", filter: M{"title": M{"$not": "x"}},
			want: `dorm: filter on Book: title.$not: $not needs an object of operators, got string`},
		{name: "$in not an array", entity: "Book", json: `{"pages":{"$in":3}}`,
			want: `dorm: filter on Book: pages.$in: $in needs an array, got json.Number`},
		{name: "$in with null", entity: "Book", filter: M{"pages": M{"$in": []any{1, nil}}},
			want: `dorm: filter on Book: pages.$in[1]: null is not allowed in $in; use {"$eq": null} or {"$exists": false}`},
		{name: "$nin with null", entity: "Book", json: `{"title":{"$nin":[null]}}`,
			want: `dorm: filter on Book: title.$nin[0]: null is not allowed in $nin; use {"$ne": null} or {"$exists": true}`},
		{name: "array with null", entity: "Book", filter: M{"title": []any{"a", nil}},
			want: `dorm: filter on Book: title[1]: null is not allowed in $in; use {"$eq": null} or {"$exists": false}`},
		{name: "nested array in $in", entity: "Book", json: `{"pages":{"$in":[[1]]}}`,
			want: `dorm: filter on Book: pages.$in[0]: $in needs an array of values, got a nested array`},
		{name: "$eq with an array", entity: "Book", filter: M{"pages": M{"$eq": []int{1}}},
			want: `dorm: filter on Book: pages.$eq: $eq needs a single value, got an array (use $in or $nin)`},
		{name: "$gt with an object", entity: "Book", json: `{"pages":{"$gt":{"$lt":1}}}`,
			want: `dorm: filter on Book: pages.$gt: $gt needs a single value, got an object`},
		{name: "$like on an int", entity: "Book", filter: M{"pages": M{"$like": "1%"}},
			want: `dorm: filter on Book: pages.$like: $like applies to string-like properties; Book.pages is int`},
		{name: "$ilike on a datetime", entity: "Book", filter: M{"createdAt": M{"$ilike": "2024%"}},
			want: `dorm: filter on Book: createdAt.$ilike: $ilike applies to string-like properties; Book.createdAt is datetime`},
		{name: "$like needs a string", entity: "Book", json: `{"title":{"$like":5}}`,
			want: `dorm: filter on Book: title.$like: $like needs a string pattern, got json.Number`},
		{name: "$re does not compile", entity: "Book", json: `{"author":{"name":{"$re":"(Jon"}}}`,
			want: `dorm: filter on Book: author.name.$re: $re: invalid regular expression "(Jon": error parsing regexp: missing closing ): ` + "`(Jon`"},
		{name: "$exists needs a bool", entity: "Book", json: `{"price":{"$exists":"yes"}}`,
			want: `dorm: filter on Book: price.$exists: $exists needs true or false, got string`},
		{name: "$gt on a boolean", entity: "Author", filter: M{"termsAccepted": M{"$gt": false}},
			want: `dorm: filter on Author: termsAccepted.$gt: $gt is not allowed on Author.termsAccepted (boolean)`},
		{name: "$gt null", entity: "Book", json: `{"pages":{"$gt":null}}`,
			want: `dorm: filter on Book: pages.$gt: $gt needs a value, got null`},
		{name: "equality on json", entity: "Book", json: `{"meta":{"a":1}}`,
			want: `dorm: filter on Book: meta: filtering json property Book.meta by value is not supported; $exists is`},
		{name: "$in on json", entity: "Author", filter: M{"identities": M{"$in": []any{"x"}}},
			want: `dorm: filter on Author: identities.$in: filtering json property Author.identities by value is not supported; $exists is`},
		{name: "$lt on json", entity: "Book", filter: M{"meta": M{"$lt": 1}},
			want: `dorm: filter on Book: meta.$lt: filtering json property Book.meta by value is not supported; $exists is`},
		{name: "equality on blob", entity: "Book", filter: M{"cover": []byte("x")},
			want: `dorm: filter on Book: cover: filtering blob property Book.cover by value is not supported; $exists is`},
		{name: "null on json", entity: "Book", filter: M{"meta": nil},
			want: `dorm: filter on Book: meta: filtering json property Book.meta by value is not supported; $exists is`},
		{name: "wrong type", entity: "Book", json: `{"pages":"many"}`,
			want: `dorm: filter on Book: pages: Book.pages: expected int (int64), got string`},
		{name: "not an enum value", entity: "Book", filter: M{"status": M{"$in": []string{"draft", "gone"}}},
			want: `dorm: filter on Book: status.$in[1]: Book.status: expected enum (string), got string: "gone" is not one of [draft published]`},
		{name: "out of range", entity: "Author", filter: M{"age": 70000},
			want: `dorm: filter on Author: age: Author.age: expected smallint (int64), got int: out of range for smallint`},
		{name: "bad datetime", entity: "Book", filter: M{"createdAt": M{"$gt": "yesterday"}},
			want: `dorm: filter on Book: createdAt.$gt: Book.createdAt: expected datetime (time.Time), got string: "yesterday" is not an RFC 3339 time`},
		{name: "bad uuid key", entity: "Author", filter: M{"books": "nope"},
			want: `dorm: filter on Author: books: Book.id: expected uuid (string), got string: "nope" is not a UUID`},
		{name: "entity on a scalar", entity: "Book", filter: M{"title": &fakeEntity{"Author", 1}},
			want: `dorm: filter on Book: title: Book.title is a string property, not a relation; got an entity`},
		{name: "entity of the wrong type", entity: "Book", filter: M{"author": &fakeEntity{"Publisher", 1}},
			want: `dorm: filter on Book: author: Book.author relates to Author, got an entity of Publisher`},
		{name: "entity of the wrong type in an array", entity: "Author", filter: M{"books": []any{&fakeEntity{"Author", 1}}},
			want: `dorm: filter on Author: books[0]: Author.books relates to Book, got an entity of Author`},
		{name: "entity not persisted", entity: "Book", filter: M{"author": &fakeEntity{"Author", nil}},
			want: `dorm: filter on Book: author: Author is not persisted yet, it has no key`},
		{name: "mixing operators and properties", entity: "Book", json: `{"author":{"$in":[1],"name":"Jon","age":3}}`,
			want: `dorm: filter on Book: author: cannot mix operators ($in) and properties of Author (age, name) in one object`},
		{name: "$like on a relation", entity: "Book", filter: M{"author": M{"$like": "J%"}},
			want: `dorm: filter on Book: author.$like: $like is not supported on relation Book.author; filter a property of Author instead`},
		{name: "null for a collection", entity: "Author", json: `{"books":null}`,
			want: `dorm: filter on Author: books: null is not allowed for collection Author.books (1:m); filter the properties of Book instead`},
		{name: "$exists on a collection", entity: "Author", filter: M{"books": M{"$exists": true}},
			want: `dorm: filter on Author: books.$exists: $exists is not supported on collection Author.books (1:m); use $eq, $in or a filter on the properties of Book`},
		{name: "$ne on a m:n", entity: "Book", filter: M{"tags": M{"$ne": 1}},
			want: `dorm: filter on Book: tags.$ne: $ne is not supported on collection Book.tags (m:n); use $eq, $in or a filter on the properties of BookTag`},
		{name: "$eq null on a collection", entity: "Book", filter: M{"tags": M{"$eq": nil}},
			want: `dorm: filter on Book: tags.$eq: null is not allowed for collection Book.tags (m:n); filter the properties of BookTag instead`},
		{name: "null for an inverse 1:1", entity: "Profile", filter: M{"user": nil},
			want: `dorm: filter on Profile: user: null is not allowed for inverse side Profile.user (1:1); filter the properties of User instead`},
		{name: "composite key target", entity: "Ticket", filter: M{"seat": "A"},
			want: `dorm: filter on Ticket: seat: relation Ticket.seat: filters on relations to Seat, which has a composite or no primary key, are not supported`},
		{name: "too deep", entity: "Book", filter: deep,
			want: `dorm: filter on Book: $not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not: the filter is nested deeper than 32 levels`},
		{name: "cyclic map", entity: "Book", filter: cyclic,
			want: `dorm: filter on Book: $not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not.$not: the filter is nested deeper than 32 levels`},
		{name: "JSON top level array", entity: "Book", json: `[{"title":"x"}]`,
			want: `dorm: filter on Book: the filter must be a JSON object, got an array`},
		{name: "JSON top level null", entity: "Book", json: `null`,
			want: `dorm: filter on Book: the filter must be a JSON object, got null`},
		{name: "JSON syntax", entity: "Book", json: `{"title":}`,
			want: `dorm: filter on Book: invalid JSON: invalid character '}' looking for beginning of value`},
		{name: "JSON trailing data", entity: "Book", json: `{"title":"a"} {}`,
			want: `dorm: filter on Book: invalid JSON: data after the top-level object`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, ok := reg.Entity(tc.entity)
			if !ok {
				e = entity(t, one, tc.entity)
			}
			var x Expr
			var err error
			if tc.json != "" {
				x, err = ParseJSON(e, []byte(tc.json))
			} else {
				x, err = Parse(e, tc.filter)
			}
			if err == nil {
				t.Fatalf("no error; got %s", String(x))
			}
			if x != nil {
				t.Errorf("an error and an expression %s", String(x))
			}
			if got := err.Error(); got != tc.want {
				t.Errorf("error\n got: %s\nwant: %s", got, tc.want)
			}
			var qe *Error
			if !errors.As(err, &qe) {
				t.Fatalf("%T is not a *query.Error", err)
			}
			if qe.Entity != tc.entity {
				t.Errorf("Entity = %q, want %q", qe.Entity, tc.entity)
			}
			if qe.Path != "" && !strings.Contains(tc.want, ": "+qe.Path+": ") {
				t.Errorf("Path %q is not in the message", qe.Path)
			}
		})
	}
}

package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/dorm-go/dorm/schema"
)

const (
	bookID  = "6f1c2a3e-8b4d-4c5e-9f60-7a8b9c0d1e2f"
	bookID2 = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
)

type M = map[string]any

type parseCase struct {
	name   string
	entity string
	filter M
	json   string // when set, ParseJSON(json) must give the same result as Parse(filter)
	want   string
}

func TestParse(t *testing.T) {
	reg := testRegistry(t)
	day := time.Date(2024, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	title := "Dune"
	cases := []parseCase{
		{name: "nil filter matches all", entity: "Book", filter: nil, json: `{}`, want: `TRUE`},
		{name: "empty filter matches all", entity: "Book", filter: M{}, want: `TRUE`},
		{name: "equality", entity: "Book", filter: M{"title": "Dune"}, json: `{"title":"Dune"}`,
			want: `Book.title $eq "Dune"`},
		{name: "null is IS NULL", entity: "Book", filter: M{"pages": nil}, json: `{"pages":null}`,
			want: `Book.pages $eq null`},
		{name: "primary key", entity: "Author", filter: M{"id": 7}, json: `{"id":7}`, want: `Author.id $eq 7`},
		{name: "uuid key lower-cased", entity: "Book", filter: M{"id": strings.ToUpper(bookID)},
			want: `Book.id $eq "` + bookID + `"`},
		{name: "pointer value dereferenced", entity: "Book", filter: M{"title": &title}, want: `Book.title $eq "Dune"`},
		{name: "several keys sorted into an And", entity: "Book",
			filter: M{"title": "Dune", "pages": 412, "status": "published"},
			json:   `{"title":"Dune","pages":412,"status":"published"}`,
			want:   `(Book.pages $eq 412 AND Book.status $eq "published" AND Book.title $eq "Dune")`},
		{name: "array is $in", entity: "Book", filter: M{"pages": []any{100, 200}}, json: `{"pages":[100,200]}`,
			want: `Book.pages $in [100, 200]`},
		{name: "typed slice is $in", entity: "Book", filter: M{"title": []string{"a", "b"}}, want: `Book.title $in ["a", "b"]`},
		{name: "typed int slice is $in", entity: "Author", filter: M{"age": []int{30, 40}}, want: `Author.age $in [30, 40]`},
		{name: "empty $in", entity: "Author", filter: M{"id": M{"$in": []any{}}}, json: `{"id":{"$in":[]}}`,
			want: `Author.id $in []`},
		{name: "every comparison", entity: "Book",
			filter: M{"pages": M{"$gt": 1, "$gte": 2, "$lt": 9, "$lte": 8, "$ne": 5, "$nin": []int{3, 4}, "$eq": 6}},
			json:   `{"pages":{"$gt":1,"$gte":2,"$lt":9,"$lte":8,"$ne":5,"$nin":[3,4],"$eq":6}}`,
			want: `(Book.pages $eq 6 AND Book.pages $gt 1 AND Book.pages $gte 2 AND Book.pages $lt 9 AND ` +
				`Book.pages $lte 8 AND Book.pages $ne 5 AND Book.pages $nin [3, 4])`},
		{name: "operators and properties flatten into one And", entity: "Book",
			filter: M{"title": M{"$like": "Du%"}, "pages": M{"$gt": 100, "$lt": 500}},
			want:   `(Book.pages $gt 100 AND Book.pages $lt 500 AND Book.title $like "Du%")`},
		{name: "$ne null", entity: "Book", filter: M{"description": M{"$ne": nil}}, json: `{"description":{"$ne":null}}`,
			want: `Book.description $ne null`},
		{name: "like ilike re", entity: "Book",
			filter: M{"title": M{"$ilike": "%dune%"}, "description": M{"$like": "A_%"}, "status": M{"$re": "^pub"}},
			json:   `{"title":{"$ilike":"%dune%"},"description":{"$like":"A_%"},"status":{"$re":"^pub"}}`,
			want:   `(Book.description $like "A_%" AND Book.status $re "^pub" AND Book.title $ilike "%dune%")`},
		{name: "like on an enum is not checked against the values", entity: "Publisher",
			filter: M{"type": M{"$like": "lo%"}}, want: `Publisher.type $like "lo%"`},
		{name: "like on a uuid", entity: "Book", filter: M{"id": M{"$like": "6f1c%"}}, want: `Book.id $like "6f1c%"`},
		{name: "$exists on scalars, json and blob", entity: "Book",
			filter: M{"meta": M{"$exists": true}, "cover": M{"$exists": false}, "price": M{"$exists": true}},
			json:   `{"meta":{"$exists":true},"cover":{"$exists":false},"price":{"$exists":true}}`,
			want:   `(Book.cover $exists false AND Book.meta $exists true AND Book.price $exists true)`},
		{name: "$not in a property", entity: "Book", filter: M{"title": M{"$not": M{"$like": "x%"}}},
			json: `{"title":{"$not":{"$like":"x%"}}}`, want: `NOT Book.title $like "x%"`},
		{name: "$not with two operators", entity: "Book", filter: M{"pages": M{"$not": M{"$gt": 1, "$lt": 9}}},
			want: `NOT (Book.pages $gt 1 AND Book.pages $lt 9)`},
		{name: "$not beside operators", entity: "Book", filter: M{"pages": M{"$gt": 1, "$not": M{"$eq": 5}}},
			want: `(Book.pages $gt 1 AND NOT Book.pages $eq 5)`},
		{name: "$and", entity: "Book", filter: M{"$and": []any{M{"title": "a"}, M{"pages": 1}}},
			json: `{"$and":[{"title":"a"},{"pages":1}]}`, want: `(Book.title $eq "a" AND Book.pages $eq 1)`},
		{name: "$or keeps its order", entity: "Book", filter: M{"$or": []any{M{"title": "b"}, M{"title": "a"}}},
			json: `{"$or":[{"title":"b"},{"title":"a"}]}`, want: `(Book.title $eq "b" OR Book.title $eq "a")`},
		{name: "$or of typed maps", entity: "Book", filter: M{"$or": []map[string]any{{"title": "b"}, {"pages": 3}}},
			want: `(Book.title $eq "b" OR Book.pages $eq 3)`},
		{name: "one-element $or", entity: "Book", filter: M{"$or": []any{M{"title": "a"}}}, want: `(Book.title $eq "a")`},
		{name: "$or of empty objects", entity: "Book", filter: M{"$or": []any{M{}}}, want: `(TRUE)`},
		{name: "$not at object level", entity: "Book", filter: M{"$not": M{"title": "a", "pages": 3}},
			json: `{"$not":{"title":"a","pages":3}}`, want: `NOT (Book.pages $eq 3 AND Book.title $eq "a")`},
		{name: "logical and properties together", entity: "Book",
			filter: M{"status": "draft", "$or": []any{M{"pages": M{"$lt": 100}}, M{"pages": nil}}},
			want:   `((Book.pages $lt 100 OR Book.pages $eq null) AND Book.status $eq "draft")`},
		{name: "nested logic", entity: "Author",
			filter: M{"$or": []any{M{"$and": []any{M{"name": "a"}, M{"age": 3}}}, M{"$not": M{"email": "x@y"}}}},
			json:   `{"$or":[{"$and":[{"name":"a"},{"age":3}]},{"$not":{"email":"x@y"}}]}`,
			want:   `((Author.name $eq "a" AND Author.age $eq 3) OR NOT Author.email $eq "x@y")`},

		// Conversion per type.
		{name: "datetime string to UTC time", entity: "Book", filter: M{"createdAt": M{"$gte": "2024-01-02T03:04:05+02:00"}},
			json: `{"createdAt":{"$gte":"2024-01-02T03:04:05+02:00"}}`, want: `Book.createdAt $gte 2024-01-02T01:04:05Z`},
		{name: "datetime time.Time to UTC", entity: "Book", filter: M{"updatedAt": M{"$lt": day}},
			want: `Book.updatedAt $lt 2024-03-01T11:00:00Z`},
		{name: "date", entity: "Author", filter: M{"born": "1990-05-17"}, json: `{"born":"1990-05-17"}`,
			want: `Author.born $eq 1990-05-17T00:00:00Z`},
		{name: "decimal from number and string", entity: "Book", filter: M{"price": M{"$gt": 9.5, "$lt": "20.00"}},
			json: `{"price":{"$gt":9.5,"$lt":"20.00"}}`, want: `(Book.price $gt "9.50" AND Book.price $lt "20.00")`},
		{name: "decimal keeps JSON digits", entity: "Book", filter: M{"price": M{"$eq": "12345678.99"}},
			json: `{"price":{"$eq":12345678.99}}`, want: `Book.price $eq "12345678.99"`},
		{name: "float from int", entity: "Book", filter: M{"weight": M{"$lte": 2}}, json: `{"weight":{"$lte":2}}`,
			want: `Book.weight $lte 2`},
		{name: "double", entity: "Author", filter: M{"rating": 4.5}, json: `{"rating":4.5}`, want: `Author.rating $eq 4.5`},
		{name: "boolean", entity: "Author", filter: M{"termsAccepted": true}, json: `{"termsAccepted":true}`,
			want: `Author.termsAccepted $eq true`},
		{name: "time of day", entity: "Publisher", filter: M{"opensAt": M{"$gte": "08:30"}}, json: `{"opensAt":{"$gte":"08:30"}}`,
			want: `Publisher.opensAt $gte "08:30:00"`},
		{name: "bigint key", entity: "BookTag", filter: M{"id": M{"$in": []int64{1, 1 << 40}}},
			json: `{"id":{"$in":[1,1099511627776]}}`, want: `BookTag.id $in [1, 1099511627776]`},

		// m:1: entity, key, null, array, operators, nested filter.
		{name: "m:1 entity", entity: "Book", filter: M{"author": &fakeEntity{"Author", int64(3)}}, want: `Book.author $eq 3`},
		{name: "m:1 key", entity: "Book", filter: M{"author": 3}, json: `{"author":3}`, want: `Book.author $eq 3`},
		{name: "m:1 null", entity: "Book", filter: M{"publisher": nil}, json: `{"publisher":null}`, want: `Book.publisher $eq null`},
		{name: "m:1 typed nil entity is null", entity: "Book", filter: M{"publisher": (*fakeEntity)(nil)}, want: `Book.publisher $eq null`},
		{name: "m:1 array of keys and entities", entity: "Book",
			filter: M{"author": []any{1, &fakeEntity{"Author", 2}}}, want: `Book.author $in [1, 2]`},
		{name: "m:1 uuid key", entity: "Author", filter: M{"favouriteBook": bookID}, json: `{"favouriteBook":"` + bookID + `"}`,
			want: `Author.favouriteBook $eq "` + bookID + `"`},
		{name: "m:1 operators on the key", entity: "Book",
			filter: M{"author": M{"$in": []any{1, 2}}, "publisher": M{"$exists": true}},
			json:   `{"author":{"$in":[1,2]},"publisher":{"$exists":true}}`,
			want:   `(Book.author $in [1, 2] AND Book.publisher $exists true)`},
		{name: "m:1 $ne with an entity", entity: "Book", filter: M{"author": M{"$ne": &fakeEntity{"Author", 9}}},
			want: `Book.author $ne 9`},
		{name: "m:1 $not on the key", entity: "Book", filter: M{"author": M{"$not": M{"$in": []any{1}}}},
			json: `{"author":{"$not":{"$in":[1]}}}`, want: `NOT Book.author $in [1]`},
		{name: "m:1 nested filter", entity: "Book", filter: M{"author": M{"name": "Jon"}}, json: `{"author":{"name":"Jon"}}`,
			want: `Book.author IN Related(Author.name $eq "Jon")`},
		{name: "design example", entity: "Book",
			filter: M{"title": M{"$re": "^My"}, "author": M{"name": "Jon"}},
			want:   `(Book.author IN Related(Author.name $eq "Jon") AND Book.title $re "^My")`},
		{name: "m:1 nested filter with several keys", entity: "Book",
			filter: M{"author": M{"name": M{"$re": "^Jon"}, "age": M{"$gte": 18}}},
			json:   `{"author":{"name":{"$re":"^Jon"},"age":{"$gte":18}}}`,
			want:   `Book.author IN Related(Author.age $gte 18 AND Author.name $re "^Jon")`},
		{name: "m:1 nested primary key becomes the key", entity: "Book", filter: M{"author": M{"id": 5}},
			json: `{"author":{"id":5}}`, want: `Book.author $eq 5`},
		{name: "m:1 nested primary key with operators stays a join", entity: "Book",
			filter: M{"author": M{"id": M{"$gt": 5}}}, want: `Book.author IN Related(Author.id $gt 5)`},
		{name: "m:1 nested null primary key stays a join", entity: "Book", filter: M{"author": M{"id": nil}},
			want: `Book.author IN Related(Author.id $eq null)`},
		{name: "m:1 nested logic", entity: "Book",
			filter: M{"author": M{"$or": []any{M{"name": "a"}, M{"email": "b"}}}},
			want:   `Book.author IN Related(Author.name $eq "a" OR Author.email $eq "b")`},
		{name: "m:1 nested $not", entity: "Book", filter: M{"author": M{"$not": M{"name": "a"}}},
			json: `{"author":{"$not":{"name":"a"}}}`, want: `Book.author IN Related(NOT Author.name $eq "a")`},
		{name: "m:1 empty nested filter", entity: "Book", filter: M{"publisher": M{}}, want: `Book.publisher IN Related(TRUE)`},
		{name: "two levels of relations", entity: "Book",
			filter: M{"author": M{"favouriteBook": M{"publisher": M{"name": "Tor"}}}},
			json:   `{"author":{"favouriteBook":{"publisher":{"name":"Tor"}}}}`,
			want:   `Book.author IN Related(Author.favouriteBook IN Related(Book.publisher IN Related(Publisher.name $eq "Tor")))`},
		{name: "self reference", entity: "Author", filter: M{"mentor": M{"mentor": nil}},
			want: `Author.mentor IN Related(Author.mentor $eq null)`},

		// Collections: at least one.
		{name: "1:m entity", entity: "Author", filter: M{"books": &fakeEntity{"Book", bookID}},
			want: `Author.books IN Related(Book.id $eq "` + bookID + `")`},
		{name: "1:m key", entity: "Author", filter: M{"books": bookID}, json: `{"books":"` + bookID + `"}`,
			want: `Author.books IN Related(Book.id $eq "` + bookID + `")`},
		{name: "1:m array", entity: "Publisher", filter: M{"books": []string{bookID, bookID2}},
			want: `Publisher.books IN Related(Book.id $in ["` + bookID + `", "` + bookID2 + `"])`},
		{name: "1:m nested filter", entity: "Author", filter: M{"books": M{"title": M{"$like": "A%"}}},
			json: `{"books":{"title":{"$like":"A%"}}}`, want: `Author.books IN Related(Book.title $like "A%")`},
		{name: "1:m $in", entity: "Author", filter: M{"books": M{"$in": []any{bookID}}},
			want: `Author.books IN Related(Book.id $in ["` + bookID + `"])`},
		{name: "1:m empty filter: has any", entity: "Author", filter: M{"books": M{}}, json: `{"books":{}}`,
			want: `Author.books IN Related(TRUE)`},
		{name: "m:n owner key", entity: "Book", filter: M{"tags": 4}, json: `{"tags":4}`, want: `Book.tags IN Related(BookTag.id $eq 4)`},
		{name: "m:n owner nested", entity: "Book", filter: M{"tags": M{"name": []string{"sf", "classic"}}},
			json: `{"tags":{"name":["sf","classic"]}}`, want: `Book.tags IN Related(BookTag.name $in ["sf", "classic"])`},
		{name: "m:n inverse", entity: "BookTag", filter: M{"books": M{"author": M{"name": "Jon"}}},
			want: `BookTag.books IN Related(Book.author IN Related(Author.name $eq "Jon"))`},
		{name: "without books", entity: "Author", filter: M{"$not": M{"books": M{}}}, json: `{"$not":{"books":{}}}`,
			want: `NOT Author.books IN Related(TRUE)`},
		{name: "uuid.UUID value", entity: "Book", filter: M{"id": uuid.MustParse(bookID)}, want: `Book.id $eq "` + bookID + `"`},
		{name: "uuid.UUID values", entity: "Author", filter: M{"favouriteBook": []uuid.UUID{uuid.MustParse(bookID)}},
			want: `Author.favouriteBook $in ["` + bookID + `"]`},
		{name: "typed operator map", entity: "Book", filter: M{"title": map[string]string{"$like": "A%"}},
			want: `Book.title $like "A%"`},
		{name: "m:n nested primary key is not shortened", entity: "Book", filter: M{"tags": M{"id": 4}},
			want: `Book.tags IN Related(BookTag.id $eq 4)`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := entity(t, reg, tc.entity)
			x, err := Parse(e, tc.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := String(x); got != tc.want {
				t.Errorf("Parse(%v)\n got: %s\nwant: %s", tc.filter, got, tc.want)
			}
			checkInvariants(t, x)
			if tc.json == "" {
				return
			}
			jx, err := ParseJSON(e, []byte(tc.json))
			if err != nil {
				t.Fatalf("ParseJSON: %v", err)
			}
			if got := String(jx); got != tc.want {
				t.Errorf("ParseJSON(%s)\n got: %s\nwant: %s", tc.json, got, tc.want)
			}
			if diff := cmp.Diff(x, jx, cmpProps); diff != "" {
				t.Errorf("Parse and ParseJSON differ (-map +json):\n%s", diff)
			}
		})
	}
}

// cmpProps compares metadata by identity.
var cmpProps = cmp.Options{
	cmp.Comparer(func(a, b *schema.Property) bool { return a == b }),
}

// checkInvariants checks what drivers rely on: every value has the Go type of its property.
func checkInvariants(t *testing.T, x Expr) {
	t.Helper()
	Walk(x, func(n Expr) bool {
		switch n := n.(type) {
		case *Cmp:
			if n.Prop == nil {
				t.Fatalf("Cmp without a property: %s", String(n))
			}
			if n.Prop.IsToMany() || (n.Prop.IsRelation() && !n.Prop.HasColumn()) {
				t.Errorf("Cmp on %s, which has no column", n.Prop)
			}
			switch n.Op {
			case In, Nin:
				vals, ok := n.Value.([]any)
				if !ok {
					t.Fatalf("%s: %s value is %T", n.Prop, n.Op, n.Value)
				}
				for _, v := range vals {
					if v == nil {
						t.Errorf("%s: nil in %s", n.Prop, n.Op)
					}
					checkGoType(t, n.Prop, v)
				}
			case Exists:
				if _, ok := n.Value.(bool); !ok {
					t.Errorf("%s: $exists value is %T", n.Prop, n.Value)
				}
			case Like, ILike, Re:
				if _, ok := n.Value.(string); !ok {
					t.Errorf("%s: %s value is %T", n.Prop, n.Op, n.Value)
				}
			default:
				checkGoType(t, n.Prop, n.Value)
			}
		case *Related:
			if n.Prop == nil || n.Prop.Target == nil || n.Where == nil {
				t.Fatalf("incomplete Related: %#v", n)
			}
		}
		return true
	})
}

func checkGoType(t *testing.T, p *schema.Property, v any) {
	t.Helper()
	if v == nil {
		return
	}
	var got string
	switch v.(type) {
	case string:
		got = "string"
	case int64:
		got = "int64"
	case float64:
		got = "float64"
	case bool:
		got = "bool"
	case time.Time:
		got = "time.Time"
	case []byte:
		got = "[]byte"
	default:
		got = "other"
	}
	if want := p.Type.GoType(); got != want {
		t.Errorf("%s: value %v is %T, want %s", p, v, v, want)
	}
}

func TestParseAST(t *testing.T) {
	reg := testRegistry(t)
	book := entity(t, reg, "Book")
	title := prop(t, reg, "Book", "title")
	pages := prop(t, reg, "Book", "pages")
	author := prop(t, reg, "Book", "author")
	created := prop(t, reg, "Book", "createdAt")
	authorName := prop(t, reg, "Author", "name")
	tags := prop(t, reg, "Book", "tags")
	tagID := prop(t, reg, "BookTag", "id")

	x, err := Parse(book, M{
		"title":     M{"$re": "^My", "$ne": nil},
		"author":    M{"name": "Jon"},
		"createdAt": M{"$gt": "2024-01-01T00:00:00Z"},
		"tags":      []any{1, 2},
		"$or":       []any{M{"pages": nil}, M{"pages": M{"$not": M{"$lt": 10}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := And{
		Or{
			&Cmp{Prop: pages, Op: Eq, Value: nil},
			Not{X: &Cmp{Prop: pages, Op: Lt, Value: int64(10)}},
		},
		&Related{Prop: author, Where: &Cmp{Prop: authorName, Op: Eq, Value: "Jon"}},
		&Cmp{Prop: created, Op: Gt, Value: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
		&Related{Prop: tags, Where: &Cmp{Prop: tagID, Op: In, Value: []any{int64(1), int64(2)}}},
		&Cmp{Prop: title, Op: Ne, Value: nil},
		&Cmp{Prop: title, Op: Re, Value: "^My"},
	}
	if diff := cmp.Diff(want, x, cmpProps); diff != "" {
		t.Errorf("Parse (-want +got):\n%s", diff)
	}

	// A single condition is not wrapped in an And.
	x, err = Parse(book, M{"title": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Expr(&Cmp{Prop: title, Op: Eq, Value: "x"}), x, cmpProps); diff != "" {
		t.Errorf("single condition (-want +got):\n%s", diff)
	}

	// The empty filter is an empty And, not nil.
	for _, f := range []M{nil, {}} {
		x, err := Parse(book, f)
		if err != nil {
			t.Fatal(err)
		}
		if a, ok := x.(And); !ok || len(a) != 0 {
			t.Errorf("Parse(%v) = %#v, want And{}", f, x)
		}
	}
}

func TestParseOneToOne(t *testing.T) {
	reg := testOneToOne(t)
	const oid = "65a1b2c3d4e5f60718293a4b"
	cases := []parseCase{
		{name: "owner key", entity: "User", filter: M{"profile": oid}, json: `{"profile":"` + oid + `"}`,
			want: `User.profile $eq "` + oid + `"`},
		{name: "owner entity", entity: "User", filter: M{"profile": &fakeEntity{"Profile", oid}}, want: `User.profile $eq "` + oid + `"`},
		{name: "owner null", entity: "User", filter: M{"profile": nil}, want: `User.profile $eq null`},
		{name: "owner $exists", entity: "User", filter: M{"profile": M{"$exists": false}}, want: `User.profile $exists false`},
		{name: "owner nested", entity: "User", filter: M{"profile": M{"bio": M{"$ilike": "%go%"}}},
			want: `User.profile IN Related(Profile.bio $ilike "%go%")`},
		{name: "inverse entity", entity: "Profile", filter: M{"user": &fakeEntity{"User", 1}}, want: `Profile.user IN Related(User.id $eq 1)`},
		{name: "inverse key", entity: "Profile", filter: M{"user": 1}, json: `{"user":1}`, want: `Profile.user IN Related(User.id $eq 1)`},
		{name: "inverse array", entity: "Profile", filter: M{"user": []int{1, 2}}, want: `Profile.user IN Related(User.id $in [1, 2])`},
		{name: "inverse nested", entity: "Profile", filter: M{"user": M{"login": "x"}}, want: `Profile.user IN Related(User.login $eq "x")`},
		{name: "composite key entity filtered by its scalars", entity: "Seat", filter: M{"row": "A", "number": 3},
			want: `(Seat.number $eq 3 AND Seat.row $eq "A")`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := entity(t, reg, tc.entity)
			x, err := Parse(e, tc.filter)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := String(x); got != tc.want {
				t.Errorf("got: %s\nwant: %s", got, tc.want)
			}
			checkInvariants(t, x)
			if tc.json != "" {
				jx, err := ParseJSON(e, []byte(tc.json))
				if err != nil {
					t.Fatalf("ParseJSON: %v", err)
				}
				if got := String(jx); got != tc.want {
					t.Errorf("ParseJSON got: %s\nwant: %s", got, tc.want)
				}
			}
		})
	}
}

func TestParseDeterministic(t *testing.T) {
	reg := testRegistry(t)
	book := entity(t, reg, "Book")
	f := M{"title": "a", "pages": M{"$gt": 1, "$lt": 2, "$ne": 3}, "status": "draft", "price": "1.00",
		"author": M{"name": "x", "age": 3, "email": "e"}, "$or": []any{M{"weight": 1}, M{"weight": 2}}}
	first := String(mustParse(t, book, f))
	for range 50 {
		if got := String(mustParse(t, book, f)); got != first {
			t.Fatalf("not deterministic:\n%s\n%s", first, got)
		}
	}
}

func mustParse(t *testing.T, e *schema.Entity, f M) Expr {
	t.Helper()
	x, err := Parse(e, f)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestParseTypeError(t *testing.T) {
	reg := testRegistry(t)
	_, err := Parse(entity(t, reg, "Book"), M{"author": M{"age": M{"$in": []any{1, "x"}}}})
	var qe *Error
	if !errors.As(err, &qe) {
		t.Fatalf("error %v is not a *query.Error", err)
	}
	if qe.Entity != "Book" || qe.Path != "author.age.$in[1]" {
		t.Errorf("Entity, Path = %q, %q", qe.Entity, qe.Path)
	}
	var te *schema.TypeError
	if !errors.As(err, &te) {
		t.Fatalf("error %v does not wrap a *schema.TypeError", err)
	}
	if te.Entity != "Author" || te.Property != "age" || te.Got != "string" {
		t.Errorf("TypeError = %+v", te)
	}
}

func TestParseNilEntity(t *testing.T) {
	if _, err := Parse(nil, M{}); err == nil {
		t.Error("Parse(nil) did not fail")
	}
	if _, err := ParseJSON(nil, []byte(`{}`)); err == nil {
		t.Error("ParseJSON(nil) did not fail")
	}
}

func TestWalk(t *testing.T) {
	reg := testRegistry(t)
	x := mustParse(t, entity(t, reg, "Book"), M{
		"title":  "a",
		"author": M{"name": "b", "books": M{"pages": 3}},
		"$not":   M{"pages": 1},
	})
	var seen []string
	Walk(x, func(n Expr) bool {
		switch n := n.(type) {
		case And:
			seen = append(seen, "And")
		case Not:
			seen = append(seen, "Not")
		case *Cmp:
			seen = append(seen, n.Prop.String())
		case *Related:
			seen = append(seen, "Related "+n.Prop.String())
		}
		return true
	})
	want := []string{"And", "Not", "Book.pages", "Related Book.author", "And",
		"Related Author.books", "Book.pages", "Author.name", "Book.title"}
	if diff := cmp.Diff(want, seen); diff != "" {
		t.Errorf("Walk order (-want +got):\n%s", diff)
	}

	// Returning false skips the children.
	seen = nil
	Walk(x, func(n Expr) bool {
		if r, ok := n.(*Related); ok {
			seen = append(seen, r.Prop.String())
			return false
		}
		return true
	})
	if diff := cmp.Diff([]string{"Book.author"}, seen); diff != "" {
		t.Errorf("Walk with false (-want +got):\n%s", diff)
	}
	Walk(nil, func(Expr) bool { t.Error("visited nil"); return true })
}

func TestStringEdges(t *testing.T) {
	for _, tc := range []struct {
		x    Expr
		want string
	}{
		{nil, "<nil>"},
		{And{}, "TRUE"},
		{Or{}, "FALSE"},
		{Not{X: Or{}}, "NOT FALSE"},
		{&Cmp{Op: Eq, Value: []byte{1, 255}}, `<nil> $eq 0x01ff`},
		{&Cmp{Op: Op(99), Value: 3}, `<nil> Op(99) 3`},
		{&Related{Where: And{}}, `<nil> IN Related(TRUE)`},
	} {
		if got := String(tc.x); got != tc.want {
			t.Errorf("String(%#v) = %s, want %s", tc.x, got, tc.want)
		}
	}
}

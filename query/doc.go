// Package query is dorm's driver-neutral filter: an expression tree ([Expr]) that every driver
// translates, and [Parse], which turns MikroORM's FilterQuery, written as Go maps or JSON, into
// that tree after checking it against the entity metadata of package schema.
//
// Users do not usually call this package: em.EntityManager.Find passes its filter map through
// [Parse]. Drivers read the tree; they never see the maps.
//
// # Filters
//
// A filter is an object whose keys are property names or the logical operators $and, $or and
// $not. A property maps to a value (equality), an array (one of), or an object of operators:
//
//	query.Parse(book, map[string]any{"title": "Dune"})                           // title = 'Dune'
//	query.Parse(book, map[string]any{"pages": []int{100, 200}})                  // pages IN (100, 200)
//	query.Parse(book, map[string]any{"pages": map[string]any{"$gte": 100}})      // pages >= 100
//	query.Parse(book, map[string]any{"title": map[string]any{"$re": "^My"}})     // regular expression
//	query.Parse(book, map[string]any{"$or": []any{
//		map[string]any{"status": "draft"}, map[string]any{"pages": nil},        // pages IS NULL
//	}})
//
// The comparison operators are $eq $ne $in $nin $gt $gte $lt $lte $like $ilike $re $exists,
// and $not inside a property ({"title": {"$not": {"$like": "x%"}}}). [ParseJSON] accepts the
// same filter as JSON:
//
//	query.ParseJSON(book, []byte(`{"author": {"name": {"$re": "^Jon"}}, "pages": {"$gt": 100}}`))
//
// # Relations
//
// A to-one relation that holds a foreign key (m:1, the owning side of a 1:1) is compared by
// key: give an entity (anything with Entity() string and ID() any, such as *dynamic.Entity), a
// key, nil, an array of them, or an object of operators such as {"$in": [1, 2]}. An object of
// the target's properties is a nested filter, an implicit join, which becomes a [Related]:
//
//	{"author": 3}                       Book.author $eq 3
//	{"author": {"name": "Jon"}}         Book.author IN Related(Author.name $eq "Jon")
//
// Collections (1:m, m:n) and the inverse side of a 1:1 have no column, so every condition on
// them is a [Related] that matches when at least one related entity matches.
//
// # Values
//
// Values are converted with [schema.ConvertProperty] to the Go type of the property (see
// [schema.Type.GoType]): RFC 3339 strings become time.Time, integers int64, decimals strings.
// Relation keys are converted with the target's primary key.
//
// # Errors
//
// Every mistake is an [*Error] naming the entity and the path inside the filter, such as
//
//	dorm: filter on Book: author.nmae: unknown property "nmae" of Author (known: id, ...)
//
// An unknown property or operator is never ignored. A value of the wrong type wraps the
// [*schema.TypeError], which errors.As finds. Filters nested deeper than [MaxDepth] objects are
// refused.
//
// # Determinism
//
// Go maps have no order, so [Parse] visits keys in sorted order: the same filter always gives
// the same tree, and so the same SQL. Several conditions at one level become an [And]; a single
// condition is returned alone. [String] prints a tree in a stable form for tests and logs, and
// [Walk] visits its nodes.
package query

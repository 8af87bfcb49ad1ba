// Package dynamic holds dorm's entity values: [Entity], a map-like value described by a
// *schema.Entity, and [Collection], the to-many side of a relation.
//
// Entities are not Go structs: their properties are read with Get (or Ref, Collection) and
// written with Set, which checks names and types. Every write goes through Set or the
// collection methods, so an entity knows which properties changed and the unit of work
// never has to compare every managed entity at flush time.
//
// # References and collections
//
// A relation that was not loaded holds a reference: an Entity with only its primary key
// (IsInitialized reports false). A loaded entity's collections start uninitialised. Neither
// ever runs a query by itself: Init (or EntityManager.Populate) is the only way to load them.
//
// # Bidirectional relations
//
// Setting one side of a relation keeps the other in step: book.Set("author", a) adds book to
// a's "books" collection (when it is loaded), author.Collection("books").Add(b) sets b's
// "author", and adding to one side of a m:n adds to the other.
package dynamic

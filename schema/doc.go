// Package schema is dorm's metadata model: entities, their properties and relations, scalar
// types, the naming strategy, and the JSON Schema of the entity file format.
//
// A [Registry] is built by package loader from entity files and is read-only afterwards: every
// other package (dynamic, query, uow, em, the drivers, migrate) reads it and never changes it.
//
// # Values
//
// Inside dorm a property's value always has one Go type per scalar [Type] (see [Type.GoType]);
// [Convert] turns what a user passes into that type or returns a [*TypeError] naming the
// expected and the given type.
package schema

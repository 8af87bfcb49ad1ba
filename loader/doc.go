// Package loader reads entity files (YAML or JSON), validates them and resolves them into a
// [schema.Registry].
//
// # Loading
//
//	reg, err := loader.LoadDir("schemas")                 // every *.yaml, *.yml, *.json below
//	reg, err := loader.LoadFS(embedded, "schemas/*.yaml")  // an fs.FS, e.g. an embed.FS
//	reg, err := loader.LoadFiles("author.yaml", "book.yaml")
//
// [WithNaming] replaces the naming strategy ([schema.UnderscoreNaming] by default) that derives
// the table, column and pivot names an entity file leaves out.
//
// # Checks
//
// Each document is validated against the JSON Schema of the format ([schema.JSONSchema]), then
// the entities of all files are resolved together: relation targets, mappedBy and inversedBy
// pairs, primary keys, defaults (converted to the property's Go type), indexes, and the
// combinations of keys that the JSON Schema cannot express. The format is documented in
// docs/entities.md.
//
// # Errors
//
// A load reports every mistake it finds, not only the first, as an [ErrorList] of [*Error]
// sorted by position. Each names the file as given, the line and column, and what was expected:
//
//	schemas/book.yaml:12:16: Book.author: unknown target entity "Autor" (did you mean "Author"?)
//	schemas/book.yaml:14:31: Book.titel: unknown key "lenght" (did you mean "length"?)
//
// A mistake that makes a property unusable is reported once: checks that depend on that
// property stay silent.
package loader

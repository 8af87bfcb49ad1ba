// Package sqlbase is what dorm's SQL drivers (SQLite, PostgreSQL, MySQL) share: one SQL
// builder that turns the typed operations of package drivers into statements with bound
// arguments, first-version schema DDL, hydration of scanned rows into schema Go types, and a
// [Runner] that executes the operations over database/sql.
//
// # Dialects
//
// Everything that differs between databases is a hook of [Dialect]: quoting, placeholders,
// column types, pattern matching ($like, $ilike, $re), LIMIT/OFFSET, lock clauses, value
// conversion in both directions and error classification. The algorithms are written once
// here; a driver package supplies a Dialect and the connection handling.
//
// # Statements
//
// Every identifier is quoted with [Dialect.QuoteIdent] and every value is a bound argument.
// The entity being found is aliased t0; subqueries of related filters are t1, t2, ... and
// their pivot tables p1, p2, ...; the pivot table of a populate query is p0.
//
//	SELECT t0."id", t0."title" FROM "book" t0
//	WHERE t0."author_id" IN (SELECT t1."id" FROM "author" t1 WHERE t1."name" = ?)
//	ORDER BY t0."title" DESC LIMIT ?
//
// # Golden tests
//
// The statements of each dialect are pinned by golden files in the driver packages'
// testdata directories; regenerate them with UPDATE_GOLDEN=1 go test ./drivers/...
package sqlbase

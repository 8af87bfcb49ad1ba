// Package drivers is the contract between dorm's unit of work and the databases, as
// database/sql/driver is to database/sql.
//
// The unit of work (package uow) and the entity manager (package em) never build SQL or BSON:
// they hand typed operations to a [Driver] — find these rows ([FindOp]), insert these rows
// ([InsertOp]), update these columns by key ([UpdateOp]), delete by key ([DeleteOp]), add or
// remove pivot rows ([PivotOp]) — with filters as the driver-neutral AST of package query.
// A SQL driver turns them into statements (package drivers/sqlbase does this once for the
// three SQL dialects); a document database maps them to its own commands.
//
// # Values
//
// Values cross the contract as the Go types of package schema (schema.Type.GoType): a driver
// converts them to its native types when writing and back when reading.
//
// # Capabilities and errors
//
// A driver states what it can do in [Capabilities]; asked for anything else it fails with a
// [*NotSupportedError], never silently. Constraint violations are [*ConstraintError]s
// classified from native codes; stale versioned writes are [*NotAffectedError]s.
//
// # Registration
//
// Importing a driver package registers its URL scheme with [Register], as database/sql drivers
// do; [Open] opens a URL with the driver of its scheme.
package drivers

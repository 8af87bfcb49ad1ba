package sqlbase

import (
	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Dialect is what differs between SQL databases. A driver implements it once; the builder,
// the DDL and the [Runner] call its hooks.
type Dialect interface {
	// Name is the driver name used in errors ("sqlite").
	Name() string
	// QuoteIdent quotes an identifier, escaping the quote character inside it.
	QuoteIdent(name string) string
	// Placeholder returns the placeholder of the n-th argument (1-based): "?" or "$1".
	Placeholder(n int) string

	// ColumnType returns the column type of a property with a column (scalar or foreign key).
	ColumnType(p *schema.Property) string
	// Match writes a $like, $ilike or $re condition on col (an already quoted, qualified
	// column) with the pattern, binding what it needs through b.Arg.
	Match(b *Builder, col string, op query.Op, pattern string) error
	// LimitOffset writes the LIMIT/OFFSET clause (with a leading space) for limit > 0 or
	// offset > 0, binding the numbers through b.Arg.
	LimitOffset(b *Builder, limit, offset int)
	// Lock returns the lock clause of a find (with a leading space), "" for LockNone, or a
	// *drivers.NotSupportedError.
	Lock(l drivers.Lock) (string, error)

	// Arg converts a value of p's schema Go type (schema.Type.GoType) to a driver argument.
	Arg(p *schema.Property, v any) (any, error)
	// Decoder returns the function that converts a scanned value of p's column back to p's
	// schema Go type. It is called once per query and field, the result once per row.
	Decoder(p *schema.Property) Decoder
	// Literal writes a converted value (a result of Arg) as a SQL literal, for DDL defaults.
	Literal(v any) (string, error)

	// Error classifies a native error: a *drivers.ConstraintError (without Entity) for
	// constraint violations, or err itself.
	Error(err error) error

	// DDL hooks; see [CreateSchema].
	DDL() DDL
}

// DDL holds the dialect's choices for CREATE/DROP statements.
type DDL struct {
	// AutoincrementColumn returns the full column definition of an autoincrement primary
	// key after its quoted name ("INTEGER PRIMARY KEY AUTOINCREMENT"). The table then has no
	// separate PRIMARY KEY clause.
	AutoincrementColumn func(p *schema.Property) string
	// InlineForeignKeys puts FOREIGN KEY clauses inside CREATE TABLE (SQLite must; it also
	// accepts references to tables created later). Otherwise they are added with ALTER TABLE
	// after every table exists, which resolves foreign-key cycles.
	InlineForeignKeys bool
	// IfNotExists adds IF NOT EXISTS to CREATE TABLE and CREATE INDEX.
	IfNotExists bool
	// TableOptions is appended to each CREATE TABLE (e.g. " ENGINE=InnoDB").
	TableOptions string
	// DropSuffix is appended to each DROP TABLE (e.g. " CASCADE").
	DropSuffix string
	// Name, when set, turns a generated constraint or index name into one the database
	// accepts (MySQL: at most 64 characters). nil keeps names as they are.
	Name func(name string) string
}

// name applies the Name hook of ddl.
func (ddl DDL) name(n string) string {
	if ddl.Name == nil {
		return n
	}
	return ddl.Name(n)
}

// Decoder converts a scanned value (nil for NULL) to the schema Go type of a property.
type Decoder func(v any) (any, error)

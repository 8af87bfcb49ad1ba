package drivers

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Driver is one opened database. It is safe for concurrent use; every method that does I/O
// takes the context first and keeps no reference to it.
type Driver interface {
	Executor

	// Name is the driver's name: "sqlite", "postgres", "mysql", "mongo", "memory".
	Name() string
	// Capabilities states truthfully what the driver can do.
	Capabilities() Capabilities
	// Begin starts a transaction. A driver without transactions returns a *NotSupportedError.
	Begin(ctx context.Context, opts TxOptions) (Tx, error)
	// CreateSchema creates the tables (collections), foreign keys, indexes and pivot tables of
	// every entity of reg. DropSchema drops them; both ignore what does not exist.
	CreateSchema(ctx context.Context, reg *schema.Registry) error
	DropSchema(ctx context.Context, reg *schema.Registry) error
	// Close releases the connections.
	Close() error
}

// Executor runs typed operations. A Driver runs each in its own implicit transaction; a Tx
// runs them inside itself.
type Executor interface {
	// Find calls fn once per row with the values of op.Fields, in that order, converted to the
	// Go types of the properties (schema.Type.GoType). With op.Pivot set, row[0] is the key of
	// the owning entity and the fields follow. row is only valid during the call.
	Find(ctx context.Context, op *FindOp, fn func(row []any) error) error
	// Count returns the number of rows that match op.Where.
	Count(ctx context.Context, op *CountOp) (int64, error)
	// Insert inserts op.Rows. When the entity has an autoincrement key, the driver sets
	// op.Generated[i] (int64) to the key of op.Rows[i].
	Insert(ctx context.Context, op *InsertOp) error
	// Update updates each row by key. A row with a non-nil Version matches only when the
	// stored version equals it; when such a row matches nothing, Update returns a
	// *NotAffectedError naming the row.
	Update(ctx context.Context, op *UpdateOp) error
	// Delete deletes rows by key, with the same version rule as Update.
	Delete(ctx context.Context, op *DeleteOp) error
	// InsertPivot and DeletePivot add and remove rows of a m:n pivot table.
	InsertPivot(ctx context.Context, op *PivotOp) error
	DeletePivot(ctx context.Context, op *PivotOp) error
	// UpdateWhere and DeleteWhere change or delete every row that matches a filter, in one
	// statement (MikroORM's nativeUpdate and nativeDelete), and return how many rows they
	// matched.
	UpdateWhere(ctx context.Context, op *UpdateWhereOp) (int64, error)
	DeleteWhere(ctx context.Context, op *DeleteWhereOp) (int64, error)
}

// Tx is a transaction.
type Tx interface {
	Executor
	// Begin starts a nested transaction (a savepoint). Without savepoints: *NotSupportedError.
	Begin(ctx context.Context) (Tx, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Capabilities are what a driver can do. Code that needs one checks the flag, and the driver
// fails with a *NotSupportedError when asked for one it does not have.
type Capabilities struct {
	Transactions bool // Begin works; each flush is atomic
	Savepoints   bool // Tx.Begin works (nested Transactional)
	Returning    bool // generated keys come back from a multi-row insert
	Locking      bool // pessimistic locks (FindOp.Lock)
}

// Isolation is a transaction isolation level; the zero value is the database's default.
type Isolation int

const (
	DefaultIsolation Isolation = iota
	ReadUncommitted
	ReadCommitted
	RepeatableRead
	Serializable
)

// TxOptions are the options of Driver.Begin.
type TxOptions struct {
	Isolation Isolation
	ReadOnly  bool
}

// Direction is the direction of an ORDER BY term.
type Direction int

const (
	Asc Direction = iota
	Desc
)

// Order is one ORDER BY term: a property with a column, of the entity found or, through
// Path, of a related entity.
type Order struct {
	Prop *schema.Property
	Dir  Direction
	// Path is the chain of to-one relations with a column (m:1, owning 1:1) that leads from
	// the entity found to the entity of Prop: [author] for "author.name", [author, mentor]
	// for "author.mentor.name"; empty for a property of the entity found. A missing related
	// row (a NULL key) orders as a NULL value.
	Path []*schema.Property
}

// Lock is a pessimistic lock mode of a find.
type Lock int

const (
	LockNone Lock = iota
	LockForUpdate
	LockForShare
	// LockForUpdateNoWait fails at once, instead of waiting, when a row is locked.
	LockForUpdateNoWait
	// LockForUpdateSkipLocked leaves out the rows that are locked.
	LockForUpdateSkipLocked
)

// FindOp reads rows of one entity.
type FindOp struct {
	Entity  *schema.Entity
	Fields  []*schema.Property // properties with a column (Property.HasColumn), in row order
	Where   query.Expr         // nil matches every row
	OrderBy []Order
	Limit   int // 0: no limit
	Offset  int
	Lock    Lock
	Pivot   *PivotFilter
}

// PivotFilter restricts a find to the targets of a m:n relation (either side) of some owners,
// for populating that relation in one query. Prop is the m:n property (Prop.Target is the
// entity found); each row starts with the key of the Prop.Entity it belongs to, so one
// target appears once per owner.
type PivotFilter struct {
	Prop *schema.Property
	Keys []any // keys of entities of Prop.Entity
}

// CountOp counts rows of one entity.
type CountOp struct {
	Entity *schema.Entity
	Where  query.Expr
}

// InsertOp inserts rows of one entity, all with the same Fields.
type InsertOp struct {
	Entity    *schema.Entity
	Fields    []*schema.Property // never the autoincrement key
	Rows      [][]any            // valid only during the call: the unit of work reuses them
	Generated []any              // out: generated keys, len(Rows), when the entity has an autoincrement key
}

// UpdateOp updates rows of one entity by key.
type UpdateOp struct {
	Entity *schema.Entity
	Rows   []UpdateRow
}

// UpdateRow sets Fields to Values on the row with primary key Key (a scalar, or []any for a
// composite key). With a non-nil Version the row must still have that version.
type UpdateRow struct {
	Key     any
	Fields  []*schema.Property
	Values  []any
	Version any
}

// DeleteOp deletes rows of one entity by key. Versions is nil or has one entry per key (nil
// entries are not checked).
type DeleteOp struct {
	Entity   *schema.Entity
	Keys     []any
	Versions []any
}

// UpdateWhereOp sets Fields to Values on every row of Entity that matches Where (nil: every
// row). Values are the Go types of the properties, as in an UpdateRow; a to-one field takes
// the target's key. With Bump set (the entity's integer version property), each matched
// row's version also goes up by one, so that entities loaded before the update fail their
// optimistic check.
type UpdateWhereOp struct {
	Entity *schema.Entity
	Where  query.Expr
	Fields []*schema.Property
	Values []any
	Bump   *schema.Property
}

// DeleteWhereOp deletes every row of Entity that matches Where (nil: every row), with the
// ON DELETE rules of the foreign keys that point at them.
type DeleteWhereOp struct {
	Entity *schema.Entity
	Where  query.Expr
}

// PivotOp adds or removes rows of the pivot table of Prop, the owning side of a m:n. Each pair
// is {key of Prop.Entity, key of Prop.Target}.
type PivotOp struct {
	Prop  *schema.Property
	Pairs [][2]any
}

// QueryEvent describes one round trip to the database: a statement, or begin, commit,
// rollback, savepoint.
type QueryEvent struct {
	Query    string
	Args     []any
	Duration time.Duration
	Err      error
}

// Config is what dorm passes to a driver when opening it.
type Config struct {
	// OnQuery is called once per round trip, after it ends. It may be nil.
	OnQuery func(ctx context.Context, e QueryEvent)
}

// Emit calls c.OnQuery when it is set.
func (c Config) Emit(ctx context.Context, q string, args []any, start time.Time, err error) {
	if c.OnQuery != nil {
		c.OnQuery(ctx, QueryEvent{Query: q, Args: args, Duration: time.Since(start), Err: err})
	}
}

// OpenFunc opens a driver for a database URL.
type OpenFunc func(ctx context.Context, url string, cfg Config) (Driver, error)

var (
	regMu    sync.RWMutex
	registry = map[string]OpenFunc{}
)

// Register makes a driver available under a URL scheme ("sqlite", "postgres"). Drivers call it
// from init, so importing a driver package registers it. It panics on a duplicate scheme.
func Register(scheme string, open OpenFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := registry[scheme]; dup {
		panic("drivers: Register called twice for scheme " + scheme)
	}
	registry[scheme] = open
}

// Schemes returns the registered URL schemes, sorted.
func Schemes() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	out := make([]string, 0, len(registry))
	for s := range registry {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Open opens the driver registered for the scheme of rawURL.
func Open(ctx context.Context, rawURL string, cfg Config) (Driver, error) {
	scheme, _, ok := strings.Cut(rawURL, ":")
	if !ok || scheme == "" {
		return nil, fmt.Errorf("dorm: database URL %q has no scheme (expected e.g. sqlite:file:app.db)", redact(rawURL))
	}
	regMu.RLock()
	open := registry[scheme]
	regMu.RUnlock()
	if open == nil {
		return nil, fmt.Errorf("dorm: no driver for scheme %q in %q (registered: %s; import the driver package, e.g. _ \"github.com/dorm-go/dorm/drivers/%s\")",
			scheme, redact(rawURL), strings.Join(Schemes(), ", "), scheme)
	}
	return open(ctx, rawURL, cfg)
}

// redact hides a password in a URL for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

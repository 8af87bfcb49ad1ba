package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/schema"
)

func init() {
	sql.Register(sqlDriverName, sqlDriver)
	drivers.Register("sqlite", Open)
}

// BusyTimeout is how long a connection waits for a lock held by another one.
const BusyTimeout = 5 * time.Second

// Driver is an opened SQLite database. It implements drivers.Driver.
type Driver struct {
	*sqlbase.Runner
	db  *sql.DB
	cfg drivers.Config
}

var (
	_ drivers.Driver = (*Driver)(nil)
	_ drivers.Tx     = (*Tx)(nil)
)

// Open opens a "sqlite:" URL: the part after the scheme is modernc.org/sqlite's DSN
// ("file:app.db", "app.db", ":memory:", "file::memory:?..."). Each connection gets foreign
// keys on, a busy timeout, BEGIN IMMEDIATE transactions and, for files, WAL journaling. An
// in-memory database uses a single connection, so that every user sees the same database.
func Open(ctx context.Context, url string, cfg drivers.Config) (drivers.Driver, error) {
	return OpenDSN(ctx, strings.TrimPrefix(url, "sqlite:"), cfg)
}

// OpenDSN opens a modernc.org/sqlite DSN (see [Open]).
func OpenDSN(ctx context.Context, dsn string, cfg drivers.Config) (*Driver, error) {
	if dsn == "" {
		return nil, errors.New("sqlite: empty database name in URL (expected e.g. sqlite:file:app.db or sqlite::memory:)")
	}
	memory := strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory")
	params := []string{
		"_pragma=foreign_keys(1)",
		"_pragma=busy_timeout(" + strconv.Itoa(int(BusyTimeout/time.Millisecond)) + ")",
		"_txlock=immediate",
	}
	if !memory {
		params = append(params, "_pragma=journal_mode(WAL)")
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	db, err := sql.Open(sqlDriverName, dsn+sep+strings.Join(params, "&"))
	if err != nil {
		return nil, err
	}
	if memory {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, &drivers.ConnError{Err: err}
	}
	d := &Driver{db: db, cfg: cfg}
	d.Runner = &sqlbase.Runner{Dialect: Dialect{}, Conn: db, Config: cfg, Atomic: d.atomic, Multi: multiInsert}
	return d, nil
}

// multiInsert: measured on SQLite (bench P1), 500-row INSERT statements are faster than a
// prepared statement executed per row. last_insert_rowid() is the key of the last row. In a
// transaction the statements run on the driver's connection (Raw). A value that every row
// of a statement shares (the onCreate times of a flush, NULL columns) is bound once.
var multiInsert = sqlbase.MultiInsert{Rows: 500, MaxParams: 32766, Raw: true, Share: true}

// DB returns the underlying database/sql handle.
func (d *Driver) DB() *sql.DB { return d.db }

func (d *Driver) Name() string { return "sqlite" }

func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Transactions: true, Savepoints: true, Returning: true, Locking: false}
}

func (d *Driver) Close() error { return d.db.Close() }

// Begin starts a transaction (BEGIN IMMEDIATE, or a deferred BEGIN when read-only). SQLite
// transactions are serializable: DefaultIsolation and Serializable are accepted, other
// levels are a *drivers.NotSupportedError.
func (d *Driver) Begin(ctx context.Context, opts drivers.TxOptions) (drivers.Tx, error) {
	return d.begin(ctx, opts)
}

func (d *Driver) begin(ctx context.Context, opts drivers.TxOptions) (*Tx, error) {
	if opts.Isolation != drivers.DefaultIsolation && opts.Isolation != drivers.Serializable {
		return nil, &drivers.NotSupportedError{Driver: "sqlite", Feature: "isolation levels other than serializable"}
	}
	// The transaction runs on a connection of its own with BEGIN and COMMIT as statements,
	// rather than as a *sql.Tx, so that inserts can reach the driver's connection through
	// (*sql.Conn).Raw (see sqlbase.MultiInsert.Raw).
	start := time.Now()
	conn, err := d.db.Conn(ctx)
	if err != nil {
		d.cfg.Emit(ctx, "BEGIN", nil, start, err)
		return nil, &drivers.ConnError{Err: err}
	}
	begin := "BEGIN IMMEDIATE"
	if opts.ReadOnly {
		// A deferred BEGIN would still let the transaction write: query_only refuses
		// every write on this connection until the transaction ends.
		if _, err := conn.ExecContext(ctx, "PRAGMA query_only = ON"); err != nil {
			conn.Close()
			return nil, Dialect{}.Error(err)
		}
		begin = "BEGIN DEFERRED"
	}
	_, err = conn.ExecContext(ctx, begin)
	err = Dialect{}.Error(err)
	d.cfg.Emit(ctx, "BEGIN", nil, start, err)
	if err != nil {
		if opts.ReadOnly {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = OFF")
		}
		conn.Close()
		return nil, err
	}
	t := newTx(conn, true, d.cfg)
	t.readOnly = opts.ReadOnly
	return t, nil
}

// atomic is the Runner's Atomic: fn in a transaction, committed when fn succeeds.
func (d *Driver) atomic(ctx context.Context, fn func(r *sqlbase.Runner) error) error {
	t, err := d.begin(ctx, drivers.TxOptions{})
	if err != nil {
		return err
	}
	defer func() {
		if r := recover(); r != nil {
			// A panic (an OnQuery hook's) must not leave the transaction open on its
			// connection, holding locks.
			_ = t.Rollback(context.WithoutCancel(ctx))
			panic(r)
		}
	}()
	if err := fn(t.Runner); err != nil {
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return t.Commit(ctx)
}

// CreateSchema creates the tables, indexes and pivot tables of reg in one transaction;
// what already exists is left as it is (IF NOT EXISTS).
func (d *Driver) CreateSchema(ctx context.Context, reg *schema.Registry) error {
	stmts, err := sqlbase.CreateSchema(Dialect{}, reg)
	if err != nil {
		return err
	}
	return d.atomic(ctx, func(r *sqlbase.Runner) error {
		for _, s := range stmts {
			if _, err := r.Exec(ctx, "", s, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// DropSchema drops the pivot tables and tables of reg that exist, in one transaction on one
// connection with foreign keys off (so that cycles and rows do not block it), then turns
// foreign keys on again.
func (d *Driver) DropSchema(ctx context.Context, reg *schema.Registry) (err error) {
	stmts := sqlbase.DropSchema(Dialect{}, reg)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return &drivers.ConnError{Err: err}
	}
	defer conn.Close()
	r := &sqlbase.Runner{Dialect: Dialect{}, Conn: conn, Config: d.cfg}
	if _, err := r.Exec(ctx, "", "PRAGMA foreign_keys = OFF", nil); err != nil {
		return err
	}
	defer func() {
		if _, ferr := r.Exec(context.WithoutCancel(ctx), "", "PRAGMA foreign_keys = ON", nil); ferr != nil {
			// A connection left without foreign keys must not go back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			if err == nil {
				err = ferr
			}
		}
	}()
	start := time.Now()
	_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
	err = Dialect{}.Error(err)
	d.cfg.Emit(ctx, "BEGIN", nil, start, err)
	if err != nil {
		return err
	}
	t := newTx(conn, false, d.cfg)
	for _, s := range stmts {
		if _, err := t.Exec(ctx, "", s, nil); err != nil {
			_ = t.Rollback(ctx)
			return err
		}
	}
	return t.Commit(ctx)
}

// Tx is a transaction or, below the top level, a savepoint. It implements drivers.Tx.
type Tx struct {
	*sqlbase.Runner
	st       sqlbase.TxState
	readOnly bool // PRAGMA query_only is on for its connection
}

// newTx returns the transaction begun on conn; own says that ending it closes conn (returns
// it to the pool).
func newTx(conn *sql.Conn, own bool, cfg drivers.Config) *Tx {
	r := &sqlbase.Runner{Dialect: Dialect{}, Conn: conn, Config: cfg, Multi: multiInsert}
	var t *Tx
	end := func(ctx context.Context, stmt string) error {
		r.ReleaseRaw()
		var err error
		if stmt == "COMMIT" && ctx.Err() != nil {
			// The context ended before the commit: roll back, as database/sql's Tx does.
			stmt, err = "ROLLBACK", ctx.Err()
		}
		_, xerr := conn.ExecContext(context.WithoutCancel(ctx), stmt)
		if err == nil {
			err = xerr
		}
		if xerr != nil && stmt == "COMMIT" {
			// A COMMIT that failed (SQLITE_BUSY) leaves the transaction open: roll it back,
			// as database/sql's Tx does, so that the connection is clean.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		if t != nil && t.readOnly {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA query_only = OFF")
		}
		if own {
			if err != nil {
				// The connection may still be inside a transaction: do not pool it.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
			}
			conn.Close()
		}
		return r.Dialect.Error(err)
	}
	t = &Tx{Runner: r, st: sqlbase.NewTxState(&sqlbase.TxHooks{
		ErrDone:  sql.ErrTxDone,
		Config:   cfg,
		Exec:     sqlbase.ExecHook(r),
		Commit:   func(ctx context.Context) error { return end(ctx, "COMMIT") },
		Rollback: func(ctx context.Context) error { return end(ctx, "ROLLBACK") },
	})}
	return t
}

// Begin starts a nested transaction: SAVEPOINT spN.
func (t *Tx) Begin(ctx context.Context) (drivers.Tx, error) {
	st, err := t.st.Savepoint(ctx)
	if err != nil {
		return nil, err
	}
	return &Tx{Runner: t.Runner, st: st}, nil
}

// Commit commits the transaction, or releases the savepoint.
func (t *Tx) Commit(ctx context.Context) error { return t.st.Commit(ctx) }

// Rollback rolls the transaction back, or rolls back to and releases the savepoint.
func (t *Tx) Rollback(ctx context.Context) error { return t.st.Rollback(ctx) }

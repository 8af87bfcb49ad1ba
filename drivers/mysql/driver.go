package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/schema"
)

func init() {
	drivers.Register("mysql", Open)
	drivers.Register("mariadb", Open)
}

// InsertRows is the most rows of one multi-row INSERT (fewer when the rows have so many fields
// that MaxParams would be exceeded).
const InsertRows = 500

// MaxParams is the most placeholders of one statement (the protocol counts them in 16 bits).
const MaxParams = 65535

// InsertMode is how the driver learns the keys of rows with an autoincrement key.
type InsertMode int

const (
	// InsertReturning: multi-row INSERT … RETURNING key (MariaDB 10.5+); the keys come back
	// in the order of the rows.
	InsertReturning InsertMode = iota
	// InsertLastID: multi-row INSERT, keys LAST_INSERT_ID() + i (MySQL with
	// innodb_autoinc_lock_mode 0 or 1 and auto_increment_increment 1, where one statement's
	// keys are consecutive).
	InsertLastID
	// InsertPerRow: one prepared INSERT executed per row, each key from its own
	// LAST_INSERT_ID() (any other server configuration).
	InsertPerRow
)

func (m InsertMode) String() string {
	switch m {
	case InsertReturning:
		return "returning"
	case InsertLastID:
		return "last-insert-id"
	case InsertPerRow:
		return "per-row"
	}
	return "InsertMode(" + strconv.Itoa(int(m)) + ")"
}

// Driver is an opened MySQL or MariaDB database. It implements drivers.Driver.
type Driver struct {
	*sqlbase.Runner
	db      *sql.DB
	cfg     drivers.Config
	dialect Dialect
	version string
	mode    InsertMode
}

var (
	_ drivers.Driver = (*Driver)(nil)
	_ drivers.Tx     = (*Tx)(nil)
)

// ParseURL converts a "mysql://" or "mariadb://" URL to a go-sql-driver/mysql configuration:
//
//	mysql://user:pass@host:3306/db?param=value  →  user:pass@tcp(host:3306)/db?parseTime=true&loc=UTC&…
//
// The port defaults to 3306 and the host to 127.0.0.1; ?socket=/path connects through a Unix
// socket instead. Other parameters are go-sql-driver/mysql's (tls, timeout, readTimeout, …;
// unknown ones are session variables). The driver always sets parseTime=true, loc=UTC,
// multiStatements=false and clientFoundRows=true, whatever the URL says; interpolateParams
// defaults to true and the connection collation to utf8mb4_bin.
func ParseURL(rawURL string) (*mysql.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("mysql: bad URL: %w", err)
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return nil, fmt.Errorf("mysql: URL scheme %q, want mysql:// or mariadb://", u.Scheme)
	}
	q := u.Query()
	socket := q.Get("socket")
	q.Del("socket")
	for _, forced := range []string{"parseTime", "loc", "multiStatements", "clientFoundRows"} {
		q.Del(forced)
	}
	if !q.Has("interpolateParams") {
		q.Set("interpolateParams", "true")
	}
	if !q.Has("collation") && !q.Has("charset") {
		q.Set("collation", Collation)
	}
	c, err := mysql.ParseDSN("/?" + q.Encode())
	if err != nil {
		return nil, fmt.Errorf("mysql: URL parameters: %w", err)
	}
	if u.User != nil {
		c.User = u.User.Username()
		c.Passwd, _ = u.User.Password()
	}
	if socket != "" {
		c.Net, c.Addr = "unix", socket
	} else {
		host, port := u.Hostname(), u.Port()
		if host == "" {
			host = "127.0.0.1"
		}
		if port == "" {
			port = "3306"
		}
		c.Net, c.Addr = "tcp", net.JoinHostPort(host, port)
	}
	c.DBName = strings.TrimPrefix(u.Path, "/")
	c.ParseTime = true
	c.Loc = time.UTC
	c.MultiStatements = false
	c.ClientFoundRows = true
	return c, nil
}

// Open opens a "mysql://" or "mariadb://" URL (see [ParseURL]).
func Open(ctx context.Context, url string, cfg drivers.Config) (drivers.Driver, error) {
	c, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, c, cfg)
}

// OpenConfig opens a database with a go-sql-driver/mysql configuration as [ParseURL]
// returns it. It asks the server for its version and autoincrement settings to choose the
// dialect and the [InsertMode].
func OpenConfig(ctx context.Context, c *mysql.Config, cfg drivers.Config) (*Driver, error) {
	conn, err := mysql.NewConnector(c)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	// Keep enough idle connections for a burst of concurrent flushes, so that they do not
	// each pay a new handshake.
	db.SetMaxIdleConns(16)
	db.SetConnMaxIdleTime(5 * time.Minute)
	d := &Driver{db: db, cfg: cfg}
	const probe = "SELECT VERSION(), @@innodb_autoinc_lock_mode, @@auto_increment_increment"
	start := time.Now()
	var lockMode, increment int64
	err = db.QueryRowContext(ctx, probe).Scan(&d.version, &lockMode, &increment)
	err = connError(err)
	cfg.Emit(ctx, probe, nil, start, err)
	if err != nil {
		db.Close()
		var ce *drivers.ConnError
		if errors.As(err, &ce) {
			return nil, err
		}
		return nil, &drivers.ConnError{Err: err}
	}
	d.dialect.MariaDB = strings.Contains(strings.ToLower(d.version), "mariadb")
	major, minor := versionOf(d.version)
	switch {
	case d.dialect.MariaDB && (major > 10 || major == 10 && minor >= 5):
		d.mode = InsertReturning
	case lockMode <= 1 && increment == 1:
		d.mode = InsertLastID
	default:
		d.mode = InsertPerRow
	}
	d.Runner = d.runner(db, d.atomic)
	return d, nil
}

// versionOf returns the major and minor number of a version string ("10.11.6-MariaDB-…").
func versionOf(v string) (major, minor int) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) >= 2 {
		major, _ = strconv.Atoi(parts[0])
		minor, _ = strconv.Atoi(strings.TrimLeftFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	}
	return major, minor
}

func (d *Driver) runner(c sqlbase.Conn, atomic func(context.Context, func(*sqlbase.Runner) error) error) *sqlbase.Runner {
	r := &sqlbase.Runner{Dialect: d.dialect, Conn: c, Config: d.cfg, Atomic: atomic}
	if d.mode != InsertPerRow {
		r.Multi = sqlbase.MultiInsert{Rows: InsertRows, MaxParams: MaxParams, FirstID: true}
	}
	return r
}

// DB returns the underlying database/sql handle.
func (d *Driver) DB() *sql.DB { return d.db }

// Version is the server's VERSION().
func (d *Driver) Version() string { return d.version }

// Dialect is the dialect of the server.
func (d *Driver) Dialect() Dialect { return d.dialect }

// InsertMode is how inserts learn generated keys on this server.
func (d *Driver) InsertMode() InsertMode { return d.mode }

// SetInsertMode overrides the mode chosen at Open, for tests and for servers whose
// autoincrement settings change after Open. InsertReturning needs MariaDB 10.5+; InsertLastID
// is correct only under the conditions documented at the constant.
func (d *Driver) SetInsertMode(m InsertMode) {
	d.mode = m
	d.Runner = d.runner(d.db, d.atomic)
}

// Name is "mysql" or "mariadb", after the server.
func (d *Driver) Name() string { return d.dialect.Name() }

func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Transactions: true, Savepoints: true, Returning: d.mode != InsertPerRow, Locking: true}
}

func (d *Driver) Close() error { return d.db.Close() }

// Insert implements drivers.Executor: see [InsertMode].
func (d *Driver) Insert(ctx context.Context, op *drivers.InsertOp) error {
	return insert(ctx, d.Runner, d.mode, op)
}

var isolationLevels = map[drivers.Isolation]string{
	drivers.ReadUncommitted: "READ UNCOMMITTED",
	drivers.ReadCommitted:   "READ COMMITTED",
	drivers.RepeatableRead:  "REPEATABLE READ",
	drivers.Serializable:    "SERIALIZABLE",
}

// Begin starts a transaction: START TRANSACTION [READ ONLY], reported as BEGIN. A level other
// than the default is one more round trip before it, SET TRANSACTION ISOLATION LEVEL …, on the
// same connection.
func (d *Driver) Begin(ctx context.Context, opts drivers.TxOptions) (drivers.Tx, error) {
	return d.begin(ctx, opts)
}

func (d *Driver) begin(ctx context.Context, opts drivers.TxOptions) (*Tx, error) {
	var pinned *sql.Conn
	var beginner interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	} = d.db
	if opts.Isolation != drivers.DefaultIsolation {
		level, ok := isolationLevels[opts.Isolation]
		if !ok {
			return nil, &drivers.NotSupportedError{Driver: d.Name(), Feature: fmt.Sprintf("isolation level %d", opts.Isolation)}
		}
		conn, err := d.db.Conn(ctx)
		if err != nil {
			return nil, connError(err)
		}
		r := d.runner(conn, nil)
		if _, err := r.Exec(ctx, "", "SET TRANSACTION ISOLATION LEVEL "+level, nil); err != nil {
			discard(conn)
			return nil, err
		}
		pinned, beginner = conn, conn
	}
	start := time.Now()
	stx, err := beginner.BeginTx(ctx, &sql.TxOptions{ReadOnly: opts.ReadOnly})
	err = d.dialect.Error(err)
	d.cfg.Emit(ctx, "BEGIN", nil, start, err)
	if err != nil {
		if pinned != nil {
			discard(pinned) // its next transaction would get the level
		}
		return nil, err
	}
	ab := &aborted{}
	r := d.runner(abortConn{Conn: stx, ab: ab}, nil)
	r.Dialect = txDialect{Dialect: d.dialect, ab: ab}
	hooks := &sqlbase.TxHooks{
		ErrDone: sql.ErrTxDone,
		Config:  d.cfg,
		Exec:    sqlbase.ExecHook(r),
		Commit: func(ctx context.Context) error {
			if ab.err != nil {
				_ = stx.Rollback()
				return ab.err
			}
			err := stx.Commit()
			if cerr := ctx.Err(); cerr != nil && errors.Is(err, sql.ErrTxDone) {
				return fmt.Errorf("%w (database/sql rolled the transaction back: %v)", cerr, err)
			}
			return r.Dialect.Error(err)
		},
		Rollback: func(context.Context) error {
			if ab.err != nil {
				_ = stx.Rollback()
				return nil // the server rolled it back already
			}
			return r.Dialect.Error(stx.Rollback())
		},
	}
	if pinned != nil {
		hooks.End = func() { pinned.Close() } // the connection pinned for the isolation level
	}
	return &Tx{Runner: r, tx: stx, mode: d.mode, st: sqlbase.NewTxState(hooks)}, nil
}

// discard closes a pinned connection and keeps it out of the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
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

// CreateSchema creates the tables, pivot tables, foreign keys and indexes of reg. MySQL
// commits each DDL statement on its own, so there is no transaction around them. A table that
// exists already is left as it is, with its foreign keys and indexes: its statements are
// skipped (one query to information_schema finds the existing tables).
func (d *Driver) CreateSchema(ctx context.Context, reg *schema.Registry) error {
	stmts, err := sqlbase.CreateSchema(d.dialect, reg)
	if err != nil {
		return err
	}
	existing := map[string]bool{}
	const q = "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
	err = queryRows(ctx, d.Runner, "", q, nil, func(rows *sql.Rows) error {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		existing[name] = true
		return nil
	})
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if existing[StatementTable(s)] {
			continue
		}
		if _, err := d.Exec(ctx, "", s, nil); err != nil {
			return err
		}
	}
	return nil
}

// StatementTable returns the table of a CREATE TABLE, ALTER TABLE or CREATE [UNIQUE] INDEX
// statement of this dialect, "" for others.
func StatementTable(s string) string {
	var rest string
	switch {
	case strings.HasPrefix(s, "CREATE TABLE "):
		rest = s[len("CREATE TABLE "):]
	case strings.HasPrefix(s, "ALTER TABLE "):
		rest = s[len("ALTER TABLE "):]
	case strings.HasPrefix(s, "CREATE INDEX "), strings.HasPrefix(s, "CREATE UNIQUE INDEX "):
		_, name := unquote(s[strings.Index(s, "INDEX ")+len("INDEX "):])
		if !strings.HasPrefix(name, " ON ") {
			return ""
		}
		rest = name[len(" ON "):]
	default:
		return ""
	}
	table, _ := unquote(rest)
	return table
}

// unquote reads a backtick-quoted identifier at the start of s; it returns the name and what
// follows it.
func unquote(s string) (name, rest string) {
	if !strings.HasPrefix(s, "`") {
		return "", s
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		if s[i] != '`' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 < len(s) && s[i+1] == '`' {
			b.WriteByte('`')
			i++
			continue
		}
		return b.String(), s[i+1:]
	}
	return "", s
}

// DropSchema drops the pivot tables and tables of reg that exist (DROP TABLE IF EXISTS), on
// one connection with FOREIGN_KEY_CHECKS = 0 so that cycles and rows do not block it, and
// sets FOREIGN_KEY_CHECKS = 1 again before the connection goes back to the pool (or keeps it
// out of the pool when that fails).
func (d *Driver) DropSchema(ctx context.Context, reg *schema.Registry) (err error) {
	stmts := sqlbase.DropSchema(d.dialect, reg)
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return connError(err)
	}
	r := d.runner(conn, nil)
	if _, err := r.Exec(ctx, "", "SET FOREIGN_KEY_CHECKS = 0", nil); err != nil {
		discard(conn)
		return err
	}
	defer func() {
		if _, ferr := r.Exec(context.WithoutCancel(ctx), "", "SET FOREIGN_KEY_CHECKS = 1", nil); ferr != nil {
			discard(conn)
			if err == nil {
				err = ferr
			}
			return
		}
		conn.Close()
	}()
	for _, s := range stmts {
		if _, err := r.Exec(ctx, "", s, nil); err != nil {
			return err
		}
	}
	return nil
}

// Tx is a transaction or, below the top level, a savepoint. It implements drivers.Tx.
type Tx struct {
	*sqlbase.Runner
	tx   *sql.Tx
	mode InsertMode
	st   sqlbase.TxState
}

// Insert implements drivers.Executor: see [InsertMode].
func (t *Tx) Insert(ctx context.Context, op *drivers.InsertOp) error {
	if err := t.st.Err(); err != nil {
		return err
	}
	return insert(ctx, t.Runner, t.mode, op)
}

// Begin starts a nested transaction: SAVEPOINT spN.
func (t *Tx) Begin(ctx context.Context) (drivers.Tx, error) {
	st, err := t.st.Savepoint(ctx)
	if err != nil {
		return nil, err
	}
	return &Tx{Runner: t.Runner, tx: t.tx, mode: t.mode, st: st}, nil
}

// Commit commits the transaction, or releases the savepoint.
func (t *Tx) Commit(ctx context.Context) error { return t.st.Commit(ctx) }

// Rollback rolls the transaction back, or rolls back to and releases the savepoint.
func (t *Tx) Rollback(ctx context.Context) error { return t.st.Rollback(ctx) }

// aborted records that the server rolled a transaction back by itself: a deadlock victim's
// whole transaction is gone in InnoDB, and its session is back in autocommit mode.
type aborted struct{ err error }

// txDialect is the dialect of a transaction's statements: a deadlock it classifies aborts
// the transaction.
type txDialect struct {
	Dialect
	ab *aborted
}

func (d txDialect) Error(err error) error {
	err = d.Dialect.Error(err)
	var re *drivers.RetryError
	if errors.As(err, &re) && d.ab.err == nil {
		d.ab.err = err
	}
	return err
}

// abortConn refuses every statement of an aborted transaction with the error that aborted
// it: run on the session, they would each commit on their own (savepoints included, which
// no longer exist).
type abortConn struct {
	sqlbase.Conn
	ab *aborted
}

func (c abortConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if c.ab.err != nil {
		return nil, c.ab.err
	}
	return c.Conn.ExecContext(ctx, query, args...)
}

func (c abortConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if c.ab.err != nil {
		return nil, c.ab.err
	}
	return c.Conn.QueryContext(ctx, query, args...)
}

func (c abortConn) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if c.ab.err != nil {
		return nil, c.ab.err
	}
	return c.Conn.PrepareContext(ctx, query)
}

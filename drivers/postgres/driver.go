package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/schema"
)

func init() {
	drivers.Register("postgres", Open)
	drivers.Register("postgresql", Open)
}

// MaxParams is the largest number of bound parameters of one statement (the protocol counts
// them in an int16). Multi-row inserts are chunked to stay at or below it.
const MaxParams = 65535

// InsertRows is the most rows of one multi-row INSERT. Measured (bench P2): 10,000 books in
// statements of 1,000 rows take 108 ms, in statements filled to MaxParams (5,041 rows) 156 ms;
// building and sending one huge message costs more than the extra round trips.
const InsertRows = 1000

// Driver is an opened PostgreSQL database: a pgx connection pool. It implements
// drivers.Driver.
type Driver struct {
	*runner
	pool *pgxpool.Pool
	cfg  drivers.Config
}

var (
	_ drivers.Driver = (*Driver)(nil)
	_ drivers.Tx     = (*Tx)(nil)
)

// Open opens a "postgres://" or "postgresql://" URL. The whole URL goes to
// pgxpool.ParseConfig, so every libpq parameter and pgxpool's pool_* parameters work
// (postgres://user:pass@host:5432/db?sslmode=disable&pool_max_conns=20). Open pings the
// server; when it cannot be reached the error is a *drivers.ConnError.
func Open(ctx context.Context, url string, cfg drivers.Config) (drivers.Driver, error) {
	return OpenURL(ctx, url, cfg)
}

// OpenURL is [Open] returning the concrete type.
func OpenURL(ctx context.Context, url string, cfg drivers.Config) (*Driver, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	return OpenConfig(ctx, pc, cfg)
}

// OpenConfig opens a pool from a pgxpool configuration.
func OpenConfig(ctx context.Context, pc *pgxpool.Config, cfg drivers.Config) (*Driver, error) {
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, classify(err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		err = classify(err)
		var ce *drivers.ConnError
		if !errors.As(err, &ce) {
			err = &drivers.ConnError{Err: err, Retry: pgconn.SafeToRetry(err)}
		}
		return nil, err
	}
	d := &Driver{pool: pool, cfg: cfg}
	d.runner = &runner{q: pool, cfg: cfg, atomic: d.atomic}
	return d, nil
}

// Pool returns the underlying pgx pool.
func (d *Driver) Pool() *pgxpool.Pool { return d.pool }

func (d *Driver) Name() string { return "postgres" }

func (d *Driver) Capabilities() drivers.Capabilities {
	return drivers.Capabilities{Transactions: true, Savepoints: true, Returning: true, Locking: true}
}

func (d *Driver) Close() error { d.pool.Close(); return nil }

// Begin starts a transaction with the isolation level and access mode of opts (one round
// trip, reported as "BEGIN").
func (d *Driver) Begin(ctx context.Context, opts drivers.TxOptions) (drivers.Tx, error) {
	return d.begin(ctx, opts)
}

var isoLevels = map[drivers.Isolation]pgx.TxIsoLevel{
	drivers.DefaultIsolation: "",
	drivers.ReadUncommitted:  pgx.ReadUncommitted,
	drivers.ReadCommitted:    pgx.ReadCommitted,
	drivers.RepeatableRead:   pgx.RepeatableRead,
	drivers.Serializable:     pgx.Serializable,
}

func (d *Driver) begin(ctx context.Context, opts drivers.TxOptions) (*Tx, error) {
	iso, ok := isoLevels[opts.Isolation]
	if !ok {
		return nil, &drivers.NotSupportedError{Driver: "postgres", Feature: "isolation level " + strconv.Itoa(int(opts.Isolation))}
	}
	to := pgx.TxOptions{IsoLevel: iso}
	if opts.ReadOnly {
		to.AccessMode = pgx.ReadOnly
	}
	start := time.Now()
	ptx, err := d.pool.BeginTx(ctx, to)
	err = classify(err)
	d.cfg.Emit(ctx, "BEGIN", nil, start, err)
	if err != nil {
		return nil, err
	}
	r := &runner{q: ptx, cfg: d.cfg}
	return &Tx{runner: r, tx: ptx, st: sqlbase.NewTxState(&sqlbase.TxHooks{
		ErrDone: pgx.ErrTxClosed,
		Config:  d.cfg,
		Exec: func(ctx context.Context, sql string) error {
			_, err := r.exec(ctx, "", sql, nil)
			return err
		},
		Commit:   func(ctx context.Context) error { return classify(ptx.Commit(ctx)) },
		Rollback: func(ctx context.Context) error { return classify(ptx.Rollback(ctx)) },
	})}, nil
}

// atomic is the runner's atomic: fn in a transaction, committed when fn succeeds.
func (d *Driver) atomic(ctx context.Context, fn func(r *runner) error) error {
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
	if err := fn(t.runner); err != nil {
		_ = t.Rollback(context.WithoutCancel(ctx))
		return err
	}
	return t.Commit(ctx)
}

// SchemaStatements returns the statements CreateSchema runs: sqlbase's DDL, with each
// ALTER TABLE ... ADD CONSTRAINT wrapped so that an existing constraint is left alone
// (PostgreSQL has no ADD CONSTRAINT IF NOT EXISTS).
func SchemaStatements(reg *schema.Registry) ([]string, error) {
	stmts, err := sqlbase.CreateSchema(Dialect{}, reg)
	if err != nil {
		return nil, err
	}
	for i, s := range stmts {
		if strings.HasPrefix(s, "ALTER TABLE ") && strings.Contains(s, " ADD CONSTRAINT ") {
			stmts[i] = "DO $$ BEGIN " + s + "; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
		}
	}
	return stmts, nil
}

// CreateSchema creates the tables, foreign keys, indexes and pivot tables of reg in one
// transaction; what already exists is left as it is.
func (d *Driver) CreateSchema(ctx context.Context, reg *schema.Registry) error {
	stmts, err := SchemaStatements(reg)
	if err != nil {
		return err
	}
	return d.atomic(ctx, func(r *runner) error {
		for _, s := range stmts {
			if _, err := r.exec(ctx, "", s, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// DropSchema drops the pivot tables and tables of reg that exist (IF EXISTS ... CASCADE, so
// foreign-key cycles do not block it), in one transaction.
func (d *Driver) DropSchema(ctx context.Context, reg *schema.Registry) error {
	stmts := sqlbase.DropSchema(Dialect{}, reg)
	return d.atomic(ctx, func(r *runner) error {
		for _, s := range stmts {
			if _, err := r.exec(ctx, "", s, nil); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tx is a transaction or, below the top level, a savepoint. It implements drivers.Tx.
type Tx struct {
	*runner
	tx pgx.Tx
	st sqlbase.TxState
}

// Begin starts a nested transaction: SAVEPOINT spN.
func (t *Tx) Begin(ctx context.Context) (drivers.Tx, error) {
	st, err := t.st.Savepoint(ctx)
	if err != nil {
		return nil, err
	}
	return &Tx{runner: t.runner, tx: t.tx, st: st}, nil
}

// Commit commits the transaction, or releases the savepoint.
func (t *Tx) Commit(ctx context.Context) error { return t.st.Commit(ctx) }

// Rollback rolls the transaction back, or rolls back to and releases the savepoint.
func (t *Tx) Rollback(ctx context.Context) error { return t.st.Rollback(ctx) }

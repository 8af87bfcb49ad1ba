package sqlbase

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/schema"
)

// Conn is what a [Runner] executes statements on: a *sql.DB, *sql.Conn or *sql.Tx.
type Conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

var (
	_ Conn = (*sql.DB)(nil)
	_ Conn = (*sql.Conn)(nil)
	_ Conn = (*sql.Tx)(nil)
)

// Runner implements [drivers.Executor] over database/sql with the statements of the builder.
// Each execution of a statement is one round trip and is reported once through
// Config.Emit; preparing a statement is not reported.
//
// Inserts and pivot inserts run one prepared statement per operation, executed once per row;
// updates one prepared statement per distinct field set; deletes one statement per
// DeleteChunk unversioned keys and one execution per versioned key.
type Runner struct {
	Dialect Dialect
	Conn    Conn
	Config  drivers.Config
	// Atomic runs fn in a new transaction, with a Runner of that transaction. It is set on
	// the Runner of a driver (outside a transaction), so that operations of several
	// statements are atomic, and nil on the Runner of a transaction.
	Atomic func(ctx context.Context, fn func(r *Runner) error) error
	// Multi, when Rows > 0, makes Insert use multi-row INSERT statements (see MultiInsert).
	Multi MultiInsert

	raw *rawCache // what raw multi-row inserts keep on the connection
}

var _ drivers.Executor = (*Runner)(nil)

// Exec executes one statement and reports it. entity names the entity written for
// constraint errors.
func (r *Runner) Exec(ctx context.Context, entity, query string, args []any) (sql.Result, error) {
	start := time.Now()
	res, err := r.Conn.ExecContext(ctx, query, args...)
	err = r.classify(ctx, err, entity)
	r.Config.Emit(ctx, query, args, start, err)
	return res, err
}

func (r *Runner) execStmt(ctx context.Context, st *sql.Stmt, entity, query string, args []any) (sql.Result, error) {
	start := time.Now()
	res, err := st.ExecContext(ctx, args...)
	err = r.classify(ctx, err, entity)
	r.Config.Emit(ctx, query, args, start, err)
	return res, err
}

func (r *Runner) classify(ctx context.Context, err error, entity string) error {
	if err == nil {
		return nil
	}
	// database/sql's errors after it ended a transaction because its context ended (its
	// "statement is closed" error is not exported): say so.
	if cerr := ctx.Err(); cerr != nil && (errors.Is(err, sql.ErrTxDone) || errors.Is(err, sql.ErrConnDone) || err.Error() == "sql: statement is closed") {
		return fmt.Errorf("%w (%v)", cerr, err)
	}
	err = r.Dialect.Error(err)
	var ce *drivers.ConstraintError
	if errors.As(err, &ce) && ce.Entity == "" {
		ce.Entity = entity
	}
	return err
}

// atomic runs fn in a transaction when statements > 1 and r is not inside one already.
func (r *Runner) atomic(ctx context.Context, statements int, fn func(r *Runner) error) error {
	if statements > 1 && r.Atomic != nil {
		return r.Atomic(ctx, fn)
	}
	return fn(r)
}

// Decoders returns the decoders of the columns of a find: the owner key first for a pivot
// find, then one per field.
func Decoders(d Dialect, op *drivers.FindOp) []Decoder {
	var out []Decoder
	if op.Pivot != nil && len(op.Pivot.Prop.Entity.Primary) > 0 {
		out = append(out, d.Decoder(op.Pivot.Prop.Entity.Primary[0]))
	}
	for _, f := range op.Fields {
		out = append(out, d.Decoder(f))
	}
	return out
}

// Find implements [drivers.Executor].
func (r *Runner) Find(ctx context.Context, op *drivers.FindOp, fn func(row []any) error) error {
	st, err := Find(r.Dialect, op)
	if err != nil {
		return err
	}
	decs := Decoders(r.Dialect, op)
	start := time.Now()
	rows, err := r.Conn.QueryContext(ctx, st.SQL, st.Args...)
	if err != nil {
		err = r.classify(ctx, err, op.Entity.Name)
		r.Config.Emit(ctx, st.SQL, st.Args, start, err)
		return err
	}
	n := len(decs)
	raw := make([]any, n)
	ptrs := make([]any, n)
	for i := range raw {
		ptrs[i] = &raw[i]
	}
	row := make([]any, n)
	var fnErr error
	for rows.Next() {
		if err = rows.Scan(ptrs...); err != nil {
			break
		}
		if err = DecodeRow(decs, raw, row); err != nil {
			break
		}
		if fnErr = fn(row); fnErr != nil {
			break
		}
	}
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = rows.Err()
	}
	err = r.classify(ctx, err, op.Entity.Name)
	r.Config.Emit(ctx, st.SQL, st.Args, start, err)
	if err != nil {
		return err
	}
	return fnErr
}

// Count implements [drivers.Executor].
func (r *Runner) Count(ctx context.Context, op *drivers.CountOp) (int64, error) {
	st, err := Count(r.Dialect, op)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var n int64
	rows, err := r.Conn.QueryContext(ctx, st.SQL, st.Args...)
	if err == nil {
		if rows.Next() {
			err = rows.Scan(&n)
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = rows.Err()
		}
	}
	err = r.classify(ctx, err, op.Entity.Name)
	r.Config.Emit(ctx, st.SQL, st.Args, start, err)
	return n, err
}

// Insert implements [drivers.Executor]: one prepared INSERT executed per row, generated keys
// from LastInsertId.
func (r *Runner) Insert(ctx context.Context, op *drivers.InsertOp) error {
	if len(op.Rows) == 0 {
		return nil
	}
	if r.Multi.Rows > 0 && len(op.Fields) > 0 {
		return r.insertMulti(ctx, op)
	}
	e := op.Entity
	auto := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	if auto {
		op.Generated = make([]any, len(op.Rows))
	}
	query := InsertSQL(r.Dialect, e, op.Fields)
	return r.atomic(ctx, len(op.Rows), func(r *Runner) error {
		return r.perRow(ctx, e.Name, query, len(op.Rows), func(i int) ([]any, error) {
			return Args(r.Dialect, op.Fields, op.Rows[i])
		}, func(i int, res sql.Result) error {
			if !auto {
				return nil
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			op.Generated[i] = id
			return nil
		})
	})
}

// perRow executes query n times with the arguments of each row, prepared when n > 1, and
// calls done with each result.
func (r *Runner) perRow(ctx context.Context, entity, query string, n int,
	args func(i int) ([]any, error), done func(i int, res sql.Result) error) error {
	var st *sql.Stmt
	if n > 1 {
		var err error
		if st, err = r.Conn.PrepareContext(ctx, query); err != nil {
			return r.classify(ctx, err, entity)
		}
		defer st.Close()
	}
	for i := 0; i < n; i++ {
		a, err := args(i)
		if err != nil {
			return err
		}
		var res sql.Result
		if st != nil {
			res, err = r.execStmt(ctx, st, entity, query, a)
		} else {
			res, err = r.Exec(ctx, entity, query, a)
		}
		if err != nil {
			return err
		}
		if done != nil {
			if err := done(i, res); err != nil {
				return err
			}
		}
	}
	return nil
}

// Update implements [drivers.Executor]: rows grouped by field set (and whether they carry a
// version), one prepared UPDATE per group executed per row.
func (r *Runner) Update(ctx context.Context, op *drivers.UpdateOp) error {
	if len(op.Rows) == 0 {
		return nil
	}
	e := op.Entity
	type group struct {
		query string
		rows  []int
	}
	var groups []*group
	byKey := map[string]*group{}
	var sig strings.Builder
	for i := range op.Rows {
		row := &op.Rows[i]
		sig.Reset()
		if row.Version != nil {
			sig.WriteByte('v')
		}
		for _, f := range row.Fields {
			sig.WriteString(strconv.Itoa(f.Index))
			sig.WriteByte(',')
		}
		g := byKey[sig.String()]
		if g == nil {
			q, err := UpdateSQL(r.Dialect, e, row.Fields, row.Version != nil)
			if err != nil {
				return err
			}
			g = &group{query: q}
			byKey[sig.String()] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, i)
	}
	return r.atomic(ctx, len(op.Rows), func(r *Runner) error {
		for _, g := range groups {
			err := r.perRow(ctx, e.Name, g.query, len(g.rows), func(i int) ([]any, error) {
				return UpdateArgs(r.Dialect, e, &op.Rows[g.rows[i]])
			}, func(i int, res sql.Result) error {
				row := &op.Rows[g.rows[i]]
				if row.Version == nil {
					return nil
				}
				return checkAffected(res, e, row.Key)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func checkAffected(res sql.Result, e *schema.Entity, key any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return &drivers.NotAffectedError{Entity: e.Name, Key: key}
	}
	return nil
}

// Delete implements [drivers.Executor]: DELETE ... WHERE key IN (...) for unversioned keys,
// one execution per versioned key.
func (r *Runner) Delete(ctx context.Context, op *drivers.DeleteOp) error {
	if len(op.Keys) == 0 {
		return nil
	}
	if op.Versions != nil && len(op.Versions) != len(op.Keys) {
		return errors.New("sqlbase: DeleteOp.Versions must be nil or have one entry per key")
	}
	e := op.Entity
	var plain []any
	var versioned []int
	for i, k := range op.Keys {
		if op.Versions != nil && op.Versions[i] != nil {
			versioned = append(versioned, i)
		} else {
			plain = append(plain, k)
		}
	}
	stmts, err := DeleteByKeys(r.Dialect, e, plain)
	if err != nil {
		return err
	}
	var vquery string
	if len(versioned) > 0 {
		if vquery, err = DeleteVersionedSQL(r.Dialect, e); err != nil {
			return err
		}
	}
	return r.atomic(ctx, len(stmts)+len(versioned), func(r *Runner) error {
		for _, st := range stmts {
			if _, err := r.Exec(ctx, e.Name, st.SQL, st.Args); err != nil {
				return err
			}
		}
		return r.perRow(ctx, e.Name, vquery, len(versioned), func(i int) ([]any, error) {
			j := versioned[i]
			return DeleteVersionedArgs(r.Dialect, e, op.Keys[j], op.Versions[j])
		}, func(i int, res sql.Result) error {
			return checkAffected(res, e, op.Keys[versioned[i]])
		})
	})
}

// UpdateWhere implements [drivers.Executor]: one UPDATE … WHERE, the rows it matched.
func (r *Runner) UpdateWhere(ctx context.Context, op *drivers.UpdateWhereOp) (int64, error) {
	st, err := UpdateWhere(r.Dialect, op)
	if err != nil {
		return 0, err
	}
	return r.affected(ctx, op.Entity.Name, st)
}

// DeleteWhere implements [drivers.Executor]: one DELETE … WHERE, the rows it matched.
func (r *Runner) DeleteWhere(ctx context.Context, op *drivers.DeleteWhereOp) (int64, error) {
	st, err := DeleteWhere(r.Dialect, op)
	if err != nil {
		return 0, err
	}
	return r.affected(ctx, op.Entity.Name, st)
}

// affected executes st and returns the rows it matched.
func (r *Runner) affected(ctx context.Context, entity string, st Stmt) (int64, error) {
	res, err := r.Exec(ctx, entity, st.SQL, st.Args)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// InsertPivot implements [drivers.Executor]: one prepared INSERT executed per pair.
func (r *Runner) InsertPivot(ctx context.Context, op *drivers.PivotOp) error {
	if len(op.Pairs) == 0 {
		return nil
	}
	query, err := PivotInsertSQL(r.Dialect, op.Prop)
	if err != nil {
		return err
	}
	entity := op.Prop.Entity.Name
	return r.atomic(ctx, len(op.Pairs), func(r *Runner) error {
		return r.perRow(ctx, entity, query, len(op.Pairs), func(i int) ([]any, error) {
			return PivotArgs(r.Dialect, op.Prop, op.Pairs[i])
		}, nil)
	})
}

// DeletePivot implements [drivers.Executor].
func (r *Runner) DeletePivot(ctx context.Context, op *drivers.PivotOp) error {
	if len(op.Pairs) == 0 {
		return nil
	}
	stmts, err := PivotDelete(r.Dialect, op.Prop, op.Pairs)
	if err != nil {
		return err
	}
	entity := op.Prop.Entity.Name
	return r.atomic(ctx, len(stmts), func(r *Runner) error {
		for _, st := range stmts {
			if _, err := r.Exec(ctx, entity, st.SQL, st.Args); err != nil {
				return err
			}
		}
		return nil
	})
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
)

// querier is what a runner executes statements on: the pool or a transaction.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, rows pgx.CopyFromSource) (int64, error)
}

var (
	_ querier = (*pgxpool.Pool)(nil)
	_ querier = (pgx.Tx)(nil)
)

// runner implements drivers.Executor on pgx with the statements of package sqlbase. Every
// round trip is reported once through Config.Emit: a statement, or a pipelined batch of
// statements (reported with the statements joined by ";\n" and Args holding one []any per
// statement).
//
// Inserts are multi-row INSERT ... RETURNING statements of at most MaxParams parameters;
// updates and versioned deletes are one UPDATE/DELETE per row, pipelined in one batch;
// unversioned deletes are DELETE ... WHERE key IN (...) of sqlbase.DeleteChunk keys.
type runner struct {
	q   querier
	cfg drivers.Config
	// atomic runs fn in a new transaction; nil inside a transaction.
	atomic func(ctx context.Context, fn func(r *runner) error) error
}

var _ drivers.Executor = (*runner)(nil)

func withEntity(err error, entity string) error {
	err = classify(err)
	var ce *drivers.ConstraintError
	if errors.As(err, &ce) && ce.Entity == "" {
		ce.Entity = entity
	}
	return err
}

// exec executes one statement and reports it.
func (r *runner) exec(ctx context.Context, entity, sql string, args []any) (pgconn.CommandTag, error) {
	start := time.Now()
	tag, err := r.q.Exec(ctx, sql, args...)
	err = withEntity(err, entity)
	r.cfg.Emit(ctx, sql, args, start, err)
	return tag, err
}

// inTx runs fn in a transaction when statements > 1 and r is not inside one already.
func (r *runner) inTx(ctx context.Context, statements int, fn func(r *runner) error) error {
	if statements > 1 && r.atomic != nil {
		return r.atomic(ctx, fn)
	}
	return fn(r)
}

// Find implements drivers.Executor.
func (r *runner) Find(ctx context.Context, op *drivers.FindOp, fn func(row []any) error) error {
	d := Dialect{}
	st, err := sqlbase.Find(d, op)
	if err != nil {
		return err
	}
	decs := sqlbase.Decoders(d, op)
	start := time.Now()
	rows, err := r.q.Query(ctx, st.SQL, st.Args...)
	if err != nil {
		err = withEntity(err, op.Entity.Name)
		r.cfg.Emit(ctx, st.SQL, st.Args, start, err)
		return err
	}
	row := make([]any, len(decs))
	var fnErr error
	for rows.Next() {
		var vals []any
		if vals, err = rows.Values(); err != nil {
			break
		}
		if len(vals) != len(decs) {
			err = fmt.Errorf("postgres: %d columns for %d fields", len(vals), len(decs))
			break
		}
		if err = sqlbase.DecodeRow(decs, vals, row); err != nil {
			break
		}
		if fnErr = fn(row); fnErr != nil {
			break
		}
	}
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	err = withEntity(err, op.Entity.Name)
	r.cfg.Emit(ctx, st.SQL, st.Args, start, err)
	if err != nil {
		return err
	}
	return fnErr
}

// Count implements drivers.Executor.
func (r *runner) Count(ctx context.Context, op *drivers.CountOp) (int64, error) {
	st, err := sqlbase.Count(Dialect{}, op)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var n int64
	err = r.q.QueryRow(ctx, st.SQL, st.Args...).Scan(&n)
	err = withEntity(err, op.Entity.Name)
	r.cfg.Emit(ctx, st.SQL, st.Args, start, err)
	return n, err
}

// InsertStatements returns the multi-row INSERT statements of op, each with at most
// MaxParams parameters, with RETURNING of the key when the entity has an autoincrement key.
func InsertStatements(op *drivers.InsertOp) ([]sqlbase.Stmt, error) {
	d := Dialect{}
	e := op.Entity
	var returning string
	if len(e.Primary) == 1 && e.Primary[0].Autoincrement {
		returning = " RETURNING " + d.QuoteIdent(e.Primary[0].Column)
	}
	cols := make([]string, len(op.Fields))
	for i, f := range op.Fields {
		cols[i] = d.QuoteIdent(f.Column)
	}
	if len(op.Fields) == 0 {
		if returning == "" {
			// Every column has a default: one row per statement.
			out := make([]sqlbase.Stmt, len(op.Rows))
			for i := range out {
				out[i] = sqlbase.Stmt{SQL: "INSERT INTO " + d.QuoteIdent(e.Table) + " DEFAULT VALUES"}
			}
			return out, nil
		}
		cols = []string{d.QuoteIdent(e.Primary[0].Column)}
	}
	perStmt := max(1, min(InsertRows, MaxParams/max(1, len(op.Fields))))
	var out []sqlbase.Stmt
	for start := 0; start < len(op.Rows); start += perStmt {
		chunk := op.Rows[start:min(start+perStmt, len(op.Rows))]
		b := sqlbase.NewBuilder(d)
		b.WriteString("INSERT INTO ")
		b.Ident(e.Table)
		b.WriteString(" (" + strings.Join(cols, ", ") + ") VALUES ")
		for i, row := range chunk {
			if i > 0 {
				b.WriteString(", ")
			}
			if len(op.Fields) == 0 {
				b.WriteString("(DEFAULT)")
				continue
			}
			args, err := sqlbase.Args(d, op.Fields, row)
			if err != nil {
				return nil, err
			}
			b.WriteString("(")
			for j, a := range args {
				if j > 0 {
					b.WriteString(", ")
				}
				b.Arg(a)
			}
			b.WriteString(")")
		}
		b.WriteString(returning)
		out = append(out, b.Stmt())
	}
	return out, nil
}

// Insert implements drivers.Executor: multi-row INSERT ... RETURNING "id". PostgreSQL
// returns the rows of a multi-row VALUES insert in the order of the VALUES lists, so
// op.Generated[i] is the key of op.Rows[i].
func (r *runner) Insert(ctx context.Context, op *drivers.InsertOp) error {
	if len(op.Rows) == 0 {
		return nil
	}
	e := op.Entity
	auto := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	if !auto && len(op.Rows) >= CopyRows && len(op.Fields) > 0 {
		return r.copy(ctx, op)
	}
	stmts, err := InsertStatements(op)
	if err != nil {
		return err
	}
	if !auto {
		return r.inTx(ctx, len(stmts), func(r *runner) error {
			for _, st := range stmts {
				if _, err := r.exec(ctx, e.Name, st.SQL, st.Args); err != nil {
					return err
				}
			}
			return nil
		})
	}
	generated := make([]any, 0, len(op.Rows))
	err = r.inTx(ctx, len(stmts), func(r *runner) error {
		for _, st := range stmts {
			if err := r.queryKeys(ctx, e.Name, st, &generated); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(generated) != len(op.Rows) {
		return fmt.Errorf("postgres: insert into %s returned %d keys for %d rows", e.Table, len(generated), len(op.Rows))
	}
	op.Generated = generated
	return nil
}

// queryKeys runs an INSERT ... RETURNING key and appends the keys as int64.
func (r *runner) queryKeys(ctx context.Context, entity string, st sqlbase.Stmt, out *[]any) error {
	start := time.Now()
	rows, err := r.q.Query(ctx, st.SQL, st.Args...)
	if err == nil {
		for rows.Next() {
			var id int64
			if err = rows.Scan(&id); err != nil {
				break
			}
			*out = append(*out, id)
		}
		rows.Close()
		if err == nil {
			err = rows.Err()
		}
	}
	err = withEntity(err, entity)
	r.cfg.Emit(ctx, st.SQL, st.Args, start, err)
	return err
}

// batch runs stmts in one round trip (a pgx pipeline) and calls check with the command tag
// of each; a single statement is sent on its own.
func (r *runner) batch(ctx context.Context, entity string, stmts []sqlbase.Stmt, check func(i int, tag pgconn.CommandTag) error) error {
	switch len(stmts) {
	case 0:
		return nil
	case 1:
		tag, err := r.exec(ctx, entity, stmts[0].SQL, stmts[0].Args)
		if err != nil {
			return err
		}
		if check != nil {
			return check(0, tag)
		}
		return nil
	}
	b := &pgx.Batch{}
	queries := make([]string, len(stmts))
	args := make([]any, len(stmts))
	for i, st := range stmts {
		b.Queue(st.SQL, st.Args...)
		queries[i] = st.SQL
		args[i] = st.Args
	}
	start := time.Now()
	br := r.q.SendBatch(ctx, b)
	var err error
	for i := range stmts {
		var tag pgconn.CommandTag
		if tag, err = br.Exec(); err != nil {
			break
		}
		if check != nil {
			if err = check(i, tag); err != nil {
				break
			}
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	var na *drivers.NotAffectedError
	if !errors.As(err, &na) {
		err = withEntity(err, entity)
	}
	r.cfg.Emit(ctx, strings.Join(queries, ";\n"), args, start, err)
	return err
}

// UpdateStatements returns one UPDATE per row of op.
func UpdateStatements(op *drivers.UpdateOp) ([]sqlbase.Stmt, error) {
	d := Dialect{}
	out := make([]sqlbase.Stmt, len(op.Rows))
	queries := map[string]string{}
	var sig strings.Builder
	for i := range op.Rows {
		row := &op.Rows[i]
		sig.Reset()
		if row.Version != nil {
			sig.WriteByte('v')
		}
		for _, f := range row.Fields {
			fmt.Fprintf(&sig, "%d,", f.Index)
		}
		q, ok := queries[sig.String()]
		if !ok {
			var err error
			if q, err = sqlbase.UpdateSQL(d, op.Entity, row.Fields, row.Version != nil); err != nil {
				return nil, err
			}
			queries[sig.String()] = q
		}
		args, err := sqlbase.UpdateArgs(d, op.Entity, row)
		if err != nil {
			return nil, err
		}
		out[i] = sqlbase.Stmt{SQL: q, Args: args}
	}
	return out, nil
}

// Update implements drivers.Executor: one UPDATE per row, all rows pipelined in one round
// trip; a versioned row that matches nothing is a *drivers.NotAffectedError.
func (r *runner) Update(ctx context.Context, op *drivers.UpdateOp) error {
	if len(op.Rows) == 0 {
		return nil
	}
	stmts, err := UpdateStatements(op)
	if err != nil {
		return err
	}
	e := op.Entity
	return r.inTx(ctx, len(stmts), func(r *runner) error {
		return r.batch(ctx, e.Name, stmts, func(i int, tag pgconn.CommandTag) error {
			row := &op.Rows[i]
			if row.Version != nil && tag.RowsAffected() == 0 {
				return &drivers.NotAffectedError{Entity: e.Name, Key: row.Key}
			}
			return nil
		})
	})
}

// Delete implements drivers.Executor: unversioned keys in IN lists, versioned keys one
// DELETE each, all in one pipelined round trip.
func (r *runner) Delete(ctx context.Context, op *drivers.DeleteOp) error {
	if len(op.Keys) == 0 {
		return nil
	}
	if op.Versions != nil && len(op.Versions) != len(op.Keys) {
		return errors.New("postgres: DeleteOp.Versions must be nil or have one entry per key")
	}
	d := Dialect{}
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
	stmts, err := sqlbase.DeleteByKeys(d, e, plain)
	if err != nil {
		return err
	}
	nplain := len(stmts)
	if len(versioned) > 0 {
		q, err := sqlbase.DeleteVersionedSQL(d, e)
		if err != nil {
			return err
		}
		for _, j := range versioned {
			args, err := sqlbase.DeleteVersionedArgs(d, e, op.Keys[j], op.Versions[j])
			if err != nil {
				return err
			}
			stmts = append(stmts, sqlbase.Stmt{SQL: q, Args: args})
		}
	}
	return r.inTx(ctx, len(stmts), func(r *runner) error {
		return r.batch(ctx, e.Name, stmts, func(i int, tag pgconn.CommandTag) error {
			if i >= nplain && tag.RowsAffected() == 0 {
				return &drivers.NotAffectedError{Entity: e.Name, Key: op.Keys[versioned[i-nplain]]}
			}
			return nil
		})
	})
}

// UpdateWhere implements drivers.Executor: one UPDATE … WHERE, the rows it matched.
func (r *runner) UpdateWhere(ctx context.Context, op *drivers.UpdateWhereOp) (int64, error) {
	st, err := sqlbase.UpdateWhere(Dialect{}, op)
	if err != nil {
		return 0, err
	}
	tag, err := r.exec(ctx, op.Entity.Name, st.SQL, st.Args)
	return tag.RowsAffected(), err
}

// DeleteWhere implements drivers.Executor: one DELETE … WHERE, the rows it matched.
func (r *runner) DeleteWhere(ctx context.Context, op *drivers.DeleteWhereOp) (int64, error) {
	st, err := sqlbase.DeleteWhere(Dialect{}, op)
	if err != nil {
		return 0, err
	}
	tag, err := r.exec(ctx, op.Entity.Name, st.SQL, st.Args)
	return tag.RowsAffected(), err
}

// PivotInsertStatements returns the multi-row INSERTs of op's pairs.
func PivotInsertStatements(op *drivers.PivotOp) ([]sqlbase.Stmt, error) {
	d := Dialect{}
	if _, err := sqlbase.PivotInsertSQL(d, op.Prop); err != nil { // checks the owning side
		return nil, err
	}
	table, join, inv := sqlbase.PivotColumns(op.Prop)
	const perStmt = MaxParams / 2
	var out []sqlbase.Stmt
	for start := 0; start < len(op.Pairs); start += perStmt {
		chunk := op.Pairs[start:min(start+perStmt, len(op.Pairs))]
		b := sqlbase.NewBuilder(d)
		b.WriteString("INSERT INTO ")
		b.Ident(table)
		b.WriteString(" (")
		b.Ident(join)
		b.WriteString(", ")
		b.Ident(inv)
		b.WriteString(") VALUES ")
		for i, pair := range chunk {
			args, err := sqlbase.PivotArgs(d, op.Prop, pair)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			b.Arg(args[0])
			b.WriteString(", ")
			b.Arg(args[1])
			b.WriteString(")")
		}
		out = append(out, b.Stmt())
	}
	return out, nil
}

// InsertPivot implements drivers.Executor: multi-row INSERTs.
func (r *runner) InsertPivot(ctx context.Context, op *drivers.PivotOp) error {
	if len(op.Pairs) == 0 {
		return nil
	}
	stmts, err := PivotInsertStatements(op)
	if err != nil {
		return err
	}
	entity := op.Prop.Entity.Name
	return r.inTx(ctx, len(stmts), func(r *runner) error {
		for _, st := range stmts {
			if _, err := r.exec(ctx, entity, st.SQL, st.Args); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeletePivot implements drivers.Executor.
func (r *runner) DeletePivot(ctx context.Context, op *drivers.PivotOp) error {
	if len(op.Pairs) == 0 {
		return nil
	}
	stmts, err := sqlbase.PivotDelete(Dialect{}, op.Prop, op.Pairs)
	if err != nil {
		return err
	}
	entity := op.Prop.Entity.Name
	return r.inTx(ctx, len(stmts), func(r *runner) error {
		return r.batch(ctx, entity, stmts, nil)
	})
}

package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/schema"
)

// insert runs op on r. Rows without an autoincrement key, and every row in InsertLastID mode,
// go through sqlbase's multi-row insert (r.Multi); InsertPerRow mode through its prepared
// per-row insert. What is left is done here: INSERT … RETURNING in InsertReturning mode, and
// rows without fields, which MySQL writes as INSERT INTO t () VALUES ().
func insert(ctx context.Context, r *sqlbase.Runner, mode InsertMode, op *drivers.InsertOp) error {
	if len(op.Rows) == 0 {
		return nil
	}
	e := op.Entity
	auto := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	if len(op.Fields) > 0 && (!auto || mode != InsertReturning) {
		return r.Insert(ctx, op)
	}
	returning := auto && mode == InsertReturning
	chunk := 1
	if returning || !auto {
		chunk = InsertRows
		if n := len(op.Fields); n > 0 && chunk*n > MaxParams {
			chunk = MaxParams / n
		}
	}
	if auto {
		op.Generated = make([]any, len(op.Rows))
	}
	statements := (len(op.Rows) + chunk - 1) / chunk
	run := func(r *sqlbase.Runner) error {
		for start := 0; start < len(op.Rows); start += chunk {
			end := min(start+chunk, len(op.Rows))
			q := InsertSQL(r.Dialect, e, op.Fields, end-start, returning)
			args := make([]any, 0, (end-start)*len(op.Fields))
			for _, row := range op.Rows[start:end] {
				a, err := sqlbase.Args(r.Dialect, op.Fields, row)
				if err != nil {
					return err
				}
				args = append(args, a...)
			}
			if returning {
				i := start
				err := queryRows(ctx, r, e.Name, q, args, func(rows *sql.Rows) error {
					var id int64
					if err := rows.Scan(&id); err != nil {
						return err
					}
					if i >= end {
						return fmt.Errorf("mysql: INSERT … RETURNING of %d rows of %s returned more keys", end-start, e.Name)
					}
					op.Generated[i] = id
					i++
					return nil
				})
				if err != nil {
					return err
				}
				if i != end {
					return fmt.Errorf("mysql: INSERT … RETURNING of %d rows of %s returned %d keys", end-start, e.Name, i-start)
				}
				continue
			}
			res, err := r.Exec(ctx, e.Name, q, args)
			if err != nil {
				return err
			}
			if auto { // one row per statement
				id, err := res.LastInsertId()
				if err != nil {
					return err
				}
				op.Generated[start] = id
			}
		}
		return nil
	}
	if statements > 1 && r.Atomic != nil {
		return r.Atomic(ctx, run)
	}
	return run(r)
}

// InsertSQL returns INSERT INTO t (fields) VALUES (…), (…) for rows rows, with RETURNING key
// when returning (MariaDB 10.5+). Without fields each row is ().
func InsertSQL(d sqlbase.Dialect, e *schema.Entity, fields []*schema.Property, rows int, returning bool) string {
	b := sqlbase.NewBuilder(d)
	b.WriteString("INSERT INTO ")
	b.Ident(e.Table)
	b.WriteString(" (")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
	}
	b.WriteString(") VALUES ")
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
		}
		b.WriteString(")")
	}
	if returning {
		b.WriteString(" RETURNING ")
		b.Ident(e.Primary[0].Column)
	}
	return b.Stmt().SQL
}

// queryRows runs a statement that returns rows, calls scan for each, and reports it once.
func queryRows(ctx context.Context, r *sqlbase.Runner, entity, q string, args []any, scan func(*sql.Rows) error) error {
	start := time.Now()
	rows, err := r.Conn.QueryContext(ctx, q, args...)
	if err == nil {
		for rows.Next() {
			if err = scan(rows); err != nil {
				break
			}
		}
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = rows.Err()
		}
	}
	if err != nil {
		err = r.Dialect.Error(err)
		var ce *drivers.ConstraintError
		if errors.As(err, &ce) && ce.Entity == "" {
			ce.Entity = entity
		}
	}
	r.Config.Emit(ctx, q, args, start, err)
	return err
}

package sqlbase

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/schema"
)

// MultiInsert configures a [Runner] to insert with multi-row INSERT statements instead of
// one prepared statement per row.
type MultiInsert struct {
	// Rows is the most rows per statement; MaxParams the most bound parameters per
	// statement (SQLite 32766, PostgreSQL 65535, MySQL 65535).
	Rows      int
	MaxParams int
	// FirstID tells how the result's LastInsertId relates to a multi-row insert of
	// autoincrement keys, which the database assigns consecutively within one statement
	// while it holds the table's write lock: true when it is the first row's key (MySQL's
	// LAST_INSERT_ID()), false when it is the last row's (SQLite's last_insert_rowid()).
	FirstID bool
}

// insertMulti inserts op.Rows in chunks of multi-row INSERT statements.
func (r *Runner) insertMulti(ctx context.Context, op *drivers.InsertOp) error {
	e, fields := op.Entity, op.Fields
	chunk := r.Multi.Rows
	if n := len(fields); n > 0 && chunk*n > r.Multi.MaxParams {
		chunk = r.Multi.MaxParams / n
	}
	if chunk < 1 || len(fields) == 0 {
		return fmt.Errorf("sqlbase: a multi-row insert of %s needs fields and a chunk size", e.Name)
	}
	auto := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	if auto {
		op.Generated = make([]any, len(op.Rows))
	}
	statements := (len(op.Rows) + chunk - 1) / chunk
	return r.atomic(ctx, statements, func(r *Runner) error {
		// The full-size statement is prepared once when it runs more than once: parsing
		// thousands of placeholders costs more than binding them.
		var full *sql.Stmt
		fullSQL := ""
		if len(op.Rows) >= 2*chunk {
			fullSQL = multiInsertSQL(r.Dialect, e, fields, chunk)
			var err error
			if full, err = r.Conn.PrepareContext(ctx, fullSQL); err != nil {
				return r.classify(err, e.Name)
			}
			defer full.Close()
		}
		args := make([]any, 0, chunk*len(fields))
		for start := 0; start < len(op.Rows); start += chunk {
			end := min(start+chunk, len(op.Rows))
			if r.Config.OnQuery != nil {
				// The event keeps the arguments: each statement gets its own slice.
				args = make([]any, 0, chunk*len(fields))
			} else {
				args = args[:0]
			}
			for _, row := range op.Rows[start:end] {
				if len(row) != len(fields) {
					return fmt.Errorf("sqlbase: %d values for %d fields of %s", len(row), len(fields), e.Name)
				}
				var prevTime time.Time
				var prevOut any
				for j, f := range fields {
					// A time shared by columns of one row (the createdAt and updatedAt of a new
					// entity) is converted once.
					t, isTime := row[j].(time.Time)
					if isTime && prevOut != nil && f.Type == schema.DateTime && t.Equal(prevTime) {
						args = append(args, prevOut)
						continue
					}
					a, err := r.Dialect.Arg(f, row[j])
					if err != nil {
						return err
					}
					if isTime && f.Type == schema.DateTime {
						prevTime, prevOut = t, a
					}
					args = append(args, a)
				}
			}
			var res sql.Result
			var err error
			if full != nil && end-start == chunk {
				res, err = r.execStmt(ctx, full, e.Name, fullSQL, args)
			} else {
				res, err = r.Exec(ctx, e.Name, multiInsertSQL(r.Dialect, e, fields, end-start), args)
			}
			if err != nil {
				return err
			}
			if !auto {
				continue
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			first := id
			if !r.Multi.FirstID {
				first = id - int64(end-start-1)
			}
			for k := start; k < end; k++ {
				op.Generated[k] = first + int64(k-start)
			}
		}
		return nil
	})
}

// multiInsertSQL returns INSERT INTO t (fields) VALUES (…), (…) for rows rows.
func multiInsertSQL(d Dialect, e *schema.Entity, fields []*schema.Property, rows int) string {
	b := NewBuilder(d)
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
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i := range fields {
			if i > 0 {
				b.WriteString(", ")
			}
			n++
			b.WriteString(d.Placeholder(n))
		}
		b.WriteString(")")
	}
	return b.sb.String()
}

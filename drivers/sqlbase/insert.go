package sqlbase

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
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
	// Raw, when the Runner's Conn is a *sql.Conn, executes the statements on the driver's
	// connection (see rawExec) rather than through database/sql.
	Raw bool
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
		if rc, ok := r.Conn.(rawConn); ok && r.Multi.Raw {
			var err error
			rawErr := rc.Raw(func(dc any) error {
				c, ok := dc.(driver.ConnPrepareContext)
				if !ok {
					return errNoRaw
				}
				if r.raw == nil {
					r.raw = &rawCache{}
				}
				err = r.insertChunks(ctx, op, chunk, auto, &rawExec{conn: c, cache: r.raw})
				return nil
			})
			if rawErr != errNoRaw {
				if rawErr != nil {
					return &drivers.ConnError{Err: rawErr}
				}
				return err
			}
		}
		return r.insertChunks(ctx, op, chunk, auto, &sqlExec{conn: r.Conn})
	})
}

// insertChunks runs the statements of insertMulti through x.
func (r *Runner) insertChunks(ctx context.Context, op *drivers.InsertOp, chunk int, auto bool, x chunkExec) error {
	e, fields := op.Entity, op.Fields
	// The full-size statement is prepared once when it runs more than once: parsing
	// thousands of placeholders costs more than binding them.
	fullSQL := ""
	if len(op.Rows) >= 2*chunk {
		fullSQL = multiInsertSQL(r.Dialect, e, fields, chunk)
		if err := x.prepare(ctx, fullSQL); err != nil {
			return r.classify(ctx, err, e.Name)
		}
		defer x.close()
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
		// A time shared by columns and rows (the createdAt and updatedAt of the entities of
		// one flush) is converted once.
		var prevTime time.Time
		var prevOut any
		for _, row := range op.Rows[start:end] {
			if len(row) != len(fields) {
				return fmt.Errorf("sqlbase: %d values for %d fields of %s", len(row), len(fields), e.Name)
			}
			for j, f := range fields {
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
		query := fullSQL
		if fullSQL == "" || end-start != chunk {
			query = multiInsertSQL(r.Dialect, e, fields, end-start)
		}
		began := time.Now()
		id, err := x.exec(ctx, query, query == fullSQL, args)
		err = r.classify(ctx, err, e.Name)
		r.Config.Emit(ctx, query, args, began, err)
		if err != nil {
			return err
		}
		if !auto {
			continue
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
}

// chunkExec runs the statements of a multi-row insert: one prepared statement, executed
// for every full chunk, and unprepared ones for the rest.
type chunkExec interface {
	prepare(ctx context.Context, query string) error
	// exec runs query (the prepared one when prepared) and returns the last insert id.
	exec(ctx context.Context, query string, prepared bool, args []any) (int64, error)
	close()
}

// sqlExec runs them through database/sql.
type sqlExec struct {
	conn Conn
	st   *sql.Stmt
}

func (x *sqlExec) prepare(ctx context.Context, query string) (err error) {
	x.st, err = x.conn.PrepareContext(ctx, query)
	return err
}

func (x *sqlExec) exec(ctx context.Context, query string, prepared bool, args []any) (int64, error) {
	var res sql.Result
	var err error
	if prepared {
		res, err = x.st.ExecContext(ctx, args...)
	} else {
		res, err = x.conn.ExecContext(ctx, query, args...)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (x *sqlExec) close() { x.st.Close() }

// rawConn is a Conn that hands out its database/sql driver connection: a *sql.Conn.
type rawConn interface {
	Raw(f func(driverConn any) error) error
}

var errNoRaw = errors.New("sqlbase: the driver's connection cannot prepare and execute with a context")

// rawExec runs them on the database/sql driver's connection, inside (*sql.Conn).Raw, with
// one []driver.NamedValue reused for every statement: database/sql would convert every
// argument again and allocate the slice for each execution (6,500 arguments per statement
// on SQLite), which costs a multi-row insert of 10,000 rows about 5 MB of garbage. The
// prepared statement and the arguments are kept in the Runner's rawCache for the next
// insert of the transaction (a flush sends at most 5,000 rows per InsertOp).
type rawExec struct {
	conn  driver.ConnPrepareContext
	cache *rawCache
}

// rawCache is what raw inserts keep from one operation to the next on one connection: the
// last full-size statement and the argument buffer. The statement is used only inside
// (*sql.Conn).Raw on that connection, and closed by [Runner.ReleaseRaw].
type rawCache struct {
	sql string
	st  driver.Stmt
	nv  []driver.NamedValue
}

func (x *rawExec) prepare(ctx context.Context, query string) error {
	c := x.cache
	if c.st != nil && c.sql == query {
		return nil
	}
	if c.st != nil {
		c.st.Close()
		c.st, c.sql = nil, ""
	}
	st, err := x.conn.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	if _, ok := st.(driver.StmtExecContext); !ok {
		st.Close()
		return errNoRaw
	}
	c.st, c.sql = st, query
	return nil
}

func (x *rawExec) exec(ctx context.Context, query string, prepared bool, args []any) (int64, error) {
	nv := x.cache.nv[:0]
	for i, a := range args {
		if !driver.IsValue(a) {
			v, err := driver.DefaultParameterConverter.ConvertValue(a)
			if err != nil {
				return 0, fmt.Errorf("sqlbase: argument %d: %w", i+1, err)
			}
			a = v
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	x.cache.nv = nv
	defer clear(nv) // the values are the caller's: do not keep them alive
	st := x.cache.st
	if !prepared {
		one, err := x.conn.PrepareContext(ctx, query)
		if err != nil {
			return 0, err
		}
		defer one.Close()
		st = one
	}
	sc, ok := st.(driver.StmtExecContext)
	if !ok {
		return 0, errNoRaw
	}
	res, err := sc.ExecContext(ctx, nv)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// close keeps the statement for the next insert; ReleaseRaw closes it.
func (x *rawExec) close() {}

// ReleaseRaw closes the statement that raw inserts kept on the Runner's connection; a
// driver calls it before the connection of a transaction goes back to the pool.
func (r *Runner) ReleaseRaw() {
	if r.raw == nil {
		return
	}
	if r.raw.st != nil {
		if rc, ok := r.Conn.(rawConn); ok {
			_ = rc.Raw(func(any) error { return r.raw.st.Close() })
		}
	}
	r.raw = nil
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

package sqlbase

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
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
	// Share binds a value that is the same in every row of a statement once, as a
	// numbered parameter that each row refers to: the onCreate times of a flush, and the
	// columns left NULL. It needs a dialect that implements [NumberedPlaceholders].
	Share bool
}

// NumberedPlaceholders is implemented by a dialect whose placeholders can be numbered and
// used more than once in a statement (SQLite's ?NNN).
type NumberedPlaceholders interface {
	NumberedPlaceholder(n int) string
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
				defer func() {
					if p := recover(); p != nil {
						// database/sql closes a connection whose Raw callback panicked; a
						// statement left open on it would keep it (and its transaction,
						// with SQLite's write lock) alive.
						if r.raw.st != nil {
							r.raw.st.Close()
						}
						r.raw = nil
						panic(p)
					}
				}()
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

// insertChunks runs the statements of insertMulti through x. When there are several, the
// arguments of the next statement are converted on another goroutine while the database
// runs the current one (for SQLite, executing a statement is CPU work on the calling
// goroutine; for a server, a round trip): the conversion is then off the critical path.
func (r *Runner) insertChunks(ctx context.Context, op *drivers.InsertOp, chunk int, auto bool, x chunkExec) error {
	e, fields := op.Entity, op.Fields
	// The full-size statement is prepared when it runs more than once: parsing thousands
	// of placeholders costs more than binding them. It is the same for every full chunk
	// unless the values they share differ.
	reuse := len(op.Rows) >= 2*chunk
	defer x.close()
	// An OnQuery event keeps the arguments: then each statement gets its own slice.
	keep := r.Config.OnQuery != nil
	_, numbered := r.Dialect.(NumberedPlaceholders)
	next, done := chunkConverter(r.Dialect, op, chunk, x, keep, r.Multi.Share && numbered)
	if len(op.Rows) > chunk {
		var stop func()
		next, stop = pipeline(next)
		defer func() { stop(); done() }()
	} else {
		defer done()
	}
	for {
		b, ok := next()
		if !ok {
			return nil
		}
		if b.err != nil {
			b.release()
			return b.err
		}
		start, end := b.start, b.end
		prepared := reuse && end-start == chunk
		var query string
		if prepared {
			query = x.made().get(r.Dialect, e, fields, chunk, b.shared)
			if err := x.prepare(ctx, query); err != nil {
				b.release()
				return r.classify(ctx, err, e.Name)
			}
		} else {
			query = multiInsertSQL(r.Dialect, e, fields, end-start, b.shared)
		}
		began := time.Now()
		id, err := x.exec(ctx, query, prepared, b)
		err = r.classify(ctx, err, e.Name)
		r.Config.Emit(ctx, query, b.args, began, err)
		b.release()
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
}

// argBatch is the arguments of one statement of a multi-row insert: rows [start, end) of the
// operation, converted for the driver (args) and, for a raw exec, bound (named).
type argBatch struct {
	start, end int
	shared     uint64 // the fields whose value every row shares, bound once (bit i: fields[i])
	args       []any
	named      []driver.NamedValue
	err        error
	release    func() // gives the buffers back for a later statement
	panicked   any    // what the conversion panicked with, on the pipeline's goroutine
}

// convertSafely calls next, returning what it panicked with instead of panicking.
func convertSafely(next func() (argBatch, bool)) (b argBatch, ok bool, panicked any) {
	defer func() {
		if p := recover(); p != nil {
			panicked = p
		}
	}()
	b, ok = next()
	return b, ok, nil
}

// chunkConverter returns a function that converts the rows of op one statement (chunk rows)
// at a time, and reports false when all are done. Unless keep is set, it converts into two
// pairs of buffers in turn: a batch's buffers are reused once the batch is released, and at
// most two batches are out at once (one running, one converted ahead). Once every batch is
// released, done keeps the buffers in x for the next operation.
//
// With share, a field whose value is the same in every row of a statement is bound once:
// see shareArgs.
func chunkConverter(d Dialect, op *drivers.InsertOp, chunk int, x chunkExec, keep, share bool) (func() (argBatch, bool), func()) {
	fields := op.Fields
	size := min(chunk, len(op.Rows)) * len(fields)
	free := make(chan argBuffers, 2)
	kept := x.buffers()
	if !keep {
		for range 2 {
			var b argBuffers
			if kept != nil && len(*kept) > 0 {
				b, *kept = (*kept)[len(*kept)-1], (*kept)[:len(*kept)-1]
			}
			if cap(b.args) < size {
				b.args = make([]any, 0, size)
			}
			if x.needsNamed() && cap(b.named) < size {
				b.named = make([]driver.NamedValue, 0, size)
			}
			free <- b
		}
	}
	// done keeps the released buffers for the next operation (all of them, unless a panic
	// cut a statement short).
	done := func() {
		if keep || kept == nil {
			return
		}
		for range 2 {
			select {
			case b := <-free:
				*kept = append(*kept, b)
			default:
				return
			}
		}
	}
	start := 0
	return func() (argBatch, bool) {
		if start >= len(op.Rows) {
			return argBatch{}, false
		}
		end := min(start+chunk, len(op.Rows))
		b := argBatch{start: start, end: end, release: func() {}}
		start = end
		var buf argBuffers
		if keep {
			buf.args = make([]any, 0, size)
		} else {
			buf = <-free
			b.release = func() {
				// The values are the caller's: the buffers must not keep them alive.
				clear(b.args)
				clear(b.named)
				free <- argBuffers{args: b.args[:0], named: b.named[:0]}
			}
		}
		args := buf.args
		// A time shared by columns and rows (the createdAt and updatedAt of the entities of
		// one flush) is converted once.
		var prevTime time.Time
		var prevOut any
		for _, row := range op.Rows[b.start:b.end] {
			if len(row) != len(fields) {
				b.err = fmt.Errorf("sqlbase: %d values for %d fields of %s", len(row), len(fields), op.Entity.Name)
				return b, true
			}
			for j, f := range fields {
				t, isTime := row[j].(time.Time)
				if isTime && prevOut != nil && f.Type == schema.DateTime && t.Equal(prevTime) {
					args = append(args, prevOut)
					continue
				}
				a, err := d.Arg(f, row[j])
				if err != nil {
					b.err = err
					return b, true
				}
				if isTime && f.Type == schema.DateTime {
					prevTime, prevOut = t, a
				}
				args = append(args, a)
			}
		}
		if share {
			args, b.shared = shareArgs(args, len(fields))
		}
		b.args = args
		b.named, b.err = x.bind(args, buf.named)
		return b, true
	}, done
}

// shareArgs finds the fields whose argument is the same in every row of args (rows of n
// arguments) and returns the arguments that multiInsertSQL's statement binds: each shared
// value once, in field order, then the other fields' values row by row. It reorders args in
// place. Values are shared when dynamic.Equal holds for them (a NaN never is).
func shareArgs(args []any, n int) ([]any, uint64) {
	rows := len(args) / n
	if rows < 2 || n > 64 {
		return args, 0
	}
	var shared uint64
	for j := range n {
		v := args[j]
		same := true
		for r := 1; r < rows && same; r++ {
			same = dynamic.Equal(v, args[r*n+j])
		}
		if same {
			shared |= 1 << j
		}
	}
	if shared == 0 {
		return args, 0
	}
	var once [64]any
	k := 0
	for j := range n {
		if shared&(1<<j) != 0 {
			once[k] = args[j]
			k++
		}
	}
	// The other values move forward (each to a position at or before its own), then
	// right by k to make room for the shared ones.
	w := 0
	for r := range rows {
		for j := range n {
			if shared&(1<<j) == 0 {
				args[w] = args[r*n+j]
				w++
			}
		}
	}
	copy(args[k:k+w], args[:w])
	copy(args, once[:k])
	clear(args[k+w:])
	return args[:k+w], shared
}

// argBuffers are the buffers of one statement's arguments.
type argBuffers struct {
	args  []any
	named []driver.NamedValue
}

// pipeline runs next on a goroutine of its own, one batch ahead of the caller. stop ends the
// goroutine and waits for it; the caller must have released every batch it took by then.
func pipeline(next func() (argBatch, bool)) (func() (argBatch, bool), func()) {
	out := make(chan argBatch) // unbuffered: the goroutine converts one batch ahead, no more
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(out)
		for {
			b, ok, p := convertSafely(next)
			if p != nil {
				// A panic while converting is the caller's, as it would be without the
				// goroutine: it is raised again there.
				select {
				case out <- argBatch{panicked: p, release: func() {}}:
				case <-done:
				}
				return
			}
			if !ok {
				return
			}
			select {
			case out <- b:
			case <-done:
				b.release()
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	recv := func() (argBatch, bool) {
		b, ok := <-out
		if b.panicked != nil {
			panic(b.panicked)
		}
		return b, ok
	}
	stop := func() {
		close(done)
		<-finished
	}
	return recv, stop
}

// chunkExec runs the statements of a multi-row insert: one prepared statement, executed
// for every full chunk, and unprepared ones for the rest.
type chunkExec interface {
	// made is where the full-size statement is kept once made: per operation, or per
	// connection where the exec keeps its prepared statement.
	made() *madeSQL
	prepare(ctx context.Context, query string) error
	// bind prepares args for exec, in buf when it needs a buffer of its own (a raw exec's
	// driver.NamedValue); it runs on the goroutine that converts the arguments.
	bind(args []any, buf []driver.NamedValue) ([]driver.NamedValue, error)
	// exec runs query (the prepared one when prepared) with b's arguments and returns the
	// last insert id.
	exec(ctx context.Context, query string, prepared bool, b argBatch) (int64, error)
	close()
	// needsNamed reports whether bind fills driver.NamedValue buffers.
	needsNamed() bool
	// buffers is where argument buffers are kept from one operation to the next, or nil.
	buffers() *[]argBuffers
}

// sqlExec runs them through database/sql.
type sqlExec struct {
	conn     Conn
	st       *sql.Stmt
	prepared string // st's SQL
	full     madeSQL
}

func (x *sqlExec) made() *madeSQL { return &x.full }

func (x *sqlExec) prepare(ctx context.Context, query string) error {
	if x.st != nil && x.prepared == query {
		return nil
	}
	x.close()
	st, err := x.conn.PrepareContext(ctx, query)
	if err != nil {
		return err
	}
	x.st, x.prepared = st, query
	return nil
}

func (x *sqlExec) bind([]any, []driver.NamedValue) ([]driver.NamedValue, error) { return nil, nil }

func (x *sqlExec) needsNamed() bool { return false }

func (x *sqlExec) exec(ctx context.Context, query string, prepared bool, b argBatch) (int64, error) {
	var res sql.Result
	var err error
	if prepared {
		res, err = x.st.ExecContext(ctx, b.args...)
	} else {
		res, err = x.conn.ExecContext(ctx, query, b.args...)
	}
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func (x *sqlExec) close() {
	if x.st != nil {
		x.st.Close()
		x.st, x.prepared = nil, ""
	}
}

func (x *sqlExec) buffers() *[]argBuffers { return nil }

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
	sql  string
	st   driver.Stmt
	bufs []argBuffers
	made madeSQL
}

// madeSQL is the full-size statement last made and what it inserts: a flush of many rows
// sends the same statement (thousands of placeholders) in every operation.
type madeSQL struct {
	e      *schema.Entity
	fields []*schema.Property
	rows   int
	shared uint64
	sql    string
}

// get returns the statement, making it unless it is the one made last.
func (m *madeSQL) get(d Dialect, e *schema.Entity, fields []*schema.Property, rows int, shared uint64) string {
	if m.sql != "" && m.e == e && m.rows == rows && m.shared == shared && slices.Equal(m.fields, fields) {
		return m.sql
	}
	m.e, m.fields, m.rows, m.shared = e, slices.Clone(fields), rows, shared
	m.sql = multiInsertSQL(d, e, fields, rows, shared)
	return m.sql
}

func (x *rawExec) made() *madeSQL { return &x.cache.made }

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

func (x *rawExec) needsNamed() bool { return true }

// bind converts args to the driver's named values, as database/sql would, into buf.
func (x *rawExec) bind(args []any, buf []driver.NamedValue) ([]driver.NamedValue, error) {
	nv := buf[:0]
	for i, a := range args {
		if !driver.IsValue(a) {
			v, err := driver.DefaultParameterConverter.ConvertValue(a)
			if err != nil {
				return nv, fmt.Errorf("sqlbase: argument %d: %w", i+1, err)
			}
			a = v
		}
		nv = append(nv, driver.NamedValue{Ordinal: i + 1, Value: a})
	}
	return nv, nil
}

func (x *rawExec) exec(ctx context.Context, query string, prepared bool, b argBatch) (int64, error) {
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
	res, err := sc.ExecContext(ctx, b.named)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

// close keeps the statement for the next insert; ReleaseRaw closes it.
func (x *rawExec) close() {}

func (x *rawExec) buffers() *[]argBuffers { return &x.cache.bufs }

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
//
// With shared fields (bit i: fields[i]; the dialect must implement NumberedPlaceholders),
// those columns come first and every row refers to the same numbered placeholders 1..k
// for them; the other columns' placeholders continue from k+1, row by row. The arguments
// are in that order (see shareArgs). On SQLite only the shared ones are written ?NNN: the
// others stay "?", which SQLite numbers after the largest number seen, and a statement of
// thousands of ?NNN would make every bind look its name up in a list of thousands.
func multiInsertSQL(d Dialect, e *schema.Entity, fields []*schema.Property, rows int, shared uint64) string {
	cols := fields
	k := 0
	if shared != 0 {
		cols = make([]*schema.Property, 0, len(fields))
		for i, f := range fields {
			if shared&(1<<i) != 0 {
				cols = append(cols, f)
			}
		}
		k = len(cols)
		for i, f := range fields {
			if shared&(1<<i) == 0 {
				cols = append(cols, f)
			}
		}
	}
	once := make([]string, k) // the shared fields' placeholders, which every row repeats
	for i := range once {
		once[i] = d.(NumberedPlaceholders).NumberedPlaceholder(i + 1)
	}
	b := NewBuilder(d)
	// One allocation for the statement: each row is "(" + placeholders joined by ", " + ")",
	// rows joined by ", "; a placeholder is at most as long as the last one.
	rowLen := len(fields)*(len(d.Placeholder(rows*len(fields)))+2) + 2
	if k > 0 {
		rowLen += k * len(once[k-1])
	}
	b.sb.Grow(32 + len(e.Table) + len(fields)*24 + rows*rowLen)
	b.WriteString("INSERT INTO ")
	b.Ident(e.Table)
	b.WriteString(" (")
	for i, f := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
	}
	b.WriteString(") VALUES ")
	n := k
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(")
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			if i < k {
				b.WriteString(once[i])
				continue
			}
			n++
			b.WriteString(d.Placeholder(n))
		}
		b.WriteString(")")
	}
	return b.sb.String()
}

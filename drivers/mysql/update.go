package mysql

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/schema"
)

// UpdateRows is the most rows of one batched UPDATE.
const UpdateRows = 500

// update runs op on r. Unversioned rows of an entity with a single-column key that set the
// same fields are written by one statement per UpdateRows rows:
//
//	UPDATE t SET a = CASE id WHEN ? THEN ? … END, … WHERE id IN (…)
//
// measured ten times faster than a prepared statement executed per row (bench_test.go).
// Versioned rows, composite keys and single rows go through sqlbase's per-row UPDATE, whose
// affected-row count names a stale row.
func update(ctx context.Context, r *sqlbase.Runner, op *drivers.UpdateOp) error {
	e := op.Entity
	if len(op.Rows) < 2 || len(e.Primary) != 1 {
		return r.Update(ctx, op)
	}
	type group struct {
		fields []*schema.Property
		rows   []int
	}
	var groups []*group
	byFields := map[string]*group{}
	rest := &drivers.UpdateOp{Entity: e}
	var sig strings.Builder
	for i := range op.Rows {
		row := &op.Rows[i]
		if row.Version != nil || len(row.Fields) == 0 {
			rest.Rows = append(rest.Rows, *row)
			continue
		}
		sig.Reset()
		for _, f := range row.Fields {
			sig.WriteString(strconv.Itoa(f.Index))
			sig.WriteByte(',')
		}
		g := byFields[sig.String()]
		if g == nil {
			g = &group{fields: row.Fields}
			byFields[sig.String()] = g
			groups = append(groups, g)
		}
		g.rows = append(g.rows, i)
	}
	var stmts []sqlbase.Stmt
	for _, g := range groups {
		if len(g.rows) == 1 {
			rest.Rows = append(rest.Rows, op.Rows[g.rows[0]])
			continue
		}
		chunk := min(UpdateRows, MaxParams/(2*len(g.fields)+1))
		for start := 0; start < len(g.rows); start += chunk {
			st, err := UpdateCaseSQL(r.Dialect, e, g.fields, op.Rows, g.rows[start:min(start+chunk, len(g.rows))])
			if err != nil {
				return err
			}
			stmts = append(stmts, st)
		}
	}
	run := func(r *sqlbase.Runner) error {
		for _, st := range stmts {
			if _, err := r.Exec(ctx, e.Name, st.SQL, st.Args); err != nil {
				return err
			}
		}
		return r.Update(ctx, rest)
	}
	if len(stmts)+len(rest.Rows) > 1 && r.Atomic != nil {
		return r.Atomic(ctx, run)
	}
	return run(r)
}

// UpdateCaseSQL returns the UPDATE of the rows picked from rows (all setting fields, by a
// single-column key) as one statement with a CASE per field.
func UpdateCaseSQL(d sqlbase.Dialect, e *schema.Entity, fields []*schema.Property, rows []drivers.UpdateRow, pick []int) (sqlbase.Stmt, error) {
	pk := e.Primary[0]
	keys := make([]any, len(pick))
	for i, j := range pick {
		k, err := d.Arg(pk, rows[j].Key)
		if err != nil {
			return sqlbase.Stmt{}, err
		}
		keys[i] = k
	}
	b := sqlbase.NewBuilder(d)
	b.WriteString("UPDATE ")
	b.Ident(e.Table)
	b.WriteString(" SET ")
	for fi, f := range fields {
		if fi > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
		b.WriteString(" = CASE ")
		b.Ident(pk.Column)
		for i, j := range pick {
			if len(rows[j].Values) != len(fields) {
				return sqlbase.Stmt{}, errValues(e, rows[j])
			}
			v, err := d.Arg(f, rows[j].Values[fi])
			if err != nil {
				return sqlbase.Stmt{}, err
			}
			b.WriteString(" WHEN ")
			b.Arg(keys[i])
			b.WriteString(" THEN ")
			b.Arg(v)
		}
		b.WriteString(" END")
	}
	b.WriteString(" WHERE ")
	b.Ident(pk.Column)
	b.WriteString(" IN (")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Arg(k)
	}
	b.WriteString(")")
	return b.Stmt(), nil
}

func errValues(e *schema.Entity, row drivers.UpdateRow) error {
	return fmt.Errorf("mysql: update of %s: %d values for %d fields", e.Name, len(row.Values), len(row.Fields))
}

// Update implements drivers.Executor: see update.
func (d *Driver) Update(ctx context.Context, op *drivers.UpdateOp) error {
	return update(ctx, d.Runner, op)
}

// Update implements drivers.Executor: see update.
func (t *Tx) Update(ctx context.Context, op *drivers.UpdateOp) error {
	return update(ctx, t.Runner, op)
}

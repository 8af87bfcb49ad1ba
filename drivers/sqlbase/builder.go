package sqlbase

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// DeleteChunk is the largest number of keys in one DELETE ... WHERE key IN (...).
const DeleteChunk = 500

// Stmt is a statement with its bound arguments.
type Stmt struct {
	SQL  string
	Args []any
}

// Builder accumulates the text and the arguments of one statement.
type Builder struct {
	d     Dialect
	sb    strings.Builder
	args  []any
	alias int // the last subquery alias number used (t1, t2, ...)
	// derived reads related filters' subqueries through derived tables (an UPDATE or
	// DELETE on a dialect that implements DerivedSubqueries).
	derived bool
}

// NewBuilder returns an empty builder for dialect d.
func NewBuilder(d Dialect) *Builder { return &Builder{d: d} }

// WriteString appends SQL text.
func (b *Builder) WriteString(s string) { b.sb.WriteString(s) }

// Ident appends a quoted identifier.
func (b *Builder) Ident(name string) { b.sb.WriteString(b.d.QuoteIdent(name)) }

// Column appends alias.column, quoted ("t0"."title" is written t0."title"); alias may be "".
func (b *Builder) Column(alias, column string) {
	if alias != "" {
		b.sb.WriteString(alias)
		b.sb.WriteByte('.')
	}
	b.sb.WriteString(b.d.QuoteIdent(column))
}

// Arg appends a placeholder and binds v (already a driver argument).
func (b *Builder) Arg(v any) {
	b.args = append(b.args, v)
	b.sb.WriteString(b.d.Placeholder(len(b.args)))
}

// Stmt returns the statement built so far.
func (b *Builder) Stmt() Stmt { return Stmt{SQL: b.sb.String(), Args: b.args} }

func (b *Builder) nextAlias() int { b.alias++; return b.alias }

// column of p qualified with alias (unless alias is ""), as text.
func (b *Builder) col(alias string, p *schema.Property) string {
	if alias == "" {
		return b.d.QuoteIdent(p.Column)
	}
	return alias + "." + b.d.QuoteIdent(p.Column)
}

// DerivedSubqueries is implemented by a dialect that cannot read the table an UPDATE or
// DELETE writes in a subquery of its WHERE (MySQL's error 1093): there, the subqueries of a
// related filter are read through a derived table, which MySQL materialises first.
type DerivedSubqueries interface {
	DerivedSubqueries() bool
}

// openIn writes " IN (SELECT sel" for subquery n, and closeIn its end: through a derived
// table when the builder writes an UPDATE or DELETE for such a dialect.
func (b *Builder) openIn(sel string, n int) {
	if b.derived {
		b.WriteString(" IN (SELECT d" + strconv.Itoa(n) + ".k FROM (SELECT DISTINCT " + sel + " AS k")
		return
	}
	b.WriteString(" IN (SELECT " + sel)
}

func (b *Builder) closeIn(n int) {
	if b.derived {
		b.WriteString(") d" + strconv.Itoa(n))
	}
	b.WriteString(")")
}

func notSupported(d Dialect, feature string) error {
	return &drivers.NotSupportedError{Driver: d.Name(), Feature: feature}
}

// singleKey returns the one primary key property of e, or an error for composite keys where
// a single key column is needed.
func singleKey(d Dialect, e *schema.Entity, what string) (*schema.Property, error) {
	if len(e.Primary) != 1 {
		return nil, notSupported(d, what+" on "+e.Name+", whose primary key is composite")
	}
	return e.Primary[0], nil
}

// PivotColumns returns the pivot table of the m:n property p and its two columns seen from
// p.Entity: join points back to p.Entity, inverse to p.Target. It reads p's own fields and
// falls back to the owning side for an inverse side that leaves them empty.
func PivotColumns(p *schema.Property) (table, join, inverse string) {
	if p.PivotTable != "" && p.JoinColumn != "" && p.InverseColumn != "" {
		return p.PivotTable, p.JoinColumn, p.InverseColumn
	}
	if !p.Owner && p.Inverse != nil {
		o := p.Inverse
		return o.PivotTable, o.InverseColumn, o.JoinColumn
	}
	return p.PivotTable, p.JoinColumn, p.InverseColumn
}

// Find builds the SELECT of op.
func Find(d Dialect, op *drivers.FindOp) (Stmt, error) {
	lock, err := d.Lock(op.Lock)
	if err != nil {
		return Stmt{}, err
	}
	b := NewBuilder(d)
	b.WriteString("SELECT ")
	var joinCol string
	if op.Pivot != nil {
		p := op.Pivot.Prop
		if p.Kind != schema.ManyToMany || p.Target != op.Entity {
			return Stmt{}, fmt.Errorf("sqlbase: pivot filter %s does not lead to %s", p, op.Entity.Name)
		}
		_, joinCol, _ = PivotColumns(p)
		b.Column("p0", joinCol)
		if len(op.Fields) > 0 {
			b.WriteString(", ")
		}
	}
	for i, f := range op.Fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Column("t0", f.Column)
	}
	b.WriteString(" FROM ")
	b.Ident(op.Entity.Table)
	b.WriteString(" t0")
	where := op.Where
	if op.Pivot != nil {
		p := op.Pivot.Prop
		table, _, inv := PivotColumns(p)
		pk, err := singleKey(d, op.Entity, "populating "+p.String())
		if err != nil {
			return Stmt{}, err
		}
		b.WriteString(" JOIN ")
		b.Ident(table)
		b.WriteString(" p0 ON p0.")
		b.Ident(inv)
		b.WriteString(" = t0.")
		b.Ident(pk.Column)
		b.WriteString(" WHERE ")
		ownerKey, err := singleKey(d, p.Entity, "populating "+p.String())
		if err != nil {
			return Stmt{}, err
		}
		if err := b.in("p0."+d.QuoteIdent(joinCol), ownerKey, op.Pivot.Keys, false); err != nil {
			return Stmt{}, err
		}
		if where != nil {
			b.WriteString(" AND ")
			if err := b.expr(where, "t0", false); err != nil {
				return Stmt{}, err
			}
		}
	} else if err := b.whereClause(where, "t0"); err != nil {
		return Stmt{}, err
	}
	for i, o := range op.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		if err := b.orderTerm(op.Entity, o); err != nil {
			return Stmt{}, err
		}
		if o.Dir == drivers.Desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
	}
	if op.Limit > 0 || op.Offset > 0 {
		d.LimitOffset(b, op.Limit, op.Offset)
	}
	b.WriteString(lock)
	return b.Stmt(), nil
}

// orderTerm writes the expression of one ORDER BY term: the column, or for a property
// reached through to-one relations a scalar subquery per relation, which reads the related
// row by its key:
//
//	(SELECT o1.name FROM author o1 WHERE o1.id = t0.author_id)
//
// A subquery rather than a join: the rows found stay one per entity, a lock (FOR UPDATE)
// applies to them alone, and a missing related row orders as NULL.
func (b *Builder) orderTerm(e *schema.Entity, o drivers.Order) error {
	owner := e
	for _, r := range o.Path {
		if r.Entity != owner || !r.IsToOne() || !r.HasColumn() || r.Target == nil {
			return fmt.Errorf("sqlbase: cannot order %s through %s", e.Name, r)
		}
		owner = r.Target
	}
	if !o.Prop.HasColumn() || o.Prop.Entity != owner {
		return fmt.Errorf("sqlbase: cannot order %s by %s", e.Name, o.Prop)
	}
	if len(o.Path) == 0 {
		b.Column("t0", o.Prop.Column)
		return nil
	}
	var open func(i int, outer string) error
	open = func(i int, outer string) error {
		r := o.Path[i]
		pk, err := singleKey(b.d, r.Target, "ordering by "+r.String())
		if err != nil {
			return err
		}
		alias := "o" + strconv.Itoa(b.nextAlias())
		b.WriteString("(SELECT ")
		if i == len(o.Path)-1 {
			b.Column(alias, o.Prop.Column)
		} else if err := open(i+1, alias); err != nil {
			return err
		}
		b.WriteString(" FROM ")
		b.Ident(r.Target.Table)
		b.WriteString(" " + alias + " WHERE ")
		b.Column(alias, pk.Column)
		b.WriteString(" = ")
		b.Column(outer, r.Column)
		b.WriteString(")")
		return nil
	}
	return open(0, "t0")
}

// Count builds the SELECT COUNT(*) of op.
func Count(d Dialect, op *drivers.CountOp) (Stmt, error) {
	b := NewBuilder(d)
	b.WriteString("SELECT COUNT(*) FROM ")
	b.Ident(op.Entity.Table)
	b.WriteString(" t0")
	if err := b.whereClause(op.Where, "t0"); err != nil {
		return Stmt{}, err
	}
	return b.Stmt(), nil
}

// Where writes the condition e on rows aliased alias. top leaves out the parentheses of a
// top-level And or Or.
func (b *Builder) Where(e query.Expr, alias string) error { return b.expr(e, alias, true) }

func (b *Builder) expr(e query.Expr, alias string, top bool) error {
	switch x := e.(type) {
	case nil:
		b.WriteString("1=1")
	case query.And:
		return b.junction(x, " AND ", "1=1", alias, top)
	case query.Or:
		return b.junction(x, " OR ", "1=0", alias, top)
	case query.Not:
		b.WriteString("NOT (")
		if err := b.expr(x.X, alias, true); err != nil {
			return err
		}
		b.WriteString(")")
	case *query.Cmp:
		return b.cmp(x, alias)
	case *query.Related:
		return b.related(x, alias)
	default:
		return fmt.Errorf("sqlbase: unknown filter node %T", e)
	}
	return nil
}

func (b *Builder) junction(parts []query.Expr, sep, empty, alias string, top bool) error {
	switch len(parts) {
	case 0:
		b.WriteString(empty)
		return nil
	case 1:
		return b.expr(parts[0], alias, top)
	}
	if !top {
		b.WriteString("(")
	}
	for i, p := range parts {
		if i > 0 {
			b.WriteString(sep)
		}
		if err := b.expr(p, alias, false); err != nil {
			return err
		}
	}
	if !top {
		b.WriteString(")")
	}
	return nil
}

var cmpOps = [...]string{query.Eq: " = ", query.Ne: " <> ", query.Gt: " > ", query.Gte: " >= ", query.Lt: " < ", query.Lte: " <= "}

func (b *Builder) cmp(c *query.Cmp, alias string) error {
	p := c.Prop
	if p == nil || !p.HasColumn() {
		return fmt.Errorf("sqlbase: %v compares %v, which has no column", c.Op, p)
	}
	col := b.col(alias, p)
	switch c.Op {
	case query.Eq, query.Ne:
		if c.Value == nil {
			b.WriteString(col)
			if c.Op == query.Eq {
				b.WriteString(" IS NULL")
			} else {
				b.WriteString(" IS NOT NULL")
			}
			return nil
		}
		fallthrough
	case query.Gt, query.Gte, query.Lt, query.Lte:
		v, err := b.d.Arg(p, c.Value)
		if err != nil {
			return err
		}
		b.WriteString(col)
		b.WriteString(cmpOps[c.Op])
		b.Arg(v)
	case query.In, query.Nin:
		vs, ok := c.Value.([]any)
		if !ok && c.Value != nil {
			return fmt.Errorf("sqlbase: %v on %s needs []any, got %T", c.Op, p, c.Value)
		}
		return b.in(col, p, vs, c.Op == query.Nin)
	case query.Like, query.ILike, query.Re:
		s, ok := c.Value.(string)
		if !ok {
			return fmt.Errorf("sqlbase: %v on %s needs a string pattern, got %T", c.Op, p, c.Value)
		}
		return b.d.Match(b, col, c.Op, s)
	case query.Exists:
		ex, ok := c.Value.(bool)
		if !ok {
			return fmt.Errorf("sqlbase: $exists on %s needs a bool, got %T", p, c.Value)
		}
		b.WriteString(col)
		if ex {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	default:
		return fmt.Errorf("sqlbase: unknown operator %v", c.Op)
	}
	return nil
}

// in writes col [NOT] IN (...) with values converted for p; an empty list is 1=0 (1=1 for
// NOT IN).
func (b *Builder) in(col string, p *schema.Property, vs []any, not bool) error {
	if len(vs) == 0 {
		if not {
			b.WriteString("1=1")
		} else {
			b.WriteString("1=0")
		}
		return nil
	}
	b.WriteString(col)
	if not {
		b.WriteString(" NOT IN (")
	} else {
		b.WriteString(" IN (")
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString(", ")
		}
		a, err := b.d.Arg(p, v)
		if err != nil {
			return err
		}
		b.Arg(a)
	}
	b.WriteString(")")
	return nil
}

func (b *Builder) related(r *query.Related, alias string) error {
	p := r.Prop
	if p == nil || p.Target == nil {
		return fmt.Errorf("sqlbase: related filter on %v, which is not a relation", p)
	}
	n := b.nextAlias()
	t := "t" + strconv.Itoa(n)
	target := p.Target
	switch {
	case p.Kind == schema.ManyToOne || (p.Kind == schema.OneToOne && p.Owner):
		// t0.fk IN (SELECT t1.pk FROM target t1 WHERE ...)
		pk, err := singleKey(b.d, target, "filtering by "+p.String())
		if err != nil {
			return err
		}
		if p.Nullable {
			// NULL IN (...) is NULL, not false: without the test, $not would drop the rows
			// whose key is NULL, which do not match the condition either.
			b.WriteString("(" + b.col(alias, p) + " IS NOT NULL AND ")
		}
		b.WriteString(b.col(alias, p))
		b.openIn(b.col(t, pk), n)
		b.WriteString(" FROM ")
		b.Ident(target.Table)
		b.WriteString(" " + t)
		if r.Where != nil {
			b.WriteString(" WHERE ")
			if err := b.expr(r.Where, t, true); err != nil {
				return err
			}
		}
		b.closeIn(n)
		if p.Nullable {
			b.WriteString(")")
		}
	case p.Kind == schema.OneToMany || p.Kind == schema.OneToOne:
		// t0.pk IN (SELECT t1.fk FROM target t1 WHERE t1.fk IS NOT NULL AND ...)
		owning := p.Inverse
		if owning == nil && p.MappedBy != "" {
			owning, _ = target.Property(p.MappedBy)
		}
		if owning == nil || !owning.HasColumn() {
			return fmt.Errorf("sqlbase: %s has no owning side with a column (mappedBy %q)", p, p.MappedBy)
		}
		pk, err := singleKey(b.d, p.Entity, "filtering by "+p.String())
		if err != nil {
			return err
		}
		b.WriteString(b.col(alias, pk))
		fk := b.col(t, owning)
		b.openIn(fk, n)
		b.WriteString(" FROM ")
		b.Ident(target.Table)
		b.WriteString(" " + t + " WHERE " + fk + " IS NOT NULL")
		if r.Where != nil {
			b.WriteString(" AND ")
			if err := b.expr(r.Where, t, false); err != nil {
				return err
			}
		}
		b.closeIn(n)
	case p.Kind == schema.ManyToMany:
		// t0.pk IN (SELECT p1.join FROM pivot p1 JOIN target t1 ON t1.pk = p1.inverse WHERE ...)
		table, join, inv := PivotColumns(p)
		pk, err := singleKey(b.d, p.Entity, "filtering by "+p.String())
		if err != nil {
			return err
		}
		tpk, err := singleKey(b.d, target, "filtering by "+p.String())
		if err != nil {
			return err
		}
		pa := "p" + strconv.Itoa(n)
		b.WriteString(b.col(alias, pk))
		b.openIn(pa+"."+b.d.QuoteIdent(join), n)
		b.WriteString(" FROM ")
		b.Ident(table)
		b.WriteString(" " + pa)
		if r.Where != nil {
			b.WriteString(" JOIN ")
			b.Ident(target.Table)
			b.WriteString(" " + t + " ON ")
			b.WriteString(b.col(t, tpk))
			b.WriteString(" = ")
			b.Column(pa, inv)
			b.WriteString(" WHERE ")
			if err := b.expr(r.Where, t, true); err != nil {
				return err
			}
		}
		b.closeIn(n)
	default:
		return fmt.Errorf("sqlbase: related filter on %s of kind %v", p, p.Kind)
	}
	return nil
}

// InsertSQL returns the INSERT statement of one row of fields into e.
func InsertSQL(d Dialect, e *schema.Entity, fields []*schema.Property) string {
	b := NewBuilder(d)
	b.WriteString("INSERT INTO ")
	b.Ident(e.Table)
	if len(fields) == 0 {
		b.WriteString(" DEFAULT VALUES")
		return b.sb.String()
	}
	b.WriteString(" (")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
	}
	b.WriteString(") VALUES (")
	for i := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(d.Placeholder(i + 1))
	}
	b.WriteString(")")
	return b.sb.String()
}

// Args converts the values of one row of fields to driver arguments.
func Args(d Dialect, fields []*schema.Property, values []any) ([]any, error) {
	if len(values) != len(fields) {
		return nil, fmt.Errorf("sqlbase: %d values for %d fields", len(values), len(fields))
	}
	args := make([]any, len(values))
	for i, v := range values {
		a, err := d.Arg(fields[i], v)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	return args, nil
}

// UpdateSQL returns the UPDATE statement setting fields of one row of e by key, with a
// version check when versioned.
func UpdateSQL(d Dialect, e *schema.Entity, fields []*schema.Property, versioned bool) (string, error) {
	if len(fields) == 0 {
		return "", fmt.Errorf("sqlbase: update of %s without fields", e.Name)
	}
	if versioned && e.Version == nil {
		return "", fmt.Errorf("sqlbase: versioned update of %s, which has no version property", e.Name)
	}
	b := NewBuilder(d)
	b.WriteString("UPDATE ")
	b.Ident(e.Table)
	b.WriteString(" SET ")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
		b.WriteString(" = ")
		b.WriteString(d.Placeholder(i + 1))
	}
	b.WriteString(" WHERE ")
	n := len(fields)
	for i, k := range e.Primary {
		if i > 0 {
			b.WriteString(" AND ")
		}
		n++
		b.Ident(k.Column)
		b.WriteString(" = " + d.Placeholder(n))
	}
	if versioned {
		n++
		b.WriteString(" AND ")
		b.Ident(e.Version.Column)
		b.WriteString(" = " + d.Placeholder(n))
	}
	return b.sb.String(), nil
}

// UpdateArgs returns the arguments of UpdateSQL for row: values, key, version.
func UpdateArgs(d Dialect, e *schema.Entity, row *drivers.UpdateRow) ([]any, error) {
	args, err := Args(d, row.Fields, row.Values)
	if err != nil {
		return nil, err
	}
	if args, err = appendKey(d, args, e, row.Key); err != nil {
		return nil, err
	}
	if row.Version != nil {
		v, err := d.Arg(e.Version, row.Version)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return args, nil
}

// appendKey appends the converted parts of key (a scalar, or []any for a composite key).
func appendKey(d Dialect, args []any, e *schema.Entity, key any) ([]any, error) {
	if len(e.Primary) == 1 {
		v, err := d.Arg(e.Primary[0], key)
		if err != nil {
			return nil, err
		}
		return append(args, v), nil
	}
	parts, ok := key.([]any)
	if !ok || len(parts) != len(e.Primary) {
		return nil, fmt.Errorf("sqlbase: key of %s must be []any of %d values, got %T", e.Name, len(e.Primary), key)
	}
	for i, k := range e.Primary {
		v, err := d.Arg(k, parts[i])
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return args, nil
}

// UpdateWhere returns the UPDATE of every row of op.Entity that matches op.Where. The
// condition names the written table's columns unqualified: the subqueries of related filters
// only ever compare them from outside (col IN (SELECT …)).
func UpdateWhere(d Dialect, op *drivers.UpdateWhereOp) (Stmt, error) {
	e := op.Entity
	if len(op.Fields) != len(op.Values) {
		return Stmt{}, fmt.Errorf("sqlbase: %d values for %d fields of %s", len(op.Values), len(op.Fields), e.Name)
	}
	if len(op.Fields) == 0 && op.Bump == nil {
		return Stmt{}, fmt.Errorf("sqlbase: update of %s without fields", e.Name)
	}
	b := writeBuilder(d)
	b.WriteString("UPDATE ")
	b.Ident(e.Table)
	b.WriteString(" SET ")
	for i, f := range op.Fields {
		if f.Primary || !f.HasColumn() {
			return Stmt{}, fmt.Errorf("sqlbase: an update of %s cannot set %s", e.Name, f)
		}
		v, err := d.Arg(f, op.Values[i])
		if err != nil {
			return Stmt{}, err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.Ident(f.Column)
		b.WriteString(" = ")
		b.Arg(v)
	}
	if v := op.Bump; v != nil {
		if len(op.Fields) > 0 {
			b.WriteString(", ")
		}
		b.Ident(v.Column)
		b.WriteString(" = ")
		b.Ident(v.Column)
		b.WriteString(" + 1")
	}
	if err := b.whereClause(op.Where, ""); err != nil {
		return Stmt{}, err
	}
	return b.Stmt(), nil
}

// DeleteWhere returns the DELETE of every row of op.Entity that matches op.Where (see
// UpdateWhere).
func DeleteWhere(d Dialect, op *drivers.DeleteWhereOp) (Stmt, error) {
	b := writeBuilder(d)
	b.WriteString("DELETE FROM ")
	b.Ident(op.Entity.Table)
	if err := b.whereClause(op.Where, ""); err != nil {
		return Stmt{}, err
	}
	return b.Stmt(), nil
}

// writeBuilder is a builder for an UPDATE or DELETE statement.
func writeBuilder(d Dialect) *Builder {
	b := NewBuilder(d)
	if ds, ok := d.(DerivedSubqueries); ok && ds.DerivedSubqueries() {
		b.derived = true
	}
	return b
}

// whereClause writes " WHERE cond" on the rows aliased alias ("": the table of an UPDATE or
// DELETE, unaliased), or nothing for a nil filter.
func (b *Builder) whereClause(where query.Expr, alias string) error {
	if where == nil {
		return nil
	}
	b.WriteString(" WHERE ")
	return b.expr(where, alias, true)
}

// DeleteByKeys returns the DELETE statements of keys, DeleteChunk keys each: WHERE pk IN
// (...) for a simple key, (a = ? AND b = ?) OR ... for a composite one.
func DeleteByKeys(d Dialect, e *schema.Entity, keys []any) ([]Stmt, error) {
	var out []Stmt
	for start := 0; start < len(keys); start += DeleteChunk {
		chunk := keys[start:min(start+DeleteChunk, len(keys))]
		b := NewBuilder(d)
		b.WriteString("DELETE FROM ")
		b.Ident(e.Table)
		b.WriteString(" WHERE ")
		if len(e.Primary) == 1 {
			if err := b.in(d.QuoteIdent(e.Primary[0].Column), e.Primary[0], chunk, false); err != nil {
				return nil, err
			}
		} else {
			for i, k := range chunk {
				if i > 0 {
					b.WriteString(" OR ")
				}
				if err := b.keyCond(e, k); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, b.Stmt())
	}
	return out, nil
}

func (b *Builder) keyCond(e *schema.Entity, key any) error {
	args, err := appendKey(b.d, nil, e, key)
	if err != nil {
		return err
	}
	b.WriteString("(")
	for i, k := range e.Primary {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.Ident(k.Column)
		b.WriteString(" = ")
		b.Arg(args[i])
	}
	b.WriteString(")")
	return nil
}

// DeleteVersionedSQL returns the DELETE of one row of e by key and version.
func DeleteVersionedSQL(d Dialect, e *schema.Entity) (string, error) {
	if e.Version == nil {
		return "", fmt.Errorf("sqlbase: versioned delete of %s, which has no version property", e.Name)
	}
	b := NewBuilder(d)
	b.WriteString("DELETE FROM ")
	b.Ident(e.Table)
	b.WriteString(" WHERE ")
	n := 0
	for i, k := range e.Primary {
		if i > 0 {
			b.WriteString(" AND ")
		}
		n++
		b.Ident(k.Column)
		b.WriteString(" = " + d.Placeholder(n))
	}
	b.WriteString(" AND ")
	b.Ident(e.Version.Column)
	b.WriteString(" = " + d.Placeholder(n+1))
	return b.sb.String(), nil
}

// DeleteVersionedArgs returns the arguments of DeleteVersionedSQL.
func DeleteVersionedArgs(d Dialect, e *schema.Entity, key, version any) ([]any, error) {
	args, err := appendKey(d, nil, e, key)
	if err != nil {
		return nil, err
	}
	v, err := d.Arg(e.Version, version)
	if err != nil {
		return nil, err
	}
	return append(args, v), nil
}

// pivotKeys returns the key properties of both sides of the owning m:n p.
func pivotKeys(d Dialect, p *schema.Property) (owner, target *schema.Property, err error) {
	if p.Kind != schema.ManyToMany || !p.Owner {
		return nil, nil, fmt.Errorf("sqlbase: pivot operation on %s, which is not the owning side of a m:n", p)
	}
	if owner, err = singleKey(d, p.Entity, "the pivot table of "+p.String()); err != nil {
		return nil, nil, err
	}
	if target, err = singleKey(d, p.Target, "the pivot table of "+p.String()); err != nil {
		return nil, nil, err
	}
	return owner, target, nil
}

// PivotInsertSQL returns the INSERT of one pair into the pivot table of the owning m:n p.
func PivotInsertSQL(d Dialect, p *schema.Property) (string, error) {
	if _, _, err := pivotKeys(d, p); err != nil {
		return "", err
	}
	table, join, inv := PivotColumns(p)
	b := NewBuilder(d)
	b.WriteString("INSERT INTO ")
	b.Ident(table)
	b.WriteString(" (")
	b.Ident(join)
	b.WriteString(", ")
	b.Ident(inv)
	b.WriteString(") VALUES (" + d.Placeholder(1) + ", " + d.Placeholder(2) + ")")
	return b.sb.String(), nil
}

// PivotArgs converts one pair of PivotOp.
func PivotArgs(d Dialect, p *schema.Property, pair [2]any) ([]any, error) {
	ok, tk, err := pivotKeys(d, p)
	if err != nil {
		return nil, err
	}
	a, err := d.Arg(ok, pair[0])
	if err != nil {
		return nil, err
	}
	c, err := d.Arg(tk, pair[1])
	if err != nil {
		return nil, err
	}
	return []any{a, c}, nil
}

// PivotDelete returns the DELETE statements of pairs from the pivot table of p, DeleteChunk
// pairs each.
func PivotDelete(d Dialect, p *schema.Property, pairs [][2]any) ([]Stmt, error) {
	if _, _, err := pivotKeys(d, p); err != nil {
		return nil, err
	}
	table, join, inv := PivotColumns(p)
	var out []Stmt
	for start := 0; start < len(pairs); start += DeleteChunk {
		chunk := pairs[start:min(start+DeleteChunk, len(pairs))]
		b := NewBuilder(d)
		b.WriteString("DELETE FROM ")
		b.Ident(table)
		b.WriteString(" WHERE ")
		for i, pair := range chunk {
			args, err := PivotArgs(d, p, pair)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				b.WriteString(" OR ")
			}
			b.WriteString("(")
			b.Ident(join)
			b.WriteString(" = ")
			b.Arg(args[0])
			b.WriteString(" AND ")
			b.Ident(inv)
			b.WriteString(" = ")
			b.Arg(args[1])
			b.WriteString(")")
		}
		out = append(out, b.Stmt())
	}
	return out, nil
}

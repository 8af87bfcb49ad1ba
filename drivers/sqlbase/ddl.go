package sqlbase

import (
	"fmt"
	"strings"

	"github.com/dorm-go/dorm/schema"
)

// CreateSchema returns the statements that create the tables, foreign keys, indexes and
// pivot tables of every entity of reg, in an order that runs: tables in name order, then
// pivot tables, then (unless the dialect puts them inline) foreign keys with ALTER TABLE,
// then indexes. This is the first version of the DDL; package migrate will replace it with a
// differ.
func CreateSchema(d Dialect, reg *schema.Registry) ([]string, error) {
	ddl := d.DDL()
	var tables, fks, indexes []string
	for _, e := range reg.Entities() {
		create, fk, err := createTable(d, e)
		if err != nil {
			return nil, err
		}
		tables = append(tables, create)
		fks = append(fks, fk...)
		ix, err := entityIndexes(d, e)
		if err != nil {
			return nil, err
		}
		indexes = append(indexes, ix...)
	}
	for _, p := range reg.Pivots() {
		create, fk, err := createPivot(d, p)
		if err != nil {
			return nil, err
		}
		tables = append(tables, create)
		fks = append(fks, fk...)
	}
	out := tables
	if !ddl.InlineForeignKeys {
		out = append(out, fks...)
	}
	return append(out, indexes...), nil
}

// DropSchema returns the statements that drop what CreateSchema creates, pivot tables first;
// each tolerates a missing table (IF EXISTS). With foreign-key cycles the caller runs them
// with foreign keys disabled (SQLite, MySQL) or the dialect adds CASCADE (PostgreSQL).
func DropSchema(d Dialect, reg *schema.Registry) []string {
	var out []string
	drop := func(table string) {
		out = append(out, "DROP TABLE IF EXISTS "+d.QuoteIdent(table)+d.DDL().DropSuffix)
	}
	for _, p := range reg.Pivots() {
		drop(p.PivotTable)
	}
	es := reg.Entities()
	for i := len(es) - 1; i >= 0; i-- {
		drop(es[i].Table)
	}
	return out
}

func createPrefix(d Dialect, what string) string {
	if d.DDL().IfNotExists {
		return "CREATE " + what + " IF NOT EXISTS "
	}
	return "CREATE " + what + " "
}

// createTable returns the CREATE TABLE of e and, separately, its foreign keys as ALTER TABLE
// statements (used when the dialect does not put them inline).
func createTable(d Dialect, e *schema.Entity) (string, []string, error) {
	ddl := d.DDL()
	q := d.QuoteIdent
	var defs []string
	autoPK := len(e.Primary) == 1 && e.Primary[0].Autoincrement
	for _, p := range e.Columns() {
		def, err := columnDef(d, p, autoPK && p == e.Primary[0])
		if err != nil {
			return "", nil, err
		}
		defs = append(defs, def)
	}
	if !autoPK && len(e.Primary) > 0 {
		cols := make([]string, len(e.Primary))
		for i, k := range e.Primary {
			cols[i] = q(k.Column)
		}
		defs = append(defs, "PRIMARY KEY ("+strings.Join(cols, ", ")+")")
	}
	for _, p := range e.Columns() {
		if p.Kind == schema.Scalar && p.Type == schema.Enum && len(p.Values) > 0 {
			vals := make([]string, len(p.Values))
			for i, v := range p.Values {
				lit, err := d.Literal(v)
				if err != nil {
					return "", nil, err
				}
				vals[i] = lit
			}
			defs = append(defs, "CONSTRAINT "+q(ddl.name(e.Table+"_"+p.Column+"_check"))+" CHECK ("+q(p.Column)+" IN ("+strings.Join(vals, ", ")+"))")
		}
	}
	var alters []string
	for _, p := range e.Columns() {
		if p.Kind == schema.Scalar {
			continue
		}
		fk, err := foreignKey(d, e.Table, p.Column, p.Target, p.DeleteRule)
		if err != nil {
			return "", nil, fmt.Errorf("%s: %w", p, err)
		}
		if ddl.InlineForeignKeys {
			defs = append(defs, fk)
		} else {
			alters = append(alters, "ALTER TABLE "+q(e.Table)+" ADD "+fk)
		}
	}
	sql := createPrefix(d, "TABLE") + q(e.Table) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)" + ddl.TableOptions
	return sql, alters, nil
}

func columnDef(d Dialect, p *schema.Property, autoPK bool) (string, error) {
	q := d.QuoteIdent
	if autoPK {
		return q(p.Column) + " " + d.DDL().AutoincrementColumn(p), nil
	}
	def := q(p.Column) + " " + d.ColumnType(p)
	if !p.Nullable || p.Primary {
		def += " NOT NULL"
	}
	if p.HasDefault && p.Default != nil {
		v, err := d.Arg(p, p.Default)
		if err != nil {
			return "", fmt.Errorf("default of %s: %w", p, err)
		}
		lit, err := d.Literal(v)
		if err != nil {
			return "", fmt.Errorf("default of %s: %w", p, err)
		}
		def += " DEFAULT " + lit
	}
	return def, nil
}

// foreignKey returns "CONSTRAINT name FOREIGN KEY (col) REFERENCES target (pk) [ON DELETE]".
func foreignKey(d Dialect, table, column string, target *schema.Entity, rule schema.DeleteRule) (string, error) {
	if target == nil || len(target.Primary) != 1 {
		return "", notSupported(d, "foreign keys to entities without a single-column primary key")
	}
	q := d.QuoteIdent
	fk := "CONSTRAINT " + q(d.DDL().name(table+"_"+column+"_foreign")) + " FOREIGN KEY (" + q(column) + ") REFERENCES " +
		q(target.Table) + " (" + q(target.Primary[0].Column) + ")"
	switch rule {
	case schema.NoAction:
	case schema.Restrict:
		fk += " ON DELETE RESTRICT"
	case schema.SetNull:
		fk += " ON DELETE SET NULL"
	case schema.Cascaded:
		fk += " ON DELETE CASCADE"
	default:
		return "", fmt.Errorf("unknown delete rule %q", rule)
	}
	return fk, nil
}

func createPivot(d Dialect, p *schema.Property) (string, []string, error) {
	owner, target, err := pivotKeys(d, p)
	if err != nil {
		return "", nil, err
	}
	q := d.QuoteIdent
	table, join, inv := PivotColumns(p)
	defs := []string{
		q(join) + " " + d.ColumnType(owner) + " NOT NULL",
		q(inv) + " " + d.ColumnType(target) + " NOT NULL",
		"PRIMARY KEY (" + q(join) + ", " + q(inv) + ")",
	}
	var alters []string
	for _, fk := range []struct {
		col    string
		target *schema.Entity
	}{{join, p.Entity}, {inv, p.Target}} {
		s, err := foreignKey(d, table, fk.col, fk.target, schema.Cascaded)
		if err != nil {
			return "", nil, err
		}
		if d.DDL().InlineForeignKeys {
			defs = append(defs, s)
		} else {
			alters = append(alters, "ALTER TABLE "+q(table)+" ADD "+s)
		}
	}
	sql := createPrefix(d, "TABLE") + q(table) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)" + d.DDL().TableOptions
	return sql, alters, nil
}

// entityIndexes returns the CREATE INDEX statements of e: property-level index and unique
// first, then the entity's indexes and uniques.
func entityIndexes(d Dialect, e *schema.Entity) ([]string, error) {
	var out []string
	add := func(name string, props []*schema.Property, unique bool) error {
		cols := make([]string, len(props))
		for i, p := range props {
			if !p.HasColumn() {
				return fmt.Errorf("sqlbase: index %s of %s: %s has no column", name, e.Name, p.Name)
			}
			cols[i] = p.Column
		}
		kind := "index"
		what := "INDEX"
		if unique {
			kind, what = "unique", "UNIQUE INDEX"
		}
		if name == "" {
			name = schema.IndexName(e.Table, cols, kind)
		}
		name = d.DDL().name(name)
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = d.QuoteIdent(c)
		}
		out = append(out, createPrefix(d, what)+d.QuoteIdent(name)+" ON "+d.QuoteIdent(e.Table)+
			" ("+strings.Join(quoted, ", ")+")")
		return nil
	}
	for _, p := range e.Columns() {
		if p.Primary {
			continue
		}
		if p.Unique {
			if err := add("", []*schema.Property{p}, true); err != nil {
				return nil, err
			}
		} else if p.Indexed {
			if err := add("", []*schema.Property{p}, false); err != nil {
				return nil, err
			}
		}
	}
	for _, ix := range e.Indexes {
		if err := add(ix.Name, ix.Properties, false); err != nil {
			return nil, err
		}
	}
	for _, ix := range e.Uniques {
		if err := add(ix.Name, ix.Properties, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// QuoteList quotes each name with d and joins them with ", ".
func QuoteList(d Dialect, names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = d.QuoteIdent(n)
	}
	return strings.Join(out, ", ")
}

// CreateIndex returns CREATE [UNIQUE] INDEX name ON table (columns), names quoted by d.
func CreateIndex(d Dialect, table, name string, unique bool, columns []string) string {
	what := "INDEX "
	if unique {
		what = "UNIQUE INDEX "
	}
	return "CREATE " + what + d.QuoteIdent(name) + " ON " + d.QuoteIdent(table) + " (" + QuoteList(d, columns) + ")"
}

package migrate

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/dorm-go/dorm/schema"
)

// Dialect is what one database contributes to the generic differ and planner: the type
// mapping of entity properties (the same one its CREATE TABLE uses), the normalisation of
// spellings, and the DDL of a list of changes. The SQL drivers implement it next to their
// query dialect (drivers/<name>/migrate.go).
type Dialect interface {
	// Name is the driver name ("sqlite").
	Name() string
	// QuoteIdent quotes an identifier.
	QuoteIdent(name string) string
	// ColumnType is the column type of a property with a column, as CREATE TABLE writes it.
	ColumnType(p *schema.Property) string
	// Arg converts a value of p's schema Go type to what is stored; Literal writes that as SQL.
	// Together they spell defaults and enum checks.
	Arg(p *schema.Property, v any) (any, error)
	Literal(v any) (string, error)
	// Normalize rewrites t in place into the dialect's canonical spelling (type aliases,
	// default spellings, identifier case), so that equal schemas compare equal. Diff calls
	// it on copies of both sides.
	Normalize(t *Table)
	// Plan returns the statements that carry out changes, in an order that runs.
	Plan(changes []Change) (*Plan, error)
}

// Namer is implemented by dialects that limit identifier length (MySQL: 64); FromRegistry
// passes generated constraint and index names through it.
type Namer interface {
	ConstraintName(name string) string
}

// Inspector reads the schema of a live database. dorm's history table and the database's
// internal tables are left out.
type Inspector interface {
	Inspect(ctx context.Context) (*Schema, error)
}

// RowCounter counts the rows of a table; Lint uses it to tell whether a NOT NULL column
// without default can be added.
type RowCounter interface {
	CountRows(ctx context.Context, table string) (int64, error)
}

// FromRegistry returns the schema that reg describes on dialect d: one table per entity
// (columns in declaration order), one per m:n pivot, with the indexes, foreign keys and
// enum checks that the dialect's CREATE TABLE makes. RenamedFrom of entities and
// properties is carried over.
func FromRegistry(reg *schema.Registry, d Dialect) (*Schema, error) {
	name := func(n string) string {
		if nm, ok := d.(Namer); ok {
			return nm.ConstraintName(n)
		}
		return n
	}
	s := &Schema{}
	for _, e := range reg.Entities() {
		t := &Table{Name: e.Table, RenamedFrom: e.RenamedFrom}
		autoPK := len(e.Primary) == 1 && e.Primary[0].Autoincrement
		for _, p := range e.Columns() {
			c := &Column{Name: p.Column, Type: d.ColumnType(p), Nullable: p.Nullable && !p.Primary, RenamedFrom: p.RenamedFrom}
			if autoPK && p == e.Primary[0] {
				c.AutoIncrement = true
			}
			if p.HasDefault && p.Default != nil {
				v, err := d.Arg(p, p.Default)
				if err != nil {
					return nil, fmt.Errorf("migrate: default of %s: %w", p, err)
				}
				lit, err := d.Literal(v)
				if err != nil {
					return nil, fmt.Errorf("migrate: default of %s: %w", p, err)
				}
				c.Default = &lit
			}
			t.Columns = append(t.Columns, c)
			if p.Kind == schema.Scalar && p.Type == schema.Enum && len(p.Values) > 0 {
				vals := make([]string, len(p.Values))
				for i, v := range p.Values {
					lit, err := d.Literal(v)
					if err != nil {
						return nil, err
					}
					vals[i] = lit
				}
				t.Checks = append(t.Checks, &Check{
					Name: name(e.Table + "_" + p.Column + "_check"),
					Expr: d.QuoteIdent(p.Column) + " IN (" + strings.Join(vals, ", ") + ")",
				})
			}
			if p.Kind != schema.Scalar {
				if p.Target == nil || len(p.Target.Primary) != 1 {
					return nil, fmt.Errorf("migrate: %s: foreign keys to entities without a single-column primary key are not supported", p)
				}
				t.ForeignKeys = append(t.ForeignKeys, &ForeignKey{
					Name:    name(e.Table + "_" + p.Column + "_foreign"),
					Columns: []string{p.Column}, RefTable: p.Target.Table, RefColumns: []string{p.Target.Primary[0].Column},
					OnDelete: deleteRule(p.DeleteRule),
				})
			}
		}
		for _, k := range e.Primary {
			t.PrimaryKey = append(t.PrimaryKey, k.Column)
		}
		add := func(ixName string, props []*schema.Property, unique bool) error {
			cols := make([]string, len(props))
			for i, p := range props {
				if !p.HasColumn() {
					return fmt.Errorf("migrate: index of %s: %s has no column", e.Name, p.Name)
				}
				cols[i] = p.Column
			}
			if ixName == "" {
				kind := "index"
				if unique {
					kind = "unique"
				}
				ixName = schema.IndexName(e.Table, cols, kind)
			}
			t.Indexes = append(t.Indexes, &Index{Name: name(ixName), Columns: cols, Unique: unique})
			return nil
		}
		for _, p := range e.Columns() {
			if p.Primary {
				continue
			}
			var err error
			if p.Unique {
				err = add("", []*schema.Property{p}, true)
			} else if p.Indexed {
				err = add("", []*schema.Property{p}, false)
			}
			if err != nil {
				return nil, err
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
		s.Tables = append(s.Tables, t)
	}
	for _, p := range reg.Pivots() {
		owner, target := p.Entity, p.Target
		if len(owner.Primary) != 1 || target == nil || len(target.Primary) != 1 {
			return nil, fmt.Errorf("migrate: %s: m:n between entities without a single-column primary key is not supported", p)
		}
		ok, tk := *owner.Primary[0], *target.Primary[0]
		ok.Autoincrement, tk.Autoincrement = false, false
		t := &Table{
			Name: p.PivotTable,
			Columns: []*Column{
				{Name: p.JoinColumn, Type: d.ColumnType(&ok)},
				{Name: p.InverseColumn, Type: d.ColumnType(&tk)},
			},
			PrimaryKey: []string{p.JoinColumn, p.InverseColumn},
			ForeignKeys: []*ForeignKey{
				{Name: name(p.PivotTable + "_" + p.JoinColumn + "_foreign"), Columns: []string{p.JoinColumn},
					RefTable: owner.Table, RefColumns: []string{owner.Primary[0].Column}, OnDelete: "CASCADE"},
				{Name: name(p.PivotTable + "_" + p.InverseColumn + "_foreign"), Columns: []string{p.InverseColumn},
					RefTable: target.Table, RefColumns: []string{target.Primary[0].Column}, OnDelete: "CASCADE"},
			},
		}
		s.Tables = append(s.Tables, t)
	}
	for _, t := range s.Tables {
		d.Normalize(t)
	}
	s.Sort()
	return s, nil
}

func deleteRule(r schema.DeleteRule) string {
	switch r {
	case schema.Restrict:
		return "RESTRICT"
	case schema.SetNull:
		return "SET NULL"
	case schema.Cascaded:
		return "CASCADE"
	}
	return ""
}

var (
	dialectsMu sync.RWMutex
	dialects   = map[string]Dialect{}
)

// RegisterDialect makes a driver's dialect available by URL scheme, for plans made without
// a database (migrate create --offline). Drivers call it from init.
func RegisterDialect(scheme string, d Dialect) {
	dialectsMu.Lock()
	defer dialectsMu.Unlock()
	dialects[scheme] = d
}

// DialectFor returns the dialect registered for the scheme of a database URL.
func DialectFor(url string) (Dialect, bool) {
	scheme, _, _ := strings.Cut(url, ":")
	dialectsMu.RLock()
	defer dialectsMu.RUnlock()
	d, ok := dialects[scheme]
	return d, ok
}

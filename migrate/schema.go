package migrate

import (
	"slices"
	"sort"
)

// HistoryTable is dorm's own table of applied migrations. It is never part of a diff, of a
// plan or of generated entities.
const HistoryTable = "dorm_migrations"

// Schema is a database schema: what the entity files want (see [FromRegistry]) or what a
// database has (see [Inspector]). Both sides use this one model, so one [Diff] compares them.
type Schema struct {
	Tables []*Table `json:"tables"`
}

// Table returns the table named name.
func (s *Schema) Table(name string) (*Table, bool) {
	for _, t := range s.Tables {
		if t.Name == name {
			return t, true
		}
	}
	return nil, false
}

// Sort orders the tables by name, and each table's indexes, foreign keys and checks by
// name (columns keep their order: it is the table's).
func (s *Schema) Sort() {
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	for _, t := range s.Tables {
		sort.Slice(t.Indexes, func(i, j int) bool { return t.Indexes[i].Name < t.Indexes[j].Name })
		sort.Slice(t.ForeignKeys, func(i, j int) bool { return fkKey(t.ForeignKeys[i]) < fkKey(t.ForeignKeys[j]) })
		sort.Slice(t.Checks, func(i, j int) bool { return t.Checks[i].Expr < t.Checks[j].Expr })
	}
}

// Clone returns a deep copy of s.
func (s *Schema) Clone() *Schema {
	out := &Schema{Tables: make([]*Table, len(s.Tables))}
	for i, t := range s.Tables {
		out.Tables[i] = t.Clone()
	}
	return out
}

// Table is a table with its columns, primary key, indexes, foreign keys and checks.
type Table struct {
	Name        string        `json:"name"`
	Columns     []*Column     `json:"columns"`
	PrimaryKey  []string      `json:"primaryKey,omitempty"` // column names, in key order
	Indexes     []*Index      `json:"indexes,omitempty"`
	ForeignKeys []*ForeignKey `json:"foreignKeys,omitempty"`
	Checks      []*Check      `json:"checks,omitempty"`
	// RenamedFrom (desired side only) is the table's previous name, from renamedFrom: in the
	// entity files. Diff renames that table instead of dropping and creating.
	RenamedFrom string `json:"renamedFrom,omitempty"`
	// Attrs holds dialect extras (e.g. table options).
	Attrs map[string]string `json:"attrs,omitempty"`
}

// Column returns the column named name.
func (t *Table) Column(name string) (*Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// Index returns the index named name.
func (t *Table) Index(name string) (*Index, bool) {
	for _, ix := range t.Indexes {
		if ix.Name == name {
			return ix, true
		}
	}
	return nil, false
}

// Clone returns a deep copy of t.
func (t *Table) Clone() *Table {
	c := *t
	c.Columns = make([]*Column, len(t.Columns))
	for i, col := range t.Columns {
		cc := *col
		if col.Default != nil {
			d := *col.Default
			cc.Default = &d
		}
		cc.Attrs = cloneMap(col.Attrs)
		c.Columns[i] = &cc
	}
	c.PrimaryKey = slices.Clone(t.PrimaryKey)
	c.Indexes = make([]*Index, len(t.Indexes))
	for i, ix := range t.Indexes {
		x := *ix
		x.Columns = slices.Clone(ix.Columns)
		x.Attrs = cloneMap(ix.Attrs)
		c.Indexes[i] = &x
	}
	c.ForeignKeys = make([]*ForeignKey, len(t.ForeignKeys))
	for i, fk := range t.ForeignKeys {
		x := *fk
		x.Columns = slices.Clone(fk.Columns)
		x.RefColumns = slices.Clone(fk.RefColumns)
		c.ForeignKeys[i] = &x
	}
	c.Checks = make([]*Check, len(t.Checks))
	for i, ck := range t.Checks {
		x := *ck
		c.Checks[i] = &x
	}
	c.Attrs = cloneMap(t.Attrs)
	return &c
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Column is a column. Type is the dialect's type as its Normalize hook spells it, so that
// two spellings of one type (int4 and integer) compare equal.
type Column struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable,omitempty"`
	// Default is the default as a SQL expression ('draft', 0, CURRENT_TIMESTAMP); nil for none.
	Default       *string `json:"default,omitempty"`
	AutoIncrement bool    `json:"autoIncrement,omitempty"`
	Collation     string  `json:"collation,omitempty"`
	// RenamedFrom (desired side only) is the column's previous name, from renamedFrom:.
	RenamedFrom string            `json:"renamedFrom,omitempty"`
	Attrs       map[string]string `json:"attrs,omitempty"`
}

// Index is an index or a unique constraint.
type Index struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Unique  bool     `json:"unique,omitempty"`
	// Attrs holds dialect extras (PostgreSQL: "constraint", the name of the UNIQUE
	// constraint the index belongs to, which must be dropped as a constraint).
	Attrs map[string]string `json:"attrs,omitempty"`
}

// ForeignKey is a foreign key constraint. Diff matches foreign keys by their columns (a
// column holds at most one foreign key in dorm), not by name: SQLite does not report names.
type ForeignKey struct {
	Name       string   `json:"name,omitempty"`
	Columns    []string `json:"columns"`
	RefTable   string   `json:"refTable"`
	RefColumns []string `json:"refColumns"`
	OnDelete   string   `json:"onDelete,omitempty"` // "", "CASCADE", "SET NULL", "RESTRICT", "NO ACTION"
	OnUpdate   string   `json:"onUpdate,omitempty"`
}

// Check is a CHECK constraint; Expr is the expression inside CHECK (...), as the dialect's
// Normalize hook spells it.
type Check struct {
	Name string `json:"name,omitempty"`
	Expr string `json:"expr"`
}

func fkKey(fk *ForeignKey) string {
	return joinNames(fk.Columns)
}

func joinNames(s []string) string {
	out := ""
	for i, n := range s {
		if i > 0 {
			out += ","
		}
		out += n
	}
	return out
}

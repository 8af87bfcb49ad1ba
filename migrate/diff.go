package migrate

import (
	"fmt"
	"slices"
)

// Change is one schema change. It is a closed sum type: the types in this file are all
// there is. Top-level changes are [AddTable], [DropTable], [RenameTable] and [ModifyTable];
// the others appear inside a ModifyTable.
type Change interface{ change() }

type (
	// AddTable creates T with its columns, keys, checks, foreign keys and indexes.
	AddTable struct{ T *Table }
	// DropTable drops T (destructive: its rows are lost).
	DropTable struct{ T *Table }
	// RenameTable renames From to To.Name (declared by renamedFrom:).
	RenameTable struct{ From, To *Table }
	// ModifyTable changes a table that exists on both sides. From is the table as it is
	// (under its old name when it is also renamed), To as it will be; Changes lists what
	// differs, in the order columns, indexes, foreign keys, checks, primary key.
	ModifyTable struct {
		From, To *Table
		Changes  []Change
	}

	// AddColumn adds C.
	AddColumn struct{ C *Column }
	// DropColumn drops C (destructive).
	DropColumn struct{ C *Column }
	// RenameColumn renames From to To.Name (declared by renamedFrom:); To may differ in
	// other ways too, which a ModifyColumn then lists.
	RenameColumn struct{ From, To *Column }
	// ModifyColumn changes the type, nullability, default or collation of a column.
	ModifyColumn struct {
		From, To *Column
		Kind     ColumnChange
	}
	// AddIndex and DropIndex add and drop an index; a changed index is a drop and an add.
	AddIndex  struct{ I *Index }
	DropIndex struct{ I *Index }
	// AddForeignKey and DropForeignKey add and drop a foreign key; a changed one (another
	// target or ON DELETE) is a drop and an add.
	AddForeignKey  struct{ F *ForeignKey }
	DropForeignKey struct{ F *ForeignKey }
	// AddCheck and DropCheck add and drop a CHECK constraint (enum values).
	AddCheck  struct{ C *Check }
	DropCheck struct{ C *Check }
	// ModifyPrimaryKey changes the primary key columns.
	ModifyPrimaryKey struct{ From, To []string }
)

func (*AddTable) change()         {}
func (*DropTable) change()        {}
func (*RenameTable) change()      {}
func (*ModifyTable) change()      {}
func (*AddColumn) change()        {}
func (*DropColumn) change()       {}
func (*RenameColumn) change()     {}
func (*ModifyColumn) change()     {}
func (*AddIndex) change()         {}
func (*DropIndex) change()        {}
func (*AddForeignKey) change()    {}
func (*DropForeignKey) change()   {}
func (*AddCheck) change()         {}
func (*DropCheck) change()        {}
func (*ModifyPrimaryKey) change() {}

// ColumnChange is a set of column attributes that differ.
type ColumnChange uint8

const (
	ChangeType ColumnChange = 1 << iota
	ChangeNull
	ChangeDefault
	ChangeCollation
	ChangeAutoIncrement
)

// Is reports whether k includes every attribute of o.
func (k ColumnChange) Is(o ColumnChange) bool { return k&o == o }

func (k ColumnChange) String() string {
	names := []string{"type", "nullability", "default", "collation", "autoincrement"}
	out := ""
	for i, n := range names {
		if k&(1<<i) != 0 {
			if out != "" {
				out += ", "
			}
			out += n
		}
	}
	return out
}

// DiffOptions are the options of [Diff].
type DiffOptions struct {
	// Dialect normalises both sides before they are compared. nil compares them as they are.
	Dialect Dialect
}

// Diff returns the changes that turn from into to. Tables and columns are matched by name;
// a table or column of to that has no match but names a RenamedFrom that exists in from
// (and is not in to under its own name) is a rename. Nothing is ever guessed to be a
// rename. dorm's history table is ignored on both sides. Changes come in this order:
// renames, new tables, modified tables, dropped tables (all by name).
func Diff(from, to *Schema, opts DiffOptions) ([]Change, error) {
	from, to = prepare(from, opts.Dialect), prepare(to, opts.Dialect)
	var renames, adds, mods, drops []Change
	matched := map[string]bool{} // from tables that have a counterpart in to
	type pair struct{ from, to *Table }
	var pairs []pair
	tren := map[string]string{} // table renames, old name -> new
	for _, t := range to.Tables {
		if t.Name == HistoryTable {
			continue
		}
		old, ok := from.Table(t.Name)
		if !ok && t.RenamedFrom != "" {
			if o, found := from.Table(t.RenamedFrom); found {
				if _, taken := to.Table(t.RenamedFrom); !taken && !matched[o.Name] {
					old, ok = o, true
					renames = append(renames, &RenameTable{From: o, To: t})
					tren[o.Name] = t.Name
				}
			}
		}
		if !ok {
			adds = append(adds, &AddTable{T: t})
			continue
		}
		if matched[old.Name] {
			return nil, fmt.Errorf("migrate: table %s is the source of two tables", old.Name)
		}
		matched[old.Name] = true
		pairs = append(pairs, pair{old, t})
	}
	for _, p := range pairs {
		if cs := diffTable(p.from, p.to, tren); len(cs) > 0 {
			mods = append(mods, &ModifyTable{From: p.from, To: p.to, Changes: cs})
		}
	}
	for _, t := range from.Tables {
		if t.Name != HistoryTable && !matched[t.Name] {
			drops = append(drops, &DropTable{T: t})
		}
	}
	out := append(renames, adds...)
	out = append(out, mods...)
	return append(out, drops...), nil
}

func prepare(s *Schema, d Dialect) *Schema {
	if s == nil {
		return &Schema{}
	}
	s = s.Clone()
	if d != nil {
		for _, t := range s.Tables {
			d.Normalize(t)
		}
	}
	s.Sort()
	return s
}

func diffTable(from, to *Table, tren map[string]string) []Change {
	var cols, idx, fks, cks []Change
	matched := map[string]bool{}
	for _, c := range to.Columns {
		old, ok := from.Column(c.Name)
		if !ok && c.RenamedFrom != "" {
			if o, found := from.Column(c.RenamedFrom); found {
				if _, taken := to.Column(c.RenamedFrom); !taken && !matched[o.Name] {
					old, ok = o, true
					cols = append(cols, &RenameColumn{From: o, To: c})
				}
			}
		}
		if !ok {
			cols = append(cols, &AddColumn{C: c})
			continue
		}
		matched[old.Name] = true
		if k := diffColumn(old, c); k != 0 {
			cols = append(cols, &ModifyColumn{From: old, To: c, Kind: k})
		}
	}
	for _, c := range from.Columns {
		if !matched[c.Name] {
			cols = append(cols, &DropColumn{C: c})
		}
	}
	// Indexes by name, compared after column renames: an index whose columns were renamed
	// is the same index (the database renames its columns with them).
	rename := columnRenames(cols)
	for _, ix := range from.Indexes {
		n, ok := to.Index(ix.Name)
		if !ok || n.Unique != ix.Unique || !slices.Equal(n.Columns, mapNames(ix.Columns, rename)) {
			idx = append(idx, &DropIndex{I: ix})
		}
	}
	for _, ix := range to.Indexes {
		o, ok := from.Index(ix.Name)
		if !ok || o.Unique != ix.Unique || !slices.Equal(ix.Columns, mapNames(o.Columns, rename)) {
			idx = append(idx, &AddIndex{I: ix})
		}
	}
	fromFK := map[string]*ForeignKey{}
	for _, fk := range from.ForeignKeys {
		fromFK[joinNames(mapNames(fk.Columns, rename))] = fk
	}
	toFK := map[string]*ForeignKey{}
	for _, fk := range to.ForeignKeys {
		toFK[fkKey(fk)] = fk
	}
	for _, fk := range from.ForeignKeys {
		n, ok := toFK[joinNames(mapNames(fk.Columns, rename))]
		if !ok || !sameFK(fk, n, tren) {
			fks = append(fks, &DropForeignKey{F: fk})
		}
	}
	for _, fk := range to.ForeignKeys {
		o, ok := fromFK[fkKey(fk)]
		if !ok || !sameFK(o, fk, tren) {
			fks = append(fks, &AddForeignKey{F: fk})
		}
	}
	fromCk := map[string]bool{}
	for _, c := range from.Checks {
		fromCk[c.Expr] = true
	}
	toCk := map[string]bool{}
	for _, c := range to.Checks {
		toCk[c.Expr] = true
	}
	for _, c := range from.Checks {
		if !toCk[c.Expr] {
			cks = append(cks, &DropCheck{C: c})
		}
	}
	for _, c := range to.Checks {
		if !fromCk[c.Expr] {
			cks = append(cks, &AddCheck{C: c})
		}
	}
	out := append(cols, idx...)
	out = append(out, fks...)
	out = append(out, cks...)
	if !slices.Equal(mapNames(from.PrimaryKey, rename), to.PrimaryKey) {
		out = append(out, &ModifyPrimaryKey{From: from.PrimaryKey, To: to.PrimaryKey})
	}
	return out
}

// sameFK compares a (of the old schema) with b; tren maps renamed tables to their new names.
func sameFK(a, b *ForeignKey, tren map[string]string) bool {
	ref := a.RefTable
	if r, ok := tren[ref]; ok {
		ref = r
	}
	return ref == b.RefTable && slices.Equal(a.RefColumns, b.RefColumns) &&
		normAction(a.OnDelete) == normAction(b.OnDelete) && normAction(a.OnUpdate) == normAction(b.OnUpdate)
}

// normAction treats NO ACTION as the absence of an action (it is the default everywhere).
func normAction(a string) string {
	if a == "NO ACTION" {
		return ""
	}
	return a
}

func diffColumn(from, to *Column) ColumnChange {
	var k ColumnChange
	if from.Type != to.Type {
		k |= ChangeType
	}
	if from.Nullable != to.Nullable {
		k |= ChangeNull
	}
	if (from.Default == nil) != (to.Default == nil) || from.Default != nil && *from.Default != *to.Default {
		k |= ChangeDefault
	}
	if from.Collation != to.Collation {
		k |= ChangeCollation
	}
	if from.AutoIncrement != to.AutoIncrement {
		k |= ChangeAutoIncrement
	}
	return k
}

// columnRenames maps old column names to new ones.
func columnRenames(cs []Change) map[string]string {
	m := map[string]string{}
	for _, c := range cs {
		if r, ok := c.(*RenameColumn); ok {
			m[r.From.Name] = r.To.Name
		}
	}
	return m
}

func mapNames(names []string, m map[string]string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		if r, ok := m[n]; ok {
			n = r
		}
		out[i] = n
	}
	return out
}

// Reverse returns what Diff needs to compute the down migration of an up from from to to:
// a copy of from whose tables and columns carry RenamedFrom wherever to renamed them, so
// that Diff(to, Reverse(from, to)) renames them back instead of dropping and adding.
func Reverse(from, to *Schema) *Schema {
	out := from.Clone()
	for _, t := range to.Tables {
		src := t.Name
		if _, ok := from.Table(t.Name); !ok && t.RenamedFrom != "" {
			src = t.RenamedFrom
		}
		ot, ok := out.Table(src)
		if !ok {
			continue
		}
		if src != t.Name {
			ot.RenamedFrom = t.Name
		}
		for _, c := range t.Columns {
			if _, ok := ot.Column(c.Name); ok || c.RenamedFrom == "" {
				continue
			}
			if oc, ok := ot.Column(c.RenamedFrom); ok {
				oc.RenamedFrom = c.Name
			}
		}
	}
	return out
}

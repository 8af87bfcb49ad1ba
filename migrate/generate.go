package migrate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/dorm-go/dorm/schema"
)

// DefaultSchemaRef is where the $schema comment of generated entity files points: the JSON
// Schema of the entity file format, by its $id.
const DefaultSchemaRef = "https://raw.githubusercontent.com/dorm-go/dorm/main/schema/entity.schema.json"

// ScalarType is the type of a scalar property of an entity file, with its parameters.
type ScalarType struct {
	Type      schema.Type
	Length    int      // string
	Precision int      // decimal
	Scale     int      // decimal
	Values    []string // enum
}

// TypeReader is implemented by dialects whose normalised column types a generic reading of
// SQL type names would map back poorly (SQLite keeps only the affinity: TEXT could be string,
// text, uuid or json). [GenerateEntities] tries its answer first; every answer, this one or
// the generic one, is checked against the dialect's own [Dialect.ColumnType].
type TypeReader interface {
	// ScalarType returns the entity type of column c (spelled as Normalize spells it), or
	// false when the dialect has no preference.
	ScalarType(c *Column) (ScalarType, bool)
}

// GenerateOptions are the options of [GenerateEntities].
type GenerateOptions struct {
	// Dialect is the database's dialect. Every type, default and enum check that
	// GenerateEntities reads back is checked by mapping it forward again (ColumnType, Arg,
	// Literal, Normalize): what would not come out the same is reported in Warnings. nil
	// reads SQL type names generically and checks nothing.
	Dialect Dialect
	// Naming is the naming strategy the files will be loaded with (default
	// schema.UnderscoreNaming): table:, column:, joinColumn:, pivotTable: and
	// inverseJoinColumn: are written only where it would not give the database's name.
	Naming schema.Naming
	// SchemaRef is the $schema of the "# yaml-language-server: $schema=" comment that opens
	// every file (default DefaultSchemaRef; a path relative to the output directory works too).
	SchemaRef string
}

// Generated is the result of [GenerateEntities].
type Generated struct {
	// Files maps a file name (book_tag.yaml) to its content: one entity per file.
	Files map[string][]byte
	// Warnings lists, sorted, what the entity files cannot say about the database; for each,
	// a schema diff of the files against the database would show a change (or a table is
	// left out). Empty when the files describe the database exactly.
	Warnings []Diagnostic
}

// GenerateEntities writes entity files that describe the schema s (as an [Inspector]
// returns it): one entity per table, named from the table (book_tag → BookTag), one
// property per column (created_at → createdAt), foreign keys as m:1 relations with their
// inverse 1:m on the target, and pure pivot tables (two columns, both the primary key and
// each a foreign key, nothing else) as a m:n between the two tables. dorm's history table is
// left out. The output is deterministic: the same schema always gives the same bytes.
//
// Loaded back (with opts.Naming), the files describe s: FromRegistry of them diffs empty
// against s, except for what Warnings lists.
func GenerateEntities(s *Schema, opts GenerateOptions) (*Generated, error) {
	if s == nil {
		return nil, errors.New("migrate: GenerateEntities: no schema")
	}
	g := &generator{opts: opts, naming: opts.Naming, d: opts.Dialect, byTable: map[string]*genEntity{}}
	if g.naming == nil {
		g.naming = schema.UnderscoreNaming{}
	}
	if opts.SchemaRef == "" {
		g.opts.SchemaRef = DefaultSchemaRef
	}
	s = s.Clone()
	if g.d != nil {
		for _, t := range s.Tables {
			g.d.Normalize(t)
		}
	}
	s.Sort()
	g.s = s
	g.build()
	return g.output()
}

// generator holds the state of one GenerateEntities.
type generator struct {
	opts     GenerateOptions
	naming   schema.Naming
	d        Dialect
	s        *Schema
	entities []*genEntity // by table name
	byTable  map[string]*genEntity
	pivots   []*Table
	warnings []Diagnostic
	// indexNames: the index names given in the files so far, with their table. Entity
	// files need them unique across tables (as SQLite and PostgreSQL do); MySQL's are only
	// unique per table.
	indexNames map[string]string
}

type genEntity struct {
	name   string
	table  *Table
	props  []*genProp // column properties in column order, then the inverse sides by name
	byCol  map[string]*genProp
	names  map[string]bool
	idx    []genIndex
	uniq   []genIndex
	pkType *ScalarType // the type of a single-column primary key
}

type genProp struct {
	name string
	col  *Column
	// scalars
	typ           ScalarType
	primary       bool
	noAutoinc     bool
	def           any // the default, as written in the file (nil: none; see hasDef)
	hasDef        bool
	onCreateNow   bool
	unique, index bool
	// relations
	kind         string // "", "m:1", "1:m", "m:n"
	target       *genEntity
	mappedBy     string
	inversedBy   string
	deleteRule   string
	pivotTable   string
	joinColumn   string
	inverseJoin  string
	emitJoin     bool
	emitInvJoin  bool
	emitPivot    bool
	relationNull bool
}

type genIndex struct {
	props []string
	name  string // "" when the naming strategy gives it
}

func (g *generator) warn(table, column, format string, args ...any) {
	g.warnings = append(g.warnings, Diagnostic{Table: table, Column: column, Reason: fmt.Sprintf(format, args...)})
}

// build turns tables into entities, in three passes: entities and scalars; foreign keys
// (which need every target's key); pivot tables.
func (g *generator) build() {
	taken := map[string]bool{}
	for _, t := range g.s.Tables {
		if t.Name == HistoryTable {
			continue
		}
		if len(t.PrimaryKey) == 0 {
			g.warn(t.Name, "", "table has no primary key, which every entity needs: left out")
			continue
		}
		if g.isPivot(t) {
			g.pivots = append(g.pivots, t)
			continue
		}
		e := &genEntity{name: uniqueName(pascal(t.Name), taken), table: t, byCol: map[string]*genProp{}, names: map[string]bool{}}
		g.entities = append(g.entities, e)
		g.byTable[t.Name] = e
	}
	for _, e := range g.entities {
		g.scalars(e)
	}
	for _, e := range g.entities {
		g.foreignKeys(e)
	}
	for _, t := range g.pivots {
		g.manyToMany(t)
	}
	for _, e := range g.entities {
		g.indexes(e)
		g.checks(e)
	}
}

// isPivot reports whether t is a pure pivot table: two columns forming the primary key,
// each a single-column foreign key to the primary key of a table with one, no defaults,
// indexes or checks, and no foreign key that refers to t.
func (g *generator) isPivot(t *Table) bool {
	if len(t.Columns) != 2 || len(t.PrimaryKey) != 2 || len(t.ForeignKeys) != 2 || len(t.Indexes) > 0 || len(t.Checks) > 0 {
		return false
	}
	for _, c := range t.Columns {
		if c.Default != nil || c.AutoIncrement {
			return false
		}
	}
	if t.PrimaryKey[0] == t.PrimaryKey[1] {
		return false
	}
	for _, k := range t.PrimaryKey {
		fk := fkOn(t, k)
		if fk == nil {
			return false
		}
		rt, ok := g.s.Table(fk.RefTable)
		if !ok || rt.Name == t.Name || len(rt.PrimaryKey) != 1 || len(fk.RefColumns) != 1 || fk.RefColumns[0] != rt.PrimaryKey[0] {
			return false
		}
	}
	for _, o := range g.s.Tables {
		for _, fk := range o.ForeignKeys {
			if fk.RefTable == t.Name {
				return false
			}
		}
	}
	return true
}

// fkOn returns the single-column foreign key on column col of t.
func fkOn(t *Table, col string) *ForeignKey {
	for _, fk := range t.ForeignKeys {
		if len(fk.Columns) == 1 && fk.Columns[0] == col {
			return fk
		}
	}
	return nil
}

// scalars makes one scalar property per column; foreignKeys turns some into relations.
func (g *generator) scalars(e *genEntity) {
	t := e.table
	enums := g.enumChecks(t)
	pk := map[string]bool{}
	for _, k := range t.PrimaryKey {
		pk[k] = true
	}
	for _, c := range t.Columns {
		p := &genProp{name: uniqueName(camel(c.Name), e.names), col: c, primary: pk[c.Name]}
		p.typ = g.scalarType(t, c, enums[c.Name])
		if p.primary && len(t.PrimaryKey) == 1 && p.typ.Type.IsInteger() && !c.AutoIncrement {
			p.noAutoinc = true
		}
		if c.AutoIncrement && !(p.primary && len(t.PrimaryKey) == 1 && p.typ.Type.IsInteger()) {
			g.warn(t.Name, c.Name, "autoincrement on a column that is not a single integer primary key cannot be expressed")
		}
		g.defaultOf(t, p)
		e.props = append(e.props, p)
		e.byCol[c.Name] = p
	}
	if len(t.PrimaryKey) == 1 {
		if p := e.byCol[t.PrimaryKey[0]]; p != nil {
			typ := p.typ
			e.pkType = &typ
		}
	}
}

// foreignKeys turns each single-column foreign key to the primary key of an entity into a
// m:1, with a 1:m on the target; the others stay scalars, with a warning.
func (g *generator) foreignKeys(e *genEntity) {
	t := e.table
	perTarget := map[string]int{}
	for _, fk := range t.ForeignKeys {
		perTarget[fk.RefTable]++
	}
	for _, fk := range t.ForeignKeys {
		what := "foreign key (" + strings.Join(fk.Columns, ", ") + ") references " + fk.RefTable
		target := g.byTable[fk.RefTable]
		col := ""
		if len(fk.Columns) == 1 {
			col = fk.Columns[0]
		}
		switch {
		case len(fk.Columns) != 1:
			g.warn(t.Name, strings.Join(fk.Columns, ","), "%s: composite foreign keys cannot be expressed (its columns stay scalars)", what)
			continue
		case target == nil:
			g.warn(t.Name, col, "%s, which is not an entity: the column stays a scalar", what)
			continue
		case len(target.table.PrimaryKey) != 1 || len(fk.RefColumns) != 1 || fk.RefColumns[0] != target.table.PrimaryKey[0]:
			g.warn(t.Name, col, "%s(%s), not a single-column primary key: the column stays a scalar", what, strings.Join(fk.RefColumns, ", "))
			continue
		}
		g.toManyToOne(e, e.byCol[col], fk, target, perTarget[fk.RefTable] > 1)
	}
}

func (g *generator) toManyToOne(e *genEntity, p *genProp, fk *ForeignKey, target *genEntity, several bool) {
	t, c := e.table, p.col
	keyCol := target.table.PrimaryKey[0]
	// The property: the column without its "_id" suffix (author_id → author).
	base := c.Name
	for _, suf := range []string{"_" + keyCol, pascal(keyCol)} {
		if len(base) > len(suf) && strings.HasSuffix(base, suf) {
			base = strings.TrimSuffix(base, suf)
			break
		}
	}
	delete(e.names, p.name)
	p.name = uniqueName(camel(base), e.names)
	p.kind, p.target = "m:1", target
	p.relationNull = c.Nullable
	if g.naming.JoinColumn(p.name, keyCol) != c.Name {
		p.emitJoin = true
	}
	if target.pkType != nil {
		if want, ok := g.forwardType(t.Name, c.Name, *target.pkType); ok && (want.Type != c.Type || want.Collation != c.Collation) {
			g.warn(t.Name, c.Name, "type %s differs from the type of %s.%s (%s), which a relation's column takes", c.Type, target.table.Name, keyCol, want.Type)
		}
	}
	if p.hasDef || p.onCreateNow {
		g.warn(t.Name, c.Name, "a default on a relation's column cannot be expressed")
		p.hasDef, p.def, p.onCreateNow = false, nil, false
	}
	switch normAction(strings.ToUpper(fk.OnDelete)) {
	case "":
	case "CASCADE":
		p.deleteRule = "cascade"
	case "RESTRICT":
		p.deleteRule = "restrict"
	case "SET NULL":
		if c.Nullable {
			p.deleteRule = "set null"
		} else {
			g.warn(t.Name, c.Name, "ON DELETE SET NULL on a NOT NULL column cannot be expressed")
		}
	default:
		g.warn(t.Name, c.Name, "ON DELETE %s cannot be expressed", fk.OnDelete)
	}
	if a := normAction(strings.ToUpper(fk.OnUpdate)); a != "" {
		g.warn(t.Name, c.Name, "ON UPDATE %s cannot be expressed", fk.OnUpdate)
	}
	if p.primary {
		p.noAutoinc = false // a relation's key comes from its target
	}
	// The inverse side: Author.books for Book.author; Author.mentorAuthors when author has
	// several foreign keys to the same table.
	var names []string
	if !several {
		names = append(names, lowerFirst(plural(e.name)))
	}
	names = append(names, p.name+plural(e.name))
	ip := &genProp{name: firstFree(target.names, names...), kind: "1:m", target: e, mappedBy: p.name}
	p.inversedBy = ip.name
	target.props = append(target.props, ip)
}

// manyToMany turns the pure pivot table t into a m:n: the owner is the table that the first
// primary key column refers to, so that the pivot's key keeps its column order.
func (g *generator) manyToMany(t *Table) {
	jfk, ifk := fkOn(t, t.PrimaryKey[0]), fkOn(t, t.PrimaryKey[1])
	owner, target := g.byTable[jfk.RefTable], g.byTable[ifk.RefTable]
	if owner == nil || target == nil { // isPivot makes sure they are entities
		g.warn(t.Name, "", "pivot table between tables that are not entities: left out")
		return
	}
	ot, tt := owner.table, target.table
	ok, tk := ot.PrimaryKey[0], tt.PrimaryKey[0]
	// The owning property: book_tags on book → tags; else the target's plural, else the
	// pivot's name.
	var names []string
	if rest, found := strings.CutPrefix(t.Name, ot.Name+"_"); found && rest != "" && g.naming.PivotTable(ot.Name, camel(rest)) == t.Name {
		names = append(names, camel(rest))
	}
	names = append(names, lowerFirst(plural(target.name)), camel(t.Name))
	p := &genProp{name: firstFree(owner.names, names...), kind: "m:n", target: target, pivotTable: t.Name}
	p.emitPivot = g.naming.PivotTable(ot.Name, p.name) != t.Name
	// The pivot columns, as the loader derives them.
	jc, ic := t.PrimaryKey[0], t.PrimaryKey[1]
	dj, di := g.naming.PivotColumn(ot.Name, ok), g.naming.PivotColumn(tt.Name, tk)
	switch {
	case dj == di && jc == ot.Name+"_1_"+ok && ic == tt.Name+"_2_"+tk:
	case dj != di && jc == dj && ic == di:
	case ic == di:
		p.emitJoin = true
	case jc == dj:
		p.emitInvJoin = true
	default:
		p.emitJoin, p.emitInvJoin = true, true
	}
	p.joinColumn, p.inverseJoin = jc, ic
	for i, fk := range []*ForeignKey{jfk, ifk} {
		key := []*genEntity{owner, target}[i]
		if normAction(strings.ToUpper(fk.OnDelete)) != "CASCADE" {
			g.warn(t.Name, fk.Columns[0], "a pivot table's foreign keys are ON DELETE CASCADE in dorm, this one is %q", strings.ToLower(fk.OnDelete))
		}
		if a := normAction(strings.ToUpper(fk.OnUpdate)); a != "" {
			g.warn(t.Name, fk.Columns[0], "ON UPDATE %s cannot be expressed", fk.OnUpdate)
		}
		c, _ := t.Column(fk.Columns[0])
		if key.pkType != nil {
			kt := *key.pkType
			if want, ok := g.forwardType(t.Name, c.Name, kt); ok && (want.Type != c.Type || want.Collation != c.Collation) {
				g.warn(t.Name, c.Name, "type %s differs from the type of %s.%s (%s), which a pivot column takes", c.Type, key.table.Name, key.table.PrimaryKey[0], want.Type)
			}
		}
	}
	owner.props = append(owner.props, p)
	inv := &genProp{name: firstFree(target.names, lowerFirst(plural(owner.name)), p.name+"Inverse"), kind: "m:n", target: owner, mappedBy: p.name}
	p.inversedBy = inv.name
	target.props = append(target.props, inv)
}

// indexes turns single-column indexes with the naming strategy's name into unique: and
// index: on the property, the others into uniques: and indexes:.
func (g *generator) indexes(e *genEntity) {
	t := e.table
	for _, ix := range t.Indexes {
		var props []string
		ok := true
		for _, c := range ix.Columns {
			p := e.byCol[c]
			if p == nil {
				ok = false
				break
			}
			props = append(props, p.name)
		}
		if !ok || len(props) == 0 {
			g.warn(t.Name, "", "index %s is on an expression: it cannot be expressed", ix.Name)
			continue
		}
		kind := "index"
		if ix.Unique {
			kind = "unique"
		}
		def := g.constraintName(schema.IndexName(t.Name, ix.Columns, kind))
		if len(props) == 1 && ix.Name == def {
			p := e.byCol[ix.Columns[0]]
			if !p.primary && !(ix.Unique && p.unique) && !(!ix.Unique && p.index) {
				if ix.Unique {
					p.unique = true
				} else {
					p.index = true
				}
				continue
			}
		}
		gi := genIndex{props: props}
		if ix.Name != def {
			gi.name = ix.Name
			if other, used := g.indexNames[ix.Name]; used && other != t.Name {
				g.warn(t.Name, "", "index name %s is also used on table %s, and dorm needs index names unique across tables: generated with dorm's name %s (schema diff renames it)", ix.Name, other, def)
				gi.name = ""
			} else {
				if g.indexNames == nil {
					g.indexNames = map[string]string{}
				}
				g.indexNames[ix.Name] = t.Name
			}
		}
		if ix.Unique {
			e.uniq = append(e.uniq, gi)
		} else {
			e.idx = append(e.idx, gi)
		}
	}
}

func (g *generator) constraintName(n string) string {
	if nm, ok := g.d.(Namer); ok {
		return nm.ConstraintName(n)
	}
	return n
}

// checks reports the checks that are not enums.
func (g *generator) checks(e *genEntity) {
	for _, ck := range e.table.Checks {
		col, vals, ok := parseEnumCheck(ck.Expr)
		if p := e.byCol[col]; ok && p != nil && p.kind == "" && p.typ.Type == schema.Enum && slices.Equal(vals, p.typ.Values) {
			if want := g.enumCheck(e.table, p); want != "" && want != ck.Expr {
				g.warn(e.table.Name, col, "CHECK (%s) is not spelled as dorm spells the enum check: %s", ck.Expr, want)
			}
			continue
		}
		g.warn(e.table.Name, "", "CHECK (%s) cannot be expressed", ck.Expr)
	}
}

// enumCheck returns the check expression that FromRegistry writes for the enum p,
// normalised; "" without a dialect.
func (g *generator) enumCheck(t *Table, p *genProp) string {
	if g.d == nil {
		return ""
	}
	lits := make([]string, len(p.typ.Values))
	for i, v := range p.typ.Values {
		l, err := g.d.Literal(v)
		if err != nil {
			return ""
		}
		lits[i] = l
	}
	ft := &Table{Name: t.Name, Columns: []*Column{{Name: p.col.Name, Type: p.col.Type}},
		Checks: []*Check{{Expr: g.d.QuoteIdent(p.col.Name) + " IN (" + strings.Join(lits, ", ") + ")"}}}
	g.d.Normalize(ft)
	return ft.Checks[0].Expr
}

// enumChecks returns the values of the checks of t of the form col IN ('a', 'b').
func (g *generator) enumChecks(t *Table) map[string][]string {
	out := map[string][]string{}
	for _, ck := range t.Checks {
		if col, vals, ok := parseEnumCheck(ck.Expr); ok {
			if _, dup := out[col]; !dup {
				out[col] = vals
			}
		}
	}
	return out
}

var (
	enumCheckRE = regexp.MustCompile(`(?is)^\s*(?:"((?:[^"]|"")+)"|` + "`([^`]+)`" + `|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*))\s*(?:::\s*[A-Za-z_ ]+(?:\([0-9, ]*\))?\s*)?IN\s*\((.*)\)\s*$`)
	enumLitRE   = regexp.MustCompile(`(?s)^\s*'((?:[^']|'')*)'\s*(?:::\s*[A-Za-z_ ]+(?:\([0-9, ]*\))?\s*)?$`)
)

// parseEnumCheck reads col IN ('a', 'b'), with the column quoted or not, around parentheses
// and casts such as ::text; it reports false for any other expression.
func parseEnumCheck(expr string) (string, []string, bool) {
	e := strings.TrimSpace(expr)
	for len(e) > 1 && e[0] == '(' && e[len(e)-1] == ')' && balanced(e[1:len(e)-1]) {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	m := enumCheckRE.FindStringSubmatch(e)
	if m == nil {
		return "", nil, false
	}
	col := strings.ReplaceAll(m[1], `""`, `"`) + m[2] + m[3] + m[4]
	var vals []string
	for _, part := range splitQuoted(m[5]) {
		lm := enumLitRE.FindStringSubmatch(part)
		if lm == nil {
			return "", nil, false
		}
		vals = append(vals, strings.ReplaceAll(lm[1], "''", "'"))
	}
	if len(vals) == 0 {
		return "", nil, false
	}
	return col, vals, true
}

// balanced reports whether the parentheses of s (outside quotes) are balanced.
func balanced(s string) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			for i++; i < len(s) && s[i] != '\''; i++ {
			}
		case '(':
			depth++
		case ')':
			depth--
			if depth < 0 {
				return false
			}
		}
	}
	return depth == 0
}

// splitQuoted splits s at commas outside single quotes.
func splitQuoted(s string) []string {
	var out []string
	start, inq := 0, false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			inq = !inq
		case ',':
			if !inq {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// forwarded is a column type as the dialect writes and normalises it.
type forwarded struct{ Type, Collation string }

// forwardType returns the column type the dialect gives a property of type st, normalised.
func (g *generator) forwardType(table, column string, st ScalarType) (forwarded, bool) {
	if g.d == nil {
		return forwarded{}, false
	}
	p := g.property(table, column, st)
	t := &Table{Name: table, Columns: []*Column{{Name: column, Type: g.d.ColumnType(p), Nullable: true}}}
	g.d.Normalize(t)
	return forwarded{t.Columns[0].Type, t.Columns[0].Collation}, true
}

func (g *generator) property(table, column string, st ScalarType) *schema.Property {
	e := &schema.Entity{Name: pascal(table), Table: table}
	return &schema.Property{Entity: e, Name: camel(column), Column: column, Kind: schema.Scalar, Type: st.Type,
		Length: st.Length, Precision: st.Precision, Scale: st.Scale, Values: st.Values, Nullable: true}
}

// scalarType picks the entity type of column c: the first candidate (the enum of a check,
// the dialect's TypeReader, the generic reading of the type name, then every type) that the
// dialect maps back to c's type and collation.
func (g *generator) scalarType(t *Table, c *Column, enum []string) ScalarType {
	var cands []ScalarType
	if enum != nil {
		cands = append(cands, ScalarType{Type: schema.Enum, Values: enum})
	}
	if tr, ok := g.d.(TypeReader); ok {
		if st, ok := tr.ScalarType(c); ok {
			cands = append(cands, st)
		}
	}
	if st, ok := readType(c.Type); ok {
		cands = append(cands, st)
	}
	// Without a better idea, text: it holds anything.
	best := ScalarType{Type: schema.Text}
	if len(cands) > 0 {
		best = cands[0]
	}
	if g.d == nil {
		return best
	}
	length, prec, scale := typeParams(c.Type)
	for _, typ := range []schema.Type{schema.Int, schema.BigInt, schema.SmallInt, schema.Boolean, schema.String, schema.Text,
		schema.Double, schema.Float, schema.Decimal, schema.Date, schema.DateTime, schema.Time, schema.UUID, schema.JSON, schema.Blob} {
		st := ScalarType{Type: typ}
		switch typ {
		case schema.String:
			st.Length = length
		case schema.Decimal:
			st.Precision, st.Scale = prec, scale
		}
		cands = append(cands, st)
	}
	for _, st := range cands {
		if f, _ := g.forwardType(t.Name, c.Name, st); f.Type == c.Type && f.Collation == c.Collation {
			return st
		}
	}
	st := best
	f, _ := g.forwardType(t.Name, c.Name, st)
	what := c.Type
	if c.Collation != "" {
		what += " COLLATE " + c.Collation
	}
	g.warn(t.Name, c.Name, "type %s has no entity type that %s maps to it: generated as %s (%s)", what, g.d.Name(), st.Type, f.Type)
	return st
}

// splitType splits a type such as NUMERIC(10, 2) or timestamp(6) with time zone into its
// lower-case name (before the parentheses, single spaces) and its first two parameters.
func splitType(t string) (base string, a, b int) {
	lt := strings.ToLower(strings.Join(strings.Fields(t), " "))
	base = lt
	if open := strings.IndexByte(lt, '('); open >= 0 {
		base = strings.TrimSpace(lt[:open])
		if end := strings.IndexByte(lt[open:], ')'); end > 0 {
			ps := strings.Split(lt[open+1:open+end], ",")
			a, _ = strconv.Atoi(strings.TrimSpace(ps[0]))
			if len(ps) > 1 {
				b, _ = strconv.Atoi(strings.TrimSpace(ps[1]))
			}
		}
	}
	return base, a, b
}

// typeParams returns the parameters of a type such as VARCHAR(255) or NUMERIC(10, 2).
func typeParams(t string) (length, prec, scale int) {
	_, a, b := splitType(t)
	return a, a, b
}

// readType maps a SQL type name to an entity type, the way most databases spell them.
func readType(t string) (ScalarType, bool) {
	lt := strings.ToLower(strings.Join(strings.Fields(t), " "))
	if strings.HasPrefix(lt, "enum(") && strings.HasSuffix(lt, ")") {
		var vals []string
		for _, part := range splitQuoted(strings.TrimSpace(t)[5 : len(strings.TrimSpace(t))-1]) {
			lm := enumLitRE.FindStringSubmatch(part)
			if lm == nil {
				return ScalarType{}, false
			}
			vals = append(vals, strings.ReplaceAll(lm[1], "''", "'"))
		}
		return ScalarType{Type: schema.Enum, Values: vals}, len(vals) > 0
	}
	base, a, b := splitType(t)
	if st, ok := readTypeName(base, a, b); ok {
		return st, true
	}
	if first, _, found := strings.Cut(base, " "); found { // timestamp without time zone
		return readTypeName(first, a, b)
	}
	return ScalarType{}, false
}

func readTypeName(base string, a, b int) (ScalarType, bool) {
	base = strings.TrimSuffix(strings.TrimSuffix(base, " unsigned"), " signed")
	switch base {
	case "tinyint":
		if a == 1 {
			return ScalarType{Type: schema.Boolean}, true
		}
		return ScalarType{Type: schema.SmallInt}, true
	case "smallint", "int2", "smallserial":
		return ScalarType{Type: schema.SmallInt}, true
	case "int", "integer", "int4", "mediumint", "serial":
		return ScalarType{Type: schema.Int}, true
	case "bigint", "int8", "bigserial":
		return ScalarType{Type: schema.BigInt}, true
	case "boolean", "bool", "bit":
		return ScalarType{Type: schema.Boolean}, true
	case "real", "float4":
		return ScalarType{Type: schema.Float}, true
	case "float":
		if a > 24 {
			return ScalarType{Type: schema.Double}, true
		}
		return ScalarType{Type: schema.Float}, true
	case "double", "double precision", "float8":
		return ScalarType{Type: schema.Double}, true
	case "numeric", "decimal", "dec", "number":
		return ScalarType{Type: schema.Decimal, Precision: a, Scale: b}, true
	case "varchar", "character varying", "char", "character", "nvarchar", "nchar", "varchar2", "nvarchar2", "bpchar":
		return ScalarType{Type: schema.String, Length: a}, true
	case "text", "clob", "tinytext", "mediumtext", "longtext", "ntext", "citext":
		return ScalarType{Type: schema.Text}, true
	case "date":
		return ScalarType{Type: schema.Date}, true
	case "time", "timetz":
		return ScalarType{Type: schema.Time}, true
	case "datetime", "timestamp", "timestamptz", "datetime2", "datetimeoffset":
		return ScalarType{Type: schema.DateTime}, true
	case "uuid", "uniqueidentifier":
		return ScalarType{Type: schema.UUID}, true
	case "json", "jsonb":
		return ScalarType{Type: schema.JSON}, true
	case "blob", "bytea", "binary", "varbinary", "tinyblob", "mediumblob", "longblob", "image":
		return ScalarType{Type: schema.Blob}, true
	}
	return ScalarType{}, false
}

// defaultOf reads the default of p's column back into a value of p's type, and checks that
// the dialect writes that value as the same SQL.
func (g *generator) defaultOf(t *Table, p *genProp) {
	c := p.col
	if c.Default == nil {
		return
	}
	raw := strings.TrimSpace(*c.Default)
	for len(raw) > 1 && raw[0] == '(' && raw[len(raw)-1] == ')' && balanced(raw[1:len(raw)-1]) {
		raw = strings.TrimSpace(raw[1 : len(raw)-1])
	}
	if strings.EqualFold(raw, "NULL") {
		return
	}
	isTime := p.typ.Type == schema.Date || p.typ.Type == schema.DateTime || p.typ.Type == schema.Time
	// CURRENT_TIMESTAMP, NOW() and their forms with a precision (MySQL's CURRENT_TIMESTAMP(6)).
	fn := strings.ToUpper(raw)
	if i := strings.IndexByte(fn, '('); i > 0 && strings.HasSuffix(fn, ")") && strings.Trim(fn[i+1:len(fn)-1], "0123456789 ") == "" {
		fn = fn[:i] + "()"
	}
	switch fn {
	case "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME", "NOW()", "LOCALTIMESTAMP", "CURRENT_TIMESTAMP()", "LOCALTIMESTAMP()", "CURRENT_TIME()", "CURRENT_DATE()":
		if isTime {
			p.onCreateNow = true
			g.warn(t.Name, c.Name, "DEFAULT %s cannot be expressed: generated as onCreate: now, which dorm sets on insert", raw)
			return
		}
	}
	v, ok := readDefault(p.typ, raw)
	if !ok {
		g.warn(t.Name, c.Name, "DEFAULT %s cannot be expressed as a %s value: left out", raw, p.typ.Type)
		return
	}
	p.def, p.hasDef = v, true
	if g.d == nil {
		return
	}
	// The same SQL when written forward?
	prop := g.property(t.Name, c.Name, p.typ)
	cv, err := schema.ConvertProperty(prop, v)
	if err != nil {
		g.warn(t.Name, c.Name, "DEFAULT %s cannot be expressed as a %s value: left out", raw, p.typ.Type)
		p.def, p.hasDef = nil, false
		return
	}
	arg, err := g.d.Arg(prop, cv)
	if err == nil {
		var lit string
		if lit, err = g.d.Literal(arg); err == nil {
			ft := &Table{Name: t.Name, Columns: []*Column{{Name: c.Name, Type: c.Type, Default: &lit, Nullable: true}}}
			g.d.Normalize(ft)
			if d := ft.Columns[0].Default; d == nil || *d != *c.Default {
				err = fmt.Errorf("written back as %v", lit)
			}
		}
	}
	if err != nil {
		g.warn(t.Name, c.Name, "DEFAULT %s is not spelled as dorm spells the %s value %s: %v", *c.Default, p.typ.Type, yamlValue(v), err)
	}
}

var numberRE = regexp.MustCompile(`^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`)

// readDefault reads the SQL literal raw as a value of st, as an entity file writes it.
func readDefault(st ScalarType, raw string) (any, bool) {
	str, quoted := "", false
	if m := enumLitRE.FindStringSubmatch(raw); m != nil {
		str, quoted = strings.ReplaceAll(m[1], "''", "'"), true
	} else if strings.HasPrefix(raw, "N'") || strings.HasPrefix(raw, "E'") {
		return readDefault(st, raw[1:])
	} else if numberRE.MatchString(raw) {
		str = strings.TrimPrefix(raw, "+")
	} else {
		switch strings.ToUpper(raw) {
		case "TRUE":
			str = "1"
		case "FALSE":
			str = "0"
		default:
			return nil, false
		}
	}
	switch st.Type {
	case schema.String, schema.Text, schema.UUID, schema.ObjectID, schema.Time:
		if !quoted {
			return nil, false
		}
		return str, true
	case schema.Enum:
		return str, quoted && slices.Contains(st.Values, str)
	case schema.Decimal:
		if !numberRE.MatchString(str) || strings.ContainsAny(str, "eE") {
			return nil, false
		}
		return str, true
	case schema.Int, schema.BigInt, schema.SmallInt:
		i, err := strconv.ParseInt(str, 10, 64)
		return i, err == nil
	case schema.Float, schema.Double:
		f, err := strconv.ParseFloat(str, 64)
		return f, err == nil
	case schema.Boolean:
		switch strings.ToLower(str) {
		case "1", "t", "true", "y", "yes", "on", "b'1'":
			return true, true
		case "0", "f", "false", "n", "no", "off", "b'0'":
			return false, true
		}
	case schema.Date:
		if tm, err := time.Parse(time.DateOnly, str); err == nil {
			return tm.Format(time.DateOnly), true
		}
	case schema.DateTime:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999"} {
			if tm, err := time.Parse(layout, str); err == nil {
				return tm.UTC().Format(time.RFC3339Nano), true
			}
		}
	case schema.JSON:
		if !quoted {
			return nil, false
		}
		var v any
		if err := json.Unmarshal([]byte(str), &v); err == nil {
			return v, true
		}
	}
	return nil, false
}

// output writes one file per entity.
func (g *generator) output() (*Generated, error) {
	out := &Generated{Files: map[string][]byte{}}
	names := map[string]bool{}
	for _, e := range g.entities {
		file := uniqueName(fileBase(e.name), names) + ".yaml"
		out.Files[file] = g.file(e)
	}
	sort.Slice(g.warnings, func(i, j int) bool {
		a, b := g.warnings[i], g.warnings[j]
		if a.Table != b.Table {
			return a.Table < b.Table
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Reason < b.Reason
	})
	out.Warnings = g.warnings
	return out, nil
}

func fileBase(entity string) string {
	s := schema.Snake(entity)
	if s == "" {
		return "entity"
	}
	return s
}

func (g *generator) file(e *genEntity) []byte {
	var b bytes.Buffer
	b.WriteString("# yaml-language-server: $schema=" + g.opts.SchemaRef + "\n")
	b.WriteString("entity: " + yamlString(e.name) + "\n")
	if g.naming.Table(e.name) != e.table.Name {
		b.WriteString("table: " + yamlString(e.table.Name) + "\n")
	}
	b.WriteString("properties:\n")
	// Columns in their order, then the inverse sides by name.
	var cols, rest []*genProp
	for _, p := range e.props {
		if p.col != nil {
			cols = append(cols, p)
		} else {
			rest = append(rest, p)
		}
	}
	sort.SliceStable(rest, func(i, j int) bool { return rest[i].name < rest[j].name })
	props := append(cols, rest...)
	width := 0
	for _, p := range props {
		width = max(width, len(yamlString(p.name))+1)
	}
	for _, p := range props {
		key := yamlString(p.name)
		b.WriteString("  " + key + ":" + strings.Repeat(" ", width-len(key)) + "{ " + strings.Join(g.keys(e, p), ", ") + " }\n")
	}
	writeIdx := func(key string, list []genIndex) {
		if len(list) == 0 {
			return
		}
		sort.SliceStable(list, func(i, j int) bool {
			return strings.Join(list[i].props, ",")+"|"+list[i].name < strings.Join(list[j].props, ",")+"|"+list[j].name
		})
		b.WriteString(key + ":\n")
		for _, ix := range list {
			props := make([]string, len(ix.props))
			for i, p := range ix.props {
				props[i] = yamlString(p)
			}
			s := "  - { properties: [" + strings.Join(props, ", ") + "]"
			if ix.name != "" {
				s += ", name: " + yamlString(ix.name)
			}
			b.WriteString(s + " }\n")
		}
	}
	writeIdx("indexes", e.idx)
	writeIdx("uniques", e.uniq)
	return b.Bytes()
}

// keys returns the flow-mapping entries of p.
func (g *generator) keys(e *genEntity, p *genProp) []string {
	var k []string
	add := func(key, val string) { k = append(k, key+": "+val) }
	switch p.kind {
	case "":
		add("type", p.typ.Type.String())
		if p.typ.Type == schema.String && p.typ.Length > 0 {
			add("length", strconv.Itoa(p.typ.Length))
		}
		if p.typ.Type == schema.Decimal && p.typ.Precision > 0 {
			add("precision", strconv.Itoa(p.typ.Precision))
			if p.typ.Scale > 0 {
				add("scale", strconv.Itoa(p.typ.Scale))
			}
		}
		if p.typ.Type == schema.Enum {
			vals := make([]string, len(p.typ.Values))
			for i, v := range p.typ.Values {
				vals[i] = yamlString(v)
			}
			add("values", "["+strings.Join(vals, ", ")+"]")
		}
		if p.primary {
			add("primary", "true")
		}
		if p.noAutoinc {
			add("autoincrement", "false")
		}
		if p.col.Nullable && !p.primary {
			add("nullable", "true")
		}
		if p.hasDef {
			add("default", yamlValue(p.def))
		}
		if p.onCreateNow {
			add("onCreate", "now")
		}
		if p.unique {
			add("unique", "true")
		}
		if p.index {
			add("index", "true")
		}
		if g.naming.Column(p.name) != p.col.Name {
			add("column", yamlString(p.col.Name))
		}
	default:
		add("kind", p.kind)
		add("entity", yamlString(p.target.name))
		if p.mappedBy != "" {
			add("mappedBy", yamlString(p.mappedBy))
		}
		if p.inversedBy != "" {
			add("inversedBy", yamlString(p.inversedBy))
		}
		if p.emitPivot {
			add("pivotTable", yamlString(p.pivotTable))
		}
		if p.kind == "m:1" && p.emitJoin {
			add("joinColumn", yamlString(p.col.Name))
		}
		if p.kind == "m:n" && p.emitJoin {
			add("joinColumn", yamlString(p.joinColumn))
		}
		if p.emitInvJoin {
			add("inverseJoinColumn", yamlString(p.inverseJoin))
		}
		if p.primary {
			add("primary", "true")
		}
		if p.relationNull {
			add("nullable", "true")
		}
		if p.deleteRule != "" {
			add("deleteRule", p.deleteRule)
		}
		if p.unique {
			add("unique", "true")
		}
		if p.index {
			add("index", "true")
		}
	}
	return k
}

var plainRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// yamlString writes s as a YAML scalar that reads back as the string s: plain when it is a
// simple word that YAML would not read as something else, else double-quoted.
func yamlString(s string) string {
	if plainRE.MatchString(s) {
		switch strings.ToLower(s) {
		case "true", "false", "null", "yes", "no", "on", "off", "y", "n":
		default:
			return s
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// yamlValue writes a default: strings as yamlString, numbers and booleans plain, JSON
// values as JSON (a subset of YAML flow style).
func yamlValue(v any) string {
	switch x := v.(type) {
	case string:
		return yamlString(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eEn") { // keep it a float: 1 → 1.0
			s += ".0"
		}
		return s
	case bool:
		return strconv.FormatBool(x)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// pascal names an entity after a table: book_tag → BookTag.
func pascal(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		b.WriteString(string(r))
	}
	return identifier(b.String(), "Table")
}

// camel names a property after a column: created_at → createdAt, ID → id.
func camel(s string) string {
	var b strings.Builder
	for i, w := range words(s) {
		r := []rune(w)
		if i == 0 {
			if strings.ToUpper(w) == w {
				r = []rune(strings.ToLower(w))
			} else {
				r[0] = unicode.ToLower(r[0])
			}
		} else {
			r[0] = unicode.ToUpper(r[0])
		}
		b.WriteString(string(r))
	}
	return identifier(b.String(), "column")
}

// words splits s at every character that cannot be part of a name.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
}

// identifier makes s a name of the entity files: letters, digits and _, not starting with a
// digit.
func identifier(s, fallback string) string {
	if s == "" {
		return fallback
	}
	if s[0] >= '0' && s[0] <= '9' {
		return fallback + s
	}
	return s
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	r[0] = unicode.ToLower(r[0])
	return string(r)
}

// plural is a simple English plural: tag → tags, box → boxes, category → categories.
func plural(s string) string {
	ls := strings.ToLower(s)
	switch {
	case strings.HasSuffix(ls, "s"), strings.HasSuffix(ls, "x"), strings.HasSuffix(ls, "z"),
		strings.HasSuffix(ls, "ch"), strings.HasSuffix(ls, "sh"):
		return s + "es"
	case len(ls) > 1 && strings.HasSuffix(ls, "y") && !strings.ContainsRune("aeiou", rune(ls[len(ls)-2])):
		return s[:len(s)-1] + "ies"
	}
	return s + "s"
}

// uniqueName returns name, or name2, name3… when taken, and marks it taken.
func uniqueName(name string, taken map[string]bool) string {
	n := name
	for i := 2; taken[n]; i++ {
		n = name + strconv.Itoa(i)
	}
	taken[n] = true
	return n
}

// firstFree returns the first of names that is not taken, else a numbered first name; it
// marks the name taken.
func firstFree(taken map[string]bool, names ...string) string {
	for _, n := range names {
		if !taken[n] {
			taken[n] = true
			return n
		}
	}
	return uniqueName(names[0], taken)
}

// WriteDir writes the files into dir, creating it. It refuses (and writes nothing) when a
// file of that name exists with other content: generated files never overwrite edits.
// Files that are already identical are left as they are.
func (g *Generated) WriteDir(dir string) error {
	names := make([]string, 0, len(g.Files))
	for n := range g.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	var conflicts []string
	for _, n := range names {
		old, err := os.ReadFile(filepath.Join(dir, n))
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return err
		case !bytes.Equal(old, g.Files[n]):
			conflicts = append(conflicts, filepath.Join(dir, n))
		}
	}
	if len(conflicts) > 0 {
		return fmt.Errorf("migrate: refusing to overwrite %d edited or different files (move them away or write to an empty directory): %s",
			len(conflicts), strings.Join(conflicts, ", "))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), g.Files[n], 0o644); err != nil {
			return err
		}
	}
	return nil
}

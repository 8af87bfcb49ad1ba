package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/migrate"
)

var (
	_ migrate.Dialect = Dialect{}
	_ migrate.Widener = Dialect{}
	_ migrate.Namer   = Dialect{}
	_ migrate.Target  = (*Driver)(nil)
)

func init() {
	migrate.RegisterDialect("mysql", Dialect{})
	migrate.RegisterDialect("mariadb", Dialect{MariaDB: true})
}

// MigrateDialect returns the dialect of package migrate.
func (d *Driver) MigrateDialect() migrate.Dialect { return d.dialect }

// CountRows returns the number of rows of table.
func (d *Driver) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+d.dialect.QuoteIdent(table)).Scan(&n)
	return n, err
}

// ConstraintName shortens generated index and constraint names to 64 characters, as the
// DDL of CreateSchema does (see [ShortName]).
func (Dialect) ConstraintName(name string) string { return ShortName(name) }

// Normalize spells t canonically, so that the entity files' type mapping and what
// information_schema reports compare equal: types in upper case without integer display
// widths (int(11) → INT) but with TINYINT(1) for booleans (BOOL, BOOLEAN → TINYINT(1)),
// DECIMAL with both precision and scale, DATETIME(0) as DATETIME, INTEGER → INT, REAL and
// DOUBLE PRECISION → DOUBLE; a LONGTEXT column with MariaDB's CHECK (json_valid(col)) as
// JSON, without that check; defaults with NULL as no default, numeric constants of numeric
// columns unquoted, TRUE/FALSE as 1/0, CURRENT_TIMESTAMP, NOW() and their precisions as
// CURRENT_TIMESTAMP[(n)]; primary key columns NOT NULL; RESTRICT and NO ACTION (the same in
// InnoDB, and the default) as no action; CHECK expressions with identifiers in backticks,
// keywords in upper case, charset introducers and outer parentheses removed, and canonical
// spacing.
func (Dialect) Normalize(t *migrate.Table) {
	pk := map[string]bool{}
	for _, c := range t.PrimaryKey {
		pk[c] = true
	}
	for _, ck := range t.Checks {
		ck.Expr = normalizeExpr(ck.Expr)
	}
	// MariaDB's JSON is LONGTEXT with CHECK (json_valid(`col`)).
	var checks []*migrate.Check
	for _, ck := range t.Checks {
		if m := jsonValidRE.FindStringSubmatch(ck.Expr); m != nil {
			if c, ok := t.Column(m[1]); ok && (strings.EqualFold(c.Type, "longtext") || strings.EqualFold(c.Type, "json")) {
				c.Type = "JSON"
				continue
			}
		}
		checks = append(checks, ck)
	}
	t.Checks = checks
	for _, c := range t.Columns {
		c.Type = normalizeType(c.Type)
		if pk[c.Name] {
			c.Nullable = false
		}
		if c.Default != nil {
			v := normalizeDefault(*c.Default, c.Type)
			if v == "NULL" {
				c.Default = nil
			} else {
				c.Default = &v
			}
		}
	}
	for _, fk := range t.ForeignKeys {
		fk.OnDelete = normalizeAction(fk.OnDelete)
		fk.OnUpdate = normalizeAction(fk.OnUpdate)
	}
}

var jsonValidRE = regexp.MustCompile("^json_valid\\(`((?:[^`]|``)+)`\\)$")

func normalizeAction(a string) string {
	a = strings.ToUpper(strings.TrimSpace(a))
	if a == "NO ACTION" || a == "RESTRICT" {
		return ""
	}
	return a
}

var typeRE = regexp.MustCompile(`^([a-z ]+?)\s*(?:\(([^)]*)\))?((?:\s+(?:unsigned|signed|zerofill))*)$`)

var enumTypeRE = regexp.MustCompile(`(?is)^\s*(enum|set)\s*\((.*)\)\s*$`)

// normalizeType maps a column type to its canonical spelling (see Normalize).
func normalizeType(t string) string {
	if m := enumTypeRE.FindStringSubmatch(t); m != nil {
		// ENUM('G','PG-13') and SET: the literals keep their case and spaces.
		return strings.ToUpper(m[1]) + "(" + outsideQuotes(m[2], func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' }) + ")"
	}
	s := strings.ToLower(strings.Join(strings.Fields(t), " "))
	m := typeRE.FindStringSubmatch(s)
	if m == nil {
		return strings.ToUpper(s)
	}
	base, args := strings.TrimSpace(m[1]), strings.ReplaceAll(m[2], " ", "")
	var mods string
	if strings.Contains(strings.ToUpper(m[3]), "UNSIGNED") {
		mods = "UNSIGNED"
	} else {
		mods = ""
	}
	suffix := ""
	if mods != "" {
		suffix = " " + mods
	}
	switch base {
	case "bool", "boolean":
		return "TINYINT(1)"
	case "tinyint":
		if args == "1" {
			return "TINYINT(1)" + suffix
		}
		return "TINYINT" + suffix
	case "int", "integer":
		return "INT" + suffix
	case "smallint", "mediumint", "bigint":
		return strings.ToUpper(base) + suffix
	case "decimal", "numeric", "dec", "fixed":
		p, sc := "10", "0"
		if args != "" {
			parts := strings.SplitN(args, ",", 2)
			p = parts[0]
			if len(parts) == 2 {
				sc = parts[1]
			}
		}
		return "DECIMAL(" + p + "," + sc + ")" + suffix
	case "double", "double precision", "real":
		return "DOUBLE" + suffix
	case "float":
		if n, err := strconv.Atoi(args); err == nil && n > 24 {
			return "DOUBLE" + suffix
		}
		return "FLOAT" + suffix
	case "datetime", "timestamp", "time":
		if args == "" || args == "0" {
			return strings.ToUpper(base)
		}
		return strings.ToUpper(base) + "(" + args + ")"
	case "char", "binary":
		if args == "" {
			args = "1"
		}
		return strings.ToUpper(base) + "(" + args + ")"
	}
	if args != "" {
		return strings.ToUpper(base) + "(" + args + ")" + suffix
	}
	return strings.ToUpper(base) + suffix
}

func numericType(t string) bool {
	for _, p := range []string{"TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

var (
	numberRE  = regexp.MustCompile(`^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$`)
	nowRE     = regexp.MustCompile(`(?i)^(?:current_timestamp|now|localtimestamp|localtime)(?:\s*\(\s*([0-9]*)\s*\))?$`)
	stringLit = regexp.MustCompile(`^'(?:[^'\\]|''|\\.)*'$`)
)

// normalizeDefault spells a default canonically for a column of type typ (normalised).
func normalizeDefault(v, typ string) string {
	v = strings.TrimSpace(v)
	for len(v) > 1 && v[0] == '(' && v[len(v)-1] == ')' {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	switch strings.ToUpper(v) {
	case "NULL":
		return "NULL"
	case "TRUE":
		return "1"
	case "FALSE":
		return "0"
	}
	if m := nowRE.FindStringSubmatch(v); m != nil {
		if m[1] == "" || m[1] == "0" {
			return "CURRENT_TIMESTAMP"
		}
		return "CURRENT_TIMESTAMP(" + m[1] + ")"
	}
	if numericType(typ) {
		if stringLit.MatchString(v) && numberRE.MatchString(v[1:len(v)-1]) {
			v = v[1 : len(v)-1]
		}
		if numberRE.MatchString(v) {
			return canonicalNumber(v)
		}
	}
	return v
}

// canonicalNumber removes a leading + and, after a decimal point, trailing zeros.
func canonicalNumber(v string) string {
	v = strings.TrimPrefix(v, "+")
	if strings.ContainsAny(v, "eE") || !strings.Contains(v, ".") {
		return v
	}
	v = strings.TrimRight(v, "0")
	return strings.TrimSuffix(v, ".")
}

// exprKeywords are written in upper case in normalised CHECK expressions; every other bare
// word not followed by "(" is an identifier and is quoted.
var exprKeywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`AND OR NOT IN IS NULL LIKE BETWEEN TRUE FALSE REGEXP RLIKE
		XOR DIV MOD CASE WHEN THEN ELSE END ESCAPE COLLATE BINARY INTERVAL`) {
		exprKeywords[k] = true
	}
}

// normalizeExpr rewrites a CHECK expression canonically: outer parentheses and charset
// introducers (_utf8mb4'x') removed, identifiers in backticks, keywords in upper case,
// function names in lower case, one space between words, none inside parentheses, ", "
// between list items. String literals are kept as they are.
func normalizeExpr(e string) string {
	e = strings.TrimSpace(e)
	for len(e) > 1 && e[0] == '(' && matchingParen(e, 0) == len(e)-1 {
		e = strings.TrimSpace(e[1 : len(e)-1])
	}
	var b strings.Builder
	space := false
	emit := func(s string) {
		if space && b.Len() > 0 {
			last := b.String()[b.Len()-1]
			if last != '(' && s != ")" && s != "," {
				b.WriteByte(' ')
			}
		}
		space = false
		b.WriteString(s)
		if s == "," {
			space = true
		}
	}
	q := Dialect{}.QuoteIdent
	for i := 0; i < len(e); {
		c := e[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = true
			i++
		case c == '\'' || c == '"':
			j := skipString(e, i)
			emit(e[i : j+1])
			i = j + 1
		case c == '`':
			j := skipString(e, i)
			emit(q(strings.ReplaceAll(e[i+1:j], "``", "`")))
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			emit(string(c))
			i++
			if c == '(' {
				space = false
			}
		default:
			j := i
			for j < len(e) && !strings.ContainsRune(" \t\n\r()',\"`", rune(e[j])) {
				j++
			}
			w := e[i:j]
			i = j
			// A charset introducer before a string literal: _utf8mb4'x'.
			if strings.HasPrefix(w, "_") && i < len(e) && e[i] == '\'' {
				continue
			}
			switch {
			case exprKeywords[strings.ToUpper(w)]:
				emit(strings.ToUpper(w))
				space = true // IN (…), NOT (…)
			case i < len(e) && e[i] == '(':
				emit(strings.ToLower(w)) // a function: no space before its parenthesis
			case numberRE.MatchString(w) || !identRE.MatchString(w):
				emit(w) // numbers and operators
			default:
				emit(q(w))
			}
		}
	}
	return b.String()
}

var identRE = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// skipString returns the index of the quote that closes the one at s[i].
func skipString(s string, i int) int {
	quote := s[i]
	for j := i + 1; j < len(s); j++ {
		switch {
		case s[j] == '\\' && quote != '`':
			j++
		case s[j] == quote:
			if j+1 < len(s) && s[j+1] == quote {
				j++
				continue
			}
			return j
		}
	}
	return len(s) - 1
}

// matchingParen returns the index of the parenthesis that closes the one at s[i], or -1.
func matchingParen(s string, i int) int {
	depth := 0
	for j := i; j < len(s); j++ {
		switch s[j] {
		case '\'', '"', '`':
			j = skipString(s, j)
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return j
			}
		}
	}
	return -1
}

// intRank orders the integer types by size; intDigits is the most digits of each.
var (
	intRank   = map[string]int{"TINYINT": 1, "TINYINT(1)": 1, "SMALLINT": 2, "MEDIUMINT": 3, "INT": 4, "BIGINT": 5}
	intDigits = map[string]int{"TINYINT": 4, "TINYINT(1)": 4, "SMALLINT": 6, "MEDIUMINT": 8, "INT": 11, "BIGINT": 20}
	textRank  = map[string]int{"TINYTEXT": 1, "TEXT": 2, "MEDIUMTEXT": 3, "LONGTEXT": 4, "JSON": 4}
	blobRank  = map[string]int{"TINYBLOB": 1, "BLOB": 2, "MEDIUMBLOB": 3, "LONGBLOB": 4}
	// textChars is how many utf8mb4 characters each text type surely holds.
	textChars = map[string]int{"TINYTEXT": 63, "TEXT": 16383, "MEDIUMTEXT": 4194303, "LONGTEXT": 1 << 30}
)

var sizedRE = regexp.MustCompile(`^(VARCHAR|CHAR|DECIMAL)\((\d+)(?:,(\d+))?\)$`)

// sized splits VARCHAR(n), CHAR(n) and DECIMAL(p,s).
func sized(t string) (base string, n, scale int, ok bool) {
	m := sizedRE.FindStringSubmatch(t)
	if m == nil {
		return "", 0, 0, false
	}
	n, _ = strconv.Atoi(m[2])
	scale, _ = strconv.Atoi(m[3])
	return m[1], n, scale, true
}

// maxChars is the longest text form of a value of type t, or -1 when unknown or unbounded.
func maxChars(t string) int {
	if d, ok := intDigits[strings.TrimSuffix(t, " UNSIGNED")]; ok {
		return d
	}
	if base, n, sc, ok := sized(t); ok {
		if base == "DECIMAL" {
			return n + 2 + min(sc, 1) - 1
		}
		return n
	}
	switch {
	case t == "DATE":
		return 10
	case t == "TIME":
		return 10
	case strings.HasPrefix(t, "DATETIME"), strings.HasPrefix(t, "TIMESTAMP"):
		return 26
	case strings.HasPrefix(t, "TIME("):
		return 17
	case t == "FLOAT", t == "DOUBLE":
		return 24
	}
	if c, ok := textChars[t]; ok {
		return c
	}
	return -1
}

// Widens reports whether every value of from fits to: a larger integer type of the same
// signedness, an integer into a DECIMAL with enough integer digits or a DOUBLE (up to INT),
// FLOAT to DOUBLE, DECIMAL(p,s) to one with at least as many integer and fraction digits,
// DATE to DATETIME, more fractional seconds, longer VARCHAR/CHAR, a bigger TEXT or BLOB
// type, and any value whose text form surely fits into a VARCHAR, CHAR or TEXT type.
func (Dialect) Widens(from, to *migrate.Column) bool {
	f, t := from.Type, to.Type
	if f == t {
		return true
	}
	fu, tu := strings.HasSuffix(f, " UNSIGNED"), strings.HasSuffix(t, " UNSIGNED")
	fb, tb := strings.TrimSuffix(f, " UNSIGNED"), strings.TrimSuffix(t, " UNSIGNED")
	if rf, ok := intRank[fb]; ok {
		if rt, ok := intRank[tb]; ok {
			switch {
			case fu == tu:
				return rt >= rf
			case fu:
				return rt > rf // unsigned into a larger signed type
			}
			return false
		}
		if base, p, sc, ok := sized(t); ok && base == "DECIMAL" {
			return p-sc >= intDigits[fb]-1
		}
		if tb == "DOUBLE" && rf <= intRank["INT"] || tb == "FLOAT" && rf <= intRank["SMALLINT"] {
			return true
		}
	}
	if fb == "FLOAT" && tb == "DOUBLE" {
		return true
	}
	fbase, fn, fs, fok := sized(f)
	tbase, tn, ts, tok := sized(t)
	if fok && tok {
		switch {
		case fbase == "DECIMAL" && tbase == "DECIMAL":
			return ts >= fs && tn-ts >= fn-fs
		case fbase != "DECIMAL" && tbase == "VARCHAR":
			return tn >= fn
		case fbase == "CHAR" && tbase == "CHAR":
			return tn >= fn
		}
	}
	if rf, ok := textRank[f]; ok {
		if rt, ok := textRank[t]; ok && t != "JSON" {
			return rt >= rf
		}
	}
	if rf, ok := blobRank[f]; ok {
		if rt, ok := blobRank[t]; ok {
			return rt >= rf
		}
	}
	if f == "DATE" && (strings.HasPrefix(t, "DATETIME") || strings.HasPrefix(t, "TIMESTAMP")) {
		return true
	}
	if strings.HasPrefix(f, "DATETIME") && strings.HasPrefix(t, "DATETIME") {
		return len(t) > len(f) || t > f
	}
	// Into text: when the longest text form of from fits.
	if n := maxChars(f); n >= 0 {
		if tbase == "VARCHAR" || tbase == "CHAR" {
			return tok && tn >= n
		}
		if c, ok := textChars[t]; ok && t != "JSON" {
			return c >= n
		}
	}
	return false
}

// Plan writes MySQL/MariaDB DDL for changes. MySQL commits each DDL statement on its own, so
// the order is one that runs statement by statement: tables renamed; foreign keys dropped
// (with the index InnoDB made for them, when nothing else needs it); new tables created with
// their checks and indexes (foreign keys come last); each changed table altered (checks
// dropped, indexes dropped, columns dropped, renamed, added and modified — MODIFY COLUMN
// restating type, collation, nullability, default and AUTO_INCREMENT, after filling NULLs
// with the new default when a column becomes NOT NULL —, primary key, indexes and checks
// added); tables dropped; foreign keys added.
func (d Dialect) Plan(changes []migrate.Change) (*migrate.Plan, error) {
	p := &migrate.Plan{}
	add := func(sql string) { p.Statements = append(p.Statements, migrate.Statement{SQL: sql}) }
	q := d.QuoteIdent
	var (
		renames, dropFKs, creates, alters, drops, addFKs []string
	)
	dropped := migrate.DroppedTables(changes)
	for _, c := range changes {
		switch c := c.(type) {
		case *migrate.RenameTable:
			renames = append(renames, "RENAME TABLE "+q(c.From.Name)+" TO "+q(c.To.Name))
		case *migrate.AddTable:
			creates = append(creates, d.createTable(c.T))
			for _, ix := range c.T.Indexes {
				creates = append(creates, sqlbase.CreateIndex(d, c.T.Name, ix.Name, ix.Unique, ix.Columns))
			}
			for _, fk := range c.T.ForeignKeys {
				addFKs = append(addFKs, "ALTER TABLE "+q(c.T.Name)+" ADD "+d.foreignKey(c.T.Name, fk))
			}
		case *migrate.DropTable:
			// Foreign keys between dropped tables go first, so that the drops run in any order.
			for _, fk := range c.T.ForeignKeys {
				if fk.RefTable != c.T.Name && dropped[fk.RefTable] {
					dropFKs = append(dropFKs, "ALTER TABLE "+q(c.T.Name)+" DROP FOREIGN KEY "+q(fk.Name))
				}
			}
			drops = append(drops, "DROP TABLE "+q(c.T.Name))
		case *migrate.ModifyTable:
			fk, body, added := d.alterTable(c)
			dropFKs = append(dropFKs, fk...)
			alters = append(alters, body...)
			addFKs = append(addFKs, added...)
		default:
			return nil, fmt.Errorf("%s: cannot plan %T", d.Name(), c)
		}
	}
	for _, group := range [][]string{renames, dropFKs, creates, alters, drops, addFKs} {
		for _, s := range group {
			add(s)
		}
	}
	return p, nil
}

// alterTable returns the statements of a changed table: foreign keys to drop first, the
// body, and foreign keys to add last.
func (d Dialect) alterTable(c *migrate.ModifyTable) (dropFKs, body, addFKs []string) {
	q := d.QuoteIdent
	table := q(c.To.Name) // renamed before, when it is also renamed
	alter := func(s string) { body = append(body, "ALTER TABLE "+table+" "+s) }

	droppedCols := map[string]bool{}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.DropColumn); ok {
			droppedCols[x.C.Name] = true
		}
	}
	readded := map[string]bool{} // foreign keys added again on the same columns
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.AddForeignKey); ok {
			readded[strings.Join(x.F.Columns, ",")] = true
		}
	}
	droppedIx := map[string]bool{}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.DropIndex); ok {
			droppedIx[x.I.Name] = true
		}
	}
	for _, s := range c.Changes {
		x, ok := s.(*migrate.DropForeignKey)
		if !ok {
			continue
		}
		stmt := "ALTER TABLE " + table + " DROP FOREIGN KEY " + q(x.F.Name)
		// The index InnoDB created for the key stays behind; drop it unless its column goes
		// (and takes it along), the key comes back, or another index serves instead.
		gone := false
		for _, col := range x.F.Columns {
			gone = gone || droppedCols[col]
		}
		if !gone && !readded[strings.Join(x.F.Columns, ",")] && !covered(c.From, x.F.Columns, nil) {
			name := x.F.Name
			if n, ok := c.From.Attrs[AttrImplicitIndex+x.F.Name]; ok {
				name = n
			}
			stmt += ", DROP INDEX " + q(name)
		}
		dropFKs = append(dropFKs, stmt)
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.DropCheck); ok {
			alter("DROP CONSTRAINT " + q(x.C.Name))
		}
	}
	// Foreign keys that stay: an index they need may not be dropped before another serves.
	keptFKs := c.To.ForeignKeys
	for _, s := range c.Changes {
		x, ok := s.(*migrate.DropIndex)
		if !ok {
			continue
		}
		stmt := "DROP INDEX " + q(x.I.Name)
		for _, fk := range keptFKs {
			if prefixOf(fk.Columns, x.I.Columns) && !covered(c.From, fk.Columns, droppedIx) && !covered(c.To, fk.Columns, nil) {
				// Replace it with the index InnoDB would have made for the key.
				stmt += ", ADD INDEX " + q(fk.Name) + " (" + sqlbase.QuoteList(d, fk.Columns) + ")"
			}
		}
		alter(stmt)
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.DropColumn); ok {
			alter("DROP COLUMN " + q(x.C.Name))
		}
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.RenameColumn); ok {
			alter("RENAME COLUMN " + q(x.From.Name) + " TO " + q(x.To.Name))
		}
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.AddColumn); ok {
			alter("ADD COLUMN " + d.columnDef(x.C, false))
		}
	}
	for _, s := range c.Changes {
		x, ok := s.(*migrate.ModifyColumn)
		if !ok {
			continue
		}
		if x.From.Nullable && !x.To.Nullable && x.To.Default != nil {
			body = append(body, "UPDATE "+table+" SET "+q(x.To.Name)+" = "+*x.To.Default+" WHERE "+q(x.To.Name)+" IS NULL")
		}
		alter("MODIFY COLUMN " + d.columnDef(x.To, true))
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.ModifyPrimaryKey); ok {
			stmt := "DROP PRIMARY KEY"
			if len(x.From) == 0 {
				stmt = ""
			}
			if len(x.To) > 0 {
				if stmt != "" {
					stmt += ", "
				}
				stmt += "ADD PRIMARY KEY (" + sqlbase.QuoteList(d, x.To) + ")"
			}
			alter(stmt)
		}
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.AddIndex); ok {
			body = append(body, sqlbase.CreateIndex(d, c.To.Name, x.I.Name, x.I.Unique, x.I.Columns))
		}
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.AddCheck); ok {
			alter("ADD " + d.check(x.C))
		}
	}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.AddForeignKey); ok {
			addFKs = append(addFKs, "ALTER TABLE "+table+" ADD "+d.foreignKey(c.To.Name, x.F))
		}
	}
	return dropFKs, body, addFKs
}

// covered reports whether an index of t (other than those in except) or its primary key
// starts with cols: then InnoDB has made no index of its own for a foreign key on cols.
func covered(t *migrate.Table, cols []string, except map[string]bool) bool {
	if prefixOf(cols, t.PrimaryKey) {
		return true
	}
	for _, ix := range t.Indexes {
		if !except[ix.Name] && prefixOf(cols, ix.Columns) {
			return true
		}
	}
	return false
}

// prefixOf reports whether cols are the first columns of of.
func prefixOf(cols, of []string) bool {
	if len(cols) == 0 || len(of) < len(cols) {
		return false
	}
	return equalNames(cols, of[:len(cols)])
}

// createTable writes t as CREATE TABLE: columns, primary key, checks, with the table
// options of CreateSchema. Indexes and foreign keys are separate statements.
func (d Dialect) createTable(t *migrate.Table) string {
	q := d.QuoteIdent
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, d.columnDef(c, false))
	}
	if len(t.PrimaryKey) > 0 {
		defs = append(defs, "PRIMARY KEY ("+sqlbase.QuoteList(d, t.PrimaryKey)+")")
	}
	for _, ck := range t.Checks {
		defs = append(defs, d.check(ck))
	}
	return "CREATE TABLE " + q(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)" + TableOptions
}

// columnDef writes a column definition; restate writes NULL for a nullable column too (a
// MODIFY COLUMN states every attribute).
func (d Dialect) columnDef(c *migrate.Column, restate bool) string {
	s := d.QuoteIdent(c.Name) + " " + c.Type
	if c.Collation != "" {
		s += " COLLATE " + c.Collation
	}
	if !c.Nullable {
		s += " NOT NULL"
	} else if restate {
		s += " NULL"
	}
	if c.Default != nil {
		s += " DEFAULT " + *c.Default
	}
	if c.AutoIncrement {
		s += " AUTO_INCREMENT"
	}
	return s
}

func (d Dialect) check(ck *migrate.Check) string {
	s := "CHECK (" + ck.Expr + ")"
	if ck.Name != "" {
		s = "CONSTRAINT " + d.QuoteIdent(ck.Name) + " " + s
	}
	return s
}

func (d Dialect) foreignKey(table string, fk *migrate.ForeignKey) string {
	q := d.QuoteIdent
	name := fk.Name
	if name == "" {
		name = ShortName(table + "_" + strings.Join(fk.Columns, "_") + "_foreign")
	}
	s := "CONSTRAINT " + q(name) + " FOREIGN KEY (" + sqlbase.QuoteList(d, fk.Columns) + ") REFERENCES " + q(fk.RefTable) +
		" (" + sqlbase.QuoteList(d, fk.RefColumns) + ")"
	if fk.OnDelete != "" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}

// historyDDL creates dorm's history table.
const historyDDL = "CREATE TABLE IF NOT EXISTS `dorm_migrations` (\n" +
	"  `version` VARCHAR(64) NOT NULL PRIMARY KEY,\n" +
	"  `name` VARCHAR(255) NOT NULL,\n" +
	"  `checksum` VARCHAR(128) NOT NULL,\n" +
	"  `applied_at` DATETIME(6) NOT NULL,\n" +
	"  `execution_ms` BIGINT NOT NULL,\n" +
	"  `state` VARCHAR(16) NOT NULL\n" +
	")" + TableOptions

// LockTimeout is how long a migration session waits for the migration lock of its database
// before it fails (see [Driver.Session]).
const LockTimeout = 30 * time.Second

// ErrLocked is matched by the error of a session that did not get the migration lock in time.
var ErrLocked = errors.New("mysql: another migration holds the migration lock")

// Session opens a migration session on one connection with the history table created; see
// [Driver.SessionTimeout]. It waits up to [LockTimeout] for the migration lock.
func (d *Driver) Session(ctx context.Context) (migrate.Session, error) {
	return d.SessionTimeout(ctx, LockTimeout)
}

// SessionTimeout opens a migration session that waits up to timeout for the migration lock.
//
// MySQL commits every DDL statement on its own, so a migration cannot be rolled back: the
// session reports TransactionalDDL false, and the executor records a migration that fails
// half-way with state failed in dorm_migrations; up and down then refuse to run until
// someone repairs the database and deletes that row.
//
// The migration lock is GET_LOCK('dorm_migrate:<database>', timeout), a named lock of the
// server, taken by the session's first Begin and held until Close, so that two migrate up
// on one database never both apply a migration (nor interleave with the recording of a
// failure): the second waits, then finds nothing to do, or fails with [ErrLocked].
func (d *Driver) SessionTimeout(ctx context.Context, timeout time.Duration) (migrate.Session, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, connError(err)
	}
	if _, err := conn.ExecContext(ctx, historyDDL); err != nil {
		conn.Close()
		return nil, err
	}
	var db sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&db); err != nil {
		conn.Close()
		return nil, err
	}
	return &session{conn: conn, lock: ShortName("dorm_migrate:" + db.String), timeout: timeout}, nil
}

type session struct {
	conn    *sql.Conn
	lock    string
	timeout time.Duration
	locked  bool
}

func (s *session) TransactionalDDL() bool { return false }

func (s *session) Begin(ctx context.Context) (migrate.Tx, error) {
	if !s.locked {
		secs := int64(s.timeout / time.Second)
		if secs < 0 {
			secs = 0
		}
		var got sql.NullInt64
		if err := s.conn.QueryRowContext(ctx, "SELECT GET_LOCK(?, ?)", s.lock, secs).Scan(&got); err != nil {
			return nil, err
		}
		if !got.Valid || got.Int64 != 1 {
			return nil, fmt.Errorf("%w %q (waited %s)", ErrLocked, s.lock, s.timeout)
		}
		s.locked = true
	}
	if _, err := s.conn.ExecContext(ctx, "START TRANSACTION"); err != nil {
		return nil, err
	}
	return &migrateTx{conn: s.conn}, nil
}

func (s *session) Close() error {
	var err error
	if s.locked {
		_, err = s.conn.ExecContext(context.Background(), "DO RELEASE_LOCK(?)", s.lock)
		if err != nil {
			// A connection that may still hold the lock must not go back to the pool.
			discard(s.conn)
			return err
		}
		s.locked = false
	}
	return s.conn.Close()
}

// migrateTx is a transaction of a migration session. Only the history rows are
// transactional: every DDL statement commits on its own.
type migrateTx struct{ conn *sql.Conn }

func (t *migrateTx) Exec(ctx context.Context, stmt string) error {
	_, err := t.conn.ExecContext(ctx, stmt)
	return err
}

func (t *migrateTx) Revisions(ctx context.Context) ([]migrate.Revision, error) {
	var out []migrate.Revision
	err := scanRows(ctx, t.conn, "SELECT `version`, `name`, `checksum`, `applied_at`, `execution_ms`, `state` FROM `dorm_migrations` ORDER BY `version`", nil,
		func(r *sql.Rows) error {
			var rev migrate.Revision
			if err := r.Scan(&rev.Version, &rev.Name, &rev.Checksum, &rev.AppliedAt, &rev.ExecutionMS, &rev.State); err != nil {
				return err
			}
			rev.AppliedAt = rev.AppliedAt.UTC()
			out = append(out, rev)
			return nil
		})
	return out, err
}

func (t *migrateTx) SaveRevision(ctx context.Context, r migrate.Revision) error {
	_, err := t.conn.ExecContext(ctx, "REPLACE INTO `dorm_migrations` (`version`, `name`, `checksum`, `applied_at`, `execution_ms`, `state`) VALUES (?, ?, ?, ?, ?, ?)",
		r.Version, r.Name, r.Checksum, r.AppliedAt.UTC().Format(DateTimeLayout), r.ExecutionMS, r.State)
	return err
}

func (t *migrateTx) DeleteRevision(ctx context.Context, version string) error {
	_, err := t.conn.ExecContext(ctx, "DELETE FROM `dorm_migrations` WHERE `version` = ?", version)
	return err
}

func (t *migrateTx) Commit(ctx context.Context) error {
	_, err := t.conn.ExecContext(ctx, "COMMIT")
	return err
}

func (t *migrateTx) Rollback(ctx context.Context) error {
	_, err := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return err
}

// outsideQuotes returns s without the runes drop matches outside single-quoted strings.
func outsideQuotes(s string, drop func(rune) bool) string {
	var b strings.Builder
	quoted := false
	for _, r := range s {
		if r == '\'' {
			quoted = !quoted // '' inside a literal toggles twice
		}
		if !quoted && r != '\'' && drop(r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

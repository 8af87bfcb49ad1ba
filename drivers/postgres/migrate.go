package postgres

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/migrate"
)

var (
	_ migrate.Dialect = Dialect{}
	_ migrate.Widener = Dialect{}
	_ migrate.Target  = (*Driver)(nil)
)

func init() {
	migrate.RegisterDialect("postgres", Dialect{})
	migrate.RegisterDialect("postgresql", Dialect{})
}

// MigrateDialect returns the dialect of package migrate.
func (d *Driver) MigrateDialect() migrate.Dialect { return Dialect{} }

// CountRows returns the number of rows of table.
func (d *Driver) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.pool.QueryRow(ctx, "SELECT count(*) FROM "+Dialect{}.QuoteIdent(table)).Scan(&n)
	return n, classify(err)
}

// Normalize spells t canonically, as [Dialect.ColumnType] writes types: int4, int, serial →
// integer; int8, bigserial → bigint; int2 → smallint; float4 → real; float8 → double
// precision; character varying(n) → varchar(n); decimal(p,s), numeric(p) → numeric(p,s);
// timestamp with time zone, timestamptz → timestamptz(6) (6 is PostgreSQL's default
// precision); bool → boolean. Defaults lose their casts ('x'::character varying → 'x'),
// now() and CURRENT_TIMESTAMP are CURRENT_TIMESTAMP, booleans TRUE/FALSE, quoted numbers of
// numeric columns bare numbers, timestamps UTC; a nextval(...) default is an autoincrement
// column (serial), like an identity. Primary key columns are NOT NULL, NO ACTION is no
// action, and enum CHECKs (col = ANY (ARRAY['a'::text, ...])) read "col" IN ('a', ...).
func (Dialect) Normalize(t *migrate.Table) {
	pk := map[string]bool{}
	for _, c := range t.PrimaryKey {
		pk[c] = true
	}
	for _, c := range t.Columns {
		c.Type = normalizeType(c.Type)
		if pk[c.Name] {
			c.Nullable = false
		}
		if c.Default != nil {
			v := normalizeDefault(*c.Default, c.Type)
			switch {
			case strings.HasPrefix(strings.ToLower(v), "nextval("):
				c.AutoIncrement = true
				c.Default = nil
			case v == "NULL":
				c.Default = nil
			default:
				c.Default = &v
			}
		}
		if c.AutoIncrement {
			c.Default = nil
		}
	}
	for _, fk := range t.ForeignKeys {
		fk.OnDelete = normalizeAction(fk.OnDelete)
		fk.OnUpdate = normalizeAction(fk.OnUpdate)
	}
	for _, ck := range t.Checks {
		ck.Expr = normalizeCheck(ck.Expr)
	}
}

func normalizeAction(a string) string {
	a = strings.ToUpper(strings.Join(strings.Fields(a), " "))
	if a == "NO ACTION" {
		return ""
	}
	return a
}

var typeArgsRE = regexp.MustCompile(`\s*\(([^)]*)\)`)

// normalizeType maps a type to the spelling of ColumnType.
func normalizeType(t string) string {
	u := strings.ToLower(strings.Join(strings.Fields(t), " "))
	arr := ""
	for strings.HasSuffix(u, "[]") {
		arr += "[]"
		u = strings.TrimSpace(strings.TrimSuffix(u, "[]"))
	}
	args := ""
	if m := typeArgsRE.FindStringSubmatchIndex(u); m != nil {
		args = strings.ReplaceAll(u[m[2]:m[3]], " ", "")
		u = strings.TrimSpace(u[:m[0]] + u[m[1]:])
	}
	withArgs := func(base, dflt string) string {
		if args == "" {
			args = dflt
		}
		if args == "" {
			return base + arr
		}
		return base + "(" + args + ")" + arr
	}
	switch u {
	case "int", "int4", "integer", "serial", "serial4":
		return "integer" + arr
	case "int8", "bigint", "bigserial", "serial8":
		return "bigint" + arr
	case "int2", "smallint", "smallserial", "serial2":
		return "smallint" + arr
	case "float4", "real":
		return "real" + arr
	case "float8", "double precision":
		return "double precision" + arr
	case "float":
		if n, err := strconv.Atoi(args); err == nil && n <= 24 {
			return "real" + arr
		}
		return "double precision" + arr
	case "numeric", "decimal":
		if args != "" && !strings.Contains(args, ",") {
			args += ",0"
		}
		return withArgs("numeric", "")
	case "character varying", "varchar":
		return withArgs("varchar", "")
	case "character", "char", "bpchar":
		return withArgs("char", "1")
	case "timestamptz", "timestamp with time zone":
		return withArgs("timestamptz", "6")
	case "timestamp", "timestamp without time zone":
		return withArgs("timestamp", "6")
	case "time", "time without time zone":
		if args == "6" {
			args = ""
		}
		return withArgs("time", "")
	case "timetz", "time with time zone":
		if args == "6" {
			args = ""
		}
		return withArgs("timetz", "")
	case "bool", "boolean":
		return "boolean" + arr
	}
	return withArgs(u, "")
}

// castRE matches a trailing cast: ::character varying, ::numeric(10,2), ::text[].
var castRE = regexp.MustCompile(`::(?:"?[a-z_][a-z0-9_]*"?(?: (?:varying|precision|with time zone|without time zone))?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?$`)

var numberRE = regexp.MustCompile(`^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$`)

func isNumericType(t string) bool {
	for _, p := range []string{"integer", "bigint", "smallint", "real", "double precision", "numeric"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

// normalizeDefault spells a default canonically for a column of type typ (normalised).
func normalizeDefault(v, typ string) string {
	v = strings.TrimSpace(v)
	for {
		for len(v) > 1 && v[0] == '(' && v[len(v)-1] == ')' && balanced(v[1:len(v)-1]) {
			v = strings.TrimSpace(v[1 : len(v)-1])
		}
		loc := castRE.FindStringIndex(v)
		if loc == nil || loc[0] == 0 {
			break
		}
		v = strings.TrimSpace(v[:loc[0]])
	}
	switch u := strings.ToUpper(v); u {
	case "TRUE", "FALSE", "NULL", "CURRENT_DATE", "CURRENT_TIME", "LOCALTIMESTAMP", "LOCALTIME":
		return u
	case "NOW()", "CURRENT_TIMESTAMP", "TRANSACTION_TIMESTAMP()", "CURRENT_TIMESTAMP(6)":
		return "CURRENT_TIMESTAMP"
	}
	if isNumericType(typ) {
		if s, ok := unquoteLiteral(v); ok && numberRE.MatchString(strings.TrimSpace(s)) {
			v = strings.TrimSpace(s)
		}
		v = strings.TrimPrefix(v, "+")
		// 0 and 0.0000 are the same default of a numeric(12,4).
		if numberRE.MatchString(v) && strings.Contains(v, ".") && !strings.ContainsAny(v, "eE") {
			v = strings.TrimSuffix(strings.TrimRight(v, "0"), ".")
		}
	}
	if typ == "boolean" {
		if s, ok := unquoteLiteral(v); ok {
			switch strings.ToLower(s) {
			case "t", "true", "y", "yes", "on", "1":
				return "TRUE"
			case "f", "false", "n", "no", "off", "0":
				return "FALSE"
			}
		}
	}
	if strings.HasPrefix(typ, "timestamptz") {
		if s, ok := unquoteLiteral(v); ok {
			for _, layout := range []string{"2006-01-02 15:04:05.999999Z07:00", "2006-01-02 15:04:05.999999Z07", "2006-01-02T15:04:05.999999Z07:00"} {
				if tm, err := time.Parse(layout, s); err == nil {
					return quoteString(tm.UTC().Format("2006-01-02 15:04:05.999999Z07:00"))
				}
			}
		}
	}
	return v
}

// unquoteLiteral returns the content of a standard string literal.
func unquoteLiteral(v string) (string, bool) {
	if len(v) < 2 || v[0] != '\'' || v[len(v)-1] != '\'' {
		return "", false
	}
	body := v[1 : len(v)-1]
	if strings.Contains(strings.ReplaceAll(body, "''", ""), "'") {
		return "", false // two literals, not one
	}
	return strings.ReplaceAll(body, "''", "'"), true
}

// balanced reports whether the parentheses of s (outside string literals) balance without
// going below zero: "(a) + (b)" is not wrapped by its outer pair.
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

var (
	// checkCastRE removes casts inside a CHECK: 'a'::text, (status)::text, (ARRAY[...])::text[].
	checkCastRE = regexp.MustCompile(`::(?:"?[a-z_][a-z0-9_]*"?(?: (?:varying|precision|with time zone|without time zone))?)(?:\(\d+(?:,\s*\d+)?\))?(?:\[\])?`)
	parenIdent  = regexp.MustCompile(`\((\w+|"(?:[^"]|"")+")\)`)
	parenArray  = regexp.MustCompile(`\((ARRAY\[[^\]]*\])\)`)
	anyArrayRE  = regexp.MustCompile(`^(\w+|"(?:[^"]|"")+")\s*=\s*ANY\s*\(?\s*ARRAY\[(.*)\]\s*\)?$`)
	inListRE    = regexp.MustCompile(`(?i)^(\w+|"(?:[^"]|"")+")\s+IN\s*\((.*)\)$`)
)

// normalizeCheck spells an enum CHECK as "col" IN ('a', 'b'), whether PostgreSQL wrote it
// (((col)::text = ANY ((ARRAY['a'::character varying, ...])::text[]))) or dorm did; other
// expressions only lose their casts, outer parentheses and extra whitespace.
func normalizeCheck(e string) string {
	// String literals are masked (\x00<n>\x00) while the expression is rewritten.
	var lits []string
	var b strings.Builder
	for i := 0; i < len(e); i++ {
		if e[i] != '\'' {
			b.WriteByte(e[i])
			continue
		}
		j := i + 1
		for j < len(e) {
			if e[j] == '\'' {
				if j+1 < len(e) && e[j+1] == '\'' {
					j += 2
					continue
				}
				break
			}
			j++
		}
		if j >= len(e) {
			j = len(e) - 1
		}
		b.WriteString("\x00" + strconv.Itoa(len(lits)) + "\x00")
		lits = append(lits, e[i:j+1])
		i = j
	}
	unmask := func(s string) string {
		return maskRE.ReplaceAllStringFunc(s, func(m string) string {
			n, _ := strconv.Atoi(strings.Trim(m, "\x00"))
			return lits[n]
		})
	}
	m := checkCastRE.ReplaceAllString(b.String(), "")
	m = strings.Join(strings.Fields(m), " ")
	for i := 0; i < 3; i++ {
		m = parenIdent.ReplaceAllString(m, "$1")
		m = parenArray.ReplaceAllString(m, "$1")
	}
	for len(m) > 1 && m[0] == '(' && m[len(m)-1] == ')' && balanced(m[1:len(m)-1]) {
		m = strings.TrimSpace(m[1 : len(m)-1])
	}
	col, list := "", ""
	if g := anyArrayRE.FindStringSubmatch(m); g != nil {
		col, list = g[1], g[2]
	} else if g := inListRE.FindStringSubmatch(m); g != nil {
		col, list = g[1], g[2]
	} else {
		return unmask(m)
	}
	if !strings.HasPrefix(col, `"`) {
		col = Dialect{}.QuoteIdent(col)
	}
	var items []string
	for _, it := range strings.Split(list, ",") {
		items = append(items, unmask(strings.TrimSpace(it)))
	}
	return col + " IN (" + strings.Join(items, ", ") + ")"
}

var maskRE = regexp.MustCompile("\x00[0-9]+\x00")

// typeFamily groups types whose values convert without USING: numbers, strings, and each
// other type on its own.
func typeFamily(t string) string {
	switch {
	case isNumericType(t):
		return "number"
	case t == "text", strings.HasPrefix(t, "varchar"), strings.HasPrefix(t, "char"):
		return "string"
	}
	return t
}

var intDigits = map[string]int{"smallint": 5, "integer": 10, "bigint": 19}

// typeArgs returns the numbers in parentheses of a normalised type.
func typeArgs(t string) (base string, args []int) {
	i := strings.IndexByte(t, '(')
	if i < 0 {
		return t, nil
	}
	for _, a := range strings.Split(strings.TrimSuffix(t[i+1:], ")"), ",") {
		n, _ := strconv.Atoi(a)
		args = append(args, n)
	}
	return t[:i], args
}

// Widens reports whether every value of from fits to: a larger integer; an integer to
// numeric with room for its digits or to double precision; real to double precision; a
// numeric with at least as many integer and fraction digits; a longer or unbounded varchar;
// anything to text (every value has a text form) or to a varchar that holds any number.
func (Dialect) Widens(from, to *migrate.Column) bool {
	if from.Type == to.Type {
		return true
	}
	fb, fa := typeArgs(from.Type)
	tb, ta := typeArgs(to.Type)
	switch {
	case to.Type == "text" || to.Type == "varchar":
		return true
	case tb == "varchar" && len(ta) == 1:
		if fb == "varchar" && len(fa) == 1 {
			return ta[0] >= fa[0]
		}
		if fb == "char" && len(fa) == 1 {
			return ta[0] >= fa[0]
		}
		return isNumericType(from.Type) && ta[0] >= 40
	case intDigits[fb] > 0 && intDigits[tb] > 0:
		return intDigits[tb] >= intDigits[fb]
	case intDigits[fb] > 0 && tb == "numeric":
		return len(ta) == 0 || ta[0]-ta[1] >= intDigits[fb]
	case intDigits[fb] > 0 && to.Type == "double precision":
		return fb != "bigint"
	case from.Type == "real" && to.Type == "double precision":
		return true
	case fb == "numeric" && tb == "numeric":
		if len(ta) == 0 {
			return true
		}
		return len(fa) == 2 && ta[0]-ta[1] >= fa[0]-fa[1] && ta[1] >= fa[1]
	}
	return false
}

// Plan writes PostgreSQL DDL for changes, in an order that runs: table renames; foreign
// keys, checks and indexes that go away; dropped tables; new tables (columns, primary key,
// checks, indexes); column changes (rename, add, alter, drop) and primary keys; new indexes
// and checks; last every new foreign key, so that tables may refer to each other (and to
// themselves) in any order. A type change casts with USING "col"::type when the value does
// not convert by itself (e.g. text to integer); a column made NOT NULL with a default has
// its NULLs set to the default first. PostgreSQL runs all of it in one transaction.
func (d Dialect) Plan(changes []migrate.Change) (*migrate.Plan, error) {
	var renames, dropFKs, dropMisc, drops, creates, alters, addMisc, addFKs []migrate.Statement
	st := func(list *[]migrate.Statement, sql string) {
		*list = append(*list, migrate.Statement{SQL: sql})
	}
	q := d.QuoteIdent
	dropped := migrate.DroppedTables(changes)
	for _, c := range changes {
		switch c := c.(type) {
		case *migrate.RenameTable:
			st(&renames, "ALTER TABLE "+q(c.From.Name)+" RENAME TO "+q(c.To.Name))
		case *migrate.DropTable:
			// Its foreign keys to other dropped tables go first, so that the drops run in
			// any order.
			for _, fk := range c.T.ForeignKeys {
				if dropped[fk.RefTable] && fk.RefTable != c.T.Name {
					st(&dropFKs, "ALTER TABLE "+q(c.T.Name)+" DROP CONSTRAINT "+q(fkName(c.T.Name, fk)))
				}
			}
			st(&drops, "DROP TABLE "+q(c.T.Name))
		case *migrate.AddTable:
			st(&creates, d.createTable(c.T))
			for _, ix := range c.T.Indexes {
				st(&creates, sqlbase.CreateIndex(d, c.T.Name, ix.Name, ix.Unique, ix.Columns))
			}
			for _, fk := range c.T.ForeignKeys {
				st(&addFKs, d.addForeignKey(c.T.Name, fk))
			}
		case *migrate.ModifyTable:
			table := c.To.Name
			qt := q(table)
			for _, s := range c.Changes {
				switch x := s.(type) {
				case *migrate.DropForeignKey:
					st(&dropFKs, "ALTER TABLE "+qt+" DROP CONSTRAINT "+q(fkName(table, x.F)))
				case *migrate.DropCheck:
					if x.C.Name == "" {
						return nil, fmt.Errorf("postgres: cannot drop the unnamed check %q of %s", x.C.Expr, table)
					}
					st(&dropMisc, "ALTER TABLE "+qt+" DROP CONSTRAINT "+q(x.C.Name))
				case *migrate.DropIndex:
					if con := x.I.Attrs["constraint"]; con != "" {
						st(&dropMisc, "ALTER TABLE "+qt+" DROP CONSTRAINT "+q(con))
					} else {
						st(&dropMisc, "DROP INDEX "+q(x.I.Name))
					}
				case *migrate.AddIndex:
					st(&addMisc, sqlbase.CreateIndex(d, table, x.I.Name, x.I.Unique, x.I.Columns))
				case *migrate.AddCheck:
					st(&addMisc, "ALTER TABLE "+qt+" ADD "+checkDef(d, x.C))
				case *migrate.AddForeignKey:
					st(&addFKs, d.addForeignKey(table, x.F))
				}
			}
			for _, s := range c.Changes {
				switch x := s.(type) {
				case *migrate.RenameColumn:
					st(&alters, "ALTER TABLE "+qt+" RENAME COLUMN "+q(x.From.Name)+" TO "+q(x.To.Name))
				case *migrate.AddColumn:
					st(&alters, "ALTER TABLE "+qt+" ADD COLUMN "+d.columnDef(x.C))
				}
			}
			for _, s := range c.Changes {
				if x, ok := s.(*migrate.ModifyColumn); ok {
					alters = append(alters, d.alterColumn(table, x)...)
				}
			}
			for _, s := range c.Changes {
				switch x := s.(type) {
				case *migrate.DropColumn:
					st(&alters, "ALTER TABLE "+qt+" DROP COLUMN "+q(x.C.Name))
				case *migrate.ModifyPrimaryKey:
					if len(x.From) > 0 {
						name := c.From.Attrs["primaryKey"]
						if name == "" {
							name = table + "_pkey"
						}
						st(&alters, "ALTER TABLE "+qt+" DROP CONSTRAINT "+q(name))
					}
					if len(x.To) > 0 {
						st(&alters, "ALTER TABLE "+qt+" ADD PRIMARY KEY ("+sqlbase.QuoteList(d, x.To)+")")
					}
				}
			}
		default:
			return nil, fmt.Errorf("postgres: cannot plan %T", c)
		}
	}
	p := &migrate.Plan{}
	for _, l := range [][]migrate.Statement{renames, dropFKs, dropMisc, drops, creates, alters, addMisc, addFKs} {
		p.Statements = append(p.Statements, l...)
	}
	return p, nil
}

func fkName(table string, fk *migrate.ForeignKey) string {
	if fk.Name != "" {
		return fk.Name
	}
	return table + "_" + strings.Join(fk.Columns, "_") + "_foreign"
}

func checkDef(d Dialect, ck *migrate.Check) string {
	s := "CHECK (" + ck.Expr + ")"
	if ck.Name != "" {
		s = "CONSTRAINT " + d.QuoteIdent(ck.Name) + " " + s
	}
	return s
}

// alterColumn returns the ALTER COLUMN statements of one column change.
func (d Dialect) alterColumn(table string, x *migrate.ModifyColumn) []migrate.Statement {
	var out []migrate.Statement
	q := d.QuoteIdent
	col := q(x.To.Name)
	pre := "ALTER TABLE " + q(table) + " ALTER COLUMN " + col + " "
	add := func(s string) { out = append(out, migrate.Statement{SQL: s}) }
	if x.Kind.Is(migrate.ChangeAutoIncrement) && !x.To.AutoIncrement {
		add(pre + "DROP IDENTITY IF EXISTS")
	}
	defaultDropped := false
	if x.Kind.Is(migrate.ChangeType) || x.Kind.Is(migrate.ChangeCollation) {
		if x.Kind.Is(migrate.ChangeType) && x.From.Default != nil {
			// The old default may not cast to the new type: set again below.
			add(pre + "DROP DEFAULT")
			defaultDropped = true
		}
		s := pre + "TYPE " + x.To.Type
		if x.To.Collation != "" {
			s += " COLLATE " + q(x.To.Collation)
		}
		switch {
		case x.Kind.Is(migrate.ChangeType) && strings.HasPrefix(x.From.Type, "timestamp") && !strings.HasPrefix(x.From.Type, "timestamptz") &&
			strings.HasPrefix(x.To.Type, "timestamptz"):
			// dorm reads a timestamp without time zone as UTC: convert it as UTC, not in the
			// session's TimeZone, which would move every value by its offset.
			s += " USING " + col + " AT TIME ZONE 'UTC'"
		case x.Kind.Is(migrate.ChangeType) && typeFamily(x.To.Type) != "string" && typeFamily(x.From.Type) != typeFamily(x.To.Type):
			s += " USING " + col + "::" + x.To.Type
		}
		add(s)
	}
	if x.Kind.Is(migrate.ChangeDefault) || defaultDropped {
		switch {
		case x.To.Default != nil:
			add(pre + "SET DEFAULT " + *x.To.Default)
		case !defaultDropped:
			add(pre + "DROP DEFAULT")
		}
	}
	if x.Kind.Is(migrate.ChangeNull) {
		if x.To.Nullable {
			add(pre + "DROP NOT NULL")
		} else {
			if x.To.Default != nil {
				add("UPDATE " + q(table) + " SET " + col + " = " + *x.To.Default + " WHERE " + col + " IS NULL")
			}
			add(pre + "SET NOT NULL")
		}
	}
	if x.Kind.Is(migrate.ChangeAutoIncrement) && x.To.AutoIncrement {
		add(pre + "ADD GENERATED BY DEFAULT AS IDENTITY")
		add("SELECT setval(pg_get_serial_sequence(" + quoteString(q(table)) + ", " + quoteString(x.To.Name) + "), coalesce(max(" + col + "), 0) + 1, false) FROM " + q(table))
	}
	return out
}

// createTable writes CREATE TABLE with columns, primary key and checks; foreign keys are
// added after every table exists.
func (d Dialect) createTable(t *migrate.Table) string {
	var defs []string
	for _, c := range t.Columns {
		defs = append(defs, d.columnDef(c))
	}
	if len(t.PrimaryKey) > 0 {
		defs = append(defs, "PRIMARY KEY ("+sqlbase.QuoteList(d, t.PrimaryKey)+")")
	}
	for _, ck := range t.Checks {
		defs = append(defs, checkDef(d, ck))
	}
	return "CREATE TABLE " + d.QuoteIdent(t.Name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
}

func (d Dialect) columnDef(c *migrate.Column) string {
	s := d.QuoteIdent(c.Name) + " " + c.Type
	if c.Collation != "" {
		s += " COLLATE " + d.QuoteIdent(c.Collation)
	}
	if !c.Nullable || c.AutoIncrement {
		s += " NOT NULL"
	}
	if c.AutoIncrement {
		if c.Attrs["identity"] == "ALWAYS" {
			return s + " GENERATED ALWAYS AS IDENTITY"
		}
		return s + " GENERATED BY DEFAULT AS IDENTITY"
	}
	if c.Default != nil {
		s += " DEFAULT " + *c.Default
	}
	return s
}

func (d Dialect) addForeignKey(table string, fk *migrate.ForeignKey) string {
	q := d.QuoteIdent
	s := "ALTER TABLE " + q(table) + " ADD CONSTRAINT " + q(fkName(table, fk)) + " FOREIGN KEY (" + sqlbase.QuoteList(d, fk.Columns) +
		") REFERENCES " + q(fk.RefTable) + " (" + sqlbase.QuoteList(d, fk.RefColumns) + ")"
	if fk.OnDelete != "" {
		s += " ON DELETE " + fk.OnDelete
	}
	if fk.OnUpdate != "" {
		s += " ON UPDATE " + fk.OnUpdate
	}
	return s
}

// historyDDL creates dorm's history table.
const historyDDL = `CREATE TABLE IF NOT EXISTS "dorm_migrations" (
  "version" varchar(14) NOT NULL PRIMARY KEY,
  "name" text NOT NULL,
  "checksum" text NOT NULL,
  "applied_at" timestamptz NOT NULL,
  "execution_ms" bigint NOT NULL,
  "state" text NOT NULL
)`

// MigrationLockKey is the key of the transaction-level advisory lock
// (pg_advisory_xact_lock) that every migration transaction holds: "dorm_mig" in ASCII.
// Advisory locks are per database, so migrations of other databases never wait for it.
const MigrationLockKey int64 = 0x646f726d5f6d6967

// Session opens a migration session on one connection of the pool, with the history table
// created. Every transaction of the session takes pg_advisory_xact_lock(MigrationLockKey)
// first: a second `migrate up` waits until the first one's transaction ends (bounded by
// the context and the server's lock_timeout), then re-reads the history and finds the
// migration applied. DDL is transactional: a failing statement rolls the whole migration
// back.
func (d *Driver) Session(ctx context.Context) (migrate.Session, error) {
	conn, err := d.pool.Acquire(ctx)
	if err != nil {
		return nil, classify(err)
	}
	s := &session{conn: conn}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", MigrationLockKey); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, historyDDL)
		return err
	})
	if err != nil {
		conn.Release()
		return nil, fmt.Errorf("postgres: migration lock or history table: %w", classify(err))
	}
	return s, nil
}

type session struct{ conn *pgxpool.Conn }

func (s *session) TransactionalDDL() bool { return true }

func (s *session) Begin(ctx context.Context) (migrate.Tx, error) {
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return nil, classify(err)
	}
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", MigrationLockKey); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("postgres: waiting for the migration lock (another migration is running): %w", classify(err))
	}
	return &migrateTx{tx: tx}, nil
}

func (s *session) Close() error {
	s.conn.Release()
	return nil
}

type migrateTx struct{ tx pgx.Tx }

func (t *migrateTx) Exec(ctx context.Context, stmt string) error {
	_, err := t.tx.Exec(ctx, stmt)
	return classify(err)
}

func (t *migrateTx) Revisions(ctx context.Context) ([]migrate.Revision, error) {
	rows, err := t.tx.Query(ctx, `SELECT version, name, checksum, applied_at, execution_ms, state FROM "dorm_migrations" ORDER BY version`)
	if err != nil {
		return nil, classify(err)
	}
	defer rows.Close()
	var out []migrate.Revision
	for rows.Next() {
		var r migrate.Revision
		if err := rows.Scan(&r.Version, &r.Name, &r.Checksum, &r.AppliedAt, &r.ExecutionMS, &r.State); err != nil {
			return nil, err
		}
		r.AppliedAt = r.AppliedAt.UTC()
		out = append(out, r)
	}
	return out, classify(rows.Err())
}

func (t *migrateTx) SaveRevision(ctx context.Context, r migrate.Revision) error {
	_, err := t.tx.Exec(ctx, `INSERT INTO "dorm_migrations" (version, name, checksum, applied_at, execution_ms, state)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, checksum = EXCLUDED.checksum, applied_at = EXCLUDED.applied_at,
  execution_ms = EXCLUDED.execution_ms, state = EXCLUDED.state`,
		r.Version, r.Name, r.Checksum, r.AppliedAt.UTC(), r.ExecutionMS, r.State)
	return classify(err)
}

func (t *migrateTx) DeleteRevision(ctx context.Context, version string) error {
	_, err := t.tx.Exec(ctx, `DELETE FROM "dorm_migrations" WHERE version = $1`, version)
	return classify(err)
}

func (t *migrateTx) Commit(ctx context.Context) error { return classify(t.tx.Commit(ctx)) }

func (t *migrateTx) Rollback(ctx context.Context) error {
	return classify(t.tx.Rollback(context.WithoutCancel(ctx)))
}

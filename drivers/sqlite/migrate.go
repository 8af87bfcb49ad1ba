package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/schema"
)

var (
	_ migrate.Dialect    = Dialect{}
	_ migrate.Widener    = Dialect{}
	_ migrate.TypeReader = Dialect{}
	_ migrate.Target     = (*Driver)(nil)
)

func init() { migrate.RegisterDialect("sqlite", Dialect{}) }

// MigrateDialect returns the dialect of package migrate.
func (d *Driver) MigrateDialect() migrate.Dialect { return Dialect{} }

// CountRows returns the number of rows of table.
func (d *Driver) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := d.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+Dialect{}.QuoteIdent(table)).Scan(&n)
	return n, err
}

// Normalize spells t as inspection and the entity files' type mapping both do: types by
// their SQLite affinity family (INT, BIGINT, INT4 -> INTEGER; VARCHAR(255), CLOB -> TEXT;
// DOUBLE, FLOAT -> REAL; TIMESTAMP -> DATETIME), COLLATE moved out of the type, defaults
// with TRUE/FALSE as 1/0 and keywords in upper case, primary key columns NOT NULL, NO
// ACTION as no action, and CHECK expressions with simple identifiers unquoted and
// whitespace canonical. Length and precision are not kept: SQLite does not enforce them.
func (Dialect) Normalize(t *migrate.Table) {
	pk := map[string]bool{}
	for _, c := range t.PrimaryKey {
		pk[c] = true
	}
	for _, c := range t.Columns {
		typ := strings.TrimSpace(c.Type)
		if i := strings.Index(strings.ToUpper(typ), " COLLATE "); i >= 0 {
			if c.Collation == "" {
				c.Collation = unquote(strings.TrimSpace(typ[i+len(" COLLATE "):]))
			}
			typ = typ[:i]
		}
		c.Type = normalizeType(typ)
		if pk[c.Name] {
			c.Nullable = false
		}
		if c.Default != nil {
			v := normalizeDefault(*c.Default)
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
	for _, ck := range t.Checks {
		ck.Expr = normalizeExpr(ck.Expr)
	}
}

func normalizeAction(a string) string {
	a = strings.ToUpper(strings.TrimSpace(a))
	if a == "NO ACTION" {
		return ""
	}
	return a
}

var sizeRE = regexp.MustCompile(`\s*\(.*\)$`)

// normalizeType maps a declared type to its canonical name (SQLite's affinity rules, with
// DATE and DATETIME kept apart because dorm stores them differently).
func normalizeType(t string) string {
	u := strings.ToUpper(strings.Join(strings.Fields(t), " "))
	base := sizeRE.ReplaceAllString(u, "")
	switch base {
	case "DATE":
		return "DATE"
	case "DATETIME", "TIMESTAMP":
		return "DATETIME"
	case "BOOLEAN", "BOOL":
		return "INTEGER"
	case "JSON", "JSONB":
		return "JSON" // NUMERIC affinity, but its values are JSON text
	case "":
		return "BLOB"
	}
	switch {
	case strings.Contains(base, "INT"):
		return "INTEGER"
	case strings.Contains(base, "CHAR"), strings.Contains(base, "CLOB"), strings.Contains(base, "TEXT"):
		return "TEXT"
	case strings.Contains(base, "BLOB"):
		return "BLOB"
	case strings.Contains(base, "REAL"), strings.Contains(base, "FLOA"), strings.Contains(base, "DOUB"):
		return "REAL"
	}
	return "NUMERIC"
}

func normalizeDefault(v string) string {
	v = strings.TrimSpace(v)
	for len(v) > 1 && v[0] == '(' && v[len(v)-1] == ')' && !strings.HasPrefix(v, "('") {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	switch strings.ToUpper(v) {
	case "TRUE":
		return "1"
	case "FALSE":
		return "0"
	case "NULL", "CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME":
		return strings.ToUpper(v)
	}
	return strings.TrimPrefix(v, "+")
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// keywords are SQLite keywords that an identifier must stay quoted as, and that are
// written in upper case when bare.
var keywords = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`ABORT ACTION ADD AFTER ALL ALTER ALWAYS ANALYZE AND AS ASC ATTACH
		AUTOINCREMENT BEFORE BEGIN BETWEEN BY CASCADE CASE CAST CHECK COLLATE COLUMN COMMIT CONFLICT
		CONSTRAINT CREATE CROSS CURRENT CURRENT_DATE CURRENT_TIME CURRENT_TIMESTAMP DATABASE DEFAULT
		DEFERRABLE DEFERRED DELETE DESC DETACH DISTINCT DO DROP EACH ELSE END ESCAPE EXCEPT EXCLUDE
		EXCLUSIVE EXISTS EXPLAIN FAIL FILTER FIRST FOLLOWING FOR FOREIGN FROM FULL GENERATED GLOB GROUP
		GROUPS HAVING IF IGNORE IMMEDIATE IN INDEX INDEXED INITIALLY INNER INSERT INSTEAD INTERSECT INTO
		IS ISNULL JOIN KEY LAST LEFT LIKE LIMIT MATCH MATERIALIZED NATURAL NO NOT NOTHING NOTNULL NULL
		NULLS OF OFFSET ON OR ORDER OTHERS OUTER OVER PARTITION PLAN PRAGMA PRECEDING PRIMARY QUERY
		RAISE RANGE RECURSIVE REFERENCES REGEXP REINDEX RELEASE RENAME REPLACE RESTRICT RETURNING RIGHT
		ROLLBACK ROW ROWS SAVEPOINT SELECT SET TABLE TEMP TEMPORARY THEN TIES TO TRANSACTION TRIGGER
		UNBOUNDED UNION UNIQUE UPDATE USING VACUUM VALUES VIEW VIRTUAL WHEN WHERE WINDOW WITH WITHOUT`) {
		keywords[k] = true
	}
}

// normalizeExpr rewrites a CHECK expression canonically: quoted simple identifiers that are
// not keywords unquoted, bare keywords upper case, one space between words, none inside
// parentheses, ", " between list items. String literals are kept as they are.
func normalizeExpr(e string) string {
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
	for i := 0; i < len(e); {
		c := e[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			space = true
			i++
		case c == '\'':
			j := skipQuoted(e, i)
			emit(e[i : j+1])
			i = j + 1
		case c == '"' || c == '`' || c == '[':
			j := skipQuoted(e, i)
			id := unquote(e[i : j+1])
			if identRE.MatchString(id) && !keywords[strings.ToUpper(id)] {
				emit(id)
			} else {
				emit(Dialect{}.QuoteIdent(id))
			}
			i = j + 1
		case c == '(' || c == ')' || c == ',':
			emit(string(c))
			i++
		default:
			j := i
			for j < len(e) && !strings.ContainsRune(" \t\n\r()',\"`[", rune(e[j])) {
				j++
			}
			w := e[i:j]
			if keywords[strings.ToUpper(w)] {
				w = strings.ToUpper(w)
			}
			emit(w)
			i = j
		}
		if c == '(' {
			space = false
		}
	}
	return b.String()
}

// ScalarType maps a column type back to an entity type, for dorm generate entities.
// SQLite keeps only the affinity, so the choice is the most common type of each: INTEGER →
// bigint (SQLite integers are 64-bit), a column declared JSON → json, REAL → double, TEXT → string (decimal with the dorm_decimal collation), DATE, DATETIME,
// BLOB. NUMERIC has no entity type (dorm never writes it).
func (Dialect) ScalarType(c *migrate.Column) (migrate.ScalarType, bool) {
	switch c.Type {
	case "INTEGER":
		return migrate.ScalarType{Type: schema.BigInt}, true // 64-bit, whatever was declared
	case "JSON":
		return migrate.ScalarType{Type: schema.JSON}, true
	case "REAL":
		return migrate.ScalarType{Type: schema.Double}, true
	case "TEXT":
		if c.Collation == DecimalCollation {
			return migrate.ScalarType{Type: schema.Decimal}, true
		}
		return migrate.ScalarType{Type: schema.String}, true
	case "DATE":
		return migrate.ScalarType{Type: schema.Date}, true
	case "DATETIME":
		return migrate.ScalarType{Type: schema.DateTime}, true
	case "BLOB":
		return migrate.ScalarType{Type: schema.Blob}, true
	}
	return migrate.ScalarType{}, false
}

// Widens reports whether every value of from fits to: a change to TEXT or BLOB, or from
// INTEGER to REAL.
func (Dialect) Widens(from, to *migrate.Column) bool {
	switch {
	case from.Type == to.Type:
		return true
	case to.Type == "TEXT", to.Type == "BLOB":
		return true
	case from.Type == "INTEGER" && to.Type == "REAL":
		return true
	}
	return false
}

// Plan writes SQLite DDL for changes. Tables are created and dropped as they are; a
// changed table uses ALTER TABLE where SQLite can (add a nullable or constant-default
// column, drop a column that no key, index or check uses, rename a column, create and drop
// indexes), and otherwise is rebuilt: created anew under a temporary name, its kept rows
// copied, the old table dropped and the new one renamed, its indexes recreated. The plan
// runs with foreign keys off on one connection (so that dropping the old table does not
// touch its children) and checks them all before committing.
func (d Dialect) Plan(changes []migrate.Change) (*migrate.Plan, error) {
	p := &migrate.Plan{DisableForeignKeys: true}
	add := func(sql, comment string) {
		p.Statements = append(p.Statements, migrate.Statement{SQL: sql, Comment: comment})
	}
	q := d.QuoteIdent
	for _, c := range changes {
		switch c := c.(type) {
		case *migrate.AddTable:
			add(d.createTable(c.T, c.T.Name), "")
			for _, ix := range c.T.Indexes {
				add(sqlbase.CreateIndex(d, c.T.Name, ix.Name, ix.Unique, ix.Columns), "")
			}
		case *migrate.DropTable:
			add("DROP TABLE "+q(c.T.Name), "")
		case *migrate.RenameTable:
			add("ALTER TABLE "+q(c.From.Name)+" RENAME TO "+q(c.To.Name), "")
		case *migrate.ModifyTable:
			if reason := rebuildReason(c); reason != "" {
				p.Statements = append(p.Statements, d.rebuild(c, reason)...)
				continue
			}
			table := q(c.To.Name)
			for _, s := range c.Changes {
				if x, ok := s.(*migrate.DropIndex); ok {
					add("DROP INDEX "+q(x.I.Name), "")
				}
			}
			for _, s := range c.Changes {
				switch x := s.(type) {
				case *migrate.RenameColumn:
					add("ALTER TABLE "+table+" RENAME COLUMN "+q(x.From.Name)+" TO "+q(x.To.Name), "")
				case *migrate.DropColumn:
					add("ALTER TABLE "+table+" DROP COLUMN "+q(x.C.Name), "")
				case *migrate.AddColumn:
					add("ALTER TABLE "+table+" ADD COLUMN "+d.columnDef(x.C, false), "")
				}
			}
			for _, s := range c.Changes {
				if x, ok := s.(*migrate.AddIndex); ok {
					add(sqlbase.CreateIndex(d, c.To.Name, x.I.Name, x.I.Unique, x.I.Columns), "")
				}
			}
		default:
			return nil, fmt.Errorf("sqlite: cannot plan %T", c)
		}
	}
	return p, nil
}

// rebuildReason returns why c needs a table rebuild, or "" when ALTER TABLE can do it.
func rebuildReason(c *migrate.ModifyTable) string {
	dropped := map[string]bool{}
	for _, s := range c.Changes {
		if x, ok := s.(*migrate.DropIndex); ok {
			dropped[x.I.Name] = true
		}
	}
	for _, s := range c.Changes {
		switch x := s.(type) {
		case *migrate.RenameColumn:
			if x.From.Type != x.To.Type || x.From.Nullable != x.To.Nullable {
				return "column " + x.To.Name + " is renamed and changed"
			}
		case *migrate.AddIndex, *migrate.DropIndex:
		case *migrate.AddColumn:
			switch {
			case x.C.AutoIncrement:
				return "column " + x.C.Name + " is an autoincrement key"
			case !x.C.Nullable && x.C.Default == nil:
				return "column " + x.C.Name + " is NOT NULL without default"
			case x.C.Default != nil && !constantDefault(*x.C.Default):
				return "column " + x.C.Name + " has a non-constant default"
			}
		case *migrate.DropColumn:
			name := x.C.Name
			for _, k := range c.From.PrimaryKey {
				if k == name {
					return "column " + name + " is part of the primary key"
				}
			}
			for _, fk := range c.From.ForeignKeys {
				for _, col := range fk.Columns {
					if col == name {
						return "column " + name + " has a foreign key"
					}
				}
			}
			for _, ix := range c.From.Indexes {
				for _, col := range ix.Columns {
					if col == name && !dropped[ix.Name] {
						return "column " + name + " is indexed"
					}
				}
			}
			for _, ck := range c.From.Checks {
				if strings.Contains(ck.Expr, name) {
					return "column " + name + " is used by a check"
				}
			}
		case *migrate.ModifyColumn:
			return "column " + x.To.Name + " changes (" + x.Kind.String() + ")"
		case *migrate.AddForeignKey, *migrate.DropForeignKey:
			return "its foreign keys change"
		case *migrate.AddCheck, *migrate.DropCheck:
			return "its checks change"
		case *migrate.ModifyPrimaryKey:
			return "its primary key changes"
		default:
			return fmt.Sprintf("%T", s)
		}
	}
	return ""
}

var constantRE = regexp.MustCompile(`^(?i:'(?:[^']|'')*'|[-+]?[0-9.]+(?:e[-+]?[0-9]+)?|NULL|TRUE|FALSE|X'[0-9a-f]*')$`)

func constantDefault(v string) bool { return constantRE.MatchString(strings.TrimSpace(v)) }

// rebuild returns the statements of the 12-step table rebuild of c (steps 4-7 and 9; the
// executor turns foreign keys off and checks them).
func (d Dialect) rebuild(c *migrate.ModifyTable, reason string) []migrate.Statement {
	q := d.QuoteIdent
	name := c.To.Name // renamed before, when it is also renamed
	tmp := name + "__dorm_new"
	source := map[string]string{} // new column -> old column
	for _, s := range c.Changes {
		if r, ok := s.(*migrate.RenameColumn); ok {
			source[r.To.Name] = r.From.Name
		}
	}
	var cols, sel []string
	for _, col := range c.To.Columns {
		src, ok := source[col.Name]
		if !ok {
			src = col.Name
		}
		old, ok := c.From.Column(src)
		if !ok {
			continue // new column: it gets its default
		}
		expr := q(old.Name)
		if old.Nullable && !col.Nullable && col.Default != nil {
			expr = "COALESCE(" + expr + ", " + *col.Default + ")"
		}
		cols = append(cols, q(col.Name))
		sel = append(sel, expr)
	}
	out := []migrate.Statement{{SQL: d.createTable(c.To, tmp), Comment: "rebuild " + name + ": " + reason}}
	if len(cols) > 0 {
		out = append(out, migrate.Statement{SQL: "INSERT INTO " + q(tmp) + " (" + strings.Join(cols, ", ") + ") SELECT " +
			strings.Join(sel, ", ") + " FROM " + q(name)})
	}
	out = append(out,
		migrate.Statement{SQL: "DROP TABLE " + q(name)},
		migrate.Statement{SQL: "ALTER TABLE " + q(tmp) + " RENAME TO " + q(name)})
	for _, ix := range c.To.Indexes {
		out = append(out, migrate.Statement{SQL: sqlbase.CreateIndex(d, name, ix.Name, ix.Unique, ix.Columns)})
	}
	return out
}

// createTable writes t as CREATE TABLE name: columns, primary key, checks, foreign keys —
// the layout of sqlbase.CreateSchema.
func (d Dialect) createTable(t *migrate.Table, name string) string {
	q := d.QuoteIdent
	var defs []string
	autoPK := false
	for _, c := range t.Columns {
		if c.AutoIncrement && len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == c.Name {
			autoPK = true
			defs = append(defs, q(c.Name)+" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL")
			continue
		}
		defs = append(defs, d.columnDef(c, true))
	}
	if !autoPK && len(t.PrimaryKey) > 0 {
		defs = append(defs, "PRIMARY KEY ("+sqlbase.QuoteList(d, t.PrimaryKey)+")")
	}
	for _, ck := range t.Checks {
		s := "CHECK (" + ck.Expr + ")"
		if ck.Name != "" {
			s = "CONSTRAINT " + q(ck.Name) + " " + s
		}
		defs = append(defs, s)
	}
	for _, fk := range t.ForeignKeys {
		fkName := fk.Name
		if fkName == "" {
			fkName = t.Name + "_" + strings.Join(fk.Columns, "_") + "_foreign"
		}
		s := "CONSTRAINT " + q(fkName) + " FOREIGN KEY (" + sqlbase.QuoteList(d, fk.Columns) + ") REFERENCES " + q(fk.RefTable) +
			" (" + sqlbase.QuoteList(d, fk.RefColumns) + ")"
		if fk.OnDelete != "" {
			s += " ON DELETE " + fk.OnDelete
		}
		if fk.OnUpdate != "" {
			s += " ON UPDATE " + fk.OnUpdate
		}
		defs = append(defs, s)
	}
	return "CREATE TABLE " + q(name) + " (\n  " + strings.Join(defs, ",\n  ") + "\n)"
}

func (d Dialect) columnDef(c *migrate.Column, _ bool) string {
	s := d.QuoteIdent(c.Name) + " " + c.Type
	if c.Collation != "" {
		s += " COLLATE " + c.Collation
	}
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.Default != nil {
		s += " DEFAULT " + *c.Default
	}
	return s
}

// historyDDL creates dorm's history table.
const historyDDL = `CREATE TABLE IF NOT EXISTS "dorm_migrations" (
  "version" TEXT NOT NULL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "checksum" TEXT NOT NULL,
  "applied_at" TEXT NOT NULL,
  "execution_ms" INTEGER NOT NULL,
  "state" TEXT NOT NULL
)`

// Session opens a migration session on one connection of the pool, with foreign keys off
// for the whole session (so that table rebuilds never cascade into children) and the
// history table created. Every transaction of the session is BEGIN EXCLUSIVE, and its
// Commit runs PRAGMA foreign_key_check first: a violation rolls the transaction back.
func (d *Driver) Session(ctx context.Context) (migrate.Session, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{conn: conn}
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		conn.Close()
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, historyDDL); err != nil {
		s.Close()
		return nil, lockError(err)
	}
	return s, nil
}

type session struct{ conn *sql.Conn }

func (s *session) TransactionalDDL() bool { return true }

func (s *session) Begin(ctx context.Context) (migrate.Tx, error) {
	if _, err := s.conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		return nil, lockError(err)
	}
	return &migrateTx{conn: s.conn}, nil
}

// lockError explains SQLITE_BUSY: another process holds the database.
func lockError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return fmt.Errorf("sqlite: the database is locked by another migration or writer (waited %s): %w", BusyTimeout, err)
	}
	return err
}

func (s *session) Close() error {
	_, err := s.conn.ExecContext(context.Background(), "PRAGMA foreign_keys = ON")
	if err != nil {
		// A connection left without foreign keys must not go back to the pool.
		_ = s.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return errors.Join(err, s.conn.Close())
}

type migrateTx struct{ conn *sql.Conn }

func (t *migrateTx) Exec(ctx context.Context, stmt string) error {
	_, err := t.conn.ExecContext(ctx, stmt)
	return err
}

func (t *migrateTx) Revisions(ctx context.Context) ([]migrate.Revision, error) {
	var out []migrate.Revision
	err := queryRows(ctx, t.conn, `SELECT version, name, checksum, applied_at, execution_ms, state FROM "dorm_migrations" ORDER BY version`, nil,
		func(r *sql.Rows) error {
			var rev migrate.Revision
			var at string
			if err := r.Scan(&rev.Version, &rev.Name, &rev.Checksum, &at, &rev.ExecutionMS, &rev.State); err != nil {
				return err
			}
			rev.AppliedAt, _ = time.Parse(DateTimeLayout, at)
			out = append(out, rev)
			return nil
		})
	return out, err
}

func (t *migrateTx) SaveRevision(ctx context.Context, r migrate.Revision) error {
	_, err := t.conn.ExecContext(ctx, `INSERT OR REPLACE INTO "dorm_migrations" (version, name, checksum, applied_at, execution_ms, state) VALUES (?, ?, ?, ?, ?, ?)`,
		r.Version, r.Name, r.Checksum, r.AppliedAt.UTC().Format(DateTimeLayout), r.ExecutionMS, r.State)
	return err
}

func (t *migrateTx) DeleteRevision(ctx context.Context, version string) error {
	_, err := t.conn.ExecContext(ctx, `DELETE FROM "dorm_migrations" WHERE version = ?`, version)
	return err
}

// ForeignKeyError lists the rows that violate foreign keys after a migration.
type ForeignKeyError struct{ Violations []string }

func (e *ForeignKeyError) Error() string {
	return "sqlite: foreign key check failed: " + strings.Join(e.Violations, "; ")
}

func (t *migrateTx) Commit(ctx context.Context) error {
	var bad []string
	err := queryRows(ctx, t.conn, "PRAGMA foreign_key_check", nil, func(r *sql.Rows) error {
		var table, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := r.Scan(&table, &rowid, &parent, &fkid); err != nil {
			return err
		}
		if len(bad) < 10 {
			bad = append(bad, fmt.Sprintf("%s row %d references a missing row of %s", table, rowid.Int64, parent))
		}
		return nil
	})
	if err == nil && len(bad) > 0 {
		err = &ForeignKeyError{Violations: bad}
	}
	if err != nil {
		_ = t.Rollback(ctx)
		return err
	}
	_, err = t.conn.ExecContext(ctx, "COMMIT")
	return err
}

func (t *migrateTx) Rollback(ctx context.Context) error {
	_, err := t.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
	return err
}

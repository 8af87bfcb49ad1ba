package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dorm-go/dorm/migrate"
)

var _ migrate.Inspector = (*Driver)(nil)

// queryer is what inspection reads through: the pool or a pinned connection.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Inspect reads the schema of the database: every table except SQLite's own (sqlite_*)
// and dorm's history table, with columns (PRAGMA table_info), indexes (index_list,
// index_info), foreign keys (foreign_key_list), and what only the CREATE TABLE statement
// says (AUTOINCREMENT, COLLATE, CHECK constraints and constraint names). Spellings are
// normalised as [Dialect.Normalize] does.
func (d *Driver) Inspect(ctx context.Context) (*migrate.Schema, error) {
	return inspect(ctx, d.db)
}

func inspect(ctx context.Context, q queryer) (*migrate.Schema, error) {
	type tbl struct{ name, sql string }
	var tables []tbl
	err := queryRows(ctx, q, `SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> ? ORDER BY name`,
		[]any{migrate.HistoryTable}, func(r *sql.Rows) error {
			var t tbl
			var s sql.NullString
			if err := r.Scan(&t.name, &s); err != nil {
				return err
			}
			t.sql = s.String
			tables = append(tables, t)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("sqlite: inspect: %w", err)
	}
	s := &migrate.Schema{}
	for _, t := range tables {
		mt, err := inspectTable(ctx, q, t.name, t.sql)
		if err != nil {
			return nil, fmt.Errorf("sqlite: inspect table %s: %w", t.name, err)
		}
		s.Tables = append(s.Tables, mt)
	}
	// Foreign keys that name no column refer to the target's primary key.
	for _, t := range s.Tables {
		for _, fk := range t.ForeignKeys {
			if len(fk.RefColumns) == 0 || fk.RefColumns[0] == "" {
				if rt, ok := s.Table(fk.RefTable); ok {
					fk.RefColumns = append([]string(nil), rt.PrimaryKey...)
				}
			}
		}
	}
	s.Sort()
	return s, nil
}

func queryRows(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

func inspectTable(ctx context.Context, q queryer, name, createSQL string) (*migrate.Table, error) {
	qt := Dialect{}.QuoteIdent(name)
	t := &migrate.Table{Name: name}
	type pk struct {
		pos  int
		name string
	}
	var pks []pk
	err := queryRows(ctx, q, "PRAGMA table_info("+qt+")", nil, func(r *sql.Rows) error {
		var (
			cid, notnull, pkPos int
			cname, ctype        string
			dflt                sql.NullString
		)
		if err := r.Scan(&cid, &cname, &ctype, &notnull, &dflt, &pkPos); err != nil {
			return err
		}
		c := &migrate.Column{Name: cname, Type: ctype, Nullable: notnull == 0}
		if dflt.Valid {
			v := dflt.String
			c.Default = &v
		}
		if pkPos > 0 {
			pks = append(pks, pk{pkPos, cname})
		}
		t.Columns = append(t.Columns, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := 1; i <= len(pks); i++ {
		for _, p := range pks {
			if p.pos == i {
				t.PrimaryKey = append(t.PrimaryKey, p.name)
			}
		}
	}
	def := parseCreateTable(createSQL)
	// A column declared INTEGER PRIMARY KEY is an alias of the rowid, which SQLite fills in
	// by itself: an autoincrement key, with or without the AUTOINCREMENT keyword (which only
	// keeps the keys of deleted rows from being used again). dorm writes a key it does not
	// generate as a table constraint, PRIMARY KEY ("id"), so that stays what it is.
	rowidAlias := ""
	if len(t.PrimaryKey) == 1 && !strings.Contains(strings.ToUpper(createSQL), "WITHOUT ROWID") {
		rowidAlias = t.PrimaryKey[0]
	}
	for _, c := range t.Columns {
		if cd, ok := def.columns[strings.ToLower(c.Name)]; ok {
			c.Collation = cd.collation
			c.AutoIncrement = cd.autoincrement ||
				cd.inlinePrimary && c.Name == rowidAlias && strings.EqualFold(strings.TrimSpace(c.Type), "INTEGER")
		}
	}
	t.Checks = def.checks

	// Indexes.
	type ix struct {
		name   string
		unique bool
		origin string
	}
	var ixs []ix
	err = queryRows(ctx, q, "PRAGMA index_list("+qt+")", nil, func(r *sql.Rows) error {
		var (
			seq, unique, partial int
			iname, origin        string
		)
		if err := r.Scan(&seq, &iname, &unique, &origin, &partial); err != nil {
			return err
		}
		if origin != "pk" {
			ixs = append(ixs, ix{iname, unique != 0, origin})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, x := range ixs {
		mi := &migrate.Index{Name: x.name, Unique: x.unique}
		err := queryRows(ctx, q, "PRAGMA index_info("+Dialect{}.QuoteIdent(x.name)+")", nil, func(r *sql.Rows) error {
			var (
				seqno, cid int
				cname      sql.NullString
			)
			if err := r.Scan(&seqno, &cid, &cname); err != nil {
				return err
			}
			mi.Columns = append(mi.Columns, cname.String)
			return nil
		})
		if err != nil {
			return nil, err
		}
		if x.origin == "u" {
			// A UNIQUE column or table constraint: SQLite names it sqlite_autoindex_*; it
			// is named here as dorm names a unique index, which is what it stands for.
			mi.Name = name + "_" + strings.Join(mi.Columns, "_") + "_unique"
		}
		t.Indexes = append(t.Indexes, mi)
	}

	// Foreign keys, grouped by id.
	byID := map[int]*migrate.ForeignKey{}
	var order []int
	err = queryRows(ctx, q, "PRAGMA foreign_key_list("+qt+")", nil, func(r *sql.Rows) error {
		var (
			id, seq                   int
			ref, from, upd, del, mtch string
			to                        sql.NullString
		)
		if err := r.Scan(&id, &seq, &ref, &from, &to, &upd, &del, &mtch); err != nil {
			return err
		}
		fk := byID[id]
		if fk == nil {
			fk = &migrate.ForeignKey{RefTable: ref, OnDelete: del, OnUpdate: upd}
			byID[id] = fk
			order = append(order, id)
		}
		fk.Columns = append(fk.Columns, from)
		fk.RefColumns = append(fk.RefColumns, to.String)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, id := range order {
		fk := byID[id]
		fk.Name = def.fkNames[strings.ToLower(strings.Join(fk.Columns, ","))]
		t.ForeignKeys = append(t.ForeignKeys, fk)
	}
	Dialect{}.Normalize(t)
	return t, nil
}

// tableDef is what parseCreateTable finds in a CREATE TABLE statement.
type tableDef struct {
	columns map[string]columnDef // by lower-case name
	checks  []*migrate.Check
	fkNames map[string]string // lower-case column list -> constraint name
}

type columnDef struct {
	collation     string
	autoincrement bool
	inlinePrimary bool // PRIMARY KEY in the column's own definition
}

// parseCreateTable reads the parts of a CREATE TABLE statement that no PRAGMA reports. It
// is lenient: what it does not understand it skips.
func parseCreateTable(stmt string) tableDef {
	def := tableDef{columns: map[string]columnDef{}, fkNames: map[string]string{}}
	open := strings.IndexByte(stmt, '(')
	if open < 0 {
		return def
	}
	body := stmt[open+1:]
	if end := strings.LastIndexByte(body, ')'); end >= 0 {
		body = body[:end]
	}
	for _, part := range splitTop(body, ',') {
		toks := tokenize(part)
		if len(toks) == 0 {
			continue
		}
		constraintName := ""
		i := 0
		if strings.EqualFold(toks[0], "CONSTRAINT") && len(toks) > 2 {
			constraintName = unquote(toks[1])
			i = 2
		}
		switch strings.ToUpper(toks[i]) {
		case "CHECK":
			if i+1 < len(toks) {
				def.checks = append(def.checks, &migrate.Check{Name: constraintName, Expr: strings.TrimSpace(stripParens(toks[i+1]))})
			}
			continue
		case "FOREIGN":
			if i+2 < len(toks) {
				var cols []string
				for _, c := range splitTop(stripParens(toks[i+2]), ',') {
					cols = append(cols, strings.ToLower(unquote(strings.TrimSpace(c))))
				}
				if constraintName != "" {
					def.fkNames[strings.Join(cols, ",")] = constraintName
				}
			}
			continue
		case "PRIMARY", "UNIQUE":
			continue
		}
		if i != 0 {
			continue
		}
		cd := columnDef{}
		col := unquote(toks[0])
		for j := 1; j < len(toks); j++ {
			switch strings.ToUpper(toks[j]) {
			case "COLLATE":
				if j+1 < len(toks) {
					cd.collation = unquote(toks[j+1])
				}
			case "AUTOINCREMENT":
				cd.autoincrement = true
			case "PRIMARY":
				cd.inlinePrimary = true
			case "CHECK":
				if j+1 < len(toks) {
					def.checks = append(def.checks, &migrate.Check{Expr: strings.TrimSpace(stripParens(toks[j+1]))})
				}
			}
		}
		def.columns[strings.ToLower(col)] = cd
	}
	return def
}

// splitTop splits s at sep outside parentheses and quotes.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\'', '"', '`', '[':
			i = skipQuoted(s, i)
		case '(':
			depth++
		case ')':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// skipQuoted returns the index of the quote that closes the one at s[i].
func skipQuoted(s string, i int) int {
	closer := s[i]
	if closer == '[' {
		closer = ']'
	}
	for j := i + 1; j < len(s); j++ {
		if s[j] == closer {
			if closer != ']' && j+1 < len(s) && s[j+1] == closer {
				j++
				continue
			}
			return j
		}
	}
	return len(s) - 1
}

// tokenize splits a column or constraint definition into words, quoted names, string
// literals and parenthesised groups (kept whole, with their parentheses).
func tokenize(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '\'' || c == '"' || c == '`' || c == '[':
			j := skipQuoted(s, i)
			out = append(out, s[i:j+1])
			i = j + 1
		case c == '(':
			depth, j := 0, i
			for ; j < len(s); j++ {
				switch s[j] {
				case '\'', '"', '`', '[':
					j = skipQuoted(s, j)
				case '(':
					depth++
				case ')':
					depth--
				}
				if depth == 0 {
					break
				}
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			out = append(out, s[i:j+1])
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\n\r('\"`[", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out
}

func stripParens(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		return s[1 : len(s)-1]
	}
	return s
}

// unquote removes SQLite identifier quotes ("x", `x`, [x]).
func unquote(s string) string {
	if len(s) >= 2 {
		switch {
		case s[0] == '"' && s[len(s)-1] == '"':
			return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
		case s[0] == '`' && s[len(s)-1] == '`':
			return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
		case s[0] == '[' && s[len(s)-1] == ']':
			return s[1 : len(s)-1]
		}
	}
	return s
}

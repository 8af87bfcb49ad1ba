package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/dorm-go/dorm/migrate"
)

var _ migrate.Inspector = (*Driver)(nil)

// Attrs keys that inspection sets on a table (see [migrate.Table.Attrs]).
const (
	// AttrImplicitIndex + a foreign key's name holds the name of the index that the server
	// created for that foreign key on its own (InnoDB needs one). Such an index is left out of
	// Table.Indexes; Plan drops it with its foreign key.
	AttrImplicitIndex = "mysql.implicit_index:"
)

// Inspect reads the schema of the current database (DATABASE()) from information_schema:
// base tables except dorm's history table; columns (COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT,
// EXTRA auto_increment, a collation other than the table's); the primary key and the other
// indexes (STATISTICS); foreign keys with their ON DELETE/UPDATE rules (KEY_COLUMN_USAGE and
// REFERENTIAL_CONSTRAINTS); CHECK constraints (CHECK_CONSTRAINTS). The index InnoDB creates
// for a foreign key by itself, and the json_valid checks MariaDB adds to JSON columns, are
// not part of the result. Spellings are normalised as [Dialect.Normalize] does.
func (d *Driver) Inspect(ctx context.Context) (*migrate.Schema, error) {
	return inspect(ctx, d.db, d.dialect)
}

// queryer is what inspection reads through: the pool or a pinned connection.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanRows(ctx context.Context, q queryer, query string, args []any, fn func(*sql.Rows) error) error {
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

func inspect(ctx context.Context, q queryer, dialect Dialect) (*migrate.Schema, error) {
	s, err := inspectRaw(ctx, q, dialect)
	if err != nil {
		return nil, fmt.Errorf("%s: inspect: %w", dialect.Name(), err)
	}
	for _, t := range s.Tables {
		dialect.Normalize(t)
	}
	s.Sort()
	return s, nil
}

func inspectRaw(ctx context.Context, q queryer, dialect Dialect) (*migrate.Schema, error) {
	s := &migrate.Schema{}
	byName := map[string]*migrate.Table{}
	collation := map[string]string{}
	err := scanRows(ctx, q, `SELECT TABLE_NAME, COALESCE(TABLE_COLLATION, '') FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' AND TABLE_NAME <> ? ORDER BY TABLE_NAME`,
		[]any{migrate.HistoryTable}, func(r *sql.Rows) error {
			var name, coll string
			if err := r.Scan(&name, &coll); err != nil {
				return err
			}
			t := &migrate.Table{Name: name}
			s.Tables = append(s.Tables, t)
			byName[name] = t
			collation[name] = coll
			return nil
		})
	if err != nil {
		return nil, err
	}

	err = scanRows(ctx, q, `SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COALESCE(COLLATION_NAME, '')
FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION`, nil,
		func(r *sql.Rows) error {
			var table, name, typ, nullable, extra, coll string
			var dflt sql.NullString
			if err := r.Scan(&table, &name, &typ, &nullable, &dflt, &extra, &coll); err != nil {
				return err
			}
			t, ok := byName[table]
			if !ok {
				return nil
			}
			c := &migrate.Column{Name: name, Type: typ, Nullable: nullable == "YES",
				AutoIncrement: strings.Contains(strings.ToLower(extra), "auto_increment")}
			if coll != "" && coll != collation[table] {
				c.Collation = coll
			}
			if dflt.Valid {
				v := dflt.String
				if !dialect.MariaDB {
					v = mysqlDefault(v, typ, extra)
				}
				if !strings.EqualFold(v, "NULL") {
					c.Default = &v
				}
			}
			t.Columns = append(t.Columns, c)
			return nil
		})
	if err != nil {
		return nil, err
	}

	err = scanRows(ctx, q, `SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX`, nil,
		func(r *sql.Rows) error {
			var table, index, col string
			var nonUnique int
			if err := r.Scan(&table, &index, &nonUnique, &col); err != nil {
				return err
			}
			t, ok := byName[table]
			if !ok {
				return nil
			}
			if index == "PRIMARY" {
				t.PrimaryKey = append(t.PrimaryKey, col)
				return nil
			}
			ix, ok := t.Index(index)
			if !ok {
				ix = &migrate.Index{Name: index, Unique: nonUnique == 0}
				t.Indexes = append(t.Indexes, ix)
			}
			ix.Columns = append(ix.Columns, col)
			return nil
		})
	if err != nil {
		return nil, err
	}

	err = scanRows(ctx, q, `SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME,
  r.DELETE_RULE, r.UPDATE_RULE
FROM information_schema.KEY_COLUMN_USAGE k
JOIN information_schema.REFERENTIAL_CONSTRAINTS r
  ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.TABLE_NAME = k.TABLE_NAME AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION`, nil,
		func(r *sql.Rows) error {
			var table, name, col, refTable, refCol, del, upd string
			if err := r.Scan(&table, &name, &col, &refTable, &refCol, &del, &upd); err != nil {
				return err
			}
			t, ok := byName[table]
			if !ok {
				return nil
			}
			var fk *migrate.ForeignKey
			for _, f := range t.ForeignKeys {
				if f.Name == name {
					fk = f
				}
			}
			if fk == nil {
				fk = &migrate.ForeignKey{Name: name, RefTable: refTable, OnDelete: del, OnUpdate: upd}
				t.ForeignKeys = append(t.ForeignKeys, fk)
			}
			fk.Columns = append(fk.Columns, col)
			fk.RefColumns = append(fk.RefColumns, refCol)
			return nil
		})
	if err != nil {
		return nil, err
	}

	// MySQL 8 names checks per schema, MariaDB per table (and has CHECK_CONSTRAINTS.TABLE_NAME).
	checks := `SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, cc.CHECK_CLAUSE
FROM information_schema.TABLE_CONSTRAINTS tc
JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME`
	if dialect.MariaDB {
		checks += " AND cc.TABLE_NAME = tc.TABLE_NAME"
	}
	checks += "\nWHERE tc.TABLE_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK' ORDER BY tc.TABLE_NAME, tc.CONSTRAINT_NAME"
	err = scanRows(ctx, q, checks, nil, func(r *sql.Rows) error {
		var table, name, clause string
		if err := r.Scan(&table, &name, &clause); err != nil {
			return err
		}
		if t, ok := byName[table]; ok {
			t.Checks = append(t.Checks, &migrate.Check{Name: name, Expr: clause})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	for _, t := range s.Tables {
		dropImplicitIndexes(t)
	}
	return s, nil
}

// dropImplicitIndexes removes from t the indexes that InnoDB created for a foreign key by
// itself: non-unique, on exactly the key's columns, and named after the constraint (or, for
// a constraint without a declared name, after its first column). It records them in
// t.Attrs so that Plan can drop them with their foreign key.
func dropImplicitIndexes(t *migrate.Table) {
	var keep []*migrate.Index
	for _, ix := range t.Indexes {
		implicit := false
		for _, fk := range t.ForeignKeys {
			if !ix.Unique && equalNames(ix.Columns, fk.Columns) && (ix.Name == fk.Name || ix.Name == fk.Columns[0]) {
				if t.Attrs == nil {
					t.Attrs = map[string]string{}
				}
				t.Attrs[AttrImplicitIndex+fk.Name] = ix.Name
				implicit = true
				break
			}
		}
		if !implicit {
			keep = append(keep, ix)
		}
	}
	t.Indexes = keep
}

func equalNames(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) {
			return false
		}
	}
	return true
}

// mysqlDefault spells a MySQL 8 COLUMN_DEFAULT as MariaDB does (and as a DEFAULT clause
// is written): MySQL 8 reports string constants without quotes, and marks expressions with
// DEFAULT_GENERATED in EXTRA.
func mysqlDefault(v, typ, extra string) string {
	if strings.Contains(strings.ToUpper(extra), "DEFAULT_GENERATED") {
		return v
	}
	if numericType(normalizeType(typ)) {
		return v
	}
	lit, _ := Dialect{}.Literal(v)
	return lit
}

package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/dorm-go/dorm/migrate"
)

var _ migrate.Inspector = (*Driver)(nil)

// catalogReader is what inspection reads through: the pool, a connection or a transaction.
type catalogReader interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// Inspect reads the schema of the connection's current schema (current_schema(), normally
// public) from pg_catalog: every ordinary or partitioned table except dorm's history table,
// its columns (format_type, NOT NULL, default, identity, a collation other than the type's),
// primary key, indexes (pg_index; unique constraints count as unique indexes, named as dorm
// names them), foreign keys with ON DELETE/UPDATE, and CHECK constraints. Indexes on
// expressions and partial indexes are left out. Spellings are normalised as
// [Dialect.Normalize] does.
func (d *Driver) Inspect(ctx context.Context) (*migrate.Schema, error) {
	s, err := inspect(ctx, d.pool)
	if err != nil {
		return nil, fmt.Errorf("postgres: inspect: %w", err)
	}
	return s, nil
}

func inspect(ctx context.Context, q catalogReader) (*migrate.Schema, error) {
	type tbl struct {
		t    *migrate.Table
		cols map[int16]*migrate.Column
	}
	byOID := map[int64]*tbl{}
	var oids []int64
	s := &migrate.Schema{}
	rows, err := q.Query(ctx, `SELECT c.oid::int8, c.relname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $1
 ORDER BY c.relname`, migrate.HistoryTable)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var oid int64
		var name string
		if err := rows.Scan(&oid, &name); err != nil {
			rows.Close()
			return nil, err
		}
		t := &migrate.Table{Name: name}
		s.Tables = append(s.Tables, t)
		byOID[oid] = &tbl{t: t, cols: map[int16]*migrate.Column{}}
		oids = append(oids, oid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(oids) == 0 {
		return s, nil
	}

	// Columns.
	// A column of a domain is read as the domain's base type (a year domain over integer
	// is an integer).
	rows, err = q.Query(ctx, `SELECT a.attrelid::int8, a.attnum, a.attname,
       CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) ELSE format_type(a.atttypid, a.atttypmod) END, a.attnotnull,
       pg_get_expr(ad.adbin, ad.adrelid), a.attidentity::text,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN co.collname END
  FROM pg_attribute a
  JOIN pg_type t ON t.oid = a.atttypid
  LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
  LEFT JOIN pg_collation co ON co.oid = a.attcollation
 WHERE a.attrelid::int8 = ANY($1::int8[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`, oids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			oid       int64
			num       int16
			name, typ string
			notNull   bool
			def, coll *string
			identity  string
		)
		if err := rows.Scan(&oid, &num, &name, &typ, &notNull, &def, &identity, &coll); err != nil {
			rows.Close()
			return nil, err
		}
		tb := byOID[oid]
		c := &migrate.Column{Name: name, Type: typ, Nullable: !notNull, Default: def, AutoIncrement: identity != ""}
		if coll != nil {
			c.Collation = *coll
		}
		if identity == "a" {
			c.Attrs = map[string]string{"identity": "ALWAYS"}
		}
		tb.t.Columns = append(tb.t.Columns, c)
		tb.cols[num] = c
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Constraints: primary keys, foreign keys, checks. Unique constraints come with their
	// indexes below.
	rows, err = q.Query(ctx, `SELECT con.conrelid::int8, con.conname, con.contype::text,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o)::text[],
       coalesce(rc.relname, ''),
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)::text[],
       con.confdeltype::text, con.confupdtype::text, pg_get_constraintdef(con.oid)
  FROM pg_constraint con LEFT JOIN pg_class rc ON rc.oid = con.confrelid
 WHERE con.conrelid::int8 = ANY($1::int8[]) AND con.contype IN ('p', 'f', 'c')
 ORDER BY con.conrelid, con.conname`, oids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			oid                          int64
			name, typ, ref, del, upd, df string
			cols, refCols                []string
		)
		if err := rows.Scan(&oid, &name, &typ, &cols, &ref, &refCols, &del, &upd, &df); err != nil {
			rows.Close()
			return nil, err
		}
		t := byOID[oid].t
		switch typ {
		case "p":
			t.PrimaryKey = cols
			if t.Attrs == nil {
				t.Attrs = map[string]string{}
			}
			t.Attrs["primaryKey"] = name
		case "f":
			t.ForeignKeys = append(t.ForeignKeys, &migrate.ForeignKey{Name: name, Columns: cols, RefTable: ref, RefColumns: refCols,
				OnDelete: fkAction(del), OnUpdate: fkAction(upd)})
		case "c":
			expr := strings.TrimSpace(df)
			if strings.HasPrefix(expr, "CHECK ") {
				expr = strings.TrimSpace(strings.TrimPrefix(expr, "CHECK "))
				expr = strings.TrimSuffix(expr, " NOT VALID")
			}
			t.Checks = append(t.Checks, &migrate.Check{Name: name, Expr: expr})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}

	// Indexes (pg_index), without the primary key's.
	rows, err = q.Query(ctx, `SELECT i.indrelid::int8, ic.relname, i.indisunique,
       ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n
              WHERE k.o <= i.indnkeyatts ORDER BY k.o)::text[],
       i.indexprs IS NOT NULL OR i.indpred IS NOT NULL, coalesce(con.conname, '')
  FROM pg_index i
  JOIN pg_class ic ON ic.oid = i.indexrelid
  LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype = 'u'
 WHERE i.indrelid::int8 = ANY($1::int8[]) AND NOT i.indisprimary
 ORDER BY ic.relname`, oids)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			oid              int64
			name, constraint string
			unique, partial  bool
			cols             []string
		)
		if err := rows.Scan(&oid, &name, &unique, &cols, &partial, &constraint); err != nil {
			rows.Close()
			return nil, err
		}
		if partial {
			continue
		}
		t := byOID[oid].t
		ix := &migrate.Index{Name: name, Columns: cols, Unique: unique}
		if constraint != "" {
			// A UNIQUE constraint (PostgreSQL names it <table>_<col>_key): it stands for
			// what dorm writes as a unique index, and is named so; its own name is kept for
			// DROP CONSTRAINT.
			ix.Name = t.Name + "_" + strings.Join(cols, "_") + "_unique"
			ix.Attrs = map[string]string{"constraint": constraint}
		}
		t.Indexes = append(t.Indexes, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, t := range s.Tables {
		Dialect{}.Normalize(t)
	}
	s.Sort()
	return s, nil
}

// fkAction spells pg_constraint.confdeltype/confupdtype.
func fkAction(c string) string {
	switch c {
	case "r":
		return "RESTRICT"
	case "c":
		return "CASCADE"
	case "n":
		return "SET NULL"
	case "d":
		return "SET DEFAULT"
	}
	return "" // a: NO ACTION
}

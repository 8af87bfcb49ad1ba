package postgres

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/migrate/migratetest"
)

func openMigrateDB(t testing.TB, url string) *Driver {
	t.Helper()
	d, err := OpenURL(context.Background(), url, drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func pgHarness() migratetest.Harness {
	return migratetest.Harness{
		Driver:  "postgres",
		Dialect: Dialect{},
		Open: func(t testing.TB) migratetest.DB {
			return openMigrateDB(t, newDatabase(t))
		},
		Reopen: func(t testing.TB, db migratetest.DB) migratetest.DB {
			return openMigrateDB(t, db.(*Driver).pool.Config().ConnString())
		},
		Exec: func(ctx context.Context, db migratetest.DB, stmt string) error {
			_, err := db.(*Driver).pool.Exec(ctx, stmt)
			return err
		},
		Values:    pgValues,
		GoldenDir: filepath.Join("testdata", "migrate"),
	}
}

// pgValues reads one column as text, rows ordered by primary key (else ctid); numerics
// without trailing zeros, so that a change of scale keeps the values equal.
func pgValues(ctx context.Context, db migratetest.DB, table string, c *migrate.Column, orderBy []string) ([]string, error) {
	q := Dialect{}.QuoteIdent
	order := "ctid"
	if len(orderBy) > 0 {
		order = sqlbase.QuoteList(Dialect{}, orderBy)
	}
	expr := q(c.Name) + "::text"
	if strings.HasPrefix(c.Type, "numeric") {
		expr = "trim_scale(" + q(c.Name) + ")::text"
	}
	rows, err := db.(*Driver).pool.Query(ctx, "SELECT "+expr+" FROM "+q(table)+" ORDER BY "+order)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v *string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if v == nil {
			out = append(out, "<nil>")
		} else {
			out = append(out, *v)
		}
	}
	return out, rows.Err()
}

// TestMigrateCases runs the shared cases of package migratetest (the same named cases as
// SQLite and MySQL) against PostgreSQL, one database per case; the SQL of each is pinned
// in testdata/migrate/<case>.golden (UPDATE_GOLDEN=1 regenerates them).
func TestMigrateCases(t *testing.T) {
	adminPool(t)
	migratetest.Run(t, pgHarness())
}

// TestMigrateExecutor: edited migrations are refused, a failing statement rolls the whole
// migration back, and two executors at once apply a migration once.
func TestMigrateExecutor(t *testing.T) {
	adminPool(t)
	migratetest.RunExecutor(t, pgHarness())
}

// TestMigrateHandWritten: a database created with PostgreSQL's own DDL (serial and identity
// keys, int4/int8, character varying, numeric, timestamptz, bool, a UNIQUE constraint,
// inline REFERENCES, a pivot table and a CHECK enum) shows no diff against matching entity
// files.
func TestMigrateHandWritten(t *testing.T) {
	ctx := context.Background()
	drv := openMigrateDB(t, newDatabase(t))
	ddl := `
create table publisher (
  id serial primary key,
  name character varying(255) not null,
  type text not null default 'local'::text check (type in ('local', 'global'))
);
create table author (
  id int4 generated always as identity primary key,
  name varchar(100) not null,
  email varchar not null,
  age int4,
  terms_accepted bool not null default false,
  rating float8,
  born date,
  created_at timestamp with time zone not null,
  price decimal(10, 2) default '0.00',
  status text not null default 'active'::text,
  mentor_id integer references author (id) on delete set null,
  publisher_id int references publisher on delete cascade,
  constraint author_status_check check (status::text = any (array['active', 'retired']::text[]))
);
alter table author alter column email type character varying(255);
create unique index author_email_unique on author (email);
create index author_name_age_index on author using btree (name, age);
create table tag (id bigserial primary key, label text not null unique);
create table author_tags (
  author_id int4 not null references author(id) on delete cascade,
  tag_id int8 not null references tag(id) on delete cascade,
  primary key (author_id, tag_id)
);`
	for _, s := range migrate.SplitSQL(ddl) {
		if _, err := drv.pool.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	reg := migratetest.LoadYAML(t, `entities:
  - entity: Publisher
    properties:
      id:   { type: int, primary: true }
      name: { type: string }
      type: { type: enum, values: [local, global], default: local }
  - entity: Author
    properties:
      id:            { type: int, primary: true }
      name:          { type: string, length: 100 }
      email:         { type: string, unique: true }
      age:           { type: int, nullable: true }
      termsAccepted: { type: boolean, default: false }
      rating:        { type: double, nullable: true }
      born:          { type: date, nullable: true }
      createdAt:     { type: datetime }
      price:         { type: decimal, precision: 10, scale: 2, nullable: true, default: "0.00" }
      status:        { type: enum, values: [active, retired], default: active }
      mentor:        { kind: m:1, entity: Author, nullable: true, deleteRule: set null }
      publisher:     { kind: m:1, entity: Publisher, nullable: true, deleteRule: cascade }
      tags:          { kind: m:n, entity: Tag }
    indexes:
      - { properties: [name, age] }
  - entity: Tag
    properties:
      id:    { type: bigint, primary: true }
      label: { type: text, unique: true }
`)
	got, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := pgHarness()
	if cs := h.Diff(t, got, h.Desired(t, reg)); len(cs) > 0 {
		t.Errorf("spurious diff against hand-written DDL:\n%s", strings.Join(migratetest.Ops(cs), "\n"))
	}
	// The UNIQUE constraint of tag.label (tag_label_key) stands for dorm's unique index
	// tag_label_unique, and is dropped as the constraint it is.
	tag := mustTable(t, got, "tag").Clone()
	tag.Indexes = nil
	plan, err := Dialect{}.Plan(h.Diff(t, &migrate.Schema{Tables: []*migrate.Table{mustTable(t, got, "tag")}}, &migrate.Schema{Tables: []*migrate.Table{tag}}))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff("ALTER TABLE \"tag\" DROP CONSTRAINT \"tag_label_key\";\n", plan.SQL()); d != "" {
		t.Errorf("drop unique constraint (-want +got):\n%s", d)
	}
	for _, s := range plan.Statements {
		if _, err := drv.pool.Exec(ctx, s.SQL); err != nil {
			t.Fatalf("%s: %v", s.SQL, err)
		}
	}
}

func mustTable(t *testing.T, s *migrate.Schema, name string) *migrate.Table {
	t.Helper()
	tb, ok := s.Table(name)
	if !ok {
		t.Fatalf("no table %s", name)
	}
	return tb
}

// TestNormalize pins the spellings that compare equal.
func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"int4", "integer"}, {"INTEGER", "integer"}, {"serial", "integer"}, {"int8", "bigint"},
		{"character varying(255)", "varchar(255)"}, {"VARCHAR(100)", "varchar(100)"},
		{"numeric(10, 2)", "numeric(10,2)"}, {"decimal(5)", "numeric(5,0)"},
		{"timestamp with time zone", "timestamptz(6)"}, {"timestamp(6) with time zone", "timestamptz(6)"},
		{"timestamptz", "timestamptz(6)"}, {"bool", "boolean"}, {"float8", "double precision"},
		{"time without time zone", "time"}, {"jsonb", "jsonb"}, {"bytea", "bytea"}, {"uuid", "uuid"},
	} {
		if got := normalizeType(c.in); got != c.want {
			t.Errorf("normalizeType(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, typ, want string }{
		{"'x'::character varying", "varchar(255)", "'x'"},
		{"'it''s'::text", "text", "'it''s'"},
		{"now()", "timestamptz(6)", "CURRENT_TIMESTAMP"},
		{"CURRENT_TIMESTAMP", "timestamptz(6)", "CURRENT_TIMESTAMP"},
		{"false", "boolean", "FALSE"},
		{"'-5'::integer", "integer", "-5"},
		{"'9.99'", "numeric(10,2)", "9.99"},
		{"'2020-01-01 00:00:00+00'::timestamp with time zone", "timestamptz(6)", "'2020-01-01 00:00:00Z'"},
		{"NULL::character varying", "varchar(255)", "NULL"},
	} {
		if got := normalizeDefault(c.in, c.typ); got != c.want {
			t.Errorf("normalizeDefault(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`((status = ANY (ARRAY['draft'::text, 'published'::text])))`, `"status" IN ('draft', 'published')`},
		{`(((type)::text = ANY ((ARRAY['a'::character varying, 'b, c'::character varying])::text[])))`, `"type" IN ('a', 'b, c')`},
		{`"status" IN ('draft','published')`, `"status" IN ('draft', 'published')`},
		{`(age > 0)`, `age > 0`},
	} {
		if got := normalizeCheck(c.in); got != c.want {
			t.Errorf("normalizeCheck(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	s := &migrate.Table{Columns: []*migrate.Column{{Name: "id", Type: "int4", Default: ptr("nextval('t_id_seq'::regclass)")}}}
	Dialect{}.Normalize(s)
	if c := s.Columns[0]; !c.AutoIncrement || c.Default != nil {
		t.Errorf("serial: %+v", c)
	}
}

func ptr(s string) *string { return &s }

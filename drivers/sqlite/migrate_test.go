package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlite"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/migrate/migratetest"
	"github.com/dorm-go/dorm/schema"
)

func loadYAML(t *testing.T, src string) *schema.Registry {
	t.Helper()
	reg, err := loader.LoadFS(fstest.MapFS{"e.yaml": {Data: []byte(src)}}, "*.yaml")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return reg
}

func openFile(t testing.TB, path string) *sqlite.Driver {
	t.Helper()
	d, err := sqlite.OpenDSN(context.Background(), "file:"+path, drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

func desired(t *testing.T, reg *schema.Registry) *migrate.Schema {
	t.Helper()
	s, err := migrate.FromRegistry(reg, sqlite.Dialect{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func diff(t *testing.T, from, to *migrate.Schema) []migrate.Change {
	t.Helper()
	cs, err := migrate.Diff(from, to, migrate.DiffOptions{Dialect: sqlite.Dialect{}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func ops(cs []migrate.Change) []string {
	var out []string
	for _, o := range migrate.Describe(cs) {
		out = append(out, o.String())
	}
	return out
}

// TestMigrateCases runs the shared cases of package migratetest (dorm's own DDL inspects
// without diff; offline and online diffs agree; the SQL matches testdata/migrate/*.golden;
// after up a fresh diff is empty; after up and down the database inspects as before; rows
// in kept columns are unchanged both ways).
func TestMigrateCases(t *testing.T) {
	migratetest.Run(t, sqliteHarness())
}

func sqliteHarness() migratetest.Harness {
	return migratetest.Harness{
		Driver:  "sqlite",
		Dialect: sqlite.Dialect{},
		Open: func(t testing.TB) migratetest.DB {
			return openFile(t, filepath.Join(t.TempDir(), "db.sqlite"))
		},
		Exec: func(ctx context.Context, db migratetest.DB, stmt string) error {
			_, err := db.(*sqlite.Driver).DB().ExecContext(ctx, stmt)
			return err
		},
		Values:    sqliteValues,
		GoldenDir: filepath.Join("testdata", "migrate"),
	}
}

// sqliteValues reads one column, rows ordered by primary key (else rowid).
func sqliteValues(ctx context.Context, db migratetest.DB, table string, c *migrate.Column, orderBy []string) ([]string, error) {
	q := sqlite.Dialect{}.QuoteIdent
	order := "rowid"
	if len(orderBy) > 0 {
		var ks []string
		for _, k := range orderBy {
			ks = append(ks, q(k))
		}
		order = strings.Join(ks, ", ")
	}
	rows, err := db.(*sqlite.Driver).DB().QueryContext(ctx, "SELECT "+q(c.Name)+" FROM "+q(table)+" ORDER BY "+order)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var vals []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		if b, ok := v.([]byte); ok {
			v = string(b)
		}
		vals = append(vals, fmt.Sprint(v))
	}
	return vals, rows.Err()
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run UPDATE_GOLDEN=1 go test ./drivers/sqlite/ to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got; UPDATE_GOLDEN=1 regenerates):\n%s", path, d)
	}
}

// TestMigrateHandWritten: a database created with SQLite's own DDL (other spellings of
// types, defaults, quotes and checks) shows no diff against matching entity files.
func TestMigrateHandWritten(t *testing.T) {
	ctx := context.Background()
	drv := openFile(t, filepath.Join(t.TempDir(), "db.sqlite"))
	ddl := `
create table publisher (
  id integer primary key autoincrement,
  name varchar(255) not null,
  type text not null default 'local' check (type in ('local','global'))
);
create table author (
  id integer primary key autoincrement,
  name varchar(100) not null,
  email varchar(255) not null,
  age int,
  terms_accepted boolean not null default false,
  rating double precision,
  born date,
  created_at timestamp not null,
  price text collate dorm_decimal,
  mentor_id int references author (id) on delete set null,
  publisher_id bigint references publisher on delete cascade
);
create unique index author_email_unique on author (email);
create index author_name_age_index on author (name, age);
create table tag (id INTEGER PRIMARY KEY AUTOINCREMENT, label CLOB NOT NULL UNIQUE);
create table author_tags (
  author_id int not null references author(id) on delete cascade,
  tag_id int not null references tag(id) on delete cascade,
  primary key (author_id, tag_id)
);`
	for _, s := range migrate.SplitSQL(ddl) {
		if _, err := drv.DB().ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	reg := loadYAML(t, `entities:
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
      price:         { type: decimal, nullable: true }
      mentor:        { kind: m:1, entity: Author, nullable: true, deleteRule: set null }
      publisher:     { kind: m:1, entity: Publisher, nullable: true, deleteRule: cascade }
      tags:          { kind: m:n, entity: Tag }
    indexes:
      - { properties: [name, age] }
  - entity: Tag
    properties:
      id:    { type: int, primary: true }
      label: { type: text, unique: true }
`)
	got, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := diff(t, got, desired(t, reg)); len(cs) > 0 {
		t.Errorf("spurious diff against hand-written DDL:\n%s", strings.Join(ops(cs), "\n"))
	}
}

// TestMigrateConcurrentUp: two executors at once never both apply a migration.
func TestMigrateConcurrentUp(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	path := filepath.Join(tmp, "db.sqlite")
	a, b := openFile(t, path), openFile(t, path)
	dir := migrate.Dir{Path: filepath.Join(tmp, "migrations")}
	reg := loadYAML(t, "entity: Author\nproperties:\n  id: { type: int, primary: true }\n")
	_, up, down, err := migrate.Scripts(&migrate.Schema{}, desired(t, reg), sqlite.Dialect{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dir.Create("init", up, down, desired(t, reg), time.Now()); err != nil {
		t.Fatal(err)
	}
	results, errs := migratetest.UpConcurrently(ctx, dir, a, b)
	total := 0
	for i := range results {
		total += len(results[i])
		if errs[i] != nil && !strings.Contains(errs[i].Error(), "locked") {
			t.Errorf("executor %d: %v", i, errs[i])
		}
	}
	if total != 1 {
		t.Errorf("the migration was applied %d times, want 1", total)
	}
}

// TestMigrateEditedRefused: an applied migration whose file changed is refused by up, and
// status reports it as edited.
func TestMigrateEditedRefused(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	drv := openFile(t, filepath.Join(tmp, "db.sqlite"))
	dir := migrate.Dir{Path: filepath.Join(tmp, "migrations")}
	reg := loadYAML(t, "entity: Author\nproperties:\n  id: { type: int, primary: true }\n")
	_, up, down, err := migrate.Scripts(&migrate.Schema{}, desired(t, reg), sqlite.Dialect{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := dir.Create("init", up, down, desired(t, reg), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ex := &migrate.Executor{Target: drv, Dir: dir}
	if _, err := ex.Up(ctx, ""); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir.Path, m.FileBase()+".up.sql")
	if err := os.WriteFile(file, []byte(up+"-- edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("up with an edited file (sum not updated): %v", err)
	}
	if err := dir.WriteSum(); err != nil { // someone also rewrote the sum
		t.Fatal(err)
	}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("up with an edited applied migration: %v", err)
	}
	st, err := ex.Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != "edited" {
		t.Errorf("status: %+v %v", st, err)
	}
}

// TestMigrateFailedRollsBack: a failing statement rolls the whole migration back and
// records nothing.
func TestMigrateFailedRollsBack(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	drv := openFile(t, filepath.Join(tmp, "db.sqlite"))
	dir := migrate.Dir{Path: filepath.Join(tmp, "migrations")}
	if _, err := dir.Create("bad", "CREATE TABLE a (id INTEGER);\nINSERT INTO nope VALUES (1);\n", "DROP TABLE a;\n", &migrate.Schema{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	ex := &migrate.Executor{Target: drv, Dir: dir}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("up: %v", err)
	}
	s, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 0 {
		t.Errorf("tables after a failed migration: %v", ops(diff(t, &migrate.Schema{}, s)))
	}
	st, _ := ex.Status(ctx)
	if len(st) != 1 || st[0].State != "pending" {
		t.Errorf("status: %+v", st)
	}
}

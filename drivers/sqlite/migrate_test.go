package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlite"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/schema"
)

// migrateCase is a file of testdata/migrate: a reason (the text before the first section),
// then sections "-- before.yaml --", "-- after.yaml --" and optionally "-- seed.sql --".
type migrateCase struct {
	name, reason        string
	before, after, seed string
}

// parseCase is a tiny txtar reader.
func parseCase(t *testing.T, path string) migrateCase {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c := migrateCase{name: strings.TrimSuffix(filepath.Base(path), ".txt")}
	sections := map[string]*strings.Builder{}
	var cur *strings.Builder
	var reason strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			name := strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			cur = &strings.Builder{}
			sections[name] = cur
			continue
		}
		if cur == nil {
			reason.WriteString(line)
		} else {
			cur.WriteString(line)
		}
	}
	get := func(n string) string {
		if b := sections[n]; b != nil {
			return b.String()
		}
		return ""
	}
	c.reason, c.before, c.after, c.seed = strings.TrimSpace(reason.String()), get("before.yaml"), get("after.yaml"), get("seed.sql")
	if c.reason == "" || c.before == "" || c.after == "" {
		t.Fatalf("%s: a case needs a reason, before.yaml and after.yaml", path)
	}
	return c
}

func loadYAML(t *testing.T, src string) *schema.Registry {
	t.Helper()
	reg, err := loader.LoadFS(fstest.MapFS{"e.yaml": {Data: []byte(src)}}, "*.yaml")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return reg
}

func openFile(t *testing.T, path string) *sqlite.Driver {
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

// TestMigrateCases runs every case of testdata/migrate through the whole pipeline and
// checks the invariants: dorm's own DDL inspects without diff; offline (snapshot) and
// online (inspect) diffs agree; the SQL matches the golden file; after up a fresh diff is
// empty; after up and down the database inspects as before; rows in kept columns are
// unchanged both ways.
func TestMigrateCases(t *testing.T) {
	files, err := filepath.Glob("testdata/migrate/*.txt")
	if err != nil || len(files) < 15 {
		t.Fatalf("want at least 15 cases, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		c := parseCase(t, f)
		t.Run(c.name, func(t *testing.T) { runCase(t, c) })
	}
}

func runCase(t *testing.T, c migrateCase) {
	ctx := context.Background()
	tmp := t.TempDir()
	drv := openFile(t, filepath.Join(tmp, "db.sqlite"))
	d := sqlite.Dialect{}

	before, after := loadYAML(t, c.before), loadYAML(t, c.after)
	if err := drv.CreateSchema(ctx, before); err != nil {
		t.Fatalf("create: %v", err)
	}
	want0, want1 := desired(t, before), desired(t, after)
	s0, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := diff(t, s0, want0); len(cs) > 0 {
		t.Fatalf("spurious diff after dorm's own CREATE TABLE:\n%s", strings.Join(ops(cs), "\n"))
	}
	for _, stmt := range migrate.SplitSQL(c.seed) {
		if _, err := drv.DB().ExecContext(ctx, stmt); err != nil {
			t.Fatalf("seed %q: %v", stmt, err)
		}
	}
	rows0 := dumpRows(t, drv.DB(), s0)

	// Offline (snapshot) and online (inspect) diffs agree.
	online, offline := diff(t, s0, want1), diff(t, want0, want1)
	if d := cmp.Diff(ops(offline), ops(online)); d != "" {
		t.Errorf("offline and online diffs differ (-offline +online):\n%s", d)
	}
	diags, err := migrate.Lint(ctx, online, migrate.LintOptions{Rows: drv, Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	changes, up, down, err := migrate.Scripts(s0, want1, d)
	if err != nil {
		t.Fatal(err)
	}
	var golden strings.Builder
	fmt.Fprintf(&golden, "# %s\n\n-- changes\n", c.reason)
	for _, o := range ops(changes) {
		golden.WriteString(o + "\n")
	}
	golden.WriteString("-- lint\n")
	for _, dg := range diags {
		golden.WriteString(dg.String() + "\n")
	}
	golden.WriteString("-- up\n" + up + "-- down\n" + down)
	checkGolden(t, filepath.Join("testdata", "migrate", c.name+".golden"), golden.String())
	if len(changes) == 0 {
		return
	}

	// Up through the migration directory and the executor.
	dir := migrate.Dir{Path: filepath.Join(tmp, "migrations")}
	if _, err := dir.Create(c.name, up, down, want1, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ex := &migrate.Executor{Target: drv, Dir: dir}
	applied, err := ex.Up(ctx, "")
	if err != nil {
		t.Fatalf("up: %v\n%s", err, up)
	}
	if len(applied) != 1 {
		t.Fatalf("up applied %d migrations, want 1", len(applied))
	}
	s1, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := diff(t, s1, want1); len(cs) > 0 {
		t.Errorf("diff after up is not empty:\n%s", strings.Join(ops(cs), "\n"))
	}
	rows1 := dumpRows(t, drv.DB(), s1)
	compareKept(t, "up", rows0, rows1, want1)
	st, err := ex.Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != migrate.StateApplied {
		t.Errorf("status after up: %+v, %v", st, err)
	}

	// Down restores the schema, and the rows of columns that survived.
	if _, err := ex.Down(ctx, 1); err != nil {
		t.Fatalf("down: %v\n%s", err, down)
	}
	s2, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := diff(t, s2, s0); len(cs) > 0 {
		t.Errorf("after up and down the database differs from before:\n%s", strings.Join(ops(cs), "\n"))
	}
	rows2 := dumpRows(t, drv.DB(), s2)
	for table, cols := range rows2 {
		for col, vals := range cols {
			if _, kept := keptColumn(want1, table, col); !kept {
				continue
			}
			old, ok := rows0[table][col]
			if !ok {
				continue
			}
			old = slices.Clone(old)
			for i := range old { // a NULL replaced by a default on the way up stays filled
				if old[i] == "<nil>" && i < len(vals) {
					old[i] = vals[i]
				}
			}
			if !slices.Equal(old, vals) {
				t.Errorf("after down %s.%s = %v, want %v", table, col, vals, old)
			}
		}
	}
}

// keptColumn returns the name in after of column col of table before (following renames),
// and whether it still exists.
func keptColumn(after *migrate.Schema, table, col string) (string, bool) {
	for _, t := range after.Tables {
		if t.Name != table && t.RenamedFrom != table {
			continue
		}
		for _, c := range t.Columns {
			if c.Name == col || c.RenamedFrom == col {
				return t.Name + "." + c.Name, true
			}
		}
	}
	return "", false
}

// compareKept checks that every column of before that after keeps has the same values.
func compareKept(t *testing.T, when string, before, afterRows map[string]map[string][]string, after *migrate.Schema) {
	t.Helper()
	for table, cols := range before {
		for col, vals := range cols {
			name, ok := keptColumn(after, table, col)
			if !ok {
				continue
			}
			nt, nc, _ := strings.Cut(name, ".")
			got, ok := afterRows[nt][nc]
			if !ok {
				t.Errorf("%s: %s.%s is gone", when, nt, nc)
				continue
			}
			// A NOT NULL column with a default gets the default where it was NULL.
			for i := range vals {
				if vals[i] == "<nil>" && i < len(got) && got[i] != "<nil>" {
					vals = slices.Clone(vals)
					vals[i] = got[i]
				}
			}
			if !slices.Equal(vals, got) {
				t.Errorf("%s: %s.%s = %v, was %s.%s = %v", when, nt, nc, got, table, col, vals)
			}
		}
	}
}

// dumpRows reads every column of every table of s, rows ordered by primary key.
func dumpRows(t *testing.T, db *sql.DB, s *migrate.Schema) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	q := sqlite.Dialect{}.QuoteIdent
	for _, tb := range s.Tables {
		order := "rowid"
		if len(tb.PrimaryKey) > 0 {
			var ks []string
			for _, k := range tb.PrimaryKey {
				ks = append(ks, q(k))
			}
			order = strings.Join(ks, ", ")
		}
		out[tb.Name] = map[string][]string{}
		for _, c := range tb.Columns {
			rows, err := db.Query("SELECT " + q(c.Name) + " FROM " + q(tb.Name) + " ORDER BY " + order)
			if err != nil {
				t.Fatal(err)
			}
			var vals []string
			for rows.Next() {
				var v any
				if err := rows.Scan(&v); err != nil {
					t.Fatal(err)
				}
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				vals = append(vals, fmt.Sprint(v))
			}
			rows.Close()
			out[tb.Name][c.Name] = vals
		}
	}
	return out
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
	var wg sync.WaitGroup
	results := make([][]*migrate.Migration, 2)
	errs := make([]error, 2)
	for i, drv := range []*sqlite.Driver{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = (&migrate.Executor{Target: drv, Dir: dir}).Up(ctx, "")
		}()
	}
	wg.Wait()
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

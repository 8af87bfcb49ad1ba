package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers/sqlite"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
)

// generate inspects drv and generates entity files from it.
func generate(t *testing.T, drv *sqlite.Driver) (*migrate.Schema, *migrate.Generated) {
	t.Helper()
	s, err := drv.Inspect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	g, err := migrate.GenerateEntities(s, migrate.GenerateOptions{Dialect: sqlite.Dialect{}})
	if err != nil {
		t.Fatal(err)
	}
	return s, g
}

// roundTrip writes the generated files, loads them back and returns the changes that would
// turn the inspected schema into theirs: none, when generation is faithful.
func roundTrip(t *testing.T, have *migrate.Schema, g *migrate.Generated) []migrate.Change {
	t.Helper()
	dir := t.TempDir()
	if err := g.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	reg, err := loader.LoadDir(dir)
	if err != nil {
		t.Fatalf("generated files do not load:\n%v\n%s", err, dumpFiles(g))
	}
	return diff(t, have, desired(t, reg))
}

func dumpFiles(g *migrate.Generated) string {
	var names []string
	for n := range g.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString("--- " + n + "\n" + string(g.Files[n]))
	}
	return b.String()
}

func warnings(g *migrate.Generated) []string {
	var out []string
	for _, w := range g.Warnings {
		out = append(out, w.String())
	}
	return out
}

// TestGenerateExamples: the example schema, created by dorm, generates files that load and
// diff empty against the database, without warnings.
func TestGenerateExamples(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "app.db")
	reg, err := loader.LoadFS(schemas.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	orm, err := em.Open(ctx, em.Config{Registry: reg, URL: "sqlite:file:" + path})
	if err != nil {
		t.Fatal(err)
	}
	if err := orm.Schema().Create(ctx); err != nil {
		t.Fatal(err)
	}
	orm.Close()

	drv := openFile(t, path)
	have, g := generate(t, drv)
	if w := warnings(g); len(w) > 0 {
		t.Errorf("warnings:\n%s", strings.Join(w, "\n"))
	}
	names := slices.Sorted(func(yield func(string) bool) {
		for n := range g.Files {
			if !yield(n) {
				return
			}
		}
	})
	if want := []string{"author.yaml", "book.yaml", "book_tag.yaml", "publisher.yaml"}; !slices.Equal(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if cs := roundTrip(t, have, g); len(cs) > 0 {
		t.Errorf("generated files diff against the database:\n%s\n%s", strings.Join(ops(cs), "\n"), dumpFiles(g))
	}
	// The pivot book_tags is the m:n Book.tags, as in the example.
	book := string(g.Files["book.yaml"])
	if !strings.Contains(book, "tags:") || !strings.Contains(book, "kind: m:n, entity: BookTag, inversedBy: books") {
		t.Errorf("book.yaml has no m:n tags:\n%s", book)
	}
	_, again := generate(t, drv)
	if d := cmp.Diff(g.Files, again.Files); d != "" {
		t.Errorf("generating twice differs:\n%s", d)
	}
}

// handDDL is a database made with SQLite's own DDL, not by dorm: foreign keys (one
// self-referencing, with ON DELETE rules), a pivot table with its own column names, a CHECK
// enum, a composite primary key, defaults of every kind, unique and composite indexes,
// names that the naming strategy does not give.
const handDDL = `
create table publisher (
  id integer primary key autoincrement,
  name varchar(255) not null,
  kind text not null default 'local' check (kind in ('local', 'global', 'it''s')),
  opens_at text
);
create table author (
  id integer primary key autoincrement,
  full_name varchar(100) not null,
  email varchar(255) not null unique,
  age smallint,
  terms_accepted boolean not null default false,
  rating double precision default 2.5,
  born date default '2000-01-01',
  created_at timestamp not null default '2024-01-01 09:00:00.000000',
  price text collate dorm_decimal default '9.99',
  settings text default '{"theme":"dark"}',
  mentor_id int references author (id) on delete set null,
  publisher_id bigint references publisher on delete cascade,
  "Nick" text,
  photo blob
);
create index author_full_name_age_index on author (full_name, age);
create index by_age on author (age);
create index author_created_at_index on author (created_at);
create table tag (id integer primary key, label clob not null);
create unique index tag_label_unique on tag (label);
create table author_tag_links (
  writer int not null references author(id) on delete cascade,
  tag int not null references tag(id) on delete cascade,
  primary key (writer, tag)
);
create table membership (
  team text not null,
  member_no integer not null,
  author_id integer not null references author(id) on delete restrict,
  backup_author_id integer references author(id),
  primary key (team, member_no)
);
create table Event_Log (
  day date not null,
  seq integer not null,
  payload text,
  primary key (day, seq)
);
create table dorm_migrations (version text primary key);
`

func handMade(t *testing.T) *sqlite.Driver {
	t.Helper()
	drv := openFile(t, filepath.Join(t.TempDir(), "hand.db"))
	for _, s := range migrate.SplitSQL(handDDL) {
		if _, err := drv.DB().ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	return drv
}

// TestGenerateHandWritten: the hand-made database generates files (compared with the golden
// files of testdata/generate; UPDATE_GOLDEN=1 regenerates them) that load and diff empty.
// Created by dorm from those files, a database generates the same files again.
func TestGenerateHandWritten(t *testing.T) {
	drv := handMade(t)
	have, g := generate(t, drv)
	if w := warnings(g); len(w) > 0 {
		t.Errorf("warnings:\n%s", strings.Join(w, "\n"))
	}
	if cs := roundTrip(t, have, g); len(cs) > 0 {
		t.Errorf("generated files diff against the database:\n%s\n%s", strings.Join(ops(cs), "\n"), dumpFiles(g))
	}

	// Golden files: one per entity, and no other.
	dir := filepath.Join("testdata", "generate")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		old, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
		for _, f := range old {
			os.Remove(f)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, data := range g.Files {
		checkGolden(t, filepath.Join(dir, name), string(data))
	}
	golden, _ := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if len(golden) != len(g.Files) {
		t.Errorf("%d golden files, %d generated", len(golden), len(g.Files))
	}

	// Twice: identical.
	_, again := generate(t, drv)
	if d := cmp.Diff(g.Files, again.Files); d != "" {
		t.Errorf("generating twice differs:\n%s", d)
	}

	// A fixpoint: a database that dorm creates from the files generates the same files.
	dir2 := t.TempDir()
	if err := g.WriteDir(dir2); err != nil {
		t.Fatal(err)
	}
	reg, err := loader.LoadDir(dir2)
	if err != nil {
		t.Fatal(err)
	}
	drv2 := openFile(t, filepath.Join(t.TempDir(), "fresh.db"))
	cs := diff(t, &migrate.Schema{}, desired(t, reg))
	plan, err := sqlite.Dialect{}.Plan(cs)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Apply(context.Background(), drv2, plan); err != nil {
		t.Fatal(err)
	}
	_, third := generate(t, drv2)
	if d := cmp.Diff(g.Files, third.Files); d != "" {
		t.Errorf("files generated from a database created from generated files differ:\n%s", d)
	}
}

// TestGenerateWarnings: what entity files cannot say is reported, table and column named,
// and the files still load.
func TestGenerateWarnings(t *testing.T) {
	drv := openFile(t, filepath.Join(t.TempDir(), "w.db"))
	ddl := `
create table parent (a int not null, b int not null, primary key (a, b));
create table child (
  id integer primary key autoincrement,
  a int, b int,
  stamp datetime not null default current_timestamp,
  amount numeric(10, 2),
  score int check (score > 0),
  foreign key (a, b) references parent (a, b)
);
create table nokey (x int);
create table tagging (
  child_id integer not null references child(id) on delete cascade,
  label text not null,
  position integer not null default 0,
  primary key (child_id, label)
);
create table child_extra (child_id integer primary key references child(id), note text);
create table extra_vote (id integer primary key autoincrement, extra_id integer references child_extra(child_id));`
	for _, s := range migrate.SplitSQL(ddl) {
		if _, err := drv.DB().ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	have, g := generate(t, drv)
	want := []string{
		"child: CHECK (score > 0) cannot be expressed",
		"child.a,b: foreign key (a, b) references parent: composite foreign keys cannot be expressed (its columns stay scalars)",
		"child.amount: type NUMERIC has no entity type that sqlite maps to it: generated as decimal (TEXT)",
		"child.stamp: DEFAULT CURRENT_TIMESTAMP cannot be expressed: generated as onCreate: now, which dorm sets on insert",
		"nokey: table has no primary key, which every entity needs: left out",
	}
	if d := cmp.Diff(want, warnings(g)); d != "" {
		t.Errorf("warnings (-want +got):\n%s", d)
	}
	cs := roundTrip(t, have, g)
	got := ops(cs)
	for _, w := range []string{"drop table nokey", "drop check child", "drop foreign key child.a,b"} {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("diff lacks %q (the warnings say it): %v", w, got)
		}
	}
}

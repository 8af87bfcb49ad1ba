package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/migrate"

	_ "modernc.org/sqlite" // database/sql driver "sqlite", to look at the tables directly
)

const examples = "../../examples/schemas"

// runCLI runs the command line in-process and returns the exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestValidateExamples(t *testing.T) {
	code, out, errOut := runCLI(t, "validate", "--schemas", examples)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if want := "ok: 4 entities in " + examples + "\n"; out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
}

func TestValidateBadDir(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "book.yaml"), `entity: Book
tabel: book
properties:
  id: { type: uuid, primary: true }
  title: { type: strin }
`)
	code, out, errOut := runCLI(t, "validate", "--schemas", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", code, out, errOut)
	}
	if out != "" {
		t.Errorf("stdout %q, want nothing", out)
	}
	// Every error on its own line, naming file:line:col.
	pos := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(filepath.Join(dir, "book.yaml")) + `:\d+:\d+: `)
	if n := len(pos.FindAllString(errOut, -1)); n < 2 {
		t.Errorf("want at least 2 errors naming book.yaml:line:col, got %d in:\n%s", n, errOut)
	}
	if !strings.Contains(errOut, `"tabel"`) {
		t.Errorf("the unknown key is not named:\n%s", errOut)
	}
}

func TestValidateMissingDir(t *testing.T) {
	code, _, errOut := runCLI(t, "validate", "--schemas", filepath.Join(t.TempDir(), "nope"))
	if code != 1 || !strings.Contains(errOut, "nope") {
		t.Errorf("exit %d, stderr %q; want 1 naming the directory", code, errOut)
	}
}

func TestSchemaCreateDrop(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	url := "sqlite:file:" + path
	code, out, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", url)
	if code != 0 {
		t.Fatalf("create: exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "created: schema of 4 entities") {
		t.Errorf("create: stdout %q", out)
	}
	want := []string{"author", "book", "book_tag", "book_tags", "publisher"}
	if got := tables(t, path); !slices.Equal(got, want) {
		t.Errorf("tables after create: %v, want %v", got, want)
	}
	// Create is idempotent.
	if code, _, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", url); code != 0 {
		t.Fatalf("second create: exit %d, stderr:\n%s", code, errOut)
	}
	code, out, errOut = runCLI(t, "schema", "drop", "--schemas", examples, "--db", url)
	if code != 0 {
		t.Fatalf("drop: exit %d, stderr:\n%s", code, errOut)
	}
	if !strings.HasPrefix(out, "dropped: ") {
		t.Errorf("drop: stdout %q", out)
	}
	if got := tables(t, path); len(got) != 0 {
		t.Errorf("tables after drop: %v", got)
	}
}

// TestSchemaDump: schema create|drop --dump print SQL without connecting (the SQLite file
// is not created); the script, run on the database, creates a schema that schema diff finds
// equal to the entity files, and the drop script removes every table again.
func TestSchemaDump(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	url := "sqlite:file:" + path
	for _, action := range []string{"create", "drop"} {
		code, out, errOut := runCLI(t, "schema", action, "--dump", "--schemas", examples, "--db", url)
		if code != 0 || !strings.HasPrefix(out, "-- dorm schema "+action+" --dump: 4 entities, sqlite SQL") {
			t.Errorf("%s --dump: exit %d, stdout %q, stderr %q", action, code, out, errOut)
		}
		if _, err := os.Stat(path); err == nil {
			t.Fatalf("%s --dump touched the database", action)
		}
	}
	dumpRoundTrip(t, url, examples)
	if got := tables(t, path); !slices.Equal(got, []string{"dorm_migrations"}) {
		t.Errorf("tables after the drop script: %v, want only the history table of the session that ran it", got)
	}
}

// dumpRoundTrip runs the create script of --dump for the entity files in dir on url, checks
// that schema diff then has nothing to do, and runs the drop script.
func dumpRoundTrip(t *testing.T, url, dir string) {
	t.Helper()
	for _, action := range []string{"create", "drop"} {
		code, script, errOut := runCLI(t, "schema", action, "--dump", "--schemas", dir, "--db", url)
		if code != 0 {
			t.Fatalf("%s --dump: exit %d, %s", action, code, errOut)
		}
		runScript(t, url, script)
		if action == "create" {
			if code, out, errOut := runCLI(t, "schema", "diff", "--schemas", dir, "--db", url); code != 0 {
				t.Fatalf("diff after the create script: exit %d\n%s%s", code, out, errOut)
			}
		}
	}
}

// runScript runs a SQL script on url through dorm's migration executor, statement by
// statement in one transaction.
func runScript(t *testing.T, url, script string) {
	t.Helper()
	ctx := context.Background()
	d, err := drivers.Open(ctx, url, drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var plan migrate.Plan
	for _, st := range migrate.SplitSQL(script) {
		plan.Statements = append(plan.Statements, migrate.Statement{SQL: st})
	}
	if len(plan.Statements) == 0 {
		t.Fatalf("empty script:\n%s", script)
	}
	if err := migrate.Apply(ctx, d.(migrate.Target), &plan); err != nil {
		t.Fatalf("running the script: %v\n%s", err, script)
	}
}

func TestSchemaDumpUnknownScheme(t *testing.T) {
	code, out, errOut := runCLI(t, "schema", "create", "--dump", "--schemas", examples, "--db", "mongodb://127.0.0.1:1/x")
	if code != 1 || out != "" || !strings.Contains(errOut, `no SQL dialect for "mongodb://127.0.0.1:1/x"`) {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestSchemaBadEntities(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.yaml"), "entity: A\nproperties:\n  id: { type: nope, primary: true }\n")
	code, _, errOut := runCLI(t, "schema", "create", "--schemas", dir, "--db", "sqlite::memory:")
	if code != 1 || !strings.Contains(errOut, "a.yaml:3:") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestConfigLookup checks the order: --schemas, then dorm.yaml, then ./schemas; --db, then
// $DORM_DATABASE_URL, then dorm.yaml, then sqlite:file:dorm.db.
func TestConfigLookup(t *testing.T) {
	abs, err := filepath.Abs(examples)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(envDatabaseURL, "")

	// Nothing configured: ./schemas and ./dorm.db.
	if code, _, errOut := runCLI(t, "validate"); code != 1 || !strings.Contains(errOut, "schemas") {
		t.Errorf("validate without schemas: exit %d, stderr %q", code, errOut)
	}
	if err := os.CopyFS(filepath.Join(dir, "schemas"), os.DirFS(abs)); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "validate"); code != 0 || out != "ok: 4 entities in schemas\n" {
		t.Errorf("validate ./schemas: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "schema", "create"); code != 0 {
		t.Fatalf("schema create: exit %d, stderr %q", code, errOut)
	}
	if len(tables(t, filepath.Join(dir, "dorm.db"))) == 0 {
		t.Error("schema create without --db did not use ./dorm.db")
	}

	// dorm.yaml.
	writeFile(t, "dorm.yaml", "schemas: "+abs+"\ndatabase: sqlite:file:from-yaml.db\n")
	if code, out, _ := runCLI(t, "validate"); code != 0 || out != "ok: 4 entities in "+abs+"\n" {
		t.Errorf("validate with dorm.yaml: exit %d, stdout %q", code, out)
	}
	if code, out, errOut := runCLI(t, "schema", "create"); code != 0 || !strings.HasSuffix(out, "in sqlite:file:from-yaml.db\n") {
		t.Errorf("schema create with dorm.yaml: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "validate", "--schemas", "schemas"); code != 0 || out != "ok: 4 entities in schemas\n" {
		t.Errorf("--schemas over dorm.yaml: exit %d, stdout %q", code, out)
	}

	// The environment over dorm.yaml, the flag over both.
	t.Setenv(envDatabaseURL, "sqlite:file:from-env.db")
	if _, out, _ := runCLI(t, "schema", "create"); !strings.HasSuffix(out, "in sqlite:file:from-env.db\n") {
		t.Errorf("$%s: stdout %q", envDatabaseURL, out)
	}
	if _, out, _ := runCLI(t, "schema", "create", "--db", "sqlite:file:from-flag.db"); !strings.HasSuffix(out, "in sqlite:file:from-flag.db\n") {
		t.Errorf("--db: stdout %q", out)
	}
	for _, f := range []string{"from-yaml.db", "from-env.db", "from-flag.db"} {
		if len(tables(t, filepath.Join(dir, f))) == 0 {
			t.Errorf("%s has no tables", f)
		}
	}

	// A mistake in dorm.yaml is an error.
	writeFile(t, "dorm.yaml", "schema: typo\n")
	if code, _, errOut := runCLI(t, "validate"); code != 1 || !strings.Contains(errOut, "dorm.yaml") {
		t.Errorf("bad dorm.yaml: exit %d, stderr %q", code, errOut)
	}
}

func TestDemo(t *testing.T) {
	url := "sqlite:file:" + filepath.Join(t.TempDir(), "demo.db")
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out, url); err != nil {
		t.Fatalf("runDemo: %v\noutput:\n%s", err, out.String())
	}
	checkDemoOutput(t, out.String())

	// Again on the same database: the demo drops its tables first.
	out.Reset()
	if err := runDemo(context.Background(), &out, url); err != nil {
		t.Fatalf("second runDemo on the same database: %v\noutput:\n%s", err, out.String())
	}
	checkDemoOutput(t, out.String())
}

func TestDemoCommandDefaultDatabase(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	code, out, errOut := runCLI(t, "demo")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	first, _, _ := strings.Cut(out, "\n")
	if !strings.HasPrefix(first, "database: sqlite:file:"+tmp) || !strings.Contains(first, "demo.db") {
		t.Errorf("first line %q does not name a new file under %s", first, tmp)
	}
	checkDemoOutput(t, out)
}

func checkDemoOutput(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		"== 1. Create the schema ==",
		`  > INSERT INTO "author" (`,
		`  > INSERT INTO "book_tags" ("book_id", "book_tag_id") VALUES (?, ?)  [`,
		`{"author":{"name":{"$re":"^Jon"}}}`,
		`REGEXP ?) ORDER BY t0."title" ASC  ["^Jon"]`,
		`"My Life on The Wall, part 1" by Jon Snow, tags [silly sick]; publisher Publisher(1) initialised=false`,
		"ref == book.Ref(\"author\"): true",
		"initialised=true, name=Jon Snow",
		"jon == authors[0]: true",
		"jon == jon2: true",
		"same pointer: true",
		`  > DELETE FROM "book_tags"`,
		"tags.Len() = 2, tags.IDs() = [2 3], tags.Contains(silly) = false",
		"books tagged strange in the database now: 3",
		"2 of 3",
		"  > ROLLBACK",
		"errors.Is(err, em.ErrOptimisticLock) = true",
		"demo: all 10 steps passed",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// tables lists the tables of a SQLite file, sorted.
func tables(t *testing.T, path string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		out = append(out, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

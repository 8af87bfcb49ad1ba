package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSchemaDiffExitCodes(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:file:" + filepath.Join(dir, "app.db")

	// Changes to apply: exit 2, the SQL on stdout.
	code, out, errOut := runCLI(t, "schema", "diff", "--schemas", examples, "--db", url)
	if code != 2 || !strings.Contains(out, `CREATE TABLE "author"`) {
		t.Fatalf("diff on an empty database: exit %d, stdout %q, stderr %q; want 2 with CREATE TABLE", code, out, errOut)
	}
	code, out, _ = runCLI(t, "schema", "diff", "--schemas", examples, "--db", url, "--json")
	var j jsonPlan
	if code != 2 || json.Unmarshal([]byte(out), &j) != nil || len(j.Changes) == 0 || len(j.Statements) == 0 {
		t.Fatalf("diff --json: exit %d, %q", code, out)
	}

	// --dump prints and changes nothing.
	if code, _, errOut := runCLI(t, "schema", "update", "--schemas", examples, "--db", url, "--dump"); code != 0 {
		t.Fatalf("update --dump: exit %d, %s", code, errOut)
	}
	if code, _, _ := runCLI(t, "schema", "diff", "--schemas", examples, "--db", url); code != 2 {
		t.Fatalf("--dump changed the database")
	}

	// After update: nothing to do, exit 0.
	if code, out, errOut := runCLI(t, "schema", "update", "--schemas", examples, "--db", url); code != 0 {
		t.Fatalf("update: exit %d, %s %s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "schema", "diff", "--schemas", examples, "--db", url)
	if code != 0 {
		t.Fatalf("diff after update: exit %d, stdout:\n%s\nstderr: %s", code, out, errOut)
	}

	// A database created by schema create (sqlbase's DDL) has no diff either.
	url2 := "sqlite:file:" + filepath.Join(dir, "created.db")
	if code, _, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", url2); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := runCLI(t, "schema", "diff", "--schemas", examples, "--db", url2); code != 0 {
		t.Fatalf("diff after schema create: exit %d:\n%s", code, out)
	}

	// Errors: exit 1.
	if code, _, _ := runCLI(t, "schema", "diff", "--schemas", filepath.Join(dir, "nope"), "--db", url); code != 1 {
		t.Errorf("missing schemas: exit %d, want 1", code)
	}
	if code, _, errOut := runCLI(t, "schema", "diff", "--schemas", examples, "--db", "nosuch://x"); code != 1 || errOut == "" {
		t.Errorf("unknown driver: exit %d, want 1", code)
	}
}

func TestSchemaUpdateRefusesDestructive(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:file:" + filepath.Join(dir, "app.db")
	schemas := filepath.Join(dir, "schemas")
	if err := os.Mkdir(schemas, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(schemas, "a.yaml"), "entity: Author\nproperties:\n  id: { type: int, primary: true }\n  bio: { type: text, nullable: true }\n")
	if code, _, errOut := runCLI(t, "schema", "update", "--schemas", schemas, "--db", url); code != 0 {
		t.Fatal(errOut)
	}
	writeFile(t, filepath.Join(schemas, "a.yaml"), "entity: Author\nproperties:\n  id: { type: int, primary: true }\n")
	code, _, errOut := runCLI(t, "schema", "update", "--schemas", schemas, "--db", url)
	if code != 1 || !strings.Contains(errOut, "author.bio: column is dropped") {
		t.Fatalf("destructive update: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "schema", "update", "--schemas", schemas, "--db", url, "--allow-destructive"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, _ := runCLI(t, "schema", "diff", "--schemas", schemas, "--db", url); code != 0 {
		t.Errorf("diff after update: exit %d", code)
	}
}

func TestMigrateWorkflow(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:file:" + filepath.Join(dir, "app.db")
	migs := filepath.Join(dir, "migrations")
	schemas := filepath.Join(dir, "schemas")
	if err := os.Mkdir(schemas, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(schemas, "a.yaml"), "entity: Author\nproperties:\n  id: { type: int, primary: true }\n  name: { type: string }\n")
	args := func(a ...string) []string { return append(a, "--schemas", schemas, "--db", url, "--dir", migs) }

	code, out, errOut := runCLI(t, args("migrate", "create", "--name", "init")...)
	if code != 0 || !strings.Contains(out, "_init.up.sql") {
		t.Fatalf("create: exit %d, %q %q", code, out, errOut)
	}
	// Online create with a pending migration is refused; offline diffs the snapshot.
	if code, _, errOut := runCLI(t, args("migrate", "create")...); code != 1 || !strings.Contains(errOut, "pending") {
		t.Fatalf("create with a pending migration: exit %d %q", code, errOut)
	}
	if code, out, _ := runCLI(t, args("migrate", "create", "--offline")...); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("offline create without changes: exit %d %q", code, out)
	}
	if code, out, errOut := runCLI(t, args("migrate", "up")...); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("up: exit %d %q %q", code, out, errOut)
	}
	if code, _, _ := runCLI(t, "schema", "diff", "--schemas", schemas, "--db", url); code != 0 {
		t.Fatalf("diff after up: exit %d", code)
	}
	// A rename by declaration, offline.
	writeFile(t, filepath.Join(schemas, "a.yaml"), "entity: Author\nproperties:\n  id: { type: int, primary: true }\n  fullName: { type: string, renamedFrom: name }\n")
	if code, out, errOut := runCLI(t, args("migrate", "create", "--name", "rename", "--offline")...); code != 0 {
		t.Fatalf("offline create: exit %d %q %q", code, out, errOut)
	}
	ups, _ := filepath.Glob(filepath.Join(migs, "*_rename.up.sql"))
	if len(ups) != 1 {
		t.Fatalf("rename migration: %v", ups)
	}
	if data, _ := os.ReadFile(ups[0]); !strings.Contains(string(data), `RENAME COLUMN "name" TO "full_name"`) {
		t.Errorf("rename migration:\n%s", data)
	}
	code, out, _ = runCLI(t, args("migrate", "status")...)
	if code != 0 || strings.Count(out, "applied") != 1 || strings.Count(out, "pending") != 1 {
		t.Fatalf("status: exit %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, args("migrate", "up")...); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := runCLI(t, "schema", "diff", "--schemas", schemas, "--db", url); code != 0 {
		t.Fatalf("diff after second up: exit %d\n%s", code, out)
	}
	if code, out, errOut := runCLI(t, args("migrate", "down", "--steps", "2")...); code != 0 || strings.Count(out, "reverted") != 2 {
		t.Fatalf("down: exit %d %q %q", code, out, errOut)
	}
	if got := tables(t, filepath.Join(dir, "app.db")); len(got) != 1 || got[0] != "dorm_migrations" {
		t.Errorf("tables after down: %v", got)
	}
}

package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// postgresTestDatabase creates a database of its own on the server of
// DORM_TEST_POSTGRES_URL, drops it when t ends and returns its URL. Without a server it
// skips, loudly; with CI=true it fails.
func postgresTestDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DORM_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		unreachable(t, "DORM_TEST_POSTGRES_URL", err)
	}
	name := scratchName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close(context.Background())
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close(context.Background())
	})
	u, _ := url.Parse(base)
	u.Path = "/" + name
	return u.String()
}

// TestMigratePostgres: schema diff/update and migrate create/up/status/down with a
// postgres:// URL.
func TestMigratePostgres(t *testing.T) {
	db := postgresTestDatabase(t)
	dir := filepath.Join(t.TempDir(), "migrations")
	code, out, errOut := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db)
	if code != 2 || !strings.Contains(out, `CREATE TABLE "author"`) {
		t.Fatalf("diff on an empty database: exit %d, %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "migrate", "create", "--name", "init", "--schemas", examples, "--db", db, "--dir", dir, "--offline"); code != 0 {
		t.Fatalf("migrate create --offline: exit %d, %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "migrate", "up", "--schemas", examples, "--db", db, "--dir", dir); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate up: exit %d, %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db); code != 0 {
		t.Fatalf("diff after up: exit %d, %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "migrate", "create", "--name", "noop", "--schemas", examples, "--db", db, "--dir", dir); code != 0 || !strings.Contains(out, "no changes") {
		t.Fatalf("migrate create online after up: exit %d, %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "migrate", "status", "--schemas", examples, "--db", db, "--dir", dir); code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("status: exit %d, %s", code, out)
	}
	if code, out, errOut := runCLI(t, "migrate", "down", "--schemas", examples, "--db", db, "--dir", dir); code != 0 {
		t.Fatalf("migrate down: exit %d, %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "schema", "update", "--schemas", examples, "--db", db); code != 0 {
		t.Fatalf("schema update: exit %d, %s %s", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db); code != 0 {
		t.Fatalf("diff after update: exit %d, %s", code, out)
	}

	// A database made by schema create (sqlbase's DDL) has no diff either.
	db2 := postgresTestDatabase(t)
	if code, _, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", db2); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db2); code != 0 {
		t.Fatalf("diff after schema create: exit %d:\n%s", code, out)
	}
}

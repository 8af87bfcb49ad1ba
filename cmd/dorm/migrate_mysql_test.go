package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/dorm-go/dorm/drivers/mysql"
)

// mysqlTestDatabase creates a database of its own on the server of DORM_TEST_MYSQL_URL
// (default mysql.DefaultTestURL's server), drops it when t ends and returns its URL. Without
// a server it skips, loudly; with CI=true it fails.
func mysqlTestDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DORM_TEST_MYSQL_URL")
	if base == "" {
		base = "mysql://root@127.0.0.1:3306/test"
	}
	skip := func(err error) {
		msg := "MySQL/MariaDB server unreachable: set DORM_TEST_MYSQL_URL (now " + base + "): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: a missing server is a failure)")
		}
		t.Skip("SKIPPING: " + msg)
	}
	c, err := mysql.ParseURL(base)
	if err != nil {
		t.Fatal(err)
	}
	c.DBName = ""
	conn, err := gomysql.NewConnector(c)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(context.Background()); err != nil {
		skip(err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "dorm_cli_" + hex.EncodeToString(rnd[:])
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE " + mysql.Collation); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			t.Errorf("drop %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// TestMigrateMySQL: schema diff/update and migrate create/up/status/down with a mysql:// URL.
func TestMigrateMySQL(t *testing.T) {
	db := mysqlTestDatabase(t)
	dir := filepath.Join(t.TempDir(), "migrations")
	code, out, errOut := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db)
	if code != 2 || !strings.Contains(out, "CREATE TABLE `author`") {
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
	db2 := mysqlTestDatabase(t)
	if code, _, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", db2); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := runCLI(t, "schema", "diff", "--schemas", examples, "--db", db2); code != 0 {
		t.Fatalf("diff after schema create: exit %d:\n%s", code, out)
	}
}

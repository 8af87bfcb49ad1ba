package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// unreachable skips the test loudly, or fails it when CI=true.
func unreachable(t *testing.T, variable string, err error) {
	t.Helper()
	msg := fmt.Sprintf("server not reachable (set %s to point at one): %v", variable, err)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip("SKIPPED: " + msg)
}

func scratchName() string {
	return fmt.Sprintf("dorm_demo_%d_%d", os.Getpid(), rand.IntN(1_000_000))
}

// TestDemoOnPostgres runs the walkthrough on a database of its own on the PostgreSQL server.
func TestDemoOnPostgres(t *testing.T) {
	base := os.Getenv("DORM_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		unreachable(t, "DORM_TEST_POSTGRES_URL", err)
	}
	defer admin.Close(context.Background())
	name := scratchName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u, _ := url.Parse(base)
	u.Path = "/" + name
	runDemoTest(t, u.String())
}

// TestDemoOnMySQL runs the walkthrough on a database of its own on the MySQL/MariaDB server.
func TestDemoOnMySQL(t *testing.T) {
	base := os.Getenv("DORM_TEST_MYSQL_URL")
	if base == "" {
		base = "mysql://root@127.0.0.1:3306/test"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	dsn := fmt.Sprintf("%s:%s@tcp(%s)/", u.User.Username(), pass, u.Host)
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if err := admin.Ping(); err != nil {
		unreachable(t, "DORM_TEST_MYSQL_URL", err)
	}
	name := scratchName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec("DROP DATABASE IF EXISTS " + name) })
	u.Path = "/" + name
	runDemoTest(t, u.String())
}

func runDemoTest(t *testing.T, url string) {
	t.Helper()
	var out bytes.Buffer
	if err := runDemo(context.Background(), &out, url); err != nil {
		t.Fatalf("demo on %s: %v\n%s", url, err, out.String())
	}
	for _, want := range []string{"demo: all 10 steps passed", "errors.Is(err, em.ErrOptimisticLock) = true"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
}

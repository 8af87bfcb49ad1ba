package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
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

// postgresScratch returns the URL of a new database on the PostgreSQL server, dropped when
// the test ends.
func postgresScratch(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DORM_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		unreachable(t, "DORM_TEST_POSTGRES_URL", err)
	}
	name := scratchName()
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
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

// mysqlScratch returns the URL of a new database on the MySQL/MariaDB server, dropped when
// the test ends.
func mysqlScratch(t *testing.T) string {
	t.Helper()
	base := os.Getenv("DORM_TEST_MYSQL_URL")
	if base == "" {
		base = "mysql://root@127.0.0.1:3306/test"
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	admin, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/", u.User.Username(), pass, u.Host))
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.Ping(); err != nil {
		admin.Close()
		unreachable(t, "DORM_TEST_MYSQL_URL", err)
	}
	name := scratchName()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec("DROP DATABASE IF EXISTS " + name)
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// TestDemoOnPostgres and TestDemoOnMySQL run the walkthrough on a database of their own.
func TestDemoOnPostgres(t *testing.T) { runDemoTest(t, postgresScratch(t)) }

// TestSchemaDumpOnServers: the --dump scripts of PostgreSQL and MySQL run on their server.
func TestSchemaDumpOnServers(t *testing.T) {
	t.Run("postgres", func(t *testing.T) { dumpRoundTrip(t, postgresScratch(t), examples) })
	t.Run("mysql", func(t *testing.T) { dumpRoundTrip(t, mysqlScratch(t), examples) })
}

// TestKeysAndEmbeddedSchema: a model with relations in primary keys and embedded values
// (testdata/keys) is created by the --dump script and then matches the database, on each
// database.
func TestKeysAndEmbeddedSchema(t *testing.T) {
	const dir = "testdata/keys"
	t.Run("sqlite", func(t *testing.T) { dumpRoundTrip(t, "sqlite:file:"+filepath.Join(t.TempDir(), "k.db"), dir) })
	t.Run("postgres", func(t *testing.T) { dumpRoundTrip(t, postgresScratch(t), dir) })
	t.Run("mysql", func(t *testing.T) { dumpRoundTrip(t, mysqlScratch(t), dir) })
}
func TestDemoOnMySQL(t *testing.T) { runDemoTest(t, mysqlScratch(t)) }

// TestGenerateOnServers: entity files generated from a database dorm created load back, show
// no diff against it, and come out the same twice.
func TestGenerateOnServers(t *testing.T) {
	for name, scratch := range map[string]func(*testing.T) string{"postgres": postgresScratch, "mysql": mysqlScratch} {
		t.Run(name, func(t *testing.T) {
			db := scratch(t)
			sh := func(want int, args ...string) string {
				t.Helper()
				var out, errb bytes.Buffer
				if code := run(context.Background(), args, &out, &errb); code != want {
					t.Fatalf("dorm %s: exit %d, want %d\n%s%s", strings.Join(args, " "), code, want, out.String(), errb.String())
				}
				return out.String()
			}
			sh(0, "schema", "create", "--schemas", "../../examples/schemas", "--db", db)
			first, second := t.TempDir(), t.TempDir()
			sh(0, "generate", "entities", "--db", db, "--out", first)
			sh(0, "generate", "entities", "--db", db, "--out", second)
			sh(0, "schema", "diff", "--schemas", first, "--db", db)
			for _, f := range []string{"author.yaml", "book.yaml", "book_tag.yaml", "publisher.yaml"} {
				a, err1 := os.ReadFile(first + "/" + f)
				b, err2 := os.ReadFile(second + "/" + f)
				if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
					t.Errorf("%s differs between two runs (%v %v)", f, err1, err2)
				}
			}
		})
	}
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

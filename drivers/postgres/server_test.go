package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// URLEnv names the variable with the URL of the test server. Each test creates its own
// database on that server (dorm_t_<pid>_<n>_<random>) and drops it when it ends; the
// database of the URL itself is only used for CREATE/DROP DATABASE.
const URLEnv = "DORM_TEST_POSTGRES_URL"

const defaultTestURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

func testURL() string {
	if u := os.Getenv(URLEnv); u != "" {
		return u
	}
	return defaultTestURL
}

var admin struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

var dbCounter atomic.Int64

// adminPool returns a pool on the server of testURL, or skips the test (fails it when
// CI=true) when the server cannot be reached.
func adminPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	admin.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		admin.pool, admin.err = pgxpool.New(ctx, testURL())
		if admin.err == nil {
			if admin.err = admin.pool.Ping(ctx); admin.err != nil {
				admin.pool.Close()
			}
		}
	})
	if admin.err != nil {
		msg := fmt.Sprintf("PostgreSQL server not reachable at %s=%q: %v", URLEnv, redactURL(testURL()), admin.err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: failing instead of skipping)")
		}
		t.Skip("SKIPPING POSTGRES TESTS: " + msg + " (set " + URLEnv + " to a server where the user may CREATE DATABASE)")
	}
	return admin.pool
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// newDatabase creates an empty database for t, dropped (WITH (FORCE)) when t ends, and
// returns its URL.
func newDatabase(t testing.TB) string {
	t.Helper()
	pool := adminPool(t)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("dorm_t_%d_%d_%s", os.Getpid(), dbCounter.Add(1), hex.EncodeToString(rnd[:]))
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+Dialect{}.QuoteIdent(name)+" TEMPLATE template0"); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP DATABASE IF EXISTS "+Dialect{}.QuoteIdent(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(testURL())
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

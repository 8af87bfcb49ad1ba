package mysql

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// DefaultTestURL is the server the tests use when DORM_TEST_MYSQL_URL is not set.
const DefaultTestURL = "mysql://root@127.0.0.1:3306/test"

var (
	adminOnce sync.Once
	adminDB   *sql.DB
	adminURL  string
	adminErr  error
	dbCounter atomic.Int64
)

func admin() (*sql.DB, string, error) {
	adminOnce.Do(func() {
		adminURL = os.Getenv("DORM_TEST_MYSQL_URL")
		if adminURL == "" {
			adminURL = DefaultTestURL
		}
		c, err := ParseURL(adminURL)
		if err != nil {
			adminErr = err
			return
		}
		conn, err := mysql.NewConnector(c)
		if err != nil {
			adminErr = err
			return
		}
		db := sql.OpenDB(conn)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			adminErr = err
			return
		}
		adminDB = db
	})
	return adminDB, adminURL, adminErr
}

// NewTestDatabase creates a database of its own for t on the server of DORM_TEST_MYSQL_URL
// (default DefaultTestURL), named dorm_t_<pid>_<counter>_<random>, drops it when t ends and
// returns its URL. Without a server it skips t, loudly; with CI=true it fails t instead.
func NewTestDatabase(t testing.TB) string {
	t.Helper()
	db, base, err := admin()
	if err != nil {
		msg := fmt.Sprintf("MySQL/MariaDB server unreachable: set DORM_TEST_MYSQL_URL (now %q, default %s): %v", os.Getenv("DORM_TEST_MYSQL_URL"), DefaultTestURL, err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: a missing server is a failure)")
		}
		t.Skip("SKIPPING: " + msg)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("dorm_t_%d_%d_%s", os.Getpid(), dbCounter.Add(1), hex.EncodeToString(rnd[:]))
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE "+Collation); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Package mysql is dorm's driver for MySQL 8 and MariaDB 10.6+, on
// github.com/go-sql-driver/mysql through database/sql. Importing it registers the URL schemes
// "mysql" and "mariadb":
//
//	import _ "github.com/dorm-go/dorm/drivers/mysql"
//
//	orm, err := em.Open(ctx, em.Config{SchemaDir: "schemas", URL: "mysql://user:pass@host:3306/db"})
//
// # Dialect
//
// The SQL comes from package sqlbase with the hooks of [Dialect]: backtick quoting, ?
// placeholders, utf8mb4_bin text columns (case-sensitive =, $like and $re), DECIMAL read back
// as exact text, DATETIME(6) in UTC, and error classification by server error number.
//
// # Writes
//
// Inserts are multi-row statements; generated keys come from INSERT … RETURNING on MariaDB
// 10.5+, from LAST_INSERT_ID() where one statement's keys are consecutive, else from a
// prepared INSERT per row ([InsertMode]). Unversioned updates with the same fields are one
// UPDATE … CASE statement; versioned ones run per row so that a stale row is named.
//
// See docs/mysql.md for the type mapping, the guarantees and how the tests find a server
// (DORM_TEST_MYSQL_URL; CI=true turns a missing server into a failure).
package mysql

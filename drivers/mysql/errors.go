package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/go-sql-driver/mysql"

	"github.com/dorm-go/dorm/drivers"
)

// Server error numbers that are constraint violations (MySQL and MariaDB share them, except
// for CHECK).
const (
	errDupKey          = 1022 // ER_DUP_KEY
	errDupEntry        = 1062 // ER_DUP_ENTRY
	errDupEntryKeyName = 1586 // ER_DUP_ENTRY_WITH_KEY_NAME
	errBadNull         = 1048 // ER_BAD_NULL_ERROR: NULL written to a NOT NULL column
	errNoDefault       = 1364 // ER_NO_DEFAULT_FOR_FIELD: a NOT NULL column without a value
	errRowIsReferenced = 1451 // ER_ROW_IS_REFERENCED_2: deleting a referenced parent
	errNoReferenced    = 1452 // ER_NO_REFERENCED_ROW_2: a child without its parent
	errRowIsRef        = 1217 // ER_ROW_IS_REFERENCED (old servers, no constraint name)
	errNoRef           = 1216 // ER_NO_REFERENCED_ROW (old servers)
	errCheckMySQL      = 3819 // ER_CHECK_CONSTRAINT_VIOLATED (MySQL 8.0.16+)
	errCheckMariaDB    = 4025 // ER_CONSTRAINT_FAILED (MariaDB 10.2+)
	errDeadlock        = 1213 // ER_LOCK_DEADLOCK: the transaction was rolled back
)

// classify turns a constraint violation into a *drivers.ConstraintError and a broken
// connection into a *drivers.ConnError; other errors are returned as they are. The kind comes
// from the error number only; the message is read only to fill Constraint and Column.
func classify(err error, mariaDB bool) error {
	if err == nil {
		return nil
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		if ce := constraint(me, mariaDB); ce != nil {
			ce.Err = err
			return ce
		}
		if me.Number == errDeadlock {
			// InnoDB rolled the whole transaction back, not only the statement.
			return &drivers.RetryError{Reason: "deadlock", Err: err}
		}
		return err
	}
	return connError(err)
}

func constraint(me *mysql.MySQLError, mariaDB bool) *drivers.ConstraintError {
	msg := me.Message
	switch me.Number {
	case errDupEntry, errDupEntryKeyName, errDupKey:
		// "Duplicate entry 'x' for key 'author_email_unique'" (MySQL 8: 'author.author_email_unique')
		name := lastQuoted(msg, '\'')
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		return &drivers.ConstraintError{Kind: drivers.Unique, Constraint: name}
	case errBadNull, errNoDefault:
		// "Column 'name' cannot be null", "Field 'name' doesn't have a default value"
		return &drivers.ConstraintError{Kind: drivers.NotNull, Column: firstQuoted(msg, '\'')}
	case errRowIsReferenced, errNoReferenced, errRowIsRef, errNoRef:
		// "... a foreign key constraint fails (`db`.`book`, CONSTRAINT `book_author_id_foreign`
		// FOREIGN KEY (`author_id`) REFERENCES `author` (`id`))"
		ce := &drivers.ConstraintError{Kind: drivers.ForeignKey}
		if _, rest, ok := strings.Cut(msg, "CONSTRAINT `"); ok {
			ce.Constraint, rest, _ = strings.Cut(rest, "`")
			if _, rest, ok = strings.Cut(rest, "FOREIGN KEY (`"); ok {
				ce.Column, _, _ = strings.Cut(rest, "`")
			}
		}
		if _, rest, ok := strings.Cut(msg, "fails (`"); ok {
			if _, rest, ok = strings.Cut(rest, "`.`"); ok {
				ce.Table, _, _ = strings.Cut(rest, "`")
			}
		}
		return ce
	case errCheckMySQL:
		if mariaDB {
			return nil
		}
		// "Check constraint 'book_status_check' is violated."
		return &drivers.ConstraintError{Kind: drivers.Check, Constraint: firstQuoted(msg, '\'')}
	case errCheckMariaDB:
		if !mariaDB {
			return nil
		}
		// "CONSTRAINT `book_status_check` failed for `db`.`book`"; a column-level check (the
		// JSON_VALID of a JSON column) is named `table.column`.
		ce := &drivers.ConstraintError{Kind: drivers.Check, Constraint: firstQuoted(msg, '`')}
		if _, rest, ok := strings.Cut(msg, " failed for `"); ok {
			if _, rest, ok = strings.Cut(rest, "`.`"); ok {
				ce.Table, _, _ = strings.Cut(rest, "`")
			}
		}
		return ce
	}
	return nil
}

func firstQuoted(s string, q byte) string {
	i := strings.IndexByte(s, q)
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i+1:], q)
	if j < 0 {
		return ""
	}
	return s[i+1 : i+1+j]
}

func lastQuoted(s string, q byte) string {
	j := strings.LastIndexByte(s, q)
	if j <= 0 {
		return ""
	}
	i := strings.LastIndexByte(s[:j], q)
	if i < 0 {
		return ""
	}
	return s[i+1 : j]
}

// connError wraps errors of the connection. database/sql returns driver.ErrBadConn only when
// go-sql-driver/mysql has sent nothing (and its own retries are used up), and a failed dial
// sent nothing either: those are safe to retry. mysql.ErrInvalidConn, a broken read or write
// and a network error after connecting may have reached the server: not safe.
func connError(err error) error {
	var ce *drivers.ConnError
	if errors.As(err, &ce) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err // context.DeadlineExceeded is a net.Error too
	}
	if errors.Is(err, driver.ErrBadConn) {
		return &drivers.ConnError{Err: err, Retry: true}
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &drivers.ConnError{Err: err, Retry: true}
	}
	var ne net.Error
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) {
		return &drivers.ConnError{Err: err}
	}
	return err
}

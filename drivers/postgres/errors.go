package postgres

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dorm-go/dorm/drivers"
)

// SQLSTATE codes of the constraint violations (class 23).
const (
	codeNotNull    = "23502"
	codeForeignKey = "23503"
	codeUnique     = "23505"
	codeCheck      = "23514"
)

// classify turns a server error with a constraint SQLSTATE into a *drivers.ConstraintError
// and an error of the connection into a *drivers.ConnError; other errors are returned as
// they are. The kind comes from the code only; the detail text is read only to fill Column
// where the server gives no column field (unique and foreign-key violations).
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ce *drivers.ConstraintError
	var ne *drivers.ConnError
	var re *drivers.RetryError
	if errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &re) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		var kind drivers.ConstraintKind
		switch pe.Code {
		case codeUnique:
			kind = drivers.Unique
		case codeNotNull:
			kind = drivers.NotNull
		case codeForeignKey:
			kind = drivers.ForeignKey
		case codeCheck:
			kind = drivers.Check
		case "40P01":
			return &drivers.RetryError{Reason: "deadlock", Err: err}
		case "40001":
			return &drivers.RetryError{Reason: "serialization failure", Err: err}
		default:
			// Class 08 (connection exception) and 57P01-57P03 (the server terminated the
			// connection: admin or crash shutdown, cannot connect now).
			if strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") {
				return &drivers.ConnError{Err: err, Retry: pgconn.SafeToRetry(err)}
			}
			return err
		}
		c := &drivers.ConstraintError{Kind: kind, Table: pe.TableName, Constraint: pe.ConstraintName,
			Column: pe.ColumnName, Err: err}
		if c.Column == "" && (kind == drivers.Unique || kind == drivers.ForeignKey) {
			c.Column = keyColumns(pe.Detail)
		}
		return c
	}
	if isConnError(err) {
		return &drivers.ConnError{Err: err, Retry: pgconn.SafeToRetry(err)}
	}
	return err
}

// isConnError reports whether err is a failure of the connection rather than of a statement.
func isConnError(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var connect *pgconn.ConnectError
	var netErr net.Error
	switch {
	case errors.As(err, &connect), errors.As(err, &netErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return true
	}
	// pgconn marks errors that certainly did not reach the server (a closed or busy
	// connection) as safe to retry.
	return pgconn.SafeToRetry(err)
}

// keyColumns reads the columns of "Key (a, b)=(1, 2) already exists." (or "... is not
// present in table ...").
func keyColumns(detail string) string {
	rest, ok := strings.CutPrefix(detail, "Key (")
	if !ok {
		return ""
	}
	cols, _, ok := strings.Cut(rest, ")=(")
	if !ok {
		return ""
	}
	return cols
}

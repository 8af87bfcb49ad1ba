package sqlite

import (
	"errors"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/dorm-go/dorm/drivers"
)

// classify turns a constraint violation into a *drivers.ConstraintError, from the extended
// result code only. The message is read only to fill Table, Column and Constraint.
func classify(err error) *drivers.ConstraintError {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	var kind drivers.ConstraintKind
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		kind = drivers.Unique
	case sqlite3.SQLITE_CONSTRAINT_NOTNULL:
		kind = drivers.NotNull
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		kind = drivers.ForeignKey
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		kind = drivers.Check
	default:
		return nil
	}
	ce := &drivers.ConstraintError{Kind: kind, Err: err}
	detail := constraintDetail(se.Error())
	switch kind {
	case drivers.Unique, drivers.NotNull:
		// "author.email" or "book_tags.book_id, book_tags.book_tag_id"
		var cols []string
		for _, tc := range strings.Split(detail, ", ") {
			table, col, ok := strings.Cut(tc, ".")
			if !ok {
				cols = nil
				break
			}
			ce.Table = table
			cols = append(cols, col)
		}
		ce.Column = strings.Join(cols, ", ")
	case drivers.Check:
		ce.Constraint = detail // the constraint name (the expression when unnamed)
	}
	return ce
}

// constraintDetail returns what follows "constraint failed: " in a SQLite message, without
// modernc's trailing " (code)".
func constraintDetail(msg string) string {
	const marker = "constraint failed: "
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return ""
	}
	s := msg[i+len(marker):]
	if j := strings.LastIndex(s, " ("); j >= 0 && strings.HasSuffix(s, ")") {
		s = s[:j]
	}
	return s
}

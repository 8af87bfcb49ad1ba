package sqlite

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Dialect is the SQLite dialect of package sqlbase.
type Dialect struct{}

var _ sqlbase.Dialect = Dialect{}

// DateTimeLayout is how a datetime is stored: UTC, fixed width with microseconds, so that
// text order is time order.
const DateTimeLayout = "2006-01-02 15:04:05.000000"

// DateLayout is how a date is stored.
const DateLayout = "2006-01-02"

// DecimalCollation is the collation of decimal columns: it compares the stored text as exact
// decimal numbers (see decimalCompare).
const DecimalCollation = "dorm_decimal"

func (Dialect) Name() string { return "sqlite" }

func (Dialect) QuoteIdent(name string) string {
	if !strings.Contains(name, `"`) {
		return `"` + name + `"`
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (Dialect) Placeholder(int) string { return "?" }

// NumberedPlaceholder is ?NNN, which a statement may repeat: a multi-row insert binds a
// value that all its rows share once (sqlbase.MultiInsert.Share).
func (Dialect) NumberedPlaceholder(n int) string { return "?" + strconv.Itoa(n) }

// ColumnType maps the scalar types; see docs/sqlite.md.
func (Dialect) ColumnType(p *schema.Property) string {
	switch p.Type {
	case schema.Int, schema.BigInt, schema.SmallInt, schema.Boolean:
		return "INTEGER"
	case schema.Float, schema.Double:
		return "REAL"
	case schema.Decimal:
		return "TEXT COLLATE " + DecimalCollation
	case schema.Date:
		return "DATE"
	case schema.DateTime:
		return "DATETIME"
	case schema.Blob:
		return "BLOB"
	}
	return "TEXT" // string text enum uuid objectId time json
}

// Match writes $like as GLOB (case-sensitive; the LIKE pattern is translated), $ilike as LIKE
// with backslash escapes (case-insensitive for ASCII letters), $re as REGEXP (Go regexp).
func (Dialect) Match(b *sqlbase.Builder, col string, op query.Op, pattern string) error {
	b.WriteString(col)
	switch op {
	case query.Like:
		b.WriteString(" GLOB ")
		b.Arg(likeToGlob(pattern))
	case query.ILike:
		b.WriteString(` LIKE `)
		b.Arg(pattern)
		b.WriteString(` ESCAPE '\'`)
	case query.Re:
		b.WriteString(" REGEXP ")
		b.Arg(pattern)
	default:
		return fmt.Errorf("sqlite: %v is not a match operator", op)
	}
	return nil
}

// likeToGlob translates a LIKE pattern (% _ and backslash escapes) to a GLOB pattern.
func likeToGlob(p string) string {
	var b strings.Builder
	b.Grow(len(p) + 4)
	lit := func(c rune) {
		switch c {
		case '*':
			b.WriteString("[*]")
		case '?':
			b.WriteString("[?]")
		case '[':
			b.WriteString("[[]")
		default:
			b.WriteRune(c)
		}
	}
	escaped := false
	for _, c := range p {
		switch {
		case escaped:
			lit(c)
			escaped = false
		case c == '\\':
			escaped = true
		case c == '%':
			b.WriteByte('*')
		case c == '_':
			b.WriteByte('?')
		default:
			lit(c)
		}
	}
	if escaped {
		b.WriteString(`\`)
	}
	return b.String()
}

func (Dialect) LimitOffset(b *sqlbase.Builder, limit, offset int) {
	b.WriteString(" LIMIT ")
	if limit > 0 {
		b.Arg(int64(limit))
	} else {
		b.WriteString("-1")
	}
	if offset > 0 {
		b.WriteString(" OFFSET ")
		b.Arg(int64(offset))
	}
}

func (Dialect) Lock(l drivers.Lock) (string, error) {
	if l == drivers.LockNone {
		return "", nil
	}
	return "", &drivers.NotSupportedError{Driver: "sqlite", Feature: "pessimistic locking (FindOp.Lock)"}
}

// Arg converts a schema Go value to what is stored: see docs/sqlite.md.
func (d Dialect) Arg(p *schema.Property, v any) (any, error) { return argEncoder.Arg(p, v) }

// argEncoder: booleans as 0/1, dates and datetimes as fixed-width UTC text that sorts.
var argEncoder = sqlbase.ArgEncoder{
	Driver:   "sqlite",
	Bool:     sqlbase.BoolAsInt,
	DateTime: func(t time.Time) any { return sqlbase.FormatDateTime(t) },
	Date:     func(t time.Time) any { return t.Format(DateLayout) },
}

// Decoder returns the converter from what modernc.org/sqlite scans to p's schema Go type.
func (Dialect) Decoder(p *schema.Property) sqlbase.Decoder { return valueDecoder.Decoder(p) }

// valueDecoder: modernc.org/sqlite scans by storage class, so a value may come back as any of
// int64, float64, string and []byte; dates and datetimes are text in the layouts above.
var valueDecoder = sqlbase.ValueDecoder{
	Driver: "sqlite",
	Int: func(v any) (int64, bool) {
		if x, ok := v.(float64); ok && x == float64(int64(x)) {
			return int64(x), true
		}
		return 0, false
	},
	Float: func(v any) (float64, bool) {
		if x, ok := v.(int64); ok {
			return float64(x), true
		}
		return 0, false
	},
	Bool: sqlbase.BoolFromInt,
	TimeText: func(v any) (string, bool) {
		s, ok := v.(string)
		return s, ok
	},
	DateTimeLayout: DateTimeLayout,
	DateLayout:     DateLayout,
	String: func(v any) (string, bool) {
		switch x := v.(type) {
		case []byte:
			return string(x), true
		case int64:
			return strconv.FormatInt(x, 10), true
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64), true
		}
		return "", false
	},
	JSONText: func(v any) ([]byte, bool) {
		switch x := v.(type) {
		case int64, float64:
			return []byte(fmt.Sprint(x)), true
		}
		return nil, false
	},
}

// Literal writes a converted value as a SQLite literal.
func (Dialect) Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case []byte:
		return "X'" + hex.EncodeToString(x) + "'", nil
	}
	return "", fmt.Errorf("sqlite: no literal for %T", v)
}

// DDL: foreign keys inside CREATE TABLE, INTEGER PRIMARY KEY AUTOINCREMENT.
func (Dialect) DDL() sqlbase.DDL {
	return sqlbase.DDL{
		AutoincrementColumn: func(*schema.Property) string { return "INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL" },
		InlineForeignKeys:   true,
		IfNotExists:         true,
	}
}

// Error classifies modernc.org/sqlite errors by extended result code; see errors.go.
func (Dialect) Error(err error) error {
	if err == nil {
		return nil
	}
	if ce := classify(err); ce != nil {
		return ce
	}
	return err
}

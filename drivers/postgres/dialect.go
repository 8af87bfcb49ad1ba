package postgres

import (
	"database/sql/driver"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// Dialect is the PostgreSQL dialect of package sqlbase.
type Dialect struct{}

var _ sqlbase.Dialect = Dialect{}

// DefaultStringLength is the length of a string column without one.
const DefaultStringLength = 255

func (Dialect) Name() string { return "postgres" }

func (Dialect) QuoteIdent(name string) string {
	if !strings.Contains(name, `"`) {
		return `"` + name + `"`
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func (Dialect) Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// ColumnType maps the scalar types; see docs/postgres.md.
func (Dialect) ColumnType(p *schema.Property) string {
	switch p.Type {
	case schema.String:
		n := p.Length
		if n <= 0 {
			n = DefaultStringLength
		}
		return "varchar(" + strconv.Itoa(n) + ")"
	case schema.Text, schema.Enum:
		return "text"
	case schema.ObjectID:
		return "varchar(24)"
	case schema.SmallInt:
		return "smallint"
	case schema.Int:
		return "integer"
	case schema.BigInt:
		return "bigint"
	case schema.Float:
		return "real"
	case schema.Double:
		return "double precision"
	case schema.Decimal:
		if p.Precision > 0 {
			return "numeric(" + strconv.Itoa(p.Precision) + "," + strconv.Itoa(p.Scale) + ")"
		}
		return "numeric"
	case schema.Boolean:
		return "boolean"
	case schema.Date:
		return "date"
	case schema.Time:
		return "time"
	case schema.DateTime:
		return "timestamptz(6)"
	case schema.UUID:
		return "uuid"
	case schema.JSON:
		return "jsonb"
	case schema.Blob:
		return "bytea"
	}
	return "text"
}

// Match writes $like as LIKE (case-sensitive), $ilike as ILIKE, both with PostgreSQL's
// default backslash escape, and $re as ~ (a POSIX regular expression, case-sensitive).
//
// The column is cast to text: a uuid column has no LIKE or ~ of its own (for text and
// varchar the cast changes nothing).
func (Dialect) Match(b *sqlbase.Builder, col string, op query.Op, pattern string) error {
	b.WriteString(col + "::text")
	switch op {
	case query.Like:
		b.WriteString(" LIKE ")
	case query.ILike:
		b.WriteString(" ILIKE ")
	case query.Re:
		b.WriteString(" ~ ")
	default:
		return fmt.Errorf("postgres: %v is not a match operator", op)
	}
	b.Arg(pattern)
	return nil
}

func (Dialect) LimitOffset(b *sqlbase.Builder, limit, offset int) {
	if limit > 0 {
		b.WriteString(" LIMIT ")
		b.Arg(int64(limit))
	}
	if offset > 0 {
		b.WriteString(" OFFSET ")
		b.Arg(int64(offset))
	}
}

// Lock maps the lock modes to row-level lock clauses.
func (Dialect) Lock(l drivers.Lock) (string, error) {
	switch l {
	case drivers.LockNone:
		return "", nil
	case drivers.LockForUpdate:
		return " FOR UPDATE", nil
	case drivers.LockForShare:
		return " FOR SHARE", nil
	case drivers.LockForUpdateNoWait:
		return " FOR UPDATE NOWAIT", nil
	case drivers.LockForUpdateSkipLocked:
		return " FOR UPDATE SKIP LOCKED", nil
	}
	return "", &drivers.NotSupportedError{Driver: "postgres", Feature: fmt.Sprintf("lock mode %d", int(l))}
}

// Arg converts a schema Go value to a pgx argument. Strings are sent by pgx in text format,
// so uuid, decimal, time and enum values reach the server as their text and are parsed
// there (exactly, for numeric); JSON is marshalled here and sent as text to jsonb.
func (d Dialect) Arg(p *schema.Property, v any) (any, error) { return argEncoder.Arg(p, v) }

// argEncoder: pgx encodes booleans and times natively (timestamptz, date).
var argEncoder = sqlbase.ArgEncoder{Driver: "postgres"}

// Decoder returns the converter from what pgx decodes (rows.Values) to p's schema Go type.
func (Dialect) Decoder(p *schema.Property) sqlbase.Decoder {
	bad := func(v any) error { return sqlbase.DecodeError("postgres", p, v) }
	switch p.Type {
	case schema.Time:
		return func(v any) (any, error) {
			switch x := v.(type) {
			case pgtype.Time:
				return formatTime(x.Microseconds), nil
			case string:
				return x, nil
			}
			return nil, bad(v)
		}
	case schema.Decimal:
		return func(v any) (any, error) {
			switch x := v.(type) {
			case pgtype.Numeric:
				out, err := formatNumeric(x, p)
				if s, ok := out.(string); ok && err == nil && p.Precision == 0 {
					return schema.CanonicalRead(p, s), nil // 1.50 in a numeric without scale is 1.5
				}
				return out, err
			case string:
				return schema.CanonicalRead(p, x), nil
			}
			return nil, bad(v)
		}
	case schema.UUID:
		return func(v any) (any, error) {
			switch x := v.(type) {
			case [16]byte:
				return formatUUID(x), nil
			case string:
				return x, nil
			}
			return nil, bad(v)
		}
	case schema.JSON:
		return func(v any) (any, error) {
			// pgx decodes jsonb with encoding/json into any; that is the schema Go type.
			switch x := v.(type) {
			case []byte:
				var out any
				if err := json.Unmarshal(x, &out); err != nil {
					return nil, fmt.Errorf("postgres: %s: stored JSON: %w", p, err)
				}
				return out, nil
			}
			return v, nil
		}
	case schema.Blob:
		return func(v any) (any, error) {
			if x, ok := v.([]byte); ok {
				return append([]byte{}, x...), nil
			}
			return nil, bad(v)
		}
	}
	return valueDecoder.Decoder(p)
}

// valueDecoder: pgx decodes each column to its own Go type (int16 for smallint, float32 for
// real, bool, time.Time), so no text is parsed here.
var valueDecoder = sqlbase.ValueDecoder{
	Driver: "postgres",
	Int: func(v any) (int64, bool) {
		switch x := v.(type) {
		case int32:
			return int64(x), true
		case int16:
			return int64(x), true
		}
		return 0, false
	},
	Float: func(v any) (float64, bool) {
		if x, ok := v.(float32); ok {
			return sqlbase.Float32To64(x), true
		}
		return 0, false
	},
	Bool: func(v any) (bool, bool) {
		x, ok := v.(bool)
		return x, ok
	},
	String: textOf,
}

// textOf is the text of a value of a type that has no entity type (text[], tsvector, a
// range...), read into a text property (dorm generate entities maps such columns to text, with
// a warning): an array in PostgreSQL's array literal form ({a,"b c"}), other values as their
// text form.
func textOf(v any) (string, bool) {
	switch x := v.(type) {
	case []any:
		var b strings.Builder
		b.WriteByte('{')
		for i, it := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if it == nil {
				b.WriteString("NULL")
				continue
			}
			s, ok := textOf(it)
			if !ok {
				return "", false
			}
			b.WriteByte('"')
			b.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s))
			b.WriteByte('"')
		}
		b.WriteByte('}')
		return b.String(), true
	case string:
		return x, true
	case driver.Valuer:
		if tv, err := x.Value(); err == nil {
			if s, ok := tv.(string); ok {
				return s, true
			}
		}
	case fmt.Stringer:
		return x.String(), true
	case int16, int32, int64, float32, float64, bool:
		return fmt.Sprint(x), true
	}
	return "", false
}

// formatNumeric writes a numeric as a plain decimal with the scale of p's column (binary
// numerics lose the scale of a zero: 0.00 arrives as 0), or as the server sent it for a
// numeric without precision. NaN and infinities are written as PostgreSQL spells them.
func formatNumeric(n pgtype.Numeric, p *schema.Property) (any, error) {
	if !n.Valid || n.NaN || n.InfinityModifier != pgtype.Finite || n.Int == nil {
		v, err := n.Value()
		if err != nil || v == nil {
			return v, err
		}
		return v, nil
	}
	scale := max(-int(n.Exp), 0)
	if p.Precision > 0 && p.Scale > scale {
		scale = p.Scale
	}
	// The value is Int × 10^Exp; multiplying by 10^shift is appending zeros to the digits.
	var digits string
	neg := n.Int.Sign() < 0
	if v := n.Int.Int64(); n.Int.IsInt64() && v != math.MinInt64 {
		if neg {
			v = -v
		}
		digits = strconv.FormatInt(v, 10)
	} else {
		digits = new(big.Int).Abs(n.Int).String()
	}
	if shift := int(n.Exp) + scale; shift > 0 {
		digits += strings.Repeat("0", shift)
	}
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		digits = "-" + digits
	}
	return digits, nil
}

// formatTime writes microseconds since midnight as HH:MM:SS[.ffffff].
func formatTime(us int64) string {
	h := us / 3_600_000_000
	us -= h * 3_600_000_000
	m := us / 60_000_000
	us -= m * 60_000_000
	s := us / 1_000_000
	us -= s * 1_000_000
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if us != 0 {
		out += strings.TrimRight(fmt.Sprintf(".%06d", us), "0")
	}
	return out
}

func formatUUID(u [16]byte) string {
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:16])
	return string(buf[:])
}

// Literal writes a converted value (a result of Arg) as a PostgreSQL literal.
func (Dialect) Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		return quoteString(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case bool:
		if x {
			return "TRUE", nil
		}
		return "FALSE", nil
	case []byte:
		return `'\x` + hex.EncodeToString(x) + `'::bytea`, nil
	case time.Time:
		return quoteString(x.UTC().Format("2006-01-02 15:04:05.999999Z07:00")), nil
	}
	return "", fmt.Errorf("postgres: no literal for %T", v)
}

// quoteString quotes s as a standard-conforming string literal.
func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// DDL: identity primary keys, foreign keys added with ALTER TABLE after every table exists
// (resolving cycles such as author <-> book), DROP ... CASCADE.
func (d Dialect) DDL() sqlbase.DDL {
	return sqlbase.DDL{
		AutoincrementColumn: func(p *schema.Property) string {
			return d.ColumnType(p) + " GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
		},
		InlineForeignKeys: false,
		IfNotExists:       true,
		DropSuffix:        " CASCADE",
	}
}

// Error classifies PostgreSQL errors by SQLSTATE; see errors.go.
func (Dialect) Error(err error) error { return classify(err) }

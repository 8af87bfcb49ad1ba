package mysql

import (
	"crypto/sha256"
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

// Dialect is the MySQL/MariaDB dialect of package sqlbase. The zero value is MySQL 8; the
// driver sets MariaDB from the server's version at Open.
type Dialect struct {
	// MariaDB selects MariaDB's spellings (LOCK IN SHARE MODE) and error numbers (4025 for
	// CHECK violations).
	MariaDB bool
}

var _ sqlbase.Dialect = Dialect{}

// DateTimeLayout is how a datetime is bound: UTC with microseconds (DATETIME(6)).
const DateTimeLayout = "2006-01-02 15:04:05.000000"

// DateLayout is how a date is bound.
const DateLayout = "2006-01-02"

// Collation is the collation of every text column (the table default) and of the
// connection: binary, so that =, $like, $re, unique indexes and ORDER BY are case-sensitive
// and compare code points, as on SQLite and in the memory driver.
const Collation = "utf8mb4_bin"

// TableOptions is appended to every CREATE TABLE.
const TableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + Collation

// MaxIdentLen is the longest identifier MySQL and MariaDB accept (tables, columns, indexes,
// constraints).
const MaxIdentLen = 64

func (d Dialect) Name() string {
	if d.MariaDB {
		return "mariadb"
	}
	return "mysql"
}

// QuoteIdent quotes with backticks, doubling a backtick inside the name.
func (Dialect) QuoteIdent(name string) string {
	if !strings.Contains(name, "`") {
		return "`" + name + "`"
	}
	return "`" + strings.ReplaceAll(name, "`", "``") + "`"
}

func (Dialect) Placeholder(int) string { return "?" }

// DerivedSubqueries: MySQL cannot read the table that an UPDATE or DELETE writes in a
// subquery of its WHERE (error 1093); a derived table, which it materialises first, can.
// MariaDB 10.3 and later could, but both get the same SQL.
func (Dialect) DerivedSubqueries() bool { return true }

// ShortName returns name when it fits MaxIdentLen, else its first 55 bytes, "_" and the first
// 8 hex digits of its SHA-256: deterministic, so the same schema always gets the same names.
func ShortName(name string) string {
	if len(name) <= MaxIdentLen {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	cut := MaxIdentLen - 9
	for cut > 0 && !utf8Start(name[cut]) {
		cut-- // do not split a multi-byte character
	}
	return name[:cut] + "_" + hex.EncodeToString(sum[:4])
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// ColumnType maps the scalar types; see docs/mysql.md.
func (Dialect) ColumnType(p *schema.Property) string {
	switch p.Type {
	case schema.Int:
		return "INT"
	case schema.BigInt:
		return "BIGINT"
	case schema.SmallInt:
		return "SMALLINT"
	case schema.Float:
		// DOUBLE, not FLOAT: MariaDB sends a FLOAT with 6 significant digits as text, and
		// compares it with a DOUBLE argument inexactly. dorm rounds float values to 32 bits
		// before they are stored, so the column holds exactly the float32.
		return "DOUBLE"
	case schema.Double:
		return "DOUBLE"
	case schema.Decimal:
		prec, scale := p.Precision, p.Scale
		if prec <= 0 {
			// No precision given: MySQL's widest, so that no digit is lost (its default,
			// DECIMAL(10,0), would cut every fraction).
			prec, scale = 65, 30
		}
		return "DECIMAL(" + strconv.Itoa(prec) + "," + strconv.Itoa(scale) + ")"
	case schema.Boolean:
		return "TINYINT(1)"
	case schema.Date:
		return "DATE"
	case schema.Time:
		return "TIME(6)" // microseconds, as the other databases keep
	case schema.DateTime:
		return "DATETIME(6)"
	case schema.UUID:
		return "CHAR(36)"
	case schema.ObjectID:
		return "CHAR(24)"
	case schema.JSON:
		// MariaDB: an alias of LONGTEXT with CHECK (JSON_VALID(col)).
		return "JSON"
	case schema.Blob:
		return "LONGBLOB"
	case schema.Text:
		return "LONGTEXT" // TEXT holds 64 KiB; text is unbounded on the other databases
	}
	// string, enum (with a CHECK constraint added by sqlbase)
	n := p.Length
	if n <= 0 {
		n = 255
	}
	return "VARCHAR(" + strconv.Itoa(n) + ")"
}

// Match writes $like as LIKE and $re as REGEXP, both case-sensitive because text columns
// have the binary collation; $ilike as LOWER(col) LIKE LOWER(?). LIKE patterns use
// MySQL's default escape character, the backslash.
func (Dialect) Match(b *sqlbase.Builder, col string, op query.Op, pattern string) error {
	switch op {
	case query.Like:
		b.WriteString(col + " LIKE ")
		b.Arg(pattern)
	case query.ILike:
		b.WriteString("LOWER(" + col + ") LIKE LOWER(")
		b.Arg(pattern)
		b.WriteString(")")
	case query.Re:
		b.WriteString(col + " REGEXP ")
		b.Arg(pattern)
	default:
		return fmt.Errorf("mysql: %v is not a match operator", op)
	}
	return nil
}

// maxLimit stands for "no limit" before an OFFSET (MySQL has no LIMIT ALL).
const maxLimit = "18446744073709551615"

func (Dialect) LimitOffset(b *sqlbase.Builder, limit, offset int) {
	b.WriteString(" LIMIT ")
	if limit > 0 {
		b.Arg(int64(limit))
	} else {
		b.WriteString(maxLimit)
	}
	if offset > 0 {
		b.WriteString(" OFFSET ")
		b.Arg(int64(offset))
	}
}

// Lock: FOR UPDATE; a shared lock is LOCK IN SHARE MODE on MariaDB, FOR SHARE on MySQL 8.
func (d Dialect) Lock(l drivers.Lock) (string, error) {
	switch l {
	case drivers.LockNone:
		return "", nil
	case drivers.LockForUpdate:
		return " FOR UPDATE", nil
	case drivers.LockForUpdateNoWait:
		return " FOR UPDATE NOWAIT", nil // MySQL 8.0.1+, MariaDB 10.3+
	case drivers.LockForUpdateSkipLocked:
		return " FOR UPDATE SKIP LOCKED", nil // MySQL 8.0.1+, MariaDB 10.6+
	case drivers.LockForShare:
		if d.MariaDB {
			return " LOCK IN SHARE MODE", nil
		}
		return " FOR SHARE", nil
	}
	return "", &drivers.NotSupportedError{Driver: d.Name(), Feature: fmt.Sprintf("lock mode %d", l)}
}

// Arg converts a schema Go value to what is bound: see docs/mysql.md.
func (d Dialect) Arg(p *schema.Property, v any) (any, error) { return argEncoder.Arg(p, v) }

// argEncoder: booleans as 0/1 (TINYINT(1)), dates and datetimes as text in UTC.
var argEncoder = sqlbase.ArgEncoder{
	Driver:   "mysql",
	Bool:     sqlbase.BoolAsInt,
	DateTime: func(t time.Time) any { return sqlbase.FormatDateTime(t) },
	Date:     func(t time.Time) any { return t.Format(DateLayout) },
}

// Decoder returns the converter from what go-sql-driver/mysql scans (with parseTime=true and
// loc=UTC) to p's schema Go type: int64 for integer columns, float32 for FLOAT, float64 for
// DOUBLE, time.Time for DATE and DATETIME, []byte for everything else (DECIMAL included, so
// that decimals are read as exact text).
func (d Dialect) Decoder(p *schema.Property) sqlbase.Decoder {
	dec := valueDecoder
	dec.Driver = d.Name()
	return dec.Decoder(p)
}

// valueDecoder: text arrives as []byte (numbers too, in the text protocol).
var valueDecoder = sqlbase.ValueDecoder{
	Int: func(v any) (int64, bool) {
		if x, ok := v.([]byte); ok {
			if i, err := strconv.ParseInt(string(x), 10, 64); err == nil {
				return i, true
			}
		}
		return 0, false
	},
	Float: func(v any) (float64, bool) {
		switch x := v.(type) {
		case float32:
			// The shortest decimal that is this float32, as float64: 0.1 reads back as
			// 0.1, not 0.10000000149011612.
			return sqlbase.Float32To64(x), true
		case int64:
			return float64(x), true
		case []byte:
			if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				return f, true
			}
		}
		return 0, false
	},
	Bool: func(v any) (bool, bool) {
		switch x := v.(type) {
		case int64:
			return x != 0, true
		case []byte:
			return string(x) != "0", true
		}
		return false, false
	},
	TimeText: func(v any) (string, bool) {
		b, ok := v.([]byte)
		return string(b), ok
	},
	DateTimeLayout: "2006-01-02 15:04:05.999999",
	DateLayout:     DateLayout,
	String: func(v any) (string, bool) {
		switch x := v.(type) {
		case []byte:
			return string(x), true
		case int64:
			return strconv.FormatInt(x, 10), true
		}
		return "", false
	},
}

// Literal writes a converted value as a MySQL literal. Backslashes are escaped too, because
// MySQL reads them as escapes in string literals (unless NO_BACKSLASH_ESCAPES).
func (Dialect) Literal(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "NULL", nil
	case string:
		x = strings.ReplaceAll(x, `\`, `\\`)
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), nil
	case []byte:
		return "X'" + hex.EncodeToString(x) + "'", nil
	}
	return "", fmt.Errorf("mysql: no literal for %T", v)
}

// DDL: AUTO_INCREMENT keys, foreign keys with ALTER TABLE after every table exists (which
// resolves the Author ↔ Book cycle), InnoDB with utf8mb4 and the binary collation, generated
// names shortened to 64 characters. IF NOT EXISTS is left out: MySQL 8 has none for CREATE
// INDEX, and the driver skips the statements of tables that exist instead.
func (Dialect) DDL() sqlbase.DDL {
	return sqlbase.DDL{
		AutoincrementColumn: func(p *schema.Property) string {
			typ := "INT"
			switch p.Type {
			case schema.BigInt:
				typ = "BIGINT"
			case schema.SmallInt:
				typ = "SMALLINT"
			}
			return typ + " NOT NULL AUTO_INCREMENT PRIMARY KEY"
		},
		TableOptions: TableOptions,
		Name:         ShortName,
	}
}

// Error classifies go-sql-driver/mysql errors by error number; see errors.go.
func (d Dialect) Error(err error) error { return classify(err, d.MariaDB) }

package schema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// TypeError reports a value that does not fit a property's type.
type TypeError struct {
	Entity   string
	Property string
	Expected string // the property's type and its Go type, e.g. "int (int64)"
	Got      string // the Go type of the value, e.g. "string"
	Reason   string // optional detail, e.g. "not one of [draft published]"
}

func (e *TypeError) Error() string {
	msg := fmt.Sprintf("dorm: %s.%s: expected %s, got %s", e.Entity, e.Property, e.Expected, e.Got)
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg
}

var (
	uuidRe     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	objectIDRe = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	timeRe     = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?$`)
)

// Convert converts v to the Go type that values of t have (see Type.GoType). nil stays nil.
// It accepts the Go types a user naturally passes: any integer type for integers, integers
// and floats for decimals, RFC 3339 strings for datetimes, "2006-01-02" for dates.
func Convert(t Type, values []string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	fail := func(reason string) (any, error) {
		return nil, &TypeError{Expected: t.String() + " (" + t.GoType() + ")", Got: goTypeName(v), Reason: reason}
	}
	switch t {
	case String, Text:
		if _, ok := v.(string); ok {
			return v, nil // already boxed: no allocation
		}
	case Enum:
		if s, ok := v.(string); ok {
			for _, x := range values {
				if x == s {
					return v, nil
				}
			}
			return fail(fmt.Sprintf("%q is not one of %v", s, values))
		}
	case UUID:
		if s, ok := v.(string); ok {
			if !uuidRe.MatchString(s) {
				return fail(fmt.Sprintf("%q is not a UUID", s))
			}
			return strings.ToLower(s), nil
		}
		if b, ok := v.([16]byte); ok {
			return formatUUID(b), nil
		}
		if s, ok := v.(fmt.Stringer); ok && reflect.TypeOf(v).Kind() == reflect.Array {
			return Convert(t, values, s.String())
		}
	case ObjectID:
		if s, ok := v.(string); ok {
			if !objectIDRe.MatchString(s) {
				return fail(fmt.Sprintf("%q is not a 24-digit hex object id", s))
			}
			return strings.ToLower(s), nil
		}
	case Decimal:
		switch x := v.(type) {
		case string:
			if !isDecimal(x) {
				return fail(fmt.Sprintf("%q is not a decimal number", x))
			}
			return v, nil
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fail("NaN and infinities are not decimal numbers")
			}
			return strconv.FormatFloat(x, 'f', -1, 64), nil
		case float32:
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fail("NaN and infinities are not decimal numbers")
			}
			return strconv.FormatFloat(float64(x), 'f', -1, 32), nil
		case json.Number:
			return Convert(t, values, x.String())
		}
		if i, ok := toInt64(v); ok {
			return strconv.FormatInt(i, 10), nil
		}
	case Int, BigInt, SmallInt:
		if _, ok := v.(int64); ok && t == BigInt {
			return v, nil
		}
		if i, ok := toInt64(v); ok {
			if t == SmallInt && (i < math.MinInt16 || i > math.MaxInt16) {
				return fail("out of range for smallint")
			}
			if t == Int && (i < math.MinInt32 || i > math.MaxInt32) {
				return fail("out of range for int")
			}
			return i, nil
		}
		if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return Convert(t, values, int64(f)) // numbers decoded from JSON
		}
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return Convert(t, values, i)
			}
		}
	case Float, Double:
		f, ok := 0.0, true
		switch x := v.(type) {
		case float64:
			f = x
		case float32:
			f = float64(x)
		case json.Number:
			var err error
			if f, err = x.Float64(); err != nil {
				ok = false
			}
		default:
			var i int64
			if i, ok = toInt64(v); ok {
				f = float64(i)
			}
		}
		if ok {
			switch {
			case math.IsNaN(f) || math.IsInf(f, 0):
				return fail("NaN and infinities cannot be stored by every database")
			case t == Float && math.IsInf(float64(float32(f)), 0):
				return fail("out of range for float (32-bit)")
			case t == Float:
				// What a 32-bit column gives back: the shortest decimal of the float32.
				f, _ = strconv.ParseFloat(strconv.FormatFloat(float64(float32(f)), 'g', -1, 32), 64)
			}
			if f == 0 {
				f = 0 // -0 is 0: not every database keeps the sign
			}
			if x, isF := v.(float64); isF && x == f && !math.Signbit(x) {
				return v, nil // already boxed: no allocation
			}
			return f, nil
		}
	case Boolean:
		if _, ok := v.(bool); ok {
			return v, nil
		}
	case DateTime:
		switch x := v.(type) {
		case time.Time:
			return x.UTC().Truncate(time.Microsecond), nil // what every database keeps
		case string:
			tm, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return fail(fmt.Sprintf("%q is not an RFC 3339 time", x))
			}
			return tm.UTC().Truncate(time.Microsecond), nil
		}
	case Date:
		switch x := v.(type) {
		case time.Time:
			y, m, d := x.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
		case string:
			tm, err := time.Parse(time.DateOnly, x)
			if err != nil {
				return fail(fmt.Sprintf("%q is not a date (2006-01-02)", x))
			}
			return tm, nil
		}
	case Time:
		if s, ok := v.(string); ok {
			if !timeRe.MatchString(s) {
				return fail(fmt.Sprintf("%q is not a time of day (15:04:05)", s))
			}
			return canonicalTime(s), nil
		}
		if tm, ok := v.(time.Time); ok {
			return tm.Format("15:04:05.999999"), nil
		}
	case JSON:
		return normalizeJSON(v)
	case Blob:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return fail("")
}

// ConvertProperty converts v for property p (see Convert), naming p in the error. It also
// checks what p's column cannot hold: a string longer than its length, text no database can
// store, a decimal with more integer digits than its precision allows; and it rounds a
// decimal to p's scale, as the databases do.
func ConvertProperty(p *Property, v any) (any, error) {
	out, err := Convert(p.Type, p.Values, v)
	if err == nil && out != nil {
		switch p.Type {
		case String, Text, Enum:
			if reason := checkText(out.(string), p.Length); reason != "" {
				err = &TypeError{Expected: p.Type.String() + " (" + p.Type.GoType() + ")", Got: "a string that " + reason}
				out = nil
			}
		case Decimal:
			s := out.(string)
			c, reason := roundDecimal(s, p.Precision, p.Scale)
			if reason != "" {
				err = &TypeError{Expected: fmt.Sprintf("decimal(%d,%d) (string)", p.Precision, p.Scale), Got: strconv.Quote(s), Reason: reason}
				out = nil
			} else if c != s {
				out = c
			}
		}
	}
	if te, ok := err.(*TypeError); ok {
		te.Property = p.Name
		if p.Entity != nil {
			te.Entity = p.Entity.Name
		}
	}
	return out, err
}

func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		if uint64(x) <= math.MaxInt64 {
			return int64(x), true
		}
	case uint64:
		if x <= math.MaxInt64 {
			return int64(x), true
		}
	}
	return 0, false
}

// normalizeJSON accepts any value encoding/json can marshal and returns it as encoding/json
// decodes it (objects as map[string]any, numbers as float64, a copy of the caller's maps
// and slices), so that a value read back from the database compares equal to the one written.
func normalizeJSON(v any) (any, error) {
	switch x := v.(type) {
	case bool:
		return v, nil
	case string:
		if utf8.ValidString(x) && !strings.ContainsRune(x, 0) {
			return v, nil
		}
	case float64:
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			return v, nil
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, &TypeError{Expected: "json (any)", Got: goTypeName(v), Reason: err.Error()}
	}
	if bytes.Contains(b, []byte(`\u0000`)) {
		return nil, &TypeError{Expected: "json (any)", Got: goTypeName(v), Reason: "a string in it contains a NUL character, which PostgreSQL's jsonb cannot store"}
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, &TypeError{Expected: "json (any)", Got: goTypeName(v), Reason: err.Error()}
	}
	return out, nil
}

// canonicalTime writes a time of day as databases return it: HH:MM:SS, then the fraction
// cut to microseconds without trailing zeros ("12:30:00.500" is "12:30:00.5").
func canonicalTime(s string) string {
	if len(s) == 5 {
		return s + ":00"
	}
	base, frac, ok := strings.Cut(s, ".")
	if !ok {
		return s
	}
	if len(frac) > 6 {
		frac = frac[:6]
	}
	frac = strings.TrimRight(frac, "0")
	if frac == "" {
		return base
	}
	return base + "." + frac
}

// checkText reports why s cannot be stored as text by every database: invalid UTF-8, a NUL
// byte (PostgreSQL stores neither), or more than length characters (0: no limit).
func checkText(s string, length int) string {
	n := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0 {
				return "contains a NUL byte, which PostgreSQL cannot store"
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "is not valid UTF-8"
			}
			i += size
		}
		n++
	}
	if length > 0 && n > length {
		return fmt.Sprintf("is %d characters long, more than the length %d", n, length)
	}
	return ""
}

func goTypeName(v any) string {
	if v == nil {
		return "nil"
	}
	return reflect.TypeOf(v).String()
}

func formatUUID(b [16]byte) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// KeyString returns a string that identifies a primary key value (a scalar, or []any for a
// composite key); it is the key of identity maps.
func KeyString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case int64:
		return strconv.FormatInt(x, 10)
	case []any:
		var b strings.Builder
		for i, p := range x {
			if i > 0 {
				b.WriteByte(0)
			}
			b.WriteString(KeyString(p))
		}
		return b.String()
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// isDecimal reports whether s is a plain decimal number: an optional sign, digits, and an
// optional fraction ("-12.50", "3", ".5"), with at least one digit and no exponent.
func isDecimal(s string) bool {
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, dot := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return digits > 0
}

// canonicalDecimal writes a decimal as databases return it for a column of that scale:
// no plus sign, a zero before a leading point, and the fraction padded to scale digits
// ("+.5" with scale 2 is "0.50"). A longer fraction is left for the database to round.
func canonicalDecimal(s string, scale int) string {
	neg := false
	switch {
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	}
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if scale > 0 && len(frac) < scale {
		s = intPart + "." + frac + strings.Repeat("0", scale-len(frac))
	} else if hasDot && frac == "" {
		s = intPart
	}
	if neg {
		s = "-" + s
	}
	return s
}

// roundDecimal writes a decimal as a column of that precision and scale holds it: no sign on
// zero, no leading zeros, the fraction rounded half away from zero (as PostgreSQL and MySQL
// round) and padded to scale digits. Without a precision the fraction keeps its digits but
// loses its trailing zeros. It reports why a value does not fit: more integer digits than
// precision - scale.
func roundDecimal(s string, precision, scale int) (string, string) {
	if precision > 0 && isCanonicalDecimal(s, precision, scale) {
		return s, "" // the common case: no allocation
	}
	s = canonicalDecimal(s, 0)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	intPart = strings.TrimLeft(intPart, "0")
	if precision > 0 && len(frac) > scale {
		// Round the digits after scale away, carrying into the integer part.
		digits := []byte(intPart + frac[:scale])
		if frac[scale] >= '5' {
			i := len(digits) - 1
			for ; i >= 0; i-- {
				if digits[i] == '9' {
					digits[i] = '0'
					continue
				}
				digits[i]++
				break
			}
			if i < 0 {
				digits = append([]byte{'1'}, digits...)
			}
		}
		intPart, frac = string(digits[:len(digits)-scale]), string(digits[len(digits)-scale:])
		intPart = strings.TrimLeft(intPart, "0")
	}
	if precision > 0 {
		frac += strings.Repeat("0", scale-len(frac))
	} else {
		frac = strings.TrimRight(frac, "0")
	}
	if precision > 0 && len(intPart) > precision-scale {
		return "", fmt.Sprintf("%d digits before the point, more than decimal(%d,%d) holds (%d)", len(intPart), precision, scale, precision-scale)
	}
	if intPart == "" {
		intPart = "0"
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if neg && strings.Trim(out, "0.") != "" {
		out = "-" + out
	}
	return out, ""
}

// CanonicalRead writes a value read from a database the way ConvertProperty writes the same
// value given by a user, for the types whose text a database may spell differently: a time
// of day ("12:30:00.500000" is "12:30:00.5") and a decimal without precision ("1.50" is
// "1.5").
func CanonicalRead(p *Property, s string) string {
	switch {
	case p.Type == Time && timeRe.MatchString(s):
		return canonicalTime(s)
	case p.Type == Decimal && p.Precision == 0 && isDecimal(s):
		if c, reason := roundDecimal(s, 0, 0); reason == "" {
			return c
		}
	}
	return s
}

// isCanonicalDecimal reports whether s is already what roundDecimal makes of it for a column
// of that precision and scale: digits without leading zeros (or one 0), then exactly scale
// fraction digits, an optional minus sign on a value that is not zero.
func isCanonicalDecimal(s string, precision, scale int) bool {
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || len(frac) != scale || hasDot != (scale > 0) || len(intPart) > precision-scale && intPart != "0" {
		return false
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return false
	}
	zero := true
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return false
			}
			if part[i] != '0' {
				zero = false
			}
		}
	}
	return !(neg && zero)
}

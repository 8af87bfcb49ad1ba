package sqlbase

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/dorm-go/dorm/schema"
)

// ArgEncoder converts schema Go values (schema.Type.GoType) to driver arguments. Strings, integers,
// floats and bytes pass through as they are (already boxed, so without an allocation); the
// types whose representation differs between databases go through the dialect's hooks.
type ArgEncoder struct {
	Driver   string                // for errors
	Bool     func(b bool) any      // nil: the bool itself
	DateTime func(t time.Time) any // t is in UTC; nil: the time.Time itself
	Date     func(t time.Time) any // t is a date at midnight UTC; nil: the time.Time itself
}

// Arg converts v, a value for p, to a driver argument. A value not yet of p's Go type is
// converted once with schema.ConvertProperty (a user's int for an int64 column, say).
func (enc ArgEncoder) Arg(p *schema.Property, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch p.Type {
	case schema.String, schema.Text, schema.Enum, schema.UUID, schema.ObjectID, schema.Time, schema.Decimal:
		if _, ok := v.(string); ok {
			return v, nil
		}
	case schema.Int, schema.BigInt, schema.SmallInt:
		if _, ok := v.(int64); ok {
			return v, nil
		}
	case schema.Float, schema.Double:
		if _, ok := v.(float64); ok {
			return v, nil
		}
	case schema.Blob:
		if _, ok := v.([]byte); ok {
			return v, nil
		}
	case schema.Boolean:
		if b, ok := v.(bool); ok {
			if enc.Bool == nil {
				return v, nil
			}
			return enc.Bool(b), nil
		}
	case schema.DateTime:
		if t, ok := v.(time.Time); ok {
			switch {
			case enc.DateTime != nil:
				return enc.DateTime(t.UTC()), nil
			case t.Location() == time.UTC:
				return v, nil
			}
			return t.UTC(), nil
		}
	case schema.Date:
		if t, ok := v.(time.Time); ok {
			y, m, d := t.Date()
			if enc.Date == nil {
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			}
			return enc.Date(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)), nil
		}
	case schema.JSON:
		b, err := json.Marshal(v)
		if err != nil {
			return nil, &schema.TypeError{Entity: entityOf(p), Property: p.Name, Expected: "json (any)",
				Got: fmt.Sprintf("%T", v), Reason: err.Error()}
		}
		return string(b), nil
	default:
		return nil, fmt.Errorf("%s: %s has no column type (%v)", enc.Driver, p, p.Type)
	}
	c, err := schema.ConvertProperty(p, v)
	if err != nil {
		return nil, err
	}
	if c == nil {
		return nil, nil
	}
	return enc.Arg(p, c)
}

func entityOf(p *schema.Property) string {
	if p.Entity == nil {
		return ""
	}
	return p.Entity.Name
}

// BoolAsInt writes booleans as 0 and 1 (SQLite, MySQL).
func BoolAsInt(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}

// FormatDateTime writes t (in UTC) as "2006-01-02 15:04:05.000000", the fixed-width text that
// SQLite and MySQL store and compare, several times faster than time.Format with that layout.
// Years outside 0..9999 fall back to time.Format.
func FormatDateTime(t time.Time) string {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format("2006-01-02 15:04:05.000000")
	}
	h, mi, s := t.Clock()
	us := t.Nanosecond() / 1000
	var b [26]byte
	put := func(at, v, width int) {
		for i := at + width - 1; i >= at; i-- {
			b[i] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = ' '
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, s, 2)
	b[19] = '.'
	put(20, us, 6)
	return string(b[:])
}

package sqlbase

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/dorm-go/dorm/schema"
)

// ValueDecoder builds the [Decoder] of a property: what every SQL driver scans alike is
// decoded here (int64 for integers, float64 for floats, time.Time for dates and datetimes,
// string for text, string or []byte for JSON and blobs); what differs goes through the
// dialect's hooks. Each hook gets a scanned value the shared cases did not take and reports
// whether it took it; a nil hook takes nothing.
type ValueDecoder struct {
	Driver string // for errors

	// Int converts an integer scanned as something other than int64.
	Int func(v any) (int64, bool)
	// Float converts a float scanned as something other than float64.
	Float func(v any) (float64, bool)
	// Bool converts a boolean (required: no representation is shared).
	Bool func(v any) (bool, bool)
	// TimeText returns a date or datetime scanned as text, which is parsed with
	// DateTimeLayout or DateLayout.
	TimeText                   func(v any) (string, bool)
	DateTimeLayout, DateLayout string
	// String converts a string-like value (text, enum, uuid, …) scanned as something other
	// than string.
	String func(v any) (string, bool)
	// JSONText returns the JSON text of a JSON value scanned as something other than string
	// or []byte.
	JSONText func(v any) ([]byte, bool)
}

// DecodeError is the error of a scanned value v that cannot be read as p's type.
func DecodeError(driver string, p *schema.Property, v any) error {
	return fmt.Errorf("%s: cannot read %T %v as %s (%s)", driver, v, v, p.Type, p)
}

// Decoder returns the converter from a scanned value of p's column to p's schema Go type.
func (dec ValueDecoder) Decoder(p *schema.Property) Decoder {
	bad := func(v any) error { return DecodeError(dec.Driver, p, v) }
	switch p.Type {
	case schema.Int, schema.BigInt, schema.SmallInt:
		return func(v any) (any, error) {
			if x, ok := v.(int64); ok {
				return x, nil
			}
			if dec.Int != nil {
				if i, ok := dec.Int(v); ok {
					return i, nil
				}
			}
			return nil, bad(v)
		}
	case schema.Float, schema.Double:
		return func(v any) (any, error) {
			if x, ok := v.(float64); ok {
				return x, nil
			}
			if dec.Float != nil {
				if f, ok := dec.Float(v); ok {
					return f, nil
				}
			}
			return nil, bad(v)
		}
	case schema.Boolean:
		return func(v any) (any, error) {
			if b, ok := dec.Bool(v); ok {
				return b, nil
			}
			return nil, bad(v)
		}
	case schema.DateTime:
		return func(v any) (any, error) {
			if x, ok := v.(time.Time); ok {
				return x.UTC(), nil
			}
			return dec.parseTime(v, dec.DateTimeLayout, bad)
		}
	case schema.Date:
		return func(v any) (any, error) {
			if x, ok := v.(time.Time); ok {
				y, m, d := x.Date()
				return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
			}
			return dec.parseTime(v, dec.DateLayout, bad)
		}
	case schema.JSON:
		return func(v any) (any, error) {
			var b []byte
			switch x := v.(type) {
			case string:
				b = []byte(x)
			case []byte:
				b = x
			default:
				var ok bool
				if dec.JSONText != nil {
					b, ok = dec.JSONText(v)
				}
				if !ok {
					return nil, bad(v)
				}
			}
			var out any
			if err := json.Unmarshal(b, &out); err != nil {
				return nil, fmt.Errorf("%s: %s: stored JSON: %w", dec.Driver, p, err)
			}
			return out, nil
		}
	case schema.Blob:
		return func(v any) (any, error) {
			switch x := v.(type) {
			case []byte:
				if x == nil {
					return []byte{}, nil // an empty blob, not NULL (which arrives as nil)
				}
				return x, nil
			case string:
				return []byte(x), nil
			}
			return nil, bad(v)
		}
	}
	// string text enum uuid objectId time decimal
	canonical := p.Type == schema.Time || p.Type == schema.Decimal && p.Precision == 0
	return func(v any) (any, error) {
		x, ok := v.(string)
		if !ok && dec.String != nil {
			x, ok = dec.String(v)
		}
		if !ok {
			return nil, bad(v)
		}
		if canonical {
			return schema.CanonicalRead(p, x), nil
		}
		if s, isString := v.(string); isString && s == x {
			return v, nil // already boxed: no allocation
		}
		return x, nil
	}
}

// parseTime parses a date or datetime scanned as text with layout.
func (dec ValueDecoder) parseTime(v any, layout string, bad func(any) error) (any, error) {
	if dec.TimeText != nil {
		if s, ok := dec.TimeText(v); ok {
			t, err := time.Parse(layout, s)
			if err != nil {
				return nil, bad(v)
			}
			return t, nil
		}
	}
	return nil, bad(v)
}

// BoolFromInt reads a boolean stored as an integer: 0 is false (SQLite, MySQL).
func BoolFromInt(v any) (bool, bool) {
	if x, ok := v.(int64); ok {
		return x != 0, true
	}
	return false, false
}

// Float32To64 widens a float32 to the float64 with the shortest decimal form that reads back
// as the same float32: 1.1 stored in a real column reads back as 1.1, not 1.100000023841858.
func Float32To64(f float32) float64 {
	if math.IsInf(float64(f), 0) || math.IsNaN(float64(f)) {
		return float64(f)
	}
	out, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return out
}

// DecodeRow converts the scanned values raw into row with one decoder per column; NULL stays
// nil. Every driver's Find runs it once per row.
func DecodeRow(decs []Decoder, raw, row []any) error {
	for i, dec := range decs {
		if raw[i] == nil {
			row[i] = nil
			continue
		}
		v, err := dec(raw[i])
		if err != nil {
			return err
		}
		row[i] = v
	}
	return nil
}

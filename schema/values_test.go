package schema

import (
	"encoding/json"
	"testing"
	"time"
)

func TestConvert(t *testing.T) {
	stamp := time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("x", 3600))
	ok := []struct {
		typ  Type
		in   any
		want any
	}{
		{Decimal, "-12.50", "-12.50"},
		{Decimal, ".5", ".5"},
		{Decimal, 3, "3"},
		{Decimal, 2.25, "2.25"},
		{Decimal, json.Number("10.10"), "10.10"},
		{Int, int8(4), int64(4)},
		{Int, 4.0, int64(4)},
		{SmallInt, json.Number("7"), int64(7)},
		{Double, 3, 3.0},
		{DateTime, stamp, time.Date(2026, 1, 2, 2, 4, 5, 123456000, time.UTC)},
		{DateTime, "2026-01-02T03:04:05Z", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{Date, "2026-01-02", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
		{Time, "08:30", "08:30:00"},
		{UUID, "6BA7B810-9DAD-11D1-80B4-00C04FD430C8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"},
		{Blob, "ab", []byte("ab")},
	}
	for _, c := range ok {
		got, err := Convert(c.typ, nil, c.in)
		if err != nil {
			t.Errorf("Convert(%v, %#v): %v", c.typ, c.in, err)
			continue
		}
		if tm, isTime := got.(time.Time); isTime {
			if !tm.Equal(c.want.(time.Time)) || tm.Location() != time.UTC {
				t.Errorf("Convert(%v, %#v) = %v, want %v", c.typ, c.in, got, c.want)
			}
			continue
		}
		if b, isBytes := got.([]byte); isBytes {
			if string(b) != string(c.want.([]byte)) {
				t.Errorf("Convert(%v, %#v) = %v", c.typ, c.in, got)
			}
			continue
		}
		if got != c.want {
			t.Errorf("Convert(%v, %#v) = %#v, want %#v", c.typ, c.in, got, c.want)
		}
	}
	bad := []struct {
		typ Type
		in  any
	}{
		{Decimal, "1e5"}, {Decimal, "12,5"}, {Decimal, "-"}, {Decimal, "1.2.3"}, {Decimal, json.Number("1e400")},
		{Int, "1"}, {Int, int64(1) << 40}, {SmallInt, 70000}, {Int, 1.5},
		{UUID, "nope"}, {Time, "25:00"}, {Date, "02/01/2026"}, {Boolean, 1}, {Enum, "x"},
	}
	for _, c := range bad {
		if got, err := Convert(c.typ, []string{"a"}, c.in); err == nil {
			t.Errorf("Convert(%v, %#v) = %#v, want an error", c.typ, c.in, got)
		}
	}
}

func TestCanonicalDecimal(t *testing.T) {
	for _, c := range []struct {
		in    string
		scale int
		want  string
	}{
		{"9.9", 2, "9.90"}, {"9", 2, "9.00"}, {"+.5", 2, "0.50"}, {"-.5", 1, "-0.5"},
		{"12.345", 2, "12.345"}, {"7.", 0, "7"}, {"10.50", 2, "10.50"},
	} {
		if got := canonicalDecimal(c.in, c.scale); got != c.want {
			t.Errorf("canonicalDecimal(%q, %d) = %q, want %q", c.in, c.scale, got, c.want)
		}
	}
}

func TestRoundDecimal(t *testing.T) {
	for _, c := range []struct {
		in              string
		precision, scal int
		want, reason    string
	}{
		{"1.005", 10, 2, "1.01", ""},
		{"9.995", 10, 2, "10.00", ""},
		{"-0.004", 10, 2, "0.00", ""},
		{"-1.005", 10, 2, "-1.01", ""},
		{"007.5", 10, 2, "7.50", ""},
		{"+.5", 10, 2, "0.50", ""},
		{"99.995", 4, 2, "", "3 digits before the point, more than decimal(4,2) holds (2)"},
		{"12.30", 0, 0, "12.3", ""},
		{"-0.0", 0, 0, "0", ""},
		{"5.00", 10, 2, "5.00", ""},
		{"0.5", 2, 2, "0.50", ""},
		{"123", 3, 0, "123", ""},
	} {
		got, reason := roundDecimal(c.in, c.precision, c.scal)
		if got != c.want || reason != c.reason {
			t.Errorf("roundDecimal(%q, %d, %d) = %q, %q; want %q, %q", c.in, c.precision, c.scal, got, reason, c.want, c.reason)
		}
	}
}

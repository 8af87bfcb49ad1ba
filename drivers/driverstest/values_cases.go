package driverstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

// vxModel has a column of every scalar type (VxValue), a uuid-keyed entity whose inserts of
// 100 rows or more take PostgreSQL's COPY path (VxKeyed), and a string-keyed one (VxCode).
// Every value case writes through Create+Flush and reads back through a fresh fork, with
// FindOne by key and with Find by a filter on the value, and compares exactly: the value
// dorm holds after Create must be the value every database gives back.
const vxModel = `
entities:
  - entity: VxValue
    table: vx_value
    properties:
      id:     { type: int, primary: true }
      label:  { type: string, length: 60 }
      str:    { type: string, length: 5, nullable: true }
      plain:  { type: string, nullable: true }
      txt:    { type: text, nullable: true }
      i32:    { type: int, nullable: true }
      i64:    { type: bigint, nullable: true }
      i16:    { type: smallint, nullable: true }
      f32:    { type: float, nullable: true }
      f64:    { type: double, nullable: true }
      price:  { type: decimal, precision: 6, scale: 2, nullable: true }
      amount: { type: decimal, nullable: true }
      flag:   { type: boolean, nullable: true }
      day:    { type: date, nullable: true }
      clock:  { type: time, nullable: true }
      at:     { type: datetime, nullable: true }
      uid:    { type: uuid, nullable: true }
      doc:    { type: json, nullable: true }
      bin:    { type: blob, nullable: true }
      state:  { type: enum, values: [draft, "it's", ünï, UPPER], nullable: true }
  - entity: VxKeyed
    table: vx_keyed
    properties:
      id:    { type: uuid, primary: true }
      label: { type: string, length: 60 }
      price: { type: decimal, precision: 6, scale: 2, nullable: true }
      clock: { type: time, nullable: true }
      at:    { type: datetime, nullable: true }
      doc:   { type: json, nullable: true }
      bin:   { type: blob, nullable: true }
      txt:   { type: text, nullable: true }
  - entity: VxCode
    table: vx_code
    properties:
      code:  { type: string, length: 10, primary: true }
      label: { type: string, length: 60 }
`

// vx is one value case's model on the case's driver.
type vx struct {
	t   *testing.T
	env *Env
	orm *em.ORM
	drv string
	n   int
}

func vxOpen(t *testing.T, env *Env) *vx {
	t.Helper()
	return &vx{t: t, env: env, orm: modelORM(t, env, vxModel), drv: env.ORM.Driver().Name()}
}

// label returns a new label for a row about prop.
func (v *vx) label(prop string) string {
	v.n++
	return fmt.Sprintf("%s#%d", prop, v.n)
}

// try creates one entity with data in a fork of its own and flushes it.
func (v *vx) try(entity string, data map[string]any) (*dynamic.Entity, error) {
	m := v.orm.Fork()
	e, err := m.Create(entity, data)
	if err != nil {
		return nil, err
	}
	return e, m.Flush(v.env.Ctx)
}

// write is try that must succeed.
func (v *vx) write(entity string, data map[string]any) *dynamic.Entity {
	v.t.Helper()
	e, err := v.try(entity, data)
	if err != nil {
		v.t.Fatalf("%s: writing %s %v: %v", v.drv, entity, data, err)
	}
	return e
}

// find runs Find on a fresh fork.
func (v *vx) find(entity string, filter map[string]any, opts ...em.FindOption) ([]*dynamic.Entity, error) {
	return v.orm.Fork().Find(v.env.Ctx, entity, filter, opts...)
}

// labels returns the sorted labels of the entities that filter finds.
func (v *vx) labels(entity string, filter map[string]any) []string {
	v.t.Helper()
	es, err := v.find(entity, filter)
	if err != nil {
		v.t.Errorf("%s: find %s %v: %v", v.drv, entity, filter, err)
		return nil
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i], _ = e.Get("label").(string)
	}
	sort.Strings(out)
	return out
}

// expect checks that filter finds exactly the rows labelled want.
func (v *vx) expect(entity string, filter map[string]any, want ...string) {
	v.t.Helper()
	sort.Strings(want)
	if d := cmp.Diff(want, v.labels(entity, filter), cmpEmpty); d != "" {
		v.t.Errorf("%s: %s filter %#v (-want +got):\n%s", v.drv, entity, filter, d)
	}
}

// vxSame compares a value read back with the value expected, exactly: a datetime must be
// the same instant in UTC, a float the same bits (NaN and the sign of zero included), a
// blob the same bytes and empty not nil.
func vxSame(want, got any) bool {
	switch w := want.(type) {
	case time.Time:
		g, ok := got.(time.Time)
		return ok && w.Equal(g) && g.Location() == time.UTC
	case float64:
		g, ok := got.(float64)
		return ok && (w == g && math.Signbit(w) == math.Signbit(g) || math.IsNaN(w) && math.IsNaN(g))
	case []byte:
		g, ok := got.([]byte)
		return ok && bytes.Equal(w, g) && (w == nil) == (g == nil)
	}
	return dynamic.Equal(want, got)
}

// filterable reports whether prop can be found by equality (json and blob cannot).
func vxFilterable(prop string) bool { return prop != "doc" && prop != "bin" }

// roundTrip writes in to prop of a new entity and checks that dorm holds want after Create,
// that FindOne by key in a fresh fork reads want, and that Find with {prop: want} finds the
// row and reads want too. It reports whether the write succeeded.
func (v *vx) roundTrip(entity, prop string, in, want any) bool {
	v.t.Helper()
	label := v.label(prop)
	e, err := v.try(entity, map[string]any{"label": label, prop: in})
	if err != nil {
		v.t.Errorf("%s: %s.%s = %s: write failed: %v", v.drv, entity, prop, vxShow(in), err)
		return false
	}
	if got := e.Get(prop); !vxSame(want, got) {
		v.t.Errorf("%s: %s.%s = %s: after Create dorm holds %s (%T), want %s (%T)", v.drv, entity, prop, vxShow(in), vxShow(got), got, vxShow(want), want)
	}
	one, err := v.orm.Fork().FindOne(v.env.Ctx, entity, e.ID())
	if err != nil {
		v.t.Errorf("%s: %s.%s = %s: FindOne: %v", v.drv, entity, prop, vxShow(in), err)
		return true
	}
	if got := one.Get(prop); !vxSame(want, got) {
		v.t.Errorf("%s: %s.%s = %s: read back %s (%T), want %s (%T)", v.drv, entity, prop, vxShow(in), vxShow(got), got, vxShow(want), want)
	}
	filter := map[string]any{"label": label, prop: want}
	if !vxFilterable(prop) || want == nil {
		filter[prop] = map[string]any{"$exists": want != nil}
	}
	found, err := v.find(entity, filter)
	switch {
	case err != nil:
		v.t.Errorf("%s: %s.%s = %s: find by %s: %v", v.drv, entity, prop, vxShow(in), vxShow(filter[prop]), err)
	case len(found) != 1:
		v.t.Errorf("%s: %s.%s = %s: find by %s: %d rows, want 1", v.drv, entity, prop, vxShow(in), vxShow(filter[prop]), len(found))
	case !vxSame(want, found[0].Get(prop)):
		v.t.Errorf("%s: %s.%s = %s: found by filter %s (%T), want %s", v.drv, entity, prop, vxShow(in), vxShow(found[0].Get(prop)), found[0].Get(prop), vxShow(want))
	}
	return true
}

// reject writes in to prop of a new entity and expects an error that names prop, from
// Create or from Flush, with nothing written.
func (v *vx) reject(entity, prop string, in any) {
	v.t.Helper()
	label := v.label(prop)
	e, err := v.try(entity, map[string]any{"label": label, prop: in})
	if err == nil {
		back := "no row"
		if got, err := v.orm.Fork().FindOne(v.env.Ctx, entity, e.ID()); err == nil {
			back = vxShow(got.Get(prop))
		}
		v.t.Errorf("%s: %s.%s = %s was accepted (dorm holds %s, reads back %s), want an error naming %q", v.drv, entity, prop, vxShow(in), vxShow(e.Get(prop)), back, prop)
		return
	}
	if !strings.Contains(err.Error(), prop) {
		v.t.Errorf("%s: %s.%s = %s: error does not name the property: %v", v.drv, entity, prop, vxShow(in), err)
	}
	if n, err := v.orm.Fork().Count(v.env.Ctx, entity, map[string]any{"label": label}); err != nil || n != 0 {
		v.t.Errorf("%s: %s.%s = %s: %d rows written (%v), want none", v.drv, entity, prop, vxShow(in), n, err)
	}
}

var (
	vxUUID      = "0e8a5f3c-1b2d-4c3e-8f9a-abcdefabcdef"
	vxPlus0530  = time.FixedZone("+05:30", 5*3600+30*60)
	vxMinus0800 = time.FixedZone("-08:00", -8*3600)
	vxPlus0900  = time.FixedZone("+09:00", 9*3600)
	vxMinus0500 = time.FixedZone("-05:00", -5*3600)
)

// vxJSON is v as encoding/json decodes it after encoding it: the form docs/entities.md
// gives json values.
func vxJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

var valuesCases = []Case{
	// Unicode of every plane, quotes, backslashes, control characters and spaces at the ends
	// are kept byte for byte in string and text columns; a string's length counts characters,
	// so five 4-byte emoji fit a string of length 5.
	{"ValuesUnicodeStrings", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"Ünï", "😀🎉", "a😀b", "e\u0301", "שלום", "日本語", `'"\%_`, "\t\n\r", " x  ", "😀😀😀😀😀", "ééééé", "abcde"} {
			v.roundTrip("VxValue", "str", s, s)
		}
		for _, s := range []string{"Ünïcödé ✓ 𝄞 😀 \u2028\u2029 \u00a0", `back\slash \\ \n`, strings.Repeat("ß", 255), "'; DROP TABLE vx_value; --"} {
			v.roundTrip("VxValue", "plain", s, s)
			v.roundTrip("VxValue", "txt", s, s)
		}
	}},

	// The empty string is a value, not NULL (unlike Oracle); an empty blob is not NULL either.
	{"ValuesEmptyIsNotNull", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.write("VxValue", map[string]any{"label": "empty", "str": "", "txt": "", "bin": []byte{}})
		v.write("VxValue", map[string]any{"label": "null"})
		v.expect("VxValue", map[string]any{"str": ""}, "empty")
		v.expect("VxValue", map[string]any{"txt": ""}, "empty")
		v.expect("VxValue", map[string]any{"str": nil}, "null")
		v.expect("VxValue", map[string]any{"txt": map[string]any{"$exists": true}}, "empty")
		v.expect("VxValue", map[string]any{"bin": map[string]any{"$exists": true}}, "empty")
		v.expect("VxValue", map[string]any{"bin": map[string]any{"$exists": false}}, "null")
		v.expect("VxValue", map[string]any{"str": map[string]any{"$ne": "x"}}, "empty")
		got, err := v.orm.Fork().FindOne(env.Ctx, "VxValue", map[string]any{"label": "empty"})
		must(t, err)
		if got.Get("str") != "" || got.Get("txt") != "" {
			t.Errorf("%s: empty strings read back as %#v, %#v", v.drv, got.Get("str"), got.Get("txt"))
		}
		if b, ok := got.Get("bin").([]byte); !ok || b == nil || len(b) != 0 {
			t.Errorf("%s: empty blob read back as %#v, want []byte{}", v.drv, got.Get("bin"))
		}
	}},

	// A string may hold length characters, counted as characters (not bytes); one more is an
	// error that names the property, on every driver, and nothing is written.
	{"ValuesStringLengthLimit", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"abcde", "ééééé", "😀😀😀😀😀"} {
			v.roundTrip("VxValue", "str", s, s)
		}
		for _, s := range []string{"abcdef", "éééééé", "😀😀😀😀😀😀", "abcd😀x"} {
			v.reject("VxValue", "str", s)
		}
	}},

	// A string without length holds 255 characters everywhere. What happens to a 256th is
	// the dialect's default (docs/entities.md) and is logged, not asserted.
	{"ValuesStringDefaultLength", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "plain", strings.Repeat("é", 255), strings.Repeat("é", 255))
		v.roundTrip("VxValue", "plain", strings.Repeat("😀", 255), strings.Repeat("😀", 255))
		_, err := v.try("VxValue", map[string]any{"label": "256", "plain": strings.Repeat("x", 256)})
		t.Logf("%s: a string without length, 256 characters: %v", v.drv, err)
	}},

	// text is "long text": 70,000 characters (and 80,000 bytes of emoji) round-trip.
	{"ValuesLongText", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "txt", strings.Repeat("a", 70000), strings.Repeat("a", 70000))
		v.roundTrip("VxValue", "txt", strings.Repeat("😀", 20000), strings.Repeat("😀", 20000))
	}},

	// Text that not every database can store (NUL, which PostgreSQL refuses in text and
	// jsonb; bytes that are not UTF-8, which PostgreSQL and MySQL refuse) must be refused on
	// every driver, with an error naming the property.
	{"ValuesUnstorableText", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.reject("VxValue", "str", "a\x00b")
		v.reject("VxValue", "txt", "a\x00b")
		v.reject("VxValue", "str", "\xff\xfe")
		v.reject("VxValue", "txt", "ok \xc3")
		v.reject("VxValue", "doc", map[string]any{"s": "a\x00b"})
	}},

	// Integers at the bounds of their type, given as any Go integer, a whole float64 or a
	// JSON number; one past the bound is an error naming the property.
	{"ValuesIntegerRanges", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, c := range []struct {
			prop string
			in   any
			want int64
		}{
			{"i32", math.MaxInt32, math.MaxInt32},
			{"i32", int32(math.MinInt32), math.MinInt32},
			{"i32", float64(-2147483648), math.MinInt32},
			{"i32", json.Number("2147483647"), math.MaxInt32},
			{"i32", uint8(255), 255},
			{"i64", int64(math.MaxInt64), math.MaxInt64},
			{"i64", int64(math.MinInt64), math.MinInt64},
			{"i64", uint64(math.MaxInt64), math.MaxInt64},
			{"i64", json.Number("-9223372036854775808"), math.MinInt64},
			{"i16", int16(math.MaxInt16), math.MaxInt16},
			{"i16", math.MinInt16, math.MinInt16},
			{"i16", 0, 0},
			{"i16", -1, -1},
		} {
			v.roundTrip("VxValue", c.prop, c.in, c.want)
		}
		for _, c := range []struct {
			prop string
			in   any
		}{
			{"i32", int64(math.MaxInt32) + 1},
			{"i32", int64(math.MinInt32) - 1},
			{"i16", 32768},
			{"i16", -32769},
			{"i64", uint64(math.MaxUint64)},
			{"i64", json.Number("9223372036854775808")},
			{"i32", 1.5},
			{"i32", "12"},
		} {
			v.reject("VxValue", c.prop, c.in)
		}
		v.expect("VxValue", map[string]any{"i64": map[string]any{"$gt": int64(math.MaxInt64 - 1)}}, "i64#6", "i64#8")
		v.expect("VxValue", map[string]any{"i64": map[string]any{"$lt": int64(math.MinInt64 + 1)}}, "i64#7", "i64#9")
		v.expect("VxValue", map[string]any{"i32": map[string]any{"$in": []any{math.MinInt32, math.MaxInt32}}}, "i32#1", "i32#2", "i32#3", "i32#4")
		v.expect("VxValue", map[string]any{"i16": map[string]any{"$lt": 0}}, "i16#11", "i16#13")
		if _, err := v.find("VxValue", map[string]any{"i16": 40000}); err == nil || !strings.Contains(err.Error(), "i16") {
			t.Errorf("%s: filter i16 = 40000: %v, want an error naming i16", v.drv, err)
		}
	}},

	// Doubles keep every bit: 0.1+0.2, the extremes, subnormals, negative zero.
	{"ValuesDoubles", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		x := 0.1
		for _, f := range []float64{x + 0.2, 1.0 / 3, 123456789.123456789, math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 2.2250738585072014e-308, 1e-300, -1e300, 0} {
			v.roundTrip("VxValue", "f64", f, f)
		}
		v.roundTrip("VxValue", "f64", float32(0.1), float64(float32(0.1)))
		v.roundTrip("VxValue", "f64", json.Number("0.30000000000000004"), x+0.2)
		v.roundTrip("VxValue", "f64", int64(1<<53+1), float64(1<<53))
		v.expect("VxValue", map[string]any{"f64": map[string]any{"$gt": 0.3, "$lt": 0.31}}, "f64#1", "f64#12")
		v.expect("VxValue", map[string]any{"f64": map[string]any{"$in": []any{x + 0.2, 1.0 / 3}}}, "f64#1", "f64#2", "f64#12")
	}},

	// A negative zero is zero: SQLite and MariaDB drop its sign, so dorm drops it when the
	// value is set (docs/entities.md).
	{"ValuesDoubleNegativeZero", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "f64", math.Copysign(0, -1), 0.0)
	}},

	// float is single precision on PostgreSQL (real) and MySQL (FLOAT): for the value dorm
	// holds to be the value read back, as with datetimes truncated to microseconds, a float
	// value must be rounded to float32 when it is set (and one out of float32's range
	// refused), and a filter must find the row by the value it holds.
	{"ValuesFloatSinglePrecision", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		x := 0.1
		for _, c := range []struct{ in, want float64 }{
			{0.1, 0.1},
			{1.5, 1.5},
			{x + 0.2, 0.3},
			{0.123456789, 0.12345679},
			{16777217, 16777216},
		} {
			v.roundTrip("VxValue", "f32", c.in, c.want)
		}
		v.reject("VxValue", "f32", 1e39)
	}},

	// Values that a float32 holds exactly read back exactly from a float column (docs/mysql.md:
	// "about 7 significant digits survive").
	{"ValuesFloatExactFloat32Values", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, f := range []float64{16777216, 0.12345679, 3.4028235e38, 1.1754944e-38, 1234567.9, -98765.43} {
			v.roundTrip("VxValue", "f32", f, f)
		}
	}},

	// NaN and the infinities cannot be stored by every database (MySQL has none, SQLite
	// turns NaN into NULL, JSON has neither): they are refused, naming the property.
	{"ValuesFloatNaNAndInfinity", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
			v.reject("VxValue", "f64", f)
			v.reject("VxValue", "f32", f)
			v.reject("VxValue", "price", f)
			v.reject("VxValue", "doc", map[string]any{"x": f})
		}
	}},

	// Decimals are exact, read back with the column's scale: signs, leading zeros, a
	// missing integer or fraction part, floats, integers and JSON numbers.
	{"ValuesDecimalExact", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, c := range []struct {
			in   any
			want string
		}{
			{"1234.56", "1234.56"},
			{"-1234.56", "-1234.56"},
			{"9999.99", "9999.99"},
			{"-9999.99", "-9999.99"},
			{"0.00", "0.00"},
			{"0.5", "0.50"},
			{"+1.5", "1.50"},
			{".5", "0.50"},
			{"-.5", "-0.50"},
			{"12", "12.00"},
			{"1.", "1.00"},
			{"007.50", "7.50"},
			{0.25, "0.25"},
			{7, "7.00"},
			{json.Number("3.14"), "3.14"},
		} {
			v.roundTrip("VxValue", "price", c.in, c.want)
		}
	}},

	// A value with more integer digits than precision − scale allows is an error naming the
	// property, on every driver.
	{"ValuesDecimalOverPrecision", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, in := range []any{"10000.00", "-10000", "123456.7", 10000, 1e6} {
			v.reject("VxValue", "price", in)
		}
	}},

	// A value with more fraction digits than the scale is rounded as the databases round
	// (half away from zero), and dorm holds the rounded value; a value that rounds past the
	// precision is an error naming the property.
	{"ValuesDecimalExtraScale", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		x := 0.1
		for _, c := range []struct {
			in   any
			want string
		}{
			{"1.005", "1.01"},
			{"-1.005", "-1.01"},
			{"0.001", "0.00"},
			{"2.344999", "2.34"},
			{x + 0.2, "0.30"},
		} {
			v.roundTrip("VxValue", "price", c.in, c.want)
		}
		v.reject("VxValue", "price", "9999.995")
	}},

	// A decimal has no negative zero: "-0.00" and "-0" read back as "0.00".
	{"ValuesDecimalNegativeZero", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "price", "-0.00", "0.00")
		v.roundTrip("VxValue", "price", "-0", "0.00")
		v.roundTrip("VxValue", "amount", "-0.0", "0")
	}},

	// A decimal without precision keeps every digit it is given, without trailing zeros in
	// the fraction (docs/entities.md): no database has a scale to pad it to.
	{"ValuesDecimalWithoutPrecision", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, c := range [][2]string{{"12.34", "12.34"}, {"1.50", "1.5"}, {"-0.5", "-0.5"}, {"0.00", "0"},
			{"12345678901234567890.123456789", "12345678901234567890.123456789"}} {
			v.roundTrip("VxValue", "amount", c[0], c[1])
		}
	}},

	// Decimal comparisons are numeric (negative values, different scales, floats and
	// integers in filters) and order is numeric.
	{"ValuesDecimalFilters", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		all := []string{"-99.50", "-10.50", "-9.99", "-0.01", "0.00", "9.99", "10.50", "100.00"}
		for _, s := range all {
			v.write("VxValue", map[string]any{"label": s, "price": s})
		}
		v.expect("VxValue", map[string]any{"price": map[string]any{"$gt": "-10"}}, "-9.99", "-0.01", "0.00", "9.99", "10.50", "100.00")
		v.expect("VxValue", map[string]any{"price": "10.5"}, "10.50")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$in": []any{"9.990", "100"}}}, "9.99", "100.00")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$lt": 0}}, "-99.50", "-10.50", "-9.99", "-0.01")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$gte": "-10.5", "$lte": "-9.99"}}, "-10.50", "-9.99")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$eq": "-0"}}, "0.00")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$gt": 9.99}}, "10.50", "100.00")
		v.expect("VxValue", map[string]any{"price": map[string]any{"$ne": "0"}}, "-99.50", "-10.50", "-9.99", "-0.01", "9.99", "10.50", "100.00")
		asc, err := v.find("VxValue", nil, em.OrderBy("price", em.Asc))
		must(t, err)
		if d := cmp.Diff(all, vxStrings(asc, "price")); d != "" {
			t.Errorf("%s: ordered by price (-want +got):\n%s", v.drv, d)
		}
	}},

	{"ValuesBooleans", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "flag", true, true)
		v.roundTrip("VxValue", "flag", false, false)
		v.write("VxValue", map[string]any{"label": "none"})
		v.expect("VxValue", map[string]any{"flag": false}, "flag#2")
		v.expect("VxValue", map[string]any{"flag": map[string]any{"$ne": true}}, "flag#2")
		v.expect("VxValue", map[string]any{"flag": map[string]any{"$in": []any{true, false}}}, "flag#1", "flag#2")
		v.expect("VxValue", map[string]any{"flag": nil}, "none")
		v.reject("VxValue", "flag", "true")
		v.reject("VxValue", "flag", 1)
	}},

	// Dates before 1970, year 1 and year 9999, leap days; a time.Time in another zone is the
	// date of its own calendar; filters and order compare dates.
	{"ValuesDates", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			in   any
			want time.Time
		}{
			{"1969-12-31", d(1969, 12, 31)},                                   // day#1
			{"1900-01-01", d(1900, 1, 1)},                                     // day#2
			{"0001-01-01", d(1, 1, 1)},                                        // day#3
			{"9999-12-31", d(9999, 12, 31)},                                   // day#4
			{"2024-02-29", d(2024, 2, 29)},                                    // day#5
			{d(2000, 2, 29), d(2000, 2, 29)},                                  // day#6
			{time.Date(2024, 3, 1, 23, 30, 0, 0, vxMinus0800), d(2024, 3, 1)}, // day#7
			{time.Date(2024, 3, 1, 0, 30, 0, 0, vxPlus0900), d(2024, 3, 1)},   // day#8
			{time.Date(1970, 1, 1, 12, 0, 0, 999, time.UTC), d(1970, 1, 1)},   // day#9
		} {
			v.roundTrip("VxValue", "day", c.in, c.want)
		}
		for _, s := range []string{"2023-02-29", "2024-13-01", "2024-02-30", "24-01-01", "2024-01-01T00:00:00Z"} {
			v.reject("VxValue", "day", s)
		}
		v.expect("VxValue", map[string]any{"day": map[string]any{"$lt": "1970-01-01"}}, "day#1", "day#2", "day#3")
		v.expect("VxValue", map[string]any{"day": map[string]any{"$gte": "2024-02-29"}}, "day#4", "day#5", "day#7", "day#8")
		v.expect("VxValue", map[string]any{"day": map[string]any{"$in": []any{"2000-02-29", d(9999, 12, 31)}}}, "day#4", "day#6")
		v.expect("VxValue", map[string]any{"day": time.Date(2024, 2, 29, 15, 0, 0, 0, time.UTC)}, "day#5")
		v.expect("VxValue", map[string]any{"day": map[string]any{"$gt": d(1969, 12, 31), "$lt": "2000-03-01"}}, "day#6", "day#9")
		asc, err := v.find("VxValue", map[string]any{"day": map[string]any{"$exists": true}}, em.OrderBy("day", em.Asc), em.OrderBy("label", em.Asc))
		must(t, err)
		want := []string{"day#3", "day#2", "day#1", "day#9", "day#6", "day#5", "day#7", "day#8", "day#4"}
		if dd := cmp.Diff(want, vxStrings(asc, "label")); dd != "" {
			t.Errorf("%s: ordered by day (-want +got):\n%s", v.drv, dd)
		}
	}},

	// Datetimes are instants: a value given in another zone reads back as the same instant
	// in UTC; microseconds are kept and finer digits truncated (never rounded into the next
	// second or year); years 1 to 9999 and times before 1970 work; filters compare instants.
	{"ValuesDateTimes", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		u := func(y int, m time.Month, d, h, mi, s, ns int) time.Time {
			return time.Date(y, m, d, h, mi, s, ns, time.UTC)
		}
		for _, c := range []struct {
			in   any
			want time.Time
		}{
			{u(1969, 7, 20, 20, 17, 40, 0), u(1969, 7, 20, 20, 17, 40, 0)},                   // at#1
			{u(1900, 1, 1, 0, 0, 0, 0), u(1900, 1, 1, 0, 0, 0, 0)},                           // at#2
			{u(1, 1, 1, 0, 0, 0, 0), u(1, 1, 1, 0, 0, 0, 0)},                                 // at#3
			{u(9999, 12, 31, 23, 59, 59, 999999000), u(9999, 12, 31, 23, 59, 59, 999999000)}, // at#4
			{u(2024, 2, 29, 12, 0, 0, 0), u(2024, 2, 29, 12, 0, 0, 0)},                       // at#5
			{time.Date(2024, 6, 1, 2, 30, 0, 0, vxPlus0530), u(2024, 5, 31, 21, 0, 0, 0)},    // at#6
			{"2024-06-01T02:30:00+05:30", u(2024, 5, 31, 21, 0, 0, 0)},                       // at#7
			{"1969-12-31T23:59:59.999999-01:00", u(1970, 1, 1, 0, 59, 59, 999999000)},        // at#8
			{u(2024, 1, 1, 0, 0, 0, 123456789), u(2024, 1, 1, 0, 0, 0, 123456000)},           // at#9
			{u(2024, 12, 31, 23, 59, 59, 999999999), u(2024, 12, 31, 23, 59, 59, 999999000)}, // at#10
			{time.Date(2024, 12, 31, 22, 0, 0, 0, vxMinus0500), u(2025, 1, 1, 3, 0, 0, 0)},   // at#11
			{"2024-03-10T12:00:00.000001Z", u(2024, 3, 10, 12, 0, 0, 1000)},                  // at#12
		} {
			v.roundTrip("VxValue", "at", c.in, c.want)
		}
		for _, s := range []string{"2024-06-01 02:30:00", "yesterday", "2024-02-30T00:00:00Z"} {
			v.reject("VxValue", "at", s)
		}
		v.expect("VxValue", map[string]any{"at": map[string]any{"$lt": "1970-01-01T00:00:00Z"}}, "at#1", "at#2", "at#3")
		v.expect("VxValue", map[string]any{"at": time.Date(2024, 6, 1, 2, 30, 0, 0, vxPlus0530)}, "at#6", "at#7")
		v.expect("VxValue", map[string]any{"at": map[string]any{"$gt": u(9999, 12, 31, 23, 59, 59, 999998000)}}, "at#4")
		v.expect("VxValue", map[string]any{"at": u(2024, 1, 1, 0, 0, 0, 123456999)}, "at#9")
		v.expect("VxValue", map[string]any{"at": map[string]any{"$in": []any{"2025-01-01T04:00:00+01:00", u(2024, 2, 29, 12, 0, 0, 0)}}}, "at#5", "at#11")
		v.expect("VxValue", map[string]any{"at": map[string]any{"$gte": "2024-12-31T23:59:59.999999Z", "$lt": time.Date(2025, 1, 1, 0, 0, 0, 0, vxMinus0500)}}, "at#10", "at#11")
		asc, err := v.find("VxValue", map[string]any{"at": map[string]any{"$exists": true}}, em.OrderBy("at", em.Asc), em.OrderBy("label", em.Asc))
		must(t, err)
		want := []string{"at#3", "at#2", "at#1", "at#8", "at#9", "at#5", "at#12", "at#6", "at#7", "at#10", "at#11", "at#4"}
		if d := cmp.Diff(want, vxStrings(asc, "label")); d != "" {
			t.Errorf("%s: ordered by at (-want +got):\n%s", v.drv, d)
		}
	}},

	// Times of day read back as dorm holds them, in one form on every driver: "15:04:05"
	// and a fraction of at most six digits without trailing zeros (as datetimes, finer
	// digits truncated).
	{"ValuesTimesOfDay", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, c := range []struct {
			in   any
			want string
		}{
			{"00:00:00", "00:00:00"},
			{"23:59:59", "23:59:59"},
			{"08:30", "08:30:00"},
			{"23:59:59.999999", "23:59:59.999999"},
			{"12:30:00.5", "12:30:00.5"},
			{"12:30:00.500", "12:30:00.5"},
			{"12:00:00.1234567", "12:00:00.123456"},
			{time.Date(2024, 1, 1, 7, 5, 3, 250000000, time.UTC), "07:05:03.25"},
		} {
			v.roundTrip("VxValue", "clock", c.in, c.want)
		}
		for _, s := range []string{"24:00:00", "25:00", "12:60", "7:05", "noon"} {
			v.reject("VxValue", "clock", s)
		}
	}},

	// Filters on times of day compare times, not text.
	{"ValuesTimeFilters", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"09:00:00", "12:30:00", "23:59:59", "12:30:00.25"} {
			v.write("VxValue", map[string]any{"label": s, "clock": s})
		}
		v.expect("VxValue", map[string]any{"clock": map[string]any{"$gt": "12:00"}}, "12:30:00", "23:59:59", "12:30:00.25")
		v.expect("VxValue", map[string]any{"clock": "12:30"}, "12:30:00")
		v.expect("VxValue", map[string]any{"clock": map[string]any{"$in": []any{"09:00", "23:59:59"}}}, "09:00:00", "23:59:59")
		v.expect("VxValue", map[string]any{"clock": map[string]any{"$lte": "12:30:00"}}, "09:00:00", "12:30:00")
		v.expect("VxValue", map[string]any{"clock": "12:30:00.250"}, "12:30:00.25")
		v.expect("VxValue", map[string]any{"clock": map[string]any{"$gt": "12:30:00.2", "$lt": "12:30:00.3"}}, "12:30:00.25")
	}},

	// UUIDs are lower case whatever case they are given in, as values, in filters and as
	// keys (FindOne and GetReference by an upper-case key find the row and the identity).
	{"ValuesUUIDs", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		up := strings.ToUpper(vxUUID)
		v.roundTrip("VxValue", "uid", up, vxUUID)
		v.roundTrip("VxValue", "uid", [16]byte{0x0e, 0x8a, 0x5f, 0x3c, 0x1b, 0x2d, 0x4c, 0x3e, 0x8f, 0x9a, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef}, vxUUID)
		v.roundTrip("VxValue", "uid", "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000")
		v.roundTrip("VxValue", "uid", "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "ffffffff-ffff-ffff-ffff-ffffffffffff")
		for _, s := range []string{"not-a-uuid", "{" + vxUUID + "}", strings.ReplaceAll(vxUUID, "-", ""), vxUUID + " "} {
			v.reject("VxValue", "uid", s)
		}
		v.expect("VxValue", map[string]any{"uid": up}, "uid#1", "uid#2")
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$in": []any{up, "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"}}}, "uid#1", "uid#2", "uid#4")
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$gt": "0E8A5F3C-0000-0000-0000-000000000000", "$lt": "F0000000-0000-0000-0000-000000000000"}}, "uid#1", "uid#2")

		id := "A1B2C3D4-E5F6-4A7B-8C9D-0E1F2A3B4C5D"
		k := v.write("VxKeyed", map[string]any{"id": id, "label": "upper"})
		if k.ID() != strings.ToLower(id) {
			t.Errorf("%s: key %q held as %#v, want it in lower case", v.drv, id, k.ID())
		}
		m := v.orm.Fork()
		got, err := m.FindOne(env.Ctx, "VxKeyed", id)
		if err != nil {
			t.Fatalf("%s: FindOne by the upper-case key: %v", v.drv, err)
		}
		if got.ID() != strings.ToLower(id) || got.Get("label") != "upper" {
			t.Errorf("%s: FindOne by the upper-case key: %v %v", v.drv, got.ID(), got.Get("label"))
		}
		if ref := m.GetReference("VxKeyed", strings.ToLower(id)); ref != got {
			t.Errorf("%s: GetReference by the lower-case key is another entity than FindOne by the upper-case one", v.drv)
		}
		m2 := v.orm.Fork()
		ref := m2.GetReference("VxKeyed", id)
		must(t, ref.Init(env.Ctx))
		if again, err := m2.FindOne(env.Ctx, "VxKeyed", map[string]any{"label": "upper"}); err != nil || again != ref {
			t.Errorf("%s: a reference by the upper-case key and a find of its row are not one entity: %v", v.drv, err)
		}
	}},

	// $like, $ilike and $re apply to uuid properties (docs/filters.md) and compare the
	// lower-case text.
	{"ValuesUUIDPatterns", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.roundTrip("VxValue", "uid", vxUUID, vxUUID)
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$like": "0e8a%"}}, "uid#1")
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$ilike": "0E8A%"}}, "uid#1")
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$re": "^0e8a5f3c-"}}, "uid#1")
		v.expect("VxValue", map[string]any{"uid": map[string]any{"$like": "0E8A%"}})
	}},

	// JSON documents of every shape read back as encoding/json decodes them: nested objects,
	// arrays, null inside, scalars at the top (a string stays a string), empty containers,
	// escapes, big numbers (as float64, like encoding/json).
	{"ValuesJSONDocuments", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, doc := range []any{
			map[string]any{"a": map[string]any{"b": []any{1.0, "x", nil, true, map[string]any{}}}, "n": nil},
			[]any{},
			map[string]any{},
			[]any{nil},
			"hello",
			"",
			"2024-01-01",
			42.0,
			0.1,
			1e300,
			5e-324,
			float64(1 << 53),
			true,
			false,
			map[string]any{"s": "<>&\u2028 ünï 😀 \"q\" \\ \t", "": "empty key", "ключ": 1.5},
			map[string]any{"deep": []any{[]any{[]any{map[string]any{"x": []any{-0.5, 1e21}}}}}},
		} {
			v.roundTrip("VxValue", "doc", doc, doc)
		}
	}},

	// What dorm holds after Create is what encoding/json decodes, for every input: Go
	// integers inside a map or slice, typed maps and slices, strings that are not UTF-8.
	// Otherwise dorm holds 1 (an int) where every database gives back 1.0, or 2^53+1 where
	// every database gives back 2^53.
	{"ValuesJSONNormalised", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, doc := range []any{
			int64(1<<53 + 1),
			[]int{1, 2, 3},
			map[string]int{"a": 1},
			map[string]any{"n": 1, "big": int64(1<<53 + 1)},
			[]any{1, int64(2), uint8(3)},
			map[string]any{"m": map[string]int{"a": 1}, "xs": []string{"a"}},
			map[string]any{"at": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)},
			"bad \xff utf-8",
			json.Number("12345678901234567890"),
		} {
			v.roundTrip("VxValue", "doc", doc, vxJSON(t, doc))
		}
	}},

	// Blobs keep every byte, zero bytes included; an empty blob is not NULL.
	{"ValuesBlobs", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		big := make([]byte, 1<<20)
		for i := range big {
			big[i] = byte(i*7 + i>>8)
		}
		for _, b := range [][]byte{{0, 0, 0}, {0}, {0xff, 0, 0xfe}, all, big, []byte("\\x00'\"")} {
			v.roundTrip("VxValue", "bin", b, b)
		}
		v.roundTrip("VxValue", "bin", "abc", []byte("abc"))
		v.roundTrip("VxValue", "bin", []byte{}, []byte{})
		v.reject("VxValue", "bin", 42)
	}},

	// Enum values with quotes and non-ASCII letters round-trip; a value not in the list, in
	// another case or with a trailing space, is an error naming the property, as a value and
	// in a filter.
	{"ValuesEnums", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"draft", "it's", "ünï", "UPPER"} {
			v.roundTrip("VxValue", "state", s, s)
		}
		for _, s := range []string{"upper", "", "draft ", "Draft", "nope"} {
			v.reject("VxValue", "state", s)
		}
		v.expect("VxValue", map[string]any{"state": map[string]any{"$in": []any{"it's", "ünï"}}}, "state#2", "state#3")
		v.expect("VxValue", map[string]any{"state": map[string]any{"$like": "it%"}}, "state#2")
		if _, err := v.find("VxValue", map[string]any{"state": "nope"}); err == nil || !strings.Contains(err.Error(), "state") {
			t.Errorf("%s: filter state = nope: %v, want an error naming state", v.drv, err)
		}
	}},

	// A value of the wrong type is a *schema.TypeError naming the property, from Create, Set
	// and filters alike.
	{"ValuesTypeErrorsNameTheProperty", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		base := v.write("VxValue", map[string]any{"label": "base"})
		m := v.orm.Fork()
		e, err := m.FindOne(env.Ctx, "VxValue", base.ID())
		must(t, err)
		for _, c := range []struct {
			prop string
			in   any
		}{
			{"str", 42},
			{"txt", []byte("x")},
			{"i32", "12"},
			{"i64", 1.5},
			{"f64", "0.5"},
			{"price", "1e5"},
			{"price", "12,50"},
			{"amount", "abc"},
			{"flag", "true"},
			{"day", "2024-13-01"},
			{"at", "yesterday"},
			{"clock", "25:00"},
			{"uid", "xyz"},
			{"state", "nope"},
			{"bin", 42},
			{"doc", func() {}},
			{"doc", json.Number("1e400")},
		} {
			_, err := v.orm.Fork().Create("VxValue", map[string]any{"label": "bad", c.prop: c.in})
			var te *schema.TypeError
			if err == nil {
				t.Errorf("%s: Create with %s = %#v: no error", v.drv, c.prop, c.in)
			} else if !errors.As(err, &te) || te.Property != c.prop || !strings.Contains(err.Error(), c.prop) {
				t.Errorf("%s: Create with %s = %#v: %v (%T), want a *schema.TypeError naming %s", v.drv, c.prop, c.in, err, err, c.prop)
			}
			if err := e.Set(c.prop, c.in); err == nil || !strings.Contains(err.Error(), c.prop) {
				t.Errorf("%s: Set %s = %#v: %v, want an error naming %s", v.drv, c.prop, c.in, err, c.prop)
			}
			if vxFilterable(c.prop) {
				if _, err := v.find("VxValue", map[string]any{c.prop: c.in}); err == nil || !strings.Contains(err.Error(), c.prop) {
					t.Errorf("%s: filter %s = %#v: %v, want an error naming %s", v.drv, c.prop, c.in, err, c.prop)
				}
			}
		}
		must(t, m.Flush(env.Ctx))
	}},

	// $eq, $in and $ne on strings are exact on every driver: case-sensitive and accent-
	// sensitive. Trailing spaces count except on MySQL/MariaDB, whose utf8mb4_bin is a PAD
	// SPACE collation (docs/mysql.md): there the values with a trailing space are left out.
	{"ValuesStringEqualityIsExact", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		all := []string{"abc", "ABC", "abc ", " abc", "ábc", "a\u0301bc", "abc\t"}
		if v.drv == "mariadb" || v.drv == "mysql" {
			all = []string{"abc", "ABC", " abc", "ábc", "a\u0301bc", "abc\t"}
		}
		for _, s := range all {
			v.write("VxValue", map[string]any{"label": vxQ(s), "plain": s, "txt": s})
		}
		for _, prop := range []string{"plain", "txt"} {
			v.expect("VxValue", map[string]any{prop: "abc"}, vxQ("abc"))
			if v.drv != "mariadb" && v.drv != "mysql" {
				v.expect("VxValue", map[string]any{prop: "abc "}, vxQ("abc "))
			}
			v.expect("VxValue", map[string]any{prop: "ABC"}, vxQ("ABC"))
			v.expect("VxValue", map[string]any{prop: "ábc"}, vxQ("ábc"))
			v.expect("VxValue", map[string]any{prop: map[string]any{"$in": []any{"abc", "ABC"}}}, vxQ("abc"), vxQ("ABC"))
			v.expect("VxValue", map[string]any{prop: map[string]any{"$ne": "abc"}}, vxQs(all[1:]...)...)
			v.expect("VxValue", map[string]any{prop: map[string]any{"$nin": []any{"abc", "ABC", "abc\t"}}}, vxQs(all[2:len(all)-1]...)...)
		}
	}},

	// String keys that differ only by case are different keys; by trailing spaces too,
	// except on MySQL/MariaDB (PAD SPACE, docs/mysql.md).
	{"ValuesStringKeysAreExact", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		m := v.orm.Fork()
		keys := []string{"k", "k ", "K"}
		if v.drv == "mariadb" || v.drv == "mysql" {
			keys = []string{"k", "K"}
		}
		for _, k := range keys {
			create(t, m, "VxCode", map[string]any{"code": k, "label": fmt.Sprintf("%q", k)})
		}
		if err := m.Flush(env.Ctx); err != nil {
			t.Fatalf("%s: keys \"k\", \"k \" and \"K\": %v", v.drv, err)
		}
		for _, k := range keys {
			got, err := v.orm.Fork().FindOne(env.Ctx, "VxCode", k)
			if err != nil {
				t.Errorf("%s: FindOne(%q): %v", v.drv, k, err)
				continue
			}
			if got.ID() != k || got.Get("label") != fmt.Sprintf("%q", k) {
				t.Errorf("%s: FindOne(%q) found %q (%v)", v.drv, k, got.ID(), got.Get("label"))
			}
		}
		if _, err := v.orm.Fork().FindOne(env.Ctx, "VxCode", "k  "); v.drv != "mariadb" && v.drv != "mysql" && !errors.Is(err, em.ErrNotFound) {
			t.Errorf("%s: FindOne(\"k  \"): %v, want not found", v.drv, err)
		}
	}},

	// $like is case-sensitive, % and _ are wildcards over characters (not bytes), a
	// backslash makes the next character literal (\%, \_, \\), and GLOB's or regexp's own
	// special characters are literal.
	{"ValuesLikeLiterals", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"100%", "100 percent", "a_b", "axb", `back\slash`, "x*y?[z]", "xAyB[z]", "über", "😀!", "a\nb", "ABC", "abc", "(.+)$^"} {
			v.write("VxValue", map[string]any{"label": vxQ(s), "plain": s})
		}
		for _, c := range []struct {
			pattern string
			want    []string
		}{
			{`100\%`, vxQs("100%")},
			{`100%`, vxQs("100%", "100 percent")},
			{`a\_b`, vxQs("a_b")},
			{`a_b`, vxQs("a_b", "axb", "a\nb")},
			{`back\\slash`, vxQs("back\\slash")},
			{`%\\%`, vxQs("back\\slash")},
			{`x*y?[z]`, vxQs("x*y?[z]")},
			{`x_y_[z]`, vxQs("x*y?[z]", "xAyB[z]")},
			{`%]`, vxQs("x*y?[z]", "xAyB[z]")},
			{`_ber`, vxQs("über")},
			{`ü%`, vxQs("über")},
			{`%😀%`, vxQs("😀!")},
			{`_!`, vxQs("😀!")},
			{`abc`, vxQs("abc")},
			{`A%`, vxQs("ABC")},
			{`(.+)$^`, vxQs("(.+)$^")},
			{`\a\b\c`, vxQs("abc")},
		} {
			v.expect("VxValue", map[string]any{"plain": map[string]any{"$like": c.pattern}}, c.want...)
		}
	}},

	// A $like pattern that ends with the escape character means the same on every driver
	// (PostgreSQL refuses it: "LIKE pattern must not end with escape character"): it is a
	// filter error naming the property, before any query.
	{"ValuesLikeTrailingEscape", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		v.write("VxValue", map[string]any{"label": "back", "plain": `back\`})
		v.write("VxValue", map[string]any{"label": "backx", "plain": `back`})
		for _, op := range []string{"$like", "$ilike"} {
			es, err := v.find("VxValue", map[string]any{"plain": map[string]any{op: `back\`}})
			if err == nil || !strings.Contains(err.Error(), "plain") {
				t.Errorf("%s: %s ending in a backslash: %v (found %q), want an error naming plain", v.drv, op, err, vxStrings(es, "label"))
			}
		}
	}},

	// $ilike ignores case for every letter, not only ASCII (docs/filters.md: "LIKE,
	// ignoring case"); it does not ignore accents. SQLite's LIKE folds ASCII letters only
	// (docs/sqlite.md): there the non-ASCII patterns match their exact case.
	{"ValuesILikeUnicode", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"Straße", "ÉCOLE", "école", "Ecole", "ÅNGSTRÖM", "DUNE", "dune", "100%", "100x", "ΣΊΣΥΦΟΣ"} {
			v.write("VxValue", map[string]any{"label": s, "plain": s})
		}
		for _, c := range []struct {
			pattern string
			want    []string
		}{
			{"dune", []string{"DUNE", "dune"}},
			{"école", []string{"ÉCOLE", "école"}},
			{"ÉCOLE", []string{"ÉCOLE", "école"}},
			{"ecole", []string{"Ecole"}},
			{"%ström", []string{"ÅNGSTRÖM"}},
			{"åN%", []string{"ÅNGSTRÖM"}},
			{"straße", []string{"Straße"}},
			{"σίσυφοσ", []string{"ΣΊΣΥΦΟΣ"}},
			{`100\%`, []string{"100%"}},
			{"100_", []string{"100%", "100x"}},
		} {
			if v.drv == "sqlite" {
				switch c.pattern {
				case "école":
					c.want = []string{"école"}
				case "ÉCOLE":
					c.want = []string{"ÉCOLE"}
				case "%ström", "åN%", "σίσυφοσ":
					c.want = nil
				}
			}
			v.expect("VxValue", map[string]any{"plain": map[string]any{"$ilike": c.pattern}}, c.want...)
		}
	}},

	// $re: the patterns whose meaning is the same in RE2 (SQLite, memory), PostgreSQL's POSIX
	// AREs and MariaDB's PCRE (docs/filters.md lists the differences: \b, \d, \p{L}, (?i:),
	// . and $ around newlines).
	{"ValuesRegexPortable", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		for _, s := range []string{"abc\n", "a\nb", "foo bar", "foobar", "123", "١٢٣", "Ärger"} {
			v.write("VxValue", map[string]any{"label": vxQ(s), "plain": s})
		}
		for _, c := range []struct {
			pattern string
			want    []string
		}{
			{`^foo(bar)?$`, vxQs("foobar")},
			{`^[0-9]+$`, vxQs("123")},
			{`(?i)^ärger$`, vxQs("Ärger")},
			{`^[a-z]+ [a-z]+$`, vxQs("foo bar")},
			{`o{2}`, vxQs("foo bar", "foobar")},
			{`^fo+b`, vxQs("foobar")},
			{`ar$`, vxQs("foo bar", "foobar")},
		} {
			v.expect("VxValue", map[string]any{"plain": map[string]any{"$re": c.pattern}}, c.want...)
		}
	}},

	// The order of strings of mixed case and accents follows the collation (docs/entity-
	// manager.md): it is logged, not asserted.
	{"ValuesStringOrderIsLogged", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		all := []string{"apple", "Apple", "Banana", "banana", "Äpfel", "zebra", "Zebra", "éclair", "eclair", "_under", "10", "9", " space", "Ωmega"}
		for _, s := range all {
			v.write("VxValue", map[string]any{"label": s, "plain": s})
		}
		asc, err := v.find("VxValue", nil, em.OrderBy("plain", em.Asc))
		must(t, err)
		got := vxStrings(asc, "plain")
		if len(got) != len(all) {
			t.Errorf("%s: %d rows, want %d", v.drv, len(got), len(all))
		}
		t.Logf("%s: order by plain asc: %q", v.drv, got)
		gt := v.labels("VxValue", map[string]any{"plain": map[string]any{"$gt": "apple"}})
		t.Logf("%s: plain > \"apple\": %q", v.drv, gt)
	}},

	// The same values read back the same whether a flush inserts them one by one or in bulk
	// (PostgreSQL sends 100 rows or more of a uuid-keyed entity with COPY, whose values are
	// encoded in Go rather than parsed by the server).
	{"ValuesBulkInsertSameAsSingle", func(t *testing.T, env *Env) {
		v := vxOpen(t, env)
		values := []map[string]any{
			{"price": "1.005"}, {"price": "-0.00"}, {"price": "12.5"}, {"price": "-9999.99"},
			{"clock": "23:59:59.999999"}, {"clock": "12:30:00.500"}, {"clock": "12:00:00.1234567"}, {"clock": "08:30"},
			{"at": time.Date(2024, 6, 1, 2, 30, 0, 123456789, vxPlus0530)}, {"at": time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
			{"doc": map[string]any{"a": []any{1.0, nil}}}, {"doc": "top"},
			{"bin": []byte{}}, {"bin": []byte{0, 0xff}},
			{"txt": ""}, {"txt": "ünï 😀"},
		}
		single := map[int]map[string]any{}
		for i, val := range values {
			data := map[string]any{"label": fmt.Sprintf("single %d", i)}
			for k, x := range val {
				data[k] = x
			}
			e, err := v.try("VxKeyed", data)
			if err != nil {
				t.Errorf("%s: single insert of %v: %v", v.drv, val, err)
				continue
			}
			got, err := v.orm.Fork().FindOne(env.Ctx, "VxKeyed", e.ID())
			must(t, err)
			single[i] = got.ToMap()
		}
		// One flush of CopyRows (100) rows per value, so that one value refused does not hide
		// the others.
		const rows = 100
		for i, val := range values {
			want, ok := single[i]
			if !ok {
				continue
			}
			m := v.orm.Fork()
			for r := 0; r < rows; r++ {
				data := map[string]any{"label": fmt.Sprintf("bulk %d-%d", i, r)}
				for k, x := range val {
					data[k] = x
				}
				create(t, m, "VxKeyed", data)
			}
			if err := m.Flush(env.Ctx); err != nil {
				t.Errorf("%s: bulk insert of %d rows with %s: %v (a single insert takes it)", v.drv, rows, vxShow(val), err)
				continue
			}
			bulk, err := v.find("VxKeyed", map[string]any{"label": map[string]any{"$like": fmt.Sprintf("bulk %d-%%", i)}})
			must(t, err)
			if len(bulk) != rows {
				t.Errorf("%s: %d rows of bulk %d, want %d", v.drv, len(bulk), i, rows)
				continue
			}
			got := bulk[0].ToMap()
			for k := range val {
				if !reflect.DeepEqual(got[k], want[k]) && !vxSame(want[k], got[k]) {
					t.Errorf("%s: %s = %s: a bulk insert reads back %s, a single insert %s", v.drv, k, vxShow(val[k]), vxShow(got[k]), vxShow(want[k]))
				}
			}
		}
	}},
}

// vxShow formats v for a message, cut to 80 characters.
func vxShow(v any) string {
	s := fmt.Sprintf("%#v", v)
	if len(s) > 80 {
		s = fmt.Sprintf("%s… (%d bytes)", s[:60], len(s))
	}
	return s
}

// vxQ is the label of a row holding s: s quoted, in ASCII.
func vxQ(s string) string { return strconv.QuoteToASCII(s) }

func vxQs(ss ...string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = vxQ(s)
	}
	return out
}

// vxStrings returns prop of each entity as a string, in order.
func vxStrings(es []*dynamic.Entity, prop string) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = fmt.Sprint(e.Get(prop))
	}
	return out
}

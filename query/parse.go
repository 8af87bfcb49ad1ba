package query

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/dorm-go/dorm/schema"
)

// MaxDepth is how deeply objects may nest in a filter; deeper filters are an error, which
// protects against hostile JSON and against maps that contain themselves.
const MaxDepth = 32

// entityValue is what a relation filter accepts as an entity: *dynamic.Entity implements it.
type entityValue interface {
	Entity() string
	ID() any
}

// Parse validates filter, a MikroORM FilterQuery written as Go maps, against the metadata of e
// and returns it as an expression. A nil or empty filter returns And{}, which matches every
// entity. Errors are *[Error]; see the package documentation for the language.
//
// The same filter always gives the same expression: keys are visited in sorted order.
func Parse(e *schema.Entity, filter map[string]any) (Expr, error) {
	if e == nil {
		return nil, &Error{Msg: "no entity metadata"}
	}
	p := &parser{root: e}
	return p.object(e, filter, "", 1)
}

// ParseJSON decodes data, a JSON object, and parses it as [Parse] does. Numbers are decoded as
// json.Number, so that large integers and decimals keep every digit.
func ParseJSON(e *schema.Entity, data []byte) (Expr, error) {
	if e == nil {
		return nil, &Error{Msg: "no entity metadata"}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &Error{Entity: e.Name, Msg: "invalid JSON: " + err.Error(), Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("data after the top-level object")
		}
		return nil, &Error{Entity: e.Name, Msg: "invalid JSON: " + err.Error(), Err: err}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Entity: e.Name, Msg: "the filter must be a JSON object, got " + jsonKind(v)}
	}
	return Parse(e, m)
}

// Operators, by where they may appear.
var (
	// cmpOps are the comparison operators of a property's operator object.
	cmpOps = map[string]Op{
		"$eq": Eq, "$ne": Ne, "$in": In, "$nin": Nin, "$gt": Gt, "$gte": Gte, "$lt": Lt,
		"$lte": Lte, "$like": Like, "$ilike": ILike, "$re": Re, "$exists": Exists,
	}
	propOpNames   = "$eq, $ne, $in, $nin, $gt, $gte, $lt, $lte, $like, $ilike, $re, $exists, $not"
	objectOpNames = "$and, $or, $not"
)

type parser struct {
	root *schema.Entity
}

func (p *parser) fail(path, format string, args ...any) error {
	return &Error{Entity: p.root.Name, Path: path, Msg: fmt.Sprintf(format, args...)}
}

// typeErr wraps err from schema.ConvertProperty.
func (p *parser) typeErr(path string, err error) error {
	return &Error{Entity: p.root.Name, Path: path, Msg: strings.TrimPrefix(err.Error(), "dorm: "), Err: err}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// quote quotes a key of the filter for a message, shortened when it is long.
func quote(k string) string {
	const max = 64
	if len(k) > max {
		return strconv.Quote(k[:max]) + "..."
	}
	return strconv.Quote(k)
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// all combines conditions of one level: one alone, several in an And.
func all(xs []Expr) Expr {
	if len(xs) == 1 {
		return xs[0]
	}
	if xs == nil {
		return And{}
	}
	return And(xs)
}

// object parses a filter on entity e: property names and $and, $or, $not.
func (p *parser) object(e *schema.Entity, m map[string]any, path string, depth int) (Expr, error) {
	if depth > MaxDepth {
		return nil, p.fail(path, "the filter is nested deeper than %d levels", MaxDepth)
	}
	var out []Expr
	for _, k := range sortedKeys(m) {
		v := m[k]
		kp := join(path, k)
		switch k {
		case "$and", "$or":
			list, ok := asList(v)
			if !ok || len(list) == 0 {
				what := "an empty array"
				if !ok {
					what = describe(v)
				}
				return nil, p.fail(kp, "%s needs a non-empty array of objects, got %s", k, what)
			}
			parts := make([]Expr, 0, len(list))
			for i, el := range list {
				sub, ok := asMap(el)
				if !ok {
					return nil, p.fail(index(kp, i), "%s needs a non-empty array of objects, got %s in it", k, describe(el))
				}
				x, err := p.object(e, sub, index(kp, i), depth+1)
				if err != nil {
					return nil, err
				}
				parts = append(parts, x)
			}
			if k == "$and" {
				out = append(out, And(parts))
			} else {
				out = append(out, Or(parts))
			}
			continue
		case "$not":
			sub, ok := asMap(v)
			if !ok {
				return nil, p.fail(kp, "$not needs an object, got %s", describe(v))
			}
			x, err := p.object(e, sub, kp, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, Not{X: x})
			continue
		}
		if strings.HasPrefix(k, "$") {
			if _, ok := cmpOps[k]; ok {
				return nil, p.fail(kp, "operator %s needs a property: write {\"<property>\": {%q: ...}}", k, k)
			}
			return nil, p.fail(kp, "unknown operator %s (known here: %s)", quote(k), objectOpNames)
		}
		prop, ok := e.Property(k)
		if !ok {
			return nil, p.fail(kp, "unknown property %s of %s (known: %s)", quote(k), e.Name, propNames(e))
		}
		xs, err := p.property(prop, v, kp, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return all(out), nil
}

func propNames(e *schema.Entity) string {
	names := make([]string, len(e.Properties))
	for i, p := range e.Properties {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// property parses the value given for prop.
func (p *parser) property(prop *schema.Property, v any, path string, depth int) ([]Expr, error) {
	switch {
	case prop.Kind == schema.Scalar:
		return p.scalar(prop, v, path, depth)
	case prop.Kind == schema.ManyToOne || prop.Kind == schema.OneToOne && prop.Owner:
		if err := p.checkTarget(prop, path); err != nil {
			return nil, err
		}
		return p.toOne(prop, v, path, depth)
	case prop.IsRelation():
		if prop.Target == nil || prop.Kind == schema.ManyToMany {
			if err := p.checkTarget(prop, path); err != nil {
				return nil, err
			}
		}
		return p.toMany(prop, v, path, depth)
	case prop.Kind == schema.Embedded:
		return p.embedded(prop, v, path, depth)
	}
	return nil, p.fail(path, "%s is a %s property, which filters do not support", prop, prop.Kind)
}

// embedded parses the value of an embedded property: an object of conditions on its fields
// ({"address": {"city": "Winterfell"}} is {"address.city": "Winterfell"}), or null for a
// value that is not set (every field NULL).
func (p *parser) embedded(prop *schema.Property, v any, path string, depth int) ([]Expr, error) {
	if isNil(v) {
		var out []Expr
		for _, f := range prop.Fields {
			xs, err := p.scalar(f, nil, join(path, f.FieldName()), depth)
			if err != nil {
				return nil, err
			}
			out = append(out, xs...)
		}
		return out, nil
	}
	m, ok := asMap(v)
	if !ok || len(m) == 0 {
		return nil, p.fail(path, "%s is embedded: expected an object of conditions on its fields (%s), got %s", prop, fieldNames(prop), describe(v))
	}
	var out []Expr
	for _, k := range sortedKeys(m) {
		kp := join(path, k)
		if strings.HasPrefix(k, "$") {
			return nil, p.fail(kp, "operator %s on embedded %s: put conditions on its fields (%s)", quote(k), prop, fieldNames(prop))
		}
		f, ok := prop.Entity.Property(prop.Name + "." + k)
		if !ok {
			return nil, p.fail(kp, "unknown field %s of embedded %s (known: %s)", quote(k), prop, fieldNames(prop))
		}
		xs, err := p.scalar(f, m[k], kp, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}

func fieldNames(prop *schema.Property) string {
	names := make([]string, len(prop.Fields))
	for i, f := range prop.Fields {
		names[i] = f.FieldName()
	}
	return strings.Join(names, ", ")
}

func (p *parser) checkTarget(prop *schema.Property, path string) error {
	if prop.Target == nil {
		return p.fail(path, "relation %s has no resolved target entity %q", prop, prop.TargetName)
	}
	if len(prop.Target.Primary) != 1 {
		return p.fail(path, "relation %s: filters on relations to %s, which has a composite or no primary key, are not supported",
			prop, prop.Target.Name)
	}
	return nil
}

// scalar parses the value of a scalar property.
func (p *parser) scalar(prop *schema.Property, v any, path string, depth int) ([]Expr, error) {
	if m, ok := asMap(v); ok {
		if prop.Type == schema.JSON || prop.Type == schema.Blob {
			for k := range m {
				if !strings.HasPrefix(k, "$") {
					return nil, p.fail(path, "filtering %s property %s by value is not supported; $exists is", prop.Type, prop)
				}
			}
		}
		return p.ops(prop, scalarKey{p, prop}, m, path, depth+1)
	}
	if prop.Type == schema.JSON || prop.Type == schema.Blob {
		return nil, p.fail(path, "filtering %s property %s by value is not supported; $exists is", prop.Type, prop)
	}
	if list, ok := asList(v); ok {
		vals, err := p.list(scalarKey{p, prop}, list, path, "$in")
		if err != nil {
			return nil, err
		}
		return []Expr{&Cmp{Prop: prop, Op: In, Value: vals}}, nil
	}
	val, err := scalarKey{p, prop}.convert(v, path)
	if err != nil {
		return nil, err
	}
	return []Expr{&Cmp{Prop: prop, Op: Eq, Value: val}}, nil
}

// keyer converts the values compared with one column: a scalar property's values, or the keys
// of a relation's target.
type keyer interface {
	convert(v any, path string) (any, error) // v may be nil
}

type scalarKey struct {
	p    *parser
	prop *schema.Property
}

func (s scalarKey) convert(v any, path string) (any, error) {
	if _, ok := v.(entityValue); ok && !isNil(v) {
		return nil, s.p.fail(path, "%s is a %s property, not a relation; got an entity", s.prop, s.prop.Type)
	}
	out, err := schema.ConvertProperty(s.prop, deref(v))
	if err != nil {
		return nil, s.p.typeErr(path, err)
	}
	return out, nil
}

// relKey converts entities and keys to the primary key of rel's target.
type relKey struct {
	p   *parser
	rel *schema.Property
}

func (r relKey) convert(v any, path string) (any, error) {
	if isNil(v) {
		return nil, nil
	}
	target := r.rel.Target
	if ent, ok := v.(entityValue); ok {
		if name := ent.Entity(); name != target.Name {
			return nil, r.p.fail(path, "%s relates to %s, got an entity of %s", r.rel, target.Name, name)
		}
		id := ent.ID()
		if isNil(id) {
			return nil, r.p.fail(path, "%s is not persisted yet, it has no key", target.Name)
		}
		v = id
	}
	out, err := schema.ConvertProperty(target.Primary[0], deref(v))
	if err != nil {
		return nil, r.p.typeErr(path, err)
	}
	return out, nil
}

// list converts the elements of an array for $in or $nin; null elements are an error.
func (p *parser) list(k keyer, list []any, path, op string) ([]any, error) {
	out := make([]any, len(list))
	for i, el := range list {
		ip := index(path, i)
		if isNil(el) {
			alt := `{"$eq": null} or {"$exists": false}`
			if op == "$nin" {
				alt = `{"$ne": null} or {"$exists": true}`
			}
			return nil, p.fail(ip, "null is not allowed in %s; use %s", op, alt)
		}
		if _, ok := asList(el); ok {
			return nil, p.fail(ip, "%s needs an array of values, got a nested array", op)
		}
		if _, ok := asMap(el); ok {
			return nil, p.fail(ip, "%s needs an array of values, got an object in it", op)
		}
		val, err := k.convert(el, ip)
		if err != nil {
			return nil, err
		}
		out[i] = val
	}
	return out, nil
}

func isStringLike(t schema.Type) bool {
	switch t {
	case schema.String, schema.Text, schema.Enum, schema.UUID, schema.ObjectID:
		return true
	}
	return false
}

// ops parses an operator object such as {"$gt": 1, "$lt": 5} on the column of prop (a scalar,
// or the key of a to-one relation that owns its column).
func (p *parser) ops(prop *schema.Property, k keyer, m map[string]any, path string, depth int) ([]Expr, error) {
	if depth > MaxDepth {
		return nil, p.fail(path, "the filter is nested deeper than %d levels", MaxDepth)
	}
	if len(m) == 0 {
		return nil, p.fail(path, "empty operator object for %s; give an operator such as $eq", prop)
	}
	isRel := prop.IsRelation()
	var out []Expr
	for _, key := range sortedKeys(m) {
		v := m[key]
		kp := join(path, key)
		if key == "$not" {
			sub, ok := asMap(v)
			if !ok {
				return nil, p.fail(kp, "$not needs an object of operators, got %s", describe(v))
			}
			xs, err := p.ops(prop, k, sub, kp, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, Not{X: all(xs)})
			continue
		}
		op, ok := cmpOps[key]
		if !ok {
			switch {
			case key == "$and" || key == "$or":
				return nil, p.fail(kp, "%s is not allowed among the operators of %s; use it at the level of the object", key, prop)
			case strings.HasPrefix(key, "$"):
				return nil, p.fail(kp, "unknown operator %s (known: %s)", quote(key), propOpNames)
			case isRel:
				// relation maps are classified before; this is a mix caught there.
				return nil, p.fail(kp, "expected an operator for %s, got %s", prop, quote(key))
			default:
				return nil, p.fail(kp, "expected an operator such as $eq for %s property %s, got %s", prop.Type, prop, quote(key))
			}
		}
		x, err := p.op(prop, k, op, v, kp)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// op parses one comparison.
func (p *parser) op(prop *schema.Property, k keyer, op Op, v any, path string) (Expr, error) {
	isRel := prop.IsRelation()
	typ := prop.Type
	if op != Exists && !isRel && (typ == schema.JSON || typ == schema.Blob) {
		return nil, p.fail(path, "filtering %s property %s by value is not supported; $exists is", typ, prop)
	}
	switch op {
	case Exists:
		b, ok := deref(v).(bool)
		if !ok {
			return nil, p.fail(path, "$exists needs true or false, got %s", describe(v))
		}
		return &Cmp{Prop: prop, Op: Exists, Value: b}, nil
	case In, Nin:
		list, ok := asList(v)
		if !ok {
			return nil, p.fail(path, "%s needs an array, got %s", op, describe(v))
		}
		vals, err := p.list(k, list, path, op.String())
		if err != nil {
			return nil, err
		}
		return &Cmp{Prop: prop, Op: op, Value: vals}, nil
	case Like, ILike, Re:
		if isRel {
			return nil, p.fail(path, "%s is not supported on relation %s; filter a property of %s instead", op, prop, prop.Target.Name)
		}
		if !isStringLike(typ) {
			return nil, p.fail(path, "%s applies to string-like properties; %s is %s", op, prop, typ)
		}
		s, ok := deref(v).(string)
		if !ok {
			return nil, p.fail(path, "%s needs a string pattern, got %s", op, describe(v))
		}
		if op == Like || op == ILike {
			// \ escapes the next character (\%, \_, \\); a lone one at the end escapes
			// nothing, and each database would read it differently.
			n := len(s) - len(strings.TrimRight(s, `\`))
			if n%2 == 1 {
				return nil, p.fail(path, "%s pattern %q ends with an escape character (\\): write \\\\ for a backslash", op, s)
			}
		}
		if op == Re {
			if _, err := regexp.Compile(s); err != nil {
				return nil, &Error{Entity: p.root.Name, Path: path,
					Msg: fmt.Sprintf("$re: invalid regular expression %q: %v", s, err), Err: err}
			}
		}
		return &Cmp{Prop: prop, Op: op, Value: s}, nil
	case Gt, Gte, Lt, Lte:
		if typ == schema.Boolean {
			return nil, p.fail(path, "%s is not allowed on %s (%s)", op, prop, typ)
		}
		if isNil(v) {
			return nil, p.fail(path, "%s needs a value, got null", op)
		}
	}
	// Eq, Ne, Gt, Gte, Lt, Lte
	if _, ok := asList(v); ok {
		return nil, p.fail(path, "%s needs a single value, got an array (use $in or $nin)", op)
	}
	if _, ok := asMap(v); ok {
		return nil, p.fail(path, "%s needs a single value, got an object", op)
	}
	val, err := k.convert(v, path)
	if err != nil {
		return nil, err
	}
	return &Cmp{Prop: prop, Op: op, Value: val}, nil
}

// toOne parses the value of a m:1 relation or the owning side of a 1:1: its foreign key column
// is compared directly, or a nested filter becomes Related.
func (p *parser) toOne(prop *schema.Property, v any, path string, depth int) ([]Expr, error) {
	k := relKey{p, prop}
	if m, ok := asMap(v); ok {
		isOps, err := p.classify(prop, m, path)
		if err != nil {
			return nil, err
		}
		if isOps {
			return p.ops(prop, k, m, path, depth+1)
		}
		pk := prop.Target.Primary[0]
		if len(m) == 1 {
			if kv, ok := m[pk.Name]; ok && isScalarValue(kv) {
				val, err := k.convert(kv, join(path, pk.Name))
				if err != nil {
					return nil, err
				}
				return []Expr{&Cmp{Prop: prop, Op: Eq, Value: val}}, nil
			}
		}
		where, err := p.object(prop.Target, m, path, depth+1)
		if err != nil {
			return nil, err
		}
		return []Expr{&Related{Prop: prop, Where: where}}, nil
	}
	if list, ok := asList(v); ok {
		vals, err := p.list(k, list, path, "$in")
		if err != nil {
			return nil, err
		}
		return []Expr{&Cmp{Prop: prop, Op: In, Value: vals}}, nil
	}
	val, err := k.convert(v, path)
	if err != nil {
		return nil, err
	}
	return []Expr{&Cmp{Prop: prop, Op: Eq, Value: val}}, nil
}

// toMany parses the value of a collection (1:m, m:n) or the inverse side of a 1:1: there is no
// column on this side, so everything becomes Related, matching when at least one related
// entity matches.
func (p *parser) toMany(prop *schema.Property, v any, path string, depth int) ([]Expr, error) {
	target := prop.Target
	k := relKey{p, prop}
	what := "collection"
	if prop.IsToOne() {
		what = "inverse side"
	}
	if m, ok := asMap(v); ok && len(target.Primary) != 1 {
		// A collection of composite-key entities (film_actor) is filtered on their
		// properties; its items cannot be named by key.
		if isOps, err := p.classify(prop, m, path); err != nil || !isOps {
			if err != nil {
				return nil, err
			}
			where, err := p.object(target, m, path, depth+1)
			if err != nil {
				return nil, err
			}
			return []Expr{&Related{Prop: prop, Where: where}}, nil
		}
	}
	if err := p.checkTarget(prop, path); err != nil {
		return nil, err
	}
	pk := target.Primary[0]
	if isNil(v) {
		return nil, p.fail(path, "null is not allowed for %s %s (%s); filter the properties of %s instead",
			what, prop, prop.Kind, target.Name)
	}
	if m, ok := asMap(v); ok {
		isOps, err := p.classify(prop, m, path)
		if err != nil {
			return nil, err
		}
		if !isOps {
			where, err := p.object(target, m, path, depth+1)
			if err != nil {
				return nil, err
			}
			return []Expr{&Related{Prop: prop, Where: where}}, nil
		}
		var cmps []Expr
		for _, key := range sortedKeys(m) {
			kp := join(path, key)
			switch key {
			case "$eq", "$in":
			default:
				return nil, p.fail(kp, "%s is not supported on %s %s (%s); use $eq, $in or a filter on the properties of %s",
					key, what, prop, prop.Kind, target.Name)
			}
			x, err := p.op(pk, k, cmpOps[key], m[key], kp)
			if err != nil {
				return nil, err
			}
			if c := x.(*Cmp); c.Op == Eq && c.Value == nil {
				return nil, p.fail(kp, "null is not allowed for %s %s (%s); filter the properties of %s instead",
					what, prop, prop.Kind, target.Name)
			}
			cmps = append(cmps, x)
		}
		return []Expr{&Related{Prop: prop, Where: all(cmps)}}, nil
	}
	if list, ok := asList(v); ok {
		vals, err := p.list(k, list, path, "$in")
		if err != nil {
			return nil, err
		}
		return []Expr{&Related{Prop: prop, Where: &Cmp{Prop: pk, Op: In, Value: vals}}}, nil
	}
	val, err := k.convert(v, path)
	if err != nil {
		return nil, err
	}
	return []Expr{&Related{Prop: prop, Where: &Cmp{Prop: pk, Op: Eq, Value: val}}}, nil
}

// classify reports whether m, the object given for relation prop, is an operator object
// ({"$in": [...]}) rather than a filter on the target's properties ({"name": "Jon"}). $and and
// $or make a filter; $not follows its siblings, or alone its content. Mixing is an error.
func (p *parser) classify(prop *schema.Property, m map[string]any, path string) (bool, error) {
	var ops, props []string
	var nots []any
	for _, k := range sortedKeys(m) {
		switch {
		case k == "$not":
			nots = append(nots, m[k])
		case k == "$and" || k == "$or" || !strings.HasPrefix(k, "$"):
			props = append(props, k)
		default:
			if _, ok := cmpOps[k]; !ok {
				return false, p.fail(join(path, k), "unknown operator %s (known: %s, %s)", quote(k), propOpNames, "$and, $or")
			}
			ops = append(ops, k)
		}
	}
	if len(ops) > 0 && len(props) > 0 {
		return false, p.fail(path, "cannot mix operators (%s) and properties of %s (%s) in one object",
			strings.Join(ops, ", "), prop.Target.Name, strings.Join(props, ", "))
	}
	if len(ops) > 0 {
		return true, nil
	}
	if len(props) > 0 || len(nots) == 0 {
		return false, nil
	}
	// only $not: look inside, with a bound on the work against maps that contain themselves.
	v := nots[0]
	for range MaxDepth {
		sub, ok := asMap(v)
		if !ok || len(sub) == 0 {
			return false, nil
		}
		next, only := sub["$not"]
		if only && len(sub) == 1 {
			v = next
			continue
		}
		for k := range sub {
			if _, ok := cmpOps[k]; ok {
				return true, nil
			}
		}
		return false, nil
	}
	return false, nil
}

// Values.

// isNil reports whether v is nil or a nil pointer, map, slice or interface.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// deref follows pointers to a value (a *string becomes its string); nil pointers become nil.
func deref(v any) any {
	if isNil(v) {
		return nil
	}
	if _, ok := v.(entityValue); ok {
		return v
	}
	rv := reflect.ValueOf(v)
	for i := 0; rv.Kind() == reflect.Pointer && i < 8; i++ {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() == reflect.Pointer {
		return v
	}
	return rv.Interface()
}

// asMap returns v as a map when it is a map with string keys.
func asMap(v any) (map[string]any, bool) {
	switch x := v.(type) {
	case map[string]any:
		return x, true
	case nil:
		return nil, false
	}
	if _, ok := v.(entityValue); ok {
		return nil, false
	}
	rv := reflect.ValueOf(deref(v))
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return nil, false
	}
	out := make(map[string]any, rv.Len())
	it := rv.MapRange()
	for it.Next() {
		out[it.Key().String()] = it.Value().Interface()
	}
	return out, true
}

// asList returns v as a list when it is a slice or array, other than bytes ([]byte, a
// [16]byte UUID), which are single values.
func asList(v any) ([]any, bool) {
	switch x := v.(type) {
	case []any:
		return x, true
	case nil, []byte, string:
		return nil, false
	}
	if _, ok := v.(entityValue); ok {
		return nil, false
	}
	rv := reflect.ValueOf(deref(v))
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, false
		}
	default:
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// isScalarValue reports whether v is a single non-null value: no array, object or entity.
func isScalarValue(v any) bool {
	if isNil(v) {
		return false
	}
	if _, ok := v.(entityValue); ok {
		return false
	}
	if _, ok := asMap(v); ok {
		return false
	}
	_, ok := asList(v)
	return !ok
}

// describe names the kind of a value for error messages.
func describe(v any) string {
	if isNil(v) {
		return "null"
	}
	if _, ok := asMap(v); ok {
		return "an object"
	}
	if _, ok := asList(v); ok {
		return "an array"
	}
	return reflect.TypeOf(v).String()
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return reflect.TypeOf(v).String()
}

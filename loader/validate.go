package loader

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/dorm-go/dorm/schema"
)

const schemaURL = "https://raw.githubusercontent.com/dorm-go/dorm/main/schema/entity.schema.json"

// compiled is the entity file JSON Schema, compiled once, and the same schema as a JSON value
// (to look up the keys and values it allows when explaining a violation).
var compiled = sync.OnceValues(func() (*jsonschema.Schema, map[string]any) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource(schemaURL, bytes.NewReader(schema.JSONSchema)); err != nil {
		panic("loader: embedded JSON Schema: " + err.Error())
	}
	s, err := c.Compile(schemaURL)
	if err != nil {
		panic("loader: embedded JSON Schema: " + err.Error())
	}
	var raw map[string]any
	if err := json.Unmarshal(schema.JSONSchema, &raw); err != nil {
		panic("loader: embedded JSON Schema: " + err.Error())
	}
	return s, raw
})

// validate checks d against the JSON Schema, reports every violation on errs and records where
// they are in d.bad.
func validate(d *document, errs *ErrorList) {
	s, _ := compiled()
	err := s.Validate(d.value)
	if err == nil {
		return
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		*errs = append(*errs, &Error{Pos: d.pos(d.root), Msg: "cannot validate: " + err.Error(), Err: err})
		d.markBad("")
		return
	}
	for _, leaf := range leaves(ve, nil) {
		d.markBad(leaf.InstanceLocation)
		*errs = append(*errs, explain(d, leaf)...)
	}
}

func leaves(ve *jsonschema.ValidationError, out []*jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return append(out, ve)
	}
	for _, c := range ve.Causes {
		out = leaves(c, out)
	}
	return out
}

// schemaAt returns the node of the JSON Schema at an absolute keyword location.
func schemaAt(abs string) any {
	_, raw := compiled()
	_, frag, _ := strings.Cut(abs, "#")
	var v any = raw
	for _, tok := range splitPtr(frag) {
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// explain turns one JSON Schema violation into errors that say what was expected, at the
// position of the offending key or value.
func explain(d *document, leaf *jsonschema.ValidationError) []*Error {
	kwToks := splitPtr(leaf.KeywordLocation)
	kw := ""
	if len(kwToks) > 0 {
		kw = kwToks[len(kwToks)-1]
	}
	absParent, _ := cutLast(leaf.AbsoluteKeywordLocation)
	keyNode, valNode := lookup(d.root, leaf.InstanceLocation)
	label := d.label(leaf.InstanceLocation)
	at := func(n *yaml.Node, msg string) *Error {
		if n == nil {
			n = valNode
		}
		if n == nil {
			n = d.root
		}
		if label != "" {
			msg = label + ": " + msg
		}
		return &Error{Pos: d.pos(n), Msg: msg}
	}
	inPropertyNames := slices.Contains(kwToks, "propertyNames")
	switch {
	case kw == "additionalProperties" && valNode != nil && valNode.Kind == yaml.MappingNode:
		allowed := keysOf(schemaAt(absParent))
		_, frag, _ := strings.Cut(absParent, "#")
		var out []*Error
		f := mapping(d, valNode)
		for _, k := range f.keys {
			if _, ok := allowed[k]; !ok {
				out = append(out, at(f.key[k], fmt.Sprintf("unknown key %q%s", k, hint(k, orderedKeys(frag)))))
			}
		}
		if len(out) > 0 {
			return out
		}
	case kw == "required":
		var out []*Error
		req, _ := schemaAt(leaf.AbsoluteKeywordLocation).([]any)
		f := mapping(d, valNode)
		for _, r := range req {
			if s, _ := r.(string); s != "" && !f.has(s) {
				n := keyNode
				if n == nil {
					n = valNode
				}
				out = append(out, at(n, fmt.Sprintf("missing key %q", s)))
			}
		}
		if len(out) > 0 {
			return out
		}
	case kw == "type":
		want := schemaAt(leaf.AbsoluteKeywordLocation)
		var names []string
		switch w := want.(type) {
		case string:
			names = []string{article(w)}
		case []any:
			for _, x := range w {
				s, _ := x.(string)
				names = append(names, article(s))
			}
		}
		exp := strings.Join(names, " or ")
		if leaf.InstanceLocation == "" {
			exp = `a mapping (an entity with entity and properties, or "entities")`
		}
		return []*Error{at(nil, fmt.Sprintf("expected %s, got %s", exp, describe(valNode)))}
	case kw == "enum":
		vals, _ := schemaAt(leaf.AbsoluteKeywordLocation).([]any)
		var allowed []string
		for _, v := range vals {
			allowed = append(allowed, fmt.Sprint(v))
		}
		what := "value"
		if k := lastTok(leaf.InstanceLocation); k == "type" || k == "kind" {
			what = k
			label = strings.TrimSuffix(strings.TrimSuffix(label, ": type"), ": kind")
		}
		if valNode != nil && valNode.Kind == yaml.ScalarNode {
			return []*Error{at(nil, fmt.Sprintf("unknown %s %q%s", what, valNode.Value, hint(valNode.Value, allowed)))}
		}
		return []*Error{at(nil, fmt.Sprintf("expected one of %s, got %s", strings.Join(allowed, ", "), describe(valNode)))}
	case kw == "pattern" && inPropertyNames:
		return []*Error{at(keyNode, fmt.Sprintf("invalid property name %q (expected letters, digits and _, not starting with a digit)", lastTok(leaf.InstanceLocation)))}
	case kw == "pattern":
		return []*Error{at(nil, fmt.Sprintf("invalid name %s (expected letters, digits and _, not starting with a digit)", valueText(valNode)))}
	case kw == "minItems" || kw == "minProperties" || kw == "minLength":
		return []*Error{at(nil, "must not be empty")}
	case kw == "minimum":
		return []*Error{at(nil, fmt.Sprintf("must be at least %v, got %s", schemaAt(leaf.AbsoluteKeywordLocation), valueText(valNode)))}
	case kw == "uniqueItems" && valNode != nil && valNode.Kind == yaml.SequenceNode:
		seen := map[string]bool{}
		for _, e := range valNode.Content {
			e = deref(e)
			if e == nil {
				continue
			}
			t := valueText(e)
			if seen[t] {
				return []*Error{at(e, fmt.Sprintf("duplicate item %s", t))}
			}
			seen[t] = true
		}
	}
	return []*Error{at(nil, leaf.Message)}
}

// label names the place of a JSON pointer in messages: "Book" (the entity), "Book.title" (a
// property), "Book.indexes[0]", followed by the remaining keys: "Book.title: length".
func (d *document) label(ptr string) string {
	toks := splitPtr(ptr)
	entPtr, rest := "", toks
	ent := ""
	if len(toks) > 0 && toks[0] == "entities" && len(d.listEntities()) > 0 {
		if len(toks) == 1 {
			return "entities"
		}
		entPtr, rest = joinPtr("", "entities", toks[1]), toks[2:]
		ent = "entities[" + toks[1] + "]"
	}
	_, en := lookup(d.root, entPtr)
	if name := mapping(d, en).str("entity"); validName(name) {
		ent = name
	}
	var parts []string
	switch {
	case len(rest) >= 2 && rest[0] == "properties":
		if ent != "" {
			parts = append(parts, ent+"."+rest[1])
		} else {
			parts = append(parts, fmt.Sprintf("property %q", rest[1]))
		}
		rest = rest[2:]
	case len(rest) >= 2 && (rest[0] == "indexes" || rest[0] == "uniques"):
		p := rest[0] + "[" + rest[1] + "]"
		if ent != "" {
			p = ent + "." + p
		}
		parts = append(parts, p)
		rest = rest[2:]
	case ent != "":
		parts = append(parts, ent)
	}
	if len(rest) > 0 {
		var b strings.Builder
		for i, t := range rest {
			if _, err := strconv.Atoi(t); err == nil && i > 0 {
				b.WriteString("[" + t + "]")
				continue
			}
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(t)
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, ": ")
}

// listEntities returns the items of "entities" when d is a list of entities.
func (d *document) listEntities() []*yaml.Node {
	r := deref(d.root)
	if r == nil || r.Kind != yaml.MappingNode {
		return nil
	}
	_, v := field(r, "entities")
	if v = deref(v); v == nil || v.Kind != yaml.SequenceNode {
		return nil
	}
	return v.Content
}

func keysOf(s any) map[string]any {
	m, _ := s.(map[string]any)
	p, _ := m["properties"].(map[string]any)
	return p
}

// orderedKeys returns the keys of "properties" of the JSON Schema object at ptr, in the order
// of the file (which is the order of the documentation).
func orderedKeys(ptr string) []string {
	dec := json.NewDecoder(bytes.NewReader(schema.JSONSchema))
	var out []string
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := k.(string)
				if path == ptr+"/properties" {
					out = append(out, key)
				}
				if err := walk(joinPtr(path, key)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		case json.Delim('['):
			for i := 0; dec.More(); i++ {
				if err := walk(joinPtr(path, strconv.Itoa(i))); err != nil {
					return err
				}
			}
			_, err = dec.Token()
		}
		return err
	}
	_ = walk("")
	return out
}

func cutLast(abs string) (string, string) {
	i := strings.LastIndexByte(abs, '/')
	if i < 0 {
		return abs, ""
	}
	return abs[:i], abs[i+1:]
}

func lastTok(ptr string) string {
	toks := splitPtr(ptr)
	if len(toks) == 0 {
		return ""
	}
	return toks[len(toks)-1]
}

func article(jsonType string) string {
	switch jsonType {
	case "object":
		return "a mapping"
	case "array":
		return "a list"
	case "string":
		return "a string"
	case "integer":
		return "an integer"
	case "number":
		return "a number"
	case "boolean":
		return "true or false"
	}
	return jsonType
}

// describe says what a value is, for "expected X, got Y".
func describe(n *yaml.Node) string {
	n = deref(n)
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch v := scalar(n).(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	default:
		return fmt.Sprint(v)
	}
}

func valueText(n *yaml.Node) string {
	n = deref(n)
	if n == nil || n.Kind != yaml.ScalarNode {
		return describe(n)
	}
	if s, ok := scalar(n).(string); ok {
		if n.Kind == yaml.ScalarNode {
			return strconv.Quote(s)
		}
	}
	return n.Value
}

// hint suggests the allowed word closest to got, or lists them all.
func hint(got string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := distance(strings.ToLower(got), strings.ToLower(a)); d < bestD && d < max(len(a), len(got))/2+1 {
			best, bestD = a, d
		}
	}
	if best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return " (expected one of " + strings.Join(allowed, ", ") + ")"
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

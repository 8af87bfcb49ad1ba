package loader

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/dorm-go/dorm/schema"
)

// maxAliased bounds the nodes visited through aliases in one document, so that a few lines of
// nested aliases ("billion laughs") cannot exhaust memory; maxDepth bounds nesting.
const (
	maxAliased = 10_000
	maxDepth   = 100
)

// document is one YAML (or JSON) document of an entity file.
type document struct {
	file  string
	root  *yaml.Node      // the top-level value (not the DocumentNode)
	value any             // root as a JSON value, for the JSON Schema
	bad   map[string]bool // instance locations (JSON pointers) of schema violations, and every prefix of them
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseFile splits data into its YAML documents. Errors are reported on errs.
func parseFile(file string, data []byte, errs *ErrorList) []*document {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []*document
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e := &Error{Pos: schema.Pos{File: file}, Msg: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
			if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
				e.Pos.Line, _ = strconv.Atoi(m[1])
				e.Msg = "invalid YAML: " + m[2]
			}
			*errs = append(*errs, e)
			return nil
		}
		if n.Kind != yaml.DocumentNode || len(n.Content) == 0 {
			continue
		}
		d := &document{file: file, root: n.Content[0]}
		c := converter{doc: d, errs: errs}
		d.value = c.value(d.root)
		if c.tooBig {
			*errs = append(*errs, &Error{Pos: d.pos(d.root), Msg: fmt.Sprintf("document too large: nested more than %d levels deep, or more than %d values through aliases", maxDepth, maxAliased)})
			return nil
		}
		docs = append(docs, d)
	}
	if len(docs) == 0 {
		*errs = append(*errs, &Error{Pos: schema.Pos{File: file}, Msg: `empty file: expected an entity (entity, properties) or a list of them under "entities"`})
	}
	return docs
}

func (d *document) pos(n *yaml.Node) schema.Pos {
	if n == nil {
		return schema.Pos{File: d.file}
	}
	return schema.Pos{File: d.file, Line: n.Line, Column: n.Column}
}

// markBad records a schema violation at ptr.
func (d *document) markBad(ptr string) {
	if d.bad == nil {
		d.bad = map[string]bool{}
	}
	for {
		d.bad[ptr] = true
		i := strings.LastIndexByte(ptr, '/')
		if i < 0 {
			return
		}
		ptr = ptr[:i]
	}
}

// isBad reports whether a schema violation was found at ptr or inside it.
func (d *document) isBad(ptr string) bool { return d.bad[ptr] }

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 100; i++ {
		n = n.Alias
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

// converter turns yaml nodes into JSON values (nil, bool, int64, float64, string, []any,
// map[string]any) and reports duplicate keys.
type converter struct {
	doc     *document
	errs    *ErrorList
	depth   int
	aliased int // nodes visited below an alias
	inAlias bool
	tooBig  bool
}

func (c *converter) value(n *yaml.Node) any {
	if n != nil && n.Kind == yaml.AliasNode && !c.inAlias {
		c.inAlias = true
		defer func() { c.inAlias = false }()
	}
	if c.inAlias {
		c.aliased++
	}
	c.depth++
	defer func() { c.depth-- }()
	if c.depth > maxDepth || c.aliased > maxAliased {
		c.tooBig = true
	}
	n = deref(n)
	if n == nil || c.tooBig {
		return nil
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		first := map[string]*yaml.Node{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := deref(n.Content[i])
			if k == nil || k.Kind != yaml.ScalarNode {
				*c.errs = append(*c.errs, &Error{Pos: c.doc.pos(n.Content[i]), Msg: "expected a plain key (a name), got a " + kindName(k)})
				continue
			}
			if f, dup := first[k.Value]; dup {
				*c.errs = append(*c.errs, &Error{Pos: c.doc.pos(k), Msg: fmt.Sprintf("duplicate key %q (first at line %d)", k.Value, f.Line)})
				continue
			}
			first[k.Value] = k
			m[k.Value] = c.value(n.Content[i+1])
		}
		return m
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			s = append(s, c.value(e))
		}
		return s
	case yaml.ScalarNode:
		return scalar(n)
	}
	return nil
}

// scalar returns the JSON value of a scalar node.
func scalar(n *yaml.Node) any {
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			return b
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			return i
		}
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	}
	return n.Value // strings, timestamps, binary, custom tags, .inf and .nan
}

func kindName(n *yaml.Node) string {
	if n == nil {
		return "alias"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	case yaml.AliasNode:
		return "alias"
	}
	return "value"
}

// lookup returns the value node at the JSON pointer ptr, and the key node that holds it (nil for
// the root and list items).
func lookup(root *yaml.Node, ptr string) (key, val *yaml.Node) {
	val = deref(root)
	for _, tok := range splitPtr(ptr) {
		if val == nil {
			return key, nil
		}
		switch val.Kind {
		case yaml.MappingNode:
			k, v := field(val, tok)
			if v == nil {
				return key, nil
			}
			key, val = k, deref(v)
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(val.Content) {
				return key, nil
			}
			key, val = nil, deref(val.Content[i])
		default:
			return key, nil
		}
	}
	return key, val
}

// field returns the first key named name in mapping n and its value.
func field(n *yaml.Node, name string) (key, val *yaml.Node) {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deref(n.Content[i]); k != nil && k.Kind == yaml.ScalarNode && k.Value == name {
			return k, n.Content[i+1]
		}
	}
	return nil, nil
}

func splitPtr(ptr string) []string {
	ptr = strings.TrimPrefix(ptr, "/")
	if ptr == "" {
		return nil
	}
	toks := strings.Split(ptr, "/")
	for i, t := range toks {
		toks[i] = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
	}
	return toks
}

func joinPtr(ptr string, toks ...string) string {
	for _, t := range toks {
		ptr += "/" + strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1")
	}
	return ptr
}

// fields is a YAML mapping read leniently: a missing key or a value of the wrong type reads as
// the zero value (the JSON Schema has reported it already).
type fields struct {
	doc  *document
	n    *yaml.Node // the mapping, or nil
	keys []string   // in order, first occurrence only
	key  map[string]*yaml.Node
	val  map[string]*yaml.Node
}

func mapping(d *document, n *yaml.Node) fields {
	f := fields{doc: d, key: map[string]*yaml.Node{}, val: map[string]*yaml.Node{}}
	n = deref(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return f
	}
	f.n = n
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := deref(n.Content[i])
		if k == nil || k.Kind != yaml.ScalarNode {
			continue
		}
		if _, dup := f.key[k.Value]; dup {
			continue
		}
		f.keys = append(f.keys, k.Value)
		f.key[k.Value] = k
		f.val[k.Value] = deref(n.Content[i+1])
	}
	return f
}

func (f fields) has(k string) bool { return f.val[k] != nil }

// keyPos is the position of key k, or of the mapping when k is absent.
func (f fields) keyPos(k string) schema.Pos {
	if n := f.key[k]; n != nil {
		return f.doc.pos(n)
	}
	return f.doc.pos(f.n)
}

// valPos is the position of the value of k, or of the mapping when k is absent.
func (f fields) valPos(k string) schema.Pos {
	if n := f.val[k]; n != nil {
		return f.doc.pos(n)
	}
	return f.doc.pos(f.n)
}

func (f fields) str(k string) string {
	if n := f.val[k]; n != nil && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value
	}
	return ""
}

func (f fields) boolean(k string) bool {
	b, _ := scalarOf(f.val[k]).(bool)
	return b
}

func (f fields) integer(k string) int {
	switch x := scalarOf(f.val[k]).(type) {
	case int64:
		if x > math.MinInt32 && x < math.MaxInt32 {
			return int(x)
		}
	case float64:
		if x == math.Trunc(x) && x > math.MinInt32 && x < math.MaxInt32 {
			return int(x)
		}
	}
	return 0
}

func (f fields) strs(k string) []string {
	n := f.val[k]
	if n == nil || n.Kind != yaml.SequenceNode {
		return nil
	}
	var out []string
	for _, e := range n.Content {
		if e = deref(e); e != nil && e.Kind == yaml.ScalarNode {
			out = append(out, e.Value)
		}
	}
	return out
}

func scalarOf(n *yaml.Node) any {
	if n == nil || n.Kind != yaml.ScalarNode {
		return nil
	}
	return scalar(n)
}

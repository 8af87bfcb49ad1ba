package schema_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v5"
	"gopkg.in/yaml.v3"

	"github.com/dorm-go/dorm/schema"
)

// TestExamplesMatchJSONSchema validates every example entity file against the JSON Schema with
// the jsonschema package directly, as an editor would.
func TestExamplesMatchJSONSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	if err := c.AddResource("entity.schema.json", bytes.NewReader(schema.JSONSchema)); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("entity.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, pattern := range []string{"*.yaml", "*.yml", "*.json"} {
		m, _ := filepath.Glob(filepath.Join("../examples/schemas", pattern))
		files = append(files, m...)
	}
	more, _ := filepath.Glob("../loader/testdata/json/library.json")
	files = append(files, more...)
	if len(files) < 5 {
		t.Fatalf("found only %d example files", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s: %#v", f, err)
		}
	}
}

// TestJSONSchemaRejects checks that the schema is strict: a typo in a key is an error.
func TestJSONSchemaRejects(t *testing.T) {
	s, err := jsonschema.CompileString("entity.schema.json", string(schema.JSONSchema))
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		"entity: Book\nproperties: {id: {type: int, primary: true, lenght: 2}}",
		"entity: Book\ntabel: x\nproperties: {id: {type: int}}",
		"entity: Book\nproperties: {id: {type: integer}}",
		"entity: Book\nproperties: {author: {kind: m:1}}",
		"entity: Book\nproperties: {title: {length: 3}}",
		"entities: [{entity: Book, properties: {id: {type: int}}, indexes: [{properties: []}]}]",
		"entities: []",
	} {
		var v any
		if err := yaml.Unmarshal([]byte(src), &v); err != nil {
			t.Fatal(err)
		}
		if s.Validate(v) == nil {
			t.Errorf("accepted:\n%s", src)
		}
	}
}

// Package sqltest is the golden-file harness of dorm's SQL dialects: the statements every
// kind of operation builds ([RunStatements], testdata/statements.golden) and the DDL of the
// example schema ([SchemaGolden], testdata/schema.golden). Each driver keeps its own golden
// files and adds its own cases; the cases every dialect shares are written once here.
//
// A driver's sql_test.go gives the reasons of the shared cases whose statement is
// dialect-specific and its own cases, each placed after a named shared case:
//
//	func TestStatements(t *testing.T) {
//		sqltest.RunStatements(t, sqltest.StatementsHarness{Dialect: Dialect{}, Reasons: ..., Cases: ...})
//	}
//
// Regenerate the golden files with UPDATE_GOLDEN=1.
package sqltest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/schema"
)

// Registry loads the example entity files.
func Registry(t testing.TB) *schema.Registry {
	t.Helper()
	reg, err := loader.LoadFS(schemas.FS, "*.yaml")
	if err != nil {
		t.Fatalf("load example schemas: %v", err)
	}
	return reg
}

// Entity returns the entity name of reg, or fails t.
func Entity(t testing.TB, reg *schema.Registry, name string) *schema.Entity {
	t.Helper()
	e, ok := reg.Entity(name)
	if !ok {
		t.Fatalf("no entity %s", name)
	}
	return e
}

// Prop returns the property entity.name of reg, or fails t.
func Prop(t testing.TB, reg *schema.Registry, entity, name string) *schema.Property {
	t.Helper()
	p, ok := Entity(t, reg, entity).Property(name)
	if !ok {
		t.Fatalf("no property %s.%s", entity, name)
	}
	return p
}

// Edition is an entity with a composite primary key (isbn, lang) and a version, built by
// hand: table edition, columns isbn, lang, title, version.
func Edition() *schema.Entity {
	e := &schema.Entity{Name: "Edition", Table: "edition"}
	for _, p := range []*schema.Property{
		{Name: "isbn", Type: schema.String, Column: "isbn", Primary: true},
		{Name: "lang", Type: schema.String, Column: "lang", Primary: true},
		{Name: "title", Type: schema.String, Column: "title"},
		{Name: "version", Type: schema.Int, Column: "version", IsVersion: true},
	} {
		e.AddProperty(p)
		if p.Primary {
			e.Primary = append(e.Primary, p)
		}
		if p.IsVersion {
			e.Version = p
		}
	}
	return e
}

// CheckGolden compares got with testdata/name, or writes it with UPDATE_GOLDEN=1.
func CheckGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-want +got; UPDATE_GOLDEN=1 to accept):\n%s", path, diff)
	}
}

// FormatArgs prints statement arguments as JSON, as the golden files show them.
func FormatArgs(args []any) string {
	b, err := json.Marshal(args)
	if err != nil {
		return fmt.Sprint(args)
	}
	return string(b)
}

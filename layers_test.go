package dorm_test

import (
	"os/exec"
	"strings"
	"testing"
)

// layer gives each package of the module its layer (docs/architecture.md): a package may import
// only packages of lower layers.
var layer = map[string]int{
	"schema":                  0,
	"examples/schemas":        0,
	"loader":                  1,
	"dynamic":                 1,
	"query":                   1,
	"drivers":                 2, // the contract speaks the filter AST of query
	"uow":                     3,
	"migrate":                 3,
	"migrate/migratetest":     4, // the migration cases every SQL driver runs
	"drivers/sqlbase":         3,
	"em":                      4,
	"drivers/sqlite":          4,
	"drivers/postgres":        4,
	"drivers/mysql":           4,
	"drivers/mongo":           4,
	"drivers/memory":          4,
	"drivers/sqlbase/sqltest": 4, // golden statements of the SQL dialects
	"drivers/driverstest":     5, // runs the suite through em
	"cmd/dorm":                5,
}

func TestLayers(t *testing.T) {
	const mod = "github.com/dorm-go/dorm"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}|{{join .Imports ","}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		rel := strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/")
		if rel == "" {
			continue
		}
		own, ok := layer[rel]
		if !ok {
			t.Errorf("package %s has no layer: add it to the table here and in docs/architecture.md", rel)
			continue
		}
		for _, imp := range strings.Split(imports, ",") {
			if !strings.HasPrefix(imp, mod+"/") {
				continue
			}
			dep := strings.TrimPrefix(imp, mod+"/")
			if l, ok := layer[dep]; ok && l >= own {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports must go to lower layers", rel, own, dep, l)
			}
		}
	}
}

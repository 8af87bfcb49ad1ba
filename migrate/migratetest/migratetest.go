// Package migratetest is the conformance suite of package migrate: the named schema-change
// cases of testdata/*.txt and the invariants every SQL driver must keep on them. A driver's
// test supplies a [Harness] (a fresh database, its dialect, how to seed and read rows) and
// calls [Run]; the suite checks, for every case:
//
//   - dorm's own CREATE TABLE inspects without a diff;
//   - the offline diff (snapshot → entity files) and the online one (inspect → entity
//     files) give the same operations;
//   - the changes, lint diagnostics, up and down SQL match the driver's golden file
//     (UPDATE_GOLDEN=1 rewrites it);
//   - after up (through a migration directory and the executor) a fresh diff is empty, and
//     rows of kept columns are unchanged;
//   - after up and down the database inspects as before, with the same rows.
//
// # Case files
//
// A case is a small txtar file: a reason (the text before the first section), then the
// sections "-- before.yaml --", "-- after.yaml --", optionally "-- seed.sql --" (portable
// SQL run after dorm created the before schema) and "-- reason.<driver> --", which replaces
// the reason in that driver's golden file where the change means something else there.
package migratetest

import (
	"context"
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/migrate"
	"github.com/dorm-go/dorm/schema"
)

//go:embed testdata/*.txt
var caseFiles embed.FS

// Case is one named schema change.
type Case struct {
	Name   string
	Reason string
	// Reasons are the driver-specific reasons ("reason.postgres"), by driver name.
	Reasons             map[string]string
	Before, After, Seed string
}

// ReasonFor returns the reason of c as the golden file of driver states it.
func (c Case) ReasonFor(driver string) string {
	if r, ok := c.Reasons[driver]; ok {
		return r
	}
	return c.Reason
}

// Cases returns every case of the suite, by name.
func Cases() ([]Case, error) {
	entries, err := caseFiles.ReadDir("testdata")
	if err != nil {
		return nil, err
	}
	var out []Case
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".txt") {
			continue
		}
		data, err := caseFiles.ReadFile(path.Join("testdata", e.Name()))
		if err != nil {
			return nil, err
		}
		c, err := ParseCase(strings.TrimSuffix(e.Name(), ".txt"), data)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// ParseCase reads a case file (a tiny txtar reader).
func ParseCase(name string, data []byte) (Case, error) {
	c := Case{Name: name, Reasons: map[string]string{}}
	sections := map[string]*strings.Builder{}
	var cur *strings.Builder
	var reason strings.Builder
	for _, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			n := strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			cur = &strings.Builder{}
			sections[n] = cur
			continue
		}
		if cur == nil {
			reason.WriteString(line)
		} else {
			cur.WriteString(line)
		}
	}
	get := func(n string) string {
		if b := sections[n]; b != nil {
			return b.String()
		}
		return ""
	}
	for n, b := range sections {
		if d, ok := strings.CutPrefix(n, "reason."); ok {
			c.Reasons[d] = strings.TrimSpace(b.String())
		}
	}
	c.Reason, c.Before, c.After, c.Seed = strings.TrimSpace(reason.String()), get("before.yaml"), get("after.yaml"), get("seed.sql")
	if c.Reason == "" || c.Before == "" || c.After == "" {
		return c, fmt.Errorf("migratetest: %s: a case needs a reason, before.yaml and after.yaml", name)
	}
	return c, nil
}

// DB is a database of the driver under test.
type DB interface {
	migrate.Target
	// CreateSchema creates the tables of reg with the driver's own DDL (not package migrate).
	CreateSchema(ctx context.Context, reg *schema.Registry) error
}

// Harness is what a driver gives the suite.
type Harness struct {
	// Driver names the driver (its golden files say "reason.<Driver>").
	Driver string
	// Dialect is the driver's migrate dialect.
	Dialect migrate.Dialect
	// Open returns a new, empty database, dropped or closed when t ends.
	Open func(t testing.TB) DB
	// Exec runs one statement of a seed.
	Exec func(ctx context.Context, db DB, stmt string) error
	// Values returns the values of column c of table, in the order of the columns orderBy
	// (empty: the table's physical order), as text that is equal for equal values whatever
	// the column's type; NULL is "<nil>".
	Values func(ctx context.Context, db DB, table string, c *migrate.Column, orderBy []string) ([]string, error)
	// GoldenDir holds <case>.golden.
	GoldenDir string
	// Reopen, when set, opens a second handle on the database of db (for the concurrency
	// check of [RunExecutor]).
	Reopen func(t testing.TB, db DB) DB
}

// LoadYAML loads entity files given as one YAML document.
func LoadYAML(t testing.TB, src string) *schema.Registry {
	t.Helper()
	reg, err := loader.LoadFS(fstest.MapFS{"e.yaml": {Data: []byte(src)}}, "*.yaml")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return reg
}

// Desired is migrate.FromRegistry that fails t.
func (h Harness) Desired(t testing.TB, reg *schema.Registry) *migrate.Schema {
	t.Helper()
	s, err := migrate.FromRegistry(reg, h.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Diff is migrate.Diff with the harness's dialect that fails t.
func (h Harness) Diff(t testing.TB, from, to *migrate.Schema) []migrate.Change {
	t.Helper()
	cs, err := migrate.Diff(from, to, migrate.DiffOptions{Dialect: h.Dialect})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Ops describes changes one line each.
func Ops(cs []migrate.Change) []string {
	var out []string
	for _, o := range migrate.Describe(cs) {
		out = append(out, o.String())
	}
	return out
}

// Run runs every case as a subtest of t. It requires at least 15 cases.
func Run(t *testing.T, h Harness) {
	cases, err := Cases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 15 {
		t.Fatalf("want at least 15 cases, got %d", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) { RunCase(t, h, c) })
	}
}

// RunCase runs one case through the whole pipeline and checks the invariants (see the
// package documentation).
func RunCase(t *testing.T, h Harness, c Case) {
	ctx := context.Background()
	tmp := t.TempDir()
	drv := h.Open(t)
	d := h.Dialect

	before, after := LoadYAML(t, c.Before), LoadYAML(t, c.After)
	if err := drv.CreateSchema(ctx, before); err != nil {
		t.Fatalf("create: %v", err)
	}
	want0, want1 := h.Desired(t, before), h.Desired(t, after)
	s0, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := h.Diff(t, s0, want0); len(cs) > 0 {
		t.Fatalf("spurious diff after dorm's own CREATE TABLE:\n%s", strings.Join(Ops(cs), "\n"))
	}
	for _, stmt := range migrate.SplitSQL(c.Seed) {
		if err := h.Exec(ctx, drv, stmt); err != nil {
			t.Fatalf("seed %q: %v", stmt, err)
		}
	}
	rows0 := h.dumpRows(t, drv, s0)

	// Offline (snapshot) and online (inspect) diffs agree.
	online, offline := h.Diff(t, s0, want1), h.Diff(t, want0, want1)
	if d := cmp.Diff(Ops(offline), Ops(online)); d != "" {
		t.Errorf("offline and online diffs differ (-offline +online):\n%s", d)
	}
	diags, err := migrate.Lint(ctx, online, migrate.LintOptions{Rows: drv, Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	changes, up, down, err := migrate.Scripts(s0, want1, d)
	if err != nil {
		t.Fatal(err)
	}
	var golden strings.Builder
	fmt.Fprintf(&golden, "# %s\n\n-- changes\n", c.ReasonFor(h.Driver))
	for _, o := range Ops(changes) {
		golden.WriteString(o + "\n")
	}
	golden.WriteString("-- lint\n")
	for _, dg := range diags {
		golden.WriteString(dg.String() + "\n")
	}
	golden.WriteString("-- up\n" + up + "-- down\n" + down)
	CheckGolden(t, filepath.Join(h.GoldenDir, c.Name+".golden"), golden.String())
	if len(changes) == 0 {
		return
	}

	// Up through the migration directory and the executor.
	dir := migrate.Dir{Path: filepath.Join(tmp, "migrations")}
	if _, err := dir.Create(c.Name, up, down, want1, time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	ex := &migrate.Executor{Target: drv, Dir: dir}
	applied, err := ex.Up(ctx, "")
	if err != nil {
		t.Fatalf("up: %v\n%s", err, up)
	}
	if len(applied) != 1 {
		t.Fatalf("up applied %d migrations, want 1", len(applied))
	}
	s1, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := h.Diff(t, s1, want1); len(cs) > 0 {
		t.Errorf("diff after up is not empty:\n%s", strings.Join(Ops(cs), "\n"))
	}
	rows1 := h.dumpRows(t, drv, s1)
	compareKept(t, "up", rows0, rows1, want1)
	st, err := ex.Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != migrate.StateApplied {
		t.Errorf("status after up: %+v, %v", st, err)
	}

	// Down restores the schema, and the rows of columns that survived.
	if _, err := ex.Down(ctx, 1); err != nil {
		t.Fatalf("down: %v\n%s", err, down)
	}
	s2, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cs := h.Diff(t, s2, s0); len(cs) > 0 {
		t.Errorf("after up and down the database differs from before:\n%s", strings.Join(Ops(cs), "\n"))
	}
	rows2 := h.dumpRows(t, drv, s2)
	for table, cols := range rows2 {
		for col, vals := range cols {
			if _, kept := keptColumn(want1, table, col); !kept {
				continue
			}
			old, ok := rows0[table][col]
			if !ok {
				continue
			}
			old = slices.Clone(old)
			for i := range old { // a NULL replaced by a default on the way up stays filled
				if old[i] == "<nil>" && i < len(vals) {
					old[i] = vals[i]
				}
			}
			if !slices.Equal(old, vals) {
				t.Errorf("after down %s.%s = %v, want %v", table, col, vals, old)
			}
		}
	}
}

// keptColumn returns the name in after of column col of table before (following renames),
// and whether it still exists.
func keptColumn(after *migrate.Schema, table, col string) (string, bool) {
	for _, t := range after.Tables {
		if t.Name != table && t.RenamedFrom != table {
			continue
		}
		for _, c := range t.Columns {
			if c.Name == col || c.RenamedFrom == col {
				return t.Name + "." + c.Name, true
			}
		}
	}
	return "", false
}

// compareKept checks that every column of before that after keeps has the same values.
func compareKept(t *testing.T, when string, before, afterRows map[string]map[string][]string, after *migrate.Schema) {
	t.Helper()
	for table, cols := range before {
		for col, vals := range cols {
			name, ok := keptColumn(after, table, col)
			if !ok {
				continue
			}
			nt, nc, _ := strings.Cut(name, ".")
			got, ok := afterRows[nt][nc]
			if !ok {
				t.Errorf("%s: %s.%s is gone", when, nt, nc)
				continue
			}
			// A NOT NULL column with a default gets the default where it was NULL.
			for i := range vals {
				if vals[i] == "<nil>" && i < len(got) && got[i] != "<nil>" {
					vals = slices.Clone(vals)
					vals[i] = got[i]
				}
			}
			if !slices.Equal(vals, got) {
				t.Errorf("%s: %s.%s = %v, was %s.%s = %v", when, nt, nc, got, table, col, vals)
			}
		}
	}
}

// dumpRows reads every column of every table of s, rows ordered by primary key.
func (h Harness) dumpRows(t *testing.T, db DB, s *migrate.Schema) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	for _, tb := range s.Tables {
		out[tb.Name] = map[string][]string{}
		for _, c := range tb.Columns {
			vals, err := h.Values(context.Background(), db, tb.Name, c, tb.PrimaryKey)
			if err != nil {
				t.Fatalf("values of %s.%s: %v", tb.Name, c.Name, err)
			}
			out[tb.Name][c.Name] = vals
		}
	}
	return out
}

// CheckGolden compares got with the file at path, or rewrites the file when UPDATE_GOLDEN
// is set.
func CheckGolden(t testing.TB, path, got string) {
	t.Helper()
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with UPDATE_GOLDEN=1 to create it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("%s differs (-want +got; UPDATE_GOLDEN=1 regenerates):\n%s", path, d)
	}
}

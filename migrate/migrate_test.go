package migrate

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestSplitSQL(t *testing.T) {
	got := SplitSQL("-- c;omment\nCREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s;');\n/* x; */ INSERT INTO t VALUES (';');;\n")
	want := []string{"CREATE TABLE \"a;b\" (x TEXT DEFAULT 'it''s;')", "INSERT INTO t VALUES (';')"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func col(name, typ string) *Column { return &Column{Name: name, Type: typ} }

func TestDiffRenamesOnlyByDeclaration(t *testing.T) {
	from := &Schema{Tables: []*Table{{Name: "author", Columns: []*Column{col("id", "INTEGER"), col("name", "TEXT")}, PrimaryKey: []string{"id"}}}}
	guess := &Schema{Tables: []*Table{{Name: "writer", Columns: []*Column{col("id", "INTEGER"), col("full_name", "TEXT")}, PrimaryKey: []string{"id"}}}}
	cs, err := Diff(from, guess, DiffOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range Describe(cs) {
		got = append(got, o.String())
	}
	if d := cmp.Diff([]string{"add table writer", "drop table author"}, got); d != "" {
		t.Errorf("undeclared rename (-want +got):\n%s", d)
	}

	declared := guess.Clone()
	declared.Tables[0].RenamedFrom = "author"
	declared.Tables[0].Columns[1].RenamedFrom = "name"
	cs, _ = Diff(from, declared, DiffOptions{})
	got = nil
	for _, o := range Describe(cs) {
		got = append(got, o.String())
	}
	if d := cmp.Diff([]string{"rename table writer (from author)", "rename column writer.full_name (from name)"}, got); d != "" {
		t.Errorf("declared rename (-want +got):\n%s", d)
	}
	// The reverse diff renames back.
	back, _ := Diff(declared, Reverse(from, declared), DiffOptions{})
	got = nil
	for _, o := range Describe(back) {
		got = append(got, o.String())
	}
	if d := cmp.Diff([]string{"rename table author (from writer)", "rename column author.name (from full_name)"}, got); d != "" {
		t.Errorf("reverse (-want +got):\n%s", d)
	}
	// The history table is never part of a diff.
	withHistory := from.Clone()
	withHistory.Tables = append(withHistory.Tables, &Table{Name: HistoryTable})
	if cs, _ := Diff(withHistory, from, DiffOptions{}); len(cs) != 0 {
		t.Errorf("history table in diff: %v", Describe(cs))
	}
}

func TestDirSum(t *testing.T) {
	d := Dir{Path: t.TempDir()}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	a, err := d.Create("a", "CREATE TABLE a (id INTEGER);\n", "DROP TABLE a;\n", &Schema{}, now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Create("b", "SELECT 1;\n", "SELECT 1;\n", &Schema{}, now) // same second: next version
	if err != nil {
		t.Fatal(err)
	}
	if a.Version != "20250101000000" || b.Version != "20250101000001" {
		t.Errorf("versions %s %s", a.Version, b.Version)
	}
	migs, err := d.Migrations()
	if err != nil || len(migs) != 2 || migs[0].Checksum != a.Checksum {
		t.Fatalf("migrations %v %v", migs, err)
	}
	if err := os.WriteFile(filepath.Join(d.Path, a.FileBase()+".up.sql"), []byte("DROP TABLE x;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Migrations(); err == nil || !strings.Contains(err.Error(), a.FileBase()+".up.sql (edited)") {
		t.Errorf("edited file: %v", err)
	}
}

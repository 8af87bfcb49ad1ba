package main

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGenerateEntities: generate entities from a database that schema create made; the files
// validate, schema diff of them against the database is empty, and a second run into the
// same directory changes nothing.
func TestGenerateEntities(t *testing.T) {
	dir := t.TempDir()
	url := "sqlite:file:" + filepath.Join(dir, "app.db")
	if code, _, errOut := runCLI(t, "schema", "create", "--schemas", examples, "--db", url); code != 0 {
		t.Fatal(errOut)
	}
	out := filepath.Join(dir, "generated")
	code, stdout, errOut := runCLI(t, "generate", "entities", "--db", url, "--out", out)
	if code != 0 || errOut != "" {
		t.Fatalf("generate: exit %d, stderr:\n%s", code, errOut)
	}
	if want := "generated 4 entity files in " + out + "\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
	for _, f := range []string{"author.yaml", "book.yaml", "book_tag.yaml", "publisher.yaml"} {
		data, err := os.ReadFile(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("# yaml-language-server: $schema=")) {
			t.Errorf("%s does not start with the $schema comment:\n%s", f, data)
		}
	}
	if code, _, errOut := runCLI(t, "validate", "--schemas", out); code != 0 {
		t.Fatalf("validate: exit %d:\n%s", code, errOut)
	}
	if code, stdout, _ := runCLI(t, "schema", "diff", "--schemas", out, "--db", url); code != 0 {
		t.Fatalf("schema diff of the generated files: exit %d:\n%s", code, stdout)
	}
	before, _ := os.ReadFile(filepath.Join(out, "book.yaml"))
	if code, _, errOut := runCLI(t, "generate", "entities", "--db", url, "--out", out); code != 0 {
		t.Fatalf("second generate: exit %d:\n%s", code, errOut)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "book.yaml")); !bytes.Equal(before, after) {
		t.Errorf("second generate changed book.yaml")
	}

	// An edited file is never overwritten.
	edited := append(before, []byte("# my note\n")...)
	writeFile(t, filepath.Join(out, "book.yaml"), string(edited))
	code, _, errOut = runCLI(t, "generate", "entities", "--db", url, "--out", out)
	if code != 1 || !strings.Contains(errOut, "refusing to overwrite") || !strings.Contains(errOut, "book.yaml") {
		t.Errorf("generate over an edited file: exit %d, stderr %q", code, errOut)
	}
	if got, _ := os.ReadFile(filepath.Join(out, "book.yaml")); !bytes.Equal(got, edited) {
		t.Errorf("the edited file was overwritten")
	}
}

// TestGenerateEntitiesWarnings: what the files cannot say is printed as a warning on stderr;
// the command still succeeds and its files validate.
func TestGenerateEntitiesWarnings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "hand.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`create table item (id integer primary key autoincrement, qty int check (qty >= 0), tag text);
create table item_note (item_id int not null references item(id) on delete cascade, note text not null, primary key (item_id, note))`)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, _, errOut := runCLI(t, "generate", "entities", "--db", "sqlite:file:"+path, "--out", out)
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, errOut)
	}
	if w := "warning: item: CHECK (qty >= 0) cannot be expressed"; !strings.Contains(errOut, w) {
		t.Errorf("stderr lacks %q:\n%s", w, errOut)
	}
	// A foreign key in the primary key is a relation in the key, not a warning.
	if strings.Contains(errOut, "item_note.item_id") {
		t.Errorf("warning about item_note.item_id:\n%s", errOut)
	}
	note, err := os.ReadFile(filepath.Join(out, "item_note.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "item: { kind: m:1, entity: Item, inversedBy: itemNotes, primary: true, deleteRule: cascade }"; !strings.Contains(string(note), want) {
		t.Errorf("item_note.yaml lacks %q:\n%s", want, note)
	}
	if code, _, errOut := runCLI(t, "validate", "--schemas", out); code != 0 {
		t.Fatalf("validate: exit %d:\n%s", code, errOut)
	}
}

func TestGenerateEntitiesErrors(t *testing.T) {
	if code, _, errOut := runCLI(t, "generate", "entities", "--db", "sqlite::memory:"); code != 1 || !strings.Contains(errOut, `"out"`) {
		t.Errorf("without --out: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "generate"); code != 1 || !strings.Contains(errOut, "entities") {
		t.Errorf("without subcommand: exit %d, stderr %q", code, errOut)
	}
	out := filepath.Join(t.TempDir(), "out")
	if code, _, errOut := runCLI(t, "generate", "entities", "--db", "sqlite::memory:", "--out", out); code != 1 || !strings.Contains(errOut, "no tables") {
		t.Errorf("empty database: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "generate", "entities", "--db", "nosuch://x", "--out", out); code != 1 || errOut == "" {
		t.Errorf("unknown driver: exit %d, stderr %q", code, errOut)
	}
}

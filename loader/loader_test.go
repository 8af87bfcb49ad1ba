package loader

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/schema"
)

const examples = "../examples/schemas"

func mustLoad(t *testing.T, dir string) *schema.Registry {
	t.Helper()
	reg, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir(%q):\n%v", dir, err)
	}
	return reg
}

func prop(t *testing.T, reg *schema.Registry, entity, name string) *schema.Property {
	t.Helper()
	e, ok := reg.Entity(entity)
	if !ok {
		t.Fatalf("no entity %s", entity)
	}
	p, ok := e.Property(name)
	if !ok {
		t.Fatalf("no property %s.%s", entity, name)
	}
	return p
}

func TestLoadExamples(t *testing.T) {
	reg := mustLoad(t, examples)

	var names []string
	for _, e := range reg.Entities() {
		names = append(names, e.Name+"="+e.Table)
	}
	if diff := cmp.Diff([]string{"Author=author", "Book=book", "BookTag=book_tag", "Publisher=publisher"}, names); diff != "" {
		t.Errorf("entities (-want +got):\n%s", diff)
	}

	// Declaration order is kept.
	book, _ := reg.Entity("Book")
	var order []string
	for i, p := range book.Properties {
		if p.Index != i || p.Entity != book {
			t.Errorf("Book.%s: Index %d Entity %v, want %d Book", p.Name, p.Index, p.Entity, i)
		}
		order = append(order, p.Name)
	}
	want := []string{"id", "createdAt", "updatedAt", "title", "description", "price", "pages", "weight", "meta", "cover", "status", "author", "publisher", "tags"}
	if diff := cmp.Diff(want, order); diff != "" {
		t.Errorf("Book properties (-want +got):\n%s", diff)
	}
	if book.Pos != (schema.Pos{File: filepath.Join(examples, "book.yaml"), Line: 2, Column: 9}) {
		t.Errorf("Book.Pos = %v", book.Pos)
	}

	type summary struct {
		Kind                                 string
		Type                                 string
		Column                               string
		Owner, Autoincrement, Nullable       bool
		Unique, Indexed, Hidden              bool
		OnCreate, OnUpdate                   string
		Default                              any
		HasDefault                           bool
		Target, MappedBy, InversedBy         string
		Inverse                              string
		PivotTable, JoinColumn, InverseColum string
		Cascade                              schema.Cascade
		OrphanRemoval                        bool
		DeleteRule                           schema.DeleteRule
	}
	sum := func(p *schema.Property) summary {
		s := summary{
			Kind: p.Kind.String(), Type: p.Type.String(), Column: p.Column, Owner: p.Owner,
			Autoincrement: p.Autoincrement, Nullable: p.Nullable, Unique: p.Unique, Indexed: p.Indexed,
			Hidden: p.Hidden, OnCreate: p.OnCreate, OnUpdate: p.OnUpdate, Default: p.Default,
			HasDefault: p.HasDefault, MappedBy: p.MappedBy, InversedBy: p.InversedBy,
			PivotTable: p.PivotTable, JoinColumn: p.JoinColumn, InverseColum: p.InverseColumn,
			Cascade: p.Cascade, OrphanRemoval: p.OrphanRemoval, DeleteRule: p.DeleteRule,
		}
		if p.Target != nil {
			s.Target = p.Target.Name
		}
		if p.Inverse != nil {
			s.Inverse = p.Inverse.String()
		}
		return s
	}
	tests := []struct {
		prop string
		want summary
	}{
		{"Author.id", summary{Kind: "scalar", Type: "int", Column: "id", Autoincrement: true}},
		{"Author.createdAt", summary{Kind: "scalar", Type: "datetime", Column: "created_at", OnCreate: "now"}},
		{"Author.updatedAt", summary{Kind: "scalar", Type: "datetime", Column: "updated_at", OnCreate: "now", OnUpdate: "now"}},
		{"Author.email", summary{Kind: "scalar", Type: "string", Column: "email", Unique: true}},
		{"Author.termsAccepted", summary{Kind: "scalar", Type: "boolean", Column: "terms_accepted", Default: false, HasDefault: true}},
		{"Author.password", summary{Kind: "scalar", Type: "string", Column: "password", Nullable: true, Hidden: true}},
		{"Author.books", summary{Kind: "1:m", Type: "invalid", Target: "Book", MappedBy: "author", Inverse: "Book.author", Cascade: schema.CascadeAll, OrphanRemoval: true}},
		{"Author.favouriteBook", summary{Kind: "m:1", Type: "uuid", Column: "favourite_book_id", Owner: true, Nullable: true, Target: "Book", Cascade: schema.CascadePersist, DeleteRule: schema.SetNull}},
		{"Author.mentor", summary{Kind: "m:1", Type: "int", Column: "mentor_id", Owner: true, Nullable: true, Target: "Author", Cascade: schema.CascadePersist, DeleteRule: schema.SetNull}},
		{"Book.id", summary{Kind: "scalar", Type: "uuid", Column: "id", OnCreate: "uuid"}},
		{"Book.title", summary{Kind: "scalar", Type: "string", Column: "title", Indexed: true}},
		{"Book.status", summary{Kind: "scalar", Type: "enum", Column: "status", Default: "draft", HasDefault: true}},
		{"Book.author", summary{Kind: "m:1", Type: "int", Column: "author_id", Owner: true, Target: "Author", InversedBy: "books", Inverse: "Author.books", Cascade: schema.CascadePersist}},
		{"Book.publisher", summary{Kind: "m:1", Type: "int", Column: "publisher_id", Owner: true, Nullable: true, Target: "Publisher", InversedBy: "books", Inverse: "Publisher.books", Cascade: schema.CascadePersist, DeleteRule: schema.SetNull}},
		{"Book.tags", summary{Kind: "m:n", Type: "invalid", Owner: true, Target: "BookTag", InversedBy: "books", Inverse: "BookTag.books", PivotTable: "book_tags", JoinColumn: "book_id", InverseColum: "book_tag_id", Cascade: schema.CascadePersist}},
		{"BookTag.id", summary{Kind: "scalar", Type: "bigint", Column: "id", Autoincrement: true}},
		{"BookTag.books", summary{Kind: "m:n", Type: "invalid", Target: "Book", MappedBy: "tags", Inverse: "Book.tags", PivotTable: "book_tags", JoinColumn: "book_tag_id", InverseColum: "book_id", Cascade: schema.CascadePersist}},
		{"Publisher.type", summary{Kind: "scalar", Type: "enum", Column: "type", Default: "local", HasDefault: true}},
		{"Publisher.opensAt", summary{Kind: "scalar", Type: "time", Column: "opens_at", Nullable: true}},
		{"Publisher.books", summary{Kind: "1:m", Type: "invalid", Target: "Book", MappedBy: "publisher", Inverse: "Book.publisher", Cascade: schema.CascadePersist}},
	}
	for _, tt := range tests {
		ent, name, _ := strings.Cut(tt.prop, ".")
		if diff := cmp.Diff(tt.want, sum(prop(t, reg, ent, name))); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.prop, diff)
		}
	}

	author, _ := reg.Entity("Author")
	if author.Version == nil || author.Version.Name != "version" || !author.Version.IsVersion {
		t.Errorf("Author.Version = %v, want Author.version", author.Version)
	}
	if len(author.Primary) != 1 || author.Primary[0].Name != "id" {
		t.Errorf("Author.Primary = %v", author.Primary)
	}
	price := prop(t, reg, "Book", "price")
	if price.Precision != 10 || price.Scale != 2 || price.Type != schema.Decimal {
		t.Errorf("Book.price = %s(%d,%d)", price.Type, price.Precision, price.Scale)
	}
	if got := prop(t, reg, "Book", "status").Values; !cmp.Equal(got, []string{"draft", "published"}) {
		t.Errorf("Book.status values = %v", got)
	}
	if got := prop(t, reg, "Author", "name").Length; got != 255 {
		t.Errorf("Author.name length = %d", got)
	}

	idx := func(ix []schema.Index) []string {
		var out []string
		for _, i := range ix {
			s := i.Name + ":"
			for _, p := range i.Properties {
				s += " " + p.String()
			}
			out = append(out, s)
		}
		return out
	}
	bookTag, _ := reg.Entity("BookTag")
	got := append(append(idx(author.Indexes), idx(book.Indexes)...), idx(bookTag.Uniques)...)
	if diff := cmp.Diff([]string{
		"author_name_age_index: Author.name Author.age",
		"book_title_author_id_index: Book.title Book.author",
		"book_tag_name_unique: BookTag.name",
	}, got); diff != "" {
		t.Errorf("indexes (-want +got):\n%s", diff)
	}
	var pivots []string
	for _, p := range reg.Pivots() {
		pivots = append(pivots, p.String()+" "+p.PivotTable)
	}
	if diff := cmp.Diff([]string{"Book.tags book_tags"}, pivots); diff != "" {
		t.Errorf("pivots (-want +got):\n%s", diff)
	}
}

// TestLoadJSON loads an entity file written in JSON: several entities, a self-referencing m:n
// and a json default.
func TestLoadJSON(t *testing.T) {
	reg, err := LoadFiles("testdata/json/library.json")
	if err != nil {
		t.Fatal(err)
	}
	next := prop(t, reg, "Volume", "next")
	if got := []string{next.PivotTable, next.JoinColumn, next.InverseColumn}; !cmp.Equal(got, []string{"volumes_next", "volumes_1_id", "volumes_2_id"}) {
		t.Errorf("self-referencing m:n pivot = %v", got)
	}
	if !next.Owner {
		t.Errorf("Volume.next is not the owner")
	}
	meta := prop(t, reg, "Volume", "meta")
	if diff := cmp.Diff(map[string]any{"tags": []any{"a", "b"}}, meta.Default); diff != "" {
		t.Errorf("Volume.meta default (-want +got):\n%s", diff)
	}
	shelf := prop(t, reg, "Volume", "shelf")
	if shelf.Column != "shelf_id" || shelf.Type != schema.UUID || shelf.Inverse == nil || shelf.Inverse.Name != "books" {
		t.Errorf("Volume.shelf = %+v", shelf)
	}
	if p := prop(t, reg, "Volume", "id"); !p.Autoincrement {
		t.Errorf("Volume.id is not autoincrement")
	}
	if p := prop(t, reg, "Shelf", "label"); p.Default != "new" {
		t.Errorf("Shelf.label default = %v", p.Default)
	}
}

// TestLoadJSONErrors checks positions in a JSON file indented with tabs.
func TestLoadJSONErrors(t *testing.T) {
	_, err := LoadFiles("testdata/json/bad.json")
	want := strings.Join([]string{
		`testdata/json/bad.json:5:32: Shelf.label: unknown key "lenght" (did you mean "length"?)`,
		`testdata/json/bad.json:6:3: Shelf.books: a 1:m needs mappedBy: the m:1 property on Volume that points back to Shelf`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestLoadFS(t *testing.T) {
	fsys := fstest.MapFS{}
	for _, n := range []string{"author.yaml", "book.yaml", "book_tag.yaml", "publisher.yaml"} {
		data, err := os.ReadFile(filepath.Join(examples, n))
		if err != nil {
			t.Fatal(err)
		}
		fsys["schemas/"+n] = &fstest.MapFile{Data: data}
	}
	fsys["schemas/README.md"] = &fstest.MapFile{Data: []byte("not an entity")}
	reg, err := LoadFS(fsys, "schemas/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(reg.Entities()); n != 4 {
		t.Errorf("got %d entities, want 4", n)
	}
	e, _ := reg.Entity("Book")
	if e.Pos.File != "schemas/book.yaml" {
		t.Errorf("Book.Pos.File = %q, want schemas/book.yaml", e.Pos.File)
	}

	// A directory match loads the entity files below it.
	if _, err := LoadFS(fsys, "schemas"); err != nil {
		t.Errorf("LoadFS(dir): %v", err)
	}

	_, err = LoadFS(fsys, "models/*.yaml")
	if err == nil || err.Error() != `no entity files match "models/*.yaml"` {
		t.Errorf("no match: got %v", err)
	}
	_, err = LoadFS(fsys, "schemas/[")
	if err == nil || !strings.Contains(err.Error(), `bad pattern "schemas/["`) {
		t.Errorf("bad pattern: got %v", err)
	}
}

func TestWithNaming(t *testing.T) {
	reg, err := LoadDir(examples, WithNaming(upperNaming{}))
	if err != nil {
		t.Fatal(err)
	}
	tag, _ := reg.Entity("BookTag")
	if tag.Table != "BOOKTAG" {
		t.Errorf("BookTag.Table = %q", tag.Table)
	}
	if p := prop(t, reg, "Book", "tags"); p.PivotTable != "book_TAGS" || p.InverseColumn != "BOOKTAG_ID" {
		t.Errorf("Book.tags pivot = %s(%s, %s)", p.PivotTable, p.JoinColumn, p.InverseColumn)
	}
	if p := prop(t, reg, "Book", "author"); p.Column != "AUTHOR_ID" {
		t.Errorf("Book.author column = %q", p.Column)
	}
}

type upperNaming struct{}

func (upperNaming) Table(e string) string                { return strings.ToUpper(e) }
func (upperNaming) Column(p string) string               { return strings.ToUpper(p) }
func (upperNaming) JoinColumn(p, key string) string      { return strings.ToUpper(p + "_" + key) }
func (upperNaming) PivotTable(table, p string) string    { return table + "_" + strings.ToUpper(p) }
func (upperNaming) PivotColumn(table, key string) string { return table + "_" + strings.ToUpper(key) }

func TestLoadErrors(t *testing.T) {
	_, err := LoadFiles("testdata/missing.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: got %v, want fs.ErrNotExist", err)
	}
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 1 || list[0].Pos.File != "testdata/missing.yaml" {
		t.Errorf("missing file: got %#v", err)
	}
	if _, err := LoadDir("testdata/json/nothing"); err == nil {
		t.Errorf("missing directory: no error")
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no entity files") {
		t.Errorf("empty directory: got %v", err)
	}
}

// TestBadFiles loads each testdata/bad/*.yaml file and compares the errors with its .golden
// file. UPDATE_GOLDEN=1 rewrites the golden files.
func TestBadFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/bad/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d cases", len(files))
	}
	update := os.Getenv("UPDATE_GOLDEN") != ""
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".yaml")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(src, []byte("# ")) {
				t.Errorf("%s: the first line must be a comment saying what the case tests", f)
			}
			_, err = LoadFiles(f)
			if err == nil {
				t.Fatalf("%s loaded without error", f)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			got := err.Error() + "\n"
			golden := strings.TrimSuffix(f, ".yaml") + ".golden"
			if update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", f, diff)
			}
		})
	}
}

// TestManyMistakes checks that independent mistakes are all reported, sorted by position.
func TestManyMistakes(t *testing.T) {
	_, err := LoadFiles("testdata/bad/many_mistakes.yaml")
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("got %v", err)
	}
	if len(list) < 5 {
		t.Errorf("got %d errors, want at least 5:\n%v", len(list), err)
	}
	for i := 1; i < len(list); i++ {
		if a, b := list[i-1].Pos, list[i].Pos; a.Line > b.Line || a.Line == b.Line && a.Column > b.Column {
			t.Errorf("errors not sorted: %v before %v", a, b)
		}
	}
}

// TestErrorsAcrossFiles checks that errors of several files come together, sorted by file.
func TestErrorsAcrossFiles(t *testing.T) {
	_, err := LoadFiles("testdata/bad/unknown_entity_key.yaml", "testdata/bad/not_a_mapping.yaml")
	want := strings.Join([]string{
		`testdata/bad/not_a_mapping.yaml:2:1: expected a mapping (an entity with entity and properties, or "entities"), got a list`,
		`testdata/bad/unknown_entity_key.yaml:3:1: Book: unknown key "tabel" (did you mean "table"?)`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("got:\n%v\nwant:\n%s", err, want)
	}
}

func TestDefaults(t *testing.T) {
	fsys := fstest.MapFS{"e.yaml": {Data: []byte(`
entity: Event
properties:
  id:      { type: uuid, primary: true, onCreate: uuid }
  key:     { type: int, autoincrement: false }
  day:     { type: date, default: 2024-02-29 }
  at:      { type: datetime, default: 2024-02-29T10:00:00+01:00 }
  price:   { type: decimal, precision: 6, scale: 2, default: 9.5 }
  ratio:   { type: double, default: 1 }
  starts:  { type: time, default: "09:30" }
  note:    { type: text, nullable: true, default: null }
  payload: { type: json, default: [1, two] }
`)}}
	reg, err := LoadFS(fsys, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"day":     time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
		"at":      time.Date(2024, 2, 29, 9, 0, 0, 0, time.UTC),
		"price":   "9.50", // the canonical form for scale 2,
		"ratio":   1.0,
		"starts":  "09:30:00",
		"note":    nil,
		"payload": []any{float64(1), "two"}, // JSON numbers are float64, as read back
	}
	for name, w := range want {
		p := prop(t, reg, "Event", name)
		if !p.HasDefault {
			t.Errorf("Event.%s: HasDefault false", name)
		}
		if diff := cmp.Diff(w, p.Default); diff != "" {
			t.Errorf("Event.%s default (-want +got):\n%s", name, diff)
		}
	}
	if p := prop(t, reg, "Event", "id"); p.OnCreate != "uuid" || p.Autoincrement {
		t.Errorf("Event.id = %+v", p)
	}
}

// TestOneToOneAndManyToMany covers 1:1 on both sides, a unidirectional m:n, explicit pivot names,
// cascade lists and a self-referencing m:n with an inverse side.
func TestOneToOneAndManyToMany(t *testing.T) {
	fsys := fstest.MapFS{"model.yaml": {Data: []byte(`
entities:
  - entity: User
    properties:
      id:        { type: int, primary: true }
      profile:   { kind: 1:1, entity: Profile, mappedBy: user, orphanRemoval: true, cascade: [all] }
      following: { kind: m:n, entity: User, inversedBy: followers }
      followers: { kind: m:n, entity: User, mappedBy: following }
      groups:    { kind: m:n, entity: Group, pivotTable: membership, joinColumn: member, inverseJoinColumn: team, cascade: [] }
  - entity: Profile
    properties:
      id:   { type: int, primary: true }
      user: { kind: 1:1, entity: User, inversedBy: profile, deleteRule: cascade, cascade: [remove] }
  - entity: Group
    properties:
      id: { type: smallint, primary: true, autoincrement: false }
`)}}
	reg, err := LoadFS(fsys, "model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	user := prop(t, reg, "Profile", "user")
	if !user.Owner || !user.Unique || user.Column != "user_id" || user.Type != schema.Int || user.DeleteRule != schema.Cascaded || user.Cascade != schema.CascadeRemove {
		t.Errorf("Profile.user = %+v", user)
	}
	profile := prop(t, reg, "User", "profile")
	if profile.Owner || profile.Column != "" || profile.Inverse != user || user.Inverse != profile || profile.Cascade != schema.CascadeAll || !profile.OrphanRemoval {
		t.Errorf("User.profile = %+v", profile)
	}
	following, followers := prop(t, reg, "User", "following"), prop(t, reg, "User", "followers")
	if got := []string{following.PivotTable, following.JoinColumn, following.InverseColumn}; !cmp.Equal(got, []string{"user_following", "user_1_id", "user_2_id"}) {
		t.Errorf("User.following pivot = %v", got)
	}
	if got := []string{followers.PivotTable, followers.JoinColumn, followers.InverseColumn}; !cmp.Equal(got, []string{"user_following", "user_2_id", "user_1_id"}) {
		t.Errorf("User.followers pivot = %v", got)
	}
	groups := prop(t, reg, "User", "groups")
	if got := []string{groups.PivotTable, groups.JoinColumn, groups.InverseColumn}; !groups.Owner || !cmp.Equal(got, []string{"membership", "member", "team"}) || groups.Cascade != 0 {
		t.Errorf("User.groups = %+v", groups)
	}
	if p := prop(t, reg, "Group", "id"); p.Autoincrement {
		t.Errorf("Group.id is autoincrement despite autoincrement: false")
	}
}

// TestLoadEmbeddedExamples loads the examples through their embed.FS, as programs do.
func TestLoadEmbeddedExamples(t *testing.T) {
	reg, err := LoadFS(schemas.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(reg.Entities()); n != 4 {
		t.Errorf("got %d entities, want 4", n)
	}
}

func TestRenamedFrom(t *testing.T) {
	fsys := fstest.MapFS{"model.yaml": {Data: []byte(`
entities:
  - entity: Writer
    renamedFrom: author
    properties:
      id:       { type: int, primary: true }
      fullName: { type: string, renamedFrom: name }
      books:    { kind: 1:m, entity: Book, mappedBy: writer }
  - entity: Book
    properties:
      id:     { type: int, primary: true }
      writer: { kind: m:1, entity: Writer, renamedFrom: author_id }
`)}}
	reg, err := LoadFS(fsys, "model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	w, _ := reg.Entity("Writer")
	if w.RenamedFrom != "author" {
		t.Errorf("Writer.RenamedFrom = %q", w.RenamedFrom)
	}
	if p := prop(t, reg, "Writer", "fullName"); p.RenamedFrom != "name" {
		t.Errorf("fullName.RenamedFrom = %q", p.RenamedFrom)
	}
	if p := prop(t, reg, "Book", "writer"); p.RenamedFrom != "author_id" {
		t.Errorf("Book.writer.RenamedFrom = %q", p.RenamedFrom)
	}

	bad := fstest.MapFS{"model.yaml": {Data: []byte(`
entities:
  - entity: Writer
    properties:
      id:    { type: int, primary: true }
      books: { kind: 1:m, entity: Book, mappedBy: writer, renamedFrom: x }
  - entity: Book
    properties:
      id:     { type: int, primary: true }
      writer: { kind: m:1, entity: Writer }
`)}}
	if _, err := LoadFS(bad, "model.yaml"); err == nil || !strings.Contains(err.Error(), "renamedFrom only applies") {
		t.Errorf("renamedFrom on a 1:m: %v", err)
	}
}

// TestEmbedded: an embedded property adds the embeddable's properties to the entity, right
// after it, as scalars named address.street with the prefixed columns; the embeddable itself
// is not an entity of the registry.
func TestEmbedded(t *testing.T) {
	fsys := fstest.MapFS{"model.yaml": {Data: []byte(`
entities:
  - entity: Address
    embeddable: true
    properties:
      street: { type: string, column: street_line }
      city:   { type: string, nullable: true, hidden: true }
  - entity: User
    properties:
      id:      { type: int, primary: true }
      home:    { kind: embedded, entity: Address }
      work:    { kind: embedded, entity: Address, prefix: "", nullable: true }
      name:    { type: string }
`)}}
	reg, err := LoadFS(fsys, "model.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := reg.Entity("Address"); ok || len(reg.Entities()) != 1 {
		t.Errorf("the embeddable is an entity of the registry: %v", reg.Entities())
	}
	user, _ := reg.Entity("User")
	var got []string
	for i, p := range user.Properties {
		if p.Index != i {
			t.Errorf("%s has index %d at position %d", p, p.Index, i)
		}
		got = append(got, fmt.Sprintf("%s:%s:%s:null=%v:hidden=%v", p.Name, p.Kind, p.Column, p.Nullable, p.Hidden))
	}
	want := []string{
		"id:scalar:id:null=false:hidden=false",
		"home:embedded::null=false:hidden=false",
		"home.street:scalar:home_street_line:null=false:hidden=false",
		"home.city:scalar:home_city:null=true:hidden=true",
		"work:embedded::null=true:hidden=false",
		"work.street:scalar:street_line:null=true:hidden=false",
		"work.city:scalar:city:null=true:hidden=true",
		"name:scalar:name:null=false:hidden=false",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("properties (-want +got):\n%s", d)
	}
	home := prop(t, reg, "User", "home")
	if home.Target == nil || home.Target.Name != "Address" || !home.Target.Embeddable || len(home.Fields) != 2 ||
		home.Fields[0].EmbeddedIn != home || home.Fields[1].FieldName() != "city" || home.HasColumn() || home.IsRelation() {
		t.Errorf("User.home = %+v", home)
	}
}

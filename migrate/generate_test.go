package migrate

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/schema"
)

func TestGenerateNames(t *testing.T) {
	for in, want := range map[string]string{"book_tag": "BookTag", "author": "Author", "Event_Log": "EventLog", "2fa": "Table2fa", "my-table": "MyTable"} {
		if got := pascal(in); got != want {
			t.Errorf("pascal(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"created_at": "createdAt", "ID": "id", "Nick": "nick", "isbn_code": "isbnCode", "line_2": "line2", "userId": "userId"} {
		if got := camel(in); got != want {
			t.Errorf("camel(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Book": "Books", "Category": "Categories", "Box": "Boxes", "Day": "Days", "Address": "Addresses"} {
		if got := plural(in); got != want {
			t.Errorf("plural(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEnumCheck(t *testing.T) {
	for _, c := range []struct {
		expr string
		col  string
		vals []string
	}{
		{`status IN ('draft', 'published')`, "status", []string{"draft", "published"}},
		{`("type" in ('a','it''s'))`, "type", []string{"a", "it's"}},
		{"(`kind` IN ('x'))", "kind", []string{"x"}},
		{`((status)::text IN ('a'::character varying, 'b'::character varying))`, "", nil}, // a cast column: not read
		{`status::text IN ('a'::text, 'b'::text)`, "status", []string{"a", "b"}},
		{`qty >= 0`, "", nil},
		{`status IN (1, 2)`, "", nil},
	} {
		col, vals, ok := parseEnumCheck(c.expr)
		if ok != (c.col != "") || col != c.col || !cmp.Equal(vals, c.vals) {
			t.Errorf("parseEnumCheck(%q) = %q, %q, %v; want %q, %q", c.expr, col, vals, ok, c.col, c.vals)
		}
	}
}

func TestReadType(t *testing.T) {
	for in, want := range map[string]ScalarType{
		"varchar(255)":                {Type: schema.String, Length: 255},
		"character varying(100)":      {Type: schema.String, Length: 100},
		"numeric(10,2)":               {Type: schema.Decimal, Precision: 10, Scale: 2},
		"int unsigned":                {Type: schema.Int},
		"tinyint(1)":                  {Type: schema.Boolean},
		"timestamp without time zone": {Type: schema.DateTime},
		"timestamp(6)":                {Type: schema.DateTime},
		"jsonb":                       {Type: schema.JSON},
		"bytea":                       {Type: schema.Blob},
		"enum('a','b')":               {Type: schema.Enum, Values: []string{"a", "b"}},
		"double precision":            {Type: schema.Double},
		"uuid":                        {Type: schema.UUID},
	} {
		got, ok := readType(in)
		if !ok || !cmp.Equal(got, want) {
			t.Errorf("readType(%q) = %+v, %v; want %+v", in, got, ok, want)
		}
	}
	if _, ok := readType("geometry"); ok {
		t.Errorf("readType(geometry) read a type")
	}
}

func load(t *testing.T, g *Generated) *schema.Registry {
	t.Helper()
	fsys := fstest.MapFS{}
	for n, data := range g.Files {
		fsys[n] = &fstest.MapFile{Data: data}
	}
	reg, err := loader.LoadFS(fsys, "*.yaml")
	if err != nil {
		var b strings.Builder
		for n, data := range g.Files {
			b.WriteString("--- " + n + "\n" + string(data))
		}
		t.Fatalf("generated files do not load: %v\n%s", err, b.String())
	}
	return reg
}

// pgLike is a schema as a PostgreSQL inspector could spell it, read without a dialect.
func pgLike() *Schema {
	def := func(s string) *string { return &s }
	return &Schema{Tables: []*Table{
		{Name: "dorm_migrations", Columns: []*Column{{Name: "version", Type: "text"}}, PrimaryKey: []string{"version"}},
		{Name: "user_account", Columns: []*Column{
			{Name: "id", Type: "bigint", AutoIncrement: true},
			{Name: "email", Type: "varchar(320)"},
			{Name: "balance", Type: "numeric(12,2)", Default: def("0.00")},
			{Name: "active", Type: "boolean", Default: def("true")},
			{Name: "role", Type: "text", Default: def("'member'")},
			{Name: "profile", Type: "jsonb", Nullable: true},
		}, PrimaryKey: []string{"id"},
			Indexes: []*Index{{Name: "user_account_email_unique", Columns: []string{"email"}, Unique: true}},
			Checks:  []*Check{{Expr: `role IN ('member', 'admin')`}}},
		{Name: "team", Columns: []*Column{{Name: "id", Type: "uuid"}, {Name: "owner_id", Type: "bigint"}}, PrimaryKey: []string{"id"},
			ForeignKeys: []*ForeignKey{{Columns: []string{"owner_id"}, RefTable: "user_account", RefColumns: []string{"id"}, OnDelete: "RESTRICT"}}},
		{Name: "team_members", Columns: []*Column{{Name: "team_id", Type: "uuid"}, {Name: "user_account_id", Type: "bigint"}},
			PrimaryKey: []string{"team_id", "user_account_id"},
			ForeignKeys: []*ForeignKey{
				{Columns: []string{"team_id"}, RefTable: "team", RefColumns: []string{"id"}, OnDelete: "CASCADE"},
				{Columns: []string{"user_account_id"}, RefTable: "user_account", RefColumns: []string{"id"}, OnDelete: "CASCADE"},
			}},
	}}
}

// TestGenerateWithoutDialect reads SQL type names generically: the files load, with the
// types, defaults, enum, relations and m:n that the schema says.
func TestGenerateWithoutDialect(t *testing.T) {
	g, err := GenerateEntities(pgLike(), GenerateOptions{SchemaRef: "../schema/entity.schema.json"})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Warnings) > 0 {
		t.Errorf("warnings: %v", g.Warnings)
	}
	if _, ok := g.Files["dorm_migrations.yaml"]; ok {
		t.Errorf("the history table became an entity")
	}
	want := `# yaml-language-server: $schema=../schema/entity.schema.json
entity: UserAccount
properties:
  id:             { type: bigint, primary: true }
  email:          { type: string, length: 320, unique: true }
  balance:        { type: decimal, precision: 12, scale: 2, default: "0.00" }
  active:         { type: boolean, default: true }
  role:           { type: enum, values: [member, admin], default: member }
  profile:        { type: json, nullable: true }
  membersInverse: { kind: m:n, entity: Team, mappedBy: members }
  teams:          { kind: 1:m, entity: Team, mappedBy: owner }
`
	if d := cmp.Diff(want, string(g.Files["user_account.yaml"])); d != "" {
		t.Errorf("user_account.yaml (-want +got):\n%s", d)
	}
	reg := load(t, g)
	team, _ := reg.Entity("Team")
	members, ok := team.Property("members")
	if !ok || members.Kind != schema.ManyToMany || !members.Owner || members.PivotTable != "team_members" ||
		members.JoinColumn != "team_id" || members.InverseColumn != "user_account_id" {
		t.Errorf("Team.members: %+v", members)
	}
	owner, _ := team.Property("owner")
	if owner.Kind != schema.ManyToOne || owner.Column != "owner_id" || owner.DeleteRule != schema.Restrict {
		t.Errorf("Team.owner: %+v", owner)
	}
}

// TestGenerateNaming: names that a naming strategy gives are left out, the others written.
func TestGenerateNaming(t *testing.T) {
	s := &Schema{Tables: []*Table{
		{Name: "Person", Columns: []*Column{{Name: "ID", Type: "integer", AutoIncrement: true}, {Name: "boss", Type: "integer", Nullable: true}},
			PrimaryKey:  []string{"ID"},
			ForeignKeys: []*ForeignKey{{Columns: []string{"boss"}, RefTable: "Person", RefColumns: []string{"ID"}}},
			Indexes:     []*Index{{Name: "ix_boss", Columns: []string{"boss"}}}},
		{Name: "friends", Columns: []*Column{{Name: "a", Type: "integer"}, {Name: "b", Type: "integer"}}, PrimaryKey: []string{"a", "b"},
			ForeignKeys: []*ForeignKey{
				{Columns: []string{"a"}, RefTable: "Person", RefColumns: []string{"ID"}, OnDelete: "CASCADE"},
				{Columns: []string{"b"}, RefTable: "Person", RefColumns: []string{"ID"}, OnDelete: "CASCADE"},
			}},
	}}
	g, err := GenerateEntities(s, GenerateOptions{Dialect: plainDialect{}})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Warnings) > 0 {
		t.Errorf("warnings: %v", g.Warnings)
	}
	want := `# yaml-language-server: $schema=` + DefaultSchemaRef + `
entity: Person
table: Person
properties:
  id:             { type: int, primary: true, column: ID }
  boss:           { kind: m:1, entity: Person, inversedBy: persons, joinColumn: boss, nullable: true }
  friends:        { kind: m:n, entity: Person, inversedBy: friendsInverse, pivotTable: friends, joinColumn: a, inverseJoinColumn: b }
  friendsInverse: { kind: m:n, entity: Person, mappedBy: friends }
  persons:        { kind: 1:m, entity: Person, mappedBy: boss }
indexes:
  - { properties: [boss], name: ix_boss }
`
	if d := cmp.Diff(want, string(g.Files["person.yaml"])); d != "" {
		t.Errorf("person.yaml (-want +got):\n%s", d)
	}
	reg := load(t, g)
	desired, err := FromRegistry(reg, plainDialect{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := Diff(s, desired, DiffOptions{Dialect: plainDialect{}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Describe(cs) {
		t.Errorf("diff: %s", c)
	}
	again, _ := GenerateEntities(s, GenerateOptions{Dialect: plainDialect{}})
	if d := cmp.Diff(g.Files, again.Files); d != "" {
		t.Errorf("twice differs:\n%s", d)
	}
}

// plainDialect is a minimal dialect with generic SQL type names.
type plainDialect struct{}

func (plainDialect) Name() string                  { return "plain" }
func (plainDialect) QuoteIdent(name string) string { return `"` + name + `"` }
func (plainDialect) ColumnType(p *schema.Property) string {
	switch p.Type {
	case schema.Int:
		return "integer"
	case schema.BigInt:
		return "bigint"
	case schema.String:
		if p.Length > 0 {
			return "varchar(" + strconv.Itoa(p.Length) + ")"
		}
		return "varchar(255)"
	}
	return strings.ToLower(p.Type.String())
}
func (plainDialect) Arg(p *schema.Property, v any) (any, error) { return v, nil }
func (plainDialect) Literal(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return "'" + strings.ReplaceAll(x, "'", "''") + "'", nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	}
	return "", fmt.Errorf("no literal for %T", v)
}
func (plainDialect) Normalize(*Table)                     {}
func (plainDialect) Plan(changes []Change) (*Plan, error) { return &Plan{}, nil }

// TestGenerateYAMLWords: names that YAML would read as something else are quoted.
func TestGenerateYAMLWords(t *testing.T) {
	s := &Schema{Tables: []*Table{
		{Name: "null", Columns: []*Column{{Name: "id", Type: "integer", AutoIncrement: true}, {Name: "true", Type: "text"}, {Name: "on", Type: "text"}},
			PrimaryKey: []string{"id"}, Indexes: []*Index{{Name: "n", Columns: []string{"true", "on"}}}},
	}}
	g, err := GenerateEntities(s, GenerateOptions{Dialect: plainDialect{}})
	if err != nil {
		t.Fatal(err)
	}
	reg := load(t, g)
	e, ok := reg.Entity("Null")
	if !ok || e.Table != "null" {
		t.Fatalf("entity Null: %v\n%s", ok, g.Files["null.yaml"])
	}
	for _, n := range []string{"true", "on"} {
		if p, ok := e.Property(n); !ok || p.Column != n {
			t.Errorf("property %q: %v", n, ok)
		}
	}
}

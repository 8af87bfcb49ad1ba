package query

import (
	"testing"

	"github.com/dorm-go/dorm/schema"
)

// The metadata of examples/schemas/*.yaml, built by hand the way package loader resolves it,
// so that these tests do not depend on the loader.

type propOpt func(*schema.Property)

func scalar(name string, t schema.Type, opts ...propOpt) *schema.Property {
	p := &schema.Property{Name: name, Kind: schema.Scalar, Type: t, Column: schema.Snake(name)}
	for _, o := range opts {
		o(p)
	}
	return p
}

func primary(p *schema.Property)  { p.Primary = true }
func nullable(p *schema.Property) { p.Nullable = true }

func enumOf(values ...string) propOpt {
	return func(p *schema.Property) { p.Values = values }
}

func newEntity(name, table string, props ...*schema.Property) *schema.Entity {
	e := &schema.Entity{Name: name, Table: table}
	for _, p := range props {
		if !e.AddProperty(p) {
			panic("duplicate property " + p.Name)
		}
		if p.Primary {
			e.Primary = append(e.Primary, p)
		}
		if p.IsVersion {
			e.Version = p
		}
	}
	return e
}

// manyToOne adds an owning m:1 (or, with kind OneToOne, an owning 1:1) from e to target.
func manyToOne(e *schema.Entity, kind schema.Kind, name string, target *schema.Entity, inversedBy string, nullable bool) *schema.Property {
	pk := target.Primary[0]
	p := &schema.Property{
		Name: name, Kind: kind, Type: pk.Type, Column: schema.UnderscoreNaming{}.JoinColumn(name, pk.Name),
		Target: target, TargetName: target.Name, InversedBy: inversedBy, Owner: true,
		Nullable: nullable, Cascade: schema.CascadePersist,
	}
	e.AddProperty(p)
	return p
}

// inverse adds the inverse side (1:m or 1:1 mappedBy, or m:n mappedBy) of owner to e.
func inverse(e *schema.Entity, kind schema.Kind, name string, owner *schema.Property) *schema.Property {
	p := &schema.Property{
		Name: name, Kind: kind, Target: owner.Entity, TargetName: owner.Entity.Name,
		MappedBy: owner.Name, Inverse: owner, Cascade: schema.CascadePersist,
	}
	owner.Inverse = p
	e.AddProperty(p)
	return p
}

// testRegistry mirrors examples/schemas: Author, Book, BookTag, Publisher.
func testRegistry(t testing.TB) *schema.Registry {
	t.Helper()
	author := newEntity("Author", "author",
		scalar("id", schema.Int, primary, func(p *schema.Property) { p.Autoincrement = true }),
		scalar("createdAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now" }),
		scalar("updatedAt", schema.DateTime, func(p *schema.Property) { p.OnCreate, p.OnUpdate = "now", "now" }),
		scalar("name", schema.String, func(p *schema.Property) { p.Length = 255 }),
		scalar("email", schema.String, func(p *schema.Property) { p.Length, p.Unique = 255, true }),
		scalar("age", schema.SmallInt, nullable),
		scalar("termsAccepted", schema.Boolean, func(p *schema.Property) { p.Default, p.HasDefault = false, true }),
		scalar("born", schema.Date, nullable),
		scalar("identities", schema.JSON, nullable),
		scalar("rating", schema.Double, nullable),
		scalar("password", schema.String, nullable, func(p *schema.Property) { p.Hidden = true }),
		scalar("version", schema.Int, func(p *schema.Property) { p.IsVersion = true }),
	)
	book := newEntity("Book", "book",
		scalar("id", schema.UUID, primary, func(p *schema.Property) { p.OnCreate = "uuid" }),
		scalar("createdAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now" }),
		scalar("updatedAt", schema.DateTime, func(p *schema.Property) { p.OnCreate, p.OnUpdate = "now", "now" }),
		scalar("title", schema.String, func(p *schema.Property) { p.Length, p.Indexed = 255, true }),
		scalar("description", schema.Text, nullable),
		scalar("price", schema.Decimal, nullable, func(p *schema.Property) { p.Precision, p.Scale = 10, 2 }),
		scalar("pages", schema.Int, nullable),
		scalar("weight", schema.Float, nullable),
		scalar("meta", schema.JSON, nullable),
		scalar("cover", schema.Blob, nullable, func(p *schema.Property) { p.Hidden = true }),
		scalar("status", schema.Enum, enumOf("draft", "published"), func(p *schema.Property) {
			p.Default, p.HasDefault = "draft", true
		}),
	)
	tag := newEntity("BookTag", "book_tag",
		scalar("id", schema.BigInt, primary, func(p *schema.Property) { p.Autoincrement = true }),
		scalar("name", schema.String, func(p *schema.Property) { p.Length = 50 }),
	)
	publisher := newEntity("Publisher", "publisher",
		scalar("id", schema.Int, primary, func(p *schema.Property) { p.Autoincrement = true }),
		scalar("name", schema.String, func(p *schema.Property) { p.Length = 255 }),
		scalar("type", schema.Enum, enumOf("local", "global"), func(p *schema.Property) {
			p.Default, p.HasDefault = "local", true
		}),
		scalar("opensAt", schema.Time, nullable),
	)

	// Book.author <-> Author.books
	bookAuthor := manyToOne(book, schema.ManyToOne, "author", author, "books", false)
	bookPublisher := manyToOne(book, schema.ManyToOne, "publisher", publisher, "books", true)
	bookPublisher.DeleteRule = schema.SetNull
	tags := &schema.Property{
		Name: "tags", Kind: schema.ManyToMany, Target: tag, TargetName: tag.Name, InversedBy: "books",
		Owner: true, PivotTable: "book_tags", JoinColumn: "book_id", InverseColumn: "book_tag_id",
		Cascade: schema.CascadePersist,
	}
	book.AddProperty(tags)

	books := inverse(author, schema.OneToMany, "books", bookAuthor)
	books.Cascade, books.OrphanRemoval = schema.CascadeAll, true
	fav := manyToOne(author, schema.ManyToOne, "favouriteBook", book, "", true)
	fav.DeleteRule = schema.SetNull
	mentor := manyToOne(author, schema.ManyToOne, "mentor", author, "", true)
	mentor.DeleteRule = schema.SetNull

	tagBooks := inverse(tag, schema.ManyToMany, "books", tags)
	tagBooks.PivotTable, tagBooks.JoinColumn, tagBooks.InverseColumn = "book_tags", "book_tag_id", "book_id"
	inverse(publisher, schema.OneToMany, "books", bookPublisher)

	// Each entity's properties are now in the order of its file, as the loader adds them.
	reg := schema.NewRegistry()
	for _, e := range []*schema.Entity{author, book, tag, publisher} {
		reg.Add(e)
	}
	return reg
}

// testOneToOne is a small model for what examples/schemas lacks: a 1:1 relation (User.profile
// owns profile_id, Profile.user is its inverse) and a relation to an entity with a composite
// key (Ticket.seat -> Seat{row, number}).
func testOneToOne(t testing.TB) *schema.Registry {
	t.Helper()
	user := newEntity("User", "user", scalar("id", schema.Int, primary), scalar("login", schema.String))
	profile := newEntity("Profile", "profile", scalar("id", schema.ObjectID, primary), scalar("bio", schema.Text, nullable))
	owner := manyToOne(user, schema.OneToOne, "profile", profile, "user", true)
	inverse(profile, schema.OneToOne, "user", owner)

	seat := newEntity("Seat", "seat", scalar("row", schema.String, primary), scalar("number", schema.Int, primary))
	ticket := newEntity("Ticket", "ticket", scalar("id", schema.Int, primary))
	ticket.AddProperty(&schema.Property{Name: "seat", Kind: schema.ManyToOne, Type: schema.String,
		Column: "seat_row", Target: seat, TargetName: "Seat", Owner: true})

	reg := schema.NewRegistry()
	for _, e := range []*schema.Entity{user, profile, seat, ticket} {
		reg.Add(e)
	}
	return reg
}

func entity(t testing.TB, reg *schema.Registry, name string) *schema.Entity {
	t.Helper()
	e, ok := reg.Entity(name)
	if !ok {
		t.Fatalf("no entity %s", name)
	}
	return e
}

func prop(t testing.TB, reg *schema.Registry, entityName, name string) *schema.Property {
	t.Helper()
	p, ok := entity(t, reg, entityName).Property(name)
	if !ok {
		t.Fatalf("no property %s.%s", entityName, name)
	}
	return p
}

// fakeEntity stands in for *dynamic.Entity.
type fakeEntity struct {
	name string
	id   any
}

func (f *fakeEntity) Entity() string { return f.name }
func (f *fakeEntity) ID() any        { return f.id }

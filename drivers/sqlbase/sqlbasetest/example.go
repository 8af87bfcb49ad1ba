// Package sqlbasetest holds test helpers shared by the SQL drivers' tests: the example domain
// of examples/schemas built by hand, for use until package loader is available everywhere.
package sqlbasetest

import "github.com/dorm-go/dorm/schema"

// Example returns the registry of examples/schemas (Author, Book, BookTag, Publisher) as the
// loader resolves it: default tables and columns from schema.UnderscoreNaming, autoincrement
// integer keys, resolved relations and pivot columns seen from each side.
func Example() *schema.Registry {
	n := schema.UnderscoreNaming{}
	reg := schema.NewRegistry()
	author := &schema.Entity{Name: "Author", Table: "author"}
	book := &schema.Entity{Name: "Book", Table: "book"}
	tag := &schema.Entity{Name: "BookTag", Table: n.Table("BookTag")}
	pub := &schema.Entity{Name: "Publisher", Table: n.Table("Publisher")}

	scalar := func(e *schema.Entity, name string, t schema.Type, mod func(p *schema.Property)) *schema.Property {
		p := &schema.Property{Name: name, Kind: schema.Scalar, Type: t, Column: n.Column(name)}
		if mod != nil {
			mod(p)
		}
		if !e.AddProperty(p) {
			panic("duplicate " + name)
		}
		if p.Primary {
			e.Primary = append(e.Primary, p)
		}
		if p.IsVersion {
			e.Version = p
		}
		return p
	}
	rel := func(e *schema.Entity, name string, k schema.Kind, target *schema.Entity, mod func(p *schema.Property)) *schema.Property {
		p := &schema.Property{Name: name, Kind: k, Target: target, TargetName: target.Name, Owner: k == schema.ManyToOne}
		if mod != nil {
			mod(p)
		}
		if !e.AddProperty(p) {
			panic("duplicate " + name)
		}
		return p
	}
	nullable := func(p *schema.Property) { p.Nullable = true }
	primary := func(p *schema.Property) { p.Primary = true; p.Autoincrement = p.Type.IsInteger() }

	// Author
	scalar(author, "id", schema.Int, primary)
	scalar(author, "createdAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now" })
	scalar(author, "updatedAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now"; p.OnUpdate = "now" })
	scalar(author, "name", schema.String, func(p *schema.Property) { p.Length = 255 })
	scalar(author, "email", schema.String, func(p *schema.Property) { p.Length = 255; p.Unique = true })
	scalar(author, "age", schema.SmallInt, nullable)
	scalar(author, "termsAccepted", schema.Boolean, func(p *schema.Property) { p.Default = false; p.HasDefault = true })
	scalar(author, "born", schema.Date, nullable)
	scalar(author, "identities", schema.JSON, nullable)
	scalar(author, "rating", schema.Double, nullable)
	scalar(author, "password", schema.String, func(p *schema.Property) { p.Nullable = true; p.Hidden = true })
	scalar(author, "version", schema.Int, func(p *schema.Property) { p.IsVersion = true })
	aBooks := rel(author, "books", schema.OneToMany, book, func(p *schema.Property) {
		p.MappedBy = "author"
		p.Cascade = schema.CascadeAll
		p.OrphanRemoval = true
	})
	rel(author, "favouriteBook", schema.ManyToOne, book, func(p *schema.Property) {
		p.Nullable = true
		p.DeleteRule = schema.SetNull
		p.Cascade = schema.CascadePersist
	})
	rel(author, "mentor", schema.ManyToOne, author, func(p *schema.Property) {
		p.Nullable = true
		p.DeleteRule = schema.SetNull
		p.Cascade = schema.CascadePersist
	})
	author.Indexes = append(author.Indexes, index(author, "name", "age"))

	// Book
	scalar(book, "id", schema.UUID, func(p *schema.Property) { p.Primary = true; p.OnCreate = "uuid" })
	scalar(book, "createdAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now" })
	scalar(book, "updatedAt", schema.DateTime, func(p *schema.Property) { p.OnCreate = "now"; p.OnUpdate = "now" })
	scalar(book, "title", schema.String, func(p *schema.Property) { p.Length = 255; p.Indexed = true })
	scalar(book, "description", schema.Text, nullable)
	scalar(book, "price", schema.Decimal, func(p *schema.Property) { p.Nullable = true; p.Precision = 10; p.Scale = 2 })
	scalar(book, "pages", schema.Int, nullable)
	scalar(book, "weight", schema.Float, nullable)
	scalar(book, "meta", schema.JSON, nullable)
	scalar(book, "cover", schema.Blob, func(p *schema.Property) { p.Nullable = true; p.Hidden = true })
	scalar(book, "status", schema.Enum, func(p *schema.Property) {
		p.Values = []string{"draft", "published"}
		p.Default = "draft"
		p.HasDefault = true
	})
	bAuthor := rel(book, "author", schema.ManyToOne, author, func(p *schema.Property) {
		p.InversedBy = "books"
		p.Cascade = schema.CascadePersist
	})
	bPub := rel(book, "publisher", schema.ManyToOne, pub, func(p *schema.Property) {
		p.InversedBy = "books"
		p.Nullable = true
		p.DeleteRule = schema.SetNull
		p.Cascade = schema.CascadePersist
	})
	bTags := rel(book, "tags", schema.ManyToMany, tag, func(p *schema.Property) {
		p.InversedBy = "books"
		p.Owner = true
		p.Cascade = schema.CascadePersist
	})
	book.Indexes = append(book.Indexes, index(book, "title", "author"))

	// BookTag
	scalar(tag, "id", schema.BigInt, primary)
	scalar(tag, "name", schema.String, func(p *schema.Property) { p.Length = 50 })
	tBooks := rel(tag, "books", schema.ManyToMany, book, func(p *schema.Property) {
		p.MappedBy = "tags"
		p.Cascade = schema.CascadePersist
	})
	tag.Uniques = append(tag.Uniques, index(tag, "name"))

	// Publisher
	scalar(pub, "id", schema.Int, primary)
	scalar(pub, "name", schema.String, func(p *schema.Property) { p.Length = 255 })
	scalar(pub, "type", schema.Enum, func(p *schema.Property) {
		p.Values = []string{"local", "global"}
		p.Default = "local"
		p.HasDefault = true
	})
	scalar(pub, "opensAt", schema.Time, nullable)
	pBooks := rel(pub, "books", schema.OneToMany, book, func(p *schema.Property) { p.MappedBy = "publisher"; p.Cascade = schema.CascadePersist })

	// Resolve relations: foreign key columns and types, inverses, pivots.
	for _, e := range []*schema.Entity{author, book, tag, pub} {
		for _, p := range e.Properties {
			if p.Kind == schema.ManyToOne || (p.Kind == schema.OneToOne && p.Owner) {
				pk := p.Target.Primary[0]
				p.Column = n.JoinColumn(p.Name, pk.Name)
				p.Type = pk.Type
			}
		}
	}
	link := func(a, b *schema.Property) { a.Inverse, b.Inverse = b, a }
	link(aBooks, bAuthor)
	link(pBooks, bPub)
	link(bTags, tBooks)
	bTags.PivotTable = n.PivotTable(book.Table, "tags")
	bTags.JoinColumn = n.PivotColumn(book.Table, "id")
	bTags.InverseColumn = n.PivotColumn(tag.Table, "id")
	tBooks.PivotTable = bTags.PivotTable
	tBooks.JoinColumn = bTags.InverseColumn
	tBooks.InverseColumn = bTags.JoinColumn

	for _, e := range []*schema.Entity{author, book, tag, pub} {
		reg.Add(e)
	}
	return reg
}

func index(e *schema.Entity, props ...string) schema.Index {
	var ix schema.Index
	for _, name := range props {
		p, ok := e.Property(name)
		if !ok {
			panic("no property " + name)
		}
		ix.Properties = append(ix.Properties, p)
	}
	return ix
}

// Must returns the entity or property named by path ("Book" or "Book.title") in reg.
func Must(reg *schema.Registry, entity string) *schema.Entity {
	e, ok := reg.Entity(entity)
	if !ok {
		panic("no entity " + entity)
	}
	return e
}

// Prop returns the property entity.name of reg.
func Prop(reg *schema.Registry, entity, name string) *schema.Property {
	p, ok := Must(reg, entity).Property(name)
	if !ok {
		panic("no property " + entity + "." + name)
	}
	return p
}

package schema

import (
	"fmt"
	"sort"
)

// Type is the scalar type of a property. The zero value is Invalid.
type Type int

const (
	Invalid Type = iota
	String
	Text
	Int
	BigInt
	SmallInt
	Float
	Double
	Decimal
	Boolean
	Date
	Time
	DateTime
	UUID
	JSON
	Blob
	Enum
	ObjectID
)

var typeNames = [...]string{
	Invalid: "invalid", String: "string", Text: "text", Int: "int", BigInt: "bigint",
	SmallInt: "smallint", Float: "float", Double: "double", Decimal: "decimal",
	Boolean: "boolean", Date: "date", Time: "time", DateTime: "datetime", UUID: "uuid",
	JSON: "json", Blob: "blob", Enum: "enum", ObjectID: "objectId",
}

func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("Type(%d)", int(t))
	}
	return typeNames[t]
}

// ParseType returns the Type spelled s in an entity file.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if i > 0 && n == s {
			return Type(i), true
		}
	}
	return Invalid, false
}

// IsInteger reports whether t is int, bigint or smallint.
func (t Type) IsInteger() bool { return t == Int || t == BigInt || t == SmallInt }

// GoType names the Go type that values of t have inside a dynamic.Entity.
//
//	string text enum uuid decimal objectId time -> string
//	int bigint smallint                          -> int64
//	float double                                 -> float64
//	boolean                                      -> bool
//	date datetime                                -> time.Time (UTC; a date at midnight)
//	json                                         -> any (as encoding/json decodes it)
//	blob                                         -> []byte
func (t Type) GoType() string {
	switch t {
	case String, Text, Enum, UUID, Decimal, ObjectID, Time:
		return "string"
	case Int, BigInt, SmallInt:
		return "int64"
	case Float, Double:
		return "float64"
	case Boolean:
		return "bool"
	case Date, DateTime:
		return "time.Time"
	case JSON:
		return "any"
	case Blob:
		return "[]byte"
	}
	return "invalid"
}

// Kind is the kind of a property: a scalar column or one side of a relation.
type Kind int

const (
	Scalar     Kind = iota
	ManyToOne       // m:1, owns a foreign key column
	OneToMany       // 1:m, inverse side of a m:1 (mappedBy)
	OneToOne        // 1:1, owner holds the foreign key, the other side has mappedBy
	ManyToMany      // m:n, the owner holds the pivot table
	Embedded        // embedded object (reserved; rejected by the loader for now)
)

var kindNames = [...]string{Scalar: "scalar", ManyToOne: "m:1", OneToMany: "1:m", OneToOne: "1:1", ManyToMany: "m:n", Embedded: "embedded"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// ParseKind returns the Kind spelled s in an entity file ("" is Scalar).
func ParseKind(s string) (Kind, bool) {
	if s == "" || s == "scalar" {
		return Scalar, true
	}
	for i, n := range kindNames {
		if n == s {
			return Kind(i), true
		}
	}
	return Scalar, false
}

// Cascade is a set of cascaded operations along a relation.
type Cascade uint8

const (
	CascadePersist Cascade = 1 << iota
	CascadeRemove
	CascadeAll = CascadePersist | CascadeRemove
)

// Has reports whether c includes every operation in o.
func (c Cascade) Has(o Cascade) bool { return c&o == o }

// DeleteRule is the ON DELETE action of a foreign key.
type DeleteRule string

const (
	NoAction DeleteRule = ""
	Restrict DeleteRule = "restrict"
	SetNull  DeleteRule = "set null"
	Cascaded DeleteRule = "cascade"
)

// Registry holds every entity of a model, resolved: relations point at their targets.
type Registry struct {
	entities []*Entity
	byName   map[string]*Entity
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{byName: map[string]*Entity{}} }

// Add adds e; it reports false when an entity of that name is already present.
func (r *Registry) Add(e *Entity) bool {
	if _, dup := r.byName[e.Name]; dup {
		return false
	}
	r.byName[e.Name] = e
	r.entities = append(r.entities, e)
	return true
}

// Entity returns the entity named name.
func (r *Registry) Entity(name string) (*Entity, bool) {
	e, ok := r.byName[name]
	return e, ok
}

// Entities returns every entity, sorted by name.
func (r *Registry) Entities() []*Entity {
	out := append([]*Entity(nil), r.entities...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Pivots returns the owning side of every m:n relation, sorted by pivot table name.
func (r *Registry) Pivots() []*Property {
	var out []*Property
	for _, e := range r.Entities() {
		for _, p := range e.Properties {
			if p.Kind == ManyToMany && p.Owner {
				out = append(out, p)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PivotTable < out[j].PivotTable })
	return out
}

// Entity is the metadata of one entity: its table and its properties.
type Entity struct {
	Name       string
	Table      string
	Properties []*Property // in declaration order; Property.Index is the position here
	Primary    []*Property // the primary key, in declaration order (one for a simple key)
	Version    *Property   // the optimistic-lock version property, or nil
	Indexes    []Index
	Uniques    []Index
	Pos        Pos // where the entity is declared
	// RenamedFrom is the table this entity's table had before (renamedFrom: in the file):
	// migrations rename that table instead of dropping it and creating this one.
	RenamedFrom string
	// Embeddable marks a value type (embeddable: true in the file): it has no table and no
	// key, is not in the Registry, and is stored in the columns of the entities that embed
	// it (see Property.Fields).
	Embeddable bool

	byName map[string]*Property
}

// Property returns the property named name.
func (e *Entity) Property(name string) (*Property, bool) {
	if e.byName == nil {
		e.byName = make(map[string]*Property, len(e.Properties))
		for _, p := range e.Properties {
			e.byName[p.Name] = p
		}
	}
	p, ok := e.byName[name]
	return p, ok
}

// AddProperty appends p, sets its index and owner, and reports false on a duplicate name.
func (e *Entity) AddProperty(p *Property) bool {
	if _, dup := e.Property(p.Name); dup {
		return false
	}
	p.Index = len(e.Properties)
	p.Entity = e
	e.Properties = append(e.Properties, p)
	e.byName[p.Name] = p
	return true
}

// InsertProperties inserts ps right after the property after, renumbering Index, and
// reports false on a duplicate name. It is for loaders, before any entity of e exists.
func (e *Entity) InsertProperties(after *Property, ps []*Property) bool {
	for _, p := range ps {
		if _, dup := e.Property(p.Name); dup {
			return false
		}
	}
	at := after.Index + 1
	out := make([]*Property, 0, len(e.Properties)+len(ps))
	out = append(out, e.Properties[:at]...)
	out = append(out, ps...)
	out = append(out, e.Properties[at:]...)
	e.Properties = out
	for i, p := range out {
		p.Index = i
		p.Entity = e
		e.byName[p.Name] = p
	}
	return true
}

// Columns returns the properties stored in the entity's own table: scalars and the owning side
// of m:1 and 1:1 relations, in declaration order.
func (e *Entity) Columns() []*Property {
	var out []*Property
	for _, p := range e.Properties {
		if p.HasColumn() {
			out = append(out, p)
		}
	}
	return out
}

// CompositeKey reports whether the primary key has more than one property.
func (e *Entity) CompositeKey() bool { return len(e.Primary) > 1 }

// Index is an entity-level index or unique constraint.
type Index struct {
	Name       string // generated from the naming strategy when empty in the file
	Properties []*Property
	Pos        Pos
}

// Property is one property of an entity: a scalar column or a relation.
type Property struct {
	Entity *Entity // the declaring entity
	Index  int     // position in Entity.Properties
	Name   string
	Kind   Kind
	Type   Type   // scalar type; for m:1 and owning 1:1 the type of the target's key
	Column string // column name (the join column for m:1 and owning 1:1), "" for other relations

	Primary       bool
	Autoincrement bool // integer key generated by the database
	Nullable      bool
	Unique        bool
	Indexed       bool
	Hidden        bool // left out of ToMap
	IsVersion     bool
	Length        int // string length (0: dialect default)
	Precision     int // decimal precision
	Scale         int // decimal scale
	Default       any // default value, already converted to the Go type of Type; nil when none
	HasDefault    bool
	OnCreate      string   // "now" or "uuid"
	OnUpdate      string   // "now"
	Values        []string // enum values
	// RenamedFrom is the column this property's column had before (renamedFrom: in the
	// file): migrations rename that column instead of dropping it and adding this one.
	RenamedFrom string

	// Relations.
	Target        *Entity // the related entity
	TargetName    string
	MappedBy      string // on the inverse side: the owning property's name on Target
	InversedBy    string // on the owning side: the inverse property's name on Target
	Owner         bool   // m:1 always; 1:1 and m:n on the side that holds the key or pivot
	Inverse       *Property
	PivotTable    string
	JoinColumn    string // pivot: column that points back to Entity (m:n owner)
	InverseColumn string // pivot: column that points to Target
	Cascade       Cascade
	OrphanRemoval bool
	DeleteRule    DeleteRule

	// Embedded values. An embedded property (Kind Embedded, Target the embeddable) has no
	// column and holds no value itself: each property of the embeddable is a scalar
	// property of the entity, named "<embedded>.<property>" (address.city), with its own
	// column (Prefix + the property's column), listed in Fields. EmbeddedIn points from
	// such a field back to its embedded property.
	Prefix     string
	Fields     []*Property
	EmbeddedIn *Property

	Pos Pos
}

// FieldName is the name of a field of an embedded property without the embedded
// property's name: "city" for address.city; Name for other properties.
func (p *Property) FieldName() string {
	if p.EmbeddedIn == nil {
		return p.Name
	}
	return p.Name[len(p.EmbeddedIn.Name)+1:]
}

// IsRelation reports whether p is a relation.
func (p *Property) IsRelation() bool { return p.Kind != Scalar && p.Kind != Embedded }

// IsToOne reports whether p refers to at most one entity (m:1 or 1:1).
func (p *Property) IsToOne() bool { return p.Kind == ManyToOne || p.Kind == OneToOne }

// IsToMany reports whether p holds a collection (1:m or m:n).
func (p *Property) IsToMany() bool { return p.Kind == OneToMany || p.Kind == ManyToMany }

// HasColumn reports whether p is stored in its entity's table: a scalar, or the owning side of a
// m:1 or 1:1 relation (its foreign key).
func (p *Property) HasColumn() bool {
	switch p.Kind {
	case Scalar:
		return true
	case ManyToOne:
		return true
	case OneToOne:
		return p.Owner
	}
	return false
}

// String returns "Entity.property".
func (p *Property) String() string {
	if p.Entity == nil {
		return p.Name
	}
	return p.Entity.Name + "." + p.Name
}

// Pos is a position in an entity file.
type Pos struct {
	File   string
	Line   int
	Column int
}

func (p Pos) String() string {
	if p.File == "" {
		return ""
	}
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
}

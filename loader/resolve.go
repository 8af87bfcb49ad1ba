package loader

import (
	"errors"
	"fmt"
	"regexp"
	"sort"

	"gopkg.in/yaml.v3"

	"github.com/dorm-go/dorm/schema"
)

var nameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func validName(s string) bool { return nameRe.MatchString(s) }

// resolver turns validated documents into a registry and checks what the JSON Schema cannot:
// references between properties and entities, and combinations of keys.
//
// A property with a JSON Schema violation is "bad": it is added to its entity (so that other
// properties can refer to it) but not checked, and no check that involves it reports anything.
// The same holds for a property that has a structural mistake found here. This keeps one
// mistake from being reported again by every property that depends on it.
type resolver struct {
	naming  schema.Naming
	errs    ErrorList
	reg     *schema.Registry
	ents    []*entState
	embs    map[string]*entState // embeddables, by name (not in reg)
	props   map[*schema.Property]*propState
	tables  map[string]*schema.Entity
	unnamed bool // some entity has no valid name: an unknown target may be that one
}

type entState struct {
	e       *schema.Entity
	doc     *document
	ptr     string // JSON pointer of the entity in doc
	f       fields
	props   []*propState
	noProps bool // properties is missing or invalid
}

type propState struct {
	p   *schema.Property
	f   fields
	ent *entState
	bad bool
	// targeted: target ran (or is running) for the property; a relation to an entity keyed
	// by a relation resolves that key first.
	targeted bool
}

func (r *resolver) errorf(pos schema.Pos, format string, args ...any) {
	r.errs = append(r.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// isBad reports whether p has a mistake (or is unknown).
func (r *resolver) isBad(p *schema.Property) bool {
	ps := r.props[p]
	return ps == nil || ps.bad
}

func (r *resolver) resolve(docs []*document) *schema.Registry {
	r.reg = schema.NewRegistry()
	r.props = map[*schema.Property]*propState{}
	r.tables = map[string]*schema.Entity{}
	r.embs = map[string]*entState{}
	for _, d := range docs {
		root := deref(d.root)
		if root == nil || root.Kind != yaml.MappingNode {
			continue
		}
		if _, list := field(root, "entities"); list != nil {
			for i, n := range d.listEntities() {
				r.entity(d, joinPtr("", "entities", fmt.Sprint(i)), n)
			}
			continue
		}
		r.entity(d, "", root)
	}
	for _, es := range r.ents {
		r.primary(es)
	}
	for _, es := range r.ents {
		for _, ps := range es.props {
			r.target(ps)
		}
	}
	for _, es := range r.ents {
		for _, ps := range append([]*propState(nil), es.props...) {
			if ps.p.Kind == schema.Embedded && !ps.bad {
				r.expand(ps)
			}
		}
	}
	claimed := map[*schema.Property]*schema.Property{}
	for _, es := range r.ents {
		for _, ps := range es.props {
			r.pair(ps, claimed)
		}
	}
	pivots := map[string]*schema.Property{}
	indexNames := map[string]schema.Pos{}
	for _, es := range r.ents {
		r.columns(es, pivots)
		r.indexes(es, "indexes", indexNames)
		r.indexes(es, "uniques", indexNames)
	}
	return r.reg
}

// entity declares the entity at ptr in d and its properties.
func (r *resolver) entity(d *document, ptr string, n *yaml.Node) {
	f := mapping(d, n)
	name := f.str("entity")
	if !validName(name) {
		r.unnamed = true
		return
	}
	e := &schema.Entity{Name: name, Pos: f.valPos("entity"), Embeddable: f.boolean("embeddable")}
	if old, ok := r.reg.Entity(name); ok {
		r.errorf(e.Pos, "duplicate entity %q (first declared at %s)", name, old.Pos)
		return
	}
	if old, ok := r.embs[name]; ok {
		r.errorf(e.Pos, "duplicate entity %q (first declared at %s)", name, old.e.Pos)
		return
	}
	es := &entState{e: e, doc: d, ptr: ptr, f: f}
	if e.Embeddable {
		for _, k := range []string{"table", "renamedFrom", "indexes", "uniques"} {
			if f.has(k) {
				r.errorf(f.keyPos(k), "%s: %s does not apply to an embeddable (it has no table: its properties are columns of the entities that embed it)", name, k)
			}
		}
		r.embs[name] = es
	} else {
		e.Table = f.str("table")
		if e.Table == "" {
			e.Table = r.naming.Table(name)
		}
		if old := r.tables[e.Table]; old != nil {
			r.errorf(f.valPos("table"), "%s: table %q is already the table of entity %s (%s)", name, e.Table, old.Name, old.Pos)
		} else {
			r.tables[e.Table] = e
		}
		e.RenamedFrom = f.str("renamedFrom")
		r.reg.Add(e)
		r.ents = append(r.ents, es)
	}
	pf := mapping(d, f.val["properties"])
	es.noProps = pf.n == nil || len(pf.keys) == 0 || d.isBad(joinPtr(ptr, "properties"))
	for _, k := range pf.keys {
		ps := &propState{
			p:   &schema.Property{Name: k, Pos: pf.keyPos(k)},
			f:   mapping(d, pf.val[k]),
			ent: es,
			bad: d.isBad(joinPtr(ptr, "properties", k)),
		}
		e.AddProperty(ps.p)
		r.props[ps.p] = ps
		es.props = append(es.props, ps)
		r.property(ps)
	}
}

var relationKeys = []string{"entity", "mappedBy", "inversedBy", "owner", "pivotTable", "joinColumn", "inverseJoinColumn", "cascade", "orphanRemoval", "deleteRule"}

var scalarKeys = []string{"length", "precision", "scale", "default", "onCreate", "onUpdate", "version", "values", "autoincrement"}

// property reads a property and checks what can be checked without other properties.
func (r *resolver) property(ps *propState) {
	p, f := ps.p, ps.f
	p.Kind, _ = schema.ParseKind(f.str("kind"))
	p.Type, _ = schema.ParseType(f.str("type"))
	p.Primary = f.boolean("primary")
	p.Nullable = f.boolean("nullable")
	p.Unique = f.boolean("unique")
	p.Indexed = f.boolean("index")
	p.Hidden = f.boolean("hidden")
	p.RenamedFrom = f.str("renamedFrom")
	if ps.bad {
		return
	}
	if f.has("prefix") && p.Kind != schema.Embedded {
		r.errorf(f.keyPos("prefix"), "%s: prefix only applies to embedded properties", p)
	}
	switch {
	case ps.ent.e.Embeddable && p.Kind != schema.Scalar:
		r.errorf(f.valPos("kind"), "%s: an embeddable has scalar properties only (relations and embedded values in an embeddable are not supported yet)", p)
		ps.bad = true
	case p.Kind == schema.Embedded:
		r.embedded(ps)
	case p.Kind == schema.Scalar:
		r.scalar(ps)
		if ps.ent.e.Embeddable {
			for _, k := range []string{"primary", "version", "autoincrement", "renamedFrom"} {
				if f.has(k) {
					r.errorf(f.keyPos(k), "%s: %s does not apply to a property of an embeddable", p, k)
				}
			}
			p.Primary = false
		}
	default:
		r.relation(ps)
	}
}

// embedded reads an embedded property: the embeddable and the prefix of its columns.
func (r *resolver) embedded(ps *propState) {
	p, f := ps.p, ps.f
	for _, k := range []string{"type", "column", "primary", "unique", "index", "renamedFrom"} {
		if f.has(k) {
			r.errorf(f.keyPos(k), "%s: %s does not apply to an embedded property (its fields take theirs from the embeddable)", p, k)
		}
	}
	for _, k := range append(append([]string(nil), scalarKeys...), relationKeys[1:]...) {
		if f.has(k) {
			r.errorf(f.keyPos(k), "%s: %s does not apply to an embedded property", p, k)
		}
	}
	p.Primary, p.Unique, p.Indexed = false, false, false
	p.TargetName = f.str("entity")
	p.Prefix = f.str("prefix")
	if !f.has("prefix") {
		p.Prefix = r.naming.Column(p.Name) + "_"
	}
}

// expand resolves the embeddable of the embedded property ps and adds its fields to the
// entity, right after it: address.street, address.city, ... with the columns address_street,
// address_city (Prefix + the embeddable property's column).
func (r *resolver) expand(ps *propState) {
	p, f := ps.p, ps.f
	t := r.embs[p.TargetName]
	if t == nil {
		ps.bad = true
		if _, isEntity := r.reg.Entity(p.TargetName); isEntity {
			r.errorf(f.valPos("entity"), "%s: %s is an entity, not an embeddable (declare it with embeddable: true, or use a relation kind)", p, p.TargetName)
			return
		}
		if !r.unnamed {
			var known []string
			for name := range r.embs {
				known = append(known, name)
			}
			sort.Strings(known)
			h := " (no entity file declares embeddable: true)"
			if len(known) > 0 {
				h = hint(p.TargetName, known)
			}
			r.errorf(f.valPos("entity"), "%s: unknown embeddable %q%s", p, p.TargetName, h)
		}
		return
	}
	p.Target = t.e
	var fields []*schema.Property
	var states []*propState
	for _, qs := range t.props {
		if qs.bad {
			ps.bad = true // reported on the embeddable
			return
		}
		q := qs.p
		fp := &schema.Property{
			Name: p.Name + "." + q.Name, Kind: schema.Scalar, Type: q.Type, Column: p.Prefix + q.Column,
			Nullable: q.Nullable || p.Nullable, Unique: q.Unique, Indexed: q.Indexed, Hidden: q.Hidden || p.Hidden,
			Length: q.Length, Precision: q.Precision, Scale: q.Scale, Default: q.Default, HasDefault: q.HasDefault,
			OnCreate: q.OnCreate, OnUpdate: q.OnUpdate, Values: q.Values, EmbeddedIn: p, Pos: q.Pos,
		}
		fields = append(fields, fp)
		states = append(states, &propState{p: fp, f: qs.f, ent: ps.ent})
	}
	if len(fields) == 0 {
		ps.bad = true
		return
	}
	ps.ent.e.InsertProperties(p, fields)
	p.Fields = fields
	for _, fs := range states {
		r.props[fs.p] = fs
	}
	ps.ent.props = append(ps.ent.props, states...)
}

func (r *resolver) scalar(ps *propState) {
	p, f := ps.p, ps.f
	for _, k := range relationKeys {
		if f.has(k) {
			r.errorf(f.keyPos(k), "%s: %s only applies to relations (set kind to m:1, 1:m, 1:1 or m:n)", p, k)
		}
	}
	p.Column = f.str("column")
	if p.Column == "" {
		p.Column = r.naming.Column(p.Name)
	}
	p.Length = f.integer("length")
	p.Precision = f.integer("precision")
	p.Scale = f.integer("scale")
	p.Values = f.strs("values")
	p.OnCreate = f.str("onCreate")
	p.OnUpdate = f.str("onUpdate")
	p.IsVersion = f.boolean("version")

	if p.Type == schema.Enum && !f.has("values") {
		r.errorf(f.valPos("type"), "%s: type enum needs values (the list of allowed strings)", p)
	}
	if f.has("values") && p.Type != schema.Enum {
		r.errorf(f.keyPos("values"), "%s: values only apply to type enum, not %s", p, p.Type)
	}
	if f.has("length") && p.Type != schema.String {
		r.errorf(f.keyPos("length"), "%s: length only applies to type string, not %s", p, p.Type)
	}
	for _, k := range []string{"precision", "scale"} {
		if f.has(k) && p.Type != schema.Decimal {
			r.errorf(f.keyPos(k), "%s: %s only applies to type decimal, not %s", p, k, p.Type)
		}
	}
	if p.Type == schema.Decimal && f.has("scale") {
		if !f.has("precision") {
			r.errorf(f.keyPos("scale"), "%s: scale needs precision", p)
		} else if p.Scale > p.Precision {
			r.errorf(f.valPos("scale"), "%s: scale (%d) must not exceed precision (%d)", p, p.Scale, p.Precision)
		}
	}
	isTime := p.Type == schema.Date || p.Type == schema.DateTime || p.Type == schema.Time
	switch {
	case p.OnCreate == "now" && !isTime:
		r.errorf(f.valPos("onCreate"), "%s: onCreate: now needs type date, time or datetime, not %s", p, p.Type)
	case p.OnCreate == "uuid" && p.Type != schema.UUID:
		r.errorf(f.valPos("onCreate"), "%s: onCreate: uuid needs type uuid, not %s", p, p.Type)
	}
	if p.OnUpdate == "now" && !isTime {
		r.errorf(f.valPos("onUpdate"), "%s: onUpdate: now needs type date, time or datetime, not %s", p, p.Type)
	}
	if p.IsVersion {
		if !p.Type.IsInteger() && p.Type != schema.DateTime {
			r.errorf(f.keyPos("version"), "%s: a version property must be int, bigint, smallint or datetime, not %s", p, p.Type)
		}
		if p.Primary {
			r.errorf(f.keyPos("version"), "%s: a primary key cannot be the version property", p)
		}
	}
	if n := f.val["default"]; n != nil {
		c := converter{doc: ps.ent.doc, errs: &ErrorList{}}
		v := c.value(n)
		if v == nil {
			p.HasDefault = true
			if !p.Nullable {
				r.errorf(f.valPos("default"), "%s: default is null, but the property is not nullable", p)
			}
		} else if d, err := schema.ConvertProperty(p, v); err != nil {
			var te *schema.TypeError
			switch {
			case errors.As(err, &te) && te.Reason != "":
				r.errorf(f.valPos("default"), "%s: invalid default: %s", p, te.Reason)
			case errors.As(err, &te):
				r.errorf(f.valPos("default"), "%s: invalid default: expected %s, got %s", p, te.Expected, describe(n))
			default:
				r.errorf(f.valPos("default"), "%s: invalid default: %v", p, err)
			}
		} else {
			p.Default, p.HasDefault = d, true
		}
	}
}

func (r *resolver) relation(ps *propState) {
	p, f := ps.p, ps.f
	if f.has("type") {
		r.errorf(f.keyPos("type"), "%s: type does not apply to relations (a join column has the type of the target's primary key)", p)
	}
	if f.has("column") {
		r.errorf(f.keyPos("column"), "%s: column does not apply to relations (use joinColumn)", p)
	}
	p.Type = schema.Invalid
	for _, k := range scalarKeys {
		if f.has(k) {
			r.errorf(f.keyPos(k), "%s: %s only applies to scalar properties", p, k)
		}
	}
	p.TargetName = f.str("entity")
	p.MappedBy = f.str("mappedBy")
	p.InversedBy = f.str("inversedBy")
	if p.MappedBy != "" && p.InversedBy != "" {
		r.errorf(f.keyPos("inversedBy"), "%s: mappedBy and inversedBy cannot both be set (mappedBy marks the inverse side, inversedBy the owning side)", p)
		ps.bad = true
		return
	}
	hasOwner, owner := f.has("owner"), f.boolean("owner")
	switch p.Kind {
	case schema.ManyToOne:
		p.Owner = true
		if p.MappedBy != "" {
			r.errorf(f.keyPos("mappedBy"), "%s: a m:1 is always the owning side: use inversedBy to name the 1:m on %s", p, p.TargetName)
			ps.bad = true
		}
		if hasOwner {
			r.errorf(f.keyPos("owner"), "%s: owner only applies to 1:1 and m:n (a m:1 always owns the foreign key)", p)
		}
	case schema.OneToMany:
		if p.InversedBy != "" {
			r.errorf(f.keyPos("inversedBy"), "%s: a 1:m is always the inverse side: use mappedBy to name the m:1 on %s", p, p.TargetName)
			ps.bad = true
		} else if p.MappedBy == "" {
			r.errorf(p.Pos, "%s: a 1:m needs mappedBy: the m:1 property on %s that points back to %s", p, p.TargetName, p.Entity.Name)
			ps.bad = true
		}
		if hasOwner {
			r.errorf(f.keyPos("owner"), "%s: owner only applies to 1:1 and m:n (a 1:m is always the inverse side)", p)
		}
	case schema.OneToOne, schema.ManyToMany:
		switch {
		case p.MappedBy != "" && hasOwner && owner:
			r.errorf(f.keyPos("owner"), "%s: owner: true and mappedBy cannot both be set (mappedBy marks the inverse side)", p)
			ps.bad = true
		case p.MappedBy != "":
		case hasOwner && !owner:
			r.errorf(f.keyPos("owner"), "%s: the inverse side of a %s needs mappedBy: the owning %s on %s", p, p.Kind, p.Kind, p.TargetName)
			ps.bad = true
		default:
			p.Owner = true
		}
	}
	if p.Kind == schema.OneToOne && p.Owner {
		p.Unique = true
	}
	if p.Primary && !ps.bad && !p.HasColumn() {
		r.errorf(f.keyPos("primary"), "%s: a relation in the primary key must hold its join column: a m:1 or the owning side of a 1:1, not a %s", p, kindSide(p))
		p.Primary = false
	}
	col := p.HasColumn() && !ps.bad
	for _, k := range []string{"nullable", "unique", "index", "renamedFrom"} {
		if f.has(k) && !col && !ps.bad {
			r.errorf(f.keyPos(k), "%s: %s only applies to scalars and to m:1 and owning 1:1 relations (which have a column)", p, k)
		}
	}
	p.Cascade = schema.CascadePersist
	if f.has("cascade") {
		p.Cascade = 0
		for _, c := range f.strs("cascade") {
			switch c {
			case "persist":
				p.Cascade |= schema.CascadePersist
			case "remove":
				p.Cascade |= schema.CascadeRemove
			case "all":
				p.Cascade |= schema.CascadeAll
			}
		}
	}
	p.OrphanRemoval = f.boolean("orphanRemoval")
	if f.has("orphanRemoval") && !(p.Kind == schema.OneToMany || p.Kind == schema.OneToOne && p.MappedBy != "") {
		r.errorf(f.keyPos("orphanRemoval"), "%s: orphanRemoval only applies to 1:m and to the inverse side (mappedBy) of a 1:1", p)
	}
	if f.has("deleteRule") {
		rule := f.str("deleteRule")
		switch {
		case !(p.Kind == schema.ManyToOne || p.Kind == schema.OneToOne && p.Owner):
			r.errorf(f.keyPos("deleteRule"), "%s: deleteRule only applies to m:1 and to the owning side of a 1:1 (which hold the foreign key)", p)
		case rule == "set null" && !p.Nullable:
			r.errorf(f.valPos("deleteRule"), "%s: deleteRule: set null needs nullable: true", p)
		}
		switch rule {
		case "cascade":
			p.DeleteRule = schema.Cascaded
		case "set null":
			p.DeleteRule = schema.SetNull
		case "restrict":
			p.DeleteRule = schema.Restrict
		default:
			p.DeleteRule = schema.NoAction
		}
	}
	if f.has("joinColumn") && !ps.bad && !p.Owner {
		r.errorf(f.keyPos("joinColumn"), "%s: joinColumn only applies to m:1 and to the owning side of 1:1 and m:n", p)
	}
	for _, k := range []string{"pivotTable", "inverseJoinColumn"} {
		if f.has(k) && !ps.bad && !(p.Kind == schema.ManyToMany && p.Owner) {
			r.errorf(f.keyPos(k), "%s: %s only applies to the owning side of a m:n", p, k)
		}
	}
}

// primary collects the primary key and the version of es, and sets the generated-key defaults.
func (r *resolver) primary(es *entState) {
	e := es.e
	relPrimary := false
	for _, ps := range es.props {
		p, f := ps.p, ps.f
		if p.Primary && p.IsRelation() && ps.bad {
			relPrimary = true // reported on the relation
			continue
		}
		if p.Primary {
			e.Primary = append(e.Primary, p)
		}
		if ps.bad {
			continue
		}
		if p.Primary && p.Nullable {
			r.errorf(f.keyPos("nullable"), "%s: a primary key cannot be nullable", p)
		}
		if p.IsVersion && !p.Primary {
			if e.Version != nil {
				r.errorf(f.keyPos("version"), "%s: %s already has a version property (%s)", p, e.Name, e.Version.Name)
			} else {
				e.Version = p
			}
		}
	}
	if len(e.Primary) == 0 {
		if !es.noProps && !relPrimary {
			r.errorf(e.Pos, "%s has no primary key (mark a property with primary: true)", e.Name)
		}
		return
	}
	single := len(e.Primary) == 1
	for _, ps := range es.props {
		p, f := ps.p, ps.f
		if ps.bad || p.IsRelation() {
			continue
		}
		auto, explicit := f.boolean("autoincrement"), f.has("autoincrement")
		switch {
		case p.Primary && single && p.Type.IsInteger():
			p.Autoincrement = !explicit || auto
		case auto:
			r.errorf(f.keyPos("autoincrement"), "%s: autoincrement only applies to a single integer primary key", p)
		}
		if p.Primary && p.Type == schema.UUID && p.OnCreate == "" {
			p.OnCreate = "uuid"
		}
	}
}

// target resolves the target entity of a relation, its join column and its pivot table.
func (r *resolver) target(ps *propState) {
	p, f := ps.p, ps.f
	if ps.bad || !p.IsRelation() || ps.targeted {
		return
	}
	ps.targeted = true
	t, ok := r.reg.Entity(p.TargetName)
	if !ok {
		ps.bad = true
		if !r.unnamed {
			var known []string
			for _, e := range r.reg.Entities() {
				known = append(known, e.Name)
			}
			r.errorf(f.valPos("entity"), "%s: unknown target entity %q%s", p, p.TargetName, hint(p.TargetName, known))
		}
		return
	}
	p.Target = t
	if !p.HasColumn() && p.Kind != schema.ManyToMany {
		return // an inverse side (1:m, 1:1 mappedBy) refers to t by t's own join column
	}
	switch len(t.Primary) {
	case 0:
		ps.bad = true // reported on t
		return
	case 1:
	default:
		r.errorf(f.valPos("entity"), "%s: relations to composite-key entities are not supported yet (%s has a primary key of %d properties)", p, t.Name, len(t.Primary))
		ps.bad = true
		return
	}
	pk := t.Primary[0]
	if pk.IsRelation() {
		// The target is keyed by a relation (a profile keyed by its user): the join column
		// takes the type of that relation's column, resolved first.
		if p.Kind == schema.ManyToMany {
			r.errorf(f.valPos("entity"), "%s: a m:n to an entity whose primary key is a relation is not supported yet (%s's key is %s)", p, t.Name, pk)
			ps.bad = true
			return
		}
		if pks := r.props[pk]; pks != nil {
			if pks.targeted && pk.Type == schema.Invalid && !pks.bad {
				r.errorf(f.valPos("entity"), "%s: the keys of %s and %s refer to each other", p, p.Entity.Name, t.Name)
				ps.bad = true
				return
			}
			r.target(pks)
		}
	}
	if r.isBad(pk) {
		ps.bad = true
		return
	}
	switch {
	case p.HasColumn():
		p.Type = pk.Type
		p.Column = f.str("joinColumn")
		if p.Column == "" {
			p.Column = r.naming.JoinColumn(p.Name, pk.Column)
		}
	case p.Kind == schema.ManyToMany && p.Owner:
		e := p.Entity
		if len(e.Primary) != 1 {
			if len(e.Primary) > 1 {
				r.errorf(p.Pos, "%s: a m:n on an entity with a composite primary key is not supported yet", p)
			}
			ps.bad = true
			return
		}
		own := e.Primary[0]
		if own.IsRelation() {
			r.errorf(p.Pos, "%s: a m:n on an entity whose primary key is a relation is not supported yet", p)
			ps.bad = true
			return
		}
		if r.isBad(own) {
			ps.bad = true
			return
		}
		p.PivotTable = f.str("pivotTable")
		if p.PivotTable == "" {
			p.PivotTable = r.naming.PivotTable(e.Table, p.Name)
		}
		p.JoinColumn = f.str("joinColumn")
		p.InverseColumn = f.str("inverseJoinColumn")
		switch {
		case p.JoinColumn == "" && p.InverseColumn == "":
			p.JoinColumn = r.naming.PivotColumn(e.Table, own.Column)
			p.InverseColumn = r.naming.PivotColumn(t.Table, pk.Column)
			if p.JoinColumn == p.InverseColumn {
				p.JoinColumn = e.Table + "_1_" + own.Column
				p.InverseColumn = t.Table + "_2_" + pk.Column
			}
		case p.JoinColumn == "":
			p.JoinColumn = r.naming.PivotColumn(e.Table, own.Column)
		case p.InverseColumn == "":
			p.InverseColumn = r.naming.PivotColumn(t.Table, pk.Column)
		}
		if p.JoinColumn == p.InverseColumn {
			r.errorf(p.Pos, "%s: the pivot columns joinColumn and inverseJoinColumn are both %q", p, p.JoinColumn)
		}
	}
}

// describeProp says what p is, for "expected X, got Y": "a scalar", "a m:n to BookTag".
func describeProp(p *schema.Property) string {
	switch {
	case p.Kind == schema.Scalar:
		return "a scalar"
	case p.Kind == schema.Embedded:
		return "an embedded property"
	case (p.Kind == schema.OneToOne || p.Kind == schema.ManyToMany) && p.Owner:
		return "an owning " + p.Kind.String() + " to " + p.TargetName
	case p.Kind == schema.OneToOne || p.Kind == schema.ManyToMany:
		return "an inverse " + p.Kind.String() + " (mappedBy) to " + p.TargetName
	}
	return "a " + p.Kind.String() + " to " + p.TargetName
}

// pair checks mappedBy and inversedBy and links both sides of a bidirectional relation.
func (r *resolver) pair(ps *propState, claimed map[*schema.Property]*schema.Property) {
	p, f := ps.p, ps.f
	if ps.bad || p.Target == nil {
		return
	}
	t := p.Target
	if p.MappedBy != "" {
		var want string
		switch p.Kind {
		case schema.OneToMany:
			want = "a m:1 to " + p.Entity.Name
		default:
			want = "an owning " + p.Kind.String() + " to " + p.Entity.Name
		}
		op, ok := t.Property(p.MappedBy)
		if !ok {
			r.errorf(f.valPos("mappedBy"), "%s: mappedBy %q: %s has no property %q (expected %s)", p, p.MappedBy, t.Name, p.MappedBy, want)
			return
		}
		if r.isBad(op) {
			return
		}
		wantKind := p.Kind
		if p.Kind == schema.OneToMany {
			wantKind = schema.ManyToOne
		}
		if op.Kind == p.Kind && !op.Owner && op.MappedBy == p.Name && op.Target == p.Entity {
			if op.Index > p.Index || op.Entity != p.Entity {
				if _, done := claimed[p]; !done {
					claimed[op] = p
					r.errorf(f.valPos("mappedBy"), "%s and %s both have mappedBy: one side must own the relation (replace mappedBy with inversedBy on one of them)", p, op)
				}
			}
			return
		}
		if op.Kind != wantKind || !op.Owner || op.Target != p.Entity {
			if op.Target == nil && op.IsRelation() {
				return // reported on op
			}
			r.errorf(f.valPos("mappedBy"), "%s: mappedBy %q: %s is %s, expected %s", p, p.MappedBy, op, describeProp(op), want)
			return
		}
		if op.InversedBy != "" && op.InversedBy != p.Name {
			if y, ok := p.Entity.Property(op.InversedBy); ok && y.MappedBy == op.Name {
				r.errorf(f.valPos("mappedBy"), "%s: mappedBy %q, but %s has inversedBy %q (%s is its inverse side)", p, p.MappedBy, op, op.InversedBy, y)
			}
			return // otherwise reported on op
		}
		if other := claimed[op]; other != nil {
			r.errorf(f.valPos("mappedBy"), "%s: mappedBy %q, but %s is already mapped by %s", p, p.MappedBy, op, other)
			return
		}
		claimed[op] = p
		p.Inverse, op.Inverse = op, p
		if op.InversedBy == "" {
			op.InversedBy = p.Name
		}
		if p.Kind == schema.ManyToMany {
			p.PivotTable = op.PivotTable
			p.JoinColumn, p.InverseColumn = op.InverseColumn, op.JoinColumn
		}
		return
	}
	if p.InversedBy == "" || !p.Owner {
		return
	}
	want := "a 1:m"
	if p.Kind != schema.ManyToOne {
		want = "an inverse " + p.Kind.String()
	}
	want += fmt.Sprintf(" to %s with mappedBy: %s", p.Entity.Name, p.Name)
	ip, ok := t.Property(p.InversedBy)
	if !ok {
		r.errorf(f.valPos("inversedBy"), "%s: inversedBy %q: %s has no property %q (expected %s)", p, p.InversedBy, t.Name, p.InversedBy, want)
		return
	}
	if r.isBad(ip) {
		return
	}
	wantKind := p.Kind
	if p.Kind == schema.ManyToOne {
		wantKind = schema.OneToMany
	}
	switch {
	case ip.Kind != wantKind || ip.Owner:
		r.errorf(f.valPos("inversedBy"), "%s: inversedBy %q: %s is %s, expected %s", p, p.InversedBy, ip, describeProp(ip), want)
	case ip.MappedBy != p.Name:
		r.errorf(f.valPos("inversedBy"), "%s: inversedBy %q, but %s has mappedBy %q", p, p.InversedBy, ip, ip.MappedBy)
	case ip.Target != nil && ip.Target != p.Entity:
		r.errorf(f.valPos("inversedBy"), "%s: inversedBy %q: %s is %s, expected %s", p, p.InversedBy, ip, describeProp(ip), want)
	}
}

// columns checks that the columns of es and the pivot tables of its m:n are unique.
func (r *resolver) columns(es *entState, pivots map[string]*schema.Property) {
	cols := map[string]*schema.Property{}
	for _, ps := range es.props {
		p := ps.p
		if ps.bad {
			continue
		}
		if p.HasColumn() && p.Column != "" {
			if other := cols[p.Column]; other != nil {
				r.errorf(p.Pos, "%s: column %q is already the column of %s", p, p.Column, other)
			} else {
				cols[p.Column] = p
			}
		}
		if p.Kind == schema.ManyToMany && p.Owner && p.PivotTable != "" {
			if other := pivots[p.PivotTable]; other != nil {
				r.errorf(p.Pos, "%s: pivot table %q is already the pivot table of %s", p, p.PivotTable, other)
			} else if e := r.tables[p.PivotTable]; e != nil {
				r.errorf(p.Pos, "%s: pivot table %q is already the table of entity %s", p, p.PivotTable, e.Name)
			} else {
				pivots[p.PivotTable] = p
			}
		}
	}
}

// indexes resolves the indexes ("indexes") or unique constraints ("uniques") of es.
func (r *resolver) indexes(es *entState, key string, names map[string]schema.Pos) {
	e, d := es.e, es.doc
	list := es.f.val[key]
	if list == nil || list.Kind != yaml.SequenceNode {
		return
	}
	kind := "index"
	if key == "uniques" {
		kind = "unique"
	}
	var propNames []string
	for _, p := range e.Properties {
		propNames = append(propNames, p.Name)
	}
	for i, item := range list.Content {
		ptr := joinPtr(es.ptr, key, fmt.Sprint(i))
		if d.isBad(ptr) {
			continue
		}
		label := fmt.Sprintf("%s.%s[%d]", e.Name, key, i)
		fi := mapping(d, item)
		idx := schema.Index{Pos: d.pos(deref(item))}
		var cols []string
		ok := true
		for _, n := range fi.val["properties"].Content {
			n = deref(n)
			p, found := e.Property(n.Value)
			switch {
			case !found:
				r.errorf(d.pos(n), "%s: unknown property %q%s", label, n.Value, hint(n.Value, propNames))
				ok = false
			case r.isBad(p):
				ok = false
			case !p.HasColumn():
				r.errorf(d.pos(n), "%s: property %q has no column (it is %s; only scalars, m:1 and owning 1:1 have one)", label, n.Value, describeProp(p))
				ok = false
			default:
				idx.Properties = append(idx.Properties, p)
				cols = append(cols, p.Column)
			}
		}
		if !ok {
			continue
		}
		idx.Name = fi.str("name")
		if idx.Name == "" {
			idx.Name = schema.IndexName(e.Table, cols, kind)
		}
		if pos, dup := names[idx.Name]; dup {
			r.errorf(idx.Pos, "%s: %s name %q is already used (%s)", label, kind, idx.Name, pos)
			continue
		}
		names[idx.Name] = idx.Pos
		if key == "uniques" {
			e.Uniques = append(e.Uniques, idx)
		} else {
			e.Indexes = append(e.Indexes, idx)
		}
	}
}

// kindSide names a relation's kind and, for a 1:1 or m:n, its side.
func kindSide(p *schema.Property) string {
	switch {
	case p.Kind == schema.OneToOne && !p.Owner:
		return "1:1 inverse side (mappedBy)"
	case p.Kind == schema.ManyToMany:
		return "m:n"
	}
	return p.Kind.String()
}

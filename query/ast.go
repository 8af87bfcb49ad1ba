package query

import (
	"fmt"

	"github.com/dorm-go/dorm/schema"
)

// Op is a comparison operator.
type Op int

const (
	Eq     Op = iota // = ; with a nil value: IS NULL
	Ne               // <> ; with a nil value: IS NOT NULL
	In               // Value is []any (may be empty: matches nothing)
	Nin              // Value is []any (may be empty: matches everything)
	Gt               // >
	Gte              // >=
	Lt               // <
	Lte              // <=
	Like             // SQL LIKE pattern (% and _), case-sensitive where the database allows
	ILike            // LIKE, case-insensitive
	Re               // regular expression (RE2 syntax, the common subset of POSIX ERE)
	Exists           // Value is bool: true = IS NOT NULL, false = IS NULL
)

var opNames = [...]string{Eq: "$eq", Ne: "$ne", In: "$in", Nin: "$nin", Gt: "$gt", Gte: "$gte",
	Lt: "$lt", Lte: "$lte", Like: "$like", ILike: "$ilike", Re: "$re", Exists: "$exists"}

func (o Op) String() string {
	if o < 0 || int(o) >= len(opNames) {
		return fmt.Sprintf("Op(%d)", int(o))
	}
	return opNames[o]
}

// Expr is a node of a filter. The concrete types are [And], [Or], [Not], [Cmp] and [Related].
type Expr interface{ expr() }

// And matches when every part matches; an empty And matches everything.
type And []Expr

// Or matches when any part matches; an empty Or matches nothing.
type Or []Expr

// Not matches when X does not match.
type Not struct{ X Expr }

// Cmp compares one column with a value.
//
// Prop is a scalar property, or the owning side of a m:1 or 1:1 relation, in which case the
// foreign key column is compared with the target's primary key value. Value has the Go type of
// Prop.Type (schema.Type.GoType); it is []any for In and Nin, bool for Exists, and a string
// pattern for Like, ILike and Re. A nil Value with Eq or Ne tests for NULL.
type Cmp struct {
	Prop  *schema.Property
	Op    Op
	Value any
}

// Related matches when the entity, or for a collection at least one entity, reached through
// the relation Prop (declared on the filtered entity, any kind) matches Where, a filter on
// Prop.Target. SQL drivers write it as "key IN (SELECT ...)", MongoDB as a lookup of keys.
type Related struct {
	Prop  *schema.Property
	Where Expr
}

func (And) expr()      {}
func (Or) expr()       {}
func (Not) expr()      {}
func (*Cmp) expr()     {}
func (*Related) expr() {}

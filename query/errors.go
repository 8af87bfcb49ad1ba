package query

import "strings"

// Error reports a filter that cannot be parsed: an unknown property or operator, a value of the
// wrong type, an operator that does not apply to a property, or a malformed structure.
//
// Entity is the entity the filter was given for (the root, also when the error is inside a
// nested filter on a related entity); Path is the dotted path of the offending key inside the
// filter, such as "author.name.$re" or "$or[1].title" ("" for the filter as a whole).
//
// When the cause is a value that does not fit a property's type, Err is the
// [*schema.TypeError] from [schema.ConvertProperty] and errors.As finds it.
type Error struct {
	Entity string
	Path   string
	Msg    string
	Err    error // the underlying error, or nil
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("dorm: filter")
	if e.Entity != "" {
		b.WriteString(" on ")
		b.WriteString(e.Entity)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the underlying error, such as a *schema.TypeError or a JSON syntax error.
func (e *Error) Unwrap() error { return e.Err }

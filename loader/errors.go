package loader

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/dorm-go/dorm/schema"
)

// Error is one mistake in an entity file, at a position.
type Error struct {
	Pos schema.Pos // file (as given), line and column; Line 0 when the mistake concerns the whole file
	Msg string     // what is wrong and what was expected
	Err error      // the underlying error (reading a file, YAML syntax), or nil
}

// Error returns "file:line:col: msg".
func (e *Error) Error() string {
	switch {
	case e.Pos.File == "":
		return e.Msg
	case e.Pos.Line == 0:
		return e.Pos.File + ": " + e.Msg
	case e.Pos.Column == 0:
		return fmt.Sprintf("%s:%d: %s", e.Pos.File, e.Pos.Line, e.Msg)
	}
	return e.Pos.String() + ": " + e.Msg
}

// Unwrap returns the underlying error, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every mistake found by one load, sorted by file, line and column. Every error
// returned by [LoadDir], [LoadFS] and [LoadFiles] is an ErrorList.
type ErrorList []*Error

// Error returns the errors, one a line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sort sorts l by position and removes exact duplicates.
func (l ErrorList) sort() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int {
		return cmp.Or(
			cmp.Compare(a.Pos.File, b.Pos.File),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Msg, b.Msg),
		)
	})
	return slices.CompactFunc(l, func(a, b *Error) bool { return a.Pos == b.Pos && a.Msg == b.Msg })
}

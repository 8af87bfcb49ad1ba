package migrate

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Diagnostic is a destructive change found by [Lint]: it can lose data, or fail on the data
// that is there.
type Diagnostic struct {
	Table  string `json:"table"`
	Column string `json:"column,omitempty"`
	Reason string `json:"reason"`
}

func (d Diagnostic) String() string {
	if d.Column != "" {
		return d.Table + "." + d.Column + ": " + d.Reason
	}
	return d.Table + ": " + d.Reason
}

// Widener is implemented by dialects that know which type changes keep every value; Lint
// reports every other type change as narrowing. Without it every type change is narrowing.
type Widener interface {
	Widens(from, to *Column) bool
}

// LintOptions are the options of [Lint].
type LintOptions struct {
	// Rows counts the rows of a table. nil (an offline plan) assumes every existing table may
	// have rows.
	Rows RowCounter
	// Dialect, when it is a Widener, tells widening type changes from narrowing ones.
	Dialect Dialect
}

// ErrDestructive is matched by a *DestructiveError.
var ErrDestructive = errors.New("migrate: destructive changes")

// DestructiveError refuses a plan with destructive changes; it lists them.
type DestructiveError struct{ Diagnostics []Diagnostic }

func (e *DestructiveError) Error() string {
	var b strings.Builder
	b.WriteString("refusing destructive changes (use --allow-destructive to apply them):")
	for _, d := range e.Diagnostics {
		b.WriteString("\n  " + d.String())
	}
	return b.String()
}

func (e *DestructiveError) Is(target error) bool { return target == ErrDestructive }

// Refuse returns a *DestructiveError listing diags, or nil when there are none or allow is set.
func Refuse(diags []Diagnostic, allow bool) error {
	if len(diags) == 0 || allow {
		return nil
	}
	return &DestructiveError{Diagnostics: diags}
}

// Lint returns a diagnostic for every destructive change: a dropped table or column, a
// narrowed type, enum values removed, and a NOT NULL column without default on a table
// that has rows (added, or made NOT NULL).
func Lint(ctx context.Context, changes []Change, opts LintOptions) ([]Diagnostic, error) {
	var out []Diagnostic
	rows := map[string]int64{}
	hasRows := func(table string) (bool, error) {
		if opts.Rows == nil {
			return true, nil
		}
		n, ok := rows[table]
		if !ok {
			var err error
			if n, err = opts.Rows.CountRows(ctx, table); err != nil {
				return false, err
			}
			rows[table] = n
		}
		return n > 0, nil
	}
	w, _ := opts.Dialect.(Widener)
	for _, c := range changes {
		switch c := c.(type) {
		case *DropTable:
			out = append(out, Diagnostic{Table: c.T.Name, Reason: "table is dropped with its rows"})
		case *ModifyTable:
			table := c.To.Name
			checks := map[string]*Check{}
			for _, s := range c.Changes {
				if d, ok := s.(*DropCheck); ok && d.C.Name != "" {
					checks[d.C.Name] = d.C
				}
			}
			for _, s := range c.Changes {
				switch s := s.(type) {
				case *DropColumn:
					out = append(out, Diagnostic{Table: table, Column: s.C.Name, Reason: "column is dropped with its values"})
				case *AddColumn:
					if !s.C.Nullable && s.C.Default == nil && !s.C.AutoIncrement {
						r, err := hasRows(c.From.Name)
						if err != nil {
							return nil, err
						}
						if r {
							out = append(out, Diagnostic{Table: table, Column: s.C.Name,
								Reason: "NOT NULL column without default is added to a table that has rows"})
						}
					}
				case *ModifyColumn:
					if s.Kind.Is(ChangeType) && (w == nil || !w.Widens(s.From, s.To)) {
						out = append(out, Diagnostic{Table: table, Column: s.To.Name,
							Reason: fmt.Sprintf("type narrowed from %s to %s: values may not fit", s.From.Type, s.To.Type)})
					}
					if s.Kind.Is(ChangeNull) && !s.To.Nullable && s.To.Default == nil {
						r, err := hasRows(c.From.Name)
						if err != nil {
							return nil, err
						}
						if r {
							out = append(out, Diagnostic{Table: table, Column: s.To.Name,
								Reason: "made NOT NULL without default on a table that has rows: NULLs would fail"})
						}
					}
				case *AddCheck:
					old, ok := checks[s.C.Name]
					if !ok {
						continue
					}
					if gone := missingLiterals(old.Expr, s.C.Expr); len(gone) > 0 {
						out = append(out, Diagnostic{Table: table, Column: checkColumn(s.C.Name, table),
							Reason: "enum values removed: " + strings.Join(gone, ", ") + " (rows holding them would fail)"})
					}
				}
			}
		}
	}
	return out, nil
}

var literalRE = regexp.MustCompile(`'(?:[^']|'')*'`)

// missingLiterals returns the string literals of the old check expression that the new
// one no longer has (the enum values that are removed).
func missingLiterals(oldExpr, newExpr string) []string {
	keep := map[string]bool{}
	for _, l := range literalRE.FindAllString(newExpr, -1) {
		keep[l] = true
	}
	var out []string
	for _, l := range literalRE.FindAllString(oldExpr, -1) {
		if !keep[l] {
			out = append(out, l)
		}
	}
	return out
}

// checkColumn recovers the column from a generated check name (<table>_<column>_check).
func checkColumn(name, table string) string {
	s := strings.TrimPrefix(name, table+"_")
	return strings.TrimSuffix(s, "_check")
}

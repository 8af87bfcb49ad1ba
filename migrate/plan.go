package migrate

import (
	"fmt"
	"strings"
)

// Plan is the ordered list of statements that carries out a list of changes.
type Plan struct {
	Statements []Statement
	// DisableForeignKeys asks the executor to run the plan with foreign-key enforcement off
	// on its connection (SQLite table rebuilds), and to check every foreign key before
	// committing.
	DisableForeignKeys bool
}

// Statement is one SQL statement of a plan.
type Statement struct {
	SQL string
	// Comment says what the statement does; files carry it as a "-- " line above it.
	Comment string
}

// SQL returns the plan as a script: each statement followed by ";", with its comment above.
func (p *Plan) SQL() string {
	var b strings.Builder
	for _, s := range p.Statements {
		if s.Comment != "" {
			for _, l := range strings.Split(s.Comment, "\n") {
				b.WriteString("-- " + l + "\n")
			}
		}
		b.WriteString(s.SQL + ";\n")
	}
	return b.String()
}

// SplitSQL splits a script into statements at the semicolons outside quotes and comments;
// comments are dropped and empty statements left out.
func SplitSQL(script string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			out = append(out, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(script); i++ {
		c := script[i]
		switch {
		case c == '-' && i+1 < len(script) && script[i+1] == '-':
			for i < len(script) && script[i] != '\n' {
				i++
			}
			cur.WriteByte('\n')
		case c == '/' && i+1 < len(script) && script[i+1] == '*':
			end := strings.Index(script[i+2:], "*/")
			if end < 0 {
				i = len(script)
			} else {
				i += end + 3
			}
			cur.WriteByte(' ')
		case c == '\'' || c == '"' || c == '`':
			j := i + 1
			for j < len(script) {
				if script[j] == c {
					if j+1 < len(script) && script[j+1] == c { // doubled quote
						j += 2
						continue
					}
					break
				}
				j++
			}
			if j >= len(script) {
				j = len(script) - 1
			}
			cur.WriteString(script[i : j+1])
			i = j
		case c == ';':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// Op is a change as data, for --json and messages.
type Op struct {
	Op     string `json:"op"`
	Table  string `json:"table"`
	Name   string `json:"name,omitempty"` // column, index, foreign key or check
	Detail string `json:"detail,omitempty"`
}

func (o Op) String() string {
	s := o.Op + " " + o.Table
	if o.Name != "" {
		s += "." + o.Name
	}
	if o.Detail != "" {
		s += " (" + o.Detail + ")"
	}
	return s
}

// Describe flattens changes into operations, one per table-level or column-level change.
func Describe(changes []Change) []Op {
	var out []Op
	for _, c := range changes {
		switch c := c.(type) {
		case *AddTable:
			out = append(out, Op{Op: "add table", Table: c.T.Name})
		case *DropTable:
			out = append(out, Op{Op: "drop table", Table: c.T.Name})
		case *RenameTable:
			out = append(out, Op{Op: "rename table", Table: c.To.Name, Detail: "from " + c.From.Name})
		case *ModifyTable:
			for _, s := range c.Changes {
				out = append(out, describeSub(c.To.Name, s))
			}
		}
	}
	return out
}

func describeSub(table string, c Change) Op {
	switch c := c.(type) {
	case *AddColumn:
		return Op{Op: "add column", Table: table, Name: c.C.Name, Detail: c.C.Type}
	case *DropColumn:
		return Op{Op: "drop column", Table: table, Name: c.C.Name}
	case *RenameColumn:
		return Op{Op: "rename column", Table: table, Name: c.To.Name, Detail: "from " + c.From.Name}
	case *ModifyColumn:
		return Op{Op: "modify column", Table: table, Name: c.To.Name, Detail: c.Kind.String()}
	case *AddIndex:
		return Op{Op: "add index", Table: table, Name: c.I.Name, Detail: strings.Join(c.I.Columns, ", ")}
	case *DropIndex:
		return Op{Op: "drop index", Table: table, Name: c.I.Name}
	case *AddForeignKey:
		return Op{Op: "add foreign key", Table: table, Name: strings.Join(c.F.Columns, ","), Detail: fkDetail(c.F)}
	case *DropForeignKey:
		return Op{Op: "drop foreign key", Table: table, Name: strings.Join(c.F.Columns, ","), Detail: fkDetail(c.F)}
	case *AddCheck:
		return Op{Op: "add check", Table: table, Detail: c.C.Expr}
	case *DropCheck:
		return Op{Op: "drop check", Table: table, Detail: c.C.Expr}
	case *ModifyPrimaryKey:
		return Op{Op: "modify primary key", Table: table, Detail: strings.Join(c.To, ", ")}
	}
	return Op{Op: fmt.Sprintf("%T", c), Table: table}
}

func fkDetail(fk *ForeignKey) string {
	s := "references " + fk.RefTable + "(" + strings.Join(fk.RefColumns, ", ") + ")"
	if fk.OnDelete != "" {
		s += " on delete " + strings.ToLower(fk.OnDelete)
	}
	return s
}

// DroppedTables returns the names of the tables that changes drop.
func DroppedTables(changes []Change) map[string]bool {
	dropped := map[string]bool{}
	for _, c := range changes {
		if x, ok := c.(*DropTable); ok {
			dropped[x.T.Name] = true
		}
	}
	return dropped
}

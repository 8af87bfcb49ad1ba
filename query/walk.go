package query

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/dorm-go/dorm/schema"
)

// Walk visits x and the nodes below it depth-first, in order, including the filter inside a
// [Related]. When fn returns false, the children of that node are skipped. Nil nodes are not
// visited.
func Walk(x Expr, fn func(Expr) bool) {
	if x == nil || !fn(x) {
		return
	}
	switch n := x.(type) {
	case And:
		for _, c := range n {
			Walk(c, fn)
		}
	case Or:
		for _, c := range n {
			Walk(c, fn)
		}
	case Not:
		Walk(n.X, fn)
	case *Related:
		if n != nil {
			Walk(n.Where, fn)
		}
	}
}

// String returns a stable, readable form of x for tests and logs, such as
//
//	(Book.title $re "^My" AND Book.author IN Related(Author.name $eq "Jon"))
//
// An empty And is TRUE, an empty Or is FALSE. Values are shown as Go literals: strings quoted,
// times in RFC 3339, nil as null. Do not parse it: it is not a format.
func String(x Expr) string {
	var b strings.Builder
	write(&b, x, true)
	return b.String()
}

func write(b *strings.Builder, x Expr, paren bool) {
	switch n := x.(type) {
	case nil:
		b.WriteString("<nil>")
	case And:
		list(b, []Expr(n), " AND ", "TRUE", paren)
	case Or:
		list(b, []Expr(n), " OR ", "FALSE", paren)
	case Not:
		b.WriteString("NOT ")
		write(b, n.X, true)
	case *Cmp:
		if n == nil {
			b.WriteString("<nil>")
			return
		}
		b.WriteString(propName(n.Prop))
		b.WriteByte(' ')
		b.WriteString(n.Op.String())
		b.WriteByte(' ')
		value(b, n.Value)
	case *Related:
		if n == nil {
			b.WriteString("<nil>")
			return
		}
		b.WriteString(propName(n.Prop))
		b.WriteString(" IN Related(")
		write(b, n.Where, false)
		b.WriteByte(')')
	default:
		fmt.Fprintf(b, "%T", x)
	}
}

func propName(p *schema.Property) string {
	if p == nil {
		return "<nil>"
	}
	return p.String()
}

func list(b *strings.Builder, xs []Expr, sep, empty string, paren bool) {
	if len(xs) == 0 {
		b.WriteString(empty)
		return
	}
	if paren {
		b.WriteByte('(')
	}
	for i, c := range xs {
		if i > 0 {
			b.WriteString(sep)
		}
		write(b, c, true)
	}
	if paren {
		b.WriteByte(')')
	}
}

func value(b *strings.Builder, v any) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(strconv.Quote(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case time.Time:
		b.WriteString(x.Format(time.RFC3339Nano))
	case []byte:
		b.WriteString("0x")
		b.WriteString(hex.EncodeToString(x))
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			value(b, e)
		}
		b.WriteByte(']')
	default:
		fmt.Fprintf(b, "%#v", v)
	}
}

package postgres

import (
	"fmt"
	"strings"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/schema"
)

// BenchmarkUpdate compares the two ways of updating many rows in one round trip: the
// driver's pipelined per-row UPDATEs and one UPDATE ... FROM (VALUES ...).
func BenchmarkUpdate(b *testing.B) {
	for _, rows := range []int{10, 1000} {
		b.Run(fmt.Sprintf("batch/%d", rows), func(b *testing.B) {
			f := openB(b, rows)
			age := f.P("Author", "age")
			for i := 0; i < b.N; i++ {
				op := &drivers.UpdateOp{Entity: f.E("Author")}
				for k := 1; k <= rows; k++ {
					op.Rows = append(op.Rows, drivers.UpdateRow{Key: int64(k), Fields: []*schema.Property{age}, Values: []any{int64(i % 100)}})
				}
				if err := f.d.Update(f.Ctx, op); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("values/%d", rows), func(b *testing.B) {
			f := openB(b, rows)
			for i := 0; i < b.N; i++ {
				var sb strings.Builder
				args := make([]any, 0, 2*rows)
				sb.WriteString(`UPDATE "author" SET "age" = v.age FROM (VALUES `)
				for k := 1; k <= rows; k++ {
					if k > 1 {
						sb.WriteString(", ")
					}
					fmt.Fprintf(&sb, "($%d::integer, $%d::smallint)", 2*k-1, 2*k)
					args = append(args, int64(k), int64(i%100))
				}
				sb.WriteString(`) AS v(id, age) WHERE "author"."id" = v.id`)
				if _, err := f.d.Pool().Exec(f.Ctx, sb.String(), args...); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func openB(b *testing.B, rows int) *fixture {
	b.Helper()
	f := open(b)
	in := make([][]any, rows)
	for i := range in {
		in[i] = []any{t0, t0, fmt.Sprint("a", i), fmt.Sprint("a", i, "@x"), int64(1)}
	}
	op := &drivers.InsertOp{Entity: f.E("Author"), Fields: f.Props("Author", "createdAt", "updatedAt", "name", "email", "version"), Rows: in}
	if err := f.d.Insert(f.Ctx, op); err != nil {
		b.Fatal(err)
	}
	return f
}

package mysql

import (
	"fmt"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// The numbers behind the choices in docs/mysql.md: go test -run X -bench . ./drivers/mysql/

// BenchmarkInsert100: 100 rows of BookTag per operation, in each insert mode.
func BenchmarkInsert100(b *testing.B) {
	for _, proto := range []string{"interpolateParams=true", "interpolateParams=false"} {
		for _, mode := range []InsertMode{InsertReturning, InsertLastID, InsertPerRow} {
			b.Run(proto+"/"+mode.String(), func(b *testing.B) {
				f := open(b, proto)
				f.d.SetInsertMode(mode)
				tag := f.E("BookTag")
				fields := f.Props("BookTag", "name")
				n := 0
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					rows := make([][]any, 100)
					for j := range rows {
						n++
						rows[j] = []any{fmt.Sprintf("t%d", n)}
					}
					if err := f.d.Insert(f.Ctx, &drivers.InsertOp{Entity: tag, Fields: fields, Rows: rows}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkUpdate100: 100 rows, each its own value, per-row prepared statements (the Runner's
// Update) against one UPDATE … SET name = CASE id WHEN … END WHERE id IN (…).
func BenchmarkUpdate100(b *testing.B) {
	f := open(b)
	tag := f.E("BookTag")
	rows := make([][]any, 100)
	for j := range rows {
		rows[j] = []any{fmt.Sprintf("t%d", j)}
	}
	op := &drivers.InsertOp{Entity: tag, Fields: f.Props("BookTag", "name"), Rows: rows}
	if err := f.d.Insert(f.Ctx, op); err != nil {
		b.Fatal(err)
	}
	name := f.P("BookTag", "name")
	b.Run("per-row", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			up := &drivers.UpdateOp{Entity: tag}
			for j, id := range op.Generated {
				up.Rows = append(up.Rows, drivers.UpdateRow{Key: id, Fields: []*schema.Property{name}, Values: []any{fmt.Sprintf("u%d-%d", i, j)}})
			}
			if err := f.d.Update(f.Ctx, up); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("case-when", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			q := "UPDATE `book_tag` SET `name` = CASE `id`"
			var args, keys []any
			in := ""
			for j, id := range op.Generated {
				q += " WHEN ? THEN ?"
				args = append(args, id, fmt.Sprintf("c%d-%d", i, j))
				keys = append(keys, id)
				if j > 0 {
					in += ", "
				}
				in += "?"
			}
			q += " END WHERE `id` IN (" + in + ")"
			if _, err := f.d.Exec(f.Ctx, "BookTag", q, append(args, keys...)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkFindByKey: one row by key, with arguments interpolated (one round trip) or through
// a server-side prepared statement per query (prepare, execute, close).
func BenchmarkFindByKey(b *testing.B) {
	for _, proto := range []string{"interpolateParams=true", "interpolateParams=false"} {
		b.Run(proto, func(b *testing.B) {
			f := open(b, proto)
			gen := f.Insert("BookTag", []string{"name"}, []any{"x"})
			op := &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id", "name"),
				Where: &query.Cmp{Prop: f.P("BookTag", "id"), Op: query.Eq, Value: gen[0]}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := f.d.Find(f.Ctx, op, func([]any) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

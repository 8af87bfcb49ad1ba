package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/schema"
)

// BenchmarkFindBooks reads 10,000 books with every column through Find (decoded to schema Go
// types) and, for comparison, with database/sql into []map[string]any.
func BenchmarkFindBooks(b *testing.B) {
	ctx := context.Background()
	drv, reg := benchDB(b)
	book := ent(b, reg, "Book")
	fields := book.Columns()
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), t0, t0, "title", "desc", "9.99", int64(i), 1.5,
			map[string]any{"k": "v"}, nil, "draft", int64(1), nil}
	}
	if err := drv.Insert(ctx, &drivers.InsertOp{Entity: book, Fields: fields, Rows: rows}); err != nil {
		b.Fatal(err)
	}
	b.Run("Find", func(b *testing.B) {
		for b.Loop() {
			n := 0
			err := drv.Find(ctx, &drivers.FindOp{Entity: book, Fields: fields}, func(row []any) error { n++; return nil })
			if err != nil || n != 10000 {
				b.Fatal(err, n)
			}
		}
	})
	b.Run("MapScan", func(b *testing.B) {
		q := `SELECT * FROM "book"`
		for b.Loop() {
			rs, err := drv.DB().QueryContext(ctx, q)
			if err != nil {
				b.Fatal(err)
			}
			cols, _ := rs.Columns()
			var out []map[string]any
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rs.Next() {
				if err := rs.Scan(ptrs...); err != nil {
					b.Fatal(err)
				}
				m := make(map[string]any, len(cols))
				for i, c := range cols {
					m[c] = vals[i]
				}
				out = append(out, m)
			}
			rs.Close()
			if len(out) == 0 {
				b.Fatal("no rows scanned")
			}
		}
	})
	b.Run("Insert1000", func(b *testing.B) {
		tag := ent(b, reg, "BookTag")
		name := prop(b, reg, "BookTag", "name")
		i := 0
		for b.Loop() {
			rows := make([][]any, 1000)
			for j := range rows {
				i++
				rows[j] = []any{fmt.Sprint("t", i)}
			}
			if err := drv.Insert(ctx, &drivers.InsertOp{Entity: tag, Fields: []*schema.Property{name}, Rows: rows}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkInsertBooksTx inserts 10,000 books in one transaction as a flush does (two
// operations of 5,000 rows, 20 statements of 500 rows); the rollback is not timed.
func BenchmarkInsertBooksTx(b *testing.B) {
	ctx := context.Background()
	drv, reg := benchDB(b)
	book := ent(b, reg, "Book")
	fields := book.Columns()
	now := time.Now().UTC().Truncate(time.Microsecond)
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), now, now, fmt.Sprint("title", i), nil, "9.99", int64(i), nil,
			nil, nil, "draft", int64(1), nil}
	}
	for b.Loop() {
		tx, err := drv.Begin(ctx, drivers.TxOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for k := range 2 {
			if err := tx.Insert(ctx, &drivers.InsertOp{Entity: book, Fields: fields, Rows: rows[k*5000 : (k+1)*5000]}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		tx.Rollback(ctx)
		b.StartTimer()
	}
}

// benchDB opens a new database file with the example schema and one author (key 1); the
// benchmark's cleanup closes it.
func benchDB(b *testing.B) (*Driver, *schema.Registry) {
	ctx := context.Background()
	drv, err := OpenDSN(ctx, "file:"+filepath.Join(b.TempDir(), "b.db"), drivers.Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { drv.Close() })
	reg := exampleRegistry(b)
	if err := drv.CreateSchema(ctx, reg); err != nil {
		b.Fatal(err)
	}
	if err := drv.Insert(ctx, &drivers.InsertOp{Entity: ent(b, reg, "Author"), Fields: []*schema.Property{prop(b, reg, "Author", "createdAt"),
		prop(b, reg, "Author", "updatedAt"), prop(b, reg, "Author", "name"), prop(b, reg, "Author", "email"), prop(b, reg, "Author", "version")},
		Rows: [][]any{{t0, t0, "a", "a@b", int64(1)}}}); err != nil {
		b.Fatal(err)
	}
	return drv, reg
}

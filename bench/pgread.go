package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/postgres"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/dynamic"
)

func init() {
	describe["P3PG"] = "PostgreSQL: load 10,000 Books (all 13 columns) from a database seeded once; timed: the query and turning every row into a value"
}

const (
	p3pgGorm = "GORM Find into []struct"
	p3pgBun  = "Bun into []struct"
)

// p3pgContenders seeds the benchmark database with P1's rows (raw pgx, untimed) and returns
// the readers, each with its own pool of the same size kept open across runs. After each run
// the rows read are checked (untimed): 10,000 books whose pages add up to what was written.
func p3pgContenders(ctx context.Context, env *Env) []contender {
	pg := pgEnv(ctx, env)
	if err := pg.truncate(ctx); err != nil {
		fatal(err)
	}
	if err := p2MultiRow(ctx, pg.pool, newP1Data(), 1000); err != nil {
		fatal(err)
	}
	var wantPages int64
	if err := pg.pool.QueryRow(ctx, `SELECT sum(pages) FROM book`).Scan(&wantPages); err != nil {
		fatal(err)
	}
	if _, err := pg.pool.Exec(ctx, `VACUUM ANALYZE "book"`); err != nil {
		fatal(err)
	}
	// The SELECT dorm runs for m.Find(ctx, "Book", nil): every column of Book.
	meta, _ := env.Registry().Entity("Book")
	st, err := sqlbase.Find(postgres.Dialect{}, &drivers.FindOp{Entity: meta, Fields: meta.Columns()})
	if err != nil {
		fatal(err)
	}
	fmt.Printf("   query: %s\n", st.SQL)
	orm, pool := pg.orm, pg.pool
	bdb := pg.openBun(ctx)
	gdb := pg.openGorm(ctx)
	// timed measures load and then checks the number of rows and the sum of pages.
	timed := func(load func() error, check func() (n int, pages int64)) (time.Duration, error) {
		d, err := measure(load)
		if err != nil {
			return 0, err
		}
		if n, pages := check(); n != p1Books || pages != wantPages {
			return 0, fmt.Errorf("loaded %d rows with %d pages, want %d with %d", n, pages, p1Books, wantPages)
		}
		return d, nil
	}
	return []contender{
		{name: `dorm (m.Find(ctx, "Book", nil), new fork)`, dorm: true, run: func(ctx context.Context, run int) (time.Duration, error) {
			var books []*dynamic.Entity
			return timed(func() (err error) {
				books, err = orm.Fork().Find(ctx, "Book", nil)
				return err
			}, func() (int, int64) {
				var pages int64
				for _, b := range books {
					pages += b.Get("pages").(int64)
				}
				return len(books), pages
			})
		}},
		{name: "pgx into []map[string]any (pgx.RowToMap)", baseline: true, run: func(ctx context.Context, run int) (time.Duration, error) {
			var out []map[string]any
			return timed(func() error {
				rows, err := pool.Query(ctx, st.SQL, st.Args...)
				if err != nil {
					return err
				}
				out, err = pgx.CollectRows(rows, pgx.RowToMap)
				return err
			}, func() (int, int64) {
				var pages int64
				for _, m := range out {
					pages += int64(m["pages"].(int32))
				}
				return len(out), pages
			})
		}},
		{name: p3pgBun, run: func(ctx context.Context, run int) (time.Duration, error) {
			var books []pgBunBook
			return timed(func() error {
				return bdb.NewSelect().Model(&books).Scan(ctx)
			}, func() (int, int64) {
				return len(books), sumPages(len(books), func(i int) *int64 { return books[i].Pages })
			})
		}},
		{name: p3pgGorm, run: func(ctx context.Context, run int) (time.Duration, error) {
			var books []pgGormBook
			return timed(func() error {
				return gdb.WithContext(ctx).Find(&books).Error
			}, func() (int, int64) {
				return len(books), sumPages(len(books), func(i int) *int64 { return books[i].Pages })
			})
		}},
	}
}

func sumPages(n int, at func(i int) *int64) int64 {
	var s int64
	for i := range n {
		if p := at(i); p != nil {
			s += *p
		}
	}
	return s
}

func p3pgVerdicts() []string {
	return peerVerdicts("P3PG", map[string]float64{p3pgGorm: 1, p3pgBun: 1})
}

package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/sqlbase"
	"github.com/dorm-go/dorm/drivers/sqlite"
)

// p3Contenders seeds one database with P1's rows (1,000 authors, 10,000 books) and returns
// the readers. Every contender keeps its own connection pool open across runs.
func p3Contenders(ctx context.Context, env *Env) []contender {
	path, err := env.NewDB(ctx, "p3")
	if err != nil {
		fatal(err)
	}
	if _, err := withSQL(ctx, env, path, func(db *sql.DB) error { return p1PerRow(ctx, db, newP1Data()) }); err != nil {
		fatal(err)
	}
	orm, err := env.OpenORM(ctx, path)
	if err != nil {
		fatal(err)
	}
	if err := checkPragmas(ctx, "dorm", orm.Driver().(*sqlite.Driver).DB()); err != nil {
		fatal(err)
	}
	open := func() *sql.DB {
		db, err := env.OpenSQL(ctx, path)
		if err != nil {
			fatal(err)
		}
		if err := checkPragmas(ctx, "database/sql", db); err != nil {
			fatal(err)
		}
		return db
	}
	// The SELECT dorm runs for m.Find(ctx, "Book", nil): every column of Book.
	meta, _ := env.Registry().Entity("Book")
	st, err := sqlbase.Find(sqlite.Dialect{}, &drivers.FindOp{Entity: meta, Fields: meta.Columns()})
	if err != nil {
		fatal(err)
	}
	fmt.Printf("   query: %s\n", st.SQL)
	sqlDB := open()
	bunDB := openBun(open())
	gormDB, err := openGorm(open())
	if err != nil {
		fatal(err)
	}
	timed := func(n func() (int, error)) (time.Duration, error) {
		var got int
		d, err := measure(func() (err error) { got, err = n(); return err })
		if err != nil {
			return 0, err
		}
		if got != p1Books {
			return 0, fmt.Errorf("loaded %d rows, want %d", got, p1Books)
		}
		return d, nil
	}
	return []contender{
		{name: `dorm (m.Find(ctx, "Book", nil), new fork)`, dorm: true, run: func(ctx context.Context, run int) (time.Duration, error) {
			return timed(func() (int, error) {
				books, err := orm.Fork().Find(ctx, "Book", nil)
				return len(books), err
			})
		}},
		{name: "database/sql into []map[string]any", baseline: true, run: func(ctx context.Context, run int) (time.Duration, error) {
			return timed(func() (int, error) {
				out, err := scanMaps(ctx, sqlDB, st.SQL)
				return len(out), err
			})
		}},
		{name: "Bun into []struct", run: func(ctx context.Context, run int) (time.Duration, error) {
			return timed(func() (int, error) {
				var books []bunBookRead
				err := bunDB.NewSelect().Model(&books).Scan(ctx)
				return len(books), err
			})
		}},
		{name: "GORM Find into []struct", run: func(ctx context.Context, run int) (time.Duration, error) {
			return timed(func() (int, error) {
				var books []gormBookRead
				err := gormDB.WithContext(ctx).Find(&books).Error
				return len(books), err
			})
		}},
	}
}

// scanMaps is the baseline of P3: each row as a map from column name to the scanned value.
func scanMaps(ctx context.Context, db *sql.DB, query string) ([]map[string]any, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var out []map[string]any
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			m[c] = vals[i]
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

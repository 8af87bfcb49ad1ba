package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/dorm-go/dorm/drivers/sqlite"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"gorm.io/gorm"
)

const (
	p1Authors        = 1000
	p1BooksPerAuthor = 10
	p1Books          = p1Authors * p1BooksPerAuthor
	multiRowChunk    = 500 // rows per multi-row INSERT (13 columns: 6,500 parameters)
	peerBatch        = 1000
)

// p1Data is the input of P1, made once and untimed: what a program would have in hand
// before it writes (names, titles, prices as text, page counts, statuses).
type p1Data struct {
	names, emails            []string
	titles, prices, statuses []string
	pages                    []int64
}

func newP1Data() *p1Data {
	d := &p1Data{}
	for i := range p1Authors {
		d.names = append(d.names, fmt.Sprintf("Author %d", i))
		d.emails = append(d.emails, fmt.Sprintf("author%d@example.com", i))
	}
	statuses := []string{"draft", "published"}
	for j := range p1Books {
		d.titles = append(d.titles, fmt.Sprintf("Book %d", j))
		d.prices = append(d.prices, fmt.Sprintf("%d.%02d", 5+j%50, j%100))
		d.pages = append(d.pages, int64(100+j%400))
		d.statuses = append(d.statuses, statuses[j%2])
	}
	return d
}

// nowText is the onCreate time as dorm stores it: UTC, microseconds, sqlite.DateTimeLayout.
func nowText() string {
	return time.Now().UTC().Truncate(time.Microsecond).Format(sqlite.DateTimeLayout)
}

// The columns dorm's insert writes (every column but the autoincrement key), in its order.
const (
	authorCols = `"created_at", "updated_at", "name", "email", "age", "terms_accepted", "born", "identities", "rating", "password", "version", "favourite_book_id", "mentor_id"`
	bookCols   = `"id", "created_at", "updated_at", "title", "description", "price", "pages", "weight", "meta", "cover", "status", "author_id", "publisher_id"`
)

func p1Contenders(env *Env) []contender {
	d := newP1Data()
	// fresh runs fn on a new database and removes it afterwards; the warm-up run (-1) also
	// checks what was written.
	fresh := func(name string, fn func(ctx context.Context, path string) (time.Duration, error)) func(context.Context, int) (time.Duration, error) {
		return func(ctx context.Context, run int) (time.Duration, error) {
			path, err := env.NewDB(ctx, "p1")
			if err != nil {
				return 0, err
			}
			defer env.Remove(path)
			t, err := fn(ctx, path)
			if err != nil {
				return 0, err
			}
			if run < 0 {
				if err := checkP1(ctx, env, name, path); err != nil {
					return 0, err
				}
			}
			return t, nil
		}
	}
	return []contender{
		{name: "dorm (Create x11,000 + Flush)", dorm: true, run: fresh("dorm", func(ctx context.Context, path string) (time.Duration, error) {
			orm, err := env.OpenORM(ctx, path)
			if err != nil {
				return 0, err
			}
			defer orm.Close()
			if err := checkPragmas(ctx, "dorm", orm.Driver().(*sqlite.Driver).DB()); err != nil {
				return 0, err
			}
			return measure(func() error {
				m := orm.Fork()
				authors := make([]*dynamic.Entity, p1Authors)
				for i := range authors {
					a, err := m.Create("Author", map[string]any{"name": d.names[i], "email": d.emails[i]})
					if err != nil {
						return err
					}
					authors[i] = a
				}
				for j := range p1Books {
					_, err := m.Create("Book", map[string]any{"title": d.titles[j], "author": authors[j/p1BooksPerAuthor],
						"price": d.prices[j], "pages": d.pages[j], "status": d.statuses[j]})
					if err != nil {
						return err
					}
				}
				t := time.Now()
				err := m.Flush(ctx)
				p1Flush = append(p1Flush, time.Since(t))
				return err
			})
		})},
		{name: "database/sql, prepared per-row INSERT", baseline: true, run: fresh("per-row", func(ctx context.Context, path string) (time.Duration, error) {
			return withSQL(ctx, env, path, func(db *sql.DB) error { return p1PerRow(ctx, db, d) })
		})},
		{name: "database/sql, multi-row INSERT (500 rows)", baseline: true, run: fresh("multi-row", func(ctx context.Context, path string) (time.Duration, error) {
			return withSQL(ctx, env, path, func(db *sql.DB) error { return p1MultiRow(ctx, db, d) })
		})},
		{name: "GORM CreateInBatches (1000)", run: fresh("gorm", func(ctx context.Context, path string) (time.Duration, error) {
			var gdb *gorm.DB
			return withSQLSetup(ctx, env, path, func(db *sql.DB) (err error) { gdb, err = openGorm(db); return err },
				func(*sql.DB) error { return p1Gorm(gdb, d) })
		})},
		{name: "Bun bulk insert (1000 per statement)", run: fresh("bun", func(ctx context.Context, path string) (time.Duration, error) {
			var bdb *bun.DB
			return withSQLSetup(ctx, env, path, func(db *sql.DB) error { bdb = openBun(db); return nil },
				func(*sql.DB) error { return p1Bun(ctx, bdb, d) })
		})},
	}
}

// withSQL opens path with database/sql (untimed) and times fn.
func withSQL(ctx context.Context, env *Env, path string, fn func(db *sql.DB) error) (time.Duration, error) {
	return withSQLSetup(ctx, env, path, nil, fn)
}

func withSQLSetup(ctx context.Context, env *Env, path string, setup, fn func(db *sql.DB) error) (time.Duration, error) {
	db, err := env.OpenSQL(ctx, path)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	if err := checkPragmas(ctx, "database/sql", db); err != nil {
		return 0, err
	}
	if setup != nil {
		if err := setup(db); err != nil {
			return 0, err
		}
	}
	return measure(func() error { return fn(db) })
}

// p1PerRow is the hand-written baseline: one transaction, one prepared INSERT per table
// executed per row, keys from LastInsertId.
func p1PerRow(ctx context.Context, db *sql.DB, d *p1Data) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := nowText()
	sa, err := tx.PrepareContext(ctx, `INSERT INTO "author" (`+authorCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	ids := make([]int64, p1Authors)
	for i := range ids {
		res, err := sa.ExecContext(ctx, now, now, d.names[i], d.emails[i], nil, int64(0), nil, nil, nil, nil, int64(1), nil, nil)
		if err != nil {
			return err
		}
		if ids[i], err = res.LastInsertId(); err != nil {
			return err
		}
	}
	sa.Close()
	sb, err := tx.PrepareContext(ctx, `INSERT INTO "book" (`+bookCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	for j := range p1Books {
		_, err := sb.ExecContext(ctx, uuid.NewString(), now, now, d.titles[j], nil, d.prices[j], d.pages[j], nil, nil, nil, d.statuses[j], ids[j/p1BooksPerAuthor], nil)
		if err != nil {
			return err
		}
	}
	sb.Close()
	return tx.Commit()
}

// p1MultiRow writes multiRowChunk rows per INSERT. The author keys are the LastInsertId of
// each statement counted back: AUTOINCREMENT keys of one statement are consecutive in a
// transaction that holds the write lock (checked afterwards by checkP1).
func p1MultiRow(ctx context.Context, db *sql.DB, d *p1Data) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := nowText()
	ids := make([]int64, p1Authors)
	err = chunked(ctx, tx, `INSERT INTO "author" (`+authorCols+`) VALUES `, 13, p1Authors, func(i int, args []any) []any {
		return append(args, now, now, d.names[i], d.emails[i], nil, int64(0), nil, nil, nil, nil, int64(1), nil, nil)
	}, func(from, to int, res sql.Result) error {
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		for i := from; i < to; i++ {
			ids[i] = last - int64(to-1-i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = chunked(ctx, tx, `INSERT INTO "book" (`+bookCols+`) VALUES `, 13, p1Books, func(j int, args []any) []any {
		return append(args, uuid.NewString(), now, now, d.titles[j], nil, d.prices[j], d.pages[j], nil, nil, nil, d.statuses[j], ids[j/p1BooksPerAuthor], nil)
	}, nil)
	if err != nil {
		return err
	}
	return tx.Commit()
}

// chunked inserts n rows of cols columns, multiRowChunk per statement; the full-size
// statement is prepared once.
func chunked(ctx context.Context, tx *sql.Tx, prefix string, cols, n int, rowArgs func(i int, args []any) []any, done func(from, to int, res sql.Result) error) error {
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	stmtFor := func(rows int) string {
		return prefix + strings.TrimSuffix(strings.Repeat(tuple+", ", rows), ", ")
	}
	var full *sql.Stmt
	args := make([]any, 0, multiRowChunk*cols)
	for from := 0; from < n; from += multiRowChunk {
		to := min(from+multiRowChunk, n)
		args = args[:0]
		for i := from; i < to; i++ {
			args = rowArgs(i, args)
		}
		var res sql.Result
		var err error
		if to-from == multiRowChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, stmtFor(multiRowChunk)); err != nil {
					return err
				}
				defer full.Close()
			}
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, stmtFor(to-from), args...)
		}
		if err != nil {
			return err
		}
		if done != nil {
			if err := done(from, to, res); err != nil {
				return err
			}
		}
	}
	return nil
}

func p1Gorm(gdb *gorm.DB, d *p1Data) error {
	return gdb.Transaction(func(tx *gorm.DB) error {
		now := nowText()
		authors := make([]gormAuthor, p1Authors)
		for i := range authors {
			authors[i] = gormAuthor{CreatedAt: now, UpdatedAt: now, Name: d.names[i], Email: d.emails[i], Version: 1}
		}
		if err := tx.CreateInBatches(&authors, peerBatch).Error; err != nil {
			return err
		}
		books := make([]gormBook, p1Books)
		for j := range books {
			books[j] = gormBook{ID: uuid.NewString(), CreatedAt: now, UpdatedAt: now, Title: d.titles[j], Price: &d.prices[j],
				Pages: &d.pages[j], Status: d.statuses[j], AuthorID: authors[j/p1BooksPerAuthor].ID}
		}
		return tx.CreateInBatches(&books, peerBatch).Error
	})
}

func p1Bun(ctx context.Context, bdb *bun.DB, d *p1Data) error {
	return bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := nowText()
		authors := make([]bunAuthor, p1Authors)
		for i := range authors {
			authors[i] = bunAuthor{CreatedAt: now, UpdatedAt: now, Name: d.names[i], Email: d.emails[i], Version: 1}
		}
		for from := 0; from < len(authors); from += peerBatch {
			chunk := authors[from:min(from+peerBatch, len(authors))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		books := make([]bunBook, p1Books)
		for j := range books {
			books[j] = bunBook{ID: uuid.NewString(), CreatedAt: now, UpdatedAt: now, Title: d.titles[j], Price: &d.prices[j],
				Pages: &d.pages[j], Status: d.statuses[j], AuthorID: authors[j/p1BooksPerAuthor].ID}
		}
		for from := 0; from < len(books); from += peerBatch {
			chunk := books[from:min(from+peerBatch, len(books))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		return nil
	})
}

// p1Signature describes what P1 wrote, to check that every contender wrote the same: the
// storage class (and length of the times and keys) of every column, and sums of the values.
const p1Signature = `
SELECT (SELECT group_concat(sig || ' x' || n, '; ') FROM (SELECT typeof(created_at)||length(created_at)||','||typeof(updated_at)||length(updated_at)||','||
        typeof(name)||','||typeof(email)||','||typeof(age)||','||typeof(terms_accepted)||terms_accepted||','||typeof(born)||','||typeof(identities)||','||
        typeof(rating)||','||typeof(password)||','||typeof(version)||version||','||typeof(favourite_book_id)||','||typeof(mentor_id) AS sig, count(*) AS n
        FROM author GROUP BY sig)),
       (SELECT group_concat(sig || ' x' || n, '; ') FROM (SELECT typeof(id)||length(id)||','||typeof(created_at)||length(created_at)||','||typeof(updated_at)||length(updated_at)||','||
        typeof(title)||','||typeof(description)||','||typeof(price)||','||typeof(pages)||','||typeof(weight)||','||typeof(meta)||','||typeof(cover)||','||
        typeof(status)||','||typeof(author_id)||','||typeof(publisher_id) AS sig, count(*) AS n FROM book GROUP BY sig)),
       (SELECT sum(pages)||' '||printf('%.2f', total(price))||' '||sum(status = 'published')||' '||count(DISTINCT id) FROM book),
       (SELECT count(*) FROM book b JOIN author a ON a.id = b.author_id
         WHERE a.name = 'Author ' || (CAST(substr(b.title, 6) AS INTEGER) / 10) AND a.email = 'author' || (CAST(substr(b.title, 6) AS INTEGER) / 10) || '@example.com')`

var p1Want string

// p1Flush holds the time of dorm's m.Flush alone in each P1 run (the rest is m.Create).
var p1Flush []time.Duration

func checkP1(ctx context.Context, env *Env, who, path string) error {
	db, err := env.OpenSQL(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	var a, b, sums string
	var linked int
	if err := db.QueryRowContext(ctx, p1Signature).Scan(&a, &b, &sums, &linked); err != nil {
		return err
	}
	if linked != p1Books {
		return fmt.Errorf("%s: %d books linked to the right author, want %d", who, linked, p1Books)
	}
	got := "author: " + a + "\n  book: " + b + "\n  sums: " + sums
	if p1Want == "" {
		p1Want = got
		fmt.Printf("   written (checked the same for every contender):\n  %s\n", got)
	} else if got != p1Want {
		return fmt.Errorf("%s wrote different rows:\n  %s\nthe first contender wrote:\n  %s", who, got, p1Want)
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"gorm.io/gorm"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

func init() {
	describe["P2"] = "PostgreSQL: insert 1,000 Authors + 10,000 Books (P1's rows) in one transaction; tables truncated before each run (untimed); timed: building the rows + all inserts + commit"
}

// p2Flush holds the time of dorm's m.Flush alone in each P2 run.
var p2Flush []time.Duration

// The names of the P2 contenders that the verdicts refer to.
const (
	p2Copy = "pgx CopyFrom (books), authors INSERT … RETURNING"
	p2Gorm = "GORM CreateInBatches (1000)"
	p2Bun  = "Bun bulk insert (1000 per statement)"
)

// pgBookCols are the columns of bookCols (dorm's insert order) for CopyFrom.
var pgBookCols = strings.Split(strings.NewReplacer(`"`, "", " ", "").Replace(bookCols), ",")

// insertSQL is a hand-written multi-row INSERT of rows rows of cols columns, made once per
// size and kept (as a program would keep its statements).
var insertSQL = struct {
	sync.Mutex
	m map[string]string
}{m: map[string]string{}}

func pgInsertSQL(table, cols string, ncols, rows int, suffix string) string {
	key := table + "/" + strconv.Itoa(rows) + suffix
	insertSQL.Lock()
	defer insertSQL.Unlock()
	if s, ok := insertSQL.m[key]; ok {
		return s
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO "` + table + `" (` + cols + `) VALUES `)
	n := 1
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range ncols {
			if c > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			n++
		}
		b.WriteByte(')')
	}
	b.WriteString(suffix)
	insertSQL.m[key] = b.String()
	return insertSQL.m[key]
}

func p2Contenders(ctx context.Context, env *Env) []contender {
	pg := pgEnv(ctx, env)
	d := newP1Data()
	orm := pg.orm
	pool := pg.pool
	gdb := pg.openGorm(ctx)
	bdb := pg.openBun(ctx)
	// fresh empties the tables (untimed) before fn; the warm-up run (-1) also checks what
	// was written.
	fresh := func(name string, fn func(ctx context.Context) (time.Duration, error)) func(context.Context, int) (time.Duration, error) {
		return func(ctx context.Context, run int) (time.Duration, error) {
			if err := pg.truncate(ctx); err != nil {
				return 0, err
			}
			t, err := fn(ctx)
			if err != nil {
				return 0, err
			}
			if run < 0 {
				if err := checkP2(ctx, pool, name); err != nil {
					return 0, err
				}
			}
			return t, nil
		}
	}
	return []contender{
		{name: "dorm (Create x11,000 + Flush)", dorm: true, run: fresh("dorm", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2Dorm(ctx, orm, d) })
		})},
		{name: "pgx multi-row INSERT … RETURNING (1000 rows/stmt)", baseline: true, run: fresh("pgx-1000", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2MultiRow(ctx, pool, d, 1000) })
		})},
		{name: "pgx multi-row INSERT … RETURNING (5041 rows/stmt, as dorm)", baseline: true, run: fresh("pgx-5041", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2MultiRow(ctx, pool, d, 65535/13) })
		})},
		{name: p2Copy, run: fresh("copy", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2Copy2(ctx, pool, d) })
		})},
		{name: p2Gorm, run: fresh("gorm", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2Gorm2(gdb, d) })
		})},
		{name: p2Bun, run: fresh("bun", func(ctx context.Context) (time.Duration, error) {
			return measure(func() error { return p2Bun2(ctx, bdb, d) })
		})},
	}
}

func p2Verdicts() []string {
	out := peerVerdicts("P2", map[string]float64{p2Copy: 1.3, p2Gorm: 1, p2Bun: 1})
	if len(p2Flush) > *runs {
		out = append(out, fmt.Sprintf("P2: dorm's m.Flush alone: %s (median of the timed runs; the rest is 11,000 x m.Create)", ms(median(p2Flush[1:]))))
	}
	return out
}

func p2Dorm(ctx context.Context, orm *em.ORM, d *p1Data) error {
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
	p2Flush = append(p2Flush, time.Since(t))
	return err
}

// p2InsertAuthors writes the authors with multi-row INSERT … RETURNING "id" of chunk rows
// and returns their keys (PostgreSQL returns the rows of a VALUES list in order).
func p2InsertAuthors(ctx context.Context, tx pgx.Tx, d *p1Data, now time.Time, chunk int) ([]int64, error) {
	ids := make([]int64, 0, p1Authors)
	args := make([]any, 0, min(chunk, p1Authors)*13)
	for from := 0; from < p1Authors; from += chunk {
		to := min(from+chunk, p1Authors)
		args = args[:0]
		for i := from; i < to; i++ {
			args = append(args, now, now, d.names[i], d.emails[i], nil, false, nil, nil, nil, nil, int64(1), nil, nil)
		}
		rows, err := tx.Query(ctx, pgInsertSQL("author", authorCols, 13, to-from, ` RETURNING "id"`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(ids) != p1Authors {
		return nil, fmt.Errorf("%d author ids returned", len(ids))
	}
	return ids, nil
}

// p2MultiRow is the hand-written baseline: one transaction, multi-row INSERTs of chunk
// rows (authors with RETURNING "id", books with client-side uuids).
func p2MultiRow(ctx context.Context, pool *pgxpool.Pool, d *p1Data, chunk int) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	now := time.Now().UTC()
	ids, err := p2InsertAuthors(ctx, tx, d, now, chunk)
	if err != nil {
		return err
	}
	args := make([]any, 0, min(chunk, p1Books)*13)
	for from := 0; from < p1Books; from += chunk {
		to := min(from+chunk, p1Books)
		args = args[:0]
		for j := from; j < to; j++ {
			args = append(args, uuid.NewString(), now, now, d.titles[j], nil, d.prices[j], d.pages[j], nil, nil, nil, d.statuses[j], ids[j/p1BooksPerAuthor], nil)
		}
		if _, err := tx.Exec(ctx, pgInsertSQL("book", bookCols, 13, to-from, ""), args...); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// p2Copy2 writes the authors as p2MultiRow does (COPY can't return the generated keys) and
// the books with COPY (pgx CopyFrom, binary format: uuid as [16]byte, price as
// pgtype.Numeric parsed from the text).
func p2Copy2(ctx context.Context, pool *pgxpool.Pool, d *p1Data) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	now := time.Now().UTC()
	ids, err := p2InsertAuthors(ctx, tx, d, now, p1Authors)
	if err != nil {
		return err
	}
	rows := make([][]any, p1Books)
	for j := range rows {
		var price pgtype.Numeric
		if err := price.Scan(d.prices[j]); err != nil {
			return err
		}
		rows[j] = []any{uuid.New(), now, now, d.titles[j], nil, price, d.pages[j], nil, nil, nil, d.statuses[j], ids[j/p1BooksPerAuthor], nil}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"book"}, pgBookCols, pgx.CopyFromRows(rows))
	if err != nil {
		return err
	}
	if n != p1Books {
		return fmt.Errorf("COPY wrote %d rows", n)
	}
	return tx.Commit(ctx)
}

func p2Gorm2(gdb *gorm.DB, d *p1Data) error {
	return gdb.Transaction(func(tx *gorm.DB) error {
		now := time.Now().UTC()
		authors := make([]pgGormAuthor, p1Authors)
		for i := range authors {
			authors[i] = pgGormAuthor{CreatedAt: now, UpdatedAt: now, Name: d.names[i], Email: d.emails[i], Version: 1}
		}
		if err := tx.CreateInBatches(&authors, peerBatch).Error; err != nil {
			return err
		}
		books := make([]pgGormBook, p1Books)
		for j := range books {
			books[j] = pgGormBook{ID: uuid.NewString(), CreatedAt: now, UpdatedAt: now, Title: d.titles[j], Price: &d.prices[j],
				Pages: &d.pages[j], Status: d.statuses[j], AuthorID: authors[j/p1BooksPerAuthor].ID}
		}
		return tx.CreateInBatches(&books, peerBatch).Error
	})
}

func p2Bun2(ctx context.Context, bdb *bun.DB, d *p1Data) error {
	return bdb.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		now := time.Now().UTC()
		authors := make([]pgBunAuthor, p1Authors)
		for i := range authors {
			authors[i] = pgBunAuthor{CreatedAt: now, UpdatedAt: now, Name: d.names[i], Email: d.emails[i], Version: 1}
		}
		for from := 0; from < len(authors); from += peerBatch {
			chunk := authors[from:min(from+peerBatch, len(authors))]
			if _, err := tx.NewInsert().Model(&chunk).Exec(ctx); err != nil {
				return err
			}
		}
		books := make([]pgBunBook, p1Books)
		for j := range books {
			books[j] = pgBunBook{ID: uuid.NewString(), CreatedAt: now, UpdatedAt: now, Title: d.titles[j], Price: &d.prices[j],
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

// p2Signature describes what P2 wrote, to check that every contender wrote the same: which
// columns are NULL, the booleans, versions and statuses, that the times are recent and equal,
// sums of the values, and that each book points to the right author.
const p2Signature = `
SELECT (SELECT string_agg(sig || ' x' || n, '; ' ORDER BY sig) FROM (SELECT concat_ws(',', created_at > now() - interval '10 minutes',
          updated_at = created_at, name IS NULL, email IS NULL, age IS NULL, terms_accepted, born IS NULL, identities IS NULL, rating IS NULL,
          password IS NULL, version, favourite_book_id IS NULL, mentor_id IS NULL) AS sig, count(*) AS n FROM author GROUP BY 1) s),
       (SELECT string_agg(sig || ' x' || n, '; ' ORDER BY sig) FROM (SELECT concat_ws(',', created_at > now() - interval '10 minutes',
          updated_at = created_at, title IS NULL, description IS NULL, price IS NULL, pages IS NULL, weight IS NULL, meta IS NULL, cover IS NULL,
          status, publisher_id IS NULL) AS sig, count(*) AS n FROM book GROUP BY 1) s),
       (SELECT sum(pages) || ' ' || sum(price) || ' ' || count(DISTINCT id) || ' ' || count(DISTINCT author_id) FROM book),
       (SELECT count(*) FROM book b JOIN author a ON a.id = b.author_id
         WHERE a.name = 'Author ' || (substr(b.title, 6)::int / 10) AND a.email = 'author' || (substr(b.title, 6)::int / 10) || '@example.com')`

var p2Want string

func checkP2(ctx context.Context, pool *pgxpool.Pool, who string) error {
	var a, b, sums string
	var linked int
	if err := pool.QueryRow(ctx, p2Signature).Scan(&a, &b, &sums, &linked); err != nil {
		return err
	}
	if linked != p1Books {
		return fmt.Errorf("%s: %d books linked to the right author, want %d", who, linked, p1Books)
	}
	got := "author: " + a + "\n  book: " + b + "\n  sums: " + sums
	if p2Want == "" {
		p2Want = got
		fmt.Printf("   written (checked the same for every contender):\n  %s\n", got)
	} else if got != p2Want {
		return fmt.Errorf("%s wrote different rows:\n  %s\nthe first contender wrote:\n  %s", who, got, p2Want)
	}
	return nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/uptrace/bun"
	"gorm.io/gorm"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
)

// The workloads of github.com/efectn/go-orm-benchmarks (Insert, InsertMulti of 100, Update,
// Read, ReadSlice of 100), on the Author table that dorm creates, for dorm, raw pgx, GORM
// and Bun. Each run does -efectn-ops operations in a loop; the table shows the time per
// operation (and Go heap allocations per operation).
var efectnOps = flag.Int("efectn-ops", 300, "operations per timed run of each efectn workload")

var efectnWorkloads = []string{"Insert", "InsertMulti", "Update", "Read", "ReadSlice"}

func init() {
	describe["EFECTN-INSERT"] = "PostgreSQL, efectn Insert: one Author per operation (all 13 columns, key returned); table truncated before each run; time per operation"
	describe["EFECTN-INSERTMULTI"] = "PostgreSQL, efectn InsertMulti: 100 Authors per operation in one statement (keys returned); table truncated before each run; time per operation"
	describe["EFECTN-UPDATE"] = "PostgreSQL, efectn Update: change the name of one loaded Author and write it (name, updated_at, version, checked against the version); time per operation"
	describe["EFECTN-READ"] = "PostgreSQL, efectn Read: one Author by primary key (all 14 columns) into a value; time per operation"
	describe["EFECTN-READSLICE"] = "PostgreSQL, efectn ReadSlice: 100 Authors (WHERE id > 0 LIMIT 100, all 14 columns) into values; time per operation"
}

const efectnSeed = 100

const pgAuthorSelect = `SELECT "id", ` + authorCols + ` FROM "author"`

func (a *pgAuthor) ptrs() []any {
	return []any{&a.ID, &a.CreatedAt, &a.UpdatedAt, &a.Name, &a.Email, &a.Age, &a.TermsAccepted, &a.Born, &a.Identities,
		&a.Rating, &a.Password, &a.Version, &a.FavouriteBookID, &a.MentorID}
}

// efectnEnv is shared by the five workloads: one pool per contender (same size), kept open.
type efectnEnv struct {
	pg   *PGEnv
	orm  *em.ORM
	pool *pgxpool.Pool
	gdb  *gorm.DB
	bdb  *bun.DB
	seq  int // makes every inserted email unique
}

var theEfectn *efectnEnv

func efectn(ctx context.Context, env *Env) *efectnEnv {
	if theEfectn == nil {
		pg := pgEnv(ctx, env)
		theEfectn = &efectnEnv{pg: pg, orm: pg.orm, pool: pg.pool, gdb: pg.openGorm(ctx), bdb: pg.openBun(ctx)}
		theEfectn.showDormStatements(ctx, env)
	}
	return theEfectn
}

// showDormStatements prints the round trips dorm makes for one Insert and one Update (a
// second ORM with an OnQuery hook on a scratch row; the timed ORM has no hook).
func (x *efectnEnv) showDormStatements(ctx context.Context, env *Env) {
	var log []string
	orm, err := em.Open(ctx, em.Config{Registry: env.Registry(), URL: x.pg.poolURL(), OnQuery: func(_ context.Context, q em.QueryEvent) {
		s := q.Query
		if len(s) > 110 {
			s = s[:110] + "…"
		}
		log = append(log, s)
	}})
	if err != nil {
		fatal(err)
	}
	defer orm.Close()
	m := orm.Fork()
	a, err := m.Create("Author", map[string]any{"name": "probe", "email": "probe@example.com"})
	if err == nil {
		err = m.Flush(ctx)
	}
	ins := len(log)
	if err == nil {
		err = a.Set("name", "probe 2")
	}
	if err == nil {
		err = m.Flush(ctx)
	}
	if err != nil {
		fatal(err)
	}
	fmt.Printf("dorm's round trips for one Insert (Create + Flush):\n     %s\n", strings.Join(log[:ins], "\n     "))
	fmt.Printf("and for one Update (Set + Flush):\n     %s\n\n", strings.Join(log[ins:], "\n     "))
	if err := x.pg.truncate(ctx); err != nil {
		fatal(err)
	}
}

// seed empties the tables and writes efectnSeed authors (ids 1..100).
func (x *efectnEnv) seed(ctx context.Context) {
	if err := x.pg.truncate(ctx); err != nil {
		fatal(err)
	}
	now := time.Now().UTC()
	var args []any
	for i := range efectnSeed {
		args = append(args, now, now, fmt.Sprintf("Author %d", i+1), fmt.Sprintf("seed%d@example.com", i+1), nil, false, nil, nil, nil, nil, int64(1), nil, nil)
	}
	if _, err := x.pool.Exec(ctx, pgInsertSQL("author", authorCols, 13, efectnSeed, ""), args...); err != nil {
		fatal(err)
	}
	if _, err := x.pool.Exec(ctx, `VACUUM ANALYZE "author"`); err != nil {
		fatal(err)
	}
}

func (x *efectnEnv) email(who string) string {
	x.seq++
	return fmt.Sprintf("%s%d@example.com", who, x.seq)
}

// perOp times n operations and divides the time and the allocations by n.
func perOp(n int, op func(i int) error) (time.Duration, error) {
	d, err := measure(func() error {
		for i := range n {
			if err := op(i); err != nil {
				return err
			}
		}
		return nil
	})
	lastMem.bytes /= uint64(n)
	lastMem.allocs /= uint64(n)
	return d / time.Duration(n), err
}

// countAuthors checks (untimed) that a run wrote want rows.
func (x *efectnEnv) countAuthors(ctx context.Context, want int) error {
	var n int
	if err := x.pool.QueryRow(ctx, `SELECT count(*) FROM "author" WHERE "id" > 0 AND "version" = 1 AND NOT "terms_accepted"`).Scan(&n); err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("%d authors written, want %d", n, want)
	}
	return nil
}

func efectnContenders(ctx context.Context, env *Env, workload string) []contender {
	x := efectn(ctx, env)
	n := *efectnOps
	switch workload {
	case "Insert", "InsertMulti":
		rows := 1
		if workload == "InsertMulti" {
			rows = 100
		}
		// each run starts from an empty table and checks afterwards that n*rows authors exist
		// and that every operation got its keys.
		insert := func(op func(i int) error) func(context.Context, int) (time.Duration, error) {
			return func(ctx context.Context, run int) (time.Duration, error) {
				if err := x.pg.truncate(ctx); err != nil {
					return 0, err
				}
				d, err := perOp(n, op)
				if err != nil {
					return 0, err
				}
				return d, x.countAuthors(ctx, n*rows)
			}
		}
		keys := func(ids ...int64) error {
			for _, id := range ids {
				if id <= 0 {
					return fmt.Errorf("no key returned")
				}
			}
			return nil
		}
		return []contender{
			{name: "dorm (Fork, Create, Flush)", dorm: true, run: insert(func(int) error {
				m := x.orm.Fork()
				es := make([]*dynamic.Entity, rows)
				for k := range es {
					e, err := m.Create("Author", map[string]any{"name": "efectn", "email": x.email("dorm")})
					if err != nil {
						return err
					}
					es[k] = e
				}
				if err := m.Flush(ctx); err != nil {
					return err
				}
				for _, e := range es {
					if err := keys(e.ID().(int64)); err != nil {
						return err
					}
				}
				return nil
			})},
			{name: "raw pgx (INSERT … RETURNING)", baseline: true, run: insert(func(int) error {
				now := time.Now().UTC()
				args := make([]any, 0, 13*rows)
				for range rows {
					args = append(args, now, now, "efectn", x.email("pgx"), nil, false, nil, nil, nil, nil, int64(1), nil, nil)
				}
				r, err := x.pool.Query(ctx, pgInsertSQL("author", authorCols, 13, rows, ` RETURNING "id"`), args...)
				if err != nil {
					return err
				}
				got := 0
				for r.Next() {
					var id int64
					if err := r.Scan(&id); err != nil {
						r.Close()
						return err
					}
					if err := keys(id); err != nil {
						r.Close()
						return err
					}
					got++
				}
				r.Close()
				if err := r.Err(); err != nil {
					return err
				}
				if got != rows {
					return fmt.Errorf("%d keys for %d rows", got, rows)
				}
				return nil
			})},
			{name: "GORM Create", run: insert(func(int) error {
				now := time.Now().UTC()
				as := make([]pgGormAuthor, rows)
				for k := range as {
					as[k] = pgGormAuthor{CreatedAt: now, UpdatedAt: now, Name: "efectn", Email: x.email("gorm"), Version: 1}
				}
				var err error
				if rows == 1 {
					err = x.gdb.WithContext(ctx).Create(&as[0]).Error
				} else {
					err = x.gdb.WithContext(ctx).Create(&as).Error
				}
				if err != nil {
					return err
				}
				for _, a := range as {
					if err := keys(a.ID); err != nil {
						return err
					}
				}
				return nil
			})},
			{name: "Bun NewInsert", run: insert(func(int) error {
				now := time.Now().UTC()
				as := make([]pgBunAuthor, rows)
				for k := range as {
					as[k] = pgBunAuthor{CreatedAt: now, UpdatedAt: now, Name: "efectn", Email: x.email("bun"), Version: 1}
				}
				var err error
				if rows == 1 {
					_, err = x.bdb.NewInsert().Model(&as[0]).Exec(ctx)
				} else {
					_, err = x.bdb.NewInsert().Model(&as).Exec(ctx)
				}
				if err != nil {
					return err
				}
				for _, a := range as {
					if err := keys(a.ID); err != nil {
						return err
					}
				}
				return nil
			})},
		}

	case "Update":
		x.seed(ctx)
		// Each contender updates its own seeded row (so the versions don't cross), loaded
		// before each run (untimed); afterwards the row must hold the last name written and a
		// version raised by n.
		update := func(id int64, who string, load func() error, op func(name string) error) func(context.Context, int) (time.Duration, error) {
			return func(ctx context.Context, run int) (time.Duration, error) {
				if err := load(); err != nil {
					return 0, err
				}
				var v0 int64
				if err := x.pool.QueryRow(ctx, `SELECT "version" FROM "author" WHERE "id" = $1`, id).Scan(&v0); err != nil {
					return 0, err
				}
				var last string
				d, err := perOp(n, func(i int) error {
					last = fmt.Sprintf("%s %d/%d", who, run, i)
					return op(last)
				})
				if err != nil {
					return 0, err
				}
				var name string
				var v1 int64
				if err := x.pool.QueryRow(ctx, `SELECT "name", "version" FROM "author" WHERE "id" = $1`, id).Scan(&name, &v1); err != nil {
					return 0, err
				}
				if name != last || v1 != v0+int64(n) {
					return 0, fmt.Errorf("%s: author %d has name %q version %d, want %q version %d", who, id, name, v1, last, v0+int64(n))
				}
				return d, nil
			}
		}
		var dormM *em.EntityManager
		var dormE *dynamic.Entity
		var raw pgAuthor
		var ga pgGormAuthor
		var ba pgBunAuthor
		return []contender{
			{name: "dorm (Set, Flush)", dorm: true, run: update(1, "dorm", func() (err error) {
				dormM = x.orm.Fork()
				dormE, err = dormM.FindOne(ctx, "Author", int64(1))
				return err
			}, func(name string) error {
				if err := dormE.Set("name", name); err != nil {
					return err
				}
				return dormM.Flush(ctx)
			})},
			{name: "raw pgx (UPDATE … WHERE id AND version)", baseline: true, run: update(2, "pgx", func() error {
				return x.pool.QueryRow(ctx, pgAuthorSelect+` WHERE "id" = $1`, int64(2)).Scan(raw.ptrs()...)
			}, func(name string) error {
				raw.Name, raw.UpdatedAt = name, time.Now().UTC()
				tag, err := x.pool.Exec(ctx, `UPDATE "author" SET "name" = $1, "updated_at" = $2, "version" = $3 WHERE "id" = $4 AND "version" = $5`,
					raw.Name, raw.UpdatedAt, raw.Version+1, raw.ID, raw.Version)
				if err != nil {
					return err
				}
				if tag.RowsAffected() != 1 {
					return fmt.Errorf("pgx: update affected %d rows", tag.RowsAffected())
				}
				raw.Version++
				return nil
			})},
			{name: "GORM Model.Where(version).Updates", run: update(3, "gorm", func() error {
				ga = pgGormAuthor{}
				return x.gdb.WithContext(ctx).Take(&ga, int64(3)).Error
			}, func(name string) error {
				old := ga.Version
				res := x.gdb.WithContext(ctx).Model(&ga).Where("version = ?", old).
					Updates(map[string]any{"name": name, "updated_at": time.Now().UTC(), "version": old + 1})
				if res.Error != nil {
					return res.Error
				}
				if res.RowsAffected != 1 {
					return fmt.Errorf("gorm: update affected %d rows", res.RowsAffected)
				}
				ga.Version = old + 1 // GORM has copied the map into ga already
				return nil
			})},
			{name: "Bun NewUpdate.Column.WherePK.Where(version)", run: update(4, "bun", func() error {
				ba = pgBunAuthor{}
				return x.bdb.NewSelect().Model(&ba).Where("id = ?", int64(4)).Scan(ctx)
			}, func(name string) error {
				old := ba.Version
				ba.Name, ba.UpdatedAt, ba.Version = name, time.Now().UTC(), old+1
				res, err := x.bdb.NewUpdate().Model(&ba).Column("name", "updated_at", "version").WherePK().Where("version = ?", old).Exec(ctx)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					return fmt.Errorf("bun: update affected %d rows", k)
				}
				return nil
			})},
		}

	case "Read":
		x.seed(ctx)
		// Operation i reads author 1 + i%100 and checks its name.
		id := func(i int) int64 { return int64(1 + i%efectnSeed) }
		check := func(i int, name string) error {
			if want := fmt.Sprintf("Author %d", id(i)); name != want {
				return fmt.Errorf("read %q, want %q", name, want)
			}
			return nil
		}
		run := func(op func(i int) error) func(context.Context, int) (time.Duration, error) {
			return func(ctx context.Context, run int) (time.Duration, error) { return perOp(n, op) }
		}
		return []contender{
			{name: "dorm (new Fork, FindOne by key)", dorm: true, run: run(func(i int) error {
				e, err := x.orm.Fork().FindOne(ctx, "Author", id(i))
				if err != nil {
					return err
				}
				return check(i, e.Get("name").(string))
			})},
			{name: "raw pgx (QueryRow.Scan into struct)", baseline: true, run: run(func(i int) error {
				var a pgAuthor
				if err := x.pool.QueryRow(ctx, pgAuthorSelect+` WHERE "id" = $1`, id(i)).Scan(a.ptrs()...); err != nil {
					return err
				}
				return check(i, a.Name)
			})},
			{name: "GORM Take", run: run(func(i int) error {
				var a pgGormAuthor
				if err := x.gdb.WithContext(ctx).Take(&a, id(i)).Error; err != nil {
					return err
				}
				return check(i, a.Name)
			})},
			{name: "Bun NewSelect.Where(id)", run: run(func(i int) error {
				var a pgBunAuthor
				if err := x.bdb.NewSelect().Model(&a).Where("id = ?", id(i)).Scan(ctx); err != nil {
					return err
				}
				return check(i, a.Name)
			})},
		}

	case "ReadSlice":
		x.seed(ctx)
		check := func(n int) error {
			if n != efectnSeed {
				return fmt.Errorf("read %d authors, want %d", n, efectnSeed)
			}
			return nil
		}
		run := func(op func(i int) error) func(context.Context, int) (time.Duration, error) {
			return func(ctx context.Context, run int) (time.Duration, error) { return perOp(n, op) }
		}
		filter := map[string]any{"id": map[string]any{"$gt": 0}}
		return []contender{
			{name: "dorm (new Fork, Find id $gt 0, Limit 100)", dorm: true, run: run(func(int) error {
				es, err := x.orm.Fork().Find(ctx, "Author", filter, em.Limit(efectnSeed))
				if err != nil {
					return err
				}
				return check(len(es))
			})},
			{name: "raw pgx (Query, Scan into []struct)", baseline: true, run: run(func(int) error {
				r, err := x.pool.Query(ctx, pgAuthorSelect+` WHERE "id" > $1 LIMIT $2`, int64(0), int64(efectnSeed))
				if err != nil {
					return err
				}
				as := make([]pgAuthor, 0, efectnSeed)
				for r.Next() {
					as = append(as, pgAuthor{})
					if err := r.Scan(as[len(as)-1].ptrs()...); err != nil {
						r.Close()
						return err
					}
				}
				r.Close()
				if err := r.Err(); err != nil {
					return err
				}
				return check(len(as))
			})},
			{name: "GORM Where.Limit.Find", run: run(func(int) error {
				var as []pgGormAuthor
				if err := x.gdb.WithContext(ctx).Where("id > ?", 0).Limit(efectnSeed).Find(&as).Error; err != nil {
					return err
				}
				return check(len(as))
			})},
			{name: "Bun NewSelect.Where.Limit", run: run(func(int) error {
				var as []pgBunAuthor
				if err := x.bdb.NewSelect().Model(&as).Where("id > ?", 0).Limit(efectnSeed).Scan(ctx); err != nil {
					return err
				}
				return check(len(as))
			})},
		}
	}
	fatal(fmt.Errorf("unknown efectn workload %q", workload))
	return nil
}

// runEfectn runs the five workloads and prints a summary: ns/op medians and ratios to raw pgx.
func runEfectn(ctx context.Context, env *Env) []string {
	var out []string
	for _, w := range efectnWorkloads {
		name := "EFECTN-" + strings.ToUpper(w)
		out = append(out, runWorkload(ctx, env, name, efectnContenders(ctx, env, w), 0)...)
	}
	fmt.Printf("== efectn summary: ns/op, median of %d runs of %d operations (ratio to raw pgx)\n", *runs, *efectnOps)
	var header []string
	for _, w := range efectnWorkloads {
		header = append(header, w)
	}
	fmt.Printf("   %-8s %s\n", "", strings.Join(header, " | "))
	names := []string{"dorm", "raw pgx", "GORM", "Bun"}
	for k, who := range names {
		var cells []string
		for _, w := range efectnWorkloads {
			rows := tables["EFECTN-"+strings.ToUpper(w)]
			base := rows[1].median()
			r := rows[k]
			cells = append(cells, fmt.Sprintf("%d ns (%.2fx)", r.median().Nanoseconds(), float64(r.median())/float64(base)))
		}
		fmt.Printf("   %-8s %s\n", who, strings.Join(cells, " | "))
	}
	fmt.Println()
	return out
}

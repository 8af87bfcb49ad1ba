package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/driver/pgdriver"
	gormpg "gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/dorm-go/dorm/em"

	_ "github.com/dorm-go/dorm/drivers/postgres" // dorm's "postgres:" URLs
)

var (
	pgURL      = flag.String("pg", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL server for P2, P3pg and efectn: the database of the URL is only used to CREATE and DROP the benchmark's own database (dorm_bench_<random>)")
	pgPoolSize = flag.Int("pg-conns", 4, "connections per pool, the same for every PostgreSQL contender (pgxpool max_conns; database/sql SetMaxOpenConns/SetMaxIdleConns)")
)

// PGEnv is the benchmark's own database on the server of -pg: created on first use (with
// dorm's orm.Schema().Create, so every contender writes the same tables) and dropped by
// pgCleanup. Nothing else on the server is touched.
type PGEnv struct {
	env   *Env
	admin *pgxpool.Pool
	name  string
	url   string // the benchmark database, without pool parameters
	orm   *em.ORM
	pool  *pgxpool.Pool // raw pgx: the baselines, seeding, truncating and checking
	sqlDB *sql.DB       // pgx stdlib, shared by GORM and Bun (each gets its own, see openSQLPG)
}

var thePG *PGEnv

// pgEnv returns the benchmark database, creating it on first use.
func pgEnv(ctx context.Context, env *Env) *PGEnv {
	if thePG != nil {
		return thePG
	}
	admin, err := pgxpool.New(ctx, *pgURL)
	if err != nil {
		fatal(err)
	}
	if err := admin.Ping(ctx); err != nil {
		admin.Close()
		fatal(fmt.Errorf("PostgreSQL at -pg %s: %w", redacted(*pgURL), err))
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := "dorm_bench_" + hex.EncodeToString(rnd[:])
	if _, err := admin.Exec(ctx, `CREATE DATABASE "`+name+`" TEMPLATE template0`); err != nil {
		admin.Close()
		fatal(fmt.Errorf("create database %s: %w", name, err))
	}
	thePG = &PGEnv{env: env, admin: admin, name: name}
	u, err := url.Parse(*pgURL)
	if err != nil {
		fatal(err)
	}
	u.Path = "/" + name
	thePG.url = u.String()
	var version string
	_ = admin.QueryRow(ctx, "SHOW server_version").Scan(&version)
	fmt.Printf("PostgreSQL %s at %s: database %s (dropped at the end), %d connections per pool\n\n", version, redacted(*pgURL), name, *pgPoolSize)

	if thePG.orm, err = em.Open(ctx, em.Config{Registry: env.Registry(), URL: thePG.poolURL()}); err != nil {
		fatal(err)
	}
	if err := thePG.orm.Schema().Create(ctx); err != nil {
		fatal(err)
	}
	if thePG.pool, err = pgxpool.New(ctx, thePG.poolURL()); err != nil {
		fatal(err)
	}
	return thePG
}

// poolURL is the URL of the benchmark database with the pool size of every pgxpool.
func (p *PGEnv) poolURL() string {
	u, _ := url.Parse(p.url)
	q := u.Query()
	q.Set("pool_max_conns", strconv.Itoa(*pgPoolSize))
	u.RawQuery = q.Encode()
	return u.String()
}

// openSQL opens a database/sql pool on pgx's stdlib driver with the same connection settings
// (pgx.ConnConfig parsed from the same URL, so the same statement cache) and pool size.
func (p *PGEnv) openSQL(ctx context.Context) *sql.DB {
	pc, err := pgxpool.ParseConfig(p.poolURL())
	if err != nil {
		fatal(err)
	}
	db := stdlib.OpenDB(*pc.ConnConfig)
	db.SetMaxOpenConns(*pgPoolSize)
	db.SetMaxIdleConns(*pgPoolSize)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		fatal(err)
	}
	return db
}

func (p *PGEnv) openGorm(ctx context.Context) *gorm.DB {
	gdb, err := gorm.Open(gormpg.New(gormpg.Config{Conn: p.openSQL(ctx)}),
		&gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard})
	if err != nil {
		fatal(err)
	}
	return gdb
}

// openBun opens Bun on its own driver, pgdriver (Bun formats the arguments into the query
// text, and pgdriver sends such queries with the simple protocol; on pgx's stdlib every
// distinct text would be prepared first), with the same pool size.
func (p *PGEnv) openBun(ctx context.Context) *bun.DB {
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(p.url)))
	db.SetMaxOpenConns(*pgPoolSize)
	db.SetMaxIdleConns(*pgPoolSize)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		fatal(err)
	}
	return bun.NewDB(db, pgdialect.New())
}

// truncate empties the tables (untimed) and restarts the author ids at 1.
func (p *PGEnv) truncate(ctx context.Context) error {
	_, err := p.pool.Exec(ctx, `TRUNCATE "book", "author" RESTART IDENTITY CASCADE`)
	return err
}

// pgCleanup drops the benchmark database (WITH (FORCE): the pools of the contenders may
// still hold connections). It is called at the end and by fatal.
func pgCleanup() {
	p := thePG
	if p == nil {
		return
	}
	thePG = nil
	if p.orm != nil {
		p.orm.Close()
	}
	if p.pool != nil {
		p.pool.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.admin.Exec(ctx, `DROP DATABASE IF EXISTS "`+p.name+`" WITH (FORCE)`); err != nil {
		fmt.Fprintf(os.Stderr, "bench: drop database %s: %v\n", p.name, err)
	} else {
		fmt.Printf("dropped database %s\n", p.name)
	}
	p.admin.Close()
}

func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return u.Redacted()
}

// tables holds the rows of the table printed for each workload (set by runWorkload).
var tables = map[string][]*row{}

// peerVerdicts adds to a workload's verdicts: dorm against each named contender, either
// "faster than" (maxRatio 1) or a target ratio.
func peerVerdicts(workload string, against map[string]float64) []string {
	rows := tables[workload]
	var dorm *row
	for _, r := range rows {
		if r.dorm {
			dorm = r
		}
	}
	if dorm == nil {
		return nil
	}
	var out []string
	for _, r := range rows {
		target, ok := against[r.name]
		if !ok {
			continue
		}
		ratio := float64(dorm.median()) / float64(r.median())
		verdict := "MET"
		if ratio > target || (target == 1 && ratio >= 1) {
			verdict = "MISSED"
		}
		what := fmt.Sprintf("target <= %.1fx", target)
		if target == 1 {
			what = "dorm must be faster"
		}
		out = append(out, fmt.Sprintf("%s: %s %.2fx %s (%s): %s", workload, dorm.name, ratio, r.name, what, verdict))
	}
	return out
}

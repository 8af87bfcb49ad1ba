package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/examples/schemas"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/schema"

	_ "github.com/dorm-go/dorm/drivers/sqlite" // dorm's "sqlite:" URLs
	_ "modernc.org/sqlite"                     // database/sql driver "sqlite" for the baselines
)

// Env hands out database files.
type Env struct {
	Dir string
	n   atomic.Int64
	reg *schema.Registry
}

// Registry returns the example entity model.
func (e *Env) Registry() *schema.Registry {
	if e.reg == nil {
		reg, err := loader.LoadFS(schemas.FS, "*.yaml")
		if err != nil {
			fatal(err)
		}
		e.reg = reg
	}
	return e.reg
}

// NewDB makes a fresh database file with the example schema, created by dorm's
// orm.Schema().Create so that every contender writes the same tables and columns.
func (e *Env) NewDB(ctx context.Context, name string) (string, error) {
	path := filepath.Join(e.Dir, fmt.Sprintf("%s-%d.db", name, e.n.Add(1)))
	orm, err := e.OpenORM(ctx, path)
	if err != nil {
		return "", err
	}
	defer orm.Close()
	if err := orm.Schema().Create(ctx); err != nil {
		return "", err
	}
	return path, nil
}

// Remove deletes a database file and its WAL files.
func (e *Env) Remove(path string) {
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(path + s)
	}
}

// The pragmas are the same for every contender: dorm's driver sets foreign_keys, the busy
// timeout, WAL and BEGIN IMMEDIATE itself; synchronous=NORMAL is added through the URL.
const (
	dormParams = "?_pragma=synchronous(NORMAL)"
	sqlParams  = "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_txlock=immediate&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
)

// OpenORM opens dorm on path.
func (e *Env) OpenORM(ctx context.Context, path string) (*em.ORM, error) {
	return em.Open(ctx, em.Config{Registry: e.Registry(), URL: "sqlite:file:" + path + dormParams})
}

// OpenSQL opens path with database/sql on modernc.org/sqlite.
func (e *Env) OpenSQL(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", "file:"+path+sqlParams)
	if err != nil {
		return nil, err
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// pragmas returns the settings that must be the same for every contender.
func pragmas(ctx context.Context, db *sql.DB) (string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var jm string
	var sync, fk int
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&jm); err != nil {
		return "", err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return "", err
	}
	if err := conn.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return "", err
	}
	return fmt.Sprintf("journal_mode=%s synchronous=%d foreign_keys=%d", jm, sync, fk), nil
}

// wantPragmas is what pragmas must return (synchronous 1 is NORMAL).
const wantPragmas = "journal_mode=wal synchronous=1 foreign_keys=1"

func checkPragmas(ctx context.Context, who string, db *sql.DB) error {
	got, err := pragmas(ctx, db)
	if err != nil {
		return err
	}
	if got != wantPragmas {
		return fmt.Errorf("%s: connection has %s, want %s", who, got, wantPragmas)
	}
	return nil
}

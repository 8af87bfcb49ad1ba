package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// fixture is the harness's driver on a fresh database file, with the SQLite driver at hand.
type fixture struct {
	*driverstest.OpsEnv
	d *Driver
}

// t0 is the datetime of the harness's rows.
var t0 = driverstest.T0

// openDriver opens a fresh database file in t.TempDir().
func openDriver(t testing.TB, cfg drivers.Config) drivers.Driver {
	drv, err := drivers.Open(context.Background(), "sqlite:file:"+filepath.Join(t.TempDir(), "test.db"), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return drv
}

// open opens a fresh database file with the example schema created.
func open(t testing.TB) *fixture {
	t.Helper()
	env := driverstest.NewOpsEnv(t, openDriver)
	return &fixture{OpsEnv: env, d: env.Driver.(*Driver)}
}

// TestOps runs the operation-level suite of package driverstest.
func TestOps(t *testing.T) {
	db := func(d drivers.Driver) *sql.DB { return d.(*Driver).DB() }
	driverstest.RunOps(t, driverstest.OpsHarness{
		Open: openDriver,
		Exec: func(ctx context.Context, d drivers.Driver, q string) error {
			_, err := db(d).ExecContext(ctx, q)
			return err
		},
		Tables: func(ctx context.Context, d drivers.Driver) ([]string, error) {
			return queryStrings(ctx, db(d), `SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
		},
		CreateEdition:    `CREATE TABLE "edition" ("isbn" TEXT, "lang" TEXT, "title" TEXT, "version" INTEGER, PRIMARY KEY ("isbn", "lang"))`,
		Locking:          false,
		NullsFirstInDesc: false,
		// A multi-row insert without RETURNING: the keys follow from last_insert_rowid().
		InsertEvents: []string{`INSERT INTO "book_tag" ("name") VALUES (?), (?), (?)`},
		TxEvents: []string{`INSERT INTO "book_tag" ("name") VALUES (?)`, `SELECT COUNT(*) FROM "book_tag" t0`, "BEGIN", "SAVEPOINT sp1",
			`DELETE FROM "book_tag" WHERE "id" IN (?, ?)`, "ROLLBACK TO SAVEPOINT sp1", "RELEASE SAVEPOINT sp1", "COMMIT"},
		// One prepared UPDATE per field set, executed per row.
		GroupedUpdateEvents: []string{"BEGIN", `UPDATE "author" SET "age" = ? WHERE "id" = ?`, `UPDATE "author" SET "age" = ? WHERE "id" = ?`,
			`UPDATE "author" SET "name" = ? WHERE "id" = ?`, "COMMIT"},
		ForeignKeyColumn: "", // SQLite does not say which foreign key failed
		AfterDrop: func(t *testing.T, f *driverstest.OpsEnv) {
			var fk int
			if err := db(f.Driver).QueryRowContext(f.Ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
				t.Errorf("foreign_keys after drop = %d, %v", fk, err)
			}
		},
	})
}

// queryStrings returns the first column of the rows of q.
func queryStrings(ctx context.Context, db *sql.DB, q string) ([]string, error) {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// TestIsolation: SQLite transactions are serializable; asking for a weaker level fails.
func TestIsolation(t *testing.T) {
	f := open(t)
	if _, err := f.d.Begin(f.Ctx, drivers.TxOptions{Isolation: drivers.ReadCommitted}); !errors.Is(err, drivers.ErrNotSupported) {
		t.Errorf("read committed: err = %v", err)
	}
}

func TestMemory(t *testing.T) {
	ctx := context.Background()
	drv, err := drivers.Open(ctx, "sqlite::memory:", drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	reg := exampleRegistry(t)
	if err := drv.CreateSchema(ctx, reg); err != nil {
		t.Fatal(err)
	}
	tag := ent(t, reg, "BookTag")
	if err := drv.Insert(ctx, &drivers.InsertOp{Entity: tag, Fields: []*schema.Property{prop(t, reg, "BookTag", "name")}, Rows: [][]any{{"a"}, {"b"}}}); err != nil {
		t.Fatal(err)
	}
	if n, err := drv.Count(ctx, &drivers.CountOp{Entity: tag}); err != nil || n != 2 {
		t.Errorf("count = %d, %v", n, err)
	}
	if caps := drv.Capabilities(); !caps.Transactions || !caps.Savepoints || !caps.Returning || caps.Locking {
		t.Errorf("capabilities = %+v", caps)
	}
}

// TestMultiRowInsertChunks: 1,201 rows go out as three statements (500, 500, 201) in one
// transaction, and every generated key belongs to its row.
func TestMultiRowInsertChunks(t *testing.T) {
	f := open(t)
	f.Insert("BookTag", []string{"name"}, []any{"first"})
	rows := make([][]any, 1201)
	for i := range rows {
		rows[i] = []any{fmt.Sprintf("tag %04d", i)}
	}
	f.Rec.Reset()
	gen := f.Insert("BookTag", []string{"name"}, rows...)
	if n := len(f.Rec.Queries()); n != 5 {
		t.Errorf("%d round trips, want BEGIN, 3 INSERTs, COMMIT: %q", n, f.Rec.Queries())
	}
	// Each event keeps its own arguments: the first statement's are still rows 0..499.
	if ev := f.Rec.Events(); len(ev) == 5 && (len(ev[1].Args) != 500 || ev[1].Args[0] != rows[0][0] || ev[1].Args[499] != rows[499][0]) {
		t.Errorf("arguments of the first INSERT event were overwritten: %v … %v", ev[1].Args[0], ev[1].Args[len(ev[1].Args)-1])
	}
	for i, id := range gen {
		got := f.Find(f.d, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"),
			Where: &query.Cmp{Prop: f.P("BookTag", "id"), Op: query.Eq, Value: id}})
		if len(got) != 1 || got[0][0] != rows[i][0] {
			t.Fatalf("key %v of row %d holds %v, want %v", id, i, got, rows[i][0])
		}
	}
}

package postgres

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
)

// t0 is the datetime of the harness's rows.
var t0 = driverstest.T0

// fixture is the harness's driver on a database of its own, with the PostgreSQL driver at
// hand.
type fixture struct {
	*driverstest.OpsEnv
	d *Driver
}

// openDriver opens a new database of its own (server_test.go).
func openDriver(t testing.TB, cfg drivers.Config) drivers.Driver {
	drv, err := drivers.Open(context.Background(), newDatabase(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return drv
}

// open opens a new database with the example schema created.
func open(t testing.TB) *fixture {
	t.Helper()
	env := driverstest.NewOpsEnv(t, openDriver)
	return &fixture{OpsEnv: env, d: env.Driver.(*Driver)}
}

// TestOps runs the operation-level suite of package driverstest.
func TestOps(t *testing.T) {
	driverstest.RunOps(t, driverstest.OpsHarness{
		Open: openDriver,
		Exec: func(ctx context.Context, d drivers.Driver, q string) error {
			_, err := d.(*Driver).Pool().Exec(ctx, q)
			return err
		},
		Tables: func(ctx context.Context, d drivers.Driver) ([]string, error) {
			rows, err := d.(*Driver).Pool().Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`)
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
		},
		CreateEdition:    `CREATE TABLE "edition" ("isbn" text, "lang" text, "title" text, "version" integer, PRIMARY KEY ("isbn", "lang"))`,
		Locking:          true,
		NullsFirstInDesc: true,
		InsertEvents:     []string{`INSERT INTO "book_tag" ("name") VALUES ($1), ($2), ($3) RETURNING "id"`},
		TxEvents: []string{`INSERT INTO "book_tag" ("name") VALUES ($1) RETURNING "id"`, `SELECT COUNT(*) FROM "book_tag" t0`, "BEGIN", "SAVEPOINT sp1",
			`DELETE FROM "book_tag" WHERE "id" IN ($1, $2)`, "ROLLBACK TO SAVEPOINT sp1", "RELEASE SAVEPOINT sp1", "COMMIT"},
		// The rows' UPDATEs go out pipelined, logged as one round trip.
		GroupedUpdateEvents: []string{"BEGIN", `UPDATE "author" SET "age" = $1 WHERE "id" = $2;
UPDATE "author" SET "name" = $1 WHERE "id" = $2;
UPDATE "author" SET "age" = $1 WHERE "id" = $2`, "COMMIT"},
		ForeignKeyColumn: "author_id",
	})
}

// TestIsolation: every isolation level reaches the server, an unknown one is not supported,
// and a read-only transaction refuses writes.
func TestIsolation(t *testing.T) {
	f := open(t)
	for _, iso := range []struct {
		level drivers.Isolation
		want  string
	}{{drivers.DefaultIsolation, "read committed"}, {drivers.ReadUncommitted, "read uncommitted"}, {drivers.ReadCommitted, "read committed"},
		{drivers.RepeatableRead, "repeatable read"}, {drivers.Serializable, "serializable"}} {
		tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{Isolation: iso.level})
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := tx.(*Tx).tx.QueryRow(f.Ctx, "SHOW transaction_isolation").Scan(&got); err != nil || got != iso.want {
			t.Errorf("isolation %v: %q, %v; want %q", iso.level, got, err, iso.want)
		}
		tx.Rollback(f.Ctx)
	}
	if _, err := f.d.Begin(f.Ctx, drivers.TxOptions{Isolation: drivers.Isolation(42)}); !errors.Is(err, drivers.ErrNotSupported) {
		t.Errorf("unknown isolation: err = %v", err)
	}
	ro, err := f.d.Begin(f.Ctx, drivers.TxOptions{Isolation: drivers.Serializable, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	err = ro.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"), Rows: [][]any{{"ro"}}})
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "25006" {
		t.Errorf("insert in a read-only tx: err = %v, want SQLSTATE 25006", err)
	}
	ro.Rollback(f.Ctx)
}

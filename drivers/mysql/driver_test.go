package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/query"
	"github.com/dorm-go/dorm/schema"
)

// t0 and the book keys are the harness's.
var t0 = driverstest.T0

const (
	uuidA = driverstest.UUIDA
	uuidB = driverstest.UUIDB
	uuidC = driverstest.UUIDC
)

// fixture is the harness's driver on a database of its own, with the MySQL driver at hand.
type fixture struct {
	*driverstest.OpsEnv
	d   *Driver
	url string
}

// open opens a new database of its own with the example schema created; params are added
// to its URL.
func open(t testing.TB, params ...string) *fixture {
	t.Helper()
	u := NewTestDatabase(t)
	if len(params) > 0 {
		u += "?" + strings.Join(params, "&")
	}
	env := driverstest.NewOpsEnv(t, func(t testing.TB, cfg drivers.Config) drivers.Driver {
		drv, err := drivers.Open(context.Background(), u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return drv
	})
	return &fixture{OpsEnv: env, d: env.Driver.(*Driver), url: u}
}

func TestParseURL(t *testing.T) {
	cases := []struct{ url, dsn string }{
		{"mysql://root@127.0.0.1:3306/test",
			"root@tcp(127.0.0.1:3306)/test?clientFoundRows=true&collation=utf8mb4_bin&interpolateParams=true&parseTime=true"},
		{"mariadb://u:p%40ss:w@db.example/app",
			"u:p@ss:w@tcp(db.example:3306)/app?clientFoundRows=true&collation=utf8mb4_bin&interpolateParams=true&parseTime=true"},
		{"mysql://u@host:3307/app?interpolateParams=false&timeout=5s&parseTime=false&multiStatements=true&loc=Local",
			"u@tcp(host:3307)/app?clientFoundRows=true&collation=utf8mb4_bin&parseTime=true&timeout=5s"},
		{"mysql://u@/app?socket=/run/mysqld/mysqld.sock&collation=utf8mb4_unicode_ci",
			"u@unix(/run/mysqld/mysqld.sock)/app?clientFoundRows=true&collation=utf8mb4_unicode_ci&interpolateParams=true&parseTime=true"},
		{"mysql://[::1]:3306/app", "tcp([::1]:3306)/app?clientFoundRows=true&collation=utf8mb4_bin&interpolateParams=true&parseTime=true"},
	}
	for _, c := range cases {
		cfg, err := ParseURL(c.url)
		if err != nil {
			t.Errorf("%s: %v", c.url, err)
			continue
		}
		if got := cfg.FormatDSN(); got != c.dsn {
			t.Errorf("%s:\n got %s\nwant %s", c.url, got, c.dsn)
		}
		if cfg.Loc != time.UTC || !cfg.ParseTime || cfg.MultiStatements || !cfg.ClientFoundRows {
			t.Errorf("%s: forced settings not applied: %+v", c.url, cfg)
		}
	}
	for _, bad := range []string{"postgres://x/y", "mysql://h/db?maxAllowedPacket=x"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("%s: no error", bad)
		}
	}
}

// TestRoundTripEveryType writes every scalar type and reads it back equal, over the text
// protocol (interpolated arguments) and the binary protocol of prepared statements.
func TestRoundTripEveryType(t *testing.T) {
	for _, proto := range []string{"interpolateParams=true", "interpolateParams=false"} {
		t.Run(proto, func(t *testing.T) {
			f := open(t, proto)
			authorFields := []string{"createdAt", "updatedAt", "name", "email", "age", "termsAccepted", "born", "identities", "rating", "password", "version"}
			authorRow := []any{t0, t0.Add(time.Hour + 999*time.Microsecond), "Jon ✓ 'x' \\ \"y\"", "jon@x", int64(-32768), true,
				time.Date(1990, 12, 31, 0, 0, 0, 0, time.UTC), map[string]any{"github": "jon", "n": 1.5, "list": []any{true, nil, "x"}},
				4.25, "secret", int64(2147483647)}
			gen := f.Insert("Author", authorFields, authorRow)
			if len(gen) != 1 || gen[0] != int64(1) {
				t.Fatalf("generated = %#v, want [1]", gen)
			}
			got := f.Find(f.d, &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", append([]string{"id"}, authorFields...)...)})
			if diff := cmp.Diff([][]any{append([]any{int64(1)}, authorRow...)}, got); diff != "" {
				t.Errorf("author (-want +got):\n%s", diff)
			}
			bookFields := []string{"id", "createdAt", "updatedAt", "title", "description", "price", "pages", "weight", "meta", "cover", "status", "author"}
			rows := [][]any{
				{uuidA, t0, t0, "T", "long ' text\n" + strings.Repeat("x", 60000), "12345678.90", int64(-2147483648), 0.1,
					[]any{1.0, "a", map[string]any{"k": nil}}, []byte{0, 1, 255, '\'', '\\'}, "published", int64(1)},
				{uuidB, t0, t0, "Ünïcödé 😀", "", "-0.01", int64(0), 3.4e38, "just a string", []byte{}, "draft", int64(1)},
				{uuidC, t0, t0, "nulls", nil, nil, nil, nil, nil, nil, "draft", int64(1)},
			}
			f.Insert("Book", bookFields, rows...)
			got = f.Find(f.d, &drivers.FindOp{Entity: f.E("Book"), Fields: f.Props("Book", bookFields...),
				OrderBy: []drivers.Order{{Prop: f.P("Book", "id")}}})
			if diff := cmp.Diff(rows, got); diff != "" {
				t.Errorf("book (-want +got):\n%s", diff)
			}
			f.Insert("Publisher", []string{"name", "opensAt"}, []any{"P", "09:30:00"})
			got = f.Find(f.d, &drivers.FindOp{Entity: f.E("Publisher"), Fields: f.Props("Publisher", "id", "name", "type", "opensAt")})
			if diff := cmp.Diff([][]any{{int64(1), "P", "local", "09:30:00"}}, got); diff != "" {
				t.Errorf("publisher, with defaults (-want +got):\n%s", diff)
			}
			// Decimals compare as numbers, datetimes with microseconds.
			n, err := f.d.Count(f.Ctx, &drivers.CountOp{Entity: f.E("Book"), Where: query.And{
				&query.Cmp{Prop: f.P("Book", "price"), Op: query.Gt, Value: "9.999"},
				&query.Cmp{Prop: f.P("Book", "createdAt"), Op: query.Eq, Value: t0}}})
			if err != nil || n != 1 {
				t.Errorf("count by decimal and datetime = %d, %v; want 1", n, err)
			}
		})
	}
}

func TestFilters(t *testing.T) {
	f := open(t)
	authors, tags := f.Seed()
	f.Insert("Book", []string{"id", "createdAt", "updatedAt", "title", "author"},
		[]any{"dddddddd-0000-4000-8000-000000000004", t0, t0, "My Life, part 1", authors[1]},
		[]any{"eeeeeeee-0000-4000-8000-000000000005", t0, t0, "MY LIFE, PART 2", authors[1]},
	)
	book := f.E("Book")
	titles := func(where query.Expr) []string {
		t.Helper()
		var out []string
		for _, r := range f.Find(f.d, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"), Where: where}) {
			out = append(out, r[0].(string))
		}
		sort.Strings(out)
		return out
	}
	c := func(e, p string, op query.Op, v any) *query.Cmp { return &query.Cmp{Prop: f.P(e, p), Op: op, Value: v} }
	cases := []struct {
		name  string
		where query.Expr
		want  []string
	}{
		{"eq-case-sensitive", c("Book", "title", query.Eq, "dune"), nil},
		{"eq", c("Book", "title", query.Eq, "Dune"), []string{"Dune"}},
		{"decimal-gt-exact", c("Book", "price", query.Gt, "9.990"), []string{"dune messiah"}},
		{"decimal-eq-scale", c("Book", "price", query.Eq, "10.5"), []string{"dune messiah"}},
		{"datetime-gte", c("Book", "createdAt", query.Gte, t0), []string{"Dune", "Emma", "MY LIFE, PART 2", "My Life, part 1", "dune messiah"}},
		{"datetime-gt", c("Book", "createdAt", query.Gt, t0), nil},
		{"like-case-sensitive", c("Book", "title", query.Like, "D%"), []string{"Dune"}},
		{"like-lower", c("Book", "title", query.Like, "%life%"), nil},
		{"like-underscore", c("Book", "title", query.Like, "_une"), []string{"Dune"}},
		{"like-escape", c("Book", "title", query.Like, `Dune\%`), nil},
		{"like-escaped-percent-matches-nothing-else", c("Book", "title", query.Like, `%\_%`), nil},
		{"ilike", c("Book", "title", query.ILike, "d%"), []string{"Dune", "dune messiah"}},
		{"ilike-upper", c("Book", "title", query.ILike, "%LIFE, PART%"), []string{"MY LIFE, PART 2", "My Life, part 1"}},
		{"re", c("Book", "title", query.Re, "part [12]$"), []string{"My Life, part 1"}},
		{"re-upper", c("Book", "title", query.Re, "PART [12]$"), []string{"MY LIFE, PART 2"}},
		{"re-class", c("Book", "title", query.Re, "^[Dd]une( |$)"), []string{"Dune", "dune messiah"}},
		{"re-case-flag", c("Book", "title", query.Re, "(?i)^EMMA$"), []string{"Emma"}},
		{"enum", c("Book", "status", query.Eq, "published"), []string{"dune messiah"}},
		{"related-m1-bool", &query.Related{Prop: f.P("Book", "author"), Where: c("Author", "termsAccepted", query.Eq, true)}, []string{"Dune", "dune messiah"}},
		{"related-mn-id", &query.Related{Prop: f.P("Book", "tags"), Where: c("BookTag", "id", query.Eq, tags[0])}, []string{"Dune", "dune messiah"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, titles(tc.where)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"),
		OrderBy: []drivers.Order{{Prop: f.P("Book", "title")}}, Offset: 3})
	if diff := cmp.Diff([][]any{{"My Life, part 1"}, {"dune messiah"}}, got); diff != "" {
		t.Errorf("offset only, binary order (-want +got):\n%s", diff)
	}
	got = f.Find(f.d, &drivers.FindOp{Entity: book, Fields: f.Props("Book", "title"),
		OrderBy: []drivers.Order{{Prop: f.P("Book", "price"), Dir: drivers.Desc}}, Limit: 2})
	if diff := cmp.Diff([][]any{{"dune messiah"}, {"Dune"}}, got); diff != "" {
		t.Errorf("order by decimal desc (-want +got):\n%s", diff)
	}
}

// TestGeneratedKeys inserts batches in each InsertMode, with more rows than one statement
// takes, and checks that every key holds its row and the round trips.
func TestGeneratedKeys(t *testing.T) {
	for _, mode := range []InsertMode{InsertReturning, InsertLastID, InsertPerRow} {
		t.Run(mode.String(), func(t *testing.T) {
			f := open(t)
			f.d.SetInsertMode(mode)
			gen := f.Insert("BookTag", []string{"name"}, []any{"a"}, []any{"b"}, []any{"c"})
			if diff := cmp.Diff([]any{int64(1), int64(2), int64(3)}, gen); diff != "" {
				t.Errorf("generated (-want +got):\n%s", diff)
			}
			var want []string
			switch mode {
			case InsertReturning:
				want = []string{"INSERT INTO `book_tag` (`name`) VALUES (?), (?), (?) RETURNING `id`"}
			case InsertLastID:
				want = []string{"INSERT INTO `book_tag` (`name`) VALUES (?), (?), (?)"}
			case InsertPerRow:
				ins := "INSERT INTO `book_tag` (`name`) VALUES (?)"
				want = []string{"BEGIN", ins, ins, ins, "COMMIT"}
			}
			if diff := cmp.Diff(want, f.Rec.Queries()); diff != "" {
				t.Errorf("events of a 3-row insert (-want +got):\n%s", diff)
			}
			rows := make([][]any, 1201)
			for i := range rows {
				rows[i] = []any{fmt.Sprintf("tag %04d", i)}
			}
			f.Rec.Reset()
			gen = f.Insert("BookTag", []string{"name"}, rows...)
			wantTrips := map[InsertMode]int{InsertReturning: 5, InsertLastID: 5, InsertPerRow: 1203}[mode]
			if n := len(f.Rec.Queries()); n != wantTrips {
				t.Errorf("%d round trips for 1201 rows, want %d", n, wantTrips)
			}
			checkKeys(t, f, rows, gen)
			// Only the key: INSERT INTO t () VALUES ().
			tag := f.E("BookTag")
			op := &drivers.InsertOp{Entity: &schema.Entity{Name: tag.Name, Table: tag.Table, Primary: tag.Primary}, Rows: [][]any{{}, {}}}
			if _, err := f.d.DB().ExecContext(f.Ctx, "ALTER TABLE `book_tag` DROP INDEX `book_tag_name_unique`, MODIFY `name` VARCHAR(50) NOT NULL DEFAULT 'x'"); err != nil {
				t.Fatal(err)
			}
			if err := f.d.Insert(f.Ctx, op); err != nil {
				t.Fatal(err)
			}
			if len(op.Generated) != 2 || op.Generated[0] == nil || op.Generated[1] == op.Generated[0] {
				t.Errorf("keys of rows without fields: %v", op.Generated)
			}
		})
	}
}

func checkKeys(t *testing.T, f *fixture, rows [][]any, gen []any) {
	t.Helper()
	if len(gen) != len(rows) {
		t.Fatalf("%d keys for %d rows", len(gen), len(rows))
	}
	byKey := map[any]any{}
	for _, r := range f.Find(f.d, &drivers.FindOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "id", "name")}) {
		byKey[r[0]] = r[1]
	}
	for i, id := range gen {
		if byKey[id] != rows[i][0] {
			t.Fatalf("key %v of row %d holds %v, want %v", id, i, byKey[id], rows[i][0])
		}
	}
}

// TestGeneratedKeysConcurrent runs batches from several goroutines at once: with RETURNING,
// and with LAST_INSERT_ID() + i, which is right only while one statement's keys are
// consecutive (innodb_autoinc_lock_mode 0 or 1; this server's mode is logged).
func TestGeneratedKeysConcurrent(t *testing.T) {
	for _, mode := range []InsertMode{InsertReturning, InsertLastID} {
		t.Run(mode.String(), func(t *testing.T) {
			f := open(t)
			var lockMode int
			if err := f.d.DB().QueryRowContext(f.Ctx, "SELECT @@innodb_autoinc_lock_mode").Scan(&lockMode); err != nil {
				t.Fatal(err)
			}
			if mode == InsertLastID && lockMode > 1 {
				t.Skipf("innodb_autoinc_lock_mode = %d: LAST_INSERT_ID() + i is not used on this server", lockMode)
			}
			t.Logf("innodb_autoinc_lock_mode = %d", lockMode)
			f.d.SetInsertMode(mode)
			const workers, size = 8, 300
			var wg sync.WaitGroup
			all := make([][][]any, workers)
			gens := make([][]any, workers)
			errs := make([]error, workers)
			for w := 0; w < workers; w++ {
				all[w] = make([][]any, size)
				for i := range all[w] {
					all[w][i] = []any{fmt.Sprintf("w%d-%d", w, i)}
				}
				wg.Add(1)
				go func(w int) {
					defer wg.Done()
					op := &drivers.InsertOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"), Rows: all[w]}
					errs[w] = f.d.Insert(f.Ctx, op)
					gens[w] = op.Generated
				}(w)
			}
			wg.Wait()
			var rows [][]any
			var gen []any
			for w := 0; w < workers; w++ {
				if errs[w] != nil {
					t.Fatal(errs[w])
				}
				rows = append(rows, all[w]...)
				gen = append(gen, gens[w]...)
			}
			checkKeys(t, f, rows, gen)
		})
	}
}

func TestEventsAndSavepoints(t *testing.T) {
	f := open(t)
	tags := f.E("BookTag")
	f.NestedSavepoints(t)
	ins1 := "INSERT INTO `book_tag` (`name`) VALUES (?) RETURNING `id`"
	want := []string{"BEGIN", ins1, "SAVEPOINT sp1", ins1, "SAVEPOINT sp2", ins1, "SELECT COUNT(*) FROM `book_tag` t0",
		"ROLLBACK TO SAVEPOINT sp2", "RELEASE SAVEPOINT sp2", "RELEASE SAVEPOINT sp1", "COMMIT"}
	if diff := cmp.Diff(want, f.Rec.Queries()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	for _, e := range f.Rec.Events() {
		if e.Err != nil || e.Duration <= 0 {
			t.Errorf("%s: err %v, duration %v", e.Query, e.Err, e.Duration)
		}
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: tags, Fields: f.Props("BookTag", "name"), OrderBy: []drivers.Order{{Prop: f.P("BookTag", "id")}}})
	if diff := cmp.Diff([][]any{{"outer"}, {"kept"}}, got); diff != "" {
		t.Errorf("after commit (-want +got):\n%s", diff)
	}
	tx, _ := f.d.Begin(f.Ctx, drivers.TxOptions{})
	f.InsertTag(t, tx, "gone")
	if err := tx.Rollback(f.Ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.CountTags(t, f.d); n != 2 {
		t.Errorf("after rollback: %d rows", n)
	}
}

func TestIsolationAndReadOnly(t *testing.T) {
	f := open(t)
	// The level of the running transaction, as InnoDB sees it (the session variable keeps the
	// session's default; SET TRANSACTION is for the next transaction only). InnoDB refreshes
	// the INNODB_TRX table at most every 100 ms, hence the waits.
	const level = "SELECT trx_isolation_level FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id = CONNECTION_ID()"
	for iso, want := range map[drivers.Isolation]string{
		drivers.ReadUncommitted: "READ-UNCOMMITTED", drivers.ReadCommitted: "READ-COMMITTED",
		drivers.RepeatableRead: "REPEATABLE-READ", drivers.Serializable: "SERIALIZABLE",
	} {
		f.Rec.Reset()
		tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{Isolation: iso})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Count(f.Ctx, &drivers.CountOp{Entity: f.E("BookTag")}); err != nil {
			t.Fatal(err) // InnoDB registers the transaction at its first read
		}
		time.Sleep(150 * time.Millisecond)
		var got string
		if err := tx.(*Tx).tx.QueryRowContext(f.Ctx, level).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != strings.ReplaceAll(want, "-", " ") {
			t.Errorf("isolation %d: %s, want %s", iso, got, want)
		}
		if err := tx.Commit(f.Ctx); err != nil {
			t.Fatal(err)
		}
		wantEvents := []string{"SET TRANSACTION ISOLATION LEVEL " + strings.ReplaceAll(want, "-", " "), "BEGIN", "SELECT COUNT(*) FROM `book_tag` t0", "COMMIT"}
		if diff := cmp.Diff(wantEvents, f.Rec.Queries()); diff != "" {
			t.Errorf("events (-want +got):\n%s", diff)
		}
	}
	// The level was for one transaction only: the pool's connections are back to the default.
	f.d.DB().SetMaxOpenConns(1)
	tx, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Count(f.Ctx, &drivers.CountOp{Entity: f.E("BookTag")}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
	var def string
	if err := tx.(*Tx).tx.QueryRowContext(f.Ctx, level).Scan(&def); err != nil || def != "REPEATABLE READ" {
		t.Errorf("default isolation after the transactions: %q, %v", def, err)
	}
	tx.Rollback(f.Ctx)
	f.d.DB().SetMaxOpenConns(0)

	ro, err := f.d.Begin(f.Ctx, drivers.TxOptions{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ro.Count(f.Ctx, &drivers.CountOp{Entity: f.E("BookTag")}); err != nil || n != 0 {
		t.Errorf("count in a read-only transaction: %d, %v", n, err)
	}
	err = ro.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E("BookTag"), Fields: f.Props("BookTag", "name"), Rows: [][]any{{"x"}}})
	var me *mysql.MySQLError
	if !errors.As(err, &me) || me.Number != 1792 { // ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION
		t.Errorf("insert in a read-only transaction: %v", err)
	}
	ro.Rollback(f.Ctx)
}

func TestVersionedWrites(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	author := f.E("Author")
	name, version := f.P("Author", "name"), f.P("Author", "version")
	upd := func(v int64, key any, newName string) error {
		return f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
			{Key: key, Fields: []*schema.Property{name, version}, Values: []any{newName, v + 1}, Version: v},
		}})
	}
	if err := upd(1, authors[0], "renamed"); err != nil {
		t.Fatal(err)
	}
	err := upd(1, authors[0], "stale")
	var na *drivers.NotAffectedError
	if !errors.As(err, &na) || na.Entity != "Author" || na.Key != authors[0] {
		t.Fatalf("stale update: err = %#v", err)
	}
	// clientFoundRows: an update that writes the values the row has matches it.
	err = f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
		{Key: authors[0], Fields: []*schema.Property{name}, Values: []any{"renamed"}, Version: int64(2)}}})
	if err != nil {
		t.Errorf("update to the same values: %v", err)
	}
	// A batch with one stale row fails as a whole.
	f.Rec.Reset()
	err = f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: author, Rows: []drivers.UpdateRow{
		{Key: authors[1], Fields: []*schema.Property{name, version}, Values: []any{"Arya", int64(2)}, Version: int64(1)},
		{Key: authors[0], Fields: []*schema.Property{name, version}, Values: []any{"x", int64(2)}, Version: int64(1)},
	}})
	if !errors.As(err, &na) || na.Key != authors[0] {
		t.Fatalf("batch with a stale row: %v", err)
	}
	upd1 := "UPDATE `author` SET `name` = ?, `version` = ? WHERE `id` = ? AND `version` = ?"
	if diff := cmp.Diff([]string{"BEGIN", upd1, upd1, "ROLLBACK"}, f.Rec.Queries()); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: author, Fields: f.Props("Author", "name", "version"), OrderBy: []drivers.Order{{Prop: f.P("Author", "id")}}})
	if diff := cmp.Diff([][]any{{"renamed", int64(2)}, {"arya stark", int64(1)}}, got); diff != "" {
		t.Errorf("after the failed batch (-want +got):\n%s", diff)
	}
	// Versioned deletes.
	if err := f.d.Delete(f.Ctx, &drivers.DeleteOp{Entity: f.E("Book"), Keys: []any{uuidA, uuidB, uuidC}}); err != nil {
		t.Fatal(err)
	}
	err = f.d.Delete(f.Ctx, &drivers.DeleteOp{Entity: author, Keys: []any{authors[0], authors[1]}, Versions: []any{int64(2), int64(5)}})
	if !errors.As(err, &na) || na.Key != authors[1] {
		t.Fatalf("stale delete: err = %v", err)
	}
	if n, _ := f.d.Count(f.Ctx, &drivers.CountOp{Entity: author}); n != 2 {
		t.Errorf("after failed delete: %d authors, want 2", n)
	}
}

// TestLocking: tx1 locks a row FOR UPDATE; a locking find of tx2 waits until tx1 commits.
func TestLocking(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	if !f.d.Capabilities().Locking {
		t.Fatal("Locking capability is false")
	}
	where := &query.Cmp{Prop: f.P("Author", "id"), Op: query.Eq, Value: authors[0]}
	findOp := func(l drivers.Lock) *drivers.FindOp {
		return &drivers.FindOp{Entity: f.E("Author"), Fields: f.Props("Author", "name"), Where: where, Lock: l}
	}
	for _, second := range []drivers.Lock{drivers.LockForUpdate, drivers.LockForShare} {
		t.Run(fmt.Sprint(second), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(f.Ctx, 20*time.Second)
			defer cancel()
			tx1, err := f.d.Begin(ctx, drivers.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if got := f.Find(tx1, findOp(drivers.LockForUpdate)); len(got) != 1 {
				t.Fatalf("tx1 found %v", got)
			}
			tx2, err := f.d.Begin(ctx, drivers.TxOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer tx2.Rollback(ctx)
			done := make(chan error, 1)
			go func() {
				done <- tx2.Find(ctx, findOp(second), func([]any) error { return nil })
			}()
			select {
			case err := <-done:
				t.Fatalf("tx2's locking find returned while tx1 holds the lock: %v", err)
			case <-time.After(300 * time.Millisecond):
			}
			if err := tx1.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("tx2 after tx1's commit: %v", err)
				}
			case <-ctx.Done():
				t.Fatal("tx2 still waits after tx1 committed")
			}
		})
	}
	// NOWAIT fails at once; SKIP LOCKED leaves the row out.
	tx1, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(f.Ctx)
	f.Find(tx1, findOp(drivers.LockForUpdate))
	tx2, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(f.Ctx)
	start := time.Now()
	err = tx2.Find(f.Ctx, findOp(drivers.LockForUpdateNoWait), func([]any) error { return nil })
	if err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("NOWAIT on a locked row: %v after %v", err, time.Since(start))
	}
	tx3, err := f.d.Begin(f.Ctx, drivers.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer tx3.Rollback(f.Ctx)
	if got := f.Find(tx3, findOp(drivers.LockForUpdateSkipLocked)); len(got) != 0 {
		t.Errorf("SKIP LOCKED returned the locked row: %v", got)
	}
}

func TestConstraintErrors(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	check := func(name string, err error, kind drivers.ConstraintKind, entity, constraint, column string) {
		t.Helper()
		var ce *drivers.ConstraintError
		if !errors.As(err, &ce) {
			t.Errorf("%s: err = %v, want a ConstraintError", name, err)
			return
		}
		if ce.Kind != kind || ce.Entity != entity || ce.Constraint != constraint || ce.Column != column {
			t.Errorf("%s: got kind %v entity %q constraint %q column %q, want %v %q %q %q (%v)",
				name, ce.Kind, ce.Entity, ce.Constraint, ce.Column, kind, entity, constraint, column, err)
		}
	}
	ins := func(entity string, fields []string, row ...any) error {
		return f.d.Insert(f.Ctx, &drivers.InsertOp{Entity: f.E(entity), Fields: f.Props(entity, fields...), Rows: [][]any{row}})
	}
	authorFields := []string{"createdAt", "updatedAt", "name", "email", "version"}
	bookFields := []string{"id", "createdAt", "updatedAt", "title", "author"}
	check("unique (1062)", ins("Author", authorFields, t0, t0, "x", "jon@wall.st", int64(1)), drivers.Unique, "Author", "author_email_unique", "")
	check("primary key (1062)", ins("Book", bookFields, uuidA, t0, t0, "x", authors[0]), drivers.Unique, "Book", "PRIMARY", "")
	check("not null (1048)", ins("Author", authorFields, t0, t0, nil, "new@x", int64(1)), drivers.NotNull, "Author", "", "name")
	check("no default (1364)", ins("Author", []string{"createdAt", "updatedAt", "email", "version"}, t0, t0, "new@x", int64(1)), drivers.NotNull, "Author", "", "name")
	check("foreign key, child (1452)", ins("Book", bookFields, "eeeeeeee-0000-4000-8000-000000000005", t0, t0, "x", int64(99)),
		drivers.ForeignKey, "Book", "book_author_id_foreign", "author_id")
	check("foreign key, parent (1451)", f.d.Delete(f.Ctx, &drivers.DeleteOp{Entity: f.E("Author"), Keys: []any{authors[0]}}),
		drivers.ForeignKey, "Author", "book_author_id_foreign", "author_id")
	// The enum CHECK: write around Arg's validation with a property the schema would refuse.
	err := f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: f.E("Book"), Rows: []drivers.UpdateRow{{Key: uuidA,
		Fields: []*schema.Property{{Name: "status", Type: schema.String, Column: "status", Entity: f.E("Book")}}, Values: []any{"lost"}}}})
	check("check (MariaDB 4025, MySQL 3819)", err, drivers.Check, "Book", "book_status_check", "")
	check("pivot duplicate", f.d.InsertPivot(f.Ctx, &drivers.PivotOp{Prop: f.P("Book", "tags"), Pairs: [][2]any{{uuidA, int64(1)}}}),
		drivers.Unique, "Book", "PRIMARY", "")
	// Invalid JSON, written around Arg: MariaDB's JSON_VALID check, MySQL's JSON type.
	_, err = f.d.Exec(f.Ctx, "Book", "UPDATE `book` SET `meta` = 'not json' WHERE `id` = ?", []any{uuidA})
	if f.d.Dialect().MariaDB {
		check("json check", err, drivers.Check, "Book", "book.meta", "")
	} else if err == nil {
		t.Error("invalid JSON was accepted")
	}
}

func TestClassifyConnErrors(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	read := &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset")}
	cases := []struct {
		name  string
		err   error
		conn  bool
		retry bool
	}{
		{"bad conn", driver.ErrBadConn, true, true},
		{"dial", dial, true, true},
		{"invalid conn", mysql.ErrInvalidConn, true, false},
		{"read", read, true, false},
		{"unexpected EOF", io.ErrUnexpectedEOF, true, false},
		{"deadline", context.DeadlineExceeded, false, false},
		{"other", errors.New("x"), false, false},
		{"server error", &mysql.MySQLError{Number: 1064, Message: "syntax"}, false, false},
	}
	for _, c := range cases {
		err := classify(fmt.Errorf("wrapped: %w", c.err), true)
		var ce *drivers.ConnError
		if errors.As(err, &ce) != c.conn || (c.conn && ce.SafeToRetry() != c.retry) {
			t.Errorf("%s: %#v", c.name, err)
		}
		if !errors.Is(err, c.err) {
			t.Errorf("%s: the cause is lost: %v", c.name, err)
		}
	}
	// 4025 is a CHECK only on MariaDB, 3819 only on MySQL.
	if err := classify(&mysql.MySQLError{Number: 4025}, false); errors.As(err, new(*drivers.ConstraintError)) {
		t.Error("4025 classified on MySQL")
	}
	if err := classify(&mysql.MySQLError{Number: 3819, Message: "Check constraint 'c' is violated."}, false); !errors.As(err, new(*drivers.ConstraintError)) {
		t.Error("3819 not classified on MySQL")
	}
}

func TestConnErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	_, err = Open(context.Background(), "mysql://root@"+addr+"/x?timeout=2s", drivers.Config{})
	var ce *drivers.ConnError
	if !errors.As(err, &ce) || !ce.SafeToRetry() {
		t.Errorf("open of a closed port: %#v", err)
	}
	// A connection killed by the server: the next statement on it is a ConnError.
	f := open(t)
	conn, err := f.d.DB().Conn(f.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var id int64
	if err := conn.QueryRowContext(f.Ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.DB().ExecContext(f.Ctx, fmt.Sprintf("KILL CONNECTION %d", id)); err != nil {
		t.Fatal(err)
	}
	r := f.d.runner(conn, nil)
	_, err = r.Exec(f.Ctx, "", "SELECT 1", nil)
	if !errors.As(err, &ce) {
		t.Errorf("statement on a killed connection: %#v", err)
	}
}

func TestCreateDropSchema(t *testing.T) {
	f := open(t)
	f.Seed()
	tables := func() []string {
		rows, err := f.d.DB().QueryContext(f.Ctx, "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			out = append(out, s)
		}
		return out
	}
	if diff := cmp.Diff([]string{"author", "book", "book_tag", "book_tags", "publisher"}, tables()); diff != "" {
		t.Errorf("tables (-want +got):\n%s", diff)
	}
	var engine, collation string
	if err := f.d.DB().QueryRowContext(f.Ctx, "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'book'").Scan(&engine, &collation); err != nil {
		t.Fatal(err)
	}
	if engine != "InnoDB" || collation != Collation {
		t.Errorf("book: engine %s, collation %s", engine, collation)
	}
	// Create again is a no-op (one query); drop works with rows and the author <-> book cycle.
	f.Rec.Reset()
	if err := f.d.CreateSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Rec.Queries()); n != 1 {
		t.Errorf("second create: %q", f.Rec.Queries())
	}
	if err := f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: f.E("Author"), Rows: []drivers.UpdateRow{{Key: int64(1),
		Fields: []*schema.Property{f.P("Author", "favouriteBook")}, Values: []any{uuidA}}}}); err != nil {
		t.Fatal(err)
	}
	f.d.DB().SetMaxOpenConns(1) // so that the check below sees the connection the drop used
	if err := f.d.DropSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if got := tables(); len(got) != 0 {
		t.Errorf("after drop: %v", got)
	}
	if err := f.d.DropSchema(f.Ctx, f.Reg); err != nil {
		t.Errorf("second drop: %v", err)
	}
	var fk int
	if err := f.d.DB().QueryRowContext(f.Ctx, "SELECT @@FOREIGN_KEY_CHECKS").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("FOREIGN_KEY_CHECKS after drop = %d, %v", fk, err)
	}
	f.d.DB().SetMaxOpenConns(0)
	// Only some tables exist: the missing ones are created with their keys and indexes.
	if err := f.d.CreateSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.d.DB().ExecContext(f.Ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		t.Fatal(err)
	}
	f.d.DB().SetMaxOpenConns(1)
	f.d.DB().ExecContext(f.Ctx, "SET FOREIGN_KEY_CHECKS = 0")
	if _, err := f.d.DB().ExecContext(f.Ctx, "DROP TABLE `book_tags`, `publisher`"); err != nil {
		t.Fatal(err)
	}
	f.d.DB().ExecContext(f.Ctx, "SET FOREIGN_KEY_CHECKS = 1")
	f.d.DB().SetMaxOpenConns(0)
	if err := f.d.CreateSchema(f.Ctx, f.Reg); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"author", "book", "book_tag", "book_tags", "publisher"}, tables()); diff != "" {
		t.Errorf("tables after a partial create (-want +got):\n%s", diff)
	}
}

// TestLongNames: generated index and constraint names over 64 characters are shortened, so
// the schema is accepted.
func TestLongNames(t *testing.T) {
	ctx := context.Background()
	long := strings.Repeat("a_rather_long_name_", 3)
	fsys := fstest.MapFS{"long.yaml": {Data: []byte(`
entities:
  - entity: Parent
    table: ` + long + `parent
    properties:
      id: { type: int, primary: true }
      ` + "someRatherLongPropertyNameForAnIndex" + `: { type: string, length: 20, unique: true }
      status: { type: enum, values: [a, b], default: a }
      children: { kind: 1:m, entity: Child, mappedBy: parent }
  - entity: Child
    table: ` + long + `child
    properties:
      id: { type: int, primary: true }
      parent: { kind: m:1, entity: Parent, inversedBy: children }
`)}}
	reg, err := loader.LoadFS(fsys, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	drv, err := Open(ctx, NewTestDatabase(t), drivers.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if err := drv.CreateSchema(ctx, reg); err != nil {
		t.Fatalf("create with long names: %v", err)
	}
	var n int
	err = drv.(*Driver).DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND LENGTH(CONSTRAINT_NAME) = 64").Scan(&n)
	if err != nil || n < 2 {
		t.Errorf("shortened constraints: %d, %v", n, err)
	}
	if err := drv.DropSchema(ctx, reg); err != nil {
		t.Fatal(err)
	}
}

// TestBatchedUpdate: unversioned rows with the same fields go out as one CASE statement, every
// type converted; versioned and lone rows as per-row UPDATEs; all in one transaction.
func TestBatchedUpdate(t *testing.T) {
	f := open(t)
	authors, _ := f.Seed()
	book := f.E("Book")
	fields := f.Props("Book", "title", "price", "updatedAt", "meta", "cover", "pages", "publisher")
	later := t0.Add(time.Minute + time.Microsecond)
	f.Rec.Reset()
	err := f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: book, Rows: []drivers.UpdateRow{
		{Key: uuidA, Fields: fields, Values: []any{"A'", "1.50", later, map[string]any{"x": 1.0}, []byte{0, '\\'}, int64(7), nil}},
		{Key: uuidB, Fields: fields, Values: []any{"B", nil, later, nil, nil, nil, nil}},
		{Key: uuidC, Fields: f.Props("Book", "title"), Values: []any{"C"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	q := f.Rec.Queries()
	if len(q) != 4 || q[0] != "BEGIN" || !strings.Contains(q[1], "CASE `id` WHEN ? THEN ?") || q[2] != "UPDATE `book` SET `title` = ? WHERE `id` = ?" || q[3] != "COMMIT" {
		t.Errorf("events: %q", q)
	}
	got := f.Find(f.d, &drivers.FindOp{Entity: book, Fields: append(f.Props("Book", "id"), fields...), OrderBy: []drivers.Order{{Prop: f.P("Book", "id")}}})
	want := [][]any{
		{uuidA, "A'", "1.50", later, map[string]any{"x": 1.0}, []byte{0, '\\'}, int64(7), nil},
		{uuidB, "B", nil, later, nil, nil, nil, nil},
		{uuidC, "C", nil, t0, nil, nil, nil, nil},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("after the batch (-want +got):\n%s", diff)
	}
	// A failing batch leaves nothing behind.
	err = f.d.Update(f.Ctx, &drivers.UpdateOp{Entity: book, Rows: []drivers.UpdateRow{
		{Key: uuidA, Fields: f.Props("Book", "author"), Values: []any{authors[1]}},
		{Key: uuidB, Fields: f.Props("Book", "author"), Values: []any{int64(999)}},
	}})
	var ce *drivers.ConstraintError
	if !errors.As(err, &ce) || ce.Kind != drivers.ForeignKey || ce.Entity != "Book" {
		t.Fatalf("batch with a bad foreign key: %v", err)
	}
	if n, _ := f.d.Count(f.Ctx, &drivers.CountOp{Entity: book, Where: &query.Cmp{Prop: f.P("Book", "author"), Op: query.Eq, Value: authors[1]}}); n != 1 {
		t.Errorf("the failed batch changed rows: %d books of the second author", n)
	}
}

package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/dorm-go/dorm/drivers/mysql"
	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/em"
	"github.com/dorm-go/dorm/schema"
)

// foreignDB is a database nobody here wrote: created by hand-written DDL in the database's own
// dialect (testdata/foreign/<dialect>_<schema>.sql).
type foreignDB struct {
	dialect string // postgres, mysql, sqlite
	url     string // the dorm URL
}

func newForeignDB(t *testing.T, dialect, schemaName string) foreignDB {
	t.Helper()
	ddl, err := os.ReadFile(filepath.Join("testdata", "foreign", dialect+"_"+schemaName+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	db := foreignDB{dialect: dialect}
	switch dialect {
	case "postgres":
		db.url = postgresScratch(t)
	case "mysql":
		db.url = mysqlScratch(t)
	case "sqlite":
		db.url = "sqlite:file:" + filepath.Join(t.TempDir(), schemaName+".db")
	}
	db.exec(t, string(ddl))
	return db
}

// exec runs a script with the database's own client library, not through dorm.
func (db foreignDB) exec(t *testing.T, script string) {
	t.Helper()
	ctx := context.Background()
	switch db.dialect {
	case "postgres":
		conn, err := pgx.Connect(ctx, db.url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, script); err != nil {
			t.Fatalf("postgres DDL: %v", err)
		}
	case "mysql":
		c, err := mysql.ParseURL(db.url)
		if err != nil {
			t.Fatal(err)
		}
		c.MultiStatements = true
		conn, err := gomysql.NewConnector(c)
		if err != nil {
			t.Fatal(err)
		}
		sdb := sql.OpenDB(conn)
		defer sdb.Close()
		if _, err := sdb.ExecContext(ctx, script); err != nil {
			t.Fatalf("mysql DDL: %v", err)
		}
	case "sqlite":
		sdb, err := sql.Open("sqlite", strings.TrimPrefix(db.url, "sqlite:"))
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		if _, err := sdb.ExecContext(ctx, script); err != nil {
			t.Fatalf("sqlite DDL: %v", err)
		}
	}
}

// scalar runs a query returning one value, with the database's own client library.
func (db foreignDB) scalar(t *testing.T, query string) string {
	t.Helper()
	ctx := context.Background()
	var v any
	switch db.dialect {
	case "postgres":
		conn, err := pgx.Connect(ctx, db.url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if err := conn.QueryRow(ctx, query).Scan(&v); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	default:
		var sdb *sql.DB
		if db.dialect == "mysql" {
			c, err := mysql.ParseURL(db.url)
			if err != nil {
				t.Fatal(err)
			}
			conn, err := gomysql.NewConnector(c)
			if err != nil {
				t.Fatal(err)
			}
			sdb = sql.OpenDB(conn)
		} else {
			var err error
			if sdb, err = sql.Open("sqlite", strings.TrimPrefix(db.url, "sqlite:")); err != nil {
				t.Fatal(err)
			}
		}
		defer sdb.Close()
		if err := sdb.QueryRowContext(ctx, query).Scan(&v); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	if b, ok := v.([]byte); ok {
		return string(b)
	}
	return fmt.Sprint(v)
}

// generated is the outcome of dorm generate entities.
type generated struct {
	code     int
	out      string // the directory
	warnings string // stderr
}

// generate runs dorm generate entities into a new directory, and logs what it wrote.
func (db foreignDB) generate(t *testing.T) generated {
	t.Helper()
	g := generated{out: filepath.Join(t.TempDir(), "entities")}
	var stdout string
	g.code, stdout, g.warnings = runCLI(t, "generate", "entities", "--db", db.url, "--out", g.out)
	t.Logf("dorm generate entities: exit %d\n%s%s", g.code, stdout, g.warnings)
	files, _ := filepath.Glob(filepath.Join(g.out, "*.yaml"))
	for _, f := range files {
		b, _ := os.ReadFile(f)
		t.Logf("%s:\n%s", filepath.Base(f), b)
	}
	return g
}

// validateAndDiff runs dorm validate and dorm schema diff on the generated files, and returns
// what the diff wants to change ("" when it exits 0).
func (db foreignDB) validateAndDiff(t *testing.T, out string) string {
	t.Helper()
	if code, _, stderr := runCLI(t, "validate", "--schemas", out); code != 0 {
		t.Errorf("dorm validate of the generated files: exit %d\n%s", code, stderr)
	}
	code, stdout, stderr := runCLI(t, "schema", "diff", "--schemas", out, "--db", db.url)
	t.Logf("dorm schema diff: exit %d\n%s%s", code, stdout, stderr)
	switch code {
	case 0:
		return ""
	case 2:
		return stdout
	}
	t.Errorf("dorm schema diff: exit %d\n%s", code, stderr)
	return ""
}

// update runs dorm schema update --allow-destructive with the generated files, what a user
// does to make the database match them, and reports whether it worked and left nothing to do.
func (db foreignDB) update(t *testing.T, out string) error {
	t.Helper()
	code, stdout, stderr := runCLI(t, "schema", "update", "--allow-destructive", "--schemas", out, "--db", db.url)
	t.Logf("dorm schema update --allow-destructive: exit %d\n%s%s", code, stdout, stderr)
	if code != 0 {
		return fmt.Errorf("schema update: exit %d: %s", code, strings.TrimSpace(stderr))
	}
	code, stdout, stderr = runCLI(t, "schema", "diff", "--schemas", out, "--db", db.url)
	if code != 0 {
		return fmt.Errorf("schema diff after schema update: exit %d:\n%s%s", code, stdout, stderr)
	}
	return nil
}

// readFile returns a generated file.
func readFile(t *testing.T, dir, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var foreignDialects = []string{"postgres", "mysql", "sqlite"}

// TestForeignSakila: a Sakila/Pagila-like film rental database, written by hand in each
// database's DDL and loaded with a few rows, taken over with dorm generate entities and
// used through the EntityManager.
func TestForeignSakila(t *testing.T) {
	for _, d := range foreignDialects {
		t.Run(d, func(t *testing.T) {
			db := newForeignDB(t, d, "sakila")
			g := db.generate(t)
			if g.code != 0 && d == "mysql" {
				t.Errorf("dorm generate entities on Sakila: exit %d\n%s", g.code, g.warnings)
				db.exec(t, mysqlSakilaIndexRenames)
				g = db.generate(t)
			}
			if g.code != 0 {
				t.Fatalf("dorm generate entities: exit %d\n%s", g.code, g.warnings)
			}
			if d == "mysql" {
				film := readFile(t, g.out, "film.yaml")
				if want := `rating:          { type: enum, values: [G, PG, "PG-13", R, "NC-17"], nullable: true, default: G }`; !strings.Contains(film, want) {
					t.Errorf("film.yaml lacks %s", want)
				}
			}
			if diff := db.validateAndDiff(t, g.out); diff != "" {
				// KNOWN: the diff is never empty on Sakila: ON UPDATE CASCADE foreign keys, DEFAULT now()/CURRENT_TIMESTAMP (all), domains, enum types, text[], tsvector, char(n) (postgres), UNSIGNED keys, TIMESTAMP, DATETIME, YEAR, SET, BLOB (mysql), NUMERIC decimals (sqlite)
				known(t, "dorm schema diff of the generated files is not empty:\n%s", diff)
			}
			sakilaWork(t, db, g.out)

			// What a user does next: make the database match the files, on a new copy of the
			// database with the files as generated.
			db2 := newForeignDB(t, d, "sakila")
			if d == "mysql" {
				db2.exec(t, mysqlSakilaIndexRenames)
			}
			if err := db2.update(t, db2.generate(t).out); err != nil {
				switch d {
				case "postgres":
					// KNOWN: postgres: the gist index on film.fulltext is inspected as a plain index, so the plan changes the column to text under it: "data type text has no default operator class for access method gist"
					known(t, "%v", err)
				case "mysql":
					// KNOWN: MySQL: MODIFY COLUMN of a key that a foreign key refers to (category.category_id, from film_category) fails: the plan does not drop and re-add the foreign keys that refer to it
					known(t, "%v", err)
				case "sqlite":
					// KNOWN: SQLite: rebuilding a table that a view reads fails at the RENAME ("error in view actor_info: no such table: main.actor")
					known(t, "%v", err)
				}
			}
		})
	}
}

// TestForeignAwkward: a smaller schema with what real schemas have: reserved words, quoted
// mixed-case names, camelCase columns, self references, a 1:1 extension table keyed by its
// foreign key, a composite unique, checks, defaults, numeric(12,4), booleans, blobs, json,
// uuids, ON DELETE SET NULL, a table without a primary key.
func TestForeignAwkward(t *testing.T) {
	for _, d := range foreignDialects {
		t.Run(d, func(t *testing.T) {
			db := newForeignDB(t, d, "awkward")
			g := db.generate(t)
			if g.code != 0 {
				t.Fatalf("dorm generate entities: exit %d\n%s", g.code, g.warnings)
			}
			if p := readFile(t, g.out, "user_profile.yaml"); !strings.Contains(p, "user:     { kind: 1:1, entity: User") {
				// KNOWN: a table keyed by its foreign key (a 1:1 extension) is generated as a m:1 with primary: true, and User gets a 1:m userProfiles (no warning)
				known(t, "user_profile.yaml: the key user_id is not a 1:1:\n%s", p)
			}
			switch d {
			case "mysql":
				if o := readFile(t, g.out, "order.yaml"); !strings.Contains(o, "placedAt:    { type: datetime, onCreate: now") {
					t.Errorf("order.yaml: placedAt is not onCreate: now:\n%s", o)
				}
			case "sqlite":
				if u := readFile(t, g.out, "user.yaml"); !strings.Contains(u, "settings:     { type: json") {
					t.Errorf("user.yaml: settings is not json:\n%s", u)
				}
			}
			diff := db.validateAndDiff(t, g.out)
			switch {
			case d == "postgres" && strings.Contains(diff, `ALTER COLUMN "total" SET DEFAULT`):
				t.Errorf("schema diff changes the default of order.total")
			case d == "mysql" && strings.Contains(diff, "MODIFY COLUMN `value` JSON NULL"):
				// KNOWN: MySQL: a JSON column (utf8mb4_bin in MariaDB) in a table of another collation is always a change: MODIFY COLUMN `value` JSON NULL comes back after it ran
				known(t, "schema diff modifies the JSON column setting.value to what it is")
			}
			if diff != "" {
				// KNOWN: the diff is never empty here: the table without a primary key is dropped, CHECK (qty > 0) dropped, DEFAULT CURRENT_TIMESTAMP/gen_random_uuid() dropped (all); json -> jsonb (postgres); UNSIGNED, ENUM, UUID, DATETIME, BLOB types (mysql); NUMERIC decimals, the JSON column (sqlite)
				known(t, "dorm schema diff of the generated files is not empty:\n%s", diff)
			}
			awkwardWork(t, db, g.out)

			// What a user does next: make the database match the files, on a new copy of the
			// database with the files as generated.
			db2 := newForeignDB(t, d, "awkward")
			if d == "postgres" {
				db2.exec(t, `INSERT INTO setting (key, local_at) VALUES ('k', '2024-05-01 12:00:00.5')`)
			}
			out2 := db2.generate(t).out
			var before any
			if d == "postgres" {
				s, err := openForeign(t, db2, out2).Fork().FindOne(context.Background(), "Setting", "k")
				if err != nil {
					t.Fatal(err)
				}
				before = s.Get("localAt")
			}
			if err := db2.update(t, out2); err != nil {
				// KNOWN: MySQL: the column-level CHECK (qty > 0) is inspected as a named constraint: ALTER TABLE `OrderLine` DROP CONSTRAINT `qty` fails ("check that it exists")
				known(t, "%v", err)
			}
			if d == "postgres" {
				s, err := openForeign(t, db2, out2).Fork().FindOne(context.Background(), "Setting", "k")
				if err != nil {
					t.Fatal(err)
				}
				if after := s.Get("localAt"); fmt.Sprint(after) != fmt.Sprint(before) {
					t.Errorf("Setting.localAt was %v before schema update, %v after", before, after)
				}
			}
			if d == "sqlite" {
				if n := db2.scalar(t, `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'order_audit'`); n != "1" {
					// KNOWN: SQLite: rebuilding "order" drops its trigger order_audit, silently
					known(t, "the trigger order_audit is gone after schema update")
				}
				if sqlText := db2.scalar(t, `SELECT sql FROM sqlite_master WHERE name = 'OrderLine'`); !strings.Contains(sqlText, "WITHOUT ROWID") {
					// KNOWN: SQLite: rebuilding "OrderLine" loses WITHOUT ROWID, silently
					known(t, "OrderLine after schema update:\n%s", sqlText)
				}
			}
		})
	}
}

// mysqlSakilaIndexRenames is what a user has to run before generate entities works on
// Sakila: index names are per table in MySQL, but must be unique across entity files.
const mysqlSakilaIndexRenames = `
ALTER TABLE inventory RENAME INDEX idx_fk_film_id TO idx_inventory_film_id;
ALTER TABLE rental RENAME INDEX idx_fk_customer_id TO idx_rental_customer_id;
ALTER TABLE rental RENAME INDEX idx_fk_staff_id TO idx_rental_staff_id;
ALTER TABLE staff RENAME INDEX idx_fk_address_id TO idx_staff_address_id;
ALTER TABLE staff RENAME INDEX idx_fk_store_id TO idx_staff_store_id;
ALTER TABLE store RENAME INDEX idx_fk_address_id TO idx_store_address_id;
`

func openForeign(t *testing.T, db foreignDB, out string) *em.ORM {
	t.Helper()
	orm, err := em.Open(context.Background(), em.Config{SchemaDir: out, URL: db.url})
	if err != nil {
		t.Fatalf("em.Open on the generated entities: %v", err)
	}
	t.Cleanup(func() { orm.Close() })
	return orm
}

func utc(s string) time.Time {
	for _, layout := range []string{"2006-01-02 15:04:05.999999", time.DateOnly} {
		if tm, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			return tm
		}
	}
	panic(s)
}

// check compares a property with what the user expects to read.
func check(t *testing.T, e *dynamic.Entity, prop string, want any) {
	t.Helper()
	if e == nil {
		t.Errorf("%s: entity is nil", prop)
		return
	}
	got := e.Get(prop)
	if r, ok := got.(*dynamic.Entity); ok && r == nil {
		got = nil // an empty relation
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s.%s = %#v (%T), want %#v (%T)", e.Entity(), prop, got, got, want, want)
	}
}

func sakilaWork(t *testing.T, db foreignDB, out string) {
	ctx := context.Background()
	orm := openForeign(t, db, out)
	m := orm.Fork()

	// Reading what was there before dorm. Each column the generated files cannot read is
	// reported, then edited out of the way as a user would, one at a time.
	fixes := map[string][2]string{
		"Film.releaseYear":     {"releaseYear:     { type: text, nullable: true }", "releaseYear:     { type: int, nullable: true }"},
		"Film.specialFeatures": {"  specialFeatures: { type: text, nullable: true }\n", ""},
		"Film.fulltext":        {"  fulltext:        { type: text, nullable: true }\n", ""},
	}
	film, err := m.FindOne(ctx, "Film", int64(1))
	for tries := 0; err != nil && tries < 3; tries++ {
		fixed := false
		for prop, fix := range fixes {
			if strings.Contains(err.Error(), "("+prop+")") {
				// KNOWN: postgres: the domain year (over integer), text[] and tsvector are generated as text (with a warning), and reading them fails: every find on Film fails
				known(t, "FindOne Film 1 with the generated files: %v", err)
				edit(t, out, "film.yaml", fix[0], fix[1])
				if prop == "Film.fulltext" { // its index goes with it
					edit(t, out, "film.yaml", "  - { properties: [fulltext], name: film_fulltext_idx }\n", "")
				}
				delete(fixes, prop)
				fixed = true
				break
			}
		}
		if !fixed {
			break
		}
		orm.Close()
		orm = openForeign(t, db, out)
		m = orm.Fork()
		film, err = m.FindOne(ctx, "Film", int64(1))
	}
	if err != nil {
		t.Fatalf("FindOne Film 1: %v", err)
	}
	check(t, film, "title", "ACADEMY DINOSAUR")
	check(t, film, "rentalRate", "0.99")
	check(t, film, "replacementCost", "20.99")
	check(t, film, "rentalDuration", int64(6))
	check(t, film, "length", int64(86))
	check(t, film, "rating", "PG")
	staff, err := m.FindOne(ctx, "Staff", int64(1))
	if err != nil {
		t.Fatalf("FindOne Staff 1: %v", err)
	}
	check(t, staff, "picture", []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff})
	check(t, staff, "lastUpdate", utc("2006-02-15 04:57:16"))
	if db.dialect == "sqlite" {
		check(t, staff, "active", int64(1)) // BOOLEAN is not a type on SQLite: documented
	} else {
		check(t, staff, "active", true)
	}
	pay, err := m.FindOne(ctx, "Payment", int64(1))
	if err != nil {
		t.Fatalf("FindOne Payment 1: %v", err)
	}
	check(t, pay, "amount", "2.99")
	if db.dialect == "postgres" {
		check(t, pay, "paymentDate", utc("2005-05-25 11:30:37.123456"))
	} else {
		check(t, pay, "paymentDate", utc("2005-05-25 11:30:37"))
	}

	// The smallest write: change an actor's name. Sakila's staff.store_id and
	// store.manager_staff_id are both NOT NULL, a cycle that no flush here touches.
	actor, err := m.FindOne(ctx, "Actor", int64(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := actor.Set("lastName", "GUINESS-SMITH"); err != nil {
		t.Fatal(err)
	}
	if err := m.Flush(ctx); err != nil {
		t.Errorf("Flush of one changed actor: %v", err)
		// What a user can do: declare one side of the cycle nullable (the column stays NOT NULL).
		edit(t, out, "staff.yaml", "storeId:    { kind: m:1, entity: Store, inversedBy: staffs, joinColumn: store_id", "storeId:    { kind: m:1, entity: Store, inversedBy: staffs, joinColumn: store_id, nullable: true")
		orm.Close()
		orm = openForeign(t, db, out)
		m = orm.Fork()
		if film, err = m.FindOne(ctx, "Film", int64(1)); err != nil {
			t.Fatal(err)
		}
		if staff, err = m.FindOne(ctx, "Staff", int64(1)); err != nil {
			t.Fatal(err)
		}
		if actor, err = m.FindOne(ctx, "Actor", int64(1)); err != nil {
			t.Fatal(err)
		}
		if err := actor.Set("lastName", "GUINESS-SMITH"); err != nil {
			t.Fatal(err)
		}
		if err := m.Flush(ctx); err != nil {
			t.Fatalf("Flush of one changed actor, staff.storeId declared nullable: %v", err)
		}
	}
	if a, err := orm.Fork().FindOne(ctx, "Actor", int64(1)); err != nil || a.Get("lastName") != "GUINESS-SMITH" {
		t.Errorf("actor after the update: %v", err)
	}

	// Filters on relations, populate of a 1:m (and on through a m:1) and of a m:n.
	films, err := m.Find(ctx, "Film", map[string]any{"languageId": map[string]any{"name": "English"}},
		em.Populate("filmActors.actorId", "category", "inventories"))
	if err != nil {
		t.Fatalf("Find Film by language name: %v", err)
	}
	if len(films) != 1 || films[0] != film {
		t.Fatalf("Find Film by language name: %v, want the film already loaded", films)
	}
	var actors, cats []string
	for _, fa := range film.Collection("filmActors").Items() {
		actors = append(actors, fmt.Sprint(fa.Ref("actorId").Get("firstName")))
	}
	for _, c := range film.Collection("category").Items() {
		cats = append(cats, fmt.Sprint(c.Get("name")))
	}
	sort.Strings(actors)
	sort.Strings(cats)
	if !slices.Equal(actors, []string{"NICK", "PENELOPE"}) || !slices.Equal(cats, []string{"Action", "Drama"}) {
		t.Errorf("populated actors %v, categories %v", actors, cats)
	}
	if n := film.Collection("inventories").Len(); n != 1 {
		t.Errorf("populated inventories: %d", n)
	}
	byFilm, err := m.Find(ctx, "Actor", map[string]any{"filmActors": map[string]any{"filmId": map[string]any{"title": "ACADEMY DINOSAUR"}}})
	if err != nil || len(byFilm) != 2 {
		t.Errorf("Find Actor through filmActors.filmId.title: %d, %v", len(byFilm), err)
	}
	byCat, err := m.Find(ctx, "Category", map[string]any{"films": map[string]any{"title": map[string]any{"$like": "ACADEMY%"}}}, em.OrderBy("name", em.Asc))
	if err != nil || len(byCat) != 2 {
		t.Errorf("Find Category through the m:n films: %d, %v", len(byCat), err)
	}

	// New rows across related entities, by cascade.
	comedy, err := m.FindOne(ctx, "Category", map[string]any{"name": "Comedy"})
	if err != nil {
		t.Fatal(err)
	}
	store, err := m.FindOne(ctx, "Store", int64(1))
	if err != nil {
		t.Fatal(err)
	}
	address, err := m.Create("Address", map[string]any{"address": "1 Via Dante", "district": "Lombardia", "phone": "555-0300",
		"cityId": map[string]any{"city": "Milano", "countryId": map[string]any{"country": "Italia"}}})
	if err != nil {
		t.Fatal(err)
	}
	custData := map[string]any{"storeId": store, "firstName": "ANNA", "lastName": "ROSSI", "email": "anna@example.com",
		"addressId": address, "createDate": utc("2024-03-01")}
	switch db.dialect {
	case "postgres":
		custData["activebool"], custData["active"] = true, int64(1)
	case "mysql":
		custData["active"] = true
	case "sqlite":
		custData["active"] = "Y"
	}
	customer, err := m.Create("Customer", custData)
	if err != nil {
		t.Fatal(err)
	}
	filmData := map[string]any{"title": "ZOOLANDER FICTION", "description": "A Fateful Reflection", "languageId": m.GetReference("Language", int64(1)),
		"rentalDuration": int64(5), "rentalRate": "2.99", "length": int64(101), "replacementCost": "28.50", "rating": "PG-13",
		"category": []any{comedy, map[string]any{"name": "Documentary"}}}
	newFilm, err := m.Create("Film", filmData)
	if err != nil && db.dialect == "mysql" {
		t.Errorf("Create Film with rating PG-13: %v", err)
		delete(filmData, "rating")
		newFilm, err = m.Create("Film", filmData)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create("FilmActor", map[string]any{"actorId": m.GetReference("Actor", int64(2)), "filmId": newFilm}); err != nil {
		t.Fatal(err)
	}
	inv, err := m.Create("Inventory", map[string]any{"filmId": newFilm, "storeId": store})
	if err != nil {
		t.Fatal(err)
	}
	rentedAt, paidAt := utc("2024-03-02 10:11:12"), utc("2024-03-02 10:15:00.345678")
	rental, err := m.Create("Rental", map[string]any{"rentalDate": rentedAt, "inventoryId": inv, "customerId": customer, "staffId": staff})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Create("Payment", map[string]any{"customerId": customer, "staffId": staff, "rentalId": rental, "amount": "7.25", "paymentDate": paidAt}); err != nil {
		t.Fatal(err)
	}
	if err := m.Flush(ctx); err != nil {
		t.Fatalf("Flush of the new rows: %v", err)
	}
	if newFilm.ID() == nil || rental.ID() == nil || address.Ref("cityId").Ref("countryId").ID() == nil {
		t.Fatalf("keys after flush: film %v rental %v", newFilm.ID(), rental.ID())
	}

	// Read back in a fresh EntityManager.
	m2 := orm.Fork()
	got, err := m2.FindOne(ctx, "Film", map[string]any{"title": "ZOOLANDER FICTION"}, em.Populate("category", "filmActors.actorId", "inventories.rentals.payments"))
	if err != nil {
		t.Fatalf("FindOne the new film: %v", err)
	}
	check(t, got, "rentalRate", "2.99")
	if db.dialect == "sqlite" && got.Get("replacementCost") != "28.50" {
		// KNOWN: SQLite: DECIMAL(5,2) (NUMERIC affinity) is generated as decimal (a warning); the column turns "28.50" into REAL 28.5
		known(t, "Film.replacementCost = %#v, want \"28.50\"", got.Get("replacementCost"))
	} else if db.dialect != "sqlite" {
		check(t, got, "replacementCost", "28.50")
	}
	check(t, got, "rentalDuration", int64(5))
	if db.dialect != "mysql" {
		check(t, got, "rating", "PG-13")
	}
	if got.Get("lastUpdate") == nil {
		t.Errorf("lastUpdate (onCreate: now) not set")
	}
	cats = nil
	for _, c := range got.Collection("category").Items() {
		cats = append(cats, fmt.Sprint(c.Get("name")))
	}
	sort.Strings(cats)
	if !slices.Equal(cats, []string{"Comedy", "Documentary"}) {
		t.Errorf("categories of the new film: %v", cats)
	}
	if fas := got.Collection("filmActors").Items(); len(fas) != 1 || fas[0].Ref("actorId").Get("lastName") != "WAHLBERG" {
		t.Errorf("film actors of the new film: %v", fas)
	}
	invs := got.Collection("inventories").Items()
	if len(invs) != 1 || invs[0].Collection("rentals").Len() != 1 {
		t.Fatalf("inventories/rentals of the new film: %v", invs)
	}
	gotRental := invs[0].Collection("rentals").Items()[0]
	check(t, gotRental, "rentalDate", rentedAt)
	check(t, gotRental, "returnDate", nil)
	pays := gotRental.Collection("payments").Items()
	if len(pays) != 1 {
		t.Fatalf("payments of the rental: %v", pays)
	}
	check(t, pays[0], "amount", "7.25")
	if db.dialect == "mysql" && !pays[0].Get("paymentDate").(time.Time).Equal(paidAt) {
		// KNOWN: MySQL: DATETIME (no fraction) is generated as datetime (DATETIME(6)): microseconds are lost
		known(t, "payment date %v, want %v", pays[0].Get("paymentDate"), paidAt)
	} else if db.dialect != "mysql" {
		check(t, pays[0], "paymentDate", paidAt)
	}
	cust2, err := m2.FindOne(ctx, "Customer", map[string]any{"email": "anna@example.com"}, em.Populate("addressId.cityId.countryId"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, cust2, "createDate", utc("2024-03-01"))
	if c := cust2.Ref("addressId").Ref("cityId").Ref("countryId"); c == nil || c.Get("country") != "Italia" {
		t.Errorf("customer's country: %v", c)
	}

	// Update and flush.
	if err := got.Set("rentalRate", "3.49"); err != nil {
		t.Fatal(err)
	}
	if err := got.Set("title", "ZOOLANDER FICTION II"); err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Collection("category").Items() {
		if c.Get("name") == "Comedy" {
			got.Collection("category").Remove(c)
		}
	}
	if err := m2.Flush(ctx); err != nil {
		t.Fatalf("Flush of the update: %v", err)
	}
	m3 := orm.Fork()
	upd, err := m3.FindOne(ctx, "Film", got.ID(), em.Populate("category"))
	if err != nil {
		t.Fatal(err)
	}
	check(t, upd, "rentalRate", "3.49")
	check(t, upd, "title", "ZOOLANDER FICTION II")
	if n := upd.Collection("category").Len(); n != 1 {
		t.Errorf("categories after removing one: %d", n)
	}

	// FindAndCount with a limit.
	page, total, err := m3.FindAndCount(ctx, "Film", nil, em.OrderBy("filmId", em.Asc), em.Limit(1))
	if err != nil || len(page) != 1 || total != 2 {
		t.Errorf("FindAndCount Film limit 1: %d rows, total %d, %v", len(page), total, err)
	}

	// Remove: the rental (the payment's nullable key is SET NULL), then the film and what
	// refers to it.
	m4 := orm.Fork()
	r4, err := m4.FindOne(ctx, "Rental", rental.ID())
	if err != nil {
		t.Fatal(err)
	}
	m4.Remove(r4)
	if err := m4.Flush(ctx); err != nil {
		t.Fatalf("Flush removing a rental: %v", err)
	}
	m5 := orm.Fork()
	p5, err := m5.FindOne(ctx, "Payment", map[string]any{"amount": "7.25"})
	if err != nil {
		t.Fatal(err)
	}
	check(t, p5, "rentalId", nil)
	f5, err := m5.FindOne(ctx, "Film", got.ID(), em.Populate("filmActors", "inventories"))
	if err != nil {
		t.Fatal(err)
	}
	m5.Remove(f5.Collection("filmActors").Items()...)
	m5.Remove(f5.Collection("inventories").Items()...)
	m5.Remove(f5)
	if err := m5.Flush(ctx); err != nil {
		t.Fatalf("Flush removing the film: %v", err)
	}
	if n, err := orm.Fork().Count(ctx, "Film", nil); err != nil || n != 1 {
		t.Errorf("films after the remove: %d, %v", n, err)
	}
	if n, err := orm.Fork().Count(ctx, "FilmActor", nil); err != nil || n != 2 {
		t.Errorf("film actors after the remove: %d, %v", n, err)
	}

	// The store/staff cycle of Sakila: both keys NOT NULL, so a new store with a new manager
	// cannot be inserted in one flush; dorm must say so, and change nothing.
	m6 := orm.Fork()
	newStore, err := m6.Create("Store", map[string]any{"addressId": m6.GetReference("Address", int64(1))})
	if err != nil {
		t.Fatal(err)
	}
	manager, err := m6.Create("Staff", map[string]any{"firstName": "Jon", "lastName": "Stephens", "addressId": m6.GetReference("Address", int64(2)),
		"storeId": newStore, "username": "Jon", "active": staff.Get("active")})
	if err != nil {
		t.Fatal(err)
	}
	if err := newStore.Set("manager", manager); err != nil {
		t.Fatal(err)
	}
	err = m6.Flush(ctx)
	t.Logf("flush of the store/staff cycle: %v", err)
	if err == nil {
		t.Errorf("flush of a NOT NULL cycle succeeded")
	}
	if n, _ := orm.Fork().Count(ctx, "Store", nil); n != 1 {
		t.Errorf("stores after the failed flush: %d", n)
	}
}

// edit changes a generated file as a user would, to get past a problem.
func edit(t *testing.T, dir, file, old, new string) {
	t.Helper()
	path := filepath.Join(dir, file)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not contain %q:\n%s", file, old, b)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// adapt converts v for a property whose generated type is an integer where the database
// type was a boolean (SQLite: documented).
func adapt(orm *em.ORM, entity, prop string, v any) any {
	meta, _ := orm.Registry().Entity(entity)
	p, ok := meta.Property(prop)
	if b, isBool := v.(bool); isBool && ok && p.Type.IsInteger() {
		if b {
			return int64(1)
		}
		return int64(0)
	}
	return v
}

func propType(orm *em.ORM, entity, prop string) schema.Type {
	meta, _ := orm.Registry().Entity(entity)
	p, _ := meta.Property(prop)
	return p.Type
}

func awkwardWork(t *testing.T, db foreignDB, out string) {
	ctx := context.Background()
	orm := openForeign(t, db, out)
	var m *em.EntityManager
	b := func(entity, prop string, v bool) any { return adapt(orm, entity, prop, v) }

	settings := map[string]any{"theme": "dark", "n": 1.5, "tags": []any{"a", "b"}, "nested": map[string]any{"ok": true, "none": nil}}
	userData := func(name string) map[string]any {
		d := map[string]any{"userName": name, "email": name + "@example.com", "isActive": b("User", "isActive", true),
			"settings": map[string]any{}}
		if propType(orm, "User", "id") == schema.String { // SQLite: a TEXT key, no uuid type
			d["id"] = "00000000-0000-4000-8000-00000000000" + fmt.Sprint(len(name)%10)
		}
		return d
	}
	aliceData := userData("alice")
	aliceData["avatar"] = []byte{0, 1, 2, 0xfe, 0xff}
	aliceData["settings"] = settings
	aliceData["manager"] = userData("boss")
	settingData := map[string]any{"key": "site.title", "value": map[string]any{"a": []any{1.0, "x", nil, true}},
		"flag": b("Setting", "flag", true), "ratio": 0.1, "weight": 1.5, "small": int64(7), "big": int64(9007199254740993),
		"opens": "09:30:00", "blob": []byte("\x00binary\xffdata")}
	if db.dialect == "postgres" {
		// timestamp without time zone, on a database whose TimeZone is America/New_York
		settingData["localAt"] = utc("2024-05-01 12:00:00.5")
		aliceData["rawSettings"] = map[string]any{"z": 1.0, "a": []any{}}
	}
	if propType(orm, "Setting", "value") == schema.String { // SQLite: TEXT in a STRICT table
		settingData["value"] = `{"a":[1,"x",null,true]}`
	}

	// First, what the generated files let a user write at all (throwaway EntityManagers).
	var edited bool
	if _, err := orm.Fork().Create("User", aliceData); err != nil {
		t.Errorf("Create User with JSON settings: %v", err)
		edit(t, out, "user.yaml", "settings:     { type: decimal }", "settings:     { type: json }")
		edited = true
	}
	if _, err := orm.Fork().Create("Setting", settingData); err != nil {
		t.Errorf("Create Setting with a 64-bit integer: %v", err)
		edit(t, out, "setting.yaml", "big:    { type: int,", "big:    { type: bigint,")
		edited = true
	}
	m0 := orm.Fork()
	g0, err := m0.Create("Group", map[string]any{"name": "probe", "select": b("Group", "select", false)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m0.Flush(ctx); err != nil {
		t.Errorf("Flush of a Group without an id: %v", err)
		edit(t, out, "group.yaml", "id:     { type: int, primary: true, autoincrement: false }", "id:     { type: int, primary: true }")
		edited = true
	} else {
		m0.Remove(g0)
		if err := m0.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if edited {
		orm.Close()
		orm = openForeign(t, db, out)
		b = func(entity, prop string, v bool) any { return adapt(orm, entity, prop, v) }
	}
	m = orm.Fork()
	alice, err := m.Create("User", aliceData)
	if err != nil {
		t.Fatalf("Create User: %v", err)
	}
	boss := alice.Ref("manager")
	if _, err := m.Create("UserProfile", map[string]any{"user": alice, "bio": "likes 'quotes' and \"doubles\"", "birthday": utc("1990-07-15"), "website": "https://alice.example"}); err != nil {
		t.Fatalf("Create UserProfile: %v", err)
	}
	groupData := map[string]any{"name": "admins", "select": b("Group", "select", true), "member": []any{alice, boss}}
	admins, err := m.Create("Group", groupData)
	if err != nil {
		t.Fatalf("Create Group: %v", err)
	}
	ops, err := m.Create("Group", map[string]any{"name": "ops", "parent": admins, "member": []any{alice}})
	if err != nil {
		t.Fatalf("Create Group: %v", err)
	}
	orderData := map[string]any{"select": "express", "status": "paid", "total": "1234.5678", "customer": alice, "note": "ring twice",
		"externalRef": "6f1c2b7e-3d4a-4f5b-9c8d-0e1f2a3b4c5d", "from": utc("2024-05-01"), "paid": b("Order", "paid", true),
		"orderLines": []any{
			map[string]any{"lineNo": int64(1), "sku": "A-1", "qty": int64(2), "price": "0.0001"},
			map[string]any{"lineNo": int64(2), "sku": "B-2", "qty": int64(1), "price": "99999999.9999"},
		}}
	order, err := m.Create("Order", orderData)
	if err != nil {
		t.Fatalf("Create Order: %v", err)
	}
	if _, err := m.Create("Setting", settingData); err != nil {
		t.Fatalf("Create Setting: %v", err)
	}
	err = m.Flush(ctx)
	if err != nil && db.dialect == "mysql" {
		t.Errorf("Flush without placedAt (the database has a default): %v", err)
		if err := order.Set("placedAt", utc("2024-05-01 12:00:00")); err != nil {
			t.Fatal(err)
		}
		err = m.Flush(ctx)
	}
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if order.ID() == nil || admins.ID() == nil || ops.ID() == nil || alice.ID() == nil {
		t.Fatalf("keys after the flush: order %v, groups %v %v, user %v", order.ID(), admins.ID(), ops.ID(), alice.ID())
	}

	// Read back in a fresh EntityManager.
	m2 := orm.Fork()
	orders, err := m2.Find(ctx, "Order", map[string]any{"customer": map[string]any{"userName": "alice"}},
		em.Populate("orderLines", "customer.manager"))
	if err != nil || len(orders) != 1 {
		t.Fatalf("Find Order by customer name: %v, %v", orders, err)
	}
	o := orders[0]
	check(t, o, "select", "express")
	check(t, o, "status", "paid")
	check(t, o, "total", "1234.5678")
	check(t, o, "note", "ring twice")
	check(t, o, "externalRef", "6f1c2b7e-3d4a-4f5b-9c8d-0e1f2a3b4c5d")
	check(t, o, "from", utc("2024-05-01"))
	check(t, o, "paid", b("Order", "paid", true))
	if o.Get("placedAt") == nil {
		t.Errorf("placedAt not set")
	}
	if c := o.Ref("customer"); c == nil || c.Ref("manager") == nil || c.Ref("manager").Get("userName") != "boss" {
		t.Errorf("order's customer's manager: %v", c)
	}
	prices := map[any]any{}
	for _, l := range o.Collection("orderLines").Items() {
		prices[l.Get("lineNo")] = l.Get("price")
	}
	if diff := cmp.Diff(map[any]any{int64(1): "0.0001", int64(2): "99999999.9999"}, prices); diff != "" {
		if db.dialect == "sqlite" {
			// KNOWN: SQLite: NUMERIC(12,4) is generated as decimal (stored as TEXT COLLATE dorm_decimal), but the hand-written column has NUMERIC affinity: values come back as REAL
			known(t, "order line prices (-want +got):\n%s", diff)
		} else {
			t.Errorf("order line prices (-want +got):\n%s", diff)
		}
	}
	a2 := o.Ref("customer")
	check(t, a2, "avatar", []byte{0, 1, 2, 0xfe, 0xff})
	check(t, a2, "settings", settings)
	check(t, a2, "isActive", b("User", "isActive", true))
	if a2.Get("createdAt") == nil {
		t.Errorf("createdAt (onCreate: now) not set")
	}
	if propType(orm, "User", "id") == schema.UUID {
		if id, _ := a2.ID().(string); len(id) != 36 {
			t.Errorf("user id %v, want a uuid", a2.ID())
		}
	}
	prof, err := m2.FindOne(ctx, "UserProfile", a2.ID())
	if err != nil {
		t.Fatalf("FindOne UserProfile by the user's key: %v", err)
	}
	check(t, prof, "bio", "likes 'quotes' and \"doubles\"")
	check(t, prof, "birthday", utc("1990-07-15"))
	check(t, prof, "website", "https://alice.example")
	if prof.Ref("user") != a2 {
		t.Errorf("profile's user is not the loaded user")
	}
	users, err := m2.Find(ctx, "User", map[string]any{"groups": map[string]any{"name": "admins"}}, em.OrderBy("userName", em.Asc))
	if err != nil || len(users) != 2 || users[0] != a2 {
		t.Errorf("Find User through the m:n groups: %v, %v", users, err)
	}
	roots, err := m2.Find(ctx, "Group", map[string]any{"parent": nil}, em.Populate("member", "groups"))
	if err != nil || len(roots) != 1 {
		t.Fatalf("Find root Group: %v, %v", roots, err)
	}
	check(t, roots[0], "select", b("Group", "select", true))
	if roots[0].Collection("member").Len() != 2 || roots[0].Collection("groups").Len() != 1 {
		t.Errorf("admins: %d members, %d subgroups", roots[0].Collection("member").Len(), roots[0].Collection("groups").Len())
	}
	if byWord, err := m2.Find(ctx, "Order", map[string]any{"select": "express", "from": map[string]any{"$gte": utc("2024-01-01")}}, em.OrderBy("from", em.Desc)); err != nil || len(byWord) != 1 {
		t.Errorf("Find Order by the columns select and from: %v, %v", byWord, err)
	}
	st, err := m2.FindOne(ctx, "Setting", "site.title")
	if err != nil {
		t.Fatalf("FindOne Setting: %v", err)
	}
	for prop, want := range map[string]any{"value": settingData["value"], "flag": settingData["flag"], "ratio": 0.1, "weight": 1.5,
		"small": int64(7), "big": int64(9007199254740993), "opens": "09:30:00", "blob": []byte("\x00binary\xffdata")} {
		check(t, st, prop, want)
	}
	if db.dialect == "postgres" {
		check(t, st, "localAt", utc("2024-05-01 12:00:00.5"))
		if v := db.scalar(t, `SELECT local_at::text || ' ' || current_setting('TimeZone') FROM setting`); v != "2024-05-01 12:00:00.5 America/New_York" {
			t.Errorf("setting.local_at as stored: %s", v)
		}
		check(t, a2, "rawSettings", map[string]any{"z": 1.0, "a": []any{}})
	}
	// Equality on text is case-sensitive on every database, say the docs (MySQL: dorm makes its
	// tables utf8mb4_bin); schema diff said nothing about this table's utf8mb4_unicode_ci.
	if us, err := m2.Find(ctx, "User", map[string]any{"userName": "ALICE"}); err != nil || len(us) != 0 {
		// KNOWN: mysql: the hand-written tables are utf8mb4_unicode_ci; inspection compares a column's collation only with its table's, and the table's is not in the model, so schema diff never reports it
		known(t, "Find User userName = ALICE: %d rows, %v", len(us), err)
	}
	if db.dialect == "sqlite" {
		if n := db.scalar(t, `SELECT count(*) FROM audit_log`); n != "1" {
			t.Errorf("audit_log rows written by the trigger on order: %s", n)
		}
	}

	// Update and flush.
	if err := o.Set("status", "shipped"); err != nil {
		t.Fatal(err)
	}
	if err := o.Set("total", "0.5000"); err != nil {
		t.Fatal(err)
	}
	for _, l := range o.Collection("orderLines").Items() {
		if l.Get("lineNo") == int64(2) {
			m2.Remove(l)
		}
	}
	if err := st.Set("flag", b("Setting", "flag", false)); err != nil {
		t.Fatal(err)
	}
	if err := st.Set("value", nil); err != nil {
		t.Fatal(err)
	}
	if err := m2.Flush(ctx); err != nil {
		t.Fatalf("Flush of the update: %v", err)
	}
	m3 := orm.Fork()
	o3, err := m3.FindOne(ctx, "Order", o.ID())
	if err != nil {
		t.Fatal(err)
	}
	check(t, o3, "status", "shipped")
	if db.dialect == "sqlite" && o3.Get("total") != "0.5000" {
		// KNOWN: SQLite: NUMERIC affinity turns the decimal text into REAL
		known(t, "Order.total = %#v, want \"0.5000\"", o3.Get("total"))
	} else if db.dialect != "sqlite" {
		check(t, o3, "total", "0.5000")
	}
	lines, total, err := m3.FindAndCount(ctx, "OrderLine", map[string]any{"order": o.ID()}, em.Limit(1))
	if err != nil || len(lines) != 1 || total != 1 {
		t.Errorf("FindAndCount OrderLine: %d rows, total %d, %v", len(lines), total, err)
	}
	st3, err := m3.FindOne(ctx, "Setting", "site.title")
	if err != nil {
		t.Fatal(err)
	}
	check(t, st3, "flag", b("Setting", "flag", false))
	check(t, st3, "value", nil)

	// A Create that fails must leave nothing behind for the next flush.
	bossRef, err := m3.FindOne(ctx, "User", map[string]any{"userName": "boss"}, em.Populate("orders"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m3.Create("Order", map[string]any{"select": "x", "status": "new", "total": "not a number", "customer": bossRef}); err == nil {
		t.Fatalf("Create Order with total %q succeeded", "not a number")
	}
	if err := m3.Flush(ctx); err != nil {
		t.Errorf("Flush after a failed Create: %v", err)
	}
	m3.Clear()
	if n, err := m3.Count(ctx, "Order", nil); err != nil || n != 1 {
		t.Errorf("orders after a failed Create and a flush: %d, %v", n, err)
	}

	// Remove the user: the order keeps a NULL customer (ON DELETE SET NULL), the profile
	// goes (ON DELETE CASCADE), and so do the pivot rows.
	m4 := orm.Fork()
	a4, err := m4.FindOne(ctx, "User", map[string]any{"userName": "alice"}, em.Populate("orders", "userProfiles", "groups"))
	if err != nil {
		t.Fatal(err)
	}
	m4.Remove(a4)
	if err := m4.Flush(ctx); err != nil {
		t.Fatalf("Flush removing a user: %v", err)
	}
	m5 := orm.Fork()
	o5, err := m5.FindOne(ctx, "Order", o.ID())
	if err != nil {
		t.Fatal(err)
	}
	if o5.Ref("customer") != nil {
		t.Errorf("order's customer after removing the user: %v", o5.Ref("customer"))
	}
	if _, err := m5.FindOne(ctx, "UserProfile", a2.ID()); !errors.Is(err, em.ErrNotFound) {
		t.Errorf("the profile after removing its user: %v", err)
	}
	g5, err := m5.FindOne(ctx, "Group", map[string]any{"name": "admins"}, em.Populate("member"))
	if err != nil || g5.Collection("member").Len() != 1 {
		t.Errorf("admins after removing a member: %v", err)
	}
	if n, err := m5.Count(ctx, "User", nil); err != nil || n != 1 {
		t.Errorf("users after the remove: %d, %v", n, err)
	}
	// The self-reference: removing the parent group sets the child's parent to NULL.
	m5.Remove(g5)
	if err := m5.Flush(ctx); err != nil {
		t.Fatalf("Flush removing a parent group: %v", err)
	}
	g6, err := orm.Fork().FindOne(ctx, "Group", map[string]any{"name": "ops"})
	if err != nil || g6.Ref("parent") != nil {
		t.Errorf("ops after removing its parent: %v", err)
	}
}

// known records a limitation with hand-written schemas that docs/migrations.md lists: the
// test logs it, loudly, instead of failing. The assertions around it still fail.
func known(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Logf("KNOWN LIMITATION (docs/migrations.md, Hand-written schemas): "+format, args...)
}

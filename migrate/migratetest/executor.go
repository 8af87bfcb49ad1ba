package migratetest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dorm-go/dorm/migrate"
)

// RunExecutor checks the executor on the driver: an edited applied migration is refused,
// a failing statement rolls the whole migration back, and (when h.Reopen is set) two
// executors at once never both apply a migration.
func RunExecutor(t *testing.T, h Harness) {
	t.Run("edited_refused", func(t *testing.T) { editedRefused(t, h) })
	t.Run("failed_rolls_back", func(t *testing.T) { failedRollsBack(t, h) })
	if h.Reopen != nil {
		t.Run("concurrent_up", func(t *testing.T) { concurrentUp(t, h) })
	}
}

func (h Harness) initMigration(t *testing.T, dir migrate.Dir) *migrate.Migration {
	t.Helper()
	reg := LoadYAML(t, "entity: Author\nproperties:\n  id: { type: int, primary: true }\n  name: { type: string, nullable: true }\n")
	want := h.Desired(t, reg)
	_, up, down, err := migrate.Scripts(&migrate.Schema{}, want, h.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	m, err := dir.Create("init", up, down, want, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func editedRefused(t *testing.T, h Harness) {
	ctx := context.Background()
	drv := h.Open(t)
	dir := migrate.Dir{Path: filepath.Join(t.TempDir(), "migrations")}
	m := h.initMigration(t, dir)
	ex := &migrate.Executor{Target: drv, Dir: dir}
	if _, err := ex.Up(ctx, ""); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir.Path, m.FileBase()+".up.sql")
	if err := os.WriteFile(file, []byte(m.Up+"-- edited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("up with an edited file (sum not updated): %v", err)
	}
	if err := dir.WriteSum(); err != nil { // someone also rewrote the sum
		t.Fatal(err)
	}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "edited") {
		t.Fatalf("up with an edited applied migration: %v", err)
	}
	st, err := ex.Status(ctx)
	if err != nil || len(st) != 1 || st[0].State != "edited" {
		t.Errorf("status: %+v %v", st, err)
	}
}

func failedRollsBack(t *testing.T, h Harness) {
	ctx := context.Background()
	drv := h.Open(t)
	dir := migrate.Dir{Path: filepath.Join(t.TempDir(), "migrations")}
	if _, err := dir.Create("bad", "CREATE TABLE a (id INTEGER);\nINSERT INTO nope VALUES (1);\n", "DROP TABLE a;\n", &migrate.Schema{}, time.Now()); err != nil {
		t.Fatal(err)
	}
	ex := &migrate.Executor{Target: drv, Dir: dir}
	if _, err := ex.Up(ctx, ""); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("up: %v", err)
	}
	s, err := drv.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Tables) != 0 {
		t.Errorf("tables after a failed migration: %v", Ops(h.Diff(t, &migrate.Schema{}, s)))
	}
	st, _ := ex.Status(ctx)
	if len(st) != 1 || st[0].State != "pending" {
		t.Errorf("status: %+v", st)
	}
}

func concurrentUp(t *testing.T, h Harness) {
	ctx := context.Background()
	a := h.Open(t)
	b := h.Reopen(t, a)
	dir := migrate.Dir{Path: filepath.Join(t.TempDir(), "migrations")}
	h.initMigration(t, dir)
	results, errs := UpConcurrently(ctx, dir, a, b)
	total := 0
	for i := range results {
		total += len(results[i])
		if errs[i] != nil && !strings.Contains(errs[i].Error(), "lock") {
			t.Errorf("executor %d: %v", i, errs[i])
		}
	}
	if total != 1 {
		t.Errorf("the migration was applied %d times, want 1", total)
	}
}

// UpConcurrently runs an executor's Up on dir for each target at once and returns what each
// applied and its error.
func UpConcurrently(ctx context.Context, dir migrate.Dir, targets ...migrate.Target) ([][]*migrate.Migration, []error) {
	var wg sync.WaitGroup
	results := make([][]*migrate.Migration, len(targets))
	errs := make([]error, len(targets))
	for i, drv := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = (&migrate.Executor{Target: drv, Dir: dir}).Up(ctx, "")
		}()
	}
	wg.Wait()
	return results, errs
}

package migrate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Target is a database that schemas are applied and migrations run against. A driver
// implements it (drivers/<name>/migrate.go); it is built from small interfaces.
type Target interface {
	Inspector
	RowCounter
	// MigrateDialect is the dialect of the database.
	MigrateDialect() Dialect
	// Session opens a session on one connection, with the history table created.
	Session(ctx context.Context) (Session, error)
}

// Session is one connection that migrations run on.
type Session interface {
	// Begin starts a transaction that holds the migration lock: another session's Begin
	// waits for it or fails clearly (SQLite: BEGIN EXCLUSIVE).
	Begin(ctx context.Context) (Tx, error)
	// TransactionalDDL reports whether a failed statement rolls back the DDL before it. When
	// false, a failed migration is recorded with state failed.
	TransactionalDDL() bool
	Close() error
}

// Tx is a migration transaction: statements and history rows.
type Tx interface {
	Exec(ctx context.Context, stmt string) error
	// Revisions returns the rows of the history table, in version order.
	Revisions(ctx context.Context) ([]Revision, error)
	// SaveRevision inserts or replaces the history row of r.Version.
	SaveRevision(ctx context.Context, r Revision) error
	DeleteRevision(ctx context.Context, version string) error
	// Commit checks what the database must check before (SQLite: foreign keys) and commits.
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}

// Revision is a row of the history table.
type Revision struct {
	Version     string
	Name        string
	Checksum    string
	AppliedAt   time.Time
	ExecutionMS int64
	State       string // StateApplied or StateFailed
}

// History states.
const (
	StateApplied = "applied"
	StateFailed  = "failed"
)

// Apply runs the statements of p in one migration transaction of t. Nothing is recorded in
// the history table (this is schema update).
func Apply(ctx context.Context, t Target, p *Plan) error {
	s, err := t.Session(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	tx, err := s.Begin(ctx)
	if err != nil {
		return err
	}
	for _, st := range p.Statements {
		if err := tx.Exec(ctx, st.SQL); err != nil {
			_ = tx.Rollback(ctx)
			return &StatementError{Stmt: st.SQL, Err: err}
		}
	}
	return tx.Commit(ctx)
}

// StatementError is the error of one statement of a plan or a migration.
type StatementError struct {
	Version string // the migration; "" for a plan
	Stmt    string
	Err     error
}

func (e *StatementError) Error() string {
	where := "statement"
	if e.Version != "" {
		where = "migration " + e.Version + ": statement"
	}
	return fmt.Sprintf("%s %q: %v", where, e.Stmt, e.Err)
}

func (e *StatementError) Unwrap() error { return e.Err }

// Scripts returns the changes from from to to and the up and down scripts that carry them
// out on d. The down script is the plan of the reverse diff; changes whose data the down
// script cannot bring back (dropped tables and columns) are named in a comment at its top.
func Scripts(from, to *Schema, d Dialect) (changes []Change, up, down string, err error) {
	changes, err = Diff(from, to, DiffOptions{Dialect: d})
	if err != nil || len(changes) == 0 {
		return changes, "", "", err
	}
	upPlan, err := d.Plan(changes)
	if err != nil {
		return nil, "", "", err
	}
	back, err := Diff(to, Reverse(from, to), DiffOptions{Dialect: d})
	if err != nil {
		return nil, "", "", err
	}
	downPlan, err := d.Plan(back)
	if err != nil {
		return nil, "", "", err
	}
	var b strings.Builder
	for _, n := range Irreversible(changes) {
		b.WriteString("-- irreversible: " + n + "\n")
	}
	b.WriteString(downPlan.SQL())
	return changes, upPlan.SQL(), b.String(), nil
}

// Irreversible names the changes whose down migration cannot restore data: it recreates
// dropped tables and columns empty.
func Irreversible(changes []Change) []string {
	var out []string
	for _, c := range changes {
		switch c := c.(type) {
		case *DropTable:
			out = append(out, "table "+c.T.Name+" is recreated without its rows")
		case *ModifyTable:
			for _, s := range c.Changes {
				if d, ok := s.(*DropColumn); ok {
					out = append(out, "column "+c.To.Name+"."+d.C.Name+" is recreated without its values")
				}
			}
		}
	}
	return out
}

// Executor runs the migrations of a directory against a target.
type Executor struct {
	Target Target
	Dir    Dir
	// Now returns the time recorded as applied_at; nil is time.Now.
	Now func() time.Time
}

// Status is the state of one migration.
type Status struct {
	Version  string `json:"version"`
	Name     string `json:"name"`
	State    string `json:"state"` // applied, pending, edited, failed, missing (applied, file gone)
	Applied  *time.Time
	Duration time.Duration
}

// ErrEdited is matched by errors about an applied migration whose file was edited.
var ErrEdited = errors.New("migrate: an applied migration was edited")

// ErrFailed is matched by errors about a migration recorded as failed.
var ErrFailed = errors.New("migrate: a migration has failed")

func (e *Executor) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Status returns the state of every migration of the directory and of every history row
// without a file.
func (e *Executor) Status(ctx context.Context) ([]Status, error) {
	migs, err := e.Dir.Migrations()
	if err != nil {
		return nil, err
	}
	s, err := e.Target.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	tx, err := s.Begin(ctx)
	if err != nil {
		return nil, err
	}
	revs, err := tx.Revisions(ctx)
	_ = tx.Rollback(ctx)
	if err != nil {
		return nil, err
	}
	return status(migs, revs), nil
}

func status(migs []*Migration, revs []Revision) []Status {
	byV := map[string]Revision{}
	for _, r := range revs {
		byV[r.Version] = r
	}
	var out []Status
	seen := map[string]bool{}
	for _, m := range migs {
		seen[m.Version] = true
		st := Status{Version: m.Version, Name: m.Name, State: "pending"}
		if r, ok := byV[m.Version]; ok {
			at := r.AppliedAt
			st.Applied, st.Duration = &at, time.Duration(r.ExecutionMS)*time.Millisecond
			switch {
			case r.State == StateFailed:
				st.State = StateFailed
			case r.Checksum != m.Checksum:
				st.State = "edited"
			default:
				st.State = StateApplied
			}
		}
		out = append(out, st)
	}
	for _, r := range revs {
		if !seen[r.Version] {
			at := r.AppliedAt
			out = append(out, Status{Version: r.Version, Name: r.Name, State: "missing", Applied: &at})
		}
	}
	return out
}

// checkHistory refuses to go on when an applied migration was edited or is missing, or one
// has failed.
func checkHistory(st []Status) error {
	for _, s := range st {
		switch s.State {
		case "edited":
			return fmt.Errorf("%w: %s_%s changed after it was applied (restore the file; write a new migration for new changes)", ErrEdited, s.Version, s.Name)
		case StateFailed:
			return fmt.Errorf("%w: %s_%s; repair the database by hand, then delete its row from %s", ErrFailed, s.Version, s.Name, HistoryTable)
		case "missing":
			return fmt.Errorf("migrate: migration %s_%s is applied but its files are not in the directory", s.Version, s.Name)
		}
	}
	return nil
}

// Up applies the pending migrations in version order, up to and including version to ("":
// all). Each runs in its own transaction, which holds the migration lock and re-reads the
// history first, so two runs at once never apply one migration twice. It returns the
// migrations it applied.
func (e *Executor) Up(ctx context.Context, to string) ([]*Migration, error) {
	migs, err := e.Dir.Migrations()
	if err != nil {
		return nil, err
	}
	if to != "" {
		found := false
		for _, m := range migs {
			found = found || m.Version == to
		}
		if !found {
			return nil, fmt.Errorf("migrate: no migration with version %s in %s", to, e.Dir.Path)
		}
	}
	s, err := e.Target.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var done []*Migration
	for {
		tx, err := s.Begin(ctx)
		if err != nil {
			return done, err
		}
		revs, err := tx.Revisions(ctx)
		if err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		st := status(migs, revs)
		if err := checkHistory(st); err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		var next *Migration
		for i, x := range st {
			if x.State == "pending" {
				next = migs[i]
				break
			}
		}
		if next == nil || to != "" && next.Version > to {
			return done, tx.Rollback(ctx)
		}
		start := e.now()
		for _, stmt := range SplitSQL(next.Up) {
			if err := tx.Exec(ctx, stmt); err != nil {
				_ = tx.Rollback(ctx)
				err = &StatementError{Version: next.Version, Stmt: stmt, Err: err}
				if !s.TransactionalDDL() {
					err = e.recordFailed(ctx, s, next, start, err)
				}
				return done, err
			}
		}
		rev := Revision{Version: next.Version, Name: next.Name, Checksum: next.Checksum, AppliedAt: start.UTC(),
			ExecutionMS: e.now().Sub(start).Milliseconds(), State: StateApplied}
		if err := tx.SaveRevision(ctx, rev); err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		if err := tx.Commit(ctx); err != nil {
			return done, fmt.Errorf("migration %s: %w", next.Version, err)
		}
		done = append(done, next)
	}
}

func (e *Executor) recordFailed(ctx context.Context, s Session, m *Migration, start time.Time, cause error) error {
	tx, err := s.Begin(ctx)
	if err != nil {
		return errors.Join(cause, err)
	}
	if err := tx.SaveRevision(ctx, Revision{Version: m.Version, Name: m.Name, Checksum: m.Checksum,
		AppliedAt: start.UTC(), State: StateFailed}); err != nil {
		_ = tx.Rollback(ctx)
		return errors.Join(cause, err)
	}
	return errors.Join(cause, tx.Commit(ctx))
}

// Down reverts the last steps applied migrations (at least one), newest first, each in its
// own transaction. It returns the migrations it reverted.
func (e *Executor) Down(ctx context.Context, steps int) ([]*Migration, error) {
	if steps < 1 {
		return nil, fmt.Errorf("migrate: --steps must be at least 1, not %d", steps)
	}
	migs, err := e.Dir.Migrations()
	if err != nil {
		return nil, err
	}
	s, err := e.Target.Session(ctx)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	var done []*Migration
	for len(done) < steps {
		tx, err := s.Begin(ctx)
		if err != nil {
			return done, err
		}
		revs, err := tx.Revisions(ctx)
		if err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		st := status(migs, revs)
		if err := checkHistory(st); err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		var last *Migration
		for i, x := range st {
			if x.State == StateApplied {
				last = migs[i]
			}
		}
		if last == nil {
			return done, tx.Rollback(ctx)
		}
		for _, stmt := range SplitSQL(last.Down) {
			if err := tx.Exec(ctx, stmt); err != nil {
				_ = tx.Rollback(ctx)
				return done, &StatementError{Version: last.Version, Stmt: stmt, Err: err}
			}
		}
		if err := tx.DeleteRevision(ctx, last.Version); err != nil {
			_ = tx.Rollback(ctx)
			return done, err
		}
		if err := tx.Commit(ctx); err != nil {
			return done, fmt.Errorf("migration %s down: %w", last.Version, err)
		}
		done = append(done, last)
	}
	return done, nil
}

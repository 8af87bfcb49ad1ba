package sqlbase

import (
	"context"
	"strconv"
	"time"

	"github.com/dorm-go/dorm/drivers"
)

// TxHooks is how a driver runs and ends a transaction; [TxState] calls them. They are shared
// by a transaction and its savepoints.
type TxHooks struct {
	// ErrDone is returned by a transaction or savepoint that is already committed or rolled
	// back (sql.ErrTxDone, pgx.ErrTxClosed).
	ErrDone error
	// Config emits the COMMIT and ROLLBACK events of the transaction.
	Config drivers.Config
	// Exec runs a SAVEPOINT, RELEASE SAVEPOINT or ROLLBACK TO SAVEPOINT statement in the
	// transaction (through the runner, which emits its event).
	Exec func(ctx context.Context, sql string) error
	// Commit and Rollback end the transaction, returning the classified error.
	Commit, Rollback func(ctx context.Context) error
	// End, if set, runs after the transaction has ended and its event was emitted.
	End func()
}

// TxState is the nesting of a transaction: the transaction itself, or below it a savepoint
// named spN (numbered in the order they are begun, across the whole transaction). A driver's
// Tx embeds it and has drivers.Tx's Begin, Commit and Rollback call it.
type TxState struct {
	hooks *TxHooks
	seq   *int   // savepoint numbering, shared by a transaction and its savepoints
	name  string // the savepoint's name; "" for the transaction
	done  bool
}

// NewTxState returns the state of a transaction that has just begun.
func NewTxState(hooks *TxHooks) TxState { return TxState{hooks: hooks, seq: new(int)} }

// Err returns ErrDone once the transaction or savepoint is done, or nil.
func (s *TxState) Err() error {
	if s.done {
		return s.hooks.ErrDone
	}
	return nil
}

// Savepoint starts a nested transaction, SAVEPOINT spN, and returns its state.
func (s *TxState) Savepoint(ctx context.Context) (TxState, error) {
	if s.done {
		return TxState{}, s.hooks.ErrDone
	}
	*s.seq++
	name := "sp" + strconv.Itoa(*s.seq)
	if err := s.hooks.Exec(ctx, "SAVEPOINT "+name); err != nil {
		return TxState{}, err
	}
	return TxState{hooks: s.hooks, seq: s.seq, name: name}, nil
}

// Commit commits the transaction, or releases the savepoint.
func (s *TxState) Commit(ctx context.Context) error {
	if s.done {
		return s.hooks.ErrDone
	}
	s.done = true
	if s.name != "" {
		return s.hooks.Exec(ctx, "RELEASE SAVEPOINT "+s.name)
	}
	return s.end(ctx, "COMMIT", s.hooks.Commit)
}

// Rollback rolls the transaction back, or rolls back to and releases the savepoint.
func (s *TxState) Rollback(ctx context.Context) error {
	if s.done {
		return s.hooks.ErrDone
	}
	s.done = true
	if s.name != "" {
		if err := s.hooks.Exec(ctx, "ROLLBACK TO SAVEPOINT "+s.name); err != nil {
			return err
		}
		return s.hooks.Exec(ctx, "RELEASE SAVEPOINT "+s.name)
	}
	return s.end(ctx, "ROLLBACK", s.hooks.Rollback)
}

// end runs the transaction's COMMIT or ROLLBACK and emits its event.
func (s *TxState) end(ctx context.Context, event string, f func(context.Context) error) error {
	start := time.Now()
	err := f(ctx)
	s.hooks.Config.Emit(ctx, event, nil, start, err)
	if s.hooks.End != nil {
		s.hooks.End()
	}
	return err
}

// ExecHook returns the Exec hook of a transaction run by r.
func ExecHook(r *Runner) func(ctx context.Context, sql string) error {
	return func(ctx context.Context, sql string) error {
		_, err := r.Exec(ctx, "", sql, nil)
		return err
	}
}

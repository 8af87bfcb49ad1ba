package em

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/dynamic"
)

// TxOption is an option of Transactional.
type TxOption func(*drivers.TxOptions)

// Isolation levels for the Isolation option.
const (
	ReadUncommitted = drivers.ReadUncommitted
	ReadCommitted   = drivers.ReadCommitted
	RepeatableRead  = drivers.RepeatableRead
	Serializable    = drivers.Serializable
)

// Isolation sets the isolation level of the transaction (ignored for a nested one).
func Isolation(level drivers.Isolation) TxOption {
	return func(o *drivers.TxOptions) { o.Isolation = level }
}

// ReadOnly starts a read-only transaction.
func ReadOnly() TxOption { return func(o *drivers.TxOptions) { o.ReadOnly = true } }

// Transactional runs fn in a transaction and then flushes and commits. tx is an
// EntityManager bound to the transaction that shares m's identity map and unit of work: the
// entities m already holds are the ones fn sees, their pending changes are flushed inside the
// transaction, and what fn loads stays in m afterwards. If fn returns an error or panics, or
// the flush fails, the transaction is rolled back and so is every flush made inside it, in
// memory too: inserted entities are new again, updates pending again, deletes scheduled
// again. Called on tx, Transactional nests with a savepoint. Use tx, not m, inside fn.
func (m *EntityManager) Transactional(ctx context.Context, fn func(ctx context.Context, tx *EntityManager) error, opts ...TxOption) (err error) {
	var o drivers.TxOptions
	for _, opt := range opts {
		opt(&o)
	}
	var t drivers.Tx
	if m.tx != nil {
		t, err = m.tx.Begin(ctx)
	} else {
		t, err = m.orm.drv.Begin(ctx, o)
	}
	if err != nil {
		return err
	}
	tx := &EntityManager{orm: m.orm, uow: m.uow, tx: t}
	m.uow.BeginTx()
	// Init of references and collections reads inside the transaction while it runs.
	prevLoader := m.uow.SetLoader(tx)
	defer m.uow.SetLoader(prevLoader)
	done := false
	defer func() {
		if done {
			return
		}
		r := recover()
		if rerr := t.Rollback(ctx); rerr != nil {
			err = errors.Join(err, rerr)
		}
		m.uow.RollbackTx()
		if r != nil {
			panic(r)
		}
	}()
	if err = fn(WithEntityManager(ctx, tx), tx); err != nil {
		return err
	}
	if err = tx.Flush(ctx); err != nil {
		return err
	}
	if err = t.Commit(ctx); err != nil {
		return err
	}
	done = true
	m.uow.CommitTx()
	return nil
}

type ctxKey struct{}

// WithEntityManager returns a context that carries m (the request context of MikroORM).
func WithEntityManager(ctx context.Context, m *EntityManager) context.Context {
	return context.WithValue(ctx, ctxKey{}, m)
}

// FromContext returns the EntityManager of ctx, or nil.
func FromContext(ctx context.Context) *EntityManager {
	m, _ := ctx.Value(ctxKey{}).(*EntityManager)
	return m
}

// Middleware gives every request its own fork of orm, in the request's context.
func Middleware(orm *ORM, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithEntityManager(r.Context(), orm.Fork())))
	})
}

// Repository is an EntityManager bound to one entity.
type Repository struct {
	m      *EntityManager
	entity string
}

// Repository returns the repository of an entity.
func (m *EntityManager) Repository(entity string) *Repository {
	return &Repository{m: m, entity: entity}
}

// Entity returns the entity's name.
func (r *Repository) Entity() string { return r.entity }

func (r *Repository) Find(ctx context.Context, filter any, opts ...FindOption) ([]*dynamic.Entity, error) {
	return r.m.Find(ctx, r.entity, filter, opts...)
}

func (r *Repository) FindOne(ctx context.Context, filter any, opts ...FindOption) (*dynamic.Entity, error) {
	return r.m.FindOne(ctx, r.entity, filter, opts...)
}

func (r *Repository) FindAll(ctx context.Context, opts ...FindOption) ([]*dynamic.Entity, error) {
	return r.m.Find(ctx, r.entity, nil, opts...)
}

func (r *Repository) FindAndCount(ctx context.Context, filter any, opts ...FindOption) ([]*dynamic.Entity, int64, error) {
	return r.m.FindAndCount(ctx, r.entity, filter, opts...)
}

func (r *Repository) Count(ctx context.Context, filter any) (int64, error) {
	return r.m.Count(ctx, r.entity, filter)
}

func (r *Repository) Create(data map[string]any) (*dynamic.Entity, error) {
	return r.m.Create(r.entity, data)
}

func (r *Repository) GetReference(id any) *dynamic.Entity { return r.m.GetReference(r.entity, id) }

// NativeUpdate is EntityManager.NativeUpdate for the repository's entity.
func (r *Repository) NativeUpdate(ctx context.Context, filter any, data map[string]any) (int64, error) {
	return r.m.NativeUpdate(ctx, r.entity, filter, data)
}

// NativeDelete is EntityManager.NativeDelete for the repository's entity.
func (r *Repository) NativeDelete(ctx context.Context, filter any) (int64, error) {
	return r.m.NativeDelete(ctx, r.entity, filter)
}

func (r *Repository) String() string { return fmt.Sprintf("Repository(%s)", r.entity) }

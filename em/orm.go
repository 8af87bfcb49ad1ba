package em

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/loader"
	"github.com/dorm-go/dorm/schema"
	"github.com/dorm-go/dorm/uow"
)

// ErrNotFound is returned by FindOne, Refresh and Init when no row matches.
var ErrNotFound = errors.New("dorm: entity not found")

// ErrOptimisticLock is matched (errors.Is) by the error of a flush that found a versioned
// entity changed or deleted since it was loaded; errors.As gives a *uow.OptimisticLockError
// with the entity and key.
var ErrOptimisticLock = uow.ErrOptimisticLock

// QueryEvent describes one round trip to the database (a statement, or begin, commit,
// rollback, savepoint): its text, arguments, duration and error.
type QueryEvent = drivers.QueryEvent

// Config configures Open.
type Config struct {
	// Registry is the loaded entity model; or SchemaDir, a directory of entity files to load.
	Registry  *schema.Registry
	SchemaDir string
	// URL is the database URL (sqlite:file:app.db, postgres://…); its scheme picks the driver,
	// which must be imported. Or Driver, an opened driver (OnQuery and Logger then apply only
	// if you passed them to the driver yourself).
	URL    string
	Driver drivers.Driver
	// Logger receives every query with its duration at Debug level.
	Logger *slog.Logger
	// OnQuery is called once per round trip to the database.
	OnQuery func(ctx context.Context, q QueryEvent)
}

// ORM is an opened database with its entity model. It is safe for concurrent use; work with
// entities through an EntityManager from Fork.
type ORM struct {
	reg *schema.Registry
	drv drivers.Driver
	own bool
}

// Open loads the entity model (unless given) and opens the database.
func Open(ctx context.Context, cfg Config) (*ORM, error) {
	reg := cfg.Registry
	if reg == nil {
		if cfg.SchemaDir == "" {
			return nil, errors.New("dorm: em.Config needs a Registry or a SchemaDir")
		}
		var err error
		if reg, err = loader.LoadDir(cfg.SchemaDir); err != nil {
			return nil, err
		}
	}
	if cfg.Driver != nil {
		return &ORM{reg: reg, drv: cfg.Driver}, nil
	}
	if cfg.URL == "" {
		return nil, errors.New("dorm: em.Config needs a URL (e.g. sqlite:file:app.db) or a Driver")
	}
	drv, err := drivers.Open(ctx, cfg.URL, drivers.Config{OnQuery: observer(cfg.Logger, cfg.OnQuery)})
	if err != nil {
		return nil, err
	}
	return &ORM{reg: reg, drv: drv, own: true}, nil
}

// observer combines the logger and the OnQuery hook into the driver's callback.
func observer(log *slog.Logger, on func(context.Context, QueryEvent)) func(context.Context, drivers.QueryEvent) {
	if log == nil && on == nil {
		return nil
	}
	return func(ctx context.Context, q drivers.QueryEvent) {
		if log != nil && log.Enabled(ctx, slog.LevelDebug) {
			attrs := []slog.Attr{slog.String("sql", q.Query), slog.Any("args", q.Args), slog.Duration("duration", q.Duration)}
			if q.Err != nil {
				attrs = append(attrs, slog.Any("err", q.Err))
			}
			log.LogAttrs(ctx, slog.LevelDebug, "dorm query", attrs...)
		}
		if on != nil {
			on(ctx, q)
		}
	}
}

// Close closes the database if Open opened it.
func (o *ORM) Close() error {
	if o.own {
		return o.drv.Close()
	}
	return nil
}

// Registry returns the entity model; Driver the database driver.
func (o *ORM) Registry() *schema.Registry { return o.reg }
func (o *ORM) Driver() drivers.Driver     { return o.drv }

// Fork returns a new EntityManager with an empty identity map. Use one per request or job.
func (o *ORM) Fork() *EntityManager {
	m := &EntityManager{orm: o}
	m.uow = uow.New(o.reg, m)
	return m
}

// Schema returns the schema tool of the database.
func (o *ORM) Schema() *SchemaTool { return &SchemaTool{orm: o} }

// SchemaTool creates and drops the tables (collections) of the entity model.
type SchemaTool struct{ orm *ORM }

// Create creates the tables, foreign keys, indexes and pivot tables of every entity.
func (s *SchemaTool) Create(ctx context.Context) error {
	return s.orm.drv.CreateSchema(ctx, s.orm.reg)
}

// Drop drops them; what does not exist is ignored.
func (s *SchemaTool) Drop(ctx context.Context) error {
	return s.orm.drv.DropSchema(ctx, s.orm.reg)
}

func (o *ORM) entity(name string) (*schema.Entity, error) {
	meta, ok := o.reg.Entity(name)
	if !ok {
		var names []string
		for _, e := range o.reg.Entities() {
			names = append(names, e.Name)
			for _, p := range e.Properties {
				if p.Kind == schema.Embedded && p.Target != nil && p.Target.Name == name {
					return nil, fmt.Errorf("dorm: %s is an embeddable, not an entity: it is created and found as a value of %s", name, p)
				}
			}
		}
		return nil, fmt.Errorf("dorm: unknown entity %q (known: %v)", name, names)
	}
	return meta, nil
}

package main

import (
	"database/sql"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"gorm.io/gorm"
	"gorm.io/gorm/callbacks"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
	"gorm.io/gorm/migrator"
	gschema "gorm.io/gorm/schema"
)

// The structs the peers write and read: the columns of the tables that dorm creates from
// examples/schemas, nullable ones as pointers so that they are written as NULL, as dorm does.
// Times are written as text in dorm's SQLite layout (sqlite.DateTimeLayout), so that every
// contender stores the same values.

type gormAuthor struct {
	ID              int64 `gorm:"column:id;primaryKey;autoIncrement"`
	CreatedAt       string
	UpdatedAt       string
	Name            string
	Email           string
	Age             *int64
	TermsAccepted   bool
	Born            *string
	Identities      *string
	Rating          *float64
	Password        *string
	Version         int64
	FavouriteBookID *string
	MentorID        *int64
}

func (gormAuthor) TableName() string { return "author" }

type gormBook struct {
	ID          string `gorm:"column:id;primaryKey"`
	CreatedAt   string
	UpdatedAt   string
	Title       string
	Description *string
	Price       *string
	Pages       *int64
	Weight      *float64
	Meta        *string
	Cover       []byte
	Status      string
	AuthorID    int64
	PublisherID *int64
}

func (gormBook) TableName() string { return "book" }

// gormBookRead is what P3 scans into: the times as time.Time.
type gormBookRead struct {
	ID          string `gorm:"column:id;primaryKey"`
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Title       string
	Description *string
	Price       *string
	Pages       *int64
	Weight      *float64
	Meta        *string
	Cover       []byte
	Status      string
	AuthorID    int64
	PublisherID *int64
}

func (gormBookRead) TableName() string { return "book" }

type bunAuthor struct {
	bun.BaseModel   `bun:"table:author"`
	ID              int64 `bun:"id,pk,autoincrement"`
	CreatedAt       string
	UpdatedAt       string
	Name            string
	Email           string
	Age             *int64
	TermsAccepted   bool
	Born            *string
	Identities      *string
	Rating          *float64
	Password        *string
	Version         int64
	FavouriteBookID *string
	MentorID        *int64
}

type bunBook struct {
	bun.BaseModel `bun:"table:book"`
	ID            string `bun:"id,pk"`
	CreatedAt     string
	UpdatedAt     string
	Title         string
	Description   *string
	Price         *string
	Pages         *int64
	Weight        *float64
	Meta          *string
	Cover         []byte
	Status        string
	AuthorID      int64
	PublisherID   *int64
}

type bunBookRead struct {
	bun.BaseModel `bun:"table:book"`
	ID            string `bun:"id,pk"`
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Title         string
	Description   *string
	Price         *string
	Pages         *int64
	Weight        *float64
	Meta          *string
	Cover         []byte
	Status        string
	AuthorID      int64
	PublisherID   *int64
}

func openBun(db *sql.DB) *bun.DB { return bun.NewDB(db, sqlitedialect.New()) }

func openGorm(db *sql.DB) (*gorm.DB, error) {
	return gorm.Open(gormSQLite{conn: db}, &gorm.Config{SkipDefaultTransaction: true, Logger: logger.Discard})
}

// gormSQLite is a minimal GORM dialector on an opened modernc.org/sqlite *sql.DB.
// github.com/glebarez/sqlite can't be used: its github.com/glebarez/go-sqlite registers the
// database/sql name "sqlite" too, which panics next to modernc.org/sqlite; gorm.io/driver/sqlite
// needs cgo. This one registers GORM's default callbacks as those dialectors do for
// SQLite >= 3.35 (RETURNING), and is enough for inserts and selects.
type gormSQLite struct{ conn *sql.DB }

func (gormSQLite) Name() string { return "sqlite" }

func (d gormSQLite) Initialize(db *gorm.DB) error {
	db.ConnPool = d.conn
	callbacks.RegisterDefaultCallbacks(db, &callbacks.Config{
		CreateClauses:        []string{"INSERT", "VALUES", "ON CONFLICT", "RETURNING"},
		UpdateClauses:        []string{"UPDATE", "SET", "FROM", "WHERE", "RETURNING"},
		DeleteClauses:        []string{"DELETE", "FROM", "WHERE", "RETURNING"},
		LastInsertIDReversed: true,
	})
	return nil
}

func (d gormSQLite) Migrator(db *gorm.DB) gorm.Migrator {
	return migrator.Migrator{Config: migrator.Config{DB: db, Dialector: d}}
}

func (gormSQLite) DataTypeOf(f *gschema.Field) string { return string(f.DataType) }

func (gormSQLite) DefaultValueOf(*gschema.Field) clause.Expression { return clause.Expr{SQL: "NULL"} }

func (gormSQLite) BindVarTo(w clause.Writer, _ *gorm.Statement, _ any) { w.WriteByte('?') }

func (gormSQLite) QuoteTo(w clause.Writer, s string) {
	for i, part := range strings.Split(s, ".") {
		if i > 0 {
			w.WriteByte('.')
		}
		w.WriteByte('"')
		w.WriteString(strings.ReplaceAll(part, `"`, `""`))
		w.WriteByte('"')
	}
}

func (gormSQLite) Explain(sql string, vars ...any) string {
	return logger.ExplainSQL(sql, nil, `'`, vars...)
}

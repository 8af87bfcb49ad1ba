package main

import (
	"time"

	"github.com/uptrace/bun"
)

// The structs GORM and Bun write and read on PostgreSQL: the columns of the tables that dorm
// creates from examples/schemas (timestamptz as time.Time, uuid and numeric as strings,
// nullable columns as pointers so that they are written as NULL, as dorm does).

type pgGormAuthor struct {
	ID              int64 `gorm:"column:id;primaryKey;autoIncrement"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Name            string
	Email           string
	Age             *int64
	TermsAccepted   bool
	Born            *time.Time
	Identities      *string
	Rating          *float64
	Password        *string
	Version         int64
	FavouriteBookID *string
	MentorID        *int64
}

func (pgGormAuthor) TableName() string { return "author" }

type pgGormBook struct {
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

func (pgGormBook) TableName() string { return "book" }

type pgBunAuthor struct {
	bun.BaseModel   `bun:"table:author"`
	ID              int64 `bun:"id,pk,autoincrement"`
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Name            string
	Email           string
	Age             *int64
	TermsAccepted   bool
	Born            *time.Time
	Identities      *string
	Rating          *float64
	Password        *string
	Version         int64
	FavouriteBookID *string
	MentorID        *int64
}

type pgBunBook struct {
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

// pgAuthor is what raw pgx scans an author row into (efectn Read and ReadSlice).
type pgAuthor struct {
	ID              int64
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Name            string
	Email           string
	Age             *int16
	TermsAccepted   bool
	Born            *time.Time
	Identities      *string
	Rating          *float64
	Password        *string
	Version         int64
	FavouriteBookID *string
	MentorID        *int64
}

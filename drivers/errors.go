package drivers

import (
	"errors"
	"fmt"
)

// ErrNotSupported is matched (errors.Is) by every *NotSupportedError.
var ErrNotSupported = errors.New("dorm: not supported by this driver")

// NotSupportedError is returned when a driver is asked for something it cannot do.
type NotSupportedError struct {
	Driver  string
	Feature string
}

func (e *NotSupportedError) Error() string {
	return fmt.Sprintf("dorm: the %s driver does not support %s", e.Driver, e.Feature)
}

func (e *NotSupportedError) Is(target error) bool { return target == ErrNotSupported }

// ConstraintKind is the kind of a violated constraint.
type ConstraintKind int

const (
	Unique ConstraintKind = iota + 1
	NotNull
	ForeignKey
	Check
)

func (k ConstraintKind) String() string {
	switch k {
	case Unique:
		return "unique"
	case NotNull:
		return "not null"
	case ForeignKey:
		return "foreign key"
	case Check:
		return "check"
	}
	return fmt.Sprintf("ConstraintKind(%d)", int(k))
}

// ConstraintError is a constraint violation, classified from the database's native error
// code (never from its message text).
type ConstraintError struct {
	Kind       ConstraintKind
	Entity     string // the entity written, when known
	Table      string // when the database says
	Constraint string // constraint or index name, when the database says
	Column     string // when the database says
	Err        error  // the native error
}

func (e *ConstraintError) Error() string {
	msg := "dorm: " + e.Kind.String() + " constraint violated"
	if e.Constraint != "" {
		msg += " (" + e.Constraint + ")"
	}
	if e.Entity != "" {
		msg += " writing " + e.Entity
	}
	if e.Column != "" {
		msg += ", column " + e.Column
	}
	return msg + ": " + e.Err.Error()
}

func (e *ConstraintError) Unwrap() error { return e.Err }

// NotAffectedError is returned by Update and Delete when a row given with a version matched no
// row: it was changed or deleted since it was read.
type NotAffectedError struct {
	Entity string
	Key    any
}

func (e *NotAffectedError) Error() string {
	return fmt.Sprintf("dorm: %s %v: no row with the expected version", e.Entity, e.Key)
}

// ConnError wraps an error of the connection to the database (not of a statement).
// SafeToRetry reports whether the statement certainly did not reach the database.
type ConnError struct {
	Err   error
	Retry bool
}

func (e *ConnError) Error() string     { return "dorm: connection: " + e.Err.Error() }
func (e *ConnError) Unwrap() error     { return e.Err }
func (e *ConnError) SafeToRetry() bool { return e.Retry }

// RetryError is an error after which the database rolled the transaction back, and running
// the whole transaction again may succeed: a deadlock (this transaction was the victim) or
// a serialization failure. Reason says which.
type RetryError struct {
	Reason string // "deadlock" or "serialization failure"
	Err    error
}

func (e *RetryError) Error() string {
	return "dorm: " + e.Reason + ", retry the transaction: " + e.Err.Error()
}
func (e *RetryError) Unwrap() error { return e.Err }

package uow

import (
	"time"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
	"github.com/google/uuid"
)

// now is the clock of onCreate/onUpdate values; tests may replace it.
var now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// timeValue returns the current time in the Go type of a date, datetime or time property.
func timeValue(p *schema.Property, t time.Time) any {
	switch p.Type {
	case schema.Date:
		y, m, d := t.Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	case schema.Time:
		return t.Format("15:04:05.999999")
	}
	return t
}

// applyCreateValues fills what a new entity gets when it is persisted: generated uuids,
// onCreate times, defaults, and the first version. Values the user set are kept.
func applyCreateValues(e *dynamic.Entity) {
	t := now()
	var stamp any // the datetime, boxed once for every property that takes it
	for _, p := range e.Meta().Properties {
		if p.Kind != schema.Scalar || e.Value(p) != nil {
			continue
		}
		switch {
		case p.OnCreate == "uuid":
			e.SetRaw(p, uuid.NewString())
		case p.OnCreate == "now" && p.Type == schema.DateTime:
			if stamp == nil {
				stamp = t
			}
			e.SetRaw(p, stamp)
		case p.OnCreate == "now":
			e.SetRaw(p, timeValue(p, t))
		case p.IsVersion:
			e.SetRaw(p, firstVersion(p, t))
		case p.HasDefault:
			e.SetRaw(p, p.Default)
		}
	}
}

func firstVersion(p *schema.Property, t time.Time) any {
	if p.Type.IsInteger() {
		return int64(1)
	}
	return timeValue(p, t)
}

func nextVersion(p *schema.Property, cur any, t time.Time) any {
	if p.Type.IsInteger() {
		n, _ := cur.(int64)
		return n + 1
	}
	v := timeValue(p, t)
	if old, ok := cur.(time.Time); ok {
		if nt, ok := v.(time.Time); ok && !nt.After(old) {
			return old.Add(time.Microsecond)
		}
	}
	return v
}

// columnValue is the value stored in p's column: the key of a referenced entity.
func columnValue(e *dynamic.Entity, p *schema.Property) any {
	v := e.Value(p)
	if r, ok := v.(*dynamic.Entity); ok {
		return r.ID()
	}
	return v
}

package uow

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
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
			e.SetRaw(p, newUUID())
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

// newUUID returns a random (version 4) UUID in its canonical text form, with one allocation:
// the string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on the supported platforms
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:])
}

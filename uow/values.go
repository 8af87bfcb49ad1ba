package uow

import (
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/dorm-go/dorm/dynamic"
	"github.com/dorm-go/dorm/schema"
)

// now is the clock of onCreate/onUpdate values; tests may replace it.
var now = func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// timeValue returns the current time in the Go type of a date, datetime or time property.
// UpdateStamps returns what an update written outside the unit of work (a native update)
// sets besides the user's fields: the onUpdate times and a datetime version (fields and
// values), and the integer version to increment (bump). Fields in skip are the user's: they
// keep the values given.
func UpdateStamps(meta *schema.Entity, skip func(*schema.Property) bool) (fields []*schema.Property, values []any, bump *schema.Property) {
	t := now()
	for _, p := range meta.Properties {
		if skip(p) {
			continue
		}
		switch {
		case p == meta.Version && p.Type.IsInteger():
			bump = p
		case p == meta.Version, p.OnUpdate == "now":
			fields = append(fields, p)
			values = append(values, timeValue(p, t))
		}
	}
	return fields, values, bump
}

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
// defaults, and the first version. Values the user set are kept. onCreate times are set by
// the flush that inserts the entity (stampCreated), as MikroORM runs onCreate hooks.
//
// props are the entity's scalars that Persist fills in (metaInfo.onPersist). It reports
// whether it generated a uuid for a primary key property: such a key is new to every map.
func applyCreateValues(e *dynamic.Entity, props []*schema.Property) (newKey bool) {
	var t time.Time
	for _, p := range props {
		if e.Value(p) != nil || embeddedAbsent(e, p) {
			continue
		}
		switch {
		case p.OnCreate == "uuid":
			e.SetRaw(p, newUUID())
			newKey = newKey || p.Primary
		case p.IsVersion:
			if t.IsZero() && !p.Type.IsInteger() {
				t = now()
			}
			e.SetRaw(p, firstVersion(p, t))
		case p.HasDefault:
			e.SetRaw(p, p.Default)
		}
	}
	return newKey
}

// stamps holds the onCreate times of one flush: every entity it inserts gets the same
// time, boxed once per property type.
type stamps struct {
	t     time.Time
	boxed map[schema.Type]any
}

// stampCreated sets the properties of props (an entity's onCreate: now properties) that
// have no value, and reports whether it set any.
func (s *stamps) stampCreated(e *dynamic.Entity, props []*schema.Property) bool {
	set := false
	for _, p := range props {
		if e.Value(p) != nil || embeddedAbsent(e, p) {
			continue
		}
		if s.t.IsZero() {
			s.t = now()
			s.boxed = map[schema.Type]any{}
		}
		v, ok := s.boxed[p.Type]
		if !ok {
			v = timeValue(p, s.t)
			s.boxed[p.Type] = v
		}
		e.SetRaw(p, v)
		set = true
	}
	return set
}

// unstamp takes back what stampCreated set on e: the properties of props that hold this
// flush's time (taken during the flush, so no value set before it can be the same).
func (s *stamps) unstamp(e *dynamic.Entity, props []*schema.Property) {
	for _, p := range props {
		if v := e.Value(p); v != nil && dynamic.Equal(v, s.boxed[p.Type]) {
			e.SetRaw(p, nil)
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

// entropy hands out the random bytes of generated UUIDs from crypto/rand, read 4 KiB at a
// time: one read per 256 UUIDs instead of one each (a read costs about as much as 64 bytes
// from the buffer). Bytes are zeroed once handed out.
var entropy struct {
	sync.Mutex
	buf [4096]byte
	off int
}

func init() { entropy.off = len(entropy.buf) }

func random16() (b [16]byte) {
	entropy.Lock()
	if entropy.off == len(entropy.buf) {
		_, _ = rand.Read(entropy.buf[:]) // crypto/rand.Read never fails on the supported platforms
		entropy.off = 0
	}
	chunk := entropy.buf[entropy.off : entropy.off+16]
	copy(b[:], chunk)
	clear(chunk)
	entropy.off += 16
	entropy.Unlock()
	return b
}

// newUUID returns a random (version 4) UUID in its canonical text form, with one allocation:
// the string.
func newUUID() string {
	b := random16()
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

// embeddedAbsent reports whether p is a field of a nullable embedded value that is not set
// (every field nil): its defaults and onCreate values wait until the value is set.
func embeddedAbsent(e *dynamic.Entity, p *schema.Property) bool {
	in := p.EmbeddedIn
	if in == nil || !in.Nullable {
		return false
	}
	for _, f := range in.Fields {
		if e.Value(f) != nil {
			return false
		}
	}
	return true
}

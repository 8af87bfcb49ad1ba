package sqlbase

import (
	"testing"
	"time"
)

func TestFormatDateTime(t *testing.T) {
	for _, tm := range []time.Time{
		time.Date(2026, 11, 25, 10, 11, 12, 123456789, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(1970, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		if got, want := FormatDateTime(tm), tm.Format("2006-01-02 15:04:05.000000"); got != want {
			t.Errorf("FormatDateTime(%v) = %q, want %q", tm, got, want)
		}
	}
}

func BenchmarkFormatDateTime(b *testing.B) {
	tm := time.Date(2026, 11, 25, 10, 11, 12, 123456789, time.UTC)
	b.Run("FormatDateTime", func(b *testing.B) {
		for b.Loop() {
			_ = FormatDateTime(tm)
		}
	})
	b.Run("time.Format", func(b *testing.B) {
		for b.Loop() {
			_ = tm.Format("2006-01-02 15:04:05.000000")
		}
	})
}

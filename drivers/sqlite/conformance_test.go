package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
	"github.com/dorm-go/dorm/drivers/sqlite"
)

// TestConformance runs the driver conformance suite on a SQLite file per case.
func TestConformance(t *testing.T) {
	driverstest.Run(t, driverstest.Harness{
		Open: func(t *testing.T, cfg drivers.Config) drivers.Driver {
			url := "sqlite:file:" + filepath.Join(t.TempDir(), "conformance.db")
			d, err := sqlite.Open(context.Background(), url, cfg)
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	})
}

package postgres

import (
	"context"
	"testing"

	"github.com/dorm-go/dorm/drivers"
	"github.com/dorm-go/dorm/drivers/driverstest"
)

// TestConformance runs the driver conformance suite on a new database per case.
func TestConformance(t *testing.T) {
	adminPool(t)
	driverstest.Run(t, driverstest.Harness{
		InsertPerRow: false,
		Open: func(t *testing.T, cfg drivers.Config) drivers.Driver {
			d, err := drivers.Open(context.Background(), newDatabase(t), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return d
		},
	})
}
